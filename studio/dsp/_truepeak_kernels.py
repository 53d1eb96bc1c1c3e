"""Compiled loop for the true-peak meter's trace: the in-between points, hop by hop.

The readable version is ``truepeak._interpolated_hop_peaks`` (windows of 17 samples
times a matrix of filter phases, one numpy product per chunk); the tests hold the two
equal. Here each phase is a short filter run over a chunk of outputs at a time (four
taps per pass, in vector registers), the largest magnitude of the phases is kept per
output, and each hop's largest value is read off directly: no window matrix is built
(it would be 17 times the audio). float32 arithmetic, as in the reference (ample: about
1e-7 relative error, 1e-6 dB).

One signature (float32, contiguous): the caller converts a second of audio at a time.
"""

from numba import njit

_CHUNK = 256
CHUNK = _CHUNK  #: outputs per pass; the caller's scratch is (2, CHUNK) float32


@njit(
    "void(float32[:, ::1], int64, float32[:, ::1], int64[::1], int64, int64, "
    "float64[:, ::1], float64[::1], float32[:, ::1])",
    cache=True,
    nogil=True,
    fastmath=True,
)
def hop_true_peaks(seg, first, phases, edges, n, hop, hops, best, scratch):  # noqa: D103
    # seg (channels, m + taps - 1): seg[c, j] = x[c, first - (taps - 1) + j], zeros
    # outside the audio; outputs o = first .. first + m - 1, where phase p of output o
    # is sum_j phases[p, j] * seg[c, o - first + j] (the points between samples
    # o - half and o - half + 1, half = (taps - 1) // 2). Output o counts for the hop of
    # sample o - half: hop 0 before the audio starts; after the last whole hop, the last
    # hop when the audio is a whole number of hops (its ringing), otherwise only the
    # overall peak ``best``. ``hop`` is the hop of output ``first`` (or the first hop
    # it may fall in). hops[c, h] and best[c] are raised, never lowered.
    n_ch = seg.shape[0]
    n_phases, taps = phases.shape
    m = seg.shape[1] - taps + 1
    half = (taps - 1) // 2
    n_hops = edges.shape[0] - 1
    whole = n_hops > 0 and edges[n_hops] == n
    acc = scratch[0]  # (2, CHUNK) from the caller: no allocation to compile here
    peak = scratch[1]
    for c in range(n_ch):
        row = seg[c]
        h = hop
        for i0 in range(0, m, _CHUNK):
            k = min(_CHUNK, m - i0)
            v = peak[:k]
            a = acc[:k]
            for i in range(k):
                v[i] = 0.0
            for p in range(n_phases):
                t = phases[p]
                for i in range(k):
                    a[i] = 0.0
                j = 0
                while j + 3 < taps:
                    t0 = t[j]
                    t1 = t[j + 1]
                    t2 = t[j + 2]
                    t3 = t[j + 3]
                    x0 = row[i0 + j : i0 + j + k]
                    x1 = row[i0 + j + 1 : i0 + j + 1 + k]
                    x2 = row[i0 + j + 2 : i0 + j + 2 + k]
                    x3 = row[i0 + j + 3 : i0 + j + 3 + k]
                    for i in range(k):
                        a[i] += t0 * x0[i] + t1 * x1[i] + t2 * x2[i] + t3 * x3[i]
                    j += 4
                while j < taps:
                    t0 = t[j]
                    x0 = row[i0 + j : i0 + j + k]
                    for i in range(k):
                        a[i] += t0 * x0[i]
                    j += 1
                for i in range(k):
                    v[i] = max(v[i], abs(a[i]))
            # hand each run of outputs to its hop
            i = 0
            while i < k:
                s = first + i0 + i - half  # the sample before these points
                if n_hops == 0:
                    target = -1
                    stop = k
                elif s < edges[1]:
                    target = 0
                    stop = k if (n_hops == 1 and whole) else min(k, edges[1] + half - first - i0)
                elif s < edges[n_hops]:
                    while edges[h + 1] <= s:
                        h += 1
                    target = h
                    last = h == n_hops - 1 and whole
                    stop = k if last else min(k, edges[h + 1] + half - first - i0)
                else:
                    target = n_hops - 1 if whole else -1
                    stop = k
                top = 0.0
                for q in range(i, stop):
                    top = max(top, v[q])
                if target >= 0 and top > hops[c, target]:
                    hops[c, target] = top
                if top > best[c]:
                    best[c] = top
                i = stop
