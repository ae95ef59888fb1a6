#include "fabric-routing.h"

#include "ns3/log.h"

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <string>

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("FabricRouting");

void
RoutingTable::Distances(const std::vector<Ptr<FabricDevice>>& devices,
                        uint32_t dst,
                        bool hostsForward,
                        std::vector<int>& dist) const
{
    std::fill(dist.begin(), dist.end(), -1);
    std::deque<uint32_t> q{dst};
    dist[dst] = 0;
    while (!q.empty())
    {
        uint32_t u = q.front();
        q.pop_front();
        bool transit = u == dst || devices[u]->IsSwitch() || hostsForward;
        if (!transit)
        {
            continue;
        }
        for (auto& p : devices[u]->Ports())
        {
            uint32_t v = p.peer->GetNodeId();
            if (dist[v] < 0)
            {
                dist[v] = dist[u] + 1;
                q.push_back(v);
            }
        }
    }
}

void
RoutingTable::Compute(const std::vector<Ptr<FabricDevice>>& devices,
                      uint32_t numHosts,
                      bool hostsForward,
                      bool orderByNodeId)
{
    uint32_t n = devices.size();
    m_next.assign(n, std::vector<std::vector<uint32_t>>(numHosts));
    std::vector<int> dist(n);
    for (uint32_t dst = 0; dst < numHosts; ++dst)
    {
        Distances(devices, dst, hostsForward, dist);
        for (uint32_t u = 0; u < n; ++u)
        {
            if (u == dst || dist[u] < 0)
            {
                continue;
            }
            for (auto& p : devices[u]->Ports())
            {
                uint32_t v = p.peer->GetNodeId();
                bool vTransit = v == dst || devices[v]->IsSwitch() || hostsForward;
                if (vTransit && dist[v] == dist[u] - 1)
                {
                    m_next[u][dst].push_back(p.index);
                }
            }
        }
    }
    if (orderByNodeId)
    {
        OrderByNodeId(devices);
    }
}

void
RoutingTable::OrderByNodeId(const std::vector<Ptr<FabricDevice>>& devices)
{
    // the reference lists next hops in BFS order, i.e. by node id on two-tier fabrics
    for (uint32_t u = 0; u < m_next.size(); ++u)
    {
        auto& ports = devices[u]->Ports();
        for (auto& hops : m_next[u])
        {
            std::stable_sort(hops.begin(), hops.end(), [&](uint32_t x, uint32_t y) {
                return ports[x].peer->GetNodeId() < ports[y].peer->GetNodeId();
            });
        }
    }
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
RoutingTable::ReferenceRoute(uint32_t node, const FabricPacket& pkt, uint16_t sport) const
{
    const auto& hops = m_next[node][pkt.dst];
    if (hops.size() == 1)
    {
        return hops[0];
    }
    if (hops.empty())
    {
        return Route(node, pkt.dst, pkt.flowHash);  // throws: no route
    }
    // ACK/NACK/CNP answer with the ports swapped (sport 100, dport = the data's sport).
    uint32_t sp = sport;
    uint32_t ports = pkt.kind == PacketKind::Data ? (sp | (100u << 16)) : (100u | (sp << 16));
    uint32_t key[3] = {ReferenceIp(pkt.src), ReferenceIp(pkt.dst), ports};
    return hops[ReferenceEcmpHash(key, node + m_hashSeedOffset) % hops.size()];
}

uint32_t
RoutingTable::Route(uint32_t node, uint32_t dst, uint32_t flowHash) const
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

Time
RoutingTable::BaseRtt(const std::vector<Ptr<FabricDevice>>& devices,
                      uint32_t src,
                      uint32_t dst,
                      uint32_t flowHash,
                      uint32_t dataBytes,
                      uint32_t ackBytes) const
{
    // Store and forward at every hop, no queueing.
    Time rtt;
    for (uint32_t node = src; node != dst;)
    {
        const FabricPort& p = devices[node]->Ports()[Route(node, dst, flowHash)];
        rtt += 2 * p.latency + p.TxTime(dataBytes) + p.TxTime(ackBytes);
        node = p.peer->GetNodeId();
    }
    return rtt;
}

uint64_t
RoutingTable::PairBdpBytes(const std::vector<Ptr<FabricDevice>>& devices,
                           uint32_t src,
                           uint32_t dst,
                           uint32_t mtuBytes)
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
        const FabricPort& p = devices[node]->Ports()[m_next[node][dst].at(0)];
        uint64_t bps = static_cast<uint64_t>(p.gbps * 1e9 + 0.5);
        delayNs += static_cast<uint64_t>(p.latency.GetNanoSeconds());
        txNs += static_cast<uint64_t>(mtuBytes) * 8000000000ull / bps;
        minBps = std::min(minBps, bps);
        node = p.peer->GetNodeId();
    }
    uint64_t rttNs = 2 * delayNs + txNs;
    uint64_t bdp = static_cast<uint64_t>(static_cast<long double>(rttNs) * minBps / 8e9L);
    m_pairBdp[{src, dst}] = bdp;
    return bdp;
}

} // namespace fabric
} // namespace ns3
