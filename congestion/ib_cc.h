// InfiniBand congestion control (IBA Annex A10). Congestion point: a switch sets FECN on a
// data packet leaving an egress VL queue above a threshold. Notification point: the
// destination HCA returns a BECN (a CNP-kind packet) to the source QP. Reaction point: the
// QP raises its congestion-control table index (CCTI) by CctiIncrease up to CctiLimit; the
// table entry at CCTI is an inter-packet delay the QP inserts after every packet; a
// CCTI_Timer lowers the index by one each period down to CctiMin.
#ifndef ASTRASIM_IB_CC_H
#define ASTRASIM_IB_CC_H

#include "congestion-control.h"

#include "ns3/event-id.h"

#include <map>

namespace ns3
{
namespace fabric
{

struct IbCcState : public CcState
{
    uint32_t ccti{0};
    EventId timer;
};

class IbCongestionControl : public CongestionControl
{
  public:
    static TypeId GetTypeId();

    std::string Name() const override
    {
        return "ib_cc";
    }

    bool MarkAtEgress(uint64_t queueBytes, double gbps) override;
    /// Roots only: a port whose packet waited for credits is a victim and marks only with
    /// VictimMask (A10 Victim_Mask).
    bool MarkAtPort(const PortView& port, uint32_t prio, uint64_t queueBytes) override;
    bool ShouldNotify(Time now, Time lastNotify, bool first) const override;
    std::unique_ptr<CcState> Start(QueuePair& qp) override;
    CcDecision OnCnp(QueuePair& qp) override;
    CcDecision OnTimer(QueuePair& qp, uint32_t timer) override;
    void Stop(QueuePair& qp) override;
    std::string StatsJson() const override;

    /// Inter-packet delay of CCT entry `ccti` (linear table: ccti x CctStepNs).
    Time InterPacketDelay(uint32_t ccti) const
    {
        return m_cctStep * static_cast<int64_t>(ccti);
    }

  private:
    /// The rate of CCT entry `ccti` for `qp`.
    CcDecision RateOf(const QueuePair& qp, uint32_t ccti) const;
    /// Marking_Rate: true for every MarkingRate-th eligible packet counted in `counter`.
    bool Eligible(uint64_t& counter);

    uint64_t m_thresholdBytes;
    bool m_victimMask;
    uint32_t m_markingRate;
    Time m_minBecnInterval;
    uint32_t m_cctiIncrease;
    uint32_t m_cctiLimit;
    uint32_t m_cctiMin;
    Time m_cctiTimer;
    Time m_cctStep;
    uint32_t m_referencePacketBytes;

    uint64_t m_eligible{0};
    uint64_t m_aboveThreshold{0};
    std::map<uint64_t, uint64_t> m_eligibleByPort;
    uint64_t m_fecn{0};
    uint64_t m_victimSkips{0};
    uint64_t m_becn{0};
    uint64_t m_increases{0};
    uint64_t m_decreases{0};
    uint32_t m_maxCcti{0};
};

} // namespace fabric
} // namespace ns3

#endif
