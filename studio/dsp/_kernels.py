"""Compiled loops for the recursions that cannot be vectorised exactly.

Each kernel has a readable pure-Python twin in the module that uses it; the tests hold
them equal. ``cache=True`` stores the machine code next to this file, so only the very
first call on a machine pays the compilation.
"""

from numba import njit


@njit(cache=True, nogil=True)
def smooth_branching(target, attack, release, out):  # noqa: D103 - see dynamics.py
    state = 0.0
    for n in range(target.shape[0]):
        x = target[n]
        coef = attack if x < state else release
        state = coef * state + (1.0 - coef) * x
        out[n] = state
