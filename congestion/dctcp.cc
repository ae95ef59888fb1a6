#include "dctcp.h"

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

NS_LOG_COMPONENT_DEFINE("DctcpCongestionControl");
NS_OBJECT_ENSURE_REGISTERED(DctcpCongestionControl);

TypeId
DctcpCongestionControl::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::DctcpCongestionControl")
            .SetParent<CongestionControl>()
            .SetGroupName("Fabric")
            .AddConstructor<DctcpCongestionControl>()
            .AddAttribute("KminBytes", "CP: no CE mark at or below this egress queue [bytes]. "
                          "Default 100000.",
                          UintegerValue(100000), MakeUintegerAccessor(&DctcpCongestionControl::m_kminBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("KmaxBytes", "CP: always mark above this egress queue [bytes]. "
                          "Default 100000 (Kmin = Kmax: DCTCP's step marking).",
                          UintegerValue(100000), MakeUintegerAccessor(&DctcpCongestionControl::m_kmaxBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("Pmax", "CP: marking probability at Kmax [1]. Default 1.",
                          DoubleValue(1.0), MakeDoubleAccessor(&DctcpCongestionControl::m_pmax),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("EcnThresholdsByGbps",
                          "CP: RED curve per egress link rate, '<Gb/s>:<Kmin bytes>:<Kmax bytes>:<Pmax>' "
                          "entries separated by commas (as DCQCN's); '' = KminBytes/KmaxBytes/Pmax on "
                          "every port. Default ''.",
                          EcnRateMapValue(EcnRateMap()),
                          MakeEcnRateMapAccessor(&DctcpCongestionControl::m_ecnByRate),
                          MakeEcnRateMapChecker())
            .AddAttribute("G", "RP: alpha EWMA gain g [1]. Default 1/16 (paper, HPCC run.py).",
                          DoubleValue(1.0 / 16), MakeDoubleAccessor(&DctcpCongestionControl::m_g),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("InitialAlpha", "RP: alpha when a QP starts [1]. Default 1 (reference).",
                          DoubleValue(1.0), MakeDoubleAccessor(&DctcpCongestionControl::m_initialAlpha),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("RateAiMbps", "RP: additive increase per window outside CWR "
                          "(DCTCP_RATE_AI) [Mb/s]. Default 1000 (reference).",
                          DoubleValue(1000), MakeDoubleAccessor(&DctcpCongestionControl::m_aiMbps),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("MinRateMbps", "RP: rate floor [Mb/s]. Default 100.",
                          DoubleValue(100), MakeDoubleAccessor(&DctcpCongestionControl::m_minMbps),
                          MakeDoubleChecker<double>(0.0));
    return tid;
}

DctcpCongestionControl::DctcpCongestionControl()
{
    m_rng = CreateObject<UniformRandomVariable>();
}

bool
DctcpCongestionControl::MarkAtEgress(uint64_t q, double gbps)
{
    const EcnThreshold& c = m_curve.Get(m_ecnByRate, gbps, m_kminBytes, m_kmaxBytes, m_pmax);
    return c.Mark(q, *m_rng);
}

std::unique_ptr<CcState>
DctcpCongestionControl::Start(QueuePair& qp)
{
    auto s = std::make_unique<DctcpState>();
    s->alpha = m_initialAlpha;
    if (m_tracedQp == UINT32_MAX)
    {
        m_tracedQp = qp.index;
    }
    return s;
}

CcDecision
DctcpCongestionControl::OnAck(QueuePair& qp, const AckSample& ack)
{
    auto& s = static_cast<DctcpState&>(*qp.cc);
    m_acks++;
    m_markedAcks += ack.ecnEcho;
    s.acksInWindow++;
    s.markedInWindow += ack.ecnEcho;
    bool newWindow = false;
    if (!s.firstAckSeen)
    {
        // the first ACK only opens the first window: the data in flight now is its extent
        s.firstAckSeen = true;
        s.lastUpdateSeq = qp.sndNxt;
        s.acksInWindow = 0;
        s.markedInWindow = 0;
        newWindow = true;
    }
    else if (ack.ackSeq > s.lastUpdateSeq)
    {
        // F = marked fraction of the ACKs of the window that just ended
        double f = double(s.markedInWindow) / double(s.acksInWindow);
        s.alpha = (1 - m_g) * s.alpha + m_g * f;
        s.lastUpdateSeq = qp.sndNxt;
        s.acksInWindow = 0;
        s.markedInWindow = 0;
        newWindow = true;
        m_windows++;
        if (qp.index == m_tracedQp && m_alphaTrace.size() < kAlphaTraceLength)
        {
            m_alphaTrace.push_back(s.alpha);
        }
    }
    if (s.cwr && ack.ackSeq > s.cwrEndSeq)
    {
        s.cwr = false;
    }
    double rate = qp.rateGbps;
    bool changed = false;
    if (ack.ecnEcho && !s.cwr)
    {
        rate = std::max(m_minMbps / 1000.0, rate * (1 - s.alpha / 2));
        s.cwr = true;
        s.cwrEndSeq = qp.sndNxt;
        m_cuts++;
        changed = true;
    }
    if (!s.cwr && newWindow)
    {
        rate = std::min(qp.lineGbps, rate + m_aiMbps / 1000.0);
        changed = true;
    }
    return changed ? CcDecision::Rate(rate) : CcDecision();
}

int64_t
DctcpCongestionControl::AssignStreams(int64_t stream)
{
    m_rng->SetStream(stream);
    return 1;
}

std::string
DctcpCongestionControl::StatsJson() const
{
    JsonWriter w;
    w.BeginObject()
        .Field("acks", m_acks)
        .Field("marked_acks", m_markedAcks)
        .Field("windows", m_windows)
        .Field("rate_cuts", m_cuts)
        .Key("first_qp_alpha_by_window")
        .NumberArray(m_alphaTrace)
        .EndObject();
    return w.Str();
}

} // namespace fabric
} // namespace ns3
