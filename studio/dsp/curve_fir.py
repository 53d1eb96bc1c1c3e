"""A linear-phase FIR filter drawn from a gain curve (frequency sampling with a window).

A match EQ does not come as bells and shelves: it is a measured curve, a gain in dB at
each of a few dozen frequencies. :func:`curve_fir_taps` turns such a curve into one
symmetric FIR filter:

1. the curve is read on an even FFT grid, straight lines between its points on a
   logarithmic frequency axis (the way the ear and a spectrum plot space them), easing
   back to 0 dB one point-spacing beyond its first and last points (nothing changes
   where nothing was measured);
2. that magnitude, with zero phase, goes through an inverse FFT: a symmetric impulse
   response centred on its middle tap;
3. a Hann window tapers the ends, so the response between the grid points stays
   smooth (it blurs the curve by about two grid spacings, a few Hz).

The filter is applied with :func:`studio.dsp.filters.convolve_aligned`, which removes its
delay. Like every linear-phase EQ it rings a little before transients; a gentle curve
(a few dB over an octave or more) keeps that inaudible.
"""

from __future__ import annotations

import numpy as np

from studio.dsp.units import db_to_gain
from studio.errors import ParameterError

__all__ = ["curve_fir_length", "curve_fir_taps", "curve_response_db"]

#: Frequency resolution the FIR is sized for (Hz). The window blurs the curve over about
#: four times this, so third-octave points (7 Hz apart at 31.5 Hz) need it this fine:
#: any third-octave curve within +-6 dB is then followed within about 0.35 dB from
#: 100 Hz up and 0.7 dB at 50 Hz (at 6 Hz the errors were 1 dB and 3 dB).
RESOLUTION_HZ = 1.5


def curve_fir_length(sr: int) -> int:
    """Taps (odd) of a curve FIR at ``sr``: about ``sr / 1.5`` (32767 at 48 kHz, 0.68 s)."""
    return (1 << int(np.ceil(np.log2(sr / RESOLUTION_HZ)))) - 1


def _check_curve(freqs_hz: np.ndarray, gains_db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(freqs_hz, dtype=np.float64).ravel()
    g = np.asarray(gains_db, dtype=np.float64).ravel()
    if f.shape != g.shape:
        raise ParameterError(
            f"curve FIR: {f.size} frequencies but {g.size} gains; give one gain per frequency."
        )
    if f.size and (np.any(~np.isfinite(f)) or np.any(f <= 0.0) or np.any(np.diff(f) <= 0.0)):
        raise ParameterError("curve FIR: frequencies must be positive, finite and ascending.")
    if np.any(~np.isfinite(g)):
        raise ParameterError("curve FIR: every gain must be a finite number of dB.")
    return f, g


def curve_response_db(freqs_hz: np.ndarray, gains_db: np.ndarray, at_hz: np.ndarray) -> np.ndarray:
    """The gain (dB) the curve asks for at ``at_hz`` (the ideal the FIR follows).

    Straight lines between the points on a log-frequency axis; 0 dB from one spacing
    beyond the first and last points outward (and at 0 Hz).
    """
    f, g = _check_curve(freqs_hz, gains_db)
    at = np.asarray(at_hz, dtype=np.float64)
    if f.size == 0:
        return np.zeros(at.shape)
    if f.size == 1:  # a lone point eases out over an octave either side
        lo_f, hi_f = f[0] / 2.0, f[0] * 2.0
    else:
        lo_f, hi_f = f[0] * f[0] / f[1], f[-1] * f[-1] / f[-2]
    x = np.log2(np.concatenate([[lo_f], f, [hi_f]]))
    y = np.concatenate([[0.0], g, [0.0]])
    with np.errstate(divide="ignore"):
        log_at = np.log2(np.maximum(at, 1e-300))
    return np.interp(log_at, x, y, left=0.0, right=0.0)


def curve_fir_taps(
    freqs_hz: np.ndarray, gains_db: np.ndarray, sr: int, *, n_taps: int | None = None
) -> np.ndarray:
    """A symmetric (linear-phase) FIR whose magnitude follows the gain curve.

    Parameters
    ----------
    freqs_hz : numpy.ndarray
        Ascending frequencies of the curve's points, in Hz.
    gains_db : numpy.ndarray
        Gain at each point in dB.
    sr : int
        Sample rate in Hz.
    n_taps : int, optional
        Odd length; :func:`curve_fir_length` by default.

    Returns
    -------
    numpy.ndarray
        float64 taps, symmetric around tap ``(n_taps - 1) / 2``. An all-zero curve gives
        a single 1 in the middle (the filter changes nothing).

    Examples
    --------
    >>> taps = curve_fir_taps([1000.0, 2000.0], [0.0, 0.0], 48000)
    >>> len(taps), float(taps[len(taps) // 2])
    (32767, 1.0)
    """
    f, g = _check_curve(freqs_hz, gains_db)
    n = curve_fir_length(sr) if n_taps is None else int(n_taps)
    if n < 1 or n % 2 == 0:
        raise ParameterError(f"curve FIR: n_taps must be a positive odd number; got {n}.")
    grid = n + 1
    bins = np.arange(grid // 2 + 1) * (sr / grid)
    magnitude = db_to_gain(curve_response_db(f, g, bins))
    impulse = np.fft.irfft(magnitude, n=grid)  # zero phase: symmetric around index 0
    taps = np.roll(impulse, grid // 2)[1:]  # centre at (n - 1) / 2
    window = np.hanning(n + 2)[1:-1]  # symmetric Hann without its zero ends
    taps *= window
    return 0.5 * (taps + taps[::-1])  # exactly symmetric (the FFT leaves rounding)
