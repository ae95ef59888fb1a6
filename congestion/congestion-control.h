// End-to-end congestion control policy interface (none / DCQCN / IB CC). One policy object
// for the fabric holds the parameters; per-QP reaction-point state lives in a CcState the
// policy creates. The three roles are the DCQCN/IB-CC ones:
//   congestion point   -> MarkAtEgress (switch, on dequeue)
//   notification point -> ShouldNotify (receiving NIC; emits a CNP / BECN)
//   reaction point     -> OnNotification / OnSent / rate (sending NIC, per QP)
#ifndef ASTRASIM_CONGESTION_CONTROL_H
#define ASTRASIM_CONGESTION_CONTROL_H

#include "ns3/nstime.h"
#include "ns3/object.h"

#include <memory>

namespace ns3
{
namespace fabric
{

class QueuePair;
struct FabricPort;

/// Per-QP reaction-point state; policies subclass it.
struct CcState
{
    virtual ~CcState() = default;
};

class CongestionControl : public Object
{
  public:
    static TypeId GetTypeId();

    virtual std::string Name() const = 0;

    /// Congestion point: mark a data packet leaving an egress queue holding `queueBytes`
    /// (after the departure) on a `gbps` link?
    virtual bool MarkAtEgress(uint64_t queueBytes, double gbps)
    {
        return false;
    }

    /// Congestion point with the port in view (IB CC tells congestion roots from victims);
    /// the default applies MarkAtEgress to the priority's queue.
    virtual bool MarkAtPort(const FabricPort& port, uint32_t prio, uint64_t queueBytes);

    /// Notification point: a marked data packet of `qp` arrived at the receiver at `now`;
    /// return true to send a notification (CNP) now. `lastNotify` is the QP's last one.
    virtual bool ShouldNotify(Time now, Time lastNotify, bool first) const
    {
        return false;
    }

    /// Reaction point: create per-QP state when the QP starts (rate = line rate).
    virtual std::unique_ptr<CcState> Start(QueuePair& qp)
    {
        return nullptr;
    }

    /// Reaction point: a notification (CNP / BECN) for `qp` arrived.
    virtual void OnNotification(QueuePair& qp)
    {
    }

    /// Reaction point: `qp` sent `bytes` of data (byte counter).
    virtual void OnSent(QueuePair& qp, uint32_t bytes)
    {
    }

    /// Fix the random streams used by the policy (determinism across runs in one process);
    /// returns how many streams it used.
    virtual int64_t AssignStreams(int64_t stream)
    {
        return 0;
    }

    /// The QP has no more data: cancel its timers.
    virtual void Stop(QueuePair& qp)
    {
    }

    /// Policy-specific counters as a JSON object for the telemetry ("" = none).
    virtual std::string StatsJson() const
    {
        return "";
    }
};

/// No congestion control: QPs send at line rate; ECN is never marked.
class NoCongestionControl : public CongestionControl
{
  public:
    static TypeId GetTypeId();

    std::string Name() const override
    {
        return "none";
    }
};

} // namespace fabric
} // namespace ns3

#endif
