// RdmaNic, receiver side: data arrival (in order, out of order, duplicate), congestion
// notification, message delivery and the ACK/NACK/CNP frames it answers with. The sender side
// (QP scheduling, pacing, RTO, ACK processing) is in rdma-nic.cc; both share rdma-nic.h.
#include "fabric-network.h"
#include "rdma-nic.h"

#include "ns3/log.h"

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("RdmaNicReceiver");

void
RdmaNic::SendControl(PacketKind kind, QueuePair& qp, uint64_t seq, const FabricPacket* echo)
{
    FabricPacket* pkt = m_net->NewPacket();
    pkt->kind = kind;
    pkt->priority = kind == PacketKind::Cnp ? kControlPriority : m_net->AckPriority(qp.priority);
    if (kind != PacketKind::Cnp && qp.cnpPending)
    {
        pkt->ecnCe = true;  // CnpInAck: the congestion flag rides on this ACK/NACK
        qp.cnpPending = false;
    }
    pkt->src = qp.dst;
    pkt->dst = qp.src;
    pkt->qp = qp.index;
    pkt->flowHash = qp.flowHash;
    pkt->seq = seq;
    pkt->wireBytes = m_net->ControlBytes(kind);
    if (kind != PacketKind::Cnp)
    {
        pkt->wireBytes += m_net->CcHeaderBytes();  // the echoed INT / timestamp header
    }
    if (echo)
    {
        pkt->sendTsPs = echo->sendTsPs;
        pkt->ecnEcho = echo->ecnCe;
        if (m_net->CcStampsInt())
        {
            pkt->intRecords = echo->intRecords;
        }
    }
    uint32_t port = m_net->Route(m_nodeId, qp.src, qp.flowHash);
    m_controlTxTrace(port, *pkt);
    EnqueueControl(port, pkt);
}

void
RdmaNic::NotifyCongestion(QueuePair& qp, Time now)
{
    if (!m_net->Cc().ShouldNotify(now, qp.lastNotify, !qp.notified))
    {
        return;
    }
    qp.notified = true;
    qp.lastNotify = now;
    if (m_net->CnpInAck())
    {
        qp.cnpPending = true;
    }
    else
    {
        SendControl(PacketKind::Cnp, qp, 0);
    }
}

void
RdmaNic::OnData(uint32_t port, FabricPacket* pkt)
{
    QueuePair& qp = *m_net->Qp(pkt->qp);
    Time now = Simulator::Now();
    m_net->Fc().OnHostConsumed(*this, port, pkt->priority, pkt->wireBytes);
    if (pkt->ecnCe)
    {
        NotifyCongestion(qp, now);
    }
    if (pkt->seq == qp.rcvNxt && !m_outOfOrderReceive)
    {
        qp.rcvNxt += pkt->payloadBytes;
        m_net->BytesDelivered(pkt->payloadBytes);
        qp.unackedPackets++;
        bool last = pkt->lastOfMessage;
        uint64_t msg = pkt->messageId;
        if (qp.unackedPackets >= m_net->AckIntervalPackets() || last)
        {
            qp.unackedPackets = 0;
            SendControl(PacketKind::Ack, qp, qp.rcvNxt, pkt);
        }
        m_net->FreePacket(pkt);
        if (last && !m_net->CompleteOnAck())
        {
            m_net->MessageDelivered(msg, 0);
        }
        return;
    }
    if (pkt->seq == qp.rcvNxt)
    {
        DeliverInOrder(qp, pkt->payloadBytes, pkt->lastOfMessage, pkt->messageId, pkt);
        return;
    }
    if (pkt->seq > qp.rcvNxt && m_outOfOrderReceive)
    {
        qp.outOfOrder.emplace(pkt->seq,
                              OutOfOrderSegment{pkt->payloadBytes, pkt->lastOfMessage, pkt->messageId});
        m_net->FreePacket(pkt);
        return;
    }
    if (pkt->seq > qp.rcvNxt)
    {
        if (qp.lastNackSeq != qp.rcvNxt || now - qp.lastNack >= m_net->NackInterval())
        {
            qp.lastNackSeq = qp.rcvNxt;
            qp.lastNack = now;
            SendControl(PacketKind::Nack, qp, qp.rcvNxt, pkt);
        }
    }
    else
    {
        // Duplicate (an ACK was lost or a go-back-N resend): re-acknowledge.
        SendControl(PacketKind::Ack, qp, qp.rcvNxt, pkt);
    }
    m_net->FreePacket(pkt);
}

void
RdmaNic::DeliverInOrder(QueuePair& qp, uint32_t payload, bool last, uint64_t messageId,
                        FabricPacket* echo)
{
    // Completions are collected first: a handler may queue new messages on this QP.
    std::vector<uint64_t> completed;
    bool ack = false;
    while (true)
    {
        qp.rcvNxt += payload;
        m_net->BytesDelivered(payload);
        qp.unackedPackets++;
        if (qp.unackedPackets >= m_net->AckIntervalPackets() || last)
        {
            ack = true;
            qp.unackedPackets = 0;
        }
        if (last)
        {
            completed.push_back(messageId);
        }
        auto it = qp.outOfOrder.begin();
        if (it == qp.outOfOrder.end() || it->first != qp.rcvNxt)
        {
            // drop stale duplicates (go-back-N resends of bytes already held)
            while (it != qp.outOfOrder.end() && it->first < qp.rcvNxt)
            {
                it = qp.outOfOrder.erase(it);
            }
            break;
        }
        payload = it->second.payloadBytes;
        last = it->second.lastOfMessage;
        messageId = it->second.messageId;
        qp.outOfOrder.erase(it);
    }
    if (ack)
    {
        SendControl(PacketKind::Ack, qp, qp.rcvNxt, echo);
    }
    m_net->FreePacket(echo);
    for (uint64_t id : completed)
    {
        if (!m_net->CompleteOnAck())
        {
            m_net->MessageDelivered(id, 0);
        }
    }
}

} // namespace fabric
} // namespace ns3
