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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from studio.audio import as_samples
from studio.dsp.biquad import band_sos as biquad_sos
from studio.errors import ParameterError

_BUTTERWORTH_Q = 1.0 / np.sqrt(2.0)

__all__ = [
    "allpass_sos",
    "band_responses",
    "band_sos",
    "check_crossovers",
    "lr4_allpass_sos",
    "lr4_highpass_sos",
    "lr4_lowpass_sos",
    "split_bands",
]


def check_crossovers(crossovers_hz: Sequence[float], sr: int) -> tuple[float, ...]:
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


def split_bands(
    samples: np.ndarray, sr: int, *, crossovers_hz: Sequence[float]
) -> list[np.ndarray]:
    """Split ``samples`` into ``len(crossovers_hz) + 1`` bands, lowest first.

    The tree runs each filter once: split at the lowest crossover, then split the upper
    part again, ...; each lower band then passes through the allpasses of the higher
    crossovers. The bands have the input's shape and dtype and sum to the input through
    :func:`allpass_sos`.
    """
    from scipy import signal

    x = as_samples(samples)
    freqs = check_crossovers(crossovers_hz, sr)
    bands = []
    rest = x
    for k, f in enumerate(freqs):
        low = signal.sosfilt(lr4_lowpass_sos(f, sr), rest, axis=-1)
        rest = signal.sosfilt(lr4_highpass_sos(f, sr), rest, axis=-1)
        if k + 1 < len(freqs):
            low = signal.sosfilt(
                np.concatenate([lr4_allpass_sos(g, sr) for g in freqs[k + 1 :]]), low, axis=-1
            )
        bands.append(low.astype(x.dtype, copy=False))
    bands.append(rest.copy() if rest is x else rest.astype(x.dtype, copy=False))
    return bands
