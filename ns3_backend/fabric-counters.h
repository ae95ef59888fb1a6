// The telemetry's counter sink: it attaches to the devices' trace sources (as ns-3's own
// helpers attach to a NetDevice's PhyTxBegin / MacTxDrop) and counts what the JSON telemetry
// reports. The devices themselves keep no telemetry counters.
#ifndef ASTRASIM_FABRIC_COUNTERS_H
#define ASTRASIM_FABRIC_COUNTERS_H

#include "fabric-device.h"

#include "ns3/ptr.h"

#include <cstdint>
#include <vector>

namespace ns3
{
namespace fabric
{

struct PortCounters
{
    uint64_t txDataPackets{0};
    uint64_t pauseFramesSent{0};
    uint64_t xoffFramesSent{0};  // of which PAUSE (quanta > 0), not RESUME
    uint64_t pauseFramesReceived{0};
    uint64_t ecnMarks{0};
    uint64_t drops{0};
};

class FabricCounters
{
  public:
    /// Connect to every device's trace sources ("Tx", "FlowControlRx"; switches: "Drop",
    /// "EcnMark"; NICs: "DataTx", "ControlTx", "Timeout").
    void Attach(const std::vector<Ptr<FabricDevice>>& devices);

    const PortCounters& Port(uint32_t node, uint32_t port) const
    {
        return m_ports[node][port];
    }

    uint64_t dataPackets{0};
    uint64_t retransmittedPackets{0};
    uint64_t cnps{0};
    uint64_t acks{0};
    uint64_t nacks{0};
    uint64_t timeouts{0};

  private:
    static void Tx(FabricCounters* c, uint32_t node, uint32_t port, const FabricPacket& pkt);
    static void FlowControlRx(FabricCounters* c, uint32_t node, uint32_t port, const FabricPacket& pkt);
    static void Drop(FabricCounters* c, uint32_t node, uint32_t port, const FabricPacket& pkt);
    static void EcnMark(FabricCounters* c, uint32_t node, uint32_t port, const FabricPacket& pkt);
    static void DataTx(FabricCounters* c, uint32_t port, const FabricPacket& pkt);
    static void ControlTx(FabricCounters* c, uint32_t port, const FabricPacket& pkt);
    static void Timeout(FabricCounters* c, uint32_t qp);

    std::vector<std::vector<PortCounters>> m_ports;  // [node][port]
};

} // namespace fabric
} // namespace ns3

#endif
