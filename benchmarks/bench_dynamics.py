"""Speed of the dynamics processors, each beside pedalboard's closest one.

3-minute stereo 48 kHz float32 music-like signal (see ``bench_skeleton.music_like``),
median of several runs on one process:

* the compressor with a soft knee and its gain-reduction trace (exact to its equations)
  against ``pedalboard.Compressor`` (no knee, no lookahead, no trace); target <= 1.0x;
* the true-peak lookahead limiter against ``pedalboard.BrickwallLimiter(true_peak=True)``
  (4x oversampled side-chain) on the same driven input; target <= 0.6x. Both outputs'
  true peaks are measured with an independent 8x meter (``scipy.signal.resample_poly``)
  and with the studio's own meter, next to the ceiling;
* gate, transient shaper and multiband compressor, for reference (realtime factors).

Run: ``.venv/bin/python benchmarks/bench_dynamics.py``. The machine may be shared: the
figures are noisy; ratios are measured within the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import DURATION_S, SR, median_time, music_like  # noqa: E402

CEILING_DBTP = -1.0
DRIVE_DB = 9.0
LOOKAHEAD_MS = 5.0
RELEASE_MS = 100.0


def meter_8x_dbtp(y: np.ndarray, chunk: int = 1 << 18) -> float:
    """True peak (dBTP) by ``resample_poly`` at 8x, chunk by chunk (bounded memory).

    Chunks overlap by a margin longer than the resampler's filter, and only each
    chunk's middle is read, so the result equals one pass over the whole signal.
    """
    from scipy import signal

    n = y.shape[1]
    margin = 64
    best = float(np.max(np.abs(y)))
    for start in range(0, n, chunk):
        lo, hi = max(0, start - margin), min(n, start + chunk + margin)
        over = signal.resample_poly(y[:, lo:hi].astype(np.float64), 8, 1, axis=-1)
        keep = over[:, (start - lo) * 8 : (min(n, start + chunk) - lo) * 8]
        best = max(best, float(np.max(np.abs(keep))))
    return 20 * np.log10(best)


def compressor_rows(x: np.ndarray) -> list[tuple[str, float, str]]:
    from studio.processors.dynamics import Compressor

    comp = Compressor(threshold_db=-24.0, ratio=4.0, knee_db=6.0, attack_ms=10.0, release_ms=120.0)
    t_ours = median_time(lambda: comp.process_with_trace(x, SR), runs=7)
    rows = [("compressor, knee 6 dB, + gain-reduction trace", t_ours * 1e3, "ms")]
    try:
        import pedalboard
    except ImportError:
        return [*rows, ("pedalboard not installed", float("nan"), "")]
    board = pedalboard.Compressor(threshold_db=-24.0, ratio=4.0, attack_ms=10.0, release_ms=120.0)
    t_pb = median_time(lambda: board(x, SR), runs=7)
    rows.append(("pedalboard.Compressor (hard knee, no trace)", t_pb * 1e3, "ms"))
    rows.append(("compressor time ours / pedalboard's", t_ours / t_pb, "ratio (target <= 1.0)"))
    return rows


def limiter_rows(x: np.ndarray) -> list[tuple[str, float, str]]:
    from studio.dsp.truepeak import true_peak_dbtp
    from studio.processors.dynamics import Limiter

    lim = Limiter(
        ceiling_dbtp=CEILING_DBTP,
        gain_db=DRIVE_DB,
        release_ms=RELEASE_MS,
        lookahead_ms=LOOKAHEAD_MS,
    )
    ours_out = lim.process(x, SR)
    t_ours = median_time(lambda: lim.process_with_trace(x, SR), runs=5)
    rows = [
        (
            f"true-peak limiter, drive +{DRIVE_DB:g} dB, ceiling {CEILING_DBTP:g} dBTP",
            t_ours * 1e3,
            "ms",
        )
    ]
    rows.append(("  its output, 8x true peak (resample_poly)", meter_8x_dbtp(ours_out), "dBTP"))
    rows.append(("  its output, studio true-peak meter", true_peak_dbtp(ours_out, SR), "dBTP"))
    try:
        import pedalboard
    except ImportError:
        return [*rows, ("pedalboard not installed", float("nan"), "")]
    driven = (x * np.float32(10 ** (DRIVE_DB / 20))).astype(np.float32)
    board = pedalboard.BrickwallLimiter(
        ceiling_db=CEILING_DBTP, release_ms=RELEASE_MS, lookahead_ms=LOOKAHEAD_MS, true_peak=True
    )
    pb_out = board(driven, SR)
    t_pb = median_time(lambda: board(driven, SR), runs=5)
    rows.append(("pedalboard.BrickwallLimiter(true_peak=True)", t_pb * 1e3, "ms"))
    rows.append(("  its output, 8x true peak (resample_poly)", meter_8x_dbtp(pb_out), "dBTP"))
    rows.append(("  its output, studio true-peak meter", true_peak_dbtp(pb_out, SR), "dBTP"))
    rows.append(("limiter time ours / pedalboard's", t_ours / t_pb, "ratio (target <= 0.6)"))
    return rows


def other_rows(x: np.ndarray) -> list[tuple[str, float, str]]:
    from studio.processors.dynamics import Gate, MultibandCompressor, TransientShaper

    duration = x.shape[1] / SR
    rows = []
    for name, proc in (
        ("gate (hold, attack/release)", Gate(threshold_db=-30.0)),
        (
            "transient shaper (+6 dB attack, -3 dB sustain)",
            TransientShaper(attack_db=6.0, sustain_db=-3.0),
        ),
        ("multiband compressor (3 bands, LR4)", MultibandCompressor()),
    ):
        t = median_time(lambda p=proc: p.process_with_trace(x, SR), runs=3)
        rows.append((name, duration / t, "x realtime"))
    return rows


def run() -> list[tuple[str, float, str]]:
    """Every figure as (name, value, unit), references measured in the same run."""
    x = music_like()
    duration = x.shape[1] / SR
    t_copy = median_time(lambda: x * np.float32(0.5))
    rows = [("reference: one read+write pass (x * 0.5)", t_copy * 1e3, "ms")]
    rows += compressor_rows(x)
    rows += limiter_rows(x)
    rows.append(("(signal length)", duration, "s"))
    rows += other_rows(x)
    return rows


def main() -> None:
    print(f"signal: 2 ch x {int(DURATION_S * SR)} frames ({DURATION_S:.0f} s at {SR} Hz, float32)")
    print("\nDynamics (median of runs, one process)")
    rows = run()
    width = max(len(r[0]) for r in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:10.3f}  {unit}")


if __name__ == "__main__":
    main()
