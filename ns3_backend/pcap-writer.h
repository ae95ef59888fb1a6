// Packet capture of chosen ports: synthesizes real Ethernet / IPv4 / UDP 4791 / BTH (+AETH,
// CNP, 802.1Qbb PFC) headers for each frame a port transmits, in nanosecond pcap format.
// Payload bytes are not stored (caplen < len), so captures stay small; Wireshark decodes them.
#ifndef ASTRASIM_PCAP_WRITER_H
#define ASTRASIM_PCAP_WRITER_H

#include "fabric-packet.h"

#include <cstdio>
#include <string>

namespace ns3
{
namespace fabric
{

class PcapWriter
{
  public:
    /// Open `path` for writing; false when it cannot be created.
    bool Open(const std::string& path);
    ~PcapWriter();

    /// Append one frame sent by node `self` to node `peer` at `timePs`.
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
    std::FILE* m_file{nullptr};
};

} // namespace fabric
} // namespace ns3

#endif
