"""Reference matching: bring a mix closer to a record you like, one aspect at a time.

A reference is a finished record whose sound you aim for. Comparing by ear is hard
because the louder one always sounds better, so the comparison is made on figures
measured at the same loudness:

* **tonal balance**: the long-term average spectrum of the mid (what both speakers share)
  and of the side (what differs between them), each smoothed over a fraction of an
  octave. The difference, reference minus mix, limited to a few dB and ignored where
  either has next to no energy, becomes a linear-phase EQ for the mid and one for the
  side. Each curve is centred so that it changes the shape, not the loudness.
* **loudness**: the integrated loudness (LUFS) of the reference; a plain gain gets there.
* **width**: how loud the side is against the mid (the side-to-mid energy ratio, in dB);
  the side is raised and the mid lowered (or the other way round) so that the loudness
  stays where it was.
* **dynamics**: the peak-to-loudness ratio (PLR, true peak minus integrated loudness).
  When the mix peaks further above its loudness than the reference, the studio's
  true-peak limiter is driven (set on the loudest 30 s) until the peaks sit that much
  closer to the loudness, and the level is brought back so the loudness stays; at most
  6 dB, because more flattens and distorts. A compressor was tried first and is not
  used: on dense material it lowers the loudness as much as the peaks, so the PLR
  hardly moves (on the test mix it went *up* at every threshold).
  When the mix is the *more* compressed one, nothing is done: no processor gives back the
  peaks a limiter took away, and the result says so.

Several references are loudness-normalised and averaged (spectra as power, figures in
dB). A mono reference counts for the mid, the loudness and the dynamics; it says
nothing about the side or the width. References at another sample rate are analysed at
their own rate (the figures are per band in Hz), so nothing is resampled.

:func:`match_reference` measures and returns a :class:`MatchResult`: the figures, the
curves for plotting, plain-words lines, and :class:`ReferenceMatch`, an ordinary
processor (declared parameters, presets, bypass) with one amount per aspect:
0 % leaves the mix as it is, 50 % makes half the change in dB, 100 % the whole of it.

Examples
--------
>>> import numpy as np
>>> from studio import Audio
>>> rng = np.random.default_rng(0)
>>> mix = Audio(rng.normal(0.0, 0.05, (2, 48000 * 5)), 48000, "mix")
>>> ref = Audio(rng.normal(0.0, 0.1, (2, 48000 * 5)), 48000, "ref")
>>> result = match_reference(mix, ref)
>>> round(result.loudness_change_db)
6
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import ClassVar

import numpy as np

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.dsp.curve_fir import RESOLUTION_HZ, curve_fir_taps
from studio.dsp.filters import convolve_aligned
from studio.dsp.loudness import integrated_loudness, k_weighting_analog_db, loudness_profile
from studio.dsp.spectral import (
    OCTAVE_RATIO,
    check_fraction,
    fractional_octave_bands,
    iter_power_frames,
    smooth_fractional_octave,
)
from studio.dsp.truepeak import true_peak_dbtp
from studio.dsp.units import db_to_gain, db_to_power, power_to_db
from studio.errors import AudioDataError, ParameterError
from studio.params import Parametric, child, items, param
from studio.processors.base import Processor
from studio.processors.dynamics import Limiter
from studio.text import t

__all__ = [
    "MatchBand",
    "MatchResult",
    "Profile",
    "ReferenceMatch",
    "analyse_reference",
    "match_reference",
]

#: Bands this far (dB) below the loudest band of their own spectrum count as empty.
EMPTY_BELOW_DB = 60.0
#: A stereo file whose side is this far (dB) below its mid is mono in all but name.
MONO_SIDE_DB = -80.0
#: Largest peak reduction (dB) the dynamics aspect asks the limiter for.
MAX_PEAK_REDUCTION_DB = 6.0
#: A PLR difference (dB) smaller than this is left alone.
DYNAMICS_TOLERANCE_DB = 1.0
#: A tonal difference (dB) smaller than this everywhere is "already there".
TONE_TOLERANCE_DB = 0.5
#: Length (s) of the loudest stretch the limiter's drive is set on.
EXCERPT_S = 30.0


# ------------------------------------------------------------------------------ analysis


@dataclass(frozen=True, eq=False)
class Profile:
    """What one piece (or the average of several references) sounds like on average.

    Attributes
    ----------
    name : str
        The audio's name (or the references' names joined).
    freqs_hz : numpy.ndarray
        Band centres (IEC 61260-1 fractional octaves, 20 Hz to 20 kHz).
    mid_db, side_db : numpy.ndarray
        Long-term average power density of the mid ``(L + R) / 2`` and the side
        ``(L - R) / 2``, smoothed over each band, in dB re full scale per Hz; NaN above
        the audio's Nyquist frequency, ``-inf`` where there is nothing (a mono side).
    integrated_lufs : float
        Integrated loudness.
    side_to_mid_db : float
        K-weighted energy of the side against the mid (``-inf`` for mono).
    plr_db : float
        Peak-to-loudness ratio: true peak minus integrated loudness.
    lra_lu : float
        Loudness range (NaN when the audio is shorter than 3 s).
    is_mono : bool
        One channel, or a side more than 80 dB below the mid.
    sr : int
        Sample rate of the audio (0 for an average of references at several rates).
    """

    name: str
    freqs_hz: np.ndarray
    mid_db: np.ndarray
    side_db: np.ndarray
    integrated_lufs: float
    side_to_mid_db: float
    plr_db: float
    lra_lu: float
    is_mono: bool
    sr: int


def _bands(fraction: int) -> np.ndarray:
    return fractional_octave_bands(fraction, low_hz=20.0, high_hz=20000.0)[0]


def _analysis_length(sr: int) -> int:
    """FFT length for the long-term spectrum: the match EQ's resolution (32768 at 48 kHz)."""
    return 1 << int(np.ceil(np.log2(sr / RESOLUTION_HZ)))


def _band_density_db(x: np.ndarray, sr: int, centres: np.ndarray, fraction: int) -> np.ndarray:
    """Long-term average power density of one channel, smoothed at each band centre."""
    nperseg = _analysis_length(sr)
    total = np.zeros(nperseg // 2 + 1)
    count = 0
    for _, density in iter_power_frames(x, sr, nperseg=nperseg, hop=nperseg // 2):
        total += density.sum(axis=0)
        count += density.shape[0]
    freqs = np.arange(total.size) * (sr / nperseg)
    out = np.full(centres.shape, np.nan)
    inside = centres * OCTAVE_RATIO ** (1.0 / (2 * fraction)) <= sr / 2.0
    power = smooth_fractional_octave(freqs, total / count, fraction, centres[inside])
    with np.errstate(divide="ignore"):
        out[inside] = power_to_db(np.maximum(power, 0.0))
    return out


def _k_band_energy(density_db: np.ndarray, centres: np.ndarray) -> float:
    """K-weighted energy of a smoothed spectrum (density times bandwidth, summed)."""
    weight = db_to_power(k_weighting_analog_db(centres)) * centres
    power = np.where(np.isfinite(density_db), db_to_power(np.nan_to_num(density_db)), 0.0)
    return float(np.sum(weight * power))


def _checked_audio(audio: object, what: str) -> Audio:
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"reference matching: the {what} must be a studio.Audio, got "
            f"{type(audio).__name__}; load it with studio.load(path)."
        )
    if audio.n_channels not in (1, 2):
        raise AudioDataError(
            f"reference matching: the {what} '{audio.name or 'audio'}' has "
            f"{audio.n_channels} channels; give mono or stereo (fold a surround mix first)."
        )
    return audio


def analyse_reference(audio: Audio, *, fraction: int = 3, what: str = "reference") -> Profile:
    """Measure what reference matching compares: spectra, loudness, width, PLR, LRA.

    Parameters
    ----------
    audio : Audio
        Mono or stereo.
    fraction : int
        Smoothing and band spacing: 1/``fraction`` octave (3: third octaves, 6: sixths).
    what : str
        What the audio is, for error messages ("mix", "reference").

    Raises
    ------
    AudioDataError
        For silence (nothing above the loudness gate), more than two channels, or
        samples that are not finite.
    """
    audio = _checked_audio(audio, what)
    b = check_fraction(fraction)
    name = audio.name or what
    x = audio.samples
    loudness = loudness_profile(x, audio.sr, what=name)  # one K-filter pass for both
    lufs, lra = loudness.integrated_lufs, loudness.lra_lu
    if not math.isfinite(lufs):
        raise AudioDataError(
            f"reference matching: the {what} '{name}' is silent (nothing above the -70 LUFS "
            "loudness gate, or shorter than 0.4 s); there is nothing to match."
        )
    centres = _bands(b)
    if audio.n_channels == 2:
        mid = ((x[0] + x[1]) * 0.5)[np.newaxis]
        side = ((x[0] - x[1]) * 0.5)[np.newaxis]
    else:
        mid, side = x, np.zeros_like(x[:, :1])
    mid_db = _band_density_db(mid, audio.sr, centres, b)
    mid_energy = _k_band_energy(mid_db, centres)
    if audio.n_channels == 2 and np.any(side):
        side_db = _band_density_db(side, audio.sr, centres, b)
        ratio = _k_band_energy(side_db, centres) / mid_energy if mid_energy > 0 else math.inf
        side_to_mid = power_to_db(ratio) if ratio > 0 else -math.inf
    else:
        side_db = np.where(np.isnan(mid_db), np.nan, -np.inf)
        side_to_mid = -math.inf
    return Profile(
        name=name,
        freqs_hz=centres,
        mid_db=mid_db,
        side_db=side_db,
        integrated_lufs=float(lufs),
        side_to_mid_db=float(side_to_mid),
        plr_db=float(true_peak_dbtp(x, audio.sr, what=name) - lufs),
        lra_lu=float(lra) if math.isfinite(lra) else math.nan,
        is_mono=audio.n_channels == 1 or side_to_mid < MONO_SIDE_DB,
        sr=audio.sr,
    )


def _power_mean_db(rows: list[np.ndarray]) -> np.ndarray:
    """Average spectra as power, band by band, over the rows that have the band."""
    stack = np.array(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        power = db_to_power(stack)
        have = np.isfinite(stack)
        mean = np.nansum(np.where(have, power, np.nan), axis=0) / np.sum(have, axis=0)
        out = power_to_db(mean)
    out[np.sum(have, axis=0) == 0] = np.nan
    return out


def average_profiles(profiles: Sequence[Profile]) -> Profile:
    """One profile from several: each loudness-normalised, then averaged.

    Spectra are shifted to 0 LUFS before averaging (as power), so a loud reference does
    not outweigh a quiet one; the loudness, PLR, LRA and width are the mean of the
    figures in dB. Mono references are left out of the side and the width.
    """
    if not profiles:
        raise AudioDataError("reference matching: give at least one reference.")
    if len(profiles) == 1:
        return profiles[0]
    stereo = [p for p in profiles if not p.is_mono]
    mid = _power_mean_db([p.mid_db - p.integrated_lufs for p in profiles])
    if stereo:
        side = _power_mean_db([p.side_db - p.integrated_lufs for p in stereo])
        width = float(np.mean([p.side_to_mid_db for p in stereo]))
    else:
        side, width = np.where(np.isnan(mid), np.nan, -np.inf), -math.inf
    lufs = float(np.mean([p.integrated_lufs for p in profiles]))
    lras = [p.lra_lu for p in profiles if math.isfinite(p.lra_lu)]
    rates = {p.sr for p in profiles}
    return Profile(
        name=", ".join(p.name for p in profiles),
        freqs_hz=profiles[0].freqs_hz,
        mid_db=mid + lufs,
        side_db=side + lufs,
        integrated_lufs=lufs,
        side_to_mid_db=width,
        plr_db=float(np.mean([p.plr_db for p in profiles])),
        lra_lu=float(np.mean(lras)) if lras else math.nan,
        is_mono=not stereo,
        sr=rates.pop() if len(rates) == 1 else 0,
    )


# ----------------------------------------------------------------------------- the curves


def _usable(level_db: np.ndarray) -> np.ndarray:
    """Bands with energy: finite and within 60 dB of the spectrum's loudest band."""
    finite = np.isfinite(level_db)
    if not np.any(finite):
        return finite
    top = np.max(level_db[finite])
    return finite & (np.nan_to_num(level_db, neginf=-np.inf) > top - EMPTY_BELOW_DB)


def _centred(
    diff_db: np.ndarray, mix_db: np.ndarray, usable: np.ndarray, centres: np.ndarray, max_db: float
) -> np.ndarray:
    """Clip the difference, and shift it so the mix's K-weighted energy is unchanged."""
    curve = np.where(usable, np.clip(np.nan_to_num(diff_db), -max_db, max_db), 0.0)
    if not np.any(usable):
        return curve
    weight = db_to_power(k_weighting_analog_db(centres)) * centres
    energy = np.where(usable, weight * db_to_power(np.nan_to_num(mix_db, neginf=-300.0)), 0.0)
    for _ in range(4):  # the clip moves the mean a little; a few rounds settle it
        gain = np.sum(energy * db_to_power(curve)) / np.sum(energy)
        curve = np.where(usable, np.clip(curve - power_to_db(gain), -max_db, max_db), 0.0)
    return curve


def _tone_curve(mix: np.ndarray, ref: np.ndarray, centres: np.ndarray, max_db: float) -> np.ndarray:
    usable = _usable(mix) & _usable(ref)
    return _centred(ref - mix, mix, usable, centres, max_db)


# ------------------------------------------------------------------------- the processor


def _fixed_db(limit: float, neutral: float | None = 0.0) -> float:
    """A level in dB set from measurements (it does not move over time)."""
    return param(0.0, lo=-limit, hi=limit, unit="dB", neutral=neutral, step=0.1, automatable=False)


@dataclass(frozen=True)
class MatchBand(Parametric):
    """One point of the match EQ: a frequency and the full change for mid and side."""

    freq_hz: float = param(1000.0, lo=10.0, hi=24000.0, unit="Hz", scale="log", automatable=False)
    mid_db: float = _fixed_db(24.0)
    side_db: float = _fixed_db(24.0)


def _amount(default: float = 100.0) -> float:
    return param(default, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0, automatable=False)


@lru_cache(maxsize=32)
def _taps_cached(freqs: tuple[float, ...], gains: tuple[float, ...], sr: int) -> np.ndarray:
    taps = curve_fir_taps(np.array(freqs), np.array(gains), sr)
    taps.setflags(write=False)
    return taps


@dataclass(frozen=True)
class ReferenceMatch(Processor):
    """Reference match: the mix moved towards a reference in tone, loudness, width, dynamics.

    Built by :func:`match_reference` from measurements; the fields hold the whole change
    for each aspect and the amounts say how much of it is applied (0 %: none, 50 %: half
    of it in dB, 100 %: all). In order: the match EQ (linear phase, one curve for the mid
    and one for the side), the width (side against mid, loudness kept), the dynamics (a
    limiter's drive and gain reduction and the level brought back, all scaled in dB),
    the loudness (a gain).
    What you hear: the mix takes on the reference's overall colour, width, density and
    level, without copying its arrangement or its mistakes.
    """

    accepts_channels: ClassVar[tuple[int, ...] | None] = (1, 2)

    tone_pct: float = _amount()
    loudness_pct: float = _amount()
    width_pct: float = _amount()
    dynamics_pct: float = _amount()
    bands: tuple[MatchBand, ...] = items(MatchBand, ())
    width_change_db: float = _fixed_db(24.0)
    mix_side_to_mid_db: float = param(
        -12.0, lo=-120.0, hi=40.0, unit="dB", step=0.1, automatable=False
    )
    limiter: Limiter = child(Limiter, Limiter(ceiling_dbtp=0.0, gain_db=0.0))
    dynamics_makeup_db: float = _fixed_db(24.0)
    loudness_change_db: float = _fixed_db(60.0)

    def __post_init__(self) -> None:
        super().__post_init__()
        for leaf in self.limiter.leaves(words=False):
            value = leaf.value
            if isinstance(value, Envelope) and value.range[0] != value.range[1]:
                raise ParameterError(
                    "ReferenceMatch: the limiter is set from the measurements and stays "
                    "fixed; its settings cannot move over time."
                )

    # -- what each aspect does at the current amounts -------------------------------------

    def tone_curves_db(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(freqs_hz, mid_db, side_db)``: the EQ the tone amount applies, point by point."""
        scale = self.tone_pct / 100.0
        freqs = np.array([b.freq_hz for b in self.bands])
        mid = np.array([b.mid_db for b in self.bands]) * scale
        side = np.array([b.side_db for b in self.bands]) * scale
        return freqs, mid, side

    def width_gains_db(self) -> tuple[float, float]:
        """``(mid_db, side_db)``: the gains that move the side against the mid, energy kept."""
        change = self.width_change_db * self.width_pct / 100.0
        if change == 0.0:
            return 0.0, 0.0
        ratio = db_to_power(self.mix_side_to_mid_db)
        mid = power_to_db((1.0 + ratio) / (1.0 + ratio * db_to_power(change)))
        return mid, mid + change

    def loudness_gain_db(self) -> float:
        """The gain the loudness amount applies (dB)."""
        return self.loudness_change_db * self.loudness_pct / 100.0

    def _fir(self, gains: np.ndarray, sr: int) -> np.ndarray | None:
        if not np.any(gains):
            return None
        freqs = np.array([b.freq_hz for b in self.bands], dtype=np.float64)
        # Points in frequency order, one per frequency (the last one given wins).
        unique, last = np.unique(freqs[::-1], return_index=True)
        kept = np.asarray(gains, dtype=np.float64)[::-1][last]
        return _taps_cached(tuple(unique.tolist()), tuple(kept.tolist()), sr)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Apply tone, width, dynamics and loudness in turn (a new array, same dtype)."""
        x = samples if samples.dtype in (np.float32, np.float64) else samples.astype(np.float64)
        kind = x.dtype.type
        _, mid_curve, side_curve = self.tone_curves_db()
        mid_fir, side_fir = self._fir(mid_curve, sr), self._fir(side_curve, sr)
        widen = self.width_gains_db() != (0.0, 0.0)
        if x.shape[0] == 2 and (widen or mid_fir is not None or side_fir is not None):
            mid_gain, side_gain = (db_to_gain(g) for g in self.width_gains_db())
            half = kind(0.5)
            mid = (x[0] + x[1]) * half
            side = (x[0] - x[1]) * half
            if mid_fir is not None:
                mid = convolve_aligned(mid[np.newaxis], mid_fir)[0]
            if side_fir is not None:
                side = convolve_aligned(side[np.newaxis], side_fir)[0]
            mid *= kind(mid_gain)
            side *= kind(side_gain)
            out = np.stack([mid + side, mid - side])
        else:
            out = convolve_aligned(x, mid_fir) if mid_fir is not None else np.array(x, copy=True)
        limiter = self.limiter.at(0.0) if self.limiter.moves else self.limiter
        if self.dynamics_pct > 0.0 and limiter.gain_db > 0.0:
            out = self._limit(limiter, out, sr)
        gain = self.loudness_gain_db()  # after the limiter: its ceiling is the mix's peak
        if gain:
            out *= kind(db_to_gain(gain))
        return out

    def _limit(self, limiter: Limiter, x: np.ndarray, sr: int) -> np.ndarray:
        """The limiter's whole change (drive, reduction, level back) times the amount, in dB."""
        limited, reduction = limiter.process_with_trace(x, sr)
        back = self.dynamics_makeup_db
        if self.dynamics_pct == 100.0:
            return limited * x.dtype.type(db_to_gain(back))
        assert reduction is not None  # a limiter that is not bypassed reports its trace
        change = (limiter.gain_db + reduction + back) * (self.dynamics_pct / 100.0)
        return x * db_to_gain(change, dtype=x.dtype)


# --------------------------------------------------------------------------- dynamics


def _loudest_excerpt(audio: Audio) -> np.ndarray:
    """The loudest ``EXCERPT_S`` seconds (by mean square), where peaks and density show."""
    x = audio.samples
    n = min(x.shape[1], int(EXCERPT_S * audio.sr))
    if n == x.shape[1]:
        return x
    hop = max(1, audio.sr // 10)
    energy = np.square(x, dtype=np.float64).sum(axis=0)
    sums = np.add.reduceat(energy, np.arange(0, x.shape[1], hop))
    window = max(1, n // hop)
    running = np.convolve(sums, np.ones(window), mode="valid")
    start = int(np.argmax(running)) * hop
    start = min(start, x.shape[1] - n)
    return x[:, start : start + n]


def _drive_limiter(
    audio: Audio, peak_dbtp: float, reduction_db: float
) -> tuple[Limiter, float, float]:
    """A limiter setting that brings the loudness ``reduction_db`` closer to the peaks.

    The ceiling sits at the mix's own true peak (the limiter's range ends at -12 dBTP;
    a quieter mix is driven up to it first, and that is part of the drive), so the peaks
    stay and the loudness rises towards them. The drive is found on the loudest 30 s in
    three secant steps. Returns the limiter, the PLR reduction (dB) it reached there and
    the loudness it added (dB, to be taken back).
    """
    x = _loudest_excerpt(audio)
    sr = audio.sr
    ceiling = float(np.clip(math.ceil(peak_dbtp * 10.0) / 10.0, -12.0, 0.0))
    align = ceiling - peak_dbtp  # drive that only brings the peak up to the ceiling
    lufs_before = integrated_loudness(x, sr)
    plr_before = true_peak_dbtp(x, sr) - lufs_before
    drive, best = reduction_db, (0.0, 0.0, 0.0)
    for _ in range(3):
        gain = round(float(np.clip(align + drive, 0.0, 24.0)), 2)
        y = Limiter(ceiling_dbtp=ceiling, gain_db=gain).process(x, sr)
        lufs = integrated_loudness(y, sr)
        reached = plr_before - (true_peak_dbtp(y, sr) - lufs)
        if abs(reached - reduction_db) < abs(best[1] - reduction_db):
            best = (gain, reached, lufs - lufs_before)
        if reached <= 0.0 or abs(reached - reduction_db) < 0.05:
            break
        drive *= reduction_db / reached
    return Limiter(ceiling_dbtp=ceiling, gain_db=best[0]), float(best[1]), float(best[2])


# ----------------------------------------------------------------------------- the result


def _hz(freq_hz: float) -> str:
    return f"{freq_hz / 1000.0:.3g} kHz" if freq_hz >= 1000.0 else f"{freq_hz:.0f} Hz"


@dataclass(frozen=True, eq=False)
class MatchResult:
    """What reference matching measured, what it changes and by how much.

    Attributes
    ----------
    processor : ReferenceMatch
        The match as a processor; ``result.processor(mix)`` is the matched mix.
    mix, reference : Profile
        The mix's figures and the (averaged) reference's.
    references : tuple of Profile
        Each reference on its own.
    freqs_hz : numpy.ndarray
        Band centres of the curves.
    mix_mid_db, mix_side_db, reference_mid_db, reference_side_db : numpy.ndarray
        Smoothed spectra (dB per Hz) for plotting; the reference's are shifted to the
        mix's loudness, as the comparison is made.
    notes : tuple of str
        Keys of what could not be matched (``"mono_reference"``, ``"mono_mix"``,
        ``"more_compressed"``, ``"capped"``).
    dynamics_reached_db : float
        How much closer (dB) the limiter brought the loudness to the peaks on the loudest
        30 s at 100 % (the PLR reduction).
    """

    processor: ReferenceMatch
    mix: Profile
    reference: Profile
    references: tuple[Profile, ...]
    freqs_hz: np.ndarray
    mix_mid_db: np.ndarray
    mix_side_db: np.ndarray
    reference_mid_db: np.ndarray
    reference_side_db: np.ndarray
    notes: tuple[str, ...] = ()
    dynamics_reached_db: float = 0.0

    # -- figures at the processor's amounts ------------------------------------------------

    @property
    def tone_mid_db(self) -> np.ndarray:
        """The mid EQ curve at the tone amount (dB per band)."""
        return self.processor.tone_curves_db()[1]

    @property
    def tone_side_db(self) -> np.ndarray:
        """The side EQ curve at the tone amount (dB per band)."""
        return self.processor.tone_curves_db()[2]

    @property
    def loudness_change_db(self) -> float:
        """Gain applied for loudness (dB)."""
        return self.processor.loudness_gain_db()

    @property
    def width_change_db(self) -> float:
        """Change of the side against the mid (dB)."""
        return self.processor.width_change_db * self.processor.width_pct / 100.0

    @property
    def dynamics_change_db(self) -> float:
        """Peak reduction against the loudness (dB; 0 when nothing is done)."""
        return self.dynamics_reached_db * self.processor.dynamics_pct / 100.0

    @property
    def suggested_dynamics_db(self) -> float:
        """PLR of the mix minus the reference's: + asks for compression, - for expansion."""
        return self.mix.plr_db - self.reference.plr_db

    def with_amounts(
        self,
        *,
        tone_pct: float | None = None,
        loudness_pct: float | None = None,
        width_pct: float | None = None,
        dynamics_pct: float | None = None,
    ) -> MatchResult:
        """The same match with other amounts (nothing is measured again)."""
        changes = {
            name: value
            for name, value in (
                ("tone_pct", tone_pct),
                ("loudness_pct", loudness_pct),
                ("width_pct", width_pct),
                ("dynamics_pct", dynamics_pct),
            )
            if value is not None
        }
        return _replace_processor(self, self.processor.replace(**changes))

    def apply(self, mix: Audio) -> Audio:
        """The matched mix (the processor applied to ``mix``)."""
        return self.processor(mix)

    # -- words ---------------------------------------------------------------------------

    def lines(self) -> list[str]:
        """What changes and by how much, one plain line per aspect."""
        p = self.processor
        lines = [t("reference.heading", count=len(self.references), names=self.reference.name)]
        lines += self._tone_lines()
        mix_lufs, ref_lufs = self.mix.integrated_lufs, self.reference.integrated_lufs
        lines.append(
            t(
                "reference.loudness",
                change_db=self.loudness_change_db,
                amount_pct=p.loudness_pct,
                mix_lufs=mix_lufs,
                result_lufs=mix_lufs + self.loudness_change_db,
                ref_lufs=ref_lufs,
            )
        )
        if "mono_mix" in self.notes:
            lines.append(t("reference.width_mono_mix"))
        elif "mono_reference" in self.notes:
            lines.append(t("reference.width_mono_reference"))
        else:
            lines.append(
                t(
                    "reference.width",
                    change_db=self.width_change_db,
                    amount_pct=p.width_pct,
                    mix_db=self.mix.side_to_mid_db,
                    result_db=self.mix.side_to_mid_db + self.width_change_db,
                    ref_db=self.reference.side_to_mid_db,
                )
            )
        lines.append(self._dynamics_line())
        return lines

    def _tone_lines(self) -> list[str]:
        out = []
        for part, curve in (("mid", self.tone_mid_db), ("side", self.tone_side_db)):
            if part == "side" and {"mono_mix", "mono_reference"} & set(self.notes):
                out.append(t("reference.tone_side_mono"))
                continue
            name = t(f"reference.parts.{part}")
            if self.processor.tone_pct == 0.0:
                out.append(t("reference.tone_off", part=name))
                continue
            if curve.size == 0 or np.max(np.abs(curve)) < TONE_TOLERANCE_DB:
                key = "reference.tone_flat"
                out.append(t(key, part=name, tolerance_db=TONE_TOLERANCE_DB))
                continue
            up, down = int(np.argmax(curve)), int(np.argmin(curve))
            out.append(
                t(
                    "reference.tone",
                    part=name,
                    amount_pct=self.processor.tone_pct,
                    boost_db=max(float(curve[up]), 0.0),
                    boost_hz=_hz(float(self.freqs_hz[up])),
                    cut_db=min(float(curve[down]), 0.0),
                    cut_hz=_hz(float(self.freqs_hz[down])),
                )
            )
        return out

    def _dynamics_line(self) -> str:
        figures = {"mix_plr_db": self.mix.plr_db, "ref_plr_db": self.reference.plr_db}
        if "more_compressed" in self.notes:
            return t("reference.dynamics_more_compressed", **figures)
        if self.processor.limiter.gain_db <= 0.0:
            return t("reference.dynamics_close", tolerance_db=DYNAMICS_TOLERANCE_DB, **figures)
        limiter = self.processor.limiter
        line = t(
            "reference.dynamics_limit",
            change_db=self.dynamics_change_db,
            amount_pct=self.processor.dynamics_pct,
            drive_db=limiter.gain_db,
            ceiling_dbtp=limiter.ceiling_dbtp,
            **figures,
        )
        if "capped" in self.notes:
            line += " " + t("reference.dynamics_capped", max_db=MAX_PEAK_REDUCTION_DB)
        return line

    def report(self) -> str:
        """The lines as one text."""
        return "\n".join(self.lines())


def _replace_processor(result: MatchResult, processor: ReferenceMatch) -> MatchResult:
    return replace(result, processor=processor)


# ------------------------------------------------------------------------------- matching


def _as_list(references: Audio | Sequence[Audio]) -> list[Audio]:
    if isinstance(references, Audio):
        return [references]
    if isinstance(references, str | bytes) or not isinstance(references, Sequence):
        raise AudioDataError(
            "reference matching: give the reference as a studio.Audio or a list of them, "
            f"got {type(references).__name__}."
        )
    if not references:
        raise AudioDataError("reference matching: give at least one reference.")
    return list(references)


def _check_amount(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 100.0:
        raise ParameterError(f"match_reference: {name} must be from 0 to 100 %; got {value:g}.")
    return value


def match_reference(
    mix: Audio,
    references: Audio | Sequence[Audio],
    *,
    tone_pct: float = 100.0,
    loudness_pct: float = 100.0,
    width_pct: float = 100.0,
    dynamics_pct: float = 100.0,
    fraction: int = 3,
    max_db: float = 6.0,
) -> MatchResult:
    """Measure the mix against one or more references and set the match.

    Parameters
    ----------
    mix : Audio
        The mix to move (mono or stereo).
    references : Audio or sequence of Audio
        One reference or several (averaged after loudness normalisation), mono or
        stereo, at any sample rate.
    tone_pct, loudness_pct, width_pct, dynamics_pct : float
        How much of each change to apply, 0-100 % (editable later on the processor or
        with :meth:`MatchResult.with_amounts`).
    fraction : int
        Smoothing of the spectra and spacing of the EQ points, 1/``fraction`` octave
        (3 or 6 are usual; finer follows the reference's notes rather than its balance).
    max_db : float
        Largest boost or cut of the match EQ (dB), 1 to 12.

    Returns
    -------
    MatchResult
        The figures, curves, plain-words lines and the :class:`ReferenceMatch` processor.

    Raises
    ------
    AudioDataError
        Silence in the mix or a reference, more than two channels, non-finite samples.
    ParameterError
        Amounts outside 0-100 %, an unsupported fraction, ``max_db`` out of range.
    """
    amounts = {
        name: _check_amount(name, value)
        for name, value in (
            ("tone_pct", tone_pct),
            ("loudness_pct", loudness_pct),
            ("width_pct", width_pct),
            ("dynamics_pct", dynamics_pct),
        )
    }
    if not 1.0 <= float(max_db) <= 12.0:
        raise ParameterError(f"match_reference: max_db must be from 1 to 12 dB; got {max_db!r}.")
    b = check_fraction(fraction)
    mix = _checked_audio(mix, "mix")
    refs = [_checked_audio(r, "reference") for r in _as_list(references)]
    mix_profile = analyse_reference(mix, fraction=b, what="mix")
    profiles = tuple(analyse_reference(r, fraction=b) for r in refs)
    ref = average_profiles(profiles)
    centres = mix_profile.freqs_hz
    shift = mix_profile.integrated_lufs - ref.integrated_lufs  # compare at the mix's loudness
    ref_mid, ref_side = ref.mid_db + shift, ref.side_db + shift

    notes: list[str] = []
    mix_mono = mix.n_channels == 1 or mix_profile.is_mono
    if mix_mono:
        notes.append("mono_mix")
    elif ref.is_mono:
        notes.append("mono_reference")
    mid_curve = _tone_curve(mix_profile.mid_db, ref_mid, centres, max_db)
    if notes:
        side_curve = np.zeros_like(mid_curve)
        width_change = 0.0
    else:
        side_curve = _tone_curve(mix_profile.side_db, ref_side, centres, max_db)
        width_change = float(np.clip(ref.side_to_mid_db - mix_profile.side_to_mid_db, -24, 24))
    keep = np.isfinite(mix_profile.mid_db)  # bands below the mix's Nyquist frequency
    bands = tuple(
        MatchBand(float(f), round(float(m), 3), round(float(s), 3))
        for f, m, s, k in zip(centres, mid_curve, side_curve, keep, strict=True)
        if k
    )

    suggested = mix_profile.plr_db - ref.plr_db
    limiter, reached, makeup = Limiter(ceiling_dbtp=0.0, gain_db=0.0), 0.0, 0.0
    if suggested > DYNAMICS_TOLERANCE_DB:
        wanted = min(suggested, MAX_PEAK_REDUCTION_DB)
        if suggested > MAX_PEAK_REDUCTION_DB:
            notes.append("capped")
        peak = mix_profile.plr_db + mix_profile.integrated_lufs
        limiter, reached, added = _drive_limiter(mix, peak, wanted)
        makeup = -round(added, 2)
    elif suggested < -DYNAMICS_TOLERANCE_DB:
        notes.append("more_compressed")

    side_to_mid = mix_profile.side_to_mid_db
    processor = ReferenceMatch(
        tone_pct=amounts["tone_pct"],
        loudness_pct=amounts["loudness_pct"],
        width_pct=amounts["width_pct"],
        dynamics_pct=amounts["dynamics_pct"],
        bands=bands,
        width_change_db=round(width_change, 3),
        mix_side_to_mid_db=float(np.clip(side_to_mid, -120.0, 40.0)) if not mix_mono else -120.0,
        limiter=limiter,
        dynamics_makeup_db=float(np.clip(makeup, -24.0, 24.0)),
        loudness_change_db=round(float(np.clip(-shift, -60.0, 60.0)), 3),
    )
    return MatchResult(
        processor=processor,
        mix=mix_profile,
        reference=ref,
        references=profiles,
        freqs_hz=centres,
        mix_mid_db=mix_profile.mid_db,
        mix_side_db=mix_profile.side_db,
        reference_mid_db=ref_mid,
        reference_side_db=ref_side,
        notes=tuple(notes),
        dynamics_reached_db=float(reached),
    )
