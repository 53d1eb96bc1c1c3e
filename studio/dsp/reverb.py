"""Reverb: an algorithmic room (a feedback delay network) and convolution with a recorded one.

**Algorithmic reverb.** Sound in a room bounces between the walls: first a few distinct
early reflections, then a dense tail that dies away. A *feedback delay network* (FDN)
builds that tail from eight delay lines of different lengths (5 to 75 ms, depending on
the character). Each line's output is mixed into every line's input by a Hadamard
matrix (orthogonal: it shuffles energy between lines without adding or losing any), so
echoes multiply into a smooth wash. Losses are put in on purpose: each line attenuates
its signal by ``10**(-3 * d / (sr * decay_s))`` for a line of ``d`` samples, so every
path through the network loses exactly 60 dB in ``decay_s`` seconds: that is the
RT60, the decay time acousticians measure. A one-pole low-pass in each line (damping)
makes the highs die sooner, as air and soft furnishings do: it is designed so the
tail lasts ``decay_s`` at 1 kHz and ``1 - 0.9 * damping_pct/100`` times as long at
8 kHz (as far as a one-pole filter can reach). Before the network, short allpass
filters smear the attack (diffusion), and a tapped delay line adds the early
reflections. The late tail is scaled so that white noise comes out of the reverb at
about the level it went in (a darker, damped tail is somewhat quieter).

The characters differ in their delay lengths, diffusion and early reflections:

``room``
    short lines (10-24 ms), light, short diffusion, dense early reflections within 25 ms.
``hall``
    long lines (30-74 ms), strong diffusion, sparse early reflections up to 65 ms.
``plate``
    medium lines (17-43 ms), very strong diffusion, no early reflections: the instant,
    dense, bright wash of a studio plate.

**Convolution reverb.** A recorded (or computed) impulse response *is* the room: the
output is the input convolved with it, computed with FFTs block by block
(overlap-add). See :mod:`studio.dsp.impulses` for the built-in responses.

Mono or stereo in, stereo out: the network is fed the mono sum of the input, and its
two outputs take different, orthogonal mixes of the lines, so left and right tails are
decorrelated (wide). ``width_pct`` narrows them towards mono, keeping their level.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from studio import buffers
from studio.dsp.control import Control, resolve
from studio.dsp.units import db_to_gain, db_to_power, power_to_db
from studio.errors import AudioDataError, ParameterError

__all__ = [
    "CHARACTERS",
    "Character",
    "character_design",
    "convolve",
    "convolution_reverb",
    "energy_decay_db",
    "fdn_reference",
    "line_coefficients",
    "reverb",
    "reverb_impulse_response",
]

#: Frames per row of time-varying coefficients (decay, damping) inside the network.
CONTROL_BLOCK = 256

#: Largest damping pole: beyond it the one-pole filter would bend the mid band too.
MAX_POLE = 0.6

#: Frequencies (Hz) at which decay_s and the damped decay are specified.
MID_HZ = 1000.0
HIGH_HZ = 8000.0


class Character(NamedTuple):
    """The fixed design of one reverb character (times in ms)."""

    delays_ms: tuple[float, ...]
    diffusers: tuple[tuple[float, float], ...]  # (delay ms, allpass gain)
    early_left: tuple[tuple[float, float], ...]  # (time ms, gain)
    early_right: tuple[tuple[float, float], ...]
    early_share: float  # fraction of the reverb's energy in the early reflections


CHARACTERS: dict[str, Character] = {
    "room": Character(
        delays_ms=(9.7, 11.9, 13.3, 15.8, 17.1, 19.6, 21.4, 23.9),
        diffusers=((1.7, 0.6), (2.9, 0.6), (4.1, 0.5), (5.3, 0.5)),
        early_left=((4.3, 0.8), (7.9, 0.6), (11.7, 0.55), (15.2, 0.45), (19.8, 0.35), (24.1, 0.3)),
        early_right=(
            (5.1, 0.75),
            (8.8, 0.62),
            (12.9, 0.5),
            (16.6, 0.42),
            (21.3, 0.33),
            (23.2, 0.28),
        ),
        early_share=0.35,
    ),
    "hall": Character(
        delays_ms=(29.7, 35.3, 41.2, 46.9, 53.1, 59.6, 67.3, 73.9),
        diffusers=((4.3, 0.7), (3.1, 0.7), (11.3, 0.6), (8.2, 0.6)),
        early_left=((11.0, 0.7), (19.0, 0.6), (27.0, 0.5), (38.0, 0.45), (49.0, 0.35), (61.0, 0.3)),
        early_right=(
            (13.0, 0.68),
            (22.0, 0.58),
            (31.0, 0.52),
            (41.0, 0.4),
            (53.0, 0.36),
            (65.0, 0.28),
        ),
        early_share=0.25,
    ),
    "plate": Character(
        delays_ms=(17.3, 21.1, 24.8, 28.4, 31.9, 36.2, 39.7, 43.3),
        diffusers=((4.3, 0.75), (3.1, 0.75), (11.3, 0.65), (8.2, 0.65)),
        early_left=(),
        early_right=(),
        early_share=0.0,
    ),
}


def _hadamard(n: int) -> np.ndarray:
    h = np.array([[1.0]])
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


_H8 = _hadamard(8)
#: Input and output mixes: three different rows of the Hadamard matrix (orthogonal).
_IN_VEC = _H8[5] / np.sqrt(8.0)
_OUT_LEFT = _H8[1] / np.sqrt(8.0)
_OUT_RIGHT = _H8[2] / np.sqrt(8.0)


def _prime_at_least(n: int) -> int:
    n = max(int(n), 2)
    while any(n % k == 0 for k in range(2, int(n**0.5) + 1)):
        n += 1
    return n


class Design(NamedTuple):
    """A character realised at one sample rate (all times in samples)."""

    delays: np.ndarray
    ap_delays: np.ndarray
    ap_gains: np.ndarray
    er_times_l: np.ndarray
    er_gains_l: np.ndarray
    er_times_r: np.ndarray
    er_gains_r: np.ndarray
    early_share: float


@lru_cache(maxsize=32)
def character_design(character: str, sr: int) -> Design:
    """Delay lengths (prime numbers of samples) and reflection taps at rate ``sr``."""
    if character not in CHARACTERS:
        raise ParameterError(
            f"reverb character must be one of {', '.join(CHARACTERS)}; got {character!r}."
        )
    spec = CHARACTERS[character]

    def samples(ms: float) -> int:
        return _prime_at_least(round(ms * 1e-3 * sr))

    def taps(pairs: tuple[tuple[float, float], ...]) -> tuple[np.ndarray, np.ndarray]:
        times = np.array([max(1, round(t * 1e-3 * sr)) for t, _ in pairs], dtype=np.int64)
        gains = np.array([g for _, g in pairs], dtype=np.float64)
        if len(gains):
            gains *= np.sqrt(spec.early_share / np.sum(gains**2))
        return times, gains

    tl, gl = taps(spec.early_left)
    tr, gr = taps(spec.early_right)
    return Design(
        delays=np.array([samples(ms) for ms in spec.delays_ms], dtype=np.int64),
        ap_delays=np.array([samples(ms) for ms, _ in spec.diffusers], dtype=np.int64),
        ap_gains=np.array([g for _, g in spec.diffusers], dtype=np.float64),
        er_times_l=tl,
        er_gains_l=gl,
        er_times_r=tr,
        er_gains_r=gr,
        early_share=spec.early_share,
    )


def line_coefficients(
    delays: np.ndarray, sr: int, decay_s: np.ndarray | float, damping_pct: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-line loop gain and damping pole for a decay time (RT60) and damping.

    Each line's filter is ``H(z) = g (1 - b) / (1 - b z**-1)``: a gain ``g`` (its value
    at 0 Hz) and a one-pole low-pass with pole ``b``. They are solved so that one pass
    through a line of ``d`` samples loses ``60 d / (sr T)`` dB at 1 kHz (``T`` =
    ``decay_s``) and ``60 d / (sr T r)`` dB at 8 kHz, with ``r = 1 - 0.9 damping/100``
    (kept within what a one-pole filter can do, and ``g`` below 1 for stability).

    Returns
    -------
    gains, poles : numpy.ndarray
        Shaped ``(rows, lines)`` for ``decay_s``/``damping_pct`` given per row.
    """
    t = np.atleast_1d(np.asarray(decay_s, dtype=np.float64))[:, None]
    ratio = 1.0 - 0.9 * np.atleast_1d(np.asarray(damping_pct, dtype=np.float64))[:, None] / 100.0
    d = np.asarray(delays, dtype=np.float64)[None, :]
    att_mid_db = -60.0 * d / (sr * t)
    att_high_db = att_mid_db / ratio
    c1 = np.cos(2.0 * np.pi * MID_HZ / sr)
    c2 = np.cos(2.0 * np.pi * min(HIGH_HZ, 0.45 * sr) / sr)
    r2 = db_to_power(att_high_db - att_mid_db)  # wanted |H(high)|^2 / |H(mid)|^2
    r2 = np.clip(r2, (1.0 - c1) / (1.0 - c2) * 1.0001, 1.0)
    big_a = c1 - r2 * c2
    big_b = 1.0 - r2
    with np.errstate(invalid="ignore", divide="ignore"):
        poles = (big_a - np.sqrt(np.maximum(big_a**2 - big_b**2, 0.0))) / big_b
    poles = np.minimum(np.where(big_b > 1e-12, poles, 0.0), MAX_POLE)
    gains = db_to_gain(att_mid_db) * np.sqrt(1.0 - 2.0 * poles * c1 + poles**2) / (1.0 - poles)
    return np.minimum(gains, 0.9999), poles


def _late_gain(delays: np.ndarray, sr: int, decay_s: np.ndarray | float) -> np.ndarray:
    """Scale that gives the late tail about unit energy per unit input energy.

    Energy injected into the lines spreads over all their ``M`` samples and decays by
    ``q = 10**(-6 / (sr T))`` per sample, so the output energy is about
    ``1 / (M (1 - q))`` (output mix of unit length).
    """
    q = db_to_power(-60.0 / (sr * np.asarray(decay_s, dtype=np.float64)))
    return np.sqrt(float(np.sum(delays)) * (1.0 - q))


def _rows(value: float | np.ndarray, n: int) -> np.ndarray:
    """Per-frame values averaged over each control block (one row if constant)."""
    if np.ndim(value) == 0:
        return np.array([float(value)])
    v = np.asarray(value, dtype=np.float64)
    pad = (-n) % CONTROL_BLOCK
    padded = np.concatenate([v, np.full(pad, v[-1])]) if pad else v
    return padded.reshape(-1, CONTROL_BLOCK).mean(axis=1)


def _width_weights(width: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Direct and cross weights for a width 0..1, keeping the level of uncorrelated L/R."""
    w = np.asarray(width, dtype=np.float64)
    direct, cross = (1.0 + w) / 2.0, (1.0 - w) / 2.0
    scale = 1.0 / np.sqrt(direct**2 + cross**2)
    return direct * scale, cross * scale


def _fractional_delay(x: np.ndarray, delay: np.ndarray) -> np.ndarray:
    """``x`` read ``delay[n]`` frames in the past, linearly interpolated (zeros before 0)."""
    pos = np.arange(x.shape[-1], dtype=np.float64) - delay
    return np.interp(pos, np.arange(x.shape[-1], dtype=np.float64), x, left=0.0).astype(x.dtype)


def _stereo_pair(x: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    if x.ndim != 2 or x.shape[0] not in (1, 2):
        raise AudioDataError(
            f"{what} takes mono or stereo audio (1 or 2 channels); got shape {x.shape}."
        )
    return x[0], x[-1]


def _fdn_work(
    delays: np.ndarray, ap_delays: np.ndarray, block: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network's working memory: its delay lines, its allpasses' lines, a scratch.

    Each line is a power of two longer than its longest delay (it wraps with a mask);
    the scratch holds twelve rows of a block (reflections, input, the lines' samples).
    """

    def above(n: int) -> int:
        size = 1
        while size <= n:
            size *= 2
        return size

    return (
        np.zeros((8, above(int(np.max(delays)))), dtype=np.float64),
        np.zeros((4, above(int(np.max(ap_delays)))), dtype=np.float64),
        np.empty((12, block), dtype=np.float64),
    )


_KERNEL = None


def _fdn_kernel():  # compiled lazily so `import studio` stays fast; cached on disk by numba
    global _KERNEL
    if _KERNEL is None:
        from studio.dsp._reverb_kernels import fdn

        _KERNEL = fdn
    return _KERNEL


def reverb(
    samples: np.ndarray,
    sr: int,
    *,
    character: str = "hall",
    pre_delay_ms: Control = 20.0,
    decay_s: Control = 2.0,
    damping_pct: Control = 40.0,
    width_pct: Control = 100.0,
    mix_pct: Control = 25.0,
) -> np.ndarray:
    """Algorithmic reverb: mono or stereo in, stereo out (see the module text).

    Parameters
    ----------
    samples : numpy.ndarray
        ``(1, frames)`` or ``(2, frames)``, float32 or float64; not written to.
    sr : int
        Sample rate in Hz.
    character : {"room", "hall", "plate"}
        The space's design: delay lengths, diffusion, early reflections.
    pre_delay_ms : float, array or Envelope
        Gap between the dry sound and the first reflection.
    decay_s : float, array or Envelope
        RT60 at 1 kHz: the time the tail takes to fall by 60 dB.
    damping_pct : float, array or Envelope
        How much sooner the highs die (0 = as long as the mids).
    width_pct : float, array or Envelope
        0 = the same tail in both channels (mono), 100 = fully decorrelated.
    mix_pct : float, array or Envelope
        0 = dry only, 100 = reverb only.

    Returns
    -------
    numpy.ndarray
        ``(2, frames)`` in the dtype of ``samples``; the tail after the input's end is
        not included (the output is as long as the input).
    """
    x = np.asarray(samples)
    left, right = (np.ascontiguousarray(ch) for ch in _stereo_pair(x, "reverb"))
    n = x.shape[-1]
    design = character_design(character, sr)
    pre = resolve(pre_delay_ms, n, sr, name="pre_delay_ms")
    decay = resolve(decay_s, n, sr, name="decay_s")
    damping = resolve(damping_pct, n, sr, name="damping_pct")
    width = resolve(width_pct, n, sr, name="width_pct")
    mix = resolve(mix_pct, n, sr, name="mix_pct")
    if np.any(np.asarray(decay) <= 0.0):
        raise ParameterError("reverb: decay_s must be greater than 0.")
    mix_arr = np.asarray(mix) / 100.0
    if not np.any(mix_arr):
        return np.array(np.stack([left, right]), copy=True)

    pre_frames = 0 if np.ndim(pre) else round(float(pre) * 1e-3 * sr)
    latest = int(max(design.er_times_l.max(initial=0), design.er_times_r.max(initial=0)))
    lead = pre_frames + latest
    src = buffers.empty(lead + n, x.dtype)  # the mono sum, with zeros in front
    src[:lead] = 0.0
    if x.shape[0] == 1:
        src[lead:] = left
    else:
        np.add(left, right, out=src[lead:])
        src[lead:] *= x.dtype.type(0.5)
    if np.ndim(pre):
        src[lead:] = _fractional_delay(src[lead:], np.asarray(pre) * 1e-3 * sr)
    decay_rows, damping_rows = _rows(decay, n), _rows(damping, n)
    gains, poles = line_coefficients(design.delays, sr, decay_rows, damping_rows)
    rows = gains.shape[0]
    late = np.sqrt(1.0 - design.early_share) * _late_gain(design.delays, sr, decay_rows)
    late = np.broadcast_to(np.atleast_1d(late)[:, None], (rows, 1))
    c_left = late * _OUT_LEFT[None, :]
    c_right = late * _OUT_RIGHT[None, :]

    constant_mix = np.ndim(width) == 0 and np.ndim(mix) == 0
    direct, cross = _width_weights(np.asarray(width) / 100.0 if constant_mix else 1.0)
    wet_gain = float(mix_arr) if constant_mix else 1.0
    cl = wet_gain * (direct * c_left + cross * c_right)
    cr = wet_gain * (cross * c_left + direct * c_right)
    out = buffers.empty((2, n), x.dtype)
    _fdn_kernel()(
        src,
        left,
        right,
        1.0 - wet_gain if constant_mix else 0.0,
        lead - pre_frames,
        out[0],
        out[1],
        design.delays,
        np.ascontiguousarray(gains),
        np.ascontiguousarray(poles),
        _IN_VEC,
        np.ascontiguousarray(cl),
        np.ascontiguousarray(cr),
        design.ap_delays,
        design.ap_gains,
        design.er_times_l,
        design.er_gains_l * wet_gain,
        design.er_times_r,
        design.er_gains_r * wet_gain,
        float(direct),
        float(cross),
        CONTROL_BLOCK,
        *_fdn_work(design.delays, design.ap_delays, CONTROL_BLOCK),
    )
    if constant_mix:
        return out
    direct_v, cross_v = _width_weights(np.asarray(width) / 100.0)
    wet_l = direct_v * out[0] + cross_v * out[1]
    wet_r = cross_v * out[0] + direct_v * out[1]
    out[0] = (1.0 - mix_arr) * left + mix_arr * wet_l
    out[1] = (1.0 - mix_arr) * right + mix_arr * wet_r
    return out


def fdn_reference(
    src: np.ndarray,
    *,
    delays: np.ndarray,
    gains: np.ndarray,
    poles: np.ndarray,
    in_vec: np.ndarray,
    c_left: np.ndarray,
    c_right: np.ndarray,
    ap_delays: np.ndarray,
    ap_gains: np.ndarray,
    early_left: list[tuple[int, float]],
    early_right: list[tuple[int, float]],
    block: int = CONTROL_BLOCK,
) -> tuple[np.ndarray, np.ndarray]:
    """The feedback delay network written plainly, sample by sample (wet only, no pre-delay).

    The readable definition the compiled kernel must match (tests run both on short
    input). ``gains``, ``poles``, ``c_left`` and ``c_right`` hold one value per line, or
    one row of them per ``block`` frames (settings that move; the last row holds on).
    Per sample:

    1. early reflections: ``el = sum(gain * src[n - time])`` over the left taps (and right);
    2. diffusion: the input passes through Schroeder allpasses
       ``y[n] = -a w[n] + w[n - D]`` with ``w[n] = x[n] + a w[n - D]``;
    3. each line's oldest sample goes through its filter
       ``z = g (1 - b) v + b z_previous``;
    4. outputs ``left = el + c_left . z``, ``right = er + c_right . z``;
    5. feedback: ``H z / sqrt(N)`` (``H`` the Hadamard matrix) plus ``in_vec * input``
       enters the lines.
    """
    n_lines = len(delays)
    lines = [deque([0.0] * int(d), maxlen=int(d)) for d in delays]
    diffusers = [deque([0.0] * int(d), maxlen=int(d)) for d in ap_delays]
    hadamard = _hadamard(n_lines) / np.sqrt(n_lines)
    filt = [0.0] * n_lines
    out_l = np.zeros(len(src))
    out_r = np.zeros(len(src))
    rows = [np.atleast_2d(v) for v in (gains, poles, c_left, c_right)]
    for n, sample in enumerate(src):
        line_gain, pole, c_l, c_r = (v[min(n // block, len(v) - 1)] for v in rows)
        el = sum(g * src[n - t] for t, g in early_left if n - t >= 0)
        er = sum(g * src[n - t] for t, g in early_right if n - t >= 0)
        u = float(sample)
        for line, a in zip(diffusers, ap_gains, strict=True):
            delayed = line[0]  # w[n - D]
            w = u + a * delayed
            line.append(w)
            u = delayed - a * w
        z = []
        for i, line in enumerate(lines):
            filt[i] = line_gain[i] * (1.0 - pole[i]) * line[0] + pole[i] * filt[i]
            z.append(filt[i])
        out_l[n] = el + float(np.dot(c_l, z))
        out_r[n] = er + float(np.dot(c_r, z))
        feedback = hadamard @ np.array(z)
        for i, line in enumerate(lines):
            line.append(float(feedback[i]) + in_vec[i] * u)
    return out_l, out_r


def reverb_impulse_response(
    sr: int,
    *,
    character: str,
    decay_s: float,
    damping_pct: float,
    width_pct: float = 100.0,
    pre_delay_ms: float = 0.0,
    seconds: float | None = None,
) -> np.ndarray:
    """The reverb's wet response to a unit impulse, ``(2, frames)`` float64.

    Long enough for the tail to fall by more than 60 dB unless ``seconds`` is given.
    """
    length_s = seconds if seconds is not None else pre_delay_ms / 1000.0 + 1.3 * decay_s + 0.1
    impulse = np.zeros((1, max(1, round(length_s * sr))))
    impulse[0, 0] = 1.0
    return reverb(
        impulse,
        sr,
        character=character,
        pre_delay_ms=pre_delay_ms,
        decay_s=decay_s,
        damping_pct=damping_pct,
        width_pct=width_pct,
        mix_pct=100.0,
    )


def energy_decay_db(ir: np.ndarray) -> np.ndarray:
    """Schroeder's backward-integrated energy decay curve, in dB (0 dB at the start).

    ``EDC(t) = sum of h(tau)**2 for tau >= t`` over all channels: a smooth picture of
    how the reverberant energy dies away; its slope gives the RT60.
    """
    energy = np.sum(np.atleast_2d(np.asarray(ir, dtype=np.float64)) ** 2, axis=0)
    edc = np.cumsum(energy[::-1])[::-1]
    return power_to_db(edc / edc[0]) if edc[0] > 0 else np.full(len(edc), -np.inf)


# --------------------------------------------------------------------------- convolution


#: IR spectra kept for reuse: (id of a read-only IR, FFT size, dtype) -> (IR, spectrum).
_SPECTRA: OrderedDict[tuple[int, int, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
_SPECTRA_KEPT = 4


def _ir_spectrum(ir: np.ndarray, dtype: np.dtype, size: int) -> np.ndarray:
    """``rfft(ir, size)`` in ``dtype``'s precision.

    Kept for read-only IRs (the built-in and loaded ones), which cannot change, so a
    slider move does not transform the same IR again.
    """
    from scipy import fft

    h = np.asarray(ir, dtype=dtype)
    if not isinstance(ir, np.ndarray) or ir.flags.writeable:
        return fft.rfft(h, size, axis=-1)
    key = (id(ir), size, np.dtype(dtype).str)
    hit = _SPECTRA.get(key)
    if hit is not None and hit[0] is ir:  # the entry holds ir, so its id is not reused
        _SPECTRA.move_to_end(key)
        return hit[1]
    spectrum = fft.rfft(h, size, axis=-1)
    _SPECTRA[key] = (ir, spectrum)
    while len(_SPECTRA) > _SPECTRA_KEPT:
        _SPECTRA.popitem(last=False)
    return spectrum


def _block_size(n: int, taps: int) -> int:
    """FFT size for overlap-add: the fewest operations (blocks x size x log2 size)."""
    from scipy import fft

    candidates = {fft.next_fast_len(max(k * taps, 8192), real=True) for k in (2, 4, 8, 16)}
    candidates.add(fft.next_fast_len(n + taps - 1, real=True))  # one block for it all
    candidates = {c for c in candidates if c >= taps}

    def cost(size: int) -> float:
        return -(-n // (size - taps + 1)) * size * np.log2(size)

    return min(sorted(candidates), key=cost)


def convolve(samples: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """Convolve each output channel with its impulse response, same length as the input.

    FFT overlap-add: the input is cut into blocks, each block is multiplied with the
    IR's spectrum and the overlapping results are added. The block size gives the
    fewest operations for this length (one block for a short preview, a few times the
    IR's length for a song), and the spectrum of a read-only IR is kept for the next
    call. ``samples`` ``(1 or C, frames)``; ``ir`` ``(C, taps)``: a mono input feeds
    every IR channel. Computed in the input's precision (float32 stays float32).
    """
    from scipy import fft

    x = np.asarray(samples)
    n, (n_out, taps) = x.shape[-1], np.shape(ir)
    if n == 0:
        return np.zeros((n_out, 0), dtype=x.dtype)
    size = _block_size(n, taps)
    hop = size - taps + 1
    spectrum = _ir_spectrum(ir, x.dtype, size)
    out = np.zeros((n_out, n + size), dtype=x.dtype)
    for start in range(0, n, hop):
        block = fft.rfft(x[:, start : start + hop], size, axis=-1)
        if block.shape == spectrum.shape:
            block *= spectrum
        else:  # a mono input feeds every IR channel
            block = block * spectrum
        out[:, start : start + size] += fft.irfft(block, size, axis=-1)
    return out[:, :n]


def convolution_reverb(
    samples: np.ndarray,
    sr: int,
    ir: np.ndarray,
    *,
    pre_delay_ms: Control = 0.0,
    mix_pct: Control = 25.0,
    output_db: Control = 0.0,
) -> np.ndarray:
    """Reverb by convolution with a stereo impulse response; mono or stereo in, stereo out.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(1, frames)`` or ``(2, frames)``; not written to.
    sr : int
        Sample rate in Hz (the IR must be at this rate).
    ir : numpy.ndarray
        ``(2, taps)`` impulse response (the wet signal is ``samples * ir``).
    pre_delay_ms : float, array or Envelope
        Extra gap before the reverb starts.
    mix_pct : float, array or Envelope
        0 = dry only, 100 = reverb only.
    output_db : float, array or Envelope
        Level change of the whole output.

    Returns
    -------
    numpy.ndarray
        ``(2, frames)`` in the dtype of ``samples``.
    """
    x = np.asarray(samples)
    left, right = _stereo_pair(x, "convolution reverb")
    n = x.shape[-1]
    pre = resolve(pre_delay_ms, n, sr, name="pre_delay_ms")
    mix = np.asarray(resolve(mix_pct, n, sr, name="mix_pct")) / 100.0
    gain = db_to_gain(np.asarray(resolve(output_db, n, sr, name="output_db"), dtype=np.float64))
    dry = np.stack([left, right])
    if not np.any(mix):
        return dry.copy() if np.ndim(gain) == 0 and gain == 1.0 else (dry * gain).astype(x.dtype)
    h = np.atleast_2d(ir)
    if np.ndim(pre) == 0:
        # A delayed IR gives the delayed convolution: shift the output (the IR's
        # spectrum stays the same when only the pre-delay moves).
        pad = min(round(float(pre) * 1e-3 * sr), n)
        wet = np.zeros((h.shape[0], n), dtype=x.dtype)
        wet[:, pad:] = convolve(x[:, : n - pad], h)
    else:
        wet = convolve(x, h)
        delay = np.asarray(pre) * 1e-3 * sr
        wet = np.stack([_fractional_delay(ch, delay) for ch in wet])
    if np.ndim(mix) == 0:
        wet *= np.asarray(mix, dtype=x.dtype)
        wet += np.asarray(1.0 - mix, dtype=x.dtype) * dry
    else:
        wet = (mix * wet + (1.0 - mix) * dry).astype(x.dtype)
    if np.ndim(gain) or gain != 1.0:
        wet = (wet * gain).astype(x.dtype)
    return wet
