"""Throttle and debounce with an injectable clock, so slider storms do not pile up.

A slider fires on every pixel it moves. Cheap work (redrawing a curve) is *throttled*:
it runs at most once per interval, and always once more with the latest value when the
storm ends. Expensive work (rendering audio) is *debounced*: it runs once, a moment
after the last move. Both take a :class:`Scheduler`, so tests drive time by hand.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Debouncer", "ManualScheduler", "RealScheduler", "Scheduler", "Throttler"]


class Handle(Protocol):
    """Something a scheduled call returns, that can cancel it."""

    def cancel(self) -> None:
        """Cancel the call if it has not run yet."""


class Scheduler(Protocol):
    """A clock plus a way to run a function later."""

    def now(self) -> float:
        """Current time in seconds."""

    def call_later(self, delay_s: float, fn: Callable[[], Any]) -> Handle:
        """Run ``fn`` after ``delay_s`` seconds."""


class RealScheduler:
    """Wall clock; runs callbacks on the kernel's event loop when there is one.

    In a Jupyter kernel the widget callbacks run inside the kernel's asyncio loop, so
    delayed work lands on the same thread as everything else. Outside a loop (a plain
    script) a timer thread is used.
    """

    def now(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def call_later(self, delay_s: float, fn: Callable[[], Any]) -> Handle:
        """Schedule ``fn`` on the running loop, else on a timer thread."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            timer = threading.Timer(delay_s, fn)
            timer.daemon = True
            timer.start()
            return timer
        return loop.call_later(delay_s, fn)


class ManualScheduler:
    """A scheduler whose time moves only when a test calls :meth:`advance`."""

    def __init__(self) -> None:
        self.time_s = 0.0
        self._queue: list[list[Any]] = []  # [due, seq, fn, cancelled]
        self._seq = 0

    def now(self) -> float:
        """The manual clock."""
        return self.time_s

    def call_later(self, delay_s: float, fn: Callable[[], Any]) -> Handle:
        """Queue ``fn`` to run when the clock passes now + delay."""
        entry = [self.time_s + delay_s, self._seq, fn, False]
        self._seq += 1
        self._queue.append(entry)

        class _Handle:
            def cancel(self_inner) -> None:  # noqa: N805 - closure over entry
                entry[3] = True

        return _Handle()

    def advance(self, dt_s: float) -> None:
        """Move the clock forward, running due callbacks in time order."""
        target = self.time_s + dt_s
        while True:
            due = sorted(
                (e for e in self._queue if not e[3] and e[0] <= target), key=lambda e: (e[0], e[1])
            )
            if not due:
                break
            entry = due[0]
            self._queue.remove(entry)
            self.time_s = max(self.time_s, entry[0])
            entry[2]()
        self._queue = [e for e in self._queue if not e[3]]
        self.time_s = target

    @property
    def pending(self) -> int:
        """Number of calls waiting."""
        return sum(1 for e in self._queue if not e[3])


class Debouncer:
    """Run ``fn`` once, ``wait_s`` after the last call (latest arguments win)."""

    def __init__(
        self, fn: Callable[..., Any], wait_s: float, scheduler: Scheduler | None = None
    ) -> None:
        self.fn = fn
        self.wait_s = wait_s
        self.scheduler = scheduler or RealScheduler()
        self._handle: Handle | None = None
        self._args: tuple[Any, ...] = ()
        self._lock = threading.Lock()

    def __call__(self, *args: Any) -> None:
        """Note a call; (re)start the wait."""
        with self._lock:
            self._args = args
            if self._handle is not None:
                self._handle.cancel()
            self._handle = self.scheduler.call_later(self.wait_s, self._fire)

    def _fire(self) -> None:
        with self._lock:
            self._handle = None
            args = self._args
        self.fn(*args)

    @property
    def pending(self) -> bool:
        """True while a call is waiting to run."""
        return self._handle is not None

    def cancel(self) -> None:
        """Drop a waiting call (the view it would update is gone)."""
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()

    def flush(self) -> None:
        """Run a waiting call now (used before reading results)."""
        with self._lock:
            handle, self._handle = self._handle, None
            args = self._args
        if handle is not None:
            handle.cancel()
            self.fn(*args)


class Throttler:
    """Run ``fn`` at most once per ``interval_s``; the last call always runs (trailing)."""

    def __init__(
        self, fn: Callable[..., Any], interval_s: float, scheduler: Scheduler | None = None
    ) -> None:
        self.fn = fn
        self.interval_s = interval_s
        self.scheduler = scheduler or RealScheduler()
        self._last_run = -float("inf")
        self._handle: Handle | None = None
        self._args: tuple[Any, ...] = ()
        self._lock = threading.Lock()

    def __call__(self, *args: Any) -> None:
        """Run now if the interval has passed, else make sure a trailing run is queued."""
        with self._lock:
            self._args = args
            wait = self._last_run + self.interval_s - self.scheduler.now()
            if wait > 0:
                if self._handle is None:
                    self._handle = self.scheduler.call_later(wait, self._fire)
                return
            self._last_run = self.scheduler.now()
        self.fn(*args)

    def _fire(self) -> None:
        with self._lock:
            self._handle = None
            self._last_run = self.scheduler.now()
            args = self._args
        self.fn(*args)

    def cancel(self) -> None:
        """Drop a waiting trailing call (the view it would update is gone)."""
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()

    def flush(self) -> None:
        """Run a waiting trailing call now."""
        with self._lock:
            handle, self._handle = self._handle, None
            args = self._args
        if handle is not None:
            handle.cancel()
            self.fn(*args)
