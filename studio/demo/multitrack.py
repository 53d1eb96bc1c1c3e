"""The demo multitrack session: eight tracks of a small song, rendered in code.

:func:`session` turns the score of :mod:`studio.demo.song` into audio with the voices of
:mod:`studio.demo.synth`, one :class:`~studio.audio.Audio` per track, and plants four
classic mix problems for the tutorials to find and fix:

1. **masking**: the kick's body and the bass notes share 50-100 Hz and hit together;
2. **mud**: the pad carries a broad bump around 300 Hz;
3. **harshness**: the lead has a resonant peak around 3.2 kHz;
4. **uneven vocal**: the singer's phrases differ in level by about 11 dB.

Rendering takes a second or two; the result is cached per argument set, so a notebook
that asks for the session twice gets the same object back at once.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from studio.audio import Audio
from studio.demo import synth
from studio.demo.song import ChordSpan, Note, Score, Section, compose
from studio.demo.theory import BASS_ROOTS, midi_to_hz
from studio.errors import ParameterError, StudioWarning

__all__ = [
    "DEFAULT_SEED",
    "MAX_DURATION_S",
    "MIN_DURATION_S",
    "TRACK_NAMES",
    "TRACK_NOTES",
    "HARSH_FREQ_HZ",
    "HARSH_GAIN_DB",
    "HARSH_Q",
    "MUD_FREQ_HZ",
    "MUD_GAIN_DB",
    "MUD_Q",
    "DemoSession",
    "Fader",
    "Problem",
    "VoicePhrase",
    "session",
]

TRACK_NAMES = ("kick", "snare", "hats", "bass", "keys", "pad", "lead", "voice")
"""The tracks of the demo, in mixing-desk order (drums, bass, harmony, melody, voice)."""

TRACK_NOTES = {
    "kick": "bass drum, body around 55-60 Hz with a beater click (mono)",
    "snare": "snare drum with ghost notes and fills (mono)",
    "hats": "closed and open hi-hats, plus a crash at the chorus and the end (mono)",
    "bass": "synth bass following the chord roots, 58-87 Hz fundamentals (mono)",
    "keys": "electric piano comping the chords, gently auto-panned (stereo)",
    "pad": "string pad holding the chords, voiced low (stereo)",
    "lead": "lead synth: the hook in the intro and break, answers to the singer (mono)",
    "voice": "wordless vowel singer with vibrato, the melody of verse and chorus (mono)",
}
"""What plays on each track, in plain words."""

DEFAULT_SEED = 2024
MIN_DURATION_S = 20.0
MAX_DURATION_S = 180.0

# The "recorded" peak level of each track, like sensibly gain-staged stems.
_TRACK_PEAK_DBFS = {
    "kick": -6.0,
    "snare": -8.0,
    "hats": -14.0,
    "bass": -8.0,
    "keys": -12.0,
    "pad": -12.0,
    "lead": -12.0,
    "voice": -6.0,
}

# Planted problems, the "answers" for a teacher: a broad bell boost on the pad (mud)
# and a narrow one on the lead (harshness), as if recorded through a boomy room and a
# harsh amplifier.
MUD_FREQ_HZ, MUD_GAIN_DB, MUD_Q = 300.0, 9.0, 0.8
HARSH_FREQ_HZ, HARSH_GAIN_DB, HARSH_Q = 3200.0, 12.0, 2.5


class Fader(NamedTuple):
    """A channel's static balance: fader gain in dB (0 = unity) and pan (-1 left .. +1 right)."""

    gain_db: float
    pan: float


_ROUGH_BALANCE = {
    "kick": Fader(-6.5, 0.0),
    "snare": Fader(-1.0, 0.05),
    "hats": Fader(-2.0, 0.35),
    "bass": Fader(-9.5, 0.0),
    "keys": Fader(-6.0, -0.25),
    "pad": Fader(-9.5, 0.0),
    "lead": Fader(-4.5, 0.3),
    "voice": Fader(-1.5, 0.0),
}
"""A sensible rough balance: voice on top, kick, snare and bass close behind, keys,
pad and lead underneath; hats and lead a little right, keys a little left. Chosen by
loudness (LUFS) in the chorus, then all lowered together so the mix peaks near -6 dBFS.
"""


class VoicePhrase(NamedTuple):
    """A sung phrase: when it starts and ends (s) and its planted level (dB re the loudest)."""

    start_s: float
    end_s: float
    level_db: float


@dataclass(frozen=True)
class Problem:
    """A mix problem planted in the demo, in plain words, for the tutorials to fix.

    Attributes
    ----------
    kind : str
        Short key: ``"masking"``, ``"mud"``, ``"harshness"`` or ``"uneven level"``.
    track : str
        The track that has the problem.
    other_track : str or None
        The track it fights with (for masking), else None.
    low_hz, high_hz : float
        The frequency range where it lives, in Hz.
    start_s, end_s : float
        Where in the song it can be heard, in seconds.
    what : str
        What it is and where to hear it.
    why : str
        Why it matters in the mix.
    what_to_try : str
        The usual fixes, for the learner to try.
    """

    kind: str
    track: str
    other_track: str | None
    low_hz: float
    high_hz: float
    start_s: float
    end_s: float
    what: str
    why: str
    what_to_try: str

    def __str__(self) -> str:
        where = f"{self.track}" + (f" vs {self.other_track}" if self.other_track else "")
        return (
            f"{self.kind} ({where}, {self.low_hz:g}-{self.high_hz:g} Hz, "
            f"{self.start_s:.1f}-{self.end_s:.1f} s): {self.what} {self.why} "
            f"Try: {self.what_to_try}"
        )


@dataclass(frozen=True, eq=False)
class DemoSession:
    """The demo song as a multitrack session, ready to mix.

    Attributes
    ----------
    tracks : Mapping[str, Audio]
        The tracks in desk order (kick, snare, hats, bass, keys, pad, lead, voice),
        read-only; ``dict(session.tracks)`` gives a copy to rearrange. Most are mono;
        keys and pad are stereo.
    sr : int
        Sample rate in Hz.
    duration_s : float
        Length of every track, in seconds.
    tempo_bpm : float
        Tempo in beats per minute (120: one beat is 0.5 s, one bar 2 s).
    key : str
        The key of the song (``"D minor"``).
    seed : int
        Seed of the humanisation and the noise; the same seed gives the same samples.
    sections : tuple of Section
        The song form as ``(name, start_s, end_s)``.
    chords : tuple of ChordSpan
        Every chord as ``(name, start_s, end_s)``.
    voice_phrases : tuple of VoicePhrase
        The singer's phrases with their planted level differences.
    problems : tuple of Problem
        The planted mix problems, in plain words.
    balance : Mapping[str, Fader]
        The rough static mix: fader gain (dB) and pan per track.
    """

    tracks: Mapping[str, Audio]
    sr: int
    duration_s: float
    tempo_bpm: float
    key: str
    seed: int
    sections: tuple[Section, ...]
    chords: tuple[ChordSpan, ...]
    voice_phrases: tuple[VoicePhrase, ...]
    problems: tuple[Problem, ...]
    balance: Mapping[str, Fader]
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def track_names(self) -> tuple[str, ...]:
        """Names of the tracks, in desk order."""
        return tuple(self.tracks)

    @property
    def gains_db(self) -> dict[str, float]:
        """Fader gains of the rough mix (dB), ready for :func:`studio.mixing.mixdown`."""
        return {name: f.gain_db for name, f in self.balance.items()}

    @property
    def pans(self) -> dict[str, float]:
        """Pan positions of the rough mix (-1 left .. +1 right), ready for ``mixdown``."""
        return {name: f.pan for name, f in self.balance.items()}

    def track(self, name: str) -> Audio:
        """Return one track by name, e.g. ``session.track("voice")``."""
        try:
            return self.tracks[name]
        except KeyError:
            raise ParameterError(
                f"The demo session has no track {name!r}; its tracks are: {', '.join(self.tracks)}."
            ) from None

    def mixdown(self) -> Audio:
        """The rough static mix: every track at its :attr:`balance`, summed to stereo.

        Faders and pan only, no EQ or compression, so all the planted problems are
        still audible. The faders are set so the mix peaks around -6 dBFS, the headroom
        a mastering engineer expects; should an unusual length or seed push the peak
        above -3 dBFS, the whole mix is lowered to peak at -6 dBFS, so it never clips.
        Computed once and kept.
        """
        if "mix" not in self._cache:
            from studio.mixing.mixdown import mixdown

            settings = {"gains_db": self.gains_db, "pans": self.pans, "name": "demo rough mix"}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", StudioWarning)  # handled just below
                mix = mixdown(self.tracks, **settings)
            if np.max(np.abs(mix.samples)) > 10.0 ** (-3.0 / 20.0):
                mix = mixdown(self.tracks, headroom_db=6.0, **settings)
            self._cache["mix"] = mix
        return self._cache["mix"]

    def describe(self) -> str:
        """A plain-words summary: the song, its form, its tracks and the planted problems."""
        lines = [
            f"Demo song in {self.key} at {self.tempo_bpm:g} BPM, "
            f"{self.duration_s:g} s at {self.sr} Hz.",
            "Form: "
            + ", ".join(f"{s.name} {s.start_s:g}-{s.end_s:g} s" for s in self.sections)
            + ".",
            "Tracks:",
            *(f"- {name}: {TRACK_NOTES[name]}" for name in self.tracks),
            "Planted problems:",
        ]
        lines += [f"- {p}" for p in self.problems]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"DemoSession({len(self.tracks)} tracks, {self.duration_s:g} s at {self.sr} Hz, "
            f"{self.key}, {self.tempo_bpm:g} BPM, {len(self.problems)} planted problems)"
        )


# ---------------------------------------------------------------------------- rendering


def _place(notes, n: int, sr: int, channels: int, voice: Callable) -> np.ndarray:
    """Render every note with ``voice(note)`` and add it into a track of ``n`` frames."""
    out = np.zeros((channels, n))
    for note in notes:
        a = round(note.start_s * sr)
        if a >= n:
            continue
        clip = np.atleast_2d(voice(note))
        b = min(n, a + clip.shape[-1])
        out[:, a:b] += clip[:, : b - a]
    return out


class _Chord(NamedTuple):
    start_s: float
    length_s: float
    midis: tuple[int, ...]
    velocity: float


def _chords(notes: tuple[Note, ...]) -> list[_Chord]:
    """Group notes that start and stop together into chords, rendered (and filtered) as one."""
    groups: dict[tuple[float, float], list[Note]] = {}
    for m in notes:
        groups.setdefault((m.start_s, m.length_s), []).append(m)
    return [
        _Chord(start, length, tuple(m.midi for m in ms), max(m.velocity for m in ms))
        for (start, length), ms in groups.items()
    ]


def _render_tracks(score: Score, sr: int, seed: int) -> dict[str, np.ndarray]:
    """Turn the score into raw track arrays (before level calibration)."""
    n = round(score.duration_s * sr)
    parts = score.parts
    rngs = {name: np.random.default_rng([seed, 1, i]) for i, name in enumerate(TRACK_NAMES)}

    def drum(name: str) -> Callable:
        rng = rngs[name]

        def play(note: Note) -> np.ndarray:
            if note.label == "crash":
                return synth.crash(sr, note.velocity, rng)
            if name == "hats":
                return synth.hat(sr, note.velocity, rng, open_hat=note.label == "open")
            return getattr(synth, name)(sr, note.velocity, rng)

        return play

    raw = {
        "kick": _place(parts["kick"], n, sr, 1, drum("kick")),
        "snare": _place(parts["snare"], n, sr, 1, drum("snare")),
        "hats": _place(parts["hats"], n, sr, 1, drum("hats")),
        "bass": _place(
            parts["bass"], n, sr, 1, lambda m: synth.bass_note(sr, m.midi, m.length_s, m.velocity)
        ),
        "keys": _place(
            parts["keys"], n, sr, 1, lambda m: synth.keys_note(sr, m.midi, m.length_s, m.velocity)
        ),
        "pad": _place(
            _chords(parts["pad"]),
            n,
            sr,
            2,
            lambda c: synth.pad_chord(sr, c.midis, c.length_s, c.velocity, rngs["pad"]),
        ),
        "lead": _place(
            parts["lead"],
            n,
            sr,
            1,
            lambda m: synth.lead_note(sr, m.midi, m.length_s, m.velocity, rngs["lead"]),
        ),
    }
    # Electric piano: a gentle stereo auto-pan (constant power), as on the classic instrument.
    t = np.arange(n) / sr
    angle = np.pi / 4.0 + 0.3 * np.sin(2.0 * np.pi * 1.5 * t)
    raw["keys"] = raw["keys"] * np.stack([np.cos(angle), np.sin(angle)])

    voice = np.zeros((1, n))
    for phrase in score.phrases:
        sung = [
            synth.SungNote(m.start_s - phrase.start_s, m.length_s, m.midi, m.velocity, m.label)
            for m in phrase.notes
        ]
        clip = synth.sing_phrase(sr, sung, rngs["voice"]) * 10.0 ** (phrase.level_db / 20.0)
        a = round(phrase.start_s * sr)
        b = min(n, a + clip.size)
        voice[0, a:b] += clip[: b - a]
    raw["voice"] = voice

    raw["pad"] = synth.peaking(raw["pad"], sr, MUD_FREQ_HZ, MUD_GAIN_DB, MUD_Q)
    raw["lead"] = synth.peaking(raw["lead"], sr, HARSH_FREQ_HZ, HARSH_GAIN_DB, HARSH_Q)
    return {name: raw[name] for name in TRACK_NAMES}


def _finish(x: np.ndarray, sr: int, peak_dbfs: float) -> np.ndarray:
    """Remove DC and sub-sonic rumble, fade the very end, set the peak level."""
    x = synth.highpass(x, sr, 20.0)
    n_fade = min(x.shape[-1], round(0.3 * sr))
    x[:, x.shape[-1] - n_fade :] *= np.cos(0.5 * np.pi * np.arange(1, n_fade + 1) / n_fade) ** 2
    peak = np.max(np.abs(x))
    return x * (10.0 ** (peak_dbfs / 20.0) / peak) if peak > 0 else x


# ----------------------------------------------------------------------------- problems


def _problems(score: Score) -> tuple[Problem, ...]:
    """Describe the planted problems, with times taken from the score."""
    kicks, basses = score.parts["kick"], score.parts["bass"]
    root_starts = np.array([b.start_s for b in basses if b.midi in BASS_ROOTS.values()])
    kick_starts = np.array([k.start_s for k in kicks])
    gaps = np.abs(kick_starts[:, np.newaxis] - root_starts[np.newaxis, :]).min(axis=1)
    together = kick_starts[gaps < 0.03]
    roots_hz = sorted(float(midi_to_hz(m)) for m in BASS_ROOTS.values())
    beat_s = 60.0 / score.tempo_bpm
    pad, lead = score.parts["pad"], score.parts["lead"]
    levels = [p.level_db for p in score.phrases]
    loud, quiet = score.phrases[int(np.argmax(levels))], score.phrases[int(np.argmin(levels))]
    return (
        Problem(
            kind="masking",
            track="bass",
            other_track="kick",
            low_hz=50.0,
            high_hz=100.0,
            start_s=round(min(together), 2),
            end_s=round(max(together) + beat_s, 2),
            what=(
                f"The kick's body (about 55-60 Hz) and the bass notes' fundamentals "
                f"({roots_hz[0]:.0f}-{roots_hz[-1]:.0f} Hz) share the same octave, and they "
                f"hit together on beats 1 and 3 ({len(together)} times)."
            ),
            why=(
                "Two sounds in the same band at the same moment blur into one boom: the "
                "kick loses its punch, the bass its notes, and the low end eats headroom."
            ),
            what_to_try=(
                "decide who owns the lowest octave: cut the bass a few dB around the kick's "
                "55-60 Hz and let the kick give way around the bass notes (or high-pass one "
                "of them), or duck the bass briefly whenever the kick hits (sidechain)."
            ),
        ),
        Problem(
            kind="mud",
            track="pad",
            other_track=None,
            low_hz=200.0,
            high_hz=500.0,
            start_s=round(pad[0].start_s, 2),
            end_s=round(min(score.duration_s, max(m.start_s + m.length_s for m in pad) + 1.0), 2),
            what=(
                f"The pad is voiced low and has a broad bump of about {MUD_GAIN_DB:g} dB "
                f"around {MUD_FREQ_HZ:g} Hz, so most of its energy sits between 200 and "
                "500 Hz."
            ),
            why=(
                "Too much 200-500 Hz makes a mix sound muddy and boxy: it clouds the body "
                "of the snare, the keys and the voice, and everything feels less clear."
            ),
            what_to_try=(
                f"a wide cut (Q below 1) of 4-8 dB around {MUD_FREQ_HZ:g} Hz (sweep a boosted "
                "band first to find the boomiest spot) and a gentle high-pass just under the "
                "pad's lowest note (about 100 Hz)."
            ),
        ),
        Problem(
            kind="harshness",
            track="lead",
            other_track=None,
            low_hz=2500.0,
            high_hz=4000.0,
            start_s=round(lead[0].start_s, 2),
            end_s=round(max(m.start_s + m.length_s for m in lead), 2),
            what=(
                f"The lead synth has a resonant peak of about {HARSH_GAIN_DB:g} dB near "
                f"{HARSH_FREQ_HZ:g} Hz."
            ),
            why=(
                "The ear is most sensitive between 2 and 5 kHz: a peak there sounds "
                "piercing and tiring, and gets worse the louder you play it."
            ),
            what_to_try=(
                f"a narrow cut (Q 2-4) of 6-10 dB at the peak; find it by sweeping a narrow "
                f"boost between 2.5 and 4 kHz until the harshness jumps out "
                f"(it is near {HARSH_FREQ_HZ:g} Hz)."
            ),
        ),
        Problem(
            kind="uneven level",
            track="voice",
            other_track=None,
            low_hz=150.0,
            high_hz=5000.0,
            start_s=round(score.phrases[0].start_s, 2),
            end_s=round(score.phrases[-1].end_s, 2),
            what=(
                f"The singer's phrases vary by about {max(levels) - min(levels):.0f} dB: the "
                f"phrase at {loud.start_s:.1f} s is the loudest, the one at "
                f"{quiet.start_s:.1f} s sits {loud.level_db - quiet.level_db:.0f} dB lower."
            ),
            why=(
                "A voice that comes and goes pulls the listener out of the song: quiet "
                "phrases drop under the band, loud ones jump out."
            ),
            what_to_try=(
                "ride the voice fader phrase by phrase (automation), then compress gently "
                "(ratio 3-4:1, threshold where the loud phrases reach, medium attack and "
                "release) so the level stays steady."
            ),
        ),
    )


# ------------------------------------------------------------------------------ session


def session(duration_s: float = 40.0, sr: int = 48000, *, seed: int = DEFAULT_SEED) -> DemoSession:
    """Render the demo multitrack session.

    A small pop song in D minor at 120 BPM: kick, snare, hats, bass, electric piano
    (keys), pad, lead synth and a wordless singer, with four planted mix problems (see
    :attr:`DemoSession.problems`). The same arguments always give the same samples,
    and a second call with the same arguments returns the cached session at once.

    Parameters
    ----------
    duration_s : float
        Length in seconds, 20 to 180 (default 40: intro, verse, chorus, outro). Longer
        versions add a break and more choruses and verses.
    sr : int
        Sample rate in Hz, 22050 to 192000.
    seed : int
        Seed for the humanised timing and loudness and for the noise.

    Returns
    -------
    DemoSession

    Examples
    --------
    >>> s = session()
    >>> s.track_names
    ('kick', 'snare', 'hats', 'bass', 'keys', 'pad', 'lead', 'voice')
    >>> mix = s.mixdown()   # stereo, peaks around -6 dBFS
    """
    try:
        duration = float(duration_s)
    except (TypeError, ValueError):
        raise ParameterError(
            f"demo session: duration_s must be a number, got {duration_s!r}."
        ) from None
    if not MIN_DURATION_S <= duration <= MAX_DURATION_S:
        raise ParameterError(
            f"demo session: duration_s must be between {MIN_DURATION_S:g} and "
            f"{MAX_DURATION_S:g} s, got {duration_s!r}."
        )
    if isinstance(sr, bool) or not isinstance(sr, int | np.integer) or not 22050 <= sr <= 192000:
        raise ParameterError(
            f"demo session: sr must be a whole number of Hz between 22050 and 192000, got {sr!r}."
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"demo session: seed must be a whole number >= 0, got {seed!r}.")
    return _cached_session(duration, int(sr), int(seed))


@functools.lru_cache(maxsize=4)
def _cached_session(duration_s: float, sr: int, seed: int) -> DemoSession:
    score = compose(duration_s, seed=seed)
    raw = _render_tracks(score, sr, seed)
    tracks = {
        name: Audio(_finish(x, sr, _TRACK_PEAK_DBFS[name]), sr, name) for name, x in raw.items()
    }
    phrases = tuple(VoicePhrase(p.start_s, p.end_s, p.level_db) for p in score.phrases)
    return DemoSession(
        tracks=MappingProxyType(tracks),
        sr=sr,
        duration_s=duration_s,
        tempo_bpm=score.tempo_bpm,
        key=score.key,
        seed=seed,
        sections=score.sections,
        chords=score.chords,
        voice_phrases=phrases,
        problems=_problems(score),
        balance=MappingProxyType(dict(_ROUGH_BALANCE)),
    )
