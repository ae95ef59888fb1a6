#include "progress-meter.h"

#include "fabric-network.h"

#include "ns3/log.h"
#include "ns3/simulator.h"

#include <cstdio>
#include <sstream>

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

void
StallWatchdog::Arm(Time timeout)
{
    if (m_armed)
    {
        return;
    }
    m_armed = true;
    m_timeout = timeout;
    m_lastProgress = Simulator::Now();
    m_lastProgressBytes = m_net->DeliveredBytes();
    Simulator::Schedule(m_timeout / 4, &StallWatchdog::Check, this);
}

void
StallWatchdog::Check()
{
    if (m_net->Outstanding() == 0)
    {
        m_armed = false;
        return;
    }
    Time now = Simulator::Now();
    if (m_net->DeliveredBytes() != m_lastProgressBytes)
    {
        m_lastProgressBytes = m_net->DeliveredBytes();
        m_lastProgress = now;
    }
    else if (now - m_lastProgress >= m_timeout)
    {
        m_armed = false;
        m_net->Stalled(Diagnosis(now));
        return;
    }
    Simulator::Schedule(m_timeout / 4, &StallWatchdog::Check, this);
}

std::string
StallWatchdog::Diagnosis(Time now) const
{
    uint32_t paused = 0;
    uint64_t queued = 0;
    for (auto& d : m_net->Devices())
    {
        for (auto& p : d->Ports())
        {
            queued += p.TotalQueueBytes();
            for (uint32_t prio = 1; prio < kNumPriorities; ++prio)
            {
                if (p.IsPaused(prio))
                {
                    paused++;
                    break;
                }
            }
        }
    }
    std::ostringstream os;
    os << "no progress: " << m_net->Outstanding()
       << " messages outstanding but no byte delivered for "
       << (now - m_lastProgress).GetMicroSeconds() << " us of simulated time (at t="
       << now.GetNanoSeconds() << " ns; " << paused << " paused ports, " << queued
       << " bytes queued" << (paused ? "; looks like a PFC deadlock" : "") << ")";
    return os.str();
}

} // namespace fabric
} // namespace ns3
