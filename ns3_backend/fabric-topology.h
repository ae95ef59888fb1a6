// The fabric's devices and links, built from the topology description: one device per node
// (hosts first: RDMA NICs, then switches), two connected ports per link.
#ifndef ASTRASIM_FABRIC_TOPOLOGY_H
#define ASTRASIM_FABRIC_TOPOLOGY_H

#include "fabric-device.h"

#include "ns3/object-factory.h"

#include <string>
#include <vector>

namespace ns3
{
namespace fabric
{

class FabricNetwork;

struct LinkRecord
{
    uint32_t a, b, portA, portB;
    double gbps;
    uint64_t latencyNs;
};

class FabricTopology
{
  public:
    /// Nodes 0..numHosts-1 from nicFactory, the rest from switchFactory, all set up on `net`.
    void Build(FabricNetwork* net,
               uint32_t numHosts,
               uint32_t numSwitches,
               ObjectFactory switchFactory,
               ObjectFactory nicFactory);
    /// A bidirectional link; throws std::invalid_argument on bad endpoints.
    void AddLink(uint32_t a, uint32_t b, double gbps, uint64_t latencyNs, uint32_t txGranularityPs);
    /// Once all links exist: switch buffers and NIC ports read their attributes.
    void InitDevices();
    /// "" or why a host cannot send (no link).
    std::string CheckHosts(uint32_t numHosts) const;
    /// Capture frames sent on (node, port) into a pcap file; "" or an error.
    std::string EnablePcap(uint32_t node, uint32_t port, const std::string& path);
    /// After a run: pause time accounted up to now, capture files flushed.
    void FinishRun();
    std::vector<Ptr<FabricDevice>>& Devices()
    {
        return m_devices;
    }
    const std::vector<Ptr<FabricDevice>>& Devices() const
    {
        return m_devices;
    }
    const std::vector<LinkRecord>& Links() const
    {
        return m_links;
    }

  private:
    std::vector<Ptr<FabricDevice>> m_devices;
    std::vector<LinkRecord> m_links;
};

} // namespace fabric
} // namespace ns3

#endif
