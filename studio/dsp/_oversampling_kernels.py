"""Compiled loops for the oversampled waveshaper: one FIR step and one curve.

The readable version is in :mod:`studio.dsp.saturation` (``upsample``, ``shape``,
``downsample`` on the whole signal); the tests hold the compiled path equal to it.
``saturation._oversampled`` drives two small kernels block by block (each block goes
up 2x per stage, through the curve, and down 2x per stage), doing the same arithmetic
minus the multiplications by exact zeros:

* **fir: one polyphase filter.** Each 2x stage is a linear-phase FIR. Going up, the
  even and odd output samples are two short filters ("phases") over the input, written
  every other sample (interleaved); going down, the output is one filter over the odd
  input samples plus one over the even ones (read every other sample). A half-band
  stage (cutoff at a quarter of its rate) has every other tap exactly zero, so one of
  its phases is a single tap: a scaled copy. The plan (which taps, where each phase
  starts) is built in ``saturation._kernel_plan``.
* **Short chunks, four taps at a time.** ``fir`` fills a chunk of 256 outputs that
  stays in the processor's first-level cache (its inputs gathered first when they are
  every other sample), adding four taps per pass; the sum over the chunk runs in
  vector registers.
* **curve: the curves** (soft clip; the biased tanh of tape and tube; the exciter's
  "what that curve adds") over a stretch of the top rate, with one drive or one per
  frame. ``tanh`` is evaluated here (the C library's cannot be vectorised) from
  ``expm1``: ``tanh(a) = -e / (2 + e)`` with ``e = expm1(-2a)``; ``expm1(y) = 2**k (1 +
  expm1(r)) - 1`` with ``k`` the whole number nearest ``y / ln 2``, ``2**k`` built from
  its bits and ``expm1(r)`` a Taylor polynomial (``|r| <= ln(2) / 2``): 13 terms in
  float64, 7 in float32, each within 3 units in the last place of ``numpy.tanh`` (the
  tests check it over the whole range).
* **float32 or float64 throughout.** The arithmetic is done in the dtype of the arrays
  the caller passes: float64 for float64 audio (the reference's numbers, to rounding),
  float32 for float32 audio (twice the numbers per vector register; the tests bound the
  difference from the float64 result far below anything audible). Every scalar the
  loops use comes from an array of that dtype, so nothing is promoted to float64 behind
  the caller's back.

Why two small kernels and not one fused loop: numba's compile time grows with the code
of a function, and LLVM inlines every call site, so one loop doing everything compiled
its filter four times and its tanh three times (4 s on a first launch). Nothing is
allocated here either (the caller's arrays are the working memory). Each dtype
compiles once, on first use (about 1 s for both kernels).
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
    # expm1(r) = r + r**2/2! + ... + r**7/7!, the sum in three independent pairs (a
    # shorter chain of dependent operations than one term after the other)
    r2 = r * r
    p01 = np.float32(1.0 / 6.0) * r + np.float32(0.5)
    p23 = np.float32(1.0 / 120.0) * r + np.float32(1.0 / 24.0)
    p45 = np.float32(1.0 / 5040.0) * r + np.float32(1.0 / 720.0)
    p = (p45 * r2 + p23) * r2 + p01
    e_r = r + r2 * p
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
def fir(src, x0, x_step, taps, out, o0, o_step, n, accumulate, scratch):  # noqa: D103
    # out[o0 + i o_step] = (or +=) sum_j taps[j] src[x0 + (i + j) x_step], for i < n.
    # Chunk by chunk: the chunk's inputs (gathered first when x_step > 1) and its sums
    # stay in the first-level cache; the first tap, then four taps per pass (the plan
    # pads every filter to 1 + 4k taps with zeros).
    nt = taps.shape[0]
    acc = scratch[:CHUNK]
    gathered = scratch[CHUNK:]
    for i0 in range(0, n, CHUNK):
        m = min(CHUNK, n - i0)
        span = m + nt - 1
        if x_step == 1:
            x = src[x0 + i0 : x0 + i0 + span]
        else:
            x = gathered[:span]
            for k in range(span):
                x[k] = src[x0 + (i0 + k) * x_step]
        a = acc[:m]
        t0 = taps[0]
        for i in range(m):
            a[i] = t0 * x[i]
        for j in range(1, nt, 4):
            t0 = taps[j]
            t1 = taps[j + 1]
            t2 = taps[j + 2]
            t3 = taps[j + 3]
            v0 = x[j : j + m]
            v1 = x[j + 1 : j + 1 + m]
            v2 = x[j + 2 : j + 2 + m]
            v3 = x[j + 3 : j + 3 + m]
            for i in range(m):
                a[i] += t0 * v0[i] + t1 * v1[i] + t2 * v2[i] + t3 * v3[i]
        if o_step == 1:
            y = out[o0 + i0 : o0 + i0 + m]
            if accumulate:
                for i in range(m):
                    y[i] += a[i]
            else:
                for i in range(m):
                    y[i] = a[i]
        else:
            for i in range(m):
                j = o0 + (i0 + i) * o_step
                out[j] = out[j] + a[i] if accumulate else a[i]


@njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
def curve(buf, start, count, mode, drive, frame0, width, consts):  # noqa: D103
    # buf[start:start + count] = curve(g * buf[...]) in place: g = drive[0] for all, or
    # drive[frame0 + f] for the f-th run of ``width`` points (one frame's points).
    pieces = 1 if drive.shape[0] == 1 else count // width
    run = count // max(pieces, 1)
    lim = consts[CLIP]
    cubic = consts[CUBIC]
    bias = consts[BIAS]
    tanh_bias = consts[TANH_BIAS]
    for f in range(pieces):
        g = drive[0] if drive.shape[0] == 1 else drive[frame0 + f]
        seg = buf[start + f * run : start + (f + 1) * run]
        if mode == SOFT_CLIP:
            for r in range(run):
                c = min(max(g * seg[r], -lim), lim)
                seg[r] = c - cubic * (c * c * c)
        else:
            # the exciter keeps what the curve adds, divided by the drive: ... / g - u
            scale = consts[NORM] / g if mode == TANH_ADDED else consts[NORM]
            sub = consts[ONE] if mode == TANH_ADDED else consts[ZERO]
            # two halves side by side: two independent chains per step keep the
            # processor busy (one tanh is a long chain of dependent operations)
            h = run // 2
            first = seg[:h]
            second = seg[h : 2 * h]
            for r in range(h):
                u = first[r]
                v = second[r]
                first[r] = (tanh(g * u + bias) - tanh_bias) * scale - sub * u
                second[r] = (tanh(g * v + bias) - tanh_bias) * scale - sub * v
            if run % 2:
                u = seg[run - 1]
                seg[run - 1] = (tanh(g * u + bias) - tanh_bias) * scale - sub * u
