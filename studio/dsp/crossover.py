"""Linkwitz-Riley crossovers: split a signal into bands that add back up flat.

A multiband processor needs bands that, left alone, sum to the original sound. A
**Linkwitz-Riley 4th-order** (LR4) crossover at ``f`` is two 2nd-order Butterworth
filters in series: low-pass ``L = B_lp**2`` and high-pass ``H = B_hp**2``, each -6 dB at
``f`` and falling 24 dB per octave beyond it. Their sum is not the input but an
**allpass** ``A = L + H``: flat magnitude at every frequency, with a phase that turns
through 360 degrees around ``f`` (a group delay of a few milliseconds at low
crossovers). With the Butterworth denominator ``a(z) = 1 + a1 z^-1 + a2 z^-2`` it is
``A(z) = (a2 + a1 z^-1 + z^-2) / a(z)``.

Three or more bands come from a tree: split at the lowest crossover, split what is
above it again at the next one, and so on. A lower band has not been through the
higher crossovers, so it passes through their allpasses instead; then every band has
seen every crossover once and the bands sum to the input through the chain of all the
allpasses (:func:`allpass_sos`): flat in magnitude, phase-shifted.

Filters are designed with the bilinear transform with frequency prewarping
(``scipy.signal.butter(..., fs=sr)``), so each crossover sits exactly at its frequency
at any sample rate.

Moving crossovers
    :func:`split_bands` also takes crossover frequencies that move over time (a
    per-frame array or an :class:`~studio.dsp.control.Envelope` for any of them). The
    frequencies are read at the middle of every block of ``BLOCK_FRAMES`` frames
    (0.67 ms at 48 kHz), every filter gets that block's LR4 coefficients (vectorised)
    and keeps its memory from block to block (:func:`studio.dsp.biquad.apply_sos_blocks`).
    All bands use the same per-block frequencies, and each split's upper band is taken
    as "the split's allpass minus its low band", so the bands add up, to rounding, to
    the input through the per-block allpass chain (:func:`allpass_sos_blocks`) even
    while the crossovers move.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import SupportsFloat

import numpy as np

from studio.audio import as_samples
from studio.dsp.biquad import apply_sos_blocks, band_coefficients, normalised_sos
from studio.dsp.biquad import band_sos as biquad_sos
from studio.dsp.control import Control, is_varying, resolve
from studio.dsp.filters import BLOCK_FRAMES
from studio.errors import ParameterError

_BUTTERWORTH_Q = 1.0 / np.sqrt(2.0)

__all__ = [
    "allpass_sos",
    "allpass_sos_blocks",
    "band_responses",
    "band_sos",
    "band_sos_blocks",
    "check_crossovers",
    "lr4_allpass_sos",
    "lr4_highpass_sos",
    "lr4_lowpass_sos",
    "resolve_crossovers",
    "split_bands",
]


def check_crossovers(crossovers_hz: Sequence[SupportsFloat], sr: int) -> tuple[float, ...]:
    """Return the crossover frequencies as floats, or raise a plain error.

    They must be finite, above 0 Hz, strictly increasing and below the Nyquist frequency.
    """
    freqs = tuple(float(f) for f in crossovers_hz)
    for f in freqs:
        if not np.isfinite(f) or f <= 0.0:
            raise ParameterError(f"crossover: frequencies must be above 0 Hz; got {f!r}.")
        if f >= sr / 2.0:
            raise ParameterError(
                f"crossover: {f:g} Hz must be below the Nyquist frequency ({sr / 2:g} Hz) "
                f"of {sr} Hz audio."
            )
    if any(b <= a for a, b in zip(freqs, freqs[1:], strict=False)):
        raise ParameterError(f"crossover: frequencies must rise from band to band; got {freqs}.")
    return freqs


def resolve_crossovers(
    crossovers_hz: Sequence[Control], n_frames: int, sr: int
) -> tuple[float | np.ndarray, ...]:
    """Crossover frequencies as numbers or per-frame arrays, or raise a plain error.

    Each element may be a number, a per-frame array or an Envelope. Numbers are checked
    as in :func:`check_crossovers`; moving ones must lie above 0 Hz and below Nyquist,
    and the crossovers must rise from band to band, at every frame.
    """
    if not any(is_varying(f) for f in crossovers_hz):
        return check_crossovers([np.asarray(f) for f in crossovers_hz], sr)
    values = tuple(
        resolve(f, n_frames, sr, name=f"crossover {k + 1}") for k, f in enumerate(crossovers_hz)
    )
    for f in values:
        arr = np.asarray(f, dtype=np.float64)
        if np.min(arr, initial=np.inf) <= 0.0:
            raise ParameterError(
                f"crossover: frequencies must be above 0 Hz; got {float(np.min(arr)):g}."
            )
        if np.max(arr, initial=-np.inf) >= sr / 2.0:
            raise ParameterError(
                f"crossover: {float(np.max(arr)):g} Hz must be below the Nyquist frequency "
                f"({sr / 2:g} Hz) of {sr} Hz audio."
            )
    for k, (a, b) in enumerate(zip(values, values[1:], strict=False)):
        if np.any(np.asarray(b) <= np.asarray(a)):
            raise ParameterError(
                f"crossover: frequencies must rise from band to band at every moment; "
                f"crossover {k + 2} meets or passes crossover {k + 1}."
            )
    return values


def _block_frequencies(
    freqs: Sequence[float | np.ndarray], n_frames: int, block: int
) -> list[np.ndarray]:
    """Each crossover at the middle of every block: ``n_blocks`` values per crossover."""
    n_blocks = max(1, -(-n_frames // block))
    centres = np.minimum(np.arange(n_blocks) * block + block // 2, max(n_frames - 1, 0))
    out = []
    for f in freqs:
        arr = np.asarray(f, dtype=np.float64)
        out.append(arr[centres] if arr.ndim else np.full(n_blocks, float(arr)))
    return out


def _lr4_blocks(freq_hz: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-block LR4 low-pass ``(n, 2, 6)``, high-pass ``(n, 2, 6)``, allpass ``(n, 1, 6)``."""
    low = band_coefficients("low_pass", freq_hz, 0.0, _BUTTERWORTH_Q, sr)
    high = band_coefficients("high_pass", freq_hz, 0.0, _BUTTERWORTH_Q, sr)
    a0, a1, a2 = low[:, 3], low[:, 4], low[:, 5]  # a0 = 1 (normalised)
    allpass = np.stack([a2, a1, a0, a0, a1, a2], axis=-1)
    return np.stack([low, low], axis=1), np.stack([high, high], axis=1), allpass[:, None, :]


def band_sos_blocks(
    crossovers_hz: Sequence[Control], n_frames: int, sr: int, *, block: int = BLOCK_FRAMES
) -> list[np.ndarray]:
    """Per-block sections of every band, lowest first: ``(n_blocks, n_sections, 6)`` each.

    The moving-crossover version of :func:`band_sos` (same section order), for
    :func:`studio.dsp.biquad.apply_sos_blocks` with ``block``: what a band would be if
    filtered on its own. :func:`split_bands` builds its upper bands as "allpass minus
    low band" instead, so that the bands add up exactly while the crossovers move.
    """
    freqs = resolve_crossovers(crossovers_hz, n_frames, sr)
    per_block = [_lr4_blocks(f, sr) for f in _block_frequencies(freqs, n_frames, block)]
    n_blocks = max(1, -(-n_frames // block))
    out = []
    for k in range(len(freqs) + 1):
        parts = [per_block[j][1] for j in range(k)]
        if k < len(freqs):
            parts.append(per_block[k][0])
            parts += [per_block[j][2] for j in range(k + 1, len(freqs))]
        if not parts:
            parts = [np.tile([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], (n_blocks, 1, 1))]
        out.append(np.concatenate(parts, axis=1))
    return out


def allpass_sos_blocks(
    crossovers_hz: Sequence[Control], n_frames: int, sr: int, *, block: int = BLOCK_FRAMES
) -> np.ndarray:
    """Per-block allpass chain ``(n_blocks, n_crossovers, 6)`` the moving bands sum to."""
    freqs = resolve_crossovers(crossovers_hz, n_frames, sr)
    n_blocks = max(1, -(-n_frames // block))
    if not freqs:
        return np.tile([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], (n_blocks, 1, 1))
    blocks = _block_frequencies(freqs, n_frames, block)
    return np.concatenate([_lr4_blocks(f, sr)[2] for f in blocks], axis=1)


def _butter2(freq_hz: float, sr: int, kind: str) -> np.ndarray:
    # The cookbook's 2nd-order high/low pass at Q = 1/sqrt(2) is the bilinear
    # Butterworth, prewarped at the cutoff (the same sections scipy's butter designs).
    return biquad_sos(f"{kind[:-4]}_pass", freq_hz, 0.0, _BUTTERWORTH_Q, sr)


def lr4_lowpass_sos(freq_hz: float, sr: int) -> np.ndarray:
    """LR4 low-pass at ``freq_hz``: two identical Butterworth sections, ``(2, 6)``."""
    return np.concatenate([_butter2(freq_hz, sr, "lowpass")] * 2)


def lr4_highpass_sos(freq_hz: float, sr: int) -> np.ndarray:
    """LR4 high-pass at ``freq_hz``: two identical Butterworth sections, ``(2, 6)``."""
    return np.concatenate([_butter2(freq_hz, sr, "highpass")] * 2)


def lr4_allpass_sos(freq_hz: float, sr: int) -> np.ndarray:
    """The allpass an LR4 low-pass and high-pass at ``freq_hz`` add up to, ``(1, 6)``."""
    a = _butter2(freq_hz, sr, "lowpass")[0, 3:]
    return np.array([[a[2], a[1], a[0], a[0], a[1], a[2]]]) / a[0]


def band_sos(crossovers_hz: Sequence[float], sr: int) -> list[np.ndarray]:
    """Second-order sections of every band, lowest first (``len(crossovers) + 1`` bands).

    Band ``k`` is the high-passes of the crossovers below it, the low-pass of its own
    upper crossover, and the allpasses of the crossovers above that.
    """
    freqs = check_crossovers(crossovers_hz, sr)
    out = []
    for k in range(len(freqs) + 1):
        parts = [lr4_highpass_sos(f, sr) for f in freqs[:k]]
        if k < len(freqs):
            parts.append(lr4_lowpass_sos(freqs[k], sr))
            parts += [lr4_allpass_sos(f, sr) for f in freqs[k + 1 :]]
        out.append(np.concatenate(parts) if parts else np.array([[1.0, 0, 0, 1.0, 0, 0]]))
    return out


def allpass_sos(crossovers_hz: Sequence[float], sr: int) -> np.ndarray:
    """The allpass chain the bands sum to: what "neutral" turns the input into."""
    freqs = check_crossovers(crossovers_hz, sr)
    if not freqs:
        return np.array([[1.0, 0, 0, 1.0, 0, 0]])
    return np.concatenate([lr4_allpass_sos(f, sr) for f in freqs])


def band_responses(
    crossovers_hz: Sequence[float], freqs_hz: np.ndarray, sr: int
) -> list[np.ndarray]:
    """Complex frequency response of every band at ``freqs_hz`` (same coefficients)."""
    from scipy import signal

    return [
        signal.sosfreqz(sos, worN=np.asarray(freqs_hz, dtype=np.float64), fs=sr)[1]
        for sos in band_sos(crossovers_hz, sr)
    ]


def _split_moving(
    x: np.ndarray, freqs: tuple[float | np.ndarray, ...], sr: int, block: int
) -> list[np.ndarray]:
    n = x.shape[-1]
    work = np.asarray(x, dtype=np.float64)
    per_block = [_lr4_blocks(f, sr) for f in _block_frequencies(freqs, n, block)]
    bands = []
    rest = work
    for k, (low_sos, _, allpass) in enumerate(per_block):
        low = apply_sos_blocks(rest, low_sos, block)
        rest = apply_sos_blocks(rest, allpass, block) - low  # = LR4 high-pass, exact sum
        if k + 1 < len(per_block):
            above = np.concatenate([p[2] for p in per_block[k + 1 :]], axis=1)
            low = apply_sos_blocks(low, above, block)
        bands.append(low.astype(x.dtype, copy=False))
    bands.append(rest.astype(x.dtype, copy=False))
    return bands


def split_bands(
    samples: np.ndarray,
    sr: int,
    *,
    crossovers_hz: Sequence[Control],
    block: int = BLOCK_FRAMES,
) -> list[np.ndarray]:
    """Split ``samples`` into ``len(crossovers_hz) + 1`` bands, lowest first.

    Band ``k`` is the high-passes of the crossovers below it, the low-pass of its own
    upper crossover and the allpasses of the crossovers above (:func:`band_sos`); all
    bands are computed in one pass over the samples
    (:func:`studio.dsp.biquad.apply_sos_bank`). The bands have the input's shape and
    dtype and sum to the input through :func:`allpass_sos`.

    Each crossover may be a number, a per-frame array or an Envelope (a crossover that
    moves over time). Moving crossovers get new LR4 coefficients every ``block``
    frames (the filters keep their memory, so a sweep has no clicks); each split's
    upper band is its allpass minus its low band, so the bands still sum to the input
    through the per-block allpass chain (:func:`allpass_sos_blocks`).
    """
    x = as_samples(samples)
    if any(is_varying(f) for f in crossovers_hz):
        moving = resolve_crossovers(crossovers_hz, x.shape[-1], sr)
        if any(np.ndim(f) for f in moving):
            if int(block) < 1:
                raise ParameterError(f"split_bands: block must be at least 1 frame; got {block}.")
            return _split_moving(x, moving, sr, int(block))
        freqs = check_crossovers(moving, sr)  # constant arrays: numbers
    else:
        freqs = check_crossovers([np.asarray(f) for f in crossovers_hz], sr)
    if not freqs:
        return [x.copy()]
    # Each band is its own cascade (band_sos: the high-passes below it, its low-pass,
    # the allpasses above), all run in one pass over the samples; the high-passes that
    # bands share run once (the same numbers as apply_sos_bank of band_sos).
    return _split_fixed(x, freqs, sr)


def _split_fixed(x: np.ndarray, freqs: tuple[float, ...], sr: int) -> list[np.ndarray]:
    from studio.dsp._filter_kernels import lr4_split

    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    x2 = np.ascontiguousarray(x.reshape(1, -1) if x.ndim == 1 else x)
    lows = normalised_sos(np.stack([_butter2(f, sr, "lowpass")[0] for f in freqs]))
    highs = normalised_sos(np.stack([_butter2(f, sr, "highpass")[0] for f in freqs]))
    alls = normalised_sos(np.stack([lr4_allpass_sos(f, sr)[0] for f in freqs]))
    n = len(freqs)
    out = np.empty((n + 1, *x2.shape), dtype=x2.dtype)
    if x2.size:
        lr4_split(x2, lows, highs, alls, out, np.zeros((n, 4 + n, 4)))
    return [band.reshape(x.shape) for band in out]
