// The device-facing view a policy gets of one egress port: what a switch or NIC would expose
// to its congestion-control firmware, not the fabric's internals.
#ifndef ASTRASIM_PORT_VIEW_H
#define ASTRASIM_PORT_VIEW_H

#include <cstdint>

namespace ns3
{
namespace fabric
{

class PortView
{
  public:
    virtual ~PortView() = default;

    /// Node owning the port and the port's index there (a stable key for per-port state).
    virtual uint32_t NodeId() const = 0;
    virtual uint32_t PortIndex() const = 0;
    /// Line rate [Gb/s].
    virtual double LinkGbps() const = 0;
    /// Bytes queued at priority `prio` / at all priorities.
    virtual uint64_t QueuedBytes(uint32_t prio) const = 0;
    virtual uint64_t QueuedBytesTotal() const = 0;
    /// Bytes ever serialized on the port (frames including their wire overhead).
    virtual uint64_t TransmittedBytes() const = 0;
    /// Did the packet of `prio` that just started wait for the peer's buffer (link-level
    /// flow control: credit starvation)? IB CC tells congestion roots from victims by it.
    virtual bool WaitedForPeer(uint32_t prio) const = 0;
};

} // namespace fabric
} // namespace ns3

#endif
