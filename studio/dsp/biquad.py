"""Second-order ("biquad") filters from the RBJ Audio EQ Cookbook.

Each band of a parametric EQ is one biquad. The coefficients here are computed once
and used twice: to filter the audio (:func:`apply_sos`) and to draw the response curve
(:func:`sos_response_db`), so what you see is exactly what you hear.

The formulas follow Robert Bristow-Johnson's cookbook: with ``A = 10**(gain_db/40)``,
``w0 = 2*pi*freq_hz/sr`` and ``alpha = sin(w0)/(2*q)``. :func:`band_coefficients` takes
arrays as well as numbers (one coefficient set per value), which is how a filter sweep
or any other automated filter gets its coefficients block by block.

Filtering runs a small compiled loop (``studio.dsp._filter_kernels``): transposed
direct form II with float64 state, every section inside the sample loop, two channels
side by side. It gives ``scipy.signal.sosfilt``'s result (to float64 rounding) in
about half its time, keeps float32 audio float32 without a float64 copy, and also
runs coefficients that change every block of frames (:func:`apply_sos_blocks`).
:func:`sos_filter_reference` is the readable definition both are tested against.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from studio import buffers
from studio.audio import read_only
from studio.dsp.units import db_to_gain, gain_to_db
from studio.errors import ParameterError

__all__ = [
    "BAND_KINDS",
    "apply_sos",
    "apply_sos_blocks",
    "apply_sos_sets",
    "band_coefficients",
    "band_sos",
    "sos_filter_reference",
    "sos_response",
    "sos_response_db",
]

#: Filter shapes a band can take, in the order a learner meets them.
BAND_KINDS = (
    "peak",
    "low_shelf",
    "high_shelf",
    "high_pass",
    "low_pass",
    "notch",
    "band_pass",
)


def _check_band(kind: str, freq_hz: np.ndarray, q: np.ndarray, sr: int) -> None:
    if kind not in BAND_KINDS:
        raise ParameterError(f"filter kind must be one of {', '.join(BAND_KINDS)}; got {kind!r}.")
    nyquist = sr / 2.0
    bad_f = freq_hz[~((freq_hz > 0.0) & (freq_hz < nyquist))]
    if bad_f.size:
        raise ParameterError(
            f"{kind} filter: freq_hz must be above 0 and below the Nyquist frequency "
            f"({nyquist:g} Hz at a {sr} Hz sample rate); got {float(bad_f.flat[0]):g} Hz."
        )
    bad_q = q[~(q > 0.0)]
    if bad_q.size:
        raise ParameterError(
            f"{kind} filter: q must be greater than 0; got {float(bad_q.flat[0]):g}."
        )


def band_coefficients(
    kind: str,
    freq_hz: float | np.ndarray,
    gain_db: float | np.ndarray,
    q: float | np.ndarray,
    sr: int,
) -> np.ndarray:
    """RBJ-cookbook biquad coefficients for one value or an array of values.

    Parameters
    ----------
    kind : str
        One of :data:`BAND_KINDS`.
    freq_hz, gain_db, q : float or numpy.ndarray
        As in :func:`band_sos`; arrays broadcast against each other (one coefficient
        set per element, e.g. one per block of a filter sweep).
    sr : int
        Sample rate in Hz.

    Returns
    -------
    numpy.ndarray
        Shape ``broadcast_shape + (6,)``: ``[b0, b1, b2, 1, a1, a2]`` divided by ``a0``.
    """
    f, g, qq = np.broadcast_arrays(
        np.asarray(freq_hz, dtype=np.float64),
        np.asarray(gain_db, dtype=np.float64),
        np.asarray(q, dtype=np.float64),
    )
    _check_band(kind, f, qq, sr)
    a = db_to_gain(g / 2.0)  # the cookbook's A = 10**(gain_db/40)
    w0 = 2.0 * np.pi * f / sr
    cos_w0 = np.cos(w0)
    alpha = np.sin(w0) / (2.0 * qq)
    one = np.ones_like(f)

    if kind == "peak":
        b = (1.0 + alpha * a, -2.0 * cos_w0, 1.0 - alpha * a)
        den = (1.0 + alpha / a, -2.0 * cos_w0, 1.0 - alpha / a)
    elif kind in ("low_shelf", "high_shelf"):
        sq = 2.0 * np.sqrt(a) * alpha
        sign = 1.0 if kind == "low_shelf" else -1.0
        ap1, am1 = a + 1.0, a - 1.0
        b = (
            a * (ap1 - sign * am1 * cos_w0 + sq),
            sign * 2.0 * a * (am1 - sign * ap1 * cos_w0),
            a * (ap1 - sign * am1 * cos_w0 - sq),
        )
        den = (
            ap1 + sign * am1 * cos_w0 + sq,
            -sign * 2.0 * (am1 + sign * ap1 * cos_w0),
            ap1 + sign * am1 * cos_w0 - sq,
        )
    elif kind == "low_pass":
        b = ((1.0 - cos_w0) / 2.0, 1.0 - cos_w0, (1.0 - cos_w0) / 2.0)
        den = (1.0 + alpha, -2.0 * cos_w0, 1.0 - alpha)
    elif kind == "high_pass":
        b = ((1.0 + cos_w0) / 2.0, -(1.0 + cos_w0), (1.0 + cos_w0) / 2.0)
        den = (1.0 + alpha, -2.0 * cos_w0, 1.0 - alpha)
    elif kind == "notch":
        b = (one, -2.0 * cos_w0, one)
        den = (1.0 + alpha, -2.0 * cos_w0, 1.0 - alpha)
    else:  # band_pass, constant 0 dB peak gain
        b = (alpha, 0.0 * alpha, -alpha)
        den = (1.0 + alpha, -2.0 * cos_w0, 1.0 - alpha)
    a0 = den[0]
    return np.stack([b[0] / a0, b[1] / a0, b[2] / a0, one, den[1] / a0, den[2] / a0], axis=-1)


def band_sos(kind: str, freq_hz: float, gain_db: float, q: float, sr: int) -> np.ndarray:
    """Return one RBJ-cookbook biquad as a normalised second-order section.

    Parameters
    ----------
    kind : str
        One of :data:`BAND_KINDS`.
    freq_hz : float
        Centre (peak, notch, band pass), corner (shelves: the half-gain point) or cutoff
        (high/low pass) frequency. Must lie strictly between 0 and Nyquist (``sr/2``).
    gain_db : float
        Boost (+) or cut (-) for peak and shelves; ignored by the other kinds.
    q : float
        Bandwidth: higher is narrower. For high/low pass, ``q = 0.7071`` is the flattest
        (Butterworth) response with -3 dB at the cutoff; for shelves it sets how steep the
        transition is (0.7071 is the cookbook's slope S = 1).
    sr : int
        Sample rate in Hz.

    Returns
    -------
    numpy.ndarray
        Shape ``(1, 6)``: ``[b0, b1, b2, 1, a1, a2]`` divided by ``a0``.
    """
    return band_coefficients(kind, float(freq_hz), float(gain_db), float(q), sr).reshape(1, 6)


def sos_response(sos: np.ndarray, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
    """Complex frequency response of second-order sections at ``freqs_hz``."""
    freqs = np.asarray(freqs_hz, dtype=np.float64)
    if len(sos) == 0:
        return np.ones_like(freqs, dtype=np.complex128)
    z = np.exp(-1j * 2.0 * np.pi * freqs / sr)  # z^-1 on the unit circle
    z2 = z * z
    h = np.ones_like(z)
    for b0, b1, b2, a0, a1, a2 in np.asarray(sos, dtype=np.float64):
        h *= (b0 + b1 * z + b2 * z2) / (a0 + a1 * z + a2 * z2)
    return h


def sos_response_db(sos: np.ndarray, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
    """Magnitude response in dB of second-order sections (what the EQ curve shows)."""
    return gain_to_db(sos_response(sos, freqs_hz, sr))


def normalised_sos(sos_blocks: np.ndarray) -> np.ndarray:
    """Sections (or blocks of them) with ``a0 = 1``, float64, contiguous: kernel-ready."""
    return _normalised(sos_blocks)


def _normalised(sos_blocks: np.ndarray) -> np.ndarray:
    coefs = np.asarray(sos_blocks, dtype=np.float64)
    a0 = coefs[..., 3:4]
    if np.any(a0 != 1.0):
        coefs = coefs / a0
    return np.ascontiguousarray(coefs)


_KERNEL = None


def _kernel():  # compiled lazily so `import studio` stays fast; cached on disk by numba
    global _KERNEL
    if _KERNEL is None:
        from studio.dsp._filter_kernels import sos_cascade

        _KERNEL = sos_cascade
    return _KERNEL


def _run(
    samples: np.ndarray, coefs: np.ndarray, block: int, which: np.ndarray | None = None
) -> np.ndarray:
    """Filter with coefficient set ``which[b]`` (by default set ``b``) on block ``b``."""
    x = np.asarray(samples)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    squeeze = x.ndim == 1
    x2 = read_only(np.ascontiguousarray(x.reshape(1, -1) if squeeze else x))
    out = buffers.empty(x2.shape, x2.dtype)
    coefs = _in_threes(coefs)
    if x2.size:
        if which is None:
            which = np.arange(coefs.shape[0])
        _kernel()(x2, coefs, np.ascontiguousarray(which, dtype=np.int64), int(block), out)
    return out[0] if squeeze else out


def _in_threes(coefs: np.ndarray) -> np.ndarray:
    """Sets of sections padded to a multiple of three (the kernel runs three at a time).

    The padding sections pass the signal exactly.
    """
    spare = -coefs.shape[1] % 3
    if not spare:
        return coefs
    through = np.zeros((coefs.shape[0], spare, 6))
    through[..., 0] = through[..., 3] = 1.0
    return np.concatenate([coefs, through], axis=1)


def apply_sos(samples: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Filter every channel through the sections; returns a new array of the same dtype.

    The recursion runs with float64 state (biquads at low frequencies need the
    precision) and the result is written in the input's dtype (float32 stays float32;
    other dtypes come back as float64).
    """
    sos_arr = np.asarray(sos, dtype=np.float64)
    if len(sos_arr) == 0:
        x = np.asarray(samples)
        return np.array(x, dtype=x.dtype if x.dtype in (np.float32, np.float64) else np.float64)
    coefs = _normalised(sos_arr.reshape(1, -1, 6))
    return _run(samples, coefs, max(1, np.shape(samples)[-1]))


def apply_sos_bank(samples: np.ndarray, cascades: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Filter the same samples through several cascades in one pass; one output each.

    ``[apply_sos(samples, sos) for sos in cascades]`` with the same numbers, computed in
    one loop over the samples (the cascades' recursions overlap, so three cascades cost
    about as much as one): a crossover's bands, for instance. Outputs have the input's
    dtype (float32 stays float32; other dtypes come back as float64).
    """
    from studio.dsp._filter_kernels import sos_bank

    x = np.asarray(samples)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    squeeze = x.ndim == 1
    x2 = read_only(np.ascontiguousarray(x.reshape(1, -1) if squeeze else x))
    sets = [np.asarray(sos, dtype=np.float64).reshape(-1, 6) for sos in cascades]
    n_sec = max((len(sos) for sos in sets), default=0)
    coefs = np.tile(np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]), (len(sets), max(n_sec, 1), 1))
    for k, sos in enumerate(sets):
        coefs[k, : len(sos)] = sos
    coefs = _normalised(coefs)
    out = np.empty((len(sets), *x2.shape), dtype=x2.dtype)
    if x2.size and len(sets):
        sos_bank(x2, coefs, out, np.zeros((*coefs.shape[:2], 4)))
    return [o[0] if squeeze else o for o in out]


def apply_sos_blocks(samples: np.ndarray, sos_blocks: np.ndarray, block: int) -> np.ndarray:
    """Filter with coefficients that change every ``block`` frames (automation).

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)``.
    sos_blocks : numpy.ndarray
        ``(n_blocks, n_sections, 6)``: set ``b`` filters frames ``b * block`` up to
        ``(b + 1) * block``; the last set runs to the end. The filter's memory carries
        over from one set to the next, so a sweep has no clicks from restarts.
    block : int
        Frames per coefficient set.
    """
    coefs = _normalised(sos_blocks)
    if coefs.ndim != 3 or coefs.shape[-1] != 6:
        raise ParameterError(
            f"apply_sos_blocks: coefficients must be shaped (blocks, sections, 6); "
            f"got {coefs.shape}."
        )
    if int(block) < 1:
        raise ParameterError(f"apply_sos_blocks: block must be at least 1 frame; got {block}.")
    if coefs.shape[1] == 0:
        return apply_sos(samples, np.zeros((0, 6)))
    if coefs.shape[0] == 0:
        raise ParameterError("apply_sos_blocks: at least one coefficient set is needed.")
    return _run(samples, coefs, int(block))


def apply_sos_sets(
    samples: np.ndarray, sos_sets: np.ndarray, set_of_block: np.ndarray, block: int
) -> np.ndarray:
    """:func:`apply_sos_blocks` with each block's coefficients chosen from a few sets.

    Block ``b`` filters with ``sos_sets[set_of_block[b]]``: the same as
    ``apply_sos_blocks(samples, sos_sets[set_of_block], block)``, without normalising
    and padding a copy of the coefficients of every block (an automation lane that holds
    still most of the song has few sets and many blocks).
    """
    sets = np.asarray(sos_sets, dtype=np.float64)
    which = np.asarray(set_of_block)
    if sets.ndim != 3 or sets.shape[-1] != 6:
        raise ParameterError(
            f"apply_sos_sets: coefficient sets must be shaped (sets, sections, 6); "
            f"got {sets.shape}."
        )
    if (
        which.ndim != 1
        or which.size == 0
        or which.dtype.kind not in "iu"
        or which.min() < 0
        or which.max() >= len(sets)
    ):
        raise ParameterError(
            "apply_sos_sets: set_of_block must list, block by block, set numbers from 0 to "
            f"{len(sets) - 1}; got {which!r}."
        )
    if int(block) < 1:
        raise ParameterError(f"apply_sos_sets: block must be at least 1 frame; got {block}.")
    if sets.shape[1] == 0:
        return apply_sos(samples, np.zeros((0, 6)))
    return _run(samples, _in_threes(_normalised(sets)), int(block), which)


def sos_filter_reference(samples: np.ndarray, sos_blocks: np.ndarray, block: int) -> np.ndarray:
    """Pure-Python cascaded biquad (transposed direct form II): the readable definition.

    Same arguments as :func:`apply_sos_blocks`; returns float64. Per-sample Python
    loops: for tests on short signals only.
    """
    x = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    coefs = _normalised(sos_blocks)
    n_blocks, n_sec = coefs.shape[0], coefs.shape[1]
    out = np.empty_like(x)
    for c in range(x.shape[0]):
        state = [[0.0, 0.0] for _ in range(n_sec)]
        for i in range(x.shape[1]):
            blk = min(i // block, n_blocks - 1)
            v = float(x[c, i])
            for k in range(n_sec):
                b0, b1, b2, _, a1, a2 = coefs[blk, k]
                y = b0 * v + state[k][0]
                state[k][0] = b1 * v - a1 * y + state[k][1]
                state[k][1] = b2 * v - a2 * y
                v = y
            out[c, i] = v
    return out
