"""Loudness as ITU-R BS.1770 and EBU R 128 define it: LUFS, LU and loudness range.

How a loudness meter hears, step by step:

1. **K-weighting.** Each channel goes through two filters that imitate how loud we find
   different frequencies: a +4 dB shelf above about 1.7 kHz (the head's effect on
   sound) and a gentle high-pass around 38 Hz (we hear deep bass as less loud).
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

The arithmetic is vectorised: the K-filter runs once with ``scipy.signal.sosfilt``,
squares are summed per 10 ms (or 100 ms) hop, and every block is a sum of whole hops,
so 400 ms and 3 s blocks cost almost nothing more. Sums of hops are added directly (no
running-sum subtraction), so a silent stretch sums to exactly 0 and reads ``-inf``.

Conventions: samples are shaped ``(channels, frames)``; "nothing to measure" (silence,
everything below the -70 LUFS gate, or audio shorter than one block) reads ``-inf``,
never a number invented by a floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy import signal

from studio.audio import as_samples
from studio.dsp.truepeak import non_finite_message
from studio.errors import AudioDataError

__all__ = [
    "ABSOLUTE_GATE_LUFS",
    "AnalogBiquad",
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
    "k_weighting_sos",
    "loudness_profile",
    "loudness_range",
    "momentary_loudness",
    "short_term_loudness",
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
    """Return the BS.1770 K-weighting filter for sample rate ``sr``.

    The standard gives coefficients for 48 kHz only. Here they are turned back into
    their analog prototypes (:data:`PRE_FILTER`, :data:`RLB_FILTER`) and designed afresh
    for ``sr`` with the same pre-warped bilinear transform, so at 48 kHz the published
    numbers come back (to about 1e-15) and at other rates the response has the same
    corner frequencies, Q and gains (pyloudnorm's default filter instead is a separate
    design, 0.04 dB off at 48 kHz).

    How closely a biquad can follow the 48 kHz response depends on the rate, because
    the bilinear transform squeezes the curve towards Nyquist: at 32 kHz and above it
    stays within 0.015 dB (to 20 kHz), at 22.05 kHz within 0.03 dB, at 16 kHz 0.07 dB,
    and at 8 kHz up to 0.3 dB (a 1 kHz tone reads 0.2 dB low there; below 500 Hz the
    error is under 0.02 dB).

    Parameters
    ----------
    sr : int
        Sample rate in Hz, 8000 to 192000 (the shelf corner must stay below Nyquist).

    Returns
    -------
    numpy.ndarray
        Two second-order sections, shape ``(2, 6)``, for ``scipy.signal.sosfilt``.
    """
    if not 2.0 * PRE_FILTER.corner_hz < sr <= 768000:
        raise AudioDataError(
            f"K-weighting: sample rate {sr!r} Hz is outside the supported range "
            "(above 3.4 kHz, up to 768 kHz; loudness meters are specified for 8-192 kHz)."
        )
    return np.stack([PRE_FILTER.to_digital(sr), RLB_FILTER.to_digital(sr)])


#: Below this state magnitude (about -2000 dB) a K-filter in digital silence is at rest.
_AT_REST = 1e-100


def k_weight(samples: np.ndarray, sr: int) -> np.ndarray:
    """Return the K-weighted signal (float64, same shape): what a loudness meter "hears".

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
    sos = k_weighting_sos(sr)
    n_ch, n = x.shape
    step = 2 * int(sr)  # two seconds
    y = np.empty((n_ch, n), dtype=np.float64)
    for c in range(n_ch):
        state = np.zeros((sos.shape[0], 2))
        for start in range(0, n, step):
            chunk = x[c, start : start + step]
            if np.max(np.abs(state)) < _AT_REST and not chunk.any():
                y[c, start : start + step] = 0.0
                state[:] = 0.0
            else:
                y[c, start : start + step], state = signal.sosfilt(sos, chunk, zi=state)
    return y


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


class _Hops(NamedTuple):
    """Channel-weighted sums of squared K-weighted samples, one per hop."""

    energy: np.ndarray  # (n_hops,) sum over channels of weight * sum of squares
    edges: np.ndarray  # (n_hops + 1,) sample index where each hop starts (and the end)
    sr: int
    hop_s: float


def _hop_energy(
    samples: np.ndarray,
    sr: int,
    hop_s: float,
    weights: Sequence[float] | None,
    what: str,
) -> _Hops:
    x = as_samples(samples, what=what)
    w = _resolve_weights(x.shape[0], weights)
    n_frames = x.shape[1]
    n_hops = int(np.floor(n_frames / (hop_s * sr) + 1e-9))
    edges = np.rint(np.arange(n_hops + 1) * (hop_s * sr)).astype(np.int64)
    if n_hops == 0:
        return _Hops(np.zeros(0), edges, sr, hop_s)
    y = k_weight(x[:, : edges[-1]], sr)
    hop = edges[1] - edges[0]
    with np.errstate(over="ignore", invalid="ignore"):  # reported just below
        if np.all(np.diff(edges) == hop):  # whole samples per hop: a reshape, no copy
            blocks = y.reshape(y.shape[0], n_hops, hop)
            per_channel = np.einsum("chn,chn->ch", blocks, blocks)
        else:  # e.g. 11025 Hz: 110.25 samples per 10 ms, hops of 110 or 111 samples
            per_channel = np.add.reduceat(np.square(y), edges[:-1], axis=-1)
        energy = w @ per_channel
    if not np.all(np.isfinite(energy)):
        if np.all(np.isfinite(x)):
            raise AudioDataError(
                f"{what}: samples are too far beyond full scale to measure "
                f"(largest magnitude {np.max(np.abs(x)):.3g})."
            )
        raise AudioDataError(f"{what}: {non_finite_message(x)}")
    return _Hops(energy, edges, sr, hop_s)


def _window_power(hops: _Hops, window_s: float, step: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Mean-square power of windows of ``window_s`` made of whole hops, and end times.

    Window ``i`` covers hops ``i*step .. i*step + n - 1``. Sums are direct (no running-sum
    subtraction), so they are exact zeros where the audio is silent.
    """
    n = int(round(window_s / hops.hop_s))
    if hops.energy.size < n:
        return np.zeros(0), np.zeros(0)
    sums = np.lib.stride_tricks.sliding_window_view(hops.energy, n)[::step].sum(axis=-1)
    starts = hops.edges[: hops.energy.size - n + 1 : step]
    ends = hops.edges[n::step]
    return sums / (ends - starts), ends / hops.sr


def _to_lufs(power: np.ndarray | float) -> np.ndarray | float:
    with np.errstate(divide="ignore"):
        return LOUDNESS_OFFSET_DB + 10.0 * np.log10(power)


def _gated(power: np.ndarray, relative_gate_lu: float) -> np.ndarray:
    """Block powers that pass the absolute gate and then the relative gate."""
    loud = power[_to_lufs(power) > ABSOLUTE_GATE_LUFS]
    if loud.size == 0:
        return loud
    threshold = _to_lufs(np.mean(loud)) + relative_gate_lu
    return loud[_to_lufs(loud) > threshold]


def _integrated_from(hops: _Hops) -> float:
    step = int(round(GATING_HOP_S / hops.hop_s))
    power, _ = _window_power(hops, MOMENTARY_WINDOW_S, step)
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
    """Everything :func:`loudness_profile` measures in one pass."""

    integrated_lufs: float
    lra_lu: float
    momentary: LoudnessSeries
    short_term: LoudnessSeries


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
    """Integrated (programme) loudness in LUFS, per ITU-R BS.1770-4.

    The one number streaming services and broadcasters normalise to (-14 LUFS on
    Spotify, -23 LUFS in EBU R 128): the gated average loudness of the whole piece.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples (1-D is mono). See :func:`default_channel_weights`
        for the channel order assumed for surround.
    sr : int
        Sample rate in Hz (8 kHz to 192 kHz).
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
        If the samples contain NaN or infinite values.
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


def loudness_profile(
    samples: np.ndarray,
    sr: int,
    *,
    channel_weights: Sequence[float] | None = None,
    what: str = "audio",
) -> LoudnessProfile:
    """Integrated loudness, LRA, and the momentary and short-term curves in one pass.

    Same definitions as :func:`integrated_loudness`, :func:`loudness_range`,
    :func:`momentary_loudness` and :func:`short_term_loudness`, sharing one K-filter
    pass and one set of 10 ms hop sums (the gating blocks and LRA windows are every
    10th hop, so the results are the same).
    """
    hops = _hop_energy(samples, sr, SERIES_HOP_S, channel_weights, what)
    return LoudnessProfile(
        integrated_lufs=_integrated_from(hops),
        lra_lu=_range_from(hops),
        momentary=_series(hops, MOMENTARY_WINDOW_S),
        short_term=_series(hops, SHORT_TERM_WINDOW_S),
    )
