"""Independent pieces of work side by side on two processor cores.

The compiled loops release Python's lock (``nogil=True``), so two channels, or two
bands of a multiband processor, can be computed at the same time. On a machine with
one core the pieces simply run one after the other. Only for work whose pieces write
to separate outputs; the first exception a piece raises is raised here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["WORKERS", "side_by_side"]

#: How many pieces run at once at most (1: always one after the other, as on one core).
WORKERS = 2

_POOL: ThreadPoolExecutor | None = None
_POOL_PID = 0  # the process that made the pool: a forked child has none of its threads
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or _POOL_PID != os.getpid():
            _POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="studio-dsp")
            _POOL_PID = os.getpid()
        return _POOL


def side_by_side(work: Callable[[int], None], count: int) -> None:
    """Run ``work(i)`` for ``i`` in ``range(count)``, two at a time where two cores exist."""
    if (
        count < 2
        or WORKERS < 2
        or (os.cpu_count() or 1) < 2
        or threading.current_thread().name.startswith("studio-dsp")
    ):  # one piece, one core, or already inside a piece: one after the other
        for i in range(count):
            work(i)
        return
    for done in [_pool().submit(work, i) for i in range(count)]:
        done.result()
