// The bridge's attribute targets: one ns-3 ObjectFactory per configurable object (network,
// switch, NIC, flow control, congestion control), attribute values checked by their TypeId,
// and the listings Python reads (effective attributes, the policy registry) as JSON.
#ifndef ASTRASIM_BRIDGE_ATTRIBUTES_H
#define ASTRASIM_BRIDGE_ATTRIBUTES_H

#include "ns3/object-factory.h"

#include <string>

namespace astrasim
{

class AttributeTargets
{
  public:
    ns3::ObjectFactory network{"ns3::fabric::FabricNetwork"};
    ns3::ObjectFactory sw{"ns3::fabric::FabricSwitch"};
    ns3::ObjectFactory nic{"ns3::fabric::RdmaNic"};
    ns3::ObjectFactory fc{"ns3::fabric::NoFlowControl"};
    ns3::ObjectFactory cc{"ns3::fabric::NoCongestionControl"};

    /// network | switch | nic | flow_control | congestion_control, or nullptr.
    ns3::ObjectFactory* Target(const std::string& t);
    /// Policies by TypeId name; "" or why one is not a constructible policy.
    std::string SelectPolicies(const std::string& flowControl, const std::string& congestionControl);
    /// "" or an error (unknown target or attribute, bad value).
    std::string Set(const std::string& target, const std::string& name, const std::string& value);
    /// {"type": ..., "attributes": {name: {"value", "help", "checker", "range"}}} of a target's
    /// effective values.
    std::string Describe(const std::string& target);
    /// Every constructible FlowControl / CongestionControl with its attributes' defaults.
    static std::string PolicyRegistry();
};

} // namespace astrasim

#endif
