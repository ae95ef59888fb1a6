// TIMELY (Mittal et al., SIGCOMM'15) as the HPCC-lineage reference models it: data packets carry
// the send time and ACKs echo it; once per window of data the sender takes the RTT sample,
// smooths the RTT difference, and with g = rttDiff / minRTT: below T_low increase; above
// T_high cut R <- R (1 - beta (1 - T_high/rtt)); else increase when g <= 0 and cut
// R <- R (1 - beta g) when g > 0. Increase is RateAi, or RateHai from the fifth consecutive
// increase on (HAI mode). Unlike the reference fork, the send timestamp is really set.
#ifndef ASTRASIM_TIMELY_H
#define ASTRASIM_TIMELY_H

#include "congestion-control.h"

namespace ns3
{
namespace fabric
{

struct TimelyState : public CcState
{
    bool firstAckSeen{false};
    uint64_t lastUpdateSeq{0};
    Time lastRtt;
    double rttDiffNs{0};
    double rcGbps{0};
    uint32_t incStage{0};
};

class TimelyCongestionControl : public CongestionControl
{
  public:
    static TypeId GetTypeId();

    std::string Name() const override
    {
        return "timely";
    }

    uint32_t ExtraHeaderBytes() const override
    {
        return m_tsHeaderBytes;
    }

    std::unique_ptr<CcState> Start(QueuePair& qp) override;
    CcDecision OnAck(QueuePair& qp, const AckSample& ack) override;
    std::string StatsJson() const override;

  private:
    double m_alpha;
    double m_beta;
    Time m_tLow;
    Time m_tHigh;
    Time m_minRtt;
    double m_aiMbps;
    double m_haiMbps;
    uint32_t m_haiAfter;
    double m_minMbps;
    uint32_t m_tsHeaderBytes;

    uint64_t m_updates{0};
    uint64_t m_gradientCuts{0};
    uint64_t m_highCuts{0};
    uint64_t m_increases{0};
};

} // namespace fabric
} // namespace ns3

#endif
