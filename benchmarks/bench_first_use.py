"""First use of every processor in a fresh process with an empty compile cache.

What a learner waits for on a first launch (a new Binder session has no compiled
kernels on disk): for every class in ``registered_processors()`` (``Chain`` aside), a
fresh Python process with ``NUMBA_CACHE_DIR`` pointing at a new, empty temporary folder
times

* ``import studio`` (numpy included), and
* the first ``proc.process`` of 1 s of stereo 48 kHz float32 audio (mono where the class
  takes only mono), which pays for importing the processor's modules and compiling (or
  loading) every kernel it calls. A class whose defaults do nothing (an EQ with its
  bands at 0 dB) has its neutral parameters moved first, so the call does real work.

The first call is timed three ways, each in its own fresh process:

* right after the import, empty cache (a script, or cells run back to back);
* once the import's background start of the compiler has finished, empty cache (a
  notebook, where the next cell comes a moment later);
* with a cache that ``studio.dsp.warmup.warm_up(everything=True)`` filled in an earlier
  process (what a Binder image's build step would leave on disk), right after the
  import and once the compiler start has finished.

Prints one row per class with the medians over ``RUNS`` fresh processes. The reference
measured in the same run is a fresh process that only imports numpy (the interpreter's
own start-up is not counted in any figure). Target from the issue: the first call at
most 0.5 s for every class.

Run: ``.venv/bin/python benchmarks/bench_first_use.py [ClassName ...]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TARGET_S = 0.5

_PROBE = """
import dataclasses, json, sys, time
t0 = time.perf_counter()
import numpy as np
t1 = time.perf_counter()
import studio
t2 = time.perf_counter()
name, mode = sys.argv[1], sys.argv[2]
warm = 0.0
if mode == "warm" and studio._WARM_UP is not None:
    studio._WARM_UP.join()
    warm = time.perf_counter() - t1
if name == "-":
    print(json.dumps({"numpy": t1 - t0, "import": t2 - t1, "first": 0.0, "warm": warm}))
    raise SystemExit
from studio.processors.base import registered_processors


def engaged(obj):
    # a neutral default (an EQ with its bands at 0 dB) moved 60 % across its ranges
    changes = {}
    for spec in type(obj).specs():
        value = getattr(obj, spec.name)
        if spec.kind == "number" and spec.neutral is not None and value == spec.neutral:
            changes[spec.name] = spec.lo + 0.6 * (spec.hi - spec.lo)
    for field in type(obj).item_fields():
        changes[field] = tuple(engaged(item) for item in getattr(obj, field))
    return dataclasses.replace(obj, **changes) if changes else obj


cls = registered_processors()[name]
proc = cls()
proc = engaged(proc) if proc.is_neutral() else proc
channels = 2 if cls.accepts_channels is None or 2 in cls.accepts_channels else 1
x = (0.1 * np.sin(np.arange(48000) * 0.05)).astype(np.float32)
x = np.stack([x] * channels)
t3 = time.perf_counter()
proc.process(x, 48000)
t4 = time.perf_counter()
print(json.dumps({"numpy": t1 - t0, "import": t2 - t1, "first": t4 - t3, "warm": warm}))
"""


def probe(name: str, mode: str = "now", cache: str | None = None) -> dict[str, float]:
    """One fresh process; its figures in seconds.

    ``mode`` is ``"now"`` (the first call right after the import) or ``"warm"`` (after
    the import's background start of the compiler has finished); ``cache`` a numba cache
    folder to use (by default a new, empty one).
    """
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as empty:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache or empty)
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, name, mode],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def built_cache(folder: str) -> float:
    """Fill ``folder`` as an image build step would; return the seconds it took."""
    code = "from studio.dsp.warmup import warm_up; assert not warm_up(everything=True)"
    env = dict(os.environ, NUMBA_CACHE_DIR=folder)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


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
    warm_ref = [probe("-", "warm") for _ in range(RUNS)]
    rows.append(
        (
            "background warm-up finished after (from import)",
            statistics.median(r["warm"] for r in warm_ref),
            "s median",
        )
    )
    with tempfile.TemporaryDirectory(prefix="numba-built-") as built:
        rows.append(("build step: warm_up(everything=True), empty cache", built_cache(built), "s"))
        for name in classes:
            now = statistics.median(probe(name)["first"] for _ in range(RUNS))
            later = statistics.median(probe(name, "warm")["first"] for _ in range(RUNS))
            ready = statistics.median(probe(name, "now", built)["first"] for _ in range(RUNS))
            best = statistics.median(probe(name, "warm", built)["first"] for _ in range(RUNS))
            flag = "" if max(now, later) <= TARGET_S else "  OVER TARGET (empty cache)"
            rows.append(
                (
                    f"{name}: first process() call",
                    now,
                    f"s right after import; {later:.3f} s after the compiler start; built "
                    f"cache: {ready:.3f} s / {best:.3f} s{flag}",
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
