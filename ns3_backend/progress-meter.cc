#include "progress-meter.h"

#include "ns3/log.h"
#include "ns3/simulator.h"

#include <cstdio>

namespace ns3
{
NS_LOG_COMPONENT_DEFINE("FabricProgressMeter");

namespace fabric
{

void
ProgressMeter::Enable(double everySeconds, double afterSeconds, int64_t boundNs)
{
    m_enabled = true;
    m_every = everySeconds >= 0 ? everySeconds : 2.0;
    m_after = afterSeconds >= 0 ? afterSeconds : 3.0;
    m_boundNs = boundNs;
}

void
ProgressMeter::Disable()
{
    m_enabled = false;
}

void
ProgressMeter::Start()
{
    m_start = Clock::now();
    m_lastPrint = m_start;
    m_printed = false;
    m_lastEvents = Simulator::GetEventCount();
    m_lastSimNs = Simulator::Now().GetNanoSeconds();
}

void
ProgressMeter::Finish()
{
    if (m_enabled && m_printed)
    {
        Print(true);
    }
}

void
ProgressMeter::Check()
{
    auto now = Clock::now();
    double sinceStart = std::chrono::duration<double>(now - m_start).count();
    double sincePrint = std::chrono::duration<double>(now - m_lastPrint).count();
    if (sinceStart < m_after || (m_printed && sincePrint < m_every))
    {
        return;
    }
    Print(false);
}

void
ProgressMeter::Print(bool last)
{
    auto now = Clock::now();
    double wall = std::chrono::duration<double>(now - m_start).count();
    double dt = std::chrono::duration<double>(now - m_lastPrint).count();
    uint64_t events = Simulator::GetEventCount();
    int64_t simNs = Simulator::Now().GetNanoSeconds();
    double rate = dt > 0 ? (events - m_lastEvents) / dt : 0.0;
    std::fprintf(stderr, "[ns3] progress: simulated %.1f us, %.2f M events/s, wall %.1f s", simNs / 1e3,
                 rate / 1e6, wall);
    double simPerWall = dt > 0 ? (simNs - m_lastSimNs) / dt : 0.0;
    if (!last && m_boundNs > simNs && simPerWall > 0)
    {
        std::fprintf(stderr, ", ETA %.0f s", (m_boundNs - simNs) / simPerWall);
    }
    std::fprintf(stderr, last ? ", done\n" : "\n");
    std::fflush(stderr);
    NS_LOG_INFO("progress at " << simNs << " ns");
    m_printed = true;
    m_lastPrint = now;
    m_lastEvents = events;
    m_lastSimNs = simNs;
}

} // namespace fabric
} // namespace ns3
