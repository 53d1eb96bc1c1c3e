"""Weight of the demo session: build time and memory, first time and cached.

Every figure comes from a fresh Python process, as a new kernel would see it, with the
disk cache in a temporary folder (``STUDIO_CACHE_DIR``) so the first build really
renders:

* ``import studio``: time and resident memory (RSS) after it, the reference for the
  rest;
* first build (``studio.demo.session()`` with an empty cache: renders and saves):
  time, RSS after it, and the peak RSS of the process;
* the same call again in that process (in-memory cache);
* a new process with the cache filled (median of three): time of ``session()``, what
  it adds to RSS, and the ratio of its time to the first build's;
* the rough mixdown after that, and RSS at the end.

RSS is read from ``/proc/self/status`` (Linux); the peak from ``getrusage``. Targets
from the issue: the session builds in <= 1 s after the first time, in a new process
too; the kernel stays <= 400 MB after the whole first notebook.

Run: ``.venv/bin/python benchmarks/bench_demo.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time

def rss_mb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")

def peak_mb():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0

out = {}
t0 = time.perf_counter()
import studio
out["import_s"], out["import_mb"] = time.perf_counter() - t0, rss_mb()
t0 = time.perf_counter()
s = studio.demo.session()
out["session_s"], out["session_mb"], out["session_peak_mb"] = (
    time.perf_counter() - t0, rss_mb(), peak_mb())
t0 = time.perf_counter()
assert studio.demo.session() is s
out["again_s"] = time.perf_counter() - t0
t0 = time.perf_counter()
s.mixdown()
out["mix_s"], out["mix_mb"] = time.perf_counter() - t0, rss_mb()
out["dtype"] = str(s.track("voice").samples.dtype)
print(json.dumps(out))
"""


def _child(cache_dir: str) -> dict:
    env = dict(os.environ, STUDIO_CACHE_DIR=cache_dir)
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(repeats: int = 3) -> list[tuple[str, float, str]]:
    """Build the demo in fresh processes; return ``(name, value, unit)`` rows."""
    with tempfile.TemporaryDirectory(prefix="studio-bench-demo-") as cache_dir:
        first = _child(cache_dir)
        cached = [_child(cache_dir) for _ in range(repeats)]

    def med(key: str) -> float:
        return statistics.median(c[key] for c in cached)

    return [
        ("import studio", first["import_s"], "s"),
        ("RSS after import studio", first["import_mb"], "MB"),
        ("first build (renders, saves to disk)", first["session_s"], "s"),
        ("  RSS after it", first["session_mb"], "MB"),
        ("  added to RSS", first["session_mb"] - first["import_mb"], "MB"),
        ("  peak RSS of the process", first["session_peak_mb"], "MB"),
        ("same call again, same process", 1000.0 * first["again_s"], "ms"),
        ("new process, from the disk cache (median)", med("session_s"), "s"),
        ("  as a fraction of the first build", med("session_s") / first["session_s"], "x"),
        ("  added to RSS", med("session_mb") - med("import_mb"), "MB"),
        ("rough mixdown after that", med("mix_s"), "s"),
        ("RSS at the end (import, session, mixdown)", med("mix_mb"), "MB"),
        ("bytes per sample (float32 = 4)", 4.0 if cached[0]["dtype"] == "float32" else 8.0, "B"),
    ]


if __name__ == "__main__":
    rows = run()
    width = max(len(r[0]) for r in rows)
    for label, value, unit in rows:
        print(f"  {label:<{width}}  {value:10.3f}  {unit}")
