# Cython declarations for algorithms.py (the compiled build); the .py stays plain Python.
cimport cython
from astrasim_py.system.sys cimport Sys
from astrasim_py.network.analytical cimport _UnawareCore

cdef class _AfterReduction:
    cdef Sys sys
    cdef long long red
    cdef object then


cdef class Algorithm:
    cdef public Sys sys
    cdef public object ring
    cdef public int comm_type
    cdef public long long E
    cdef public object stream
    cdef public long long pr
    cdef public long long stream_count
    cdef public long long free
    cdef public object packets
    cdef public long long zero
    cdef public long long nonzero
    cdef public bint toggle
    cdef public long long received
    cdef public object final_size
    cdef public bint done
    cdef public long long _created
    cdef public object _general_cb
    cdef public object _recv_cb

    cpdef tuple _packet(self, long long index)
    cpdef bint _processed(self, long long index) except -1
    cpdef start(self)
    cpdef tuple _round_sizes(self)
    @cython.locals(index="long long", packet=tuple)
    cpdef insert_packet(self)
    cpdef bint ready(self) except -1
    cpdef on_general(self)
    cpdef on_recv(self)
    cpdef exit(self)


cdef class Ring(Algorithm):
    cdef public long long _unsent
    # Message fields stay Python ints: they are passed on to the backend as they are.
    cdef public object msg
    cdef public object dst
    cdef public object src
    cdef public long long _red
    cdef public object _reduce_cb
    cdef public object _tag
    cdef public object _rank
    cdef public object _step
    cdef public _UnawareCore _core
    cdef public object _path
    cdef public object _send_key
    cdef public object _recv_key

    cpdef tuple _packet(self, long long index)
    cpdef start(self)
    cpdef _reduce_then_general(self)
    @cython.locals(comm=int)
    cpdef insert_packet(self)
    cpdef _send_via_sys(self)
    cpdef bint ready(self) except -1


cdef class Direct(Algorithm):
    cdef public long long msg
    cdef public long long direction
    cdef public long long middle

    cpdef tuple _packet(self, long long index)
    cpdef bint _processed(self, long long index) except -1
    cpdef on_general(self)


cdef class HalvingDoubling(Algorithm):
    cdef public list steps

    cpdef tuple _round_sizes(self)
    cpdef tuple _packet(self, long long index)
