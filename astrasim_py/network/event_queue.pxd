# Cython declarations for event_queue.py (the compiled build); the .py stays plain Python.
cimport cython

cdef class Event:
    cpdef fire(self)


cdef class EventQueue:
    cdef public long long now
    cdef list _times
    cdef dict _buckets
    cdef public long long events_run
    cdef long long _last_t
    cdef list _last_bucket
    cdef long long _prev_t
    cdef list _prev_bucket

    @cython.locals(t="long long", bucket=list)
    cpdef push(self, long long delay, object fn)

    @cython.locals(times=list, buckets=dict, count="long long", ticks="long long", t="long long",
                   bucket=list, i="Py_ssize_t", fn=object, event=Event)
    cpdef run(self, object progress=*)


cdef class TickMap(Event):
    cdef EventQueue _queue
    cdef object _backend
    cdef dict _events

    @cython.locals(queue=EventQueue, t="long long", bucket=list)
    cpdef register(self, long long delay, object fn)
    @cython.locals(queue=EventQueue, t="long long", bucket=list, i="Py_ssize_t")
    cpdef fire(self)
