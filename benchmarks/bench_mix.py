"""Speed and memory of the mixing stage: a whole session mixed down, beside pedalboard.

The graph (the same in every row): each track has an EQ (low shelf, bell, high shelf),
a compressor (hard knee, as pedalboard's) and a fader with pan (constant-power -3 dB
law for mono tracks, balance for stereo ones); every track sends post-fader to a reverb
return and most to a delay return (both 100 % wet); the drum tracks sum into a drum bus
with its own compressor; the drum bus, the other tracks and both returns sum into the
master. Rendered three ways, on the same synthetic stems (see :func:`make_stems`):

1. in pedalboard (a benchmark-only peer; it has no pan, so pan is numpy gains with our
   law), the reference of every ratio;
2. composed by hand from ``studio.processors`` (ParametricEQ, Compressor, Fader, Reverb,
   Delay), with the same numpy routing and summing code as row 1;
3. as a ``studio.mixing.Session`` rendered by ``studio.mixing.render``, plus three
   automation lanes (a fader ride, a reverb-send throw, a low-pass sweep; see
   :func:`lanes`), and once without them (it then equals row 2 to float rounding).

Figures, each the median of runs taken in turn so every engine sees the same load:

* 12 and 48 tracks on one core (every thread of the process pinned to one processor
  core): times, realtime factors (3 minutes / time), ratios to pedalboard, growth 48/12;
* 12 tracks on two cores: two tracks at a time (threads; the session renders tracks
  side by side itself), throughput against one core; and the machine's ceiling: the
  12 channel strips alone (nothing shared, no buses) on two cores against one;
* each lane rendered to per-frame values alone (time and numpy's peak allocation);
* the preview: one fader moved, the 10-second region mixed again through ``Project``
  and its render cache (median of 15 moves, both cores, as in a kernel);
* peak memory of a 48-track mixdown in a fresh process (the peak resident size is
  reset after the stems are made), against the stems' float32 size.

CPU time (user + system) is printed beside wall time: it leaves out the time the
process waited for a core that another program held, so on a shared machine its ratios
are the steadier ones. The load average is printed at the start and the end.

Stems: 3 minutes at 48 kHz float32, an 8-second four-bar phrase per part synthesised
in numpy (kick, snare, hats, stereo overheads, bass, two guitars, stereo keys and pad,
lead and stereo backing vocals, percussion) and laid out over song sections (intro,
verses, choruses, bridge) with section levels. 48 tracks repeat the 12 parts four
times, each copy transposed and with its own noise and settings; all 16 drum tracks
then feed the one drum bus.

Run: ``.venv/bin/python benchmarks/bench_mix.py`` (about ten minutes on two cores).
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

SR = 48000
DURATION_S = 180.0
PHRASE_S = 8.0  # four bars at 120 BPM
BEAT_S = 0.5
RUNS = 3
F32 = np.float32
_TABLE = 4096  # points per wavetable period

Row = tuple[str, float, str]

# -- the stems -------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of the arrangement and its channel-strip settings."""

    name: str
    channels: int
    group: str  # "drums" (into the drum bus) or "master"
    bands: tuple[tuple[str, float, float, float], ...]  # (kind, freq_hz, gain_db, q)
    comp: tuple[float, float, float, float]  # threshold_db, ratio, attack_ms, release_ms
    gain_db: float
    pan: float
    reverb_db: float | None  # post-fader send level to the reverb return
    delay_db: float | None  # post-fader send level to the delay return


@dataclass
class Stem:
    """A track: a part's settings (varied per copy) and its samples ``(channels, frames)``."""

    name: str
    part: Part
    samples: np.ndarray
    gain_db: float
    pan: float


PARTS = (
    Part(
        "kick",
        1,
        "drums",
        (
            ("low_shelf", 60.0, 3.0, 0.7),
            ("peak", 380.0, -4.0, 1.5),
            ("high_shelf", 5000.0, 2.0, 0.7),
        ),
        (-18.0, 4.0, 5.0, 80.0),
        -3.0,
        0.0,
        -30.0,
        None,
    ),
    Part(
        "snare",
        1,
        "drums",
        (
            ("low_shelf", 150.0, -2.0, 0.7),
            ("peak", 900.0, -3.0, 2.0),
            ("high_shelf", 7000.0, 3.0, 0.7),
        ),
        (-20.0, 4.0, 3.0, 120.0),
        -4.0,
        0.05,
        -14.0,
        -24.0,
    ),
    Part(
        "hats",
        1,
        "drums",
        (
            ("low_shelf", 400.0, -8.0, 0.7),
            ("peak", 3000.0, -2.0, 1.0),
            ("high_shelf", 10000.0, 2.0, 0.7),
        ),
        (-22.0, 3.0, 2.0, 60.0),
        -10.0,
        0.4,
        -24.0,
        None,
    ),
    Part(
        "overheads",
        2,
        "drums",
        (
            ("low_shelf", 200.0, -4.0, 0.7),
            ("peak", 2500.0, -2.0, 1.2),
            ("high_shelf", 12000.0, 2.5, 0.7),
        ),
        (-20.0, 2.5, 15.0, 150.0),
        -8.0,
        0.0,
        -20.0,
        None,
    ),
    Part(
        "bass",
        1,
        "master",
        (
            ("low_shelf", 80.0, 2.0, 0.7),
            ("peak", 250.0, -3.0, 1.4),
            ("high_shelf", 3000.0, -2.0, 0.7),
        ),
        (-20.0, 4.0, 10.0, 150.0),
        -4.0,
        0.0,
        None,
        None,
    ),
    Part(
        "guitar_l",
        1,
        "master",
        (
            ("low_shelf", 200.0, -3.0, 0.7),
            ("peak", 2200.0, 2.0, 1.0),
            ("high_shelf", 8000.0, 1.5, 0.7),
        ),
        (-18.0, 3.0, 10.0, 120.0),
        -8.0,
        -0.7,
        -20.0,
        -22.0,
    ),
    Part(
        "guitar_r",
        1,
        "master",
        (
            ("low_shelf", 200.0, -3.0, 0.7),
            ("peak", 2800.0, 2.0, 1.0),
            ("high_shelf", 8000.0, 1.5, 0.7),
        ),
        (-18.0, 3.0, 10.0, 120.0),
        -8.0,
        0.7,
        -20.0,
        -22.0,
    ),
    Part(
        "keys",
        2,
        "master",
        (
            ("low_shelf", 250.0, -4.0, 0.7),
            ("peak", 1200.0, -2.0, 1.0),
            ("high_shelf", 9000.0, 2.0, 0.7),
        ),
        (-24.0, 2.0, 20.0, 200.0),
        -10.0,
        -0.2,
        -16.0,
        -20.0,
    ),
    Part(
        "pad",
        2,
        "master",
        (
            ("low_shelf", 300.0, -6.0, 0.7),
            ("peak", 800.0, -3.0, 0.8),
            ("high_shelf", 6000.0, -2.0, 0.7),
        ),
        (-26.0, 2.0, 30.0, 300.0),
        -14.0,
        0.0,
        -12.0,
        None,
    ),
    Part(
        "lead_vocal",
        1,
        "master",
        (
            ("low_shelf", 120.0, -4.0, 0.7),
            ("peak", 350.0, -3.0, 1.4),
            ("high_shelf", 10000.0, 3.0, 0.7),
        ),
        (-22.0, 4.0, 5.0, 100.0),
        -2.0,
        0.0,
        -12.0,
        -16.0,
    ),
    Part(
        "backing_vocals",
        2,
        "master",
        (
            ("low_shelf", 200.0, -6.0, 0.7),
            ("peak", 3000.0, -2.0, 1.0),
            ("high_shelf", 10000.0, 2.0, 0.7),
        ),
        (-24.0, 4.0, 5.0, 120.0),
        -9.0,
        0.1,
        -10.0,
        -20.0,
    ),
    Part(
        "percussion",
        1,
        "master",
        (
            ("low_shelf", 300.0, -6.0, 0.7),
            ("peak", 5000.0, 2.0, 1.0),
            ("high_shelf", 12000.0, 1.0, 0.7),
        ),
        (-20.0, 3.0, 2.0, 80.0),
        -14.0,
        -0.45,
        -18.0,
        -24.0,
    ),
)

#: Chord roots (Hz) of the four bars: A minor, F, C, G.
_ROOTS = (110.0, 87.31, 130.81, 98.0)
#: Minor or major third above each root, in semitones.
_THIRDS = (3, 4, 4, 4)
#: Section of each of the 23 phrases (the last is cut at 3 minutes).
_SECTIONS = "II" + "VVVV" + "CCCC" + "VVVV" + "CCCC" + "BB" + "CCC"
#: Level of each part in each section (intro, verse, chorus, bridge), linear.
_SECTION_LEVEL = {
    "kick": {"I": 0.0, "V": 0.9, "C": 1.0, "B": 0.5},
    "snare": {"I": 0.0, "V": 0.9, "C": 1.0, "B": 0.4},
    "hats": {"I": 0.5, "V": 0.8, "C": 1.0, "B": 0.6},
    "overheads": {"I": 0.4, "V": 0.8, "C": 1.0, "B": 0.5},
    "bass": {"I": 0.0, "V": 0.9, "C": 1.0, "B": 0.8},
    "guitar_l": {"I": 0.7, "V": 0.6, "C": 1.0, "B": 0.3},
    "guitar_r": {"I": 0.0, "V": 0.6, "C": 1.0, "B": 0.3},
    "keys": {"I": 1.0, "V": 0.8, "C": 0.7, "B": 1.0},
    "pad": {"I": 0.6, "V": 0.5, "C": 0.8, "B": 1.0},
    "lead_vocal": {"I": 0.0, "V": 1.0, "C": 1.0, "B": 0.8},
    "backing_vocals": {"I": 0.0, "V": 0.0, "C": 1.0, "B": 0.6},
    "percussion": {"I": 0.0, "V": 0.6, "C": 1.0, "B": 0.8},
}


def _shape(seconds: float, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    t = np.arange(int(seconds * SR), dtype=F32) / F32(SR)
    return fn(t).astype(F32)


def _place(out: np.ndarray, shape: np.ndarray, times_s: Sequence[float], gains: Any = 1.0):
    gains = np.broadcast_to(np.asarray(gains, dtype=F32), (len(times_s),))
    for t0, g in zip(times_s, gains, strict=True):
        i = int(round(t0 * SR))
        m = min(shape.shape[-1], out.shape[-1] - i)
        out[..., i : i + m] += g * shape[..., :m]


@lru_cache(maxsize=64)
def _wavetable(harmonics: int, tilt: float) -> np.ndarray:
    """One period of a harmonic wave (partial k at ``1 / k**tilt``), 4096 points."""
    u = np.arange(_TABLE) / _TABLE
    k = np.arange(1, harmonics + 1)[:, None]
    return (np.sin(2.0 * np.pi * k * u) / k**tilt).sum(axis=0).astype(F32)


def _tone(t: np.ndarray, f0: Any, harmonics: int, tilt: float = 1.0) -> np.ndarray:
    """A harmonic tone at ``f0`` (a number or one value per frame), by wavetable."""
    if np.ndim(f0):
        cycles = np.cumsum(f0) / SR
    else:
        cycles = float(f0) * t
    usable = max(1, min(harmonics, int(0.45 * SR / float(np.max(f0)))))
    index = ((cycles % 1.0) * _TABLE).astype(np.int32) & (_TABLE - 1)
    return _wavetable(usable, tilt)[index]


def _noise(rng: np.random.Generator, n: int, bright: bool = False) -> np.ndarray:
    white = rng.standard_normal(n).astype(F32)
    if bright:  # first difference: tilted up 6 dB per octave
        return np.diff(white, prepend=F32(0.0))
    return white


def _phrase(part: Part, semitones: int, rng: np.random.Generator) -> np.ndarray:
    """Eight seconds (four bars) of one part, ``(channels, frames)``, peak 0.5."""
    n = int(PHRASE_S * SR)
    out = np.zeros((part.channels, n), dtype=F32)
    shift = 2.0 ** (semitones / 12.0)
    roots = [r * shift for r in _ROOTS]
    beats = np.arange(0.0, PHRASE_S, BEAT_S)
    name = part.name
    if name == "kick":
        f_lo = 45.0 * shift
        kick = _shape(
            0.45,
            lambda t: (
                np.sin(2 * np.pi * (f_lo * t + 3.6 * (1 - np.exp(-t / 0.04)))) * np.exp(-t / 0.28)
            ),
        )
        _place(out, kick, [b for b in beats if (b % 2.0) in (0.0, 1.0, 1.75)])
    elif name == "snare":
        body = _shape(0.3, lambda t: 0.5 * np.sin(2 * np.pi * 190.0 * t) * np.exp(-t / 0.06))
        body += 0.6 * _noise(rng, body.size) * _shape(0.3, lambda t: np.exp(-t / 0.09))
        _place(out, body, [b for b in beats if (b % 1.0) == 0.5])
    elif name == "hats":
        hat = _noise(rng, int(0.08 * SR), bright=True) * _shape(0.08, lambda t: np.exp(-t / 0.02))
        eighths = np.arange(0.0, PHRASE_S, BEAT_S / 2)
        _place(out, hat, eighths, np.where(np.arange(eighths.size) % 2 == 0, 1.0, 0.55))
    elif name == "overheads":
        crash_env = _shape(2.5, lambda t: np.exp(-t / 0.9))
        for ch in range(2):
            crash = _noise(rng, crash_env.size, bright=True) * crash_env
            _place(out[ch], crash, [0.0, 4.0], [0.6, 0.4])
            hit = _noise(rng, int(0.25 * SR)) * _shape(0.25, lambda t: np.exp(-t / 0.07))
            _place(out[ch], hit, [b + 0.002 * ch for b in beats], 0.25)
    elif name == "bass":
        note = int(BEAT_S / 2 * SR)
        env = _shape(BEAT_S / 2, lambda t: (1 - np.exp(-t / 0.004)) * np.exp(-t / 0.35))
        t = np.arange(note) / SR
        for bar, root in enumerate(roots):
            for step in range(8):
                f = root * (1.5 if step == 6 else 1.0)
                start = bar * 2.0 + step * BEAT_S / 2
                _place(out, (_tone(t, f / 2, 8) * env).astype(F32), [start])
    elif name in ("guitar_l", "guitar_r", "keys"):
        strum_s = 0.5 if name == "keys" else BEAT_S / 2
        tau = 0.9 if name == "keys" else 0.22
        env = _shape(strum_s * 2, lambda t: (1 - np.exp(-t / 0.003)) * np.exp(-t / tau))
        t = np.arange(env.size) / SR
        off = 0.0 if name != "guitar_r" else BEAT_S / 2
        octave = 4.0 if name == "keys" else 2.0
        for bar, (root, third) in enumerate(zip(roots, _THIRDS, strict=True)):
            notes = [root * octave * 2 ** (k / 12) for k in (0, third, 7)]
            for ch in range(part.channels):
                detune = 1.0 + 0.0012 * ch
                chord = sum(_tone(t, f * detune, 10, tilt=1.4) for f in notes)
                chord = (chord * env).astype(F32)
                starts = np.arange(bar * 2.0 + off, bar * 2.0 + 2.0, strum_s * 2)
                _place(out[ch], chord, starts, 0.8 + 0.2 * rng.random(starts.size))
    elif name == "pad":
        bar_n = int(2.0 * SR)
        t = np.arange(bar_n) / SR
        env = (1 - np.exp(-t / 0.4)) * np.exp(-t / 4.0)
        for bar, (root, third) in enumerate(zip(roots, _THIRDS, strict=True)):
            notes = [root * 2 * 2 ** (k / 12) for k in (0, third, 7, 12)]
            for ch in range(2):
                det = 1.0 + (0.002 if ch else -0.002)
                sound = sum(_tone(t, f * det, 6, tilt=2.0) for f in notes) * env
                sound += 0.02 * _noise(rng, bar_n)
                _place(out[ch], sound.astype(F32), [bar * 2.0])
    else:  # the voices and the shaker
        t = np.arange(n) / SR
        if name == "percussion":
            shake = _noise(rng, int(0.06 * SR), bright=True) * _shape(
                0.06, lambda u: np.sin(np.pi * u / 0.06) ** 2
            )
            sixteenths = np.arange(0.0, PHRASE_S, BEAT_S / 4)
            _place(out, shake, sixteenths, np.where(np.arange(sixteenths.size) % 4 == 2, 1.0, 0.4))
        else:
            melody = (0, 3, 7, 5, 3, 0, -2, 0) if name == "lead_vocal" else (3, 4, 4, 2)
            step_s = PHRASE_S / len(melody)
            for ch in range(part.channels):
                semis = np.asarray(melody, dtype=np.float64)[(t // step_s).astype(int)]
                semis = semis + (4.0 if ch else 0.0)
                vibrato = 1.0 + 0.006 * np.sin(2 * np.pi * 5.5 * t + ch)
                f0 = roots[0] * 2.0 * 2 ** (semis / 12) * vibrato
                voice = _tone(t, f0, 14, tilt=0.8)
                sung = (t % step_s) < 0.8 * step_s  # phrases with breaths between
                edge = np.minimum(t % step_s, 0.8 * step_s - t % step_s).clip(0, 0.03) / 0.03
                voice *= np.where(sung, edge, 0.0)
                voice += 0.01 * _noise(rng, n)
                out[ch] += voice.astype(F32)
    if part.channels == 2 and name not in ("overheads", "keys", "pad", "backing_vocals"):
        out[1] = out[0]
    peak = float(np.max(np.abs(out))) or 1.0
    out *= F32(0.5 / peak)
    return out


def _lay_out(phrase: np.ndarray, part: Part, rng: np.random.Generator, n: int) -> np.ndarray:
    """The phrase over the song: one section level (+-1 dB) per phrase, cut at ``n``."""
    out = np.empty((phrase.shape[0], n), dtype=F32)
    length = phrase.shape[1]
    levels = _SECTION_LEVEL[part.name]
    for i, start in enumerate(range(0, n, length)):
        section = _SECTIONS[min(i, len(_SECTIONS) - 1)]
        level = levels[section] * 10 ** (rng.uniform(-1.0, 1.0) / 20)
        stop = min(n, start + length)
        # a silent section keeps a faint floor (a real stem is never digital silence)
        np.multiply(phrase[:, : stop - start], F32(max(level, 0.003)), out=out[:, start:stop])
    return out


def make_stems(n_tracks: int, seconds: float = DURATION_S) -> list[Stem]:
    """The session's tracks: the 12 parts, repeated with variations up to ``n_tracks``."""
    n = int(seconds * SR)
    stems = []
    for i in range(n_tracks):
        copy, part = divmod(i, len(PARTS))
        p = PARTS[part]
        rng = np.random.default_rng(1000 * copy + part)
        phrase = _phrase(p, semitones=(0, 2, -3, 5)[copy % 4], rng=rng)
        name = p.name if copy == 0 else f"{p.name}_{copy + 1}"
        pan = p.pan if copy == 0 else float(np.clip(p.pan + rng.uniform(-0.3, 0.3), -1, 1))
        gain_db = p.gain_db - (6.0 if copy else 0.0)  # the copies sit lower in the mix
        stems.append(Stem(name, p, _lay_out(phrase, p, rng, n), gain_db, pan))
    return stems


# -- the graph, engine by engine -----------------------------------------------------------


def constant_power_gains(pan: float, channels: int) -> tuple[float, float]:
    """Our pan law by hand: mono cos/sin (-3 dB centre); stereo a balance on that curve."""
    if channels == 1:
        theta = (pan + 1.0) * math.pi / 4.0
        return math.cos(theta), math.sin(theta)
    far = math.sin((1.0 - abs(pan)) * math.pi / 2.0)
    return (far if pan > 0 else 1.0), (far if pan < 0 else 1.0)


REVERB_RETURN = {"decay_s": 1.8, "pre_delay_ms": 20.0, "damping_pct": 40.0}
DELAY_RETURN = {"time_ms": 375.0, "feedback_pct": 35.0}
DRUM_BUS_COMP = (-14.0, 3.0, 10.0, 100.0)


@dataclass
class Engine:
    """A way to render the graph: a strip per track and three bus processors."""

    name: str
    strip: Callable[[Stem], np.ndarray]  # stereo, post-fader
    drum_bus: Callable[[np.ndarray], np.ndarray]
    reverb: Callable[[np.ndarray], np.ndarray]
    delay: Callable[[np.ndarray], np.ndarray]


def pedalboard_engine(stems: Sequence[Stem]) -> Engine:
    """The graph in pedalboard: one Pedalboard per track (EQ + compressor), numpy pan."""
    import pedalboard as pb

    kinds = {
        "low_shelf": pb.LowShelfFilter,
        "peak": pb.PeakFilter,
        "high_shelf": pb.HighShelfFilter,
    }
    boards = {}
    for s in stems:
        thr, ratio, att, rel = s.part.comp
        boards[s.name] = pb.Pedalboard(
            [
                *(
                    kinds[kind](cutoff_frequency_hz=f, gain_db=g, q=q)
                    for kind, f, g, q in s.part.bands
                ),
                pb.Compressor(threshold_db=thr, ratio=ratio, attack_ms=att, release_ms=rel),
            ]
        )

    def strip(s: Stem) -> np.ndarray:
        y = boards[s.name](s.samples, SR)
        left, right = constant_power_gains(s.pan, y.shape[0])
        level = 10 ** (s.gain_db / 20)
        out = np.empty((2, y.shape[1]), dtype=F32)
        np.multiply(y[0], F32(level * left), out=out[0])
        np.multiply(y[-1], F32(level * right), out=out[1])
        return out

    thr, ratio, att, rel = DRUM_BUS_COMP
    bus = pb.Compressor(threshold_db=thr, ratio=ratio, attack_ms=att, release_ms=rel)
    # pedalboard's reverb has no decay time: a room size whose tail is of that order
    reverb = pb.Reverb(room_size=0.75, damping=0.4, wet_level=1.0, dry_level=0.0, width=1.0)
    delay = pb.Delay(
        delay_seconds=DELAY_RETURN["time_ms"] / 1e3,
        feedback=DELAY_RETURN["feedback_pct"] / 100,
        mix=1.0,
    )
    return Engine(
        "pedalboard",
        strip,
        lambda x: bus(x, SR),
        lambda x: reverb(x, SR),
        lambda x: delay(x, SR),
    )


def studio_engine(stems: Sequence[Stem]) -> Engine:
    """The graph from today's studio processors, composed by hand."""
    from studio.processors import Compressor, Delay, EQBand, Fader, ParametricEQ, Reverb

    strips = {}
    for s in stems:
        thr, ratio, att, rel = s.part.comp
        strips[s.name] = (
            ParametricEQ(bands=tuple(EQBand(*b) for b in s.part.bands)),
            Compressor(threshold_db=thr, ratio=ratio, attack_ms=att, release_ms=rel, knee_db=0.0),
            Fader(gain_db=s.gain_db, pan=s.pan),
        )

    def strip(s: Stem) -> np.ndarray:
        y = s.samples
        for proc in strips[s.name]:
            y = proc.process(y, SR)
        return y

    thr, ratio, att, rel = DRUM_BUS_COMP
    bus = Compressor(threshold_db=thr, ratio=ratio, attack_ms=att, release_ms=rel, knee_db=0.0)
    reverb = Reverb(**REVERB_RETURN, mix_pct=100.0)
    delay = Delay(**DELAY_RETURN, mix_pct=100.0)
    return Engine(
        "studio",
        strip,
        lambda x: bus.process(x, SR),
        lambda x: reverb.process(x, SR),
        lambda x: delay.process(x, SR),
    )


def render_graph(engine: Engine, stems: Sequence[Stem], workers: int = 1) -> np.ndarray:
    """Mix the stems through ``engine``: the same routing and summing for every engine.

    With ``workers`` above 1 the track strips run in a thread pool (in track order,
    at most ``workers`` at once plus one waiting), and the main thread sums them.
    """
    n = stems[0].samples.shape[1]
    master = np.zeros((2, n), dtype=F32)
    drums = np.zeros((2, n), dtype=F32)
    sends = {"reverb": np.zeros((2, n), dtype=F32), "delay": np.zeros((2, n), dtype=F32)}
    scratch = np.empty((2, n), dtype=F32)

    def add(s: Stem, y: np.ndarray) -> None:
        (drums if s.part.group == "drums" else master).__iadd__(y)
        for bus, level_db in (("reverb", s.part.reverb_db), ("delay", s.part.delay_db)):
            if level_db is not None:
                np.multiply(y, F32(10 ** (level_db / 20)), out=scratch)
                sends[bus] += scratch

    for s, y in _strips(engine, stems, workers):
        add(s, y)
        del y
    master += engine.drum_bus(drums)
    master += engine.reverb(sends["reverb"])
    master += engine.delay(sends["delay"])
    return master


def _strips(
    engine: Engine, stems: Sequence[Stem], workers: int
) -> Iterator[tuple[Stem, np.ndarray]]:
    if workers <= 1:
        for s in stems:
            yield s, engine.strip(s)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = []
        for s in stems:
            pending.append((s, pool.submit(engine.strip, s)))
            if len(pending) > workers:  # bounded: finished strips are summed and freed
                done, future = pending.pop(0)
                yield done, future.result()
        for done, future in pending:
            yield done, future.result()


# -- the session model ------------------------------------------------------------------


def lanes() -> dict[str, Any]:
    """The three automation lanes, as envelopes in song time (seconds from the start).

    A fader ride on the lead vocal (up 2 dB through each chorus, 1 s ramps), reverb-send
    throws on the lead vocal (the send jumps from -12 to -2 dB on the last word of some
    phrases, then falls back), and a low-pass sweep that opens the pad in the intro and
    closes and reopens it across the bridge.
    """
    from studio.dsp.control import Envelope

    chorus = [(48.0, 80.0), (112.0, 144.0), (160.0, 180.0)]
    times, values = [0.0], [-2.0]
    for a, b in chorus:
        times += [a - 1.0, a, b - 1.0, b]
        values += [-2.0, 0.0, 0.0, -2.0]
    ride = Envelope(times[:-2], values[:-2])
    t_throw, v_throw = [0.0], [-12.0]
    for end in (23.0, 31.0, 87.0, 95.0, 151.0):
        t_throw += [end - 0.6, end - 0.4, end + 0.8, end + 2.0]
        v_throw += [-12.0, -2.0, -2.0, -12.0]
    throw = Envelope(t_throw, v_throw, shape="smooth")
    sweep = Envelope(
        [0.0, 16.0, 144.0, 152.0, 160.0],
        [300.0, 18000.0, 18000.0, 600.0, 18000.0],
        shape="exponential",
    )
    return {"ride": ride, "throw": throw, "sweep": sweep}


def build_session(stems: Sequence[Stem], *, automated: bool = True) -> tuple[Any, dict[str, Any]]:
    """The graph as a ``studio.mixing.Session`` (and its stems' audio by name).

    Every track: a clip of its stem, EQ and compressor in its strip, its fader and
    pan, post-fader sends to the ``reverb`` and ``delay`` returns; the drum parts feed
    the ``drums`` group bus. With ``automated``, the three lanes of :func:`lanes`.
    """
    from studio.audio import Audio
    from studio.mixing import Bus, Clip, Send, Session, Strip, Track
    from studio.mixing import Stem as SessionStem
    from studio.processors import (
        Chain,
        Compressor,
        Delay,
        EQBand,
        Fader,
        LowPass,
        ParametricEQ,
        Reverb,
    )

    lane = lanes() if automated else {}
    tracks = []
    for s in stems:
        thr, ratio, att, rel = s.part.comp
        gain_db: Any = s.gain_db
        reverb_db: Any = s.part.reverb_db
        low_pass = LowPass(bypass=True)
        if automated and s.name == "lead_vocal":
            gain_db = lane["ride"]
            reverb_db = lane["throw"]
        if automated and s.name == "pad":
            low_pass = LowPass(freq_hz=lane["sweep"])
        strip = Strip(
            low_pass=low_pass,
            eq=ParametricEQ(bands=tuple(EQBand(*b) for b in s.part.bands)),
            dynamics=Compressor(
                threshold_db=thr, ratio=ratio, attack_ms=att, release_ms=rel, knee_db=0.0
            ),
            fader=Fader(gain_db=gain_db, pan=s.pan),
        )
        sends = [
            Send(bus=bus, level_db=level)
            for bus, level in (("reverb", reverb_db), ("delay", s.part.delay_db))
            if level is not None
        ]
        tracks.append(
            Track(
                name=s.name,
                layout="mono" if s.samples.shape[0] == 1 else "stereo",
                clips=(Clip(source=s.name),),
                strip=strip,
                sends=tuple(sends),
                output="drums" if s.part.group == "drums" else "master",
            )
        )
    thr, ratio, att, rel = DRUM_BUS_COMP
    buses = (
        Bus(
            name="drums",
            kind="group",
            strip=Strip(
                dynamics=Compressor(
                    threshold_db=thr, ratio=ratio, attack_ms=att, release_ms=rel, knee_db=0.0
                )
            ),
        ),
        Bus(
            name="reverb",
            kind="return",
            strip=Strip(inserts=Chain(Reverb(**REVERB_RETURN, mix_pct=100.0))),
        ),
        Bus(
            name="delay",
            kind="return",
            strip=Strip(inserts=Chain(Delay(**DELAY_RETURN, mix_pct=100.0))),
        ),
    )
    session = Session(
        name="bench",
        sample_rate=float(SR),
        stems=tuple(SessionStem(name=s.name) for s in stems),
        tracks=tuple(tracks),
        buses=buses,
    )
    sources = {s.name: Audio(s.samples, SR, s.name) for s in stems}
    return session, sources


def render_session(session: Any, sources: dict[str, Any], *, parallel: bool) -> np.ndarray:
    """The session's mix over the stems' length (no tails: the graphs' length)."""
    from studio.mixing import render

    seconds = next(iter(sources.values())).n_frames / SR
    return render(session, sources, duration_s=seconds, parallel=parallel).samples


# -- measuring -------------------------------------------------------------------------------


def _threads() -> list[int]:
    try:
        return [int(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:  # pragma: no cover - not Linux
        return [0]


@contextmanager
def cores(count: int) -> Iterator[int]:
    """Run the block on ``count`` processor cores (every thread of the process pinned)."""
    every = sorted(os.sched_getaffinity(0))
    chosen = set(every[-count:]) if count < len(every) else set(every)
    for tid in _threads():
        os.sched_setaffinity(tid, chosen)
    try:
        yield len(chosen)
    finally:
        for tid in _threads():
            os.sched_setaffinity(tid, set(every))


@dataclass(frozen=True)
class Timing:
    """Median wall time and median CPU time (user + system, every thread) of a job."""

    wall_s: float
    cpu_s: float


def alternate(
    jobs: dict[str, Callable[[], object]], runs: int = RUNS, warm_up: bool = True
) -> dict[str, Timing]:
    """Median times of each job, the jobs run in turn ``runs`` times (after a warm-up).

    CPU time does not count the time the process waits for a core that another
    program holds, so on a shared machine its ratios are the steadier ones.
    """
    if warm_up:
        for job in jobs.values():
            job()
    walls: dict[str, list[float]] = {name: [] for name in jobs}
    cpus: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, job in jobs.items():
            c0, t0 = os.times(), time.perf_counter()
            job()
            t1, c1 = time.perf_counter(), os.times()
            walls[name].append(t1 - t0)
            cpus[name].append((c1.user + c1.system) - (c0.user + c0.system))
    return {
        name: Timing(statistics.median(walls[name]), statistics.median(cpus[name])) for name in jobs
    }


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:  # pragma: no cover
        return "?"


def _level_db(x: np.ndarray) -> float:
    return 10 * math.log10(float(np.mean(np.square(x, dtype=np.float64))) + 1e-30)


def _rt(timing: Timing) -> str:
    return f"s  ({DURATION_S / timing.wall_s:,.0f}x realtime; CPU {timing.cpu_s:.2f} s)"


LABELS = {
    "pedalboard": "pedalboard graph (reference)",
    "hand": "studio processors by hand",
    "session": "session model + 3 lanes",
    "static": "session model, no lanes",
}


def _jobs(stems: list[Stem], names: Sequence[str], workers: int) -> dict[str, Callable[[], Any]]:
    """Zero-argument renders of the graph, by engine name, built before any timing."""
    jobs: dict[str, Callable[[], Any]] = {}
    for name in names:
        if name in ("pedalboard", "hand"):
            engine = pedalboard_engine(stems) if name == "pedalboard" else studio_engine(stems)
            jobs[name] = lambda e=engine: render_graph(e, stems, workers=workers)
        else:
            session, sources = build_session(stems, automated=name == "session")
            jobs[name] = lambda s=session, src=sources: render_session(s, src, parallel=workers > 1)
    return jobs


def speed_rows(stems_12: list[Stem], stems_48: list[Stem]) -> list[Row]:
    """Every engine at 12 and 48 tracks on one core, and at 12 tracks on two."""
    timings: dict[tuple[str, int, int], Timing] = {}
    with cores(1):
        for count, stems, names in (
            (12, stems_12, ("pedalboard", "hand", "session", "static")),
            (48, stems_48, ("pedalboard", "hand", "session")),
        ):
            jobs = _jobs(stems, names, workers=1)
            # the 12-track round has compiled and warmed everything the 48-track one needs
            found = alternate(jobs, warm_up=count == 12)
            timings.update({(name, count, 1): t for name, t in found.items()})
            del jobs
    with cores(2) as n_cores:
        jobs = _jobs(stems_12, ("pedalboard", "hand", "session"), workers=2)
        found = alternate(jobs)
        timings.update({(name, 12, 2): t for name, t in found.items()})
        del jobs

    rows: list[Row] = []
    for count in (12, 48):
        ref = timings[("pedalboard", count, 1)]
        for name in ("pedalboard", "hand", "session", "static"):
            if (name, count, 1) not in timings:
                continue
            t = timings[(name, count, 1)]
            rows.append((f"{count} tracks, 1 core: {LABELS[name]}", t.wall_s, _rt(t)))
        for name, target in (("hand", ""), ("session", "; target <= 0.6"), ("static", "")):
            if (name, count, 1) not in timings:
                continue
            t = timings[(name, count, 1)]
            rows.append(
                (
                    f"{count} tracks, 1 core: {LABELS[name]} / pedalboard",
                    t.wall_s / ref.wall_s,
                    f"ratio (CPU time: {t.cpu_s / ref.cpu_s:.2f}{target})",
                )
            )
    session_12 = timings[("session", 12, 1)]
    rows.append(
        (
            "session model + 3 lanes, 12 tracks, 1 core: realtime factor",
            DURATION_S / session_12.wall_s,
            f"x realtime (target >= 100; by CPU time {DURATION_S / session_12.cpu_s:,.0f}x)",
        )
    )
    for name in ("pedalboard", "hand", "session"):
        t12, t48 = timings[(name, 12, 1)], timings[(name, 48, 1)]
        target = "; target <= 4.2" if name == "session" else ""
        rows.append(
            (
                f"growth 48/12 tracks, 1 core: {LABELS[name]}",
                t48.wall_s / t12.wall_s,
                f"ratio (linear: 4.0; CPU time: {t48.cpu_s / t12.cpu_s:.2f}{target})",
            )
        )
    for name in ("pedalboard", "hand", "session"):
        t1, t2 = timings[(name, 12, 1)], timings[(name, 12, 2)]
        target = " (target >= 1.6)" if name == "session" else ""
        rows.append(
            (
                f"12 tracks, {n_cores} cores (tracks side by side): {LABELS[name]}",
                t2.wall_s,
                _rt(t2) + f"; {t1.wall_s / t2.wall_s:.2f}x the 1-core throughput{target}",
            )
        )
    return rows


def ceiling_rows(stems_12: list[Stem]) -> list[Row]:
    """What two cores can give on this machine: the 12 strips alone, side by side.

    Each track's channel strip (EQ and compressor) on its stem, with no buses and no
    summing: work with nothing shared but the memory bus, so its two-core speed-up is
    the most the whole mixdown could reach here.
    """
    from studio.dsp import _parallel

    session, sources = build_session(stems_12, automated=False)
    work = [(t.strip, sources[t.name].samples) for t in session.tracks]

    def strip(i: int) -> None:
        work[i][0].pre_fader(work[i][1], SR)

    def in_turn() -> None:
        for i in range(len(work)):
            strip(i)

    with cores(1):
        one = alternate({"strips": in_turn})["strips"]
    with cores(2) as n_cores:
        two = alternate({"strips": lambda: _parallel.side_by_side(strip, len(work))})["strips"]
    return [
        (
            f"12 tracks' strips alone (no buses), {n_cores} cores: the machine's ceiling",
            one.wall_s / two.wall_s,
            f"x the 1-core throughput ({one.wall_s:.3f} s -> {two.wall_s:.3f} s)",
        )
    ]


def sameness_rows(stems_12: list[Stem]) -> list[Row]:
    """The graphs are one graph: mix levels, and the session against the hand-made one."""
    mix_pb = render_graph(pedalboard_engine(stems_12), stems_12)
    mix_hand = render_graph(studio_engine(stems_12), stems_12)
    session, sources = build_session(stems_12, automated=False)
    mix_session = render_session(session, sources, parallel=True)
    diff = float(np.max(np.abs(mix_session - mix_hand)))
    return [
        ("12-track mix level, pedalboard graph", _level_db(mix_pb), "dBFS RMS"),
        ("12-track mix level, by hand (same graph)", _level_db(mix_hand), "dBFS RMS"),
        (
            "session model (no lanes) minus by hand: largest difference",
            20 * math.log10(diff) if diff > 0 else -math.inf,
            "dBFS (float32 summing order only)",
        ),
    ]


def lane_rows(seconds: float = DURATION_S) -> list[Row]:
    """Each automation lane rendered to its per-frame values alone (what a render does).

    Median time of three, and the peak of numpy's allocations (``tracemalloc``) while
    rendering, against the size of the float64 values it returns.
    """
    import tracemalloc

    n = int(seconds * SR)
    rows: list[Row] = []
    for name, envelope in lanes().items():
        envelope.render(SR, SR)
        tracemalloc.start()
        values = envelope.render(n, SR)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        t = statistics.median(_timed(lambda e=envelope: e.render(n, SR)) for _ in range(3))
        rows.append(
            (
                f"lane '{name}' ({envelope.shape}) to per-frame values, {seconds:.0f} s",
                t * 1e3,
                f"ms; peak {peak / values.nbytes:.1f}x the {values.nbytes / 2**20:.0f} MiB made",
            )
        )
    return rows


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


#: Fader moves timed for the preview (dB), each new so that nothing is found cached.
PREVIEW_MOVES = tuple(np.round(np.linspace(-9.0, 1.0, 15), 2).tolist())
PREVIEW_TRACK = "snare"  # feeds the drum bus and both returns: the longest way to the master


def preview_rows(stems: list[Stem], start_s: float = 60.0, region_s: float = 10.0) -> list[Row]:
    """One fader moved, then the 10-second preview region mixed again (median of moves).

    Through ``Project``: its render cache keeps every track and bus whose settings
    did not change, so a move re-renders that track and the buses after it. Both cores,
    as a kernel has them.
    """
    from studio.mixing import Project

    session, sources = build_session(stems)
    project = Project(session, sources)
    path = ("tracks", PREVIEW_TRACK, "strip", "fader", "gain_db")
    project.mixdown(start_s=start_s, duration_s=region_s)  # the region as first heard
    times = []
    for value in PREVIEW_MOVES:
        t0 = time.perf_counter()
        project.set(path, value)
        project.mixdown(start_s=start_s, duration_s=region_s)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    project.cache.clear()
    project.mixdown(start_s=start_s, duration_s=region_s)
    cold = time.perf_counter() - t0
    return [
        (
            f"{len(stems)} tracks: {PREVIEW_TRACK} fader moved -> new {region_s:g} s preview mix",
            statistics.median(times) * 1e3,
            f"ms median of {len(times)} (target <= 100; uncached: {cold * 1e3:.0f} ms)",
        )
    ]


_MEMORY_PROBE = """
import json, sys, time
sys.path.insert(0, {here!r})
import bench_mix as b

def status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0

stems = b.make_stems({tracks})
job = b.MIXDOWNS[{engine!r}](stems)
try:  # forget the peak so far (making the stems): the kernel resets VmHWM to VmRSS
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    reset = True
except OSError:
    reset = False
before = status("VmRSS")
t0 = time.perf_counter()
mix = job()
seconds = time.perf_counter() - t0
print(json.dumps({{
    "stems": sum(s.samples.nbytes for s in stems), "before": before,
    "peak": status("VmHWM"), "reset": reset, "seconds": seconds,
    "mix_s": mix.shape[-1] / b.SR,
}}))
"""


def _project_mixdown(stems: Sequence[Stem], automated: bool = True) -> Callable[[], np.ndarray]:
    from studio.mixing import Project

    project = Project(*build_session(stems, automated=automated))
    return lambda: project.mixdown().samples


#: What the memory probe renders, by name: a zero-argument mixdown of the stems.
MIXDOWNS: dict[str, Callable[[Sequence[Stem]], Callable[[], np.ndarray]]] = {
    "pedalboard": lambda stems: lambda: render_graph(pedalboard_engine(stems), stems),
    "hand": lambda stems: lambda: render_graph(studio_engine(stems), stems),
    "session": _project_mixdown,
    "static": lambda stems: _project_mixdown(stems, automated=False),
}


def memory_rows(engine: str, label: str, tracks: int = 48) -> list[Row]:
    """Peak memory of one mixdown in a fresh process, beside the stems' float32 size.

    The process makes the stems, forgets its peak resident size so far, renders once
    and reads the new peak: what the mixdown added on top of the stems it was given.
    """
    import json
    import subprocess

    code = _MEMORY_PROBE.format(
        here=str(Path(__file__).resolve().parent), tracks=tracks, engine=engine
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    m = json.loads(out.strip().splitlines()[-1])
    added = max(0, m["peak"] - m["before"])
    note = "" if m["reset"] else " (peak not reset: includes making the stems)"
    target = "; target <= 2" if engine == "session" else ""
    return [
        (
            f"{tracks}-track mixdown, {label}: peak memory added to the stems",
            added / 2**20,
            f"MiB = {added / m['stems']:.2f}x the stems' float32 size{note}",
        ),
        (
            f"{tracks}-track mixdown, {label}: stems + that peak",
            (m["stems"] + added) / m["stems"],
            f"x the stems' float32 size ({m['mix_s']:.1f} s mix in {m['seconds']:.1f} s{target})",
        ),
    ]


def run() -> list[Row]:
    """Every figure as ``(name, value, unit)``; references measured in the same run."""
    try:
        import pedalboard  # noqa: F401
    except ImportError:  # pragma: no cover - benchmarks only
        return [("pedalboard not installed (pip install -e '.[bench]')", float("nan"), "")]
    rows: list[Row] = [("load average at start (1, 5, 15 min)", float("nan"), _load())]
    t0 = time.perf_counter()
    stems_48 = make_stems(48)
    t_make = time.perf_counter() - t0
    stems_12 = stems_48[:12]
    stem_bytes = sum(s.samples.nbytes for s in stems_48)
    rows.append(("making 48 stems x 3 min (synthesis)", t_make, "s"))
    rows.append(("48 stems, float32 size", stem_bytes / 2**20, "MiB"))
    rows += speed_rows(stems_12, stems_48)
    rows += ceiling_rows(stems_12)
    rows += sameness_rows(stems_12)
    rows += lane_rows()
    rows += preview_rows(stems_12)
    rows += preview_rows(stems_48)
    del stems_12, stems_48
    rows += memory_rows("pedalboard", "pedalboard graph")
    rows += memory_rows("hand", "by hand")
    rows += memory_rows("session", "session model + 3 lanes, with tails")
    rows += memory_rows("static", "session model, no lanes, with tails")
    rows.append(("load average at end (1, 5, 15 min)", float("nan"), _load()))
    return rows


def main() -> None:
    """Print the table."""
    print(f"Mixing stage: {DURATION_S:.0f} s stems at {SR} Hz float32, median of {RUNS} runs")
    rows = run()
    width = max(len(r[0]) for r in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:10.3f}  {unit}", flush=True)


if __name__ == "__main__":
    main()
