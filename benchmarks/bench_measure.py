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

Then ``measure()`` of a one-hour stereo 48 kHz float32 file (the 3-minute signal
repeated), in a fresh process: its realtime factor (median of 3 runs) and its peak
memory, both as the largest size of the allocations it makes while it runs
(``tracemalloc``) and as the process's peak resident size beyond the audio it was
given, each as a multiple of the audio's own size.

pedalboard has no loudness meter, so there is no pedalboard ratio here. Targets from
the issues: ``measure()`` at least 200x realtime (400x on the one-hour file); loudness
at most 0.5x pyloudnorm; the one-hour measurement's peak memory at most 1.25x the
audio.
Timings on a shared machine vary from run to run; the ratios within one run are the
meaningful figures.

Run: ``.venv/bin/python benchmarks/bench_measure.py``.
"""

from __future__ import annotations

import json
import subprocess
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

    rows += long_file_rows()

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


_LONG_PROBE = """
import json, resource, statistics, sys, time, tracemalloc
import numpy as np
sys.path.insert(0, sys.argv[1])
from bench_skeleton import SR, music_like
import studio
minutes = float(sys.argv[2])
base = music_like()
reps = int(np.ceil(minutes * 60 * SR / base.shape[1]))
x = np.ascontiguousarray(np.tile(base, (1, reps))[:, : int(minutes * 60 * SR)])
del base
audio = studio.Audio(x, SR, "one hour")
studio.measure(studio.Audio(x[:, : 5 * SR], SR))  # kernels loaded outside the figures
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
times = []
for _ in range(3):
    t0 = time.perf_counter()
    studio.measure(audio)
    times.append(time.perf_counter() - t0)
rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
studio.measure(audio)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"seconds": statistics.median(times), "duration": x.shape[1] / SR,
                  "traced": peak, "rss_growth": rss_after - rss_before, "bytes": x.nbytes}))
"""


def long_file_rows(minutes: float = 60.0) -> list[tuple[str, float, str]]:
    """``measure()`` of a long stereo file in a fresh process: speed and peak memory."""
    here = str(Path(__file__).resolve().parent)
    out = subprocess.run(
        [sys.executable, "-c", _LONG_PROBE, here, str(minutes)],
        capture_output=True,
        text=True,
        check=True,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    gb = r["bytes"] / 1e9
    return [
        (f"measure() of {minutes:.0f} min stereo float32 ({gb:.2f} GB)",
         r["duration"] / r["seconds"], f"x realtime, {r['seconds']:.2f} s (target >= 400)"),
        ("  its allocations at their peak (tracemalloc)", r["traced"] / r["bytes"],
         f"x the audio, {r['traced'] / 1e9:.2f} GB (target <= 1.25)"),
        ("  process peak resident size beyond the audio", r["rss_growth"] / r["bytes"],
         f"x the audio, {r['rss_growth'] / 1e9:.2f} GB"),
    ]  # fmt: skip


def main() -> None:
    rows = run()
    print(f"measure() and analyses on {DURATION_S:.0f} s of stereo {SR} Hz float32 music-like")
    print("noise (median of several runs each, all in one process)")
    width = max(len(name) for name, _, _ in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:10.3f}  {unit}")


if __name__ == "__main__":
    main()
