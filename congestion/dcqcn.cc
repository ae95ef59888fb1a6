#include "dcqcn.h"

#include "../ns3_backend/queue-pair.h"
#include "../ns3_backend/rdma-nic.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("DcqcnCongestionControl");
NS_OBJECT_ENSURE_REGISTERED(DcqcnCongestionControl);

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
            .AddAttribute("CnpIntervalUs", "NP: at most one CNP per QP per interval; 0 = one per "
                          "marked packet [us]. Default 50 us (paper).",
                          TimeValue(MicroSeconds(50)), MakeTimeAccessor(&DcqcnCongestionControl::m_cnpInterval),
                          MakeTimeChecker())
            .AddAttribute("G", "RP: alpha EWMA gain g [1]. Default 1/256 (paper).",
                          DoubleValue(1.0 / 256), MakeDoubleAccessor(&DcqcnCongestionControl::m_g),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("InitialAlpha", "RP: alpha when a QP starts [1]. Default 1.",
                          DoubleValue(1.0), MakeDoubleAccessor(&DcqcnCongestionControl::m_initialAlpha),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("AlphaUpdatePeriodUs", "RP: alpha update period K [us]. Default 55 us (paper).",
                          TimeValue(MicroSeconds(55)), MakeTimeAccessor(&DcqcnCongestionControl::m_alphaPeriod),
                          MakeTimeChecker())
            .AddAttribute("RateDecreaseIntervalUs", "RP: at most one rate cut per interval [us]. "
                          "Default 50 us (paper: one cut per CNP interval).",
                          TimeValue(MicroSeconds(50)), MakeTimeAccessor(&DcqcnCongestionControl::m_decreaseInterval),
                          MakeTimeChecker())
            .AddAttribute("RpTimerUs", "RP: rate-increase timer T [us]. Default 55 us (paper).",
                          TimeValue(MicroSeconds(55)), MakeTimeAccessor(&DcqcnCongestionControl::m_rpTimer),
                          MakeTimeChecker())
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
    if (q <= m_kminBytes)
    {
        return false;
    }
    if (q > m_kmaxBytes)
    {
        return true;
    }
    double p = m_pmax * double(q - m_kminBytes) / double(m_kmaxBytes - m_kminBytes);
    return m_rng->GetValue() < p;
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

void
DcqcnCongestionControl::OnNotification(QueuePair& qp)
{
    auto& s = static_cast<DcqcnState&>(*qp.cc);
    Time now = Simulator::Now();
    s.cnpSeen = true;
    if (!s.alphaTimer.IsPending())
    {
        s.alphaTimer = Simulator::Schedule(m_alphaPeriod, &DcqcnCongestionControl::AlphaTick, this, &qp);
    }
    if (s.cutEver && now - s.lastCut < m_decreaseInterval)
    {
        return;
    }
    if (m_clampTarget || s.timerStage > 0 || s.byteStage > 0)
    {
        s.targetGbps = qp.rateGbps;
    }
    qp.rateGbps = std::max(m_minMbps / 1000.0, qp.rateGbps * (1.0 - s.alpha / 2.0));
    s.cutEver = true;
    s.lastCut = now;
    s.timerStage = 0;
    s.byteStage = 0;
    s.bytesSinceIncrease = 0;
    s.increaseTimer.Cancel();
    s.increaseTimer = Simulator::Schedule(m_rpTimer, &DcqcnCongestionControl::IncreaseTick, this, &qp);
    qp.nic->RateChanged(&qp);
}

void
DcqcnCongestionControl::AlphaTick(QueuePair* qp)
{
    auto& s = static_cast<DcqcnState&>(*qp->cc);
    s.alpha = (1.0 - m_g) * s.alpha + (s.cnpSeen ? m_g : 0.0);
    s.cnpSeen = false;
    if (s.alpha > 1e-4 || qp->rateGbps < qp->lineGbps)
    {
        s.alphaTimer = Simulator::Schedule(m_alphaPeriod, &DcqcnCongestionControl::AlphaTick, this, qp);
    }
}

void
DcqcnCongestionControl::IncreaseTick(QueuePair* qp)
{
    auto& s = static_cast<DcqcnState&>(*qp->cc);
    Increase(*qp, s);  // stages count completed events: F fast-recovery steps come first
    s.timerStage++;
    if (qp->rateGbps < qp->lineGbps)
    {
        s.increaseTimer = Simulator::Schedule(m_rpTimer, &DcqcnCongestionControl::IncreaseTick, this, qp);
    }
}

void
DcqcnCongestionControl::OnSent(QueuePair& qp, uint32_t bytes)
{
    if (!m_byteCounter || !qp.cc)
    {
        return;
    }
    auto& s = static_cast<DcqcnState&>(*qp.cc);
    if (!s.cutEver || qp.rateGbps >= qp.lineGbps)
    {
        return;
    }
    s.bytesSinceIncrease += bytes;
    while (s.bytesSinceIncrease >= m_byteCounter)
    {
        s.bytesSinceIncrease -= m_byteCounter;
        Increase(qp, s);
        s.byteStage++;
    }
}

void
DcqcnCongestionControl::Increase(QueuePair& qp, DcqcnState& s)
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
        // fast recovery: approach the target only
    }
    else if (lo > m_fastRecovery)
    {
        s.targetGbps = std::min(line, s.targetGbps + (lo - m_fastRecovery) * m_haiMbps / 1000.0);
    }
    else
    {
        s.targetGbps = std::min(line, s.targetGbps + m_aiMbps / 1000.0);
    }
    qp.rateGbps = std::min(line, (qp.rateGbps + s.targetGbps) / 2.0);
    if (line - qp.rateGbps < 1e-6 * line)
    {
        qp.rateGbps = line;  // converged: stop the increase timer
    }
    qp.nic->RateChanged(&qp);
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
}

} // namespace fabric
} // namespace ns3
