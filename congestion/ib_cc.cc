#include "ib_cc.h"

#include "../ns3_backend/time-attribute.h"
#include "../ns3_backend/json-writer.h"

#include "../ns3_backend/queue-pair.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <sstream>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("IbCongestionControl");
NS_OBJECT_ENSURE_REGISTERED(IbCongestionControl);

TypeId
IbCongestionControl::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::IbCongestionControl")
            .SetParent<CongestionControl>()
            .SetGroupName("Fabric")
            .AddConstructor<IbCongestionControl>()
            .AddAttribute("FecnThresholdBytes",
                          "CP: an egress VL queue above this marks FECN on departing data (A10 "
                          "Threshold, here in bytes instead of the 0-15 scale) [bytes]. "
                          "Default 32768.",
                          UintegerValue(32768),
                          MakeUintegerAccessor(&IbCongestionControl::m_thresholdBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("VictimMask",
                          "CP: also mark at ports whose packets wait for credits (congestion "
                          "victims, A10 Victim_Mask); false = only congestion roots mark [bool]. "
                          "Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&IbCongestionControl::m_victimMask),
                          MakeBooleanChecker())
            .AddAttribute("MarkingRate",
                          "CP: mark one of every MarkingRate eligible packets (A10 Marking_Rate + 1) "
                          "[packets]. Default 1.",
                          UintegerValue(1),
                          MakeUintegerAccessor(&IbCongestionControl::m_markingRate),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("MinBecnIntervalNs",
                          "NP: at most one BECN per QP per interval; 0 = one per FECN packet [ns]. "
                          "Default 1000 ns (one per FECN packet over-reacts: the queue stays above "
                          "the threshold for a round trip after the first BECN).",
                          DoubleValue(1000),
                          MakeTimeInUnitAccessor(&IbCongestionControl::m_minBecnInterval, Time::NS),
                          MakeTimeInUnitChecker(Time::NS))
            .AddAttribute("CctiIncrease",
                          "RP: CCTI increment per BECN [entries]. Default 1.",
                          UintegerValue(1),
                          MakeUintegerAccessor(&IbCongestionControl::m_cctiIncrease),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("CctiLimit",
                          "RP: highest CCTI (last CCT entry) [entries]. Default 127.",
                          UintegerValue(127),
                          MakeUintegerAccessor(&IbCongestionControl::m_cctiLimit),
                          MakeUintegerChecker<uint32_t>(0, 16383))
            .AddAttribute("CctiMin",
                          "RP: CCTI never falls below this [entries]. Default 0.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&IbCongestionControl::m_cctiMin),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("CctiTimerUs",
                          "RP: CCTI decreases by one every period while above CctiMin [us]. "
                          "Default 3 us (tuned on a 7-to-1 incast and a congestion tree).",
                          DoubleValue(3),
                          MakeTimeInUnitAccessor(&IbCongestionControl::m_cctiTimer, Time::US),
                          MakeTimeInUnitChecker(Time::US, 0.001))
            .AddAttribute("CctStepNs",
                          "RP: congestion control table: entry i = inter-packet delay i x "
                          "CctStepNs [ns]. Default 20 ns.",
                          DoubleValue(20),
                          MakeTimeInUnitAccessor(&IbCongestionControl::m_cctStep, Time::NS),
                          MakeTimeInUnitChecker(Time::NS))
            .AddAttribute("ReferencePacketBytes",
                          "RP: wire size used to turn the inter-packet delay into a QP rate "
                          "(rate = line x T / (T + IPD), T = its serialization) [bytes]. "
                          "Default 4124 (4096 MTU + IB headers).",
                          UintegerValue(4124),
                          MakeUintegerAccessor(&IbCongestionControl::m_referencePacketBytes),
                          MakeUintegerChecker<uint32_t>(1));
    return tid;
}

bool
IbCongestionControl::MarkAtEgress(uint64_t queueBytes, double gbps)
{
    // Without a port (direct callers): one fabric-wide Marking_Rate counter.
    return queueBytes > m_thresholdBytes && Eligible(m_eligible);
}

bool
IbCongestionControl::Eligible(uint64_t& counter)
{
    m_aboveThreshold++;
    if (counter++ % m_markingRate != 0)
    {
        return false;
    }
    m_fecn++;
    return true;
}

bool
IbCongestionControl::MarkAtPort(const PortView& port, uint32_t prio, uint64_t queueBytes)
{
    if (queueBytes > m_thresholdBytes && !m_victimMask && port.WaitedForPeer(prio))
    {
        m_victimSkips++;
        return false;
    }
    if (queueBytes <= m_thresholdBytes)
    {
        return false;
    }
    // Marking_Rate counts eligible packets per port (and VL), as each switch port does.
    uint64_t key = (static_cast<uint64_t>(port.NodeId()) << 24) | (port.PortIndex() << 3) | (prio & 7);
    return Eligible(m_eligibleByPort[key]);
}

bool
IbCongestionControl::ShouldNotify(Time now, Time lastNotify, bool first) const
{
    return first || m_minBecnInterval.IsZero() || now - lastNotify >= m_minBecnInterval;
}

std::unique_ptr<CcState>
IbCongestionControl::Start(QueuePair& qp)
{
    auto s = std::make_unique<IbCcState>();
    s->ccti = m_cctiMin;
    return s;
}

CcDecision
IbCongestionControl::RateOf(const QueuePair& qp, uint32_t ccti) const
{
    double t = m_referencePacketBytes * 8.0 / qp.lineGbps;  // ns
    double ipd = InterPacketDelay(ccti).GetNanoSeconds();
    return CcDecision::Rate(qp.lineGbps * t / (t + ipd));
}

CcDecision
IbCongestionControl::OnCnp(QueuePair& qp)
{
    auto& s = static_cast<IbCcState&>(*qp.cc);
    m_becn++;
    uint32_t next = std::min(m_cctiLimit, s.ccti + m_cctiIncrease);
    CcDecision d;
    if (next != s.ccti)
    {
        m_increases++;
        s.ccti = next;
        m_maxCcti = std::max(m_maxCcti, next);
        d = RateOf(qp, next);
    }
    if (!s.timer.IsPending() && s.ccti > m_cctiMin)
    {
        s.timer = ScheduleTimer(m_cctiTimer, qp, 0);
    }
    return d;
}

CcDecision
IbCongestionControl::OnTimer(QueuePair& qp, uint32_t)
{
    if (!qp.cc)
    {
        return {};
    }
    auto& s = static_cast<IbCcState&>(*qp.cc);
    CcDecision d;
    if (s.ccti > m_cctiMin)
    {
        s.ccti--;
        m_decreases++;
        d = RateOf(qp, s.ccti);
    }
    if (s.ccti > m_cctiMin)
    {
        s.timer = ScheduleTimer(m_cctiTimer, qp, 0);
    }
    return d;
}

void
IbCongestionControl::Stop(QueuePair& qp)
{
    if (qp.cc)
    {
        static_cast<IbCcState&>(*qp.cc).timer.Cancel();
    }
}

std::string
IbCongestionControl::StatsJson() const
{
    JsonWriter w;
    w.BeginObject()
        .Field("fecn_marked", m_fecn)
        .Field("becn_received", m_becn)
        .Field("ccti_increases", m_increases)
        .Field("ccti_decreases", m_decreases)
        .Field("max_ccti", m_maxCcti)
        .Field("fecn_eligible", m_aboveThreshold)
        .Field("victim_port_unmarked", m_victimSkips)
        .EndObject();
    return w.Str();
}

} // namespace fabric
} // namespace ns3
