// The bridge's calls into Python through the stable CPython ABI: the completion handler,
// scheduled and tick callables, exception hand-over, and the wall time spent in them.
// Internal to the library (fabric-bridge.h stays free of it).
#ifndef ASTRASIM_BRIDGE_PYTHON_H
#define ASTRASIM_BRIDGE_PYTHON_H

#include "bridge-attributes.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

// The few stable CPython entry points the bridge needs. The library only ever runs inside a
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
    // typed attribute values (ReadTypedValue)
    int PyObject_IsInstance(PyObject* object, PyObject* type);
    int PyObject_IsTrue(PyObject* o);
    double PyFloat_AsDouble(PyObject* o);
    long long PyLong_AsLongLong(PyObject* o);
    unsigned long long PyLong_AsUnsignedLongLong(PyObject* o);
    const char* PyUnicode_AsUTF8AndSize(PyObject* o, std::ptrdiff_t* size);
    PyObject* PyObject_Str(PyObject* o);
    PyObject* PyErr_Occurred();
    void PyErr_Clear();
    extern struct _typeobject PyFloat_Type;
    extern struct _typeobject PyLong_Type;
    extern struct _typeobject PyBool_Type;
    extern struct _typeobject PyUnicode_Type;
}

namespace ns3::fabric
{
class FabricNetwork;
}

namespace astrasim
{

using Clock = std::chrono::steady_clock;

/// A Python float, int, bool or str (borrowed) as the attribute setter's typed value; anything
/// else is TypedValue::Other. Python errors raised while reading are cleared.
TypedValue ReadTypedValue(PyObject* value);

class PythonCalls
{
  public:
    /// The network a failing callable stops (set at every Build).
    void SetNetwork(ns3::fabric::FabricNetwork* net)
    {
        m_net = net;
    }
    /// Hold `h` (nullptr releases the current handler).
    void SetHandler(PyObject* h);
    bool HasHandler() const
    {
        return m_handler != nullptr;
    }
    /// handler(kind, ref); ref is borrowed from the caller.
    void Call(int kind, PyObject* ref);
    /// fn() for a scheduled callable, a tick's callable or a message handler (borrowed).
    void CallDirect(PyObject* fn);
    /// Charge the wall time since `start` to fabric work done inside a Python handler.
    void ChargeFabric(Clock::time_point start)
    {
        if (m_inHandler)
        {
            m_fabricInHandlerSeconds += std::chrono::duration<double>(Clock::now() - start).count();
        }
    }
    /// End the run from inside the event loop; TakeError() returns the first reason given.
    void Stop(const std::string& reason);
    /// The reason a run was stopped ("" if none), cleared.
    std::string TakeError();
    void SetAborted(bool aborted)
    {
        m_aborted = aborted;
    }
    double HandlerSeconds() const
    {
        return m_handlerSeconds;
    }
    double FabricSecondsInHandler() const
    {
        return m_fabricInHandlerSeconds;
    }
    uint64_t HandlerCalls() const
    {
        return m_handlerCalls;
    }

  private:
    void Done(Clock::time_point start);
    /// A callable raised: give the exception to handler(2, exc), which keeps it for Run()'s
    /// caller, and stop the run.
    void HandOverError();
    /// The Python handler itself failed (it catches its own errors: e.g. out of memory).
    void LastResort();

    ns3::fabric::FabricNetwork* m_net{nullptr};
    PyObject* m_handler{nullptr};
    PyObject* m_kinds[3]{nullptr, nullptr, nullptr};
    double m_handlerSeconds{0};
    double m_fabricInHandlerSeconds{0};
    uint64_t m_handlerCalls{0};
    bool m_inHandler{false};
    bool m_aborted{false};
    std::string m_error;
};

} // namespace astrasim

#endif
