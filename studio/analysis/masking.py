"""Frequency masking between two tracks: which bands, by how much, and when.

Two sounds that put energy into the same frequency band at the same moment compete:
the louder one hides (masks) the quieter one there, and both lose definition (a kick
and a bass in the lowest octave, a pad and the keys in the low mids, guitars and a
voice around 2-4 kHz). :func:`estimate_masking` finds where that happens, so you know
where to carve with an EQ or whom to duck with a side-chain.

How the estimate works (an energy estimate, not a model of hearing):

1. Both tracks are cut into third-octave bands (IEC 61260-1) every ``hop_s`` over
   ``window_s`` windows (:func:`studio.analysis.spectrum.band_power_frames`); third
   octaves are close to the ear's critical bands above 500 Hz and are what an
   equaliser works in.
2. A band and moment counts for a track when its level is within ``range_db`` (30 dB)
   of that track's loudest band and moment: that is where the track lives.
3. The *maskee* is masked there when the *masker* counts too and is no more than
   ``threshold_db`` (3 dB) below it. Within one critical band a sound hides another
   that is about as loud or quieter, so this flags the places where the maskee is
   buried or nearly so. The *margin* is masker level minus maskee level, in dB:
   positive means the masker is louder there.
4. Bands where this happens in at least ``min_fraction`` (25 %) of the moments the
   maskee sounds are grouped into frequency ranges. For each range you get the share of
   the maskee's sounding time and of its separate entries (hits, notes, phrases)
   affected, the average margin, the share of the maskee's energy that sits there, and
   the stretches of time when it happens.

Masking is not symmetric: the louder track masks the quieter one. Ask both ways round
(``estimate_masking(bass, kick)`` and ``estimate_masking(kick, bass)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.audio import Audio
from studio.dsp.units import power_to_db
from studio.errors import AudioDataError
from studio.text import t

__all__ = [
    "BandGrid",
    "MaskingEstimate",
    "MaskingRange",
    "TrackBands",
    "estimate_from_bands",
    "estimate_masking",
    "track_bands",
]

#: Ranges holding less than this share of the maskee's energy are only counted in the
#: summary (they are all in :attr:`MaskingEstimate.ranges`).
MINOR_ENERGY_SHARE = 0.05


def _readonly(a: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    a = np.array(a, dtype=dtype)
    a.flags.writeable = False
    return a


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges ``[start, stop)`` of the runs of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _merged(runs: list[tuple[float, float]], gap_s: float) -> list[tuple[float, float]]:
    """Join time ranges separated by at most ``gap_s`` seconds."""
    out: list[tuple[float, float]] = []
    for start, end in runs:
        if out and start - out[-1][1] <= gap_s:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


@dataclass(frozen=True, eq=False)
class MaskingRange:
    """One frequency range where the masker covers the maskee.

    Attributes
    ----------
    low_hz, high_hz : float
        Lower edge of its lowest band and upper edge of its highest band, in Hz.
    band_labels : tuple of str
        Nominal third-octave bands in the range (``("50", "63", "80")``).
    share_of_time : float
        Share (0 .. 1) of the moments the maskee sounds at all during which it is masked
        somewhere in this range.
    events_masked, events_total : int
        How many of the maskee's separate entries (drum hits, notes, phrases) are masked
        here at least once, out of how many.
    mean_margin_db : float
        Average masker-minus-maskee level where it is masked, in dB (positive: the
        masker is louder), weighted by the maskee's energy so that its loud moments
        count most (not the fade-outs of each hit).
    energy_share : float
        Share (0 .. 1) of the maskee's audible energy that is masked in this range: how
        much of the maskee is at stake.
    times_s : tuple of (float, float)
        Stretches ``(start_s, end_s)`` when it happens (gaps under ``merge_gap_s`` joined).
    """

    low_hz: float
    high_hz: float
    band_labels: tuple[str, ...]
    share_of_time: float
    events_masked: int
    events_total: int
    mean_margin_db: float
    energy_share: float
    times_s: tuple[tuple[float, float], ...]


@dataclass(frozen=True, eq=False)
class MaskingEstimate:
    """Where, how much and when one track (the masker) covers another (the maskee).

    Attributes
    ----------
    masker, maskee : str
        Names of the two tracks.
    ranges : tuple of MaskingRange
        The frequency ranges found, most important first (largest ``energy_share``).
    times_s : numpy.ndarray
        Centre of each analysis frame in seconds.
    centres_hz, lower_hz, upper_hz : numpy.ndarray
        Third-octave (or other) band mid-band frequencies and edges in Hz.
    labels : tuple of str
        Nominal band names.
    masker_dbfs, maskee_dbfs : numpy.ndarray
        ``(n_bands, n_frames)`` band levels of each track in dB re full scale.
    margin_db : numpy.ndarray
        ``(n_bands, n_frames)`` masker minus maskee level in dB where both are present,
        NaN elsewhere: a heat map of the competition.
    masked : numpy.ndarray
        ``(n_bands, n_frames)`` booleans: the maskee is masked there.
    band_share_of_time : numpy.ndarray
        Per band, the share of the maskee's sounding moments it is masked in that band.
    event_times_s : tuple of (float, float)
        The maskee's separate entries (hits, notes, phrases) as ``(start_s, end_s)``.
    threshold_db, range_db : float
        The settings used (see the module docstring).
    """

    masker: str
    maskee: str
    ranges: tuple[MaskingRange, ...]
    times_s: np.ndarray
    centres_hz: np.ndarray
    lower_hz: np.ndarray
    upper_hz: np.ndarray
    labels: tuple[str, ...]
    masker_dbfs: np.ndarray
    maskee_dbfs: np.ndarray
    margin_db: np.ndarray
    masked: np.ndarray
    band_share_of_time: np.ndarray
    event_times_s: tuple[tuple[float, float], ...]
    threshold_db: float
    range_db: float

    def summary(self) -> str:
        """What was found, in plain words, one line per frequency range."""
        if not self.event_times_s:
            return t("analysis.masking.silent", maskee=self.maskee)
        if not self.ranges:
            return t(
                "analysis.masking.none",
                masker=self.masker,
                maskee=self.maskee,
                threshold_db=self.threshold_db,
            )
        durations = [end - start for start, end in self.event_times_s]
        entries = "hits" if float(np.median(durations)) < 1.5 else "entries"
        whose = _possessive(self.maskee)
        lines = []
        minor = 0
        for i, r in enumerate(self.ranges):
            if i > 0 and r.energy_share < MINOR_ENERGY_SHARE:
                minor += 1
                continue
            line = t(
                "analysis.masking.first" if i == 0 else "analysis.masking.also",
                masker=self.masker,
                maskee=self.maskee,
                low_hz=r.low_hz,
                high_hz=r.high_hz,
                percent=round(100 * r.events_masked / max(r.events_total, 1)),
                whose=whose,
                entries=t(f"analysis.masking.{entries}"),
                masked=r.events_masked,
                total=r.events_total,
                margin=_margin_words(r.mean_margin_db),
                start_s=r.times_s[0][0],
                end_s=r.times_s[-1][1],
                share=round(100 * r.energy_share),
            )
            lines.append(line if i == 0 else "  " + line)
        if minor:
            key = "analysis.masking.minor_one" if minor == 1 else "analysis.masking.minor_many"
            lines.append("  " + t(key, n=minor, whose=whose))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _possessive(name: str) -> str:
    plural = name.endswith("s") and not name.endswith("ss")  # "the keys'", "the bass's"
    return t("analysis.masking.whose_plural" if plural else "analysis.masking.whose", name=name)


def _margin_words(margin_db: float) -> str:
    if margin_db >= 0.5:
        return t("analysis.masking.louder", margin_db=margin_db)
    if margin_db <= -0.5:
        return t("analysis.masking.quieter", margin_db=-margin_db)
    return t("analysis.masking.as_loud")


def _present(level_db: np.ndarray, range_db: float) -> np.ndarray:
    """Where a track lives: within ``range_db`` of its loudest band and moment."""
    loudest = float(np.max(level_db)) if level_db.size else -np.inf
    if not np.isfinite(loudest):
        return np.zeros(level_db.shape, dtype=bool)
    return level_db >= loudest - range_db


def _name(audio: Audio, fallback: str) -> str:
    return audio.name if audio.name else fallback


def estimate_masking(
    masker: Audio,
    maskee: Audio,
    *,
    threshold_db: float = 3.0,
    range_db: float = 30.0,
    min_fraction: float = 0.25,
    fraction: int = 3,
    window_s: float = 0.1,
    hop_s: float = 0.025,
    merge_gap_s: float = 1.0,
) -> MaskingEstimate:
    """Estimate where ``masker`` covers ``maskee``: which bands, by how much, and when.

    Parameters
    ----------
    masker : Audio
        The track that may be in the way (e.g. the bass).
    maskee : Audio
        The track that may be hidden (e.g. the kick). Same sample rate; if the lengths
        differ, the shorter is taken as silent after its end.
    threshold_db : float
        The maskee counts as masked where the masker is at most this many dB below it.
    range_db : float
        A band and moment counts for a track within this many dB of its loudest one.
    min_fraction : float
        Report bands masked for at least this share (0 .. 1) of the maskee's time.
    fraction : int
        Band width in octaves is 1/``fraction`` (3: third octaves).
    window_s, hop_s : float
        Analysis window and step in seconds (100 ms resolves about 10 Hz).
    merge_gap_s : float
        Masked stretches closer than this are reported as one.

    Returns
    -------
    MaskingEstimate
        With :meth:`MaskingEstimate.summary` in plain words.

    Examples
    --------
    >>> import studio
    >>> s = studio.demo.session()
    >>> m = estimate_masking(s.tracks["bass"], s.tracks["kick"])  # doctest: +SKIP
    >>> print(m.summary())  # doctest: +SKIP
    bass masks kick in 45-89 Hz for 100% of the kick's hits (35 of 35), ...
    """
    for label, audio in (("masker", masker), ("maskee", maskee)):
        if not isinstance(audio, Audio):
            raise AudioDataError(
                f"estimate_masking: {label} must be a studio.Audio, got {type(audio).__name__}."
            )
    if masker.sr != maskee.sr:
        raise AudioDataError(
            f"estimate_masking: the two tracks have different sample rates "
            f"({masker.sr} Hz and {maskee.sr} Hz); resample one first."
        )
    check_masking_settings(
        threshold_db=threshold_db,
        range_db=range_db,
        min_fraction=min_fraction,
        merge_gap_s=merge_gap_s,
        what="estimate_masking",
    )
    grid = BandGrid.for_rate(masker.sr, fraction)
    n = max(masker.n_frames, maskee.n_frames)
    a = track_bands(masker, grid, n_frames=n, window_s=window_s, hop_s=hop_s, range_db=range_db)
    b = track_bands(maskee, grid, n_frames=n, window_s=window_s, hop_s=hop_s, range_db=range_db)
    return estimate_from_bands(
        a,
        b,
        grid,
        masker_name=_name(masker, "masker"),
        maskee_name=_name(maskee, "maskee"),
        threshold_db=threshold_db,
        range_db=range_db,
        min_fraction=min_fraction,
        merge_gap_s=merge_gap_s,
    )


# ----------------------------------------------------------- the estimate's two halves
#
# The expensive half is the band analysis of each track (an FFT per frame); the cheap
# half compares two analyses. A map of many tracks (studio.analysis.masking_map) runs the
# first half once per track and the second once per pair.


def check_masking_settings(
    *,
    threshold_db: float,
    range_db: float,
    min_fraction: float,
    merge_gap_s: float,
    what: str,
) -> None:
    """Refuse a setting out of its range, naming it (shared by the pair and the map)."""
    for label, value, low, high in (
        ("threshold_db", threshold_db, -60.0, 60.0),
        ("range_db", range_db, 1.0, 120.0),
        ("min_fraction", min_fraction, 0.0, 1.0),
        ("merge_gap_s", merge_gap_s, 0.0, 3600.0),
    ):
        if isinstance(value, bool) or not (isinstance(value, int | float) and low <= value <= high):
            raise AudioDataError(
                f"{what}: {label} must be between {low:g} and {high:g}, got {value!r}."
            )


@dataclass(frozen=True, eq=False)
class BandGrid:
    """The fractional-octave bands an analysis uses: centres, edges and nominal labels."""

    centres_hz: np.ndarray
    lower_hz: np.ndarray
    upper_hz: np.ndarray
    labels: tuple[str, ...]
    fraction: int

    @classmethod
    def for_rate(cls, sr: int, fraction: int = 3) -> BandGrid:
        """The 1/``fraction``-octave bands from 20 Hz up to what ``sr`` can hold."""
        from studio.dsp.spectral import fractional_octave_bands, nominal_frequency_label

        centres, lower, upper = fractional_octave_bands(fraction, sr=sr)
        labels = tuple(nominal_frequency_label(c, fraction) for c in centres)
        return cls(_readonly(centres), _readonly(lower), _readonly(upper), labels, int(fraction))


@dataclass(frozen=True, eq=False)
class TrackBands:
    """One track's band analysis, computed once and compared with any other track's.

    Attributes
    ----------
    times_s : numpy.ndarray
        Frame centres in seconds.
    power : numpy.ndarray
        ``(n_bands, n_frames)`` mean-square power per band and frame (linear).
    level_db : numpy.ndarray
        The same in dB re full scale.
    present : numpy.ndarray
        ``(n_bands, n_frames)`` booleans: where the track lives (within ``range_db`` of
        its loudest band and moment).
    window_s : float
        The analysis window in seconds.
    """

    times_s: np.ndarray
    power: np.ndarray
    level_db: np.ndarray
    present: np.ndarray
    window_s: float


def track_bands(
    audio: Audio,
    grid: BandGrid,
    *,
    n_frames: int,
    window_s: float = 0.1,
    hop_s: float = 0.025,
    range_db: float = 30.0,
) -> TrackBands:
    """Analyse one track into ``grid``'s bands, padded with silence to ``n_frames`` samples."""
    from studio.analysis.spectrum import band_power_frames

    if audio.n_frames < n_frames:
        extra = np.zeros((audio.n_channels, n_frames - audio.n_frames), dtype=audio.samples.dtype)
        audio = audio.with_samples(np.concatenate([audio.samples, extra], axis=-1))
    times, power = band_power_frames(
        audio, grid.lower_hz, grid.upper_hz, window_s=window_s, hop_s=hop_s, what="masking"
    )
    level = power_to_db(power)
    return TrackBands(
        times_s=_readonly(times),
        power=_readonly(power),
        level_db=_readonly(level),
        present=_readonly(_present(level, range_db), bool),
        window_s=float(window_s),
    )


def estimate_from_bands(
    masker: TrackBands,
    maskee: TrackBands,
    grid: BandGrid,
    *,
    masker_name: str,
    maskee_name: str,
    threshold_db: float = 3.0,
    range_db: float = 30.0,
    min_fraction: float = 0.25,
    merge_gap_s: float = 1.0,
    gain_db: float = 0.0,
) -> MaskingEstimate:
    """Compare two tracks' band analyses: the cheap half of :func:`estimate_masking`.

    ``gain_db`` is added to the masker's level relative to the maskee's (the difference
    of their faders), so a map can ask how the tracks mask each other at a given balance
    without analysing them again. Where each track lives does not change with its fader.
    """
    times = masker.times_s
    p_maskee = maskee.power
    db_masker = masker.level_db + gain_db if gain_db else masker.level_db
    db_maskee = maskee.level_db
    present_maskee = maskee.present
    both = masker.present & present_maskee
    with np.errstate(invalid="ignore"):
        margin = np.where(both, db_masker - db_maskee, np.nan)
        masked = both & (margin >= -threshold_db)
    sounding = np.asarray(present_maskee.any(axis=0))
    n_sounding = int(sounding.sum())
    band_share = masked.sum(axis=1) / max(n_sounding, 1)
    half_hop = (times[1] - times[0]) / 2.0 if times.size > 1 else masker.window_s / 2.0
    events = _runs(sounding)
    event_times = tuple(
        (float(times[a] - half_hop), float(times[b - 1] + half_hop)) for a, b in events
    )
    maskee_energy = float(np.sum(p_maskee[present_maskee])) if n_sounding else 0.0
    lower, upper, labels = grid.lower_hz, grid.upper_hz, grid.labels

    ranges = []
    for a, b in _runs(band_share >= min_fraction) if n_sounding else []:
        hit = masked[a:b].any(axis=0)
        stretches = [
            (float(times[s] - half_hop), float(times[e - 1] + half_hop)) for s, e in _runs(hit)
        ]
        ranges.append(
            MaskingRange(
                low_hz=float(lower[a]),
                high_hz=float(upper[b - 1]),
                band_labels=labels[a:b],
                share_of_time=float(hit.sum() / n_sounding),
                events_masked=sum(bool(hit[s:e].any()) for s, e in events),
                events_total=len(events),
                mean_margin_db=float(
                    np.average(margin[a:b][masked[a:b]], weights=p_maskee[a:b][masked[a:b]])
                ),
                energy_share=float(np.sum(p_maskee[a:b][masked[a:b]]) / maskee_energy),
                times_s=tuple(_merged(stretches, merge_gap_s)),
            )
        )
    ranges.sort(key=lambda r: r.energy_share, reverse=True)
    return MaskingEstimate(
        masker=masker_name,
        maskee=maskee_name,
        ranges=tuple(ranges),
        times_s=times,
        centres_hz=grid.centres_hz,
        lower_hz=grid.lower_hz,
        upper_hz=grid.upper_hz,
        labels=labels,
        masker_dbfs=_readonly(db_masker) if gain_db else masker.level_db,
        maskee_dbfs=db_maskee,
        margin_db=_readonly(margin),
        masked=_readonly(masked, bool),
        band_share_of_time=_readonly(band_share),
        event_times_s=event_times,
        threshold_db=float(threshold_db),
        range_db=float(range_db),
    )
