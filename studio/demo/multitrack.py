"""The demo multitrack session: eight tracks of a small song, rendered in code.

:func:`session` turns the score of :mod:`studio.demo.song` into audio with the voices of
:mod:`studio.demo.synth`, one :class:`~studio.audio.Audio` per track, and plants four
classic mix problems for the tutorials to find and fix:

1. **masking**: the kick's body and the bass notes share 50-100 Hz and hit together;
2. **mud**: the pad carries a broad bump around 300 Hz;
3. **harshness**: the lead has a resonant peak around 3.2 kHz;
4. **uneven vocal**: the singer's phrases differ in level by about 11 dB.

The problems come as :class:`~studio.analysis.findings.Finding` values (what, where,
why it matters, what to try, which lesson teaches it), in the words of the text
catalogue (``studio/text/*/demo.toml``).

Rendering takes a few seconds the first time; the tracks are then kept on disk
(:mod:`studio.demo.cache`) and in memory, so a new kernel reads them back in a fraction
of a second and a second call in the same kernel returns the same object at once.
Tracks are float32.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from studio.analysis.findings import Finding, Findings
from studio.audio import Audio
from studio.demo import cache
from studio.demo.render import (
    CHANNELS,
    HARSH_FREQ_HZ,
    HARSH_GAIN_DB,
    HARSH_Q,
    MUD_FREQ_HZ,
    MUD_GAIN_DB,
    MUD_Q,
    TRACK_NAMES,
    TRACK_PEAK_DBFS,
    render_tracks,
    track_rows,
)
from studio.demo.song import ChordSpan, Score, Section, compose
from studio.demo.theory import BASS_ROOTS, midi_to_hz
from studio.errors import ParameterError
from studio.mixing.project import Project
from studio.mixing.session import Clip, Session, Stem, Strip, Track
from studio.processors.utility import Fader
from studio.text import t

__all__ = [
    "DEFAULT_SEED",
    "MAX_DURATION_S",
    "MIN_DURATION_S",
    "TRACK_NAMES",
    "HARSH_FREQ_HZ",
    "HARSH_GAIN_DB",
    "HARSH_Q",
    "MUD_FREQ_HZ",
    "MUD_GAIN_DB",
    "MUD_Q",
    "DemoSession",
    "VoicePhrase",
    "session",
    "track_note",
]


def track_note(name: str) -> str:
    """What plays on track ``name``, in plain words (``"snare drum with ghost notes..."``)."""
    return t(f"demo.tracks.{name}")


DEFAULT_SEED = 2024
MIN_DURATION_S = 20.0
MAX_DURATION_S = 180.0


_TRACK_COLOURS = {
    "kick": "#c0392b",
    "snare": "#e67e22",
    "hats": "#f1c40f",
    "bass": "#8e44ad",
    "keys": "#2980b9",
    "pad": "#16a085",
    "lead": "#27ae60",
    "voice": "#d35400",
}
"""Desk colours: drums warm, bass purple, harmony blue-green, the voice orange."""

_ROUGH_BALANCE = {
    "kick": Fader(gain_db=-6.5, pan=0.0),
    "snare": Fader(gain_db=-1.0, pan=0.05),
    "hats": Fader(gain_db=-2.0, pan=0.35),
    "bass": Fader(gain_db=-9.5, pan=0.0),
    "keys": Fader(gain_db=-6.0, pan=-0.25),
    "pad": Fader(gain_db=-9.5, pan=0.0),
    "lead": Fader(gain_db=-4.5, pan=0.3),
    "voice": Fader(gain_db=-1.5, pan=0.0),
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
    findings : Findings
        The planted mix problems as findings (a tuple of
        :class:`~studio.analysis.findings.Finding`): what, where, why it matters, what
        to try and the lesson that teaches it. Shown as one block in a notebook.
    session : studio.mixing.Session
        The song as a mixing session: a track per part (named, coloured, mono or
        stereo, one clip each), every fader at the rough static balance, nothing else
        set. :meth:`project` gives it with its audio, ready to mix.
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
    findings: Findings
    session: Session
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def problems(self) -> Findings:
        """Deprecated name of :attr:`findings`."""
        warnings.warn(
            "DemoSession.problems is now DemoSession.findings (a tuple of studio Findings).",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.findings

    @property
    def track_names(self) -> tuple[str, ...]:
        """Names of the tracks, in desk order."""
        return tuple(self.tracks)

    @property
    def balance(self) -> dict[str, Fader]:
        """The rough static mix: each track's fader (gain in dB and pan), from :attr:`session`."""
        return {track.name: track.strip.fader for track in self.session.tracks}

    def project(self) -> Project:
        """The session with its audio, to mix: edits, undo, previews, save and export."""
        return Project(self.session, self.tracks)

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
        above -3 dBFS, the master fader lowers the whole mix to peak at -6 dBFS, so it
        never clips. Rendered from :attr:`session` once and kept.
        """
        if "mix" not in self._cache:
            from studio.mixing.render import render

            name = t("demo.mix_name")
            mix = render(self.session, self.tracks, tail=False, name=name)
            peak = float(np.max(np.abs(mix.samples)))
            if peak > 10.0 ** (-3.0 / 20.0):  # down so it peaks at -6 dBFS, on the master
                trim = -6.0 - 20.0 * np.log10(peak)
                hot = self.session.replace(("master", "strip", "fader", "gain_db"), trim)
                mix = render(hot, self.tracks, tail=False, name=name)
            self._cache["mix"] = mix
        return self._cache["mix"]

    def describe(self) -> str:
        """A plain-words summary: the song, its form, its tracks and the planted problems."""
        key = t(f"demo.keys.{self.key}")
        sections = ", ".join(
            t(
                "demo.describe.section",
                name=t(f"demo.sections.{s.name}"),
                start_s=s.start_s,
                end_s=s.end_s,
            )
            for s in self.sections
        )
        lines = [
            t(
                "demo.describe.song",
                key=key,
                tempo_bpm=self.tempo_bpm,
                duration_s=self.duration_s,
                sr=self.sr,
            ),
            t("demo.describe.form", sections=sections),
            t("demo.describe.tracks"),
            *(t("demo.describe.track", name=name, note=track_note(name)) for name in self.tracks),
            t("demo.describe.findings"),
            str(self.findings),
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return t(
            "demo.describe.repr",
            n_tracks=len(self.tracks),
            duration_s=self.duration_s,
            sr=self.sr,
            key=t(f"demo.keys.{self.key}"),
            tempo_bpm=self.tempo_bpm,
            n_findings=len(self.findings),
        )


# ----------------------------------------------------------------------------- findings


def _findings(score: Score) -> Findings:
    """The planted problems as findings, with times taken from the score."""
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
    return Findings(
        [
            Finding(
                kind="masking",
                key="demo.findings.masking",
                fields={
                    "low_root_hz": roots_hz[0],
                    "high_root_hz": roots_hz[-1],
                    "n_together": len(together),
                },
                tracks=("bass", "kick"),
                low_hz=50.0,
                high_hz=100.0,
                start_s=round(float(min(together)), 2),
                end_s=round(float(max(together)) + beat_s, 2),
                lesson="mixing.eq",
            ),
            Finding(
                kind="mud",
                key="demo.findings.mud",
                fields={"gain_db": MUD_GAIN_DB, "freq_hz": MUD_FREQ_HZ},
                tracks=("pad",),
                low_hz=200.0,
                high_hz=500.0,
                start_s=round(pad[0].start_s, 2),
                end_s=round(
                    min(score.duration_s, max(m.start_s + m.length_s for m in pad) + 1.0), 2
                ),
                lesson="mixing.eq",
            ),
            Finding(
                kind="harshness",
                key="demo.findings.harshness",
                fields={"gain_db": HARSH_GAIN_DB, "freq_hz": HARSH_FREQ_HZ},
                tracks=("lead",),
                low_hz=2500.0,
                high_hz=4000.0,
                start_s=round(lead[0].start_s, 2),
                end_s=round(max(m.start_s + m.length_s for m in lead), 2),
                lesson="mixing.eq",
            ),
            Finding(
                kind="uneven_level",
                key="demo.findings.uneven_level",
                fields={
                    "spread_db": max(levels) - min(levels),
                    "loud_start_s": loud.start_s,
                    "quiet_start_s": quiet.start_s,
                    "drop_db": loud.level_db - quiet.level_db,
                },
                tracks=("voice",),
                low_hz=150.0,
                high_hz=5000.0,
                start_s=round(score.phrases[0].start_s, 2),
                end_s=round(score.phrases[-1].end_s, 2),
                lesson="mixing.compression",
            ),
        ]
    )


# ------------------------------------------------------------------------------ session


def session(duration_s: float = 40.0, sr: int = 48000, *, seed: int = DEFAULT_SEED) -> DemoSession:
    """Render the demo multitrack session.

    A small pop song in D minor at 120 BPM: kick, snare, hats, bass, electric piano
    (keys), pad, lead synth and a wordless singer, with four planted mix problems (see
    :attr:`DemoSession.findings`). The same arguments always give the same samples. The
    first call renders them (a few seconds) and keeps them on disk; later calls, in
    this kernel or a new one, read them back in a fraction of a second, and a second
    call in the same kernel returns the same session object.

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


def _plausible(block: np.ndarray) -> bool:
    """Whether every track of a block peaks at its planted level (a cached file's check)."""
    for name, rows in track_rows().items():
        part = block[rows]
        peak = max(float(part.max()), -float(part.min()))  # NaN fails the test below
        target = 10.0 ** (TRACK_PEAK_DBFS[name] / 20.0)
        if not abs(peak - target) <= 1e-3 * target:  # within 0.01 dB
            return False
    return True


def _release_free_memory() -> None:
    """Hand the render's scratch memory back to the system (glibc keeps it otherwise)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _tracks(score: Score, sr: int, seed: int) -> np.ndarray:
    """All tracks as one read-only float32 block: from the disk cache, else rendered."""
    shape = (sum(CHANNELS.values()), round(score.duration_s * sr))
    block = cache.load(score.duration_s, sr, seed, shape=shape, check=_plausible)
    if block is None:
        block = render_tracks(score, sr, seed)
        _release_free_memory()
        cache.store(block, score.duration_s, sr, seed)
    block.flags.writeable = False
    return block


@functools.lru_cache(maxsize=4)
def _cached_session(duration_s: float, sr: int, seed: int) -> DemoSession:
    score = compose(duration_s, seed=seed)
    block = _tracks(score, sr, seed)
    tracks = {name: Audio(block[rows], sr, name) for name, rows in track_rows().items()}
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
        findings=_findings(score),
        session=_mixing_session(tracks),
    )


def _mixing_session(tracks: Mapping[str, Audio]) -> Session:
    """The demo as a mixing session: a track per part at its rough balance."""
    first = next(iter(tracks.values()))
    return Session(
        name=t("demo.mix_name"),
        sample_rate=float(first.sr),
        stems=tuple(Stem(name=name) for name in tracks),
        tracks=tuple(
            Track(
                name=name,
                colour=_TRACK_COLOURS[name],
                layout="stereo" if audio.n_channels == 2 else "mono",
                clips=(Clip(source=name),),
                strip=Strip(fader=_ROUGH_BALANCE[name]),
            )
            for name, audio in tracks.items()
        ),
    )
