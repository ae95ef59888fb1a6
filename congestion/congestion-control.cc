#include "congestion-control.h"

#include "../ns3_backend/queue-pair.h"

#include "ns3/simulator.h"

namespace ns3
{
namespace fabric
{

NS_OBJECT_ENSURE_REGISTERED(CongestionControl);
NS_OBJECT_ENSURE_REGISTERED(NoCongestionControl);

TypeId
CongestionControl::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::CongestionControl").SetParent<Object>().SetGroupName("Fabric");
    return tid;
}

bool
CongestionControl::MarkAtPort(const PortView& port, uint32_t prio, uint64_t queueBytes)
{
    return MarkAtEgress(queueBytes, port.LinkGbps());
}

void
CongestionControl::Apply(QueuePair& qp, const CcDecision& decision)
{
    if (decision.Any() && qp.sender)
    {
        qp.sender->ApplyCc(qp, decision);
    }
}

EventId
CongestionControl::ScheduleTimer(Time delay, QueuePair& qp, uint32_t timer)
{
    return Simulator::Schedule(delay, &CongestionControl::FireTimer, this, &qp, timer);
}

void
CongestionControl::FireTimer(QueuePair* qp, uint32_t timer)
{
    Apply(*qp, OnTimer(*qp, timer));
}

TypeId
NoCongestionControl::GetTypeId()
{
    static TypeId tid = TypeId("ns3::fabric::NoCongestionControl")
                            .SetParent<CongestionControl>()
                            .SetGroupName("Fabric")
                            .AddConstructor<NoCongestionControl>();
    return tid;
}

} // namespace fabric
} // namespace ns3
