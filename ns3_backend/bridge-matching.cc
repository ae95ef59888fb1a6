#include "bridge-matching.h"

namespace astrasim
{

bool
MessageMatcher::Delivered(uint64_t id, PythonCalls& python)
{
    auto it = m_inFlight.find(id);
    if (it == m_inFlight.end())
    {
        return false;
    }
    InFlight m = it->second;
    m_inFlight.erase(it);
    if (m.onSent)
    {
        python.CallDirect(m.onSent);
        Py_DecRef(m.onSent);
    }
    auto waiting = m_posted.find(m.key);
    if (waiting != m_posted.end())
    {
        PyObject* onRecv = waiting->second.front();
        waiting->second.erase(waiting->second.begin());
        if (waiting->second.empty())
        {
            m_posted.erase(waiting);
        }
        --m_postedCount;
        python.CallDirect(onRecv);
        Py_DecRef(onRecv);
    }
    else
    {
        ++m_arrived[m.key];
        ++m_arrivedCount;
    }
    return true;
}

PyObject*
MessageMatcher::Post(const MessageKey& key, PyObject* onRecv)
{
    auto here = m_arrived.find(key);
    Py_IncRef(onRecv);
    if (here != m_arrived.end())
    {
        if (--here->second == 0)
        {
            m_arrived.erase(here);
        }
        --m_arrivedCount;
        return onRecv;
    }
    m_posted[key].push_back(onRecv);
    ++m_postedCount;
    return nullptr;
}

void
MessageMatcher::Release()
{
    for (auto& [id, m] : m_inFlight)
    {
        if (m.onSent)
        {
            Py_DecRef(m.onSent);
        }
    }
    m_inFlight.clear();
    for (auto& [key, queue] : m_posted)
    {
        for (PyObject* fn : queue)
        {
            Py_DecRef(fn);
        }
    }
    m_posted.clear();
    m_arrived.clear();
    m_postedCount = m_arrivedCount = 0;
}

} // namespace astrasim
