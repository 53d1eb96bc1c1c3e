"""Cost of taking every processor's words from the text catalogue.

Labels, help lines, titles and the ``describe()`` layout are looked up in the catalogue
(``studio.text``) instead of being written into the declarations. This measures what
that costs where a learner would notice it:

* fresh processes (median of several): ``import studio`` (the reference), importing
  every processor module, the first ``describe()`` (the first look-up reads
  ``params.toml``, ``processors.toml`` and ``describe.toml``), and a panel's first
  build for a compressor and for a parametric EQ (widgets already imported);
* in this process: ``specs()`` of every processor class with its words looked up
  afresh (cold) and cached (warm), and one ``describe()`` of a compressor and of a
  five-stage chain once everything is loaded.

Run it on two trees to compare (the child processes import ``studio`` from
``PYTHONPATH``): ``PYTHONPATH=/path/to/tree .venv/bin/python benchmarks/bench_words.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import timeit

CHILD = r"""
import json, time
t0 = time.perf_counter()
import studio
t1 = time.perf_counter()
from studio.processors.base import registered_processors
registered_processors()
t2 = time.perf_counter()
studio.Compressor().describe()
t3 = time.perf_counter()
import numpy as np
from studio.widgets.panel import ProcessorPanel
from studio.widgets.timing import ManualScheduler
audio = studio.Audio(np.full((2, 48000 * 10), 0.1, dtype=np.float32), 48000, "preview")
t4 = time.perf_counter()
ProcessorPanel(studio.Compressor(), audio, preview_s=10.0, scheduler=ManualScheduler())
t5 = time.perf_counter()
ProcessorPanel(studio.ParametricEQ(), audio, preview_s=10.0, scheduler=ManualScheduler())
t6 = time.perf_counter()
print(json.dumps({"studio": t1 - t0, "processors": t2 - t1, "describe": t3 - t2,
                  "comp_panel": t5 - t4, "eq_panel": t6 - t5}))
"""


def _child() -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _in_process() -> list[tuple[str, float, str]]:
    import studio
    from studio.params import Parametric
    from studio.processors.base import registered_processors

    classes = list(registered_processors().values())

    def all_specs() -> None:
        for cls in classes:
            cls.specs()

    def cold() -> None:  # every look-up afresh (the catalogue's files stay loaded)
        for cache in ("_specs_cache", "_declared_cache", "_words_cache"):
            getattr(Parametric, cache, {}).clear()  # older trees have fewer caches
        all_specs()

    all_specs()
    n = 20
    per_cold = timeit.timeit(cold, number=n) / n
    per_warm = timeit.timeit(all_specs, number=200) / 200
    comp = studio.Compressor()
    chain = studio.Chain(
        studio.HighPass(), studio.ParametricEQ(), comp, studio.Saturation(), studio.Limiter()
    )
    comp.describe(), chain.describe()
    per_comp = timeit.timeit(comp.describe, number=500) / 500
    per_chain = timeit.timeit(chain.describe, number=100) / 100
    return [
        (f"specs() of all {len(classes)} processor classes, cold", 1e3 * per_cold, "ms"),
        (f"specs() of all {len(classes)} processor classes, cached", 1e6 * per_warm, "us"),
        ("Compressor().describe(), loaded", 1e6 * per_comp, "us"),
        ("describe() of a five-stage chain, loaded", 1e6 * per_chain, "us"),
    ]


def run(repeats: int = 7) -> list[tuple[str, float, str]]:
    """Time the look-ups in fresh processes and here; return ``(name, value, unit)`` rows."""
    runs = [_child() for _ in range(repeats)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    ref = med("studio")
    return [
        ("import studio (reference)", ref, "s"),
        ("import every processor module", 1e3 * med("processors"), "ms"),
        ("first describe() (reads the catalogue)", 1e3 * med("describe"), "ms"),
        ("first compressor panel build", 1e3 * med("comp_panel"), "ms"),
        ("  as a fraction of import studio", med("comp_panel") / ref, "x"),
        ("first parametric EQ panel build", 1e3 * med("eq_panel"), "ms"),
        ("  as a fraction of import studio", med("eq_panel") / ref, "x"),
        *_in_process(),
    ]


if __name__ == "__main__":
    rows = run()
    width = max(len(r[0]) for r in rows)
    for label, value, unit in rows:
        print(f"  {label:<{width}}  {value:10.3f}  {unit}")
