"""Dynamics: how far the peaks stand above the body of the sound, overall and over time.

Three numbers engineers use, from fast to slow:

* **Crest factor** = sample peak - RMS level, in dB: how spiky the waveform is. A sine
  has 3.01 dB, a square wave 0 dB, a drum loop 15-20 dB, a heavily limited master
  6-8 dB. Here it is measured over all channels together: the highest sample of any
  channel against the RMS of all samples (identical channels read like one channel).
* **PLR** (peak-to-loudness ratio) = true peak - integrated loudness, for the whole
  piece (see :mod:`studio.analysis.meter`).
* **PSR** (peak-to-short-term-loudness ratio) = the true peak within a 3 s window -
  the short-term loudness of that window, every step along the song: the
  "dynamics meter" of mastering tools. Around 6-8 dB the sound is dense and loud,
  below 6 dB it is squashed (the transients have been flattened), 10 dB and more it
  breathes. Its minimum shows the most crushed moment, its median the usual density.
  Windows quieter than the -70 LUFS gate have no PSR (NaN, a gap in the plot).

RMS here is the plain root mean square in dBFS: a full-scale square wave is 0 dBFS, a
full-scale sine -3.01 dBFS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.audio import Audio
from studio.dsp.units import power_to_db
from studio.errors import AudioDataError

__all__ = [
    "DynamicsOverTime",
    "crest_factor_db",
    "dynamics_over_time",
    "psr_from",
    "psr_summary",
    "rms_dbfs",
    "window_max",
]

#: PSR is not defined for windows below BS.1770's absolute gate (nothing to hear).
PSR_GATE_LUFS = -70.0


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


def _db(power: np.ndarray | float) -> np.ndarray | float:
    return power_to_db(power)


def psr_from(short_term_lufs: np.ndarray, window_true_peak_dbtp: np.ndarray) -> np.ndarray:
    """PSR in dB per window: true peak minus short-term loudness; NaN below the gate."""
    loudness = np.asarray(short_term_lufs, dtype=np.float64)
    peak = np.asarray(window_true_peak_dbtp, dtype=np.float64)
    gated = loudness > PSR_GATE_LUFS
    with np.errstate(invalid="ignore"):
        return np.where(gated, peak - np.where(gated, loudness, 0.0), np.nan)


def window_max(values: np.ndarray, window: int) -> np.ndarray:
    """Maximum of each run of ``window`` consecutive values (a sliding maximum)."""
    if values.size < window:
        return np.zeros(0)
    return np.lib.stride_tricks.sliding_window_view(values, window).max(axis=-1)


def psr_summary(psr_db: np.ndarray) -> tuple[float, float]:
    """``(min, median)`` of the defined PSR values; NaN when there are none."""
    valid = psr_db[np.isfinite(psr_db)]
    if valid.size == 0:
        return math.nan, math.nan
    return float(valid.min()), float(np.median(valid))


def rms_dbfs(audio: Audio) -> float:
    """RMS level of all samples in dBFS (full-scale square 0 dB, sine -3.01 dB).

    ``-inf`` for silence.
    """
    _check_audio(audio, "rms_dbfs")
    x = audio.samples
    if x.size == 0:
        return -math.inf
    power = float(np.einsum("cn,cn->", x, x, dtype=np.float64)) / x.size
    if not math.isfinite(power):
        from studio.dsp.truepeak import non_finite_message

        raise AudioDataError(f"{audio.name or 'audio'}: {non_finite_message(x)}")
    return float(_db(power))


def crest_factor_db(audio: Audio) -> float:
    """Crest factor in dB: sample peak minus RMS, over all channels together.

    3.01 dB for a sine, 0 dB for a square wave, 15-20 dB for unprocessed drums. NaN for
    silence (there is no peak to compare).
    """
    from studio.dsp.truepeak import sample_peak_dbfs

    _check_audio(audio, "crest_factor_db")
    peak = sample_peak_dbfs(audio.samples, what=audio.name or "audio")
    rms = rms_dbfs(audio)
    return peak - rms if math.isfinite(rms) else math.nan


@dataclass(frozen=True, eq=False)
class DynamicsOverTime:
    """Dynamics measured in sliding windows along the piece.

    Attributes
    ----------
    times_s : numpy.ndarray
        End of each window in seconds.
    loudness_lufs : numpy.ndarray
        Loudness of each window in LUFS (the short-term loudness for 3 s windows).
    true_peak_dbtp : numpy.ndarray
        Highest true peak in each window in dBTP.
    psr_db : numpy.ndarray
        ``true_peak_dbtp - loudness_lufs``; NaN below the -70 LUFS gate.
    crest_factor_db : numpy.ndarray
        Sample peak minus RMS in each window (all channels together); NaN if silent.
    window_s : float
        Window length in seconds.
    name : str or None
        Name of the audio.
    """

    times_s: np.ndarray
    loudness_lufs: np.ndarray
    true_peak_dbtp: np.ndarray
    psr_db: np.ndarray
    crest_factor_db: np.ndarray
    window_s: float
    name: str | None = None

    @property
    def min_psr_db(self) -> float:
        """The most squashed moment (lowest PSR); NaN if nothing was loud enough."""
        return psr_summary(self.psr_db)[0]

    @property
    def median_psr_db(self) -> float:
        """The typical density of the piece (median PSR); NaN if nothing was measured."""
        return psr_summary(self.psr_db)[1]


def dynamics_over_time(
    audio: Audio, *, window_s: float = 3.0, hop_s: float = 0.1
) -> DynamicsOverTime:
    """PSR, loudness, true peak and crest factor in sliding windows: dynamics over time.

    With the default 3 s window the PSR is the one mastering meters show. A chorus
    whose PSR drops well below the verses' has been pushed harder into a limiter; a
    steady 5 dB from start to end is a master with little life left.

    Parameters
    ----------
    audio : Audio
        The audio to analyse.
    window_s : float
        Window length in seconds, a whole number of hops.
    hop_s : float
        Step between windows in seconds.

    Returns
    -------
    DynamicsOverTime
    """
    from studio.analysis.stereo import hop_sums
    from studio.dsp.loudness import windowed_loudness
    from studio.dsp.truepeak import peak_envelope

    _check_audio(audio, "dynamics_over_time")
    what = audio.name or "audio"
    x, sr = audio.samples, audio.sr
    peaks = peak_envelope(x, sr, hop_s=hop_s, what=what)  # also rejects NaN and Inf
    loudness = windowed_loudness(x, sr, window_s=window_s, hop_s=hop_s, what=what)
    window = int(round(window_s / hop_s))
    true_peak = window_max(np.max(peaks.true_peak_dbtp, axis=0, initial=-np.inf), window)
    sample_peak = window_max(np.max(peaks.sample_peak_dbfs, axis=0, initial=-np.inf), window)
    sums = hop_sums(x, sr, hop_s=hop_s)
    energy = sums.sum_sq.sum(axis=0)
    if energy.size >= window:
        window_energy = np.lib.stride_tricks.sliding_window_view(energy, window).sum(axis=-1)
        counts = (sums.edges[window:] - sums.edges[: energy.size - window + 1]) * x.shape[0]
        rms = _db(window_energy / counts)
    else:
        rms = np.zeros(0)
    with np.errstate(invalid="ignore"):
        crest = np.where(np.isfinite(rms), sample_peak - rms, np.nan)
    return DynamicsOverTime(
        times_s=_readonly(loudness.times_s),
        loudness_lufs=_readonly(loudness.lufs),
        true_peak_dbtp=_readonly(true_peak),
        psr_db=_readonly(psr_from(loudness.lufs, true_peak)),
        crest_factor_db=_readonly(crest),
        window_s=float(window_s),
        name=audio.name,
    )
