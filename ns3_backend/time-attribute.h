// Attributes whose name carries a time unit (RpTimerUs, BaseRttNs, ...) hold a plain number in
// that unit (a DoubleValue), so that presets, Python and the results speak numbers; the model
// keeps an ns-3 Time member, converted once when the attribute is set (Time::FromDouble, the
// conversion ns-3's own "55us" string parser makes, so simulated times do not change).
#ifndef ASTRASIM_TIME_ATTRIBUTE_H
#define ASTRASIM_TIME_ATTRIBUTE_H

#include "ns3/attribute.h"
#include "ns3/double.h"
#include "ns3/nstime.h"

#include <string>

namespace ns3
{
namespace fabric
{

/// Picoseconds per unit (the fabric runs at ns-3's picosecond resolution).
inline double
PicosecondsPer(Time::Unit unit)
{
    return unit == Time::US ? 1e6 : unit == Time::NS ? 1e3 : unit == Time::MS ? 1e9 : 1e12;
}

/// Short name of a unit as the checker reports it ("us", "ns", ...).
inline std::string
UnitName(Time::Unit unit)
{
    return unit == Time::US ? "us" : unit == Time::NS ? "ns" : unit == Time::MS ? "ms" : "s";
}

/// Reads and writes a Time member of T as a DoubleValue in `unit`.
template <typename T>
class TimeInUnitAccessor : public AttributeAccessor
{
  public:
    TimeInUnitAccessor(Time T::*member, Time::Unit unit)
        : m_member(member),
          m_unit(unit)
    {
    }

    bool Set(ObjectBase* object, const AttributeValue& value) const override
    {
        T* obj = dynamic_cast<T*>(object);
        const DoubleValue* number = dynamic_cast<const DoubleValue*>(&value);
        if (obj == nullptr || number == nullptr)
        {
            return false;
        }
        obj->*m_member = Time::FromDouble(number->Get(), m_unit);
        return true;
    }

    bool Get(const ObjectBase* object, AttributeValue& value) const override
    {
        const T* obj = dynamic_cast<const T*>(object);
        DoubleValue* number = dynamic_cast<DoubleValue*>(&value);
        if (obj == nullptr || number == nullptr)
        {
            return false;
        }
        // picoseconds / ps-per-unit: one correctly rounded division, exact for whole units
        number->Set(static_cast<double>((obj->*m_member).GetPicoSeconds()) / PicosecondsPer(m_unit));
        return true;
    }

    bool HasGetter() const override
    {
        return true;
    }

    bool HasSetter() const override
    {
        return true;
    }

  private:
    Time T::*m_member;
    Time::Unit m_unit;
};

/// The accessor of a Time member exposed as a number of `unit`s.
template <typename T>
Ptr<const AttributeAccessor>
MakeTimeInUnitAccessor(Time T::*member, Time::Unit unit)
{
    return Ptr<const AttributeAccessor>(new TimeInUnitAccessor<T>(member, unit), false);
}

/// A number of `unit`s from `minimum` to below 2^63 ps; its type information reads
/// "time_us <min>:<max>", so the registry tells Python that the value is a time and its unit.
inline Ptr<const AttributeChecker>
MakeTimeInUnitChecker(Time::Unit unit, double minimum = 0.0)
{
    const double maxPs = 9.2e18;  // below 2^63 - 1 ps (Time's int64), so FromDouble cannot overflow
    return internal::MakeDoubleChecker(minimum, maxPs / PicosecondsPer(unit), "time_" + UnitName(unit));
}

} // namespace fabric
} // namespace ns3

#endif
