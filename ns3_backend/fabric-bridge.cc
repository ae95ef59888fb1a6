// The cppyy facade: public FabricBridge calls forwarded to the parts that own them, the
// attribute targets (bridge-attributes), Python calls and their timing (bridge-python),
// send/receive matching (bridge-matching) and the per-NPU tick map (bridge-ticks).
#include "fabric-bridge.h"

#include "bridge-attributes.h"
#include "bridge-matching.h"
#include "bridge-python.h"
#include "bridge-ticks.h"
#include "fabric-network.h"

#include "ns3/object-factory.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"

#include <csignal>
#include <cstdlib>

namespace astrasim
{

using namespace ns3;
using namespace ns3::fabric;

class FabricBridgeImpl
{
  public:
    AttributeTargets targets;
    Ptr<FabricNetwork> net;
    PythonCalls python;
    MessageMatcher matcher;
    TickTable ticks;
    std::string pendingError;  // from outside the event loop; Run() reports it

    void OnCompletion(int kind, uint64_t id)
    {
        if (!python.HasHandler())
        {
            return;  // released (Destroy): the references went with ReleasePython
        }
        if (kind == 0 && TickTable::IsTick(id))
        {
            ticks.Run(id, python);
        }
        else if (kind == 0)
        {
            // The event's id is the Python object Schedule was given, held since then.
            PyObject* fn = reinterpret_cast<PyObject*>(id);
            python.CallDirect(fn);
            Py_DecRef(fn);
        }
        else if (!matcher.Delivered(id, python))
        {
            PyObject* ident = PyLong_FromUnsignedLongLong(id);  // a plain flow: Python records it
            python.Call(1, ident);
            Py_DecRef(ident);
        }
    }

    /// A receive for `key`: complete it now (zero-delay event) if its message is here.
    void Post(const MessageKey& key, PyObject* onRecv)
    {
        if (PyObject* ready = matcher.Post(key, onRecv))
        {
            net->ScheduleUserEvent(0, reinterpret_cast<uint64_t>(ready));
        }
    }

    /// Drop every Python reference held for messages, receives, ticks and the handler.
    void ReleasePython()
    {
        matcher.Release();
        ticks.Release();
        python.SetHandler(nullptr);
    }
};

static void
EnsureTimeResolution()
{
    static bool done = false;
    if (!done)
    {
        // Picoseconds: 1 KB at 400 Gb/s is 20.48 ns, which nanosecond ticks would round.
        Time::SetResolution(Time::PS);
        done = true;
    }
}

FabricBridge::FabricBridge()
    : m_impl(std::make_unique<FabricBridgeImpl>())
{
    EnsureTimeResolution();
}

FabricBridge::~FabricBridge()
{
    Destroy();
}

std::string
FabricBridge::SelectPolicies(const std::string& flowControl, const std::string& congestionControl)
{
    return m_impl->targets.SelectPolicies(flowControl, congestionControl);
}

std::string
FabricBridge::SetAttribute(const std::string& target, const std::string& name, _object* value)
{
    return m_impl->targets.Set(target, name, ReadTypedValue(value));
}

std::string
FabricBridge::DescribeAttributes(const std::string& target)
{
    return m_impl->targets.Describe(target);
}

std::string
FabricBridge::TypeRegistry()
{
    return AttributeTargets::TypeRegistry();
}

void
FabricBridge::Build(uint32_t numHosts, uint32_t numSwitches, bool hostsForward, uint32_t seed)
{
    Simulator::Destroy();
    // The fabric's 4-ary heap measured fastest for its event mix (ns-3's map about 15-20% slower
    // in the event loop). Any ns-3 scheduler gives the same event order; overridable.
    const char* choice = std::getenv("ASTRASIM_NS3_SCHEDULER");
    ObjectFactory sched(choice ? choice : "ns3::fabric::FourAryHeapScheduler");
    Simulator::SetScheduler(sched);
    RngSeedManager::SetSeed(seed == 0 ? 1 : seed);
    RngSeedManager::SetRun(1);
    AttributeTargets& t = m_impl->targets;
    m_impl->net = t.network.Create<FabricNetwork>();
    m_impl->net->Build(numHosts,
                       numSwitches,
                       hostsForward,
                       t.fc.Create<FlowControl>(),
                       t.cc.Create<CongestionControl>(),
                       t.sw,
                       t.nic);
    m_impl->python.SetNetwork(PeekPointer(m_impl->net));
    FabricBridgeImpl* impl = m_impl.get();
    m_impl->net->SetHandler([impl](int kind, uint64_t id) { impl->OnCompletion(kind, id); });
    m_seed = seed;
}

void
FabricBridge::AddLink(uint32_t a, uint32_t b, double gbps, uint64_t latencyNs)
{
    m_impl->net->AddLink(a, b, gbps, latencyNs);
}

std::string
FabricBridge::Finalize()
{
    return m_impl->net->Finalize(m_seed);
}

void
FabricBridge::EnableProgress(double everySeconds, double afterSeconds, int64_t boundNs)
{
    if (m_impl->net)
    {
        m_impl->net->Progress().Enable(everySeconds, afterSeconds, boundNs);
    }
}

std::string
FabricBridge::EnablePcap(uint32_t node, uint32_t port, const std::string& path)
{
    return m_impl->net->EnablePcap(node, port, path);
}

uint64_t
FabricBridge::Send(uint32_t src, uint32_t dst, uint64_t bytes, uint32_t stream)
{
    auto start = Clock::now();
    uint64_t id = m_impl->net->Send(src, dst, bytes, stream);
    m_impl->python.ChargeFabric(start);
    return id;
}

void
FabricBridge::SendMatched(uint32_t src, uint32_t dst, uint64_t bytes, int64_t tag, PyObject* onSent)
{
    auto start = Clock::now();
    // The QP stream is the tag's low 32 bits, as Python's `tag & 0xFFFFFFFF`.
    uint64_t id = m_impl->net->Send(src, dst, bytes, static_cast<uint32_t>(tag));
    PyObject* held = nullptr;
    if (onSent && onSent != &_Py_NoneStruct)
    {
        Py_IncRef(onSent);
        held = onSent;
    }
    m_impl->matcher.Sent(id, MessageKey{tag, src, dst, bytes}, held);
    m_impl->python.ChargeFabric(start);
}

void
FabricBridge::Register(uint32_t owner, int64_t delayNs, PyObject* fn)
{
    auto start = Clock::now();
    std::string e = m_impl->ticks.Register(owner, delayNs, fn, *m_impl->net);
    if (!e.empty())
    {
        if (m_impl->net->Running())
        {
            m_impl->python.Stop(e);
        }
        else if (m_impl->pendingError.empty())
        {
            m_impl->pendingError = e;
        }
    }
    m_impl->python.ChargeFabric(start);
}

void
FabricBridge::SendAndPostRecv(uint32_t npu, uint32_t dst, uint32_t src, uint64_t bytes, int64_t tag,
                              PyObject* onRecv)
{
    auto start = Clock::now();
    uint64_t id = m_impl->net->Send(npu, dst, bytes, static_cast<uint32_t>(tag));
    m_impl->matcher.Sent(id, MessageKey{tag, npu, dst, bytes}, nullptr);
    m_impl->Post(MessageKey{tag, src, npu, bytes}, onRecv);
    m_impl->python.ChargeFabric(start);
}

void
FabricBridge::PostRecv(uint32_t dst, uint32_t src, uint64_t bytes, int64_t tag, PyObject* onRecv)
{
    auto start = Clock::now();
    m_impl->Post(MessageKey{tag, src, dst, bytes}, onRecv);
    m_impl->python.ChargeFabric(start);
}

uint64_t
FabricBridge::PendingReceives() const
{
    return m_impl->matcher.PendingReceives();
}

uint64_t
FabricBridge::PendingArrivals() const
{
    return m_impl->matcher.PendingArrivals();
}

void
FabricBridge::Schedule(uint64_t delayNs, PyObject* fn)
{
    // Held until the event fires (OnCompletion releases it); events dropped by Destroy or an
    // aborted run keep their reference, a small leak only on those paths.
    auto start = Clock::now();
    Py_IncRef(fn);
    m_impl->net->ScheduleUserEvent(delayNs, reinterpret_cast<uint64_t>(fn));
    m_impl->python.ChargeFabric(start);
}

void
FabricBridge::SetHandler(PyObject* handler)
{
    m_impl->python.SetHandler(handler);
}

double
FabricBridge::HandlerSeconds() const
{
    return m_impl->python.HandlerSeconds();
}

double
FabricBridge::FabricSecondsInHandler() const
{
    return m_impl->python.FabricSecondsInHandler();
}

uint64_t
FabricBridge::HandlerCalls() const
{
    return m_impl->python.HandlerCalls();
}

static int64_t
NowPs(const FabricBridgeImpl& impl)
{
    // After a run, "now" is the last user-visible event: trailing ACKs and idle timers that
    // drained the queue later do not count as simulated work (ASTRA-sim semantics).
    if (impl.net && !impl.net->Running() && Simulator::IsFinished())
    {
        return impl.net->LastActivity().GetTimeStep();
    }
    return Simulator::Now().GetTimeStep();
}

uint64_t
FabricBridge::NowNs() const
{
    return NowPs(*m_impl) / 1000;
}

double
FabricBridge::NowExactNs() const
{
    return NowPs(*m_impl) / 1000.0;
}

namespace
{
volatile std::sig_atomic_t g_stopSignal = 0;

// SIGINT/SIGTERM during Run(): stop the event loop after the current event. Simulator::Stop
// only sets a flag the loop reads before each event; cppyy holds the GIL while C++ runs, so
// Python's own handler could not run until the (possibly hours-long) loop returned.
extern "C" void
StopOnSignal(int sig)
{
    g_stopSignal = sig;
    Simulator::Stop();
}

/// The fabric's run with SIGINT/SIGTERM stopping it: the network's reason, or (when a
/// signal stopped it) "interrupted: SIGINT" / "interrupted: SIGTERM" with `interrupted` set.
std::string
RunStoppableBySignal(FabricNetwork& net, bool& interrupted)
{
    g_stopSignal = 0;
    struct sigaction stop = {};
    struct sigaction oldInt = {};
    struct sigaction oldTerm = {};
    stop.sa_handler = StopOnSignal;
    sigemptyset(&stop.sa_mask);
    sigaction(SIGINT, &stop, &oldInt);
    sigaction(SIGTERM, &stop, &oldTerm);
    std::string reason = net.Run();
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGTERM, &oldTerm, nullptr);
    interrupted = g_stopSignal != 0;
    if (interrupted)
    {
        return g_stopSignal == SIGINT ? "interrupted: SIGINT" : "interrupted: SIGTERM";
    }
    return reason;
}
} // namespace

std::string
FabricBridge::Run()
{
    if (!m_impl->pendingError.empty())
    {
        std::string e = m_impl->pendingError;
        m_impl->pendingError.clear();
        return e;
    }
    m_impl->python.SetAborted(false);
    bool interrupted = false;
    std::string reason = RunStoppableBySignal(*m_impl->net, interrupted);
    if (interrupted)
    {
        return reason;
    }
    std::string handlerError = m_impl->python.TakeError();
    return handlerError.empty() ? reason : handlerError;
}

void
FabricBridge::Abort()
{
    m_impl->python.SetAborted(true);
    m_impl->net->Abort();
}

uint64_t
FabricBridge::Outstanding() const
{
    return m_impl->net ? m_impl->net->Outstanding() : 0;
}

uint64_t
FabricBridge::EventCount() const
{
    return Simulator::GetEventCount();
}

std::string
FabricBridge::Telemetry()
{
    return m_impl->net ? m_impl->net->TelemetryJson() : "{}";
}

std::string
FabricBridge::TimeSeries()
{
    return m_impl->net ? m_impl->net->TimeSeriesJson() : "{}";
}

void
FabricBridge::Destroy()
{
    if (m_impl && m_impl->net)
    {
        // The handler is usually a bound method of the object holding this bridge: releasing
        // it here breaks that reference cycle, which Python's collector cannot see.
        m_impl->ReleasePython();
        Simulator::Destroy();
        m_impl->net->Dispose();
        m_impl->net = nullptr;
    }
}

} // namespace astrasim
