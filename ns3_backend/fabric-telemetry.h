// The fabric's telemetry: the run's totals, per-port and per-link counters and the policies'
// stats as one JSON object, and the optional time series (queue bytes, pause state, QP rates
// and delivered bytes every SampleIntervalNs), all written through JsonWriter.
#ifndef ASTRASIM_FABRIC_TELEMETRY_H
#define ASTRASIM_FABRIC_TELEMETRY_H

#include "ns3/nstime.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ns3
{
namespace fabric
{

class FabricNetwork;
class JsonWriter;

class FabricTelemetry
{
  public:
    explicit FabricTelemetry(FabricNetwork* net)
        : m_net(net)
    {
    }
    /// Start sampling every `interval` (no-op when off or already sampling).
    void ArmSampler(Time interval);
    std::string TelemetryJson() const;
    std::string TimeSeriesJson() const;

  private:
    void Sample();
    void WritePorts(JsonWriter& w) const;
    void WriteLinks(JsonWriter& w) const;

    FabricNetwork* m_net;
    Time m_interval;
    bool m_armed{false};
    std::vector<int64_t> m_time;
    std::vector<std::vector<uint32_t>> m_queue;      // per sample, per port
    std::vector<std::vector<uint8_t>> m_paused;      // per sample, per port (any prio paused)
    std::vector<std::vector<float>> m_rates;         // per sample, per QP
    std::vector<std::vector<uint64_t>> m_delivered;  // per sample, per QP: in-order bytes
    std::vector<std::pair<uint32_t, uint32_t>> m_ports;
};

} // namespace fabric
} // namespace ns3

#endif
