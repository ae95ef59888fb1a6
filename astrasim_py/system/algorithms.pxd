# Cython declarations for algorithms.py (the compiled build); the .py stays plain Python.
cimport cython
from astrasim_py.system.sys cimport Sys
from astrasim_py.network.matching cimport CollectiveChannel

cdef class _AfterReduction:
    cdef Sys sys
    cdef long long reduction_ns
    cdef object then


cdef class PacketAlgorithm:
    cdef public Sys sys
    cdef public object ring
    cdef public int comm_type
    cdef public long long endpoint_delay_ns
    cdef public object stream
    cdef public long long window
    cdef public long long sends_left
    cdef public long long credits
    cdef public object unsent
    cdef public long long round_first_left
    cdef public long long round_rest_left
    cdef public bint odd_round
    cdef public long long received
    cdef public long long created
    cdef public object final_size
    cdef public bint done
    cdef public object _on_handoff_cb
    cdef public object _on_recv_cb
    cdef bint _reduces_every_packet
    cdef bint _reduces_in_odd_rounds

    cpdef tuple _packet_route(self, long long index)
    cpdef tuple _round_counts(self)
    # Internal steps of the hand-off: cdef (no Python-override check per call).
    cdef bint _needs_reduction(self, long long index) except -1
    cdef _reduced_handoff(self, object size)
    cpdef start(self)
    @cython.locals(index="long long", packet=tuple)
    cpdef create_packet(self)
    cdef _hand_off(self, long long index, object size)
    @cython.locals(sysobj=Sys)
    cpdef bint send_next(self) except -1
    cpdef on_handoff_done(self)
    cpdef on_recv(self)
    cpdef exit(self)


cdef class Ring(PacketAlgorithm):
    # Message fields stay Python ints: they are passed on to the backend as they are.
    cdef public object message_bytes
    cdef public object send_to
    cdef public object recv_from
    cdef public long long unsent_count
    cdef public CollectiveChannel _channel
    cdef public object _path
    cdef public object _send_key
    cdef public object _recv_key
    cdef public object _reduce_cb
    cdef public long long _reduction_ns

    cpdef tuple _packet_route(self, long long index)
    cdef _reduced_handoff(self, object size)
    cpdef _reduce_then_handoff(self)
    @cython.locals(sysobj=Sys, channel=CollectiveChannel)
    cpdef start(self)
    cpdef create_packet(self)
    cpdef bint send_next(self) except -1


cdef class Direct(PacketAlgorithm):
    cdef public long long message_bytes
    cdef public long long direction
    cdef public long long reduce_scatter_messages

    cpdef tuple _packet_route(self, long long index)
    cdef bint _needs_reduction(self, long long index) except -1
    cpdef on_handoff_done(self)


cdef class HalvingDoubling(PacketAlgorithm):
    cdef public list steps

    cpdef tuple _round_counts(self)
    cpdef tuple _packet_route(self, long long index)
