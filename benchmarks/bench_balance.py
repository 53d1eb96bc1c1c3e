"""Speed of the starting-balance assistant on a 12-track x 3-minute session.

The demo song at 180 s (its eight tracks, four of them used twice under other names:
12 tracks, two stereo), 48 kHz float32. Prints the median wall time (several runs) of
``suggest_balance`` when the names say every role, and when no name says anything (every
role then comes from the sound), each as a ratio to a reference timed in the same run:
one ``loudness_profile`` per track, the least a loudness-based balance must do (one
K-filtered pass over every track). ``measure()`` of every track is shown beside it.
No target in the issue; the figures show what the assistant costs beyond the meter.

Run: ``.venv/bin/python benchmarks/bench_balance.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import median_time  # noqa: E402


def run(runs: int = 3) -> list[tuple[str, float, str]]:
    """Time the assistant against one loudness pass per track; ``(name, value, unit)`` rows."""
    from studio import measure
    from studio.demo import session
    from studio.dsp.loudness import loudness_profile
    from studio.mixing import suggest_balance

    demo = session(180.0)
    names = list(demo.tracks)
    named = {f"{names[i % 8]} {i // 8 + 1}": demo.tracks[names[i % 8]] for i in range(12)}
    unnamed = {f"track {i + 1}": audio for i, audio in enumerate(named.values())}
    audio_s = sum(a.duration_s for a in named.values())

    t_floor = median_time(lambda: [loudness_profile(a.samples, a.sr) for a in named.values()], runs)
    t_meter = median_time(lambda: [measure(a) for a in named.values()], runs)
    t_named = median_time(lambda: suggest_balance(named), runs)
    t_unnamed = median_time(lambda: suggest_balance(unnamed), runs)
    return [
        ("one loudness_profile per track (reference)", t_floor * 1e3, "ms"),
        ("measure() per track", t_meter / t_floor, "x the reference"),
        ("suggest_balance, roles from names", t_named * 1e3, "ms"),
        ("  its time / reference", t_named / t_floor, "ratio"),
        ("  realtime factor (all tracks' audio)", audio_s / t_named, "x realtime"),
        ("suggest_balance, roles from the sound", t_unnamed * 1e3, "ms"),
        ("  its time / reference", t_unnamed / t_floor, "ratio"),
    ]


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"  {label:<42}  {value:10.2f}  {unit}")
