#include "bridge-attributes.h"

#include "json-writer.h"

#include "../congestion/congestion-control.h"
#include "../congestion/flow-control.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/integer.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <cmath>
#include <cstdio>
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

/// Value type names of the attributes that take numbers or booleans (never text).
static bool
IsNumeric(const std::string& valueType)
{
    return valueType == "ns3::DoubleValue" || valueType == "ns3::UintegerValue" ||
           valueType == "ns3::IntegerValue" || valueType == "ns3::BooleanValue";
}

std::string
AttributeTargets::SetValue(const std::string& target,
                           const std::string& name,
                           const AttributeValue& value,
                           const std::string& shown)
{
    ObjectFactory* f = Target(target);
    if (!f)
        return "unknown attribute target " + target;
    TypeId tid = f->GetTypeId();
    TypeId::AttributeInformation info;
    if (!tid.LookupAttributeByName(name, &info))
        return tid.GetName() + " has no attribute " + name;
    const std::string valueType = info.checker->GetValueTypeName();
    if (dynamic_cast<const StringValue*>(&value) && IsNumeric(valueType))
        return "bad value '" + shown + "' for " + tid.GetName() + "::" + name + " (a " +
               valueType + ", not text)";
    // Check() compares the value's type and range; a value of another type is refused (the
    // string fallback of CreateValidValue only applies to StringValue, used for text attributes)
    Ptr<AttributeValue> v = info.checker->CreateValidValue(value);
    if (!v)
        return "bad value '" + shown + "' for " + tid.GetName() + "::" + name + " (" +
               valueType + " " + info.checker->GetUnderlyingTypeInformation() + ")";
    f->Set(name, *v);
    return "";
}

/// A double as JSON: whole numbers as integers (as ns-3 prints them), others round-trip exact.
static std::string
ExactNumber(double v)
{
    char text[40];
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
        std::snprintf(text, sizeof(text), "%lld", static_cast<long long>(v));
    else if (std::isfinite(v))
        std::snprintf(text, sizeof(text), "%.17g", v);
    else
        return "null";
    return text;
}

std::string
AttributeTargets::SetDouble(const std::string& target, const std::string& name, double value)
{
    return SetValue(target, name, DoubleValue(value), ExactNumber(value));
}

std::string
AttributeTargets::SetUinteger(const std::string& target, const std::string& name, uint64_t value)
{
    return SetValue(target, name, UintegerValue(value), std::to_string(value));
}

std::string
AttributeTargets::SetInteger(const std::string& target, const std::string& name, int64_t value)
{
    return SetValue(target, name, IntegerValue(value), std::to_string(value));
}

std::string
AttributeTargets::SetBool(const std::string& target, const std::string& name, bool value)
{
    return SetValue(target, name, BooleanValue(value), value ? "true" : "false");
}

std::string
AttributeTargets::SetString(const std::string& target, const std::string& name, const std::string& value)
{
    return SetValue(target, name, StringValue(value), value);
}

/// One attribute value as a typed JSON value: numbers, booleans, else the text ns-3 prints.
static void
WriteTyped(JsonWriter& w, const AttributeValue& v, Ptr<const AttributeChecker> checker)
{
    if (auto d = dynamic_cast<const DoubleValue*>(&v))
        w.Raw(ExactNumber(d->Get()));
    else if (auto u = dynamic_cast<const UintegerValue*>(&v))
        w.Number(u->Get());
    else if (auto i = dynamic_cast<const IntegerValue*>(&v))
        w.Number(i->Get());
    else if (auto b = dynamic_cast<const BooleanValue*>(&v))
        w.Raw(b->Get() ? "true" : "false");
    else
        w.String(v.SerializeToString(checker));
}

/// "help", "checker" (value type) and "range" of an attribute: Python checks a value against
/// them before calling a setter, to name the field and the fix in its own words.
static void
WriteChecker(JsonWriter& w, const TypeId::AttributeInformation& info)
{
    w.StringField("help", info.help)
        .StringField("checker", info.checker->GetValueTypeName())
        .StringField("range", info.checker->GetUnderlyingTypeInformation());
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
            Ptr<AttributeValue> value = info.checker->Create();
            obj->GetAttribute(info.name, *value);
            w.Key(info.name).BeginObject().Key("value");
            WriteTyped(w, *value, info.checker);
            WriteChecker(w, info);
            w.EndObject();
        }
        if (tid == Object::GetTypeId() || tid.GetParent() == tid)
            break;
    }
    w.EndObject().EndObject();
    return w.Str();
}

std::string
AttributeTargets::TypeDefaults(const std::string& typeName)
{
    TypeId tid;
    if (!TypeId::LookupByNameFailSafe(typeName, &tid))
        return "{}";
    JsonWriter w;
    w.BeginObject().StringField("type", tid.GetName()).Key("attributes").BeginObject();
    for (TypeId t = tid; t != Object::GetTypeId() && t.GetParent() != t; t = t.GetParent())
    {
        for (uint32_t i = 0; i < t.GetAttributeN(); ++i)
        {
            auto info = t.GetAttribute(i);
            w.Key(info.name).BeginObject().Key("default");
            WriteTyped(w, *info.initialValue, info.checker);
            WriteChecker(w, info);
            w.EndObject();
        }
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
            // "default" as ns-3 prints it (the listing's text), "value" the typed default
            w.BeginObject()
                .StringField("name", info.name)
                .StringField("default", info.initialValue->SerializeToString(info.checker))
                .Key("value");
            WriteTyped(w, *info.initialValue, info.checker);
            WriteChecker(w, info);
            w.EndObject();
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
