"""Compiled loop for cascaded biquads (fixed or changing block by block).

A biquad's output depends on its own previous outputs, so the recursion cannot be
vectorised exactly; this small loop is compiled with numba (``cache=True`` keeps the
machine code on disk, so only the first call on a machine pays the compilation). Its
readable pure-Python twin is :func:`studio.dsp.biquad.sos_filter_reference`; the tests
hold them equal, and hold the fixed-coefficient case equal to ``scipy.signal.sosfilt``.

Why it is fast: a recursion is limited by latency (each output waits for the previous
one), not by arithmetic. Running three sections of the cascade inside the sample loop,
their state in registers, lets the processor overlap section ``k`` of one sample with
section ``k - 1`` of the next; two channels side by side double that overlap; and each
section's step puts only two multiply-adds on the path from one sample to the next (a
3-band EQ on a mono track: 31 ms for 3 minutes at 48 kHz, 68 ms with the state kept in
an array and the products in the plain order). The state stays in
float64 whatever the buffer's dtype, so float32 audio is filtered as precisely as
float64 audio and written back without a float64 copy of the whole signal.
"""

import numpy as np
from numba import njit


@njit(inline="always", fastmath={"contract"})
def _tdf2(v, s0, s2, b0, b1, b2, a1, a2):  # noqa: D103 - one section, one sample
    # Transposed direct form II. The recursion runs through s0 -> y -> s0, two
    # multiply-adds a sample; the other products are formed beside it, off that path.
    y = b0 * v + s0
    t = b1 * v + s2
    return y, t - a1 * y, b2 * v - a2 * y


@njit(inline="always", fastmath={"contract"})
def _coefs(k, g):  # noqa: D103 - the five numbers of section g of one set
    return k[g, 0], k[g, 1], k[g, 2], k[g, 4], k[g, 5]


@njit(cache=True, nogil=True, fastmath={"contract"})
def sos_cascade(x, coefs, which, block, out):  # noqa: D103 - see biquad.sos_filter_reference
    # x, out: (channels, frames); coefs: (n_sets, n_sections, 6) normalised (a0 = 1),
    # n_sections a multiple of 3 (the caller pads with [1, 0, 0, 1, 0, 0], which passes
    # the signal exactly); block ``b`` (frames [b * block, (b + 1) * block), the last
    # block to the end) filters with set ``which[b]``. Sections run three at a time over
    # the whole signal with their state in registers (the next three read ``out``); a
    # group whose last sections pass through runs as one or two sections.
    n_ch, n = x.shape
    n_blocks, n_sec = which.shape[0], coefs.shape[1]
    for g in range(0, n_sec, 3):
        src = x if g == 0 else out
        used = 1  # sections of this group that do something (the rest pass through)
        for s in range(coefs.shape[0]):
            for j in range(g + 1, g + 3):
                k = coefs[s, j]
                if k[0] != 1.0 or k[1] != 0.0 or k[2] != 0.0 or k[4] != 0.0 or k[5] != 0.0:
                    used = max(used, j - g + 1)
        c = 0
        while c < n_ch:
            pair = c + 1 < n_ch
            c1 = c + 1 if pair else c
            p0 = q0 = p1 = q1 = p2 = q2 = 0.0  # channel c: (s0, s2) of each section
            r0 = t0 = r1 = t1 = r2 = t2 = 0.0  # channel c + 1
            for blk in range(n_blocks):
                start = blk * block
                stop = n if blk == n_blocks - 1 else min(n, start + block)
                k = coefs[which[blk]]
                b00, b01, b02, a01, a02 = _coefs(k, g)
                b10, b11, b12, a11, a12 = _coefs(k, g + 1)
                b20, b21, b22, a21, a22 = _coefs(k, g + 2)
                if used == 1 and pair:
                    for i in range(start, stop):
                        v, p0, q0 = _tdf2(np.float64(src[c, i]), p0, q0, b00, b01, b02, a01, a02)
                        w, r0, t0 = _tdf2(np.float64(src[c1, i]), r0, t0, b00, b01, b02, a01, a02)
                        out[c, i] = v
                        out[c1, i] = w
                elif used == 1:
                    for i in range(start, stop):
                        v, p0, q0 = _tdf2(np.float64(src[c, i]), p0, q0, b00, b01, b02, a01, a02)
                        out[c, i] = v
                elif used == 2 and pair:
                    for i in range(start, stop):
                        v = np.float64(src[c, i])
                        w = np.float64(src[c1, i])
                        v, p0, q0 = _tdf2(v, p0, q0, b00, b01, b02, a01, a02)
                        w, r0, t0 = _tdf2(w, r0, t0, b00, b01, b02, a01, a02)
                        v, p1, q1 = _tdf2(v, p1, q1, b10, b11, b12, a11, a12)
                        w, r1, t1 = _tdf2(w, r1, t1, b10, b11, b12, a11, a12)
                        out[c, i] = v
                        out[c1, i] = w
                elif used == 2:
                    for i in range(start, stop):
                        v = np.float64(src[c, i])
                        v, p0, q0 = _tdf2(v, p0, q0, b00, b01, b02, a01, a02)
                        v, p1, q1 = _tdf2(v, p1, q1, b10, b11, b12, a11, a12)
                        out[c, i] = v
                elif pair:
                    for i in range(start, stop):
                        v = np.float64(src[c, i])
                        w = np.float64(src[c1, i])
                        v, p0, q0 = _tdf2(v, p0, q0, b00, b01, b02, a01, a02)
                        w, r0, t0 = _tdf2(w, r0, t0, b00, b01, b02, a01, a02)
                        v, p1, q1 = _tdf2(v, p1, q1, b10, b11, b12, a11, a12)
                        w, r1, t1 = _tdf2(w, r1, t1, b10, b11, b12, a11, a12)
                        v, p2, q2 = _tdf2(v, p2, q2, b20, b21, b22, a21, a22)
                        w, r2, t2 = _tdf2(w, r2, t2, b20, b21, b22, a21, a22)
                        out[c, i] = v
                        out[c1, i] = w
                else:
                    for i in range(start, stop):
                        v = np.float64(src[c, i])
                        v, p0, q0 = _tdf2(v, p0, q0, b00, b01, b02, a01, a02)
                        v, p1, q1 = _tdf2(v, p1, q1, b10, b11, b12, a11, a12)
                        v, p2, q2 = _tdf2(v, p2, q2, b20, b21, b22, a21, a22)
                        out[c, i] = v
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
def _section(coefs, row, s, k, j, v0, v1):  # noqa: D103 - one biquad step, two channels
    # one section for two channels, state in s, as sos_cascade steps (the same numbers)
    b0, b1, b2, a1, a2 = _coefs(coefs, row)
    y0, s[k, j, 0], s[k, j, 2] = _tdf2(v0, s[k, j, 0], s[k, j, 2], b0, b1, b2, a1, a2)
    y1, s[k, j, 1], s[k, j, 3] = _tdf2(v1, s[k, j, 1], s[k, j, 3], b0, b1, b2, a1, a2)
    return y0, y1


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
                    v0, v1 = _section(coefs[k], j, s, k, j, v0, v1)
                out[k, c, i] = v0
                if pair:
                    out[k, c1, i] = v1
        c += 2 if pair else 1


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
