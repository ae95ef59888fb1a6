// RDMA NIC, sender side (QP scheduling, pacing, RTO, ACK processing); the receiver side is in
// rdma-nic-rx.cc.
#include "rdma-nic.h"

#include "time-attribute.h"
#include "fabric-network.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/trace-source-accessor.h"

#include <algorithm>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("RdmaNic");
NS_OBJECT_ENSURE_REGISTERED(RdmaNic);

TypeId
RdmaNic::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::RdmaNic")
            .SetParent<FabricDevice>()
            .SetGroupName("Fabric")
            .AddConstructor<RdmaNic>()
            .AddAttribute("ProcessingDelayNs",
                          "Delay from a packet's last bit arriving at the NIC to its processing "
                          "(delivery, ACK generation) [ns]. Default 0 (as the reference).",
                          DoubleValue(0),
                          MakeTimeInUnitAccessor(&RdmaNic::m_processingDelay, Time::NS),
                          MakeTimeInUnitChecker(Time::NS))
            .AddAttribute("OutOfOrderReceive",
                          "Keep data that arrives ahead of the expected byte (as IB HCAs placing "
                          "RDMA writes under adaptive routing do) instead of NACKing it; delivery "
                          "and ACKs stay in order [bool]. Default false (RoCE go-back-N).",
                          BooleanValue(false),
                          MakeBooleanAccessor(&RdmaNic::m_outOfOrderReceive),
                          MakeBooleanChecker())
            .AddAttribute("ReferenceWakeup",
                          "When no QP may send, wake the port at the earliest next-send time "
                          "only if that is later than now over every QP not yet fully ACKed "
                          "(also window-bound and all-sent ones) and no wake-up is pending, and "
                          "never on a CC rate change: the reference NIC's rule "
                          "(QbbNetDevice::DequeueAndTransmit), which leaves a paced QP waiting "
                          "for the next ACK or frame when another QP's next-send time has passed. "
                          "false = wake at the earliest paced QP, as a NIC's rate limiter does "
                          "[bool]. Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&RdmaNic::m_referenceWakeup),
                          MakeBooleanChecker())
            .AddAttribute("ReferenceQpOrder",
                          "Pick the next QP as the reference NIC does (RdmaEgressQueue::"
                          "GetNextQindex): one list of every QP not yet fully ACKed, in creation "
                          "order, scanned from the one after the last QP served (so a new QP "
                          "sends before the QP that was sending), finished QPs dropped only when "
                          "a scan passes them, without re-basing that index. false = round "
                          "robin over the QPs with bytes to send [bool]. Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&RdmaNic::m_referenceQpOrder),
                          MakeBooleanChecker())
            .AddTraceSource("DataTx", "A QP hands a data packet (new or resent) to a port.",
                            MakeTraceSourceAccessor(&RdmaNic::m_dataTxTrace),
                            "ns3::fabric::FabricDevice::PacketTracedCallback")
            .AddTraceSource("ControlTx", "The receiver sends an ACK, NACK or CNP.",
                            MakeTraceSourceAccessor(&RdmaNic::m_controlTxTrace),
                            "ns3::fabric::FabricDevice::PacketTracedCallback")
            .AddTraceSource("Timeout", "A QP's retransmission timeout fired (go-back-N).",
                            MakeTraceSourceAccessor(&RdmaNic::m_timeoutTrace),
                            "ns3::fabric::RdmaNic::QpTracedCallback");
    return tid;
}

void
RdmaNic::InitPorts()
{
    m_active.assign(m_ports.size(), {});
    m_rr.assign(m_ports.size(), 0);
    m_wake.assign(m_ports.size(), EventId());
    m_unacked.assign(m_ports.size(), {});
    m_refQps.assign(m_ports.size(), {});
    m_refLast.assign(m_ports.size(), 0);
}

void
RdmaNic::Activate(QueuePair* qp)
{
    if (!qp->active && qp->HasUnsent())
    {
        qp->active = true;
        m_active[qp->port].push_back(qp);
        if (m_referenceQpOrder)
        {
            ReferenceList(qp);
        }
        auto& unacked = m_unacked[qp->port];
        if (m_referenceWakeup && std::find(unacked.begin(), unacked.end(), qp) == unacked.end())
        {
            unacked.push_back(qp);
        }
    }
    TryTransmit(qp->port);
}

void
RdmaNic::RateChanged(QueuePair* qp)
{
    if (!m_referenceWakeup)
    {
        TryTransmit(qp->port);
    }
}

void
RdmaNic::ApplyCc(QueuePair& qp, const CcDecision& decision)
{
    if (decision.HasRate())
    {
        qp.rateGbps = decision.rateGbps;
    }
    if (decision.HasWindow())
    {
        qp.windowBytes = decision.windowBytes;
    }
    else if (decision.HasRate())
    {
        m_net->ScaleWindowWithRate(qp);  // WindowScalesWithRate (the reference's VAR_WIN)
    }
    RateChanged(&qp);
}

FabricPacket*
RdmaNic::Dequeue(uint32_t port)
{
    FabricPacket* pkt = DequeueFromQueues(port);
    if (pkt)
    {
        return pkt;
    }
    if (m_referenceQpOrder)
    {
        return ReferenceNextData(port);
    }
    return NextData(port);
}

void
RdmaNic::Wake(uint32_t port)
{
    TryTransmit(port);
}

int
RdmaNic::ArbitrateSl(uint32_t port, uint32_t header, Time now)
{
    // VL arbitration (IB with arbitration tables): pick the SL first, then round robin among
    // its QPs. Without tables the policy answers kArbitrateDefault and nothing changes.
    const auto& list = m_active[port];
    FabricPort& p = m_ports[port];
    uint32_t full = m_net->MtuBytes() + header;
    auto head = [&](uint32_t sl) -> int64_t {
        for (QueuePair* qp : list)
        {
            if (qp->priority == sl && !qp->WindowFull() &&
                qp->nextSend <= now && m_net->Fc().MayTransmit(p, sl, full))
            {
                return full;
            }
        }
        return -1;
    };
    int onlySl = m_net->Fc().ArbitrateSl(p, head);
    m_arbitrateSl = onlySl != FlowControl::kArbitrateDefault;
    return onlySl;
}

FabricPacket*
RdmaNic::NextData(uint32_t port)
{
    auto& list = m_active[port];
    if (list.empty())
    {
        return nullptr;
    }
    FabricPort& p = m_ports[port];
    Time now = Simulator::Now();
    Time earliest = Time::Max();
    uint32_t n = list.size();
    uint32_t header = m_net->DataHeaderBytes() + m_net->CcHeaderBytes();
    int onlySl = m_arbitrateSl ? ArbitrateSl(port, header, now) : -1;
    for (uint32_t i = 0; i < n; ++i)
    {
        uint32_t idx = (m_rr[port] + i) % n;
        QueuePair* qp = list[idx];
        if (onlySl >= 0 && qp->priority != onlySl)
        {
            continue;
        }
        if (qp->WindowFull())
        {
            continue;
        }
        if (!m_net->Fc().MayTransmit(p, qp->priority, m_net->MtuBytes() + header))
        {
            continue;
        }
        if (qp->nextSend > now)
        {
            earliest = std::min(earliest, qp->nextSend);
            continue;
        }
        FabricPacket* pkt = SendNextPacket(*qp, port, header, now);
        AdvanceRoundRobin(port, idx, n);
        return pkt;
    }
    if (m_referenceWakeup)
    {
        // the reference: min over all unfinished QPs, scheduled only if in the future and
        // no wake-up is pending
        Time t = Time::Max();
        for (const QueuePair* qp : m_unacked[port])
        {
            t = std::min(t, qp->nextSend);
        }
        if (t != Time::Max() && t > now && !m_wake[port].IsPending())
        {
            m_wake[port] = ScheduleMember(t - now, this, &RdmaNic::Wake, port);
        }
        return nullptr;
    }
    if (earliest != Time::Max())
    {
        WakeAt(port, earliest, now);
    }
    return nullptr;
}

FabricPacket*
RdmaNic::SendNextPacket(QueuePair& qp, uint32_t port, uint32_t header, Time now)
{
    // Find the message holding byte sndNxt (messages never share a packet).
    const QueuedMessage* msg = nullptr;
    for (const auto& m : qp.messages)
    {
        if (m.end > qp.sndNxt)
        {
            msg = &m;
            break;
        }
    }
    uint32_t payload =
        static_cast<uint32_t>(std::min<uint64_t>(m_net->MtuBytes(), msg->end - qp.sndNxt));
    FabricPacket* pkt = m_net->NewPacket();
    pkt->kind = PacketKind::Data;
    pkt->priority = qp.priority;
    pkt->src = qp.src;
    pkt->dst = qp.dst;
    pkt->qp = qp.index;
    pkt->flowHash = qp.flowHash;
    pkt->seq = qp.sndNxt;
    pkt->payloadBytes = payload;
    pkt->wireBytes = payload + header;
    pkt->messageId = msg->id;
    pkt->lastOfMessage = (qp.sndNxt + payload == msg->end);
    pkt->retransmission = qp.sndNxt < qp.maxSent;
    pkt->sendTsPs = now.GetTimeStep();
    m_dataTxTrace(port, *pkt);
    qp.sndNxt += payload;
    qp.maxSent = std::max(qp.maxSent, qp.sndNxt);
    qp.nextSend = now + m_net->WireTime(pkt->wireBytes, qp.rateGbps);
    CongestionControl::Apply(qp, m_net->Cc().OnSent(qp, payload));
    ArmRto(&qp);
    return pkt;
}

void
RdmaNic::AdvanceRoundRobin(uint32_t port, uint32_t idx, uint32_t n)
{
    auto& list = m_active[port];
    QueuePair* qp = list[idx];
    if (!qp->HasUnsent())
    {
        qp->active = false;
        list.erase(list.begin() + idx);
        m_rr[port] = list.empty() ? 0 : idx % list.size();
    }
    else
    {
        m_rr[port] = (idx + 1) % n;
    }
}

void
RdmaNic::WakeAt(uint32_t port, Time earliest, Time now)
{
    if (!m_wake[port].IsPending() || m_wake[port].GetTs() > earliest.GetTimeStep())
    {
        m_wake[port].Cancel();
        m_wake[port] = ScheduleMember(earliest - now, this, &RdmaNic::Wake, port);
    }
}

void
RdmaNic::ArmRto(QueuePair* qp)
{
    if (!qp->rto.IsPending())
    {
        qp->rtoStart = Simulator::Now();
        qp->rto = Simulator::Schedule(m_net->RetransmitTimeout(), &RdmaNic::RtoFired, this, qp);
    }
}

void
RdmaNic::RtoFired(QueuePair* qp)
{
    if (qp->sndUna >= qp->sndNxt && !qp->HasUnsent())
    {
        return;  // nothing outstanding
    }
    if (qp->sndUna >= qp->maxSent)
    {
        return;
    }
    // Lazy restart: ACKs only move rtoStart; the one pending timer is pushed back to the
    // deadline they imply, so the timeout fires exactly RTO after the last progress.
    Time deadline = qp->rtoStart + m_net->RetransmitTimeout();
    Time now = Simulator::Now();
    if (deadline > now)
    {
        qp->rto = Simulator::Schedule(deadline - now, &RdmaNic::RtoFired, this, qp);
        return;
    }
    m_timeoutTrace(qp->index);
    qp->sndNxt = qp->sndUna;
    Activate(qp);
    qp->rtoStart = now;
    qp->rto = Simulator::Schedule(m_net->RetransmitTimeout(), &RdmaNic::RtoFired, this, qp);
}

void
RdmaNic::OnAck(FabricPacket* pkt)
{
    QueuePair* qp = m_net->Qp(pkt->qp);
    bool nack = pkt->kind == PacketKind::Nack;
    if (pkt->ecnCe && qp->cc)
    {
        // CnpInAck: the ACK carries the congestion flag (the reference's CNP)
        CongestionControl::Apply(*qp, m_net->Cc().OnCnp(*qp));
    }
    std::vector<uint64_t> acked;  // Completion ack: messages whose last byte this ACK covers
    uint64_t newlyAcked = pkt->seq > qp->sndUna ? pkt->seq - qp->sndUna : 0;
    if (pkt->seq > qp->sndUna)
    {
        AdvanceUna(qp, pkt->seq, acked);
    }
    if (nack && qp->sndNxt > qp->sndUna)
    {
        qp->sndNxt = qp->sndUna;  // go-back-N
    }
    if (qp->cc)
    {
        ReportAck(qp, *pkt, newlyAcked, nack);
    }
    if (qp->sndUna >= qp->enqueued)
    {
        RetireAcked(qp);
    }
    Activate(qp);
    // After the QP's state is settled: a handler may queue new messages on it.
    for (uint64_t id : acked)
    {
        m_net->MessageDelivered(id, 0);
    }
}

void
RdmaNic::AdvanceUna(QueuePair* qp, uint64_t seq, std::vector<uint64_t>& acked)
{
    qp->sndUna = seq;
    qp->rtoStart = Simulator::Now();
    while (!qp->messages.empty() && qp->messages.front().end <= qp->sndUna)
    {
        if (m_net->CompleteOnAck())
        {
            acked.push_back(qp->messages.front().id);
        }
        qp->messages.pop_front();
    }
    if (qp->sndNxt < qp->sndUna)
    {
        qp->sndNxt = qp->sndUna;
    }
}

void
RdmaNic::ReportAck(QueuePair* qp, const FabricPacket& pkt, uint64_t newlyAcked, bool nack)
{
    AckSample ack;
    ack.ackSeq = pkt.seq;
    ack.newlyAcked = newlyAcked;
    ack.nack = nack;
    ack.ecnEcho = pkt.ecnEcho;
    if (pkt.sendTsPs >= 0)
    {
        ack.rtt = Simulator::Now() - TimeStep(pkt.sendTsPs);
    }
    ack.intRecords = m_net->CcStampsInt() ? &pkt.intRecords : nullptr;
    CongestionControl::Apply(*qp, m_net->Cc().OnAck(*qp, ack));
}

void
RdmaNic::RetireAcked(QueuePair* qp)
{
    if (m_referenceWakeup)
    {
        auto& unacked = m_unacked[qp->port];
        auto it = std::find(unacked.begin(), unacked.end(), qp);
        if (it != unacked.end())
        {
            unacked.erase(it);
        }
    }
    qp->rto.Cancel();
    m_net->Cc().Stop(*qp);
    qp->cc.reset();
}

void
RdmaNic::Forward(uint32_t inPort, FabricPacket* pkt)
{
    if (pkt->priority != kControlPriority)
    {
        // A relaying host buffers without limit: the upstream's buffer is free again.
        m_net->Fc().OnHostConsumed(*this, inPort, pkt->priority, pkt->wireBytes);
    }
    uint32_t out = m_net->Route(m_nodeId, pkt->dst, pkt->flowHash);
    FabricPort& p = m_ports[out];
    p.queues[pkt->priority].push_back(pkt);
    p.queueBytes[pkt->priority] += pkt->wireBytes;
    p.maxQueueBytes = std::max(p.maxQueueBytes, p.TotalQueueBytes());
    TryTransmit(out);
}

void
RdmaNic::Receive(uint32_t port, FabricPacket* pkt)
{
    switch (pkt->kind)
    {
    case PacketKind::Pause:
        m_fcRxTrace(port, *pkt);
        m_net->Fc().OnControlFrame(*this, port, *pkt);
        m_net->FreePacket(pkt);
        return;
    default:
        break;
    }
    if (pkt->dst != m_nodeId)
    {
        Forward(port, pkt);
        return;
    }
    switch (pkt->kind)
    {
    case PacketKind::Data:
        OnData(port, pkt);
        return;
    case PacketKind::Ack:
    case PacketKind::Nack:
        OnAck(pkt);
        break;
    case PacketKind::Cnp: {
        QueuePair* qp = m_net->Qp(pkt->qp);
        if (qp->cc)
        {
            CongestionControl::Apply(*qp, m_net->Cc().OnCnp(*qp));
        }
        break;
    }
    default:
        break;
    }
    m_net->FreePacket(pkt);
}

} // namespace fabric
} // namespace ns3
