"""Compiled loop for the oversampled waveshaper: up 2x per stage, curve, down 2x per stage.

The readable version is in :mod:`studio.dsp.saturation` (``upsample``, ``shape``,
``downsample`` on the whole signal); the tests hold this kernel equal to it. The kernel
does the same arithmetic, minus the multiplications by exact zeros, block by block in a
small workspace that stays in the processor's cache:

* **Polyphase stages.** Each 2x stage is a linear-phase FIR. Going up, the even and odd
  output samples are two short filters ("phases") over the input; going down, the
  output is one filter over the even input samples plus one over the odd ones (the
  input split in two first, so both read contiguous memory). A half-band stage (cutoff
  at a quarter of its rate) has every other tap exactly zero, so one of its phases is a
  single tap: a scaled copy. The plan (which taps, where each phase starts) is built in
  ``saturation._kernel_plan``.
* **Four outputs at a time.** Each filter computes four neighbouring outputs together,
  every tap loaded once for the four, and the sum over taps runs in vector registers.
* **The curves** (soft clip, tanh, biased tanh and the exciter's "what the curve adds")
  are computed in the same pass. ``tanh`` is evaluated here (not by the C library, whose
  call cannot be vectorised) from ``expm1``: ``tanh(a) = -e / (2 + e)`` with
  ``e = expm1(-2a)``; ``expm1(y) = 2**k (1 + expm1(r)) - 1`` with ``k`` the whole number
  nearest ``y / ln 2``, ``2**k`` built from its bits and ``expm1(r)`` a Taylor polynomial
  (``|r| <= ln(2) / 2``). It agrees with ``numpy.tanh`` within 3 units in the last place
  (the tests check it over the whole range), about 7 times faster.

Conventions (see ``saturation._kernel_plan``): every level's buffer holds its samples
after ``pad`` zeros and is followed by at least ``pad`` zeros; ``plan[s]`` describes
stage ``s + 1`` (the first is nearest the original rate) as four filters ``(offset in
the tap pool, number of taps, first input index)``: up even, up odd, down from the odd
samples, down from the even samples. One signature (float64, contiguous): the caller
converts, so the kernel is compiled once.
"""

import math

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]
from numba import njit, types
from numba.extending import intrinsic

#: Curve codes (the order of ``saturation.CHARACTERS``, then the exciter's).
SOFT_CLIP = 0
TAPE = 1
TUBE = 2
EXCITE = 3

_LN2_HI = 6.93147180369123816490e-01  # ln 2 split in two, so k * ln 2 is exact enough
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
#: 1.5 * 2**52: adding it rounds a float to the nearest whole number, which then sits in
#: the low bits of the sum.
_SHIFTER = 6755399441055744.0
#: tanh(a) rounds to exactly 1.0 in float64 from a = 19.06 on.
_TANH_ONE = 19.5


@intrinsic
def _bits(typingctx, x):  # the 64 bits of a float64, as an int64 (no conversion)
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, x):  # the float64 whose 64 bits are this int64
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(inline="always", fastmath={"contract"}, error_model="numpy")
def tanh(v):  # noqa: D103 - tanh(v) to 3 ulp, vectorisable (see the module text)
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
    s = _from_bits((_bits(shifted) - _bits(_SHIFTER) + 1023) << 52)  # 2.0 ** k, exactly
    e = s * e_r + (s - 1.0)  # expm1(y) = 2**k * (1 + expm1(r)) - 1
    return math.copysign(-e / (2.0 + e), v)


@njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
def tanh_array(x, out):  # noqa: D103 - tanh of every element (for the tests)
    for i in range(x.shape[0]):
        out[i] = tanh(x[i])


@njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
def _shape(buf, start, n, mode, g, tanh_bias, bias):
    # buf[start:start + n] = curve(g * buf[...]) for one drive value g.
    seg = buf[start : start + n]
    norm = 1.0 / (1.0 - tanh_bias * tanh_bias)
    if mode == 0:
        third = 4.0 / 27.0
        for r in range(n):
            c = min(max(g * seg[r], -1.5), 1.5)
            seg[r] = c - third * (c * c * c)
    elif mode == 1:
        for r in range(n):
            seg[r] = tanh(g * seg[r])
    elif mode == 2:
        for r in range(n):
            seg[r] = (tanh(g * seg[r] + bias) - tanh_bias) * norm
    else:
        inv = 1.0 / g
        for r in range(n):
            u = seg[r]
            seg[r] = (tanh(g * u + bias) - tanh_bias) * norm * inv - u


@njit(cache=True, nogil=True, fastmath=True)
def _fir_chunk(src, s0, taps, a):
    # a[i] = sum_m taps[m] * src[s0 + i + m] for i < len(a): four taps per pass over the
    # chunk (which stays in the first-level cache; the loops run in vector registers).
    m = a.shape[0]
    nt = taps.shape[0]
    for i in range(m):
        a[i] = 0.0
    j = 0
    while j + 3 < nt:
        t0 = taps[j]
        t1 = taps[j + 1]
        t2 = taps[j + 2]
        t3 = taps[j + 3]
        x0 = src[s0 + j : s0 + j + m]
        x1 = src[s0 + j + 1 : s0 + j + 1 + m]
        x2 = src[s0 + j + 2 : s0 + j + 2 + m]
        x3 = src[s0 + j + 3 : s0 + j + 3 + m]
        for i in range(m):
            a[i] += t0 * x0[i] + t1 * x1[i] + t2 * x2[i] + t3 * x3[i]
        j += 4
    while j < nt:
        t0 = taps[j]
        x0 = src[s0 + j : s0 + j + m]
        for i in range(m):
            a[i] += t0 * x0[i]
        j += 1


_CHUNK = 256


@njit(cache=True, nogil=True, fastmath=True)
def _up2(src, first_even, taps_even, first_odd, taps_odd, dst, d0, n):
    # dst[d0 + 2i] and dst[d0 + 2i + 1] for i < n: the two phases, chunk by chunk.
    even = np.empty(_CHUNK)
    odd = np.empty(_CHUNK)
    for i0 in range(0, n, _CHUNK):
        m = min(_CHUNK, n - i0)
        a = even[:m]
        b = odd[:m]
        _fir_chunk(src, first_even + i0, taps_even, a)
        _fir_chunk(src, first_odd + i0, taps_odd, b)
        out = dst[d0 + 2 * i0 : d0 + 2 * (i0 + m)]
        for i in range(m):
            out[2 * i] = a[i]
            out[2 * i + 1] = b[i]


@njit(cache=True, nogil=True, fastmath=True)
def _down2(src, first_odd, taps_odd, first_even, taps_even, dst, d0, n):
    # dst[d0 + i] for i < n: one filter over the odd samples of ``src`` (odd[k] =
    # src[2k + 1]) plus one over the even samples, chunk by chunk: each chunk's odd and
    # even samples are first gathered into contiguous scratch arrays.
    n_odd = taps_odd.shape[0]
    n_even = taps_even.shape[0]
    odd = np.empty(_CHUNK + n_odd)
    even = np.empty(_CHUNK + n_even)
    acc = np.empty(_CHUNK)
    part = np.empty(_CHUNK)
    for i0 in range(0, n, _CHUNK):
        m = min(_CHUNK, n - i0)
        k0 = first_odd + i0
        pairs = src[2 * k0 : 2 * (k0 + m + n_odd - 1)]
        o = odd[: m + n_odd - 1]
        for k in range(m + n_odd - 1):
            o[k] = pairs[2 * k + 1]
        k0 = first_even + i0
        pairs = src[2 * k0 : 2 * (k0 + m + n_even - 1)]
        e = even[: m + n_even - 1]
        for k in range(m + n_even - 1):
            e[k] = pairs[2 * k]
        a = acc[:m]
        p = part[:m]
        _fir_chunk(o, 0, taps_odd, a)
        _fir_chunk(e, 0, taps_even, p)
        out = dst[d0 + i0 : d0 + i0 + m]
        for i in range(m):
            out[i] = a[i] + p[i]


@njit(
    "void(float64[::1], float64[::1], int64[:, :, ::1], int64, int64, int64, int64, "
    "float64[::1], int64, float64, float64, float64[::1])",
    cache=True,
    nogil=True,
)
def oversampled_curve(  # noqa: D103 - see the module text and saturation._oversampled
    x, pool, plan, pad, margin, block, mode, drive, dstep, tanh_bias, bias, out
):
    # Blocks of ``block`` frames with ``margin`` frames of context on each side, more
    # than the filters reach, so every kept output equals the whole-signal result. The
    # levels (1x, 2x, ...) lie one after another in ``levels``, ``size`` apart.
    n = x.shape[0]
    n_stages = plan.shape[0]
    factor = 1 << n_stages
    size = (block + 2 * margin) * factor + 2 * pad
    levels = np.zeros((n_stages + 1) * size)
    for start in range(0, n, block):
        lo = max(0, start - margin)
        hi = min(n, start + block + margin)
        length = hi - lo
        base = levels[: length + 2 * pad]
        for k in range(pad):
            base[k] = 0.0
            base[pad + length + k] = 0.0
        for k in range(length):
            base[pad + k] = x[lo + k]
        for s in range(n_stages):  # up: level s -> s + 1, even and odd samples
            src = levels[s * size : (s + 1) * size]
            dst = levels[(s + 1) * size : (s + 2) * size]
            m = length << s
            off0, nt0, first0 = plan[s, 0, 0], plan[s, 0, 1], plan[s, 0, 2]
            off1, nt1, first1 = plan[s, 1, 0], plan[s, 1, 1], plan[s, 1, 2]
            _up2(src, first0, pool[off0 : off0 + nt0], first1, pool[off1 : off1 + nt1], dst, pad, m)
            for k in range(pad):
                dst[k] = 0.0
                dst[pad + 2 * m + k] = 0.0
        top = levels[n_stages * size : (n_stages + 1) * size]
        if dstep == 0:
            _shape(top, pad, length * factor, mode, drive[0], tanh_bias, bias)
        else:  # the drive holds for each frame's ``factor`` points
            for f in range(length):
                g = drive[lo + f]
                _shape(top, pad + f * factor, factor, mode, g, tanh_bias, bias)
        for s in range(n_stages - 1, -1, -1):  # down: level s + 1 -> s
            src = levels[(s + 1) * size : (s + 2) * size]
            dst = levels[s * size : (s + 1) * size]
            m = length << s
            off0, nt0, first0 = plan[s, 2, 0], plan[s, 2, 1], plan[s, 2, 2]
            off1, nt1, first1 = plan[s, 3, 0], plan[s, 3, 1], plan[s, 3, 2]
            _down2(
                src, first0, pool[off0 : off0 + nt0], first1, pool[off1 : off1 + nt1], dst, pad, m
            )
            for k in range(pad):
                dst[k] = 0.0
                dst[pad + m + k] = 0.0
        keep = min(block, n - start)
        for k in range(keep):
            out[start + k] = levels[pad + start - lo + k]
