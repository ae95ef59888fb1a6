#include "qp-table.h"

namespace ns3
{
namespace fabric
{

QueuePair*
QpTable::Find(uint32_t src, uint32_t dst, uint32_t stream) const
{
    auto it = m_index.find(std::make_tuple(src, dst, stream));
    return it == m_index.end() ? nullptr : m_qps[it->second].get();
}

QueuePair&
QpTable::Add(std::unique_ptr<QueuePair> qp, bool indexed)
{
    qp->index = m_qps.size();
    if (indexed)
    {
        m_index[std::make_tuple(qp->src, qp->dst, qp->stream)] = qp->index;
    }
    m_qps.push_back(std::move(qp));
    return *m_qps.back();
}

} // namespace fabric
} // namespace ns3
