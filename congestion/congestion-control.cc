#include "congestion-control.h"

#include "../ns3_backend/fabric-device.h"

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
CongestionControl::MarkAtPort(const FabricPort& port, uint32_t prio, uint64_t queueBytes)
{
    return MarkAtEgress(queueBytes, port.gbps);
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
