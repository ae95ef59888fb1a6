// IbCreditFlowControl, VL arbitration: the high/low weighted VL arbitration tables (parsed
// from VlArbitrationHigh/Low) served at switch outputs (Arbitrate) and, SL first, at HCAs
// (ArbitrateSl). The credit accounting is in ib_credits.cc; both share ib_credits.h.
#include "ib_credits.h"

#include "../ns3_backend/fabric-device.h"

#include <sstream>
#include <stdexcept>

namespace ns3
{
namespace fabric
{

std::vector<IbCreditFlowControl::ArbitrationEntry>
IbCreditFlowControl::ParseTable(const std::string& text, const char* name)
{
    std::vector<ArbitrationEntry> table;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
    {
        auto colon = item.find(':');
        uint32_t vl = colon == std::string::npos ? kNumPriorities : std::stoul(item.substr(0, colon));
        uint32_t weight = colon == std::string::npos ? 0 : std::stoul(item.substr(colon + 1));
        if (vl >= kNumPriorities || weight > 255)
        {
            throw std::invalid_argument(std::string(name) + " entry '" + item +
                                        "' is not vl:weight with vl 0..7, weight 0..255");
        }
        if (weight > 0)
        {
            table.push_back({vl, weight});
        }
    }
    return table;
}

int
IbCreditFlowControl::ReadySl(uint32_t vl, const HeadFn& head, int64_t& bytes) const
{
    for (uint32_t sl = 1; sl < kNumPriorities; ++sl)
    {
        if (m_slToVl[sl] == vl && (bytes = head(sl)) >= 0)
        {
            return sl;
        }
    }
    return -1;
}

int
IbCreditFlowControl::Serve(const HeadFn& head, const std::vector<ArbitrationEntry>& table,
                           TableCursor& state) const
{
    // Entries skipped for lack of a ready VL only move the cursor when some entry is served.
    TableCursor cursor = state;
    uint32_t n = table.size();
    for (uint32_t tried = 0; tried <= n; ++tried)
    {
        const ArbitrationEntry& e = table[cursor.index % n];
        if (cursor.remaining < 0)
        {
            cursor.remaining = e.weight;
        }
        int64_t bytes = -1;
        int sl = cursor.remaining > 0 ? ReadySl(e.vl, head, bytes) : -1;
        if (sl >= 0)
        {
            // A packet may overrun the entry's remaining weight; the entry then ends.
            cursor.remaining -= Blocks(static_cast<uint32_t>(bytes));
            if (cursor.remaining <= 0)
            {
                cursor.index = (cursor.index + 1) % n;
                cursor.remaining = -1;
            }
            state = cursor;
            return sl;
        }
        cursor.index = (cursor.index + 1) % n;
        cursor.remaining = -1;
    }
    return -1;
}

int
IbCreditFlowControl::ArbitrateTables(PortState& st, const HeadFn& head)
{
    bool highMayGo = m_highLimit == 255 || st.highBytesSinceLow < m_highLimit * 4096ULL;
    if (!m_highTable.empty() && !highMayGo && !m_lowTable.empty())
    {
        int sl = Serve(head, m_lowTable, st.low);
        if (sl >= 0)
        {
            st.highBytesSinceLow = 0;
            return sl;
        }
    }
    if (!m_highTable.empty())
    {
        int sl = Serve(head, m_highTable, st.high);
        if (sl >= 0)
        {
            st.highBytesSinceLow += head(sl);
            return sl;
        }
    }
    if (!m_lowTable.empty())
    {
        int sl = Serve(head, m_lowTable, st.low);
        if (sl >= 0)
        {
            st.highBytesSinceLow = 0;
            return sl;
        }
    }
    return kArbitrateNone;
}

int
IbCreditFlowControl::Arbitrate(FabricPort& port)
{
    if (!m_parsed)
    {
        ParseSlToVl();
    }
    if (m_highTable.empty() && m_lowTable.empty())
    {
        return kArbitrateDefault;
    }
    HeadFn head = [&](uint32_t q) -> int64_t {
        if (port.queues[q].empty())
        {
            return -1;
        }
        uint32_t bytes = port.queues[q].front()->wireBytes;
        return MayTransmit(port, q, bytes) ? bytes : -1;
    };
    return ArbitrateTables(At(*port.owner, port.index), head);
}

int
IbCreditFlowControl::ArbitrateSl(FabricPort& port, const std::function<int64_t(uint32_t)>& headBytes)
{
    if (!m_parsed)
    {
        ParseSlToVl();
    }
    if (m_highTable.empty() && m_lowTable.empty())
    {
        return kArbitrateDefault;
    }
    return ArbitrateTables(At(*port.owner, port.index), headBytes);
}

} // namespace fabric
} // namespace ns3
