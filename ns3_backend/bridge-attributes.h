// The bridge's attribute targets: one ns-3 ObjectFactory per configurable object (network,
// switch, NIC, flow control, congestion control), typed attribute values checked by their
// TypeId's checker, and the listings Python reads (effective attributes, every type's defaults,
// the policy registry) as JSON with typed values (numbers as numbers, booleans as booleans).
#ifndef ASTRASIM_BRIDGE_ATTRIBUTES_H
#define ASTRASIM_BRIDGE_ATTRIBUTES_H

#include "ns3/object-factory.h"

#include <cstdint>
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
    /// Typed setters: "" or an error (unknown target or attribute, a value of another type than
    /// the attribute's, out of the checker's range). No number is parsed from text.
    std::string SetDouble(const std::string& target, const std::string& name, double value);
    std::string SetUinteger(const std::string& target, const std::string& name, uint64_t value);
    std::string SetInteger(const std::string& target, const std::string& name, int64_t value);
    std::string SetBool(const std::string& target, const std::string& name, bool value);
    /// String, enum and structured (table) attributes only; numbers and booleans are refused.
    std::string SetString(const std::string& target, const std::string& name,
                          const std::string& value);
    /// {"type": ..., "attributes": {name: {"value", "help", "checker", "range"}}} of a target's
    /// effective values ("value" typed).
    std::string Describe(const std::string& target);
    /// {"type": ..., "attributes": {name: {"default", "help", "checker", "range"}}} of a TypeId
    /// and its parents ("default" typed), read from the registry without creating an object;
    /// "{}" for an unknown type.
    static std::string TypeDefaults(const std::string& typeName);
    /// Every constructible FlowControl / CongestionControl with its attributes' defaults.
    static std::string PolicyRegistry();

  private:
    std::string SetValue(const std::string& target, const std::string& name,
                         const ns3::AttributeValue& value, const std::string& shown);
};

} // namespace astrasim

#endif
