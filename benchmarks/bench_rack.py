"""The mastering rack: one module's control moved -> a new 10 s preview with its meters.

Target (issue 8): <= 50 ms median in the kernel, upstream modules' results reused. Each
row is the median over 15 moves of one control on the demo's rough mix (the rack's
default passage: its loudest 10 s), timed from the debounced render starting to the
player's side, the plots and the meters' table all updated. The split shows how much
is the chain's own modules (the preview engine rendering from the changed module on)
and how much the meters (loudness, true peak, LRA, correlation, spectrum, vectorscope,
gain traces). A reference in the same run: the whole chain on the same passage with
nothing reused, plus the same meters.
"""

from __future__ import annotations

import time

import numpy as np

MOVES = 15

#: (label, control path, values, modules to switch on first)
CASES = (
    ("tilt (3rd module)", ("modules", "tilt", "processor", "tilt_db"), (0.2, 2.0), ()),
    ("glue ratio (4th)", ("modules", "glue", "processor", "ratio"), (1.6, 4.0), ()),
    ("imager width", ("modules", "imager", "processor", "width_pct"), (101.0, 130.0), ()),
    (
        "limiter drive",
        ("modules", "limiter", "processor", "gain_db"),
        (2.5, 6.0),
        ("limiter",),
    ),
    (
        "loudness ceiling (last)",
        ("modules", "loudness", "processor", "ceiling_dbtp"),
        (-1.1, -3.0),
        (),
    ),
)


def run() -> list[tuple[str, float, str]]:
    import studio
    from studio.analysis.meter import measure
    from studio.preview import Preview
    from studio.widgets.mastering import MasteringRack, spectrum_points
    from studio.widgets.timing import ManualScheduler

    mix = studio.demo.session().mixdown()
    rows: list[tuple[str, float, str]] = []
    medians = []
    for label, path, (lo, hi), switch_on in CASES:
        rack = MasteringRack(mix, preview_s=10.0, scheduler=ManualScheduler())
        for name in switch_on:
            rack.set(("modules", name, "bypass"), False)
            rack.flush()
        total, render, meters, reused = [], [], [], set()
        for value in np.linspace(lo, hi, MOVES):
            rack.set(path, float(value))
            started = time.perf_counter()
            rack.flush()
            total.append((time.perf_counter() - started) * 1e3)
            render.append(rack.timings_ms["render"])
            meters.append(rack.timings_ms["meters"])
            assert rack.take is not None
            reused.add(rack.take.reused)
        assert all(r.startswith("prefix") for r in reused), reused  # upstream was reused
        medians.append(float(np.median(total)))
        rows += [
            (f"{label}: move -> preview + meters (target <= 50)", medians[-1], "ms"),
            (f"{label}:   of which the chain's modules", float(np.median(render)), "ms"),
            (f"{label}:   of which meters and views", float(np.median(meters)), "ms"),
        ]
        chain, start_s = rack.chain, rack.start_s
        rack.close()

    # reference: the whole chain on the passage, nothing reused, and the same meters
    times = []
    for _ in range(5):
        preview = Preview(mix, start_s, 10.0)
        started = time.perf_counter()
        take = preview.render(chain.resolved())
        measure(take.audio)
        spectrum_points(take.audio.samples, take.audio.sr)
        times.append((time.perf_counter() - started) * 1e3)
    whole = float(np.median(times))
    rows.append(("whole chain on the passage, nothing reused, + meters", whole, "ms"))
    rows.append(("median over the moves / nothing reused", float(np.median(medians)) / whole, "x"))
    return rows


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"{label:<58} {value:8.2f} {unit}")
