#include "pcap-writer.h"

#include <cstring>
#include <vector>

namespace ns3
{
namespace fabric
{

namespace
{

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

} // namespace

bool
PcapWriter::Open(const std::string& path)
{
    m_file = std::fopen(path.c_str(), "wb");
    if (!m_file)
    {
        return false;
    }
    // Global header, nanosecond-resolution magic, Ethernet link type.
    uint32_t magic = 0xa1b23c4d;
    uint16_t major = 2, minor = 4;
    int32_t zone = 0;
    uint32_t sigfigs = 0, snaplen = 65535, linktype = 1;
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

void
PcapWriter::Write(int64_t timePs, uint32_t self, uint32_t peer, const FabricPacket& pkt, uint32_t mtu,
                  uint32_t preambleIfgBytes)
{
    if (!m_file)
    {
        return;
    }
    std::vector<uint8_t> b;
    b.reserve(96);
    uint32_t frameLen = pkt.wireBytes - preambleIfgBytes - 4;  // pcap excludes preamble, IFG, FCS
    if (pkt.kind == PacketKind::Pause)
    {
        const uint8_t dst[6] = {0x01, 0x80, 0xC2, 0x00, 0x00, 0x01};
        b.insert(b.end(), dst, dst + 6);
        PutMac(b, self);
        Put16(b, 0x8808);
        Put16(b, 0x0101);  // PFC opcode
        Put16(b, uint16_t(1u << pkt.pausePriority));
        for (uint32_t p = 0; p < 8; ++p)
        {
            Put16(b, p == pkt.pausePriority ? pkt.pauseQuanta : 0);
        }
        b.resize(60, 0);
        frameLen = 60;
    }
    else
    {
        PutMac(b, peer);
        PutMac(b, self);
        Put16(b, 0x0800);
        uint32_t l4 = 8 + 12;  // UDP + BTH
        uint32_t extra = pkt.kind == PacketKind::Data  ? pkt.payloadBytes
                         : pkt.kind == PacketKind::Cnp ? 16
                                                       : 4;  // AETH
        uint16_t ipLen = uint16_t(20 + l4 + extra + 4);     // + ICRC
        size_t ip = b.size();
        b.push_back(0x45);
        uint8_t ecn = pkt.kind == PacketKind::Data ? (pkt.ecnCe ? 0x3 : 0x2) : 0x0;
        b.push_back(uint8_t((pkt.priority << 5) | ecn));  // DSCP = priority x 8
        Put16(b, ipLen);
        Put16(b, uint16_t(pkt.uid));
        Put16(b, 0x4000);  // DF
        b.push_back(64);
        b.push_back(17);
        Put16(b, 0);
        Put32(b, HostIp(pkt.src));
        Put32(b, HostIp(pkt.dst));
        uint32_t sum = 0;
        for (size_t i = ip; i < ip + 20; i += 2)
        {
            sum += (b[i] << 8) | b[i + 1];
        }
        while (sum >> 16)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        b[ip + 10] = uint8_t(~sum >> 8);
        b[ip + 11] = uint8_t(~sum & 0xFF);
        Put16(b, uint16_t(0xC000 | (pkt.flowHash & 0x3FFF)));  // UDP source port: flow entropy
        Put16(b, 4791);
        Put16(b, uint16_t(ipLen - 20));
        Put16(b, 0);
        uint8_t opcode = pkt.kind == PacketKind::Data ? (pkt.lastOfMessage ? 0x02 : 0x01)  // SEND last/middle
                         : pkt.kind == PacketKind::Cnp ? 0x81
                                                       : 0x11;  // RC ACKNOWLEDGE
        b.push_back(opcode);
        b.push_back(0x00);
        Put16(b, 0xFFFF);  // P_Key
        b.push_back(0);
        Put24(b, pkt.qp + 1);  // destination QP
        uint32_t psn = uint32_t((pkt.seq + mtu - 1) / mtu) & 0xFFFFFF;
        b.push_back(pkt.kind == PacketKind::Data && pkt.lastOfMessage ? 0x80 : 0x00);  // AckReq
        Put24(b, pkt.kind == PacketKind::Data ? uint32_t(pkt.seq / mtu) & 0xFFFFFF : psn);
        if (pkt.kind == PacketKind::Ack || pkt.kind == PacketKind::Nack)
        {
            b.push_back(pkt.kind == PacketKind::Nack ? 0x60 : 0x1F);  // NAK: PSN seq error
            Put24(b, 0);
        }
        else if (pkt.kind == PacketKind::Cnp)
        {
            b.resize(b.size() + 16, 0);
        }
    }
    uint32_t rec[4] = {uint32_t(timePs / 1000000000000LL), uint32_t((timePs / 1000) % 1000000000LL),
                       uint32_t(b.size()), std::max<uint32_t>(frameLen, uint32_t(b.size()))};
    std::fwrite(rec, 4, 4, m_file);
    std::fwrite(b.data(), 1, b.size(), m_file);
}

} // namespace fabric
} // namespace ns3
