#include "fabric-device.h"

#include "fabric-network.h"

#include "ns3/log.h"
#include "ns3/trace-source-accessor.h"

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("FabricDevice");
NS_OBJECT_ENSURE_REGISTERED(FabricDevice);

uint32_t
FabricPort::NodeId() const
{
    return owner->GetNodeId();
}

bool
FabricPort::WaitedForPeer(uint32_t prio) const
{
    return owner->Net()->Fc().WaitedForPeer(*this, prio);
}

TypeId
FabricDevice::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::FabricDevice")
            .SetParent<Object>()
            .SetGroupName("Fabric")
            .AddTraceSource("Tx", "A frame (any kind) starts serializing on a port.",
                            MakeTraceSourceAccessor(&FabricDevice::m_txTrace),
                            "ns3::fabric::FabricDevice::PacketTracedCallback")
            .AddTraceSource("FlowControlRx", "A flow-control frame (PFC pause / IB credit update) "
                            "arrived on a port.",
                            MakeTraceSourceAccessor(&FabricDevice::m_fcRxTrace),
                            "ns3::fabric::FabricDevice::PacketTracedCallback");
    return tid;
}

FabricDevice::~FabricDevice()
{
    for (auto& p : m_ports)
    {
        for (auto& f : p.inFlight)
        {
            delete f.second;
        }
        for (auto& q : p.queues)
        {
            for (auto* pkt : q)
            {
                delete pkt;
            }
            q.clear();
        }
    }
}

void
FabricDevice::TryTransmit(uint32_t port)
{
    FabricPort& p = m_ports[port];
    Time now = Simulator::Now();
    // ReferenceEventOrder: busy until the transmit-end event ran (QbbNetDevice's BUSY state)
    if (p.busyUntil > now || (p.wakePending && m_net->ReferenceEventOrder()))
    {
        if (!p.wakePending)
        {
            p.wakePending = true;
            ScheduleMember(p.busyUntil - now, this, &FabricDevice::TransmitDone, port);
        }
        return;
    }
    FabricPacket* pkt = Dequeue(port);
    if (!pkt)
    {
        return;
    }
    m_net->Fc().OnTransmit(p, pkt->priority, pkt->wireBytes);
    Time tx = p.TxTime(pkt->wireBytes);
    p.txBytes += pkt->wireBytes;
    m_txTrace(port, *pkt);
    OnTransmitted(port, pkt);
    if (p.pcap)
    {
        p.pcap->Write(now.GetTimeStep(), m_nodeId, p.peer->GetNodeId(), *pkt,
                      m_net->MtuBytes(), m_net->DataHeaderBytes() - m_net->RawDataHeaderBytes());
    }
    p.busyUntil = now + tx;
    bool refOrder = m_net->ReferenceEventOrder();
    if (!p.wakePending && (refOrder || p.TotalQueueBytes() > 0 || HasPendingData(port)))
    {
        p.wakePending = true;
        ScheduleMember(tx, this, &FabricDevice::TransmitDone, port);
    }
    // Cut-through peers act once the header is in; arrivals on a link stay in order because
    // every frame's header time is at most its serialization time.
    // A faster egress at the peer may start only so late that it ends with the tail's arrival.
    uint32_t header = p.peer->CutThroughBytes();
    Time firstAct = tx;
    if (header && header < pkt->wireBytes)
    {
        double fastest = p.peer->FastestPortGbps();
        Time tailBound = fastest > p.gbps
                             ? tx - PicoSeconds(static_cast<int64_t>(pkt->wireBytes * 8000.0 / fastest))
                             : Time(0);
        firstAct = std::max(p.TxTime(header), tailBound);
    }
    Time arrival = firstAct + p.latency + p.peer->IngressDelay();
    p.inFlight.emplace_back(now + arrival, pkt);
    if (refOrder || p.inFlight.size() == 1)
    {
        ScheduleMember(arrival, this, &FabricDevice::Deliver, port);
    }
}

void
FabricDevice::Deliver(uint32_t port)
{
    FabricPort& p = m_ports[port];
    FabricPacket* pkt = p.inFlight.front().second;
    p.inFlight.pop_front();
    if (!p.inFlight.empty() && !m_net->ReferenceEventOrder())
    {
        ScheduleMember(p.inFlight.front().first - Simulator::Now(), this, &FabricDevice::Deliver, port);
    }
    p.peer->Receive(p.peerPort, pkt);
}

void
FabricDevice::TransmitDone(uint32_t port)
{
    m_ports[port].wakePending = false;
    TryTransmit(port);
}

void
FabricDevice::OnTransmitted(uint32_t port, FabricPacket* pkt)
{
}

void
FabricDevice::EnqueueControl(uint32_t port, FabricPacket* pkt)
{
    FabricPort& p = m_ports[port];
    p.queues[pkt->priority].push_back(pkt);
    p.queueBytes[pkt->priority] += pkt->wireBytes;
    TryTransmit(port);
}

void
FabricDevice::SendFlowControlFrame(uint32_t port, uint8_t prio, uint16_t quanta, uint64_t seq)
{
    FabricPacket* pkt = m_net->NewPacket();
    pkt->kind = PacketKind::Pause;
    pkt->priority = kControlPriority;
    pkt->src = m_nodeId;
    pkt->dst = m_ports[port].peer->GetNodeId();
    pkt->pausePriority = prio;
    pkt->pauseQuanta = quanta;
    pkt->seq = seq;
    pkt->wireBytes = m_net->ControlBytes(PacketKind::Pause);
    EnqueueControl(port, pkt);
}

void
FabricDevice::Fail(const std::string& reason)
{
    m_net->Fail(reason);
}

FabricPacket*
FabricDevice::DequeueFromQueues(uint32_t port)
{
    FabricPort& p = m_ports[port];
    FlowControl& fc = m_net->Fc();
    if (!p.queues[kControlPriority].empty())
    {
        FabricPacket* pkt = p.queues[kControlPriority].front();
        p.queues[kControlPriority].pop_front();
        p.queueBytes[kControlPriority] -= pkt->wireBytes;
        return pkt;
    }
    int pick = fc.Arbitrate(p);
    if (pick != FlowControl::kArbitrateDefault)
    {
        if (pick < 0)
        {
            return nullptr;
        }
        FabricPacket* pkt = p.queues[pick].front();
        p.queues[pick].pop_front();
        p.queueBytes[pick] -= pkt->wireBytes;
        return pkt;
    }
    for (uint32_t i = 0; i < kNumPriorities - 1; ++i)
    {
        uint32_t prio = 1 + (p.rrNext - 1 + i) % (kNumPriorities - 1);
        auto& q = p.queues[prio];
        if (q.empty() || !fc.MayTransmit(p, prio, q.front()->wireBytes))
        {
            continue;
        }
        FabricPacket* pkt = q.front();
        q.pop_front();
        p.queueBytes[prio] -= pkt->wireBytes;
        p.rrNext = 1 + prio % (kNumPriorities - 1);
        return pkt;
    }
    return nullptr;
}

void
FabricDevice::ClosePause(FabricPort& p, uint32_t prio, Time end)
{
    if (p.pauseOpen[prio])
    {
        Time stop = std::min(end, p.pausedUntil[prio]);
        if (stop > p.pauseStart[prio])
        {
            p.pausedPs += (stop - p.pauseStart[prio]).GetPicoSeconds();
        }
        p.pauseOpen[prio] = false;
    }
}

void
FabricDevice::SetPause(uint32_t port, uint32_t prio, Time duration)
{
    FabricPort& p = m_ports[port];
    Time now = Simulator::Now();
    p.pauseExpiry[prio].Cancel();
    if (duration.IsStrictlyPositive())
    {
        if (!p.pauseOpen[prio] || p.pausedUntil[prio] <= now)
        {
            ClosePause(p, prio, now);
            p.pauseOpen[prio] = true;
            p.pauseStart[prio] = now;
        }
        if (duration == Time::Max())
        {
            p.pausedUntil[prio] = Time::Max();  // until an explicit resume (no expiry event)
            return;
        }
        p.pausedUntil[prio] = now + duration;
        p.pauseExpiry[prio] =
            Simulator::Schedule(duration, &FabricDevice::PauseExpired, this, port, prio);
    }
    else
    {
        ClosePause(p, prio, now);
        p.pausedUntil[prio] = Time(0);
        TryTransmit(port);
    }
}

void
FabricDevice::PauseExpired(uint32_t port, uint32_t prio)
{
    ClosePause(m_ports[port], prio, Simulator::Now());
    TryTransmit(port);
}

void
FabricDevice::FinalizePauseAccounting()
{
    Time now = Simulator::Now();
    for (auto& p : m_ports)
    {
        for (uint32_t prio = 0; prio < kNumPriorities; ++prio)
        {
            if (p.pauseOpen[prio])
            {
                ClosePause(p, prio, now);
                if (p.pausedUntil[prio] > now)
                {
                    // Still paused: keep the interval open from now on.
                    p.pauseOpen[prio] = true;
                    p.pauseStart[prio] = now;
                }
            }
        }
    }
}

} // namespace fabric
} // namespace ns3
