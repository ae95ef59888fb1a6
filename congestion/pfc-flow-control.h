// IEEE 802.1Qbb priority flow control: XOFF when an ingress queue's shared usage crosses the
// (static or dynamic) threshold or spills into headroom; XON when it drains below threshold
// minus an offset. Pause quanta expire at the receiver unless refreshed.
#ifndef ASTRASIM_PFC_FLOW_CONTROL_H
#define ASTRASIM_PFC_FLOW_CONTROL_H

#include "flow-control.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"

#include <array>
#include <vector>

namespace ns3
{
namespace fabric
{

class PfcFlowControl : public FlowControl
{
  public:
    static TypeId GetTypeId();

    std::string Name() const override
    {
        return "pfc";
    }

    bool IsLossless() const override
    {
        return true;
    }

    void AfterEnqueue(FabricSwitch& sw, uint32_t inPort, uint32_t prio) override;
    void AfterDequeue(FabricSwitch& sw, uint32_t inPort, uint32_t prio, uint32_t freedBytes) override;
    void OnControlFrame(FabricDevice& dev, uint32_t port, const FabricPacket& pkt) override;

  private:
    /// XOFF state of one (switch ingress port, priority) and its pending refresh.
    struct Xoff
    {
        bool on{false};
        EventId refresh;
    };

    Xoff& At(FabricSwitch& sw, uint32_t port, uint32_t prio);
    void Refresh(FabricSwitch* sw, uint32_t port, uint32_t prio);

    std::vector<std::vector<std::array<Xoff, kNumPriorities>>> m_xoff;  // [switch node][port][prio]

    uint32_t m_quanta;
    double m_refreshFraction;
    bool m_untilResume{false};
    uint64_t m_xonOffsetBytes;
};

} // namespace fabric
} // namespace ns3

#endif
