"""Delay: echoes that repeat, fade, and (optionally) bounce between left and right.

A delay line remembers the signal for ``time_ms`` and plays it back: that is one echo.
Feeding part of the echo back into the line (``feedback_pct``) makes it repeat, each
repeat ``feedback`` times the one before, so the repeats fall by
``20 log10(feedback)`` dB each (50% feedback: -6 dB per repeat). A high-cut and a
low-cut filter sit in the feedback path, so every repeat is a little darker and thinner
than the last, as on tape or analogue delays, and the echoes stay out of the way of the
dry sound. Ping-pong sends the first echo to the left, the next to the right, and so on.

Echo times can follow the song's tempo: a quarter note lasts ``60 / tempo_bpm``
seconds; a dotted note is 1.5 times as long, a triplet 2/3 as long.

The recursion (each repeat depends on the previous output) runs as a compiled loop;
:func:`echo_reference` is its readable twin.
"""

from __future__ import annotations

import numpy as np

from studio import buffers
from studio.dsp.control import Control, resolve
from studio.errors import AudioDataError, ParameterError

__all__ = [
    "NOTE_BEATS",
    "SYNC_CHOICES",
    "echo",
    "echo_reference",
    "feedback_sos",
    "note_ms",
]

#: Length of each note value in beats (quarter notes).
NOTE_BEATS = {
    "1/1": 4.0,
    "1/2": 2.0,
    "1/2 dotted": 3.0,
    "1/2 triplet": 4.0 / 3.0,
    "1/4": 1.0,
    "1/4 dotted": 1.5,
    "1/4 triplet": 2.0 / 3.0,
    "1/8": 0.5,
    "1/8 dotted": 0.75,
    "1/8 triplet": 1.0 / 3.0,
    "1/16": 0.25,
    "1/16 dotted": 0.375,
    "1/16 triplet": 1.0 / 6.0,
    "1/32": 0.125,
}

#: Choices for a tempo-synced delay: "off" uses the time in ms.
SYNC_CHOICES = ("off", *NOTE_BEATS)

#: Frames per row of time-varying filter coefficients.
CONTROL_BLOCK = 256


def note_ms(note: str, tempo_bpm: float | np.ndarray) -> float | np.ndarray:
    """Length of a note value in ms at a tempo: ``60000 / tempo_bpm * beats``.

    Examples
    --------
    >>> note_ms("1/8 dotted", 120.0)  # 0.75 beats of 500 ms
    375.0
    """
    if note not in NOTE_BEATS:
        raise ParameterError(f"note value must be one of {', '.join(NOTE_BEATS)}; got {note!r}.")
    out = 60000.0 / np.asarray(tempo_bpm, dtype=np.float64) * NOTE_BEATS[note]
    return float(out) if np.ndim(out) == 0 else out


def feedback_sos(low_cut_hz: np.ndarray, high_cut_hz: np.ndarray, sr: int) -> np.ndarray:
    """The repeats' filters: Butterworth high-pass and low-pass, 12 dB/octave each.

    Returns ``(rows, 2, 5)`` coefficients ``b0, b1, b2, a1, a2`` (``a0 = 1``), one row
    per value of the cutoffs. Each section's gain never exceeds 1, so with feedback
    below 100% the repeats always die away.
    """
    lo = np.atleast_1d(np.asarray(low_cut_hz, dtype=np.float64))
    hi = np.atleast_1d(np.asarray(high_cut_hz, dtype=np.float64))
    lo, hi = np.broadcast_arrays(lo, hi)
    alpha_lo = np.sin(2.0 * np.pi * lo / sr) / (2.0 * np.sqrt(0.5))
    alpha_hi = np.sin(2.0 * np.pi * hi / sr) / (2.0 * np.sqrt(0.5))
    cos_lo, cos_hi = np.cos(2.0 * np.pi * lo / sr), np.cos(2.0 * np.pi * hi / sr)
    a0_lo, a0_hi = 1.0 + alpha_lo, 1.0 + alpha_hi
    hp = np.stack(
        [
            (1.0 + cos_lo) / 2.0 / a0_lo,
            -(1.0 + cos_lo) / a0_lo,
            (1.0 + cos_lo) / 2.0 / a0_lo,
            -2.0 * cos_lo / a0_lo,
            (1.0 - alpha_lo) / a0_lo,
        ],
        axis=-1,
    )
    lp = np.stack(
        [
            (1.0 - cos_hi) / 2.0 / a0_hi,
            (1.0 - cos_hi) / a0_hi,
            (1.0 - cos_hi) / 2.0 / a0_hi,
            -2.0 * cos_hi / a0_hi,
            (1.0 - alpha_hi) / a0_hi,
        ],
        axis=-1,
    )
    return np.ascontiguousarray(np.stack([hp, lp], axis=1))


def _rows(value: float | np.ndarray, n: int) -> np.ndarray:
    if np.ndim(value) == 0:
        return np.array([float(value)])
    v = np.asarray(value, dtype=np.float64)
    pad = (-n) % CONTROL_BLOCK
    padded = np.concatenate([v, np.full(pad, v[-1])]) if pad else v
    return padded.reshape(-1, CONTROL_BLOCK).mean(axis=1)


def echo_reference(
    x_l: np.ndarray,
    x_r: np.ndarray,
    delay: float,
    feedback: float,
    sos: np.ndarray,
    ping_pong: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The delay written plainly, sample by sample (constant settings; wet only).

    For each channel the line holds ``e[n]``; the echo heard at ``n`` is the line's
    value ``delay`` samples ago (linearly interpolated between whole samples) passed
    through the feedback filters; the line then takes ``input + feedback * echo``. In
    ping-pong the mono sum enters the left line only, and each side feeds the other.
    ``sos`` is ``(sections, 5)``: ``b0, b1, b2, a1, a2``.
    """
    n = len(x_l)
    lines = np.zeros((2, n))
    state = np.zeros((2, len(sos), 2))
    wet = np.zeros((2, n))
    whole = int(delay)
    frac = delay - whole
    for i in range(n):
        for ch in range(2):
            a = lines[ch, i - whole] if i - whole >= 0 else 0.0
            b = lines[ch, i - whole - 1] if i - whole - 1 >= 0 else 0.0
            y = (1.0 - frac) * a + frac * b
            for s, (b0, b1, b2, a1, a2) in enumerate(sos):  # transposed direct form II
                v = b0 * y + state[ch, s, 0]
                state[ch, s, 0] = b1 * y - a1 * v + state[ch, s, 1]
                state[ch, s, 1] = b2 * y - a2 * v
                y = v
            wet[ch, i] = y
        if ping_pong:
            lines[0, i] = 0.5 * (x_l[i] + x_r[i]) + feedback * wet[1, i]
            lines[1, i] = feedback * wet[0, i]
        else:
            lines[0, i] = x_l[i] + feedback * wet[0, i]
            lines[1, i] = x_r[i] + feedback * wet[1, i]
    return wet[0], wet[1]


def _echo_line(delay: np.ndarray) -> np.ndarray:
    """The echo's two delay lines, zeroed.

    Each is a power of two longer than the longest delay + 2 frames (it wraps with a mask).
    """
    size = 1
    while size <= float(np.max(delay)) + 2:
        size *= 2
    return np.zeros((2, size))


_KERNEL = None


def _echo_kernel():  # compiled lazily so `import studio` stays fast; cached on disk by numba
    global _KERNEL
    if _KERNEL is None:
        from studio.dsp._reverb_kernels import echo as kernel

        _KERNEL = kernel
    return _KERNEL


def echo(
    samples: np.ndarray,
    sr: int,
    *,
    time_ms: Control = 375.0,
    feedback_pct: Control = 35.0,
    low_cut_hz: Control = 150.0,
    high_cut_hz: Control = 6000.0,
    ping_pong: bool = False,
    mix_pct: Control = 25.0,
) -> np.ndarray:
    """Echo ``samples``: mono or stereo in, stereo out.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(1, frames)`` or ``(2, frames)``, float32 or float64; not written to.
    sr : int
        Sample rate in Hz.
    time_ms : float, array or Envelope
        Time between the sound and its echo (at least one sample).
    feedback_pct : float, array or Envelope
        Share of each echo fed back to make the next (must stay below 100).
    low_cut_hz, high_cut_hz : float, array or Envelope
        The repeats' high-pass and low-pass corners (below Nyquist).
    ping_pong : bool
        Alternate the echoes between left and right.
    mix_pct : float, array or Envelope
        0 = dry only (exact copy), 100 = echoes only.

    Returns
    -------
    numpy.ndarray
        ``(2, frames)`` in the dtype of ``samples``.
    """
    x = np.asarray(samples)
    if x.ndim != 2 or x.shape[0] not in (1, 2):
        raise AudioDataError(
            f"delay takes mono or stereo audio (1 or 2 channels); got shape {x.shape}."
        )
    n = x.shape[-1]
    left, right = np.ascontiguousarray(x[0]), np.ascontiguousarray(x[-1])
    mix = np.asarray(resolve(mix_pct, n, sr, name="mix_pct")) / 100.0
    if not np.any(mix):
        return np.stack([left, right])
    delay = np.atleast_1d(np.asarray(resolve(time_ms, n, sr, name="time_ms")) * 1e-3 * sr)
    feedback = np.atleast_1d(np.asarray(resolve(feedback_pct, n, sr, name="feedback_pct")) / 100)
    low = resolve(low_cut_hz, n, sr, name="low_cut_hz")
    high = resolve(high_cut_hz, n, sr, name="high_cut_hz")
    if np.any(delay < 1.0):
        raise ParameterError(f"delay: time_ms must be at least one sample ({1e3 / sr:.3g} ms).")
    if np.any(feedback < 0.0) or np.any(feedback >= 1.0):
        raise ParameterError("delay: feedback_pct must be 0 or more and below 100.")
    for name, f in (("low_cut_hz", low), ("high_cut_hz", high)):
        if np.any(np.asarray(f) <= 0.0) or np.any(np.asarray(f) >= sr / 2.0):
            raise ParameterError(
                f"delay: {name} must lie between 0 and the Nyquist frequency ({sr / 2:g} Hz)."
            )
    sos = feedback_sos(_rows(low, n), _rows(high, n), sr)
    # The loop runs in float64 whatever the audio's dtype: it reads float32 audio
    # (exactly) and writes its echoes rounded once, in the audio's own dtype (float32
    # audio makes no float64 copies of the signal).
    if x.dtype not in (np.float32, np.float64):
        left, right = left.astype(np.float64), right.astype(np.float64)
    out = buffers.empty((2, n), left.dtype)
    _echo_kernel()(
        left, right,
        np.ascontiguousarray(delay, dtype=np.float64),
        np.ascontiguousarray(feedback, dtype=np.float64),
        sos, bool(ping_pong), out[0], out[1], CONTROL_BLOCK, _echo_line(delay),
    )  # fmt: skip
    if np.ndim(mix) == 0:
        if mix != 1.0:  # (at 100 % the echoes are the output as they are)
            out *= out.dtype.type(mix)
            out[0] += x.dtype.type(1.0 - mix) * left
            out[1] += x.dtype.type(1.0 - mix) * right
        return out
    out[0] = mix * out[0] + (1.0 - mix) * left
    out[1] = mix * out[1] + (1.0 - mix) * right
    return out
