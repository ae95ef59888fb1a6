#include "fabric-topology.h"

#include "fabric-switch.h"
#include "pcap-writer.h"
#include "rdma-nic.h"

#include "ns3/log.h"

#include <stdexcept>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("FabricTopology");

void
FabricTopology::Build(FabricNetwork* net,
                      uint32_t numHosts,
                      uint32_t numSwitches,
                      ObjectFactory switchFactory,
                      ObjectFactory nicFactory)
{
    for (uint32_t i = 0; i < numHosts + numSwitches; ++i)
    {
        Ptr<FabricDevice> d = i < numHosts ? nicFactory.Create<FabricDevice>()
                                           : switchFactory.Create<FabricDevice>();
        d->Setup(net, i);
        m_devices.push_back(d);
    }
}

void
FabricTopology::AddLink(uint32_t a,
                        uint32_t b,
                        double gbps,
                        uint64_t latencyNs,
                        uint32_t txGranularityPs)
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
        p.txGranularityPs = txGranularityPs;
        (side ? pb : pa).push_back(std::move(p));
    }
    m_links.push_back(rec);
}

void
FabricTopology::InitDevices()
{
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
}

std::string
FabricTopology::CheckHosts(uint32_t numHosts) const
{
    for (uint32_t h = 0; h < numHosts; ++h)
    {
        if (m_devices[h]->Ports().empty())
        {
            return "host " + std::to_string(h) + " has no link";
        }
    }
    return "";
}

std::string
FabricTopology::EnablePcap(uint32_t node, uint32_t port, const std::string& path)
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

void
FabricTopology::FinishRun()
{
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
}

} // namespace fabric
} // namespace ns3
