"""Carving room: where two tracks collide, which one gives way, where, by how much, and why.

A masking map (:func:`studio.analysis.masking_map.masking_map`) says *that* two tracks
collide; :func:`suggest_carve` says what to do about it, the way a mix engineer decides:

1. **Who owns the band.** The track that needs the band more keeps it: the one with the
   larger share of its own energy there (it would lose more of itself if cut). In the low
   end that settles kick against bass: the kick's body and the bass notes rarely hold the
   same share of each track. Two exceptions come first: a track you choose to keep
   (``keep=``), and the voice, which owns its presence range (1-5 kHz, where words are
   understood) whatever else plays there. When both need it (neither holds 1.5 times
   the other's share), the one in the way (the masker) gives way.
2. **Where and how wide.** A bell (peak) at the collision's centre, as wide as its band
   (one octave: Q about 1.4), never narrower than Q 2.5 nor wider than Q 1.
3. **How much.** Cutting the masker: enough to take it ``threshold_db`` below the
   maskee there on average (its mean margin plus the threshold), rounded up to half a
   dB, between 2 and 6 dB: a carve is modest, cuts before boosts. Cutting the maskee
   (a band it hardly needs, covered anyway): 3 dB, to clear the band, not to hide it.

The result is a :class:`Carve`: an :class:`~studio.processors.eq.EQBand`, its reasons as a
:class:`~studio.analysis.findings.Finding` (what, why, what to try, the EQ lesson), and the
changes that put the band into a track's EQ in a session, as ordinary ``(path, value)``
settings the session applies, shows and undoes like any other edit::

    carve = suggest_carve(masking_map(tracks))
    carve.changes()             # ((("tracks", "bass", "strip", "eq", "bands", 1, ...), ...)
    eq = carve.apply_to_eq(ParametricEQ())
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from studio.analysis.findings import Finding
from studio.analysis.masking import MaskingEstimate
from studio.analysis.masking_map import (
    Collision,
    MaskingMap,
    MaskingPair,
    _nice_hz,
    collisions,
)
from studio.errors import ParameterError
from studio.params import Path
from studio.processors.eq import EQBand, ParametricEQ

__all__ = [
    "MAX_CUT_DB",
    "MIN_CUT_DB",
    "PRESENCE_HZ",
    "VOICE_NAMES",
    "Carve",
    "suggest_carve",
]

#: The range where a voice is understood (consonants, the edge of the words), in Hz.
PRESENCE_HZ = (1000.0, 5000.0)

#: A track whose name holds one of these (any case) is taken as a voice.
VOICE_NAMES = ("voice", "vocal", "vox", "sing")

#: The smallest and largest cut a carve suggests (dB): modest, cuts before boosts.
MIN_CUT_DB, MAX_CUT_DB = 2.0, 6.0

#: The cut on a maskee in a band it hardly needs (dB): clears the band without hiding it.
CLEAR_CUT_DB = 3.0

#: A track owns a band when its share of its own energy there is this many times the
#: other's; closer than that, both need it and the one in the way gives way.
OWNER_RATIO = 1.5

#: The narrowest and widest bell (as Q) a carve uses.
Q_WIDEST, Q_NARROWEST = 1.0, 2.5

#: Why a track was chosen to give way; each has its words under
#: ``analysis.masking_map.carve.<reason>``.
REASONS = ("owned", "voice", "kept", "shared")

_BAND_FIELDS = ("kind", "freq_hz", "q", "gain_db")


def _is_voice(name: str) -> bool:
    lower = name.lower()
    return any(word in lower for word in VOICE_NAMES)


def _q_for(low_hz: float, high_hz: float) -> float:
    """The Q of a bell whose bandwidth spans ``low_hz .. high_hz`` (clipped to a carve's)."""
    octaves = max(math.log2(high_hz / low_hz), 1e-3)
    q = math.sqrt(2.0**octaves) / (2.0**octaves - 1.0)
    return round(min(max(q, Q_WIDEST), Q_NARROWEST), 2)


def _round_up_half(db: float) -> float:
    return math.ceil(db * 2.0 - 1e-9) / 2.0


@dataclass(frozen=True)
class Carve:
    """A suggested EQ cut that makes room for one track by cutting another.

    Attributes
    ----------
    track : str
        The track to cut (it gives way).
    other : str
        The track it makes room for (it keeps the band).
    band : EQBand
        The cut: a peak at the collision's centre, ``gain_db`` between -6 and -2 dB.
    reason : str
        Why ``track`` gives way: ``"owned"`` (``other`` needs the band more),
        ``"voice"`` (the voice owns its presence range), ``"kept"`` (you chose to keep
        ``other``) or ``"shared"`` (both need it about as much; ``track`` is in the way).
    collision : Collision
        The collision it answers.
    """

    track: str
    other: str
    band: EQBand
    reason: str
    collision: Collision

    @property
    def cut_db(self) -> float:
        """How much the bell cuts, in dB (positive)."""
        return -self.band.gain_db

    @property
    def eq_path(self) -> Path:
        """Where the track's EQ lives in a session: ``("tracks", track, "strip", "eq")``."""
        return ("tracks", self.track, "strip", "eq")

    @property
    def finding(self) -> Finding:
        """What collides, why this track gives way and what to try, as a finding."""
        c = self.collision
        ours = c.masker_share if self.track == c.masker else c.maskee_share
        theirs = c.maskee_share if self.track == c.masker else c.masker_share
        return Finding(
            kind="masking",
            key=f"analysis.masking_map.carve.{self.reason}",
            fields={
                "masker": c.masker,
                "maskee": c.maskee,
                "cut": self.track,
                "keep": self.other,
                "freq_hz": self.band.freq_hz,
                "low_hz": _nice_hz(c.low_hz),
                "high_hz": _nice_hz(c.high_hz),
                "cut_db": self.cut_db,
                "max_cut_db": MAX_CUT_DB,
                "q": self.band.q,
                "share_pct": round(100 * c.energy_share),
                "time_pct": round(100 * c.share_of_time),
                "margin_db": c.mean_margin_db,
                "cut_share_pct": round(100 * ours),
                "keep_share_pct": round(100 * theirs),
                "presence_low_hz": PRESENCE_HZ[0],
                "presence_high_hz": PRESENCE_HZ[1],
            },
            tracks=(self.track, self.other),
            low_hz=_nice_hz(c.low_hz),
            high_hz=_nice_hz(c.high_hz),
            start_s=max(0.0, c.times_s[0][0]) if c.times_s else None,
            end_s=c.times_s[-1][1] if c.times_s else None,
            lesson="mixing.eq",
            severity="warning",
        )

    def changes(
        self, eq_path: Path | None = None, eq: ParametricEQ | None = None
    ) -> tuple[tuple[Path, Any], ...]:
        """The settings that put this cut into the track's EQ, as ``(path, value)`` pairs.

        A free band (a bell at 0 dB, the one nearest in frequency) is reused: its
        shape, frequency, Q and gain are set, one change each. With no free bell, the
        band is added at the end (one change of the whole ``bands`` tuple). When the
        EQ already holds this very band, nothing is left to change.

        Parameters
        ----------
        eq_path : tuple, optional
            Where the EQ is (default :attr:`eq_path`, the track's strip in a session);
            ``()`` for paths inside the EQ itself.
        eq : ParametricEQ, optional
            The EQ as it is now (default: a fresh :class:`ParametricEQ`, as on a new
            strip).
        """
        path = self.eq_path if eq_path is None else tuple(eq_path)
        eq = ParametricEQ() if eq is None else eq
        if not isinstance(eq, ParametricEQ):
            raise ParameterError(
                f"Carve.changes: eq must be the track's ParametricEQ, got {type(eq).__name__}."
            )
        if self.band in eq.bands:
            return ()
        free = self._free_band(eq)
        if free is None:
            return (((*path, "bands"), (*eq.bands, self.band)),)
        old = eq.bands[free]
        return tuple(
            ((*path, "bands", free, name), getattr(self.band, name))
            for name in _BAND_FIELDS
            if getattr(old, name) != getattr(self.band, name)
        )

    def _free_band(self, eq: ParametricEQ) -> int | None:
        """The neutral, unautomated bell nearest the cut's frequency, if any."""
        free = [
            i
            for i, b in enumerate(eq.bands)
            if b.kind == "peak" and b.gain_db == 0.0 and not b.moves
        ]
        if not free:
            return None
        target = math.log(self.band.freq_hz)
        return min(free, key=lambda i: abs(math.log(eq.bands[i].freq_hz) - target))

    def apply_to_eq(self, eq: ParametricEQ | None = None) -> ParametricEQ:
        """``eq`` (default: a fresh one) with this cut in it; the original is untouched."""
        eq = ParametricEQ() if eq is None else eq
        for path, value in self.changes((), eq):
            eq = eq.replace(path, value)
        return eq

    def __str__(self) -> str:
        return str(self.finding)

    def _repr_html_(self) -> str:
        return self.finding._repr_html_()


def _collision_of(source: Any) -> Collision:
    if isinstance(source, Collision):
        return source
    if isinstance(source, MaskingMap):
        worst = source.worst()
    elif isinstance(source, MaskingPair):
        worst = source.collisions[:1]
    elif isinstance(source, MaskingEstimate):
        worst = collisions(source)[:1]
    else:
        raise ParameterError(
            "suggest_carve: give a masking map, a pair of it, one of its collisions or an "
            f"estimate_masking result; got {type(source).__name__}."
        )
    if not worst:
        raise ParameterError(
            "suggest_carve: nothing to carve, the tracks do not noticeably mask each other."
        )
    return worst[0]


def _owner(c: Collision, keep: str | None) -> tuple[str, str]:
    """Which track keeps the band, and why."""
    if keep is not None:
        if keep not in c.tracks:
            raise ParameterError(
                f"suggest_carve: keep={keep!r} is not one of the two tracks "
                f"({c.masker!r}, {c.maskee!r})."
            )
        return keep, "kept"
    voices = [name for name in c.tracks if _is_voice(name)]
    if len(voices) == 1 and PRESENCE_HZ[0] <= c.centre_hz <= PRESENCE_HZ[1]:
        return voices[0], "voice"
    if c.maskee_share >= OWNER_RATIO * c.masker_share:
        return c.maskee, "owned"
    if c.masker_share >= OWNER_RATIO * c.maskee_share:
        return c.masker, "owned"
    return c.maskee, "shared"


def suggest_carve(
    source: MaskingMap | MaskingPair | Collision | MaskingEstimate,
    *,
    keep: str | None = None,
) -> Carve:
    """Suggest one EQ cut that makes room where two tracks collide.

    Parameters
    ----------
    source : MaskingMap, MaskingPair, Collision or MaskingEstimate
        A map (its worst collision is carved), one of its pairs (that pair's worst), a
        collision (``map.worst(3)[1]``), or one pair's :func:`estimate_masking`.
    keep : str, optional
        The track that keeps the band, when you have decided yourself; the other gives
        way.

    Returns
    -------
    Carve
        ``print(carve)`` for what, why and what to try; ``carve.band`` the EQ band;
        ``carve.changes()`` the settings for a session; ``carve.apply_to_eq(eq)``.

    Raises
    ------
    ParameterError
        When there is no collision to carve, or ``keep`` is not one of the two tracks.
    """
    c = _collision_of(source)
    owner, reason = _owner(c, keep)
    track = c.masker if owner == c.maskee else c.maskee
    if track == c.masker:  # take it threshold_db below the maskee there, on average
        depth = _round_up_half(c.mean_margin_db + c.threshold_db)
    else:  # the maskee gives up a band it hardly needs
        depth = CLEAR_CUT_DB
    depth = min(max(depth, MIN_CUT_DB), MAX_CUT_DB)
    band = EQBand(
        kind="peak",
        freq_hz=max(20.0, _nice_hz(c.centre_hz)),
        gain_db=-depth,
        q=_q_for(c.low_hz, c.high_hz),
    )
    return Carve(track=track, other=owner, band=band, reason=reason, collision=c)
