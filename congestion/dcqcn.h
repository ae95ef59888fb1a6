// DCQCN (Zhu et al., SIGCOMM'15): RED/ECN congestion point, CNP notification point (at most
// one CNP per interval per QP), and the reaction point with alpha, multiplicative cut,
// fast recovery, additive and hyper increase driven by a timer AND a byte counter.
#ifndef ASTRASIM_DCQCN_H
#define ASTRASIM_DCQCN_H

#include "congestion-control.h"

#include "ns3/event-id.h"
#include "ns3/random-variable-stream.h"

namespace ns3
{
namespace fabric
{

struct DcqcnState : public CcState
{
    double targetGbps{0};
    double alpha{1.0};
    bool cnpSeen{false};
    bool cutEver{false};
    Time lastCut;
    uint32_t timerStage{0};
    uint32_t byteStage{0};
    uint64_t bytesSinceIncrease{0};
    EventId alphaTimer;
    EventId increaseTimer;
};

class DcqcnCongestionControl : public CongestionControl
{
  public:
    static TypeId GetTypeId();
    DcqcnCongestionControl();

    std::string Name() const override
    {
        return "dcqcn";
    }

    bool MarkAtEgress(uint64_t queueBytes, double gbps) override;
    bool ShouldNotify(Time now, Time lastNotify, bool first) const override;
    std::unique_ptr<CcState> Start(QueuePair& qp) override;
    void OnNotification(QueuePair& qp) override;
    void OnSent(QueuePair& qp, uint32_t bytes) override;
    void Stop(QueuePair& qp) override;
    int64_t AssignStreams(int64_t stream) override;

  private:
    void AlphaTick(QueuePair* qp);
    void IncreaseTick(QueuePair* qp);
    void Increase(QueuePair& qp, DcqcnState& s);

    Ptr<UniformRandomVariable> m_rng;
    uint64_t m_kminBytes;
    uint64_t m_kmaxBytes;
    double m_pmax;
    Time m_cnpInterval;
    double m_g;
    double m_initialAlpha;
    Time m_alphaPeriod;
    Time m_decreaseInterval;
    Time m_rpTimer;
    uint64_t m_byteCounter;
    uint32_t m_fastRecovery;
    double m_aiMbps;
    double m_haiMbps;
    double m_minMbps;
    bool m_clampTarget;
};

} // namespace fabric
} // namespace ns3

#endif
