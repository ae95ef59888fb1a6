// The fabric as the devices see it: transport attributes, the policies, packets, message
// bookkeeping and run control. Its parts live in their own file pairs: the devices and links
// (fabric-topology), routes (fabric-routing), queue pairs (qp-table), telemetry
// (fabric-telemetry) and the no-progress watchdog (progress-meter).
#ifndef ASTRASIM_FABRIC_NETWORK_H
#define ASTRASIM_FABRIC_NETWORK_H

#include "../congestion/congestion-control.h"
#include "../congestion/flow-control.h"
#include "fabric-counters.h"
#include "fabric-device.h"
#include "fabric-routing.h"
#include "fabric-switch.h"
#include "fabric-telemetry.h"
#include "fabric-topology.h"
#include "progress-meter.h"
#include "qp-table.h"
#include "queue-pair.h"
#include "rdma-nic.h"

#include "ns3/random-variable-stream.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ns3
{
namespace fabric
{

/// When a message counts as delivered (both the send and the receive handler fire then).
enum class CompletionMode : uint8_t
{
    LastByte = 0,  // its last byte reaches the receiver (ASTRA-sim's callback semantics)
    Ack = 1,       // the ACK covering its last byte reaches the sender (the ns-3 reference)
};

/// Which hash picks among equal-cost next hops at switches.
enum class EcmpHashMode : uint8_t
{
    Fabric = 0,     // our per-flow hash, mixed with the run seed
    Reference = 1,  // the reference's Murmur3 over (sip, dip, sport | dport << 16)
};

class FabricNetwork : public Object
{
  public:
    static TypeId GetTypeId();
    FabricNetwork();
    ~FabricNetwork() override;

    // ---- construction ----
    void Build(uint32_t numHosts,
               uint32_t numSwitches,
               bool hostsForward,
               Ptr<FlowControl> fc,
               Ptr<CongestionControl> cc,
               ObjectFactory switchFactory,
               ObjectFactory nicFactory);
    void AddLink(uint32_t a, uint32_t b, double gbps, uint64_t latencyNs);
    /// Compute routes once all links exist; returns "" or an error message.
    std::string Finalize(uint32_t seed);

    // ---- traffic ----
    uint64_t Send(uint32_t src, uint32_t dst, uint64_t bytes, uint32_t stream);

    // ---- called by devices ----
    /// Egress port on node `node` toward host `dst` for a flow hash.
    uint32_t Route(uint32_t node, uint32_t dst, uint32_t flowHash) const
    {
        return m_routing.Route(node, dst, flowHash);
    }
    /// ECMP egress for a packet: Route() by its flow hash, or the reference's hash (EcmpHash).
    uint32_t RoutePacket(uint32_t node, const FabricPacket& pkt) const
    {
        return m_referenceEcmp ? m_routing.ReferenceRoute(node, pkt, m_qps.Get(pkt.qp)->sport)
                               : m_routing.Route(node, pkt.dst, pkt.flowHash);
    }
    /// All egress ports of `node` on shortest paths toward host `dst` (adaptive routing).
    const std::vector<uint32_t>& Candidates(uint32_t node, uint32_t dst) const
    {
        return m_routing.Candidates(node, dst);
    }
    FabricPacket* NewPacket()
    {
        FabricPacket* p = m_pool.Alloc();
        p->uid = ++m_uid;
        return p;
    }
    void FreePacket(FabricPacket* p)
    {
        m_pool.Free(p);
    }
    QueuePair* Qp(uint32_t i)
    {
        return m_qps.Get(i);
    }
    const QpTable& QueuePairs() const
    {
        return m_qps;
    }
    FlowControl& Fc()
    {
        return *m_fc;
    }
    CongestionControl& Cc()
    {
        return *m_cc;
    }
    /// The CC's per-packet header bytes and INT request, read once at Build (hot path).
    uint32_t CcHeaderBytes() const
    {
        return m_ccHeaderBytes;
    }
    bool CcStampsInt() const
    {
        return m_ccStampsInt;
    }
    double Uniform()
    {
        return m_rng->GetValue();
    }
    void MessageDelivered(uint64_t messageId, uint64_t bytes);
    void BytesDelivered(uint64_t bytes)
    {
        m_deliveredBytes += bytes;
        m_progress.Tick();
    }
    // The stderr progress line of long runs (off unless enabled; never changes a result).
    ProgressMeter& Progress()
    {
        return m_progress;
    }

    // Fabric-wide packet parameters (attributes).
    uint32_t MtuBytes() const
    {
        return m_mtu;
    }
    uint32_t DataHeaderBytes() const
    {
        return m_dataHeader + m_wireOverhead;
    }
    uint32_t RawDataHeaderBytes() const
    {
        return m_dataHeader;
    }
    uint32_t ControlBytes(PacketKind k) const;
    /// Capture frames sent on (node, port) into a pcap file; "" or an error.
    std::string EnablePcap(uint32_t node, uint32_t port, const std::string& path)
    {
        return m_topology.EnablePcap(node, port, path);
    }
    uint32_t AckIntervalPackets() const
    {
        return m_ackInterval;
    }
    Time RetransmitTimeout() const
    {
        return m_rto;
    }
    Time NackInterval() const
    {
        return m_nackInterval;
    }
    uint64_t WindowBytes() const
    {
        return m_windowBytes;
    }
    uint8_t DataPriority() const
    {
        return m_dataPriority;
    }
    /// WindowScalesWithRate: after a CC rate change, qp.windowBytes := base x rate / line rate
    /// (at least 1 byte), base = the pair's BDP (BdpWindow) or WindowBytes.
    void ScaleWindowWithRate(QueuePair& qp) const;
    /// ReferenceQpStart: the two zero-delay hops before a new QP is handed to its NIC.
    void InitializeQp(uint32_t qp);
    void StartQp(uint32_t qp);
    /// ReferenceEventOrder: every frame schedules its transmit-end and its arrival when it starts.
    bool ReferenceEventOrder() const
    {
        return m_referenceEventOrder;
    }
    bool CompleteOnAck() const
    {
        return m_completion == CompletionMode::Ack;
    }
    /// Priority of ACK/NACK (and ACK-borne CNP flags) answering data of priority `dataPrio`.
    uint8_t AckPriority(uint8_t dataPrio) const
    {
        return m_acksAtDataPriority ? dataPrio : kControlPriority;
    }
    bool CnpInAck() const
    {
        return m_cnpInAck;
    }
    /// Serialization or pacing time of `bytes` at `gbps`, rounded to SerializationGranularityPs.
    Time WireTime(uint32_t bytes, double gbps) const
    {
        int64_t ps = static_cast<int64_t>(bytes * 8000.0 / gbps + 0.5);
        if (m_txGranularityPs > 1)
        {
            ps = (ps + m_txGranularityPs / 2) / m_txGranularityPs * m_txGranularityPs;
        }
        return PicoSeconds(ps);
    }

    /// The telemetry's counters, fed by the devices' trace sources.
    const FabricCounters& Counters() const
    {
        return m_counters;
    }

    // ---- run control ----
    /// Handler for completions: (kind 0 = scheduled event, 1 = message delivered, id).
    void SetHandler(std::function<void(int, uint64_t)> h)
    {
        m_handler = std::move(h);
    }
    void ScheduleUserEvent(uint64_t delayNs, uint64_t id);
    /// Run; returns "" or a description of why progress stopped.
    std::string Run();
    void Abort()
    {
        m_aborted = true;
        Simulator::Stop();
    }
    /// A model invariant broke (e.g. a lossless buffer overflowed): stop; Run returns `reason`.
    void Fail(const std::string& reason)
    {
        if (m_stallReason.empty())
        {
            m_stallReason = reason;
        }
        Simulator::Stop();
    }
    /// The watchdog saw no progress: stop; Run returns `reason`.
    void Stalled(const std::string& reason)
    {
        m_stallReason = reason;
        Simulator::Stop();
    }
    /// Time of the last user-visible event (message delivery or scheduled event): the
    /// simulated end of a run, unaffected by trailing ACKs and idle timers.
    Time LastActivity() const
    {
        return m_lastActivity;
    }

    bool Running() const
    {
        return m_running;
    }

    uint64_t Outstanding() const
    {
        return m_outstanding;
    }
    uint64_t DeliveredBytes() const
    {
        return m_deliveredBytes;
    }
    uint64_t DeliveredMessages() const
    {
        return m_deliveredMessages;
    }
    std::string TelemetryJson();
    std::string TimeSeriesJson() const
    {
        return m_telemetry.TimeSeriesJson();
    }
    const std::vector<LinkRecord>& Links() const
    {
        return m_topology.Links();
    }
    std::vector<Ptr<FabricDevice>>& Devices()
    {
        return m_topology.Devices();
    }
    const std::vector<Ptr<FabricDevice>>& Devices() const
    {
        return m_topology.Devices();
    }

  private:
    /// A QP's window at line rate: the pair's BDP (BdpWindow) or WindowBytes (0 = none).
    uint64_t BaseWindow(const QueuePair& qp) const
    {
        return qp.bdpBytes ? qp.bdpBytes : m_windowBytes;
    }
    /// Unloaded round trip of a full data frame from `src` to `dst` and its ACK back.
    Time BaseRtt(uint32_t src, uint32_t dst, uint32_t flowHash) const;
    /// SlByStream's text as service levels; "" or why an entry is not one.
    std::string ParseSlByStream();
    /// The QP of (src, dst, stream) (a new one per message with QpPerMessage).
    QueuePair* QueuePairFor(uint32_t src, uint32_t dst, uint32_t stream);
    QueuePair* OpenQueuePair(uint32_t src, uint32_t dst, uint32_t stream);
    void FireUser(uint64_t id);

    FabricTopology m_topology;
    RoutingTable m_routing;
    QpTable m_qps;
    FabricTelemetry m_telemetry{this};
    StallWatchdog m_watchdog{this};
    uint32_t m_numHosts{0};
    bool m_hostsForward{false};
    Ptr<FlowControl> m_fc;
    Ptr<CongestionControl> m_cc;
    uint32_t m_ccHeaderBytes{0};
    bool m_ccStampsInt{false};
    Ptr<UniformRandomVariable> m_rng;
    FabricCounters m_counters;
    PacketPool m_pool;
    uint64_t m_uid{0};
    uint64_t m_nextMessage{0};

    std::function<void(int, uint64_t)> m_handler;
    uint64_t m_outstanding{0};
    uint64_t m_deliveredBytes{0};
    uint64_t m_deliveredMessages{0};
    bool m_aborted{false};
    bool m_running{false};
    Time m_lastActivity;
    std::string m_stallReason;
    ProgressMeter m_progress;

    // attributes
    uint32_t m_mtu;
    uint32_t m_dataHeader;
    uint32_t m_ackBytes;
    uint32_t m_cnpBytes;
    uint32_t m_pauseBytes;
    uint32_t m_wireOverhead;
    uint32_t m_ackInterval;
    Time m_rto;
    Time m_nackInterval;
    uint64_t m_windowBytes;
    uint8_t m_dataPriority;
    std::string m_slByStreamText;
    std::vector<uint8_t> m_slByStream;
    Time m_stallTimeout;
    Time m_sampleInterval;
    // reference-compatibility switches (astrasim_ns3_compat)
    CompletionMode m_completion{CompletionMode::LastByte};
    bool m_qpPerMessage{false};
    bool m_referenceEcmp{false};
    EcmpHashMode m_ecmpMode{EcmpHashMode::Fabric};
    bool m_ecmpRunSeed{false};
    bool m_referenceEventOrder{false};
    bool m_referenceQpStart{false};
    bool m_acksAtDataPriority{false};
    bool m_cnpInAck{false};
    bool m_bdpWindow{false};
    bool m_windowScalesWithRate{false};
    uint32_t m_txGranularityPs{1};
};

} // namespace fabric
} // namespace ns3

#endif
