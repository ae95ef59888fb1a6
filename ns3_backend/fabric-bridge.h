// The only surface Python (cppyy) sees: plain C++ types, no ns-3 headers, so that the
// interpreter parses one small header and the process starts in about a second.
#ifndef ASTRASIM_FABRIC_BRIDGE_H
#define ASTRASIM_FABRIC_BRIDGE_H

#include <cstdint>
#include <memory>
#include <string>

// CPython's object type, declared the way Python.h declares it, so that cppyy hands Python
// objects through unchanged (no Python headers needed here).
struct _object;

namespace astrasim
{

class FabricBridgeImpl;

class FabricBridge
{
  public:
    FabricBridge();
    ~FabricBridge();

    /// Select policies by ns-3 TypeId name (e.g. "ns3::fabric::PfcFlowControl").
    /// Returns "" or an error message.
    std::string SelectPolicies(const std::string& flowControl, const std::string& congestionControl);
    /// Set one attribute from a typed Python value (float, int, bool or str, borrowed); target:
    /// network | switch | nic | flow_control | congestion_control. An attribute whose name
    /// carries a unit takes a number in that unit (RpTimerUs: microseconds); a number is never
    /// parsed from text (str reaches only string, enum and table attributes). Returns "" or an
    /// error message (unknown attribute, a value of another type, out of range).
    std::string SetAttribute(const std::string& target, const std::string& name, _object* value);
    /// JSON object {"type", "attributes": {name: {"value" (typed), "help", "checker" (value
    /// type), "range"}}} of a target's effective attributes.
    std::string DescribeAttributes(const std::string& target);
    /// The TypeId registry as JSON: {"flow_control": [...], "congestion_control": [...],
    /// "devices": [...]}; each entry {"name": short name (or target), "type": TypeId name,
    /// "attributes": [{"name", "default" (as ns-3 prints it), "value" (typed default), "help",
    /// "checker", "range"}]} (the type's and its bases' attributes). Every constructible
    /// policy is listed; devices are the network, switch and nic targets' types.
    static std::string TypeRegistry();

    void Build(uint32_t numHosts, uint32_t numSwitches, bool hostsForward, uint32_t seed);
    void AddLink(uint32_t a, uint32_t b, double gbps, uint64_t latencyNs);
    std::string Finalize();
    /// Capture frames sent on (node, port) into `path` (pcap, ns timestamps); "" or an error.
    std::string EnablePcap(uint32_t node, uint32_t port, const std::string& path);
    // A progress line on stderr every everySeconds once a run has taken afterSeconds of wall
    // clock; boundNs > 0 (a known end of simulated time) adds an ETA. Call after Finalize.
    void EnableProgress(double everySeconds, double afterSeconds, int64_t boundNs);

    /// Queue a message on QP (src, dst, stream); returns its id (delivery -> handler(1, id)).
    uint64_t Send(uint32_t src, uint32_t dst, uint64_t bytes, uint32_t stream);
    /// A message the system layer matches with a receive (ASTRA-sim's rules, as
    /// astrasim_py.network.api.MessageMatcher; key (tag, src, dst, bytes), n-th send matches
    /// n-th receive; QP stream = the tag's low 32 bits). When its last byte arrives: onSent runs
    /// (unless None), then the oldest posted matching receive's handler, or the arrival waits.
    void SendMatched(uint32_t src, uint32_t dst, uint64_t bytes, int64_t tag, _object* onSent);
    /// Post a receive at dst for (tag, src, dst, bytes): onRecv runs when its message has
    /// arrived (through a zero-delay event if it already has).
    void PostRecv(uint32_t dst, uint32_t src, uint64_t bytes, int64_t tag, _object* onRecv);
    /// A collective step in one call: SendMatched(npu, dst, bytes, tag, None) then
    /// PostRecv(npu, src, bytes, tag, onRecv).
    void SendAndPostRecv(uint32_t npu, uint32_t dst, uint32_t src, uint64_t bytes, int64_t tag,
                         _object* onRecv);
    /// Receives still waiting and arrivals never received (both 0 after a clean run).
    uint64_t PendingReceives() const;
    uint64_t PendingArrivals() const;
    /// ASTRA-sim's per-NPU event map (Sys::register): fn() runs at tick now + delayNs (integer
    /// ns) after every callable registered earlier for the same (owner, tick), including those
    /// registered while that tick runs; one fabric event per (owner, tick). A negative delay
    /// stops the run (Run() returns why).
    void Register(uint32_t owner, int64_t delayNs, _object* fn);
    /// fn() runs at now + delayNs (the bridge holds the Python object `fn` until then).
    void Schedule(uint64_t delayNs, _object* fn);
    /// Python callbacks, made through the CPython API directly: a std::function would make
    /// cppyy JIT-compile a wrapper at start-up (~0.25 s) and cost more per call. Scheduled
    /// callables, tick callables and message handlers are called as fn(); the handler gets the
    /// rest: handler(1, id) when a Send() message (a plain flow) is delivered, handler(2,
    /// exception) when a callable raised (the run then stops).
    void SetHandler(_object* handler);
    /// Wall seconds spent inside the handler (Python) and how many times it was called.
    double HandlerSeconds() const;
    /// Wall seconds of fabric work (Send, Schedule, matching; e.g. a NIC starting to transmit)
    /// done inside the handler: part of HandlerSeconds that is not Python.
    double FabricSecondsInHandler() const;
    uint64_t HandlerCalls() const;
    uint64_t NowNs() const;
    double NowExactNs() const;
    /// Run until the event queue empties; "" or why progress stopped ("interrupted: SIGINT"
    /// or "interrupted: SIGTERM" when a signal stopped it after the current event).
    std::string Run();
    /// Stop the run from inside a handler (e.g. a Python exception).
    void Abort();
    uint64_t Outstanding() const;
    uint64_t EventCount() const;

    std::string Telemetry();
    std::string TimeSeries();
    /// Release the simulator so that another fabric can be built in this process.
    void Destroy();

  private:
    std::unique_ptr<FabricBridgeImpl> m_impl;
    uint32_t m_seed{1};
};

} // namespace astrasim

#endif
