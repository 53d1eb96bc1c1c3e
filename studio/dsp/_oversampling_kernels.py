"""Compiled loop for the oversampled waveshaper: up 2x per stage, curve, down 2x per stage.

The readable version is in :mod:`studio.dsp.saturation` (``upsample``, ``shape``,
``downsample`` on the whole signal); the tests hold this kernel equal to it. The kernel
does the same arithmetic, minus the multiplications by exact zeros, block by block in a
workspace the caller provides:

* **Polyphase stages.** Each 2x stage is a linear-phase FIR. Going up, the even and odd
  output samples are two short filters ("phases") over the input; going down, the
  output is one filter over the even input samples plus one over the odd ones (the
  input split in two first, so both read contiguous memory). A half-band stage (cutoff
  at a quarter of its rate) has every other tap exactly zero, so one of its phases is a
  single tap: a scaled copy. The plan (which taps, where each phase starts) is built in
  ``saturation._kernel_plan``.
* **Short chunks, four taps at a time.** Each filter fills a chunk of 256 outputs that
  stays in the processor's first-level cache, adding four taps per pass; the sum over
  the chunk runs in vector registers.
* **The curves** (soft clip; the biased tanh of tape and tube; the exciter's "what that
  curve adds") are computed in one loop over the top rate. ``tanh`` is evaluated here
  (the C library's cannot be vectorised) from ``expm1``: ``tanh(a) = -e / (2 + e)``
  with ``e = expm1(-2a)``; ``expm1(y) = 2**k (1 + expm1(r)) - 1`` with ``k`` the whole
  number nearest ``y / ln 2``, ``2**k`` built from its bits and ``expm1(r)`` a Taylor
  polynomial (``|r| <= ln(2) / 2``): 13 terms in float64, 7 in float32, each within 3
  units in the last place of ``numpy.tanh`` (the tests check it over the whole range).
* **float32 or float64 throughout.** The arithmetic is done in the dtype of the arrays
  the caller passes: float64 for float64 audio (the reference's numbers, to rounding),
  float32 for float32 audio (twice the numbers per vector register; the tests bound the
  difference from the float64 result far below anything audible). Every scalar the
  loops use comes from an array of that dtype, so nothing is promoted to float64 behind
  the caller's back.

Conventions (see ``saturation._kernel_plan``): every level's buffer holds its samples
after ``pad`` zeros and is followed by at least ``pad`` zeros; ``plan[s]`` describes
stage ``s + 1`` (the first is nearest the original rate) as four filters ``(offset in
the tap pool, number of taps, first input index)``: up even, up odd, down from the odd
samples, down from the even samples. Nothing is allocated here (``work`` is the
caller's), which keeps the compilation short: each dtype compiles once, on first use.
"""

import math

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]
from numba import njit, types
from numba.extending import intrinsic, overload

#: Curve codes (see ``saturation._CURVE_CODES``).
SOFT_CLIP = 0
TANH = 1  # (tanh(g u + b) - tanh(b)) * norm: tape (b = 0) and tube
TANH_ADDED = 2  # the exciter: what that curve adds, divided by the drive

#: Outputs per filter chunk (a chunk and its inputs stay in the first-level cache).
CHUNK = 256

#: Where ``consts`` keeps the curve's numbers (an array of the audio's dtype).
BIAS, TANH_BIAS, NORM, CLIP, CUBIC, ONE, ZERO = range(7)
N_CONSTS = 7

_LN2 = math.log(2.0)
_INV_LN2 = 1.0 / _LN2
# float64: ln 2 split in two, so k * ln 2 is exact enough; 1.5 * 2**52: adding it rounds
# a float to the nearest whole number, which then sits in the low bits of the sum.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_SHIFTER = 6755399441055744.0
_TANH_ONE = 19.5  # tanh(a) rounds to exactly 1.0 in float64 from a = 19.06 on
# float32: the same with 24-bit numbers (ln 2's high part has 16 significant bits).
_LN2_HI32 = np.float32(round(_LN2 * 2**16) / 2**16)
_LN2_LO32 = np.float32(_LN2 - round(_LN2 * 2**16) / 2**16)
_INV_LN2_32 = np.float32(_INV_LN2)
_SHIFTER32 = np.float32(12582912.0)  # 1.5 * 2**23
_TANH_ONE32 = np.float32(9.5)  # tanh(a) rounds to 1.0 in float32 from a = 9.01 on


@intrinsic
def _pow2(typingctx, shifted, shifter):
    """``2.0 ** k``, where ``shifted = k + shifter`` holds the whole number ``k``.

    ``k`` sits in the low bits of ``shifted``; it is moved into the exponent field, in
    the float's own width (32 or 64 bits).
    """
    if not isinstance(shifted, types.Float) or shifted != shifter:
        return None
    width = shifted.bitwidth
    mantissa, bias = (23, 127) if width == 32 else (52, 1023)

    def codegen(context, builder, signature, args):
        whole = ir.IntType(width)
        k = builder.sub(builder.bitcast(args[0], whole), builder.bitcast(args[1], whole))
        exponent = builder.add(k, ir.Constant(whole, bias))
        return builder.bitcast(builder.shl(exponent, ir.Constant(whole, mantissa)), args[0].type)

    return shifted(shifted, shifter), codegen


def _tanh64(v):
    a = min(abs(v), _TANH_ONE)
    y = -2.0 * a
    shifted = y * _INV_LN2 + _SHIFTER  # the nearest whole number k sits in the low bits
    k = shifted - _SHIFTER  # -57..0
    r = (y - k * _LN2_HI) - k * _LN2_LO  # |r| <= ln(2) / 2
    p = 1.0 / 6227020800.0  # expm1(r) = r + r**2/2! + ... + r**13/13!
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    e_r = r + r * r * p
    s = _pow2(shifted, _SHIFTER)  # 2.0 ** k, exactly
    e = s * e_r + (s - 1.0)  # expm1(y) = 2**k * (1 + expm1(r)) - 1
    return math.copysign(-e / (2.0 + e), v)


def _tanh32(v):
    a = min(abs(v), _TANH_ONE32)
    y = np.float32(-2.0) * a
    shifted = y * _INV_LN2_32 + _SHIFTER32
    k = shifted - _SHIFTER32  # -28..0
    r = (y - k * _LN2_HI32) - k * _LN2_LO32
    p = np.float32(1.0 / 5040.0)  # expm1(r) = r + r**2/2! + ... + r**7/7!
    p = p * r + np.float32(1.0 / 720.0)
    p = p * r + np.float32(1.0 / 120.0)
    p = p * r + np.float32(1.0 / 24.0)
    p = p * r + np.float32(1.0 / 6.0)
    p = p * r + np.float32(0.5)
    e_r = r + r * r * p
    s = _pow2(shifted, _SHIFTER32)
    e = s * e_r + (s - np.float32(1.0))
    return math.copysign(-e / (np.float32(2.0) + e), v)


def tanh(v):  # noqa: D103 - the compiled loops' tanh (see the module text)
    return math.tanh(v)


@overload(tanh, jit_options={"fastmath": {"contract"}, "error_model": "numpy"})
def _tanh_for(v):
    if isinstance(v, types.Float):
        return _tanh32 if v.bitwidth == 32 else _tanh64
    return None


@njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
def tanh_array(x, out):  # noqa: D103 - tanh of every element, in x's dtype (for the tests)
    for i in range(x.shape[0]):
        out[i] = tanh(x[i])


@njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
def _fir(src, taps, out):
    # out[i] = sum_j taps[j] * src[i + j] for i < len(out), four taps per pass over out.
    m = out.shape[0]
    nt = taps.shape[0]
    t0 = taps[0]
    x0 = src[:m]
    for i in range(m):
        out[i] = t0 * x0[i]
    j = 1
    while j + 3 < nt:
        t0 = taps[j]
        t1 = taps[j + 1]
        t2 = taps[j + 2]
        t3 = taps[j + 3]
        x0 = src[j : j + m]
        x1 = src[j + 1 : j + 1 + m]
        x2 = src[j + 2 : j + 2 + m]
        x3 = src[j + 3 : j + 3 + m]
        for i in range(m):
            out[i] += t0 * x0[i] + t1 * x1[i] + t2 * x2[i] + t3 * x3[i]
        j += 4
    while j < nt:
        t0 = taps[j]
        x0 = src[j : j + m]
        for i in range(m):
            out[i] += t0 * x0[i]
        j += 1


@njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
def _curve(seg, mode, g, consts):
    # seg[:] = curve(g * seg) in place, for one drive value g (same dtype as seg).
    if mode == SOFT_CLIP:
        lim = consts[CLIP]
        cubic = consts[CUBIC]
        for r in range(seg.shape[0]):
            c = min(max(g * seg[r], -lim), lim)
            seg[r] = c - cubic * (c * c * c)
        return
    bias = consts[BIAS]
    tanh_bias = consts[TANH_BIAS]
    # the exciter keeps what the curve adds, divided by the drive: ... / g - u
    scale = consts[NORM] / g if mode == TANH_ADDED else consts[NORM]
    sub = consts[ONE] if mode == TANH_ADDED else consts[ZERO]
    for r in range(seg.shape[0]):
        u = seg[r]
        seg[r] = (tanh(g * u + bias) - tanh_bias) * scale - sub * u


@njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
def oversampled_curve(  # noqa: D103 - see the module text and saturation._oversampled
    x, pool, plan, pad, margin, block, mode, drive, consts, work, out
):
    # Blocks of ``block`` frames with ``margin`` frames of context on each side, more
    # than the filters reach, so every kept output equals the whole-signal result. The
    # levels (1x, 2x, ...) lie one after another in ``work``, ``size`` apart, followed
    # by four chunk-sized scratch arrays (see saturation._workspace). The top level is
    # kept as two planes, its even samples then its odd ones: the last stage up writes
    # its two phases there directly, the curve does not care about order, and the
    # first stage down reads them as they are (no interleaving and splitting again).
    n = x.shape[0]
    n_stages = plan.shape[0]
    factor = 1 << n_stages
    size = (block + 2 * margin) * factor + 2 * pad
    half = size // 2
    scratch = (n_stages + 1) * size
    reach = (work.shape[0] - scratch - 2 * CHUNK) // 2  # longest gather a down phase needs
    acc = work[scratch : scratch + CHUNK]
    part = work[scratch + CHUNK : scratch + 2 * CHUNK]
    odd = work[scratch + 2 * CHUNK : scratch + 2 * CHUNK + reach]
    even = work[scratch + 2 * CHUNK + reach : scratch + 2 * CHUNK + 2 * reach]
    top = work[n_stages * size : (n_stages + 1) * size]
    planes = top[:half], top[half : 2 * half]
    p0 = pad // 2  # where each plane's samples begin
    for start in range(0, n, block):
        lo = max(0, start - margin)
        length = min(n, start + block + margin) - lo
        base = work[: length + 2 * pad]
        for k in range(pad):
            base[k] = 0.0
            base[pad + length + k] = 0.0
        for k in range(length):
            base[pad + k] = x[lo + k]
        for s in range(n_stages):  # up: level s -> s + 1, even and odd samples
            src = work[s * size : (s + 1) * size]
            dst = work[(s + 1) * size : (s + 2) * size]
            last = s == n_stages - 1
            m = length << s
            off0, nt0, first0 = plan[s, 0, 0], plan[s, 0, 1], plan[s, 0, 2]
            off1, nt1, first1 = plan[s, 1, 0], plan[s, 1, 1], plan[s, 1, 2]
            taps0 = pool[off0 : off0 + nt0]
            taps1 = pool[off1 : off1 + nt1]
            for i0 in range(0, m, CHUNK):
                c = min(CHUNK, m - i0)
                if last:  # straight into the planes
                    a = planes[0][p0 + i0 : p0 + i0 + c]
                    b = planes[1][p0 + i0 : p0 + i0 + c]
                else:
                    a = acc[:c]
                    b = part[:c]
                _fir(src[first0 + i0 : first0 + i0 + c + nt0 - 1], taps0, a)
                _fir(src[first1 + i0 : first1 + i0 + c + nt1 - 1], taps1, b)
                if not last:
                    pairs = dst[pad + 2 * i0 : pad + 2 * (i0 + c)]
                    for i in range(c):
                        pairs[2 * i] = a[i]
                        pairs[2 * i + 1] = b[i]
            if last:
                for plane in planes:
                    for k in range(p0):
                        plane[k] = 0.0
                        plane[p0 + m + k] = 0.0
            else:
                for k in range(pad):
                    dst[k] = 0.0
                    dst[pad + 2 * m + k] = 0.0
        if n_stages == 0:  # no oversampling: the curve at the original rate
            if drive.shape[0] == 1:
                _curve(base[pad : pad + length], mode, drive[0], consts)
            else:
                for f in range(length):
                    _curve(base[pad + f : pad + f + 1], mode, drive[lo + f], consts)
        elif drive.shape[0] == 1:
            for plane in planes:
                _curve(plane[p0 : p0 + (length * factor) // 2], mode, drive[0], consts)
        else:  # the drive holds for each frame's ``factor`` points, half in each plane
            h = factor // 2
            for plane in planes:
                for f in range(length):
                    _curve(plane[p0 + f * h : p0 + (f + 1) * h], mode, drive[lo + f], consts)
        for s in range(n_stages - 1, -1, -1):  # down: level s + 1 -> s
            src = work[(s + 1) * size : (s + 2) * size]
            dst = work[s * size : (s + 1) * size]
            first_down = s == n_stages - 1
            m = length << s
            off0, nt0, first0 = plan[s, 2, 0], plan[s, 2, 1], plan[s, 2, 2]
            off1, nt1, first1 = plan[s, 3, 0], plan[s, 3, 1], plan[s, 3, 2]
            taps0 = pool[off0 : off0 + nt0]
            taps1 = pool[off1 : off1 + nt1]
            for i0 in range(0, m, CHUNK):
                c = min(CHUNK, m - i0)
                if first_down:  # the planes are the odd and even samples already
                    o = planes[1][first0 + i0 : first0 + i0 + c + nt0 - 1]
                    e = planes[0][first1 + i0 : first1 + i0 + c + nt1 - 1]
                else:
                    g0 = 2 * (first0 + i0)  # odd[k] = src[2 (first0 + i0 + k) + 1]
                    pairs = src[g0 : g0 + 2 * (c + nt0 - 1)]
                    o = odd[: c + nt0 - 1]
                    for k in range(c + nt0 - 1):
                        o[k] = pairs[2 * k + 1]
                    g1 = 2 * (first1 + i0)  # even[k] = src[2 (first1 + i0 + k)]
                    pairs = src[g1 : g1 + 2 * (c + nt1 - 1)]
                    e = even[: c + nt1 - 1]
                    for k in range(c + nt1 - 1):
                        e[k] = pairs[2 * k]
                a = acc[:c]
                b = part[:c]
                _fir(o, taps0, a)
                _fir(e, taps1, b)
                y = dst[pad + i0 : pad + i0 + c]
                for i in range(c):
                    y[i] = a[i] + b[i]
            for k in range(pad):
                dst[k] = 0.0
                dst[pad + m + k] = 0.0
        keep = min(block, n - start)
        kept = work[pad + start - lo : pad + start - lo + keep]
        for k in range(keep):
            out[start + k] = kept[k]
