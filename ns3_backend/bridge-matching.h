// ASTRA-sim's send/receive matching in the bridge (same rules as
// astrasim_py.network.api.MessageMatcher): key (tag, src, dst, bytes), the n-th send matches
// the n-th receive; arrivals wait for their receive and receives for their arrival. Kept in
// C++ so that a delivery costs Python only the handlers it runs.
#ifndef ASTRASIM_BRIDGE_MATCHING_H
#define ASTRASIM_BRIDGE_MATCHING_H

#include "bridge-python.h"

#include <unordered_map>
#include <vector>

namespace astrasim
{

/// ASTRA-sim's matching key of a message: (tag, src, dst, bytes).
struct MessageKey
{
    int64_t tag;
    uint32_t src;
    uint32_t dst;
    uint64_t bytes;

    bool operator==(const MessageKey& o) const
    {
        return tag == o.tag && src == o.src && dst == o.dst && bytes == o.bytes;
    }
};

struct MessageKeyHash
{
    size_t operator()(const MessageKey& k) const
    {
        uint64_t h = static_cast<uint64_t>(k.tag) * 0x9E3779B97F4A7C15ull;
        h ^= (static_cast<uint64_t>(k.src) << 32 | k.dst) + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
        h ^= k.bytes + 0x85EBCA77C2B2AE63ull + (h << 6) + (h >> 2);
        return h;
    }
};

class MessageMatcher
{
  public:
    /// Message `id` was sent under `key`; onSent (owned, may be nullptr) runs at its delivery.
    void Sent(uint64_t id, const MessageKey& key, PyObject* onSent)
    {
        m_inFlight.emplace(id, InFlight{key, onSent});
    }
    /// The last byte of `id` arrived: its send handler, then the oldest matching receive's.
    /// False when `id` is not a matched message (a plain flow).
    bool Delivered(uint64_t id, PythonCalls& python);
    /// A receive for `key`; returns onRecv (held) if its message is already here, to be run
    /// through a zero-delay event, else nullptr (it waits).
    PyObject* Post(const MessageKey& key, PyObject* onRecv);
    uint64_t PendingReceives() const
    {
        return m_postedCount;
    }
    uint64_t PendingArrivals() const
    {
        return m_arrivedCount;
    }
    /// Drop every Python reference held for messages and receives.
    void Release();

  private:
    struct InFlight
    {
        MessageKey key;
        PyObject* onSent;  // owned; nullptr when nothing is to run
    };

    std::unordered_map<uint64_t, InFlight> m_inFlight;  // by message id
    // Receives waiting per key, oldest first (owned). A plain vector: almost always one entry,
    // and a std::deque would allocate ~600 bytes per key and message.
    std::unordered_map<MessageKey, std::vector<PyObject*>, MessageKeyHash> m_posted;
    std::unordered_map<MessageKey, uint64_t, MessageKeyHash> m_arrived;
    uint64_t m_postedCount{0};
    uint64_t m_arrivedCount{0};
};

} // namespace astrasim

#endif
