// Output-queued Ethernet/IB switch over a shared buffer with per-ingress accounting (the
// MMU); ECMP by per-flow hash; flow control and ECN marking are delegated to the policies.
#ifndef ASTRASIM_FABRIC_SWITCH_H
#define ASTRASIM_FABRIC_SWITCH_H

#include "fabric-device.h"

#include <vector>

namespace ns3
{
namespace fabric
{

/// Shared-buffer accounting per (ingress port, priority), as in the HPCC-lineage MMU.
struct SharedBufferMmu
{
    uint64_t bufferBytes{0};
    uint64_t reservedPerQueue{0};
    uint64_t headroomPerPort{0};
    std::vector<uint64_t> portHeadroom;  // HeadroomPerPort: one value per port (else headroomPerPort)
    double alpha{0.125};
    bool dynamic{true};
    uint64_t staticThresholdBytes{0};

    std::vector<std::array<uint64_t, kNumPriorities>> ingress;   // bytes held per queue
    std::vector<std::array<uint64_t, kNumPriorities>> headroom;  // of which in headroom
    uint64_t sharedUsed{0};
    uint64_t totalUsed{0};
    uint64_t maxTotalUsed{0};
    uint32_t numPorts{0};
    uint64_t headroomTotal{0};  // sum over ports (the dynamic threshold subtracts it)

    void Init(uint32_t ports);

    uint64_t SharedOf(uint32_t port, uint32_t prio) const
    {
        uint64_t held = ingress[port][prio] - headroom[port][prio];
        return held > reservedPerQueue ? held - reservedPerQueue : 0;
    }

    uint64_t HeadroomOf(uint32_t port) const
    {
        return portHeadroom.empty() ? headroomPerPort : portHeadroom[port];
    }

    /// PFC XOFF threshold for a queue's shared usage.
    int64_t Threshold() const;

    /// Try to account an arriving packet; false = no room (drop).
    bool Admit(uint32_t port, uint32_t prio, uint32_t bytes, bool useHeadroom);

    /// Account an arriving packet whose room the flow control already guaranteed (credits).
    void Account(uint32_t port, uint32_t prio, uint32_t bytes);

    void Release(uint32_t port, uint32_t prio, uint32_t bytes);
};

/// How a switch picks among the minimal-path egress ports toward a destination.
enum class RoutingMode
{
    Ecmp,      // per flow: hash of the QP's flow key (RoCE ECMP)
    DestModK,  // per destination: destination id modulo the port count (IB linear forwarding
               // table, D-mod-K style on fat-trees)
    Adaptive,  // per data packet: least-loaded port (IB adaptive routing); control by DestModK
};

class FabricSwitch : public FabricDevice
{
  public:
    static TypeId GetTypeId();

    bool IsSwitch() const override
    {
        return true;
    }

    Time IngressDelay() const override
    {
        return m_forwardingDelay;
    }

    uint32_t CutThroughBytes() const override
    {
        return m_cutThroughBytes;
    }

    void Receive(uint32_t port, FabricPacket* pkt) override;

    /// Called once all ports exist.
    void InitBuffers();

    SharedBufferMmu& Mmu()
    {
        return m_mmu;
    }

  protected:
    FabricPacket* Dequeue(uint32_t port) override;
    void OnTransmitted(uint32_t port, FabricPacket* pkt) override;

  private:
    /// Egress port for `pkt` according to the routing mode.
    uint32_t SelectEgress(const FabricPacket& pkt) const;

    RoutingMode m_routing{RoutingMode::Ecmp};
    SharedBufferMmu m_mmu;
    Time m_forwardingDelay;
    uint32_t m_cutThroughBytes{0};
    uint64_t m_bufferBytes;
    uint64_t m_reservedBytes;
    uint64_t m_headroomBytes;
    double m_headroomFactor;
    TracedCallback<uint32_t, const FabricPacket&> m_dropTrace;  // "Drop" (egress port)
    TracedCallback<uint32_t, const FabricPacket&> m_ecnTrace;   // "EcnMark"
    bool m_headroomPerPort{false};
};

} // namespace fabric
} // namespace ns3

#endif
