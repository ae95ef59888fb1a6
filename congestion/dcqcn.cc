#include "dcqcn.h"

#include "../ns3_backend/time-attribute.h"
#include "../ns3_backend/json-writer.h"

#include "../ns3_backend/queue-pair.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/integer.h"
#include "ns3/log.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/rng-stream.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <sstream>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("DcqcnCongestionControl");
NS_OBJECT_ENSURE_REGISTERED(DcqcnCongestionControl);
ATTRIBUTE_HELPER_CPP(EcnRateMap);

bool
EcnRateMap::Parse(const std::string& text, std::string* error)
{
    std::vector<EcnThreshold> entries;
    std::stringstream all(text);
    std::string item;
    while (std::getline(all, item, ','))
    {
        std::replace(item.begin(), item.end(), ':', ' ');
        std::istringstream fields(item);
        EcnThreshold e;
        std::string rest;
        if (!(fields >> e.gbps >> e.kminBytes >> e.kmaxBytes >> e.pmax) || (fields >> rest))
        {
            *error = "entry '" + item + "' is not <Gb/s>:<Kmin bytes>:<Kmax bytes>:<Pmax>";
            return false;
        }
        if (!(e.gbps > 0) || e.kminBytes > e.kmaxBytes || !(e.pmax >= 0 && e.pmax <= 1))
        {
            *error = "entry '" + item + "' needs rate > 0, Kmin <= Kmax and 0 <= Pmax <= 1";
            return false;
        }
        entries.push_back(e);
    }
    std::sort(entries.begin(), entries.end(),
              [](const EcnThreshold& a, const EcnThreshold& b) { return a.gbps < b.gbps; });
    for (size_t i = 1; i < entries.size(); ++i)
    {
        if (entries[i].gbps == entries[i - 1].gbps)
        {
            *error = "rate " + std::to_string(entries[i].gbps) + " Gb/s appears twice";
            return false;
        }
    }
    m_entries = std::move(entries);
    return true;
}

const EcnThreshold*
EcnRateMap::Lookup(double gbps) const
{
    if (m_entries.empty())
    {
        return nullptr;
    }
    // the highest rate not above the port's (a relative slack absorbs 99.99999 vs 100)
    auto above = std::upper_bound(m_entries.begin(), m_entries.end(), gbps * (1 + 1e-9),
                                  [](double g, const EcnThreshold& e) { return g < e.gbps; });
    return above == m_entries.begin() ? &m_entries.front() : &*(above - 1);
}

std::ostream&
operator<<(std::ostream& os, const EcnRateMap& map)
{
    const char* sep = "";
    for (const auto& e : map.Entries())
    {
        os << sep << e.gbps << ':' << e.kminBytes << ':' << e.kmaxBytes << ':' << e.pmax;
        sep = ",";
    }
    return os;
}

std::istream&
operator>>(std::istream& is, EcnRateMap& map)
{
    // the attribute system wants the whole text consumed (eof) and failbit on a bad value
    std::string text((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
    is.setstate(std::ios::eofbit);
    std::string error;
    if (!map.Parse(text, &error))
    {
        NS_LOG_WARN("EcnThresholdsByGbps: " << error);
        is.setstate(std::ios::failbit);
    }
    return is;
}

TypeId
DcqcnCongestionControl::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::DcqcnCongestionControl")
            .SetParent<CongestionControl>()
            .SetGroupName("Fabric")
            .AddConstructor<DcqcnCongestionControl>()
            .AddAttribute("KminBytes", "CP: no ECN mark at or below this egress queue [bytes]. "
                          "Default 5000 (paper).",
                          UintegerValue(5000), MakeUintegerAccessor(&DcqcnCongestionControl::m_kminBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("KmaxBytes", "CP: always mark above this egress queue [bytes]. "
                          "Default 200000 (paper).",
                          UintegerValue(200000), MakeUintegerAccessor(&DcqcnCongestionControl::m_kmaxBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("Pmax", "CP: marking probability at Kmax [1]. Default 0.01 (paper).",
                          DoubleValue(0.01), MakeDoubleAccessor(&DcqcnCongestionControl::m_pmax),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("EcnThresholdsByGbps",
                          "CP: ECN curve per egress link rate, '<Gb/s>:<Kmin bytes>:<Kmax bytes>:<Pmax>' "
                          "entries separated by commas (the reference's KMIN/KMAX/PMAX maps); a port "
                          "uses the entry of the highest rate not above its own, the slowest entry if "
                          "it is slower than all. Default '' = KminBytes/KmaxBytes/Pmax on every port.",
                          EcnRateMapValue(EcnRateMap()),
                          MakeEcnRateMapAccessor(&DcqcnCongestionControl::m_ecnByRate),
                          MakeEcnRateMapChecker())
            .AddAttribute("CnpIntervalUs", "NP: at most one CNP per QP per interval; 0 = one per "
                          "marked packet [us]. Default 50 us (paper).",
                          DoubleValue(50), MakeTimeInUnitAccessor(&DcqcnCongestionControl::m_cnpInterval, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("G", "RP: alpha EWMA gain g [1]. Default 1/256 (paper).",
                          DoubleValue(1.0 / 256), MakeDoubleAccessor(&DcqcnCongestionControl::m_g),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("InitialAlpha", "RP: alpha when a QP starts [1]. Default 1.",
                          DoubleValue(1.0), MakeDoubleAccessor(&DcqcnCongestionControl::m_initialAlpha),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("AlphaUpdatePeriodUs", "RP: alpha update period K [us]. Default 55 us (paper).",
                          DoubleValue(55), MakeTimeInUnitAccessor(&DcqcnCongestionControl::m_alphaPeriod, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("RateDecreaseIntervalUs", "RP: at most one rate cut per interval [us]. "
                          "Default 50 us (paper: one cut per CNP interval).",
                          DoubleValue(50), MakeTimeInUnitAccessor(&DcqcnCongestionControl::m_decreaseInterval, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("RpTimerUs", "RP: rate-increase timer T [us]. Default 55 us (paper).",
                          DoubleValue(55), MakeTimeInUnitAccessor(&DcqcnCongestionControl::m_rpTimer, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("ByteCounterBytes", "RP: rate-increase byte counter B; 0 = timer only [bytes]. "
                          "Default 10485760 (paper 10 MB).",
                          UintegerValue(10485760), MakeUintegerAccessor(&DcqcnCongestionControl::m_byteCounter),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("FastRecoverySteps", "RP: fast-recovery iterations F [1]. Default 5 (paper).",
                          UintegerValue(5), MakeUintegerAccessor(&DcqcnCongestionControl::m_fastRecovery),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("RateAiMbps", "RP: additive increase step R_AI [Mb/s]. Default 40 (paper @40G).",
                          DoubleValue(40), MakeDoubleAccessor(&DcqcnCongestionControl::m_aiMbps),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("RateHaiMbps", "RP: hyper increase step R_HAI [Mb/s]. Default 400.",
                          DoubleValue(400), MakeDoubleAccessor(&DcqcnCongestionControl::m_haiMbps),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("MinRateMbps", "RP: rate floor [Mb/s]. Default 100.",
                          DoubleValue(100), MakeDoubleAccessor(&DcqcnCongestionControl::m_minMbps),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("ClampTargetRate", "RP: every cut sets target := current rate (paper) "
                          "instead of only after an increase stage [bool]. Default true.",
                          BooleanValue(true), MakeBooleanAccessor(&DcqcnCongestionControl::m_clampTarget),
                          MakeBooleanChecker())
            .AddAttribute("HyperIncreaseGrows", "RP: the i-th hyper-increase event adds i * R_HAI to "
                          "the target (paper, QCN) instead of a constant R_HAI (the reference's "
                          "Mellanox variant) [bool]. Default true.",
                          BooleanValue(true), MakeBooleanAccessor(&DcqcnCongestionControl::m_hyperGrows),
                          MakeBooleanChecker())
            .AddAttribute("FreshStreamPerDraw",
                          "CP: -1 = the marking draws come from the policy's one random stream. "
                          "n >= 0 = as the reference, whose ShouldSendCN creates a new ns-3 "
                          "UniformRandomVariable per draw (ACKs in the data queue draw too): draw "
                          "k is the first number of automatic stream n + k (n = the streams the "
                          "reference's set-up created before) under the run's RngSeed and RngRun "
                          "[stream index]. Default -1.",
                          IntegerValue(-1), MakeIntegerAccessor(&DcqcnCongestionControl::m_drawStreamBase),
                          MakeIntegerChecker<int64_t>(-1))
            .AddAttribute("DecreaseOnTimer", "RP: cuts happen on a periodic check every "
                          "RateDecreaseIntervalUs, started 1 ns after the QP's first CNP, if a CNP "
                          "arrived during the period; the first CNP only sets alpha = 1 and starts "
                          "the timers, which then run until the QP completes (the reference's "
                          "Mellanox variant). false = cut at the CNP itself, at most once per "
                          "interval (the paper's RP) [bool]. Default false.",
                          BooleanValue(false), MakeBooleanAccessor(&DcqcnCongestionControl::m_decreaseOnTimer),
                          MakeBooleanChecker());
    return tid;
}

DcqcnCongestionControl::DcqcnCongestionControl()
{
    m_rng = CreateObject<UniformRandomVariable>();
}

bool
DcqcnCongestionControl::MarkAtEgress(uint64_t q, double gbps)
{
    const EcnThreshold& c = m_curve.Get(m_ecnByRate, gbps, m_kminBytes, m_kmaxBytes, m_pmax);
    if (m_drawStreamBase < 0)
    {
        return c.Mark(q, *m_rng);
    }
    return c.MarkWith(q, [this] {
        RngStream fresh(RngSeedManager::GetSeed(), uint64_t(m_drawStreamBase) + m_draws++,
                        RngSeedManager::GetRun());
        return fresh.RandU01();
    });
}

bool
DcqcnCongestionControl::ShouldNotify(Time now, Time last, bool first) const
{
    return first || now - last >= m_cnpInterval;
}

std::unique_ptr<CcState>
DcqcnCongestionControl::Start(QueuePair& qp)
{
    auto s = std::make_unique<DcqcnState>();
    s->targetGbps = qp.lineGbps;
    s->alpha = m_initialAlpha;
    return s;
}

CcDecision
DcqcnCongestionControl::OnCnp(QueuePair& qp)
{
    auto& s = static_cast<DcqcnState&>(*qp.cc);
    Time now = Simulator::Now();
    m_cnps++;
    if (m_decreaseOnTimer)
    {
        s.decreaseCnp = true;
        s.cnpSeen = true;
        if (!s.cnpEver)
        {
            s.cnpEver = true;
            s.alpha = 1.0;
            s.cnpSeen = false;  // the first alpha period starts here
            s.alphaTimer = ScheduleTimer(m_alphaPeriod, qp, kAlphaTimer);
            s.decreaseTimer = ScheduleTimer(m_decreaseInterval + NanoSeconds(1), qp, kDecreaseTimer);
        }
        return {};
    }
    s.cnpSeen = true;
    if (!s.alphaTimer.IsPending())
    {
        s.alphaTimer = ScheduleTimer(m_alphaPeriod, qp, kAlphaTimer);
    }
    if (s.cutEver && now - s.lastCut < m_decreaseInterval)
    {
        return {};
    }
    return Cut(qp, s);
}

CcDecision
DcqcnCongestionControl::Cut(QueuePair& qp, DcqcnState& s)
{
    Time now = Simulator::Now();
    if (m_clampTarget || s.timerStage > 0 || s.byteStage > 0)
    {
        s.targetGbps = qp.rateGbps;
    }
    double cut = qp.rateGbps * (1.0 - s.alpha / 2.0);
    double rate = std::max(m_minMbps / 1000.0, cut);
    m_cuts++;
    m_cutsToMinRate += cut <= m_minMbps / 1000.0;
    if (m_minRateSeenGbps < 0 || rate < m_minRateSeenGbps)
    {
        m_minRateSeenGbps = rate;
    }
    s.cutEver = true;
    s.lastCut = now;
    s.timerStage = 0;
    s.byteStage = 0;
    s.bytesSinceIncrease = 0;
    s.increaseTimer.Cancel();
    s.increaseTimer = ScheduleTimer(m_rpTimer, qp, kIncreaseTimer);
    return CcDecision::Rate(rate);
}

CcDecision
DcqcnCongestionControl::OnTimer(QueuePair& qp, uint32_t timer)
{
    auto& s = static_cast<DcqcnState&>(*qp.cc);
    if (timer == kDecreaseTimer)
    {
        s.decreaseTimer = ScheduleTimer(m_decreaseInterval, qp, kDecreaseTimer);
        if (!s.decreaseCnp)
        {
            return {};
        }
        s.decreaseCnp = false;
        return Cut(qp, s);
    }
    if (timer == kAlphaTimer)
    {
        s.alpha = (1.0 - m_g) * s.alpha + (s.cnpSeen ? m_g : 0.0);
        s.cnpSeen = false;
        if (m_decreaseOnTimer || s.alpha > 1e-4 || qp.rateGbps < qp.lineGbps)
        {
            s.alphaTimer = ScheduleTimer(m_alphaPeriod, qp, kAlphaTimer);
        }
        return {};
    }
    // stages count completed events: F fast-recovery steps come first
    double rate = Increase(qp, s, qp.rateGbps);
    s.timerStage++;
    if (rate < qp.lineGbps)
    {
        s.increaseTimer = ScheduleTimer(m_rpTimer, qp, kIncreaseTimer);
    }
    return CcDecision::Rate(rate);
}

CcDecision
DcqcnCongestionControl::OnSent(QueuePair& qp, uint32_t bytes)
{
    if (!m_byteCounter || !qp.cc)
    {
        return {};
    }
    auto& s = static_cast<DcqcnState&>(*qp.cc);
    if (!s.cutEver || qp.rateGbps >= qp.lineGbps)
    {
        return {};
    }
    s.bytesSinceIncrease += bytes;
    CcDecision d;
    while (s.bytesSinceIncrease >= m_byteCounter)
    {
        s.bytesSinceIncrease -= m_byteCounter;
        d.rateGbps = Increase(qp, s, d.HasRate() ? d.rateGbps : qp.rateGbps);
        s.byteStage++;
    }
    return d;
}

double
DcqcnCongestionControl::Increase(const QueuePair& qp, DcqcnState& s, double rateGbps)
{
    uint32_t hi = s.timerStage, lo = s.timerStage;
    if (m_byteCounter)
    {
        hi = std::max(s.timerStage, s.byteStage);
        lo = std::min(s.timerStage, s.byteStage);
    }
    double line = qp.lineGbps;
    if (hi < m_fastRecovery)
    {
        m_fastRecoverySteps++;  // approach the target only
    }
    else if (lo > m_fastRecovery)
    {
        uint32_t i = m_hyperGrows ? lo - m_fastRecovery : 1;
        s.targetGbps = std::min(line, s.targetGbps + i * m_haiMbps / 1000.0);
        m_hyperSteps++;
    }
    else
    {
        s.targetGbps = std::min(line, s.targetGbps + m_aiMbps / 1000.0);
        m_additiveSteps++;
    }
    double rate = std::min(line, (rateGbps + s.targetGbps) / 2.0);
    if (line - rate < 1e-6 * line)
    {
        rate = line;  // converged: stop the increase timer
    }
    return rate;
}

std::string
DcqcnCongestionControl::StatsJson() const
{
    JsonWriter w;
    w.BeginObject()
        .Field("cnps_received", m_cnps)
        .Field("rate_cuts", m_cuts)
        .Field("cuts_to_min_rate", m_cutsToMinRate)
        .Field("fast_recovery_steps", m_fastRecoverySteps)
        .Field("additive_steps", m_additiveSteps)
        .Field("hyper_steps", m_hyperSteps)
        .Key("min_rate_after_cut_gbps");
    if (m_cuts)
    {
        w.Number(m_minRateSeenGbps);
    }
    else
    {
        w.Null();  // no cut: no rate below the line rate was ever set
    }
    w.EndObject();
    return w.Str();
}

int64_t
DcqcnCongestionControl::AssignStreams(int64_t stream)
{
    m_rng->SetStream(stream);
    return 1;
}

void
DcqcnCongestionControl::Stop(QueuePair& qp)
{
    if (!qp.cc)
    {
        return;
    }
    auto& s = static_cast<DcqcnState&>(*qp.cc);
    s.alphaTimer.Cancel();
    s.increaseTimer.Cancel();
    s.decreaseTimer.Cancel();
}

} // namespace fabric
} // namespace ns3
