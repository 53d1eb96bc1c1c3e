"""Slider move to new preview audio, in the kernel, for every processor class.

For every class in ``registered_processors()`` (``Chain`` aside), on a 10 s preview at
48 kHz (stereo music-like noise, float32 as ``studio.load`` gives it), every continuous
parameter is moved to a few values across its range (nested items such as EQ bands and
multiband bands too: the first item's parameters). Each move is timed as the panel pays
it: ``proc.replace(name=value).process(samples, sr)`` plus the integrated loudness of the
output (the panel loudness-matches every render). Prints one row per class: median and
worst milliseconds over all moves, and the parameter whose moves are slowest (by median).

The reference measured in the same run is one read-and-write pass over the preview
(``x * 0.5``); the loudness measurement alone is printed too. The CPU time of the moves
(``time.process_time``) is printed beside the wall time: on a machine shared with other
work it is the steadier figure. Target from the issue: every class at most 50 ms median.

The ratio of each median to the loudness measurement's is printed too (``x loud``):
steadier than milliseconds when the machine is busy. ``--one-core`` runs everything on
one thread (the DSP runs some work side by side on two cores where it can; this shows
what a one-core machine, a Binder session for instance, would see).

Run: ``.venv/bin/python benchmarks/bench_preview.py [--one-core] [ClassName ...]``.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import SR, median_time, music_like  # noqa: E402

PREVIEW_S = 10.0
MOVES_PER_PARAM = 4
TARGET_MS = 50.0


def _loudness_fn() -> Callable[[np.ndarray, int], float]:
    """The integrated-loudness function a preview render pays for."""
    from studio.dsp import loudness

    return getattr(loudness, "preview_loudness", loudness.integrated_loudness)


def _values(spec: Any, current: float) -> list[float]:
    """``MOVES_PER_PARAM`` values spread across the range, away from the current one."""
    lo, hi = float(spec.lo), float(spec.hi)
    fractions = np.linspace(0.1, 0.9, MOVES_PER_PARAM)
    if spec.scale == "log" and lo > 0:
        values = lo * (hi / lo) ** fractions
    else:
        values = lo + (hi - lo) * fractions
    return [float(v) for v in values if not np.isclose(v, current)]


def _moves(proc: Any) -> list[tuple[str, Callable[[float], Any], list[float]]]:
    """(parameter label, value -> new processor, values) for every continuous parameter."""
    moves: list[tuple[str, Callable[[float], Any], list[float]]] = []
    for spec in type(proc).specs():
        if spec.kind != "number":
            continue
        name = spec.name
        values = _values(spec, getattr(proc, name))
        moves.append((name, lambda v, name=name: proc.replace(**{name: v}), values))
    for field, item_type in type(proc).item_fields().items():
        entries = getattr(proc, field)
        if not entries:
            continue
        first = entries[0]
        for spec in item_type.specs():
            if spec.kind != "number":
                continue
            name = spec.name

            def change(v: float, field: str = field, name: str = name) -> Any:
                items = list(getattr(proc, field))
                items[0] = dataclasses.replace(items[0], **{name: v})
                return proc.replace(**{field: tuple(items)})

            moves.append((f"{field}[0].{name}", change, _values(spec, getattr(first, name))))
    return moves


def bench_class(
    cls: type, x: np.ndarray, loudness: Callable[[np.ndarray, int], float]
) -> dict[str, Any]:
    """Time every move of one class; return its figures."""
    from studio.errors import StudioError

    proc = cls()
    samples = x if cls.accepts_channels is None or 2 in cls.accepts_channels else x[:1]
    loudness(proc.process(samples, SR), SR)  # warm-up: kernels compiled or loaded
    per_param: dict[str, list[float]] = {}
    cpu: list[float] = []
    for label, make, values in _moves(proc):
        for v in values:
            try:
                moved = make(v)
            except (StudioError, ValueError):
                continue  # a value this combination refuses (e.g. crossover order)
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                out = moved.process(samples, SR)
            except StudioError:
                continue  # a value this rate refuses (a frequency above 24 kHz at 48 kHz)
            loudness(out, SR)
            per_param.setdefault(label, []).append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    if not per_param:  # no continuous parameter: time the render itself
        times = []
        for _ in range(MOVES_PER_PARAM):
            t0, c0 = time.perf_counter(), time.process_time()
            loudness(proc.process(samples, SR), SR)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        per_param["(no parameters)"] = times
    all_times = [t for ts in per_param.values() for t in ts]
    slowest = max(per_param, key=lambda k: statistics.median(per_param[k]))
    return {
        "median_ms": statistics.median(all_times) * 1e3,
        "cpu_ms": statistics.median(cpu) * 1e3,
        "worst_ms": max(all_times) * 1e3,
        "slowest": slowest,
        "slowest_ms": statistics.median(per_param[slowest]) * 1e3,
        "moves": len(all_times),
    }


def run(names: list[str] | None = None) -> list[tuple[str, float, str]]:
    """Figures as ``(name, value, unit)`` rows (for ``run_all.py``)."""
    from studio.processors.base import registered_processors

    x = music_like(PREVIEW_S)
    loudness = _loudness_fn()
    rows: list[tuple[str, float, str]] = []
    t_copy = median_time(lambda: x * np.float32(0.5), runs=9)
    rows.append(("reference: one read+write pass (x * 0.5)", t_copy * 1e3, "ms"))
    t_loud = median_time(lambda: loudness(x, SR), runs=9)
    rows.append((f"loudness alone ({loudness.__name__})", t_loud * 1e3, "ms"))
    classes = {k: v for k, v in sorted(registered_processors().items()) if k != "Chain"}
    for name, cls in classes.items():
        if names and name not in names:
            continue
        r = bench_class(cls, x, loudness)
        flag = "" if r["median_ms"] <= TARGET_MS else "  OVER TARGET"
        ratio = r["median_ms"] / (t_loud * 1e3)
        rows.append(
            (
                f"{name}: median / worst",
                r["median_ms"],
                f"ms median ({r['cpu_ms']:.1f} ms CPU, {ratio:.1f} x loud), "
                f"{r['worst_ms']:.1f} ms worst over "
                f"{r['moves']} moves; "
                f"slowest: {r['slowest']} ({r['slowest_ms']:.1f} ms){flag}",
            )
        )
    return rows


def main() -> None:
    args = sys.argv[1:]
    if "--one-core" in args:
        args.remove("--one-core")
        from studio.dsp import _parallel

        _parallel.WORKERS = 1
    rows = run(args or None)
    print(
        f"slider move -> new {PREVIEW_S:.0f} s stereo {SR} Hz preview + its loudness "
        f"(target <= {TARGET_MS:.0f} ms median per class)"
    )
    width = max(len(r[0]) for r in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:8.1f}  {unit}", flush=True)


if __name__ == "__main__":
    main()
