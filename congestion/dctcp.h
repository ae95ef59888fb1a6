// DCTCP (Alizadeh et al., SIGCOMM'10) on RDMA QPs, rate-based as the HPCC-lineage reference
// runs it: switches mark CE with the RED curve (Kmin/Kmax/Pmax, per link rate); the receiver
// echoes CE in the ACK (no CNP); once per window of data the sender updates
// alpha <- (1-g) alpha + g F with F the fraction of marked ACKs in that window, then adds
// RateAi when not in CWR; a marked ACK outside CWR cuts R <- R (1 - alpha/2) and enters CWR
// until the data sent before the cut is acknowledged (at most one cut per window).
#ifndef ASTRASIM_DCTCP_H
#define ASTRASIM_DCTCP_H

#include "congestion-control.h"
#include "dcqcn.h"  // EcnRateMap: the RED curve per link rate

#include "ns3/random-variable-stream.h"

#include <vector>

namespace ns3
{
namespace fabric
{

struct DctcpState : public CcState
{
    bool firstAckSeen{false};
    double alpha{1.0};
    uint64_t lastUpdateSeq{0};
    uint64_t acksInWindow{0};
    uint64_t markedInWindow{0};
    bool cwr{false};
    uint64_t cwrEndSeq{0};
};

class DctcpCongestionControl : public CongestionControl
{
  public:
    static TypeId GetTypeId();
    DctcpCongestionControl();

    std::string Name() const override
    {
        return "dctcp";
    }

    bool MarkAtEgress(uint64_t queueBytes, double gbps) override;
    std::unique_ptr<CcState> Start(QueuePair& qp) override;
    CcDecision OnAck(QueuePair& qp, const AckSample& ack) override;
    int64_t AssignStreams(int64_t stream) override;
    std::string StatsJson() const override;

  private:
    static constexpr size_t kAlphaTraceLength = 64;

    Ptr<UniformRandomVariable> m_rng;
    EcnRateMap m_ecnByRate;
    EcnCurveCache m_curve;
    uint64_t m_kminBytes;
    uint64_t m_kmaxBytes;
    double m_pmax;
    double m_g;
    double m_initialAlpha;
    double m_aiMbps;
    double m_minMbps;

    uint64_t m_acks{0};
    uint64_t m_markedAcks{0};
    uint64_t m_windows{0};
    uint64_t m_cuts{0};
    std::vector<double> m_alphaTrace;  // the first QP's alpha after each window update
    uint32_t m_tracedQp{UINT32_MAX};
};

} // namespace fabric
} // namespace ns3

#endif
