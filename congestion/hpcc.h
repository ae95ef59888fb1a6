// HPCC (Li et al., SIGCOMM'19) as the HPCC-lineage reference models it: switches stamp an INT
// record (time, tx bytes, queue bytes, line rate) on every data packet at egress; the sender
// estimates each hop's normalized inflight u = txRate/B + min(qlen, qlen_prev)/(B*T) from two
// consecutive records, smooths it over the base RTT T, and sets R = Rc/(u/eta) + W_AI (or
// Rc + W_AI for up to MaxStage additive stages while u < eta). Rc and the stage are committed
// once per window of data (an ACK beyond the sequence sent at the last commit); with fast
// react every other ACK applies the same computation without committing. Single-rate takes
// the most utilized hop; multi-rate keeps per-hop state and sends at the minimum hop rate.
// The window is the BDP (base RTT x line rate), scaled by R / line rate (VAR_WIN).
#ifndef ASTRASIM_HPCC_H
#define ASTRASIM_HPCC_H

#include "congestion-control.h"

#include <array>

namespace ns3
{
namespace fabric
{

struct HpccHopState
{
    double u{1.0};
    double rcGbps{0};
    uint32_t incStage{0};
};

struct HpccState : public CcState
{
    bool firstAckSeen{false};
    uint64_t lastUpdateSeq{0};
    double u{1.0};           // single-rate: smoothed max normalized inflight
    double rcGbps{0};        // single-rate: committed reference rate
    uint32_t incStage{0};
    Time baseRtt;            // T
    uint64_t bdpBytes{0};    // W (the window at line rate)
    IntRecords last;         // the records of the previous ACK
    std::array<HpccHopState, IntRecords::kMaxHops> hop{};
};

class HpccCongestionControl : public CongestionControl
{
  public:
    static TypeId GetTypeId();

    std::string Name() const override
    {
        return "hpcc";
    }

    bool StampsInt() const override
    {
        return true;
    }

    void StampAtEgress(const PortView& port, IntRecords& records) override;

    uint32_t ExtraHeaderBytes() const override
    {
        return m_intHeaderBytes;
    }

    std::unique_ptr<CcState> Start(QueuePair& qp) override;
    CcDecision OnAck(QueuePair& qp, const AckSample& ack) override;
    std::string StatsJson() const override;

  private:
    /// One rate computation from the echoed records; commits Rc/stages unless `fastReact`.
    CcDecision Update(QueuePair& qp, HpccState& s, const IntRecords& rec, bool fastReact);
    using HopFlags = std::array<bool, IntRecords::kMaxHops>;
    /// Per-hop utilization from two INT snapshots (the max over hops, or each hop's EWMA with
    /// MultiRate); false when no hop gave a rate. Keeps `rec` as the last snapshot.
    bool MeasureUtilization(QueuePair& qp, HpccState& s, const IntRecords& rec, bool fastReact,
                            HopFlags& updated, double& maxU, double& maxTau);
    /// One rate step from utilization u: multiplicative toward eta, or additive (stage + 1).
    double Step(double u, double rc, uint32_t stage, uint32_t* nextStage, double line);
    /// MultiRate: the minimum of every hop's own rate.
    double MultiRate(HpccState& s, uint32_t n, const HopFlags& updated, bool fastReact, double line);
    /// A rate decision plus the window that follows it.
    CcDecision Decide(const QueuePair& qp, const HpccState& s, double rateGbps) const;

    double m_eta;
    uint32_t m_maxStage;
    double m_aiMbps;
    double m_minMbps;
    bool m_fastReact;
    bool m_multiRate;
    bool m_sampleFeedback;
    bool m_varWin;
    Time m_baseRtt;
    uint64_t m_windowBytes;
    uint32_t m_intHeaderBytes;

    uint64_t m_updates{0};
    uint64_t m_fastReacts{0};
    uint64_t m_multiplicative{0};
    uint64_t m_additive{0};
    double m_minRateSeenGbps{-1};
};

} // namespace fabric
} // namespace ns3

#endif
