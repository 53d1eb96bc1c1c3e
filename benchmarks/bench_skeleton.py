"""Speed of the spine: realtime factors and the slider-to-audio latency.

Prints, for a 3-minute stereo 48 kHz signal (deterministic, music-like noise), the
realtime factor (audio duration / processing time, median of several runs) of the
4-band parametric EQ, the compressor (with its gain-reduction trace) and ``measure()``,
each beside a reference measured in the same run: one read-and-write pass over the
buffer (``x * 0.5``) and, for loudness, pyloudnorm.

Then the slider-to-updated-audio latency in the kernel for the EQ and compressor panels
on a 10-second preview: from a control's value changing to the player's new B buffer,
the loudness offset and the plot all being updated (median of 30 moves; the browser
round trip is measured by the browser test).

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_skeleton.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

SR = 48000
DURATION_S = 180.0


def music_like(seconds: float = DURATION_S, sr: int = SR, channels: int = 2) -> np.ndarray:
    """Pink-ish noise with a beat-like envelope, float32, shaped (channels, frames)."""
    rng = np.random.default_rng(7)
    n = int(seconds * sr)
    white = rng.standard_normal((channels, n)).astype(np.float32)
    spectrum = np.fft.rfft(white, axis=-1)
    freqs = np.fft.rfftfreq(n, 1 / sr)
    spectrum /= np.sqrt(np.maximum(freqs, 20.0))
    pink = np.fft.irfft(spectrum, n=n, axis=-1).astype(np.float32)
    t = np.arange(n) / sr
    beat = 0.35 + 0.65 * np.exp(-((t * 2.0) % 1.0) * 6.0)
    out = pink * beat.astype(np.float32)
    return (out / np.max(np.abs(out)) * 0.5).astype(np.float32)


def median_time(fn: Callable[[], object], runs: int = 5) -> float:
    """Median wall time of ``runs`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def processing_rows(x: np.ndarray) -> list[tuple[str, float, str]]:
    import studio
    from studio.dsp.loudness import integrated_loudness

    eq = studio.ParametricEQ(
        bands=[
            studio.EQBand("low_shelf", 100.0, 3.0, 0.707),
            studio.EQBand("peak", 400.0, -4.0, 1.4),
            studio.EQBand("peak", 3000.0, 2.0, 1.0),
            studio.EQBand("high_shelf", 9000.0, 2.0, 0.707),
        ]
    )
    comp = studio.Compressor(threshold_db=-24.0, ratio=4.0, knee_db=6.0)
    audio = studio.Audio(x, SR)
    duration = x.shape[1] / SR
    rows = []
    t_copy = median_time(lambda: x * np.float32(0.5))
    rows.append(("reference: one read+write pass (x * 0.5)", duration / t_copy, "x realtime"))
    t_eq = median_time(lambda: eq.process(x, SR))
    rows.append(("4-band parametric EQ (compiled biquad cascade)", duration / t_eq, "x realtime"))
    t_comp = median_time(lambda: comp.process_with_trace(x, SR))
    rows.append(("compressor + gain-reduction trace", duration / t_comp, "x realtime"))
    t_meas = median_time(lambda: studio.measure(audio), runs=3)
    rows.append(("measure() (LUFS, LRA, true peak, series)", duration / t_meas, "x realtime"))
    t_lufs = median_time(lambda: integrated_loudness(x, SR), runs=3)
    rows.append(("integrated loudness alone", duration / t_lufs, "x realtime"))
    try:
        import pyloudnorm

        meter = pyloudnorm.Meter(SR)
        frames = np.ascontiguousarray(x.T, dtype=np.float64)
        t_pyln = median_time(lambda: meter.integrated_loudness(frames), runs=3)
        rows.append(("pyloudnorm integrated loudness (reference)", duration / t_pyln, "x realtime"))
        rows.append(
            ("our loudness time / pyloudnorm's", t_lufs / t_pyln, "ratio (lower is better)")
        )
    except ImportError:
        rows.append(("pyloudnorm not installed", float("nan"), ""))
    return rows


def latency_rows(x: np.ndarray) -> list[tuple[str, float, str]]:
    import studio
    from studio.widgets.panel import ProcessorPanel
    from studio.widgets.timing import ManualScheduler

    preview = studio.Audio(x[:, : 10 * SR], SR, "preview")
    rows = []
    cases = [
        ("EQ panel", studio.ParametricEQ(), ("bands", 1, "gain_db"), np.linspace(-12, 12, 30)),
        ("compressor panel", studio.Compressor(), ("threshold_db",), np.linspace(-40, -10, 30)),
    ]
    for label, proc, path, values in cases:
        clock = ManualScheduler()
        panel = ProcessorPanel(proc, preview, preview_s=10.0, scheduler=clock)
        control = panel.controls[path]
        times = []
        for v in values:
            clock.advance(1.0)  # each move starts after the previous one settled
            t0 = time.perf_counter()
            control.value = float(v)  # fast path: processor + curve
            panel.flush()  # slow path now instead of after the debounce wait
            times.append(time.perf_counter() - t0)
        rows.append(
            (
                f"{label}: slider -> new audio + plot (10 s preview)",
                statistics.median(times) * 1e3,
                "ms median (target < 50)",
            )
        )
    return rows


_IMPORT_PROBE = """
import time
t0 = time.perf_counter()
import numpy as np
import studio
t1 = time.perf_counter()
audio = studio.Audio(np.full((2, 48000), 0.1, dtype=np.float32), 48000)
studio.Compressor()(audio)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def import_rows(runs: int = 5) -> list[tuple[str, float, str]]:
    """``import studio`` and the first processing call, each in a fresh process."""
    import subprocess

    imports, firsts = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, check=True
        )
        t_import, t_first = (float(v) for v in out.stdout.split())
        imports.append(t_import)
        firsts.append(t_first)
    return [
        (
            "import studio (fresh process, numpy included)",
            statistics.median(imports),
            "s median (target <= 1.2)",
        ),
        (
            "first processing call after import (compressor)",
            statistics.median(firsts),
            "s median (target <= 0.5)",
        ),
    ]


def print_rows(title: str, rows: list[tuple[str, float, str]]) -> None:
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:10.1f}  {unit}")


def run() -> list[tuple[str, float, str]]:
    """All figures of this module as (name, value, unit) rows."""
    x = music_like()
    return import_rows() + processing_rows(x) + latency_rows(x)


def main() -> None:
    x = music_like()
    print(f"signal: {x.shape[0]} ch x {x.shape[1]} frames ({DURATION_S:.0f} s at {SR} Hz, float32)")
    print_rows("Start-up", import_rows())
    print_rows("Processing (median of runs, one process)", processing_rows(x))
    print_rows("Interaction latency in the kernel", latency_rows(x))


if __name__ == "__main__":
    main()
