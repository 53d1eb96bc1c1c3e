"""Compiled loops for the recursions that cannot be vectorised exactly.

Each kernel has a readable pure-Python twin in the module that uses it (``dynamics.py``,
``limiter.py``); the tests hold them equal (the compressor's fast path to 1e-12 dB:
see its section). ``cache=True`` stores the machine code next
to this file, so only the very first call on a machine pays the compilation. This module
is imported lazily (inside functions), so ``import studio`` never loads numba.

Conventions: every kernel writes into a preallocated ``out`` array (allocating fresh
outputs costs about twice a preallocated write), never allocates, and keeps float64
state where a recursion accumulates (the smoothers), float32 where a sum of a few
dozen products is all (the oversampling detector).
"""

import numpy as np
from numba import njit

from studio.dsp._filter_kernels import _coefs, _tdf2

#: Half the taps per phase of the limiter's oversampling detector (24 taps per phase),
#: as 2 blocks of 6. Compile-time constants, so LLVM unrolls the small inner loops and
#: vectorises the loop over samples (one loop of 12 is not unrolled, and runs 5x slower).
DETECTOR_BLOCKS = 2
DETECTOR_BLOCK_TAPS = 6
#: The compressor detector's level for digital silence (dynamics.DETECTOR_FLOOR_DB).
DETECTOR_FLOOR_DB = -200.0
#: ln(10) / 20: multiply a level in dB by this and exponentiate to get the amplitude.
LN10_OVER_20 = 0.11512925464970229
#: 20 / ln(10): multiply the natural logarithm of an amplitude by this to get dB.
DB_PER_NEPER = 8.685889638065035
#: Frames per block of the limiter's hold (a power of two: the division is a shift).
HOLD_BLOCK = 8
HOLD_SHIFT = 3  # log2(HOLD_BLOCK)


# --- attack/release smoothers (dB domain) -------------------------------------------------


@njit(cache=True, nogil=True)
def smooth_branching(target, attack, release, state, out):  # noqa: D103 - see dynamics.py
    for n in range(target.shape[0]):
        x = target[n]
        coef = attack if x < state else release
        state = coef * state + (1.0 - coef) * x
        out[n] = state
    return state


@njit(cache=True, nogil=True)
def smooth_branching_varying(target, attack, release, state, out):  # noqa: D103
    for n in range(target.shape[0]):
        x = target[n]
        coef = attack[n] if x < state else release[n]
        state = coef * state + (1.0 - coef) * x
        out[n] = state
    return state


# --- compressor: gain computer + smoother in one pass --------------------------------------
#
# Every kernel of the compressor's fast path (and of the EQ run in its pass, below) is
# compiled with the same options: numba compiles a kernel that another one calls with
# the caller's options and keeps that one copy, so kernels that call each other must
# agree, or the numbers would depend on which ran first. The options: numpy's error
# model (a division by zero gives inf, not an exception; no checks in the loops) and
# fused multiply-adds ("contract": one rounding instead of two, and a shorter path
# from one smoother state to the next). The smoother then differs from its pure-Python
# twin (two roundings) by about 1e-13 dB, and the tests hold it to that.


@njit(cache=True, nogil=True)
def compressor_gain(level, threshold, slope, knee, attack, release, state, out):  # noqa: D103
    # Same operations, in the same order, as dynamics.compressor_gain_db_reference,
    # written without branches in the gain computer (its branches mispredict on
    # music). Starts from ``state`` and returns the last state, so a long signal can be
    # processed chunk by chunk with the same result.
    half = 0.5 * knee
    soft_on = knee > 0.0
    for n in range(level.shape[0]):
        over = level[n] - threshold
        u = over + half
        soft = slope * (u * u) / (2.0 * knee) if soft_on else 0.0
        hard = slope * over if over > 0.0 else 0.0
        target = soft if (soft_on and -half <= over and over <= half) else hard
        coef = attack if target < state else release
        state = coef * state + (1.0 - coef) * target
        out[n] = state
    return state


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def gain_curve(level, threshold, slope, knee, target):  # noqa: D103 - the static curve
    # compressor_gain's gain computer, written without branches so it runs several
    # frames at once: target (dB, <= 0) for each level (dB). (error_model="numpy": with
    # no knee the soft branch divides by zero, and its inf is never selected.)
    half = 0.5 * knee
    soft_on = knee > 0.0
    for i in range(level.shape[0]):
        over = level[i] - threshold
        u = over + half
        soft = slope * (u * u) / (2.0 * knee)
        hard = slope * over if over > 0.0 else 0.0
        knee_zone = soft_on & (-half <= over) & (over <= half)
        target[i] = soft if knee_zone else hard


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def smooth_step(goal, state, attack, release, keep_a, keep_r):  # noqa: D103
    # One step of compressor_gain's smoother. Both branches' next states are formed,
    # then one is picked: the comparison is then off the path from one state to the
    # next (the same numbers as choosing the coefficient first).
    falling = attack * state + keep_a * goal
    rising = release * state + keep_r * goal
    return falling if goal < state else rising


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def gain_exponents(trace, offset, exponent):  # noqa: D103
    # The exponent of the gain for the exponential: trace * ln(10)/20 + offset.
    for i in range(trace.shape[0]):
        exponent[i] = trace[i] * LN10_OVER_20 + offset


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def compressor_chunk(  # noqa: D103 - the compressor's fast path, one chunk
    level, threshold, slope, knee, attack, release, state, offset, target, trace, exponent
):
    # level: the detector's level in dB (float64, floored), as detector_level_db gives
    # it; then compressor_gain's steps (with fused multiply-adds, see above): the static
    # curve, then the smoother (the only recursion) from ``state``; returns the last
    # state. Writes the trace and the exponent of the gain.
    gain_curve(level, threshold, slope, knee, target)
    keep_a, keep_r = 1.0 - attack, 1.0 - release
    for i in range(level.shape[0]):
        state = smooth_step(target[i], state, attack, release, keep_a, keep_r)
        trace[i] = state
    gain_exponents(trace, offset, exponent)
    return state


# --- float32 logarithm and exponential, several samples at a time ----------------------------
#
# numpy's float32 log and exp take about 2 ns a sample on this kind of processor (they
# are not vectorised for AVX2); these loops are, and they split the float's bits into
# exponent and mantissa themselves, so a polynomial only has to cover one octave.
# (No division check, which would stop the vectorisation; fused multiply-adds, about
# a quarter faster.)

LN2 = 0.6931471805599453
LOG2E = 1.4426950408889634
SQRT2 = 1.4142135623730951


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def peak_levels_db(x, start, stop, peak, exps, mants, level):  # noqa: D103
    # The peak detector on frames start:stop of float32 ``x``: the largest |sample| over
    # the channels, in dB (float64), floored at DETECTOR_FLOOR_DB. log(p) = e ln 2 +
    # log(m) with p = m 2^e read from the float's bits, m moved into [1/sqrt 2, sqrt 2]
    # and log(m) = 2 atanh(t), t = (m - 1)/(m + 1), |t| < 0.172, by its series to t^11
    # (truncation below 1e-9): the level is within 1e-9 dB of the exact logarithm of
    # the float32 peak, closer than numpy's float32 log. Zero and subnormal peaks (below
    # -758 dBFS) land on the floor. ``peak``, ``exps`` and ``mants`` are scratch of at
    # least stop - start values (float32, int32, int32).
    n = stop - start
    first = x[0, start:stop]
    for i in range(n):
        peak[i] = abs(first[i])
    for c in range(1, x.shape[0]):
        row = x[c, start:stop]
        for i in range(n):
            v = abs(row[i])
            peak[i] = v if v > peak[i] else peak[i]
    bits = peak.view(np.int32)
    for i in range(n):
        b = bits[i]
        exps[i] = (b >> 23) - 127
        mants[i] = (b & 0x7FFFFF) | 0x3F800000
    mant = mants.view(np.float32)
    floor = DETECTOR_FLOOR_DB
    for i in range(n):
        m = np.float64(mant[i])
        e = np.float64(exps[i])
        big = m > SQRT2
        m = m * 0.5 if big else m
        e = e + 1.0 if big else e
        t = (m - 1.0) / (m + 1.0)
        t2 = t * t
        s = 1.0 / 9.0 + t2 * (1.0 / 11.0)
        s = 1.0 + t2 * (1.0 / 3.0 + t2 * (0.2 + t2 * (1.0 / 7.0 + t2 * s)))
        db = (e * LN2 + 2.0 * t * s) * DB_PER_NEPER
        level[i] = db if db > floor else floor


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def apply_exp_gain(x, start, stop, exponent, mix, scale_bits, frac, out):  # noqa: D103
    # out[:, start:stop] = x[:, start:stop] * (1 + mix (exp(exponent) - 1)), float32.
    # exp(y) = 2^k 2^f with k = round(y log2 e), |f| <= 1/2, 2^f = exp(f ln 2) by its
    # series to the 7th power (truncation 5e-9) and 2^k written straight into a
    # float's exponent bits; the gain is within one float32 rounding of the exact one.
    # k is held to [-126, 126]: gains under -758 dB are 2^-126, none over +758 dB.
    # ``scale_bits`` (int32) and ``frac`` (float32) are scratch of stop - start values.
    n = stop - start
    for i in range(n):
        y = exponent[i] * LOG2E
        y = y if y > -126.0 else -126.0
        y = y if y < 126.0 else 126.0
        k = np.floor(y + 0.5)
        f = (y - k) * LN2
        p = 1.0 / 120.0 + f * (1.0 / 720.0 + f * (1.0 / 5040.0))
        p = 1.0 + f * (1.0 + f * (0.5 + f * (1.0 / 6.0 + f * (1.0 / 24.0 + f * p))))
        frac[i] = np.float32(p)
        scale_bits[i] = (np.int32(k) + 127) << 23
    scale = scale_bits.view(np.float32)
    one = np.float32(1.0)
    m = np.float32(mix)
    for i in range(n):
        g = frac[i] * scale[i]
        frac[i] = one + m * (g - one) if mix != 1.0 else g
    for c in range(x.shape[0]):
        row = x[c, start:stop]
        dest = out[c, start:stop]
        for i in range(n):
            dest[i] = row[i] * frac[i]


@njit(cache=True, nogil=True)
def compressor_gain_varying(level, threshold, slope, knee, attack, release, out):  # noqa: D103
    state = 0.0
    for n in range(level.shape[0]):
        k = knee[n]
        half = 0.5 * k
        over = level[n] - threshold[n]
        if k > 0.0 and -half <= over <= half:
            u = over + half
            target = slope[n] * (u * u) / (2.0 * k)
        elif over > 0.0:
            target = slope[n] * over
        else:
            target = 0.0
        coef = attack[n] if target < state else release[n]
        state = coef * state + (1.0 - coef) * target
        out[n] = state


@njit(cache=True, nogil=True)
def gate_gain(  # noqa: D103 - see gate.gate_gain_db_reference
    level, thr, s_thr, ratio, s_ratio, rng, s_rng, attack, s_att, hold, s_hold, release, s_rel, out
):
    # Each parameter is an array with one value per frame (step 1) or one for all (step 0).
    state = 0.0
    held = 0.0
    timer = 0
    for i in range(level.shape[0]):
        under = min(level[i] - thr[i * s_thr], 0.0)
        target = max((ratio[i * s_ratio] - 1.0) * under, -rng[i * s_rng])
        if target >= held:
            held = target
            timer = hold[i * s_hold]
        elif timer > 0:
            timer -= 1
        else:
            held = target
        coef = release[i * s_rel] if held < state else attack[i * s_att]
        state = coef * state + (1.0 - coef) * held
        out[i] = state


@njit(cache=True, nogil=True)
def abs_peak_frames(x, out):  # noqa: D103 - largest |sample| over channels, per frame
    # np.int64(0), not 0: a literal 0 would compile a second abs_peak_range for it
    abs_peak_range(x, np.int64(0), x.shape[1], out)


@njit(cache=True, nogil=True)
def abs_peak_range(x, start, stop, out):  # noqa: D103 - the same for frames start:stop
    n_ch = x.shape[0]
    for i in range(stop - start):
        out[i] = abs(x[0, start + i])
    for c in range(1, n_ch):
        for i in range(stop - start):
            v = abs(x[c, start + i])
            if v > out[i]:
                out[i] = v


# --- limiter ---------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def block_min(values, block, out):  # noqa: D103 - min of each block of ``block`` values
    n = values.shape[0]
    for q in range(out.shape[0]):
        acc = 0.0
        for t in range(q * block, min((q + 1) * block, n)):
            v = values[t]
            acc = v if v < acc else acc
        out[q] = acc


@njit(cache=True, nogil=True)
def block_max(values, block, out):  # noqa: D103 - max of each block of ``block`` values >= 0
    n = values.shape[0]
    for q in range(out.shape[0]):
        acc = values[0] * 0
        for t in range(q * block, min((q + 1) * block, n)):
            v = values[t]
            acc = v if v > acc else acc
        out[q] = acc


@njit(cache=True, nogil=True)
def release_ramp(held, coef, coef_step, hold_shift, width1, width2, out, ring1, ring2):  # noqa: D103
    # See limiter.gain_envelope_db_reference: release recursion on the held
    # requirement (one value per 2**hold_shift steps: HOLD_BLOCK frames for the limiter,
    # every step for the loudness targeting's forecast), then two running means over the
    # past ``width1`` and ``width2`` values. A mean is the difference of two running
    # sums, so stretches of zeros give exact zeros. Before the start the first value is
    # held. ``coef`` has one value per frame (coef_step=1) or one for all (coef_step=0).
    # ring1 (width1,) and ring2 (width2,): the caller's scratch (no allocation here)
    n = out.shape[0]
    scale1 = 1.0 / width1
    scale2 = 1.0 / width2
    state = 0.0
    sum1 = 0.0
    sum2 = 0.0
    k1 = 0
    k2 = 0
    for t in range(n):
        x = held[t >> hold_shift]
        c = coef[t * coef_step]
        rise = c * state + (1.0 - c) * x
        state = x if x < rise else rise
        if t == 0:  # running sums of the virtual history (the first value, held)
            for j in range(width1):
                ring1[j] = (j - width1 + 1) * state
            for j in range(width2):
                ring2[j] = (j - width2 + 1) * state
        sum1 += state
        mean1 = (sum1 - ring1[k1]) * scale1
        ring1[k1] = sum1
        k1 = k1 + 1 if k1 + 1 < width1 else 0
        sum2 += mean1
        mean2 = (sum2 - ring2[k2]) * scale2
        ring2[k2] = sum2
        k2 = k2 + 1 if k2 + 1 < width2 else 0
        out[t] = mean2


@njit(cache=True, nogil=True, fastmath=True, boundscheck=False)
def release_ramp_varying(held, coef, coef_step, width1, width2, size, out):  # noqa: D103
    # release_ramp with a width per frame (a moving lookahead): the first mean at t
    # covers the last width1[t] released values, the second the last width2[t] first
    # means. Running sums S are kept for the last ``size`` frames (size > every width),
    # mean = (S[t] - S[t - w]) / w; before the start the first value is held.
    n = out.shape[0]
    ring1 = np.empty(size)
    ring2 = np.empty(size)
    state = 0.0
    sum1 = 0.0
    sum2 = 0.0
    for t in range(n):
        x = held[t // HOLD_BLOCK]
        c = coef[t * coef_step]
        rise = c * state + (1.0 - c) * x
        state = x if x < rise else rise
        if t == 0:  # running sums of the virtual history: S[-j] = -(j - 1) * first
            for j in range(1, size):
                ring1[(size - j) % size] = -(j - 1) * state
                ring2[(size - j) % size] = -(j - 1) * state
        sum1 += state
        k = t % size
        ring1[k] = sum1
        w1 = width1[t]
        mean1 = (sum1 - ring1[(t - w1) % size]) / w1
        sum2 += mean1
        ring2[k] = sum2
        w2 = width2[t]
        out[t] = (sum2 - ring2[(t - w2) % size]) / w2


@njit(cache=True, nogil=True, fastmath=True, boundscheck=False)
def interpolated_peaks_3pc(xp, sums, diffs, centre, out, n_out):  # noqa: D103
    # Every in-between point: out[i] for i in 0 .. n_out - 1 (see interpolated_peaks_range).
    interpolated_peaks_range(xp, sums, diffs, centre, out, np.int64(0), n_out)


@njit(cache=True, nogil=True, fastmath=True, boundscheck=False)
def interpolated_peaks_spans(xp, sums, diffs, centre, out, starts, stops):  # noqa: D103
    # The same on stretches only: out[i] for i in starts[r] .. stops[r] - 1, every r (the
    # limiter's check measures only where a cheap bound says a peak may be over).
    for r in range(starts.shape[0]):
        interpolated_peaks_range(xp, sums, diffs, centre, out, starts[r], stops[r])


@njit(cache=True, nogil=True, fastmath=True, boundscheck=False, inline="always")
def interpolated_peaks_range(xp, sums, diffs, centre, out, lo, hi):  # noqa: D103
    # Phases p and K-p of a symmetric interpolator mirror each other, so with
    # s_j = x[i-j] + x[i-T+1+j] and d_j = x[i-j] - x[i-T+1+j] (j < T/2):
    #   y_p + y_{K-p} = sum_j S_p[j] s_j,  y_p - y_{K-p} = sum_j D_p[j] d_j,
    #   max(|y_p|, |y_{K-p}|) = (|y_p + y_{K-p}| + |y_p - y_{K-p}|) / 2,
    # and the middle phase K/2 is symmetric itself: y = sum_j C[j] s_j.
    # Up to three mirrored pairs and a middle phase: the seven in-between points at 8x
    # (unused pairs have zero coefficients for lower factors).
    # ``xp`` holds the signal with T-1 zeros before and after: x[k] = xp[k + T - 1].
    # ``out[i]`` for i in lo .. hi - 1, on views starting at ``lo`` so that every index
    # is known to be >= 0 (a possibly negative index stops LLVM from vectorising)
    last = 2 * DETECTOR_BLOCKS * DETECTOR_BLOCK_TAPS - 1
    xp = xp[lo:]
    out = out[lo:]
    for i in range(hi - lo):
        a0 = np.float32(0.0)
        a1 = np.float32(0.0)
        a2 = np.float32(0.0)
        b0 = np.float32(0.0)
        b1 = np.float32(0.0)
        b2 = np.float32(0.0)
        m = np.float32(0.0)
        for block in range(DETECTOR_BLOCKS):
            for jj in range(DETECTOR_BLOCK_TAPS):
                j = block * DETECTOR_BLOCK_TAPS + jj
                u = xp[i + last - j]
                v = xp[i + j]
                s = u + v
                d = u - v
                a0 += sums[0, j] * s
                a1 += sums[1, j] * s
                a2 += sums[2, j] * s
                b0 += diffs[0, j] * d
                b1 += diffs[1, j] * d
                b2 += diffs[2, j] * d
                m += centre[j] * s
        p = max(abs(a0) + abs(b0), abs(a1) + abs(b1), abs(a2) + abs(b2)) * np.float32(0.5)
        p = max(p, abs(m))
        if p > out[i]:
            out[i] = p


@njit(cache=True, nogil=True, fastmath=True, boundscheck=False)
def interpolated_peaks_spans_1pc(xp, sums, diffs, centre, out, starts, stops):  # noqa: D103
    # interpolated_peaks_spans for an interpolator with one mirrored pair and a middle
    # phase (the studio meter's 4x at 48 kHz; its other rows are zero): the same numbers
    # for less than half the work.
    last = 2 * DETECTOR_BLOCKS * DETECTOR_BLOCK_TAPS - 1
    for r in range(starts.shape[0]):
        lo = starts[r]
        x = xp[lo:]
        o = out[lo:]
        for i in range(stops[r] - lo):
            a0 = np.float32(0.0)
            b0 = np.float32(0.0)
            m = np.float32(0.0)
            for block in range(DETECTOR_BLOCKS):
                for jj in range(DETECTOR_BLOCK_TAPS):
                    j = block * DETECTOR_BLOCK_TAPS + jj
                    u = x[i + last - j]
                    v = x[i + j]
                    s = u + v
                    a0 += sums[0, j] * s
                    b0 += diffs[0, j] * (u - v)
                    m += centre[j] * s
            p = max((abs(a0) + abs(b0)) * np.float32(0.5), abs(m))
            if p > o[i]:
                o[i] = p


@njit(cache=True, nogil=True)
def merge_between(peaks, between, first_frames, stop_frames, reach):  # noqa: D103
    # peaks[f] = max(peaks[f], the in-between points on either side of frame f), for the
    # frames first_frames[r] .. stop_frames[r] - 1 only (between[f + reach - 1] and
    # between[f + reach], as in limiter.sample_true_peaks)
    for r in range(first_frames.shape[0]):
        for f in range(first_frames[r], stop_frames[r]):
            v = max(between[f + reach - 1], between[f + reach])
            if v > peaks[f]:
                peaks[f] = v


# --- EQ and compressor in one pass ------------------------------------------------------


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def eq_compressor(  # noqa: D103 - a biquad group, then the compressor's fast path
    x, k, threshold, slope, knee, attack, release, offset, mix, chunk, out, scratch
):
    # out = compress(sos_cascade(x, k)) for one group of three sections k (3, 6),
    # normalised (pass-through sections where the group has fewer) and float32 x of one
    # or two channels: the numbers of running the two one after the other. Both are
    # recursions that wait on their own previous sample and leave most of the
    # processor idle, so they run in the same loop: the filter on one chunk of frames
    # beside the smoother on the chunk before (whose levels and static curve were
    # taken as soon as it was filtered). The gain is then applied in place.
    # scratch: (7, chunk) float64 rows: level, two target buffers, trace, exponent,
    # then two rows viewed as float32 and as int32 pairs of buffers for the
    # logarithm and the exponential.
    n_ch, n = x.shape
    pair = n_ch == 2
    c1 = 1 if pair else 0
    level, goal, target, trace, exponent = (
        scratch[0],
        scratch[1],
        scratch[2],
        scratch[3],
        scratch[4],
    )
    floats = scratch[5].view(np.float32)  # 2 * chunk values
    peak, frac = floats[:chunk], floats[chunk:]
    ints = scratch[6].view(np.int32)
    exps, mants = ints[:chunk], ints[chunk:]
    scale_bits = exps  # free again: the levels of the chunk it scales were taken
    b00, b01, b02, a01, a02 = _coefs(k, 0)
    b10, b11, b12, a11, a12 = _coefs(k, 1)
    b20, b21, b22, a21, a22 = _coefs(k, 2)
    p0 = q0 = p1 = q1 = p2 = q2 = 0.0
    r0 = t0 = r1 = t1 = r2 = t2 = 0.0
    keep_a, keep_r = 1.0 - attack, 1.0 - release
    state = 0.0
    prev = 0  # first frame of the chunk waiting for its smoother
    pw = 0  # its length (0: none)
    for start in range(0, n + chunk, chunk):
        stop = min(start + chunk, n)
        w = max(stop - start, 0)
        both = min(w, pw)
        for i in range(w):
            v = np.float64(x[0, start + i])
            v, p0, q0 = _tdf2(v, p0, q0, b00, b01, b02, a01, a02)
            v, p1, q1 = _tdf2(v, p1, q1, b10, b11, b12, a11, a12)
            v, p2, q2 = _tdf2(v, p2, q2, b20, b21, b22, a21, a22)
            out[0, start + i] = v
            if pair:
                u = np.float64(x[c1, start + i])
                u, r0, t0 = _tdf2(u, r0, t0, b00, b01, b02, a01, a02)
                u, r1, t1 = _tdf2(u, r1, t1, b10, b11, b12, a11, a12)
                u, r2, t2 = _tdf2(u, r2, t2, b20, b21, b22, a21, a22)
                out[c1, start + i] = u
            if i < both:
                state = smooth_step(goal[i], state, attack, release, keep_a, keep_r)
                trace[i] = state
        for i in range(both, pw):
            state = smooth_step(goal[i], state, attack, release, keep_a, keep_r)
            trace[i] = state
        if pw:
            gain_exponents(trace[:pw], offset, exponent[:pw])
            apply_exp_gain(out, prev, prev + pw, exponent, mix, scale_bits, frac, out)
        if w:
            peak_levels_db(out, start, stop, peak, exps, mants, level)
            gain_curve(level[:w], threshold, slope, knee, target[:w])
            goal, target = target, goal
        prev, pw = start, w
