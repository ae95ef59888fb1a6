#include "bridge-ticks.h"

#include "fabric-network.h"

namespace astrasim
{

std::string
TickTable::Register(uint32_t owner, int64_t delayNs, PyObject* fn, ns3::fabric::FabricNetwork& net)
{
    TickKey key{owner, ns3::Simulator::Now().GetTimeStep() / 1000 + delayNs};
    auto it = m_ticks.find(key);
    if (it != m_ticks.end())
    {
        Py_IncRef(fn);
        it->second.push_back(fn);
        return "";
    }
    if (delayNs < 0)
    {
        return "cannot schedule " + std::to_string(delayNs) + " ns in the past";
    }
    Py_IncRef(fn);
    auto entry = m_ticks.emplace(key, std::vector<PyObject*>{fn}).first;
    net.ScheduleUserEvent(delayNs, reinterpret_cast<uint64_t>(&*entry) | 1);
    return "";
}

void
TickTable::Run(uint64_t eventId, PythonCalls& python)
{
    auto* entry = reinterpret_cast<Map::value_type*>(eventId & ~uint64_t{1});
    TickKey key = entry->first;
    std::vector<PyObject*>& bucket = entry->second;  // element references survive rehashing
    for (size_t i = 0; i < bucket.size(); ++i)
    {
        python.CallDirect(bucket[i]);
    }
    for (PyObject* fn : bucket)
    {
        Py_DecRef(fn);
    }
    m_ticks.erase(key);
}

void
TickTable::Release()
{
    for (auto& [key, bucket] : m_ticks)
    {
        for (PyObject* fn : bucket)
        {
            Py_DecRef(fn);
        }
    }
    m_ticks.clear();
}

} // namespace astrasim
