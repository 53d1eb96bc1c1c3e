"""The loudness meter: one call, every number a mastering engineer reads.

``measure(audio)`` gives a :class:`Measurement` with the integrated loudness (LUFS), the
loudness range (LU), the momentary and short-term loudness over time, the true peak
(dBTP), the sample peak (dBFS) and the peak-to-loudness ratio (PLR). ``print(m)`` shows
them as a short table with units and a line on what each one means.

The definitions are those of ITU-R BS.1770 and EBU R 128 / Tech 3341 / Tech 3342; see
:mod:`studio.dsp.loudness` and :mod:`studio.dsp.truepeak` for how each is computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.audio import Audio
from studio.errors import AudioDataError

__all__ = ["Measurement", "measure"]

_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1 surround", 8: "7.1 surround"}


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
    name: str | None = None

    def summary(self) -> str:
        """A short table in plain words: value, unit and what it tells you."""
        minutes, seconds = divmod(round(self.duration_s, 1), 60.0)
        layout = _LAYOUTS.get(self.n_channels, f"{self.n_channels} channels")
        title = f"{self.name!r}: " if self.name else ""
        rows = [
            ("Integrated loudness", self.integrated_lufs, "LUFS", "average loudness, gated"),
            ("Loudness range", self.lra_lu, "LU", "quiet-to-loud spread"),
            ("Max momentary", self.max_momentary_lufs, "LUFS", "loudest 0.4 s"),
            ("Max short-term", self.max_short_term_lufs, "LUFS", "loudest 3 s"),
            ("True peak", self.true_peak_dbtp, "dBTP", "highest peak, between samples too"),
            ("Sample peak", self.sample_peak_dbfs, "dBFS", "highest sample value"),
            ("Peak to loudness", self.plr_db, "dB", "true peak minus loudness (PLR)"),
        ]
        lines = [
            f"{title}{layout}, {int(minutes)}:{seconds:04.1f} at {self.sr} Hz",
            *(
                f"  {label:<20}{_fmt(value):>7} {unit:<5} {meaning}"
                for label, value, unit, meaning in rows
            ),
        ]
        if not all(math.isfinite(v) for _, v, _, _ in rows):
            lines.append("  (-inf: nothing to measure: silence, below -70 LUFS, or too short)")
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


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "-inf" if value < 0 else "inf"
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


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
    from studio.dsp.loudness import loudness_profile
    from studio.dsp.truepeak import measure_peaks

    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"measure() takes a studio.Audio, got {type(audio).__name__}; wrap samples "
            "with studio.Audio(samples, sr)."
        )
    what = audio.name or "audio"
    samples, sr = audio.samples, audio.sr
    peaks = measure_peaks(samples, sr, what=what)  # first: it also rejects NaN and Inf
    profile = loudness_profile(samples, sr, what=what)
    true_peak = peaks.true_peak_dbtp
    integrated = profile.integrated_lufs
    plr = true_peak - integrated if math.isfinite(integrated) else -math.inf
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
        name=audio.name,
    )
