"""Compiled loops for the feedback effects: the reverb's delay network and the delay.

Feedback means each output sample depends on earlier *output* samples, so these
recursions cannot be vectorised exactly. Each kernel has a readable pure-Python twin
(``fdn_reference`` in :mod:`studio.dsp.reverb`, ``echo_reference`` in
:mod:`studio.dsp.delay`); the tests hold them equal. ``cache=True`` stores the machine
code beside this file, so only the first call on a machine pays for compilation.

The network reads its input ``src`` with zeros in front: frame ``n`` of the output hears
``src[n + offset]`` and reflections ``src[n + offset - time]``, so no index runs below 0
(``offset`` = the zeros in front minus the pre-delay, at least the latest reflection).

Parameters that move over time arrive as *rows*: row ``r`` holds the coefficients for
frames ``r * block .. (r + 1) * block - 1`` (a constant setting is a single row).
"""

import numpy as np
from numba import njit


@njit(inline="always")
def _ring_read(ring, pos, m, out):  # noqa: D103
    # out[:m] = the ring's m values from pos on, wrapping round its end
    first = min(m, ring.shape[0] - pos)
    head = ring[pos : pos + first]
    for i in range(first):
        out[i] = head[i]
    rest = out[first:m]
    for i in range(m - first):
        rest[i] = ring[i]


@njit(inline="always")
def _ring_write(ring, pos, m, values):  # noqa: D103
    # the ring's m values from pos on (wrapping round its end) = values[:m]
    first = min(m, ring.shape[0] - pos)
    head = ring[pos : pos + first]
    for i in range(first):
        head[i] = values[i]
    rest = values[first:m]
    for i in range(m - first):
        ring[i] = rest[i]


@njit(cache=True, nogil=True, fastmath=True)
def fdn(  # noqa: D103 - documented in reverb.py (fdn_reference); eight lines, unrolled
    src,
    dry_l,
    dry_r,
    dry_gain,
    offset,
    out_l,
    out_r,
    delays,
    gains,
    poles,
    in_vec,
    c_left,
    c_right,
    ap_delays,
    ap_gain,
    er_times_l,
    er_gains_l,
    er_times_r,
    er_gains_r,
    er_direct,
    er_cross,
    block,
    buf,
    ap_buf,
    scratch,
):
    # buf (8, 2**k) and ap_buf (4, 2**j): zeroed delay lines longer than the longest
    # delay; scratch (12, block). The caller allocates them (nothing is allocated here,
    # which keeps the compilation short).
    #
    # Every line and every allpass is at least ``step`` frames long, so within a step
    # nothing a line or an allpass reads was written in the same step: each stage can
    # run over the whole step in turn (a loop along time, which the compiler vectorises
    # and which needs few registers), rather than every stage sample by sample. The
    # arithmetic of each sample is unchanged (the same operations in the same order).
    n_frames = out_l.shape[0]
    mask = buf.shape[1] - 1
    ap_mask = ap_buf.shape[1] - 1
    step = block
    for k in range(delays.shape[0]):
        step = min(step, delays[k])
    for k in range(ap_delays.shape[0]):
        step = min(step, ap_delays[k])
    b0, b1, b2, b3, b4, b5, b6, b7 = (
        in_vec[0],
        in_vec[1],
        in_vec[2],
        in_vec[3],
        in_vec[4],
        in_vec[5],
        in_vec[6],
        in_vec[7],
    )
    n_er_l = er_times_l.shape[0]
    n_er_r = er_times_r.shape[0]
    norm = 1.0 / np.sqrt(8.0)
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    n_rows = gains.shape[0]
    early_l, early_r, u, tmp = scratch[0], scratch[1], scratch[2], scratch[3]
    z0, z1, z2, z3 = scratch[4], scratch[5], scratch[6], scratch[7]
    z4, z5, z6, z7 = scratch[8], scratch[9], scratch[10], scratch[11]
    w = 0
    for start in range(0, n_frames, block):
        row = min(start // block, n_rows - 1)
        p = poles[row]
        cl = c_left[row]
        cr = c_right[row]
        p0, p1, p2, p3, p4, p5, p6, p7 = p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
        g = gains[row]  # each line's gain, times (1 - its pole)
        g0, g1, g2, g3 = g[0] * (1.0 - p0), g[1] * (1.0 - p1), g[2] * (1.0 - p2), g[3] * (1.0 - p3)
        g4, g5, g6, g7 = g[4] * (1.0 - p4), g[5] * (1.0 - p5), g[6] * (1.0 - p6), g[7] * (1.0 - p7)
        l0, l1, l2, l3, l4, l5, l6, l7 = cl[0], cl[1], cl[2], cl[3], cl[4], cl[5], cl[6], cl[7]
        r0, r1, r2, r3, r4, r5, r6, r7 = cr[0], cr[1], cr[2], cr[3], cr[4], cr[5], cr[6], cr[7]
        stop = min(start + block, n_frames)
        for first in range(start, stop, step):
            m = min(first + step, stop) - first
            # early reflections, tap by tap (views, so no index can be negative and
            # every loop vectorises)
            for i in range(m):
                early_l[i] = 0.0
                early_r[i] = 0.0
            for k in range(n_er_l):
                gk = er_gains_l[k]
                seg = src[first + offset - er_times_l[k] :]
                for i in range(m):
                    early_l[i] += gk * seg[i]
            for k in range(n_er_r):
                gk = er_gains_r[k]
                seg = src[first + offset - er_times_r[k] :]
                for i in range(m):
                    early_r[i] += gk * seg[i]
            seg = src[first + offset :]
            for i in range(m):
                u[i] = seg[i]
            # diffusion: Schroeder allpasses in series, each over the whole step
            for k in range(ap_delays.shape[0]):
                a = ap_gain[k]
                ring = ap_buf[k]
                _ring_read(ring, (w - ap_delays[k]) & ap_mask, m, tmp)
                for i in range(m):
                    t = u[i] + a * tmp[i]
                    u[i] = tmp[i] - a * t
                    tmp[i] = t
                _ring_write(ring, w & ap_mask, m, tmp)
            # the lines' oldest samples through their damping filters (eight
            # independent recursions side by side)
            _ring_read(buf[0], (w - delays[0]) & mask, m, z0)
            _ring_read(buf[1], (w - delays[1]) & mask, m, z1)
            _ring_read(buf[2], (w - delays[2]) & mask, m, z2)
            _ring_read(buf[3], (w - delays[3]) & mask, m, z3)
            _ring_read(buf[4], (w - delays[4]) & mask, m, z4)
            _ring_read(buf[5], (w - delays[5]) & mask, m, z5)
            _ring_read(buf[6], (w - delays[6]) & mask, m, z6)
            _ring_read(buf[7], (w - delays[7]) & mask, m, z7)
            for i in range(m):
                s0 = g0 * z0[i] + p0 * s0
                s1 = g1 * z1[i] + p1 * s1
                s2 = g2 * z2[i] + p2 * s2
                s3 = g3 * z3[i] + p3 * s3
                s4 = g4 * z4[i] + p4 * s4
                s5 = g5 * z5[i] + p5 * s5
                s6 = g6 * z6[i] + p6 * s6
                s7 = g7 * z7[i] + p7 * s7
                z0[i], z1[i], z2[i], z3[i] = s0, s1, s2, s3
                z4[i], z5[i], z6[i], z7[i] = s4, s5, s6, s7
            ol, orr, dl, dr = out_l[first:], out_r[first:], dry_l[first:], dry_r[first:]
            for i in range(m):
                el = early_l[i]
                er = early_r[i]
                yl = (
                    er_direct * el
                    + er_cross * er
                    + l0 * z0[i]
                    + l1 * z1[i]
                    + l2 * z2[i]
                    + l3 * z3[i]
                    + l4 * z4[i]
                    + l5 * z5[i]
                    + l6 * z6[i]
                    + l7 * z7[i]
                )
                yr = (
                    er_direct * er
                    + er_cross * el
                    + r0 * z0[i]
                    + r1 * z1[i]
                    + r2 * z2[i]
                    + r3 * z3[i]
                    + r4 * z4[i]
                    + r5 * z5[i]
                    + r6 * z6[i]
                    + r7 * z7[i]
                )
                ol[i] = dry_gain * dl[i] + yl
                orr[i] = dry_gain * dr[i] + yr
            # 8-point Hadamard (fast Walsh-Hadamard transform), scaled to be orthogonal,
            # plus the diffused input: what enters the lines
            for i in range(m):
                h0, h1, h2, h3 = z0[i] + z1[i], z0[i] - z1[i], z2[i] + z3[i], z2[i] - z3[i]
                h4, h5, h6, h7 = z4[i] + z5[i], z4[i] - z5[i], z6[i] + z7[i], z6[i] - z7[i]
                k0, k2, k1, k3 = h0 + h2, h0 - h2, h1 + h3, h1 - h3
                k4, k6, k5, k7 = h4 + h6, h4 - h6, h5 + h7, h5 - h7
                v = u[i]
                z0[i] = norm * (k0 + k4) + b0 * v
                z1[i] = norm * (k1 + k5) + b1 * v
                z2[i] = norm * (k2 + k6) + b2 * v
                z3[i] = norm * (k3 + k7) + b3 * v
                z4[i] = norm * (k0 - k4) + b4 * v
                z5[i] = norm * (k1 - k5) + b5 * v
                z6[i] = norm * (k2 - k6) + b6 * v
                z7[i] = norm * (k3 - k7) + b7 * v
            at = w & mask
            _ring_write(buf[0], at, m, z0)
            _ring_write(buf[1], at, m, z1)
            _ring_write(buf[2], at, m, z2)
            _ring_write(buf[3], at, m, z3)
            _ring_write(buf[4], at, m, z4)
            _ring_write(buf[5], at, m, z5)
            _ring_write(buf[6], at, m, z6)
            _ring_write(buf[7], at, m, z7)
            w += m


@njit(inline="always", fastmath={"contract"})
def _tdf2(v, s0, s2, b0, b1, b2, a1, a2):  # noqa: D103 - one biquad step (see biquad.py)
    y = b0 * v + s0
    t = b1 * v + s2
    return y, t - a1 * y, b2 * v - a2 * y


@njit(cache=True, nogil=True, fastmath={"contract"})
def echo(  # noqa: D103 - documented in delay.py (echo_reference)
    x_l,
    x_r,
    delay,
    feedback,
    sos,
    ping_pong,
    wet_l,
    wet_r,
    block,
    line,
):
    # line (2, 2**k): zeroed, longer than the longest delay + 2. sos (rows, 2, 5): the
    # repeats' high-pass and low-pass (delay.feedback_sos), one row per block of frames.
    # Their state lives in registers (l: left, r: right; 0 and 2: each section's two
    # memories), so nothing in the loop waits on memory but the delay line itself.
    n_frames = x_l.shape[0]
    varying_delay = delay.shape[0] > 1
    varying_feedback = feedback.shape[0] > 1
    mask = line.shape[1] - 1
    n_rows = sos.shape[0]
    hl0 = hl2 = ll0 = ll2 = hr0 = hr2 = lr0 = lr2 = 0.0
    for start in range(0, n_frames, block):
        row = min(start // block, n_rows - 1)
        hb0, hb1, hb2, ha1, ha2 = (
            sos[row, 0, 0], sos[row, 0, 1], sos[row, 0, 2], sos[row, 0, 3], sos[row, 0, 4]
        )  # fmt: skip
        lb0, lb1, lb2, la1, la2 = (
            sos[row, 1, 0], sos[row, 1, 1], sos[row, 1, 2], sos[row, 1, 3], sos[row, 1, 4]
        )  # fmt: skip
        stop = min(start + block, n_frames)
        for n in range(start, stop):
            d = delay[n] if varying_delay else delay[0]
            fb = feedback[n] if varying_feedback else feedback[0]
            whole = int(d)
            frac = d - whole
            i0 = (n - whole) & mask
            i1 = (n - whole - 1) & mask
            yl = (1.0 - frac) * line[0, i0] + frac * line[0, i1]
            yr = (1.0 - frac) * line[1, i0] + frac * line[1, i1]
            yl, hl0, hl2 = _tdf2(yl, hl0, hl2, hb0, hb1, hb2, ha1, ha2)
            yr, hr0, hr2 = _tdf2(yr, hr0, hr2, hb0, hb1, hb2, ha1, ha2)
            yl, ll0, ll2 = _tdf2(yl, ll0, ll2, lb0, lb1, lb2, la1, la2)
            yr, lr0, lr2 = _tdf2(yr, lr0, lr2, lb0, lb1, lb2, la1, la2)
            wet_l[n] = yl
            wet_r[n] = yr
            if ping_pong:
                line[0, n & mask] = 0.5 * (x_l[n] + x_r[n]) + fb * yr
                line[1, n & mask] = fb * yl
            else:
                line[0, n & mask] = x_l[n] + fb * yl
                line[1, n & mask] = x_r[n] + fb * yr
