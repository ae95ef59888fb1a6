// DCQCN (Zhu et al., SIGCOMM'15): RED/ECN congestion point, CNP notification point (at most
// one CNP per interval per QP), and the reaction point with alpha, multiplicative cut,
// fast recovery, additive and hyper increase driven by a timer AND a byte counter.
#ifndef ASTRASIM_DCQCN_H
#define ASTRASIM_DCQCN_H

#include "congestion-control.h"

#include "ns3/attribute-helper.h"
#include "ns3/event-id.h"
#include "ns3/random-variable-stream.h"

#include <iosfwd>
#include <vector>

namespace ns3
{
namespace fabric
{

/// RED/ECN marking curve of one egress link rate: no mark at or below kmin, probability
/// rising linearly to pmax at kmax, always above kmax.
struct EcnThreshold
{
    double gbps{0};
    uint64_t kminBytes{0};
    uint64_t kmaxBytes{0};
    double pmax{0};

    /// RED decision for an egress queue of `queueBytes`; draws from `rng` only between kmin and kmax.
    bool Mark(uint64_t queueBytes, UniformRandomVariable& rng) const
    {
        return MarkWith(queueBytes, [&rng] { return rng.GetValue(); });
    }
    /// The same with the uniform [0, 1) draw supplied by `draw` (called only between kmin and kmax).
    template <class Draw>
    bool MarkWith(uint64_t queueBytes, Draw draw) const
    {
        if (queueBytes <= kminBytes)
        {
            return false;
        }
        if (queueBytes > kmaxBytes)
        {
            return true;
        }
        double p = pmax * double(queueBytes - kminBytes) / double(kmaxBytes - kminBytes);
        return draw() < p;
    }
};

/// ECN thresholds per egress link rate, as the reference's KMIN_MAP/KMAX_MAP/PMAX_MAP. Text form
/// (the attribute value): "<Gb/s>:<Kmin bytes>:<Kmax bytes>:<Pmax>" entries separated by commas,
/// e.g. "25:100000:400000:0.2,100:400000:1600000:0.2"; "" = no map. A port uses the entry of the
/// highest rate not above its own (a port slower than every entry uses the slowest entry).
class EcnRateMap
{
  public:
    /// Parse the text form; false (and `error` set) if it is malformed.
    bool Parse(const std::string& text, std::string* error);
    /// The curve for a port of `gbps`; nullptr if the map is empty.
    const EcnThreshold* Lookup(double gbps) const;
    bool Empty() const
    {
        return m_entries.empty();
    }
    const std::vector<EcnThreshold>& Entries() const
    {
        return m_entries;
    }

  private:
    std::vector<EcnThreshold> m_entries;  // ascending gbps, distinct
};

/// The curve a CP marks with at a port of `gbps`: the per-rate map's entry, else the single
/// KminBytes/KmaxBytes/Pmax values. The last map lookup is kept (ports of one rate dominate).
class EcnCurveCache
{
  public:
    const EcnThreshold& Get(const EcnRateMap& map, double gbps, uint64_t kmin, uint64_t kmax, double pmax)
    {
        if (map.Empty())
        {
            m_single = {gbps, kmin, kmax, pmax};
            return m_single;
        }
        if (gbps != m_cachedGbps)
        {
            m_cached = map.Lookup(gbps);
            m_cachedGbps = gbps;
        }
        return *m_cached;
    }

  private:
    EcnThreshold m_single;
    double m_cachedGbps{-1};
    const EcnThreshold* m_cached{nullptr};
};

std::ostream& operator<<(std::ostream& os, const EcnRateMap& map);
std::istream& operator>>(std::istream& is, EcnRateMap& map);
ATTRIBUTE_HELPER_HEADER(EcnRateMap);

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
    // DecreaseOnTimer (the reference's Mellanox variant): a periodic check cuts if a CNP came
    EventId decreaseTimer;
    bool decreaseCnp{false};
    bool cnpEver{false};
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
    bool DrawsForAcks() const override
    {
        return m_drawStreamBase >= 0;
    }
    bool ShouldNotify(Time now, Time lastNotify, bool first) const override;
    std::unique_ptr<CcState> Start(QueuePair& qp) override;
    CcDecision OnCnp(QueuePair& qp) override;
    CcDecision OnSent(QueuePair& qp, uint32_t bytes) override;
    CcDecision OnTimer(QueuePair& qp, uint32_t timer) override;
    void Stop(QueuePair& qp) override;
    int64_t AssignStreams(int64_t stream) override;
    std::string StatsJson() const override;

  private:
    static constexpr uint32_t kAlphaTimer = 0;
    static constexpr uint32_t kIncreaseTimer = 1;
    static constexpr uint32_t kDecreaseTimer = 2;  // DecreaseOnTimer
    /// Cut the rate once (target clamp, stage reset, increase timer restarted).
    CcDecision Cut(QueuePair& qp, DcqcnState& s);

    /// One rate-increase event from `rateGbps`: the new rate (target updated in `s`).
    double Increase(const QueuePair& qp, DcqcnState& s, double rateGbps);

    Ptr<UniformRandomVariable> m_rng;
    EcnRateMap m_ecnByRate;
    EcnCurveCache m_curve;
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
    bool m_hyperGrows;
    bool m_decreaseOnTimer{false};
    int64_t m_drawStreamBase{-1};  // "FreshStreamPerDraw"
    uint64_t m_draws{0};

    // counters for the telemetry (congestion_control_stats)
    uint64_t m_cnps{0};
    uint64_t m_cuts{0};
    uint64_t m_cutsToMinRate{0};
    uint64_t m_fastRecoverySteps{0};
    uint64_t m_additiveSteps{0};
    uint64_t m_hyperSteps{0};
    double m_minRateSeenGbps{-1};
};

} // namespace fabric
} // namespace ns3

#endif
