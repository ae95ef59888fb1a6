#include "fabric-counters.h"

#include "ns3/callback.h"

namespace ns3
{
namespace fabric
{

void
FabricCounters::Attach(const std::vector<Ptr<FabricDevice>>& devices)
{
    m_ports.assign(devices.size(), {});
    for (const auto& d : devices)
    {
        uint32_t node = d->GetNodeId();
        m_ports[node].assign(d->Ports().size(), PortCounters());
        d->TraceConnectWithoutContext("Tx", MakeBoundCallback(&FabricCounters::Tx, this, node));
        d->TraceConnectWithoutContext("FlowControlRx",
                                      MakeBoundCallback(&FabricCounters::FlowControlRx, this, node));
        if (d->IsSwitch())
        {
            d->TraceConnectWithoutContext("Drop", MakeBoundCallback(&FabricCounters::Drop, this, node));
            d->TraceConnectWithoutContext("EcnMark", MakeBoundCallback(&FabricCounters::EcnMark, this, node));
        }
        else
        {
            d->TraceConnectWithoutContext("DataTx", MakeBoundCallback(&FabricCounters::DataTx, this));
            d->TraceConnectWithoutContext("ControlTx", MakeBoundCallback(&FabricCounters::ControlTx, this));
            d->TraceConnectWithoutContext("Timeout", MakeBoundCallback(&FabricCounters::Timeout, this));
        }
    }
}

void
FabricCounters::Tx(FabricCounters* c, uint32_t node, uint32_t port, const FabricPacket& pkt)
{
    PortCounters& p = c->m_ports[node][port];
    if (pkt.kind == PacketKind::Data)
    {
        p.txDataPackets++;
    }
    else if (pkt.kind == PacketKind::Pause)
    {
        p.pauseFramesSent++;
        p.xoffFramesSent += pkt.pauseQuanta > 0;
    }
}

void
FabricCounters::FlowControlRx(FabricCounters* c, uint32_t node, uint32_t port, const FabricPacket&)
{
    c->m_ports[node][port].pauseFramesReceived++;
}

void
FabricCounters::Drop(FabricCounters* c, uint32_t node, uint32_t port, const FabricPacket&)
{
    c->m_ports[node][port].drops++;
}

void
FabricCounters::EcnMark(FabricCounters* c, uint32_t node, uint32_t port, const FabricPacket&)
{
    c->m_ports[node][port].ecnMarks++;
}

void
FabricCounters::DataTx(FabricCounters* c, uint32_t, const FabricPacket& pkt)
{
    c->dataPackets++;
    c->retransmittedPackets += pkt.retransmission;
}

void
FabricCounters::ControlTx(FabricCounters* c, uint32_t, const FabricPacket& pkt)
{
    switch (pkt.kind)
    {
    case PacketKind::Ack:
        c->acks++;
        c->cnps += pkt.ecnCe;  // CnpInAck: the congestion flag rides on the ACK (switches mark data only)
        break;
    case PacketKind::Nack:
        c->nacks++;
        c->cnps += pkt.ecnCe;
        break;
    case PacketKind::Cnp:
        c->cnps++;
        break;
    default:
        break;
    }
}

void
FabricCounters::Timeout(FabricCounters* c, uint32_t)
{
    c->timeouts++;
}

} // namespace fabric
} // namespace ns3
