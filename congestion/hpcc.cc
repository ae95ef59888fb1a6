#include "hpcc.h"

#include "../ns3_backend/time-attribute.h"
#include "../ns3_backend/json-writer.h"

#include "../ns3_backend/queue-pair.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <sstream>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("HpccCongestionControl");
NS_OBJECT_ENSURE_REGISTERED(HpccCongestionControl);

TypeId
HpccCongestionControl::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::HpccCongestionControl")
            .SetParent<CongestionControl>()
            .SetGroupName("Fabric")
            .AddConstructor<HpccCongestionControl>()
            .AddAttribute("TargetUtilization", "eta: the normalized inflight HPCC steers each hop "
                          "to (U_TARGET) [1]. Default 0.95 (paper).",
                          DoubleValue(0.95), MakeDoubleAccessor(&HpccCongestionControl::m_eta),
                          MakeDoubleChecker<double>(0.01, 1.0))
            .AddAttribute("MaxStage", "Additive-increase stages before a multiplicative update "
                          "while below eta (MI_THRESH); 0 = every update multiplicative [1]. "
                          "Default 5 (paper).",
                          UintegerValue(5), MakeUintegerAccessor(&HpccCongestionControl::m_maxStage),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("RateAiMbps", "W_AI as a rate: the additive step per update (RATE_AI) "
                          "[Mb/s]. Default 50.",
                          DoubleValue(50), MakeDoubleAccessor(&HpccCongestionControl::m_aiMbps),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("MinRateMbps", "Rate floor [Mb/s]. Default 100.",
                          DoubleValue(100), MakeDoubleAccessor(&HpccCongestionControl::m_minMbps),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("FastReact", "Apply the rate computed on every ACK, committing the "
                          "reference rate once per window (FAST_REACT) [bool]. Default true.",
                          BooleanValue(true), MakeBooleanAccessor(&HpccCongestionControl::m_fastReact),
                          MakeBooleanChecker())
            .AddAttribute("MultiRate", "Per-hop reference rates, send at the minimum (MULTI_RATE 1); "
                          "false = one rate from the most utilized hop [bool]. Default true.",
                          BooleanValue(true), MakeBooleanAccessor(&HpccCongestionControl::m_multiRate),
                          MakeBooleanChecker())
            .AddAttribute("SampleFeedback", "Fast-react ACKs skip hops with an empty queue "
                          "(SAMPLE_FEEDBACK) [bool]. Default false.",
                          BooleanValue(false), MakeBooleanAccessor(&HpccCongestionControl::m_sampleFeedback),
                          MakeBooleanChecker())
            .AddAttribute("VarWindow", "The window follows the rate: BDP x rate / line rate "
                          "(VAR_WIN) [bool]. Default true.",
                          BooleanValue(true), MakeBooleanAccessor(&HpccCongestionControl::m_varWin),
                          MakeBooleanChecker())
            .AddAttribute("BaseRttNs", "T: base RTT for smoothing and the BDP; 0 = the QP's own "
                          "unloaded path RTT (full frame out, ACK back) [ns]. Default 0.",
                          DoubleValue(0), MakeTimeInUnitAccessor(&HpccCongestionControl::m_baseRtt, Time::NS),
                          MakeTimeInUnitChecker(Time::NS))
            .AddAttribute("WindowBytes", "W: window at line rate; 0 = T x line rate (the BDP) "
                          "[bytes]. Default 0.",
                          UintegerValue(0), MakeUintegerAccessor(&HpccCongestionControl::m_windowBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("IntHeaderBytes", "INT header carried by every data packet and echoed in "
                          "every ACK: 5 hop records of 8 B + nhop 2 B [bytes]. Default 42 (reference).",
                          UintegerValue(42), MakeUintegerAccessor(&HpccCongestionControl::m_intHeaderBytes),
                          MakeUintegerChecker<uint32_t>());
    return tid;
}

void
HpccCongestionControl::StampAtEgress(const PortView& port, IntRecords& records)
{
    records.Push({Simulator::Now().GetNanoSeconds(), port.TransmittedBytes(), port.QueuedBytesTotal(),
                  port.LinkGbps()});
}

std::unique_ptr<CcState>
HpccCongestionControl::Start(QueuePair& qp)
{
    auto s = std::make_unique<HpccState>();
    s->baseRtt = m_baseRtt.IsStrictlyPositive() ? m_baseRtt : qp.baseRtt;
    s->bdpBytes = m_windowBytes ? m_windowBytes
                                : static_cast<uint64_t>(s->baseRtt.GetNanoSeconds() * qp.lineGbps / 8.0);
    s->rcGbps = qp.lineGbps;
    for (auto& h : s->hop)
    {
        h.rcGbps = qp.lineGbps;
    }
    qp.windowBytes = std::max<uint64_t>(1, s->bdpBytes);
    return s;
}

CcDecision
HpccCongestionControl::OnAck(QueuePair& qp, const AckSample& ack)
{
    auto& s = static_cast<HpccState&>(*qp.cc);
    if (!ack.intRecords || ack.intRecords->nhop > IntRecords::kMaxHops)
    {
        return {};  // a path longer than the INT header holds: no usable feedback (as the reference)
    }
    if (!s.firstAckSeen)
    {
        s.firstAckSeen = true;
        s.lastUpdateSeq = qp.sndNxt;
        s.last = *ack.intRecords;
        return {};
    }
    if (ack.ackSeq > s.lastUpdateSeq)
    {
        CcDecision d = Update(qp, s, *ack.intRecords, false);
        s.lastUpdateSeq = std::max(s.lastUpdateSeq, qp.sndNxt);
        return d;
    }
    if (m_fastReact)
    {
        return Update(qp, s, *ack.intRecords, true);
    }
    return {};
}

bool
HpccCongestionControl::MeasureUtilization(QueuePair& qp,
                                          HpccState& s,
                                          const IntRecords& rec,
                                          bool fastReact,
                                          HopFlags& updated,
                                          double& maxU,
                                          double& maxTau)
{
    const double line = qp.lineGbps;
    const double t = std::max<double>(1.0, s.baseRtt.GetNanoSeconds());
    const double w = std::max<double>(1.0, s.bdpBytes);
    bool any = false;
    for (uint32_t i = 0; i < rec.Count(); ++i)
    {
        const IntHop& now = rec.hops[i];
        const IntHop& prev = s.last.hops[i];
        if (m_sampleFeedback && fastReact && now.queueBytes == 0)
        {
            continue;
        }
        double tau = static_cast<double>(now.timeNs - prev.timeNs);
        if (tau <= 0)
        {
            continue;  // two records of one instant carry no rate
        }
        updated[i] = any = true;
        double txGbps = static_cast<double>(now.txBytes - prev.txBytes) * 8.0 / tau;  // bit/ns
        double u = txGbps / now.gbps +
                   static_cast<double>(std::min(now.queueBytes, prev.queueBytes)) * line / now.gbps / w;
        if (!m_multiRate)
        {
            if (u > maxU)
            {
                maxU = u;
                maxTau = tau;
            }
        }
        else
        {
            double dt = std::min(tau, t);
            s.hop[i].u = (s.hop[i].u * (t - dt) + u * dt) / t;
        }
        s.last.hops[i] = now;
    }
    s.last.nhop = rec.nhop;
    return any;
}

double
HpccCongestionControl::Step(double u, double rc, uint32_t stage, uint32_t* nextStage, double line)
{
    const double ai = m_aiMbps / 1000.0;
    const double floor = m_minMbps / 1000.0;
    double c = u / m_eta;
    double r;
    if (c >= 1 || stage >= m_maxStage)
    {
        r = rc / c + ai;
        *nextStage = 0;
        m_multiplicative++;
    }
    else
    {
        r = rc + ai;
        *nextStage = stage + 1;
        m_additive++;
    }
    return std::clamp(r, floor, line);
}

double
HpccCongestionControl::MultiRate(HpccState& s, uint32_t n, const HopFlags& updated, bool fastReact,
                                 double line)
{
    double rate = line;
    for (uint32_t i = 0; i < n; ++i)
    {
        HpccHopState& h = s.hop[i];
        if (!updated[i])
        {
            rate = std::min(rate, h.rcGbps);
            continue;
        }
        uint32_t stage;
        double r = Step(h.u, h.rcGbps, h.incStage, &stage, line);
        rate = std::min(rate, r);
        if (!fastReact)
        {
            h.rcGbps = r;
            h.incStage = stage;
        }
    }
    return rate;
}

CcDecision
HpccCongestionControl::Update(QueuePair& qp, HpccState& s, const IntRecords& rec, bool fastReact)
{
    const double line = qp.lineGbps;
    const double t = std::max<double>(1.0, s.baseRtt.GetNanoSeconds());
    HopFlags updated{};
    double maxU = 0;
    double maxTau = 0;
    bool any = MeasureUtilization(qp, s, rec, fastReact, updated, maxU, maxTau);
    if (fastReact)
    {
        m_fastReacts++;
    }
    else
    {
        m_updates++;
    }
    double rate;
    if (!m_multiRate)
    {
        if (!any)
        {
            return {};
        }
        double dt = std::min(maxTau, t);
        s.u = (s.u * (t - dt) + maxU * dt) / t;
        uint32_t stage;
        rate = Step(s.u, s.rcGbps, s.incStage, &stage, line);
        if (!fastReact)
        {
            s.rcGbps = rate;
            s.incStage = stage;
        }
    }
    else
    {
        rate = MultiRate(s, rec.Count(), updated, fastReact, line);
    }
    if (m_minRateSeenGbps < 0 || rate < m_minRateSeenGbps)
    {
        m_minRateSeenGbps = rate;
    }
    return Decide(qp, s, rate);
}

CcDecision
HpccCongestionControl::Decide(const QueuePair& qp, const HpccState& s, double rateGbps) const
{
    CcDecision d = CcDecision::Rate(rateGbps);
    double scale = m_varWin ? rateGbps / qp.lineGbps : 1.0;
    d.windowBytes = std::max<uint64_t>(1, static_cast<uint64_t>(s.bdpBytes * scale));
    return d;
}

std::string
HpccCongestionControl::StatsJson() const
{
    JsonWriter w;
    w.BeginObject()
        .Field("full_updates", m_updates)
        .Field("fast_reacts", m_fastReacts)
        .Field("multiplicative_steps", m_multiplicative)
        .Field("additive_steps", m_additive)
        .Key("min_rate_gbps");
    if (m_minRateSeenGbps >= 0)
    {
        w.Number(m_minRateSeenGbps);
    }
    else
    {
        w.Null();
    }
    w.EndObject();
    return w.Str();
}

} // namespace fabric
} // namespace ns3
