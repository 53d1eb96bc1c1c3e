"""The loudness meter: one call, every number a mastering engineer reads.

``measure(audio)`` gives a :class:`Measurement` with the integrated loudness (LUFS), the
loudness range (LU), the momentary and short-term loudness over time, the true peak
(dBTP), the sample peak (dBFS), the peak-to-loudness ratio (PLR), the RMS level and
crest factor, the peak-to-short-term-loudness ratio (PSR) over time, the stereo
correlation (overall and over time) and how much loudness a fold to mono loses.
``print(m)`` shows them as a short table with units and a line on what each one means.

The loudness definitions are those of ITU-R BS.1770 and EBU R 128 / Tech 3341 /
Tech 3342; see :mod:`studio.dsp.loudness` and :mod:`studio.dsp.truepeak` for how each
is computed, :mod:`studio.analysis.dynamics` for crest factor and PSR, and
:mod:`studio.analysis.stereo` for correlation and the mono fold.

Everything comes from three passes over the samples, each reduced to 10 ms hops: the
K-weighted energies (loudness, the mono fold), the oversampled peaks (true peak, PSR)
and plain sums (RMS, correlation). Longer windows are sums of hops, so the curves cost
almost nothing more. A 3-minute stereo song at 48 kHz measures in well under a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.audio import Audio
from studio.errors import AudioDataError
from studio.text import t

__all__ = ["Measurement", "measure"]

# channel count -> its name in analysis.toml ([meter.layouts])
_LAYOUTS = {1: "mono", 2: "stereo", 6: "surround_5_1", 8: "surround_7_1"}


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class Measurement:
    """Loudness and peak figures of one piece of audio.

    ``-inf`` means "nothing to measure": silence, everything below the -70 LUFS gate, or
    audio too short for the window (400 ms for loudness, 3 s for short-term and range).

    Attributes
    ----------
    integrated_lufs : float
        Programme loudness (gated, ITU-R BS.1770): what streaming services normalise.
    lra_lu : float
        Loudness range (EBU Tech 3342): how far apart quiet and loud passages are.
    true_peak_dbtp : float
        Highest peak of the rebuilt waveform, between samples included (BS.1770 Annex 2).
    sample_peak_dbfs : float
        Highest sample value.
    plr_db : float
        Peak-to-loudness ratio: ``true_peak_dbtp - integrated_lufs``. Small (under
        ~8 dB) for squashed masters, large (12 dB and up) for open, dynamic ones.
    max_momentary_lufs, max_short_term_lufs : float
        The loudest 400 ms and the loudest 3 s.
    momentary_lufs, short_term_lufs : numpy.ndarray
        Loudness over time (400 ms and 3 s windows) every 10 ms.
    momentary_times_s, short_term_times_s : numpy.ndarray
        The end of each window in seconds (the time a live meter would show the value).
    sr : int
        Sample rate in Hz.
    duration_s : float
        Length in seconds.
    n_channels : int
        Number of channels measured.
    rms_dbfs : float
        RMS level of all samples together (a full-scale sine is -3.01 dBFS).
    crest_factor_db : float
        ``sample_peak_dbfs - rms_dbfs`` over all channels together: 3.01 dB for a
        sine, 0 dB for a square wave, 15-20 dB for raw drums; NaN for silence.
    psr_over_time_db : numpy.ndarray
        Peak-to-short-term-loudness ratio of each 3 s window (its highest true peak
        minus its short-term loudness), at ``short_term_times_s``; NaN where the window
        is below -70 LUFS. The dynamics meter of mastering tools.
    min_psr_db, median_psr_db : float
        The most squashed 3 s (lowest PSR) and the typical PSR; NaN if none.
    correlation : float
        Pearson correlation of left and right over the whole piece (+1 mono, 0
        unrelated, -1 inverted); +1 for mono audio; front pair for surround; NaN if
        a channel is silent.
    correlation_over_time : numpy.ndarray
        The same in 400 ms windows every 10 ms, at ``correlation_times_s``; NaN where a
        channel is silent.
    correlation_times_s : numpy.ndarray
        End of each correlation window in seconds (the same as ``momentary_times_s``).
    mono_fold_lufs : float
        Integrated loudness of the mono fold ``(L + R) / 2`` on both speakers.
    mono_loss_lu : float
        ``integrated_lufs - mono_fold_lufs``: 0 for identical channels, about 3 LU for
        unrelated ones, ``inf`` when they cancel; 0 for mono audio; NaN for surround
        (a surround fold needs a downmix rule) and when there is nothing to measure.
    name : str or None
        Name of the audio, if it had one.
    """

    integrated_lufs: float
    lra_lu: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    plr_db: float
    max_momentary_lufs: float
    max_short_term_lufs: float
    momentary_lufs: np.ndarray
    short_term_lufs: np.ndarray
    momentary_times_s: np.ndarray
    short_term_times_s: np.ndarray
    sr: int
    duration_s: float
    n_channels: int
    rms_dbfs: float
    crest_factor_db: float
    psr_over_time_db: np.ndarray
    min_psr_db: float
    median_psr_db: float
    correlation: float
    correlation_over_time: np.ndarray
    correlation_times_s: np.ndarray
    mono_fold_lufs: float
    mono_loss_lu: float
    name: str | None = None

    def summary(self) -> str:
        """A short table in plain words: value, unit and what it tells you."""
        minutes, seconds = divmod(round(self.duration_s, 1), 60.0)
        layout = _LAYOUTS.get(self.n_channels)
        fields = {
            "name": repr(self.name),
            "layout": t(f"analysis.meter.layouts.{layout or 'other'}", n=self.n_channels),
            "duration": f"{int(minutes)}:{seconds:04.1f}",
            "sr": self.sr,
        }
        heading = "analysis.meter.heading" if self.name else "analysis.meter.heading_unnamed"
        rows = [  # (row in analysis.toml, value, unit, decimals)
            ("integrated", self.integrated_lufs, "LUFS", 1),
            ("range", self.lra_lu, "LU", 1),
            ("max_momentary", self.max_momentary_lufs, "LUFS", 1),
            ("max_short_term", self.max_short_term_lufs, "LUFS", 1),
            ("true_peak", self.true_peak_dbtp, "dBTP", 1),
            ("sample_peak", self.sample_peak_dbfs, "dBFS", 1),
            ("plr", self.plr_db, "dB", 1),
            ("rms", self.rms_dbfs, "dBFS", 1),
            ("crest", self.crest_factor_db, "dB", 1),
            ("psr_lowest", self.min_psr_db, "dB", 1),
            ("psr_typical", self.median_psr_db, "dB", 1),
            ("correlation", self.correlation, "", 2),
            ("mono_loss", self.mono_loss_lu, "LU", 1),
        ]
        labels = [t(f"analysis.meter.rows.{row}.label") for row, *_ in rows]
        width = max(20, max(len(label) for label in labels) + 1)
        lines = [t(heading, **fields)]
        for label, (row, value, unit, decimals) in zip(labels, rows, strict=True):
            meaning = t(f"analysis.meter.rows.{row}.meaning")
            lines.append(f"  {label:<{width}}{_fmt(value, decimals):>7} {unit:<5} {meaning}")
        values = [value for _, value, _, _ in rows]
        if any(math.isinf(v) and v < 0 for v in values):
            lines.append("  " + t("analysis.meter.note_inf"))
        if any(math.isnan(v) for v in values):
            lines.append("  " + t("analysis.meter.note_nan"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return (
            f"Measurement({name}integrated_lufs={self.integrated_lufs:.1f}, "
            f"lra_lu={self.lra_lu:.1f}, true_peak_dbtp={self.true_peak_dbtp:.1f}, "
            f"plr_db={self.plr_db:.1f})"
        )


def _fmt(value: float, decimals: int = 1) -> str:
    if math.isnan(value):
        return t("analysis.meter.not_available")
    if not math.isfinite(value):
        return "-inf" if value < 0 else "inf"
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def measure(audio: Audio) -> Measurement:
    """Measure loudness and peaks of ``audio`` the way a broadcast loudness meter does.

    Parameters
    ----------
    audio : Audio
        Mono, stereo or surround audio (5.1 in WAV order L R C LFE Ls Rs; see
        :func:`studio.dsp.loudness.default_channel_weights` for the channel weights).

    Returns
    -------
    Measurement
        Every figure, with ``-inf`` where there is nothing to measure.

    Raises
    ------
    AudioDataError
        If the samples contain NaN or infinite values (the message names the audio).

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> t = np.arange(10 * 48000) / 48000
    >>> tone = 10 ** (-23 / 20) * np.sin(2 * np.pi * 1000 * t)
    >>> m = measure(Audio(np.stack([tone, tone]), 48000, "tone"))
    >>> round(m.integrated_lufs, 1), round(m.true_peak_dbtp, 1)
    (-23.0, -23.0)
    """
    # Imported here so that importing the analysis package stays light (scipy.signal
    # loads on the first measurement, not on ``import studio``).
    from studio.analysis.dynamics import psr_from, psr_summary, window_max
    from studio.analysis.stereo import (
        CORRELATION_WINDOW_S,
        correlation_from_sums,
        hop_sums,
        overall_correlation_from_sums,
    )
    from studio.dsp.loudness import SERIES_HOP_S, SHORT_TERM_WINDOW_S, loudness_profile
    from studio.dsp.truepeak import peak_envelope

    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"measure() takes a studio.Audio, got {type(audio).__name__}; wrap samples "
            "with studio.Audio(samples, sr)."
        )
    what = audio.name or "audio"
    samples, sr = audio.samples, audio.sr
    # First: it also rejects NaN and Inf with a message naming the audio.
    envelope = peak_envelope(samples, sr, hop_s=SERIES_HOP_S, what=what)
    peaks = envelope.peaks
    profile = loudness_profile(samples, sr, what=what)
    true_peak = peaks.true_peak_dbtp
    integrated = profile.integrated_lufs
    plr = true_peak - integrated if math.isfinite(integrated) else -math.inf

    # PSR: each short-term window's highest true peak against its loudness.
    hop_peak = np.max(envelope.true_peak_dbtp, axis=0, initial=-np.inf)
    window_peak = window_max(hop_peak, int(round(SHORT_TERM_WINDOW_S / SERIES_HOP_S)))
    psr = psr_from(profile.short_term.lufs, window_peak)
    min_psr, median_psr = psr_summary(psr)

    # RMS, crest factor and correlation from plain sums (front pair for surround).
    pair = samples if samples.shape[0] <= 2 else samples[:2]
    sums = hop_sums(pair, sr, hop_s=SERIES_HOP_S)
    total_square = float(np.sum(sums.sum_sq)) + float(np.sum(sums.rest[5]))
    if samples.shape[0] > 2:
        others = samples[2:]
        total_square += float(np.einsum("cn,cn->", others, others, dtype=np.float64))
    with np.errstate(divide="ignore"):
        rms = 10.0 * math.log10(total_square / samples.size) if total_square > 0 else -math.inf
    crest = peaks.sample_peak_dbfs - rms if math.isfinite(rms) else math.nan
    window_hops = int(round(CORRELATION_WINDOW_S / SERIES_HOP_S))
    correlation_times, correlation_series = correlation_from_sums(sums, window_hops)

    mono = profile.mono_fold_lufs
    if samples.shape[0] > 2 or not math.isfinite(integrated):
        mono_loss = math.nan
    else:
        mono_loss = integrated - mono  # inf when the fold cancels
    return Measurement(
        integrated_lufs=integrated,
        lra_lu=profile.lra_lu,
        true_peak_dbtp=true_peak,
        sample_peak_dbfs=peaks.sample_peak_dbfs,
        plr_db=plr,
        max_momentary_lufs=profile.momentary.max_lufs,
        max_short_term_lufs=profile.short_term.max_lufs,
        momentary_lufs=_readonly(profile.momentary.lufs),
        short_term_lufs=_readonly(profile.short_term.lufs),
        momentary_times_s=_readonly(profile.momentary.times_s),
        short_term_times_s=_readonly(profile.short_term.times_s),
        sr=sr,
        duration_s=audio.duration_s,
        n_channels=audio.n_channels,
        rms_dbfs=rms,
        crest_factor_db=crest,
        psr_over_time_db=_readonly(psr),
        min_psr_db=min_psr,
        median_psr_db=median_psr,
        correlation=overall_correlation_from_sums(sums),
        correlation_over_time=_readonly(correlation_series),
        correlation_times_s=_readonly(correlation_times),
        mono_fold_lufs=mono,
        mono_loss_lu=mono_loss,
        name=audio.name,
    )
