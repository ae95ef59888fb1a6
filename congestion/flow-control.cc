#include "flow-control.h"

#include "../ns3_backend/fabric-switch.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/uinteger.h"

namespace ns3
{
namespace fabric
{

NS_OBJECT_ENSURE_REGISTERED(FlowControl);
NS_OBJECT_ENSURE_REGISTERED(NoFlowControl);

TypeId
FlowControl::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::FlowControl")
            .SetParent<Object>()
            .SetGroupName("Fabric")
            .AddAttribute("DynamicThreshold",
                          "Shared-buffer threshold per ingress queue is alpha x free buffer "
                          "(true) or StaticThresholdBytes (false) [bool]. Default true.",
                          BooleanValue(true),
                          MakeBooleanAccessor(&FlowControl::m_dynamic),
                          MakeBooleanChecker())
            .AddAttribute("Alpha",
                          "Dynamic threshold factor: threshold = Alpha x (buffer - headroom - "
                          "reserve - shared used) [1]. Default 0.125 (reference shift 3).",
                          DoubleValue(0.125),
                          MakeDoubleAccessor(&FlowControl::m_alpha),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("StaticThresholdBytes",
                          "Static per-ingress-queue shared-buffer threshold (XOFF for PFC, drop "
                          "for lossy) [bytes]. Default 262144.",
                          UintegerValue(262144),
                          MakeUintegerAccessor(&FlowControl::m_staticBytes),
                          MakeUintegerChecker<uint64_t>());
    return tid;
}

bool
FlowControl::Admit(FabricSwitch& sw, uint32_t inPort, uint32_t prio, uint32_t bytes)
{
    return sw.Mmu().Admit(inPort, prio, bytes, IsLossless());
}

bool
FlowControl::MayTransmit(const FabricPort& port, uint32_t prio, uint32_t bytes) const
{
    return !port.IsPaused(prio);
}

TypeId
NoFlowControl::GetTypeId()
{
    static TypeId tid = TypeId("ns3::fabric::NoFlowControl")
                            .SetParent<FlowControl>()
                            .SetGroupName("Fabric")
                            .AddConstructor<NoFlowControl>();
    return tid;
}

} // namespace fabric
} // namespace ns3
