"""Modulation effects: an LFO moves a gain, a pan, a delay time or a filter, slowly.

* **Tremolo** moves the level: ``gain = 1 - depth * (1 - lfo) / 2`` swings between 1 and
  ``1 - depth``.
* **Auto-pan** moves the position between the speakers with the equal-power law.
* **Vibrato** moves the pitch. Reading the input through a delay that changes at speed
  ``d'(t)`` (seconds per second) plays it back at ``1 - d'(t)`` times its frequency (the
  Doppler effect), so a sine-shaped delay ``d(t) = A (1 + sin(2 pi r t))`` gives a
  pitch that swings by a factor ``1 +/- 2 pi r A``.
* **Chorus** adds a few such delayed copies (voices, 7-30 ms, slightly detuned by their
  moving delays) to the dry sound: a thicker, shimmering ensemble.
* **Flanger** adds one copy at a very short delay (0.5-10 ms): dry plus delayed copy is
  a comb filter with notches at odd multiples of ``1 / (2 * delay)``; sweeping the delay
  sweeps the comb (the "jet plane" whoosh); feedback deepens it.
* **Phaser** adds a copy passed through a chain of first-order all-pass filters: each
  stage keeps every frequency's level (its magnitude is exactly 1) and only turns its
  phase, up to 180 degrees; where the chain's phase reaches an odd multiple of 180
  degrees the copy cancels the dry sound, so ``stages`` all-passes make ``stages / 2``
  notches, which the LFO sweeps.

Fractional delays are read with 4-point (third-order) Lagrange interpolation: it is
exact for any cubic (so a ramp read through any delay comes out exactly delayed), its
gain never exceeds 1 (so feedback loops stay stable), and a half-sample delay loses only
0.5 dB at 10 kHz (48 kHz audio) where linear interpolation loses 2.0 dB, a dulling that
comes and goes with the LFO and is easy to hear. All-pass interpolation is not
used: it keeps a state that rings when the delay moves.

A modulated delay without feedback is a gather (every output sample reads the input at
its own position), computed with index arithmetic. The flanger's feedback and the
phaser's all-pass chain are recursions: they run as small compiled loops (numba, cached)
with pure-Python references beside them for the tests.
"""

from __future__ import annotations

import math

import numpy as np

from studio.audio import as_samples
from studio.dsp.control import Control, resolve
from studio.dsp.lfo import LFO_SHAPES, lfo, lfo_from_phase, lfo_phase
from studio.errors import ParameterError

__all__ = [
    "CHORUS_SWING_MS",
    "FLANGER_MIN_DELAY_MS",
    "FLANGER_SWEEP_OCTAVES",
    "PHASER_STAGES",
    "PHASER_SWEEP_OCTAVES",
    "allpass_chain",
    "allpass_chain_reference",
    "allpass_coef",
    "autopan",
    "autopan_gains",
    "chorus",
    "chorus_delays_ms",
    "delay_read",
    "feedback_delay",
    "feedback_delay_reference",
    "flanger",
    "flanger_delay_ms",
    "flanger_delay_range_ms",
    "lagrange_weights",
    "modulated_delay",
    "phaser",
    "phaser_break_hz",
    "phaser_response",
    "tremolo",
    "tremolo_gain",
    "vibrato",
    "vibrato_delay_ms",
]

#: How far a chorus voice's delay swings either side of its centre at 100 % depth (ms).
CHORUS_SWING_MS = 3.0
#: Shortest delay a flanger sweeps down to (ms).
FLANGER_MIN_DELAY_MS = 0.5
#: Octaves a flanger's delay (and so its comb) sweeps over at 100 % depth.
FLANGER_SWEEP_OCTAVES = 3.0
#: Stage counts a phaser offers (each pair of stages makes one notch).
PHASER_STAGES = (2, 4, 6, 8, 12)
#: Octaves a phaser's break frequency sweeps over at 100 % depth (centre +/- 2 octaves).
PHASER_SWEEP_OCTAVES = 4.0
#: Highest break frequency of a phaser stage, as a fraction of the sample rate.
PHASER_TOP_FRACTION = 0.45

_CHUNK = 16384  # frames per gather block: keeps the temporaries in cache


# -- fractional delay ------------------------------------------------------------------
def lagrange_weights(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights of the 4-point Lagrange interpolator at fraction ``t`` (0 <= t < 1).

    The value at position ``i + t`` is ``w[0] x[i-1] + w[1] x[i] + w[2] x[i+1] +
    w[3] x[i+2]``; the weights sum to 1 and reproduce any cubic exactly.
    """
    one = t.dtype.type(1.0) if isinstance(t, np.ndarray) else 1.0
    tm1, tm2, tp1 = t - one, t - 2 * one, t + one
    p = t * tm1
    q = tp1 * tm2
    tm2 *= p
    tm2 *= -one / 6
    tm1 *= q
    tm1 *= one / 2
    q *= t
    q *= -one / 2
    p *= tp1
    p *= one / 6
    return tm2, tm1, q, p


class _Reader:
    """Reads one channel at fractional positions, a block of frames at a time."""

    def __init__(self, row: np.ndarray, max_delay: float) -> None:
        self.pad = int(np.ceil(max_delay)) + 2
        n = len(row)
        padded = np.zeros(self.pad + n + 3, dtype=row.dtype)
        padded[self.pad : self.pad + n] = row
        # one view per tap, so a single index array serves all four
        self.taps = (padded[:-3], padded[1:-2], padded[2:-1], padded[3:])

    def weights(self, start: int, delay: np.ndarray, dtype: np.dtype) -> tuple:
        """Index of the first tap and the four weights for frames ``start, start + 1, ...``."""
        whole = np.ceil(delay)
        t = (whole - delay).astype(dtype, copy=False)
        base = start + self.pad - 1
        first = np.arange(base, base + len(delay), dtype=np.intp)
        first -= whole.astype(np.intp)
        return first, lagrange_weights(t)

    def read(self, first: np.ndarray, weights: tuple) -> np.ndarray:
        """Sum of the four taps times their weights."""
        out = self.taps[0].take(first)
        out *= weights[0]
        for tap, w in zip(self.taps[1:], weights[1:], strict=True):
            value = tap.take(first)
            value *= w
            out += value
        return out


def delay_read(samples: np.ndarray, delay_samples: np.ndarray) -> np.ndarray:
    """Every channel read through a delay that may change at every frame (a gather).

    Parameters
    ----------
    samples : numpy.ndarray
        Audio ``(channels, frames)``, float32 or float64.
    delay_samples : numpy.ndarray
        Delay in samples (0 or more, fractional allowed): one value per frame, shared by
        all channels, or ``(channels, frames)`` for a delay of each channel's own.

    Returns
    -------
    numpy.ndarray
        ``out[c, n] = x[c, n - delay[n]]``, read between samples with 4-point Lagrange
        interpolation; silence before the start. Same shape and dtype as ``samples``.
    """
    x = as_samples(samples)
    n_ch, n = x.shape
    delay = np.asarray(delay_samples)
    if delay.dtype not in (np.float32, np.float64):
        delay = delay.astype(np.float64)
    if delay.shape not in ((n,), (n_ch, n)):
        raise ParameterError(
            f"delay_read: delay_samples needs one value per frame ({n}) or shape {x.shape}; "
            f"got {delay.shape}."
        )
    if n == 0:
        return x.copy()
    if not np.all(np.isfinite(delay)) or delay.min() < 0.0:
        raise ParameterError("delay_read: delays must be finite and 0 or more samples.")
    readers = [_Reader(x[c], float(delay.max())) for c in range(n_ch)]
    out = np.empty_like(x)
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        if delay.ndim == 1:
            first, weights = readers[0].weights(start, delay[start:stop], x.dtype)
            for c in range(n_ch):
                out[c, start:stop] = readers[c].read(first, weights)
        else:
            for c in range(n_ch):
                first, weights = readers[c].weights(start, delay[c, start:stop], x.dtype)
                out[c, start:stop] = readers[c].read(first, weights)
    return out


def modulated_delay(samples: np.ndarray, sr: int, *, delay_ms: Control) -> np.ndarray:
    """The input delayed by ``delay_ms`` (a number, or one value per frame to modulate it).

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.arange(8.0)[None, :]
    >>> modulated_delay(ramp, 1000, delay_ms=2.0)  # 2 samples at 1 kHz
    array([[0., 0., 0., 1., 2., 3., 4., 5.]])
    >>> modulated_delay(ramp, 1000, delay_ms=1.5)[0, 4:]  # between samples
    array([2.5, 3.5, 4.5, 5.5])
    """
    x = as_samples(samples)
    d = resolve(delay_ms, x.shape[1], sr, name="delay_ms")
    return delay_read(
        x, np.broadcast_to(np.asarray(d, dtype=np.float64) * (sr / 1000.0), x.shape[1:])
    )


def _mix(dry: np.ndarray, wet: np.ndarray, mix: float | np.ndarray) -> np.ndarray:
    """``(1 - mix) * dry + mix * wet`` in the dtype of ``dry`` (mix as a 0..1 fraction)."""
    m = np.asarray(mix, dtype=dry.dtype)
    wet -= dry
    wet *= m
    wet += dry
    return wet


def _fraction(value: Control, n: int, sr: int, name: str, lo: float, hi: float):
    """Resolve a percentage control to a fraction, refusing values outside lo..hi %."""
    v = resolve(value, n, sr, name=name)
    low, high = float(np.min(v)), float(np.max(v))
    if low < lo or high > hi:
        bad = low if low < lo else high
        raise ParameterError(f"{name} must stay between {lo:g} and {hi:g} %; got {bad:g}.")
    return np.asarray(v, dtype=np.float64) / 100.0 if np.ndim(v) else float(v) / 100.0


def _check_shape(shape: str) -> None:
    if shape not in LFO_SHAPES:
        raise ParameterError(f"LFO shape must be one of {', '.join(LFO_SHAPES)}; got {shape!r}.")


def _is_zero(value: float | np.ndarray) -> bool:
    return np.ndim(value) == 0 and float(value) == 0.0


# -- tremolo and auto-pan --------------------------------------------------------------
def tremolo_gain(
    n_frames: int,
    sr: int,
    *,
    rate_hz: Control = 5.0,
    depth_pct: Control = 50.0,
    shape: str = "sine",
    phase_deg: float = 0.0,
) -> np.ndarray:
    """The tremolo's gain at every frame: ``1 - depth * (1 - lfo) / 2`` (float64).

    At 100 % depth the level swings all the way between silence and unchanged; at 50 %
    between half (-6 dB) and unchanged.
    """
    _check_shape(shape)
    depth = _fraction(depth_pct, n_frames, sr, "tremolo depth_pct", 0.0, 100.0)
    wave = lfo(n_frames, sr, rate_hz=rate_hz, shape=shape, phase_deg=phase_deg)
    return 1.0 - depth * (1.0 - wave) / 2.0


def tremolo(
    samples: np.ndarray,
    sr: int,
    *,
    rate_hz: Control = 5.0,
    depth_pct: Control = 50.0,
    shape: str = "sine",
) -> np.ndarray:
    """Tremolo: the level rises and falls with the LFO (every channel together)."""
    x = as_samples(samples)
    gain = tremolo_gain(x.shape[1], sr, rate_hz=rate_hz, depth_pct=depth_pct, shape=shape)
    return x * gain.astype(x.dtype)


def autopan_gains(
    n_frames: int,
    sr: int,
    *,
    rate_hz: Control = 1.0,
    depth_pct: Control = 100.0,
    shape: str = "sine",
) -> np.ndarray:
    """Left and right gains ``(2, n_frames)`` of the auto-pan at every frame (float64).

    The pan position is ``p = depth * lfo`` (-1 left .. +1 right); with
    ``theta = pi / 4 * (1 + p)`` the gains are ``sqrt(2) cos(theta)`` and
    ``sqrt(2) sin(theta)``: the equal-power law (``gL**2 + gR**2 = 2`` at every
    position, so the loudness stays steady as the sound moves), scaled to exactly 1 in
    the centre so that zero depth leaves the sound untouched.
    """
    _check_shape(shape)
    depth = _fraction(depth_pct, n_frames, sr, "auto-pan depth_pct", 0.0, 100.0)
    theta = np.pi / 4.0 * (1.0 + depth * lfo(n_frames, sr, rate_hz=rate_hz, shape=shape))
    return np.sqrt(2.0) * np.stack([np.cos(theta), np.sin(theta)])


def autopan(
    samples: np.ndarray,
    sr: int,
    *,
    rate_hz: Control = 1.0,
    depth_pct: Control = 100.0,
    shape: str = "sine",
) -> np.ndarray:
    """Auto-pan: the sound moves between the speakers with the LFO; stereo out.

    Mono input is first placed on both speakers (the way a mono file plays), then the
    left and right levels follow :func:`autopan_gains`. Stereo input keeps its two
    channels, each turned up and down.
    """
    x = as_samples(samples)
    if x.shape[0] not in (1, 2):
        raise ParameterError(f"auto-pan takes mono or stereo audio; got {x.shape[0]} channels.")
    gains = autopan_gains(x.shape[1], sr, rate_hz=rate_hz, depth_pct=depth_pct, shape=shape)
    if _is_zero(resolve(depth_pct, x.shape[1], sr, name="auto-pan depth_pct")):
        return np.vstack([x, x]) if x.shape[0] == 1 else x.copy()  # exactly unchanged
    return x * gains.astype(x.dtype)  # a mono row broadcasts to both sides


# -- vibrato and chorus ----------------------------------------------------------------
def vibrato_delay_ms(
    n_frames: int,
    sr: int,
    *,
    rate_hz: Control = 5.0,
    depth_cents: Control = 20.0,
    shape: str = "sine",
) -> np.ndarray:
    """The vibrato's delay in ms at every frame: ``A (1 + lfo)``, between 0 and ``2A``.

    ``A = (2**(cents / 1200) - 1) / (2 pi rate)`` seconds, so that with the sine shape
    the pitch rises at most exactly ``depth_cents`` (the Doppler factor ``1 - d'(t)``
    peaks at ``1 + 2 pi rate A``) and falls by about as much. Other shapes use the same
    delay swing.
    """
    _check_shape(shape)
    rate = resolve(rate_hz, n_frames, sr, name="vibrato rate_hz")
    if np.min(rate) <= 0.0:
        raise ParameterError(f"vibrato rate_hz must be above 0; got {np.min(rate):g}.")
    cents = resolve(depth_cents, n_frames, sr, name="vibrato depth_cents")
    if np.min(cents) < 0.0:
        raise ParameterError(f"vibrato depth_cents must be 0 or more; got {np.min(cents):g}.")
    swing_s = (np.exp2(np.asarray(cents) / 1200.0) - 1.0) / (2.0 * np.pi * np.asarray(rate))
    wave = lfo(n_frames, sr, rate_hz=rate, shape=shape)
    return 1000.0 * swing_s * (1.0 + wave)


def vibrato(
    samples: np.ndarray,
    sr: int,
    *,
    rate_hz: Control = 5.0,
    depth_cents: Control = 20.0,
    shape: str = "sine",
) -> np.ndarray:
    """Vibrato: the pitch wavers up and down (fully wet: no dry sound is mixed in)."""
    x = as_samples(samples)
    delay_ms = vibrato_delay_ms(
        x.shape[1], sr, rate_hz=rate_hz, depth_cents=depth_cents, shape=shape
    )
    return delay_read(x, delay_ms * (sr / 1000.0))


def _part(value: float | np.ndarray, where: slice) -> float | np.ndarray:
    """A stretch of a per-frame value (a constant stays a constant)."""
    return value[where] if isinstance(value, np.ndarray) and value.ndim else value


def _chorus_waves(
    phase: np.ndarray,
    *,
    rate: float | np.ndarray,
    spread: float | np.ndarray,
    voices: int,
    n_channels: int,
    shape: str,
    dtype: type,
) -> list[list[np.ndarray]]:
    """The LFO of every voice on every channel (``[channel][voice]``) over ``phase``.

    Voice ``v`` runs ``v / voices`` of a cycle after the first; odd channels run a further
    ``spread * 0.5 / voices``. Sine waves at constant offsets share one sine and cosine
    (``sin(a + b) = sin a cos b + cos a sin b``).
    """
    waves: list[list[np.ndarray]] = []
    sin_cos = None
    for c in range(n_channels):
        shift = spread * (0.5 / voices) if c % 2 else 0.0
        offsets = [v / voices + shift for v in range(voices)]
        row = []
        if shape == "sine" and np.ndim(shift) == 0:
            if sin_cos is None:
                angle = (phase - np.floor(phase)).astype(dtype)
                angle *= dtype(2.0 * np.pi)
                sin_cos = (np.sin(angle), np.cos(angle))
            for o in offsets:
                b = 2.0 * np.pi * float(o)
                wave = sin_cos[0] * dtype(math.cos(b))
                wave += sin_cos[1] * dtype(math.sin(b))
                row.append(wave)
        else:
            for v, o in enumerate(offsets):
                seed = v + 101 * (c % 2)
                wave = lfo_from_phase(phase + o, shape=shape, rate_hz=rate, seed=seed)
                row.append(wave.astype(dtype, copy=False))
        waves.append(row)
    return waves


def _chorus_settings(n_frames, sr, rate_hz, depth_pct, delay_ms, voices, spread_pct, shape):
    _check_shape(shape)
    voices = int(voices)
    if voices < 1:
        raise ParameterError(f"chorus voices must be 1 or more; got {voices}.")
    rate = resolve(rate_hz, n_frames, sr, name="chorus rate_hz")
    depth = _fraction(depth_pct, n_frames, sr, "chorus depth_pct", 0.0, 100.0)
    spread = _fraction(spread_pct, n_frames, sr, "chorus spread_pct", 0.0, 100.0)
    centre = resolve(delay_ms, n_frames, sr, name="chorus delay_ms")
    if np.min(centre) < CHORUS_SWING_MS:
        raise ParameterError(
            f"chorus delay_ms must be at least {CHORUS_SWING_MS:g} ms (the largest swing); "
            f"got {np.min(centre):g}."
        )
    return rate, depth * CHORUS_SWING_MS, centre, voices, spread


def chorus_delays_ms(
    n_frames: int,
    sr: int,
    *,
    rate_hz: Control = 0.8,
    depth_pct: Control = 50.0,
    delay_ms: Control = 15.0,
    voices: int = 2,
    spread_pct: Control = 100.0,
    n_channels: int = 1,
    shape: str = "sine",
) -> np.ndarray:
    """Delay in ms of each chorus voice on each channel: ``(n_channels, voices, n_frames)``.

    Voice ``v`` of ``V`` reads at ``delay_ms + CHORUS_SWING_MS * depth * lfo`` with its
    LFO ``v / V`` of a cycle after the first voice's, so the voices never move together.
    On odd channels (the right of a stereo pair) every LFO is shifted a further
    ``spread * 0.5 / V`` of a cycle: at 100 % the right voices sit halfway between the
    left ones, so the two sides differ and the sound widens.
    """
    rate, swing, centre, voices, spread = _chorus_settings(
        n_frames, sr, rate_hz, depth_pct, delay_ms, voices, spread_pct, shape
    )
    phase = lfo_phase(n_frames, sr, rate_hz=rate)
    waves = _chorus_waves(
        phase,
        rate=rate,
        spread=spread,
        voices=voices,
        n_channels=n_channels,
        shape=shape,
        dtype=np.float64,
    )
    return centre + swing * np.array(waves)


def chorus(
    samples: np.ndarray,
    sr: int,
    *,
    rate_hz: Control = 0.8,
    depth_pct: Control = 50.0,
    delay_ms: Control = 15.0,
    voices: int = 2,
    spread_pct: Control = 100.0,
    mix_pct: Control = 50.0,
    shape: str = "sine",
) -> np.ndarray:
    """Chorus: ``voices`` copies at slowly moving delays, averaged and mixed with the dry.

    Parameters
    ----------
    samples : numpy.ndarray
        Audio ``(channels, frames)``.
    sr : int
        Sample rate in Hz.
    rate_hz, depth_pct, delay_ms, voices, spread_pct, shape
        See :func:`chorus_delays_ms`.
    mix_pct : float, array or Envelope
        0 = dry only (unchanged), 50 = dry and chorus equal, 100 = chorus only.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``samples``.

    Notes
    -----
    The work runs a block of frames at a time (LFO, delays and the gather), so the
    temporaries stay in the processor's cache; the delays are computed in the audio's
    own precision (for float32 audio, to about 1e-4 of a sample).
    """
    x = as_samples(samples)
    n_ch, n = x.shape
    rate, swing, centre, voices, spread = _chorus_settings(
        n, sr, rate_hz, depth_pct, delay_ms, voices, spread_pct, shape
    )
    mix = _fraction(mix_pct, n, sr, "chorus mix_pct", 0.0, 100.0)
    if _is_zero(mix) or n == 0:
        return x.copy()
    dtype = x.dtype.type
    per_ms = dtype(sr / 1000.0)
    longest = (np.max(centre) + np.max(swing)) * sr / 1000.0
    readers = [_Reader(x[c], longest) for c in range(n_ch)]
    phase = lfo_phase(n, sr, rate_hz=rate)
    wet = np.empty_like(x)
    for start in range(0, n, _CHUNK):
        part = slice(start, min(n, start + _CHUNK))
        waves = _chorus_waves(
            phase[part],
            rate=_part(rate, part),
            spread=_part(spread, part),
            voices=voices,
            n_channels=n_ch,
            shape=shape,
            dtype=dtype,
        )
        centre_part = np.asarray(_part(centre, part), dtype=dtype)
        swing_part = np.asarray(_part(swing, part), dtype=dtype)
        for c, reader in enumerate(readers):
            acc = None
            for wave in waves[c]:
                wave *= swing_part
                wave += centre_part
                wave *= per_ms
                voice = reader.read(*reader.weights(start, wave, x.dtype))
                if acc is None:
                    acc = voice
                else:
                    acc += voice
            wet[c, part] = acc
    wet *= dtype(1.0 / voices)
    return _mix(x, wet, mix)


# -- flanger ---------------------------------------------------------------------------
def flanger_delay_range_ms(delay_ms: float, depth_pct: float) -> tuple[float, float]:
    """Shortest and longest delay of the flanger's sweep, in ms.

    The longest is ``delay_ms``; the shortest is ``FLANGER_SWEEP_OCTAVES * depth``
    octaves below it (halving the delay doubles every notch frequency), but never below
    :data:`FLANGER_MIN_DELAY_MS`.
    """
    low = max(FLANGER_MIN_DELAY_MS, delay_ms / 2.0 ** (FLANGER_SWEEP_OCTAVES * depth_pct / 100.0))
    return min(low, delay_ms), delay_ms


def flanger_delay_ms(
    n_frames: int,
    sr: int,
    *,
    rate_hz: Control = 0.25,
    depth_pct: Control = 70.0,
    delay_ms: Control = 5.0,
    shape: str = "sine",
) -> np.ndarray:
    """The flanger's delay in ms at every frame, swept exponentially by the LFO.

    ``d = lo * (hi / lo) ** ((1 + lfo) / 2)`` with ``(lo, hi)`` from
    :func:`flanger_delay_range_ms`: equal LFO steps move the comb by equal musical
    intervals, so the sweep sounds even from top to bottom.
    """
    _check_shape(shape)
    depth = resolve(depth_pct, n_frames, sr, name="flanger depth_pct")
    top = resolve(delay_ms, n_frames, sr, name="flanger delay_ms")
    if np.min(depth) < 0.0 or np.max(depth) > 100.0:
        raise ParameterError("flanger depth_pct must stay between 0 and 100 %.")
    if np.min(top) < FLANGER_MIN_DELAY_MS:
        raise ParameterError(
            f"flanger delay_ms must be at least {FLANGER_MIN_DELAY_MS:g} ms; got {np.min(top):g}."
        )
    top = np.asarray(top, dtype=np.float64)
    low = np.minimum(
        np.maximum(
            FLANGER_MIN_DELAY_MS, top / np.exp2(FLANGER_SWEEP_OCTAVES * np.asarray(depth) / 100.0)
        ),
        top,
    )
    wave = lfo(n_frames, sr, rate_hz=rate_hz, shape=shape)
    return low * np.power(top / low, (1.0 + wave) / 2.0)


def feedback_delay_reference(x: np.ndarray, delay: np.ndarray, feedback: np.ndarray) -> np.ndarray:
    """Pure-Python definition of the flanger's feedback delay (what the kernel must match).

    ``tap[n]`` reads the delay line at ``n - delay[n]`` (4-point Lagrange, silence
    before the start); what enters the line is ``x[n] + feedback[n] * tap[n]``. Delays
    must exceed 2 samples, so every read lands on samples already written. ``feedback``
    holds one value, or one per frame. Returns ``tap``.
    """
    n = len(x)
    fed = [0.0] * n
    tap_out = np.empty(n)
    for i in range(n):
        d = float(delay[i])
        k = math.ceil(d)
        t = k - d
        j = i - k
        tm1 = t - 1.0
        p = t * tm1
        q = (t + 1.0) * (t - 2.0)
        weights = (-p * (t - 2.0) / 6.0, q * tm1 / 2.0, -q * t / 2.0, p * (t + 1.0) / 6.0)
        tap = 0.0
        for m, w in zip(range(j - 1, j + 3), weights, strict=True):
            if m >= 0:
                tap += fed[m] * w
        fb = float(feedback[i] if len(feedback) > 1 else feedback[0])
        fed[i] = float(x[i]) + fb * tap
        tap_out[i] = tap
    return tap_out


_KERNELS: dict[str, object] = {}


def _kernel(name: str):  # compiled lazily so `import studio` stays fast; cached on disk
    if name not in _KERNELS:
        from studio.dsp import _mod_kernels

        _KERNELS[name] = getattr(_mod_kernels, name)
    return _KERNELS[name]


def _per_frame(value: float | np.ndarray) -> np.ndarray:
    """A contiguous float64 array: one value, or one per frame."""
    return np.ascontiguousarray(np.atleast_1d(np.asarray(value, dtype=np.float64)))


def feedback_delay(x: np.ndarray, delay: np.ndarray, feedback: float | np.ndarray) -> np.ndarray:
    """Compiled :func:`feedback_delay_reference` (same result) on one channel (float64)."""
    xs = np.ascontiguousarray(x, dtype=np.float64)
    d = np.ascontiguousarray(delay, dtype=np.float64)
    if len(d) and d.min() <= 2.0:
        raise ParameterError(
            f"a feedback delay must be longer than 2 samples; got {d.min():g} samples."
        )
    out = np.empty_like(xs)
    _kernel("feedback_delay")(xs, d, _per_frame(feedback), out)
    return out


def flanger(
    samples: np.ndarray,
    sr: int,
    *,
    rate_hz: Control = 0.25,
    depth_pct: Control = 70.0,
    delay_ms: Control = 5.0,
    feedback_pct: Control = 50.0,
    mix_pct: Control = 50.0,
    shape: str = "sine",
) -> np.ndarray:
    """Flanger: the dry sound plus one copy through a short, swept delay (with feedback).

    Parameters
    ----------
    samples : numpy.ndarray
        Audio ``(channels, frames)``.
    sr : int
        Sample rate in Hz (at least 6 kHz, so the shortest delay is over 2 samples).
    rate_hz, depth_pct, delay_ms, shape
        See :func:`flanger_delay_ms`.
    feedback_pct : float, array or Envelope
        -95..95 %: part of the delayed copy sent back into the delay. Positive values
        sharpen the comb into a ringing, metallic sweep; negative ones make it hollow.
    mix_pct : float, array or Envelope
        0 = dry only (unchanged), 50 = dry and copy equal (the deepest notches).

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``samples``.
    """
    x = as_samples(samples)
    n_ch, n = x.shape
    mix = _fraction(mix_pct, n, sr, "flanger mix_pct", 0.0, 100.0)
    fb = _fraction(feedback_pct, n, sr, "flanger feedback_pct", -95.0, 95.0)
    delay = flanger_delay_ms(
        n, sr, rate_hz=rate_hz, depth_pct=depth_pct, delay_ms=delay_ms, shape=shape
    )
    if _is_zero(mix) or n == 0:
        return x.copy()
    delay *= sr / 1000.0
    if _is_zero(fb):
        wet = delay_read(x, delay)
    else:
        if delay.min() <= 2.0:
            raise ParameterError(
                f"flanger: at {sr} Hz the shortest delay is {delay.min():.2f} samples; with "
                "feedback it must be more than 2 (use a sample rate of 6 kHz or more)."
            )
        wet = np.empty_like(x)
        for c in range(n_ch):
            wet[c] = feedback_delay(x[c], delay, fb)
    return _mix(x, wet, mix)


# -- phaser ----------------------------------------------------------------------------
def allpass_coef(break_hz: float | np.ndarray, sr: int) -> float | np.ndarray:
    """Coefficient ``a`` of the first-order all-pass ``(a + z^-1) / (1 + a z^-1)``.

    ``a = (tan(pi f / sr) - 1) / (tan(pi f / sr) + 1)`` puts the 90-degree phase point
    (the break frequency) at ``f``.
    """
    t = np.tan(np.pi * np.asarray(break_hz, dtype=np.float64) / sr)
    a = (t - 1.0) / (t + 1.0)
    return float(a) if np.ndim(a) == 0 else a


def phaser_break_hz(
    n_frames: int,
    sr: int,
    *,
    rate_hz: Control = 0.5,
    depth_pct: Control = 60.0,
    center_hz: Control = 800.0,
    shape: str = "sine",
) -> np.ndarray:
    """Break frequency of every all-pass stage at every frame, in Hz.

    ``center * 2 ** (depth * PHASER_SWEEP_OCTAVES / 2 * lfo)``: at 100 % depth the sweep
    spans two octaves either side of the centre, held below ``0.45 * sr``.
    """
    _check_shape(shape)
    depth = _fraction(depth_pct, n_frames, sr, "phaser depth_pct", 0.0, 100.0)
    centre = resolve(center_hz, n_frames, sr, name="phaser center_hz")
    if np.min(centre) <= 0.0 or np.max(centre) >= sr / 2.0:
        raise ParameterError(
            f"phaser center_hz must be above 0 and below the Nyquist frequency ({sr / 2:g} Hz "
            f"at {sr} Hz); got {np.max(centre):g} Hz."
        )
    wave = lfo(n_frames, sr, rate_hz=rate_hz, shape=shape)
    octaves = depth * (PHASER_SWEEP_OCTAVES / 2.0) * wave
    return np.minimum(centre * np.exp2(octaves), PHASER_TOP_FRACTION * sr)


def allpass_chain_reference(
    x: np.ndarray, coef: np.ndarray, stages: int, feedback: np.ndarray
) -> np.ndarray:
    """Pure-Python definition of the phaser's all-pass chain (what the kernel must match).

    Each stage computes ``y[n] = a[n] v[n] + v[n-1] - a[n] y[n-1]``; the chain's input
    is ``x[n] + feedback[n] * out[n-1]`` (the feedback waits one sample, so it can be
    computed). ``feedback`` holds one value, or one per frame. Returns the chain output.
    """
    prev_in = [0.0] * stages
    prev_out = [0.0] * stages
    out = np.empty(len(x))
    last = 0.0
    for i in range(len(x)):
        a = float(coef[i])
        fb = float(feedback[i] if len(feedback) > 1 else feedback[0])
        v = float(x[i]) + fb * last
        for s in range(stages):
            y = a * v + prev_in[s] - a * prev_out[s]
            prev_in[s], prev_out[s] = v, y
            v = y
        last = v
        out[i] = v
    return out


def allpass_chain(
    x: np.ndarray, coef: float | np.ndarray, stages: int, feedback: float | np.ndarray
) -> np.ndarray:
    """Compiled :func:`allpass_chain_reference` on every channel at once (same result).

    ``x`` is one channel ``(frames,)`` or several ``(channels, frames)``; the arithmetic
    is float64 whatever the input, and the result has the input's shape and dtype.
    """
    arr = np.asarray(x)
    rows = np.ascontiguousarray(np.atleast_2d(arr))
    if rows.dtype not in (np.float32, np.float64):
        rows = rows.astype(np.float64)
    out = np.empty_like(rows)
    a = np.ascontiguousarray(coef, dtype=np.float64)
    state = np.zeros((rows.shape[0], 2 * int(stages) + 1))
    _kernel("allpass_chain")(rows, a, int(stages), _per_frame(feedback), out, state)
    return out.reshape(arr.shape)


def phaser_response(
    freqs_hz: np.ndarray,
    sr: int,
    *,
    break_hz: float,
    stages: int = 4,
    feedback_pct: float = 0.0,
    mix_pct: float = 50.0,
) -> np.ndarray:
    """Complex frequency response of the phaser held still at one break frequency.

    From the same coefficient the audio uses: with the all-pass chain
    ``A(z) = ((a + z^-1) / (1 + a z^-1)) ** stages`` and the one-sample feedback,
    ``H = (1 - mix) + mix * A / (1 - feedback * z^-1 * A)``.
    """
    a = allpass_coef(break_hz, sr)
    z1 = np.exp(-2j * np.pi * np.asarray(freqs_hz, dtype=np.float64) / sr)
    chain = ((a + z1) / (1.0 + a * z1)) ** int(stages)
    m, fb = mix_pct / 100.0, feedback_pct / 100.0
    return (1.0 - m) + m * chain / (1.0 - fb * z1 * chain)


def phaser(
    samples: np.ndarray,
    sr: int,
    *,
    rate_hz: Control = 0.5,
    depth_pct: Control = 60.0,
    center_hz: Control = 800.0,
    stages: int = 4,
    feedback_pct: Control = 0.0,
    mix_pct: Control = 50.0,
    shape: str = "sine",
) -> np.ndarray:
    """Phaser: the dry sound plus a copy through swept all-pass stages (moving notches).

    Parameters
    ----------
    samples : numpy.ndarray
        Audio ``(channels, frames)``.
    sr : int
        Sample rate in Hz.
    rate_hz, depth_pct, center_hz, shape
        See :func:`phaser_break_hz`.
    stages : int
        One of :data:`PHASER_STAGES`; ``stages / 2`` notches.
    feedback_pct : float, array or Envelope
        -90..90 %: the chain's output fed back to its input; sharper, vocal notches.
    mix_pct : float, array or Envelope
        0 = dry only (unchanged), 50 = equal (the deepest notches), 100 = copy only
        (which on its own sounds unchanged: phase alone is hard to hear).

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``samples``.
    """
    x = as_samples(samples)
    n_ch, n = x.shape
    if int(stages) not in PHASER_STAGES:
        raise ParameterError(
            f"phaser stages must be one of {', '.join(map(str, PHASER_STAGES))}; got {stages!r}."
        )
    mix = _fraction(mix_pct, n, sr, "phaser mix_pct", 0.0, 100.0)
    fb = _fraction(feedback_pct, n, sr, "phaser feedback_pct", -90.0, 90.0)
    break_hz = phaser_break_hz(
        n, sr, rate_hz=rate_hz, depth_pct=depth_pct, center_hz=center_hz, shape=shape
    )
    if _is_zero(mix):
        return x.copy()
    wet = allpass_chain(x, allpass_coef(break_hz, sr), int(stages), fb)
    return _mix(x, wet, mix)
