// Event set for fabric runs: an implicit 4-ary min-heap in one vector. The fabric keeps a
// few thousand events pending and replaces one per frame per hop; ns-3's map scheduler pays a
// tree-node allocation and a rebalance for each. Events leave in exactly the (time, uid) order
// every ns-3 scheduler guarantees, so results do not depend on the choice.
#ifndef ASTRASIM_FABRIC_SCHEDULER_H
#define ASTRASIM_FABRIC_SCHEDULER_H

#include "ns3/scheduler.h"

#include <vector>

namespace ns3
{
namespace fabric
{

class FourAryHeapScheduler : public Scheduler
{
  public:
    static TypeId GetTypeId();

    void Insert(const Event& ev) override;
    bool IsEmpty() const override;
    Event PeekNext() const override;
    Event RemoveNext() override;
    void Remove(const Event& ev) override;

  private:
    static bool Before(const Event& a, const Event& b)
    {
        return a.key.m_ts < b.key.m_ts || (a.key.m_ts == b.key.m_ts && a.key.m_uid < b.key.m_uid);
    }

    void SiftUp(std::size_t i, Event ev);
    void SiftDown(std::size_t i, Event ev);

    std::vector<Event> m_heap;
};

} // namespace fabric
} // namespace ns3

#endif
