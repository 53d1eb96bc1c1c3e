"""Speed of reference matching on 3-minute stereo 48 kHz audio.

Medians of several runs after a warm-up, each beside a reference measured in the same
process (``studio.measure()`` of the same mix: loudness, LRA, true peak), so the ratios
hold on a busy machine:

* analysis: :func:`match_reference` of the mix against one reference (both spectra, the
  loudness, width, PLR and LRA of each, and the limiter's drive set on the loudest 30 s);
* apply: the :class:`ReferenceMatch` processor at 100 % on every aspect (mid and side
  linear-phase match EQ, width, limiter, gain), and with only the tone;
* the match EQ's FIR length and design time.

Run: ``.venv/bin/python benchmarks/bench_reference.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import SR, median_time, music_like  # noqa: E402


def main() -> None:
    import studio
    from studio.dsp.curve_fir import curve_fir_length, curve_fir_taps
    from studio.mastering.reference import match_reference
    from studio.processors.dynamics import Limiter
    from studio.processors.eq import EQBand, ParametricEQ
    from studio.processors.stereo import StereoWidth

    x = music_like()
    mix = studio.Audio(x, SR, "mix")
    shelf = ParametricEQ(bands=[EQBand("high_shelf", 5000.0, 4.0, 0.707)], phase="linear")
    ref = Limiter(gain_db=6.0, ceiling_dbtp=-1.0)(StereoWidth(width_pct=140.0)(shelf(mix)))
    duration_s = mix.duration_s

    t_measure = median_time(lambda: studio.measure(mix), runs=3)
    t_match = median_time(lambda: match_reference(mix, ref), runs=3)
    result = match_reference(mix, ref)
    proc = result.processor
    t_apply = median_time(lambda: proc.process(x, SR), runs=3)
    tone_only = proc.replace(loudness_pct=0.0, width_pct=0.0, dynamics_pct=0.0)
    t_tone = median_time(lambda: tone_only.process(x, SR), runs=3)
    freqs, mid, _ = proc.tone_curves_db()
    t0 = time.perf_counter()
    for _ in range(5):
        curve_fir_taps(freqs, mid + 1e-3 * np.random.default_rng(0).random(), SR)
    t_design = (time.perf_counter() - t0) / 5

    print(f"reference matching, {duration_s:.0f} s stereo at {SR} Hz (medians)")
    print(f"  studio.measure() of the mix (reference):  {t_measure:6.2f} s")
    print(
        f"  match_reference (analysis):               {t_match:6.2f} s  "
        f"{t_match / t_measure:4.2f}x measure, {duration_s / t_match:5.0f}x realtime"
    )
    print(
        f"  apply, every aspect at 100 %:             {t_apply:6.2f} s  "
        f"{t_apply / t_measure:4.2f}x measure, {duration_s / t_apply:5.0f}x realtime"
    )
    print(
        f"  apply, tone only (mid and side FIRs):      {t_tone:6.2f} s  "
        f"{t_tone / t_measure:4.2f}x measure, {duration_s / t_tone:5.0f}x realtime"
    )
    print(f"  match EQ: {curve_fir_length(SR)} taps, designed in {t_design * 1000:.0f} ms")
    print("  what it found:")
    for line in result.lines():
        print("    " + line)


if __name__ == "__main__":
    main()
