# Cython declarations for sys.py (the compiled build); the .py stays plain Python.
cimport cython
from astrasim_py.network.event_queue cimport Event, EventQueue

cdef class Sys(Event):
    cdef public object rank
    cdef public object ctx
    cdef public object backend
    cdef public dict _events
    cdef public list queues
    cdef public list running
    cdef public list _alloc
    cdef public list _alloc_first
    cdef public list _alloc_last
    cdef public dict _stream_counters
    cdef public object _priority_counter
    cdef public dict _dbt_counters
    cdef public dict _rings
    cdef public object _now
    cdef public object _schedule
    cdef public object _run_tick
    cdef public EventQueue _evq
    cdef public object _tick
    cdef public object red
    cdef public object direct_backend
    cdef public object step_unchecked

    @cython.locals(evq=EventQueue, t="long long", bucket=list)
    cpdef register(self, long long delay, object fn)
    @cython.locals(t="long long", bucket=list, i="Py_ssize_t")
    cpdef fire(self)
