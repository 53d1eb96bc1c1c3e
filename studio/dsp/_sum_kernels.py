"""Compiled summing of a bus: several parts added into it in one pass over its frames.

A bus adds tracks one after another. Added one at a time, each part reads and writes the
whole bus again (the bus is far larger than the CPU's caches), and the memory traffic is
the cost. :func:`add_parts` adds up to :data:`PARTS` parts a block of frames at a time,
so the block of the bus stays in the cache while every part is added into it, and a mono
part is read once for both sides. The numbers are those of adding the parts one after
another with numpy: the same float32 products and sums, in the same order.

Imported lazily, as the other compiled loops (see ``_kernels.py``).
"""

import numpy as np
from numba import njit

#: Parts added in one pass (the kernel takes this many; unused ones are empty).
PARTS = 4
#: Frames of the bus per block: both sides' blocks stay in the CPU's first caches.
BLOCK = 4096


@njit(cache=True, nogil=True)
def _add_scaled(dest, src, gain, lo, hi, shift):
    # dest[lo:hi] += gain * src[lo - shift : hi - shift], float32 products and sums
    d = dest[lo:hi]
    s = src[lo - shift : hi - shift]
    if gain == np.float32(1.0):
        for i in range(hi - lo):
            d[i] += s[i]
    else:
        for i in range(hi - lo):
            d[i] += gain * s[i]


@njit(cache=True, nogil=True)
def add_parts(left, right, l0, r0, l1, r1, l2, r2, l3, r3, gains, waits, count):  # noqa: D103
    # Part j (j < count) has rows lj, rj (the same row for a mono part), gains
    # gains[2j], gains[2j + 1] and comes in waits[j] frames late: frame i of it is added
    # at frame waits[j] + i of the bus, up to the bus's end.
    n = left.shape[0]
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        for j in range(count):
            if j == 0:
                sl, sr = l0, r0
            elif j == 1:
                sl, sr = l1, r1
            elif j == 2:
                sl, sr = l2, r2
            else:
                sl, sr = l3, r3
            wait = waits[j]
            lo = max(start, wait)
            if lo >= stop:
                continue
            _add_scaled(left, sl, np.float32(gains[2 * j]), lo, stop, wait)
            _add_scaled(right, sr, np.float32(gains[2 * j + 1]), lo, stop, wait)
