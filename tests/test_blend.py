"""Blend parameters: the output is an exact blend of the dry input and one wet render.

A preview that moves only a mix, an output level or a make-up gain need not render the
effect again: it can blend the dry input with the wet signal rendered once (the output
at 100 % mix and 0 dB). That shortcut is only right if every DSP function's output
*is* that blend, for constant values, to float rounding. These tests prove it, one DSP
function at a time, for float64 and float32, mono and stereo input:

=============================  ====================================================
function (parameters)          output
=============================  ====================================================
saturate (mix, output_db)      g(output_db) * (m * W + (1 - m) * dry)
excite (amount)                a * W + (1 - a) * dry
compress (mix, makeup_db)      m * g(makeup_db) * W + (1 - m) * dry
reverb (mix)                   m * W + (1 - m) * dry
convolution_reverb (mix, out)  g(output_db) * (m * W + (1 - m) * dry)
echo (mix)                     m * W + (1 - m) * dry
chorus, flanger, phaser (mix)  m * W + (1 - m) * dry
tremolo (depth)                d * W + (1 - d) * dry
=============================  ====================================================

``W`` is the output with the blend parameters at 100 % and 0 dB (every other parameter
the same), ``m``, ``a`` and ``d`` the percentages over 100, ``g`` the dB-to-gain
converter, and ``dry`` the input (a mono input on both sides for the stereo-out effects).
"""

from __future__ import annotations

import numpy as np
import pytest

from studio.dsp import delay, dynamics, impulses, modulation, reverb, saturation
from studio.dsp.units import db_to_gain

SR = 48000


def _signal(channels: int, dtype: type) -> np.ndarray:
    rng = np.random.default_rng(channels)
    n = SR // 2
    beat = 0.2 + 0.8 * np.exp(-((np.arange(n) / SR * 4.0) % 1.0) * 8.0)
    return (rng.standard_normal((channels, n)) * 0.25 * beat).astype(dtype)


def _dry(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.broadcast_to(x, out.shape).astype(np.float64)


def _close(got: np.ndarray, expected: np.ndarray, dtype: type) -> None:
    scale = max(1.0, float(np.max(np.abs(expected))))
    eps = np.finfo(dtype).eps
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=0, atol=8 * eps * scale)


CASES = {
    # name: (function, other settings, blend parameter names)
    "saturate": (
        saturation.saturate,
        {"drive_db": 14.0, "character": "tube"},
        ("mix_pct", "output_db"),
    ),
    "excite": (saturation.excite, {"freq_hz": 2500.0, "drive_db": 15.0}, ("amount_pct",)),
    "compress": (
        lambda x, sr, **kw: dynamics.compress(x, sr, **kw)[0],
        {
            "threshold_db": -30.0,
            "ratio": 5.0,
            "knee_db": 6.0,
            "attack_ms": 3.0,
            "release_ms": 80.0,
            "lookahead_ms": 2.0,
        },
        ("mix_pct", "makeup_db"),
    ),  # fmt: skip
    "compress_auto_makeup": (
        lambda x, sr, **kw: dynamics.compress(x, sr, **kw)[0],
        {
            "threshold_db": -24.0,
            "ratio": 3.0,
            "knee_db": 0.0,
            "attack_ms": 10.0,
            "release_ms": 150.0,
            "auto_makeup": True,
            "detector": "rms",
        },
        ("mix_pct", "makeup_db"),
    ),  # fmt: skip
    "reverb": (reverb.reverb, {"character": "plate", "decay_s": 1.2}, ("mix_pct",)),
    "convolution_reverb": (
        lambda x, sr, **kw: reverb.convolution_reverb(
            x, sr, impulses.impulse_response("small_room", sr), **kw
        ),
        {"pre_delay_ms": 12.0},
        ("mix_pct", "output_db"),
    ),
    "echo": (delay.echo, {"time_ms": 90.0, "feedback_pct": 60.0}, ("mix_pct",)),
    "echo_ping_pong": (
        delay.echo,
        {"time_ms": 70.0, "feedback_pct": 40.0, "ping_pong": True},
        ("mix_pct",),
    ),
    "chorus": (modulation.chorus, {"rate_hz": 1.3, "depth_pct": 70.0}, ("mix_pct",)),
    "flanger": (modulation.flanger, {"feedback_pct": 70.0}, ("mix_pct",)),
    "phaser": (modulation.phaser, {"feedback_pct": 50.0, "stages": 6}, ("mix_pct",)),
    "tremolo": (modulation.tremolo, {"rate_hz": 6.0, "shape": "triangle"}, ("depth_pct",)),
}


def _expected(name: str, x: np.ndarray, wet: np.ndarray, values: dict) -> np.ndarray:
    dry = _dry(x, wet)
    w = wet.astype(np.float64)
    if name in ("saturate", "convolution_reverb"):
        m = values["mix_pct"] / 100.0
        return db_to_gain(values["output_db"]) * (m * w + (1.0 - m) * dry)
    if name.startswith("compress"):
        m = values["mix_pct"] / 100.0
        return m * db_to_gain(values["makeup_db"]) * w + (1.0 - m) * dry
    (param,) = values
    m = values[param] / 100.0
    return m * w + (1.0 - m) * dry


BLENDS = [
    {"mix_pct": 0.0, "output_db": -6.0, "makeup_db": 4.0},
    {"mix_pct": 33.0, "output_db": 3.5, "makeup_db": -2.5},
    {"mix_pct": 77.7, "output_db": 0.0, "makeup_db": 9.0},
    {"mix_pct": 100.0, "output_db": -12.0, "makeup_db": 0.0},
]


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("channels", [1, 2])
def test_blend_parameters_blend_dry_and_one_wet_render(name, dtype, channels):
    fn, settings, params = CASES[name]
    x = _signal(channels, dtype)
    neutral = {p: (100.0 if p.endswith("_pct") else 0.0) for p in params}
    wet = fn(x, SR, **settings, **neutral)
    assert not np.allclose(wet[..., : x.shape[-1]], _dry(x, wet))  # the effect does something
    for blend in BLENDS:
        values = {p: (blend["mix_pct"] if p.endswith("_pct") else blend[p]) for p in params}
        got = fn(x, SR, **settings, **values)
        _close(got, _expected(name, x, wet, values), dtype)
