// Packet capture of chosen ports: synthesizes real Ethernet / IPv4 / UDP 4791 / BTH (+AETH,
// CNP, 802.1Qbb PFC) frames for each frame a port transmits, in nanosecond pcap format, so that
// Wireshark/tshark decode them as RoCEv2 with a correct IPv4 checksum and ICRC.
//
// Frames are whole (payload bytes are zeros) and their length is what the model charges on the
// wire minus preamble/SFD/IFG and the Ethernet FCS, which pcap never holds.
// The fabric moves byte sequence numbers, not PSNs, so the writer numbers packets per QP itself:
// - data: from the message boundaries it sees (SEND first/middle/last/only; messages are cut at
//   the MTU from their first byte). Exact on a port upstream of every drop (a NIC port, any port
//   of a lossless fabric). Behind a queue that drops, a message whose first packet has not come
//   by yet may be labelled FIRST for MIDDLE (or the reverse), and PSNs are off for a while if a
//   drop burst swallowed a message's end and the whole next message;
// - ACK/NAK (seq = next expected byte): the receiver ACKs every N packets and at each message's
//   last packet, so the packets between two ACKs are full MTUs but the last, and the PSN
//   advances by ceil(bytes / MTU); exact on a port that carries every ACK of the QP.
// Elsewhere (a QP first seen mid-stream) numbering starts from byte / MTU. The AETH MSN is 0.
#ifndef ASTRASIM_PCAP_WRITER_H
#define ASTRASIM_PCAP_WRITER_H

#include "fabric-packet.h"

#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace ns3
{
namespace fabric
{

class PcapWriter
{
  public:
    /// UDP destination port IANA assigned to RoCEv2.
    static constexpr uint16_t kRoceV2Port = 4791;
    /// Destination QP number in the BTH = this + the fabric's QP index (QP 0/1 are special in IB).
    static constexpr uint32_t kQpnBase = 0x100;

    /// Open `path` for writing; false when it cannot be created.
    bool Open(const std::string& path);
    ~PcapWriter();

    /// Append one frame sent by node `self` to node `peer` at `timePs`; `preambleIfgBytes` is the
    /// per-frame overhead the model adds to wireBytes on top of the Ethernet frame.
    void Write(int64_t timePs, uint32_t self, uint32_t peer, const FabricPacket& pkt, uint32_t mtu,
               uint32_t preambleIfgBytes);

    void Flush()
    {
        if (m_file)
        {
            std::fflush(m_file);
        }
    }

  private:
    /// The receiver's next expected byte of a QP (as its last ACK/NAK said) and that byte's PSN.
    struct AckedUpTo
    {
        uint64_t seq;
        uint32_t psn;
    };

    /// Where a message starts in its QP's packet numbering; `guessed` when no packet said so.
    struct MessageStart
    {
        uint32_t psn;
        bool guessed;
    };

    /// PSN of data byte `seq` (a packet's first byte) of QP `qp`; whether it starts a message.
    uint32_t DataPsn(uint32_t qp, uint64_t seq, uint32_t mtu, bool& first);
    /// PSN of the packet starting at byte `seq`, the next one the receiver expects on QP `qp`.
    uint32_t ExpectedPsn(uint32_t qp, uint64_t seq, uint32_t mtu);
    /// RoCEv2 ICRC of the IPv4 packet at `ip` (`len` bytes) followed by `zeroTail` zero bytes.
    uint32_t Icrc(const uint8_t* ip, size_t len, uint32_t zeroTail);
    void WriteRoce(uint32_t self, uint32_t peer, const FabricPacket& pkt, uint32_t mtu);
    struct BthFields
    {
        uint8_t opcode;
        uint32_t psn;
        uint32_t extra;  // bytes after the BTH: AETH, CNP reserved bytes or the payload
    };
    /// Opcode and PSN of a frame from the per-QP numbering (records message boundaries).
    BthFields Bth(const FabricPacket& pkt, uint32_t mtu);
    /// IPv4 (DSCP, ECN, checksum) and UDP headers; returns the IPv4 header's offset in b.
    size_t PutIpv4Udp(std::vector<uint8_t>& b, const FabricPacket& pkt, uint32_t extra);
    void WritePfc(uint32_t self, const FabricPacket& pkt);

    std::FILE* m_file{nullptr};
    std::vector<uint8_t> m_frame;
    std::unordered_map<uint32_t, std::map<uint64_t, MessageStart>> m_messageStarts;  // by QP, byte
    std::unordered_map<uint32_t, AckedUpTo> m_acked;                                 // by QP
    static constexpr size_t kMaxZeroRuns = 64;
    static constexpr size_t kKeptMessageStarts = 4096;  // per QP
    std::unordered_map<uint32_t, std::array<uint32_t, 32>> m_zeroRuns;  // CRC operator per size
};

/// CRC-32 (IEEE 802.3, reflected) continued from `crc` (pass 0 to start), as zlib computes it.
uint32_t Crc32(uint32_t crc, const uint8_t* data, size_t len);

} // namespace fabric
} // namespace ns3

#endif
