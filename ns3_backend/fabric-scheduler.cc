#include "fabric-scheduler.h"

#include "ns3/assert.h"
#include "ns3/log.h"

namespace ns3
{
namespace fabric
{

NS_LOG_COMPONENT_DEFINE("FourAryHeapScheduler");
NS_OBJECT_ENSURE_REGISTERED(FourAryHeapScheduler);

TypeId
FourAryHeapScheduler::GetTypeId()
{
    static TypeId tid = TypeId("ns3::fabric::FourAryHeapScheduler")
                            .SetParent<Scheduler>()
                            .SetGroupName("Fabric")
                            .AddConstructor<FourAryHeapScheduler>();
    return tid;
}

void
FourAryHeapScheduler::SiftUp(std::size_t i, Event ev)
{
    while (i > 0)
    {
        std::size_t parent = (i - 1) / 4;
        if (!Before(ev, m_heap[parent]))
        {
            break;
        }
        m_heap[i] = m_heap[parent];
        i = parent;
    }
    m_heap[i] = ev;
}

void
FourAryHeapScheduler::SiftDown(std::size_t i, Event ev)
{
    std::size_t n = m_heap.size();
    while (true)
    {
        std::size_t first = 4 * i + 1;
        if (first >= n)
        {
            break;
        }
        std::size_t last = std::min(first + 4, n);
        std::size_t best = first;
        for (std::size_t c = first + 1; c < last; ++c)
        {
            if (Before(m_heap[c], m_heap[best]))
            {
                best = c;
            }
        }
        if (!Before(m_heap[best], ev))
        {
            break;
        }
        m_heap[i] = m_heap[best];
        i = best;
    }
    m_heap[i] = ev;
}

void
FourAryHeapScheduler::Insert(const Event& ev)
{
    m_heap.emplace_back();
    SiftUp(m_heap.size() - 1, ev);
}

bool
FourAryHeapScheduler::IsEmpty() const
{
    return m_heap.empty();
}

Scheduler::Event
FourAryHeapScheduler::PeekNext() const
{
    NS_ASSERT(!m_heap.empty());
    return m_heap.front();
}

Scheduler::Event
FourAryHeapScheduler::RemoveNext()
{
    NS_ASSERT(!m_heap.empty());
    Event top = m_heap.front();
    Event last = m_heap.back();
    m_heap.pop_back();
    if (!m_heap.empty())
    {
        SiftDown(0, last);
    }
    return top;
}

void
FourAryHeapScheduler::Remove(const Event& ev)
{
    // Only Simulator::Remove gets here (cancelled events stay queued): a scan is enough.
    for (std::size_t i = 0; i < m_heap.size(); ++i)
    {
        if (m_heap[i].key.m_uid == ev.key.m_uid)
        {
            Event last = m_heap.back();
            m_heap.pop_back();
            if (i < m_heap.size())
            {
                if (i > 0 && Before(last, m_heap[(i - 1) / 4]))
                {
                    SiftUp(i, last);
                }
                else
                {
                    SiftDown(i, last);
                }
            }
            return;
        }
    }
    NS_ASSERT_MSG(false, "event to remove is not scheduled");
}

} // namespace fabric
} // namespace ns3
