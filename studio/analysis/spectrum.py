"""Spectrum analysis: where the energy of a mix sits, on average and over time.

* :func:`long_term_spectrum`: the average spectrum of the whole piece (Welch's method),
  with :meth:`Spectrum.smoothed` for a 1/N-octave smoothed curve that reads like an
  engineer's analyser;
* :func:`octave_bands`: the level in each octave or fractional-octave band (IEC 61260-1
  base-ten mid-band frequencies: 31.5, 63, 125 ... for octaves);
* :func:`spectrogram`: level over time and frequency, already shrunk for plotting;
* :func:`band_levels_over_time`: one level curve per band, e.g. to watch the low end
  swell in the chorus.

Levels are in dB relative to full scale, as mean square (power): a full-scale sine
reads -3.01 dB at its frequency, and a band holding only that sine reads the same.
Spectrum and spectrogram levels are *per FFT bin*, so broadband noise reads lower
when the resolution is finer (the bin is narrower); band levels do not depend on it.
Stereo and surround are analysed as the average power of their channels.

All results are frozen with read-only arrays; frequencies in Hz, times in seconds
(the centre of each analysis window).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.audio import Audio
from studio.dsp.units import db_to_power, power_to_db
from studio.errors import AudioDataError

__all__ = [
    "BandLevels",
    "BandLevelsOverTime",
    "Spectrogram",
    "Spectrum",
    "band_levels_over_time",
    "band_power_frames",
    "long_term_spectrum",
    "octave_bands",
    "spectrogram",
]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


def _power_db(power: np.ndarray) -> np.ndarray:
    return power_to_db(power)


def _check_audio(audio: Audio, what: str) -> None:
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"{what}() takes a studio.Audio, got {type(audio).__name__}; wrap samples "
            "with studio.Audio(samples, sr)."
        )


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0.0):
        raise AudioDataError(f"{name}: must be a positive number, got {value!r}.")
    return value


@dataclass(frozen=True, eq=False)
class Spectrum:
    """An average spectrum: level per frequency.

    Attributes
    ----------
    freqs_hz : numpy.ndarray
        Frequencies in Hz (evenly spaced from 0 Hz for a raw spectrum, log-spaced for a
        smoothed one).
    level_dbfs : numpy.ndarray
        Power per FFT bin in dB re full scale (a full-scale sine reads -3.01 dB at its
        frequency); ``-inf`` where there is no energy.
    resolution_hz : float
        Spacing of the FFT bins the spectrum was measured with.
    smoothing : str
        ``"none"`` or e.g. ``"1/3 octave"``.
    name : str or None
        Name of the audio.
    """

    freqs_hz: np.ndarray
    level_dbfs: np.ndarray
    resolution_hz: float
    smoothing: str = "none"
    name: str | None = None

    def smoothed(self, fraction: int = 3, *, points_per_octave: int = 48) -> Spectrum:
        """The same spectrum averaged over 1/``fraction``-octave windows, on a log axis.

        The curve an engineer reads: 1/3 octave shows the tonal balance, 1/12 or 1/24
        still shows individual notes and resonances. Output points are log-spaced,
        ``points_per_octave`` per octave, from 20 Hz (or the first bin above 0 Hz) to the
        top of the spectrum.
        """
        from studio.dsp.spectral import check_fraction, smooth_fractional_octave

        b = check_fraction(fraction)
        if self.smoothing != "none":
            raise AudioDataError("Spectrum.smoothed: this spectrum is already smoothed.")
        if not (isinstance(points_per_octave, int) and 1 <= points_per_octave <= 1000):
            raise AudioDataError(
                f"Spectrum.smoothed: points_per_octave must be a whole number from 1 to "
                f"1000, got {points_per_octave!r}."
            )
        f = self.freqs_hz
        low = max(20.0, f[1] if f.size > 1 else 20.0)
        high = f[-1]
        if high <= low:
            raise AudioDataError("Spectrum.smoothed: the spectrum has no range to smooth.")
        n = max(2, int(math.ceil(math.log2(high / low) * points_per_octave)) + 1)
        out_f = np.geomspace(low, high, n)
        power = db_to_power(self.level_dbfs)
        smooth = smooth_fractional_octave(f, power, b, out_f)
        return Spectrum(
            freqs_hz=_readonly(out_f),
            level_dbfs=_readonly(_power_db(smooth)),
            resolution_hz=self.resolution_hz,
            smoothing=f"1/{b} octave",
            name=self.name,
        )

    def peak_hz(self) -> float:
        """Frequency of the highest level (the strongest component)."""
        return float(self.freqs_hz[int(np.argmax(self.level_dbfs))])


@dataclass(frozen=True, eq=False)
class BandLevels:
    """Level in each octave or fractional-octave band.

    Attributes
    ----------
    centres_hz, lower_hz, upper_hz : numpy.ndarray
        Exact IEC 61260-1 base-ten mid-band frequencies and band edges, in Hz.
    labels : tuple of str
        Nominal mid-band frequencies for axis labels (``"31.5"``, ``"1k"``, ...).
    level_dbfs : numpy.ndarray
        Mean-square power in each band in dB re full scale (``-inf``: nothing there).
    fraction : int
        Bandwidth is 1/``fraction`` octave.
    name : str or None
        Name of the audio.
    """

    centres_hz: np.ndarray
    lower_hz: np.ndarray
    upper_hz: np.ndarray
    labels: tuple[str, ...]
    level_dbfs: np.ndarray
    fraction: int
    name: str | None = None


@dataclass(frozen=True, eq=False)
class Spectrogram:
    """Level over time and frequency, shrunk to a size a plot can draw quickly.

    Attributes
    ----------
    times_s : numpy.ndarray
        Centre of each column in seconds.
    freqs_hz : numpy.ndarray
        Centre of each row in Hz, log-spaced.
    level_dbfs : numpy.ndarray
        ``(n_freqs, n_times)`` power per FFT bin in dB re full scale (a full-scale sine
        reads -3.01 dB), the loudest of the frames and bins each cell covers.
    window_s : float
        Length of the analysis window (its frequency resolution is about 1/window_s Hz).
    name : str or None
        Name of the audio.
    """

    times_s: np.ndarray
    freqs_hz: np.ndarray
    level_dbfs: np.ndarray
    window_s: float
    name: str | None = None


@dataclass(frozen=True, eq=False)
class BandLevelsOverTime:
    """One level curve per band: ``level_dbfs[band, frame]`` at ``times_s[frame]``.

    Attributes
    ----------
    times_s : numpy.ndarray
        Centre of each analysis window in seconds.
    centres_hz, lower_hz, upper_hz : numpy.ndarray
        IEC 61260-1 band mid-band frequencies and edges in Hz.
    labels : tuple of str
        Nominal band names for a legend.
    level_dbfs : numpy.ndarray
        ``(n_bands, n_times)`` mean-square power per band in dB re full scale.
    fraction : int
        Bandwidth in octaves is 1/``fraction``.
    window_s, hop_s : float
        Analysis window and step in seconds.
    name : str or None
        Name of the audio.
    """

    times_s: np.ndarray
    centres_hz: np.ndarray
    lower_hz: np.ndarray
    upper_hz: np.ndarray
    labels: tuple[str, ...]
    level_dbfs: np.ndarray
    fraction: int
    window_s: float
    hop_s: float
    name: str | None = None


def _nperseg(sr: int, resolution_hz: float, n_frames: int) -> int:
    """Frame length for a bin spacing of ``resolution_hz``, no longer than the audio."""
    return max(16, min(int(round(sr / resolution_hz)), max(n_frames, 16)))


def long_term_spectrum(audio: Audio, *, resolution_hz: float = 5.0) -> Spectrum:
    """Long-term average spectrum: the tonal balance of the whole piece.

    Welch's method: Hann-windowed frames of ``sr / resolution_hz`` samples, half
    overlapping, their power averaged (and the channels' power averaged). Look for the
    overall tilt (most mixes fall a few dB per octave), a low end that towers over
    everything, or a bump in the midrange; :meth:`Spectrum.smoothed` makes it readable.

    Parameters
    ----------
    audio : Audio
        The audio to analyse.
    resolution_hz : float
        Bin spacing in Hz (default 5 Hz: 9600-sample frames at 48 kHz). Audio shorter
        than one frame is analysed as a single frame, coarser.

    Returns
    -------
    Spectrum
        From 0 Hz to the Nyquist frequency.
    """
    from studio.dsp.spectral import enbw_hz, iter_power_frames

    _check_audio(audio, "long_term_spectrum")
    resolution_hz = _positive("long_term_spectrum: resolution_hz", resolution_hz)
    sr = audio.sr
    nperseg = _nperseg(sr, resolution_hz, audio.n_frames)
    total = np.zeros(nperseg // 2 + 1)
    count = 0
    for _, density in iter_power_frames(
        audio.samples, sr, nperseg=nperseg, hop=max(1, nperseg // 2), what=audio.name or "audio"
    ):
        total += density.sum(axis=0)
        count += density.shape[0]
    level = _power_db(total / count * enbw_hz(nperseg, sr))
    return Spectrum(
        freqs_hz=_readonly(np.arange(nperseg // 2 + 1) * sr / nperseg),
        level_dbfs=_readonly(level),
        resolution_hz=sr / nperseg,
        name=audio.name,
    )


def _bands(
    fraction: int, low_hz: float, high_hz: float, sr: int, what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    from studio.dsp.spectral import fractional_octave_bands, nominal_frequency_label

    centres, lower, upper = fractional_octave_bands(fraction, low_hz=low_hz, high_hz=high_hz, sr=sr)
    if centres.size == 0:
        raise AudioDataError(
            f"{what}: no 1/{fraction}-octave band lies between {low_hz:g} Hz and "
            f"{high_hz:g} Hz below the Nyquist frequency ({sr / 2:g} Hz)."
        )
    labels = tuple(nominal_frequency_label(c, fraction) for c in centres)
    return centres, lower, upper, labels


def octave_bands(
    audio: Audio,
    *,
    fraction: int = 3,
    low_hz: float = 20.0,
    high_hz: float = 20000.0,
    resolution_hz: float | None = None,
) -> BandLevels:
    """Level in each 1/``fraction``-octave band over the whole piece.

    Octave bands (``fraction=1``) give the big picture (how much 63 Hz against
    1 kHz); third octaves (3) are the classic analyser; 6, 12 and 24 get finer. Pink
    noise, which has equal power per octave, reads flat; white noise rises 3 dB per
    octave.

    Parameters
    ----------
    audio : Audio
        The audio to analyse.
    fraction : int
        1, 2, 3, 6, 12 or 24.
    low_hz, high_hz : float
        Range of mid-band frequencies (bands must fit below the Nyquist frequency).
    resolution_hz : float, optional
        FFT bin spacing; by default half the width of the narrowest band (at most
        5 Hz), limited by the length of the audio.

    Returns
    -------
    BandLevels
    """
    from studio.dsp.spectral import band_weights, iter_power_frames

    _check_audio(audio, "octave_bands")
    sr = audio.sr
    centres, lower, upper, labels = _bands(fraction, low_hz, high_hz, sr, "octave_bands")
    if resolution_hz is None:
        resolution_hz = min(5.0, (upper[0] - lower[0]) / 2.0)
    resolution_hz = _positive("octave_bands: resolution_hz", resolution_hz)
    nperseg = _nperseg(sr, resolution_hz, audio.n_frames)
    total = np.zeros(nperseg // 2 + 1)
    count = 0
    for _, density in iter_power_frames(
        audio.samples, sr, nperseg=nperseg, hop=max(1, nperseg // 2), what=audio.name or "audio"
    ):
        total += density.sum(axis=0)
        count += density.shape[0]
    freqs = np.arange(nperseg // 2 + 1) * sr / nperseg
    power = band_weights(freqs, lower, upper) @ (total / count)
    return BandLevels(
        centres_hz=_readonly(centres),
        lower_hz=_readonly(lower),
        upper_hz=_readonly(upper),
        labels=labels,
        level_dbfs=_readonly(_power_db(power)),
        fraction=int(fraction),
        name=audio.name,
    )


def _frame_geometry(sr: int, window_s: float, hop_s: float, what: str) -> tuple[int, int]:
    window_s = _positive(f"{what}: window_s", window_s)
    hop_s = _positive(f"{what}: hop_s", hop_s)
    nperseg = max(16, int(round(window_s * sr)))
    hop = max(1, int(round(hop_s * sr)))
    return nperseg, hop


def band_power_frames(
    audio: Audio,
    lower_hz: np.ndarray,
    upper_hz: np.ndarray,
    *,
    window_s: float,
    hop_s: float,
    what: str = "band_power_frames",
) -> tuple[np.ndarray, np.ndarray]:
    """Power (mean square) in each band for each analysis frame: ``(times_s, power)``.

    ``power`` is ``(n_bands, n_frames)``, linear; ``times_s`` the frame centres. The
    engine behind :func:`band_levels_over_time` and the masking estimate.
    """
    from studio.dsp.spectral import band_weights, frame_count, iter_power_frames

    sr = audio.sr
    nperseg, hop = _frame_geometry(sr, window_s, hop_s, what)
    weights = band_weights(np.arange(nperseg // 2 + 1) * sr / nperseg, lower_hz, upper_hz)
    total = frame_count(audio.n_frames, nperseg, hop)
    power = np.empty((weights.shape[0], total))
    for first, density in iter_power_frames(
        audio.samples, sr, nperseg=nperseg, hop=hop, what=audio.name or "audio"
    ):
        power[:, first : first + density.shape[0]] = (density @ weights.T).T
    times_s = (np.arange(total) * hop + nperseg / 2.0) / sr
    return times_s, power


def band_levels_over_time(
    audio: Audio,
    *,
    fraction: int = 1,
    window_s: float = 0.1,
    hop_s: float = 0.05,
    low_hz: float = 20.0,
    high_hz: float = 20000.0,
) -> BandLevelsOverTime:
    """Level of each octave (or 1/``fraction``-octave) band over time.

    Watch where the energy moves: a bass line filling 63-125 Hz in the chorus, a
    hi-hat pattern in 8 kHz, a vocal's 2-4 kHz presence coming and going.

    Parameters
    ----------
    audio : Audio
        The audio to analyse.
    fraction : int
        1, 2, 3, 6, 12 or 24.
    window_s : float
        Analysis window in seconds. Its resolution is about ``1/window_s`` Hz, so bands
        narrower than that (e.g. third octaves below about 50 Hz with 100 ms) share
        their energy with their neighbours; lengthen it to see deep bass apart.
    hop_s : float
        Step between windows in seconds.
    low_hz, high_hz : float
        Range of band mid-band frequencies.

    Returns
    -------
    BandLevelsOverTime
    """
    _check_audio(audio, "band_levels_over_time")
    centres, lower, upper, labels = _bands(
        fraction, low_hz, high_hz, audio.sr, "band_levels_over_time"
    )
    times_s, power = band_power_frames(
        audio, lower, upper, window_s=window_s, hop_s=hop_s, what="band_levels_over_time"
    )
    return BandLevelsOverTime(
        times_s=_readonly(times_s),
        centres_hz=_readonly(centres),
        lower_hz=_readonly(lower),
        upper_hz=_readonly(upper),
        labels=labels,
        level_dbfs=_readonly(_power_db(power)),
        fraction=int(fraction),
        window_s=float(window_s),
        hop_s=float(hop_s),
        name=audio.name,
    )


def spectrogram(
    audio: Audio,
    *,
    window_s: float = 0.05,
    hop_s: float | None = None,
    low_hz: float = 20.0,
    max_times: int = 1000,
    max_freqs: int = 300,
) -> Spectrogram:
    """Spectrogram: level over time (x) and frequency (y, log-spaced), ready to plot.

    Short-time spectra of Hann-windowed frames (``window_s`` long, every ``hop_s``,
    by default a quarter window), then shrunk for drawing with a peak hold: each of at
    most ``max_times`` columns keeps the loudest of the frames it covers, and each of
    ``max_freqs`` log-spaced rows from ``low_hz`` to the Nyquist frequency keeps the
    loudest bin whose centre lies in it (a row narrower than a bin reads the next bin
    up). So short hits and pure tones keep their level, and a heat map of a whole song
    stays small enough to draw and send to the browser.

    Parameters
    ----------
    audio : Audio
        The audio to analyse.
    window_s : float
        Window length; short windows show timing (drum hits), long ones pitch detail.
    hop_s : float, optional
        Step between frames before shrinking.
    low_hz : float
        Lowest frequency row.
    max_times, max_freqs : int
        Largest number of columns and rows.

    Returns
    -------
    Spectrogram
    """
    from studio.dsp.spectral import enbw_hz, frame_count, iter_power_frames

    _check_audio(audio, "spectrogram")
    for name, value in (("max_times", max_times), ("max_freqs", max_freqs)):
        if not (isinstance(value, int) and value >= 2):
            raise AudioDataError(f"spectrogram: {name} must be a whole number >= 2, got {value!r}.")
    sr = audio.sr
    hop_s = window_s / 4.0 if hop_s is None else hop_s
    nperseg, hop = _frame_geometry(sr, window_s, hop_s, "spectrogram")
    low_hz = _positive("spectrogram: low_hz", low_hz)
    if low_hz >= sr / 2.0:
        raise AudioDataError(
            f"spectrogram: low_hz={low_hz:g} must be below the Nyquist frequency ({sr / 2:g} Hz)."
        )
    cell_edges = np.geomspace(low_hz, sr / 2.0, max_freqs + 1)
    centres = np.sqrt(cell_edges[:-1] * cell_edges[1:])
    df = sr / nperseg
    n_bins = nperseg // 2 + 1
    # Bins whose centre lies in each cell; a cell narrower than a bin gets the first bin
    # at or above its lower edge (ufunc.reduceat's rule for an empty range).
    starts = np.minimum(np.ceil(cell_edges[:-1] / df - 1e-9).astype(np.int64), n_bins - 1)
    total = frame_count(audio.n_frames, nperseg, hop)
    group = max(1, math.ceil(total / max_times))
    n_cols = math.ceil(total / group)
    power = np.zeros((n_cols, max_freqs))
    for first, density in iter_power_frames(
        audio.samples, sr, nperseg=nperseg, hop=hop, what=audio.name or "audio"
    ):
        cells = np.maximum.reduceat(density, starts, axis=1)  # (frames, cells)
        cols = (first + np.arange(density.shape[0])) // group
        np.maximum.at(power, cols, cells)
    power *= enbw_hz(nperseg, sr)
    counts = np.bincount(np.arange(total) // group, minlength=n_cols)
    frame_times = (np.arange(total) * hop + nperseg / 2.0) / sr
    times = np.bincount(np.arange(total) // group, weights=frame_times) / counts
    return Spectrogram(
        times_s=_readonly(times),
        freqs_hz=_readonly(centres),
        level_dbfs=_readonly(_power_db(power.T)),
        window_s=nperseg / sr,
        name=audio.name,
    )
