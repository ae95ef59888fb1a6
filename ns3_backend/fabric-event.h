// Scheduler events for the fabric's per-frame work. ns3::MakeEvent wraps its target in a
// std::function (two heap allocations per event); the fabric schedules one event per frame per
// hop, so its member-call events come from a free list instead. They are ordinary EventImpls:
// ns-3 owns, cancels and orders them exactly as any other event.
#ifndef ASTRASIM_FABRIC_EVENT_H
#define ASTRASIM_FABRIC_EVENT_H

#include "ns3/event-impl.h"
#include "ns3/ptr.h"
#include "ns3/simulator.h"

#include <cstddef>
#include <new>

namespace ns3
{
namespace fabric
{

/// Recycles fixed-size blocks (single-threaded, like the simulator that uses them).
template <std::size_t Size>
class BlockFreeList
{
  public:
    static void* Alloc()
    {
        if (s_head)
        {
            Block* b = s_head;
            s_head = b->next;
            return b;
        }
        return ::operator new(Size < sizeof(Block) ? sizeof(Block) : Size);
    }

    static void Free(void* p)
    {
        Block* b = static_cast<Block*>(p);
        b->next = s_head;
        s_head = b;
    }

  private:
    struct Block
    {
        Block* next;
    };

    static inline Block* s_head{nullptr};
};

/// Calls obj->fn(arg) when the simulator reaches it.
template <typename T>
class MemberEvent : public EventImpl
{
  public:
    using Method = void (T::*)(uint32_t);

    MemberEvent(T* obj, Method fn, uint32_t arg)
        : m_obj(obj),
          m_fn(fn),
          m_arg(arg)
    {
    }

    static void* operator new(std::size_t size)
    {
        return BlockFreeList<sizeof(MemberEvent)>::Alloc();
    }

    // Reached through EventImpl's virtual destructor when the last EventId lets go.
    static void operator delete(void* p)
    {
        BlockFreeList<sizeof(MemberEvent)>::Free(p);
    }

  protected:
    void Notify() override
    {
        (m_obj->*m_fn)(m_arg);
    }

  private:
    T* m_obj;
    Method m_fn;
    uint32_t m_arg;
};

/// Simulator::Schedule(delay, fn, obj, arg) without the per-event heap allocations.
template <typename T>
inline EventId
ScheduleMember(const Time& delay, T* obj, void (T::*fn)(uint32_t), uint32_t arg)
{
    return Simulator::Schedule(delay, Ptr<EventImpl>(new MemberEvent<T>(obj, fn, arg), false));
}

} // namespace fabric
} // namespace ns3

#endif
