// A progress line on stderr for long fabric runs: simulated time, events per second and, when
// an end time is known, an ETA. It only reads the wall clock every 1024 delivered packets and
// prints at a fixed wall-clock period, so it changes no event and no result. Beside it, the
// watchdog that ends a run which stopped making progress.
#ifndef ASTRASIM_PROGRESS_METER_H
#define ASTRASIM_PROGRESS_METER_H

#include "ns3/nstime.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace ns3
{
namespace fabric
{

class ProgressMeter
{
  public:
    // Print every everySeconds of wall clock once the run has taken afterSeconds; boundNs > 0 is
    // a known end of simulated time (for the ETA), 0 = unknown.
    void Enable(double everySeconds, double afterSeconds, int64_t boundNs);
    void Disable();
    // At the start of Simulator::Run (wall clock and counters restart).
    void Start();
    // At the end of the run: a last line, if any line was printed.
    void Finish();

    void Tick()
    {
        if (m_enabled && !(++m_count & 0x3FF))
        {
            Check();
        }
    }

  private:
    using Clock = std::chrono::steady_clock;
    void Check();
    void Print(bool last);

    bool m_enabled{false};
    bool m_printed{false};
    double m_every{2.0};
    double m_after{3.0};
    int64_t m_boundNs{0};
    uint64_t m_count{0};
    Clock::time_point m_start;
    Clock::time_point m_lastPrint;
    uint64_t m_lastEvents{0};
    int64_t m_lastSimNs{0};
};

class FabricNetwork;

/// The no-progress watchdog: while messages are outstanding, every StallTimeoutUs / 4 of
/// simulated time it checks that some byte was delivered within the last StallTimeoutUs; if
/// not, it stops the run with a reason naming paused ports and queued bytes (a PFC deadlock).
class StallWatchdog
{
  public:
    explicit StallWatchdog(FabricNetwork* net)
        : m_net(net)
    {
    }
    /// At a send: start watching unless already watching.
    void Arm(Time timeout);

  private:
    void Check();
    std::string Diagnosis(Time now) const;

    FabricNetwork* m_net;
    Time m_timeout;
    bool m_armed{false};
    uint64_t m_lastProgressBytes{0};
    Time m_lastProgress;
};

} // namespace fabric
} // namespace ns3

#endif
