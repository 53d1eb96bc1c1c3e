"""Second-order ("biquad") filters from the RBJ Audio EQ Cookbook.

Each band of a parametric EQ is one biquad. The coefficients here are computed once
and used twice: to filter the audio (``scipy.signal.sosfilt``) and to draw the response
curve (``scipy.signal.sosfreqz``), so what you see is exactly what you hear.

The formulas follow Robert Bristow-Johnson's cookbook: with ``A = 10**(gain_db/40)``,
``w0 = 2*pi*freq_hz/sr`` and ``alpha = sin(w0)/(2*q)``.
"""

from __future__ import annotations

import numpy as np

from studio.errors import ParameterError

__all__ = ["BAND_KINDS", "apply_sos", "band_sos", "sos_response", "sos_response_db"]

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
    if kind not in BAND_KINDS:
        raise ParameterError(f"filter kind must be one of {', '.join(BAND_KINDS)}; got {kind!r}.")
    nyquist = sr / 2.0
    if not 0.0 < freq_hz < nyquist:
        raise ParameterError(
            f"{kind} filter: freq_hz must be above 0 and below the Nyquist frequency "
            f"({nyquist:g} Hz at a {sr} Hz sample rate); got {freq_hz:g} Hz."
        )
    if not q > 0.0:
        raise ParameterError(f"{kind} filter: q must be greater than 0; got {q:g}.")
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * freq_hz / sr
    cos_w0 = np.cos(w0)
    alpha = np.sin(w0) / (2.0 * q)

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
        b = (1.0, -2.0 * cos_w0, 1.0)
        den = (1.0 + alpha, -2.0 * cos_w0, 1.0 - alpha)
    else:  # band_pass, constant 0 dB peak gain
        b = (alpha, 0.0, -alpha)
        den = (1.0 + alpha, -2.0 * cos_w0, 1.0 - alpha)
    a0 = den[0]
    return np.array([[b[0] / a0, b[1] / a0, b[2] / a0, 1.0, den[1] / a0, den[2] / a0]])


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
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(np.abs(sos_response(sos, freqs_hz, sr)))


def apply_sos(samples: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Filter every channel through the sections; returns a new array of the same dtype.

    The recursion runs in float64 (biquads at low frequencies need the precision) and
    the result is cast back to the input's dtype.
    """
    from scipy.signal import sosfilt

    if len(sos) == 0:
        return np.array(samples, copy=True)
    out = sosfilt(np.asarray(sos, dtype=np.float64), samples, axis=-1)
    return out.astype(samples.dtype, copy=False)
