#include "pcap-writer.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>

namespace ns3
{
namespace fabric
{

namespace
{

constexpr std::array<uint32_t, 256>
MakeCrcTable()
{
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i)
    {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k)
        {
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        table[i] = c;
    }
    return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

constexpr uint32_t kPsnMask = 0xFFFFFF;
constexpr size_t kEthBytes = 14;
constexpr size_t kIpv4Bytes = 20;
constexpr size_t kUdpBytes = 8;
constexpr size_t kBthBytes = 12;
constexpr size_t kIcrcBytes = 4;
constexpr size_t kFcsBytes = 4;
constexpr size_t kMinFrameBytes = 60;  // 64-byte minimum Ethernet frame without its FCS

// BTH opcodes (RC transport) and the RoCEv2 CNP.
constexpr uint8_t kRcSendFirst = 0x00;
constexpr uint8_t kRcSendMiddle = 0x01;
constexpr uint8_t kRcSendLast = 0x02;
constexpr uint8_t kRcSendOnly = 0x04;
constexpr uint8_t kRcAcknowledge = 0x11;
constexpr uint8_t kCnp = 0x81;

void
Put16(std::vector<uint8_t>& b, uint16_t v)
{
    b.push_back(v >> 8);
    b.push_back(v & 0xFF);
}

void
Put24(std::vector<uint8_t>& b, uint32_t v)
{
    b.push_back((v >> 16) & 0xFF);
    b.push_back((v >> 8) & 0xFF);
    b.push_back(v & 0xFF);
}

void
Put32(std::vector<uint8_t>& b, uint32_t v)
{
    Put16(b, v >> 16);
    Put16(b, v & 0xFFFF);
}

void
PutMac(std::vector<uint8_t>& b, uint32_t node)
{
    // Locally administered unicast MAC carrying the node id.
    const uint8_t mac[6] = {0x02, 0x00, uint8_t(node >> 24), uint8_t(node >> 16), uint8_t(node >> 8),
                            uint8_t(node)};
    b.insert(b.end(), mac, mac + 6);
}

uint32_t
HostIp(uint32_t host)
{
    // 11.x.y.1 with x = id / 256, y = id % 256, as the reference numbers hosts.
    return (11u << 24) | ((host / 256) << 16) | ((host % 256) << 8) | 1u;
}

uint16_t
Ipv4Checksum(const uint8_t* h)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < kIpv4Bytes; i += 2)
    {
        sum += (uint32_t(h[i]) << 8) | h[i + 1];
    }
    while (sum >> 16)
    {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return uint16_t(~sum);
}

/// GF(2) 32x32 matrix acting on a CRC register: column i is the image of bit i.
using Gf2Matrix = std::array<uint32_t, 32>;

uint32_t
Apply(const Gf2Matrix& m, uint32_t v)
{
    uint32_t r = 0;
    for (int i = 0; v; ++i, v >>= 1)
    {
        if (v & 1)
        {
            r ^= m[i];
        }
    }
    return r;
}

/// a after b.
Gf2Matrix
Compose(const Gf2Matrix& a, const Gf2Matrix& b)
{
    Gf2Matrix r{};
    for (int i = 0; i < 32; ++i)
    {
        r[i] = Apply(a, b[i]);
    }
    return r;
}

/// What feeding `n` zero bytes does to the CRC register, in O(log n) matrix products.
Gf2Matrix
ZeroRunOperator(uint32_t n)
{
    Gf2Matrix step{};
    Gf2Matrix result{};
    for (int i = 0; i < 32; ++i)
    {
        const uint32_t bit = 1u << i;
        step[i] = kCrcTable[bit & 0xFF] ^ (bit >> 8);
        result[i] = bit;
    }
    for (; n; n >>= 1)
    {
        if (n & 1)
        {
            result = Compose(step, result);
        }
        step = Compose(step, step);
    }
    return result;
}

} // namespace

uint32_t
Crc32(uint32_t crc, const uint8_t* data, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; ++i)
    {
        crc = kCrcTable[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    }
    return ~crc;
}

bool
PcapWriter::Open(const std::string& path)
{
    m_file = std::fopen(path.c_str(), "wb");
    if (!m_file)
    {
        return false;
    }
    // Global header in host byte order (readers detect it from the magic): nanosecond
    // timestamps, Ethernet link type.
    const uint32_t magic = 0xa1b23c4d;
    const uint16_t major = 2, minor = 4;
    const int32_t zone = 0;
    const uint32_t sigfigs = 0, snaplen = 262144, linktype = 1;
    std::fwrite(&magic, 4, 1, m_file);
    std::fwrite(&major, 2, 1, m_file);
    std::fwrite(&minor, 2, 1, m_file);
    std::fwrite(&zone, 4, 1, m_file);
    std::fwrite(&sigfigs, 4, 1, m_file);
    std::fwrite(&snaplen, 4, 1, m_file);
    std::fwrite(&linktype, 4, 1, m_file);
    return true;
}

PcapWriter::~PcapWriter()
{
    if (m_file)
    {
        std::fclose(m_file);
    }
}

uint32_t
PcapWriter::Icrc(const uint8_t* ip, size_t len, uint32_t zeroTail)
{
    const uint8_t lrh[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    uint8_t head[kIpv4Bytes + kUdpBytes + kBthBytes];
    std::memcpy(head, ip, sizeof head);
    head[1] = 0xFF;                                      // TOS (DSCP + ECN)
    head[8] = 0xFF;                                      // TTL
    head[10] = head[11] = 0xFF;                          // header checksum
    head[kIpv4Bytes + 6] = head[kIpv4Bytes + 7] = 0xFF;  // UDP checksum
    head[kIpv4Bytes + kUdpBytes + 4] = 0xFF;             // BTH FECN/BECN/reserved
    uint32_t crc = Crc32(0, lrh, sizeof lrh);
    crc = Crc32(crc, head, sizeof head);
    crc = Crc32(crc, ip + sizeof head, len - sizeof head);
    if (zeroTail)
    {
        // Payload bytes are zeros: one cached operator per payload size instead of a byte loop.
        auto it = m_zeroRuns.find(zeroTail);
        if (it == m_zeroRuns.end())
        {
            if (m_zeroRuns.size() >= kMaxZeroRuns)
            {
                m_zeroRuns.clear();
            }
            it = m_zeroRuns.emplace(zeroTail, ZeroRunOperator(zeroTail)).first;
        }
        crc = ~Apply(it->second, ~crc);
    }
    return crc;
}

uint32_t
PcapWriter::DataPsn(uint32_t qp, uint64_t seq, uint32_t mtu, bool& first)
{
    auto& starts = m_messageStarts[qp];
    auto it = starts.upper_bound(seq);
    if (it == starts.begin())
    {
        // The first packet of this QP on this port: from byte 0 the numbering is exact,
        // elsewhere it assumes MTU-multiple messages before it.
        it = starts.emplace(seq, MessageStart{uint32_t((seq + mtu - 1) / mtu), seq != 0}).first;
    }
    else
    {
        --it;
        const uint64_t offset = seq - it->first;
        if (offset % mtu)
        {
            // Off the MTU grid of the message before: that message ended in a short packet this
            // port has not carried (dropped upstream) and a new message runs on seq's grid. The
            // PSN follows either way; whether seq is that message's first packet is a guess.
            const uint32_t psn = it->second.psn + uint32_t((offset + mtu - 1) / mtu);
            it = starts.emplace_hint(std::next(it), seq, MessageStart{psn, true});
        }
    }
    // Earlier guesses on this message's grid were packets in its middle.
    for (auto next = std::next(it);
         next != starts.end() && next->second.guessed && (next->first - it->first) % mtu == 0;)
    {
        next = starts.erase(next);
    }
    first = it->first == seq;
    return it->second.psn + uint32_t((seq - it->first) / mtu);
}

uint32_t
PcapWriter::ExpectedPsn(uint32_t qp, uint64_t seq, uint32_t mtu)
{
    auto [it, fresh] = m_acked.try_emplace(qp, AckedUpTo{0, 0});
    AckedUpTo& acked = it->second;
    if (seq < acked.seq)
    {
        return uint32_t((seq + mtu - 1) / mtu);  // the receiver never goes back; not expected
    }
    acked.psn += uint32_t((seq - acked.seq + mtu - 1) / mtu);
    acked.seq = seq;
    return acked.psn;
}

PcapWriter::BthFields
PcapWriter::Bth(const FabricPacket& pkt, uint32_t mtu)
{
    // From the per-QP numbering.
    uint8_t opcode = kRcAcknowledge;
    uint32_t psn = 0;
    uint32_t extra = 4;  // AETH
    if (pkt.kind == PacketKind::Data)
    {
        bool first = false;
        psn = DataPsn(pkt.qp, pkt.seq, mtu, first);
        opcode = first ? (pkt.lastOfMessage ? kRcSendOnly : kRcSendFirst)
                       : (pkt.lastOfMessage ? kRcSendLast : kRcSendMiddle);
        if (pkt.lastOfMessage)
        {
            auto& starts = m_messageStarts[pkt.qp];
            starts.insert_or_assign(pkt.seq + pkt.payloadBytes, MessageStart{psn + 1, false});
            if (starts.size() > 2 * kKeptMessageStarts)
            {
                // Go-back-N never rewinds that far: keep memory bounded on long runs.
                starts.erase(starts.begin(), std::next(starts.begin(), kKeptMessageStarts));
            }
        }
        extra = pkt.payloadBytes;
    }
    else if (pkt.kind == PacketKind::Cnp)
    {
        opcode = kCnp;
        extra = 16;
    }
    else
    {
        // ACK/NAK: seq is the next expected byte. An ACK carries the PSN of the last packet it
        // acknowledges, a NAK (PSN sequence error) the PSN it expects.
        const uint32_t expected = ExpectedPsn(pkt.qp, pkt.seq, mtu);
        psn = pkt.kind == PacketKind::Nack ? expected : expected - 1;
    }
    return BthFields{opcode, psn, extra};
}

size_t
PcapWriter::PutIpv4Udp(std::vector<uint8_t>& b, const FabricPacket& pkt, uint32_t extra)
{
    // IPv4: DSCP = priority x 8, ECN = ECT(0) on data (CE once a switch marked it).
    const size_t ip = b.size();
    const uint16_t ipLen = uint16_t(kIpv4Bytes + kUdpBytes + kBthBytes + extra + kIcrcBytes);
    const uint8_t ecn = pkt.kind == PacketKind::Data ? (pkt.ecnCe ? 0x3 : 0x2) : 0x0;
    b.push_back(0x45);
    b.push_back(uint8_t((pkt.priority << 5) | ecn));
    Put16(b, ipLen);
    Put16(b, uint16_t(pkt.uid));
    Put16(b, 0x4000);  // don't fragment
    b.push_back(64);   // TTL
    b.push_back(17);   // UDP
    Put16(b, 0);
    Put32(b, HostIp(pkt.src));
    Put32(b, HostIp(pkt.dst));
    const uint16_t sum = Ipv4Checksum(&b[ip]);
    b[ip + 10] = uint8_t(sum >> 8);
    b[ip + 11] = uint8_t(sum & 0xFF);

    // UDP: the source port is the QP's flow entropy; RoCEv2 sends checksum 0.
    Put16(b, uint16_t(0xC000 | (pkt.flowHash & 0x3FFF)));
    Put16(b, kRoceV2Port);
    Put16(b, uint16_t(ipLen - kIpv4Bytes));
    Put16(b, 0);
    return ip;
}

void
PcapWriter::WriteRoce(uint32_t self, uint32_t peer, const FabricPacket& pkt, uint32_t mtu)
{
    std::vector<uint8_t>& b = m_frame;
    PutMac(b, peer);
    PutMac(b, self);
    Put16(b, 0x0800);

    const BthFields bth = Bth(pkt, mtu);
    const uint8_t opcode = bth.opcode;
    const uint32_t psn = bth.psn;
    const uint32_t extra = bth.extra;
    const size_t ip = PutIpv4Udp(b, pkt, extra);

    // BTH: opcode, SE/M/pad/TVer, P_Key, FECN/BECN, dest QP, AckReq, PSN.
    b.push_back(opcode);
    b.push_back(0x00);
    Put16(b, 0xFFFF);
    b.push_back(pkt.kind == PacketKind::Cnp ? 0x40 : 0x00);  // a CNP sets BECN
    Put24(b, kQpnBase + pkt.qp);
    b.push_back(pkt.kind == PacketKind::Data && pkt.lastOfMessage ? 0x80 : 0x00);
    Put24(b, psn & kPsnMask);
    if (pkt.kind == PacketKind::Ack || pkt.kind == PacketKind::Nack)
    {
        // AETH syndrome: ACK with unlimited credits, or NAK code 0 (PSN sequence error).
        b.push_back(pkt.kind == PacketKind::Nack ? 0x60 : 0x1F);
        Put24(b, 0);  // MSN: the fabric does not count messages at the responder
    }
    else if (pkt.kind == PacketKind::Cnp)
    {
        b.resize(b.size() + extra, 0);  // reserved
    }
    const uint32_t zeroPayload = pkt.kind == PacketKind::Data ? extra : 0;
    const uint32_t icrc = Icrc(&b[ip], b.size() - ip, zeroPayload);
    b.resize(b.size() + zeroPayload, 0);
    // The ICRC goes on the wire least significant byte first, like the Ethernet FCS.
    for (int i = 0; i < 4; ++i)
    {
        b.push_back(uint8_t(icrc >> (8 * i)));
    }
}

void
PcapWriter::WritePfc(uint32_t self, const FabricPacket& pkt)
{
    // IEEE 802.1Qbb: MAC control frame to the reserved multicast address, opcode 0x0101,
    // class-enable vector, then eight per-priority pause times (quanta 0 = resume).
    std::vector<uint8_t>& b = m_frame;
    const uint8_t dst[6] = {0x01, 0x80, 0xC2, 0x00, 0x00, 0x01};
    b.insert(b.end(), dst, dst + 6);
    PutMac(b, self);
    Put16(b, 0x8808);
    Put16(b, 0x0101);
    Put16(b, uint16_t(1u << (pkt.pausePriority & 7)));
    for (uint32_t p = 0; p < kNumPriorities; ++p)
    {
        Put16(b, p == pkt.pausePriority ? pkt.pauseQuanta : 0);
    }
}

void
PcapWriter::Write(int64_t timePs, uint32_t self, uint32_t peer, const FabricPacket& pkt, uint32_t mtu,
                  uint32_t preambleIfgBytes)
{
    if (!m_file)
    {
        return;
    }
    m_frame.clear();
    if (pkt.kind == PacketKind::Pause)
    {
        WritePfc(self, pkt);
    }
    else
    {
        WriteRoce(self, peer, pkt, mtu);
    }
    // The frame is as long as the model charges (without preamble/IFG and FCS): when header
    // attributes make that longer than the real headers, the rest is an Ethernet trailer.
    const int64_t charged = int64_t(pkt.wireBytes) - preambleIfgBytes - kFcsBytes;
    const size_t len = std::max<size_t>({m_frame.size(), kMinFrameBytes, size_t(std::max<int64_t>(charged, 0))});
    m_frame.resize(len, 0);
    const uint32_t rec[4] = {uint32_t(timePs / 1000000000000LL), uint32_t((timePs / 1000) % 1000000000LL),
                             uint32_t(len), uint32_t(len)};
    std::fwrite(rec, 4, 4, m_file);
    std::fwrite(m_frame.data(), 1, len, m_file);
}

} // namespace fabric
} // namespace ns3
