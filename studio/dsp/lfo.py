"""Low-frequency oscillators: the slow, repeating movement behind every modulation effect.

An LFO is a wave too slow to hear as a pitch (a few cycles per second or fewer) that
moves a parameter: the gain of a tremolo, the pan of an auto-pan, the delay time of a
chorus, flanger and vibrato, the notch frequencies of a phaser. What you hear is the
*shape* of that movement:

* ``"sine"``: smooth, even, the most natural-sounding sweep;
* ``"triangle"``: straight up and straight down at a steady speed;
* ``"square"``: jumps between two values (a choppy tremolo, a trill); each jump is a
  short ramp of :data:`RAMP_MS` so it does not click;
* ``"saw"``: rises steadily, then falls back quickly (again over :data:`RAMP_MS`);
* ``"random"``: a new random value every cycle, glided to over the first half of the
  cycle and held for the second (a smoothed sample-and-hold), reproducible from ``seed``.

Every wave lies in -1..+1 and starts, at ``phase_deg = 0``, at 0 going up (except
``"random"``), like a sine. The phase is the running sum of the rate, so a rate that
changes over time (an array or an :class:`~studio.dsp.control.Envelope`) speeds the
wave up and slows it down smoothly, without jumps.
"""

from __future__ import annotations

import re

import numpy as np

from studio.dsp.control import Control, resolve
from studio.errors import ParameterError

__all__ = [
    "LFO_SHAPES",
    "RAMP_MS",
    "lfo",
    "lfo_from_phase",
    "lfo_phase",
    "sync_rate_hz",
]

#: The wave shapes an LFO can take, in the order a learner meets them.
LFO_SHAPES = ("sine", "triangle", "square", "saw", "random")

#: Length of each jump of the square wave and of the saw's fall back, in milliseconds.
#: Long enough not to click, short enough to sound like a switch. At rates above
#: ``1000 / (2 * RAMP_MS)`` Hz (125 Hz) the ramps fill the cycle and both become triangles.
RAMP_MS = 4.0

#: Fraction of each cycle the random wave spends gliding to its next value.
RANDOM_GLIDE = 0.5


def lfo_phase(n_frames: int, sr: int, *, rate_hz: Control, phase_deg: float = 0.0) -> np.ndarray:
    """The LFO's position in cycles at every frame (float64, never decreasing).

    Parameters
    ----------
    n_frames : int
        Number of sample frames.
    sr : int
        Sample rate in Hz.
    rate_hz : float, array or Envelope
        Cycles per second (0 or more); per frame when it changes over time.
    phase_deg : float
        Where in its cycle the wave starts (360 degrees = one cycle).

    Returns
    -------
    numpy.ndarray
        ``phase_deg / 360 + (cycles completed so far)`` at each frame; frame 0 is at
        exactly ``phase_deg / 360``.
    """
    rate = resolve(rate_hz, n_frames, sr, name="LFO rate_hz")
    if np.any(np.asarray(rate) < 0.0):
        raise ParameterError(f"LFO rate_hz must be 0 or more; got a minimum of {np.min(rate):g}.")
    start = float(phase_deg) / 360.0
    if not isinstance(rate, np.ndarray):
        return start + np.arange(n_frames, dtype=np.float64) * (rate / sr)
    phase = np.empty(n_frames, dtype=np.float64)
    if n_frames:
        phase[0] = 0.0
        np.cumsum(rate[:-1] / sr, out=phase[1:])
    return phase + start


def _sine(p: np.ndarray, dtype: type = np.float32) -> np.ndarray:
    """``sin(2 pi p)`` with the whole cycles removed first, in ``dtype``.

    Single precision (the default) is accurate to about 1e-7, far finer than anything a
    moving parameter can make audible, and several times faster than double precision.
    """
    within = p - np.floor(p)
    angle = within.astype(dtype)
    angle *= dtype(2.0 * np.pi)
    return np.sin(angle, out=angle)


def _cycle_values(cycles: np.ndarray, seed: int) -> np.ndarray:
    """A reproducible random value in -1..1 for each whole cycle number.

    An integer hash (multiply and xor-shift mixing) of the cycle number and the seed:
    the value of cycle ``k`` does not depend on where the computation started, so any
    stretch of the wave can be computed on its own and still match.
    """
    z = np.asarray(cycles, dtype=np.int64).view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    z += np.uint64((int(seed) * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019) % 2**64)
    for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        z ^= z >> np.uint64(shift)
        z *= np.uint64(mult)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-52 - 1.0


def _triangle(u: np.ndarray) -> np.ndarray:
    """Triangle in -1..1 with the phase of a sine (0 rising at u = 0, +1 at u = 1/4)."""
    return 1.0 - 4.0 * np.abs(np.mod(u + 0.25, 1.0) - 0.5)


def _ramp_fraction(rate_hz: float | np.ndarray) -> float | np.ndarray:
    """Share of a cycle one :data:`RAMP_MS` ramp takes at this rate (0 < r <= 1/2)."""
    return np.clip(np.asarray(rate_hz, dtype=np.float64) * (RAMP_MS * 1e-3), 1e-9, 0.5)


def lfo_from_phase(
    phase: np.ndarray,
    *,
    shape: str = "sine",
    rate_hz: float | np.ndarray = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """The wave's value (-1..1) at each position ``phase`` (in cycles).

    Parameters
    ----------
    phase : numpy.ndarray
        Position in cycles, e.g. from :func:`lfo_phase` (non-decreasing for ``"random"``).
    shape : str
        One of :data:`LFO_SHAPES`.
    rate_hz : float or numpy.ndarray
        The rate at each position; only the square and saw use it, to keep their
        ramps :data:`RAMP_MS` long whatever the rate.
    seed : int
        Seed of the random wave (the same seed gives the same wave).

    Returns
    -------
    numpy.ndarray
        float64 values in -1..1, same shape as ``phase``.
    """
    p = np.asarray(phase, dtype=np.float64)
    if shape == "sine":
        return _sine(p).astype(np.float64)
    if shape == "triangle":
        return _triangle(p)
    if shape == "square":
        # A triangle is steepened and clipped into a trapezoid: a ramp of r cycles
        # between -1 and +1 needs a slope 1/(2r) times the triangle's.
        steep = 0.5 / _ramp_fraction(rate_hz)
        return np.clip(_triangle(p) * steep, -1.0, 1.0)
    if shape == "saw":
        r = _ramp_fraction(rate_hz)
        rise = 1.0 - r
        v = np.mod(p + rise / 2.0, 1.0)  # v = rise/2 is the zero crossing at phase 0
        up = v / rise * 2.0 - 1.0
        down = 1.0 - (v - rise) / r * 2.0
        return np.where(v < rise, up, down)
    if shape == "random":
        if p.size == 0:
            return p.copy()
        cycle = np.floor(p).astype(np.int64)
        first = int(cycle.min())
        targets = _cycle_values(np.arange(first, int(cycle.max()) + 2), seed)
        glide = np.clip((p - np.floor(p)) / RANDOM_GLIDE, 0.0, 1.0)
        ease = 0.5 - 0.5 * np.cos(np.pi * glide)  # raised cosine: no corners
        before = targets[cycle - first]
        return before + (targets[cycle - first + 1] - before) * ease
    raise ParameterError(f"LFO shape must be one of {', '.join(LFO_SHAPES)}; got {shape!r}.")


def lfo(
    n_frames: int,
    sr: int,
    *,
    rate_hz: Control,
    shape: str = "sine",
    phase_deg: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """A low-frequency oscillator: the wave that moves a parameter, one value per frame.

    Parameters
    ----------
    n_frames : int
        Number of sample frames.
    sr : int
        Sample rate in Hz.
    rate_hz : float, array or Envelope
        Speed in cycles per second; see :func:`sync_rate_hz` to lock it to a tempo.
    shape : str
        One of :data:`LFO_SHAPES`.
    phase_deg : float
        Starting point in the cycle (90 starts a sine at its top).
    seed : int
        Seed of the ``"random"`` wave.

    Returns
    -------
    numpy.ndarray
        float64 values in -1..1.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(lfo(5, 4, rate_hz=1.0), 6) + 0.0  # one cycle per second, 4 frames a second
    array([ 0.,  1.,  0., -1.,  0.])
    """
    if shape not in LFO_SHAPES:
        raise ParameterError(f"LFO shape must be one of {', '.join(LFO_SHAPES)}; got {shape!r}.")
    rate = resolve(rate_hz, n_frames, sr, name="LFO rate_hz")
    phase = lfo_phase(n_frames, sr, rate_hz=rate, phase_deg=phase_deg)
    return lfo_from_phase(phase, shape=shape, rate_hz=rate, seed=seed)


_NOTE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([.t]?)\s*$")


def sync_rate_hz(tempo_bpm: float, note: str = "1/4") -> float:
    """LFO rate that completes one cycle per note value at a tempo.

    Parameters
    ----------
    tempo_bpm : float
        Tempo in quarter-note beats per minute.
    note : str
        Length of one cycle as a fraction of a whole note: ``"1/4"`` (a beat),
        ``"1/8"``, ``"2/1"`` (two bars of 4/4); add ``"."`` for dotted (x1.5) or ``"t"``
        for triplet (x2/3), e.g. ``"1/8."``, ``"1/4t"``.

    Returns
    -------
    float
        Cycles per second.

    Examples
    --------
    >>> sync_rate_hz(120.0, "1/4")  # two beats per second
    2.0
    >>> sync_rate_hz(120.0, "1/8t")  # three per beat
    6.0
    """
    if not np.isfinite(tempo_bpm) or tempo_bpm <= 0:
        raise ParameterError(f"tempo_bpm must be a positive number; got {tempo_bpm!r}.")
    match = _NOTE.match(note) if isinstance(note, str) else None
    if match is None or int(match[1]) == 0 or int(match[2]) == 0:
        raise ParameterError(
            f"note must look like '1/4', '1/8.' (dotted) or '1/8t' (triplet); got {note!r}."
        )
    beats = 4.0 * int(match[1]) / int(match[2])
    beats *= {"": 1.0, ".": 1.5, "t": 2.0 / 3.0}[match[3]]
    return tempo_bpm / 60.0 / beats
