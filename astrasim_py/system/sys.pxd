# Cython declarations for sys.py (the compiled build); the .py stays plain Python.
cimport cython
from astrasim_py.network.event_queue cimport TickMap
from astrasim_py.network.matching cimport CollectiveChannel

cdef class Sys:
    cdef public object rank
    cdef public object ctx
    cdef public object backend
    cdef public list queues
    cdef public list running
    cdef public list _alloc
    cdef public list _alloc_first
    cdef public list _alloc_last
    cdef public dict _stream_counters
    cdef public object _priority_counter
    cdef public dict _dbt_counters
    cdef public dict _rings
    cdef public TickMap _ticks
    cdef public object _register_tick
    cdef public object reduction_ns
    cdef public CollectiveChannel channel

    @cython.locals(ticks=TickMap)
    cpdef register(self, long long delay, object fn)


cdef class RendezvousChannel(CollectiveChannel):
    cdef public Sys sys

    cpdef step(self, object npu, object dst, object src, object size, object tag, object on_recv)
    cpdef keyed_step(self, object path, long long size, object send_key, object recv_key, object on_recv)
