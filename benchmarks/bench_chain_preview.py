"""A move in the last stage of a five-stage chain: the preview re-renders only that stage.

Target (issue 6): the chain's preview update costs at most 1.5x the same stage's update
on its own. Both are measured here in the same run, through the preview engine, each
including the loudness measurement that matching needs.
"""

from __future__ import annotations

import time

import numpy as np

from studio.audio import Audio
from studio.preview import Preview
from studio.processors import Chain, Compressor, EQBand, HighPass, ParametricEQ, Reverb, TiltEQ

SR = 48000
MOVES = 15


def _passage() -> Audio:
    rng = np.random.default_rng(0)
    t = np.arange(10 * SR) / SR
    x = 0.2 * rng.standard_normal((2, t.size)) * (1 + np.sin(2 * np.pi * 0.5 * t))
    return Audio(x.astype(np.float32), SR, "noise")


def _chain(last) -> Chain:
    return Chain(
        HighPass(freq_hz=60.0),
        ParametricEQ(bands=[EQBand("peak", 300.0, -4.0, 1.0)]),
        Compressor(threshold_db=-24.0),
        Reverb(mix_pct=20.0),
        last,
    )


def _median_ms(render, values) -> float:
    times = []
    for v in values:
        started = time.perf_counter()
        render(v)
        times.append((time.perf_counter() - started) * 1e3)
    return float(np.median(times))


def run() -> list[tuple[str, float, str]]:
    audio = _passage()
    values = np.linspace(-3.0, 3.0, MOVES)
    rows = []
    for name, make in (
        ("TiltEQ", lambda v: TiltEQ(tilt_db=float(v))),
        ("Compressor", lambda v: Compressor(threshold_db=-30.0 + float(v), ratio=3.0)),
    ):
        chained = Preview(audio, 0.0, 10.0)
        chained.render(_chain(make(0.0)))  # the first render fills the prefix cache
        chain_ms = _median_ms(lambda v, m=make, p=chained: p.render(_chain(m(v))), values + 0.01)
        alone = Preview(audio, 0.0, 10.0)
        alone_ms = _median_ms(lambda v, m=make, p=alone: p.render(m(v)), values + 0.02)
        rows += [
            (f"{name} last of 5: chain preview update", chain_ms, "ms"),
            (f"{name} alone: preview update", alone_ms, "ms"),
            (f"{name}: chain / alone (target <= 1.5)", chain_ms / alone_ms, "x"),
        ]
    return rows


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"{label:<48} {value:8.2f} {unit}")
