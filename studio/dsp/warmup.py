"""Get the compiled loops most sessions use ready before the first slider move.

The recursions that cannot be vectorised run as numba kernels, cached on disk. In a
fresh process the first compiled call pays numba's own start-up (about 0.4 s), and on a
machine where a kernel was never compiled (a first Binder launch, a new virtual
environment) its compilation too (0.1 to 1 s per kernel). :func:`warm_up` pays those
costs for the loops nearly every session reaches: the loudness meter (every panel
loudness-matches its preview), the biquad cascade (EQ, filters, crossovers) and the
compressor, for float32 audio (what :func:`studio.load` gives) and float64.

``import studio`` runs :func:`start_compiler` in a background thread (see
``studio/__init__.py``): numba's start-up only, so the import returns at once and a
processing call a moment later pays only for its own kernels. The full
:func:`warm_up` is for a session that knows it will use those loops (a panel, a
console) and can spend a few seconds of background work on a first launch; a call that
needs a kernel still being compiled simply waits for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["start_compiler", "warm_up"]

_SR = 48000


def start_compiler() -> None:
    """Load numba and its compiler with the smallest kernel (about 0.5 s, once a process).

    Every compiled call pays this once per process, whichever kernel comes first; the
    smoother it uses is the compressor's and the gate's.
    """
    from studio.dsp.dynamics import smooth_gain_db

    smooth_gain_db(np.zeros(1), 0.5, 0.5)


def warm_up(*, everything: bool = False) -> list[str]:
    """Compile, or load from the disk cache, the compiled loops sessions use.

    By default the few that nearly every session reaches (see the module text): well
    under a second when they are cached, a few seconds the very first time on a
    machine. ``everything=True`` runs every DSP function that has a compiled loop once,
    for float32 and float64 (its everyday settings; automation paths aside): what an
    image build step (a Binder ``postBuild``) runs so that a learner's first launch finds
    every kernel on disk. Safe to call again (then it costs almost nothing).

    Returns
    -------
    list of str
        The calls that raised (an optimisation must not stop anyone; the names say
        what to look at). Empty when all went well.
    """
    from studio.dsp import biquad, dynamics, loudness

    start_compiler()
    t = np.arange(_SR // 2) / _SR
    tone = 0.3 * np.sin(2.0 * np.pi * 440.0 * t) * np.exp(-((t * 4.0) % 1.0) * 6.0)
    sos = biquad.band_sos("peak", 1000.0, 3.0, 1.0, _SR)
    calls: list[tuple[str, Callable[[np.ndarray], object]]] = [
        ("integrated_loudness", lambda x: loudness.integrated_loudness(x, _SR)),
        ("apply_sos", lambda x: biquad.apply_sos(x, sos)),
        ("compress", lambda x: dynamics.compress(x, _SR, **_COMPRESSOR)),
    ]
    if everything:
        calls += _everything()
    failed = []
    for dtype in (np.float32, np.float64):
        x = np.stack([tone, tone[::-1]]).astype(dtype)
        for name, call in calls:
            try:
                call(x)
            except Exception:  # noqa: BLE001 - see Returns
                failed.append(f"{name} ({np.dtype(dtype).name})")
    return failed


_COMPRESSOR: dict[str, Any] = {
    "threshold_db": -30.0,
    "ratio": 4.0,
    "knee_db": 6.0,
    "attack_ms": 5.0,
    "release_ms": 50.0,
}


def _everything() -> list[tuple[str, Callable[[np.ndarray], object]]]:
    from studio.dsp import (
        biquad,
        crossover,
        delay,
        dither,
        dynamics,
        filters,
        gate,
        limiter,
        modulation,
        reverb,
        saturation,
        transient,
        truepeak,
    )

    sr = _SR
    comp = _COMPRESSOR
    return [
        ("compress rms", lambda x: dynamics.compress(x, sr, detector="rms", **comp)),
        ("compress lookahead", lambda x: dynamics.compress(x, sr, lookahead_ms=5.0, **comp)),
        ("compress side-chain", lambda x: dynamics.compress(x, sr, sidechain_hpf_hz=90, **comp)),
        ("compress_filtered", lambda x: dynamics.compress_filtered(
            x, sr, biquad.band_sos("peak", 1000.0, 3.0, 1.0, sr), **comp)),
        ("gate", lambda x: gate.gate(x, sr, threshold_db=-40.0, ratio=10.0, range_db=40.0,
                                     attack_ms=1.0, hold_ms=20.0, release_ms=100.0)),
        ("limit", lambda x: limiter.limit(x, sr, gain_db=6.0)),
        ("dynamic_eq", lambda x: filters.dynamic_eq(x, sr, freq_hz=3000.0, threshold_db=-30.0,
                                                    ratio=3.0, range_db=6.0, attack_ms=5.0,
                                                    release_ms=80.0)),
        ("shape_transients", lambda x: transient.shape_transients(x, sr, attack_db=6.0,
                                                                  sustain_db=-3.0)),
        ("split_bands", lambda x: crossover.split_bands(x, sr, crossovers_hz=[200.0, 3000.0])),
        ("apply_sos_bank", lambda x: biquad.apply_sos_bank(x[:1], [biquad.band_sos(
            "low_pass", 500.0, 0.0, 0.7071, sr)])),
        ("reverb", lambda x: reverb.reverb(x, sr)),
        ("echo", lambda x: delay.echo(x, sr)),
        ("echo ping-pong", lambda x: delay.echo(x, sr, ping_pong=True)),
        ("chorus", lambda x: modulation.chorus(x, sr)),
        ("flanger", lambda x: modulation.flanger(x, sr)),
        ("phaser", lambda x: modulation.phaser(x, sr)),
        ("dither", lambda x: dither.dither(x, sr, noise_shaping="shaped")),
        ("saturate", lambda x: saturation.saturate(x, sr)),
        ("excite", lambda x: saturation.excite(x, sr)),
        ("true peak", lambda x: truepeak.peak_envelope(x, sr)),
        ("add_parts", _sum_into_a_bus),
    ]  # fmt: skip


def _sum_into_a_bus(x: np.ndarray) -> None:
    """What a mixdown does as tracks reach a bus (float32, whatever ``x`` is)."""
    from studio.audio import read_only
    from studio.dsp import _sum_kernels as compiled

    kernels: Any = compiled  # numba's dispatchers have no argument types to check
    parts = kernels.PARTS
    bus = np.zeros((2, x.shape[1]), dtype=np.float32)
    rows = [read_only(np.ascontiguousarray(x[0], dtype=np.float32))] * (2 * parts)
    waits = np.zeros(parts, dtype=np.int64)
    kernels.add_parts(bus[0], bus[1], *rows, np.ones(2 * parts), waits, parts)
