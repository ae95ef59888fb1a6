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

static bool
IsNumeric(const std::string& valueType)
{
    return valueType == "ns3::DoubleValue" || valueType == "ns3::UintegerValue" ||
           valueType == "ns3::IntegerValue" || valueType == "ns3::BooleanValue";
}

/// The ns-3 value of an attribute of `valueType` for `v`, or nullptr when its type does not fit
/// (an int for a double is fine: it is exact; a bool is never a number, text never a number).
static Ptr<AttributeValue>
FromTyped(const TypedValue& v, const std::string& valueType)
{
    if (valueType == "ns3::DoubleValue" && v.kind == TypedValue::Real)
        return Create<DoubleValue>(v.real);
    if (valueType == "ns3::DoubleValue" && v.kind == TypedValue::Integer && v.fitsSigned)
        return Create<DoubleValue>(static_cast<double>(v.integer));
    if (valueType == "ns3::UintegerValue" && v.kind == TypedValue::Integer && v.fitsUnsigned)
        return Create<UintegerValue>(v.unsignedInteger);
    if (valueType == "ns3::IntegerValue" && v.kind == TypedValue::Integer && v.fitsSigned)
        return Create<IntegerValue>(v.integer);
    if (valueType == "ns3::BooleanValue" && v.kind == TypedValue::Flag)
        return Create<BooleanValue>(v.flag);
    if (!IsNumeric(valueType) && v.kind == TypedValue::Text)
        return Create<StringValue>(v.text);  // enums and tables parse their own text
    return nullptr;
}

std::string
AttributeTargets::Set(const std::string& target, const std::string& name, const TypedValue& value)
{
    ObjectFactory* f = Target(target);
    if (!f)
        return "unknown attribute target " + target;
    TypeId tid = f->GetTypeId();
    TypeId::AttributeInformation info;
    if (!tid.LookupAttributeByName(name, &info))
        return tid.GetName() + " has no attribute " + name;
    const std::string valueType = info.checker->GetValueTypeName();
    const std::string bad = "bad value '" + value.text + "' for " + tid.GetName() + "::" + name;
    Ptr<AttributeValue> typed = FromTyped(value, valueType);
    if (!typed)
        return bad + " (a " + valueType + " takes no value of this type)";
    // Check() compares the value's type and range; only a StringValue is parsed (by the
    // checker's own type: an enum name, a table)
    Ptr<AttributeValue> v = info.checker->CreateValidValue(*typed);
    if (!v)
        return bad + " (" + valueType + " " + info.checker->GetUnderlyingTypeInformation() + ")";
    f->Set(name, *v);
    return "";
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

/// One registry entry: short name, TypeId, its and its parents' attributes (below Object).
static std::string
TypeEntry(TypeId tid, const std::string& shortName)
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
        entries[policy->Name()] = TypeEntry(tid, policy->Name());
    }
    w.BeginArray();
    for (const auto& kv : entries)
    {
        w.Raw(kv.second);
    }
    w.EndArray();
}

std::string
AttributeTargets::TypeRegistry()
{
    JsonWriter w;
    w.BeginObject().Key("flow_control");
    ListPolicies<FlowControl>(w);
    w.Key("congestion_control");
    ListPolicies<CongestionControl>(w);
    w.Key("devices").BeginArray();
    AttributeTargets targets;
    for (const char* target : {"network", "switch", "nic"})
    {
        w.Raw(TypeEntry(targets.Target(target)->GetTypeId(), target));
    }
    w.EndArray().EndObject();
    return w.Str();
}

} // namespace astrasim
