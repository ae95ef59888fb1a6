#include "fabric-network.h"

#include "time-attribute.h"
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
                          DoubleValue(1000),
                          MakeTimeInUnitAccessor(&FabricNetwork::m_rto, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("NackIntervalUs",
                          "Minimum gap between NACKs for the same expected sequence [us]. "
                          "Default 500 us (reference).",
                          DoubleValue(500),
                          MakeTimeInUnitAccessor(&FabricNetwork::m_nackInterval, Time::US),
                          MakeTimeInUnitChecker(Time::US))
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
                          DoubleValue(10000),
                          MakeTimeInUnitAccessor(&FabricNetwork::m_stallTimeout, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("SampleIntervalNs",
                          "Time-series sampling period for queues, pause state and QP rates; "
                          "0 = off [ns]. Default 0.",
                          DoubleValue(0),
                          MakeTimeInUnitAccessor(&FabricNetwork::m_sampleInterval, Time::NS),
                          MakeTimeInUnitChecker(Time::NS))
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
                          "sport | dport << 16) seeded with the switch's node id (see "
                          "ReferenceEcmpRunSeed), next hops ordered by node id, hosts at 11.x.y.1, sport "
                          "10000 + the pair's n-th QP, dport 100. Real switches hash the 5-tuple "
                          "with a vendor function [mode]. Default fabric.",
                          EnumValue<EcmpHashMode>(EcmpHashMode::Fabric),
                          MakeEnumAccessor<EcmpHashMode>(&FabricNetwork::m_ecmpMode),
                          MakeEnumChecker(EcmpHashMode::Fabric, "fabric", EcmpHashMode::Reference,
                                          "reference"))
            .AddAttribute("ReferenceEcmpRunSeed",
                          "With EcmpHash reference: add run seed x 0x9E3779B1 to every switch's "
                          "hash seed, so seeds sample other ECMP placements (a sensitivity study). "
                          "Off = the reference: SwitchNode seeds its hash with its node id and "
                          "nothing reseeds it, so its ECMP is the same for every RngSeed [bool]. "
                          "Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&FabricNetwork::m_ecmpRunSeed),
                          MakeBooleanChecker())
            .AddAttribute("ReferenceEventOrder",
                          "Every frame schedules its end of transmission and its arrival at the "
                          "peer as it starts, as the reference's QbbNetDevice::TransmitStart and "
                          "QbbChannel::TransmitStart do; simulated times are the same, only the "
                          "order of events due at the same ns follows the reference's (it moves "
                          "the chaotic cases). false = a port wakes only when something waits and "
                          "one arrival event per link is in flight (fewer events) [bool]. "
                          "Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&FabricNetwork::m_referenceEventOrder),
                          MakeBooleanChecker())
            .AddAttribute("ReferenceQpStart",
                          "A message's QP reaches its NIC two zero-delay events after the send, "
                          "as the reference's RdmaClient does (Node::AddApplication schedules "
                          "Application::Initialize, which schedules StartApplication -> "
                          "RdmaHw::AddQueuePair): same ns, but after what is already due then. "
                          "false = at once [bool]. Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&FabricNetwork::m_referenceQpStart),
                          MakeBooleanChecker());
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
    m_topology.Build(this, numHosts, numSwitches, switchFactory, nicFactory);
}

void
FabricNetwork::AddLink(uint32_t a, uint32_t b, double gbps, uint64_t latencyNs)
{
    m_topology.AddLink(a, b, gbps, latencyNs, m_txGranularityPs);
}

std::string
FabricNetwork::ParseSlByStream()
{
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
    return "";
}

std::string
FabricNetwork::Finalize(uint32_t seed)
{
    m_routing.SetSeed(seed, m_ecmpRunSeed);
    m_referenceEcmp = m_ecmpMode == EcmpHashMode::Reference;
    std::string error = ParseSlByStream();
    if (!error.empty())
    {
        return error;
    }
    m_topology.InitDevices();
    m_counters.Attach(m_topology.Devices());
    m_routing.Compute(m_topology.Devices(), m_numHosts, m_hostsForward, m_referenceEcmp);
    return m_topology.CheckHosts(m_numHosts);
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
    uint32_t extra = m_ccHeaderBytes;
    return m_routing.BaseRtt(Devices(), src, dst, flowHash, m_mtu + DataHeaderBytes() + extra,
                             ControlBytes(PacketKind::Ack) + extra);
}

QueuePair*
FabricNetwork::OpenQueuePair(uint32_t src, uint32_t dst, uint32_t stream)
{
    auto q = std::make_unique<QueuePair>();
    q->src = src;
    q->dst = dst;
    q->stream = stream;
    q->flowHash = Mix32(src * 0x01000193u ^ Mix32(dst + 0x5bd1e995u) ^ Mix32(stream * 2654435761u));
    // one source port per QP (per message with QpPerMessage), as the reference's counter
    uint32_t n = m_qps.NextPairOrdinal(src, dst);
    if (m_qpPerMessage)
    {
        // a new source port per message (the reference's sport counter per pair)
        q->flowHash = Mix32(q->flowHash ^ Mix32(n * 0x27D4EB2Fu + 1));
    }
    q->sport = static_cast<uint16_t>(10000 + n);
    q->priority = m_slByStream.empty() ? m_dataPriority
                                        : m_slByStream[stream % m_slByStream.size()];
    q->nic = PeekPointer(DynamicCast<RdmaNic>(Devices()[src]));
    q->sender = q->nic;
    q->port = Route(src, dst, q->flowHash);
    q->lineGbps = Devices()[src]->Ports()[q->port].gbps;
    q->baseRtt = BaseRtt(src, dst, q->flowHash);
    q->rateGbps = q->lineGbps;
    if (m_bdpWindow)
    {
        q->bdpBytes = m_routing.PairBdpBytes(Devices(), src, dst, m_mtu);
    }
    return &m_qps.Add(std::move(q), !m_qpPerMessage);
}

QueuePair*
FabricNetwork::QueuePairFor(uint32_t src, uint32_t dst, uint32_t stream)
{
    QueuePair* qp = m_qpPerMessage ? nullptr : m_qps.Find(src, dst, stream);
    return qp ? qp : OpenQueuePair(src, dst, stream);
}

uint64_t
FabricNetwork::Send(uint32_t src, uint32_t dst, uint64_t bytes, uint32_t stream)
{
    if (src >= m_numHosts || dst >= m_numHosts || src == dst)
    {
        throw std::invalid_argument("send endpoints must be two different hosts < " +
                                    std::to_string(m_numHosts));
    }
    if (!m_routing.HasRoute(src, dst))
    {
        throw std::runtime_error("no route from host " + std::to_string(src) + " to host " +
                                 std::to_string(dst) +
                                 " (hosts do not forward: set fabric.hosts_forward or add switches)");
    }
    QueuePair* qp = QueuePairFor(src, dst, stream);
    if (bytes == 0)
    {
        bytes = 1;  // a zero-byte message still needs one packet to signal arrival
    }
    if (qp->sndUna >= qp->enqueued)
    {
        qp->rateGbps = qp->lineGbps;
        qp->windowBytes = BaseWindow(*qp);
        qp->cc = m_cc->Start(*qp);
    }
    uint64_t id = m_nextMessage++;
    qp->messages.push_back({id, qp->enqueued, qp->enqueued + bytes});
    qp->enqueued += bytes;
    m_outstanding++;
    m_watchdog.Arm(m_stallTimeout);
    m_telemetry.ArmSampler(m_sampleInterval);
    if (m_referenceQpStart)
    {
        // RdmaClient: Node::AddApplication schedules Initialize, which schedules StartApplication
        Simulator::ScheduleNow(&FabricNetwork::InitializeQp, this, qp->index);
    }
    else
    {
        qp->nic->Activate(qp);
    }
    return id;
}

void
FabricNetwork::InitializeQp(uint32_t qp)
{
    Simulator::ScheduleNow(&FabricNetwork::StartQp, this, qp);
}

void
FabricNetwork::StartQp(uint32_t qp)
{
    QueuePair* q = m_qps.Get(qp);
    q->nic->Activate(q);
}

void
FabricNetwork::ScaleWindowWithRate(QueuePair& qp) const
{
    uint64_t w = BaseWindow(qp);
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
    m_topology.FinishRun();
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
    for (auto& d : Devices())
    {
        d->FinalizePauseAccounting();
    }
    return m_telemetry.TelemetryJson();
}

} // namespace fabric
} // namespace ns3
