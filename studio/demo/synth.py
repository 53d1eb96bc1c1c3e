"""Instrument voices for the demo song: small synthesisers written with numpy.

Each voice is a pure function returning the samples of one note or one drum hit as a
float64 array that starts at the onset and includes the release tail, so the
arrangement only has to add it into a track at the right place. Everything that is
random (noise, oscillator start phases, pitch drift) comes from a
:class:`numpy.random.Generator` passed in, so a seed fixes every sample.

The building blocks are the classic ones of a subtractive synthesiser:

- envelopes (:func:`adsr`): how loudness rises and falls over a note;
- band-limited oscillators (:func:`saw`, :func:`square`, :func:`sine`) that do not alias;
- filters (:func:`lowpass`, :func:`highpass`, :func:`bandpass`, :func:`peaking`);
- a formant filter bank (:func:`sing_phrase`) that turns a buzz into vowels.

No per-sample Python loops: a note is a handful of whole-array numpy operations.
scipy (for the filters) loads on the first note, so importing the demo stays light when
its tracks come from the disk cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from studio.demo.theory import midi_to_hz

__all__ = [
    "FORMANTS",
    "SungNote",
    "adsr",
    "bandpass",
    "bass_note",
    "crash",
    "hat",
    "highpass",
    "keys_note",
    "kick",
    "lead_note",
    "lowpass",
    "pad_chord",
    "peaking",
    "saw",
    "sine",
    "sing_phrase",
    "snare",
    "square",
]

# --------------------------------------------------------------------------- envelopes


def adsr(
    length_s: float,
    sr: int,
    *,
    attack_ms: float,
    decay_ms: float,
    sustain: float,
    release_ms: float,
) -> np.ndarray:
    """Attack-decay-sustain-release envelope of a note held for ``length_s``.

    The level rises linearly to 1 over the attack, falls exponentially towards the
    sustain level (``decay_ms`` is the time constant), and once the key is released
    falls smoothly to exactly 0 over ``release_ms``. The release tail is appended, so the
    envelope is ``length_s + release_ms`` long; it starts and ends at 0, which is what
    keeps notes free of clicks.

    Parameters
    ----------
    length_s : float
        How long the key is held, in seconds.
    sr : int
        Sample rate in Hz.
    attack_ms, decay_ms, release_ms : float
        Envelope times in milliseconds (attack at least 0.5 ms).
    sustain : float
        Held level, 0..1.

    Returns
    -------
    numpy.ndarray
        The envelope, 1-D float64, values within 0..1.
    """
    n_gate = max(1, round(length_s * sr))
    n_release = max(2, round(release_ms * sr / 1000.0))
    n = n_gate + n_release
    t = np.arange(n) / sr
    attack_s = max(attack_ms, 0.5) / 1000.0
    decay_s = max(decay_ms, 1.0) / 1000.0
    held = np.where(
        t < attack_s,
        t / attack_s,
        sustain + (1.0 - sustain) * np.exp(-np.maximum(t - attack_s, 0.0) / decay_s),
    )
    release = np.clip((n - 1 - np.arange(n)) / (n_release - 1), 0.0, 1.0)
    return held * release**2


def _fade_ends(
    x: np.ndarray, sr: int, *, fade_in_ms: float = 0.5, fade_out_ms: float = 5.0
) -> np.ndarray:
    """Raised-cosine fades at both ends (in place on a fresh array), so a hit never clicks."""
    n_in = min(x.shape[-1], max(1, round(fade_in_ms * sr / 1000.0)))
    n_out = min(x.shape[-1], max(1, round(fade_out_ms * sr / 1000.0)))
    x[..., :n_in] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(n_in) / n_in)
    x[..., x.shape[-1] - n_out :] *= 0.5 + 0.5 * np.cos(np.pi * (np.arange(n_out) + 1) / n_out)
    return x


# ------------------------------------------------------------------------- oscillators


def _phase(
    freq_hz: float | np.ndarray, n: int, sr: int, phase0: float
) -> tuple[np.ndarray, float | np.ndarray]:
    """Wrapped phase in cycles (0..1) and the per-sample increment ``dt = f / sr``."""
    dt: float | np.ndarray
    if np.ndim(freq_hz) == 0:
        dt = float(freq_hz) / sr
        p = phase0 + dt * np.arange(n)
    else:
        dt = np.asarray(freq_hz, dtype=float) / sr
        p = np.cumsum(dt)
        p += phase0 - dt[0]
    p -= np.floor(p)  # wrap to 0..1 (much faster than the % operator on floats)
    return p, dt


def _saw_from_phase(p: np.ndarray, dt: float | np.ndarray) -> np.ndarray:
    """Turn a wrapped phase into a band-limited saw, in place (``p`` is consumed).

    The naive saw ``2p - 1`` jumps once per cycle, and that jump aliases; a small
    polynomial (poly-BLEP) rounds it off over one sample either side of each jump.
    """
    lo = np.flatnonzero(p < dt)
    hi = np.flatnonzero(p > 1.0 - dt)
    dt_lo: float | np.ndarray = dt
    dt_hi: float | np.ndarray = dt
    if isinstance(dt, np.ndarray) and dt.ndim > 0:
        dt_lo, dt_hi = dt[lo], dt[hi]
    x_lo = p[lo] / dt_lo
    x_hi = (p[hi] - 1.0) / dt_hi
    p *= 2.0
    p -= 1.0
    p[lo] -= x_lo * (2.0 - x_lo) - 1.0
    p[hi] -= x_hi * (x_hi + 2.0) + 1.0
    return p


def saw(freq_hz: float | np.ndarray, n: int, sr: int, *, phase0: float = 0.0) -> np.ndarray:
    """Band-limited sawtooth (all harmonics, falling 6 dB per octave): bright and buzzy.

    Parameters
    ----------
    freq_hz : float or numpy.ndarray
        Frequency in Hz, fixed or one value per sample (for vibrato and glides).
    n : int
        Number of samples.
    sr : int
        Sample rate in Hz.
    phase0 : float
        Starting phase in cycles (0..1).

    Returns
    -------
    numpy.ndarray
        ``n`` samples within about -1..1.
    """
    p, dt = _phase(freq_hz, n, sr, phase0)
    return _saw_from_phase(p, dt)


def square(freq_hz: float | np.ndarray, n: int, sr: int, *, phase0: float = 0.0) -> np.ndarray:
    """Band-limited square wave (odd harmonics only): hollow, woody.

    Built as the difference of two saws half a cycle apart. Parameters as :func:`saw`.
    """
    p, dt = _phase(freq_hz, n, sr, phase0)
    q = p + 0.5
    q -= np.floor(q)
    return _saw_from_phase(p, dt) - _saw_from_phase(q, dt)


def sine(freq_hz: float | np.ndarray, n: int, sr: int, *, phase0: float = 0.0) -> np.ndarray:
    """Sine wave (the fundamental alone): pure, round. Parameters as :func:`saw`."""
    p, _ = _phase(freq_hz, n, sr, phase0)
    return np.sin(2.0 * np.pi * p)


# ----------------------------------------------------------------------------- filters


def _sosfilt(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    from scipy.signal import sosfilt

    return sosfilt(sos, x)


def _sosfreqz(sos: np.ndarray, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
    from scipy.signal import sosfreqz

    return sosfreqz(sos, worN=freqs_hz, fs=sr)[1]


@lru_cache(maxsize=512)
def _butter_sos(kind: str, cutoff_hz: float | tuple, order: int, sr: int) -> np.ndarray:
    from scipy.signal import butter

    return butter(order, cutoff_hz, btype=kind, fs=sr, output="sos")


def _safe_hz(freq_hz: float, sr: int) -> float:
    return float(min(max(freq_hz, 1.0), 0.45 * sr))


def lowpass(x: np.ndarray, sr: int, cutoff_hz: float, *, order: int = 2) -> np.ndarray:
    """Butterworth low-pass along the last axis: darker above ``cutoff_hz``."""
    return _sosfilt(_butter_sos("lowpass", _safe_hz(cutoff_hz, sr), order, sr), x)


def highpass(x: np.ndarray, sr: int, cutoff_hz: float, *, order: int = 2) -> np.ndarray:
    """Butterworth high-pass along the last axis: thinner below ``cutoff_hz``."""
    return _sosfilt(_butter_sos("highpass", _safe_hz(cutoff_hz, sr), order, sr), x)


def bandpass(
    x: np.ndarray, sr: int, low_hz: float, high_hz: float, *, order: int = 2
) -> np.ndarray:
    """Butterworth band-pass along the last axis: only ``low_hz``..``high_hz`` remains."""
    band = (_safe_hz(low_hz, sr), _safe_hz(high_hz, sr))
    return _sosfilt(_butter_sos("bandpass", band, order, sr), x)


@lru_cache(maxsize=256)
def _peaking_sos(freq_hz: float, gain_db: float, q: float, sr: int) -> np.ndarray:
    """Bell filter (second order): ``gain_db`` at ``freq_hz``, 0 dB far from it."""
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * freq_hz / sr
    alpha = np.sin(w0) / (2.0 * q)
    b = [1.0 + alpha * a, -2.0 * np.cos(w0), 1.0 - alpha * a]
    den = [1.0 + alpha / a, -2.0 * np.cos(w0), 1.0 - alpha / a]
    return np.concatenate([b, den])[np.newaxis, :] / den[0]


@lru_cache(maxsize=256)
def _resonator_sos(freq_hz: float, q: float, sr: int) -> np.ndarray:
    """Band-pass resonance with 0 dB at its centre and bandwidth ``freq_hz / q``."""
    w0 = 2.0 * np.pi * freq_hz / sr
    alpha = np.sin(w0) / (2.0 * q)
    b = [alpha, 0.0, -alpha]
    den = [1.0 + alpha, -2.0 * np.cos(w0), 1.0 - alpha]
    return np.concatenate([b, den])[np.newaxis, :] / den[0]


def peaking(x: np.ndarray, sr: int, freq_hz: float, gain_db: float, q: float) -> np.ndarray:
    """Bell EQ along the last axis: boost (or cut) ``gain_db`` around ``freq_hz``.

    The demo uses it to plant problems (a low-mid bump on the pad, a harsh resonance on
    the lead) exactly where the tutorials will look for them.
    """
    return _sosfilt(_peaking_sos(float(freq_hz), float(gain_db), float(q), sr), x)


# ------------------------------------------------------------------------------- drums


def kick(sr: int, velocity: float, rng: np.random.Generator) -> np.ndarray:
    """Kick drum: a sine that drops from 165 Hz to a 55 Hz body, plus a beater click.

    The body (the "boom") sits around 55-60 Hz, the same octave as the bass notes:
    that shared low octave is the masking problem the demo plants.
    """
    n = round(0.5 * sr)
    t = np.arange(n) / sr
    freq = 55.0 + 110.0 * np.exp(-t / 0.025)
    body = sine(freq, n, sr) * np.exp(-t / 0.17)
    body = np.tanh(1.8 * body) / np.tanh(1.8)
    click = highpass(rng.standard_normal(n), sr, 3000.0) * np.exp(-t / 0.003) * 0.12
    return _fade_ends((body + click) * velocity, sr, fade_out_ms=40.0)


def snare(sr: int, velocity: float, rng: np.random.Generator) -> np.ndarray:
    """Snare drum: a short 185 Hz drum tone plus a burst of band-passed noise (the wires)."""
    n = round(0.4 * sr)
    t = np.arange(n) / sr
    freq = 185.0 * (1.0 + 0.25 * np.exp(-t / 0.01))
    tone = 0.8 * sine(freq, n, sr) * np.exp(-t / 0.055)
    tone += 0.35 * sine(330.0, n, sr) * np.exp(-t / 0.03)
    wires = bandpass(rng.standard_normal(n), sr, 1200.0, 10000.0) * np.exp(-t / 0.11) * 0.75
    return _fade_ends((tone + wires) * velocity, sr, fade_out_ms=30.0)


_METAL_HZ = (317.0, 465.0, 563.0, 702.0, 845.0, 1034.0)  # inharmonic, so it rings like metal


@lru_cache(maxsize=4)
def _metal_ring(sr: int) -> np.ndarray:
    """Three seconds of an inharmonic square-wave cluster: the ring of a cymbal."""
    n = round(3.0 * sr)
    ring = np.zeros(n)
    for k, f in enumerate(_METAL_HZ):
        ring += square(f, n, sr, phase0=k / 7.0)
    ring /= len(_METAL_HZ)
    ring.flags.writeable = False
    return ring


def _metal(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Metallic ring (from a random point of the cluster) plus noise: a raw cymbal."""
    ring = _metal_ring(sr)
    offset = int(rng.integers(0, ring.size - n)) if ring.size > n else 0
    out = rng.standard_normal(n)
    m = min(n, ring.size)
    out[:m] += 0.6 * ring[offset : offset + m]
    return out


def hat(
    sr: int, velocity: float, rng: np.random.Generator, *, open_hat: bool = False
) -> np.ndarray:
    """Hi-hat: metallic noise above 7 kHz; closed is a tick, open rings for half a second."""
    n = round((0.6 if open_hat else 0.12) * sr)
    t = np.arange(n) / sr
    decay_s = 0.16 if open_hat else 0.018
    tone = highpass(_metal(n, sr, rng), sr, 7000.0, order=4) * np.exp(-t / decay_s) * 0.5
    return _fade_ends(tone * velocity, sr, fade_out_ms=20.0)


def crash(sr: int, velocity: float, rng: np.random.Generator) -> np.ndarray:
    """Crash cymbal: a wash of metallic noise above 4 kHz that fades over two seconds."""
    n = round(2.5 * sr)
    t = np.arange(n) / sr
    tone = highpass(_metal(n, sr, rng), sr, 4000.0, order=2) * np.exp(-t / 0.7) * 0.35
    return _fade_ends(tone * velocity, sr, fade_out_ms=300.0)


# ------------------------------------------------------------------------ pitched parts


def bass_note(sr: int, midi: int, length_s: float, velocity: float) -> np.ndarray:
    """Synth bass: a sine for the fundamental plus a low-passed saw for growl.

    The filter opens on the attack (a bright pluck) and closes within about 100 ms, so
    most of the energy stays on the fundamental between 50 and 100 Hz.
    """
    env = adsr(length_s, sr, attack_ms=3.0, decay_ms=300.0, sustain=0.75, release_ms=50.0)
    n = env.size
    t = np.arange(n) / sr
    freq = midi_to_hz(midi)
    growl = saw(freq, n, sr)
    pluck = velocity * np.exp(-t / 0.07)
    bright, dark = lowpass(growl, sr, 1200.0), lowpass(growl, sr, 250.0)
    tone = 0.75 * sine(freq, n, sr) + 0.45 * (pluck * bright + (1.0 - pluck) * dark)
    return tone * env * velocity


def keys_note(sr: int, midi: int, length_s: float, velocity: float) -> np.ndarray:
    """Electric piano by FM: a sine whose phase is wobbled by another sine.

    Harder notes wobble more (brighter attack), and the brightness dies away quickly,
    like the tine of an electric piano; the note itself decays slowly while held.
    """
    env = adsr(length_s, sr, attack_ms=2.0, decay_ms=1100.0, sustain=0.25, release_ms=140.0)
    n = env.size
    t = np.arange(n) / sr
    freq = midi_to_hz(midi)
    index = 0.4 + 2.0 * velocity * np.exp(-t / 0.3)
    phase = 2.0 * np.pi * freq * t  # the modulator runs at exactly the carrier's pitch
    tone = np.sin(phase + index * np.sin(phase))
    tone += 0.06 * velocity * sine(7.0 * freq, n, sr) * np.exp(-t / 0.04)
    return tone * env * velocity


def pad_chord(
    sr: int,
    midis: Sequence[int],
    length_s: float,
    velocity: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Stereo string pad holding a chord: three detuned saws per note, with slow swells.

    For every note one saw sits in the centre; a copy tuned 9 cents sharp goes left and
    one 9 cents flat goes right. Their slow beating is what makes a pad sound wide and
    alive. A low-pass at 1.6 kHz keeps it soft.

    Returns
    -------
    numpy.ndarray
        Shape ``(2, n)``: left and right.
    """
    env = adsr(length_s, sr, attack_ms=700.0, decay_ms=500.0, sustain=0.85, release_ms=1000.0)
    n = env.size
    detune = 2.0 ** (9.0 / 1200.0)
    stereo = np.zeros((2, n))
    for midi in midis:
        freq = midi_to_hz(midi)
        centre = saw(freq, n, sr, phase0=rng.random())
        stereo[0] += centre
        stereo[1] += centre
        stereo[0] += saw(freq * detune, n, sr, phase0=rng.random())
        stereo[1] += saw(freq / detune, n, sr, phase0=rng.random())
    stereo = lowpass(stereo, sr, 1600.0)
    stereo *= 0.5 * env * velocity
    return stereo


def lead_note(
    sr: int, midi: int, length_s: float, velocity: float, rng: np.random.Generator
) -> np.ndarray:
    """Synth lead: two detuned saws and a square, with delayed vibrato.

    The vibrato fades in after about 200 ms, as a player would add it on a held note;
    the filter is brighter on the attack than on the sustain.
    """
    env = adsr(length_s, sr, attack_ms=6.0, decay_ms=180.0, sustain=0.7, release_ms=70.0)
    n = env.size
    t = np.arange(n) / sr
    depth_cents = 18.0 * np.clip((t - 0.18) / 0.25, 0.0, 1.0)
    freq = midi_to_hz(midi) * 2.0 ** (depth_cents * np.sin(2.0 * np.pi * 5.4 * t) / 1200.0)
    tone = 0.5 * saw(freq, n, sr, phase0=rng.random())
    tone += 0.5 * saw(freq * 2.0 ** (7.0 / 1200.0), n, sr, phase0=rng.random())
    tone += 0.3 * square(freq, n, sr, phase0=rng.random())
    shine = np.exp(-t / 0.15)
    tone = shine * lowpass(tone, sr, 10000.0) + (1.0 - shine) * lowpass(tone, sr, 6500.0)
    return tone * env * velocity


# -------------------------------------------------------------------------- the singer

FORMANTS = {
    "a": ((850.0, 1220.0, 2810.0), (120.0, 140.0, 200.0)),
    "e": ((610.0, 1900.0, 2600.0), (100.0, 140.0, 200.0)),
    "i": ((310.0, 2400.0, 3100.0), (80.0, 160.0, 220.0)),
    "o": ((590.0, 920.0, 2710.0), (100.0, 130.0, 200.0)),
    "u": ((370.0, 950.0, 2670.0), (80.0, 130.0, 200.0)),
}
"""Vowel formants: centre frequencies and bandwidths (Hz) of the first three resonances.

Approximate values for a female voice. The first two formants alone already tell
vowels apart: low F1 with high F2 is "ee", high F1 is "ah", low F1 with low F2 "oo".
"""

_FORMANT_GAINS = (1.0, 0.5, 0.25)  # each resonance 6 dB below the one before


class SungNote(NamedTuple):
    """One sung syllable: timing relative to the phrase start, pitch, loudness, lyric.

    ``syllable`` is an optional consonant (``"s"`` a hiss, ``"t"`` a tap, ``"l"`` a soft
    onset) followed by a vowel from :data:`FORMANTS`, e.g. ``"la"``, ``"so"``, ``"i"``.
    """

    start_s: float
    length_s: float
    midi: int
    velocity: float
    syllable: str


def _box(x: np.ndarray, m: int) -> np.ndarray:
    """Moving average over ``m`` samples (running sums), edges held, length kept."""
    padded = np.pad(x, (m // 2, m - 1 - m // 2), mode="edge")
    sums = np.concatenate([[0.0], np.cumsum(padded)])
    return (sums[m:] - sums[:-m]) / m


def _smooth(x: np.ndarray, n_window: int) -> np.ndarray:
    """Smooth a control curve over about ``n_window`` samples (triangular window)."""
    if n_window < 4:
        return x
    return _box(_box(x, n_window // 2), n_window // 2)


def _vowel(x: np.ndarray, sr: int, vowel: str) -> np.ndarray:
    """Filter a buzz through the three formant resonances of ``vowel``."""
    centres, widths = FORMANTS[vowel]
    out = np.zeros_like(x)
    for f, bw, g in zip(centres, widths, _FORMANT_GAINS, strict=True):
        out += g * _sosfilt(_resonator_sos(f, f / bw, sr), x)
    return out


_DIRECT_GAIN, _DIRECT_HZ, _TILT_HZ = 0.35, 400.0, 1500.0  # chest resonance, source tilt


@lru_cache(maxsize=512)
def _sung_gain(midi: int, vowel: str, sr: int) -> float:
    """Gain that brings a sung note to the same loudness whatever its pitch and vowel.

    Harmonics of the sung pitch fall on or between the narrow formant peaks, so a raw
    "ee" on one note can come out 15 dB louder than an "oh" on another. This computes
    the level the filters would give (sum of the harmonic powers after source tilt and
    formants) and returns its inverse, so the singer's level stays even and only the
    planted phrase levels differ.
    """
    f0 = float(midi_to_hz(midi))
    harmonics = f0 * np.arange(1, int(min(8000.0, 0.45 * sr) / f0) + 1)
    source = (2.0 / np.pi) / np.arange(1, harmonics.size + 1) / np.hypot(1.0, harmonics / _TILT_HZ)
    response = _DIRECT_GAIN * _sosfreqz(_butter_sos("lowpass", _DIRECT_HZ, 2, sr), harmonics, sr)
    centres, widths = FORMANTS[vowel]
    for f, bw, g in zip(centres, widths, _FORMANT_GAINS, strict=True):
        response = response + g * _sosfreqz(_resonator_sos(f, f / bw, sr), harmonics, sr)
    rms = np.sqrt(0.5 * np.sum((source * np.abs(response)) ** 2))
    return float(0.15 / rms)


def sing_phrase(
    sr: int,
    notes: Sequence[SungNote],
    rng: np.random.Generator,
    *,
    vibrato_hz: float = 5.3,
    vibrato_cents: float = 35.0,
    glide_ms: float = 70.0,
) -> np.ndarray:
    """A vowel-formant "singer": one breath of melody, legato, with vibrato.

    A buzzing source (a saw, like the pulses of the vocal folds) follows a continuous
    pitch line: it glides between notes, drifts a few cents at random, and grows a
    vibrato on held notes. Three resonances per vowel (the formants) shape the buzz into
    "ah", "ee", "oh"..., crossfading from syllable to syllable; consonants add short
    noise bursts. What you hear is a wordless, slightly synthetic singer.

    Parameters
    ----------
    sr : int
        Sample rate in Hz.
    notes : sequence of SungNote
        The syllables, in time order, timed from the phrase start.
    rng : numpy.random.Generator
        Source of the pitch drift and the breath and consonant noise.
    vibrato_hz, vibrato_cents, glide_ms : float
        Vibrato rate and depth (cents either side) and the pitch glide between notes.

    Returns
    -------
    numpy.ndarray
        The phrase, mono, starting at the phrase start and fading to 0 at its end.
    """
    ends = [note.start_s + note.length_s for note in notes]
    n = round((max(ends) + 0.25) * sr)
    t = np.arange(n) / sr
    starts = [min(n - 1, round(note.start_s * sr)) for note in notes]
    stops = [min(n, round(end * sr)) for end in ends]

    pitch = np.full(n, float(notes[0].midi))
    depth = np.zeros(n)
    loud = np.zeros(n)
    vowels = sorted({note.syllable[-1] for note in notes})
    weights = {v: np.zeros(n) for v in vowels}
    n_attack, n_release = round(0.035 * sr), round(0.07 * sr)
    for i, (note, a, b) in enumerate(zip(notes, starts, stops, strict=True)):
        pitch[a:] = note.midi
        nxt = starts[i + 1] if i + 1 < len(notes) else n
        weights[note.syllable[-1]][a:nxt] = 1.0
        ramp = np.clip((t[a:] - t[a] - 0.15) / 0.3, 0.0, 1.0)
        depth[a:b] = np.maximum(depth[a:b], ramp[: b - a])
        onset_s = 0.08 if note.syllable[0] == "l" else n_attack / sr
        rise = np.clip((t[a:] - t[a]) / onset_s, 0.0, 1.0)
        fall = np.clip((b + n_release - np.arange(a, n)) / n_release, 0.0, 1.0)
        level = note.velocity * _sung_gain(note.midi, note.syllable[-1], sr)
        shape = level * rise * fall * (1.0 - 0.15 * np.clip((t[a:] - t[a]) / 2.0, 0, 1))
        loud[a:] = np.maximum(loud[a:], shape)

    n_drift = n // max(1, sr // 20) + 2
    drift = np.interp(t, np.linspace(0.0, t[-1], n_drift), rng.standard_normal(n_drift))
    cents = vibrato_cents * depth * np.sin(2.0 * np.pi * vibrato_hz * t + 2 * np.pi * rng.random())
    line = _smooth(pitch, round(glide_ms * sr / 1000.0)) + (cents + 6.0 * drift) / 100.0
    buzz = lowpass(saw(midi_to_hz(line), n, sr), sr, _TILT_HZ, order=1)
    buzz += 0.03 * highpass(rng.standard_normal(n), sr, 1500.0)

    n_morph = round(0.04 * sr)
    voice = _DIRECT_GAIN * lowpass(buzz, sr, _DIRECT_HZ)
    margin = round(0.03 * sr)  # lets the resonances ring in before a vowel is heard
    for v in vowels:
        weight = _smooth(weights[v], n_morph)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], (weight > 0).astype(int), [0]])))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            a0 = max(0, a - margin)
            voice[a:b] += weight[a:b] * _vowel(buzz[a0:b], sr, v)[a - a0 :]
    voice *= _smooth(loud, round(0.01 * sr))

    for note, a in zip(notes, starts, strict=True):
        consonant = note.syllable[:-1]
        if consonant in ("s", "t"):
            length_s, cutoff_hz, level = (
                (0.07, 5000.0, 0.04) if consonant == "s" else (0.012, 2000.0, 0.06)
            )
            m = min(n - a, round(length_s * sr))
            burst = highpass(rng.standard_normal(m), sr, cutoff_hz) * np.hanning(m)
            voice[a : a + m] += level * note.velocity * burst
    return _fade_ends(voice, sr, fade_out_ms=20.0)
