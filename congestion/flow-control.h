// Link-level flow control policy interface (none / PFC / IB credits). One instance serves
// the whole fabric; switches and NICs call the hooks below at fixed points of the packet path.
#ifndef ASTRASIM_FLOW_CONTROL_H
#define ASTRASIM_FLOW_CONTROL_H

#include "../ns3_backend/fabric-packet.h"

#include "ns3/object.h"

#include <functional>

namespace ns3
{
namespace fabric
{

class FabricDevice;
class FabricSwitch;
struct FabricPort;

class FlowControl : public Object
{
  public:
    static TypeId GetTypeId();

    /// Short name printed with results ("none", "pfc", ...).
    virtual std::string Name() const = 0;

    /// True when the fabric must never drop for lack of buffer (switch MMU uses headroom).
    virtual bool IsLossless() const = 0;

    /// Switch ingress admission of a data packet; false = tail drop. The default implements
    /// the shared-buffer MMU decision (headroom only when lossless).
    virtual bool Admit(FabricSwitch& sw, uint32_t inPort, uint32_t prio, uint32_t bytes);

    /// After a data packet was admitted and queued at switch `sw` (e.g. send XOFF).
    virtual void AfterEnqueue(FabricSwitch& sw, uint32_t inPort, uint32_t prio)
    {
    }

    /// After a data packet that entered on `inPort` left switch `sw`, freeing `freedBytes` of
    /// its buffer (e.g. send XON / return credits).
    virtual void AfterDequeue(FabricSwitch& sw, uint32_t inPort, uint32_t prio, uint32_t freedBytes)
    {
    }

    /// May `port` start serializing a `bytes`-long packet of priority `prio` now?
    virtual bool MayTransmit(const FabricPort& port, uint32_t prio, uint32_t bytes) const;

    /// A packet of `prio` started serializing on `port` (credit consumption).
    virtual void OnTransmit(FabricPort& port, uint32_t prio, uint32_t bytes)
    {
    }

    /// A flow-control frame arrived at `dev` on port `port`.
    virtual void OnControlFrame(FabricDevice& dev, uint32_t port, const FabricPacket& pkt)
    {
    }

    /// A data packet was consumed by a NIC (end host buffer freed) on port `port`.
    virtual void OnHostConsumed(FabricDevice& dev, uint32_t port, uint32_t prio, uint32_t bytes)
    {
    }

    /// Output arbitration among the data queues of `port`: the queue (priority) to serve
    /// next, kArbitrateNone when none may send, or kArbitrateDefault for round robin.
    static constexpr int kArbitrateDefault = -1;
    static constexpr int kArbitrateNone = -2;

    virtual int Arbitrate(FabricPort& port)
    {
        return kArbitrateDefault;
    }

    /// Arbitration among service levels at a sending HCA port: `headBytes(sl)` is the size of
    /// the packet SL `sl` would send now, or -1. Returns the SL to serve, kArbitrateNone, or
    /// kArbitrateDefault (the NIC's round robin over QPs).
    virtual int ArbitrateSl(FabricPort& port, const std::function<int64_t(uint32_t)>& headBytes)
    {
        return kArbitrateDefault;
    }

    /// Did the packet of `prio` that `port` just started have to wait for the peer's buffer
    /// (credit starvation: the port is a victim of congestion further on, not its root)?
    virtual bool WaitedForPeer(const FabricPort& port, uint32_t prio) const
    {
        return false;
    }

    /// Is `port` held back by the policy beyond PAUSE state (IB: waiting for credits)? Shown
    /// in the time series' `paused` samples.
    virtual bool IsHeldBack(const FabricPort& port) const
    {
        return false;
    }

    /// Policy-specific counters as a JSON object for the telemetry ("" = none).
    virtual std::string StatsJson() const
    {
        return "";
    }

    /// The shared-buffer thresholds the switches' MMUs apply (read once when a switch starts).
    bool DynamicThreshold() const
    {
        return m_dynamic;
    }
    double ThresholdAlpha() const
    {
        return m_alpha;
    }
    uint64_t StaticThresholdBytes() const
    {
        return m_staticBytes;
    }

  protected:
    bool m_dynamic{true};
    double m_alpha{0.125};
    uint64_t m_staticBytes{262144};
};

/// No link-level flow control: lossy Ethernet with tail drop at the shared-buffer threshold.
class NoFlowControl : public FlowControl
{
  public:
    static TypeId GetTypeId();

    std::string Name() const override
    {
        return "none";
    }

    bool IsLossless() const override
    {
        return false;
    }
};

} // namespace fabric
} // namespace ns3

#endif
