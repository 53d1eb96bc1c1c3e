"""The demo song on paper: sections, chords and every note of every part.

A small pop song in D minor at 120 beats per minute (one bar = 2 s). The chorus and
verse go round the progression Dm - Bb - F - C (i - VI - III - VII), two bars per chord.
The form adapts to the requested length:

- **intro** (2 bars, Bb then C): pad, electric piano, the lead's hook, a drum pickup;
- **verse** (8 bars): the singer comes in over a light groove; the lead answers her;
- **chorus** (8 bars): higher melody, busier drums (16th hats, crash), driving bass;
- **break** (4 bars, only in longer versions): drums drop out, the lead takes the hook;
- **outro** (2 bars on Dm): the singer's last long note, a final chord that rings out.

Everything here is data: :func:`compose` returns a :class:`Score` whose notes carry
times in seconds, already "humanised" (tiny timing and loudness variations drawn from a
seeded random generator, as a band never plays exactly on the grid). The synthesis
lives in :mod:`studio.demo.synth`, the rendering in :mod:`studio.demo.session`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from studio.demo.theory import BASS_ROOTS, KEY, KEYS_VOICINGS, PAD_VOICINGS, in_key

__all__ = [
    "BEATS_PER_BAR",
    "PHRASE_LEVELS_DB",
    "TEMPO_BPM",
    "ChordSpan",
    "Note",
    "Phrase",
    "Score",
    "Section",
    "compose",
    "plan_sections",
]

TEMPO_BPM = 120.0
BEATS_PER_BAR = 4
PROGRESSION = ("Dm", "Bb", "F", "C")
BARS_PER_CHORD = 2

PHRASE_LEVELS_DB = (0.0, -10.0, -3.0, -8.0, -1.0, -11.0, -4.0, -7.0)
"""Level of each sung phrase relative to the loudest, in order (the planted unevenness).

Like a singer who moves off the microphone or runs out of breath: some phrases come in
10 dB under the others, so without compression or fader rides they drop under the band.
"""


class Note(NamedTuple):
    """One note or drum hit, timed in seconds from the start of the song.

    ``midi`` is the MIDI note number (0 for drums); ``velocity`` the loudness 0..1;
    ``label`` the articulation: a drum sound (``"closed"``, ``"open"``, ``"crash"``,
    ``"ghost"``) or, for the singer, a syllable such as ``"la"``.
    """

    start_s: float
    length_s: float
    midi: int
    velocity: float
    label: str = ""


class Phrase(NamedTuple):
    """A sung phrase (one breath): its time span, planted level and notes."""

    start_s: float
    end_s: float
    level_db: float
    notes: tuple[Note, ...]


class Section(NamedTuple):
    """A part of the song form: ``name`` (intro, verse, ...) from ``start_s`` to ``end_s``."""

    name: str
    start_s: float
    end_s: float


class ChordSpan(NamedTuple):
    """A chord (``"Dm"``, ``"Bb"``, ``"F"``, ``"C"``) sounding from ``start_s`` to ``end_s``."""

    name: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Score:
    """Everything the band plays, before any sound is made.

    Attributes
    ----------
    tempo_bpm : float
        Beats per minute.
    key : str
        The key, e.g. ``"D minor"``.
    duration_s : float
        Length of the recording (the last bar rings out inside it).
    sections : tuple of Section
        The song form in order.
    chords : tuple of ChordSpan
        The chord under every moment of the song.
    parts : Mapping[str, tuple of Note]
        Notes of each instrument except the singer: kick, snare, hats, bass, keys,
        pad, lead.
    phrases : tuple of Phrase
        The singer's phrases, each with its planted level.
    """

    tempo_bpm: float
    key: str
    duration_s: float
    sections: tuple[Section, ...]
    chords: tuple[ChordSpan, ...]
    parts: Mapping[str, tuple[Note, ...]]
    phrases: tuple[Phrase, ...]


# ------------------------------------------------------------------------------- form


def plan_sections(n_bars: int) -> list[tuple[str, int, int]]:
    """Lay out the song form for ``n_bars`` bars.

    A 2-bar intro and a 2-bar outro frame the body, which goes verse (8), chorus (8),
    break (4), chorus (8), verse (8), ... until it is full; the last body section takes
    what is left (or, when that is under 4 bars, the section before it grows). Bodies
    shorter than 16 bars get a shorter verse and chorus, so even a short demo has both.

    Parameters
    ----------
    n_bars : int
        Total number of bars, at least 10.

    Returns
    -------
    list of (name, start_bar, n_bars)
    """
    body = n_bars - 4
    if body < 16:
        verse = (body // 4) * 2
        plan = [("verse", verse), ("chorus", body - verse)]
    else:
        cycle = (("verse", 8), ("chorus", 8), ("break", 4), ("chorus", 8))
        plan, left, i = [], body, 0
        while left > 0:
            name, length = cycle[i % len(cycle)]
            if left < length and left < 4:
                plan[-1] = (plan[-1][0], plan[-1][1] + left)
                break
            plan.append((name, min(length, left)))
            left -= plan[-1][1]
            i += 1
    out, bar = [("intro", 0, 2)], 2
    for name, length in plan:
        out.append((name, bar, length))
        bar += length
    out.append(("outro", bar, 2))
    return out


def _chord_slots(name: str, n_bars: int) -> list[tuple[str, int, int]]:
    """Chords of a section as ``(chord, first bar within the section, number of bars)``."""
    pattern: tuple[str, ...]
    if name == "intro":
        pattern, bars_each = ("Bb", "C"), 1
    elif name == "break":
        pattern, bars_each = ("Bb", "C"), 2
    elif name == "outro":
        pattern, bars_each = ("Dm",), n_bars
    else:
        pattern, bars_each = PROGRESSION, BARS_PER_CHORD
    slots: list[tuple[str, int, int]] = []
    bar, i = 0, 0
    while bar < n_bars:
        length = min(bars_each, n_bars - bar)
        slots.append((pattern[i % len(pattern)], bar, length))
        bar += length
        i += 1
    return slots


# ------------------------------------------------------------------------- the parts
# Melodies are written as (beat within the 2-bar chord slot, length in beats, MIDI note,
# syllable). Every note belongs to D minor; long notes land on chord tones.

_VERSE = {
    "Dm": ((0, 1, 69, "la"), (1, 0.5, 69, "a"), (1.5, 0.5, 67, "i"), (2, 1.5, 65, "o"),
           (3.5, 0.5, 64, "e"), (4, 2, 62, "a")),
    "Bb": ((0, 1, 65, "sa"), (1, 0.5, 65, "a"), (1.5, 0.5, 67, "e"), (2, 1, 69, "o"),
           (3, 1, 67, "i"), (4, 2, 65, "a")),
    "F": ((0, 1, 69, "ta"), (1, 0.5, 72, "i"), (1.5, 0.5, 69, "a"), (2, 1.5, 67, "o"),
          (3.5, 0.5, 65, "e"), (4, 2, 69, "a")),
    "C": ((0, 1, 67, "la"), (1, 0.5, 64, "e"), (1.5, 0.5, 65, "i"), (2, 1.5, 67, "o"),
          (3.5, 0.5, 69, "a"), (4, 2, 64, "e")),
}  # fmt: skip
_CHORUS = {
    "Dm": ((0, 1.5, 74, "o"), (1.5, 0.5, 72, "la"), (2, 1, 69, "a"), (3, 1, 72, "e"),
           (4, 2.5, 74, "o")),
    "Bb": ((0, 1.5, 74, "sa"), (1.5, 0.5, 72, "i"), (2, 1, 70, "a"), (3, 1, 69, "o"),
           (4, 2.5, 65, "a")),
    "F": ((0, 1.5, 72, "ta"), (1.5, 0.5, 69, "a"), (2, 1, 72, "e"), (3, 1, 74, "i"),
          (4, 2.5, 72, "a")),
    "C": ((0, 1.5, 72, "la"), (1.5, 0.5, 74, "o"), (2, 1, 76, "a"), (3, 1, 74, "e"),
          (4, 2.5, 76, "o")),
}  # fmt: skip
_OUTRO_VOICE = ((0, 1, 69, "la"), (1, 1, 65, "a"), (2, 1, 64, "o"), (3, 4, 62, "o"))

_LICKS = {
    "Bb": ((0, 0.5, 74), (0.5, 0.5, 72), (1, 0.5, 70), (1.5, 1.5, 74), (3, 1, 77),
           (4, 0.5, 77), (4.5, 0.5, 74), (5, 1, 72), (6, 2, 70)),
    "C": ((0, 0.5, 76), (0.5, 0.5, 74), (1, 0.5, 72), (1.5, 1.5, 76), (3, 1, 79),
          (4, 0.5, 79), (4.5, 0.5, 77), (5, 1, 76), (6, 2, 74)),
}  # fmt: skip
_ANSWERS = {
    "Dm": ((6.5, 0.5, 74), (7, 0.5, 77), (7.5, 0.5, 81)),
    "Bb": ((6.5, 0.5, 77), (7, 0.5, 74), (7.5, 0.5, 70)),
    "F": ((6.5, 0.5, 72), (7, 0.5, 77), (7.5, 0.5, 81)),
    "C": ((6.5, 0.5, 79), (7, 0.5, 76), (7.5, 0.5, 72)),
}

# Electric-piano rhythms: (beat in the bar, length in beats, velocity).
_COMP = {
    "sparse": ((0, 2.5, 0.7), (2.5, 1.5, 0.55)),
    "verse": ((0, 1, 0.7), (1.5, 0.5, 0.5), (2.5, 1, 0.6), (3.5, 0.5, 0.45)),
    "chorus": ((0, 0.9, 0.8), (1, 0.9, 0.55), (2, 0.9, 0.7), (3, 0.5, 0.55), (3.5, 0.5, 0.5)),
}
_PAD_VELOCITY = {"intro": 0.7, "verse": 0.55, "chorus": 0.85, "break": 1.0, "outro": 0.8}


class _Writer:
    """Collects notes in beats and turns them into humanised notes in seconds."""

    def __init__(self, rng: np.random.Generator, beat_s: float) -> None:
        self.rng, self.beat_s = rng, beat_s
        self.parts: dict[str, list[Note]] = {
            k: [] for k in ("kick", "snare", "hats", "bass", "keys", "pad", "lead")
        }

    def add(self, part, beat, beats, midi, velocity, label="", *, jitter_ms=0.0, spread=0.0):
        """Add one note, nudged in time (``jitter_ms``) and loudness (``spread``)."""
        start_s = beat * self.beat_s + self.rng.normal(0.0, jitter_ms / 1000.0)
        vel = velocity * (1.0 + self.rng.normal(0.0, spread))
        note = Note(
            max(0.0, start_s), beats * self.beat_s, midi, float(np.clip(vel, 0.05, 1.0)), label
        )
        self.parts[part].append(note)


def _drums(w: _Writer, name: str, bar0: int, n_bars: int, last: bool) -> None:
    """Kick, snare and hats of one section (``bar0`` is its first bar in the song)."""
    kicks: tuple[float, ...]
    snares: tuple[float, ...]
    hats: list[tuple[float, float, str]]
    for i in range(n_bars):
        b = (bar0 + i) * BEATS_PER_BAR
        final_bar = i == n_bars - 1
        fill_from = {"verse": 3.0, "chorus": 2.0, "break": 2.0, "intro": 2.0}.get(name)
        fill_from = fill_from if final_bar and not last else None
        if name == "outro":
            if final_bar:
                w.add("kick", b, 1, 0, 0.95, jitter_ms=2)
                w.add("hats", b, 4, 0, 0.8, "crash", jitter_ms=2)
                continue
            kicks, snares = (0, 2), (1, 3)
            hats = [(k / 2, 0.7 if k % 2 == 0 else 0.4, "closed") for k in range(8)]
        elif name == "intro":
            kicks, snares = (), ()
            hats = [(k / 2, 0.25 + 0.04 * k, "closed") for k in range(8)] if final_bar else []
        elif name == "break":
            kicks, snares = (0,), ()
            hats = [(k, 0.45, "closed") for k in range(4)]
        elif name == "verse":
            kicks = (0, 2, 2.5) if i % 2 else (0, 2)
            snares = (1, 3)
            hats = [(k / 2, 0.7 if k % 2 == 0 else 0.4, "closed") for k in range(8)]
        else:  # chorus: 16th hats, an open hat on the "and" of four, ghost notes
            kicks = (0, 1.5, 2, 3.5) if i % 2 else (0, 1.5, 2)
            snares = (1, 3)
            hats = [(k / 4, (0.7, 0.3, 0.5, 0.3)[k % 4], "closed") for k in range(16) if k != 14]
            hats.append((3.5, 0.6, "open"))
            w.add("snare", b + 1.75, 0.25, 0, 0.16, "ghost", jitter_ms=4, spread=0.2)
            w.add("snare", b + 3.25, 0.25, 0, 0.14, "ghost", jitter_ms=4, spread=0.2)
            if i == 0:
                w.add("hats", b, 4, 0, 0.85, "crash", jitter_ms=2)
        if fill_from is not None:
            snares = tuple(s for s in snares if s < fill_from)
            hats = [h for h in hats if h[0] < fill_from]
            n_hits = round((4 - fill_from) * 4)
            for k in range(n_hits):
                vel = 0.35 + 0.6 * (k + 1) / n_hits
                w.add("snare", b + fill_from + k / 4, 0.25, 0, vel, jitter_ms=3, spread=0.05)
        for beat in kicks:
            vel = 0.9 if beat in (0, 2) else 0.75
            w.add("kick", b + beat, 0.5, 0, vel, jitter_ms=3, spread=0.05)
        for s in snares:
            w.add("snare", b + s, 0.5, 0, 0.85, jitter_ms=4, spread=0.06)
        for beat, vel, label in hats:
            w.add("hats", b + beat, 0.25, 0, vel, label, jitter_ms=5, spread=0.1)


def _bass(w: _Writer, name: str, b: float, chord: str, bar_in_slot: int, next_chord: str | None):
    """Bass line of one bar: roots locked to the kick, an approach note into the next chord."""
    root = BASS_ROOTS[chord]
    fifth = root + 7 if root + 7 <= 45 else root - 5
    end_of_slot = bar_in_slot == BARS_PER_CHORD - 1 and next_chord is not None
    approach = None
    if next_chord is not None:
        target = BASS_ROOTS[next_chord]
        approach = target + 2 if in_key(target + 2) else target + 1
    if name == "verse":
        line = [
            (0, 0.9, root),
            (1.5, 0.4, root),
            (2, 0.9, root),
            (3, 0.45, root),
            (3.5, 0.45, fifth),
        ]
    elif name == "chorus":
        line = [(k / 2, 0.42, root) for k in range(8)]
        line[3] = (1.5, 0.3, root + 12)
    elif name == "break":
        line = [(0, 3.8, root)]
    else:  # outro
        line = (
            [(0, 0.9, root), (2, 0.9, root), (3, 0.9, root)]
            if bar_in_slot == 0
            else [(0, 2.0, root)]
        )
    if end_of_slot and approach is not None and name in ("verse", "chorus"):
        line[-1] = (3.5, 0.45, approach)
    for beat, beats, midi in line:
        vel = 0.9 if beat in (0, 2) else 0.72
        w.add(
            "bass",
            b + beat,
            beats,
            midi,
            vel * (0.8 if name == "break" else 1.0),
            jitter_ms=4,
            spread=0.05,
        )


def _keys(w: _Writer, name: str, b: float, chord: str, final: bool) -> None:
    """Electric-piano comping of one bar, each chord strummed a little from the bottom up."""
    style = {"intro": "sparse", "break": "sparse", "verse": "verse", "outro": "chorus"}.get(
        name, "chorus"
    )
    rhythm = ((0, 2.0, 0.75),) if final else _COMP[style]
    for beat, beats, vel in rhythm:
        onset = beat + w.rng.normal(0.0, 0.012)
        for k, midi in enumerate(KEYS_VOICINGS[chord]):
            w.add("keys", b + onset + 0.016 * k, beats, midi, vel, spread=0.06)


def _lead(w: _Writer, name: str, slot_beat: float, chord: str, n_beats: int) -> None:
    """The lead synth: the hook in the intro and break, short answers to the singer."""
    line: tuple[tuple[float, float, int], ...]
    if name in ("intro", "break"):
        line = _LICKS[chord]
        vel = 0.7 if name == "intro" else 0.9
    elif name in ("verse", "chorus"):
        line = _ANSWERS[chord]
        vel = 0.7 if name == "verse" else 0.85
    else:
        return
    for beat, beats, midi in line:
        if beat < n_beats:
            w.add(
                "lead",
                slot_beat + beat,
                min(beats, n_beats - beat),
                midi,
                vel,
                jitter_ms=6,
                spread=0.06,
            )


def _phrase(w: _Writer, slot_beat: float, line, n_beats: int, level_db: float) -> Phrase | None:
    """One sung phrase: the notes that leave a beat to breathe, sung a little late."""
    shift_s = abs(w.rng.normal(0.012, 0.01))
    notes = []
    for beat, beats, midi, syllable in line:
        if beat + beats > n_beats - 1:
            continue
        start_s = (slot_beat + beat) * w.beat_s + shift_s + w.rng.normal(0.0, 0.008)
        length_s = beats * w.beat_s * 0.97
        vel = float(
            np.clip((0.8 + 0.1 * min(beats, 2.0)) * (1.0 + w.rng.normal(0.0, 0.05)), 0.3, 1.0)
        )
        notes.append(Note(start_s, length_s, midi, vel, syllable))
    if not notes:
        return None
    end_s = max(n.start_s + n.length_s for n in notes)
    return Phrase(notes[0].start_s, end_s, level_db, tuple(notes))


def compose(duration_s: float, *, seed: int) -> Score:
    """Write the whole song for a recording of ``duration_s`` seconds.

    Parameters
    ----------
    duration_s : float
        Length of the recording; the song fills as many whole bars as fit (at least 10)
        and the rest is ring-out.
    seed : int
        Seed of the random generator behind the humanised timing and loudness.

    Returns
    -------
    Score
    """
    beat_s = 60.0 / TEMPO_BPM
    bar_s = beat_s * BEATS_PER_BAR
    n_bars = max(10, math.floor(duration_s / bar_s + 1e-9))
    rng = np.random.default_rng(seed)
    w = _Writer(rng, beat_s)
    sections: list[Section] = []
    chords: list[ChordSpan] = []
    phrases: list[Phrase] = []
    melodies: dict[str, dict[str, tuple]] = {"verse": _VERSE, "chorus": _CHORUS}
    plan = plan_sections(n_bars)
    for s_index, (name, bar0, n_sec) in enumerate(plan):
        last = s_index == len(plan) - 1
        sections.append(Section(name, bar0 * bar_s, (bar0 + n_sec) * bar_s))
        _drums(w, name, bar0, n_sec, last)
        slots = _chord_slots(name, n_sec)
        next_section_chord = _chord_slots(plan[s_index + 1][0], 1)[0][0] if not last else None
        for k, (chord, bar_in, n_slot) in enumerate(slots):
            slot_beat = (bar0 + bar_in) * BEATS_PER_BAR
            chords.append(ChordSpan(chord, slot_beat * beat_s, (slot_beat + n_slot * 4) * beat_s))
            nxt = slots[k + 1][0] if k + 1 < len(slots) else next_section_chord
            for j in range(n_slot):
                b = slot_beat + j * BEATS_PER_BAR
                final = last and bar_in + j == n_sec - 1
                if name != "intro":
                    _bass(w, name, b, chord, j if n_slot > 1 else BARS_PER_CHORD - 1, nxt)
                _keys(w, name, b, chord, final)
            pad_beats = n_slot * BEATS_PER_BAR - (2.0 if last else 0.0)
            for midi in PAD_VOICINGS[chord]:
                w.add("pad", slot_beat, pad_beats, midi, _PAD_VELOCITY[name])
            _lead(w, name, slot_beat, chord, n_slot * BEATS_PER_BAR)
            line = melodies.get(name, {}).get(chord)
            line = _OUTRO_VOICE if name == "outro" else line
            if line is not None:
                level_db = PHRASE_LEVELS_DB[len(phrases) % len(PHRASE_LEVELS_DB)]
                phrase = _phrase(w, slot_beat, line, n_slot * BEATS_PER_BAR, level_db)
                if phrase is not None:
                    phrases.append(phrase)
    parts = {k: tuple(sorted(v)) for k, v in w.parts.items()}
    return Score(
        tempo_bpm=TEMPO_BPM,
        key=KEY,
        duration_s=float(duration_s),
        sections=tuple(sections),
        chords=tuple(chords),
        parts=MappingProxyType(parts),
        phrases=tuple(phrases),
    )
