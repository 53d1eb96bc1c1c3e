"""Synthetic stems with planted collisions, known by construction (for the masking tests).

* ``kick``: 55 Hz body bursts (-6 dBFS peak, 120 ms decay) every 0.5 s, with a soft
  2.5 kHz click; ``bass``: a sustained note on the same 55 Hz with harmonics up to
  220 Hz and a faint 2.5 kHz string noise. The bass covers the kick's decaying body
  (the planted low-end collision) and, much less, its click.
* ``voice``: a 196 Hz harmonic tone, presence partials (2.3-3.7 kHz) lifted 6 dB, in
  1.5 s phrases; ``guitar``: bright strumming noise in 2-4.2 kHz a few dB above the
  voice there (the planted presence collision) and a quiet 196 Hz body.
* ``hats``: 7-14 kHz noise ticks, clear of everything.
"""

from __future__ import annotations

import numpy as np

from studio import Audio

SR = 48000
SECONDS = 6.0


def _db(level_db: float) -> float:
    return 10.0 ** (level_db / 20.0)


def _t(seconds: float = SECONDS) -> np.ndarray:
    return np.arange(int(seconds * SR)) / SR


def _noise_band(low_hz: float, high_hz: float, level_db: float, seed: int) -> np.ndarray:
    n = int(SECONDS * SR)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / SR)
    spectrum[(f < low_hz) | (f > high_hz)] = 0.0
    x = np.fft.irfft(spectrum, n)
    return x / np.sqrt(np.mean(x**2)) * _db(level_db)


def kick() -> np.ndarray:
    t = _t()
    x = np.zeros_like(t)
    for start in np.arange(0.25, SECONDS - 0.5, 0.5):
        after = t >= start
        u = t[after] - start
        body = _db(-6.0) * np.exp(-u / 0.12) * np.sin(2 * np.pi * 55.0 * u)
        click = _db(-30.0) * np.exp(-u / 0.1) * np.sin(2 * np.pi * 2500.0 * u)
        x[after] += body + click
    return x


def bass() -> np.ndarray:
    t = _t()
    partials = ((55.0, -14.0), (110.0, -12.0), (165.0, -14.0), (220.0, -16.0), (2500.0, -34.0))
    return sum(_db(level) * np.sin(2 * np.pi * f * t) for f, level in partials)


def voice() -> np.ndarray:
    t = _t()
    x = np.zeros_like(t)
    for k in range(1, 26):
        f = k * 196.0
        x += (2.0 if 2300.0 <= f <= 3700.0 else 1.0) / k * np.sin(2 * np.pi * f * t + k)
    x *= _db(-12.0) / np.sqrt(np.mean(x**2))
    phase = t % 2.0
    gate = np.clip(np.minimum(phase - 0.2, 1.7 - phase) / 0.05, 0.0, 1.0)
    return x * gate


def guitar() -> np.ndarray:
    body = _db(-30.0) * np.sin(2 * np.pi * 196.0 * _t())
    return _noise_band(2000.0, 4200.0, -14.0, seed=2) + body


def hats() -> np.ndarray:
    t = _t()
    return _noise_band(7000.0, 14000.0, -20.0, seed=1) * ((t % 0.25) < 0.06)


def stems(*names: str) -> dict[str, Audio]:
    """The named stems as ``{name: Audio}`` (all five when no name is given)."""
    makers = {"kick": kick, "bass": bass, "voice": voice, "guitar": guitar, "hats": hats}
    return {name: Audio(makers[name](), SR, name) for name in (names or tuple(makers))}
