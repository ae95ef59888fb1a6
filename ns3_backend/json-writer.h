// The one writer of the fabric's JSON text (telemetry, time series, policy stats, attribute
// listings): objects and arrays with commas placed for the caller, numbers printed by
// std::ostream's defaults (6 significant digits for floating point), strings escaped.
#ifndef ASTRASIM_JSON_WRITER_H
#define ASTRASIM_JSON_WRITER_H

#include <sstream>
#include <string>
#include <vector>

namespace ns3
{
namespace fabric
{

class JsonWriter
{
  public:
    JsonWriter& BeginObject();
    JsonWriter& EndObject();
    JsonWriter& BeginArray();
    JsonWriter& EndArray();
    /// "name": inside an object; the next value, object or array belongs to it.
    JsonWriter& Key(const char* name);
    JsonWriter& Key(const std::string& name)
    {
        return Key(name.c_str());
    }
    /// A number or bool as std::ostream prints it (uint8_t as a number, not a character).
    template <typename T>
    JsonWriter& Number(T value)
    {
        Separate();
        if constexpr (sizeof(T) == 1)
        {
            m_os << static_cast<int>(value);
        }
        else
        {
            m_os << value;
        }
        return *this;
    }
    JsonWriter& String(const std::string& text);
    JsonWriter& Null();
    /// Text that already is one JSON value (e.g. a policy's stats object); "" writes `fallback`.
    JsonWriter& Raw(const std::string& json, const char* fallback = "null");
    template <typename T>
    JsonWriter& Field(const char* name, T value)
    {
        return Key(name).Number(value);
    }
    JsonWriter& StringField(const char* name, const std::string& text)
    {
        return Key(name).String(text);
    }
    /// An array of numbers.
    template <typename T>
    JsonWriter& NumberArray(const std::vector<T>& values)
    {
        BeginArray();
        for (const T& v : values)
        {
            Number(v);
        }
        return EndArray();
    }
    std::string Str() const
    {
        return m_os.str();
    }
    static std::string Escape(const std::string& text);

  private:
    /// A comma before every element of a container but its first (none right after a key).
    void Separate();

    std::ostringstream m_os;
    std::vector<bool> m_hasElement;  // per open container
    bool m_afterKey{false};
};

} // namespace fabric
} // namespace ns3

#endif
