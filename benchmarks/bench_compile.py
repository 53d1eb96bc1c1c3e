"""Compile time of every compiled kernel, with an empty numba cache.

What a first launch pays (a new Binder session, a new virtual environment): in a fresh
process whose ``NUMBA_CACHE_DIR`` is a new, empty folder, ``warm_up(everything=True)``
runs every DSP function that has a compiled loop, for float32 and float64 input. numba
announces each compilation (``numba:compile`` events); this script records them and
prints one row per kernel and argument types, worst first:

* **own**: the CPU seconds spent compiling that kernel itself (typing, lowering, LLVM's
  optimiser and machine code), the compilations of the kernels it calls excluded;
* **with callees**: the same with the kernels it calls (what its first caller waits for
  when none of them is compiled yet).

A kernel compiled twice (once for float32 input, once for float64) appears twice: such a
pair is worth one explicit signature when the arithmetic is float64 anyway. The
reference measured in the same run is numba's own start-up (import and the smallest
kernel, :func:`studio.dsp.warmup.start_compiler`), which every first compiled call pays
once per process whatever it is.

Run: ``.venv/bin/python benchmarks/bench_compile.py [--all]`` (``--all`` lists every
kernel; by default the 15 slowest).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

_PROBE = """
import json, time
t0 = time.perf_counter()
from numba.core import event
from studio.dsp.warmup import start_compiler, warm_up
start_compiler()
t1 = time.perf_counter()
stack, rows = [], []


class Listener(event.Listener):
    # CPU seconds (the compiler runs on this thread alone; steadier than wall time on a
    # shared machine). numba's own helpers (np.empty, min, ...) compiled on the way
    # are charged to the studio kernel that needed them.
    def on_start(self, ev):
        stack.append([ev.data, time.process_time(), 0.0])

    def on_end(self, ev):
        data, start, children = stack.pop()
        total = time.process_time() - start
        fn = data["dispatcher"].py_func
        if not fn.__module__.startswith("studio"):
            return  # stays in its parent's own time
        if stack:
            stack[-1][2] += total
        args = ", ".join(str(a) for a in data["args"])
        rows.append([f"{fn.__module__}.{fn.__qualname__}({args})", total - children, total])


with event.install_listener("numba:compile", Listener()):
    t2 = time.perf_counter()
    c2 = time.process_time()
    failed = warm_up(everything=True)
    t3 = time.perf_counter()
    c3 = time.process_time()
print(json.dumps({"start": t1 - t0, "warm_up": t3 - t2, "warm_up_cpu": c3 - c2,
                  "failed": failed, "rows": rows}))
"""


def measure() -> dict:
    """One fresh process with an empty cache; its figures."""
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as empty:
        env = dict(os.environ, NUMBA_CACHE_DIR=empty, STUDIO_WARM_UP="0")
        out = subprocess.run(
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(names: list[str] | None = None) -> list[tuple[str, float, str]]:
    """Figures as ``(name, value, unit)`` rows (for ``run_all.py``): the 15 slowest."""
    r = measure()
    rows: list[tuple[str, float, str]] = [
        ("reference: numba start-up (import + smallest kernel)", r["start"], "s"),
        ("warm_up(everything=True), empty cache", r["warm_up"], "s"),
    ]
    for name, own, total in sorted(r["rows"], key=lambda row: -row[1])[:15]:
        short = name.replace("studio.dsp.", "").split("(")[0]
        rows.append((f"compile {short}", own, f"s CPU own ({total:.3f} s with callees)"))
    return rows


def main() -> None:
    show_all = "--all" in sys.argv[1:]
    c0 = time.process_time()
    t0 = time.perf_counter()
    r = measure()
    wall = time.perf_counter() - t0
    rows = sorted(r["rows"], key=lambda row: -row[1])
    own_total = sum(row[1] for row in rows)
    print("empty numba cache, fresh process: warm_up(everything=True), float32 and float64")
    print(f"  reference: numba start-up (import + smallest kernel)  {r['start']:6.3f} s")
    print(
        f"  warm_up(everything=True) after it                     {r['warm_up']:6.3f} s "
        f"({r['warm_up_cpu']:.3f} s CPU)"
    )
    print(f"  kernels compiled: {len(rows)}, their own compile time  {own_total:6.3f} s")
    print(
        f"  (probe process: {wall:.1f} s wall; this process {time.process_time() - c0:.1f} s CPU)"
    )
    if r["failed"]:
        print(f"  FAILED: {', '.join(r['failed'])}")
    print(f"  {'own s':>7} {'with callees':>12}  kernel(argument types)")
    for name, own, total in rows if show_all else rows[:15]:
        short = name.replace("studio.dsp.", "")
        if len(short) > 150:
            short = short[:147] + "..."
        print(f"  {own:7.3f} {total:12.3f}  {short}")


if __name__ == "__main__":
    main()
