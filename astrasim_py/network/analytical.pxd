# Cython declarations for analytical.py (the compiled build); the .py stays plain Python.
cimport cython
from astrasim_py.network.event_queue cimport Event, EventQueue
from astrasim_py.network.matching cimport CollectiveChannel, MatchSlot, MessageMatcher

cdef class _Delivery(Event):
    cdef MessageMatcher matcher
    cdef tuple key
    cdef MatchSlot slot
    cdef object on_sent

    cpdef fire(self)


cdef class _UnawareCore(CollectiveChannel):
    cdef public object geometry
    cdef public EventQueue queue
    cdef public MessageMatcher matcher
    cdef public dict delays
    cdef public long long messages
    cdef public long long bytes

    # Ids, sizes and tags stay Python ints here: they only go into dict keys (no re-boxing).
    cpdef delay(self, object src, object dst, object size)
    @cython.locals(event=_Delivery)
    cpdef send(self, object src, object dst, object size, object tag, object on_done)
    cpdef recv(self, object dst, object src, object size, object tag, object on_done)
    cpdef step(self, object npu, object dst, object src, object size, object tag, object on_recv)
    cpdef path(self, object src, object dst, object size)
    cpdef message_key(self, object tag, object src, object dst, object size)
    @cython.locals(event=_Delivery, send_slot=MatchSlot, recv_slot=MatchSlot)
    cpdef keyed_step(self, object path, long long size, object send_key, object recv_key, object on_recv)


cdef class _Link(Event):
    cdef public bint busy
    cdef public object pending
    cdef public double bw
    cdef public double latency
    cdef public long long bytes
    cdef public long long chunks
    cdef public long long busy_ns
    cdef public long long max_queue
    cdef public _AwareCore core

    cpdef fire(self)


cdef class _Chunk(Event):
    cdef tuple route
    cdef Py_ssize_t hop
    cdef long long size
    cdef tuple key
    cdef MatchSlot slot
    cdef object on_done
    cdef _AwareCore core

    cpdef fire(self)


cdef class _AwareCore(_UnawareCore):
    cdef public dict links
    cdef public dict routes

    @cython.locals(route=tuple, chunk=_Chunk, link=_Link)
    cpdef send(self, object src, object dst, object size, object tag, object on_done)
    cpdef path(self, object src, object dst, object size)
    @cython.locals(chunk=_Chunk, link=_Link, send_slot=MatchSlot, recv_slot=MatchSlot)
    cpdef keyed_step(self, object path, long long size, object send_key, object recv_key, object on_recv)
    cpdef enqueue(self, _Link link, _Chunk chunk)
    @cython.locals(size="long long", serialization=cython.double, free_in="long long")
    cpdef transmit(self, _Link link, _Chunk chunk)
    cpdef free(self, _Link link)
    @cython.locals(hop="Py_ssize_t", route=tuple, link=_Link)
    cpdef arrive(self, _Chunk chunk)
