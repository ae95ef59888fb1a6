// Routing of the fabric: shortest-path ECMP next hops per (node, destination host), the two
// ECMP hashes, and the path walks that need them (base RTT, the reference's per-pair BDP).
#ifndef ASTRASIM_FABRIC_ROUTING_H
#define ASTRASIM_FABRIC_ROUTING_H

#include "fabric-device.h"

#include <map>
#include <vector>

namespace ns3
{
namespace fabric
{

/// Murmur3's 32-bit finalizer: flow hashes and the per-switch ECMP mix.
inline uint32_t
Mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

class RoutingTable
{
  public:
    /// BFS shortest paths toward every host; hosts transit only when hostsForward.
    /// orderByNodeId lists equal-cost next hops by the peer's node id (the reference's order).
    void Compute(const std::vector<Ptr<FabricDevice>>& devices,
                 uint32_t numHosts,
                 bool hostsForward,
                 bool orderByNodeId);
    /// The run seed mixed into our hash, and into the reference hash's switch seeds only when
    /// referenceUsesSeed (the reference seeds each switch with its node id, whatever RngSeed is).
    void SetSeed(uint32_t seed, bool referenceUsesSeed)
    {
        m_hashSeed = seed * 0x9E3779B1u + 0x7F4A7C15u;
        m_hashSeedOffset = referenceUsesSeed ? seed * 0x9E3779B1u : 0;
    }
    /// Egress port on `node` toward host `dst` for a flow hash (throws without a route).
    uint32_t Route(uint32_t node, uint32_t dst, uint32_t flowHash) const;
    /// The reference's ECMP: Murmur3 of (sip, dip, sport | dport << 16), seeded by node id.
    uint32_t ReferenceRoute(uint32_t node, const FabricPacket& pkt, uint16_t sport) const;
    const std::vector<uint32_t>& Candidates(uint32_t node, uint32_t dst) const
    {
        return m_next[node][dst];
    }
    bool HasRoute(uint32_t src, uint32_t dst) const
    {
        return !m_next[src][dst].empty();
    }
    /// Unloaded round trip of a `dataBytes` frame out and an `ackBytes` frame back.
    Time BaseRtt(const std::vector<Ptr<FabricDevice>>& devices,
                 uint32_t src,
                 uint32_t dst,
                 uint32_t flowHash,
                 uint32_t dataBytes,
                 uint32_t ackBytes) const;
    /// The reference's per-pair BDP: (2 x one-way delay + one MTU payload per hop) x bottleneck.
    uint64_t PairBdpBytes(const std::vector<Ptr<FabricDevice>>& devices,
                          uint32_t src,
                          uint32_t dst,
                          uint32_t mtuBytes);

  private:
    /// Hop counts from every node to `dst` over nodes that may transit.
    void Distances(const std::vector<Ptr<FabricDevice>>& devices,
                   uint32_t dst,
                   bool hostsForward,
                   std::vector<int>& dist) const;
    void OrderByNodeId(const std::vector<Ptr<FabricDevice>>& devices);

    // m_next[node][dst host] = egress ports on shortest paths.
    std::vector<std::vector<std::vector<uint32_t>>> m_next;
    uint32_t m_hashSeed{0};
    uint32_t m_hashSeedOffset{0};
    std::map<std::pair<uint32_t, uint32_t>, uint64_t> m_pairBdp;
};

} // namespace fabric
} // namespace ns3

#endif
