"""The masking map: which pairs of tracks collide, in which band, when, and how much it matters.

:func:`estimate_masking` looks at one pair (a masker and a maskee). A mix has many: 12
tracks make 66 pairs, each to be looked at both ways round. :func:`masking_map` answers
for all of them at once and ranks what it finds, so the learner starts with the collision
that costs the mix most.

How it works:

1. Every track is analysed into third-octave bands over time **once**
   (:func:`studio.analysis.masking.track_bands`, the expensive part: an FFT per frame).
   Each pair is then a cheap comparison of two analyses, both ways round
   (:func:`studio.analysis.masking.estimate_from_bands`), with the same settings and
   results as :func:`estimate_masking`.
2. In each frequency range where one track masks another, the map picks the
   **collision**: the stretch of at most one octave (``window_octaves``) where it matters
   most, which one EQ bell can carve.
3. A collision matters more the more of the maskee is at stake, the longer it lasts and
   the deeper the maskee is buried::

       importance = energy_share * share_of_time * (mean_margin_db + threshold_db)

   ``energy_share`` is the share of the maskee's audible energy that is covered there,
   ``share_of_time`` the share of the moments it sounds at all, and the last factor how
   many dB the masker stands above the point where masking starts (``threshold_db``
   below the maskee): 0 just at the threshold, 3 when the two are equally loud, 6 when
   the masker is 3 dB louder.

Faders change who masks whom: ``gains_db`` shifts each track's level before the
comparison (no new analysis needed), so the map can describe the mix as balanced, not
the raw stems.

The map keeps every track's band analysis (about 4 MB per 3-minute track), so
:meth:`MaskingMap.estimate` gives any pair's full estimate (its heat map over time)
without analysing again. What to do about a collision (which track to cut, where, how
much, why) is :func:`studio.mixing.carve.suggest_carve`.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from studio.analysis.findings import _hz_range_text, _hz_text
from studio.analysis.masking import (
    BandGrid,
    MaskingEstimate,
    TrackBands,
    _margin_words,
    _merged,
    _possessive,
    _present,
    _runs,
    check_masking_settings,
    estimate_from_bands,
    track_bands,
)
from studio.audio import Audio
from studio.dsp.units import db_to_power
from studio.errors import AudioDataError
from studio.text import t

__all__ = [
    "Collision",
    "MaskingMap",
    "MaskingMatrix",
    "MaskingPair",
    "collisions",
    "masking_map",
]

#: How many collisions ``str(map)`` lists before "and N more".
SHOWN = 8


@dataclass(frozen=True)
class Collision:
    """One place where a track (the masker) covers another (the maskee): a carvable band.

    Attributes
    ----------
    masker, maskee : str
        The track in the way and the track it hides.
    low_hz, high_hz : float
        Edges of the collision's band (at most ``window_octaves`` wide): where to carve.
    centre_hz : float
        Its centre, weighted by the maskee's covered energy in each band (Hz).
    band_labels : tuple of str
        Nominal third-octave bands in it (``("50", "63", "80")``).
    range_low_hz, range_high_hz : float
        The whole frequency range the maskee is masked in, which holds this band.
    share_of_time : float
        Share (0 .. 1) of the moments the maskee sounds during which it is masked here.
    energy_share : float
        Share (0 .. 1) of the maskee's audible energy that is masked here.
    mean_margin_db : float
        Masker minus maskee level where masked, weighted by the maskee's energy (dB).
    importance : float
        ``energy_share * share_of_time * (mean_margin_db + threshold_db)``: how much it
        matters, for ranking (see the module docstring).
    masker_share, maskee_share : float
        Share (0 .. 1) of each track's own audible energy that lies in this band: how
        much of itself each would lose if cut here (who owns the band).
    times_s : tuple of (float, float)
        Stretches ``(start_s, end_s)`` when it happens.
    threshold_db : float
        The threshold the estimate used.
    """

    masker: str
    maskee: str
    low_hz: float
    high_hz: float
    centre_hz: float
    band_labels: tuple[str, ...]
    range_low_hz: float
    range_high_hz: float
    share_of_time: float
    energy_share: float
    mean_margin_db: float
    importance: float
    masker_share: float
    maskee_share: float
    times_s: tuple[tuple[float, float], ...]
    threshold_db: float

    @property
    def tracks(self) -> tuple[str, str]:
        """``(masker, maskee)``."""
        return (self.masker, self.maskee)

    @property
    def band_text(self) -> str:
        """The band as nominal labels, ``"50-80"`` (or one label)."""
        labels = self.band_labels
        return labels[0] if len(labels) == 1 else f"{labels[0]}-{labels[-1]}"

    def summary(self) -> str:
        """One line in plain words: who masks whom, where, how much, how long."""
        low, high = _hz_range_text(_nice_hz(self.low_hz), _nice_hz(self.high_hz))
        return t(
            "analysis.masking_map.row",
            masker=self.masker,
            maskee=self.maskee,
            freq=_hz_text(_nice_hz(self.centre_hz)),
            low=low,
            high=high,
            share=round(100 * self.energy_share),
            whose=_possessive(self.maskee),
            time=round(100 * self.share_of_time),
            margin=_margin_words(self.mean_margin_db),
        )

    def __str__(self) -> str:
        return self.summary()


def _nice_hz(hz: float) -> float:
    """A frequency as a learner reads it: whole Hz below 1 kHz, else 3 figures (2.51 kHz)."""
    return float(round(hz)) if hz < 1000.0 else float(f"{hz:.3g}")


@dataclass(frozen=True)
class MaskingPair:
    """Two tracks and every collision between them, both ways round.

    Attributes
    ----------
    tracks : (str, str)
        The two tracks, in the order the map was given them.
    collisions : tuple of Collision
        Where either masks the other, most important first (empty when they do not
        collide).
    """

    tracks: tuple[str, str]
    collisions: tuple[Collision, ...]

    @property
    def importance(self) -> float:
        """The importance of the worst collision (0 when none)."""
        return self.collisions[0].importance if self.collisions else 0.0

    @property
    def worst(self) -> Collision | None:
        """The collision that matters most, or None."""
        return self.collisions[0] if self.collisions else None

    def __str__(self) -> str:
        if not self.collisions:
            return t("analysis.masking_map.pair_none", a=self.tracks[0], b=self.tracks[1])
        return "\n".join(c.summary() for c in self.collisions)


@dataclass(frozen=True, eq=False)
class MaskingMatrix:
    """The map as a tracks x tracks table, ready for a heat map.

    Attributes
    ----------
    tracks : tuple of str
        Row and column names, in the map's order.
    importance : numpy.ndarray
        ``(n, n)``: row ``i`` masking column ``j``, the importance of its worst collision
        (0 where none, NaN on the diagonal).
    centre_hz : numpy.ndarray
        ``(n, n)`` centre of that collision in Hz (NaN where none).
    bands : tuple of tuple of str
        ``bands[i][j]``: that collision's band as nominal labels (``"50-80"``), ``""``
        where none.
    """

    tracks: tuple[str, ...]
    importance: np.ndarray
    centre_hz: np.ndarray
    bands: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, eq=False)
class MaskingMap:
    """Which tracks collide in which bands, when, and how much it matters, worst first.

    Attributes
    ----------
    tracks : tuple of str
        The track names, in the order given.
    pairs : tuple of MaskingPair
        Every pair of tracks, the one with the most important collision first (pairs
        that do not collide come last, in the order given).
    collisions : tuple of Collision
        Every collision of every pair, most important first.
    gains_db : Mapping[str, float]
        The fader gain assumed for each track (dB).
    threshold_db, range_db, min_fraction : float
        The estimate's settings (see :func:`estimate_masking`).
    """

    tracks: tuple[str, ...]
    pairs: tuple[MaskingPair, ...]
    collisions: tuple[Collision, ...]
    gains_db: Mapping[str, float]
    threshold_db: float
    range_db: float
    min_fraction: float
    merge_gap_s: float
    _grid: BandGrid = field(repr=False)
    _bands: Mapping[str, TrackBands] = field(repr=False)

    def worst(self, n: int = 1) -> tuple[Collision, ...]:
        """The worst collision of each of the ``n`` pairs that collide most.

        ``map.worst()[0]`` is where to start; hand it to
        :func:`studio.mixing.carve.suggest_carve` for what to do.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise AudioDataError(f"MaskingMap.worst: n must be a whole number >= 0, got {n!r}.")
        found = [p.collisions[0] for p in self.pairs if p.collisions]
        return tuple(found[:n])

    def pair(self, a: str, b: str) -> MaskingPair:
        """The pair of tracks ``a`` and ``b`` (either order)."""
        for p in self.pairs:
            if set(p.tracks) == {a, b} and a != b:
                return p
        raise AudioDataError(
            f"MaskingMap: no pair {a!r} and {b!r}; the tracks are {', '.join(self.tracks)}."
        )

    def estimate(self, masker: str, maskee: str) -> MaskingEstimate:
        """The full estimate of one direction (its arrays over time), from the kept analysis.

        The same as :func:`estimate_masking` on the two stems with the map's settings
        and fader gains, without analysing them again.
        """
        for name in (masker, maskee):
            if name not in self._bands:
                raise AudioDataError(
                    f"MaskingMap: no track {name!r}; the tracks are {', '.join(self.tracks)}."
                )
        return estimate_from_bands(
            self._bands[masker],
            self._bands[maskee],
            self._grid,
            masker_name=masker,
            maskee_name=maskee,
            threshold_db=self.threshold_db,
            range_db=self.range_db,
            min_fraction=self.min_fraction,
            merge_gap_s=self.merge_gap_s,
            gain_db=self.gains_db[masker] - self.gains_db[maskee],
        )

    @property
    def matrix(self) -> MaskingMatrix:
        """Tracks x tracks (rows mask columns): importance and band of the worst collision."""
        n = len(self.tracks)
        index = {name: i for i, name in enumerate(self.tracks)}
        importance = np.zeros((n, n))
        centre = np.full((n, n), np.nan)
        bands = [[""] * n for _ in range(n)]
        for c in reversed(self.collisions):  # the worst one of each cell is written last
            i, j = index[c.masker], index[c.maskee]
            importance[i, j] = c.importance
            centre[i, j] = c.centre_hz
            bands[i][j] = c.band_text
        np.fill_diagonal(importance, np.nan)
        importance.flags.writeable = False
        centre.flags.writeable = False
        return MaskingMatrix(self.tracks, importance, centre, tuple(map(tuple, bands)))

    # -------------------------------------------------------------------- words

    def summary(self, limit: int = SHOWN) -> str:
        """The collisions in plain words, worst first, one line each (``limit`` at most)."""
        colliding = sum(1 for p in self.pairs if p.collisions)
        if not colliding:
            return t(
                "analysis.masking_map.none",
                n_tracks=len(self.tracks),
                threshold_db=self.threshold_db,
            )
        worst = self.worst(len(self.pairs))
        lines = [
            t(
                "analysis.masking_map.heading",
                n_tracks=len(self.tracks),
                n_pairs=colliding,
                n_all=len(self.pairs),
            )
        ]
        for rank, c in enumerate(worst[:limit], start=1):
            lines.append(t("analysis.masking_map.ranked", rank=rank, text=c.summary()))
        if len(worst) > limit:
            lines.append(t("analysis.masking_map.more", n=len(worst) - limit))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        worst = self.worst()
        pair = f", worst={worst[0].masker!r}>{worst[0].maskee!r}" if worst else ""
        return f"MaskingMap(tracks={self.tracks!r}{pair})"

    def _repr_html_(self) -> str:
        m = self.matrix
        top = np.nanmax(m.importance) if np.any(m.importance > 0) else 1.0
        esc = html.escape
        head = "".join(
            f'<th style="padding:2px 6px;font-weight:500">{esc(name)}</th>' for name in m.tracks
        )
        worst_of = {}  # (masker, maskee) -> its worst collision, for the cell's tooltip
        for c in reversed(self.collisions):
            worst_of[c.tracks] = c
        rows = []
        for i, name in enumerate(m.tracks):
            cells = []
            for j in range(len(m.tracks)):
                value = m.importance[i, j]
                if i == j:
                    cells.append('<td style="background:#eee"></td>')
                    continue
                alpha = 0.0 if not value > 0 else 0.12 + 0.88 * math.sqrt(value / top)
                ink = "#fff" if alpha > 0.55 else "inherit"
                found = worst_of.get((name, m.tracks[j]))
                tip = found.summary() if found is not None else ""
                cells.append(
                    f'<td style="padding:2px 6px;text-align:center;color:{ink};'
                    f'background:rgba(192,57,43,{alpha:.2f})" title="{esc(tip)}">'
                    f"{esc(m.bands[i][j])}</td>"
                )
            rows.append(
                f'<tr><th style="padding:2px 6px;text-align:right;font-weight:500">'
                f"{esc(name)}</th>{''.join(cells)}</tr>"
            )
        table = (
            '<table style="border-collapse:collapse;font-size:inherit">'
            f'<tr><th style="padding:2px 6px;text-align:right;opacity:0.7">'
            f"{esc(t('analysis.masking_map.corner'))}</th>{head}</tr>{''.join(rows)}</table>"
        )
        lines = self.summary().split("\n")
        listing = "".join(f"<div>{esc(line)}</div>" for line in lines[1:])
        return (
            '<div class="studio-masking-map" style="font-family:var(--jp-ui-font-family,'
            'system-ui,sans-serif);font-size:var(--jp-ui-font-size1,13px);line-height:1.45">'
            f'<div style="font-weight:600">{esc(lines[0])}</div>'
            f'<div style="opacity:0.75;margin:2px 0 4px 0">'
            f"{esc(t('analysis.masking_map.caption'))}</div>"
            f"{table}<div style='margin-top:6px'>{listing}</div></div>"
        )


# ------------------------------------------------------------------------- building


def _band_shares(bands: TrackBands) -> np.ndarray:
    """Share (0 .. 1) of a track's audible energy in each band."""
    energy = np.where(bands.present, bands.power, 0.0).sum(axis=1)
    total = float(energy.sum())
    return energy / total if total > 0 else energy


def _collisions_of(
    estimate: MaskingEstimate,
    maskee: TrackBands,
    masker_shares: np.ndarray,
    maskee_shares: np.ndarray,
    *,
    width: int,
    merge_gap_s: float,
) -> list[Collision]:
    """For each masked range of ``estimate``, its most important stretch of ``width`` bands."""
    if not estimate.ranges:
        return []
    masked = estimate.masked
    power = maskee.power
    covered = np.where(masked, power, 0.0)
    energy_per_band = covered.sum(axis=1)
    with np.errstate(invalid="ignore"):
        weighted_margin = np.where(masked, estimate.margin_db * power, 0.0).sum(axis=1)
    total = float(np.sum(power[maskee.present]))
    sounding = int(maskee.present.any(axis=0).sum())
    # counts[k] - counts[s] > 0 where some band s .. k-1 is masked at that moment
    counts = np.zeros((masked.shape[0] + 1, masked.shape[1]), dtype=np.int32)
    np.cumsum(masked, axis=0, out=counts[1:])
    times = estimate.times_s
    half_hop = (times[1] - times[0]) / 2.0 if times.size > 1 else 0.05
    threshold = estimate.threshold_db
    lower, upper, centres = estimate.lower_hz, estimate.upper_hz, estimate.centres_hz

    found = []
    for r in estimate.ranges:
        a = int(np.argmin(np.abs(lower - r.low_hz)))
        b = a + len(r.band_labels)
        w = min(width, b - a)
        best: tuple[float, int, np.ndarray] | None = None
        for s in range(a, b - w + 1):
            energy = float(energy_per_band[s : s + w].sum())
            if energy <= 0.0:
                continue
            hit = (counts[s + w] - counts[s]) > 0
            margin = float(weighted_margin[s : s + w].sum()) / energy
            score = energy / total * (hit.sum() / sounding) * max(margin + threshold, 0.0)
            if best is None or score > best[0]:
                best = (score, s, hit)
        if best is None:
            continue
        score, s, hit = best
        e = s + w
        energy = float(energy_per_band[s:e].sum())
        centre = math.exp(float(np.average(np.log(centres[s:e]), weights=energy_per_band[s:e])))
        stretches = [
            (float(times[i] - half_hop), float(times[j - 1] + half_hop)) for i, j in _runs(hit)
        ]
        found.append(
            Collision(
                masker=estimate.masker,
                maskee=estimate.maskee,
                low_hz=float(lower[s]),
                high_hz=float(upper[e - 1]),
                centre_hz=centre,
                band_labels=estimate.labels[s:e],
                range_low_hz=r.low_hz,
                range_high_hz=r.high_hz,
                share_of_time=float(hit.sum() / sounding),
                energy_share=energy / total,
                mean_margin_db=float(weighted_margin[s:e].sum()) / energy,
                importance=float(score),
                masker_share=float(masker_shares[s:e].sum()),
                maskee_share=float(maskee_shares[s:e].sum()),
                times_s=tuple(_merged(stretches, merge_gap_s)),
                threshold_db=threshold,
            )
        )
    return found


def _bands_of_estimate(estimate: MaskingEstimate, which: str) -> TrackBands:
    level = estimate.masker_dbfs if which == "masker" else estimate.maskee_dbfs
    return TrackBands(
        times_s=estimate.times_s,
        power=db_to_power(level),
        level_db=level,
        present=_present(level, estimate.range_db),
        window_s=0.1,
    )


def collisions(
    estimate: MaskingEstimate, *, window_octaves: float = 1.0, merge_gap_s: float = 1.0
) -> tuple[Collision, ...]:
    """The collisions of one pair estimate (one per masked range), most important first.

    Parameters
    ----------
    estimate : MaskingEstimate
        From :func:`estimate_masking` (or :meth:`MaskingMap.estimate`).
    window_octaves : float
        Widest collision band in octaves (1: what one EQ bell of Q about 1.4 covers).
    merge_gap_s : float
        Stretches of time closer than this are reported as one.
    """
    if not isinstance(estimate, MaskingEstimate):
        raise AudioDataError(
            f"collisions: expected a MaskingEstimate, got {type(estimate).__name__}."
        )
    width = _width(window_octaves, estimate.centres_hz)
    masker, maskee = _bands_of_estimate(estimate, "masker"), _bands_of_estimate(estimate, "maskee")
    found = _collisions_of(
        estimate,
        maskee,
        _band_shares(masker),
        _band_shares(maskee),
        width=width,
        merge_gap_s=merge_gap_s,
    )
    return tuple(sorted(found, key=lambda c: c.importance, reverse=True))


def _width(window_octaves: float, centres_hz: np.ndarray) -> int:
    """How many bands make ``window_octaves`` (at least one)."""
    if isinstance(window_octaves, bool) or not (
        isinstance(window_octaves, int | float) and 0.0 < window_octaves <= 4.0
    ):
        raise AudioDataError(
            f"masking map: window_octaves must be above 0 and at most 4, got {window_octaves!r}."
        )
    per_octave = 1.0 / math.log2(centres_hz[1] / centres_hz[0]) if centres_hz.size > 1 else 3.0
    return max(1, round(window_octaves * per_octave))


def _checked_stems(stems: Any) -> dict[str, Audio]:
    if not isinstance(stems, Mapping):
        raise AudioDataError(
            "masking_map: stems must be a mapping of track names to studio.Audio "
            f"(e.g. session.tracks), got {type(stems).__name__}."
        )
    if len(stems) < 2:
        raise AudioDataError(
            f"masking_map: needs at least two tracks to compare, got {len(stems)}."
        )
    out: dict[str, Audio] = {}
    for name, audio in stems.items():
        if not isinstance(name, str) or not name:
            raise AudioDataError(f"masking_map: track names must be text, got {name!r}.")
        if not isinstance(audio, Audio):
            raise AudioDataError(
                f"masking_map: track {name!r} must be a studio.Audio, got {type(audio).__name__}."
            )
        out[name] = audio
    rates = {a.sr for a in out.values()}
    if len(rates) > 1:
        listing = ", ".join(f"{n} {a.sr} Hz" for n, a in out.items())
        raise AudioDataError(
            f"masking_map: the tracks have different sample rates ({listing}); "
            "resample them to one rate first."
        )
    return out


def _checked_gains(gains_db: Any, names: tuple[str, ...]) -> dict[str, float]:
    if gains_db is None:
        return dict.fromkeys(names, 0.0)
    if not isinstance(gains_db, Mapping):
        raise AudioDataError(
            "masking_map: gains_db must map track names to fader gains in dB, "
            f"got {type(gains_db).__name__}."
        )
    unknown = sorted(set(gains_db) - set(names))
    if unknown:
        raise AudioDataError(
            f"masking_map: gains_db names {unknown[0]!r}, which is not a track; the tracks "
            f"are {', '.join(names)}."
        )
    out = {}
    for name in names:
        value = gains_db.get(name, 0.0)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise AudioDataError(
                f"masking_map: the gain of {name!r} must be a finite number of dB, got {value!r}."
            )
        out[name] = float(value)
    return out


def masking_map(
    stems: Mapping[str, Audio],
    *,
    gains_db: Mapping[str, float] | None = None,
    threshold_db: float = 3.0,
    range_db: float = 30.0,
    min_fraction: float = 0.25,
    fraction: int = 3,
    window_s: float = 0.1,
    hop_s: float = 0.025,
    merge_gap_s: float = 1.0,
    window_octaves: float = 1.0,
) -> MaskingMap:
    """Which tracks collide in which bands and when, every pair, the worst first.

    Parameters
    ----------
    stems : Mapping[str, Audio]
        The tracks by name (``session.tracks``), at one sample rate; shorter ones are
        taken as silent after their end.
    gains_db : Mapping[str, float], optional
        Fader gain per track in dB (missing tracks: 0), so the map describes the
        balance you hear (``demo.gains_db``).
    threshold_db, range_db, min_fraction, fraction, window_s, hop_s, merge_gap_s
        As for :func:`estimate_masking`.
    window_octaves : float
        Widest collision band, in octaves (1: what one EQ bell of Q about 1.4 covers).

    Returns
    -------
    MaskingMap
        ``print(map)`` for the collisions in words, the map itself in a notebook for a
        heat map, ``map.worst(3)``, ``map.matrix``, ``map.pairs``.

    Examples
    --------
    >>> import studio
    >>> demo = studio.demo.session()
    >>> m = masking_map(demo.tracks)  # doctest: +SKIP
    >>> m.worst(2)  # doctest: +SKIP
    """
    tracks = _checked_stems(stems)
    names = tuple(tracks)
    gains = _checked_gains(gains_db, names)
    check_masking_settings(
        threshold_db=threshold_db,
        range_db=range_db,
        min_fraction=min_fraction,
        merge_gap_s=merge_gap_s,
        what="masking_map",
    )
    sr = next(iter(tracks.values())).sr
    grid = BandGrid.for_rate(sr, fraction)
    width = _width(window_octaves, grid.centres_hz)
    n_frames = max(a.n_frames for a in tracks.values())
    bands = {
        name: track_bands(
            audio, grid, n_frames=n_frames, window_s=window_s, hop_s=hop_s, range_db=range_db
        )
        for name, audio in tracks.items()
    }
    shares = {name: _band_shares(b) for name, b in bands.items()}
    settings = {
        "threshold_db": threshold_db,
        "range_db": range_db,
        "min_fraction": min_fraction,
        "merge_gap_s": merge_gap_s,
    }
    pairs = []
    for a, b in itertools.combinations(names, 2):
        found: list[Collision] = []
        for masker, maskee in ((a, b), (b, a)):
            estimate = estimate_from_bands(
                bands[masker],
                bands[maskee],
                grid,
                masker_name=masker,
                maskee_name=maskee,
                gain_db=gains[masker] - gains[maskee],
                **settings,
            )
            found += _collisions_of(
                estimate,
                bands[maskee],
                shares[masker],
                shares[maskee],
                width=width,
                merge_gap_s=merge_gap_s,
            )
        found.sort(key=lambda c: c.importance, reverse=True)
        pairs.append(MaskingPair((a, b), tuple(found)))
    pairs.sort(key=lambda p: p.importance, reverse=True)  # stable: ties keep their order
    every = sorted(
        (c for p in pairs for c in p.collisions), key=lambda c: c.importance, reverse=True
    )
    return MaskingMap(
        tracks=names,
        pairs=tuple(pairs),
        collisions=tuple(every),
        gains_db=MappingProxyType(gains),
        threshold_db=float(threshold_db),
        range_db=float(range_db),
        min_fraction=float(min_fraction),
        merge_gap_s=float(merge_gap_s),
        _grid=grid,
        _bands=MappingProxyType(bands),
    )
