"""From the score to samples: every track of the demo, planted problems included.

:func:`render_tracks` plays the score of :mod:`studio.demo.song` with the voices of
:mod:`studio.demo.synth` and returns all tracks in one float32 block, one row per
channel in desk order (kick, snare, hats, bass, keys L/R, pad L/R, lead, voice).
Rendering works in float64 one track at a time, so only one track's scratch arrays are
alive at once; each finished track is stored as float32, half the memory, far below
audible precision (about -150 dBFS).

Everything that shapes a sample lives here and in ``synth``, ``song`` and ``theory``:
the disk cache (:mod:`studio.demo.cache`) keys its files by the source of these four
modules, so any change to the sound makes old files stale by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

from studio.demo import synth
from studio.demo.song import Note, Score

__all__ = [
    "CHANNELS",
    "HARSH_FREQ_HZ",
    "HARSH_GAIN_DB",
    "HARSH_Q",
    "MUD_FREQ_HZ",
    "MUD_GAIN_DB",
    "MUD_Q",
    "TRACK_NAMES",
    "TRACK_PEAK_DBFS",
    "render_tracks",
    "track_rows",
]

TRACK_NAMES = ("kick", "snare", "hats", "bass", "keys", "pad", "lead", "voice")
"""The tracks of the demo, in mixing-desk order (drums, bass, harmony, melody, voice)."""

CHANNELS = {"kick": 1, "snare": 1, "hats": 1, "bass": 1, "keys": 2, "pad": 2, "lead": 1, "voice": 1}
"""Channels per track: keys (auto-panned) and pad (detuned left and right) are stereo."""

TRACK_PEAK_DBFS = {
    "kick": -6.0,
    "snare": -8.0,
    "hats": -14.0,
    "bass": -8.0,
    "keys": -12.0,
    "pad": -12.0,
    "lead": -12.0,
    "voice": -6.0,
}
"""The "recorded" peak level of each track (dBFS), like sensibly gain-staged stems."""

# Planted problems, the "answers" for a teacher: a broad bell boost on the pad (mud)
# and a narrow one on the lead (harshness), as if recorded through a boomy room and a
# harsh amplifier.
MUD_FREQ_HZ, MUD_GAIN_DB, MUD_Q = 300.0, 9.0, 0.8
HARSH_FREQ_HZ, HARSH_GAIN_DB, HARSH_Q = 3200.0, 12.0, 2.5


def track_rows() -> dict[str, slice]:
    """Rows of each track in the block :func:`render_tracks` returns."""
    rows, row = {}, 0
    for name in TRACK_NAMES:
        rows[name] = slice(row, row + CHANNELS[name])
        row += CHANNELS[name]
    return rows


def _place(notes: Iterable, n: int, sr: int, channels: int, voice: Callable) -> np.ndarray:
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


def _render_track(name: str, score: Score, sr: int, rng: np.random.Generator) -> np.ndarray:
    """One track as raw float64 samples ``(channels, n)``, before level calibration."""
    n = round(score.duration_s * sr)
    parts = score.parts
    if name in ("kick", "snare", "hats"):

        def play(note: Note) -> np.ndarray:
            if note.label == "crash":
                return synth.crash(sr, note.velocity, rng)
            if name == "hats":
                return synth.hat(sr, note.velocity, rng, open_hat=note.label == "open")
            return getattr(synth, name)(sr, note.velocity, rng)

        return _place(parts[name], n, sr, 1, play)
    if name == "bass":
        return _place(
            parts["bass"], n, sr, 1, lambda m: synth.bass_note(sr, m.midi, m.length_s, m.velocity)
        )
    if name == "keys":
        keys = _place(
            parts["keys"], n, sr, 1, lambda m: synth.keys_note(sr, m.midi, m.length_s, m.velocity)
        )
        # A gentle stereo auto-pan (constant power), as on the classic instrument.
        angle = np.pi / 4.0 + 0.3 * np.sin(2.0 * np.pi * 1.5 * (np.arange(n) / sr))
        return keys * np.stack([np.cos(angle), np.sin(angle)])
    if name == "pad":
        pad = _place(
            _chords(parts["pad"]),
            n,
            sr,
            2,
            lambda c: synth.pad_chord(sr, c.midis, c.length_s, c.velocity, rng),
        )
        return synth.peaking(pad, sr, MUD_FREQ_HZ, MUD_GAIN_DB, MUD_Q)
    if name == "lead":
        lead = _place(
            parts["lead"],
            n,
            sr,
            1,
            lambda m: synth.lead_note(sr, m.midi, m.length_s, m.velocity, rng),
        )
        return synth.peaking(lead, sr, HARSH_FREQ_HZ, HARSH_GAIN_DB, HARSH_Q)
    if name == "voice":
        voice = np.zeros((1, n))
        for phrase in score.phrases:
            sung = [
                synth.SungNote(m.start_s - phrase.start_s, m.length_s, m.midi, m.velocity, m.label)
                for m in phrase.notes
            ]
            clip = synth.sing_phrase(sr, sung, rng) * 10.0 ** (phrase.level_db / 20.0)
            a = round(phrase.start_s * sr)
            b = min(n, a + clip.size)
            voice[0, a:b] += clip[: b - a]
        return voice
    raise ValueError(f"the demo has no track {name!r}")


def _finish(x: np.ndarray, sr: int, peak_dbfs: float) -> np.ndarray:
    """Remove DC and sub-sonic rumble, fade the very end, set the peak level."""
    x = synth.highpass(x, sr, 20.0)
    n_fade = min(x.shape[-1], round(0.3 * sr))
    x[:, x.shape[-1] - n_fade :] *= np.cos(0.5 * np.pi * np.arange(1, n_fade + 1) / n_fade) ** 2
    peak = np.max(np.abs(x))
    return x * (10.0 ** (peak_dbfs / 20.0) / peak) if peak > 0 else x


def render_tracks(score: Score, sr: int, seed: int) -> np.ndarray:
    """Render every track of ``score`` into one float32 block (rows as :func:`track_rows`).

    Parameters
    ----------
    score : Score
        The song, from :func:`studio.demo.song.compose`.
    sr : int
        Sample rate in Hz.
    seed : int
        Seed of the noise and the random oscillator phases (each track draws from its
        own generator, so tracks do not depend on one another).

    Returns
    -------
    numpy.ndarray
        Shape ``(10, round(score.duration_s * sr))``, float32, each track peaking at its
        :data:`TRACK_PEAK_DBFS`.
    """
    n = round(score.duration_s * sr)
    rows = track_rows()
    block = np.empty((sum(CHANNELS.values()), n), dtype=np.float32)
    for i, name in enumerate(TRACK_NAMES):
        rng = np.random.default_rng([seed, 1, i])
        raw = _render_track(name, score, sr, rng)
        block[rows[name]] = _finish(raw, sr, TRACK_PEAK_DBFS[name])
        del raw
    return block
