// Lightweight packet record moved between fabric devices. The fabric does not use
// ns3::Packet: headers are never serialized on the hot path (pcap synthesizes them), which
// keeps a packet hop at one scheduler event and no allocation.
#ifndef ASTRASIM_FABRIC_PACKET_H
#define ASTRASIM_FABRIC_PACKET_H

#include "../congestion/int-records.h"

#include <cstdint>
#include <vector>

namespace ns3
{
namespace fabric
{

enum class PacketKind : uint8_t
{
    Data = 0,
    Ack = 1,
    Nack = 2,
    Cnp = 3,
    Pause = 4,  // PFC frame (quanta 0 = resume) or, for IB, a credit update
};

/// Priority used by control frames (ACK/NACK/CNP/PAUSE): strict priority, never paused.
constexpr uint8_t kControlPriority = 0;
constexpr uint32_t kNumPriorities = 8;

struct FabricPacket
{
    PacketKind kind{PacketKind::Data};
    uint8_t priority{3};
    bool ecnCe{false};          // IP ECN = CE (RoCE) or FECN (IB)
    bool lastOfMessage{false};
    bool retransmission{false};
    uint32_t src{0};            // source host
    uint32_t dst{0};            // destination host (for PAUSE: the neighbour)
    uint32_t qp{0};             // global queue-pair index
    uint32_t flowHash{0};       // ECMP key (the QP's UDP source port hash)
    uint64_t seq{0};            // data: first payload byte; ACK/NACK: next expected byte
    uint32_t payloadBytes{0};
    uint32_t wireBytes{0};      // bytes serialized on the link (headers + payload + FCS ...)
    uint64_t messageId{0};      // message whose bytes this packet carries
    uint32_t ingressPort{0};    // set by a switch on arrival (MMU accounting)
    uint16_t pauseQuanta{0};    // PAUSE: 512-bit-time quanta; 0 = resume
    uint8_t pausePriority{0};
    uint64_t uid{0};
    bool ecnEcho{false};        // ACK/NACK: the acknowledged data packet was CE-marked
    int64_t sendTsPs{-1};       // data: when the NIC sent it; ACK/NACK: echoed; -1 = none
    IntRecords intRecords;      // policy-owned telemetry (StampsInt policies); echoed in ACKs
};

/// Free-list allocator: packets are recycled instead of new/delete per hop.
class PacketPool
{
  public:
    FabricPacket* Alloc()
    {
        if (m_free.empty())
        {
            return new FabricPacket();
        }
        FabricPacket* p = m_free.back();
        m_free.pop_back();
        *p = FabricPacket();
        return p;
    }

    void Free(FabricPacket* p)
    {
        m_free.push_back(p);
    }

    ~PacketPool()
    {
        for (auto* p : m_free)
        {
            delete p;
        }
    }

  private:
    std::vector<FabricPacket*> m_free;
};

} // namespace fabric
} // namespace ns3

#endif
