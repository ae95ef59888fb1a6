// ASTRA-sim's per-NPU event map in the bridge (the system layer's Sys::register): callables
// by (NPU, integer-ns tick), run in registration order, one fabric event per tick.
#ifndef ASTRASIM_BRIDGE_TICKS_H
#define ASTRASIM_BRIDGE_TICKS_H

#include "bridge-python.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace ns3::fabric
{
class FabricNetwork;
}

namespace astrasim
{

class TickTable
{
  public:
    /// fn runs at now + delayNs after the callables registered before it for the same
    /// (owner, tick). A negative delay for a new tick is refused: returns why ("" if accepted).
    std::string Register(uint32_t owner, int64_t delayNs, PyObject* fn, ns3::fabric::FabricNetwork& net);
    /// A tick event's id is its map entry's address with the low bit set (Python objects, the
    /// other user events, are aligned: low bit clear).
    static bool IsTick(uint64_t eventId)
    {
        return eventId & 1;
    }
    /// A tick is due: its callables in registration order, including those registered for
    /// this same tick while it runs.
    void Run(uint64_t eventId, PythonCalls& python);
    /// Drop every Python reference held.
    void Release();

  private:
    struct TickKey
    {
        uint32_t owner;
        int64_t ns;

        bool operator==(const TickKey& o) const
        {
            return owner == o.owner && ns == o.ns;
        }
    };

    struct TickKeyHash
    {
        size_t operator()(const TickKey& k) const
        {
            return static_cast<uint64_t>(k.ns) * 0x9E3779B97F4A7C15ull ^ k.owner;
        }
    };

    using Map = std::unordered_map<TickKey, std::vector<PyObject*>, TickKeyHash>;
    Map m_ticks;
};

} // namespace astrasim

#endif
