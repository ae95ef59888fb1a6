# Cython declarations for matching.py (the compiled build); the .py stays plain Python.
cimport cython
from astrasim_py.network.event_queue cimport EventQueue

@cython.final
cdef class MatchSlot:
    cdef public object state


@cython.final
cdef class MessageMatcher:
    cdef EventQueue _queue
    cdef dict _state

    cpdef MatchSlot slot(self, tuple key)
    cpdef slot_delivered(self, MatchSlot slot, object on_sent)
    cpdef slot_posted(self, MatchSlot slot, object on_recv)
    cpdef delivered(self, object key, object on_sent)
    @cython.locals(known="Py_ssize_t")
    cpdef posted(self, object key, object on_recv)


cdef class CollectiveChannel:
    cdef object _step

    # Ids, sizes and tags stay Python ints here: they only go into dict keys (no re-boxing).
    cpdef step(self, object npu, object dst, object src, object size, object tag, object on_recv)
    cpdef path(self, object src, object dst, object size)
    cpdef message_key(self, object tag, object src, object dst, object size)
    cpdef keyed_step(self, object path, long long size, object send_key, object recv_key, object on_recv)
