#include "bridge-attributes.h"

#include "json-writer.h"

#include "../congestion/congestion-control.h"
#include "../congestion/flow-control.h"

#include "ns3/string.h"

#include <map>

namespace astrasim
{

using namespace ns3;
using namespace ns3::fabric;

ObjectFactory*
AttributeTargets::Target(const std::string& t)
{
    if (t == "network")
        return &network;
    if (t == "switch")
        return &sw;
    if (t == "nic")
        return &nic;
    if (t == "flow_control")
        return &fc;
    if (t == "congestion_control")
        return &cc;
    return nullptr;
}

static std::string
CheckTypeId(const std::string& name, TypeId parent)
{
    TypeId tid;
    if (!TypeId::LookupByNameFailSafe(name, &tid))
    {
        return "unknown policy type " + name;
    }
    if (!tid.IsChildOf(parent) || !tid.HasConstructor())
    {
        return name + " is not a constructible " + parent.GetName();
    }
    return "";
}

std::string
AttributeTargets::SelectPolicies(const std::string& flowControl, const std::string& congestionControl)
{
    std::string e = CheckTypeId(flowControl, FlowControl::GetTypeId());
    if (!e.empty())
        return e;
    e = CheckTypeId(congestionControl, CongestionControl::GetTypeId());
    if (!e.empty())
        return e;
    fc.SetTypeId(flowControl);
    cc.SetTypeId(congestionControl);
    return "";
}

std::string
AttributeTargets::Set(const std::string& target, const std::string& name, const std::string& value)
{
    ObjectFactory* f = Target(target);
    if (!f)
        return "unknown attribute target " + target;
    TypeId tid = f->GetTypeId();
    TypeId::AttributeInformation info;
    if (!tid.LookupAttributeByName(name, &info))
        return tid.GetName() + " has no attribute " + name;
    Ptr<AttributeValue> v = info.checker->CreateValidValue(StringValue(value));
    if (!v)
        return "bad value '" + value + "' for " + tid.GetName() + "::" + name;
    f->Set(name, *v);
    return "";
}

std::string
AttributeTargets::Describe(const std::string& target)
{
    ObjectFactory* f = Target(target);
    if (!f)
        return "{}";
    Ptr<Object> obj = f->Create<Object>();
    JsonWriter w;
    w.BeginObject().StringField("type", f->GetTypeId().GetName()).Key("attributes").BeginObject();
    for (TypeId tid = f->GetTypeId();; tid = tid.GetParent())
    {
        for (uint32_t i = 0; i < tid.GetAttributeN(); ++i)
        {
            auto info = tid.GetAttribute(i);
            StringValue sv;
            obj->GetAttribute(info.name, sv);
            // checker/range let Python check a value before SetAttribute: ns-3 aborts the
            // process (NS_FATAL) on some unparsable strings instead of returning an error
            w.Key(info.name)
                .BeginObject()
                .StringField("value", sv.Get())
                .StringField("help", info.help)
                .StringField("checker", info.checker->GetValueTypeName())
                .StringField("range", info.checker->GetUnderlyingTypeInformation())
                .EndObject();
        }
        if (tid == Object::GetTypeId() || tid.GetParent() == tid)
            break;
    }
    w.EndObject().EndObject();
    return w.Str();
}

/// One policy's registry entry: short name, TypeId, its and its policy bases' attributes.
template <typename Policy>
static std::string
PolicyEntry(TypeId tid, const std::string& shortName)
{
    JsonWriter w;
    w.BeginObject().StringField("name", shortName).StringField("type", tid.GetName());
    w.Key("attributes").BeginArray();
    for (TypeId t = tid; t != Object::GetTypeId() && t.GetParent() != t; t = t.GetParent())
    {
        for (uint32_t a = 0; a < t.GetAttributeN(); ++a)
        {
            auto info = t.GetAttribute(a);
            w.BeginObject()
                .StringField("name", info.name)
                .StringField("default", info.initialValue->SerializeToString(info.checker))
                .StringField("help", info.help)
                .EndObject();
        }
    }
    w.EndArray().EndObject();
    return w.Str();
}

template <typename Policy>
static void
ListPolicies(JsonWriter& w)
{
    TypeId base = Policy::GetTypeId();
    std::map<std::string, std::string> entries;  // by short name: a stable order
    for (uint32_t i = 0; i < TypeId::GetRegisteredN(); ++i)
    {
        TypeId tid = TypeId::GetRegistered(i);
        if (tid == base || !tid.IsChildOf(base) || !tid.HasConstructor())
        {
            continue;
        }
        ObjectFactory f(tid.GetName());
        Ptr<Policy> policy = f.Create<Policy>();
        entries[policy->Name()] = PolicyEntry<Policy>(tid, policy->Name());
    }
    w.BeginArray();
    for (const auto& kv : entries)
    {
        w.Raw(kv.second);
    }
    w.EndArray();
}

std::string
AttributeTargets::PolicyRegistry()
{
    JsonWriter w;
    w.BeginObject().Key("flow_control");
    ListPolicies<FlowControl>(w);
    w.Key("congestion_control");
    ListPolicies<CongestionControl>(w);
    w.EndObject();
    return w.Str();
}

} // namespace astrasim
