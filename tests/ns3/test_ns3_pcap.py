"""pcap capture of fabric ports: real Ethernet / IPv4 / UDP 4791 / BTH frames that tshark decodes
as RoCEv2, and whose contents agree with the fabric's own counters.

One small run (3-host star, 2 -> 1 incast under PFC + DCQCN with an aggressive ECN ramp) is
captured on three ports: the switch port towards the receiver (data, some CE-marked), the switch
port towards sender 1 (ACK, CNP, PFC) and the receiver's NIC port (ACK, CNP); the run is repeated
with an ACK every 3 packets. A lossy run adds drops, NAKs and go-back-N resends. The pure-Python
checks parse the files with `struct` and check the ICRC with zlib; the tshark checks run only
where tshark is installed (scripts/setup_tshark.sh installs it).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from astrasim_py.topology import star

pytestmark = pytest.mark.ns3

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark is not on PATH (scripts/setup_tshark.sh installs it)")

HOSTS = 3
SWITCH = HOSTS  # the star's switch node comes after the hosts; its port i faces host i
RECEIVER = 0
MTU = 1000
DATA_PRIORITY = 3
PAUSE_QUANTA = 65535
# Messages per sender, queued on one QP each, in order. Partial last packets and a single-packet
# (SEND only) message make byte offsets and PSNs part ways.
MESSAGES = {1: [2_500, 2_500, 700, 200_000], 2: [300_000]}
# Under loss: many messages ending in a short packet while the other sender fills the queue.
LOSSY_MESSAGES = {1: [2_500] * 20 + [700] * 5, 2: [200_000]}
PORTS = {"to_receiver": (SWITCH, RECEIVER), "to_sender": (SWITCH, 1), "receiver_nic": (RECEIVER, 0)}

ROCEV2_PORT = 4791
OP_SEND_FIRST, OP_SEND_MIDDLE, OP_SEND_LAST, OP_SEND_ONLY, OP_ACK, OP_CNP = 0x00, 0x01, 0x02, 0x04, 0x11, 0x81
ECN_CE = 0x3
PFC_ETHERTYPE, PFC_OPCODE = 0x8808, 0x0101
FCS_BYTES = 4


# ---------------------------------------------------------------- pcap parsing (no tshark)


@dataclass
class Frame:
    """One pcap record."""

    time_ns: int
    data: bytes
    orig_len: int


def read_pcap(path: Path) -> tuple[dict, list[Frame]]:
    """The global header fields and the records of a nanosecond little-endian pcap file."""
    raw = path.read_bytes()
    magic, major, minor, zone, sigfigs, snaplen, linktype = struct.unpack_from("<IHHiIII", raw, 0)
    header = {"magic": magic, "version": (major, minor), "snaplen": snaplen, "linktype": linktype}
    frames, off = [], 24
    while off < len(raw):
        sec, nsec, caplen, orig = struct.unpack_from("<IIII", raw, off)
        off += 16
        frames.append(Frame(sec * 1_000_000_000 + nsec, raw[off:off + caplen], orig))
        off += caplen
    assert off == len(raw), f"{path}: trailing bytes after the last record"
    return header, frames


def ipv4_checksum_ok(header: bytes) -> bool:
    """The ones'-complement sum of a 20-byte IPv4 header (checksum included) is 0xFFFF."""
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


def roce_icrc(ip_to_payload: bytes) -> bytes:
    """RoCEv2 ICRC (wire order) of an IPv4 packet without its ICRC: CRC-32 over 8 bytes of ones
    standing for the LRH and the packet with TOS, TTL, IP and UDP checksums and the BTH byte
    holding FECN/BECN set to ones."""
    masked = bytearray(ip_to_payload)
    masked[1] = 0xFF
    masked[8] = 0xFF
    masked[10:12] = b"\xff\xff"
    masked[26:28] = b"\xff\xff"
    masked[32] = 0xFF
    return zlib.crc32(b"\xff" * 8 + bytes(masked)).to_bytes(4, "little")


@dataclass
class Decoded:
    """The fields of a frame the checks look at."""

    kind: str  # data | ack | nak | cnp | pfc
    length: int
    src_host: int = -1
    dst_host: int = -1
    ecn: int = 0
    opcode: int = -1
    dest_qp: int = -1
    psn: int = -1
    becn: bool = False
    syndrome: int = -1
    payload: int = 0
    pfc_vector: int = 0
    pfc_quanta: tuple[int, ...] = ()


def decode(frame: Frame) -> Decoded:
    """Parse one frame, asserting every structural invariant on the way."""
    d = frame.data
    assert len(d) == frame.orig_len >= 60
    ethertype = struct.unpack_from("!H", d, 12)[0]
    if ethertype == PFC_ETHERTYPE:
        assert d[:6] == bytes.fromhex("0180c2000001")
        opcode, vector, *quanta = struct.unpack_from("!HH8H", d, 14)
        assert opcode == PFC_OPCODE
        assert not any(d[34:]), "PFC pad bytes must be zero"
        return Decoded("pfc", len(d), pfc_vector=vector, pfc_quanta=tuple(quanta))
    assert ethertype == 0x0800
    ip = d[14:34]
    assert ip[0] == 0x45 and ip[9] == 17
    assert ipv4_checksum_ok(ip), "bad IPv4 header checksum"
    total = struct.unpack_from("!H", ip, 2)[0]
    assert 14 + total == len(d), "IPv4 total length must cover the frame"
    _, dport, udp_len, udp_sum = struct.unpack_from("!HHHH", d, 34)
    assert dport == ROCEV2_PORT and udp_len == total - 20 and udp_sum == 0
    assert d[-4:] == roce_icrc(d[14:-4]), "bad RoCEv2 ICRC"
    opcode, flags, pkey, fb, qp_hi, qp_lo, ackreq, psn_hi, psn_lo = struct.unpack_from("!BBHBBHBBH", d, 42)
    assert pkey == 0xFFFF and flags == 0
    src = (ip[13] << 8) | ip[14]  # 11.x.y.1: host = x * 256 + y
    dst = (ip[17] << 8) | ip[18]
    out = Decoded("data", len(d), src, dst, ip[1] & 0x3, opcode, (qp_hi << 16) | qp_lo,
                  (psn_hi << 16) | psn_lo, bool(fb & 0x40))
    body = d[54:-4]
    if opcode in (OP_SEND_FIRST, OP_SEND_MIDDLE, OP_SEND_LAST, OP_SEND_ONLY):
        assert bool(ackreq & 0x80) == (opcode in (OP_SEND_LAST, OP_SEND_ONLY))
        out.payload = len(body)
    elif opcode == OP_ACK:
        out.syndrome = body[0]
        out.kind = "nak" if body[0] >> 5 == 0b011 else "ack"
        assert len(body) == 4
    elif opcode == OP_CNP:
        out.kind = "cnp"
        assert len(body) == 16 and not any(body)
    else:
        raise AssertionError(f"unexpected BTH opcode {opcode:#x}")
    return out


def expected_sends(sizes: list[int]) -> list[tuple[int, int]]:
    """(opcode, payload) of every packet of the messages `sizes` sent back to back on one QP."""
    out = []
    for size in sizes:
        n = -(-size // MTU)
        for i in range(n):
            payload = min(MTU, size - i * MTU)
            if n == 1:
                op = OP_SEND_ONLY
            else:
                op = OP_SEND_FIRST if i == 0 else OP_SEND_LAST if i == n - 1 else OP_SEND_MIDDLE
            out.append((op, payload))
    return out


def expected_ack_psns(sizes: list[int], interval: int) -> list[int]:
    """PSNs the receiver acknowledges: every `interval` in-order packets and each message's last."""
    out, unacked = [], 0
    for psn, (op, _) in enumerate(expected_sends(sizes)):
        unacked += 1
        if unacked >= interval or op in (OP_SEND_LAST, OP_SEND_ONLY):
            out.append(psn)
            unacked = 0
    return out


# ---------------------------------------------------------------- the captured run


def _run_flows(config: dict, messages: dict) -> dict:
    """Send every sender's messages to the receiver, run, return the telemetry."""
    from astrasim_py.network.ns3 import create_backend

    backend = create_backend(config, HOSTS, 1)
    try:
        for sender, sizes in messages.items():
            for size in sizes:
                backend.flow(sender, RECEIVER, size)
        backend.run()
        return backend.telemetry()
    finally:
        backend.close()


@pytest.fixture(scope="module", params=[1, 3], ids=lambda n: f"ack_every_{n}")
def capture(request, fabric_available, tmp_path_factory):
    """Run the incast with the three ports captured; the telemetry and the pcap paths."""
    ack_interval = request.param

    out = tmp_path_factory.mktemp("pcap")
    config = {"fabric": {
        "topology": star(HOSTS, 100, 1000), "preset": "dcqcn_paper", "switch_buffer_bytes": 40_000,
        # A steep ECN ramp so that a short run marks packets and sends CNPs.
        "congestion_control_params": {"KminBytes": 2000, "KmaxBytes": 20000, "Pmax": 0.2},
        "flow_control_params": {"PauseQuanta": PAUSE_QUANTA},
        "transport_params": {"MtuBytes": MTU, "DataPriority": DATA_PRIORITY, "AckIntervalPackets": ack_interval},
        "telemetry": {"pcap_ports": [list(p) for p in PORTS.values()], "pcap_dir": str(out)}}}
    tel = _run_flows(config, MESSAGES)
    ports = {(p["node"], p["port"]): p for p in tel["ports"]}
    paths = {name: out / f"node{n}_port{p}.pcap" for name, (n, p) in PORTS.items()}
    return {"tel": tel, "ports": {name: ports[key] for name, key in PORTS.items()}, "paths": paths,
            "ack_interval": ack_interval}


@pytest.fixture(scope="module")
def decoded(capture):
    """Every captured frame decoded by the pure-Python parser, per port."""
    return {name: [decode(f) for f in read_pcap(path)[1]] for name, path in capture["paths"].items()}


def test_run_exercises_every_frame_kind(capture):
    tel, ports = capture["tel"], capture["ports"]
    assert tel["drops"] == 0 and tel["delivered_bytes"] == sum(map(sum, MESSAGES.values()))
    assert ports["to_receiver"]["peer"] == RECEIVER and ports["to_sender"]["peer"] == 1
    assert ports["to_receiver"]["ecn_marks"] > 0 and tel["cnps"] > 0
    assert ports["to_sender"]["pause_frames_sent"] > 0


# ---------------------------------------------------------------- pure-Python checks


def test_global_header_and_records(capture):
    for path in capture["paths"].values():
        header, frames = read_pcap(path)
        assert header["magic"] == 0xA1B23C4D, "nanosecond pcap magic"
        assert header["version"] == (2, 4) and header["linktype"] == 1
        assert frames
        assert all(len(f.data) == f.orig_len <= header["snaplen"] for f in frames)
        times = [f.time_ns for f in frames]
        assert times == sorted(times)


def test_frame_bytes_are_the_wire_bytes_the_port_charged(capture):
    # Every frame costs its pcap length + FCS + preamble/SFD/IFG on the link.
    overhead = capture["tel"]["config"]["transport_attributes"]["PreambleIfgBytes"] + FCS_BYTES
    for name, path in capture["paths"].items():
        frames = read_pcap(path)[1]
        assert sum(f.orig_len + overhead for f in frames) == capture["ports"][name]["tx_bytes"], name


def test_timestamps_are_transmission_starts(capture):
    # A port sends one frame at a time: the next frame starts no earlier than this one's last bit
    # (pcap keeps whole ns of the ps clock), and the busy bottleneck sends back to back.
    overhead = capture["tel"]["config"]["transport_attributes"]["PreambleIfgBytes"] + FCS_BYTES
    gbps = next(link["gbps"] for link in capture["tel"]["links"])
    for name, path in capture["paths"].items():
        frames = read_pcap(path)[1]
        gaps = [(b.time_ns - a.time_ns) - (a.orig_len + overhead) * 8 / gbps for a, b in zip(frames, frames[1:])]
        assert min(gaps) > -1, name
        if name == "to_receiver":
            assert min(gaps) < 1


def test_data_frames_match_the_port_counters(decoded, capture):
    port = capture["ports"]["to_receiver"]
    frames = decoded["to_receiver"]
    assert {f.kind for f in frames} == {"data"}
    assert len(frames) == port["tx_data_packets"]
    assert sum(f.ecn == ECN_CE for f in frames) == port["ecn_marks"]
    assert all(f.ecn in (0x2, ECN_CE) for f in frames), "data is ECT(0) unless marked"
    assert all(f.length == f.payload + 58 for f in frames), "Eth 14 + IPv4 20 + UDP 8 + BTH 12 + ICRC 4"


def test_send_opcodes_and_psns_per_qp(decoded):
    frames = decoded["to_receiver"]
    for sender, sizes in MESSAGES.items():
        mine = [f for f in frames if f.src_host == sender]
        assert all(f.dst_host == RECEIVER for f in mine)
        assert len({f.dest_qp for f in mine}) == 1, "one QP per sender"
        assert [(f.opcode, f.payload) for f in mine] == expected_sends(sizes)
        assert [f.psn for f in mine] == list(range(len(mine))), "PSN +1 per packet from 0"
    assert len({f.dest_qp for f in frames}) == len(MESSAGES)


def test_acks_and_cnps_from_the_receiver(decoded, capture):
    tel = capture["tel"]
    frames = decoded["receiver_nic"]
    data = decoded["to_receiver"]
    acks = [f for f in frames if f.kind == "ack"]
    cnps = [f for f in frames if f.kind == "cnp"]
    assert len(acks) + len(cnps) == len(frames)
    assert len(acks) == tel["acks"] and len(cnps) == tel["cnps"]
    assert all(f.length == 62 and f.syndrome == 0x1F and f.ecn == 0 for f in acks)
    assert all(f.length == 74 and f.becn and f.psn == 0 and f.src_host == RECEIVER for f in cnps)
    for sender, sizes in MESSAGES.items():
        qp = {f.dest_qp for f in data if f.src_host == sender}
        # Each ACK carries the PSN of the last packet it acknowledges.
        expected = expected_ack_psns(sizes, capture["ack_interval"])
        assert [f.psn for f in acks if f.dst_host == sender] == expected
        assert {f.dest_qp for f in acks if f.dst_host == sender} == qp
        assert {f.dest_qp for f in cnps if f.dst_host == sender} <= qp


def test_pfc_frames_match_the_pause_counter(decoded, capture):
    port = capture["ports"]["to_sender"]
    frames = decoded["to_sender"]
    pfc = [f for f in frames if f.kind == "pfc"]
    assert len(pfc) == port["pause_frames_sent"]
    assert all(f.length == 60 and f.pfc_vector == 1 << DATA_PRIORITY for f in pfc)
    assert all(q == 0 for f in pfc for p, q in enumerate(f.pfc_quanta) if p != DATA_PRIORITY)
    quanta = [f.pfc_quanta[DATA_PRIORITY] for f in pfc]
    assert set(quanta) <= {PAUSE_QUANTA, 0} and PAUSE_QUANTA in quanta and 0 in quanta, "XOFF and XON"
    # The other frames on this port are ACKs and CNPs going back to sender 1.
    assert {f.kind for f in frames} == {"pfc", "ack", "cnp"}
    assert all(f.dst_host == 1 for f in frames if f.kind != "pfc")


def test_icrc_matches_a_connectx4_capture():
    # A CNP captured on a ConnectX-4 Lx (public Scapy regression data): the checker's ICRC must
    # reproduce the hardware's.
    frame = bytes.fromhex(
        "e41d2dab2bc27cfe90643b32080045c2003c718c400040119161 0a0011010a00"
        "12010000 12b70028 00008100 ffff4000 01180000 00000000 00000000 00000000"
        "00000000 0000 82fd002a".replace(" ", ""))
    assert ipv4_checksum_ok(frame[14:34])
    assert roce_icrc(frame[14:-4]) == frame[-4:]


# ---------------------------------------------------------------- drops, NAKs and go-back-N


@pytest.fixture(scope="module")
def lossy(fabric_available, tmp_path_factory):
    """The same senders on a lossy fabric with a tiny buffer: drops, NAKs and resends, captured
    behind the dropping queue (switch -> receiver) and at the receiver's NIC."""

    out = tmp_path_factory.mktemp("pcap_lossy")
    ports = {"sender_nic": (1, 0), "to_receiver": (SWITCH, RECEIVER), "receiver_nic": (RECEIVER, 0)}
    config = {"fabric": {
        "topology": star(HOSTS, 100, 1000), "preset": "lossy", "switch_buffer_bytes": 10_000,
        "transport_params": {"MtuBytes": MTU, "RetransmitTimeoutUs": 100},
        "telemetry": {"pcap_ports": [list(p) for p in ports.values()], "pcap_dir": str(out)}}}
    tel = _run_flows(config, LOSSY_MESSAGES)
    frames = {name: read_pcap(out / f"node{n}_port{p}.pcap")[1] for name, (n, p) in ports.items()}
    by_port = {(p["node"], p["port"]): p for p in tel["ports"]}
    return {"tel": tel, "ports": {name: by_port[key] for name, key in ports.items()},
            "frames": frames, "paths": {name: out / f"node{n}_port{p}.pcap" for name, (n, p) in ports.items()}, "decoded": {name: [decode(f) for f in fs] for name, fs in frames.items()}}


def test_resent_packets_keep_their_psn_and_opcode(lossy):
    tel, port = lossy["tel"], lossy["ports"]["to_receiver"]
    assert tel["drops"] > 0 and tel["nacks"] > 0 and tel["retransmitted_packets"] > 0
    assert tel["delivered_bytes"] == sum(map(sum, LOSSY_MESSAGES.values()))
    # At the sender, upstream of the drops, a resend carries the PSN and opcode of the original.
    sends = expected_sends(LOSSY_MESSAGES[1])
    sent = lossy["decoded"]["sender_nic"]
    assert len(sent) == lossy["ports"]["sender_nic"]["tx_data_packets"] > len(sends)
    assert [(f.opcode, f.payload) for f in sent] == [sends[f.psn] for f in sent]
    assert any(b.psn < a.psn for a, b in zip(sent, sent[1:])), "go-back-N"
    data = lossy["decoded"]["to_receiver"]
    assert len(data) == port["tx_data_packets"]
    for sender, sizes in LOSSY_MESSAGES.items():
        sends = expected_sends(sizes)
        mine = [f for f in data if f.src_host == sender]
        # Behind the dropping queue every PSN arrives; PSNs are exact (no drop burst here swallows
        # a message's end and the whole next message, see pcap-writer.h), and so are the message
        # ends. Only whether a packet starts a message is a guess until that message's first
        # packet has passed.
        assert {f.psn for f in mine} == set(range(len(sends)))
        assert all(f.payload == sends[f.psn][1] for f in mine)
        last = (OP_SEND_LAST, OP_SEND_ONLY)
        assert all((f.opcode in last) == (sends[f.psn][0] in last) for f in mine)
        seen_first = set()
        for f in mine:
            if (f.opcode, f.payload) != sends[f.psn]:
                start = max(p for p in range(f.psn + 1) if sends[p][0] in (OP_SEND_FIRST, OP_SEND_ONLY))
                assert start not in seen_first, f"PSN {f.psn} mislabelled after its message's first packet passed"
            if f.opcode in (OP_SEND_FIRST, OP_SEND_ONLY) and sends[f.psn] == (f.opcode, f.payload):
                seen_first.add(f.psn)


def test_naks_name_the_missing_psn(lossy):
    tel = lossy["tel"]
    times = {name: [f.time_ns for f in fs] for name, fs in lossy["frames"].items()}
    data, control = lossy["decoded"]["to_receiver"], lossy["decoded"]["receiver_nic"]
    naks = [(t, f) for t, f in zip(times["receiver_nic"], control) if f.kind == "nak"]
    assert len(naks) == tel["nacks"] > 0
    assert all(f.syndrome == 0x60 and f.length == 62 for _, f in naks), "NAK: PSN sequence error"
    for t, nak in naks:
        sender = nak.dst_host
        acked = [f.psn for s, f in zip(times["receiver_nic"], control)
                 if f.kind == "ack" and f.dst_host == sender and s < t]
        # Everything before the NAKed PSN was acknowledged, it was not, and it is resent later.
        assert max(acked, default=-1) == nak.psn - 1
        assert any(f.psn == nak.psn and f.src_host == sender and s > t
                   for s, f in zip(times["to_receiver"], data))
    for sender, sizes in LOSSY_MESSAGES.items():
        psns = [f.psn for f in control if f.kind == "ack" and f.dst_host == sender]
        assert psns == sorted(psns) and psns[-1] == len(expected_sends(sizes)) - 1


# ---------------------------------------------------------------- tshark decodes it as RoCEv2

FIELDS = ["frame.len", "frame.protocols", "ip.checksum.status", "ip.dsfield.ecn", "udp.dstport",
          "infiniband.bth.opcode", "infiniband.bth.destqp", "infiniband.bth.psn", "infiniband.aeth.syndrome",
          "macc.opcode", "macc.cbfc.enbv", f"macc.cbfc.pause_time.c{DATA_PRIORITY}", "_ws.malformed",
          "_ws.expert.severity"]


def tshark_fields(path: Path) -> list[dict[str, str]]:
    """One dict per frame of the fields tshark decoded (IPv4 checksum validation on)."""
    out = subprocess.run([TSHARK, "-r", str(path), "-n", "-o", "ip.check_checksum:TRUE", "-T", "fields",
                          "-E", "separator=\t", "-E", "occurrence=f", *[a for f in FIELDS for a in ("-e", f)]],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    return [dict(zip(FIELDS, line.split("\t"))) for line in out.splitlines()]


def num(value: str) -> int:
    """An integer field as tshark prints it (hex with 0x, else decimal)."""
    return int(value, 16) if value.startswith("0x") else int(value)


@pytest.fixture(scope="module")
def tshark_decoded(capture):
    """tshark's decode of every captured port."""
    return {name: tshark_fields(path) for name, path in capture["paths"].items()}


@needs_tshark
def test_tshark_decodes_every_frame_as_roce_or_pfc(tshark_decoded, decoded):
    for name, rows in tshark_decoded.items():
        assert len(rows) == len(decoded[name])
        for row, mine in zip(rows, decoded[name]):
            assert row["_ws.malformed"] == "" and row["_ws.expert.severity"] == "", row
            assert num(row["frame.len"]) == mine.length
            if mine.kind == "pfc":
                assert row["frame.protocols"] == "eth:ethertype:macc"
                assert num(row["macc.opcode"]) == PFC_OPCODE
                assert num(row["macc.cbfc.enbv"]) == 1 << DATA_PRIORITY
                assert num(row[f"macc.cbfc.pause_time.c{DATA_PRIORITY}"]) == mine.pfc_quanta[DATA_PRIORITY]
                continue
            assert row["frame.protocols"].startswith("eth:ethertype:ip:udp:infiniband"), row
            assert row["ip.checksum.status"] == "1", "tshark: IPv4 header checksum good"
            assert num(row["udp.dstport"]) == ROCEV2_PORT
            assert num(row["ip.dsfield.ecn"]) == mine.ecn
            assert num(row["infiniband.bth.opcode"]) == mine.opcode
            assert num(row["infiniband.bth.destqp"]) == mine.dest_qp
            assert num(row["infiniband.bth.psn"]) == mine.psn
            if mine.kind == "ack":
                assert num(row["infiniband.aeth.syndrome"]) == 0x1F


@needs_tshark
def test_tshark_counts_match_the_fabric(tshark_decoded, capture):
    ports, tel = capture["ports"], capture["tel"]
    data = tshark_decoded["to_receiver"]
    assert len(data) == ports["to_receiver"]["tx_data_packets"]
    assert sum(r["ip.dsfield.ecn"] == str(ECN_CE) for r in data) == ports["to_receiver"]["ecn_marks"]
    ops = sorted(num(r["infiniband.bth.opcode"]) for r in data)
    assert ops == sorted(op for sizes in MESSAGES.values() for op, _ in expected_sends(sizes))
    nic = tshark_decoded["receiver_nic"]
    assert sum(num(r["infiniband.bth.opcode"] or "-1") == OP_ACK for r in nic) == tel["acks"]
    assert sum(num(r["infiniband.bth.opcode"] or "-1") == OP_CNP for r in nic) == tel["cnps"]
    pfc = [r for r in tshark_decoded["to_sender"] if r["frame.protocols"] == "eth:ethertype:macc"]
    assert len(pfc) == ports["to_sender"]["pause_frames_sent"]


@needs_tshark
def test_tshark_decodes_naks(lossy):
    control = lossy["decoded"]["receiver_nic"]
    rows = tshark_fields(lossy["paths"]["receiver_nic"])
    assert len(rows) == len(control)
    naks = [(r, f) for r, f in zip(rows, control) if f.kind == "nak"]
    assert naks
    for row, mine in naks:
        assert row["_ws.malformed"] == "" and row["_ws.expert.severity"] == "", row
        assert num(row["infiniband.aeth.syndrome"]) == 0x60 and num(row["infiniband.bth.psn"]) == mine.psn
