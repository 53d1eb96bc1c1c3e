"""A starting balance: fader levels and pans proposed from the stems themselves.

Step 2 of mixing, the *static balance*, usually starts the same way: the voice on top,
kick, snare and bass a few LU under it, the harmony instruments further down, pads and
effects lowest; kick, snare, bass and voice in the middle, the rest spread left and
right. :func:`suggest_balance` does that first pass for you and says why at every step,
so you can hear the result, disagree with it and move on from there::

    from studio.mixing import suggest_balance
    s = suggest_balance(stems)           # dict of track name -> Audio
    s                                    # a table: role, fader, pan and the reason
    s.changes(amount_pct=50)             # halfway from where the faders are now

What it does, in order:

1. **Roles.** Each track's role (kick, bass, lead vocal, pad...) comes from its name,
   in English or Spanish (``"Kick In"``, ``"bajo"``, ``"voz principal"``); when the name
   says nothing, from the sound (short low hits are a kick, a steady sound with little
   low end a pad...); ``roles=`` overrides both. See :mod:`studio.mixing.roles`.
2. **Loudness.** Each track is measured the way a loudness meter hears it (BS.1770,
   K-weighted, in LUFS): the integrated loudness for sustained parts; for drums that
   hit (kick, snare, toms, percussion) the loudest 0.4 s around each hit, the median
   over its hits, so a part that plays once a bar reads the same as one that plays
   every beat, and ghost notes do not pull it down.
3. **Levels.** Each role sits a set number of LU under the *lead* (the lead vocal, or
   else a lead instrument, or else the loudest melodic part; ``lead=`` chooses), see
   :data:`~studio.mixing.roles.ROLES`: bass 3 LU under, kick and snare 2 (read by
   their hits, which sit a little above their average), keys and guitars 6, pads 9.
4. **Headroom.** The tracks are summed with those levels and pans, and every fader is
   moved by the same amount so the mix peaks at -6 dBFS, the headroom mastering needs.
5. **Pans.** Kick, snare, bass and the lead stay centred. Parts that share a role go
   to opposite sides (two guitars: one left, one right); a part alone in its role goes
   to the side that has less so far; a name that says "L" or "R" is followed. Stereo
   tracks are only nudged (balance), never panned hard; stereo pads, strings,
   overheads and rooms stay centred because they spread themselves.

Nothing is applied behind your back: :meth:`BalanceSuggestion.changes` gives ordinary
``(path, value)`` settings for the faders, scaled by an amount from 0 to 100 %.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.mixing.roles import (
    ROLES,
    Role,
    name_role,
    name_side,
    role_from_name,
    role_from_sound,
    sound_of,
)
from studio.text import t

__all__ = [
    "DEFAULT_MIX_PEAK_DBFS",
    "ROLES",
    "BalanceSuggestion",
    "Role",
    "TrackSuggestion",
    "role_from_name",
    "suggest_balance",
]

DEFAULT_MIX_PEAK_DBFS = -6.0
"""Where the summed mix peaks after the suggestion: the curriculum's headroom for mastering."""

_FADER_MIN_DB, _FADER_MAX_DB = -120.0, 24.0  # the range of studio.Fader.gain_db
_WIDTH = 88


_SUM_BLOCK = 1 << 15  # frames summed at a time for the headroom check

_STEREO_NUDGE = 0.5  # a stereo track moves half as far as a mono one would...
_STEREO_MAX = 0.25  # ...and never further than this

# ---------------------------------------------------------------------------- the sound


class _Level(NamedTuple):
    lufs: float  # -inf: silent
    how: str  # "integrated", "hits" or "short"
    n_hits: int = 0


def _loudness(audio: Audio, name: str, *, hits: bool) -> _Level:
    """How loud a track is, as a loudness meter hears it (LUFS).

    Sustained parts: the integrated loudness (BS.1770, gated). Parts that hit: the
    loudest 400 ms window around each hit (the peaks of the momentary loudness, at
    least 0.4 s apart), the median of those within 10 LU of the loudest, so how often
    a drum plays does not change how loud it reads, and ghost notes do not count.
    """
    from scipy.signal import find_peaks

    from studio.dsp.loudness import (
        ABSOLUTE_GATE_LUFS,
        MOMENTARY_WINDOW_S,
        SERIES_HOP_S,
        loudness_profile,
    )

    x, sr = audio.samples, audio.sr
    block = int(math.ceil(MOMENTARY_WINDOW_S * sr))
    if x.shape[1] < block:
        # Shorter than one 400 ms block: count it as one block, so a one-shot sample
        # reads what the same hit reads inside a longer file.
        padded = np.zeros((x.shape[0], block), dtype=x.dtype)
        padded[:, : x.shape[1]] = x
        profile = loudness_profile(padded, sr, what=name)
        return _Level(profile.integrated_lufs, "short")
    profile = loudness_profile(x, sr, what=name)
    if not hits:
        return _Level(profile.integrated_lufs, "integrated")
    floor = ABSOLUTE_GATE_LUFS - 100.0
    momentary = np.where(np.isfinite(profile.momentary.lufs), profile.momentary.lufs, floor)
    edged = np.concatenate([[floor], momentary, [floor]])  # a hit at either end counts too
    apart = max(1, round(MOMENTARY_WINDOW_S / SERIES_HOP_S))
    peaks = edged[find_peaks(edged, distance=apart)[0]]
    top = float(np.max(peaks)) if peaks.size else -math.inf
    if not top > ABSOLUTE_GATE_LUFS:
        return _Level(-math.inf, "hits")
    kept = peaks[peaks > max(top - 10.0, ABSOLUTE_GATE_LUFS)]
    return _Level(float(np.median(kept)), "hits", kept.size)


def _sum_peak(
    named: Mapping[str, Audio], gains_db: Mapping[str, float], pans: Mapping[str, float]
) -> float:
    """Sample peak (linear) of the tracks summed to stereo, by the fader's pan law.

    Summed a block at a time in float32. Gains before the common move may lie outside
    a fader's range, so this does not go through :func:`~studio.mixing.mixdown`.
    """
    from studio.dsp.pan import balance_gains, pan_gains

    sides = {}
    for name, gain_db in gains_db.items():
        place = pan_gains if named[name].n_channels == 1 else balance_gains
        level = 10.0 ** (gain_db / 20.0)
        sides[name] = [np.float32(level * float(g)) for g in place(pans[name])]
    n = max(named[name].n_frames for name in gains_db)
    peak = 0.0
    block = np.empty((2, _SUM_BLOCK), dtype=np.float32)
    scratch = np.empty(_SUM_BLOCK, dtype=np.float32)
    for start in range(0, n, _SUM_BLOCK):
        stop = min(n, start + _SUM_BLOCK)
        out = block[:, : stop - start]
        out.fill(0.0)
        for name, (left, right) in sides.items():
            x = named[name].samples[:, start:stop]
            k = x.shape[1]
            for side, gain, row in ((0, left, x[0]), (1, right, x[-1])):
                np.multiply(row, gain, out=scratch[:k])
                out[side, :k] += scratch[:k]
        peak = max(peak, float(np.max(np.abs(out))))
    return peak


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class TrackSuggestion:
    """What the assistant proposes for one track, and why.

    Attributes
    ----------
    track : str
        The track's name.
    role : str
        Its role, a key of :data:`ROLES`.
    role_source : str
        Where the role came from: ``"name"``, ``"content"`` or ``"user"``.
    gain_db : float
        Suggested fader gain in dB (headroom trim included).
    pan : float
        Suggested pan, -1 (left) .. +1 (right); a balance for stereo tracks.
    reason : str
        The reason in plain words: what was measured and what follows from it.
    loudness_lufs : float
        What was measured (``-inf`` for a silent track).
    offset_lu : float
        Where the role sits relative to the lead, in LU.
    silent : bool
        Nothing to measure: its fader and pan are left as they are.
    """

    track: str
    role: str
    role_source: str
    gain_db: float
    pan: float
    reason: str
    loudness_lufs: float = math.nan
    offset_lu: float = 0.0
    silent: bool = False


def _amount(amount_pct: Any) -> float:
    if isinstance(amount_pct, bool):
        amount = math.nan
    else:
        try:
            amount = float(amount_pct)
        except (TypeError, ValueError):
            amount = math.nan
    if not 0.0 <= amount <= 100.0:
        raise ParameterError(
            f"amount_pct must be a number from 0 (change nothing) to 100 (the whole "
            f"suggestion), got {amount_pct!r}."
        )
    return amount


def _current_value(
    current: Mapping[Any, Any], path: tuple, default: float, lo: float, hi: float
) -> float:
    value = current.get(path, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not lo <= number <= hi:
        raise ParameterError(
            f"current value at {path!r} must be a number from {lo:g} to {hi:g}, got {value!r}."
        )
    return number


def _fader_path(track: str, field_name: str) -> tuple[str, ...]:
    return ("tracks", track, "strip", "fader", field_name)


@dataclass(frozen=True)
class BalanceSuggestion:
    """A proposed static balance: a fader level and a pan per track, each with its reason.

    Shows itself as a table in a notebook and as text with ``print``. Nothing is
    applied until you take :meth:`changes` and apply them.

    Attributes
    ----------
    tracks : tuple of TrackSuggestion
        One per track, in the order the stems were given.
    lead : str or None
        The track everything is set against (None when every track is silent).
    lead_lufs : float
        The lead's measured loudness.
    lead_source : str
        Why that track is the lead: ``"user"``, ``"voice"``, ``"instrument"``
        (a lead instrument), ``"melodic"`` (the loudest melodic part) or
        ``"loudest"``.
    trim_db : float
        How far every fader was moved together to give the mix its headroom.
    mix_peak_dbfs : float
        The sample peak of the mix with the suggested faders and pans.
    """

    tracks: tuple[TrackSuggestion, ...]
    lead: str | None
    lead_lufs: float
    lead_source: str
    trim_db: float
    mix_peak_dbfs: float

    def __getitem__(self, track: str) -> TrackSuggestion:
        for item in self.tracks:
            if item.track == track:
                return item
        raise KeyError(
            f"no track {track!r} in this suggestion; its tracks are: "
            f"{', '.join(s.track for s in self.tracks)}."
        )

    @property
    def gains_db(self) -> dict[str, float]:
        """Suggested fader gains by track (silent tracks left out), ready for ``mixdown``."""
        return {s.track: s.gain_db for s in self.tracks if not s.silent}

    @property
    def pans(self) -> dict[str, float]:
        """Suggested pans by track (silent tracks left out), ready for ``mixdown``."""
        return {s.track: s.pan for s in self.tracks if not s.silent}

    def paths(self) -> tuple[tuple[str, ...], ...]:
        """The settings the suggestion touches: each track's fader gain and pan, in order.

        Read their current values from a session with these paths, and hand them to
        :meth:`changes` as ``current``.
        """
        return tuple(
            _fader_path(s.track, field_name)
            for s in self.tracks
            for field_name in ("gain_db", "pan")
        )

    def changes(
        self,
        amount_pct: float = 100.0,
        *,
        current: Mapping[tuple, float] | None = None,
    ) -> tuple[tuple[tuple[str, ...], float], ...]:
        """The suggestion as settings: ``(path, value)`` for every track's fader and pan.

        Parameters
        ----------
        amount_pct : float
            How much of the way to go, 0 to 100 %: 0 leaves every fader where it is,
            100 gives the whole suggestion, 50 goes halfway (in dB for the levels).
        current : mapping of path -> float, optional
            Where the faders are now, by path
            (``("tracks", "bass", "strip", "fader", "gain_db")``); a path not given
            is at 0 dB and centred. Other paths are ignored.

        Returns
        -------
        tuple of (path, value)
            Two per track, gain then pan, in track order. A silent track keeps its
            current values.

        Raises
        ------
        ParameterError
            If ``amount_pct`` is not a number from 0 to 100, or a current value is out
            of the fader's range.
        """
        amount = _amount(amount_pct) / 100.0
        now = {} if current is None else current
        if not isinstance(now, Mapping):
            raise ParameterError(
                "current must be a mapping of path -> value, e.g. "
                '{("tracks", "bass", "strip", "fader", "gain_db"): -4.0}; '
                f"got {type(now).__name__}."
            )
        out: list[tuple[tuple[str, ...], float]] = []
        for s in self.tracks:
            for field_name, target, lo, hi in (
                ("gain_db", s.gain_db, _FADER_MIN_DB, _FADER_MAX_DB),
                ("pan", s.pan, -1.0, 1.0),
            ):
                path = _fader_path(s.track, field_name)
                start = _current_value(now, path, 0.0, lo, hi)
                value = start if s.silent else start + (target - start) * amount
                out.append((path, float(min(hi, max(lo, value)))))
        return tuple(out)

    # ------------------------------------------------------------------ showing it

    def summary(self) -> str:
        """The lines above the table: the lead, and the headroom move."""
        if self.lead is None:
            return t("balance.layout.all_silent")
        lines = [
            t(
                "balance.layout.heading",
                n=len(self.tracks),
                lead=self.lead,
                lead_lufs=self.lead_lufs,
                why=t(f"balance.lead.{self.lead_source}"),
            )
        ]
        direction = "down" if self.trim_db <= 0.0 else "up"
        lines.append(
            t(
                f"balance.layout.headroom_{direction}",
                trim_db=abs(self.trim_db),
                peak_dbfs=self.mix_peak_dbfs,
            )
        )
        return "\n".join(lines)

    def _cells(self, s: TrackSuggestion) -> tuple[str, str, str, str, str]:
        role = t(f"balance.roles.{s.role}")
        source = t(f"balance.sources.{s.role_source}")
        if s.silent:
            none = t("balance.layout.unchanged")
            return s.track, role, source, none, none
        return s.track, role, source, f"{s.gain_db:+.1f} dB", _pan_short(s.pan)

    def __str__(self) -> str:
        heads = tuple(
            t(f"balance.layout.columns.{c}") for c in ("track", "role", "source", "fader", "pan")
        )
        rows = [self._cells(s) for s in self.tracks]
        widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(5)]

        def line(cells: tuple[str, ...]) -> str:
            left = "  ".join(c.ljust(w) for c, w in zip(cells[:3], widths[:3], strict=True))
            right = "  ".join(c.rjust(w) for c, w in zip(cells[3:], widths[3:], strict=True))
            return f"  {left}  {right}"

        out = [wrapped for text in self.summary().splitlines() for wrapped in _wrap(text, 0)]
        out.append(line(heads))
        for s, cells in zip(self.tracks, rows, strict=True):
            out.append(line(cells))
            out.extend(_wrap(s.reason, 6))
        return "\n".join(out)

    def _repr_html_(self) -> str:
        esc = html.escape
        columns = ("track", "role", "source", "fader", "pan", "why")
        heads = "".join(
            f'<th style="text-align:left;padding:2px 8px">{esc(t(f"balance.layout.columns.{c}"))}'
            "</th>"
            for c in columns
        )
        body = []
        for s in self.tracks:
            track, role, source, fader, pan = self._cells(s)
            cells = [track, role, source, fader, pan, s.reason]
            aligns = ["left", "left", "left", "right", "right", "left"]
            body.append(
                "<tr>"
                + "".join(
                    f'<td style="text-align:{a};padding:2px 8px;vertical-align:top">{esc(c)}</td>'
                    for c, a in zip(cells, aligns, strict=True)
                )
                + "</tr>"
            )
        summary = "<br>".join(esc(line) for line in self.summary().splitlines())
        return (
            f"<div><div style='margin-bottom:4px'>{summary}</div>"
            f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        )


def _sentence(text: str) -> str:
    """The first letter in capitals: a role's name may open the reason."""
    return text[:1].upper() + text[1:]


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(
        text, _WIDTH, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False
    )


def _pan_short(pan: float) -> str:
    amount = round(abs(pan) * 100.0)
    if amount == 0:
        return t("balance.pan.short_centre")
    return t("balance.pan.short_left" if pan < 0 else "balance.pan.short_right", amount=amount)


def _pan_words(pan: float) -> str:
    amount = round(abs(pan) * 100.0)
    if amount == 0:
        return t("balance.pan.centre")
    return t("balance.pan.left" if pan < 0 else "balance.pan.right", amount=amount)


# ------------------------------------------------------------------------------ the pans


class _Placed(NamedTuple):
    pan: float
    reason: str


def _role_word(role: str) -> str:
    return t(f"balance.roles.{role}")


def _slots(spec: Role, n: int) -> list[float]:
    """Distances from the centre for ``n`` tracks of one role, signed for the first side.

    One track: its lone distance. Several: pairs from the outside in, one side then the
    other, so no two sit on the same side while a free one is left; an odd one out
    takes the centre.
    """
    if n == 1:
        return [spec.lone_pan]
    pairs = n // 2
    out: list[float] = []
    for k in range(pairs):
        distance = spec.group_pan * (pairs - k) / pairs
        out += [distance, -distance]
    if n % 2:
        out.append(0.0)
    return out


def _place(tracks: list[tuple[str, str, int]], lead: str | None) -> dict[str, _Placed]:
    """A pan for every (name, role, channels), each with its reason."""
    placed: dict[str, _Placed] = {}
    families: dict[str, list[tuple[str, int]]] = {}
    for name, role, channels in tracks:
        if name == lead:
            placed[name] = _Placed(0.0, t("balance.pan.centre_lead"))
        elif ROLES[role].centred:
            placed[name] = _Placed(0.0, t("balance.pan.centre_role", role=_role_word(role)))
        else:
            families.setdefault(role, []).append((name, channels))
    load = {-1: 0.0, 1: 0.0}  # how far out each side is already
    tie = 1  # first tie goes right, the next left, and so on
    for role, members in families.items():
        spec, n = ROLES[role], len(members)
        if load[-1] != load[1]:
            start = -1 if load[-1] < load[1] else 1
        else:
            start, tie = tie, -tie
        slots = [start * s for s in _slots(spec, n)]
        free = list(range(n))
        chosen: dict[str, tuple[float, str]] = {}
        for name, _ in members:  # a name that says its side gets a slot on that side
            side = name_side(name)
            if side is None:
                continue
            sign, word = side
            pick = next((i for i in free if slots[i] * sign > 0), free[0])
            free.remove(pick)
            distance = abs(slots[pick]) or spec.group_pan
            chosen[name] = (sign * distance, t("balance.pan.named", word=word))
        for name, _ in members:
            if name in chosen:
                continue
            pick = free.pop(0)
            slot = slots[pick]
            if n == 1 and slot == 0.0:
                why = t("balance.pan.lone_centre", role=_role_word(role))
            elif n == 1:
                why = t("balance.pan.lone", role=_role_word(role))
            elif slot == 0.0:
                why = t("balance.pan.group_middle", n=n, role=_role_word(role))
            else:
                why = t("balance.pan.group", n=n, role=_role_word(role))
            chosen[name] = (slot, why)
        for name, channels in members:
            slot, why = chosen[name]
            if channels == 2 and spec.wide:
                pan = 0.0
                reason = t("balance.pan.stereo_wide", role=_role_word(role))
            elif channels == 2 and slot != 0.0:
                pan = math.copysign(min(abs(slot) * _STEREO_NUDGE, _STEREO_MAX), slot)
                reason = t(
                    "balance.pan.stereo",
                    position=_pan_words(pan),
                    mono=_pan_words(slot),
                    why=why,
                )
            else:
                pan = slot
                reason = t("balance.pan.placed", position=_pan_words(pan), why=why)
            if pan != 0.0:
                load[1 if pan > 0 else -1] += abs(pan)
            placed[name] = _Placed(pan, reason)
    return placed


# ------------------------------------------------------------------------------ the call


def _checked_stems(stems: Any) -> dict[str, Audio]:
    if not isinstance(stems, Mapping):
        raise AudioDataError(
            "suggest_balance: stems must be a dict of track name -> studio.Audio, got "
            f"{type(stems).__name__}."
        )
    if not stems:
        raise AudioDataError("suggest_balance: there are no stems to balance (the dict is empty).")
    named = {}
    for key, audio in stems.items():
        name = str(key)
        if not isinstance(audio, Audio):
            raise AudioDataError(
                f"suggest_balance: track {name!r} is a {type(audio).__name__}, not a "
                "studio.Audio; wrap samples with studio.Audio(samples, sr)."
            )
        if audio.n_channels not in (1, 2):
            raise AudioDataError(
                f"suggest_balance: track {name!r} has {audio.n_channels} channels; only mono "
                "and stereo tracks go on a fader."
            )
        if audio.n_frames == 0:
            raise AudioDataError(f"suggest_balance: track {name!r} has no samples (0 frames).")
        named[name] = audio
    rates = {a.sr for a in named.values()}
    if len(rates) > 1:
        listing = ", ".join(f"{n} {a.sr} Hz" for n, a in named.items())
        raise AudioDataError(
            f"suggest_balance: all tracks must share one sample rate, but they differ "
            f"({listing}); resample them first."
        )
    return named


def _user_role(track: str, value: Any) -> str:
    if isinstance(value, str):
        if value in ROLES:
            return value
        found = name_role(value)
        if found:
            return found[0]
    raise ParameterError(
        f"suggest_balance: the role {value!r} given for {track!r} is not one the assistant "
        f"knows; use one of: {', '.join(ROLES)}."
    )


def _checked_roles(roles: Any, names: list[str]) -> dict[str, str]:
    if roles is None:
        return {}
    if not isinstance(roles, Mapping):
        raise ParameterError(
            f"suggest_balance: roles must be a dict of track name -> role, got "
            f"{type(roles).__name__}."
        )
    unknown = [str(k) for k in roles if str(k) not in names]
    if unknown:
        raise ParameterError(
            f"suggest_balance: roles names {', '.join(map(repr, unknown))}, which "
            f"{'is not a track' if len(unknown) == 1 else 'are not tracks'}; "
            f"the tracks are: {', '.join(names)}."
        )
    return {str(k): _user_role(str(k), v) for k, v in roles.items()}


def _checked_peak(mix_peak_dbfs: Any) -> float:
    try:
        peak = float(mix_peak_dbfs)
    except (TypeError, ValueError):
        peak = math.nan
    if isinstance(mix_peak_dbfs, bool) or not -60.0 <= peak <= 0.0:
        raise ParameterError(
            "suggest_balance: mix_peak_dbfs must be from -60 to 0 dBFS (-6 leaves the usual "
            f"headroom for mastering), got {mix_peak_dbfs!r}."
        )
    return peak


class _Track(NamedTuple):
    name: str
    role: str
    source: str
    role_text: str
    level: _Level


def _with_roles(named: dict[str, Audio], given: dict[str, str]) -> list[_Track]:
    out = []
    for name, audio in named.items():
        if name in given:
            role, source = given[name], "user"
            role_text = t("balance.role.user", role=_role_word(role))
        elif (found := name_role(name)) is not None:
            role, source = found[0], "name"
            role_text = t("balance.role.name", role=_role_word(role), word=found[1])
        elif not np.any(audio.samples):
            role, source = "other", "content"
            role_text = t("balance.role.unknown")
        else:
            role, evidence = role_from_sound(sound_of(audio))
            source = "content"
            role_text = t("balance.role.content", role=_role_word(role), evidence=evidence)
        level = _loudness(audio, name, hits=ROLES[role].hits)
        out.append(_Track(name, role, source, role_text, level))
    return out


def _choose_lead(tracks: list[_Track], lead: Any) -> tuple[_Track | None, str]:
    heard = [tr for tr in tracks if math.isfinite(tr.level.lufs)]
    if lead is not None:
        by_name = {tr.name: tr for tr in tracks}
        if not isinstance(lead, str) or lead not in by_name:
            raise ParameterError(
                f"suggest_balance: lead {lead!r} is not a track; the tracks are: "
                f"{', '.join(by_name)}."
            )
        if not math.isfinite(by_name[lead].level.lufs):
            raise ParameterError(
                f"suggest_balance: the lead {lead!r} is silent (nothing above -70 LUFS), so "
                "nothing can be set against it; choose another lead."
            )
        return by_name[lead], "user"
    for source, fits in (
        ("voice", lambda tr: tr.role == "lead_vocal"),
        ("instrument", lambda tr: tr.role == "lead"),
        ("melodic", lambda tr: ROLES[tr.role].melodic),
        ("loudest", lambda tr: True),
    ):
        found = [tr for tr in heard if fits(tr)]
        if found:
            return max(found, key=lambda tr: tr.level.lufs), source
    return None, "loudest"


def _silent(tr: _Track) -> TrackSuggestion:
    """A track with nothing to measure: left where it is, and said so."""
    reason = _sentence(t("balance.reason_silent", role=tr.role_text))
    offset = ROLES[tr.role].target_lu
    return TrackSuggestion(
        tr.name, tr.role, tr.source, 0.0, 0.0, reason, -math.inf, offset, silent=True
    )


def _measured_text(level: _Level, audio: Audio) -> str:
    return t(
        f"balance.level.{level.how}",
        lufs=level.lufs,
        duration_s=audio.duration_s,
        n_hits=level.n_hits,
    )


def suggest_balance(
    stems: Mapping[str, Audio],
    *,
    roles: Mapping[str, str] | None = None,
    lead: str | None = None,
    mix_peak_dbfs: float = DEFAULT_MIX_PEAK_DBFS,
) -> BalanceSuggestion:
    """Propose a starting balance: a fader level and a pan per track, each with its reason.

    The tracks are measured, given roles, set a role's distance under the lead, spread
    left and right, and then all moved together so the summed mix peaks at
    ``mix_peak_dbfs``. See the module text for each step. Nothing is changed: apply
    :meth:`BalanceSuggestion.changes` when you agree.

    Parameters
    ----------
    stems : dict of str -> Audio
        The tracks by name, mono or stereo, at one sample rate (lengths may differ).
    roles : dict of str -> str, optional
        Roles you set yourself, by track name: a key of :data:`ROLES` (``"pad"``) or a
        word the names understand (``"bajo"``). Other tracks are guessed.
    lead : str, optional
        The track everything is set against. By default the lead vocal (the loudest if
        several), else a lead instrument, else the loudest melodic part.
    mix_peak_dbfs : float
        Where the summed mix should peak, -60 to 0 dBFS (default -6: headroom for
        mastering).

    Returns
    -------
    BalanceSuggestion

    Raises
    ------
    AudioDataError
        No stems, a stem that is not Audio, has more than two channels, no samples or
        values that are not finite, or stems at different sample rates.
    ParameterError
        A role or a lead naming a track that does not exist, a role the assistant does
        not know, a silent lead, or a peak out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> rng = np.random.default_rng(0)
    >>> noise = lambda level: Audio(level * rng.standard_normal((1, 48000)), 48000)
    >>> s = suggest_balance({"voice": noise(0.1), "bass": noise(0.1)})
    >>> round(s["bass"].gain_db - s["voice"].gain_db, 1)   # bass 3 LU under the voice
    -3.0
    >>> s["bass"].pan, s["voice"].pan
    (0.0, 0.0)
    """
    named = _checked_stems(stems)
    given = _checked_roles(roles, list(named))
    target_peak = _checked_peak(mix_peak_dbfs)
    tracks = _with_roles(named, given)
    reference, lead_source = _choose_lead(tracks, lead)
    heard = [tr for tr in tracks if math.isfinite(tr.level.lufs)]
    if reference is None:
        items = tuple(_silent(tr) for tr in tracks)
        return BalanceSuggestion(items, None, -math.inf, lead_source, 0.0, -math.inf)

    lead_lufs = reference.level.lufs
    offsets = {tr.name: 0.0 if tr is reference else ROLES[tr.role].target_lu for tr in heard}
    raw_db = {tr.name: lead_lufs + offsets[tr.name] - tr.level.lufs for tr in heard}
    placed = _place([(tr.name, tr.role, named[tr.name].n_channels) for tr in heard], reference.name)
    pans = {name: p.pan for name, p in placed.items()}

    raw_peak = _sum_peak(named, raw_db, pans)
    trim = target_peak - 20.0 * math.log10(raw_peak) if raw_peak > 0.0 else 0.0
    final = {n: min(_FADER_MAX_DB, max(_FADER_MIN_DB, g + trim)) for n, g in raw_db.items()}
    clamped = {n for n in final if final[n] != raw_db[n] + trim}
    peak = _sum_peak(named, final, pans) if clamped else raw_peak * 10.0 ** (trim / 20.0)
    mix_peak = 20.0 * math.log10(peak) if peak > 0.0 else -math.inf
    trim_key = "balance.level.trim_down" if trim <= 0.0 else "balance.level.trim_up"

    items_list = []
    for tr in tracks:
        if not math.isfinite(tr.level.lufs):
            items_list.append(_silent(tr))
            continue
        offset, gain = offsets[tr.name], final[tr.name]
        if tr is reference:
            target = t("balance.level.is_lead")
        else:
            target = t(
                "balance.level.under" if offset < 0.0 else "balance.level.level_with",
                role=_role_word(tr.role),
                offset_lu=-offset,
                lead=reference.name,
                lead_lufs=lead_lufs,
                gain_db=raw_db[tr.name],
            )
        trimmed = raw_db[tr.name] + trim
        moved = t(trim_key, trim_db=abs(trim), peak_dbfs=target_peak, gain_db=trimmed)
        if tr.name in clamped:
            moved = t("balance.level.clamped", moved=moved, gain_db=gain)
        level = t(
            "balance.level.sentence",
            measured=_measured_text(tr.level, named[tr.name]),
            target=target,
            moved=moved,
        )
        reason = _sentence(
            t("balance.reason", role=tr.role_text, level=level, pan=placed[tr.name].reason)
        )
        items_list.append(
            TrackSuggestion(
                tr.name,
                tr.role,
                tr.source,
                float(gain),
                float(placed[tr.name].pan),
                reason,
                loudness_lufs=tr.level.lufs,
                offset_lu=offset,
            )
        )
    return BalanceSuggestion(
        tuple(items_list), reference.name, lead_lufs, lead_source, float(trim), float(mix_peak)
    )
