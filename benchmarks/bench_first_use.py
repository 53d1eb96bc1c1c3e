"""First use of every processor in a fresh process with an empty compile cache.

What a learner waits for on a first launch (a new Binder session has no compiled
kernels on disk): for every class in ``registered_processors()`` (``Chain`` aside), a
fresh Python process with ``NUMBA_CACHE_DIR`` pointing at a new, empty temporary folder
times

* ``import studio`` (numpy included), and
* the first ``proc.process`` of 1 s of stereo 48 kHz float32 audio (mono where the class
  takes only mono), which pays for importing the processor's modules and compiling (or
  loading) every kernel it calls.

Prints one row per class: the median over ``RUNS`` fresh processes of each figure, and
the sum. The reference measured in the same run is a fresh process that only imports
numpy (the interpreter's own start-up is not counted in any figure). Target from the
issue: the first call at most 0.5 s for every class.

Run: ``.venv/bin/python benchmarks/bench_first_use.py [ClassName ...]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile

RUNS = 3
TARGET_S = 0.5

_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np
t1 = time.perf_counter()
import studio
t2 = time.perf_counter()
name = sys.argv[1]
if name == "-":
    print(json.dumps({"numpy": t1 - t0, "import": t2 - t1, "first": 0.0}))
    raise SystemExit
from studio.processors.base import registered_processors
cls = registered_processors()[name]
proc = cls()
channels = 2 if cls.accepts_channels is None or 2 in cls.accepts_channels else 1
x = (0.1 * np.sin(np.arange(48000) * 0.05)).astype(np.float32)
x = np.stack([x] * channels)
t3 = time.perf_counter()
proc.process(x, 48000)
t4 = time.perf_counter()
print(json.dumps({"numpy": t1 - t0, "import": t2 - t1, "first": t4 - t3}))
"""


def probe(name: str) -> dict[str, float]:
    """One fresh process with an empty numba cache; its figures in seconds."""
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, name],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(names: list[str] | None = None) -> list[tuple[str, float, str]]:
    """Figures as ``(name, value, unit)`` rows (for ``run_all.py``)."""
    from studio.processors.base import registered_processors

    classes = [k for k in sorted(registered_processors()) if k != "Chain"]
    if names:
        classes = [k for k in classes if k in names]
    rows: list[tuple[str, float, str]] = []
    ref = [probe("-") for _ in range(RUNS)]
    rows.append(
        (
            "reference: import numpy (fresh process)",
            statistics.median(r["numpy"] for r in ref),
            "s median",
        )
    )
    rows.append(
        ("import studio (fresh process)", statistics.median(r["import"] for r in ref), "s median")
    )
    for name in classes:
        results = [probe(name) for _ in range(RUNS)]
        first = statistics.median(r["first"] for r in results)
        imp = statistics.median(r["import"] for r in results)
        flag = "" if first <= TARGET_S else "  OVER TARGET"
        rows.append(
            (
                f"{name}: first process() call",
                first,
                f"s median (import studio {imp:.2f} s, sum {first + imp:.2f} s){flag}",
            )
        )
    return rows


def main() -> None:
    rows = run(sys.argv[1:] or None)
    print(
        f"fresh process, empty NUMBA_CACHE_DIR, 1 s of 48 kHz audio; median of {RUNS} runs "
        f"(target: first call <= {TARGET_S} s)"
    )
    width = max(len(r[0]) for r in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:6.3f}  {unit}", flush=True)


if __name__ == "__main__":
    main()
