"""Loudness as ITU-R BS.1770 and EBU R 128 define it: LUFS, LU and loudness range.

How a loudness meter hears, step by step:

1. **K-weighting.** Each channel goes through two filters that imitate how loud we find
   different frequencies: a +4 dB shelf above about 1.7 kHz (the head's effect on
   sound) and a gentle high-pass around 38 Hz (we hear deep bass as less loud).
   BS.1770 publishes them for 48 kHz; here they are rebuilt for any rate from their
   analog prototypes, and audio below 44.1 kHz is upsampled first, so the curve is
   the same (within 0.012 dB up to 0.45 of the sample rate) from 8 kHz to 192 kHz.
2. **Mean square per block.** The filtered signal is squared and averaged over blocks:
   400 ms for *momentary* loudness, 3 s for *short-term* loudness.
3. **Channels are summed** with weights: 1.0 for left, right and centre, 1.41 (+1.5 dB)
   for the surround channels, 0 for the LFE (see :func:`default_channel_weights`).
4. **Decibels.** ``loudness = -0.691 + 10*log10(weighted sum)`` in LUFS. The -0.691
   cancels the K-filter's gain at 1 kHz, so a 1 kHz sine at -23 dBFS peak in both
   stereo channels reads -23 LUFS.
5. **Gating** for the *integrated* loudness of a whole piece: 400 ms blocks every
   100 ms; blocks quieter than -70 LUFS are ignored (absolute gate), then blocks more
   than 10 LU below the average of the rest (relative gate). Pauses and fade-outs do
   not drag the number down.

*Loudness range* (LRA, EBU Tech 3342) says how much the loudness moves: the spread
between the 10th and 95th percentile of the gated 3 s short-term loudness.

*Mono fold*: how loud a stereo mix is when folded to mono, ``(L + R) / 2`` on both
speakers. The K-filter is linear, so the fold of the K-weighted channels is the
K-weighted fold: one extra product per hop, no second filter pass.

One pass over the samples: a compiled loop runs the K-filter and adds each filtered
sample's square to its 10 ms (or 100 ms) hop's sum as it goes, so no filtered copy of
the audio is ever stored (``_loudness_kernels``; :func:`k_weight` is the readable
version, with ``scipy.signal.sosfilt``, and the tests hold the two equal). Every block
is a sum of whole hops, so 400 ms and 3 s blocks cost almost nothing more. Sums of hops
are added directly (no running-sum subtraction), so a silent stretch sums to exactly 0
and reads ``-inf``. A 10 s stereo preview measures in about 5 ms.

Conventions: samples are shaped ``(channels, frames)``; "nothing to measure" (silence,
everything below the -70 LUFS gate, or audio shorter than one block) reads ``-inf``,
never a number invented by a floor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from studio.audio import as_samples
from studio.dsp.truepeak import non_finite_message
from studio.dsp.units import gain_to_db, power_to_db
from studio.errors import AudioDataError

__all__ = [
    "ABSOLUTE_GATE_LUFS",
    "AnalogBiquad",
    "K_FILTER_MIN_RATE_HZ",
    "LoudnessProfile",
    "LoudnessSeries",
    "MOMENTARY_WINDOW_S",
    "PRE_FILTER",
    "RLB_FILTER",
    "SERIES_HOP_S",
    "SHORT_TERM_WINDOW_S",
    "analog_prototype",
    "default_channel_weights",
    "integrated_loudness",
    "k_weight",
    "k_weighting_analog_db",
    "k_weighting_factor",
    "k_weighting_rate",
    "k_weighting_response_db",
    "k_weighting_sos",
    "loudness_profile",
    "loudness_range",
    "momentary_loudness",
    "mono_fold_loudness",
    "short_term_loudness",
    "windowed_loudness",
]

#: Offset in the loudness formula that makes a 997 Hz tone read its own level.
LOUDNESS_OFFSET_DB = -0.691
#: Blocks quieter than this are never counted (BS.1770 and EBU Tech 3342).
ABSOLUTE_GATE_LUFS = -70.0
#: BS.1770 integrated loudness: ignore blocks more than 10 LU below the gated average.
INTEGRATED_RELATIVE_GATE_LU = -10.0
#: EBU Tech 3342 loudness range: ignore short-term values more than 20 LU below.
LRA_RELATIVE_GATE_LU = -20.0
#: EBU Tech 3342 loudness range: the spread between these two percentiles.
LRA_PERCENTILES = (10.0, 95.0)
#: Momentary loudness window (and BS.1770 gating block).
MOMENTARY_WINDOW_S = 0.4
#: Short-term loudness window.
SHORT_TERM_WINDOW_S = 3.0
#: Step between gating blocks (75 % overlap of 400 ms) and between LRA short-term values
#: (Tech 3342 asks for at least 10 values per second; we use exactly that).
GATING_HOP_S = 0.1
#: Step of the momentary and short-term curves. A 400 ms window read every 10 ms can
#: miss the very loudest instant by at most 5 ms, which under-reads an isolated burst of
#: exactly 400 ms by at most 10*log10(395/400) = 0.055 dB (0.007 dB for 3 s windows):
#: inside the 0.1 LU EBU tolerance, at a cost of a few milliseconds for a whole song.
SERIES_HOP_S = 0.01
#: Sample rates the meter accepts (BS.1770 meters are specified for 8 kHz to 192 kHz).
MIN_RATE_HZ = 4000
MAX_RATE_HZ = 768000
#: The K-filter runs at this rate or above; lower rates are upsampled first, because a
#: biquad squeezed under a low Nyquist frequency bends the K-curve (0.3 dB at 8 kHz).
K_FILTER_MIN_RATE_HZ = 44100
#: Upsampling interpolator: flat up to this fraction of the original rate, and at least
#: ``_INTERP_ATTENUATION_DB`` down from ``1 - _INTERP_PASS`` of it (its images).
_INTERP_PASS = 0.45
_INTERP_ATTENUATION_DB = 70.0

# ---------------------------------------------------------------------------------------
# K-weighting
# ---------------------------------------------------------------------------------------

# BS.1770 publishes the two K-weighting filters only for 48 kHz (its Tables 1 and 2).
_PRE_FILTER_48K = (
    (1.53512485958697, -2.69169618940638, 1.19839281085285),
    (1.0, -1.69065929318241, 0.73248077421585),
)
_RLB_FILTER_48K = (
    (1.0, -2.0, 1.0),
    (1.0, -1.99004745483398, 0.99007225036621),
)


class AnalogBiquad(NamedTuple):
    """A second-order analog filter, normalised to its corner frequency.

    ``H(s) = (high_gain*s**2 + mid_gain*s + low_gain) / (s**2 + s/q + 1)`` with ``s`` in
    units of ``2*pi*corner_hz``: ``high_gain`` is the gain far above the corner,
    ``low_gain`` the gain at 0 Hz.
    """

    corner_hz: float
    q: float
    high_gain: float
    mid_gain: float
    low_gain: float

    def to_digital(self, sr: float) -> np.ndarray:
        """Bilinear transform, pre-warped so the corner lands exactly on ``corner_hz``.

        Returns one normalised second-order section ``[b0, b1, b2, 1, a1, a2]``.
        """
        k = np.tan(np.pi * self.corner_hz / sr)
        k_over_q, k2 = k / self.q, k * k
        hi, mid, lo = self.high_gain, self.mid_gain * k, self.low_gain * k2
        a0 = 1.0 + k_over_q + k2
        b = np.array([hi + mid + lo, 2.0 * (lo - hi), hi - mid + lo]) / a0
        a = np.array([a0, 2.0 * (k2 - 1.0), 1.0 - k_over_q + k2]) / a0
        return np.concatenate([b, a])


def analog_prototype(b: Sequence[float], a: Sequence[float], sr: float) -> AnalogBiquad:
    """Recover the :class:`AnalogBiquad` that :meth:`AnalogBiquad.to_digital` maps to ``b, a``.

    This inverts the pre-warped bilinear transform in closed form: with ``a0 = 1``,
    ``1+a1+a2 = 4K²/d``, ``1-a1+a2 = 4/d`` and ``1-a2 = 2K/(q d)`` where
    ``d = 1 + K/q + K²`` and ``K = tan(pi*corner_hz/sr)``; the numerator's sum, alternating
    sum and difference give the three gains the same way.

    Parameters
    ----------
    b, a : sequence of float
        Biquad numerator and denominator, ``a[0]`` equal to 1.
    sr : float
        Sample rate the coefficients were designed for, in Hz.
    """
    b0, b1, b2 = (float(v) for v in b)
    _, a1, a2 = (float(v) for v in a)
    k = np.sqrt((1.0 + a1 + a2) / (1.0 - a1 + a2))
    d = 4.0 / (1.0 - a1 + a2)
    q = k / ((1.0 - a2) * d / 2.0)
    return AnalogBiquad(
        corner_hz=float(sr * np.arctan(k) / np.pi),
        q=float(q),
        high_gain=(b0 - b1 + b2) / (1.0 - a1 + a2),
        mid_gain=float((b0 - b2) * d / (2.0 * k)),
        low_gain=(b0 + b1 + b2) / (1.0 + a1 + a2),
    )


#: The head-effect shelf: about +4 dB above ~1.7 kHz (Q ~0.71).
PRE_FILTER = analog_prototype(*_PRE_FILTER_48K, 48000)
#: The "revised low-frequency B" (RLB) high-pass: ~38 Hz, Q ~0.50. Its published
#: numerator ``[1, -2, 1]`` carries a pass-band gain of +0.043 dB, kept at every rate.
RLB_FILTER = analog_prototype(*_RLB_FILTER_48K, 48000)


def k_weighting_sos(sr: int) -> np.ndarray:
    """Return the BS.1770 K-weighting biquads designed directly for sample rate ``sr``.

    The standard gives coefficients for 48 kHz only. Here they are turned back into
    their analog prototypes (:data:`PRE_FILTER`, :data:`RLB_FILTER`) and designed afresh
    for ``sr`` with the same pre-warped bilinear transform, so at 48 kHz the published
    numbers come back (to about 1e-15) and at other rates the response has the same
    corner frequencies, Q and gains.

    A biquad can follow the analog curve only so closely, because the bilinear
    transform squeezes it towards Nyquist: within 0.01 dB at 44.1 kHz and above (the
    published 48 kHz filter itself is 0.008 dB off the analog curve near 2.7 kHz), but
    0.02 dB at 32 kHz, 0.07 dB at 16 kHz and 0.3 dB at 8 kHz. That is why the meter
    does not use these biquads below :data:`K_FILTER_MIN_RATE_HZ`: it upsamples first
    and filters at :func:`k_weighting_rate` (see :func:`k_weight`).

    Parameters
    ----------
    sr : int
        Sample rate in Hz, above 3.4 kHz (the shelf corner must stay below Nyquist).

    Returns
    -------
    numpy.ndarray
        Two second-order sections, shape ``(2, 6)``, for ``scipy.signal.sosfilt``.
    """
    if not 2.0 * PRE_FILTER.corner_hz < sr <= MAX_RATE_HZ:
        raise AudioDataError(
            f"K-weighting: sample rate {sr!r} Hz is outside the supported range "
            "(above 3.4 kHz, up to 768 kHz; loudness meters are specified for 8-192 kHz)."
        )
    return np.stack([PRE_FILTER.to_digital(sr), RLB_FILTER.to_digital(sr)])


def k_weighting_factor(sr: int) -> int:
    """How many times the meter upsamples audio at ``sr`` before K-weighting it.

    1 at :data:`K_FILTER_MIN_RATE_HZ` (44.1 kHz) and above; otherwise the smallest whole
    factor that reaches it: 2 at 22.05, 24 and 32 kHz, 3 at 16 kHz, 4 at 11.025 kHz,
    6 at 8 kHz.

    >>> [k_weighting_factor(sr) for sr in (8000, 16000, 22050, 32000, 44100, 96000)]
    [6, 3, 2, 2, 1, 1]
    """
    if not MIN_RATE_HZ <= sr <= MAX_RATE_HZ:
        raise AudioDataError(
            f"loudness: sample rate {sr!r} Hz is outside the supported range "
            f"({MIN_RATE_HZ} Hz to {MAX_RATE_HZ} Hz; meters are specified for 8-192 kHz)."
        )
    return max(1, math.ceil(K_FILTER_MIN_RATE_HZ / sr))


def k_weighting_rate(sr: int) -> int:
    """The sample rate the K-filter runs at for audio at ``sr`` (``sr`` times the factor)."""
    return int(sr) * k_weighting_factor(sr)


@lru_cache(maxsize=16)
def _interpolator(factor: int) -> np.ndarray:
    """Kaiser-windowed low-pass FIR for upsampling by ``factor``, gain ``factor``.

    Cutoff at the original Nyquist frequency, flat (within 0.004 dB) up to
    ``_INTERP_PASS`` of the original rate, at least ``_INTERP_ATTENUATION_DB`` down from
    ``1 - _INTERP_PASS`` of it, so images of the audio add less than 1e-7 of its power.
    Odd length: its delay is a whole number of samples.
    """
    from scipy import signal  # here: scipy.signal takes most of a second to import

    width = 2.0 * (1.0 - 2.0 * _INTERP_PASS) / factor  # transition / upsampled Nyquist
    numtaps, beta = signal.kaiserord(_INTERP_ATTENUATION_DB, width)
    h = factor * signal.firwin(numtaps | 1, 1.0 / factor, window=("kaiser", beta))
    h.flags.writeable = False
    return h


def k_weighting_analog_db(freqs_hz: np.ndarray | Sequence[float]) -> np.ndarray:
    """Gain in dB of the analog K-weighting curve (both prototypes) at ``freqs_hz``.

    The reference every digital K-filter here is held to: about -0.7 dB at 1 kHz,
    +4 dB far above 2 kHz, falling off below 100 Hz (-1.1 dB at 50 Hz, -14 dB at 10 Hz).
    """
    f = np.asarray(freqs_hz, dtype=np.float64)
    gain = np.ones(f.shape, dtype=np.complex128)
    for proto in (PRE_FILTER, RLB_FILTER):
        s = 1j * f / proto.corner_hz
        gain *= (proto.high_gain * s * s + proto.mid_gain * s + proto.low_gain) / (
            s * s + s / proto.q + 1.0
        )
    return gain_to_db(gain)


def k_weighting_response_db(freqs_hz: np.ndarray | Sequence[float], sr: int) -> np.ndarray:
    """Gain in dB of the K-weighting the meter applies to audio at ``sr``, at ``freqs_hz``.

    The whole path: the upsampling filter (below 44.1 kHz) times the K-filter biquads at
    :func:`k_weighting_rate`. It follows :func:`k_weighting_analog_db` within 0.012 dB
    from 10 Hz up to 0.45 of ``sr`` at every rate from 8 kHz to 192 kHz.
    """
    from scipy import signal

    f = np.asarray(freqs_hz, dtype=np.float64)
    factor = k_weighting_factor(sr)
    rate = sr * factor
    _, h = signal.sosfreqz(k_weighting_sos(rate), worN=f.ravel(), fs=rate)
    gain = np.abs(h)
    if factor > 1:
        _, hi = signal.freqz(_interpolator(factor), worN=f.ravel(), fs=rate)
        gain = gain * np.abs(hi) / factor
    return gain_to_db(gain).reshape(f.shape)


#: Below this state magnitude (about -2000 dB) a K-filter in digital silence is at rest.
_AT_REST = 1e-100


def _upsampled(x: np.ndarray, factor: int, start: int, stop: int) -> np.ndarray:
    """Frames ``start:stop`` of ``x`` upsampled by ``factor`` (zeros outside ``x``)."""
    from scipy import signal

    h = _interpolator(factor)
    delay = (h.size - 1) // 2  # in upsampled samples
    context = -(-h.size // factor)  # input samples the filter reaches on either side
    lo, hi = start - context, stop + context
    segment = np.zeros((x.shape[0], hi - lo))
    segment[:, max(0, -lo) : (hi - lo) - max(0, hi - x.shape[1])] = x[
        :, max(lo, 0) : min(hi, x.shape[1])
    ]
    y = signal.upfirdn(h, segment, up=factor, axis=-1)
    first = context * factor + delay
    return y[:, first : first + (stop - start) * factor]


def _k_weighted(x: np.ndarray, sr: int) -> tuple[np.ndarray, int]:
    """K-weight ``(channels, frames)`` samples; return them at the filter rate, and it."""
    from scipy import signal

    factor = k_weighting_factor(sr)
    rate = sr * factor
    sos = k_weighting_sos(rate)
    n_ch, n = x.shape
    step = 2 * int(sr)  # two seconds of input
    y = np.empty((n_ch, n * factor), dtype=np.float64)
    state = np.zeros((sos.shape[0], n_ch, 2))
    for start in range(0, n, step):
        stop = min(start + step, n)
        if factor > 1:
            # The interpolator reaches a few samples into the neighbouring chunks.
            reach = -(-_interpolator(factor).size // factor)
            silent = not x[:, max(0, start - reach) : stop + reach].any()
            chunk = None if silent else _upsampled(x, factor, start, stop)
        else:
            silent = not x[:, start:stop].any()
            chunk = x[:, start:stop]
        out = y[:, start * factor : stop * factor]
        if silent and np.max(np.abs(state)) < _AT_REST:
            out[:] = 0.0
            state[:] = 0.0
        else:
            if chunk is None:
                chunk = np.zeros_like(out)
            out[:], state = signal.sosfilt(sos, chunk, axis=-1, zi=state)
    return y, rate


def k_weight(samples: np.ndarray, sr: int) -> np.ndarray:
    """Return the K-weighted signal (float64, same shape): what a loudness meter "hears".

    At 44.1 kHz and above the K-filter biquads (:func:`k_weighting_sos`) run on the
    samples directly. Below, the samples are first upsampled by a whole factor
    (:func:`k_weighting_factor`) with a steep low-pass interpolator, filtered at
    44.1 kHz or more, where a biquad follows the K-curve within 0.01 dB, and taken back
    to ``sr`` (every ``factor``-th sample: the filtered signal has nothing above the
    original Nyquist frequency). So a 1 kHz tone reads the same loudness at 8 kHz as at
    48 kHz (the plain biquad at 8 kHz would read it 0.2 dB low).

    The filter runs over two-second chunks, carrying its state across. In a stretch of
    digital silence, once the filter has rung down below 1e-100 (2000 dB under full
    scale) its output is set to exactly 0 instead of decaying further into "denormal"
    numbers, which make the filtering 10 to 50 times slower (a song that ends in digital
    silence would otherwise take seconds to measure). The slowest part of the filter
    falls by about 1e-104 per second, so it reaches 1e-100 within a chunk and never
    the denormal range (1e-308, about 3 s). Only values below about -1900 LUFS change,
    and silence stays exactly silent (``-inf``).
    """
    x = as_samples(samples, what="samples")
    y, rate = _k_weighted(x, sr)
    factor = rate // sr
    return y if factor == 1 else np.ascontiguousarray(y[:, ::factor])


# ---------------------------------------------------------------------------------------
# Channels
# ---------------------------------------------------------------------------------------

#: Default channel weights by channel count, for the usual WAV / SMPTE channel orders.
_WEIGHTS_BY_COUNT = {
    5: (1.0, 1.0, 1.0, 1.41, 1.41),  # L R C Ls Rs
    6: (1.0, 1.0, 1.0, 0.0, 1.41, 1.41),  # L R C LFE Ls Rs
    8: (1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.41, 1.41),  # L R C LFE Lb Rb Ls Rs
}


def default_channel_weights(n_channels: int) -> np.ndarray:
    """Return the BS.1770 weight of each channel, assuming the usual channel order.

    BS.1770 weights a channel 1.41 (+1.5 dB) when its loudspeaker sits at the side
    (60 to 120 degrees off centre), 1.0 elsewhere, and leaves out the LFE channel.
    With only the channel count to go on, the order is assumed to be:

    ===========  ====================================  ===========================
    channels     order                                  weights
    ===========  ====================================  ===========================
    1, 2, 3      mono; L R; L R C                        1.0 each
    5            L R C Ls Rs (5.0)                       1 1 1 1.41 1.41
    6            L R C LFE Ls Rs (5.1, WAV order)        1 1 1 0 1.41 1.41
    8            L R C LFE Lb Rb Ls Rs (7.1, WAV order)  1 1 1 0 1 1 1.41 1.41
    4, 7, other  unknown layout                          1.0 each
    ===========  ====================================  ===========================

    Pass explicit ``channel_weights=`` to the loudness functions for other layouts.
    """
    return np.array(_WEIGHTS_BY_COUNT.get(int(n_channels), (1.0,) * int(n_channels)))


def _resolve_weights(n_channels: int, weights: Sequence[float] | None) -> np.ndarray:
    if weights is None:
        return default_channel_weights(n_channels)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n_channels,) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise AudioDataError(
            f"channel_weights: need {n_channels} finite non-negative weights (one per "
            f"channel), got {weights!r}."
        )
    return w


# ---------------------------------------------------------------------------------------
# Hop energies: the one pass over the samples that everything else is built from
# ---------------------------------------------------------------------------------------


def _k_hop_energies(
    x: np.ndarray, sr: int, edges: np.ndarray, fold: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Sum of squared K-weighted samples per channel and hop, and of L*R products per hop.

    The same numbers as summing ``k_weight(x, sr)`` (at the K-filter's rate) over the
    hops ``edges[h] .. edges[h + 1] - 1``, computed by a compiled loop that squares and
    adds each filtered sample as it comes (no filtered copy of the audio is kept), a
    couple of seconds at a time. Digital silence is handled as in :func:`k_weight`: once
    the filter has rung down below 1e-100 in a silent stretch, it is left at rest.
    """
    from studio.dsp._loudness_kernels import k_hop_energy

    factor = k_weighting_factor(sr)
    sos = np.ascontiguousarray(k_weighting_sos(sr * factor))
    n_ch, n = x.shape
    n_hops = edges.size - 1
    energy = np.zeros((n_ch, n_hops))
    cross = np.zeros(n_hops if fold else 0)
    state = np.zeros((n_ch, 4))
    needed = -(-int(edges[-1]) // factor)  # input frames up to the last hop's end
    step = 2 * int(sr)  # two seconds of input
    reach = -(-_interpolator(factor).size // factor) if factor > 1 else 0
    for start in range(0, needed, step):
        stop = min(start + step, needed)
        silent = not x[:, max(0, start - reach) : min(n, stop + reach)].any()
        if silent and np.max(np.abs(state)) < _AT_REST:
            state[:] = 0.0  # at rest in silence: these hops stay exactly 0
            continue
        if silent:
            chunk = np.zeros((n_ch, (stop - start) * factor))
        elif factor > 1:
            chunk = np.ascontiguousarray(_upsampled(x, factor, start, stop))
        else:
            chunk = np.array(x[:, start:stop], dtype=np.float64)  # a copy: x may be read-only
        first = start * factor
        hop = int(np.searchsorted(edges, first, side="right")) - 1
        k_hop_energy(chunk, first, edges, hop, sos, state, energy, cross)
    return energy, cross


class _Hops(NamedTuple):
    """Channel-weighted sums of squared K-weighted samples, one per hop."""

    energy: np.ndarray  # (n_hops,) sum over channels of weight * sum of squares
    edges: np.ndarray  # (n_hops + 1,) filter-rate sample index where each hop starts
    sr: int  # the rate ``edges`` count in: the K-filter's rate (see k_weighting_rate)
    hop_s: float
    # (n_hops,) the same for the mono fold (L+R)/2 played on both speakers, or None
    mono_energy: np.ndarray | None = None


def _hop_energy(
    samples: np.ndarray,
    sr: int,
    hop_s: float,
    weights: Sequence[float] | None,
    what: str,
    *,
    mono_fold: bool = False,
) -> _Hops:
    x = as_samples(samples, what=what)
    w = _resolve_weights(x.shape[0], weights)
    n_frames = x.shape[1]
    rate = k_weighting_rate(sr)
    n_hops = int(np.floor(n_frames / (hop_s * sr) + 1e-9))
    edges = np.rint(np.arange(n_hops + 1) * (hop_s * rate)).astype(np.int64)
    fold = mono_fold and x.shape[0] == 2
    if n_hops == 0:
        return _Hops(np.zeros(0), edges, rate, hop_s, np.zeros(0) if fold else None)
    per_channel, cross = _k_hop_energies(x, sr, edges, fold)
    mono = None
    with np.errstate(over="ignore", invalid="ignore"):  # reported just below
        energy = w @ per_channel
        if fold:
            # M = (L + R) / 2 on both speakers: (w_L + w_R) * sum(M^2).
            mono = (w[0] + w[1]) / 4.0 * (per_channel[0] + per_channel[1] + 2.0 * cross)
            mono = np.maximum(mono, 0.0)  # rounding can leave -1e-17 where L = -R
    if not np.all(np.isfinite(energy)):
        if np.all(np.isfinite(x)):
            raise AudioDataError(
                f"{what}: samples are too far beyond full scale to measure "
                f"(largest magnitude {np.max(np.abs(x)):.3g})."
            )
        raise AudioDataError(f"{what}: {non_finite_message(x)}")
    return _Hops(energy, edges, rate, hop_s, mono)


def _window_power(
    hops: _Hops, window_s: float, step: int = 1, energy: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Mean-square power of windows of ``window_s`` made of whole hops, and end times.

    Window ``i`` covers hops ``i*step .. i*step + n - 1``. Sums are direct (no running-sum
    subtraction), so they are exact zeros where the audio is silent. ``energy`` replaces
    ``hops.energy`` (e.g. with the mono fold's).
    """
    energy = hops.energy if energy is None else energy
    n = int(round(window_s / hops.hop_s))
    if energy.size < n:
        return np.zeros(0), np.zeros(0)
    sums = np.lib.stride_tricks.sliding_window_view(energy, n)[::step].sum(axis=-1)
    starts = hops.edges[: energy.size - n + 1 : step]
    ends = hops.edges[n::step]
    return sums / (ends - starts), ends / hops.sr


def _to_lufs(power: np.ndarray | float) -> np.ndarray | float:
    return LOUDNESS_OFFSET_DB + power_to_db(power)


def _gated(power: np.ndarray, relative_gate_lu: float) -> np.ndarray:
    """Block powers that pass the absolute gate and then the relative gate."""
    loud = power[_to_lufs(power) > ABSOLUTE_GATE_LUFS]
    if loud.size == 0:
        return loud
    threshold = _to_lufs(np.mean(loud)) + relative_gate_lu
    return loud[_to_lufs(loud) > threshold]


def _integrated_from(hops: _Hops, energy: np.ndarray | None = None) -> float:
    step = int(round(GATING_HOP_S / hops.hop_s))
    power, _ = _window_power(hops, MOMENTARY_WINDOW_S, step, energy)
    kept = _gated(power, INTEGRATED_RELATIVE_GATE_LU)
    return float(_to_lufs(np.mean(kept))) if kept.size else -np.inf


def _range_from(hops: _Hops) -> float:
    step = int(round(GATING_HOP_S / hops.hop_s))
    power, _ = _window_power(hops, SHORT_TERM_WINDOW_S, step)
    kept = _gated(power, LRA_RELATIVE_GATE_LU)
    if kept.size == 0:
        return -np.inf
    low, high = np.percentile(_to_lufs(kept), LRA_PERCENTILES)
    return float(high - low)


# ---------------------------------------------------------------------------------------
# Public measurements
# ---------------------------------------------------------------------------------------


class LoudnessSeries(NamedTuple):
    """Loudness over time: ``lufs[i]`` is the loudness of the window ending at ``times_s[i]``.

    Silent windows read ``-inf``. Audio shorter than one window gives empty arrays.
    """

    times_s: np.ndarray
    lufs: np.ndarray

    @property
    def max_lufs(self) -> float:
        """The loudest window (``-inf`` if there is none, or all are silent)."""
        return float(np.max(self.lufs)) if self.lufs.size else -np.inf


class LoudnessProfile(NamedTuple):
    """Everything :func:`loudness_profile` measures in one pass.

    ``mono_fold_lufs`` is the integrated loudness of the mono fold ``(L + R) / 2``
    played on both speakers: equal to ``integrated_lufs`` for mono audio or identical
    channels, 3 LU lower for unrelated channels, ``-inf`` when they cancel (``R = -L``),
    and NaN for more than two channels (a surround fold needs a downmix rule).
    """

    integrated_lufs: float
    lra_lu: float
    momentary: LoudnessSeries
    short_term: LoudnessSeries
    mono_fold_lufs: float = math.nan


def _series(hops: _Hops, window_s: float) -> LoudnessSeries:
    power, times_s = _window_power(hops, window_s)
    return LoudnessSeries(times_s, np.asarray(_to_lufs(power), dtype=np.float64))


def integrated_loudness(
    samples: np.ndarray,
    sr: int,
    *,
    channel_weights: Sequence[float] | None = None,
    what: str = "audio",
) -> float:
    """Integrated (programme) loudness in LUFS, per ITU-R BS.1770-5.

    The one number streaming services and broadcasters normalise to (-14 LUFS on
    Spotify, -23 LUFS in EBU R 128): the gated average loudness of the whole piece.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples (1-D is mono). See :func:`default_channel_weights`
        for the channel order assumed for surround.
    sr : int
        Sample rate in Hz (4 kHz to 768 kHz; meters are specified for 8 to 192 kHz).
    channel_weights : sequence of float, optional
        One weight per channel, overriding the default by channel count.
    what : str
        Name of the audio for error messages.

    Returns
    -------
    float
        Loudness in LUFS; ``-inf`` when no 400 ms block is above the -70 LUFS gate:
        silence, very quiet audio, or audio shorter than 400 ms.

    Raises
    ------
    AudioDataError
        If the samples contain NaN or infinite values, or ``sr`` is out of range.
    """
    return _integrated_from(_hop_energy(samples, sr, GATING_HOP_S, channel_weights, what))


def momentary_loudness(
    samples: np.ndarray,
    sr: int,
    *,
    channel_weights: Sequence[float] | None = None,
    what: str = "audio",
) -> LoudnessSeries:
    """Momentary loudness (400 ms window) every 10 ms, in LUFS: the fast-moving meter.

    See :data:`SERIES_HOP_S` for why 10 ms. Times are window ends, so the first value is
    at 0.4 s. No gating: a silent window reads ``-inf``.
    """
    hops = _hop_energy(samples, sr, SERIES_HOP_S, channel_weights, what)
    return _series(hops, MOMENTARY_WINDOW_S)


def short_term_loudness(
    samples: np.ndarray,
    sr: int,
    *,
    channel_weights: Sequence[float] | None = None,
    what: str = "audio",
) -> LoudnessSeries:
    """Short-term loudness (3 s window) every 10 ms, in LUFS: the steadier meter.

    Times are window ends, so the first value is at 3.0 s. A silent window reads ``-inf``.
    """
    hops = _hop_energy(samples, sr, SERIES_HOP_S, channel_weights, what)
    return _series(hops, SHORT_TERM_WINDOW_S)


def windowed_loudness(
    samples: np.ndarray,
    sr: int,
    *,
    window_s: float,
    hop_s: float = SERIES_HOP_S,
    channel_weights: Sequence[float] | None = None,
    what: str = "audio",
) -> LoudnessSeries:
    """Loudness in LUFS of windows of any length, every ``hop_s``: a meter of your own.

    ``window_s=0.4`` is the momentary meter and ``window_s=3.0`` the short-term one;
    a 10 s or 30 s window shows the slow swell of a song's sections.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples.
    sr : int
        Sample rate in Hz.
    window_s : float
        Window length in seconds, a whole number of hops.
    hop_s : float
        Step between windows in seconds (at least one sample).

    Raises
    ------
    AudioDataError
        If the window is not a whole number of hops, or the samples are not finite.
    """
    hop_s, window_s = float(hop_s), float(window_s)
    n = window_s / hop_s if hop_s > 0 else math.nan
    if not (hop_s * sr >= 1.0 and n >= 1.0 and abs(n - round(n)) < 1e-6):
        raise AudioDataError(
            f"windowed loudness: window_s={window_s!r} must be a whole number (at least 1) "
            f"of hops of hop_s={hop_s!r} s, and a hop at least one sample long."
        )
    hops = _hop_energy(samples, sr, hop_s, channel_weights, what)
    return _series(hops, round(n) * hop_s)


def loudness_range(
    samples: np.ndarray,
    sr: int,
    *,
    channel_weights: Sequence[float] | None = None,
    what: str = "audio",
) -> float:
    """Loudness range (LRA) in LU, per EBU Tech 3342.

    How far apart the quiet and loud passages are: 3 s short-term loudness every 100 ms
    (the 10 per second the spec asks for), gated at -70 LUFS and then 20 LU below their
    average, and the distance from the 10th to the 95th percentile. A steady tone gives
    0 LU; a pop master often 3-8 LU; a film or classical piece 15 LU or more.

    Returns
    -------
    float
        LRA in LU; ``-inf`` when there is no 3 s window above the gates (silence, or
        audio shorter than 3 s), i.e. nothing to measure.
    """
    return _range_from(_hop_energy(samples, sr, GATING_HOP_S, channel_weights, what))


def mono_fold_loudness(
    samples: np.ndarray,
    sr: int,
    *,
    channel_weights: Sequence[float] | None = None,
    what: str = "audio",
) -> float:
    """Integrated loudness in LUFS of a stereo mix folded to mono, ``(L + R) / 2``.

    The fold is played on both speakers (as a mono phone or a club's mono PA would), so
    a mono-compatible mix (identical channels) reads exactly its stereo loudness;
    unrelated channels lose 3 LU; out-of-phase content cancels (``R = -L`` reads
    ``-inf``). The K-filter is linear, so the fold comes from the same filtered samples
    as the stereo loudness. Mono audio reads its own loudness.

    Raises
    ------
    AudioDataError
        For more than two channels (a surround fold needs a downmix rule), or samples
        that are not finite.
    """
    x = as_samples(samples, what=what)
    if x.shape[0] > 2:
        raise AudioDataError(
            f"{what}: a mono fold is defined here for mono or stereo audio, got "
            f"{x.shape[0]} channels; fold a surround mix to stereo first."
        )
    hops = _hop_energy(x, sr, GATING_HOP_S, channel_weights, what, mono_fold=True)
    return _integrated_from(hops, hops.mono_energy)


def loudness_profile(
    samples: np.ndarray,
    sr: int,
    *,
    channel_weights: Sequence[float] | None = None,
    what: str = "audio",
) -> LoudnessProfile:
    """Integrated loudness, LRA, the momentary and short-term curves, and the mono fold.

    Same definitions as :func:`integrated_loudness`, :func:`loudness_range`,
    :func:`momentary_loudness`, :func:`short_term_loudness` and
    :func:`mono_fold_loudness`, sharing one K-filter pass and one set of 10 ms hop sums
    (the gating blocks and LRA windows are every 10th hop, so the results are the same).
    """
    hops = _hop_energy(samples, sr, SERIES_HOP_S, channel_weights, what, mono_fold=True)
    integrated = _integrated_from(hops)
    n_channels = as_samples(samples, what=what).shape[0]
    if hops.mono_energy is not None:
        mono = _integrated_from(hops, hops.mono_energy)
    else:
        mono = integrated if n_channels == 1 else math.nan
    return LoudnessProfile(
        integrated_lufs=integrated,
        lra_lu=_range_from(hops),
        momentary=_series(hops, MOMENTARY_WINDOW_S),
        short_term=_series(hops, SHORT_TERM_WINDOW_S),
        mono_fold_lufs=mono,
    )
