"""Speed of the meter and the analysis layer, against pyloudnorm and plain references.

On a 3-minute stereo 48 kHz music-like signal (deterministic pink-ish noise with a beat,
float32 as ``studio.load`` gives it, from ``bench_skeleton.music_like``), prints the
realtime factor (audio duration / processing time, median of several runs) of:

* the full ``measure()``: integrated loudness, LRA, momentary and short-term series,
  sample and true peak, PSR series, RMS and crest factor, correlation series, mono fold;
* its loudness part (``loudness_profile``: one K-filter pass, every loudness figure and
  the mono fold) and integrated loudness alone, each with its time divided by
  pyloudnorm's integrated measurement timed in the same run (target: at most 0.5);
* its peak part (``peak_envelope``: true peak per 10 ms hop) beside the bare true peak
  and the plain ``scipy.signal.upfirdn`` reference;
* the other analyses (spectrum, bands, spectrogram, band levels over time, correlation,
  mono compatibility, dynamics over time, a masking estimate between two tracks);
* integrated loudness at 32 kHz and 8 kHz, where the K-filter runs on upsampled audio.

pedalboard has no loudness meter, so there is no pedalboard ratio here. Targets from
the issue: ``measure()`` at least 200x realtime; loudness at most 0.5x pyloudnorm.
Timings on a shared machine vary from run to run; the ratios within one run are the
meaningful figures.

Run: ``.venv/bin/python benchmarks/bench_measure.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import DURATION_S, SR, median_time, music_like  # noqa: E402


def run(runs: int = 5) -> list[tuple[str, float, str]]:
    """Time the meter, its parts and the analyses; return ``(name, value, unit)`` rows."""
    import pyloudnorm
    from scipy import signal

    import studio
    from studio import analysis
    from studio.dsp.loudness import integrated_loudness, loudness_profile
    from studio.dsp.truepeak import peak_envelope, true_peak_dbtp, true_peak_reference

    x = music_like()
    audio = studio.Audio(x, SR, "bench")
    duration = x.shape[1] / SR
    frames = np.ascontiguousarray(x.T, dtype=np.float64)  # pyloudnorm's layout, not timed
    meter = pyloudnorm.Meter(SR)

    t_measure = median_time(lambda: studio.measure(audio), runs)
    t_theirs = median_time(lambda: meter.integrated_loudness(frames), runs)
    t_profile = median_time(lambda: loudness_profile(x, SR), runs)
    t_integrated = median_time(lambda: integrated_loudness(x, SR), runs)
    t_envelope = median_time(lambda: peak_envelope(x, SR), runs)
    t_tp = median_time(lambda: true_peak_dbtp(x, SR), runs)
    t_tp_ref = median_time(lambda: true_peak_reference(x, SR), max(1, runs // 2))

    rows = [
        ("measure() (everything)", duration / t_measure, "x realtime (target >= 200)"),
        ("measure() wall time", t_measure * 1e3, "ms"),
        ("pyloudnorm integrated loudness", duration / t_theirs, "x realtime (reference)"),
        ("loudness part (loudness_profile)", duration / t_profile, "x realtime"),
        ("  its time / pyloudnorm's", t_profile / t_theirs, "ratio (target <= 0.5)"),
        ("integrated loudness alone", duration / t_integrated, "x realtime"),
        ("  its time / pyloudnorm's", t_integrated / t_theirs, "ratio (target <= 0.5)"),
        ("peak part (peak_envelope, 10 ms hops)", duration / t_envelope, "x realtime"),
        ("true peak alone (matrix product)", duration / t_tp, "x realtime"),
        ("true peak, plain upfirdn reference", duration / t_tp_ref, "x realtime"),
    ]

    bass = studio.Audio(x[:1], SR, "bass")
    kick = studio.Audio(x[1:], SR, "kick")
    extras = [
        ("long_term_spectrum", lambda: analysis.long_term_spectrum(audio)),
        ("octave_bands (1/3 octave)", lambda: analysis.octave_bands(audio)),
        ("spectrogram (1000 x 300 cells)", lambda: analysis.spectrogram(audio)),
        ("band_levels_over_time (octaves)", lambda: analysis.band_levels_over_time(audio)),
        ("correlation_over_time", lambda: analysis.correlation_over_time(audio)),
        ("mono_compatibility", lambda: analysis.mono_compatibility(audio)),
        ("dynamics_over_time", lambda: analysis.dynamics_over_time(audio)),
        ("estimate_masking (two mono tracks)", lambda: analysis.estimate_masking(bass, kick)),
    ]
    for name, fn in extras:
        rows.append((name, duration / median_time(fn, max(1, runs // 2)), "x realtime"))

    for rate in (32000, 8000):
        y = signal.resample_poly(x, rate // 1000, SR // 1000, axis=-1).astype(np.float32)
        t_low = median_time(lambda y=y, rate=rate: integrated_loudness(y, rate), max(1, runs // 2))
        rows.append(
            (f"integrated loudness at {rate} Hz (upsampled)", duration / t_low, "x realtime")
        )

    m = studio.measure(audio)
    ours, theirs = integrated_loudness(x, SR), meter.integrated_loudness(frames)
    rows += [
        ("integrated loudness: ours - pyloudnorm", ours - theirs, "LU (their filter differs)"),
        ("integrated loudness of the signal", m.integrated_lufs, "LUFS"),
        ("loudness range of the signal", m.lra_lu, "LU"),
        ("true peak of the signal", m.true_peak_dbtp, "dBTP"),
        ("median PSR of the signal", m.median_psr_db, "dB"),
    ]
    return rows


def main() -> None:
    rows = run()
    print(f"measure() and analyses on {DURATION_S:.0f} s of stereo {SR} Hz float32 music-like")
    print("noise (median of several runs each, all in one process)")
    width = max(len(name) for name, _, _ in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:10.3f}  {unit}")


if __name__ == "__main__":
    main()
