#include "ib_credits.h"

#include "../ns3_backend/time-attribute.h"
#include "../ns3_backend/json-writer.h"

#include "../ns3_backend/fabric-switch.h"

#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <sstream>
#include <stdexcept>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("IbCreditFlowControl");
NS_OBJECT_ENSURE_REGISTERED(IbCreditFlowControl);

TypeId
IbCreditFlowControl::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::IbCreditFlowControl")
            .SetParent<FlowControl>()
            .SetGroupName("Fabric")
            .AddConstructor<IbCreditFlowControl>()
            .AddAttribute("SwitchBufferBytesPerVl",
                          "Switch input buffer per port and VL, rounded down to 64-byte blocks "
                          "[bytes]. At most 2048 blocks (12-bit credit arithmetic). Default 65536.",
                          UintegerValue(65536),
                          MakeUintegerAccessor(&IbCreditFlowControl::m_switchBufferBytes),
                          MakeUintegerChecker<uint64_t>(kBlockBytes, 2048 * kBlockBytes))
            .AddAttribute("HcaBufferBytesPerVl",
                          "HCA receive buffer per port and VL [bytes]. Default 65536.",
                          UintegerValue(65536),
                          MakeUintegerAccessor(&IbCreditFlowControl::m_hcaBufferBytes),
                          MakeUintegerChecker<uint64_t>(kBlockBytes, 2048 * kBlockBytes))
            .AddAttribute("InitialCreditBlocks",
                          "Credit a sender assumes at link initialisation; 0 = the receiver's "
                          "buffer (correct). A larger value models a misconfigured link and trips "
                          "the lossless invariant [blocks]. Default 0.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&IbCreditFlowControl::m_initialCreditBlocks),
                          MakeUintegerChecker<uint32_t>(0, 2048))
            .AddAttribute("CreditUpdateDelayNs",
                          "A credit update is sent this long after the first block freed since "
                          "the last one (updates batch frees) [ns]. Default 256 ns (ib_flit_sim "
                          "minimum credit-update period).",
                          DoubleValue(256),
                          MakeTimeInUnitAccessor(&IbCreditFlowControl::m_updateDelay, Time::NS),
                          MakeTimeInUnitChecker(Time::NS))
            .AddAttribute("CreditRefreshUs",
                          "Periodic re-advertisement of FCCL after traffic on a VL (the spec's "
                          "periodic flow-control packet; repeats while the buffer is not empty); "
                          "0 = off [us]. Default 10 us.",
                          DoubleValue(10),
                          MakeTimeInUnitAccessor(&IbCreditFlowControl::m_refreshPeriod, Time::US),
                          MakeTimeInUnitChecker(Time::US))
            .AddAttribute("VlArbitrationHigh",
                          "High-priority VL arbitration table, 'vl:weight,...' with weights in "
                          "64-byte units (1..255); empty = none [entries]. Default empty.",
                          StringValue(""),
                          MakeStringAccessor(&IbCreditFlowControl::m_highTableText),
                          MakeStringChecker())
            .AddAttribute("VlArbitrationLow",
                          "Low-priority VL arbitration table, 'vl:weight,...' (64-byte units); "
                          "both tables empty = plain round robin over VLs [entries]. Default empty.",
                          StringValue(""),
                          MakeStringAccessor(&IbCreditFlowControl::m_lowTableText),
                          MakeStringChecker())
            .AddAttribute("VlHighLimit",
                          "Bytes the high-priority table may send, in 4 KB units, while a "
                          "low-priority packet waits; 255 = unlimited [4 KB]. Default 255.",
                          UintegerValue(255),
                          MakeUintegerAccessor(&IbCreditFlowControl::m_highLimit),
                          MakeUintegerChecker<uint32_t>(0, 255))
            .AddAttribute("SlToVl",
                          "VL of each service level 0..7, comma separated [VL 0..7]. Default "
                          "identity 0,1,2,3,4,5,6,7.",
                          StringValue("0,1,2,3,4,5,6,7"),
                          MakeStringAccessor(&IbCreditFlowControl::m_slToVlText),
                          MakeStringChecker());
    return tid;
}

void
IbCreditFlowControl::ParseSlToVl()
{
    std::istringstream in(m_slToVlText);
    std::string item;
    uint32_t sl = 0;
    while (std::getline(in, item, ','))
    {
        uint32_t vl = std::stoul(item);
        if (sl >= kNumPriorities || vl >= kNumPriorities)
        {
            throw std::invalid_argument("SlToVl needs 8 VLs in 0..7, got '" + m_slToVlText + "'");
        }
        m_slToVl[sl++] = vl;
    }
    if (sl != kNumPriorities)
    {
        throw std::invalid_argument("SlToVl needs 8 entries, got '" + m_slToVlText + "'");
    }
    m_highTable = ParseTable(m_highTableText, "VlArbitrationHigh");
    m_lowTable = ParseTable(m_lowTableText, "VlArbitrationLow");
    m_parsed = true;
}

uint32_t
IbCreditFlowControl::CapacityOf(const FabricDevice& dev) const
{
    return (dev.IsSwitch() ? m_switchBufferBytes : m_hcaBufferBytes) / kBlockBytes;
}

IbCreditFlowControl::PortState&
IbCreditFlowControl::At(const FabricDevice& dev, uint32_t port) const
{
    uint32_t node = dev.GetNodeId();
    if (node >= m_state.size())
    {
        m_state.resize(node + 1);
    }
    auto& ports = m_state[node];
    if (port >= ports.size())
    {
        ports.resize(const_cast<FabricDevice&>(dev).Ports().size());
    }
    PortState& st = ports[port];
    if (!st.init)
    {
        // Link initialisation: the sender starts with the peer's whole buffer as credit.
        st.init = true;
        st.capacityBlocks = CapacityOf(dev);
        const FabricPort& p = const_cast<FabricDevice&>(dev).Ports()[port];
        uint32_t peerCapacity = m_initialCreditBlocks ? m_initialCreditBlocks : CapacityOf(*p.peer);
        for (auto& tx : st.tx)
        {
            tx.fccl = peerCapacity % kCreditModulo;
        }
    }
    return st;
}

bool
IbCreditFlowControl::MayTransmit(const FabricPort& port, uint32_t prio, uint32_t bytes) const
{
    if (!m_parsed)
    {
        const_cast<IbCreditFlowControl*>(this)->ParseSlToVl();
    }
    TxVl& tx = At(*port.owner, port.index).tx[m_slToVl[prio]];
    uint32_t available = (tx.fccl + kCreditModulo - tx.fctbs) % kCreditModulo;
    uint32_t blocks = Blocks(bytes);
    if (blocks <= available)
    {
        return true;
    }
    if (!tx.stalled)
    {
        tx.stalled = true;
        tx.stallStart = Simulator::Now();
    }
    tx.stalledBlocks = blocks;
    return false;
}

bool
IbCreditFlowControl::WaitedForPeer(const FabricPort& port, uint32_t prio) const
{
    return At(*port.owner, port.index).tx[m_slToVl[prio]].lastWaited;
}

bool
IbCreditFlowControl::IsHeldBack(const FabricPort& port) const
{
    uint32_t node = port.owner->GetNodeId();
    if (node >= m_state.size() || port.index >= m_state[node].size())
    {
        return false;
    }
    for (const TxVl& tx : m_state[node][port.index].tx)
    {
        if (tx.stalled)
        {
            return true;
        }
    }
    return false;
}

void
IbCreditFlowControl::OnTransmit(FabricPort& port, uint32_t prio, uint32_t bytes)
{
    if (prio == kControlPriority)
    {
        return;  // ACK/CNP/credit packets ride the management lane, outside flow control
    }
    TxVl& tx = At(*port.owner, port.index).tx[m_slToVl[prio]];
    uint32_t blocks = Blocks(bytes);
    uint32_t available = (tx.fccl + kCreditModulo - tx.fctbs) % kCreditModulo;
    // Credit-limited: this packet waited, or no credit is left for another like it.
    tx.lastWaited = tx.stalled || tx.waitedSinceSend || available < 2 * blocks;
    tx.waitedSinceSend = false;
    if (tx.stalled)
    {
        tx.stallPs += (Simulator::Now() - tx.stallStart).GetPicoSeconds();
        tx.stalled = false;
    }
    tx.fctbs = (tx.fctbs + blocks) % kCreditModulo;
}

void
IbCreditFlowControl::OnControlFrame(FabricDevice& dev, uint32_t port, const FabricPacket& pkt)
{
    TxVl& tx = At(dev, port).tx[pkt.pausePriority];
    tx.fccl = static_cast<uint32_t>(pkt.seq) % kCreditModulo;
    if (tx.stalled)
    {
        uint32_t available = (tx.fccl + kCreditModulo - tx.fctbs) % kCreditModulo;
        if (tx.stalledBlocks <= available)
        {
            tx.stallPs += (Simulator::Now() - tx.stallStart).GetPicoSeconds();
            tx.stalled = false;
            tx.waitedSinceSend = true;
        }
    }
    dev.TryTransmit(port);
}

void
IbCreditFlowControl::Violation(FabricDevice& dev, const std::string& what)
{
    m_violations++;
    std::ostringstream os;
    os << "IB credit invariant violated at node " << dev.GetNodeId() << ": " << what
       << " (violations so far: " << m_violations << ")";
    dev.Fail(os.str());
}

void
IbCreditFlowControl::Arrive(FabricDevice& dev, uint32_t port, uint32_t vl, uint32_t blocks)
{
    PortState& st = At(dev, port);
    RxVl& rx = st.rx[vl];
    rx.abr = (rx.abr + blocks) % kCreditModulo;
    rx.occupied += blocks;
    rx.maxOccupied = std::max(rx.maxOccupied, rx.occupied);
    if (rx.occupied > st.capacityBlocks)
    {
        std::ostringstream os;
        os << "port " << port << " VL " << vl << " holds " << rx.occupied << " blocks, buffer is "
           << st.capacityBlocks;
        Violation(dev, os.str());
    }
    if (m_refreshPeriod.IsStrictlyPositive() && !rx.refreshPending)
    {
        rx.refreshPending = true;
        Simulator::Schedule(m_refreshPeriod, &IbCreditFlowControl::SendUpdate, this, &dev, port, vl,
                            true);
    }
}

void
IbCreditFlowControl::Free(FabricDevice& dev, uint32_t port, uint32_t vl, uint32_t blocks)
{
    RxVl& rx = At(dev, port).rx[vl];
    rx.occupied -= std::min(rx.occupied, blocks);
    ScheduleUpdate(&dev, port, vl);
}

void
IbCreditFlowControl::ScheduleUpdate(FabricDevice* dev, uint32_t port, uint32_t vl)
{
    RxVl& rx = At(*dev, port).rx[vl];
    if (rx.updatePending)
    {
        return;
    }
    rx.updatePending = true;
    Simulator::Schedule(m_updateDelay, &IbCreditFlowControl::SendUpdate, this, dev, port, vl, false);
}

void
IbCreditFlowControl::SendUpdate(FabricDevice* dev, uint32_t port, uint32_t vl, bool refresh)
{
    PortState& st = At(*dev, port);
    RxVl& rx = st.rx[vl];
    if (refresh)
    {
        rx.refreshPending = false;
        if (rx.occupied > 0 && m_refreshPeriod.IsStrictlyPositive())
        {
            rx.refreshPending = true;
            Simulator::Schedule(m_refreshPeriod, &IbCreditFlowControl::SendUpdate, this, dev, port,
                                vl, true);
        }
    }
    else
    {
        rx.updatePending = false;
    }
    uint64_t fccl = Fccl(rx, st.capacityBlocks);
    rx.updatesSent++;
    m_updates++;
    dev->SendFlowControlFrame(port, vl, 0, fccl);
}

bool
IbCreditFlowControl::Admit(FabricSwitch& sw, uint32_t inPort, uint32_t prio, uint32_t bytes)
{
    if (!m_parsed)
    {
        ParseSlToVl();
    }
    // The MMU still counts bytes (telemetry: max switch buffer), but never decides: the
    // credits already guaranteed the space.
    sw.Mmu().Account(inPort, prio, bytes);
    Arrive(sw, inPort, m_slToVl[prio], Blocks(bytes));
    return true;
}

void
IbCreditFlowControl::AfterDequeue(FabricSwitch& sw, uint32_t inPort, uint32_t prio, uint32_t freedBytes)
{
    Free(sw, inPort, m_slToVl[prio], Blocks(freedBytes));
}

void
IbCreditFlowControl::OnHostConsumed(FabricDevice& dev, uint32_t port, uint32_t prio, uint32_t bytes)
{
    if (!m_parsed)
    {
        ParseSlToVl();
    }
    uint32_t vl = m_slToVl[prio];
    uint32_t blocks = Blocks(bytes);
    Arrive(dev, port, vl, blocks);
    Free(dev, port, vl, blocks);  // the HCA consumes a packet as it arrives
}

std::string
IbCreditFlowControl::StatsJson() const
{
    int64_t stallPs = 0;
    uint32_t maxBlocks = 0;
    JsonWriter ports;
    ports.BeginArray();
    Time now = Simulator::Now();
    for (uint32_t node = 0; node < m_state.size(); ++node)
    {
        for (uint32_t port = 0; port < m_state[node].size(); ++port)
        {
            const PortState& st = m_state[node][port];
            if (!st.init)
            {
                continue;
            }
            for (uint32_t vl = 0; vl < kNumPriorities; ++vl)
            {
                const TxVl& tx = st.tx[vl];
                const RxVl& rx = st.rx[vl];
                int64_t stall = tx.stallPs + (tx.stalled ? (now - tx.stallStart).GetPicoSeconds() : 0);
                if (stall == 0 && rx.maxOccupied == 0 && tx.fctbs == 0)
                {
                    continue;
                }
                stallPs += stall;
                maxBlocks = std::max(maxBlocks, rx.maxOccupied);
                ports.BeginObject()
                    .Field("node", node)
                    .Field("port", port)
                    .Field("vl", vl)
                    .Field("credit_stall_ns", stall / 1000)
                    .Field("max_buffer_blocks", rx.maxOccupied)
                    .Field("buffer_blocks", st.capacityBlocks)
                    .Field("credit_updates_sent", rx.updatesSent)
                    .EndObject();
            }
        }
    }
    ports.EndArray();
    JsonWriter w;
    w.BeginObject()
        .Field("credit_block_bytes", kBlockBytes)
        .Field("credit_updates", m_updates)
        .Field("credit_stall_ns", stallPs / 1000)
        .Field("max_vl_buffer_blocks", maxBlocks)
        .Field("switch_vl_buffer_blocks", m_switchBufferBytes / kBlockBytes)
        .Field("hca_vl_buffer_blocks", m_hcaBufferBytes / kBlockBytes)
        .Field("invariant_violations", m_violations)
        .Key("per_port_vl")
        .Raw(ports.Str())
        .EndObject();
    return w.Str();
}

} // namespace fabric
} // namespace ns3
