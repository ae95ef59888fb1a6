#include "json-writer.h"

namespace ns3
{
namespace fabric
{

void
JsonWriter::Separate()
{
    if (m_afterKey)
    {
        m_afterKey = false;
        return;
    }
    if (!m_hasElement.empty())
    {
        if (m_hasElement.back())
        {
            m_os << ',';
        }
        m_hasElement.back() = true;
    }
}

JsonWriter&
JsonWriter::BeginObject()
{
    Separate();
    m_os << '{';
    m_hasElement.push_back(false);
    return *this;
}

JsonWriter&
JsonWriter::EndObject()
{
    m_os << '}';
    m_hasElement.pop_back();
    return *this;
}

JsonWriter&
JsonWriter::BeginArray()
{
    Separate();
    m_os << '[';
    m_hasElement.push_back(false);
    return *this;
}

JsonWriter&
JsonWriter::EndArray()
{
    m_os << ']';
    m_hasElement.pop_back();
    return *this;
}

JsonWriter&
JsonWriter::Key(const char* name)
{
    Separate();
    m_os << '"' << name << "\":";
    m_afterKey = true;
    return *this;
}

JsonWriter&
JsonWriter::String(const std::string& text)
{
    Separate();
    m_os << '"' << Escape(text) << '"';
    return *this;
}

JsonWriter&
JsonWriter::Null()
{
    Separate();
    m_os << "null";
    return *this;
}

JsonWriter&
JsonWriter::Raw(const std::string& json, const char* fallback)
{
    Separate();
    m_os << (json.empty() ? fallback : json.c_str());
    return *this;
}

std::string
JsonWriter::Escape(const std::string& text)
{
    // Names and help strings are ASCII without control characters: quotes and backslashes only.
    std::string out;
    out.reserve(text.size());
    for (char c : text)
    {
        if (c == '"' || c == '\\')
        {
            out += '\\';
        }
        out += c;
    }
    return out;
}

} // namespace fabric
} // namespace ns3
