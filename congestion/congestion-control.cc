#include "congestion-control.h"

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
