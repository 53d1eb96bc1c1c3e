"""Speed of the modulation, stereo and delivery processors, beside pedalboard's.

On a 3-minute stereo 48 kHz music-like signal (float32, from ``bench_skeleton``),
prints the realtime factor (audio duration / processing time, median of several runs)
of the chorus, phaser, flanger, tremolo and vibrato, the stereo width tools, dither
and sample-rate conversion, each beside a reference measured in the same run: one
read-and-write pass over the buffer, and, where pedalboard is installed, its Chorus and
Phaser with matching settings, timed in alternation with ours so that a varying load
on a shared machine hits both alike (and the ratio of our time to theirs; lower is
better).

Differences to keep in mind when reading the ratios: pedalboard's Chorus (JUCE) is one
modulated delay per channel read with linear interpolation; ours reads with 4-point
Lagrange interpolation and is shown with 1 voice (the like-for-like figure) and with
its default 2 voices. pedalboard's Phaser is JUCE's 6-stage phaser, which updates its
sweep every few samples; ours recomputes all six stage coefficients at every sample.

Run: ``.venv/bin/python benchmarks/bench_modulation.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import DURATION_S, SR, median_time, music_like  # noqa: E402


def paired_times(ours, theirs, runs: int) -> tuple[float, float]:
    """Median times of two functions timed in alternation (fair under a varying load)."""
    ours(), theirs()
    a, b = [], []
    for _ in range(runs):
        for fn, times in ((ours, a), (theirs, b)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def _pedalboard():
    try:
        import pedalboard
    except ImportError:
        return None
    return pedalboard


def run(runs: int = 5) -> list[tuple[str, float, str]]:
    """Realtime factors and ratios to pedalboard (see the module notes)."""
    from studio.processors.delivery import Dither, SampleRateConverter
    from studio.processors.modulation import Chorus, Flanger, Phaser, Tremolo, Vibrato
    from studio.processors.stereo import MultibandWidth, StereoWidth

    x = music_like()
    duration = x.shape[1] / SR
    rows: list[tuple[str, float, str]] = []

    def timed(label: str, fn, n: int = runs) -> float:
        t = median_time(fn, runs=n)
        rows.append((label, duration / t, "x realtime"))
        return t

    timed("reference: one read+write pass (x * 0.5)", lambda: x * np.float32(0.5))

    chorus_1 = Chorus(rate_hz=1.0, depth_pct=50.0, delay_ms=10.0, voices="1", mix_pct=50.0)
    chorus_2 = chorus_1.replace(voices="2")
    phaser = Phaser(rate_hz=1.0, depth_pct=50.0, center_hz=1300.0, stages="6", mix_pct=50.0)
    board = _pedalboard()
    if board is None:
        timed("chorus, 1 voice per channel (Lagrange)", lambda: chorus_1.process(x, SR))
        timed("chorus, 2 voices per channel (default)", lambda: chorus_2.process(x, SR))
        timed("phaser, 6 stages, per-sample sweep", lambda: phaser.process(x, SR))
        rows.append(("pedalboard not installed: no ratios", float("nan"), ""))
    else:
        pb_chorus = board.Chorus(rate_hz=1.0, depth=0.25, centre_delay_ms=10.0, mix=0.5)
        pb_phaser = board.Phaser(rate_hz=1.0, depth=0.5, centre_frequency_hz=1300.0, mix=0.5)
        pairs = (
            ("chorus, 1 voice per channel (Lagrange)", chorus_1, "pedalboard Chorus", pb_chorus),
            ("chorus, 2 voices per channel (default)", chorus_2, "pedalboard Chorus", pb_chorus),
            ("phaser, 6 stages, per-sample sweep", phaser, "pedalboard Phaser", pb_phaser),
        )
        for label, ours, their_label, theirs in pairs:
            t_ours, t_theirs = paired_times(
                lambda p=ours: p.process(x, SR), lambda p=theirs: p(x, SR), runs
            )
            rows.append((label, duration / t_ours, "x realtime"))
            rows.append((f"  {their_label}, timed alternately", duration / t_theirs, "x realtime"))
            rows.append(("  our time / theirs", t_ours / t_theirs, "ratio (lower is better)"))

    timed("flanger with feedback", lambda: Flanger().process(x, SR))
    timed("tremolo", lambda: Tremolo().process(x, SR))
    timed("vibrato", lambda: Vibrato().process(x, SR))

    timed("stereo width 140 %", lambda: StereoWidth(width_pct=140.0).process(x, SR))
    timed(
        "stereo width 140 %, mono below 120 Hz",
        lambda: StereoWidth(width_pct=140.0, mono_below_hz=120.0).process(x, SR),
    )
    timed("multiband width (3 bands)", lambda: MultibandWidth().process(x, SR))

    timed("dither to 16 bits, flat TPDF", lambda: Dither(bit_depth="16").process(x, SR))
    timed(
        "dither to 16 bits, noise-shaped",
        lambda: Dither(bit_depth="16", noise_shaping="shaped").process(x, SR),
    )
    timed(
        "sample-rate conversion 48 -> 44.1 kHz (soxr VHQ)",
        lambda: SampleRateConverter(target_sr="44100").process(x, SR),
        n=3,
    )
    return rows


def main() -> None:
    """Print the table."""
    print(f"signal: 2 ch x {int(DURATION_S * SR)} frames ({DURATION_S:.0f} s at {SR} Hz, float32)")
    rows = run()
    width = max(len(r[0]) for r in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:10.2f}  {unit}")


if __name__ == "__main__":
    main()
