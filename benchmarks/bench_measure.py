"""Speed of the loudness meter: ``studio.measure`` and its parts, against pyloudnorm.

On a 3-minute stereo 48 kHz music-like signal (deterministic: pink-ish noise with a
beat, quieter verses and louder choruses, float32 as ``studio.load`` gives it), prints
the realtime factor (audio duration / processing time, median of several runs) of:

* the full ``measure()`` (integrated loudness, LRA, momentary and short-term curves,
  sample peak, true peak);
* integrated loudness alone (``studio.dsp.loudness.integrated_loudness``);
* pyloudnorm's integrated loudness, timed in the same run, and the ratio of our time to
  theirs (the target is 0.5 or less);
* true peak alone, and the same true peak computed the plain way with
  ``scipy.signal.upfirdn`` (``true_peak_reference``) for comparison.

Targets from the issues: ``measure()`` at least 200x realtime; our loudness in at most
half of pyloudnorm's time. Timings on a shared machine vary from run to run; the ratios
within one run are the meaningful figures.

Run: ``.venv/bin/python benchmarks/bench_measure.py``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

SR = 48000
DURATION_S = 180.0


def music_like(seconds: float = DURATION_S, sr: int = SR) -> np.ndarray:
    """Stereo pink-ish noise with a beat and verse/chorus levels, float32, (2, frames)."""
    rng = np.random.default_rng(2024)
    n = int(seconds * sr)
    white = rng.standard_normal((2, n))
    spectrum = np.fft.rfft(white, axis=-1)
    spectrum /= np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / sr), 30.0))  # about -3 dB/octave
    pink = np.fft.irfft(spectrum, n=n, axis=-1)
    t = np.arange(n) / sr
    beat = 0.4 + 0.6 * np.exp(-((t * 2.0) % 1.0) * 8.0)  # 120 bpm pulses
    section_db = np.where((t // 20.0) % 2 == 0, -6.0, 0.0)  # 20 s verses 6 dB quieter
    x = pink * beat * 10 ** (section_db / 20)
    return (x / np.max(np.abs(x)) * 10 ** (-1.0 / 20)).astype(np.float32)  # -1 dBFS peak


def median_time(fn: Callable[[], object], runs: int = 5) -> float:
    """Median wall time of ``runs`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(runs: int = 5) -> list[tuple[str, float, str]]:
    """Time the meter and its parts; return ``(name, value, unit or comment)`` rows."""
    import pyloudnorm

    import studio
    from studio.dsp.loudness import integrated_loudness
    from studio.dsp.truepeak import true_peak_dbtp, true_peak_reference

    x = music_like()
    audio = studio.Audio(x, SR, "bench")
    duration = x.shape[1] / SR
    frames = np.ascontiguousarray(x.T, dtype=np.float64)  # pyloudnorm's layout, not timed
    meter = pyloudnorm.Meter(SR)

    t_measure = median_time(lambda: studio.measure(audio), runs)
    t_ours = median_time(lambda: integrated_loudness(x, SR), runs)
    t_theirs = median_time(lambda: meter.integrated_loudness(frames), runs)
    t_tp = median_time(lambda: true_peak_dbtp(x, SR), runs)
    t_tp_ref = median_time(lambda: true_peak_reference(x, SR), max(1, runs // 2))

    m = studio.measure(audio)
    ours, theirs = integrated_loudness(x, SR), meter.integrated_loudness(frames)
    return [
        ("measure() (everything)", duration / t_measure, "x realtime (target >= 200)"),
        ("integrated loudness alone", duration / t_ours, "x realtime"),
        ("pyloudnorm integrated loudness", duration / t_theirs, "x realtime (reference)"),
        ("our loudness time / pyloudnorm's", t_ours / t_theirs, "ratio (target <= 0.5)"),
        ("true peak alone (matrix product)", duration / t_tp, "x realtime"),
        ("true peak, plain upfirdn reference", duration / t_tp_ref, "x realtime"),
        ("measure() wall time", t_measure * 1e3, "ms"),
        ("integrated loudness: ours - pyloudnorm", ours - theirs, "LU (their filter differs)"),
        ("integrated loudness of the signal", m.integrated_lufs, "LUFS"),
        ("loudness range of the signal", m.lra_lu, "LU"),
        ("true peak of the signal", m.true_peak_dbtp, "dBTP"),
    ]


def main() -> None:
    rows = run()
    print(f"measure() on {DURATION_S:.0f} s of stereo {SR} Hz float32 music-like noise")
    print("(median of 5 runs each, all in one process)")
    width = max(len(name) for name, _, _ in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:10.3f}  {unit}")


if __name__ == "__main__":
    main()
