// RDMA NIC (RoCEv2 or IB HCA): queue pairs, MTU segmentation, pacing at the QP rate,
// cumulative ACKs with coalescing, NACK + go-back-N, retransmission timeout, CNP generation
// (notification point), and relaying of transit traffic for switchless host fabrics.
#ifndef ASTRASIM_RDMA_NIC_H
#define ASTRASIM_RDMA_NIC_H

#include "fabric-device.h"
#include "queue-pair.h"

#include <vector>

namespace ns3
{
namespace fabric
{

class RdmaNic : public FabricDevice, public CcSender
{
  public:
    static TypeId GetTypeId();

    /// Signature of the "Timeout" trace source: the QP's index.
    typedef void (*QpTracedCallback)(uint32_t qp);

    bool IsSwitch() const override
    {
        return false;
    }

    Time IngressDelay() const override
    {
        return m_processingDelay;
    }

    void Receive(uint32_t port, FabricPacket* pkt) override;

    /// Start (or continue) sending on `qp` after new bytes were queued.
    void Activate(QueuePair* qp);

    /// Re-evaluate pacing after a CC rate change.
    void RateChanged(QueuePair* qp);

    /// CcSender: take the policy's new rate and/or window for `qp`, then re-evaluate pacing.
    void ApplyCc(QueuePair& qp, const CcDecision& decision) override;

    void InitPorts();

  protected:
    FabricPacket* Dequeue(uint32_t port) override;
    bool HasPendingData(uint32_t port) const override
    {
        return !m_active[port].empty();
    }

  private:
    FabricPacket* NextData(uint32_t port);
    /// ReferenceQpOrder: the reference's RdmaEgressQueue::GetNextQindex (rdma-nic-ref.cc).
    FabricPacket* ReferenceNextData(uint32_t port);
    void ReferenceList(QueuePair* qp);
    void ReferenceCompact(uint32_t port, uint32_t firstFinished, int& chosen);
    void ReferenceWake(uint32_t port, Time now);
    /// The SL the flow control's VL arbitration picks on `port` (-1 = any).
    int ArbitrateSl(uint32_t port, uint32_t header, Time now);
    /// qp's next data packet (sender state, CC byte counter, RTO updated).
    FabricPacket* SendNextPacket(QueuePair& qp, uint32_t port, uint32_t header, Time now);
    /// Round robin past the QP at `idx` of n; a QP with nothing left leaves the list.
    void AdvanceRoundRobin(uint32_t port, uint32_t idx, uint32_t n);
    /// The port's wake-up at `earliest` (kept if an earlier one is pending).
    void WakeAt(uint32_t port, Time earliest, Time now);
    void Wake(uint32_t port);
    void OnData(uint32_t port, FabricPacket* pkt);
    /// A marked data packet arrived: a CNP (or the ACK's flag) if the policy notifies now.
    void NotifyCongestion(QueuePair& qp, Time now);
    /// Accept in-order bytes [seq, seq+payload) and everything buffered right behind them.
    void DeliverInOrder(QueuePair& qp, uint32_t payload, bool last, uint64_t messageId,
                        FabricPacket* echo);
    void OnAck(FabricPacket* pkt);
    /// The cumulative ACK moved sndUna to `seq`: drop the covered messages (their ids into
    /// `acked` when completion is at the ACK).
    void AdvanceUna(QueuePair* qp, uint64_t seq, std::vector<uint64_t>& acked);
    /// Hand the ACK (RTT, ECN echo, INT) to the congestion control and apply its decision.
    void ReportAck(QueuePair* qp, const FabricPacket& pkt, uint64_t newlyAcked, bool nack);
    /// Everything enqueued is acknowledged: stop the RTO and the QP's congestion control.
    void RetireAcked(QueuePair* qp);
    /// Send an ACK/NACK/CNP for `qp`; an ACK/NACK echoes `echo`'s send time, ECN and INT.
    void SendControl(PacketKind kind, QueuePair& qp, uint64_t seq, const FabricPacket* echo = nullptr);
    void ArmRto(QueuePair* qp);
    void RtoFired(QueuePair* qp);
    void Forward(uint32_t inPort, FabricPacket* pkt);

    TracedCallback<uint32_t, const FabricPacket&> m_dataTxTrace;     // "DataTx"
    TracedCallback<uint32_t, const FabricPacket&> m_controlTxTrace;  // "ControlTx"
    TracedCallback<uint32_t> m_timeoutTrace;                         // "Timeout" (QP index)

    std::vector<std::vector<QueuePair*>> m_active;  // per port, round robin
    std::vector<uint32_t> m_rr;
    std::vector<EventId> m_wake;
    Time m_processingDelay;
    bool m_outOfOrderReceive{false};
    bool m_arbitrateSl{true};  // until the flow control says it has no SL arbitration
    bool m_referenceWakeup{false};                  // "ReferenceWakeup"
    std::vector<std::vector<QueuePair*>> m_unacked;  // per port: QPs sent on, not fully ACKed
    bool m_referenceQpOrder{false};                 // "ReferenceQpOrder"
    std::vector<std::vector<QueuePair*>> m_refQps;  // per port: unfinished QPs, creation order
    std::vector<uint32_t> m_refLast;                // per port: list index of the last QP served
};

} // namespace fabric
} // namespace ns3

#endif
