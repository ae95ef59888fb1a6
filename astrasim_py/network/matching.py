"""ASTRA-sim's send/recv matching, and the collective step built on it (Python backends).

The rule: a message's key is (tag, src, dst, size_bytes) and the n-th send of a key matches
the n-th receive posted for it, keys being independent. When the last byte arrives, the send
handler fires; then the oldest waiting receive's handler fires at that instant, or, with none
waiting, the arrival is parked and the receive posted later completes through a zero-delay
event. The ns-3 bridge keeps the same rule in C++ (ns3_backend/bridge-matching.cc), so that a
delivery costs Python only the handlers it runs; tests/contract checks both against each other.

matching.pxd types these classes for the compiled build (Cython); the source runs as it is.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable

from astrasim_py.network.event_queue import EventQueue, noop

Callback = Callable[[], None]


class MatchSlot:
    """The matching state of one message key that is used again and again (a ring phase's):
    None, a handler, a deque of handlers or an int of arrivals, as a value of MessageMatcher's
    dict. Senders and receivers holding the slot match without hashing the key."""

    __slots__ = ("state",)


class MessageMatcher:
    """The matching rule with one plain dict: key -> handler, deque of handlers, or arrivals.

    A key maps to a callable (one posted receive), a deque (several posted receives, FIFO), or
    an int (arrivals not yet received); a key never holds receives and arrivals at once. One
    dict operation per call in the common cases keeps it cheap on the hot path. A key made a
    MatchSlot (slot()) keeps that state in the slot instead, for good; plain calls with the
    same key find the slot in the dict and share its state.
    """

    __slots__ = ("_queue", "_state")

    def __init__(self, queue: EventQueue) -> None:
        self._queue = queue
        self._state: dict = {}

    def slot(self, key: tuple) -> MatchSlot:
        """The key's permanent MatchSlot (made on first use; it takes over the key's current state)."""
        state = self._state.get(key)
        if type(state) is MatchSlot:
            return state
        slot = MatchSlot()
        slot.state = state
        self._state[key] = slot
        return slot

    def slot_delivered(self, slot: MatchSlot, on_sent) -> None:
        """delivered() for a message whose key has a slot."""
        if on_sent is not noop:
            on_sent()
        state = slot.state
        if state is None:
            slot.state = 1
        elif type(state) is int:
            slot.state = state + 1
        elif type(state) is deque:
            handler = state.popleft()
            if len(state) == 1:
                slot.state = state[0]
            handler()
        else:
            slot.state = None
            state()

    def slot_posted(self, slot: MatchSlot, on_recv) -> None:
        """posted() for a receive whose key has a slot."""
        state = slot.state
        if state is None:
            slot.state = on_recv
        elif type(state) is int:
            slot.state = None if state == 1 else state - 1
            self._queue.push(0, on_recv)
        elif type(state) is deque:
            state.append(on_recv)
        else:
            slot.state = deque((state, on_recv))

    def delivered(self, key, on_sent) -> None:
        """The last byte of a message with `key` has reached its destination."""
        if on_sent is not noop:  # collective sends have nothing to do on completion
            on_sent()
        state = self._state.pop(key, None)  # one dict operation when a receive is waiting
        if type(state) is MatchSlot:  # (a slot stays in the dict)
            self._state[key] = state
            self.slot_delivered(state, noop)
            return
        if state is None:
            self._state[key] = 1
        elif type(state) is int:
            self._state[key] = state + 1
        elif type(state) is deque:
            handler = state.popleft()
            self._state[key] = state[0] if len(state) == 1 else state
            handler()
        else:
            state()

    def posted(self, key, on_recv) -> None:
        """A receive for `key` is posted."""
        known = len(self._state)
        state = self._state.setdefault(key, on_recv)  # one dict operation when nothing is there
        if len(self._state) != known:  # inserted (the same handler may already wait on this key)
            return
        if type(state) is MatchSlot:
            self.slot_posted(state, on_recv)
        elif type(state) is int:
            if state == 1:
                del self._state[key]
            else:
                self._state[key] = state - 1
            self._queue.push(0, on_recv)
        elif type(state) is deque:
            state.append(on_recv)
        else:
            self._state[key] = deque((state, on_recv))

    def pending(self) -> tuple[int, int]:
        """(receives still waiting, arrivals never received): both 0 after a clean run."""
        receives = arrivals = 0
        for state in self._state.values():
            if type(state) is MatchSlot:
                state = state.state
            if state is None:  # a slot with nothing waiting
                continue
            if type(state) is int:
                arrivals += state
            elif type(state) is deque:
                receives += len(state)
            else:
                receives += 1
        return receives, arrivals


class CollectiveChannel:
    """A collective algorithm's step: send to one peer, then post the receive from another.

    This generic channel calls its backend's `step_unchecked`; the analytical cores derive from
    it and do the step themselves (a C call in the compiled build), and the system layer's
    rendezvous channel (system/sys.py) adds the handshake. A phase that repeats one message
    shape asks once for its `path` and keys, then calls `keyed_step` for every message.
    """

    __slots__ = ("_step",)

    def __init__(self, backend: Any = None) -> None:
        self._step = backend.step_unchecked if backend is not None else None

    def step(self, npu: int, dst: int, src: int, size: int, tag: int, on_recv: Callback) -> None:
        """Send npu -> dst (nothing to do on completion), then post npu's receive from src."""
        self._step(npu, dst, src, size, tag, on_recv)

    def path(self, src: int, dst: int, size: int):
        """Whatever keyed_step needs to repeat messages src -> dst of one size (here nothing)."""
        return None

    def message_key(self, tag: int, src: int, dst: int, size: int):
        """The key of a message (tag, src, dst, size) as this channel's keyed_step takes it (opaque
        to callers: here the tuple itself; a backend may hand out something faster to match)."""
        return (tag, src, dst, size)

    def keyed_step(self, path, size: int, send_key, recv_key, on_recv: Callback) -> None:
        """step() for a caller that keeps its path() and this channel's message keys."""
        self._step(send_key[1], send_key[2], recv_key[1], size, send_key[0], on_recv)
