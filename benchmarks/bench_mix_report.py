"""Speed of the ready-for-mastering report, against the meter it is built on.

On a 3-minute stereo 48 kHz music-like signal (float32, ``bench_skeleton.music_like``)
prints the median time of ``studio.measure()`` (the reference: the report measures the
mix with it) and of ``ready_for_mastering()`` with nothing on the master bus and with a
master chain of EQ, a compressor and a limiter (each compressor's gain trace is run on
the mix to estimate how much it takes off), with each report's time divided by the
meter's. There is no target from the issue; the figures say what a report costs beyond
measuring the mix.
Timings on a shared machine vary from run to run; the ratios within one run are the
meaningful figures.

Run: ``.venv/bin/python benchmarks/bench_mix_report.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import SR, median_time, music_like  # noqa: E402


def run(runs: int = 5) -> list[tuple[str, float, str]]:
    """Time the report with and without a master chain; return ``(name, value, unit)`` rows."""
    import studio
    from studio.mixing import ready_for_mastering

    x = music_like()
    mix = studio.Audio(x, SR, "bench")
    master = studio.Chain(studio.ParametricEQ(), studio.Compressor(ratio=2.0), studio.Limiter())
    ready_for_mastering(mix, master=master, subtype="PCM_24")  # compile the kernels first

    t_measure = median_time(lambda: studio.measure(mix), runs)
    t_plain = median_time(lambda: ready_for_mastering(mix, subtype="PCM_24"), runs)
    t_master = median_time(lambda: ready_for_mastering(mix, master=master, subtype="PCM_24"), runs)
    return [
        ("measure() (reference)", t_measure * 1e3, "ms"),
        ("report, empty master bus", t_plain * 1e3, "ms"),
        ("  its time / measure()'s", t_plain / t_measure, "ratio"),
        ("report, EQ + compressor + limiter", t_master * 1e3, "ms"),
        ("  its time / measure()'s", t_master / t_measure, "ratio"),
    ]


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"  {label:<36}  {value:10.2f}  {unit}")
