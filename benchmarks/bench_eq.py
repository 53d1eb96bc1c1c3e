"""Speed of the EQ and filters next to pedalboard's, on 3-minute stereo 48 kHz audio.

Every figure is the median of several runs after a warm-up (so numba's compilation and
FFT plans are out of the figure), measured in the same process as its reference:

* the 4-band parametric EQ (our compiled biquad cascade, float32 in and out, float64
  state) beside pedalboard's LowShelf/Peak/Peak/HighShelf chain in a Pedalboard, the
  ratio ours/pedalboard (the issue's target: at most 0.5) and the realtime factor (at
  least 1000x), plus scipy's ``sosfilt`` on the same sections (the old path);
* the same EQ in linear-phase mode (FIR by FFT overlap-save), with its FIR length;
* a 24 dB/octave high pass (pedalboard's HighpassFilter is first order, 6 dB/oct), the
  tilt EQ, the dynamic EQ band, gain and pan, with pedalboard's Gain beside ours.

Run: ``.venv/bin/python benchmarks/bench_eq.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import SR, median_time, music_like  # noqa: E402


def paired_times(ours, theirs, runs: int = 9) -> tuple[float, float, float]:
    """Median times of two functions run alternately, and the median of their ratios.

    Alternating keeps both under the same load on a busy machine, so the ratio is
    steadier than the ratio of two separately measured medians.
    """
    import statistics
    import time

    ours()
    theirs()
    a, b = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        ours()
        t1 = time.perf_counter()
        theirs()
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
    ratios = [x / y for x, y in zip(a, b, strict=True)]
    return statistics.median(a), statistics.median(b), statistics.median(ratios)


BANDS = (
    ("low_shelf", 100.0, 3.0, 0.707),
    ("peak", 400.0, -4.0, 1.4),
    ("peak", 3000.0, 2.0, 1.0),
    ("high_shelf", 9000.0, 2.0, 0.707),
)


def run() -> list[tuple[str, float, str]]:
    """Measure every figure; return ``(name, value, unit or comment)`` rows."""
    from scipy.signal import sosfilt

    from studio.processors.eq import DynamicEQ, EQBand, ParametricEQ
    from studio.processors.filters import HighPass, TiltEQ
    from studio.processors.utility import Gain, Pan

    x = music_like()
    duration = x.shape[1] / SR
    rows: list[tuple[str, float, str]] = []

    def add(name: str, seconds: float) -> None:
        rows.append((name, seconds * 1e3, f"ms  ({duration / seconds:,.0f}x realtime)"))

    t_copy = median_time(lambda: x * np.float32(0.5))
    add("reference: one read+write pass (x * 0.5)", t_copy)

    eq = ParametricEQ(bands=[EQBand(*b) for b in BANDS])
    sos = eq.sos(SR)

    try:
        import pedalboard as pb
    except ImportError:  # pragma: no cover - benchmarks only
        pb = None
        rows.append(("pedalboard not installed: no ratios", float("nan"), ""))
    if pb is not None:
        board = pb.Pedalboard(
            [
                pb.LowShelfFilter(cutoff_frequency_hz=100.0, gain_db=3.0, q=0.707),
                pb.PeakFilter(cutoff_frequency_hz=400.0, gain_db=-4.0, q=1.4),
                pb.PeakFilter(cutoff_frequency_hz=3000.0, gain_db=2.0, q=1.0),
                pb.HighShelfFilter(cutoff_frequency_hz=9000.0, gain_db=2.0, q=0.707),
            ]
        )
        t_ours, t_pb, ratio = paired_times(lambda: eq.process(x, SR), lambda: board(x, SR))
        add("4-band parametric EQ (ours, minimum phase)", t_ours)
        add("pedalboard LowShelf+Peak+Peak+HighShelf (reference)", t_pb)
        rows.append(("4-band EQ: our time / pedalboard's", ratio, "ratio (target <= 0.5)"))
    else:  # pragma: no cover
        t_ours = median_time(lambda: eq.process(x, SR), runs=7)
        add("4-band parametric EQ (ours, minimum phase)", t_ours)

    t_scipy = median_time(lambda: sosfilt(sos, x, axis=-1).astype(np.float32), runs=5)
    add("same sections through scipy sosfilt (old path)", t_scipy)

    linear = eq.replace(phase="linear")
    taps = linear.fir_taps(SR)
    t_lin = median_time(lambda: linear.process(x, SR), runs=5)
    add(f"4-band EQ, linear phase ({len(taps)}-tap FIR, FFT overlap-save)", t_lin)
    if pb is not None:
        rows.append(
            ("linear phase: our time / pedalboard's minimum-phase chain", t_lin / t_pb, "ratio")
        )
    mastering = ParametricEQ(
        bands=[EQBand("peak", 40.0, 2.0, 1.0), EQBand("high_shelf", 10000.0, 1.5, 0.707)],
        phase="linear",
    )
    n_long = len(mastering.fir_taps(SR))
    add(
        f"linear phase with a 40 Hz bell ({n_long}-tap FIR)",
        median_time(lambda: mastering.process(x, SR), runs=3),
    )

    hp = HighPass(freq_hz=80.0, slope_db_per_oct="24")
    add("high pass 24 dB/oct (2 biquads)", median_time(lambda: hp.process(x, SR), runs=5))
    if pb is not None:
        pb_hp = pb.HighpassFilter(cutoff_frequency_hz=80.0)
        add(
            "pedalboard HighpassFilter, 6 dB/oct only (reference)",
            median_time(lambda: pb_hp(x, SR), runs=5),
        )
    tilt = TiltEQ(tilt_db=2.0, pivot_hz=1000.0)
    add("tilt EQ (1 first-order section)", median_time(lambda: tilt.process(x, SR), runs=5))
    deq = DynamicEQ(freq_hz=6500.0, q=3.0, threshold_db=-30.0, ratio=4.0, range_db=8.0)
    add(
        "dynamic EQ band with gain trace",
        median_time(lambda: deq.process_with_trace(x, SR), runs=5),
    )
    gain = Gain(gain_db=-3.0)
    add("gain -3 dB", median_time(lambda: gain.process(x, SR), runs=7))
    if pb is not None:
        pb_gain = pb.Gain(gain_db=-3.0)
        add("pedalboard Gain (reference)", median_time(lambda: pb_gain(x, SR), runs=7))
    pan = Pan(pan=0.3)
    add("pan, mono -> stereo", median_time(lambda: pan.process(x[:1], SR), runs=7))
    return rows


def main() -> None:
    """Print the table."""
    rows = run()
    print("3-minute stereo 48 kHz float32 (median of runs after a warm-up)")
    width = max(len(r[0]) for r in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:10.3f}  {unit}")


if __name__ == "__main__":
    main()
