// The bridge's attribute targets: one ns-3 ObjectFactory per configurable object (network,
// switch, NIC, flow control, congestion control), typed attribute values checked by their
// TypeId's checker, and the listings Python reads (effective attributes; the registry of
// policies and device types with their defaults) as JSON with typed values.
#ifndef ASTRASIM_BRIDGE_ATTRIBUTES_H
#define ASTRASIM_BRIDGE_ATTRIBUTES_H

#include "ns3/object-factory.h"

#include <cstdint>
#include <string>

namespace astrasim
{

/// A value for the typed attribute setter, as the caller's language typed it (the bridge reads
/// a Python float, int, bool or str into one: ReadTypedValue in bridge-python.h).
struct TypedValue
{
    enum Kind
    {
        Real,
        Integer,
        Flag,
        Text,
        Other
    };

    Kind kind{Other};
    double real{0};
    int64_t integer{0};
    uint64_t unsignedInteger{0};
    bool fitsSigned{false};   // `integer` holds the value
    bool fitsUnsigned{false}; // `unsignedInteger` holds the value
    bool flag{false};
    std::string text; // Text's value; for the other kinds the value as an error shows it
};

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
    /// Set one attribute from a typed value: "" or an error (unknown target or attribute, a value
    /// of another type than the attribute's, out of the checker's range). A number is never
    /// parsed from text; text reaches only string, enum and table attributes.
    std::string Set(const std::string& target, const std::string& name, const TypedValue& value);
    /// {"type": ..., "attributes": {name: {"value", "help", "checker", "range"}}} of a target's
    /// effective values ("value" typed).
    std::string Describe(const std::string& target);
    /// Every constructible FlowControl / CongestionControl, and the device types behind the
    /// network, switch and nic targets ("devices"), each {"name", "type", "attributes": [{"name",
    /// "default" (as ns-3 prints it), "value" (typed default), "help", "checker", "range"}]},
    /// read from the TypeId registry (no object is created).
    static std::string TypeRegistry();
};

} // namespace astrasim

#endif
