"""Sample peak and true peak (ITU-R BS.1770 Annex 2): how close the waveform gets to 0 dB.

The samples are only snapshots of a smooth waveform. Between two samples the waveform
a converter rebuilds can rise higher than either of them (an "inter-sample peak"), by up
to about 3 dB for a sine at a quarter of the sample rate, and more for clipped,
limited masters. A *sample peak* meter misses this; a *true-peak* meter estimates it by
oversampling: it fills in the points between the samples with an interpolating filter
and reads the largest magnitude. Delivery specs ask for a true-peak ceiling (-1 dBTP for
EBU R 128 and most streaming services) so the decoded or converted signal does not clip.

How it is done here:

* **Oversampling factor.** BS.1770 asks for at least 4x at 48 kHz, i.e. an oversampled
  rate of at least 192 kHz. The factor is the smallest whole number that reaches it:
  4x at 48 kHz, 5x at 44.1 kHz (4x would give only 176.4 kHz), 2x at 96 kHz,
  24x at 8 kHz, and 1x (no oversampling; true peak equals sample peak) at
  192 kHz and above. See :func:`oversampling_factor`.
* **Interpolating filter.** A Kaiser-windowed sinc (beta 5) with 16 taps per phase and
  its cutoff at the original Nyquist frequency (:func:`interpolation_filter`). Its
  zeros fall exactly on the original samples, so the oversampled signal passes through
  every sample unchanged (true peak is never below sample peak), its pass band is flat
  within 0.02 dB up to 0.75 of Nyquist (18 kHz at 48 kHz, -0.2 dB at 20 kHz), and
  the images of anything below 20 kHz are at least 34 dB down. It is our own design,
  not the BS.1770 example filter (48 taps, 12 per phase); both sit well inside the
  EBU Tech 3341 tolerance (+0.2/-0.4 dB). No extra attenuation stage is needed:
  everything is floating point.
* **What oversampling cannot see.** A peak that falls between two oversampled points
  still reads a little low: at most by ``cos(pi*f/(sr*factor))`` for a sine at ``f``,
  e.g. 0.11 dB for a quarter-rate sine at 44.1 kHz (5x), 0.38 dB for 18 kHz at 48 kHz.
* **Speed.** Every oversampled point is a weighted sum of the 17 samples around it:
  each in-between phase is a 17-tap filter. A compiled loop (``_truepeak_kernels``)
  runs the phases over a chunk of samples at a time in float32 and keeps the largest
  magnitude per hop; the readable version lays a stretch of audio out as a matrix of
  17-sample windows times a small matrix of filter phases (:func:`_interpolated_peak`,
  ``_interpolated_hop_peaks``), and :func:`true_peak_reference` computes every point
  the plain way with ``scipy.signal.upfirdn``; the tests hold all three equal. The
  points that fall on the original samples need no filtering (the filter passes them
  unchanged): the sample peak covers them. A 3-minute stereo song at 48 kHz takes
  about 0.1 s on one core; no copy of the audio is made.

The signal is taken as silent before its first and after its last sample, as a meter
that is fed the file would see it.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from studio.audio import as_samples
from studio.dsp.units import gain_to_db
from studio.errors import AudioDataError

__all__ = [
    "MIN_OVERSAMPLED_RATE_HZ",
    "PeakEnvelope",
    "Peaks",
    "interpolation_filter",
    "measure_peaks",
    "non_finite_message",
    "oversampling_factor",
    "peak_envelope",
    "sample_peak_dbfs",
    "true_peak_dbtp",
    "true_peak_reference",
]

#: BS.1770 Annex 2: 4x oversampling at 48 kHz, i.e. at least this rate after oversampling.
MIN_OVERSAMPLED_RATE_HZ = 192000
#: Interpolating filter taps per phase (per original sample period).
TAPS_PER_PHASE = 16
#: Kaiser window shape parameter of the interpolating filter.
KAISER_BETA = 5.0
#: Multiply-adds per matrix product. Small products stay in cache and let BLAS run them
#: on the calling thread; splitting a product this small across threads costs more than
#: it saves, and on a busy machine much more (measured: 0.3 s for a 3-minute stereo song
#: with small products, 2.5 s with products 4x larger that OpenBLAS spread over threads).
_MACS_PER_PRODUCT = 1 << 18


def oversampling_factor(sr: int) -> int:
    """Oversampling factor for true peak at ``sr``: the oversampled rate is >= 192 kHz.

    >>> [oversampling_factor(sr) for sr in (44100, 48000, 96000, 192000)]
    [5, 4, 2, 1]
    """
    if sr <= 0:
        raise AudioDataError(f"true peak: sample rate must be positive, got {sr!r} Hz.")
    return max(1, math.ceil(MIN_OVERSAMPLED_RATE_HZ / sr))


@lru_cache(maxsize=32)
def _filter(factor: int) -> np.ndarray:
    n = factor * TAPS_PER_PHASE + 1
    offset = np.arange(n) - (n - 1) / 2  # in oversampled samples, centred
    h = np.sinc(offset / factor) * np.kaiser(n, KAISER_BETA)
    h[(offset % factor == 0) & (offset != 0)] = 0.0  # exact zeros on the original samples
    h.flags.writeable = False
    return h


def interpolation_filter(factor: int) -> np.ndarray:
    """Return the FIR that fills in ``factor - 1`` points between samples.

    A windowed sinc with cutoff at the original Nyquist frequency, ``16*factor + 1``
    taps, unit gain at the original samples' positions (``h[centre] = 1`` and zeros at
    every other multiple of ``factor``), for ``scipy.signal.upfirdn(h, x, up=factor)``.
    """
    return _filter(int(factor)).copy()


@lru_cache(maxsize=32)
def _phase_matrix(factor: int) -> np.ndarray:
    """Filter phases 1..factor-1 as a ``(TAPS_PER_PHASE + 1, factor - 1)`` matrix.

    Row ``j`` multiplies the ``j``-th sample of a window ``x[n-16] .. x[n]``, so
    ``windows @ matrix`` gives, for each ``n``, the ``factor - 1`` points between
    ``x[n-8]`` and ``x[n-7]`` (the filter's delay is 8 samples).
    """
    h = _filter(factor)
    phases = np.zeros((TAPS_PER_PHASE + 1, factor - 1))
    for p in range(1, factor):
        taps = h[p::factor]  # tap k multiplies x[n - k]
        phases[: taps.size, p - 1] = taps
    matrix = np.ascontiguousarray(phases[::-1])
    matrix.flags.writeable = False
    return matrix


def _to_db(amplitude: float) -> float:
    return gain_to_db(float(amplitude))


def _checked(samples: np.ndarray, what: str) -> tuple[np.ndarray, float]:
    """Samples as (channels, frames) and their largest magnitude; NaN/Inf rejected."""
    x = as_samples(samples, what=what)
    # max and min are reductions: no |x| copy of the whole audio is made
    peak = max(float(np.max(x)), -float(np.min(x))) if x.size else 0.0
    if not math.isfinite(peak):
        raise AudioDataError(f"{what}: {non_finite_message(x)}")
    return x, peak


def non_finite_message(x: np.ndarray) -> str:  # prose: ok - the text of AudioDataError
    """Say where the first NaN or infinite sample of ``(channels, frames)`` ``x`` is."""
    channel, frame = np.unravel_index(np.argmin(np.isfinite(x)), x.shape)
    value = x[channel, frame]
    return (
        f"samples contain NaN or infinite values (the first, {value}, is at frame {frame} "
        f"of channel {channel}), which no meter can measure. Look for the step that made "
        "them (a filter that blew up, a division by zero) and fix it there."
    )


def sample_peak_dbfs(samples: np.ndarray, *, what: str = "audio") -> float:
    """Largest sample magnitude in dBFS (0 dBFS = full scale); ``-inf`` for silence."""
    return _to_db(_checked(samples, what)[1])


class Peaks(NamedTuple):
    """Sample peak (dBFS) and true peak (dBTP) of the same audio."""

    sample_peak_dbfs: float
    true_peak_dbtp: float


def measure_peaks(samples: np.ndarray, sr: int, *, what: str = "audio") -> Peaks:
    """Sample peak and true peak together (one check of the samples instead of two)."""
    x, peak = _checked(samples, what)
    return Peaks(_to_db(peak), _true_peak(x, sr, peak))


def true_peak_reference(samples: np.ndarray, sr: int, *, what: str = "audio") -> float:
    """True peak in dBTP, interpolating every point: the plain, slow reference version.

    Same result as :func:`true_peak_dbtp` (which computes the same points as small
    matrix products, two to three times faster); kept short and obvious so the fast
    version can be tested against it.
    """
    x, peak = _checked(samples, what)
    factor = oversampling_factor(sr)
    if factor == 1 or x.shape[1] == 0:
        return _to_db(peak)
    from scipy import signal  # the reference only; scipy.signal is slow to import

    y = signal.upfirdn(_filter(factor), x, up=factor, axis=-1)
    return _to_db(max(peak, float(np.max(np.abs(y)))))


def true_peak_dbtp(samples: np.ndarray, sr: int, *, what: str = "audio") -> float:
    """True peak in dBTP per ITU-R BS.1770 Annex 2 (largest magnitude between samples).

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples (1-D is mono).
    sr : int
        Sample rate in Hz; sets the oversampling factor (:func:`oversampling_factor`).
    what : str
        Name of the audio for error messages.

    Returns
    -------
    float
        The highest true peak over all channels in dBTP; ``-inf`` for silence. Never
        below the sample peak.

    Raises
    ------
    AudioDataError
        If the samples contain NaN or infinite values.
    """
    x, peak = _checked(samples, what)
    return _true_peak(x, sr, peak)


def _true_peak(x: np.ndarray, sr: int, sample_peak: float) -> float:
    factor = oversampling_factor(sr)
    if factor == 1 or sample_peak == 0.0:
        return _to_db(sample_peak)
    if 1e-30 < sample_peak < 1e30:  # float32 covers it: the compiled pass, no hops
        no_hops = np.zeros(1, dtype=np.int64)
        return _to_db(max(sample_peak, _compiled_hop_peaks(x, factor, no_hops)[1]))
    return _to_db(_interpolated_peak(x, factor, sample_peak))


def _interpolated_peak(x: np.ndarray, factor: int, sample_peak: float) -> float:
    """Largest magnitude of the oversampled signal (phases other than the samples)."""
    # float32 is ample (~1e-7 relative error); float64 only where float32's range ends.
    dtype = np.float32 if 1e-30 < sample_peak < 1e30 else np.float64
    matrix = _phase_matrix(factor).astype(dtype)
    span = TAPS_PER_PHASE  # extra input samples each chunk needs before its first output
    n_ch, n = x.shape
    chunk = max(256, _MACS_PER_PRODUCT // (n_ch * matrix.size))
    best = sample_peak
    # Output n uses x[n-span .. n]; outputs run from 0 to n+span-1 (the filter's tail),
    # with silence assumed before and after the audio.
    for first in range(0, n + span, chunk):
        last = min(first + chunk, n + span)
        lo, hi = first - span, last
        segment = np.zeros((n_ch, hi - lo), dtype=dtype)
        segment[:, max(0, -lo) : (hi - lo) - max(0, hi - n)] = x[:, max(lo, 0) : min(hi, n)]
        windows = np.lib.stride_tricks.sliding_window_view(segment, span + 1, axis=-1)
        points = windows.reshape(-1, span + 1) @ matrix
        best = max(best, float(points.max()), -float(points.min()))
    return best


class PeakEnvelope(NamedTuple):
    """Peaks over time: the highest sample and true peak of each hop, per channel.

    ``times_s[i]`` is the end of hop ``i``; arrays are ``(n_channels, n_hops)`` in dB
    (``-inf`` for a silent hop). ``peaks`` holds the overall figures, which also cover
    the last, partial hop and the filter's ringing past the ends.
    """

    times_s: np.ndarray
    sample_peak_dbfs: np.ndarray
    true_peak_dbtp: np.ndarray
    peaks: Peaks


def peak_envelope(
    samples: np.ndarray, sr: int, *, hop_s: float = 0.01, what: str = "audio"
) -> PeakEnvelope:
    """Sample peak and true peak of every ``hop_s`` stretch, per channel: a peak meter's trace.

    The same interpolation as :func:`true_peak_dbtp` at the same cost; every in-between
    point is credited to the hop of the sample before it (the ringing before the first
    sample to the first hop). The loudest hop equals :func:`true_peak_dbtp` unless the
    peak lies in the partial hop at the end.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples (1-D is mono).
    sr : int
        Sample rate in Hz.
    hop_s : float
        Length of each hop in seconds (at least one sample).
    what : str
        Name of the audio for error messages.

    Raises
    ------
    AudioDataError
        If the samples contain NaN or infinite values, or the hop is shorter than a sample.
    """
    x, peak = _checked(samples, what)
    if not hop_s * sr >= 1.0:
        raise AudioDataError(f"peak envelope: hop_s={hop_s!r} s is shorter than one sample.")
    n_ch, n = x.shape
    n_hops = int(math.floor(n / (hop_s * sr) + 1e-9))
    edges = np.rint(np.arange(n_hops + 1) * (hop_s * sr)).astype(np.int64)
    sample_hops = _sample_hop_peaks(x, edges)
    factor = oversampling_factor(sr)
    if factor == 1 or peak == 0.0:
        true_hops, true_peak = sample_hops, peak
    else:
        if 1e-30 < peak < 1e30:  # float32 covers it: the compiled pass
            inter_hops, inter_peak = _compiled_hop_peaks(x, factor, edges)
        else:
            inter_hops, inter_peak = _interpolated_hop_peaks(x, factor, edges, peak)
        true_hops = np.maximum(sample_hops, inter_hops)
        true_peak = max(peak, inter_peak)
    return PeakEnvelope(
        times_s=edges[1:] / sr,
        sample_peak_dbfs=_array_to_db(sample_hops),
        true_peak_dbtp=_array_to_db(true_hops),
        peaks=Peaks(_to_db(peak), _to_db(true_peak)),
    )


#: Hops per step of the sample-peak trace, and outputs per call of the compiled pass:
#: the temporaries stay small whatever the length of the audio.
_HOPS_PER_STEP = 256
_OUTPUTS_PER_CALL = 1 << 16


def _sample_hop_peaks(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Largest ``|sample|`` of every hop, ``(channels, hops)``, a few hops at a time."""
    n_ch = x.shape[0]
    n_hops = edges.size - 1
    out = np.zeros((n_ch, n_hops), dtype=x.dtype)
    equal = n_hops > 0 and bool(np.all(np.diff(edges) == edges[1]))
    for h0 in range(0, n_hops, _HOPS_PER_STEP):
        h1 = min(h0 + _HOPS_PER_STEP, n_hops)
        part = np.abs(x[:, edges[h0] : edges[h1]])
        if equal:
            out[:, h0:h1] = part.reshape(n_ch, h1 - h0, -1).max(axis=-1)
        else:
            out[:, h0:h1] = np.maximum.reduceat(part, edges[h0:h1] - edges[h0], axis=-1)
    return out


def _compiled_hop_peaks(x: np.ndarray, factor: int, edges: np.ndarray) -> tuple[np.ndarray, float]:
    """:func:`_interpolated_hop_peaks` by the compiled pass (``_truepeak_kernels``)."""
    from studio.dsp._truepeak_kernels import CHUNK, hop_true_peaks

    phases = np.ascontiguousarray(_phase_matrix(factor).T, dtype=np.float32)
    span, half = TAPS_PER_PHASE, TAPS_PER_PHASE // 2
    n_ch, n = x.shape
    n_hops = edges.size - 1
    hops = np.zeros((n_ch, n_hops))
    best = np.zeros(n_ch)
    scratch = np.empty((2, CHUNK), dtype=np.float32)
    n_out = n + span  # output o: the points between samples o - 8 and o - 7
    for lo in range(0, n_out, _OUTPUTS_PER_CALL):
        hi = min(lo + _OUTPUTS_PER_CALL, n_out)
        seg = np.zeros((n_ch, hi - lo + span), dtype=np.float32)
        a, b = max(lo - span, 0), min(hi, n)
        seg[:, a - (lo - span) : b - (lo - span)] = x[:, a:b]
        first_sample = lo - half
        hop = 0
        if n_hops and first_sample >= edges[1]:
            hop = min(int(np.searchsorted(edges, first_sample, side="right")) - 1, n_hops - 1)
        hop_true_peaks(seg, lo, phases, edges, n, hop, hops, best, scratch)
    return hops, float(best.max(initial=0.0))


def _array_to_db(amplitude: np.ndarray) -> np.ndarray:
    return gain_to_db(np.asarray(amplitude, dtype=np.float64))


def _interpolated_hop_peaks(
    x: np.ndarray, factor: int, edges: np.ndarray, sample_peak: float
) -> tuple[np.ndarray, float]:
    """Largest in-between magnitude per hop ``(channels, hops)``, and over everything.

    The same small matrix products as :func:`_interpolated_peak`, over blocks of whole
    hops. Each product's points are laid out per channel in time order (output ``o``,
    then its phases), so each hop's points are one contiguous run, reduced with one
    ``maximum.reduceat``; a hop longer than one product spans several and keeps the
    largest. Output ``o`` holds the points between samples ``o - 8`` and ``o - 7`` and
    counts for the hop of sample ``o - 8``; the ringing before the first sample counts
    for the first hop, the ringing after the last sample for the last hop (when the
    audio is a whole number of hops), the partial hop at the end only for the overall
    peak.
    """
    dtype = np.float32 if 1e-30 < sample_peak < 1e30 else np.float64
    matrix = _phase_matrix(factor).astype(dtype)
    span, half = TAPS_PER_PHASE, TAPS_PER_PHASE // 2
    n_ch, n = x.shape
    n_hops = edges.size - 1
    target = max(256, _MACS_PER_PRODUCT // (n_ch * matrix.size))
    hop = max(1, int(edges[-1]) // max(1, n_hops))
    per_group = max(1, target // hop)
    # One product per block of short hops; several per hop for long hops.
    step = max(target, per_group * (hop + 1) + span) if hop <= target else target
    blocks: list[tuple[int, int | None]] = [
        (g, min(g + per_group, n_hops)) for g in range(0, n_hops, per_group)
    ]
    if edges[-1] < n or n_hops == 0:
        blocks.append((n_hops, None))  # the partial hop at the end: overall peak only
    hops = np.zeros((n_ch, n_hops), dtype=np.float64)
    best = 0.0
    for g0, g1 in blocks:
        first_frame = int(edges[g0])
        last_frame = n if g1 is None else int(edges[g1])
        o_lo = 0 if first_frame == 0 else first_frame + half  # ringing before: hop 0
        o_hi = n + span if last_frame == n else last_frame + half  # ringing after: last
        if g1 is not None:
            # Where each hop's outputs start, counted from o_lo (the first from 0).
            starts = edges[g0:g1] + half - o_lo
            starts[0] = 0
        for c0 in range(o_lo, o_hi, step):
            c1 = min(c0 + step, o_hi)
            lo, hi = c0 - span, c1
            segment = np.zeros((n_ch, hi - lo), dtype=dtype)
            segment[:, max(0, -lo) : (hi - lo) - max(0, hi - n)] = x[:, max(lo, 0) : min(hi, n)]
            windows = np.lib.stride_tricks.sliding_window_view(segment, span + 1, axis=-1)
            points = windows.reshape(-1, span + 1) @ matrix
            np.abs(points, out=points)
            flat = points.reshape(n_ch, -1)
            if g1 is None:
                best = max(best, float(flat.max()))
                continue
            rel = starts - (c0 - o_lo)  # hop starts relative to this product
            i0 = int(np.searchsorted(rel, 0, side="right")) - 1
            i1 = int(np.searchsorted(rel, c1 - c0, side="left"))
            local = np.maximum(rel[i0:i1], 0)
            hops[:, g0 + i0 : g0 + i1] = np.maximum(
                hops[:, g0 + i0 : g0 + i1],
                np.maximum.reduceat(flat, local * (factor - 1), axis=1),
            )
    if n_hops:
        best = max(best, float(hops.max()))
    return hops, best
