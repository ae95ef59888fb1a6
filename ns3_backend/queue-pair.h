// A reliable-connected queue pair: one per (source, destination, stream). The sender side
// segments queued messages at the MTU, paces at the CC rate and runs go-back-N; the
// receiver side (kept in the same record) tracks the next expected byte.
#ifndef ASTRASIM_QUEUE_PAIR_H
#define ASTRASIM_QUEUE_PAIR_H

#include "../congestion/congestion-control.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>

namespace ns3
{
namespace fabric
{

class RdmaNic;

struct QueuedMessage
{
    uint64_t id;
    uint64_t begin;  // first byte in the QP's sequence space
    uint64_t end;    // one past the last byte
};

/// A data packet that arrived ahead of rcvNxt and waits in host memory (adaptive routing).
struct OutOfOrderSegment
{
    uint32_t payloadBytes;
    bool lastOfMessage;
    uint64_t messageId;
};

class QueuePair
{
  public:
    uint32_t index{0};
    uint32_t src{0};
    uint32_t dst{0};
    uint32_t stream{0};
    uint32_t flowHash{0};
    uint16_t sport{10000};  // UDP source port (EcmpHash reference: 10000 + n-th QP of the pair)
    uint32_t port{0};       // sender NIC port chosen by ECMP over first hops
    uint8_t priority{3};
    RdmaNic* nic{nullptr};

    // Sender.
    std::deque<QueuedMessage> messages;  // not yet fully acknowledged
    uint64_t enqueued{0};   // bytes ever queued
    uint64_t sndNxt{0};
    uint64_t sndUna{0};
    uint64_t maxSent{0};    // highest byte ever sent (retransmission detection)
    double lineGbps{100.0};
    double rateGbps{100.0};
    uint64_t windowBytes{0};  // limit on unacknowledged bytes, set per QP by the CC; 0 = none
    Time baseRtt;             // unloaded RTT of the path: MTU frame out, ACK back
    CcSender* sender{nullptr};  // applies the CC's decisions (the NIC)
    Time nextSend;
    EventId rto;
    Time rtoStart;          // the timeout runs from here: arming, or the last ACK that advanced
    bool active{false};     // listed in the NIC's scheduler
    bool refListed{false};  // ReferenceQpOrder: in the NIC's list of unfinished QPs
    uint64_t bdpBytes{0};   // BdpWindow: the pair's bandwidth-delay product
    std::unique_ptr<CcState> cc;

    // Receiver.
    uint64_t rcvNxt{0};
    uint32_t unackedPackets{0};
    Time lastNack{Time(-1)};
    uint64_t lastNackSeq{UINT64_MAX};
    Time lastNotify;
    bool notified{false};
    bool cnpPending{false};  // CnpInAck: the next ACK/NACK carries the congestion flag
    std::map<uint64_t, OutOfOrderSegment> outOfOrder;  // by first byte (OutOfOrderReceive)

    bool HasUnsent() const
    {
        return sndNxt < enqueued;
    }
    /// The window (if any) is used up: no new byte may go out until an ACK.
    bool WindowFull() const
    {
        return windowBytes && sndNxt - sndUna >= windowBytes;
    }
};

} // namespace fabric
} // namespace ns3

#endif
