"""Large audio buffers, kept and handed out again instead of asked afresh each time.

A three-minute stereo track is 69 MB of float32. numpy asks the operating system for
every buffer that large and gives it back as soon as it is freed, so the next render
asks again, and the system has to find the memory and zero it anew: about a quarter of
a 12-track mixdown's time went there. The processors take their large outputs and
working buffers from here instead, and a buffer nobody holds any more is handed out
again.

Nothing changes for whoever gets one: it is an ordinary numpy array (a view of a kept
buffer) and stays theirs for as long as they hold it. A kept buffer is reused only when
no array anywhere refers to it (Python's own count of references says so), so an array
you keep is never written to behind your back.

What is kept is bounded: at most :data:`LIMIT_MB` megabytes, and a buffer unused for
:data:`IDLE_S` seconds goes back to the system (a kernel left idle after a mixdown does
not sit on its memory). :func:`release` gives back every unused buffer at once.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

import numpy as np

__all__ = ["IDLE_S", "LIMIT_MB", "empty", "footprint", "kept_mb", "release", "zeros"]

#: At most this many megabytes are kept, in use or waiting (beyond it, plain numpy).
LIMIT_MB = 1024.0
#: A buffer unused for this long goes back to the operating system.
IDLE_S = 10.0
#: Smaller requests go to numpy directly: the C library's allocator reuses blocks this
#: small by itself (glibc serves them from its heap once one has been freed), and kept
#: here they would only add to a notebook's resident memory.
_SMALL_BYTES = 32 << 20
#: A kept buffer serves a request down to this fraction of its size.
_SMALLEST_SHARE = 0.5


class _Kept:
    """One kept buffer (flat bytes) and when it was last handed out."""

    __slots__ = ("buffer", "used")

    def __init__(self, buffer: np.ndarray, used: float) -> None:
        self.buffer = buffer
        self.used = used


def _references(kept: _Kept) -> int:
    return sys.getrefcount(kept.buffer)


# References to a kept buffer that nobody else holds: its slot, and the call's argument.
_UNUSED = _references(_Kept(np.empty(1, dtype=np.uint8), 0.0))


def _unused(kept: _Kept) -> bool:
    """Whether no array refers to the buffer any more (every view holds a reference)."""
    return _references(kept) == _UNUSED


class _Pool:
    """The kept buffers; safe to use from several threads."""

    def __init__(self) -> None:
        self._kept: list[_Kept] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def take(self, nbytes: int) -> np.ndarray:
        """A flat byte buffer of ``nbytes`` (a view of a kept one when one is free)."""
        now = time.monotonic()
        with self._lock:
            best: _Kept | None = None
            for kept in self._kept:
                size = kept.buffer.nbytes
                if nbytes <= size and nbytes >= _SMALLEST_SHARE * size and _unused(kept):
                    if best is None or size < best.buffer.nbytes:
                        best = kept
            if best is not None:
                best.used = now
                return best.buffer[:nbytes]
            # A new buffer is needed. Unused ones too small for it go back first: kept,
            # they would add to the peak of memory where, without keeping, they would
            # have been freed.
            self._kept = [k for k in self._kept if k.buffer.nbytes >= nbytes or not _unused(k)]
            limit = int(LIMIT_MB * 1e6)
            total = sum(k.buffer.nbytes for k in self._kept)
            if total + nbytes > limit:  # room for it: the longest unused go first
                for kept in sorted(self._kept, key=lambda k: k.used):
                    if total + nbytes <= limit:
                        break
                    if _unused(kept):
                        self._kept.remove(kept)
                        total -= kept.buffer.nbytes
            buffer = np.empty(nbytes, dtype=np.uint8)
            if total + nbytes > limit:
                return buffer  # every kept buffer is in use: this one is not kept
            self._kept.append(_Kept(buffer, now))
            self._arm()
            return buffer[:nbytes]

    def _arm(self) -> None:
        """Make sure a timer will give back buffers left unused (the lock is held)."""
        if self._timer is None:
            self._timer = threading.Timer(IDLE_S, self._idle)
            self._timer.daemon = True
            self._timer.start()

    def _idle(self) -> None:
        with self._lock:
            self._timer = None
            self.trim(time.monotonic() - IDLE_S)
            if self._kept:
                self._arm()

    def trim(self, before: float) -> None:
        """Give back the unused buffers last handed out before ``before`` (lock held)."""
        self._kept = [k for k in self._kept if k.used >= before or not _unused(k)]

    def release(self) -> None:
        with self._lock:
            self.trim(float("inf"))

    def holding(self, array: np.ndarray) -> int | None:
        """The size of the kept buffer ``array`` lies in, or None if it lies in none."""
        owner: Any = array
        while isinstance(owner.base, np.ndarray):
            owner = owner.base
        with self._lock:
            for kept in self._kept:
                if kept.buffer is owner:
                    return int(kept.buffer.nbytes)
        return None

    def kept_bytes(self) -> int:
        with self._lock:
            return sum(k.buffer.nbytes for k in self._kept)


_POOL = _Pool()


def _after_fork() -> None:
    # A child process starts with one thread: a lock held by another thread of the
    # parent at the fork would never be let go, and the parent's timer does not exist.
    _POOL._lock = threading.Lock()
    _POOL._timer = None


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork)


def empty(shape: int | tuple[int, ...], dtype: Any = np.float32) -> np.ndarray:
    """An uninitialised array, as ``numpy.empty``, from a kept buffer when it is large.

    Examples
    --------
    >>> x = empty((2, 1_000_000))
    >>> x.shape, x.dtype.name
    ((2, 1000000), 'float32')
    """
    dt = np.dtype(dtype)
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    nbytes = int(np.prod(dims, dtype=np.int64)) * dt.itemsize
    if nbytes < _SMALL_BYTES:
        return np.empty(dims, dtype=dt)
    return _POOL.take(nbytes).view(dt).reshape(dims)


def zeros(shape: int | tuple[int, ...], dtype: Any = np.float32) -> np.ndarray:
    """A zeroed array, as ``numpy.zeros``, from a kept buffer when it is large."""
    out = empty(shape, dtype)
    out.fill(0)
    return out


def footprint(array: np.ndarray) -> int:
    """Bytes of memory ``array`` keeps in use: a kept buffer's whole size, else its own.

    A kept buffer may serve a request down to half its size; a cache that counts what
    it holds counts this, not the array's ``nbytes``.
    """
    held = _POOL.holding(array)
    return int(array.nbytes) if held is None else held


def release() -> None:
    """Give every buffer no array uses back to the operating system now."""
    _POOL.release()


def kept_mb() -> float:
    """Megabytes of buffers kept now (in use or waiting to be handed out again)."""
    return _POOL.kept_bytes() / 1e6
