#include "fabric-network.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <deque>
#include <sstream>
#include <stdexcept>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("FabricNetwork");
NS_OBJECT_ENSURE_REGISTERED(FabricNetwork);

TypeId
FabricNetwork::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::FabricNetwork")
            .SetParent<Object>()
            .SetGroupName("Fabric")
            .AddConstructor<FabricNetwork>()
            .AddAttribute("MtuBytes",
                          "RDMA path MTU: payload bytes per data packet [bytes]. Default 1000 "
                          "(reference PACKET_PAYLOAD_SIZE).",
                          UintegerValue(1000),
                          MakeUintegerAccessor(&FabricNetwork::m_mtu),
                          MakeUintegerChecker<uint32_t>(64, 65536))
            .AddAttribute("DataHeaderBytes",
                          "Per data packet header bytes: Ethernet 14 + IPv4 20 + UDP 8 + BTH 12 + "
                          "ICRC 4 + FCS 4 [bytes]. Default 62.",
                          UintegerValue(62),
                          MakeUintegerAccessor(&FabricNetwork::m_dataHeader),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("AckBytes",
                          "ACK/NACK frame: data headers + AETH 4 [bytes]. Default 66.",
                          UintegerValue(66),
                          MakeUintegerAccessor(&FabricNetwork::m_ackBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("CnpBytes",
                          "RoCEv2 CNP frame: headers + 16 reserved bytes [bytes]. Default 78.",
                          UintegerValue(78),
                          MakeUintegerAccessor(&FabricNetwork::m_cnpBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("PauseBytes",
                          "PFC (MAC control) frame [bytes]. Default 64.",
                          UintegerValue(64),
                          MakeUintegerAccessor(&FabricNetwork::m_pauseBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("PreambleIfgBytes",
                          "Preamble + SFD + inter-frame gap serialized with every frame [bytes]. "
                          "Default 20.",
                          UintegerValue(20),
                          MakeUintegerAccessor(&FabricNetwork::m_wireOverhead),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("AckIntervalPackets",
                          "Receiver sends a cumulative ACK every N in-order packets and on the "
                          "last packet of a message [packets]. Default 1.",
                          UintegerValue(1),
                          MakeUintegerAccessor(&FabricNetwork::m_ackInterval),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("RetransmitTimeoutUs",
                          "Go-back-N retransmission timeout without ACK progress [us]. "
                          "Default 1000 us.",
                          TimeValue(MicroSeconds(1000)),
                          MakeTimeAccessor(&FabricNetwork::m_rto),
                          MakeTimeChecker())
            .AddAttribute("NackIntervalUs",
                          "Minimum gap between NACKs for the same expected sequence [us]. "
                          "Default 500 us (reference).",
                          TimeValue(MicroSeconds(500)),
                          MakeTimeAccessor(&FabricNetwork::m_nackInterval),
                          MakeTimeChecker())
            .AddAttribute("WindowBytes",
                          "Per-QP limit on unacknowledged bytes; 0 = no window [bytes]. Default 0.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&FabricNetwork::m_windowBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("DataPriority",
                          "Priority (PFC class / IB SL) of RDMA data [1..7]. Default 3.",
                          UintegerValue(3),
                          MakeUintegerAccessor(&FabricNetwork::m_dataPriority),
                          MakeUintegerChecker<uint8_t>(1, 7))
            .AddAttribute("SlByStream",
                          "Priority / IB service level of a QP by its stream (message tag): "
                          "comma-separated list, stream s gets entry s mod length; empty = "
                          "DataPriority for all [SL 1..7]. Default empty.",
                          StringValue(""),
                          MakeStringAccessor(&FabricNetwork::m_slByStreamText),
                          MakeStringChecker())
            .AddAttribute("StallTimeoutUs",
                          "Raise an error when messages are outstanding but no byte was delivered "
                          "for this long [us]. Default 10000 us.",
                          TimeValue(MicroSeconds(10000)),
                          MakeTimeAccessor(&FabricNetwork::m_stallTimeout),
                          MakeTimeChecker())
            .AddAttribute("SampleIntervalNs",
                          "Time-series sampling period for queues, pause state and QP rates; "
                          "0 = off [ns]. Default 0.",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&FabricNetwork::m_sampleInterval),
                          MakeTimeChecker())
            // ---- reference-compatibility switches (preset astrasim_ns3_compat) ----
            .AddAttribute("Completion",
                          "When a message completes (send and receive handlers): last_byte = its "
                          "last byte reaches the receiver (ASTRA-sim's callback semantics; an RDMA "
                          "write's data is placed then), ack = the ACK covering it returns to the "
                          "sender (the ns-3 reference; a verbs send completion) [mode]. Default "
                          "last_byte.",
                          EnumValue<CompletionMode>(CompletionMode::LastByte),
                          MakeEnumAccessor<CompletionMode>(&FabricNetwork::m_completion),
                          MakeEnumChecker(CompletionMode::LastByte, "last_byte", CompletionMode::Ack,
                                          "ack"))
            .AddAttribute("QpPerMessage",
                          "Every message gets its own queue pair (own ECMP hash, round robin with "
                          "the pair's other messages), as the reference creates one QP per "
                          "ASTRA-sim send; false = one QP per (source, destination, stream) that "
                          "sends its messages in FIFO order, as an application reusing a "
                          "connected QP does [bool]. Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&FabricNetwork::m_qpPerMessage),
                          MakeBooleanChecker())
            .AddAttribute("AcksAtDataPriority",
                          "ACK/NACK (and ACK-borne CNP flags) travel in the data's priority queue, "
                          "paused with it and accounted in switch buffers (the reference's "
                          "ACK_HIGH_PRIO 0); false = the strict-priority control queue, as RoCE "
                          "NICs map CNPs/ACKs to a high DSCP class [bool]. Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&FabricNetwork::m_acksAtDataPriority),
                          MakeBooleanChecker())
            .AddAttribute("CnpInAck",
                          "The notification point sets a congestion flag on the ACK/NACK answering "
                          "a marked packet instead of sending a separate CNP frame (the "
                          "reference); false = a RoCEv2 CNP packet, as real NICs send [bool]. "
                          "Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&FabricNetwork::m_cnpInAck),
                          MakeBooleanChecker())
            .AddAttribute("BdpWindow",
                          "Per-QP window = the pair's BDP: (2 x one-way propagation + one MTU "
                          "payload serialized per hop) x bottleneck rate (the reference's HAS_WIN "
                          "1, GLOBAL_T 0); overrides WindowBytes. Real RoCE NICs have no such "
                          "window (only the outstanding-read limit) [bool]. Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&FabricNetwork::m_bdpWindow),
                          MakeBooleanChecker())
            .AddAttribute("WindowScalesWithRate",
                          "The window shrinks with the QP's congestion-control rate: "
                          "window x rate / line rate, at least 1 byte (the reference's VAR_WIN 1) "
                          "[bool]. Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&FabricNetwork::m_windowScalesWithRate),
                          MakeBooleanChecker())
            .AddAttribute("SerializationGranularityPs",
                          "Frame serialization and pacing times are rounded to a multiple of this "
                          "(1000 = whole ns: the reference, where ns-3's default time resolution "
                          "makes a 1036 B frame at 400 Gb/s take 21 ns instead of 20.72; real "
                          "links have no such rounding) [ps]. Default 1.",
                          UintegerValue(1),
                          MakeUintegerAccessor(&FabricNetwork::m_txGranularityPs),
                          MakeUintegerChecker<uint32_t>(1, 1000000))
            .AddAttribute("EcmpHash",
                          "Switch ECMP hash: fabric = our per-flow hash mixed with the run seed; "
                          "reference = the reference's Murmur3 of (source IP, destination IP, "
                          "sport | dport << 16) seeded with the switch's node id (+ the run seed "
                          "when non-zero), next hops ordered by node id, hosts at 11.x.y.1, sport "
                          "10000 + the pair's n-th QP, dport 100. Real switches hash the 5-tuple "
                          "with a vendor function [mode]. Default fabric.",
                          EnumValue<EcmpHashMode>(EcmpHashMode::Fabric),
                          MakeEnumAccessor<EcmpHashMode>(&FabricNetwork::m_ecmpMode),
                          MakeEnumChecker(EcmpHashMode::Fabric, "fabric", EcmpHashMode::Reference,
                                          "reference"));
    return tid;
}

FabricNetwork::FabricNetwork()
{
}

FabricNetwork::~FabricNetwork()
{
}

void
FabricNetwork::Build(uint32_t numHosts,
                     uint32_t numSwitches,
                     bool hostsForward,
                     Ptr<FlowControl> fc,
                     Ptr<CongestionControl> cc,
                     ObjectFactory switchFactory,
                     ObjectFactory nicFactory)
{
    m_numHosts = numHosts;
    m_hostsForward = hostsForward;
    m_fc = fc;
    m_cc = cc;
    m_ccHeaderBytes = cc->ExtraHeaderBytes();
    m_ccStampsInt = cc->StampsInt();
    m_rng = CreateObject<UniformRandomVariable>();
    m_rng->SetStream(0);
    m_cc->AssignStreams(1);
    for (uint32_t i = 0; i < numHosts + numSwitches; ++i)
    {
        Ptr<FabricDevice> d = i < numHosts ? nicFactory.Create<FabricDevice>()
                                           : switchFactory.Create<FabricDevice>();
        d->Setup(this, i);
        m_devices.push_back(d);
    }
}

void
FabricNetwork::AddLink(uint32_t a, uint32_t b, double gbps, uint64_t latencyNs)
{
    if (a >= m_devices.size() || b >= m_devices.size() || a == b)
    {
        throw std::invalid_argument("link endpoints out of range or equal");
    }
    auto& pa = m_devices[a]->Ports();
    auto& pb = m_devices[b]->Ports();
    LinkRecord rec{a, b, static_cast<uint32_t>(pa.size()), static_cast<uint32_t>(pb.size()), gbps,
                   latencyNs};
    for (int side = 0; side < 2; ++side)
    {
        FabricPort p;
        p.owner = PeekPointer(m_devices[side ? b : a]);
        p.index = side ? rec.portB : rec.portA;
        p.peer = PeekPointer(m_devices[side ? a : b]);
        p.peerPort = side ? rec.portA : rec.portB;
        p.gbps = gbps;
        p.latency = NanoSeconds(latencyNs);
        p.linkId = m_links.size();
        p.txGranularityPs = m_txGranularityPs;
        (side ? pb : pa).push_back(std::move(p));
    }
    m_links.push_back(rec);
}

std::string
FabricNetwork::Finalize(uint32_t seed)
{
    m_hashSeed = seed * 0x9E3779B1u + 0x7F4A7C15u;
    m_referenceEcmp = m_ecmpMode == EcmpHashMode::Reference;
    m_hashSeedOffset = seed * 0x9E3779B1u;  // 0 for seed 0: exactly the reference's seeds
    m_slByStream.clear();
    std::istringstream slList(m_slByStreamText);
    for (std::string item; std::getline(slList, item, ',');)
    {
        char* end = nullptr;
        long sl = std::strtol(item.c_str(), &end, 10);
        if (end == item.c_str() || *end != '\0' || sl < 1 || sl > 7)
        {
            return "SlByStream entry '" + item + "' is not a service level 1..7";
        }
        m_slByStream.push_back(static_cast<uint8_t>(sl));
    }
    uint32_t n = m_devices.size();
    for (auto& d : m_devices)
    {
        if (d->IsSwitch())
        {
            DynamicCast<FabricSwitch>(d)->InitBuffers();
        }
        else
        {
            DynamicCast<RdmaNic>(d)->InitPorts();
        }
    }
    m_counters.Attach(m_devices);
    m_next.assign(n, std::vector<std::vector<uint32_t>>(m_numHosts));
    std::vector<int> dist(n);
    for (uint32_t dst = 0; dst < m_numHosts; ++dst)
    {
        std::fill(dist.begin(), dist.end(), -1);
        std::deque<uint32_t> q{dst};
        dist[dst] = 0;
        while (!q.empty())
        {
            uint32_t u = q.front();
            q.pop_front();
            bool transit = u == dst || m_devices[u]->IsSwitch() || m_hostsForward;
            if (!transit)
            {
                continue;
            }
            for (auto& p : m_devices[u]->Ports())
            {
                uint32_t v = p.peer->GetNodeId();
                if (dist[v] < 0)
                {
                    dist[v] = dist[u] + 1;
                    q.push_back(v);
                }
            }
        }
        for (uint32_t u = 0; u < n; ++u)
        {
            if (u == dst || dist[u] < 0)
            {
                continue;
            }
            for (auto& p : m_devices[u]->Ports())
            {
                uint32_t v = p.peer->GetNodeId();
                bool vTransit = v == dst || m_devices[v]->IsSwitch() || m_hostsForward;
                if (vTransit && dist[v] == dist[u] - 1)
                {
                    m_next[u][dst].push_back(p.index);
                }
            }
        }
    }
    if (m_referenceEcmp)
    {
        // the reference lists next hops in BFS order, i.e. by node id on two-tier fabrics
        for (uint32_t u = 0; u < n; ++u)
        {
            auto& ports = m_devices[u]->Ports();
            for (auto& hops : m_next[u])
            {
                std::stable_sort(hops.begin(), hops.end(), [&](uint32_t x, uint32_t y) {
                    return ports[x].peer->GetNodeId() < ports[y].peer->GetNodeId();
                });
            }
        }
    }
    for (uint32_t h = 0; h < m_numHosts; ++h)
    {
        if (m_devices[h]->Ports().empty())
        {
            return "host " + std::to_string(h) + " has no link";
        }
    }
    return "";
}

static inline uint32_t
Mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

// The reference's ECMP hash (Murmur3, 32 bit) over 12 key bytes.
static uint32_t
ReferenceEcmpHash(const uint32_t key[3], uint32_t seed)
{
    uint32_t h = seed;
    for (int i = 0; i < 3; ++i)
    {
        uint32_t k = key[i] * 0xcc9e2d51u;
        k = (k << 15) | (k >> 17);
        k *= 0x1b873593u;
        h ^= k;
        h = (h << 13) | (h >> 19);
        h = h * 5 + 0xe6546b64u;
    }
    h ^= 12;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline uint32_t
ReferenceIp(uint32_t host)
{
    return 0x0b000001u | ((host / 256) << 16) | ((host % 256) << 8);
}

uint32_t
FabricNetwork::RoutePacket(uint32_t node, const FabricPacket& pkt) const
{
    if (!m_referenceEcmp)
    {
        return Route(node, pkt.dst, pkt.flowHash);
    }
    const auto& hops = m_next[node][pkt.dst];
    if (hops.size() == 1)
    {
        return hops[0];
    }
    if (hops.empty())
    {
        return Route(node, pkt.dst, pkt.flowHash);  // throws: no route
    }
    uint32_t sport = m_qps[pkt.qp]->sport;
    // ACK/NACK/CNP answer with the ports swapped (sport 100, dport = the data's sport).
    uint32_t ports = pkt.kind == PacketKind::Data ? (sport | (100u << 16)) : (100u | (sport << 16));
    uint32_t key[3] = {ReferenceIp(pkt.src), ReferenceIp(pkt.dst), ports};
    return hops[ReferenceEcmpHash(key, node + m_hashSeedOffset) % hops.size()];
}

uint32_t
FabricNetwork::Route(uint32_t node, uint32_t dst, uint32_t flowHash) const
{
    const auto& hops = m_next[node][dst];
    if (hops.size() == 1)
    {
        return hops[0];
    }
    if (hops.empty())
    {
        throw std::runtime_error("no route from node " + std::to_string(node) + " to host " +
                                 std::to_string(dst));
    }
    return hops[Mix32(flowHash ^ Mix32(node + m_hashSeed)) % hops.size()];
}

std::string
FabricNetwork::EnablePcap(uint32_t node, uint32_t port, const std::string& path)
{
    if (node >= m_devices.size() || port >= m_devices[node]->Ports().size())
    {
        return "no port " + std::to_string(port) + " on node " + std::to_string(node);
    }
    auto writer = std::make_shared<PcapWriter>();
    if (!writer->Open(path))
    {
        return "cannot write " + path;
    }
    m_devices[node]->Ports()[port].pcap = writer;
    return "";
}

uint32_t
FabricNetwork::ControlBytes(PacketKind k) const
{
    switch (k)
    {
    case PacketKind::Cnp:
        return m_cnpBytes + m_wireOverhead;
    case PacketKind::Pause:
        return m_pauseBytes + m_wireOverhead;
    default:
        return m_ackBytes + m_wireOverhead;
    }
}

Time
FabricNetwork::BaseRtt(uint32_t src, uint32_t dst, uint32_t flowHash) const
{
    // A full data frame out and an ACK back, store and forward at every hop, no queueing.
    uint32_t extra = m_ccHeaderBytes;
    uint32_t data = m_mtu + DataHeaderBytes() + extra;
    uint32_t ack = ControlBytes(PacketKind::Ack) + extra;
    Time rtt;
    for (uint32_t node = src; node != dst;)
    {
        const FabricPort& p = m_devices[node]->Ports()[Route(node, dst, flowHash)];
        rtt += 2 * p.latency + p.TxTime(data) + p.TxTime(ack);
        node = p.peer->GetNodeId();
    }
    return rtt;
}

uint64_t
FabricNetwork::Send(uint32_t src, uint32_t dst, uint64_t bytes, uint32_t stream)
{
    if (src >= m_numHosts || dst >= m_numHosts || src == dst)
    {
        throw std::invalid_argument("send endpoints must be two different hosts < " +
                                    std::to_string(m_numHosts));
    }
    if (m_next[src][dst].empty())
    {
        throw std::runtime_error("no route from host " + std::to_string(src) + " to host " +
                                 std::to_string(dst) +
                                 " (hosts do not forward: set fabric.hosts_forward or add switches)");
    }
    auto key = std::make_tuple(src, dst, stream);
    auto it = m_qpPerMessage ? m_qpIndex.end() : m_qpIndex.find(key);
    QueuePair* qp;
    if (it == m_qpIndex.end())
    {
        auto q = std::make_unique<QueuePair>();
        q->index = m_qps.size();
        q->src = src;
        q->dst = dst;
        q->stream = stream;
        q->flowHash = Mix32(src * 0x01000193u ^ Mix32(dst + 0x5bd1e995u) ^ Mix32(stream * 2654435761u));
        if (m_qpPerMessage)
        {
            // a new source port per message (the reference's sport counter per pair)
            uint32_t n = m_pairMessages[{src, dst}];
            q->flowHash = Mix32(q->flowHash ^ Mix32(n * 0x27D4EB2Fu + 1));
        }
        // one source port per QP (per message with QpPerMessage), as the reference's counter
        q->sport = static_cast<uint16_t>(10000 + m_pairMessages[{src, dst}]++);
        q->priority = m_slByStream.empty() ? m_dataPriority
                                            : m_slByStream[stream % m_slByStream.size()];
        q->nic = PeekPointer(DynamicCast<RdmaNic>(m_devices[src]));
        q->sender = q->nic;
        q->port = Route(src, dst, q->flowHash);
        q->lineGbps = m_devices[src]->Ports()[q->port].gbps;
        q->baseRtt = BaseRtt(src, dst, q->flowHash);
        q->rateGbps = q->lineGbps;
        if (m_bdpWindow)
        {
            q->bdpBytes = PairBdpBytes(src, dst);
        }
        if (!m_qpPerMessage)
        {
            m_qpIndex[key] = q->index;
        }
        qp = q.get();
        m_qps.push_back(std::move(q));
    }
    else
    {
        qp = m_qps[it->second].get();
    }
    if (bytes == 0)
    {
        bytes = 1;  // a zero-byte message still needs one packet to signal arrival
    }
    if (qp->sndUna >= qp->enqueued)
    {
        qp->rateGbps = qp->lineGbps;
        qp->windowBytes = qp->bdpBytes ? qp->bdpBytes : m_windowBytes;
        qp->cc = m_cc->Start(*qp);
    }
    uint64_t id = m_nextMessage++;
    qp->messages.push_back({id, qp->enqueued, qp->enqueued + bytes});
    qp->enqueued += bytes;
    m_outstanding++;
    ArmWatchdog();
    ArmSampler();
    qp->nic->Activate(qp);
    return id;
}

uint64_t
FabricNetwork::PairBdpBytes(uint32_t src, uint32_t dst)
{
    auto it = m_pairBdp.find({src, dst});
    if (it != m_pairBdp.end())
    {
        return it->second;
    }
    // Integer arithmetic as the reference: ns per hop = payload x 8 / rate (floored), bytes =
    // RTT[ns] x rate[bit/s] / 8e9 (floored). ECMP paths have equal hop counts; the first is used.
    uint64_t delayNs = 0;
    uint64_t txNs = 0;
    uint64_t minBps = UINT64_MAX;
    for (uint32_t node = src; node != dst;)
    {
        const FabricPort& p = m_devices[node]->Ports()[m_next[node][dst].at(0)];
        uint64_t bps = static_cast<uint64_t>(p.gbps * 1e9 + 0.5);
        delayNs += static_cast<uint64_t>(p.latency.GetNanoSeconds());
        txNs += static_cast<uint64_t>(m_mtu) * 8000000000ull / bps;
        minBps = std::min(minBps, bps);
        node = p.peer->GetNodeId();
    }
    uint64_t rttNs = 2 * delayNs + txNs;
    uint64_t bdp = static_cast<uint64_t>(static_cast<long double>(rttNs) * minBps / 8e9L);
    m_pairBdp[{src, dst}] = bdp;
    return bdp;
}

void
FabricNetwork::ScaleWindowWithRate(QueuePair& qp) const
{
    uint64_t w = qp.bdpBytes ? qp.bdpBytes : m_windowBytes;
    if (w == 0 || !m_windowScalesWithRate)
    {
        return;
    }
    if (qp.rateGbps >= qp.lineGbps)
    {
        qp.windowBytes = w;
        return;
    }
    // integer arithmetic as the reference: win x rate / line rate (bit/s), at least 1 byte
    uint64_t rateBps = static_cast<uint64_t>(qp.rateGbps * 1e9);
    uint64_t lineBps = static_cast<uint64_t>(qp.lineGbps * 1e9 + 0.5);
    uint64_t scaled = static_cast<uint64_t>(static_cast<long double>(w) * rateBps / lineBps);
    qp.windowBytes = scaled == 0 ? 1 : scaled;
}

void
FabricNetwork::MessageDelivered(uint64_t messageId, uint64_t)
{
    m_outstanding--;
    m_deliveredMessages++;
    m_lastActivity = Simulator::Now();
    if (m_handler)
    {
        m_handler(1, messageId);
    }
}

void
FabricNetwork::ScheduleUserEvent(uint64_t delayNs, uint64_t id)
{
    Simulator::Schedule(NanoSeconds(delayNs), &FabricNetwork::FireUser, this, id);
}

void
FabricNetwork::FireUser(uint64_t id)
{
    m_lastActivity = Simulator::Now();
    if (m_handler)
    {
        m_handler(0, id);
    }
}

void
FabricNetwork::ArmWatchdog()
{
    if (m_watchdogArmed)
    {
        return;
    }
    m_watchdogArmed = true;
    m_lastProgress = Simulator::Now();
    m_lastProgressBytes = m_deliveredBytes;
    Simulator::Schedule(m_stallTimeout / 4, &FabricNetwork::Watchdog, this);
}

void
FabricNetwork::Watchdog()
{
    if (m_outstanding == 0)
    {
        m_watchdogArmed = false;
        return;
    }
    Time now = Simulator::Now();
    if (m_deliveredBytes != m_lastProgressBytes)
    {
        m_lastProgressBytes = m_deliveredBytes;
        m_lastProgress = now;
    }
    else if (now - m_lastProgress >= m_stallTimeout)
    {
        uint32_t paused = 0;
        uint64_t queued = 0;
        for (auto& d : m_devices)
        {
            for (auto& p : d->Ports())
            {
                queued += p.TotalQueueBytes();
                for (uint32_t prio = 1; prio < kNumPriorities; ++prio)
                {
                    if (p.IsPaused(prio))
                    {
                        paused++;
                        break;
                    }
                }
            }
        }
        std::ostringstream os;
        os << "no progress: " << m_outstanding << " messages outstanding but no byte delivered for "
           << (now - m_lastProgress).GetMicroSeconds() << " us of simulated time (at t="
           << now.GetNanoSeconds() << " ns; " << paused << " paused ports, " << queued
           << " bytes queued" << (paused ? "; looks like a PFC deadlock" : "") << ")";
        m_stallReason = os.str();
        m_watchdogArmed = false;
        Simulator::Stop();
        return;
    }
    Simulator::Schedule(m_stallTimeout / 4, &FabricNetwork::Watchdog, this);
}

void
FabricNetwork::ArmSampler()
{
    if (m_samplerArmed || !m_sampleInterval.IsStrictlyPositive())
    {
        return;
    }
    if (m_tsPorts.empty())
    {
        for (auto& d : m_devices)
        {
            for (auto& p : d->Ports())
            {
                m_tsPorts.emplace_back(d->GetNodeId(), p.index);
            }
        }
    }
    m_samplerArmed = true;
    Simulator::ScheduleNow(&FabricNetwork::Sample, this);
}

void
FabricNetwork::Sample()
{
    m_tsTime.push_back(Simulator::Now().GetNanoSeconds());
    std::vector<uint32_t> q;
    std::vector<uint8_t> paused;
    q.reserve(m_tsPorts.size());
    for (auto& [node, port] : m_tsPorts)
    {
        const FabricPort& p = m_devices[node]->Ports()[port];
        q.push_back(static_cast<uint32_t>(p.TotalQueueBytes()));
        uint8_t any = 0;
        for (uint32_t prio = 1; prio < kNumPriorities; ++prio)
        {
            any |= p.IsPaused(prio) ? 1 : 0;
        }
        any |= m_fc->IsHeldBack(p) ? 1 : 0;
        paused.push_back(any);
    }
    m_tsQueue.push_back(std::move(q));
    m_tsPaused.push_back(std::move(paused));
    std::vector<float> rates;
    rates.reserve(m_qps.size());
    for (auto& qp : m_qps)
    {
        rates.push_back(qp->sndUna < qp->enqueued ? static_cast<float>(qp->rateGbps) : 0.0f);
    }
    m_tsRates.push_back(std::move(rates));
    std::vector<uint64_t> delivered;
    delivered.reserve(m_qps.size());
    for (auto& qp : m_qps)
    {
        delivered.push_back(qp->rcvNxt);
    }
    m_tsDelivered.push_back(std::move(delivered));
    if (m_outstanding == 0)
    {
        m_samplerArmed = false;
        return;
    }
    Simulator::Schedule(m_sampleInterval, &FabricNetwork::Sample, this);
}

std::string
FabricNetwork::Run()
{
    m_stallReason.clear();
    m_aborted = false;
    m_running = true;
    m_progress.Start();
    Simulator::Run();
    m_progress.Finish();
    m_running = false;
    for (auto& d : m_devices)
    {
        d->FinalizePauseAccounting();
        for (auto& p : d->Ports())
        {
            if (p.pcap)
            {
                p.pcap->Flush();
            }
        }
    }
    if (!m_stallReason.empty())
    {
        return m_stallReason;
    }
    if (m_aborted)
    {
        return "aborted";
    }
    if (m_outstanding)
    {
        return "event queue empty with " + std::to_string(m_outstanding) +
               " messages outstanding (lost packets with no retransmission?)";
    }
    return "";
}

std::string
FabricNetwork::TelemetryJson()
{
    for (auto& d : m_devices)
    {
        d->FinalizePauseAccounting();
    }
    uint64_t drops = 0, pauseFrames = 0, xoffFrames = 0, ecn = 0, maxQ = 0, maxBuf = 0;
    int64_t pausedPs = 0;
    std::ostringstream ports;
    bool first = true;
    for (auto& d : m_devices)
    {
        for (auto& p : d->Ports())
        {
            const PortCounters& c = m_counters.Port(d->GetNodeId(), p.index);
            drops += c.drops;
            pauseFrames += c.pauseFramesSent;
            ecn += c.ecnMarks;
            xoffFrames += c.xoffFramesSent;
            maxQ = std::max(maxQ, p.maxQueueBytes);
            pausedPs += p.pausedPs;
            ports << (first ? "" : ",") << "{\"node\":" << d->GetNodeId() << ",\"port\":" << p.index
                  << ",\"peer\":" << p.peer->GetNodeId() << ",\"tx_bytes\":" << p.txBytes
                  << ",\"tx_data_packets\":" << c.txDataPackets
                  << ",\"pause_frames_sent\":" << c.pauseFramesSent
                  << ",\"pause_frames_received\":" << c.pauseFramesReceived
                  << ",\"paused_ns\":" << p.pausedPs / 1000 << ",\"max_queue_bytes\":"
                  << p.maxQueueBytes << ",\"ecn_marks\":" << c.ecnMarks << ",\"drops\":" << c.drops
                  << "}";
            first = false;
        }
        if (d->IsSwitch())
        {
            maxBuf = std::max(maxBuf, DynamicCast<FabricSwitch>(d)->Mmu().maxTotalUsed);
        }
    }
    std::ostringstream links;
    for (size_t i = 0; i < m_links.size(); ++i)
    {
        const auto& l = m_links[i];
        links << (i ? "," : "") << "{\"a\":" << l.a << ",\"b\":" << l.b << ",\"gbps\":" << l.gbps
              << ",\"latency_ns\":" << l.latencyNs
              << ",\"bytes_a_to_b\":" << m_devices[l.a]->Ports()[l.portA].txBytes
              << ",\"bytes_b_to_a\":" << m_devices[l.b]->Ports()[l.portB].txBytes << "}";
    }
    // PAUSE-kind frames are IB credit updates under credit flow control, not PFC.
    bool pfc = m_fc->Name() == "pfc";
    std::ostringstream os;
    const FabricCounters& k = m_counters;
    os << "{\"data_packets\":" << k.dataPackets << ",\"retransmitted_packets\":"
       << k.retransmittedPackets << ",\"drops\":" << drops << ",\"pfc_pause_frames\":" << (pfc ? pauseFrames : 0)
       << ",\"flow_control_frames\":" << pauseFrames
       << ",\"pfc_xoff_frames\":" << (pfc ? xoffFrames : 0)
       << ",\"pfc_paused_ns\":" << pausedPs / 1000 << ",\"ecn_marks\":" << ecn
       << ",\"cnps\":" << k.cnps << ",\"acks\":" << k.acks << ",\"nacks\":" << k.nacks
       << ",\"timeouts\":" << k.timeouts << ",\"max_queue_bytes\":" << maxQ
       << ",\"max_switch_buffer_bytes\":" << maxBuf << ",\"delivered_bytes\":" << m_deliveredBytes
       << ",\"delivered_messages\":" << m_deliveredMessages << ",\"queue_pairs\":" << m_qps.size()
       << ",\"events\":" << Simulator::GetEventCount() << ",\"ports\":[" << ports.str()
       << "],\"links\":[" << links.str() << "]";
    std::string fcStats = m_fc->StatsJson();
    std::string ccStats = m_cc->StatsJson();
    os << ",\"flow_control_stats\":" << (fcStats.empty() ? "{}" : fcStats)
       << ",\"congestion_control_stats\":" << (ccStats.empty() ? "{}" : ccStats) << "}";
    return os.str();
}

std::string
FabricNetwork::TimeSeriesJson() const
{
    std::ostringstream os;
    os << "{\"time_ns\":[";
    for (size_t i = 0; i < m_tsTime.size(); ++i)
    {
        os << (i ? "," : "") << m_tsTime[i];
    }
    os << "],\"ports\":[";
    for (size_t i = 0; i < m_tsPorts.size(); ++i)
    {
        os << (i ? "," : "") << "[" << m_tsPorts[i].first << "," << m_tsPorts[i].second << "]";
    }
    os << "],\"queue_bytes\":[";
    for (size_t s = 0; s < m_tsQueue.size(); ++s)
    {
        os << (s ? "," : "") << "[";
        for (size_t i = 0; i < m_tsQueue[s].size(); ++i)
        {
            os << (i ? "," : "") << m_tsQueue[s][i];
        }
        os << "]";
    }
    os << "],\"paused\":[";
    for (size_t s = 0; s < m_tsPaused.size(); ++s)
    {
        os << (s ? "," : "") << "[";
        for (size_t i = 0; i < m_tsPaused[s].size(); ++i)
        {
            os << (i ? "," : "") << int(m_tsPaused[s][i]);
        }
        os << "]";
    }
    os << "],\"qp_rate_gbps\":[";
    for (size_t s = 0; s < m_tsRates.size(); ++s)
    {
        os << (s ? "," : "") << "[";
        for (size_t i = 0; i < m_tsRates[s].size(); ++i)
        {
            os << (i ? "," : "") << m_tsRates[s][i];
        }
        os << "]";
    }
    os << "],\"qp_delivered_bytes\":[";
    for (size_t s = 0; s < m_tsDelivered.size(); ++s)
    {
        os << (s ? "," : "") << "[";
        for (size_t i = 0; i < m_tsDelivered[s].size(); ++i)
        {
            os << (i ? "," : "") << m_tsDelivered[s][i];
        }
        os << "]";
    }
    os << "],\"qps\":[";
    for (size_t i = 0; i < m_qps.size(); ++i)
    {
        os << (i ? "," : "") << "[" << m_qps[i]->src << "," << m_qps[i]->dst << ","
           << m_qps[i]->stream << "]";
    }
    os << "]}";
    return os.str();
}

} // namespace fabric
} // namespace ns3
