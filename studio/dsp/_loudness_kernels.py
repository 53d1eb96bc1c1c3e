"""Compiled loop for the loudness meter: K-filter, square and sum per hop, in one pass.

The readable version is in :mod:`studio.dsp.loudness`: ``k_weight`` (the K-filtered
signal, by ``scipy.signal.sosfilt``) followed by sums of squares over each hop; the tests
hold the two equal. Here the filtered samples are never stored: each one is squared and
added to its hop's sum as soon as it is computed, so the meter needs no second copy of
the audio (a one-hour stereo file would need 2.8 GB for it in float64) and reads the
samples once. Two channels run side by side through the two biquads (transposed direct
form II, float64), which lets the processor overlap their recursions.

One signature (float64, contiguous): the caller converts a few seconds at a time, so the
kernel is compiled once whatever the audio's dtype.
"""

from numba import njit


@njit(
    "void(float64[:, ::1], int64, int64[::1], int64, float64[:, ::1], float64[:, ::1], "
    "float64[:, ::1], float64[::1])",
    cache=True,
    nogil=True,
    fastmath={"contract"},
)
def k_hop_energy(x, start, edges, hop, sos, state, energy, cross):  # noqa: D103
    # x: (channels, m) samples at the K-filter's rate, the first at absolute index
    # ``start``; hop ``h`` covers absolute indices edges[h] .. edges[h + 1] - 1 and
    # ``hop`` is the one ``start`` falls in. Adds each channel's sum of squared K-filtered
    # samples per hop to energy[c, h], and (when ``cross`` is not empty) the sum of the
    # products of channels 0 and 1 to cross[h]. ``state`` (channels, 4) carries the two
    # sections' filter memories from one call to the next. Samples past the last edge
    # are not needed and not read.
    n_ch, m = x.shape
    n_hops = edges.shape[0] - 1
    stop = min(start + m, edges[n_hops])
    b0, b1, b2, a1, a2 = sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5]
    c0, c1, c2, d1, d2 = sos[1, 0], sos[1, 1], sos[1, 2], sos[1, 4], sos[1, 5]
    fold = cross.shape[0] > 0
    c = 0
    while c < n_ch:
        pair = c + 1 < n_ch
        k = c + 1 if pair else c
        p1, p2, q1, q2 = state[c, 0], state[c, 1], state[c, 2], state[c, 3]
        r1, r2, s1, s2 = state[k, 0], state[k, 1], state[k, 2], state[k, 3]
        h = hop
        pos = start
        while pos < stop:
            seg = min(stop, edges[h + 1])
            e0 = 0.0
            e1 = 0.0
            xc = 0.0
            for i in range(pos - start, seg - start):
                u = x[c, i]
                v = x[k, i]
                # each memory's update puts one multiply-add after the section's output
                # on the path to the next sample; its other terms are formed beside it
                y = b0 * u + p1  # pre-filter (the shelf)
                p1 = (b1 * u + p2) - a1 * y
                p2 = b2 * u - a2 * y
                w = b0 * v + r1
                r1 = (b1 * v + r2) - a1 * w
                r2 = b2 * v - a2 * w
                z = c0 * y + q1  # RLB high-pass
                q1 = (c1 * y + q2) - d1 * z
                q2 = c2 * y - d2 * z
                t = c0 * w + s1
                s1 = (c1 * w + s2) - d1 * t
                s2 = c2 * w - d2 * t
                e0 += z * z
                e1 += t * t
                xc += z * t
            energy[c, h] += e0
            if pair:
                energy[k, h] += e1
                if fold and c == 0:
                    cross[h] += xc
            pos = seg
            h += 1
        state[c, 0], state[c, 1], state[c, 2], state[c, 3] = p1, p2, q1, q2
        if pair:
            state[k, 0], state[k, 1], state[k, 2], state[k, 3] = r1, r2, s1, s2
        c += 2 if pair else 1
