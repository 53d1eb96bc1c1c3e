"""Compiled loop for cascaded biquads (fixed or changing block by block).

A biquad's output depends on its own previous outputs, so the recursion cannot be
vectorised exactly; this small loop is compiled with numba (``cache=True`` keeps the
machine code on disk, so only the first call on a machine pays the compilation). Its
readable pure-Python twin is :func:`studio.dsp.biquad.sos_filter_reference`; the tests
hold them equal, and hold the fixed-coefficient case equal to ``scipy.signal.sosfilt``.

Why it is fast: a recursion is limited by latency (each output waits for the previous
one), not by arithmetic. Running every section of the cascade inside the sample loop
lets the processor overlap section ``k`` of one sample with section ``k - 1`` of the
next, and running two channels side by side doubles that overlap. The state stays in
float64 whatever the buffer's dtype, so float32 audio is filtered as precisely as
float64 audio and written back without a float64 copy of the whole signal.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, fastmath={"contract"})
def sos_cascade(x, coefs, block, out, s):  # noqa: D103 - see biquad.sos_filter_reference
    # x, out: (channels, frames); coefs: (n_blocks, n_sections, 6) normalised (a0 = 1);
    # coefficient set ``b`` applies to frames [b * block, (b + 1) * block), the last set
    # to the end. Transposed direct form II, float64 state in s: (n_sections, 4), from
    # the caller (an allocation here would lengthen the compilation).
    n_ch, n = x.shape
    n_blocks, n_sec = coefs.shape[0], coefs.shape[1]
    c = 0
    while c < n_ch:
        pair = c + 1 < n_ch
        c1 = c + 1 if pair else c
        for k in range(n_sec):
            for j in range(4):
                s[k, j] = 0.0
        for blk in range(n_blocks):
            start = blk * block
            stop = n if blk == n_blocks - 1 else min(n, start + block)
            for i in range(start, stop):
                v0 = np.float64(x[c, i])
                v1 = np.float64(x[c1, i])
                for k in range(n_sec):
                    b0 = coefs[blk, k, 0]
                    b1 = coefs[blk, k, 1]
                    b2 = coefs[blk, k, 2]
                    a1 = coefs[blk, k, 4]
                    a2 = coefs[blk, k, 5]
                    y0 = b0 * v0 + s[k, 0]
                    y1 = b0 * v1 + s[k, 1]
                    s[k, 0] = b1 * v0 - a1 * y0 + s[k, 2]
                    s[k, 1] = b1 * v1 - a1 * y1 + s[k, 3]
                    s[k, 2] = b2 * v0 - a2 * y0
                    s[k, 3] = b2 * v1 - a2 * y1
                    v0 = y0
                    v1 = y1
                out[c, i] = v0
                if pair:
                    out[c1, i] = v1
        c += 2 if pair else 1


@njit(cache=True, nogil=True)
def band_gain_blocks(
    band, threshold, slope, range_db, knee_lin, cap_lin, boost, attack, release, block, out
):  # noqa: D103, E501
    # The dynamic EQ's detector, static curve and smoother fused in one pass (see
    # filters.band_gain_blocks_reference): peak of the band signal over channels ->
    # level in dB -> band gain (cut or boost) -> branching attack/release smoother;
    # writes the mean smoothed gain of every block of ``block`` frames to ``out``.
    # threshold, slope (1 - 1/ratio), range_db and the two linear levels where the
    # gain starts (knee_lin) and reaches the range (cap_lin) hold one value, or one per
    # frame. log10 is only taken between those two levels; elsewhere the gain is known.
    # attack and release (one-pole coefficients) likewise hold one value or one per frame.
    n_ch, n = band.shape
    varying = threshold.shape[0] > 1
    timing = attack.shape[0] > 1
    state = 0.0
    total = 0.0
    count = 0
    blk = 0
    for i in range(n):
        j = i if varying else 0
        peak = 1e-10  # the detector's floor: -200 dB
        for c in range(n_ch):
            v = abs(np.float64(band[c, i]))
            if v > peak:
                peak = v
        if boost:
            if peak >= knee_lin[j]:
                target = 0.0
            elif peak <= cap_lin[j]:
                target = range_db[j]
            else:
                target = slope[j] * (threshold[j] - 20.0 * np.log10(peak))
        else:
            if peak <= knee_lin[j]:
                target = 0.0
            elif peak >= cap_lin[j]:
                target = -range_db[j]
            else:
                target = -slope[j] * (20.0 * np.log10(peak) - threshold[j])
        t = i if timing else 0
        coef = attack[t] if target < state else release[t]
        state = coef * state + (1.0 - coef) * target
        total += state
        count += 1
        if count == block:
            out[blk] = total / block
            blk += 1
            total = 0.0
            count = 0
    if count:
        # the last, partial block: pad with its final value, as the reference does
        out[blk] = (total + state * (block - count)) / block


@njit(cache=True, nogil=True, fastmath={"contract"})
def sos_bank(x, coefs, out, s):  # noqa: D103 - see biquad.apply_sos_bank
    # out[k, c, i]: channel c through cascade k (coefs: (n_cascades, n_sections, 6),
    # normalised; shorter cascades padded with [1, 0, 0, 1, 0, 0], which passes the
    # signal exactly). Every cascade reads the same input sample in the same loop, so
    # the processor overlaps their recursions (and those of two channels side by side).
    # s: (n_cascades, n_sections, 4) float64 state, from the caller
    n_ch, n = x.shape
    n_casc, n_sec = coefs.shape[0], coefs.shape[1]
    c = 0
    while c < n_ch:
        pair = c + 1 < n_ch
        c1 = c + 1 if pair else c
        for k in range(n_casc):
            for j in range(n_sec):
                for q in range(4):
                    s[k, j, q] = 0.0
        for i in range(n):
            u0 = np.float64(x[c, i])
            u1 = np.float64(x[c1, i])
            for k in range(n_casc):
                v0 = u0
                v1 = u1
                for j in range(n_sec):
                    b0 = coefs[k, j, 0]
                    b1 = coefs[k, j, 1]
                    b2 = coefs[k, j, 2]
                    a1 = coefs[k, j, 4]
                    a2 = coefs[k, j, 5]
                    y0 = b0 * v0 + s[k, j, 0]
                    y1 = b0 * v1 + s[k, j, 1]
                    s[k, j, 0] = b1 * v0 - a1 * y0 + s[k, j, 2]
                    s[k, j, 1] = b1 * v1 - a1 * y1 + s[k, j, 3]
                    s[k, j, 2] = b2 * v0 - a2 * y0
                    s[k, j, 3] = b2 * v1 - a2 * y1
                    v0 = y0
                    v1 = y1
                out[k, c, i] = v0
                if pair:
                    out[k, c1, i] = v1
        c += 2 if pair else 1


@njit(cache=True, nogil=True, fastmath={"contract"})
def _section(coefs, row, s, k, j, v0, v1):  # noqa: D103 - one biquad step, two channels
    # the arithmetic of sos_bank's inner step, in the same order (the same numbers)
    b0 = coefs[row, 0]
    b1 = coefs[row, 1]
    b2 = coefs[row, 2]
    a1 = coefs[row, 4]
    a2 = coefs[row, 5]
    y0 = b0 * v0 + s[k, j, 0]
    y1 = b0 * v1 + s[k, j, 1]
    s[k, j, 0] = b1 * v0 - a1 * y0 + s[k, j, 2]
    s[k, j, 1] = b1 * v1 - a1 * y1 + s[k, j, 3]
    s[k, j, 2] = b2 * v0 - a2 * y0
    s[k, j, 3] = b2 * v1 - a2 * y1
    return y0, y1


@njit(cache=True, nogil=True, fastmath={"contract"})
def lr4_split(x, lows, highs, alls, out, s):  # noqa: D103 - see crossover.split_bands
    # Band k of N + 1 is: the high-passes of crossovers 0..k-1, the low-pass of k, the
    # allpasses of k+1..N-1 (each LR4 pass is one Butterworth section twice). The
    # high-passes below a band are the same for every band above them, so they run
    # once, as a tree: 9 sections a sample for two crossovers instead of 12, with the
    # same arithmetic (and numbers) as sos_bank. lows, highs, alls: (N, 6) normalised
    # sections; out (N + 1, channels, frames); s (N, 4 + N, 4) zeros: per crossover k,
    # rows 0-1 its low-pass, 2-3 its high-pass, 4 + m the allpass of crossover m on
    # band k.
    n_ch, n = x.shape
    n_x = lows.shape[0]
    c = 0
    while c < n_ch:
        pair = c + 1 < n_ch
        c1 = c + 1 if pair else c
        for k in range(s.shape[0]):
            for j in range(s.shape[1]):
                for q in range(4):
                    s[k, j, q] = 0.0
        for i in range(n):
            h0 = np.float64(x[c, i])
            h1 = np.float64(x[c1, i])
            for k in range(n_x):
                # (the section rows are loop variables, never literal numbers: a literal
                # argument would compile _section once more for each value)
                v0, v1 = h0, h1
                for j in range(2):
                    v0, v1 = _section(lows, k, s, k, j, v0, v1)
                for m in range(k + 1, n_x):
                    v0, v1 = _section(alls, m, s, k, 4 + m, v0, v1)
                out[k, c, i] = v0
                if pair:
                    out[k, c1, i] = v1
                for j in range(2, 4):
                    h0, h1 = _section(highs, k, s, k, j, h0, h1)
            out[n_x, c, i] = h0
            if pair:
                out[n_x, c1, i] = h1
        c += 2 if pair else 1
