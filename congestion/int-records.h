// In-band network telemetry carried by a data packet and echoed in its ACK. The fabric only
// moves it: a congestion-control policy that asks for it (CongestionControl::StampsInt) fills
// it at switch egress and reads it back on the ACK (HPCC's INT header).
#ifndef ASTRASIM_INT_RECORDS_H
#define ASTRASIM_INT_RECORDS_H

#include <algorithm>
#include <array>
#include <cstdint>

namespace ns3
{
namespace fabric
{

/// One switch egress hop's state when the packet left it.
struct IntHop
{
    int64_t timeNs{0};      // departure time
    uint64_t txBytes{0};    // the port's cumulative transmitted bytes
    uint64_t queueBytes{0}; // the port's egress queue (all priorities)
    double gbps{0};         // the port's line rate
};

/// Up to kMaxHops hop records; a longer path wraps and overwrites the oldest (as the reference).
struct IntRecords
{
    static constexpr uint32_t kMaxHops = 5;
    uint32_t nhop{0};
    std::array<IntHop, kMaxHops> hops{};

    void Push(const IntHop& hop)
    {
        hops[nhop % kMaxHops] = hop;
        nhop++;
    }

    uint32_t Count() const
    {
        return std::min(nhop, kMaxHops);
    }
};

} // namespace fabric
} // namespace ns3

#endif
