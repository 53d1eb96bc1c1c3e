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
    early,
):
    # buf (8, 2**k) and ap_buf (4, 2**j): zeroed delay lines longer than the longest
    # delay; early (2, block): scratch. The caller allocates them (nothing is allocated
    # here, which keeps the compilation short).
    n_frames = out_l.shape[0]
    mask = buf.shape[1] - 1
    ap_mask = ap_buf.shape[1] - 1
    d0, d1, d2, d3, d4, d5, d6, d7 = (
        delays[0],
        delays[1],
        delays[2],
        delays[3],
        delays[4],
        delays[5],
        delays[6],
        delays[7],
    )
    a0, a1, a2, a3 = ap_gain[0], ap_gain[1], ap_gain[2], ap_gain[3]
    e0, e1, e2, e3 = ap_delays[0], ap_delays[1], ap_delays[2], ap_delays[3]
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
    early_l = early[0]
    early_r = early[1]
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
        m = stop - start
        for i in range(m):  # the block's early reflections, tap by tap (vectorised)
            early_l[i] = 0.0
            early_r[i] = 0.0
        for k in range(n_er_l):
            gk = er_gains_l[k]
            base = start + offset - er_times_l[k]
            for i in range(m):
                early_l[i] += gk * src[base + i]
        for k in range(n_er_r):
            gk = er_gains_r[k]
            base = start + offset - er_times_r[k]
            for i in range(m):
                early_r[i] += gk * src[base + i]
        for n in range(start, stop):
            j = n + offset
            u = src[j]
            el = early_l[n - start]
            er = early_r[n - start]
            # diffusion: four Schroeder allpasses in series
            v = ap_buf[0, (w - e0) & ap_mask]
            t = u + a0 * v
            ap_buf[0, w & ap_mask] = t
            u = v - a0 * t
            v = ap_buf[1, (w - e1) & ap_mask]
            t = u + a1 * v
            ap_buf[1, w & ap_mask] = t
            u = v - a1 * t
            v = ap_buf[2, (w - e2) & ap_mask]
            t = u + a2 * v
            ap_buf[2, w & ap_mask] = t
            u = v - a2 * t
            v = ap_buf[3, (w - e3) & ap_mask]
            t = u + a3 * v
            ap_buf[3, w & ap_mask] = t
            u = v - a3 * t
            # the lines' oldest samples through their damping filters
            s0 = g0 * buf[0, (w - d0) & mask] + p0 * s0
            s1 = g1 * buf[1, (w - d1) & mask] + p1 * s1
            s2 = g2 * buf[2, (w - d2) & mask] + p2 * s2
            s3 = g3 * buf[3, (w - d3) & mask] + p3 * s3
            s4 = g4 * buf[4, (w - d4) & mask] + p4 * s4
            s5 = g5 * buf[5, (w - d5) & mask] + p5 * s5
            s6 = g6 * buf[6, (w - d6) & mask] + p6 * s6
            s7 = g7 * buf[7, (w - d7) & mask] + p7 * s7
            yl = (
                er_direct * el
                + er_cross * er
                + l0 * s0
                + l1 * s1
                + l2 * s2
                + l3 * s3
                + l4 * s4
                + l5 * s5
                + l6 * s6
                + l7 * s7
            )
            yr = (
                er_direct * er
                + er_cross * el
                + r0 * s0
                + r1 * s1
                + r2 * s2
                + r3 * s3
                + r4 * s4
                + r5 * s5
                + r6 * s6
                + r7 * s7
            )
            # 8-point Hadamard (fast Walsh-Hadamard transform), scaled to be orthogonal
            h0, h1, h2, h3 = s0 + s1, s0 - s1, s2 + s3, s2 - s3
            h4, h5, h6, h7 = s4 + s5, s4 - s5, s6 + s7, s6 - s7
            k0, k2, k1, k3 = h0 + h2, h0 - h2, h1 + h3, h1 - h3
            k4, k6, k5, k7 = h4 + h6, h4 - h6, h5 + h7, h5 - h7
            wi = w & mask
            buf[0, wi] = norm * (k0 + k4) + b0 * u
            buf[1, wi] = norm * (k1 + k5) + b1 * u
            buf[2, wi] = norm * (k2 + k6) + b2 * u
            buf[3, wi] = norm * (k3 + k7) + b3 * u
            buf[4, wi] = norm * (k0 - k4) + b4 * u
            buf[5, wi] = norm * (k1 - k5) + b5 * u
            buf[6, wi] = norm * (k2 - k6) + b6 * u
            buf[7, wi] = norm * (k3 - k7) + b7 * u
            w += 1
            out_l[n] = dry_gain * dry_l[n] + yl
            out_r[n] = dry_gain * dry_r[n] + yr


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
