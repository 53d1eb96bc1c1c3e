"""Compiled loops for the recursions of the modulation effects and of noise shaping.

Each kernel has a readable pure-Python twin in :mod:`studio.dsp.modulation`
(``feedback_delay_reference``, ``allpass_chain_reference``) and
:mod:`studio.dsp.dither` (``error_feedback_reference``); the tests hold them equal.
``cache=True`` stores the machine code next to this file, so only the very first call on
a machine pays the compilation.
"""

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def feedback_delay(x, delay, feedback, out):  # noqa: D103 - see modulation.py
    n = x.shape[0]
    fed = np.empty(n)  # what enters the delay line: input plus fed-back tap
    step = 1 if feedback.shape[0] > 1 else 0
    for i in range(n):
        d = delay[i]
        k = math.ceil(d)
        t = k - d
        j = i - k
        tm1 = t - 1.0
        p = t * tm1
        q = (t + 1.0) * (t - 2.0)
        tap = 0.0
        if j >= 1:
            tap += fed[j - 1] * (-p * (t - 2.0) / 6.0)
        if j >= 0:
            tap += fed[j] * (q * tm1 / 2.0)
        if j >= -1:
            tap += fed[j + 1] * (-q * t / 2.0)
        if j >= -2:
            tap += fed[j + 2] * (p * (t + 1.0) / 6.0)
        fed[i] = x[i] + feedback[i * step] * tap
        out[i] = tap


@njit(cache=True, nogil=True)
def allpass_chain(x, coef, stages, feedback, out, state):  # noqa: D103 - see modulation.py
    # every channel advances in the same loop: independent chains overlap in the CPU.
    # state: (channels, 2 * stages + 1) zeros from the caller (no allocation here)
    n_ch, n = x.shape
    prev_in = state[:, :stages]
    prev_out = state[:, stages : 2 * stages]
    last = state[:, 2 * stages]
    step = 1 if feedback.shape[0] > 1 else 0
    for i in range(n):
        a = coef[i]
        fb = feedback[i * step]
        for c in range(n_ch):
            v = x[c, i] + fb * last[c]
            for s in range(stages):
                y = a * v + prev_in[c, s] - a * prev_out[c, s]
                prev_in[c, s] = v
                prev_out[c, s] = y
                v = y
            last[c] = v
            out[c, i] = v


@njit(cache=True, nogil=True)
def error_feedback(scaled, noise, coefs, history, out):  # noqa: D103 - see dither.py
    order = coefs.shape[0]
    n = scaled.shape[0]
    errors = np.empty(n + order)  # oldest first: errors[order + i] is the error at i
    for k in range(order):
        errors[order - 1 - k] = history[k]
    for i in range(n):
        acc = 0.0
        for k in range(order):
            acc += coefs[k] * errors[order + i - 1 - k]
        u = scaled[i] - acc
        q = math.floor(u + noise[i] + 0.5)
        errors[order + i] = q - u
        out[i] = q
    for k in range(order):
        history[k] = errors[n + order - 1 - k]
