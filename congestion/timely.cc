#include "timely.h"

#include "../ns3_backend/time-attribute.h"
#include "../ns3_backend/json-writer.h"

#include "../ns3_backend/queue-pair.h"

#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <sstream>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("TimelyCongestionControl");
NS_OBJECT_ENSURE_REGISTERED(TimelyCongestionControl);

TypeId
TimelyCongestionControl::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::TimelyCongestionControl")
            .SetParent<CongestionControl>()
            .SetGroupName("Fabric")
            .AddConstructor<TimelyCongestionControl>()
            .AddAttribute("Alpha", "EWMA weight of a new RTT difference [1]. Default 0.875 (reference).",
                          DoubleValue(0.875), MakeDoubleAccessor(&TimelyCongestionControl::m_alpha),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("Beta", "Multiplicative decrease factor [1]. Default 0.8 (paper).",
                          DoubleValue(0.8), MakeDoubleAccessor(&TimelyCongestionControl::m_beta),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("TLowUs", "Below this RTT always increase [us]. Default 50 us (paper).",
                          DoubleValue(50), MakeTimeInUnitAccessor(&TimelyCongestionControl::m_tLow, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("THighUs", "Above this RTT always cut [us]. Default 500 us (paper).",
                          DoubleValue(500), MakeTimeInUnitAccessor(&TimelyCongestionControl::m_tHigh, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("MinRttUs", "Normalizes the RTT gradient [us]. Default 20 us (paper).",
                          DoubleValue(20), MakeTimeInUnitAccessor(&TimelyCongestionControl::m_minRtt, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("RateAiMbps", "Additive increase step delta [Mb/s]. Default 10 (paper).",
                          DoubleValue(10), MakeDoubleAccessor(&TimelyCongestionControl::m_aiMbps),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("RateHaiMbps", "Hyper-active increase step [Mb/s]. Default 50 (paper: 5 delta).",
                          DoubleValue(50), MakeDoubleAccessor(&TimelyCongestionControl::m_haiMbps),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("HaiAfterIncreases", "Consecutive increases before the hyper-active step "
                          "[1]. Default 5 (paper, reference).",
                          UintegerValue(5), MakeUintegerAccessor(&TimelyCongestionControl::m_haiAfter),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("MinRateMbps", "Rate floor [Mb/s]. Default 100.",
                          DoubleValue(100), MakeDoubleAccessor(&TimelyCongestionControl::m_minMbps),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("TimestampHeaderBytes", "Send-timestamp header on data packets, echoed in "
                          "ACKs [bytes]. Default 8 (reference INT mode TS).",
                          UintegerValue(8), MakeUintegerAccessor(&TimelyCongestionControl::m_tsHeaderBytes),
                          MakeUintegerChecker<uint32_t>());
    return tid;
}

std::unique_ptr<CcState>
TimelyCongestionControl::Start(QueuePair& qp)
{
    auto s = std::make_unique<TimelyState>();
    s->rcGbps = qp.lineGbps;
    return s;
}

CcDecision
TimelyCongestionControl::OnAck(QueuePair& qp, const AckSample& ack)
{
    auto& s = static_cast<TimelyState&>(*qp.cc);
    if (ack.rtt.IsNegative())
    {
        return {};
    }
    if (!s.firstAckSeen)
    {
        s.firstAckSeen = true;
        s.lastUpdateSeq = qp.sndNxt;
        s.lastRtt = ack.rtt;
        return {};
    }
    if (ack.ackSeq <= s.lastUpdateSeq)
    {
        return {};  // once per window of data
    }
    m_updates++;
    double rtt = ack.rtt.GetNanoSeconds();
    double diff = (1 - m_alpha) * s.rttDiffNs + m_alpha * (rtt - s.lastRtt.GetNanoSeconds());
    double gradient = diff / m_minRtt.GetNanoSeconds();
    double low = m_tLow.GetNanoSeconds(), high = m_tHigh.GetNanoSeconds();
    double rate;
    if (rtt < low || (rtt <= high && gradient <= 0))
    {
        double step = s.incStage < m_haiAfter ? m_aiMbps : m_haiMbps;
        rate = std::min(qp.lineGbps, s.rcGbps + step / 1000.0);
        s.incStage++;
        m_increases++;
    }
    else
    {
        double c = rtt > high ? 1 - m_beta * (1 - high / rtt) : std::max(0.0, 1 - m_beta * gradient);
        (rtt > high ? m_highCuts : m_gradientCuts)++;
        rate = std::max(m_minMbps / 1000.0, s.rcGbps * c);
        s.incStage = 0;
    }
    s.rcGbps = rate;
    s.rttDiffNs = diff;
    s.lastUpdateSeq = qp.sndNxt;
    s.lastRtt = ack.rtt;
    return CcDecision::Rate(rate);
}

std::string
TimelyCongestionControl::StatsJson() const
{
    JsonWriter w;
    w.BeginObject()
        .Field("updates", m_updates)
        .Field("gradient_cuts", m_gradientCuts)
        .Field("high_rtt_cuts", m_highCuts)
        .Field("increases", m_increases)
        .EndObject();
    return w.Str();
}

} // namespace fabric
} // namespace ns3
