"""Stereo image: correlation, the vectorscope, and what survives a fold to mono.

* **Correlation** (Pearson's, of the left and right samples): +1 when both channels
  carry the same signal (mono, centred), 0 when they are unrelated (wide, decorrelated
  reverb or double-tracked guitars), -1 when one is the other upside down (a polarity
  error: the sound vanishes in mono). A correlation meter that dips below 0 for long is
  a warning. :func:`correlation_over_time` gives it every 10 ms over 400 ms windows,
  like a meter; :func:`stereo_correlation` one number for the whole piece.
* **Vectorscope** (goniometer): every sample drawn as a point, mid ``(L+R)/2`` up and
  side ``(L-R)/2`` across. A mono sound is a vertical line, a hard-left sound a
  diagonal, a wide mix a round cloud, an out-of-phase one a horizontal smear
  (:func:`vectorscope`).
* **Mono compatibility**: many listeners hear a mono fold (phones, club systems,
  smart speakers). :func:`mono_compatibility` says how much quieter the fold is, in LU
  of integrated loudness and per octave band, so you can see which part of the mix
  disappears.

Mono audio counts as both channels alike (correlation +1, nothing lost in the fold).
For surround, correlation and the vectorscope use the first two channels (front left
and right); a mono fold of surround needs a downmix rule and is not offered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from studio.audio import Audio
from studio.errors import AudioDataError
from studio.text import t

__all__ = [
    "CorrelationOverTime",
    "HopSums",
    "MonoCompatibility",
    "Vectorscope",
    "correlation_over_time",
    "hop_sums",
    "mono_compatibility",
    "stereo_correlation",
    "vectorscope",
]

#: Correlation meter window and step (a 400 ms window like the momentary meter).
CORRELATION_WINDOW_S = 0.4
CORRELATION_HOP_S = 0.01
#: A channel whose variance in a window is below this share of its mean square counts as
#: silent (or pure DC) there: no correlation can be read.
_SILENT = 1e-12


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


def _check_audio(audio: Audio, what: str) -> None:
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"{what}() takes a studio.Audio, got {type(audio).__name__}; wrap samples "
            "with studio.Audio(samples, sr)."
        )


def _check_finite(samples: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(samples)):
        from studio.dsp.truepeak import non_finite_message

        raise AudioDataError(f"{what}: {non_finite_message(np.asarray(samples))}")


class HopSums(NamedTuple):
    """Sums over each hop of the left and right samples, their squares and product.

    Mono audio is its own left and right. ``rest`` holds the same six sums for the
    samples after the last whole hop, so totals cover every sample.
    """

    edges: np.ndarray  # (n_hops + 1,) sample index where each hop starts (and the end)
    sum_l: np.ndarray
    sum_r: np.ndarray
    sum_ll: np.ndarray
    sum_rr: np.ndarray
    sum_lr: np.ndarray
    sum_sq: np.ndarray  # (n_channels, n_hops) sum of squares of every channel
    rest: tuple[float, float, float, float, float, np.ndarray]
    sr: int
    n_frames: int


def _hop_dot(a: np.ndarray, b: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum of ``a * b`` over each hop along the last axis, as float64.

    Whole-sample hops are a reshape and one ``einsum`` (no product array is made).
    """
    n_hops = edges.size - 1
    if n_hops == 0:
        return np.zeros(a.shape[:-1] + (0,))
    end, hop = int(edges[-1]), int(edges[1] - edges[0])
    if np.all(np.diff(edges) == hop):
        shape = a.shape[:-1] + (n_hops, hop)
        blocks_a = a[..., :end].reshape(shape)
        blocks_b = b[..., :end].reshape(shape)
        return np.einsum("...hn,...hn->...h", blocks_a, blocks_b).astype(np.float64)
    return np.add.reduceat(a[..., :end] * b[..., :end], edges[:-1], axis=-1).astype(np.float64)


def _hop_sum(a: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum of ``a`` over each hop along the last axis, as float64."""
    n_hops = edges.size - 1
    if n_hops == 0:
        return np.zeros(a.shape[:-1] + (0,))
    end, hop = int(edges[-1]), int(edges[1] - edges[0])
    if np.all(np.diff(edges) == hop):
        return a[..., :end].reshape(a.shape[:-1] + (n_hops, hop)).sum(axis=-1).astype(np.float64)
    return np.add.reduceat(a[..., :end], edges[:-1], axis=-1).astype(np.float64)


def hop_sums(samples: np.ndarray, sr: int, *, hop_s: float = CORRELATION_HOP_S) -> HopSums:
    """Per-hop sums of the samples, squares and the left-right product (one pass each).

    The raw material for correlation over time, RMS and crest factor over time: any
    window made of whole hops is a sum of hop sums. ``samples`` is ``(channels, frames)``.
    """
    x = np.asarray(samples)
    n_ch, n = x.shape
    n_hops = int(math.floor(n / (hop_s * sr) + 1e-9))
    edges = np.rint(np.arange(n_hops + 1) * (hop_s * sr)).astype(np.int64)
    left, right = x[0], x[1] if n_ch > 1 else x[0]
    sum_sq = _hop_dot(x, x, edges)
    tail_l, tail_r = left[int(edges[-1]) :], right[int(edges[-1]) :]
    tail_sq = np.einsum("cn,cn->c", x[:, int(edges[-1]) :], x[:, int(edges[-1]) :])
    return HopSums(
        edges=edges,
        sum_l=_hop_sum(left, edges),
        sum_r=_hop_sum(right, edges),
        sum_ll=sum_sq[0],
        sum_rr=sum_sq[1] if n_ch > 1 else sum_sq[0],
        sum_lr=_hop_dot(left, right, edges) if n_ch > 1 else sum_sq[0],
        sum_sq=sum_sq,
        rest=(
            float(np.sum(tail_l, dtype=np.float64)),
            float(np.sum(tail_r, dtype=np.float64)),
            float(np.dot(tail_l, tail_l)),
            float(np.dot(tail_r, tail_r)),
            float(np.dot(tail_l, tail_r)),
            tail_sq.astype(np.float64),
        ),
        sr=int(sr),
        n_frames=int(n),
    )


def _pearson(
    n: np.ndarray | float,
    sl: np.ndarray | float,
    sr: np.ndarray | float,
    sll: np.ndarray | float,
    srr: np.ndarray | float,
    slr: np.ndarray | float,
) -> np.ndarray:
    """Pearson correlation from sums; NaN where a channel is silent (or only DC)."""
    n = np.asarray(n, dtype=np.float64)
    var_l = np.asarray(sll) - np.asarray(sl) ** 2 / n
    var_r = np.asarray(srr) - np.asarray(sr) ** 2 / n
    cov = np.asarray(slr) - np.asarray(sl) * np.asarray(sr) / n
    ok = (var_l > _SILENT * np.asarray(sll)) & (var_r > _SILENT * np.asarray(srr))
    ok &= (var_l > 0) & (var_r > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(np.where(ok, var_l * var_r, 1.0))
    return np.where(ok, np.clip(r, -1.0, 1.0), np.nan)


def correlation_from_sums(sums: HopSums, window_hops: int) -> tuple[np.ndarray, np.ndarray]:
    """Correlation of windows of ``window_hops`` whole hops, every hop: ``(times_s, r)``."""
    n_hops = sums.edges.size - 1
    if n_hops < window_hops:
        return np.zeros(0), np.zeros(0)

    def windows(a: np.ndarray) -> np.ndarray:
        return np.lib.stride_tricks.sliding_window_view(a, window_hops).sum(axis=-1)

    n = (sums.edges[window_hops:] - sums.edges[: n_hops - window_hops + 1]).astype(np.float64)
    r = _pearson(
        n,
        windows(sums.sum_l),
        windows(sums.sum_r),
        windows(sums.sum_ll),
        windows(sums.sum_rr),
        windows(sums.sum_lr),
    )
    return sums.edges[window_hops:] / sums.sr, r


def overall_correlation_from_sums(sums: HopSums) -> float:
    """Correlation over every sample, from the hop sums and the rest (NaN if none)."""
    if sums.n_frames == 0:
        return math.nan
    sl, sr, sll, srr, slr, _ = sums.rest
    totals = (
        float(np.sum(sums.sum_l)) + sl,
        float(np.sum(sums.sum_r)) + sr,
        float(np.sum(sums.sum_ll)) + sll,
        float(np.sum(sums.sum_rr)) + srr,
        float(np.sum(sums.sum_lr)) + slr,
    )
    return float(_pearson(float(sums.n_frames), *totals))


@dataclass(frozen=True, eq=False)
class CorrelationOverTime:
    """Stereo correlation over time, as a correlation meter shows it.

    Attributes
    ----------
    times_s : numpy.ndarray
        End of each window in seconds.
    correlation : numpy.ndarray
        Pearson correlation of left and right in each window, -1 .. +1; NaN where a
        channel is silent (no correlation to read; a gap in a plot).
    overall : float
        Correlation over the whole piece (NaN if a channel is silent throughout).
    window_s : float
        Window length in seconds.
    name : str or None
        Name of the audio.
    """

    times_s: np.ndarray
    correlation: np.ndarray
    overall: float
    window_s: float
    name: str | None = None

    @property
    def fraction_negative(self) -> float:
        """Share of the (non-silent) windows with a negative correlation, 0 .. 1."""
        valid = self.correlation[np.isfinite(self.correlation)]
        return float(np.mean(valid < 0.0)) if valid.size else math.nan


def _stereo_samples(audio: Audio, what: str) -> np.ndarray:
    _check_audio(audio, what)
    x = audio.samples
    _check_finite(x, audio.name or "audio")
    return x if x.shape[0] <= 2 else x[:2]


def correlation_over_time(
    audio: Audio,
    *,
    window_s: float = CORRELATION_WINDOW_S,
    hop_s: float = CORRELATION_HOP_S,
) -> CorrelationOverTime:
    """Correlation of left and right in sliding windows: the correlation meter.

    Parameters
    ----------
    audio : Audio
        Stereo (or mono, reading +1; or surround, reading its front pair).
    window_s : float
        Window length in seconds, a whole number of hops (default 0.4 s).
    hop_s : float
        Step between windows in seconds (default 10 ms).

    Returns
    -------
    CorrelationOverTime
    """
    x = _stereo_samples(audio, "correlation_over_time")
    sr = audio.sr
    hops_per_window = float(window_s) / float(hop_s) if hop_s > 0 else math.nan
    if not (
        hop_s * sr >= 1.0
        and hops_per_window >= 1.0
        and abs(hops_per_window - round(hops_per_window)) < 1e-6
    ):
        raise AudioDataError(
            f"correlation_over_time: window_s={window_s!r} must be a whole number of hops "
            f"of hop_s={hop_s!r} s, each at least one sample."
        )
    sums = hop_sums(x, sr, hop_s=hop_s)
    times, r = correlation_from_sums(sums, int(round(hops_per_window)))
    return CorrelationOverTime(
        times_s=_readonly(times),
        correlation=_readonly(r),
        overall=overall_correlation_from_sums(sums),
        window_s=float(window_s),
        name=audio.name,
    )


def stereo_correlation(audio: Audio) -> float:
    """Pearson correlation of left and right over the whole piece, -1 .. +1.

    +1: mono (identical channels); around 0: unrelated channels; -1: one channel is the
    other with its polarity flipped. NaN if a channel is silent.
    """
    x = _stereo_samples(audio, "stereo_correlation")
    return overall_correlation_from_sums(hop_sums(x, audio.sr, hop_s=CORRELATION_HOP_S))


@dataclass(frozen=True, eq=False)
class Vectorscope:
    """Points for a vectorscope (goniometer): side across, mid up.

    Attributes
    ----------
    side : numpy.ndarray
        ``(L - R) / 2`` of each point: the horizontal axis (left channel to the left).
    mid : numpy.ndarray
        ``(L + R) / 2`` of each point: the vertical axis.
    correlation : float
        Correlation of left and right over the same stretch (+1 is a vertical line).
    start_s, end_s : float
        The stretch of audio the points come from.
    name : str or None
        Name of the audio.
    """

    side: np.ndarray
    mid: np.ndarray
    correlation: float
    start_s: float
    end_s: float
    name: str | None = None


def vectorscope(
    audio: Audio,
    *,
    max_points: int = 5000,
    start_s: float = 0.0,
    end_s: float | None = None,
) -> Vectorscope:
    """Mid and side of a sample of points, ready for a scatter plot (a goniometer).

    Reading it: a vertical line is mono (identical channels); leaning towards a
    diagonal, a sound panned that way (hard left lies on the upper-left diagonal); a
    round cloud, a wide, decorrelated stereo image; wider than tall, a lot of
    out-of-phase content that will thin out or vanish in mono.

    Parameters
    ----------
    audio : Audio
        Stereo audio (mono draws a vertical line; surround uses its front pair).
    max_points : int
        At most this many points (one random sample in each of ``max_points`` equal
        stretches, the same every call, so a plot stays light and periodic sounds are
        not aliased into a few dots).
    start_s, end_s : float
        The stretch to look at (default: all of it).

    Returns
    -------
    Vectorscope
    """
    if not (isinstance(max_points, int) and max_points >= 1):
        raise AudioDataError(
            f"vectorscope: max_points must be a whole number >= 1, got {max_points!r}."
        )
    _check_audio(audio, "vectorscope")
    part = audio.segment(start_s, end_s)
    if part.n_frames == 0:
        raise AudioDataError(
            f"vectorscope: there are no samples between start_s={start_s!r} and "
            f"end_s={end_s!r} (the audio is {audio.duration_s:.2f} s long)."
        )
    x = _stereo_samples(part, "vectorscope")
    left, right = x[0], x[1] if x.shape[0] > 1 else x[0]
    n = left.size
    if n > max_points:
        stride = n / max_points
        jitter = np.random.default_rng(0).random(max_points)
        index = np.minimum((np.arange(max_points) + jitter) * stride, n - 1).astype(np.int64)
    else:
        index = np.arange(n)
    left_points = left[index].astype(np.float64)
    right_points = right[index].astype(np.float64)
    sums = hop_sums(x, part.sr, hop_s=CORRELATION_HOP_S)
    start = max(0, round(start_s * audio.sr)) / audio.sr
    return Vectorscope(
        side=_readonly((left_points - right_points) / 2.0),
        mid=_readonly((left_points + right_points) / 2.0),
        correlation=overall_correlation_from_sums(sums),
        start_s=start,
        end_s=start + part.duration_s,
        name=audio.name,
    )


@dataclass(frozen=True, eq=False)
class MonoCompatibility:
    """How much of a stereo mix survives a fold to mono ``(L + R) / 2``.

    Attributes
    ----------
    stereo_lufs, mono_lufs : float
        Integrated loudness of the stereo mix and of its mono fold (played on both
        speakers).
    loss_lu : float
        ``stereo_lufs - mono_lufs``: 0 for a mono-compatible mix, about 3 LU for
        unrelated channels, ``inf`` if the fold cancels out completely; NaN if the mix
        is silent.
    centres_hz : numpy.ndarray
        Octave (or fractional-octave) band mid-band frequencies in Hz.
    labels : tuple of str
        Nominal band names.
    band_loss_db : numpy.ndarray
        Level lost in each band in dB (channel-average power of the stereo mix over the
        power of the fold): where the mix thins out (NaN where the band is silent).
    name : str or None
        Name of the audio.
    """

    stereo_lufs: float
    mono_lufs: float
    loss_lu: float
    centres_hz: np.ndarray
    labels: tuple[str, ...]
    band_loss_db: np.ndarray
    name: str | None = None

    def summary(self) -> str:
        """One or two lines in plain words."""
        if not math.isfinite(self.stereo_lufs):
            return t("analysis.mono_fold.silent")
        if self.loss_lu == math.inf:
            return t("analysis.mono_fold.cancels")
        lines = [t("analysis.mono_fold.loss", loss_lu=self.loss_lu)]
        finite = np.where(np.isfinite(self.band_loss_db), self.band_loss_db, -np.inf)
        worst = int(np.argmax(finite))
        if finite[worst] >= 3.0:
            band, loss_db = self.labels[worst], finite[worst]
            lines.append(t("analysis.mono_fold.worst_band", band=band, loss_db=loss_db))
        return "\n".join(lines)


def mono_compatibility(audio: Audio, *, fraction: int = 1) -> MonoCompatibility:
    """Loudness lost when a stereo mix is folded to mono, overall and per band.

    Parameters
    ----------
    audio : Audio
        Mono or stereo audio (mono loses nothing).
    fraction : int
        Bands of 1/``fraction`` octave for the per-band loss (1, 2, 3, 6, 12 or 24).

    Returns
    -------
    MonoCompatibility

    Raises
    ------
    AudioDataError
        For more than two channels (fold surround to stereo first).
    """
    from studio.analysis.spectrum import octave_bands
    from studio.dsp.loudness import loudness_profile

    _check_audio(audio, "mono_compatibility")
    if audio.n_channels > 2:
        raise AudioDataError(
            f"mono_compatibility: {audio.name or 'audio'} has {audio.n_channels} channels; "
            "a mono fold is defined here for mono or stereo (fold surround to stereo first)."
        )
    profile = loudness_profile(audio.samples, audio.sr, what=audio.name or "audio")
    stereo, mono = profile.integrated_lufs, profile.mono_fold_lufs
    if not math.isfinite(stereo):
        loss = math.nan
    else:
        loss = stereo - mono  # inf when the fold cancels
    folded = audio.with_samples(audio.samples.mean(axis=0, keepdims=True))
    both = octave_bands(audio, fraction=fraction)
    fold = octave_bands(folded, fraction=fraction)
    with np.errstate(invalid="ignore"):
        band_loss = both.level_dbfs - fold.level_dbfs
    band_loss = np.where(np.isneginf(both.level_dbfs), np.nan, band_loss)
    return MonoCompatibility(
        stereo_lufs=stereo,
        mono_lufs=mono,
        loss_lu=float(loss),
        centres_hz=both.centres_hz,
        labels=both.labels,
        band_loss_db=_readonly(band_loss),
        name=audio.name,
    )
