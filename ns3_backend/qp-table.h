// The fabric's queue pairs: owned in creation order (a QP's index is its position), found by
// (source, destination, stream), and the per-pair count that gives each new QP its source port.
#ifndef ASTRASIM_QP_TABLE_H
#define ASTRASIM_QP_TABLE_H

#include "queue-pair.h"

#include <map>
#include <memory>
#include <tuple>
#include <vector>

namespace ns3
{
namespace fabric
{

class QpTable
{
  public:
    QueuePair* Get(uint32_t index) const
    {
        return m_qps[index].get();
    }
    size_t Size() const
    {
        return m_qps.size();
    }
    const std::vector<std::unique_ptr<QueuePair>>& All() const
    {
        return m_qps;
    }
    /// The indexed QP of (src, dst, stream), or nullptr.
    QueuePair* Find(uint32_t src, uint32_t dst, uint32_t stream) const;
    /// A new QP at index Size(); `indexed` makes Find return it for its (src, dst, stream).
    QueuePair& Add(std::unique_ptr<QueuePair> qp, bool indexed);
    /// How many QPs the pair (src, dst) opened before this call, counting this one.
    uint32_t NextPairOrdinal(uint32_t src, uint32_t dst)
    {
        return m_pairCount[{src, dst}]++;
    }

  private:
    std::vector<std::unique_ptr<QueuePair>> m_qps;
    std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint32_t> m_index;
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> m_pairCount;
};

} // namespace fabric
} // namespace ns3

#endif
