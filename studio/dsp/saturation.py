"""Saturation and excitement: waveshaping curves run at a higher sample rate.

A waveshaper bends the signal's shape: every sample ``x`` becomes ``f(g * x)``, where
``g`` is the drive. A straight line (``f(x) = x``) changes nothing; a curve that flattens
near the top squashes the peaks, and a squashed sine is no longer a pure sine: it has
gained *harmonics*, whole multiples of its frequency. What you hear is warmth,
thickness, "glue", and with more drive, grit.

The curves, each with ``f(0) = 0`` and a slope of exactly 1 at zero (``f'(0) = 1``), so
quiet signals pass at the drive gain and only loud moments are bent:

``soft_clip``
    The classic cubic soft clipper, ``f(x) = x - (4/27) x**3`` for ``|x| <= 1.5`` and
    ``sign(x)`` beyond. It is ``1.5 u - 0.5 u**3`` with ``u = x / 1.5``: it reaches full
    scale with a flat top at ``|x| = 1.5``. Symmetric, so odd harmonics only (3rd, 5th,
    ...); for a sine of amplitude ``A <= 1.5`` the 3rd harmonic is exactly ``A**3 / 27``.
``tape``
    ``f(x) = tanh(x)``: smooth and symmetric (odd harmonics, falling off quickly). Like
    tape, the highs saturate first: a gentle high-shelf boost (+4 dB above 4 kHz) before
    the curve and the exact inverse shelf after it leave quiet signals untouched but let
    loud high frequencies soften and round off.
``tube``
    ``f(x) = (tanh(x + b) - tanh(b)) / (1 - tanh(b)**2)`` with bias ``b = 0.3``: the
    curve is pushed off-centre, so positive and negative half-waves are bent differently.
    Asymmetry makes *even* harmonics (2nd, 4th, ...), the octave-related warmth of a
    valve stage. For a quiet sine of amplitude ``A`` the 2nd harmonic is about
    ``tanh(b) * A / 2`` of the fundamental. The curve also creates a DC offset, removed
    by a 5 Hz high-pass on the saturated signal.

Why oversample: harmonics above the Nyquist frequency (half the sample rate) cannot be
stored; computed at the normal rate they fold back ("alias") to unrelated, inharmonic
frequencies that sound harsh and gritty. Here the curve runs at 8x the sample rate
(three 2x stages of linear-phase Kaiser-window filters with 100 dB stop-band, passing
up to 0.417 sr), so harmonics up to 4x the original Nyquist frequency are computed
correctly and filtered away before coming back down. The filters and the
curve run in two small compiled loops (the same numbers as
``scipy.signal.resample_poly`` and :func:`shape`; see ``_oversampling_kernels``), block
by block with overlapping edges so memory stays small and the blocks join without a
seam.

Speed, for a slider: float32 audio (what :func:`studio.load` gives) is oversampled in
float32 (within -115 dBFS of the float64 result), the two channels run side by side
where there are two processor cores, and the part that does not depend on the drive
(the tape pre-emphasis or the exciter's band filter, and the stages up to 4x) is kept
from the last call, so moving the drive over the same preview skips it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from studio.dsp._parallel import side_by_side
from studio.dsp.control import Control, resolve
from studio.dsp.units import db_to_gain
from studio.errors import ParameterError

__all__ = [
    "CHARACTERS",
    "TUBE_BIAS",
    "auto_gain",
    "downsample",
    "excite",
    "saturate",
    "shape",
    "static_curve",
    "upsample",
]

#: The saturation characters, in the order a learner meets them.
CHARACTERS = ("soft_clip", "tape", "tube")

#: Bias of the tube curve: how far the curve is pushed off-centre.
TUBE_BIAS = 0.3

#: Level of the sine used for automatic gain compensation (-12 dBFS peak).
AUTO_GAIN_REFERENCE = db_to_gain(-12.0)

_TAPE_EMPHASIS_HZ = 4000.0
_TAPE_EMPHASIS_DB = 4.0
_DC_BLOCK_HZ = 5.0
_OVERSAMPLE_FACTORS = (1, 2, 4, 8)


# --------------------------------------------------------------------------- curves


def shape(x: np.ndarray | float, character: str) -> np.ndarray:
    """The memoryless curve ``f`` of a character (see the module text for formulas).

    Parameters
    ----------
    x : array_like
        Input amplitude(s), already multiplied by the drive.
    character : {"soft_clip", "tape", "tube"}
        Which curve.

    Returns
    -------
    numpy.ndarray
        ``f(x)`` as float64, same shape as ``x``. Every curve has slope 1 at zero.
    """
    v = np.asarray(x, dtype=np.float64)
    if character == "soft_clip":
        clipped = np.clip(v, -1.5, 1.5)
        return clipped - (4.0 / 27.0) * clipped**3
    if character == "tape":
        return np.tanh(v)
    if character == "tube":
        t = np.tanh(TUBE_BIAS)
        return (np.tanh(v + TUBE_BIAS) - t) / (1.0 - t * t)
    raise ParameterError(
        f"saturation character must be one of {', '.join(CHARACTERS)}; got {character!r}."
    )


@lru_cache(maxsize=8)
def _auto_gain_table(character: str) -> tuple[np.ndarray, np.ndarray]:
    """Compensation gains on a grid of drives (0.1 dB steps up to 48 dB)."""
    drives_db = np.arange(0.0, 48.05, 0.1)
    phase = (np.arange(4096) + 0.5) / 4096.0
    sine = AUTO_GAIN_REFERENCE * np.sin(2.0 * np.pi * phase)
    g = db_to_gain(drives_db)
    shaped = shape(g[:, None] * sine[None, :], character)
    shaped -= shaped.mean(axis=1, keepdims=True)  # the tube's DC is removed afterwards
    rms_out = np.sqrt(np.mean(shaped**2, axis=1))
    return drives_db, (AUTO_GAIN_REFERENCE / np.sqrt(2.0)) / rms_out


def auto_gain(drive_db: float | np.ndarray, character: str) -> float | np.ndarray:
    """Gain that brings a driven -12 dBFS sine back to its original RMS level.

    With automatic gain on, turning up the drive changes the *colour*, not the level,
    so a louder-is-better illusion does not fool the comparison.
    """
    drives, gains = _auto_gain_table(character)
    out = np.interp(np.clip(drive_db, 0.0, drives[-1]), drives, gains)
    return float(out) if np.ndim(out) == 0 else out


def static_curve(
    amplitude: np.ndarray,
    *,
    drive_db: float,
    character: str,
    mix_pct: float = 100.0,
    output_db: float = 0.0,
    auto_gain_on: bool = True,
) -> np.ndarray:
    """Output amplitude for steady input amplitudes: what the saturation does to a level.

    The curve of :func:`saturate` without its filters (oversampling, tape emphasis, DC
    blocking): ``out = 10**(output_db/20) * ((1 - m) a + m c f(g a))`` with
    ``g = 10**(drive_db/20)``, ``m = mix_pct/100`` and ``c`` the automatic gain (1 when
    off). A straight diagonal line means clean; where it bends, harmonics are born.
    """
    a = np.asarray(amplitude, dtype=np.float64)
    g = db_to_gain(drive_db)
    c = auto_gain(drive_db, character) if auto_gain_on else 1.0
    m = mix_pct / 100.0
    return db_to_gain(output_db) * ((1.0 - m) * a + m * c * shape(g * a, character))


# --------------------------------------------------------------------------- oversampling


#: Stop-band attenuation of the oversampling filters, in dB.
_STOPBAND_DB = 100.0


def _kaiser_order(attenuation_db: float, width: float) -> tuple[int, float]:
    """Kaiser's estimates of the taps and window shape a low-pass needs.

    For ``attenuation_db`` of stop band and a transition ``width`` (a fraction of the
    Nyquist frequency); the formulas of ``scipy.signal.kaiserord``.
    """
    a = abs(attenuation_db)
    if a > 50.0:
        beta = 0.1102 * (a - 8.7)
    elif a > 21.0:
        beta = 0.5842 * (a - 21.0) ** 0.4 + 0.07886 * (a - 21.0)
    else:
        beta = 0.0
    return int(np.ceil((a - 7.95) / 2.285 / (np.pi * width) + 1.0)), beta


def _kaiser_lowpass(numtaps: int, cutoff: float, beta: float) -> np.ndarray:
    """Kaiser-windowed sinc low-pass, ``cutoff`` a fraction of Nyquist, unit gain at 0 Hz.

    The design of ``scipy.signal.firwin(numtaps, cutoff, window=("kaiser", beta))``
    (the same formula; scipy.signal itself takes most of a second to import).
    """
    m = np.arange(numtaps) - 0.5 * (numtaps - 1)
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(numtaps, beta)
    return h / np.sum(h)


@lru_cache(maxsize=8)
def _stage_filter(stage: int) -> np.ndarray:
    """Linear-phase low-pass for 2x stage ``stage`` (1 = nearest the original rate).

    Frequencies relative to the original rate ``fs``: stage 1 runs at ``2 fs`` and
    passes up to 0.417 fs, stopping from 0.5 fs (the original Nyquist frequency); later
    stages run at ``2**stage fs``, pass up to 0.5 fs and stop only where their images
    (or the components folding back onto the audio band) begin.
    """
    rate = 2.0**stage
    if stage == 1:
        pass_f, stop_f = 0.4167, 0.5
    else:
        pass_f, stop_f = 0.5, rate / 2.0 - 0.5
    nyquist = rate / 2.0
    numtaps, beta = _kaiser_order(_STOPBAND_DB, (stop_f - pass_f) / nyquist)
    numtaps |= 1  # odd length: a whole-sample delay that resample_poly removes exactly
    h = _kaiser_lowpass(numtaps, (pass_f + stop_f) / 2.0 / nyquist, beta)
    if stage > 1:
        # A half-band filter (cutoff at a quarter of its rate): the windowed sinc is zero
        # at every even distance from the centre. firwin leaves rounding noise there
        # (1e-17); exact zeros let the compiled stages skip those taps.
        c = (numtaps - 1) // 2
        offsets = np.arange(numtaps) - c
        h[(offsets % 2 == 0) & (offsets != 0)] = 0.0
    h.flags.writeable = False
    return h


def _stages(factor: int) -> int:
    if factor not in _OVERSAMPLE_FACTORS:
        raise ParameterError(
            f"oversampling factor must be one of {', '.join(map(str, _OVERSAMPLE_FACTORS))}; "
            f"got {factor!r}."
        )
    return int(factor).bit_length() - 1


class _Phases(NamedTuple):
    """A stage's filter split for polyphase work (see ``_reverb_kernels``)."""

    up_taps: tuple[np.ndarray, np.ndarray]  # taps for even and odd output samples
    up_first: tuple[int, int]  # input offset of each phase's first tap
    down_taps: np.ndarray  # out[i] = sum_j down_taps[j] * x[2i + down_first + j]
    down_first: int
    down_phases: tuple[np.ndarray, np.ndarray]  # down_taps[0::2], down_taps[1::2]
    pad: int  # zeros needed at each end of the input


@lru_cache(maxsize=8)
def _phases(stage: int) -> _Phases:
    h = _stage_filter(stage)
    c = (len(h) - 1) // 2
    k = np.arange(len(h))
    taps, firsts = [], []
    for p in (0, 1):  # out[2i + p] = sum over k = p + c (mod 2) of 2 h[k] x[i + (p + c - k)/2]
        ks = k[(k - p - c) % 2 == 0]
        offsets = (p + c - ks) // 2
        order = np.argsort(offsets)
        taps.append(np.ascontiguousarray(2.0 * h[ks[order]]))
        firsts.append(int(offsets.min()))
    return _Phases(
        up_taps=(taps[0], taps[1]),
        up_first=(firsts[0], firsts[1]),
        down_taps=np.ascontiguousarray(h[::-1]),
        down_first=-c,
        down_phases=(np.ascontiguousarray(h[::-1][0::2]), np.ascontiguousarray(h[::-1][1::2])),
        pad=c + 2,
    )


def _up2(x: np.ndarray, stage: int) -> np.ndarray:
    """2x interpolation: even and odd output samples are two filter phases."""
    if len(x) == 0:
        return np.zeros(0)
    ph = _phases(stage)
    padded = np.pad(x, ph.pad)
    out = np.empty(2 * len(x))
    for p in (0, 1):
        taps = ph.up_taps[p]
        start = ph.pad + ph.up_first[p]
        # out[2i + p] = sum_j taps[j] * x[i + first + j]: a "valid" correlation
        out[p::2] = np.correlate(padded[start : start + len(x) + len(taps) - 1], taps, "valid")
    return out


def _down2(x: np.ndarray, stage: int) -> np.ndarray:
    """2x decimation: ``out[i] = sum_j taps[j] x[2i + first + j]``."""
    if len(x) == 0:
        return np.zeros(0)
    ph = _phases(stage)
    padded = np.pad(x, ph.pad)
    start = ph.pad + ph.down_first
    full = np.correlate(padded[start : start + len(x) + len(ph.down_taps) - 1], ph.down_taps)
    return full[::2].copy()


def upsample(samples: np.ndarray, factor: int) -> np.ndarray:
    """Raise the sample rate by ``factor`` (1, 2, 4 or 8); float64, time-aligned.

    The same result as ``scipy.signal.resample_poly(x, 2, 1, window=h)`` applied once
    per stage: the readable reference for the compiled path (:func:`_oversampled`).
    """
    out = np.array(np.atleast_2d(samples), dtype=np.float64)  # always a new array
    for stage in range(1, _stages(factor) + 1):
        out = np.stack([_up2(ch, stage) for ch in out])
    return out


def downsample(samples: np.ndarray, factor: int) -> np.ndarray:
    """Lower the sample rate by ``factor`` after filtering away what cannot be kept."""
    out = np.array(np.atleast_2d(samples), dtype=np.float64)  # always a new array
    for stage in range(_stages(factor), 0, -1):
        out = np.stack([_down2(ch, stage) for ch in out])
    return out


#: Frames per block through the oversampled curve, and the context kept on each side
#: (more than the filters' combined reach, so blocks join without a seam).
_BLOCK = 16384
_MARGIN = 128


def _through_curve(x: np.ndarray, factor: int, curve) -> np.ndarray:
    """Upsample, apply ``curve(block, start, stop)``, downsample; block by block.

    ``curve`` receives the oversampled block and the oversampled index range it covers
    (for time-varying drive). The result equals doing it on the whole signal at once,
    with memory bounded by the block size. The readable reference for
    :func:`_oversampled`, which the processing uses.
    """
    n = x.shape[-1]
    out = np.empty(x.shape, dtype=np.float64)
    for ch in range(x.shape[0]):
        for start in range(0, n, _BLOCK):
            lo, hi = max(0, start - _MARGIN), min(n, start + _BLOCK + _MARGIN)
            up = upsample(x[ch, lo:hi], factor)[0]
            down = downsample(curve(up, lo * factor, hi * factor), factor)[0]
            keep = min(_BLOCK, n - start)
            out[ch, start : start + keep] = down[start - lo : start - lo + keep]
    return out


#: The compiled path's curve codes and tanh biases (see ``_oversampling_kernels``): tape
#: and tube are one biased tanh (tape's bias is 0), the exciter keeps what it adds.
_CURVE_CODES = {
    "soft_clip": (0, 0.0),
    "tape": (1, 0.0),
    "tube": (1, TUBE_BIAS),
    "excite": (2, TUBE_BIAS),
}
#: Zeros kept before and after every level's samples in the compiled path: more than any
#: phase reaches (the first stage's decimator reaches 77 samples either side).
_KERNEL_PAD = 96
#: Frames per block in the compiled path, and the context kept on each side: more than
#: the filters reach (87 frames at 8x: 39 for each first stage, 4.5 for the others).
_KERNEL_BLOCK = 65536
_KERNEL_MARGIN = 96


def _trimmed(taps: np.ndarray, first: int) -> tuple[np.ndarray, int]:
    """Drop exact-zero taps from both ends; ``first`` moves with the leading ones."""
    nonzero = np.flatnonzero(taps)
    return taps[nonzero[0] : nonzero[-1] + 1], first + int(nonzero[0])


@lru_cache(maxsize=8)
def _kernel_plan(n_stages: int, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The compiled path's filters: a pool of taps and, per stage, four filters in it.

    ``plan[s]`` rows: up even, up odd (first = buffer index of the first tap for input
    0), down from the odd samples, down from the even samples (first = index of the
    first tap for output 0 in the half-length array). Every buffer holds its samples
    after ``_KERNEL_PAD`` zeros (an even number, so the parities below are fixed). The
    taps are designed in float64 and stored in ``dtype``, the dtype the kernel runs in.
    """
    pad = _KERNEL_PAD
    pool: list[np.ndarray] = [np.zeros(1)]  # never empty (no stages at 1x)
    plan = np.zeros((n_stages, 4, 3), dtype=np.int64)
    used = 1
    for s in range(n_stages):
        ph = _phases(s + 1)
        c = -ph.down_first  # the filter's centre (odd)
        filters = [
            _trimmed(ph.up_taps[0], pad + ph.up_first[0]),
            _trimmed(ph.up_taps[1], pad + ph.up_first[1]),
            # down: out[i] = sum_j d[j] v[2i - c + j]; with v[t] at buffer index pad + t,
            # even j read the odd samples, odd j the even ones
            _trimmed(ph.down_taps[0::2], (pad - c - 1) // 2),
            _trimmed(ph.down_taps[1::2], (pad - c + 1) // 2),
        ]
        for row, (taps, first) in enumerate(filters):
            # zeros after the last tap, to 1 + 4k taps (the kernel adds four per pass)
            taps = np.concatenate([taps, np.zeros(-(taps.size - 1) % 4)])
            plan[s, row] = (used, taps.size, first)
            pool.append(taps)
            used += taps.size
    # Writable (the kernel takes plain arrays); private to this module.
    return np.ascontiguousarray(np.concatenate(pool), dtype=dtype), plan


#: The last input's signal one stage below the top rate, block by block: it does not
#: depend on the drive or the curve, so moving the drive over the same preview reuses it
#: (the filter before the curve and about half the oversampling). One entry, kept only
#: for inputs up to this many bytes.
_UP_CACHE: dict[str, object] = {}
_UP_CACHE_BYTES = 48 * 2**20

#: A filter run on the input before the oversampling, named by a key that says which.
Before = tuple[Hashable, Callable[[np.ndarray], np.ndarray]]


def _cached_levels(
    x: np.ndarray, stages: int, key: Hashable = None
) -> list[list[np.ndarray]] | None:
    """The cached blocks for ``x`` (same numbers, filter key and stages), or None."""
    entry = _UP_CACHE
    if entry.get("stages") != stages or entry.get("key") != key:
        return None
    seen = entry.get("input")
    if not isinstance(seen, np.ndarray) or seen.dtype != x.dtype or seen.shape != x.shape:
        return None
    if not np.array_equal(seen, x):
        return None
    return entry["levels"]  # type: ignore[return-value]


def _oversampled(
    x: np.ndarray,
    factor: int,
    curve: str,
    drive: float | np.ndarray,
    before: Before | None = None,
) -> np.ndarray:
    """Upsample, ``curve`` at the high rate, downsample: the compiled path.

    The same numbers as :func:`downsample` of ``shape(drive * upsample(x))`` (or, for
    ``"excite"``, of what the tube curve adds, divided by the drive); the drive is one
    value or one per frame. ``before``, a key and a filter, runs the filter on ``x``
    first (the key names it for the reuse below). float32 input is computed in float32
    (within a few units of float32 rounding of that), anything else in float64 (within
    float64 rounding). Returns float32 or float64 accordingly.

    Block by block (``_KERNEL_BLOCK`` frames and ``_KERNEL_MARGIN`` frames of context on
    each side, more than the filters reach, so every kept output equals the
    whole-signal result): each level's samples sit after ``_KERNEL_PAD`` zeros and
    before as many. The top level is kept as two planes, its even samples and its odd
    ones: the last stage up writes its two phases there, the curve does not care about
    order, and the first stage down reads them as they are. Every filter is one call of
    the compiled ``fir`` (strided reads split a level's odd and even samples, strided
    writes interleave them) and every curve one call of ``curve``: two small kernels,
    quick to compile. The level below the top is kept for the next call (see
    ``_UP_CACHE``): the same input with another drive starts from there.
    """
    from studio.dsp import _oversampling_kernels as k

    dtype = np.float32 if x.dtype == np.float32 else np.float64
    x = np.asarray(x, dtype=dtype)
    stages = _stages(factor)
    pool, plan = _kernel_plan(stages, dtype)
    taps = [[pool[o : o + nt] for o, nt, _ in stage] for stage in plan]
    firsts = plan[:, :, 2].tolist()  # where each filter's first tap reads
    drive_arr = np.ascontiguousarray(np.atleast_1d(drive), dtype=dtype)
    mode, bias = _CURVE_CODES[curve]
    tanh_bias = float(np.tanh(bias))
    consts = np.zeros(k.N_CONSTS, dtype=dtype)
    consts[k.BIAS] = bias
    consts[k.TANH_BIAS] = tanh_bias
    consts[k.NORM] = 1.0 / (1.0 - tanh_bias * tanh_bias)
    consts[k.CLIP] = 1.5
    consts[k.CUBIC] = 4.0 / 27.0
    consts[k.ONE] = 1.0

    n = x.shape[-1]
    pad, margin = _KERNEL_PAD, _KERNEL_MARGIN
    p0 = pad // 2  # where each top plane's samples begin
    block = min(_KERNEL_BLOCK, max(n, 1))
    span = block + 2 * margin
    out = np.empty(x.shape, dtype=dtype)
    fir = k.fir
    top = stages - 1  # the last stage up, the first down
    n_blocks = -(-n // block)
    key = before[0] if before else None
    cached = _cached_levels(x, stages, key) if stages > 1 else None
    source = x if before is None or cached is not None else before[1](x).astype(dtype, copy=False)
    level_bytes = ((span << max(top, 0)) + 2 * pad) * x.itemsize
    cacheable = (
        stages > 1
        and cached is None
        and level_bytes * n_blocks * x.shape[0] + x.nbytes <= _UP_CACHE_BYTES
    )
    keep_levels: list[list[np.ndarray]] = [[] for _ in range(x.shape[0])]
    longest = int(plan[:, :, 1].max()) if stages else 1

    def channel(ch: int) -> None:
        # every level below the top (the original rate alone when there are no stages),
        # once for the way up and once for the way down; the top as two planes
        ups = [np.zeros((span << s) + 2 * pad, dtype=dtype) for s in range(max(stages, 1))]
        downs = [np.zeros_like(level) for level in ups]
        planes = [np.zeros((span << max(top, 0)) + pad, dtype=dtype) for _ in range(2)]
        scratch = np.zeros(2 * k.CHUNK + longest, dtype=dtype)
        src = source[ch]
        for b, start in enumerate(range(0, n, block)):
            lo = max(0, start - margin)
            length = min(n, start + block + margin) - lo
            if cached is not None:
                below = cached[ch][b]
            else:
                if cacheable:  # a new array for the level the cache keeps
                    ups[top] = np.zeros(ups[top].shape, dtype=dtype)
                    keep_levels[ch].append(ups[top])
                base = ups[0]
                base[pad : pad + length] = src[lo : lo + length]
                base[pad + length : 2 * pad + length] = 0.0
                for s in range(top):  # up: level s -> s + 1, even and odd interleaved
                    m = length << s
                    dst = ups[s + 1]
                    f_e, f_o = firsts[s][0], firsts[s][1]
                    fir(ups[s], f_e, 1, taps[s][0], dst, pad, 2, m, False, scratch)
                    fir(ups[s], f_o, 1, taps[s][1], dst, pad + 1, 2, m, False, scratch)
                    dst[pad + 2 * m : 2 * pad + 2 * m] = 0.0
                below = ups[max(top, 0)]
            if stages:  # the last stage up, into the planes
                m = length << top
                for p in (0, 1):
                    fir(below, firsts[top][p], 1, taps[top][p], planes[p], p0, 1, m, False, scratch)
                    planes[p][p0 + m : pad + m] = 0.0
                for plane in planes:
                    k.curve(plane, p0, m, mode, drive_arr, lo, factor // 2, consts)
            else:
                k.curve(below, pad, length, mode, drive_arr, lo, 1, consts)
                downs[0] = below
            for s in range(top, -1, -1):  # down: level s + 1 -> s
                m = length << s
                f_odd, f_even = firsts[s][2], firsts[s][3]
                dst = downs[s]
                if s == top:  # the planes are the odd and even samples already
                    fir(planes[1], f_odd, 1, taps[s][2], dst, pad, 1, m, False, scratch)
                    fir(planes[0], f_even, 1, taps[s][3], dst, pad, 1, m, True, scratch)
                else:  # read every other sample: the odd ones, then the even ones
                    above = downs[s + 1]
                    fir(above, 2 * f_odd + 1, 2, taps[s][2], dst, pad, 1, m, False, scratch)
                    fir(above, 2 * f_even, 2, taps[s][3], dst, pad, 1, m, True, scratch)
                dst[pad + m : 2 * pad + m] = 0.0
            keep = min(block, n - start)
            out[ch, start : start + keep] = downs[0][pad + start - lo : pad + start - lo + keep]

    side_by_side(channel, x.shape[0])  # the channels on two cores where there are two
    if cacheable:
        _UP_CACHE.clear()
        _UP_CACHE.update(stages=stages, key=key, input=x.copy(), levels=keep_levels)
    return out


# --------------------------------------------------------------------------- saturate


def _shelf_sos(gain_db: float, sr: int) -> np.ndarray:
    from studio.dsp.biquad import band_sos

    freq = min(_TAPE_EMPHASIS_HZ, 0.4 * sr)
    return band_sos("high_shelf", freq, gain_db, 0.7071, sr)


def _work_dtype(x: np.ndarray) -> type:
    """float32 audio is processed in float32 (see ``_oversampling_kernels``); else float64."""
    return np.float32 if x.dtype == np.float32 else np.float64


def _factor(value: float | np.ndarray, dtype: type) -> float | np.ndarray:
    """A gain or mix amount that does not promote ``dtype`` audio it multiplies."""
    if np.ndim(value) == 0:
        return float(value)
    return np.asarray(value, dtype=dtype)


def _wet(x: np.ndarray, sr: int, drive: float | np.ndarray, character: str, factor: int):
    """The fully saturated signal, before compensation and mixing (``x``'s work dtype)."""
    from studio.dsp.biquad import apply_sos
    from studio.dsp.filters import butterworth_sos

    before: Before | None = None
    if character == "tape":  # emphasise highs so they saturate first
        shelf = _shelf_sos(_TAPE_EMPHASIS_DB, sr)
        before = (("tape emphasis", sr), lambda v: apply_sos(v, shelf))
    wet = _oversampled(x, factor, character, drive, before)
    if character == "tape":  # the exact inverse shelf: quiet signals come back unchanged
        wet = apply_sos(wet, _shelf_sos(-_TAPE_EMPHASIS_DB, sr))
    elif character == "tube":  # the asymmetric curve adds a DC offset
        wet = apply_sos(wet, butterworth_sos("high_pass", _DC_BLOCK_HZ, "6", sr))
    return wet


def saturate(
    samples: np.ndarray,
    sr: int,
    *,
    drive_db: Control = 12.0,
    character: str = "tape",
    mix_pct: Control = 100.0,
    output_db: Control = 0.0,
    auto_gain_on: bool = True,
    oversample: int = 8,
) -> np.ndarray:
    """Saturate ``samples``: drive them into a curve, oversampled so nothing aliases.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float32 or float64; not written to. float32 audio is
        processed in float32 (within about -125 dBFS of the float64 result).
    sr : int
        Sample rate in Hz.
    drive_db : float, array or Envelope
        Gain into the curve: more drive, more harmonics.
    character : {"soft_clip", "tape", "tube"}
        The curve (see the module text).
    mix_pct : float, array or Envelope
        0 = dry only (exact copy), 100 = saturated only (parallel saturation between).
    output_db : float, array or Envelope
        Level change after everything.
    auto_gain_on : bool
        Scale the saturated signal so a -12 dBFS sine keeps its RMS level at any drive.
    oversample : {1, 2, 4, 8}
        Rate multiplier for the curve; 1 computes it at the original rate (aliases).

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``samples``.
    """
    x = np.asarray(samples)
    n = x.shape[-1]
    dtype = _work_dtype(x)
    drive = resolve(drive_db, n, sr, name="drive_db")
    m = _factor(np.asarray(resolve(mix_pct, n, sr, name="mix_pct")) / 100.0, dtype)
    out_gain = db_to_gain(np.asarray(resolve(output_db, n, sr, name="output_db"), dtype=np.float64))
    if character not in CHARACTERS:
        shape(0.0, character)  # raises the plain error
    if not np.any(m):
        return _scaled_copy(x, out_gain)
    xw: np.ndarray = x.astype(dtype, copy=False)
    wet = _wet(xw, sr, db_to_gain(np.asarray(drive, dtype=np.float64)), character, oversample)
    if auto_gain_on:
        wet *= _factor(auto_gain(drive, character), dtype)
    if np.any(m != 1.0):
        wet *= m
        wet += (1.0 - m) * xw
    if np.any(out_gain != 1.0):
        wet *= _factor(out_gain, dtype)
    return wet.astype(x.dtype, copy=False)


def _scaled_copy(x: np.ndarray, gain: np.ndarray) -> np.ndarray:
    if np.ndim(gain) == 0 and gain == 1.0:
        return np.array(x, copy=True)
    return (x * gain).astype(x.dtype, copy=False)


# --------------------------------------------------------------------------- exciter


def _highpass(x: np.ndarray, sr: int, freq_hz: float | np.ndarray) -> np.ndarray:
    """4th-order Linkwitz-Riley high-pass (two Butterworth biquads), in ``x``'s dtype.

    A time-varying corner is followed block by block (256 frames, coefficients from
    each block's mean, filter state carried across).
    """
    from studio.dsp.biquad import apply_sos, apply_sos_blocks, band_sos

    def sos(f: float) -> np.ndarray:
        one = band_sos("high_pass", float(f), 0.0, 0.7071, sr)
        return np.concatenate([one, one])

    if np.ndim(freq_hz) == 0:
        return apply_sos(x, sos(float(freq_hz)))
    block = 256
    n_blocks = -(-x.shape[-1] // block)
    freqs = np.asarray(freq_hz, dtype=np.float64)
    sets = np.stack(
        [sos(float(np.mean(freqs[b * block : (b + 1) * block]))) for b in range(n_blocks)]
    )
    return apply_sos_blocks(x, sets, block)


def excite(
    samples: np.ndarray,
    sr: int,
    *,
    freq_hz: Control = 3000.0,
    drive_db: Control = 12.0,
    amount_pct: Control = 30.0,
    oversample: int = 8,
) -> np.ndarray:
    """Add harmonics generated from the highs only: presence and air without EQ boost.

    The signal above ``freq_hz`` (a 4th-order Linkwitz-Riley high-pass) is driven into
    the tube curve (even and odd harmonics), oversampled; only what the curve *adds* is
    kept (the curve's output minus its input, divided by the drive), high-passed again
    to drop the low difference tones and DC, and ``amount_pct``/100 of it is added to
    the untouched signal. At amount 0 the output is an exact copy.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float32 or float64; not written to.
    sr : int
        Sample rate in Hz.
    freq_hz : float, array or Envelope
        Only content above this frequency feeds the harmonic generator.
    drive_db : float, array or Envelope
        How hard the band is driven: more drive, stronger and higher harmonics.
    amount_pct : float, array or Envelope
        How much of the new harmonics is added (0 = none).
    oversample : {1, 2, 4, 8}
        Rate multiplier for the curve.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``samples``.
    """
    x = np.asarray(samples)
    n = x.shape[-1]
    amount = np.asarray(resolve(amount_pct, n, sr, name="amount_pct")) / 100.0
    if not np.any(amount):
        return np.array(x, copy=True)
    freq = resolve(freq_hz, n, sr, name="freq_hz")
    if np.any(np.asarray(freq) >= sr / 2.0) or np.any(np.asarray(freq) <= 0.0):
        raise ParameterError(
            f"exciter: freq_hz must lie between 0 and the Nyquist frequency ({sr / 2:g} Hz)."
        )
    drive = db_to_gain(np.asarray(resolve(drive_db, n, sr, name="drive_db"), dtype=np.float64))
    dtype = _work_dtype(x)
    xw: np.ndarray = x.astype(dtype, copy=False)
    # only what the tube curve adds to the highs: shape(g * band, "tube") / g - band
    if np.ndim(freq) == 0:  # the band is the same for the same input: it can be reused
        band = _oversampled(
            xw, oversample, "excite", drive, (("band", sr, freq), lambda v: _highpass(v, sr, freq))
        )
    else:
        band = _oversampled(_highpass(xw, sr, freq), oversample, "excite", drive)
    harmonics = _highpass(band, sr, freq)
    harmonics *= _factor(amount, dtype)
    harmonics += xw
    return harmonics.astype(x.dtype, copy=False)
