"""Impulse responses made in code (your own files are loaded by :mod:`studio.io`).

An impulse response (IR) is what a space does to a single click: the early reflections
off nearby surfaces, then a dense tail that dies away, faster in the highs than in the
lows. Convolving a dry sound with it places the sound in that space. The built-in IRs
are computed, not recorded, so they are deterministic (the same numbers every time, at
any sample rate) and free to share:

``small_room``
    0.8 s: reflections within 25 ms, a short (0.5 s RT60) slightly dull tail.
``hall``
    3 s: sparse early reflections up to 80 ms, a 2.2 s RT60 tail at mid frequencies
    (longer in the bass, shorter in the highs), a slow build-up.
``plate``
    2.5 s: no distinct reflections, an instant, dense and bright 1.7 s tail.
``spring``
    2 s: the "boing" of a spring tank: echoes every ~35 ms, each smeared into a chirp
    (high frequencies travel faster along a spring than low ones, so each echo is
    spread out in time, more with every trip), band-limited to about 100 Hz - 4.5 kHz.

Every IR is stereo (left and right differ, so the reverb sounds wide) and is scaled to
unit energy, so a reverb mix level means the same thing whichever IR is chosen.

The tails are exponentially decaying noise in four frequency bands, each with its own
RT60: amplitude ``exp(-ln(1000) t / RT60)`` falls by 60 dB in ``RT60`` seconds.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from studio.dsp.units import db_to_gain
from studio.errors import ParameterError

__all__ = ["IR_NAMES", "impulse_response"]

IR_NAMES = ("small_room", "hall", "plate", "spring")

#: Band edges (Hz) of the tails; each band decays with its own RT60.
_BAND_EDGES_HZ = (500.0, 2000.0, 6000.0)
_LN1000 = np.log(1000.0)


class _Space(NamedTuple):
    length_s: float
    rt60_s: tuple[float, float, float, float]  # per band, low to high
    onset_ms: float  # when the tail starts
    build_ms: float  # how long it takes to swell to full density
    early: tuple[tuple[float, float, float], ...]  # (time ms, left gain, right gain)
    early_share: float
    seed: int


_SPACES = {
    "small_room": _Space(
        length_s=0.8,
        rt60_s=(0.55, 0.5, 0.42, 0.3),
        onset_ms=3.0,
        build_ms=8.0,
        early=(
            (2.1, 0.9, 0.5),
            (3.7, 0.4, 0.85),
            (6.2, 0.7, 0.45),
            (8.9, 0.35, 0.6),
            (12.4, 0.5, 0.3),
            (15.8, 0.3, 0.45),
            (19.7, 0.3, 0.25),
            (24.3, 0.2, 0.28),
        ),
        early_share=0.3,
        seed=11,
    ),
    "hall": _Space(
        length_s=3.0,
        rt60_s=(2.6, 2.2, 1.7, 1.1),
        onset_ms=18.0,
        build_ms=60.0,
        early=(
            (12.0, 0.8, 0.4),
            (17.5, 0.35, 0.75),
            (26.0, 0.6, 0.5),
            (33.0, 0.45, 0.6),
            (41.0, 0.5, 0.3),
            (48.5, 0.3, 0.45),
            (57.0, 0.35, 0.25),
            (66.0, 0.2, 0.35),
            (73.0, 0.25, 0.2),
            (80.0, 0.15, 0.2),
        ),
        early_share=0.15,
        seed=23,
    ),
    "plate": _Space(
        length_s=2.5,
        rt60_s=(1.6, 1.7, 1.6, 1.3),
        onset_ms=0.5,
        build_ms=2.0,
        early=(),
        early_share=0.0,
        seed=37,
    ),
}


def _zero_phase_power(
    n_fft: int, sr: int, order: int, low_hz: float | None, high_hz: float | None
) -> np.ndarray:
    """``|H(f)|**2`` of a digital Butterworth filter on the ``rfft`` bins of ``n_fft``.

    What running the filter forwards and backwards gives (zero phase, twice the order's
    slope), in closed form: with the bilinear transform's pre-warped frequency
    ``w = tan(pi f / sr)``, a low-pass of order ``N`` at ``fc`` is
    ``1 / (1 + (w / wc)**(2 N))`` and a band-pass between ``f1`` and ``f2`` is
    ``1 / (1 + ((w**2 - w1 w2) / (w (w2 - w1)))**(2 N))``. Applied by multiplying
    spectra, it needs no filter library and no compiled loop.
    """
    w = np.tan(np.pi * np.fft.rfftfreq(n_fft, 1.0 / sr) / sr)
    w[-1] = np.inf if n_fft % 2 == 0 else w[-1]  # Nyquist: tan(pi / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if low_hz is None:
            wc = np.tan(np.pi * high_hz / sr)  # type: ignore[operator]
            x = w / wc
        else:
            w1, w2 = np.tan(np.pi * low_hz / sr), np.tan(np.pi * high_hz / sr)  # type: ignore[operator]
            x = np.abs(w * w - w1 * w2) / (w * (w2 - w1))
        power = 1.0 / (1.0 + x ** (2 * order))
    return np.nan_to_num(power, nan=0.0)


def _band_split(noise: np.ndarray, sr: int) -> list[np.ndarray]:
    """Split noise into bands with complementary zero-phase Butterworth low-passes.

    Each band is what is left below an edge (a 4th-order Butterworth run forwards and
    backwards, applied as its power response on the spectrum); the bands add back up to
    the noise exactly.
    """
    n = noise.shape[-1]
    n_fft = 1 << int(np.ceil(np.log2(2 * n)))  # room for the filters' ringing
    spectrum = np.fft.rfft(noise, n_fft, axis=-1)
    bands = []
    rest = noise
    for edge in (min(e, 0.45 * sr) for e in _BAND_EDGES_HZ):
        low_spectrum = spectrum * _zero_phase_power(n_fft, sr, 4, None, edge)
        low = np.fft.irfft(low_spectrum, n_fft, axis=-1)[..., :n]
        spectrum = spectrum - low_spectrum
        bands.append(low)
        rest = rest - low
    bands.append(rest)
    return bands


def _normalised(ir: np.ndarray) -> np.ndarray:
    energy = float(np.mean(np.sum(ir.astype(np.float64) ** 2, axis=-1)))
    if not energy > 0.0:
        raise ParameterError("impulse response: it is silent (all zeros), so it cannot be used.")
    return (ir / np.sqrt(energy)).astype(np.float32)


def _room_like(space: _Space, sr: int) -> np.ndarray:
    n = round(space.length_s * sr)
    rng = np.random.default_rng(space.seed)
    t = np.arange(n) / sr
    tail = np.zeros((2, n))
    for band, rt in zip(_band_split(rng.standard_normal((2, n)), sr), space.rt60_s, strict=True):
        tail += band * np.exp(-_LN1000 * t / rt)
    onset = space.onset_ms * 1e-3
    swell = np.clip((t - onset) / (space.build_ms * 1e-3), 0.0, 1.0)
    tail *= swell * swell * (3.0 - 2.0 * swell)  # smooth build-up from silence
    tail *= np.sqrt((1.0 - space.early_share) / np.mean(np.sum(tail**2, axis=-1)))
    if space.early:
        early = np.zeros((2, n))
        for ms, gain_l, gain_r in space.early:
            i = round(ms * 1e-3 * sr)
            early[0, i] += gain_l
            early[1, i] += gain_r
        early *= np.sqrt(space.early_share / np.mean(np.sum(early**2, axis=-1)))
        tail += early
    return tail


def _spring(sr: int) -> np.ndarray:
    """Dispersive echoes in closed form: ``H(f) = q / (1 - q)``, ``q = r e^{-j theta(f)}``.

    ``theta(f) = 2 pi f T + beta f**2``: each round trip takes ``T`` at low frequencies
    plus ``beta f / pi`` more at ``f`` (dispersion), and loses ``r`` (60 dB in 2 s).
    The sum of all round trips ``q + q**2 + ...`` is the geometric series.
    """
    length_s, rt60_s = 2.0, 2.0
    n = round(length_s * sr)
    size = 1 << int(np.ceil(np.log2(4 * n)))
    f = np.fft.rfftfreq(size, 1.0 / sr)
    out = np.zeros((2, n))
    rng = np.random.default_rng(53)
    for ch, (trip_s, spread_s) in enumerate(((0.035, 0.016), (0.0373, 0.018))):
        beta = spread_s * np.pi / 5000.0
        r = db_to_gain(-60.0 * trip_s / rt60_s)  # -60 dB after rt60_s
        q = r * np.exp(-1j * (2.0 * np.pi * f * trip_s + beta * f * f))
        h = np.fft.irfft(q / (1.0 - q), size)[:n]
        t = np.arange(n) / sr
        h += 0.02 * rng.standard_normal(n) * np.exp(-_LN1000 * t / rt60_s) * (t > trip_s)
        out[ch] = h
    # band-limited to 100 Hz - 4.5 kHz: a 2nd-order Butterworth band-pass, zero phase
    band = _zero_phase_power(size, sr, 2, 100.0, min(4500.0, 0.45 * sr))
    return np.fft.irfft(np.fft.rfft(out, size, axis=-1) * band, size, axis=-1)[..., :n]


@lru_cache(maxsize=16)
def _built_in(name: str, sr: int) -> np.ndarray:
    ir = _spring(sr) if name == "spring" else _room_like(_SPACES[name], sr)
    out = _normalised(ir)
    out.flags.writeable = False
    return out


def impulse_response(name: str, sr: int) -> np.ndarray:
    """A built-in stereo impulse response at rate ``sr``: ``(2, frames)`` float32.

    Deterministic and cached per ``(name, sr)``; the returned array is read-only.

    Examples
    --------
    >>> ir = impulse_response("small_room", 48000)
    >>> ir.shape, round(float((ir.astype(float) ** 2).sum(axis=1).mean()), 3)
    ((2, 38400), 1.0)
    """
    if name not in IR_NAMES:
        raise ParameterError(
            f"impulse response must be one of {', '.join(IR_NAMES)}; got {name!r}."
        )
    if not sr > 0:
        raise ParameterError(f"impulse response: sample rate must be positive; got {sr!r}.")
    return _built_in(name, int(sr))
