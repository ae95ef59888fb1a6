#include "fabric-bridge.h"

#include "fabric-network.h"

#include "ns3/object-factory.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"

#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <map>
#include <sstream>
#include <unordered_map>
#include <vector>

// The few stable CPython entry points the handler needs. The library only ever runs inside a
// Python process (loaded by cppyy), which provides these symbols; cppyy keeps the GIL held
// while C++ runs, so calling back into Python from the event loop is safe.
extern "C"
{
    typedef struct _object PyObject;
    PyObject* PyLong_FromUnsignedLongLong(unsigned long long value);
    PyObject* PyObject_Vectorcall(PyObject* callable, PyObject* const* args, size_t nargsf,
                                  PyObject* kwnames);
    void Py_IncRef(PyObject* o);
    void Py_DecRef(PyObject* o);
    void PyErr_Print();
    void PyErr_Fetch(PyObject** type, PyObject** value, PyObject** traceback);
    void PyErr_NormalizeException(PyObject** type, PyObject** value, PyObject** traceback);
    int PyException_SetTraceback(PyObject* exception, PyObject* traceback);
    extern struct _object _Py_NoneStruct;  // None
}

namespace astrasim
{

using namespace ns3;
using namespace ns3::fabric;

namespace
{

using Clock = std::chrono::steady_clock;

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

/// One NPU's tick in ASTRA-sim's per-NPU event map: (owner, integer ns).
struct TickKey
{
    uint32_t owner;
    int64_t ns;

    bool operator==(const TickKey& o) const
    {
        return owner == o.owner && ns == o.ns;
    }
};

struct TickKeyHash
{
    size_t operator()(const TickKey& k) const
    {
        return static_cast<uint64_t>(k.ns) * 0x9E3779B97F4A7C15ull ^ k.owner;
    }
};

using TickMap = std::unordered_map<TickKey, std::vector<PyObject*>, TickKeyHash>;

/// A message in flight that the system layer matches with a receive.
struct MatchedMessage
{
    MessageKey key;
    PyObject* onSent;  // owned; nullptr when nothing is to run
};

} // namespace

class FabricBridgeImpl
{
  public:
    ObjectFactory network{"ns3::fabric::FabricNetwork"};
    ObjectFactory sw{"ns3::fabric::FabricSwitch"};
    ObjectFactory nic{"ns3::fabric::RdmaNic"};
    ObjectFactory fc{"ns3::fabric::NoFlowControl"};
    ObjectFactory cc{"ns3::fabric::NoCongestionControl"};
    Ptr<FabricNetwork> net;
    PyObject* handler{nullptr};
    PyObject* kinds[3]{nullptr, nullptr, nullptr};
    double handlerSeconds{0};
    double fabricInHandlerSeconds{0};
    uint64_t handlerCalls{0};
    bool inHandler{false};
    bool aborted{false};
    std::string handlerError;
    // ASTRA-sim's send/recv matching (astrasim_py.network.api.MessageMatcher, same rules), kept
    // here so that a delivery costs Python only the handlers it runs: no key tuples, no dicts.
    std::unordered_map<uint64_t, MatchedMessage> inFlight;                    // by message id
    // Receives waiting per key, oldest first (owned). A plain vector: almost always one entry,
    // and a std::deque would allocate ~600 bytes per key and message.
    std::unordered_map<MessageKey, std::vector<PyObject*>, MessageKeyHash> posted;
    std::unordered_map<MessageKey, uint64_t, MessageKeyHash> arrived;
    uint64_t postedCount{0};
    uint64_t arrivedCount{0};
    // ASTRA-sim's per-NPU event map (the system layer's Sys::register): callables by (NPU,
    // tick), one fabric event per tick. A tick event's id is its map entry's address with the
    // low bit set (Python objects, the other user events, are aligned: low bit clear).
    TickMap ticks;
    std::string pendingError;  // from outside the event loop; Run() reports it

    /// Charge the wall time since `start` to fabric work done inside a Python handler.
    void ChargeFabric(Clock::time_point start)
    {
        if (inHandler)
        {
            fabricInHandlerSeconds += std::chrono::duration<double>(Clock::now() - start).count();
        }
    }

    /// handler(kind, ref); ref is borrowed from the caller.
    void Call(int kind, PyObject* ref)
    {
        if (aborted)
        {
            return;  // a handler failed: run nothing more, Run() is about to return
        }
        auto start = Clock::now();
        inHandler = true;
        PyObject* args[2] = {kinds[kind], ref};
        PyObject* result = PyObject_Vectorcall(handler, args, 2, nullptr);
        if (result)
        {
            Py_DecRef(result);
        }
        else
        {
            LastResort();
        }
        Done(start);
    }

    /// fn() for a scheduled callable, a tick's callable or a message handler (borrowed).
    void CallDirect(PyObject* fn)
    {
        if (aborted)
        {
            return;
        }
        auto start = Clock::now();
        inHandler = true;
        PyObject* result = PyObject_Vectorcall(fn, nullptr, 0, nullptr);
        if (result)
        {
            Py_DecRef(result);
        }
        else
        {
            HandOverError();
        }
        Done(start);
    }

    void Done(Clock::time_point start)
    {
        inHandler = false;
        ++handlerCalls;
        handlerSeconds += std::chrono::duration<double>(Clock::now() - start).count();
    }

    /// A callable raised: give the exception to handler(2, exc), which keeps it for
    /// Run()'s caller, and stop the run.
    void HandOverError()
    {
        PyObject* type = nullptr;
        PyObject* value = nullptr;
        PyObject* traceback = nullptr;
        PyErr_Fetch(&type, &value, &traceback);
        PyErr_NormalizeException(&type, &value, &traceback);
        if (value && traceback)
        {
            PyException_SetTraceback(value, traceback);
        }
        PyObject* args[2] = {kinds[2], value ? value : &_Py_NoneStruct};
        PyObject* result = PyObject_Vectorcall(handler, args, 2, nullptr);
        for (PyObject* o : {type, value, traceback, result})
        {
            if (o)
            {
                Py_DecRef(o);
            }
        }
        if (!result)
        {
            LastResort();
        }
        net->Abort();
        aborted = true;
    }

    /// The Python handler itself failed (it catches its own errors: e.g. out of memory).
    void LastResort()
    {
        PyErr_Print();
        Stop("the Python completion handler raised (traceback above)");
    }

    /// End the run from inside the event loop; Run() returns the first reason given.
    void Stop(const std::string& reason)
    {
        if (handlerError.empty())
        {
            handlerError = reason;
        }
        net->Abort();
        aborted = true;
    }

    /// fn runs at now + delay after the callables registered before it for the same (owner, tick).
    void Register(uint32_t owner, int64_t delay, PyObject* fn)
    {
        TickKey key{owner, Simulator::Now().GetTimeStep() / 1000 + delay};
        auto it = ticks.find(key);
        if (it != ticks.end())
        {
            Py_IncRef(fn);
            it->second.push_back(fn);
            return;
        }
        if (delay < 0)
        {
            std::string e = "cannot schedule " + std::to_string(delay) + " ns in the past";
            if (net->Running())
            {
                Stop(e);
            }
            else if (pendingError.empty())
            {
                pendingError = e;
            }
            return;
        }
        Py_IncRef(fn);
        auto entry = ticks.emplace(key, std::vector<PyObject*>{fn}).first;
        net->ScheduleUserEvent(delay, reinterpret_cast<uint64_t>(&*entry) | 1);
    }

    /// A tick is due: its callables in registration order, including those registered for this
    /// same tick while it runs.
    void RunTick(uint64_t id)
    {
        auto* entry = reinterpret_cast<TickMap::value_type*>(id & ~uint64_t{1});
        TickKey key = entry->first;
        std::vector<PyObject*>& bucket = entry->second;  // element references survive rehashing
        for (size_t i = 0; i < bucket.size(); ++i)
        {
            CallDirect(bucket[i]);
        }
        for (PyObject* fn : bucket)
        {
            Py_DecRef(fn);
        }
        ticks.erase(key);
    }

    /// The last byte of message `id` arrived: its send handler, then a posted receive's.
    void Delivered(uint64_t id)
    {
        auto it = inFlight.find(id);
        if (it == inFlight.end())
        {
            PyObject* ident = PyLong_FromUnsignedLongLong(id);  // a plain flow: Python records it
            Call(1, ident);
            Py_DecRef(ident);
            return;
        }
        MatchedMessage m = it->second;
        inFlight.erase(it);
        if (m.onSent)
        {
            CallDirect(m.onSent);
            Py_DecRef(m.onSent);
        }
        auto waiting = posted.find(m.key);
        if (waiting != posted.end())
        {
            PyObject* onRecv = waiting->second.front();
            waiting->second.erase(waiting->second.begin());
            if (waiting->second.empty())
            {
                posted.erase(waiting);
            }
            --postedCount;
            CallDirect(onRecv);
            Py_DecRef(onRecv);
        }
        else
        {
            ++arrived[m.key];
            ++arrivedCount;
        }
    }

    /// A receive for `key` is posted: complete it now (zero-delay event) if its message is here.
    void Post(const MessageKey& key, PyObject* onRecv)
    {
        auto here = arrived.find(key);
        Py_IncRef(onRecv);
        if (here != arrived.end())
        {
            if (--here->second == 0)
            {
                arrived.erase(here);
            }
            --arrivedCount;
            net->ScheduleUserEvent(0, reinterpret_cast<uint64_t>(onRecv));
        }
        else
        {
            posted[key].push_back(onRecv);
            ++postedCount;
        }
    }

    /// Drop every Python reference held for messages, receives and the handler.
    void ReleasePython()
    {
        for (auto& [id, m] : inFlight)
        {
            if (m.onSent)
            {
                Py_DecRef(m.onSent);
            }
        }
        inFlight.clear();
        for (auto& [key, queue] : posted)
        {
            for (PyObject* fn : queue)
            {
                Py_DecRef(fn);
            }
        }
        posted.clear();
        arrived.clear();
        for (auto& [key, bucket] : ticks)
        {
            for (PyObject* fn : bucket)
            {
                Py_DecRef(fn);
            }
        }
        ticks.clear();
        postedCount = arrivedCount = 0;
        SetHandler(nullptr);
    }

    void OnCompletion(int kind, uint64_t id)
    {
        if (!handler)
        {
            return;  // released (Destroy): the references went with ReleasePython
        }
        if (kind == 0 && (id & 1))
        {
            RunTick(id);
        }
        else if (kind == 0)
        {
            // The event's id is the Python object Schedule was given, held since then.
            PyObject* fn = reinterpret_cast<PyObject*>(id);
            CallDirect(fn);
            Py_DecRef(fn);
        }
        else
        {
            Delivered(id);
        }
    }

    void SetHandler(PyObject* h)
    {
        if (h)
        {
            Py_IncRef(h);
        }
        if (handler)
        {
            Py_DecRef(handler);
        }
        handler = h;
        for (int k = 0; k < 3; ++k)
        {
            if (!kinds[k])
            {
                kinds[k] = PyLong_FromUnsignedLongLong(k);  // small ints: kept for the process
            }
        }
    }

    ObjectFactory* Target(const std::string& t)
    {
        if (t == "network")
            return &network;
        if (t == "switch")
            return &sw;
        if (t == "nic")
            return &nic;
        if (t == "flow_control")
            return &fc;
        if (t == "congestion_control")
            return &cc;
        return nullptr;
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

static std::string
CheckTypeId(const std::string& name, TypeId parent)
{
    TypeId tid;
    if (!TypeId::LookupByNameFailSafe(name, &tid))
    {
        return "unknown policy type " + name;
    }
    if (!tid.IsChildOf(parent) || !tid.HasConstructor())
    {
        return name + " is not a constructible " + parent.GetName();
    }
    return "";
}

std::string
FabricBridge::SelectPolicies(const std::string& flowControl, const std::string& congestionControl)
{
    std::string e = CheckTypeId(flowControl, FlowControl::GetTypeId());
    if (!e.empty())
        return e;
    e = CheckTypeId(congestionControl, CongestionControl::GetTypeId());
    if (!e.empty())
        return e;
    m_impl->fc.SetTypeId(flowControl);
    m_impl->cc.SetTypeId(congestionControl);
    return "";
}

std::string
FabricBridge::SetAttribute(const std::string& target, const std::string& name,
                           const std::string& value)
{
    ObjectFactory* f = m_impl->Target(target);
    if (!f)
        return "unknown attribute target " + target;
    TypeId tid = f->GetTypeId();
    TypeId::AttributeInformation info;
    if (!tid.LookupAttributeByName(name, &info))
        return tid.GetName() + " has no attribute " + name;
    Ptr<AttributeValue> v = info.checker->CreateValidValue(StringValue(value));
    if (!v)
        return "bad value '" + value + "' for " + tid.GetName() + "::" + name;
    f->Set(name, *v);
    return "";
}

static std::string
JsonEscape(const std::string& s)
{
    std::string o;
    for (char c : s)
    {
        if (c == '"' || c == '\\')
            o += '\\';
        o += c;
    }
    return o;
}

std::string
FabricBridge::DescribeAttributes(const std::string& target)
{
    ObjectFactory* f = m_impl->Target(target);
    if (!f)
        return "{}";
    Ptr<Object> obj = f->Create<Object>();
    std::ostringstream os;
    os << "{\"type\":\"" << f->GetTypeId().GetName() << "\",\"attributes\":{";
    bool first = true;
    for (TypeId tid = f->GetTypeId();; tid = tid.GetParent())
    {
        for (uint32_t i = 0; i < tid.GetAttributeN(); ++i)
        {
            auto info = tid.GetAttribute(i);
            StringValue sv;
            obj->GetAttribute(info.name, sv);
            // checker/range let Python check a value before SetAttribute: ns-3 aborts the
            // process (NS_FATAL) on some unparsable strings instead of returning an error
            os << (first ? "" : ",") << "\"" << info.name << "\":{\"value\":\""
               << JsonEscape(sv.Get()) << "\",\"help\":\"" << JsonEscape(info.help)
               << "\",\"checker\":\"" << JsonEscape(info.checker->GetValueTypeName())
               << "\",\"range\":\"" << JsonEscape(info.checker->GetUnderlyingTypeInformation())
               << "\"}";
            first = false;
        }
        if (tid == Object::GetTypeId() || tid.GetParent() == tid)
            break;
    }
    os << "}}";
    return os.str();
}

template <typename Policy>
static void
ListPolicies(std::ostream& os)
{
    TypeId base = Policy::GetTypeId();
    std::map<std::string, std::string> entries;  // by short name: a stable order
    for (uint32_t i = 0; i < TypeId::GetRegisteredN(); ++i)
    {
        TypeId tid = TypeId::GetRegistered(i);
        if (tid == base || !tid.IsChildOf(base) || !tid.HasConstructor())
        {
            continue;
        }
        ObjectFactory f(tid.GetName());
        Ptr<Policy> policy = f.Create<Policy>();
        std::ostringstream e;
        e << "{\"name\":\"" << JsonEscape(policy->Name()) << "\",\"type\":\"" << tid.GetName()
          << "\",\"attributes\":[";
        bool first = true;
        for (TypeId t = tid; t != Object::GetTypeId() && t.GetParent() != t; t = t.GetParent())
        {
            for (uint32_t a = 0; a < t.GetAttributeN(); ++a)
            {
                auto info = t.GetAttribute(a);
                e << (first ? "" : ",") << "{\"name\":\"" << info.name << "\",\"default\":\""
                  << JsonEscape(info.initialValue->SerializeToString(info.checker)) << "\",\"help\":\""
                  << JsonEscape(info.help) << "\"}";
                first = false;
            }
        }
        e << "]}";
        entries[policy->Name()] = e.str();
    }
    const char* sep = "";
    for (const auto& kv : entries)
    {
        os << sep << kv.second;
        sep = ",";
    }
}

std::string
FabricBridge::PolicyRegistry()
{
    std::ostringstream os;
    os << "{\"flow_control\":[";
    ListPolicies<FlowControl>(os);
    os << "],\"congestion_control\":[";
    ListPolicies<CongestionControl>(os);
    os << "]}";
    return os.str();
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
    m_impl->net = m_impl->network.Create<FabricNetwork>();
    m_impl->net->Build(numHosts,
                       numSwitches,
                       hostsForward,
                       m_impl->fc.Create<FlowControl>(),
                       m_impl->cc.Create<CongestionControl>(),
                       m_impl->sw,
                       m_impl->nic);
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
    m_impl->ChargeFabric(start);
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
    m_impl->inFlight.emplace(id, MatchedMessage{MessageKey{tag, src, dst, bytes}, held});
    m_impl->ChargeFabric(start);
}

void
FabricBridge::Register(uint32_t owner, int64_t delayNs, PyObject* fn)
{
    auto start = Clock::now();
    m_impl->Register(owner, delayNs, fn);
    m_impl->ChargeFabric(start);
}

void
FabricBridge::SendAndPostRecv(uint32_t npu, uint32_t dst, uint32_t src, uint64_t bytes, int64_t tag,
                              PyObject* onRecv)
{
    auto start = Clock::now();
    uint64_t id = m_impl->net->Send(npu, dst, bytes, static_cast<uint32_t>(tag));
    m_impl->inFlight.emplace(id, MatchedMessage{MessageKey{tag, npu, dst, bytes}, nullptr});
    m_impl->Post(MessageKey{tag, src, npu, bytes}, onRecv);
    m_impl->ChargeFabric(start);
}

void
FabricBridge::PostRecv(uint32_t dst, uint32_t src, uint64_t bytes, int64_t tag, PyObject* onRecv)
{
    auto start = Clock::now();
    m_impl->Post(MessageKey{tag, src, dst, bytes}, onRecv);
    m_impl->ChargeFabric(start);
}

uint64_t
FabricBridge::PendingReceives() const
{
    return m_impl->postedCount;
}

uint64_t
FabricBridge::PendingArrivals() const
{
    return m_impl->arrivedCount;
}

void
FabricBridge::Schedule(uint64_t delayNs, PyObject* fn)
{
    // Held until the event fires (OnCompletion releases it); events dropped by Destroy or an
    // aborted run keep their reference, a small leak only on those paths.
    auto start = Clock::now();
    Py_IncRef(fn);
    m_impl->net->ScheduleUserEvent(delayNs, reinterpret_cast<uint64_t>(fn));
    m_impl->ChargeFabric(start);
}

void
FabricBridge::SetHandler(PyObject* handler)
{
    m_impl->SetHandler(handler);
}

double
FabricBridge::HandlerSeconds() const
{
    return m_impl->handlerSeconds;
}

double
FabricBridge::FabricSecondsInHandler() const
{
    return m_impl->fabricInHandlerSeconds;
}

uint64_t
FabricBridge::HandlerCalls() const
{
    return m_impl->handlerCalls;
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
    m_impl->aborted = false;
    g_stopSignal = 0;
    struct sigaction stop = {};
    struct sigaction oldInt = {};
    struct sigaction oldTerm = {};
    stop.sa_handler = StopOnSignal;
    sigemptyset(&stop.sa_mask);
    sigaction(SIGINT, &stop, &oldInt);
    sigaction(SIGTERM, &stop, &oldTerm);
    std::string reason = m_impl->net->Run();
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGTERM, &oldTerm, nullptr);
    if (g_stopSignal)
    {
        return g_stopSignal == SIGINT ? "interrupted: SIGINT" : "interrupted: SIGTERM";
    }
    if (!m_impl->handlerError.empty())
    {
        reason = m_impl->handlerError;
        m_impl->handlerError.clear();
    }
    return reason;
}

void
FabricBridge::Abort()
{
    m_impl->aborted = true;
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
