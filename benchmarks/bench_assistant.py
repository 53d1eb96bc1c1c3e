"""Speed of the mastering assistant: analysing a mix and proposing a chain.

3-minute stereo 48 kHz float32 music-like mix (``bench_skeleton.music_like``), one process:

* ``analyse_mix``: the meter (``studio.measure``) plus the mid and side spectra, their
  third-octave bands, slope, bumps and low-end correlation; beside it ``measure`` alone
  (the reference in the same run), so the ratio says what the assistant's own look costs;
* ``suggest`` from a finished analysis (the plan, the moves and their words): what a
  learner waits for when they change the genre, the target or an amount;
* ``Advice.with_amounts``: a new amount on the same advice;
* the proposed chain applied to the whole mix (for scale: a master).

Run: ``.venv/bin/python benchmarks/bench_assistant.py``. The machine may be shared:
medians, and ratios measured in the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import DURATION_S, SR, median_time, music_like  # noqa: E402


def run() -> list[tuple[str, float, str]]:
    from studio.analysis.meter import measure
    from studio.audio import Audio
    from studio.mastering.assistant import analyse_mix, suggest

    mix = Audio(music_like(), SR, "bench mix")
    t_measure = median_time(lambda: measure(mix), runs=5)
    t_analyse = median_time(lambda: analyse_mix(mix), runs=5)
    analysis = analyse_mix(mix)
    t_suggest = median_time(lambda: suggest(analysis, "spotify", "pop"), runs=7)
    advice = suggest(analysis, "spotify", "pop")
    t_amounts = median_time(lambda: advice.with_amounts(tone_pct=50.0), runs=7)
    rows = [
        ("measure() alone, 3 min stereo (reference)", t_measure * 1e3, "ms"),
        ("analyse_mix(), 3 min stereo", t_analyse * 1e3, "ms"),
        ("analyse_mix() / measure()", t_analyse / t_measure, "x"),
        ("analysis realtime factor", DURATION_S / t_analyse, "x"),
        (f"suggest() from the analysis ({len(advice.moves)} moves)", t_suggest * 1e3, "ms"),
        ("with_amounts()", t_amounts * 1e3, "ms"),
    ]
    x = mix.samples
    total = 0.0
    for name, proc in advice.chain.effective():  # where a proposed master's time goes
        seconds = median_time(lambda proc=proc, x=x: proc.run(x, SR), runs=1)
        x = proc.run(x, SR)[0]
        total += seconds
        rows.append((f"  proposed chain: {name}", seconds * 1e3, "ms"))
    rows.append(("proposed chain applied, realtime factor", DURATION_S / total, "x"))
    return rows


def main() -> None:
    print(f"mastering assistant, {DURATION_S:.0f} s stereo at {SR} Hz (medians)")
    rows = run()
    width = max(len(r[0]) for r in rows)
    for label, value, unit in rows:
        print(f"  {label:<{width}}  {value:10.2f}  {unit}")


if __name__ == "__main__":
    main()
