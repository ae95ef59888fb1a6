// Base of every fabric node (RDMA NIC or switch): ports on full-duplex links, transmission
// with store-and-forward serialization, and per-priority pause state that link-level flow
// control drives.
#ifndef ASTRASIM_FABRIC_DEVICE_H
#define ASTRASIM_FABRIC_DEVICE_H

#include "../congestion/port-view.h"
#include "fabric-event.h"
#include "fabric-packet.h"
#include "pcap-writer.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/simulator.h"
#include "ns3/traced-callback.h"

#include <array>
#include <deque>
#include <memory>

namespace ns3
{
namespace fabric
{

class FabricDevice;
class FabricNetwork;

/// One egress side of a full-duplex link, owned by the transmitting device. Policies see it
/// only as a PortView.
struct FabricPort : public PortView
{
    FabricDevice* owner{nullptr};
    uint32_t index{0};
    FabricDevice* peer{nullptr};
    uint32_t peerPort{0};
    double gbps{100.0};
    Time latency;
    uint32_t linkId{0};
    int64_t txGranularityPs{1};  // serialization rounded to this (1000 = whole ns, the reference)

    std::array<std::deque<FabricPacket*>, kNumPriorities> queues;
    std::array<uint64_t, kNumPriorities> queueBytes{};
    uint32_t rrNext{1};
    // The transmitter is busy until this time. Its wake-up event exists only while frames may
    // be waiting, so an idle port costs no event when its frame ends.
    Time busyUntil;
    bool wakePending{false};
    // Frames on the wire toward the peer, in arrival order (a link is FIFO with a fixed delay):
    // one scheduled event per port instead of one per frame keeps the event set small.
    std::deque<std::pair<Time, FabricPacket*>> inFlight;

    // Pause state set by the peer's flow control (PFC quanta expire unless refreshed).
    std::array<Time, kNumPriorities> pausedUntil{};
    std::array<Time, kNumPriorities> pauseStart{};
    std::array<bool, kNumPriorities> pauseOpen{};
    std::array<EventId, kNumPriorities> pauseExpiry{};

    // Optional capture of frames sent on this port.
    std::shared_ptr<PcapWriter> pcap;

    // Port state the policies read (PortView) and the telemetry reports; event counts (frames,
    // marks, drops) are trace sources of the device, counted by FabricCounters.
    uint64_t txBytes{0};
    int64_t pausedPs{0};
    uint64_t maxQueueBytes{0};

    /// Serialization time of `bytes` on this link.
    Time TxTime(uint32_t bytes) const
    {
        int64_t ps = static_cast<int64_t>(bytes * 8000.0 / gbps + 0.5);
        if (txGranularityPs > 1)
        {
            ps = (ps + txGranularityPs / 2) / txGranularityPs * txGranularityPs;
        }
        return PicoSeconds(ps);
    }

    bool IsPaused(uint32_t prio) const
    {
        return pausedUntil[prio] > Simulator::Now();
    }

    bool IsBusy() const
    {
        return busyUntil > Simulator::Now();
    }

    uint64_t TotalQueueBytes() const
    {
        uint64_t s = 0;
        for (auto b : queueBytes)
        {
            s += b;
        }
        return s;
    }

    // PortView
    uint32_t NodeId() const override;
    uint32_t PortIndex() const override
    {
        return index;
    }
    double LinkGbps() const override
    {
        return gbps;
    }
    uint64_t QueuedBytes(uint32_t prio) const override
    {
        return queueBytes[prio];
    }
    uint64_t QueuedBytesTotal() const override
    {
        return TotalQueueBytes();
    }
    uint64_t TransmittedBytes() const override
    {
        return txBytes;
    }
    bool WaitedForPeer(uint32_t prio) const override;
};

class FabricDevice : public Object
{
  public:
    static TypeId GetTypeId();

    /// Signature of the per-packet trace sources: (port index, packet).
    typedef void (*PacketTracedCallback)(uint32_t port, const FabricPacket& pkt);
    ~FabricDevice() override;

    uint32_t GetNodeId() const
    {
        return m_nodeId;
    }

    virtual bool IsSwitch() const = 0;

    /// Extra delay between a packet's last bit arriving and the device acting on it.
    virtual Time IngressDelay() const
    {
        return Time(0);
    }

    /// Bytes of a frame this device must receive before it acts on it: 0 = the whole frame
    /// (store and forward); otherwise cut-through after that many header bytes.
    virtual uint32_t CutThroughBytes() const
    {
        return 0;
    }

    /// Fastest link rate among this device's ports (cut-through must not let a faster egress
    /// finish a frame before its tail arrived).
    double FastestPortGbps()
    {
        if (m_fastestGbps <= 0)
        {
            for (const auto& p : m_ports)
            {
                m_fastestGbps = std::max(m_fastestGbps, p.gbps);
            }
        }
        return m_fastestGbps;
    }

    /// A packet has fully arrived on port `port` (store and forward).
    virtual void Receive(uint32_t port, FabricPacket* pkt) = 0;

    /// Start transmitting on `port` if it is idle and something is eligible.
    void TryTransmit(uint32_t port);

    /// Queue a packet on a port's priority queue (no MMU) and kick the transmitter.
    void EnqueueControl(uint32_t port, FabricPacket* pkt);

    /// Send a link-level flow-control frame (PacketKind::Pause) to the peer on `port`:
    /// PFC pause of `prio` for `quanta` (0 = resume), or an IB credit update of VL `prio`
    /// carrying `seq` (FCCL).
    void SendFlowControlFrame(uint32_t port, uint8_t prio, uint16_t quanta, uint64_t seq = 0);

    /// A model invariant broke: stop the run with `reason`.
    void Fail(const std::string& reason);

    /// Pause priority `prio` of `port` for `duration` (0 = resume now).
    void SetPause(uint32_t port, uint32_t prio, Time duration);

    /// Close open pause intervals into the per-port counters (end of run).
    void FinalizePauseAccounting();

    std::vector<FabricPort>& Ports()
    {
        return m_ports;
    }

    FabricNetwork* Net() const
    {
        return m_net;
    }

    void Setup(FabricNetwork* net, uint32_t nodeId)
    {
        m_net = net;
        m_nodeId = nodeId;
    }

  protected:
    /// Pick the next packet to serialize on `port`, or nullptr (device-specific policy).
    virtual FabricPacket* Dequeue(uint32_t port) = 0;
    /// True when something besides the port's queues may be waiting to go out (NIC data).
    virtual bool HasPendingData(uint32_t port) const
    {
        return false;
    }
    /// Called after a packet left `port` (MMU release, counters).
    virtual void OnTransmitted(uint32_t port, FabricPacket* pkt);

    /// Round-robin over data priorities 1..7 of `port`'s queues, skipping paused ones.
    FabricPacket* DequeueFromQueues(uint32_t port);

    FabricNetwork* m_net{nullptr};
    uint32_t m_nodeId{0};
    std::vector<FabricPort> m_ports;
    double m_fastestGbps{0};

    TracedCallback<uint32_t, const FabricPacket&> m_txTrace;     // "Tx": a frame starts on a port
    TracedCallback<uint32_t, const FabricPacket&> m_fcRxTrace;   // "FlowControlRx"

  private:
    void TransmitDone(uint32_t port);
    void Deliver(uint32_t port);
    void PauseExpired(uint32_t port, uint32_t prio);
    void ClosePause(FabricPort& p, uint32_t prio, Time end);
};

} // namespace fabric
} // namespace ns3

#endif
