// End-to-end congestion control policy interface, in the style of ns-3's TcpCongestionOps:
// one policy object for the fabric holds the parameters; per-QP state lives in a CcState the
// policy creates; the NIC and the switches call the hooks below and the policy answers with a
// CcDecision (a new rate and/or window) for its queue pair. The roles:
//   congestion point   -> MarkAtPort / StampAtEgress (switch, on dequeue; a PortView only)
//   notification point -> ShouldNotify (receiving NIC; emits a CNP / BECN)
//   reaction point     -> Start / OnAck / OnCnp / OnSent / OnTimer (sending NIC, per QP)
// A policy never sees the fabric's network or switch objects; it sees its QueuePair (the
// socket state), PortViews, AckSamples and the packet's policy-owned IntRecords.
#ifndef ASTRASIM_CONGESTION_CONTROL_H
#define ASTRASIM_CONGESTION_CONTROL_H

#include "int-records.h"
#include "port-view.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/object.h"

#include <cstdint>
#include <limits>
#include <memory>

namespace ns3
{
namespace fabric
{

class QueuePair;

/// Per-QP reaction-point state; policies subclass it.
struct CcState
{
    virtual ~CcState() = default;
};

/// What a policy asks the sending NIC to do with its QP. Unset fields keep their value.
struct CcDecision
{
    static constexpr double kKeepRate = -1.0;
    static constexpr uint64_t kKeepWindow = std::numeric_limits<uint64_t>::max();

    double rateGbps{kKeepRate};       // new pacing rate [Gb/s]
    uint64_t windowBytes{kKeepWindow}; // new limit on unacknowledged bytes; 0 = no window

    static CcDecision Rate(double gbps)
    {
        CcDecision d;
        d.rateGbps = gbps;
        return d;
    }

    bool HasRate() const
    {
        return rateGbps >= 0;
    }

    bool HasWindow() const
    {
        return windowBytes != kKeepWindow;
    }

    bool Any() const
    {
        return HasRate() || HasWindow();
    }
};

/// What the reaction point learns from one ACK or NACK.
struct AckSample
{
    uint64_t ackSeq{0};         // cumulative: next byte the receiver expects
    uint64_t newlyAcked{0};     // bytes this ACK acknowledged for the first time
    bool nack{false};
    bool ecnEcho{false};        // the acknowledged data packet arrived CE-marked
    Time rtt{Time(-1)};         // now - the echoed send timestamp (negative: none)
    const IntRecords* intRecords{nullptr};  // echoed INT (StampsInt policies only)
};

/// The sending side of a QP as a policy sees it: applies a decision (the NIC re-evaluates
/// pacing at once).
class CcSender
{
  public:
    virtual ~CcSender() = default;
    virtual void ApplyCc(QueuePair& qp, const CcDecision& decision) = 0;
};

class CongestionControl : public Object
{
  public:
    static TypeId GetTypeId();

    virtual std::string Name() const = 0;

    // ---- congestion point (switch egress) ----

    /// Mark a data packet leaving an egress queue holding `queueBytes` (after the departure)
    /// on a `gbps` link?
    virtual bool MarkAtEgress(uint64_t queueBytes, double gbps)
    {
        return false;
    }

    /// Mark with the port in view (IB CC tells congestion roots from victims); the default
    /// applies MarkAtEgress to the priority's queue.
    virtual bool MarkAtPort(const PortView& port, uint32_t prio, uint64_t queueBytes);

    /// Does the marking decision also run (its random draw taken, its answer unused) for ACKs
    /// leaving a data-priority queue, as the reference's SwitchNotifyDequeue does?
    virtual bool DrawsForAcks() const
    {
        return false;
    }

    /// Does the policy want StampAtEgress called for every data packet at switch egress?
    virtual bool StampsInt() const
    {
        return false;
    }

    /// Write the policy-owned telemetry of a data packet leaving `port`.
    virtual void StampAtEgress(const PortView& port, IntRecords& records)
    {
    }

    /// Bytes the policy adds to every data packet and to every ACK/NACK (an INT header).
    virtual uint32_t ExtraHeaderBytes() const
    {
        return 0;
    }

    // ---- notification point (receiving NIC) ----

    /// A marked data packet of a QP arrived at `now`; return true to send a CNP now.
    /// `lastNotify` is the QP's last one; `first` when it never sent one.
    virtual bool ShouldNotify(Time now, Time lastNotify, bool first) const
    {
        return false;
    }

    // ---- reaction point (sending NIC, per QP) ----

    /// Create per-QP state when the QP starts (rate = line rate, window = the fabric's). The
    /// policy may set the initial qp.rateGbps / qp.windowBytes here (as TcpCongestionOps::Init).
    virtual std::unique_ptr<CcState> Start(QueuePair& qp)
    {
        return nullptr;
    }

    /// An ACK or NACK for `qp` arrived (after the NIC advanced its sequence state).
    virtual CcDecision OnAck(QueuePair& qp, const AckSample& ack)
    {
        return {};
    }

    /// A notification (CNP / BECN) for `qp` arrived.
    virtual CcDecision OnCnp(QueuePair& qp)
    {
        return {};
    }

    /// `qp` sent `bytes` of data (byte counter).
    virtual CcDecision OnSent(QueuePair& qp, uint32_t bytes)
    {
        return {};
    }

    /// A timer the policy armed with ScheduleTimer fired.
    virtual CcDecision OnTimer(QueuePair& qp, uint32_t timer)
    {
        return {};
    }

    /// The QP has no more data: cancel its timers.
    virtual void Stop(QueuePair& qp)
    {
    }

    /// Fix the random streams used by the policy (determinism across runs in one process);
    /// returns how many streams it used.
    virtual int64_t AssignStreams(int64_t stream)
    {
        return 0;
    }

    /// Policy-specific counters as a JSON object for the telemetry ("" = none).
    virtual std::string StatsJson() const
    {
        return "";
    }

    /// Hand a decision to the QP's sender (no-op when it changes nothing).
    static void Apply(QueuePair& qp, const CcDecision& decision);

  protected:
    /// Arm a timer: OnTimer(qp, timer) runs after `delay` and its decision is applied.
    EventId ScheduleTimer(Time delay, QueuePair& qp, uint32_t timer);

  private:
    void FireTimer(QueuePair* qp, uint32_t timer);
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
