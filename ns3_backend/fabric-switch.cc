#include "fabric-switch.h"

#include "time-attribute.h"
#include "fabric-network.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("FabricSwitch");
NS_OBJECT_ENSURE_REGISTERED(FabricSwitch);

void
SharedBufferMmu::Init(uint32_t ports)
{
    numPorts = ports;
    ingress.assign(ports, {});
    headroom.assign(ports, {});
    headroomTotal = headroomPerPort * ports;
    if (!portHeadroom.empty())
    {
        headroomTotal = 0;
        for (uint64_t h : portHeadroom)
        {
            headroomTotal += h;
        }
    }
}

int64_t
SharedBufferMmu::Threshold() const
{
    if (!dynamic)
    {
        return static_cast<int64_t>(staticThresholdBytes);
    }
    int64_t free = static_cast<int64_t>(bufferBytes) -
                   static_cast<int64_t>(headroomTotal) -
                   static_cast<int64_t>(reservedPerQueue * numPorts) -
                   static_cast<int64_t>(sharedUsed);
    return free > 0 ? static_cast<int64_t>(alpha * free) : 0;
}

bool
SharedBufferMmu::Admit(uint32_t port, uint32_t prio, uint32_t bytes, bool useHeadroom)
{
    if (totalUsed + bytes > bufferBytes)
    {
        return false;
    }
    uint64_t before = SharedOf(port, prio);
    uint64_t held = ingress[port][prio] - headroom[port][prio] + bytes;
    bool fitsShared = held <= reservedPerQueue ||
                      static_cast<int64_t>(held - reservedPerQueue) <= Threshold();
    if (fitsShared)
    {
        ingress[port][prio] += bytes;
    }
    else if (useHeadroom && headroom[port][prio] + bytes <= HeadroomOf(port))
    {
        ingress[port][prio] += bytes;
        headroom[port][prio] += bytes;
    }
    else
    {
        return false;
    }
    sharedUsed += SharedOf(port, prio) - before;
    totalUsed += bytes;
    maxTotalUsed = std::max(maxTotalUsed, totalUsed);
    return true;
}

void
SharedBufferMmu::Account(uint32_t port, uint32_t prio, uint32_t bytes)
{
    uint64_t before = SharedOf(port, prio);
    ingress[port][prio] += bytes;
    sharedUsed += SharedOf(port, prio) - before;
    totalUsed += bytes;
    maxTotalUsed = std::max(maxTotalUsed, totalUsed);
}

void
SharedBufferMmu::Release(uint32_t port, uint32_t prio, uint32_t bytes)
{
    uint64_t before = SharedOf(port, prio);
    ingress[port][prio] -= bytes;
    uint64_t fromHeadroom = std::min<uint64_t>(headroom[port][prio], bytes);
    headroom[port][prio] -= fromHeadroom;
    sharedUsed = sharedUsed + SharedOf(port, prio) - before;
    totalUsed -= bytes;
}

TypeId
FabricSwitch::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::FabricSwitch")
            .SetParent<FabricDevice>()
            .SetGroupName("Fabric")
            .AddConstructor<FabricSwitch>()
            .AddAttribute("ForwardingDelayNs",
                          "Fixed delay from a packet's last bit in to its enqueue at egress [ns]. "
                          "Default 0 (as the reference).",
                          DoubleValue(0),
                          MakeTimeInUnitAccessor(&FabricSwitch::m_forwardingDelay, Time::NS),
                          MakeTimeInUnitChecker(Time::NS))
            .AddAttribute("BufferBytes",
                          "Shared packet buffer of the switch [bytes]. Default 32 MiB.",
                          UintegerValue(32 * 1024 * 1024),
                          MakeUintegerAccessor(&FabricSwitch::m_bufferBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("ReservedBytesPerQueue",
                          "Guaranteed bytes per (ingress port, priority) [bytes]. Default 4096.",
                          UintegerValue(4096),
                          MakeUintegerAccessor(&FabricSwitch::m_reservedBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("HeadroomBytes",
                          "PFC headroom per ingress port [bytes]; 0 = HeadroomFactor x rate x "
                          "latency + 2 MTU frames. Default 0 (auto).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&FabricSwitch::m_headroomBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("HeadroomFactor",
                          "Multiplier of the one-way bandwidth-delay product for automatic "
                          "headroom [1]. Default 3 (reference).",
                          DoubleValue(3.0),
                          MakeDoubleAccessor(&FabricSwitch::m_headroomFactor),
                          MakeDoubleChecker<double>(0.0))
            .AddAttribute("HeadroomPerPort",
                          "Automatic headroom per port from that port's own rate and latency: "
                          "HeadroomFactor x rate x latency / 8, no frame slack (the reference); "
                          "false = every port gets the largest port's value + 2 MTU frames. "
                          "Real switches size headroom per port from cable length and speed "
                          "[bool]. Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&FabricSwitch::m_headroomPerPort),
                          MakeBooleanChecker())
            .AddAttribute("CutThroughBytes",
                          "Cut-through forwarding: act on a frame once this many bytes arrived "
                          "(IB switches: the routing header); 0 = store and forward [bytes]. "
                          "Default 0. Approximation: a faster egress than ingress may finish "
                          "before the tail arrives.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&FabricSwitch::m_cutThroughBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Routing",
                          "Choice among minimal-path egress ports: ecmp (per-flow hash), dmodk "
                          "(destination modulo port count: IB linear forwarding table) or adaptive "
                          "(per data packet, least queued bytes; ties by dmodk) [mode]. "
                          "Default ecmp.",
                          EnumValue<RoutingMode>(RoutingMode::Ecmp),
                          MakeEnumAccessor<RoutingMode>(&FabricSwitch::m_routing),
                          MakeEnumChecker(RoutingMode::Ecmp, "ecmp", RoutingMode::DestModK, "dmodk",
                                          RoutingMode::Adaptive, "adaptive"))
            .AddTraceSource("Drop", "A data packet found no room in the buffer (egress port it "
                            "was routed to).",
                            MakeTraceSourceAccessor(&FabricSwitch::m_dropTrace),
                            "ns3::fabric::FabricDevice::PacketTracedCallback")
            .AddTraceSource("EcnMark", "A data packet leaving a port was CE/FECN-marked.",
                            MakeTraceSourceAccessor(&FabricSwitch::m_ecnTrace),
                            "ns3::fabric::FabricDevice::PacketTracedCallback");
    return tid;
}

void
FabricSwitch::InitBuffers()
{
    uint32_t n = m_ports.size();
    m_mmu.bufferBytes = m_bufferBytes;
    m_mmu.reservedPerQueue = m_reservedBytes;
    uint64_t headroom = m_headroomBytes;
    if (headroom == 0)
    {
        for (auto& p : m_ports)
        {
            double bdp = p.gbps * p.latency.GetNanoSeconds() / 8.0;
            uint64_t h = static_cast<uint64_t>(m_headroomFactor * bdp) +
                         2 * (m_net->MtuBytes() + m_net->DataHeaderBytes());
            headroom = std::max(headroom, h);
        }
    }
    m_mmu.headroomPerPort = headroom;
    const FlowControl& fc = m_net->Fc();
    m_mmu.dynamic = fc.DynamicThreshold();
    m_mmu.alpha = fc.ThresholdAlpha();
    m_mmu.staticThresholdBytes = fc.StaticThresholdBytes();
    m_mmu.portHeadroom.clear();
    if (m_headroomPerPort && m_headroomBytes == 0)
    {
        // the reference: factor x rate x link delay / 8 for each port on its own, no frame slack
        for (auto& p : m_ports)
        {
            m_mmu.portHeadroom.push_back(
                static_cast<uint64_t>(m_headroomFactor * p.gbps * p.latency.GetNanoSeconds() / 8.0));
        }
    }
    m_mmu.Init(n);
}

void
FabricSwitch::Receive(uint32_t port, FabricPacket* pkt)
{
    if (pkt->kind == PacketKind::Pause)
    {
        m_fcRxTrace(port, *pkt);
        m_net->Fc().OnControlFrame(*this, port, *pkt);
        m_net->FreePacket(pkt);
        return;
    }
    uint32_t out = SelectEgress(*pkt);
    FabricPort& egress = m_ports[out];
    if (pkt->priority != kControlPriority)
    {
        if (!m_net->Fc().Admit(*this, port, pkt->priority, pkt->wireBytes))
        {
            m_dropTrace(out, *pkt);
            m_net->FreePacket(pkt);
            return;
        }
        pkt->ingressPort = port;
    }
    egress.queues[pkt->priority].push_back(pkt);
    egress.queueBytes[pkt->priority] += pkt->wireBytes;
    uint64_t q = egress.TotalQueueBytes();
    if (q > egress.maxQueueBytes)
    {
        egress.maxQueueBytes = q;
    }
    if (pkt->priority != kControlPriority)
    {
        m_net->Fc().AfterEnqueue(*this, port, pkt->priority);
    }
    TryTransmit(out);
}

uint32_t
FabricSwitch::SelectEgress(const FabricPacket& pkt) const
{
    if (m_routing == RoutingMode::Ecmp)
    {
        return m_net->RoutePacket(m_nodeId, pkt);
    }
    const std::vector<uint32_t>& ports = m_net->Candidates(m_nodeId, pkt.dst);
    uint32_t n = ports.size();
    if (n == 0)
    {
        return m_net->Route(m_nodeId, pkt.dst, pkt.flowHash);  // throws: no route
    }
    uint32_t first = pkt.dst % n;
    if (m_routing == RoutingMode::DestModK || n == 1 || pkt.kind != PacketKind::Data)
    {
        return ports[first];
    }
    // Adaptive: fewest queued bytes (an idle port before a busy one), scanning from the
    // deterministic choice so that ties keep the linear-forwarding-table port.
    uint32_t best = ports[first];
    uint64_t bestLoad = UINT64_MAX;
    for (uint32_t i = 0; i < n; ++i)
    {
        const FabricPort& p = m_ports[ports[(first + i) % n]];
        uint64_t load = 2 * p.TotalQueueBytes() + (p.IsBusy() ? 1 : 0);
        if (load < bestLoad)
        {
            bestLoad = load;
            best = p.index;
        }
    }
    return best;
}

FabricPacket*
FabricSwitch::Dequeue(uint32_t port)
{
    return DequeueFromQueues(port);
}

void
FabricSwitch::OnTransmitted(uint32_t port, FabricPacket* pkt)
{
    if (pkt->priority == kControlPriority)
    {
        return;
    }
    m_mmu.Release(pkt->ingressPort, pkt->priority, pkt->wireBytes);
    FabricPort& p = m_ports[port];
    CongestionControl& cc = m_net->Cc();
    if (pkt->kind == PacketKind::Data && cc.MarkAtPort(p, pkt->priority, p.queueBytes[pkt->priority]))
    {
        if (!pkt->ecnCe)
        {
            pkt->ecnCe = true;
            m_ecnTrace(port, *pkt);
        }
    }
    else if (pkt->kind != PacketKind::Data && cc.DrawsForAcks())
    {
        cc.MarkAtPort(p, pkt->priority, p.queueBytes[pkt->priority]);  // only its draw counts
    }
    if (pkt->kind == PacketKind::Data && m_net->CcStampsInt())
    {
        cc.StampAtEgress(p, pkt->intRecords);
    }
    m_net->Fc().AfterDequeue(*this, pkt->ingressPort, pkt->priority, pkt->wireBytes);
}

} // namespace fabric
} // namespace ns3
