#include "bridge-python.h"

#include "fabric-network.h"

namespace astrasim
{

void
PythonCalls::SetHandler(PyObject* h)
{
    if (h)
    {
        Py_IncRef(h);
    }
    if (m_handler)
    {
        Py_DecRef(m_handler);
    }
    m_handler = h;
    for (int k = 0; k < 3; ++k)
    {
        if (!m_kinds[k])
        {
            m_kinds[k] = PyLong_FromUnsignedLongLong(k);  // small ints: kept for the process
        }
    }
}

void
PythonCalls::Call(int kind, PyObject* ref)
{
    if (m_aborted)
    {
        return;  // a handler failed: run nothing more, Run() is about to return
    }
    auto start = Clock::now();
    m_inHandler = true;
    PyObject* args[2] = {m_kinds[kind], ref};
    PyObject* result = PyObject_Vectorcall(m_handler, args, 2, nullptr);
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

void
PythonCalls::CallDirect(PyObject* fn)
{
    if (m_aborted)
    {
        return;
    }
    auto start = Clock::now();
    m_inHandler = true;
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

void
PythonCalls::Done(Clock::time_point start)
{
    m_inHandler = false;
    ++m_handlerCalls;
    m_handlerSeconds += std::chrono::duration<double>(Clock::now() - start).count();
}

void
PythonCalls::HandOverError()
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
    PyObject* args[2] = {m_kinds[2], value ? value : &_Py_NoneStruct};
    PyObject* result = PyObject_Vectorcall(m_handler, args, 2, nullptr);
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
    m_net->Abort();
    m_aborted = true;
}

void
PythonCalls::LastResort()
{
    PyErr_Print();
    Stop("the Python completion handler raised (traceback above)");
}

void
PythonCalls::Stop(const std::string& reason)
{
    if (m_error.empty())
    {
        m_error = reason;
    }
    m_net->Abort();
    m_aborted = true;
}

std::string
PythonCalls::TakeError()
{
    std::string e;
    e.swap(m_error);
    return e;
}

static bool
IsA(PyObject* value, struct _typeobject& type)
{
    return PyObject_IsInstance(value, reinterpret_cast<PyObject*>(&type)) == 1;
}

/// str(value) for error messages ("" if even that fails).
static std::string
Shown(PyObject* value)
{
    PyObject* text = PyObject_Str(value);
    std::string out;
    if (text != nullptr)
    {
        std::ptrdiff_t size = 0;
        const char* utf8 = PyUnicode_AsUTF8AndSize(text, &size);
        if (utf8 != nullptr)
            out.assign(utf8, static_cast<size_t>(size));
        Py_DecRef(text);
    }
    PyErr_Clear();
    return out;
}

TypedValue
ReadTypedValue(PyObject* value)
{
    TypedValue v;
    if (value == nullptr)
        return v;
    v.text = Shown(value);
    if (IsA(value, PyBool_Type)) // before int: a bool is an int to Python, never a number here
    {
        v.kind = TypedValue::Flag;
        v.flag = PyObject_IsTrue(value) == 1;
    }
    else if (IsA(value, PyLong_Type))
    {
        v.kind = TypedValue::Integer;
        v.integer = PyLong_AsLongLong(value);
        v.fitsSigned = PyErr_Occurred() == nullptr;
        PyErr_Clear();
        v.unsignedInteger = PyLong_AsUnsignedLongLong(value);
        v.fitsUnsigned = PyErr_Occurred() == nullptr;
        PyErr_Clear();
    }
    else if (IsA(value, PyFloat_Type))
    {
        v.kind = TypedValue::Real;
        v.real = PyFloat_AsDouble(value);
    }
    else if (IsA(value, PyUnicode_Type))
    {
        v.kind = TypedValue::Text;
    }
    PyErr_Clear();
    return v;
}

} // namespace astrasim
