#include "pfc-flow-control.h"

#include "../ns3_backend/fabric-switch.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("PfcFlowControl");
NS_OBJECT_ENSURE_REGISTERED(PfcFlowControl);

TypeId
PfcFlowControl::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::fabric::PfcFlowControl")
            .SetParent<FlowControl>()
            .SetGroupName("Fabric")
            .AddConstructor<PfcFlowControl>()
            .AddAttribute("PauseQuanta",
                          "Pause time carried by XOFF frames, in quanta of 512 bit times [quanta]. "
                          "Default 65535 (the maximum; 84 us at 400 Gb/s).",
                          UintegerValue(65535),
                          MakeUintegerAccessor(&PfcFlowControl::m_quanta),
                          MakeUintegerChecker<uint32_t>(1, 65535))
            .AddAttribute("RefreshFraction",
                          "An XOFF still in force is re-sent after this fraction of its pause time "
                          "[1]. Default 0.5.",
                          DoubleValue(0.5),
                          MakeDoubleAccessor(&PfcFlowControl::m_refreshFraction),
                          MakeDoubleChecker<double>(0.01, 1.0))
            .AddAttribute("XonOffsetBytes",
                          "XON when shared usage + this <= threshold (hysteresis) [bytes]. "
                          "Default 3072 (reference 3 KB).",
                          UintegerValue(3072),
                          MakeUintegerAccessor(&PfcFlowControl::m_xonOffsetBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("PauseUntilResume",
                          "An XOFF holds until the XON arrives: no quanta expiry and no refresh "
                          "frames (the reference, which ignores the pause time it writes); false = "
                          "802.1Qbb quanta that expire unless refreshed, as real ports do [bool]. "
                          "Default false.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&PfcFlowControl::m_untilResume),
                          MakeBooleanChecker());
    return tid;
}

PfcFlowControl::Xoff&
PfcFlowControl::At(FabricSwitch& sw, uint32_t port, uint32_t prio)
{
    uint32_t node = sw.GetNodeId();
    if (node >= m_xoff.size())
    {
        m_xoff.resize(node + 1);
    }
    auto& ports = m_xoff[node];
    if (ports.empty())
    {
        ports.resize(sw.Ports().size());
    }
    return ports[port][prio];
}

void
PfcFlowControl::Refresh(FabricSwitch* sw, uint32_t port, uint32_t prio)
{
    Xoff& x = At(*sw, port, prio);
    if (!x.on)
    {
        return;
    }
    sw->SendFlowControlFrame(port, prio, m_quanta);
    if (m_untilResume)
    {
        return;
    }
    Time pause = PicoSeconds(static_cast<int64_t>(m_quanta * 512 * 1000.0 / sw->Ports()[port].gbps));
    x.refresh = Simulator::Schedule(pause * m_refreshFraction, &PfcFlowControl::Refresh, this, sw, port, prio);
}

void
PfcFlowControl::AfterEnqueue(FabricSwitch& sw, uint32_t inPort, uint32_t prio)
{
    bool& xoff = At(sw, inPort, prio).on;
    if (xoff)
    {
        return;
    }
    const SharedBufferMmu& mmu = sw.Mmu();
    if (mmu.headroom[inPort][prio] > 0 ||
        static_cast<int64_t>(mmu.SharedOf(inPort, prio)) >= mmu.Threshold())
    {
        xoff = true;
        Refresh(&sw, inPort, prio);
    }
}

void
PfcFlowControl::AfterDequeue(FabricSwitch& sw, uint32_t inPort, uint32_t prio, uint32_t freedBytes)
{
    Xoff& x = At(sw, inPort, prio);
    if (!x.on)
    {
        return;
    }
    const SharedBufferMmu& mmu = sw.Mmu();
    uint64_t shared = mmu.SharedOf(inPort, prio);
    if (mmu.headroom[inPort][prio] == 0 &&
        (shared == 0 || static_cast<int64_t>(shared + m_xonOffsetBytes) <= mmu.Threshold()))
    {
        x.on = false;
        x.refresh.Cancel();
        sw.SendFlowControlFrame(inPort, prio, 0);
    }
}

void
PfcFlowControl::OnControlFrame(FabricDevice& dev, uint32_t port, const FabricPacket& pkt)
{
    if (m_untilResume && pkt.pauseQuanta > 0)
    {
        dev.SetPause(port, pkt.pausePriority, Time::Max());
        return;
    }
    double gbps = dev.Ports()[port].gbps;
    Time pause = PicoSeconds(static_cast<int64_t>(pkt.pauseQuanta * 512 * 1000.0 / gbps));
    dev.SetPause(port, pkt.pausePriority, pause);
}

} // namespace fabric
} // namespace ns3
