// RdmaNic's ReferenceQpOrder: the reference NIC's choice of the next QP to send from.
#include "fabric-event.h"
#include "fabric-network.h"
#include "rdma-nic.h"

#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("FabricRdmaNicReference");

void
RdmaNic::ReferenceList(QueuePair* qp)
{
    // RdmaQueuePairGroup::AddQp appends; a QP stays listed until a scan finds it finished.
    if (!qp->refListed)
    {
        qp->refListed = true;
        m_refQps[qp->port].push_back(qp);
    }
}

void
RdmaNic::ReferenceCompact(uint32_t port, uint32_t firstFinished, int& chosen)
{
    // The reference keeps every QP before the first finished one it saw, and of the rest only
    // the unfinished ones; the last-served index is not re-based (its next scan starts there).
    auto& list = m_refQps[port];
    uint32_t next = firstFinished;
    list[firstFinished]->refListed = false;
    for (uint32_t i = firstFinished + 1; i < list.size(); ++i)
    {
        QueuePair* qp = list[i];
        if (qp->sndUna >= qp->enqueued)
        {
            qp->refListed = false;
            continue;
        }
        if (static_cast<int>(i) == chosen)
        {
            chosen = static_cast<int>(next);
        }
        list[next++] = qp;
    }
    list.resize(next);
}

void
RdmaNic::ReferenceWake(uint32_t port, Time now)
{
    // QbbNetDevice::DequeueAndTransmit with nothing to send: one wake-up at the earliest
    // next-send time over the listed QPs, only if it lies ahead and none is pending.
    Time t = Time::Max();
    for (const QueuePair* qp : m_refQps[port])
    {
        t = std::min(t, qp->nextSend);
    }
    if (t != Time::Max() && t > now && !m_wake[port].IsPending())
    {
        m_wake[port] = ScheduleMember(t - now, this, &RdmaNic::Wake, port);
    }
}

FabricPacket*
RdmaNic::ReferenceNextData(uint32_t port)
{
    auto& list = m_refQps[port];
    FabricPort& p = m_ports[port];
    Time now = Simulator::Now();
    uint32_t header = m_net->DataHeaderBytes() + m_net->CcHeaderBytes();
    uint32_t n = list.size();
    int chosen = -1;
    uint32_t firstFinished = n;
    Time earliest = Time::Max();  // without ReferenceWakeup: wake at the earliest paced QP
    for (uint32_t i = 1; i <= n; ++i)
    {
        uint32_t idx = (i + m_refLast[port]) % n;
        QueuePair* qp = list[idx];
        if (qp->HasUnsent() && !qp->WindowFull() &&
            m_net->Fc().MayTransmit(p, qp->priority, m_net->MtuBytes() + header))
        {
            if (qp->nextSend > now)
            {
                earliest = std::min(earliest, qp->nextSend);
                continue;
            }
            chosen = static_cast<int>(idx);
            break;
        }
        if (qp->sndUna >= qp->enqueued)
        {
            firstFinished = std::min(firstFinished, idx);
        }
    }
    if (firstFinished < n)
    {
        ReferenceCompact(port, firstFinished, chosen);
    }
    if (chosen < 0)
    {
        if (m_referenceWakeup)
        {
            ReferenceWake(port, now);
        }
        else if (earliest != Time::Max())
        {
            WakeAt(port, earliest, now);
        }
        return nullptr;
    }
    QueuePair* qp = list[chosen];
    m_refLast[port] = static_cast<uint32_t>(chosen);
    FabricPacket* pkt = SendNextPacket(*qp, port, header, now);
    if (!qp->HasUnsent())
    {
        auto& active = m_active[port];
        active.erase(std::find(active.begin(), active.end(), qp));
        qp->active = false;
    }
    return pkt;
}

} // namespace fabric
} // namespace ns3
