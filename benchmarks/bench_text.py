"""Cost of the text catalogue: import, first look-up per area, and each look-up after.

Fresh processes (median of five) time ``import studio`` alone, the reference, and then
``import studio.text`` on top of it, the first ``t()`` (reads one area's TOML file),
the first ``param_text()`` (reads ``params.toml``, the largest area) and reading every
area of both languages. In this process, the time of one ``t()`` with fields and one
``param_text()`` once their areas are loaded.

Budget from the issue: ``import studio`` <= 0.6 s; the catalogue must not add to it
noticeably (it reads no file at import).

Run: ``.venv/bin/python benchmarks/bench_text.py``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import timeit

CHILD = r"""
import json, time
t0 = time.perf_counter(); import studio; t1 = time.perf_counter()
import studio.text as text; t2 = time.perf_counter()
text.t("lessons.mixing.eq.title"); t3 = time.perf_counter()
text.param_text("Compressor", "threshold_db"); t4 = time.perf_counter()
for code in text.languages():
    for area in ("params", "processors", "describe", "findings", "lessons", "player",
                 "panel", "demo"):
        text.keys(area, code)
t5 = time.perf_counter()
print(json.dumps({"studio": t1 - t0, "text": t2 - t1, "first_t": t3 - t2,
                  "first_param": t4 - t3, "all_areas": t5 - t4}))
"""


def _child() -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(repeats: int = 5) -> list[tuple[str, float, str]]:
    """Time the catalogue in fresh processes and here; return ``(name, value, unit)`` rows."""
    runs = [_child() for _ in range(repeats)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    from studio.text import param_text, t

    t("demo.describe.song", key="D minor", tempo_bpm=120.0, duration_s=40.0, sr=48000)
    param_text("Compressor", "ratio")
    n = 20000
    per_t = timeit.timeit(
        lambda: t("demo.describe.song", key="D minor", tempo_bpm=120.0, duration_s=40.0, sr=1),
        number=n,
    )
    per_param = timeit.timeit(lambda: param_text("Compressor", "ratio"), number=n)
    return [
        ("import studio (reference)", med("studio"), "s"),
        ("import studio.text after it", 1000.0 * med("text"), "ms"),
        ("  as a fraction of import studio", med("text") / med("studio"), "x"),
        ("first t() (reads lessons.toml)", 1000.0 * med("first_t"), "ms"),
        ("first param_text() (reads params.toml)", 1000.0 * med("first_param"), "ms"),
        ("every other area, both languages", 1000.0 * med("all_areas"), "ms"),
        ("one t() with four fields, loaded", 1e6 * per_t / n, "us"),
        ("one param_text(), loaded", 1e6 * per_param / n, "us"),
    ]


if __name__ == "__main__":
    rows = run()
    width = max(len(r[0]) for r in rows)
    for label, value, unit in rows:
        print(f"  {label:<{width}}  {value:10.3f}  {unit}")
