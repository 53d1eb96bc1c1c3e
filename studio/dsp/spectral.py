"""Spectra made simple and exact: fractional-octave bands, short-time power, smoothing.

What a spectrum analyser does, in three pieces:

1. **Short-time power.** The signal is cut into overlapping frames, each shaped by a
   Hann window and turned into its spectrum by an FFT (:func:`iter_power_frames`). The
   power is scaled as a *density* (power per Hz), so summing it over a range of
   frequencies gives the power in that range, for noise and for tones alike
   (Parseval's theorem); multiplying it by the window's equivalent noise bandwidth
   (:func:`enbw_hz`) gives the power in one bin, where a sine reads its own mean square
   (a full-scale sine -3.01 dB).
2. **Bands.** Fractional-octave bands per IEC 61260-1 (base ten): the mid-band
   frequencies are ``1000 * G**(x/b)`` Hz for odd ``b`` and ``1000 * G**((2x+1)/(2b))`` Hz
   for even ``b``, with ``G = 10**(3/10)`` and ``1/b`` the bandwidth in octaves; the band
   edges are the mid-band frequency times ``G**(-1/(2b))`` and ``G**(1/(2b))``
   (:func:`fractional_octave_bands`). A band's power is the density summed over the FFT
   bins it covers, each bin counted by the share of its width inside the band
   (:func:`band_weights`), so bands narrower than a bin still get a fair share.
3. **Smoothing.** A 1/N-octave smoothed spectrum averages the power over a window one
   N-th of an octave wide around each frequency: fine detail at low frequencies is
   kept, and the ragged top end becomes readable (:func:`smooth_fractional_octave`).

Everything works on ``(channels, frames)`` arrays; channel powers are averaged (a stereo
spectrum is the average of its two channels' power, so it reads like one of them).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from studio.audio import as_samples
from studio.errors import AudioDataError

__all__ = [
    "FRACTIONS",
    "band_weights",
    "check_fraction",
    "enbw_hz",
    "fractional_octave_bands",
    "frame_count",
    "hann",
    "iter_power_frames",
    "nominal_frequency_label",
    "smooth_fractional_octave",
]

#: Octave fractions the bands and smoothing support (1 = octaves, 3 = third octaves...).
FRACTIONS = (1, 2, 3, 6, 12, 24)
#: IEC 61260-1 octave ratio, base ten: ``10**(3/10)`` (1.9953, nearly 2).
OCTAVE_RATIO = 10.0**0.3
#: IEC 61260-1 reference frequency.
REFERENCE_HZ = 1000.0
#: Renard R10 preferred numbers: the nominal 1/1- and 1/3-octave mid-band frequencies.
_R10 = (1.0, 1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0)
#: Elements per FFT batch (channels * frames * frame length): big enough for speed,
#: small enough to stay in memory for songs of any length.
_BATCH_ELEMENTS = 1 << 21
#: Slack on the band range, so nominal and exact mid-band frequencies both qualify.
_TOLERANCE_LOW, _TOLERANCE_HIGH = 0.98, 1.02


def check_fraction(fraction: int) -> int:
    """Return ``fraction`` as an int if it is one of :data:`FRACTIONS`, else raise."""
    if isinstance(fraction, bool) or fraction not in FRACTIONS:
        raise AudioDataError(
            f"octave fraction: fraction={fraction!r} is not supported; use one of "
            f"{', '.join(map(str, FRACTIONS))} (1 = octave bands, 3 = third octaves)."
        )
    return int(fraction)


def fractional_octave_bands(
    fraction: int, *, low_hz: float = 20.0, high_hz: float = 20000.0, sr: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mid-band, lower and upper edge frequencies (Hz) of 1/``fraction``-octave bands.

    Exact IEC 61260-1 base-ten values (see the module docstring). A band is included
    when its mid-band frequency lies within ``low_hz .. high_hz`` (give or take 2 %, so
    that the bands nominally called 20 Hz and 20 kHz, whose exact centres are 19.95 Hz
    and 19.95 kHz, are in), and, given ``sr``, when its upper edge is at or below the
    Nyquist frequency (the 20 kHz third octave needs a rate above 44.8 kHz).

    Returns
    -------
    centres_hz, lower_hz, upper_hz : numpy.ndarray
        One value per band, ascending.
    """
    b = check_fraction(fraction)
    if not 0.0 < low_hz < high_hz:
        raise AudioDataError(
            f"octave bands: need 0 < low_hz < high_hz, got low_hz={low_hz!r}, high_hz={high_hz!r}."
        )
    half_band = OCTAVE_RATIO ** (1.0 / (2 * b))
    offset = 0.0 if b % 2 else 0.5  # even fractions sit between the odd ones' centres
    # Band index x such that centre = 1000 * G**((x + offset) / b).
    span = np.log(np.array([low_hz * _TOLERANCE_LOW, high_hz * _TOLERANCE_HIGH]) / REFERENCE_HZ)
    x_lo, x_hi = span / np.log(OCTAVE_RATIO) * b - offset
    x = np.arange(math.ceil(x_lo), math.floor(x_hi) + 1)
    centres = REFERENCE_HZ * OCTAVE_RATIO ** ((x + offset) / b)
    lower, upper = centres / half_band, centres * half_band
    if sr is not None:
        keep = upper <= sr / 2.0 * (1.0 + 1e-12)
        centres, lower, upper = centres[keep], lower[keep], upper[keep]
    return centres, lower, upper


def nominal_frequency_label(centre_hz: float, fraction: int) -> str:
    """Short label for a band: the nominal mid-band frequency, e.g. ``"31.5"`` or ``"1.25k"``.

    Octave and third-octave bands use the standard nominal values (the R10 preferred
    numbers 1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8 times a power of ten: 31.5, 63,
    125 ... 16k); finer bands are rounded to three significant figures.
    """
    exponent = math.floor(math.log10(centre_hz))
    mantissa = centre_hz / 10.0**exponent
    if check_fraction(fraction) in (1, 3):
        mantissa = min(_R10 + (10.0,), key=lambda r: abs(math.log(mantissa / r)))
    else:
        mantissa = float(f"{mantissa:.2f}")
    value = round(mantissa * 10.0**exponent, 6)
    if value >= 1000.0:
        return f"{value / 1000.0:g}k"
    return f"{value:g}"


def band_weights(freqs_hz: np.ndarray, lower_hz: np.ndarray, upper_hz: np.ndarray) -> np.ndarray:
    """How many Hz of each FFT bin fall in each band: a ``(n_bands, n_bins)`` matrix.

    Bin ``k`` at ``freqs_hz[k]`` (evenly spaced from 0) covers half a bin spacing on
    either side. ``weights @ density`` is then each band's power, and
    ``weights @ density / weights.sum(axis=1)`` its average density.
    """
    f = np.asarray(freqs_hz, dtype=np.float64)
    df = f[1] - f[0] if f.size > 1 else 1.0
    lo_bin = np.maximum(f - df / 2.0, 0.0)
    hi_bin = f + df / 2.0
    lo = np.asarray(lower_hz, dtype=np.float64)[:, np.newaxis]
    hi = np.asarray(upper_hz, dtype=np.float64)[:, np.newaxis]
    return np.clip(np.minimum(hi, hi_bin) - np.maximum(lo, lo_bin), 0.0, None)


@lru_cache(maxsize=16)
def _hann(n: int) -> np.ndarray:
    w = np.sin(np.pi * np.arange(n) / n) ** 2  # periodic Hann (DFT-even)
    w.flags.writeable = False
    return w


def hann(n: int) -> np.ndarray:
    """The periodic Hann window of ``n`` samples (what every spectrum here uses)."""
    return _hann(int(n)).copy()


def enbw_hz(n: int, sr: float) -> float:
    """Equivalent noise bandwidth of an ``n``-sample Hann window at ``sr``: 1.5 bins."""
    w = _hann(int(n))
    return float(sr * np.sum(w * w) / np.sum(w) ** 2)


def frame_count(n_frames: int, nperseg: int, hop: int) -> int:
    """Number of analysis frames: whole frames only, at least one (zero-padded)."""
    return 1 if n_frames <= nperseg else 1 + (n_frames - nperseg) // hop


def iter_power_frames(
    samples: np.ndarray, sr: float, *, nperseg: int, hop: int, what: str = "audio"
) -> Iterator[tuple[int, np.ndarray]]:
    """Power spectral density of successive Hann-windowed frames, a batch at a time.

    Frame ``i`` covers samples ``i*hop .. i*hop + nperseg - 1`` (audio shorter than one
    frame is zero-padded to one frame). Each batch is ``(first_frame, density)`` with
    ``density`` shaped ``(frames_in_batch, nperseg // 2 + 1)`` (one row per frame), in
    power per Hz (mean square / Hz), one-sided, averaged over the channels. Bin ``k`` is
    at ``k*sr/nperseg``.

    Batches keep memory bounded (a few MB) for songs of any length.
    """
    from scipy import fft

    x = as_samples(samples, what=what)
    if not np.all(np.isfinite(x)):
        from studio.dsp.truepeak import non_finite_message

        raise AudioDataError(f"{what}: {non_finite_message(x)}")
    n_ch, n = x.shape
    if n_ch == 0 or n == 0:
        raise AudioDataError(f"{what}: there are no samples to analyse.")
    if n < nperseg:
        x = np.concatenate([x, np.zeros((n_ch, nperseg - n), dtype=x.dtype)], axis=-1)
    window = _hann(nperseg).astype(np.float32)
    scale = 2.0 / (sr * float(np.sum(window.astype(np.float64) ** 2)) * n_ch)
    total = frame_count(n, nperseg, hop)
    per_batch = max(1, _BATCH_ELEMENTS // (n_ch * nperseg))
    frames = np.lib.stride_tricks.sliding_window_view(x, nperseg, axis=-1)[:, ::hop]
    for first in range(0, total, per_batch):
        batch = frames[:, first : min(first + per_batch, total)].astype(np.float32)
        batch *= window
        spectrum = fft.rfft(batch, axis=-1)
        power = spectrum.real**2 + spectrum.imag**2  # (channels, frames, bins)
        density = power.sum(axis=0, dtype=np.float64) * scale  # (frames, bins), C order
        density[:, 0] /= 2.0  # DC and Nyquist are not folded from negative frequencies
        if nperseg % 2 == 0:
            density[:, -1] /= 2.0
        yield first, density


def smooth_fractional_octave(
    freqs_hz: np.ndarray,
    values: np.ndarray,
    fraction: int,
    out_freqs_hz: np.ndarray,
) -> np.ndarray:
    """Average ``values`` (a power, per bin) over a 1/``fraction``-octave window.

    For each output frequency ``f`` the window runs from ``f * 2**(-1/(2*fraction))`` to
    ``f * 2**(1/(2*fraction))``; bins partly inside count by the share of their width
    inside (the window never shrinks below one bin, so low frequencies read the bin
    they fall in). Computed with a cumulative sum: linear in the number of bins.
    """
    b = check_fraction(fraction)
    f = np.asarray(freqs_hz, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    df = f[1] - f[0]
    # Cumulative integral of the piecewise-constant bins, at the bin edges.
    edges = np.concatenate([[f[0] - df / 2.0], f + df / 2.0])
    integral = np.concatenate([[0.0], np.cumsum(v * df)])
    half = 2.0 ** (1.0 / (2 * b))
    out = np.asarray(out_freqs_hz, dtype=np.float64)
    lo, hi = out / half, out * half
    narrow = hi - lo < df  # never narrower than one bin
    lo = np.where(narrow, out - df / 2.0, lo)
    hi = np.where(narrow, out + df / 2.0, hi)
    lo = np.clip(lo, edges[0], edges[-1])
    hi = np.clip(hi, edges[0], edges[-1])
    area = np.interp(hi, edges, integral) - np.interp(lo, edges, integral)
    width = np.maximum(hi - lo, 1e-300)
    return area / width
