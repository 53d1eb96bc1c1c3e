"""Dynamics: the compressor's static curve and its attack/release smoother.

A feed-forward compressor in three steps, each a function here:

1. **Detector.** The level of the signal in dB, sample by sample (peak: the largest
   absolute sample over all channels, so a stereo image does not shift).
2. **Gain computer.** The static curve: below the threshold nothing happens; above it,
   every ``ratio`` dB in gives 1 dB out. A soft knee of width ``knee_db`` bends the curve
   gradually around the threshold (a quadratic blend), so the compressor eases in.
3. **Smoother.** The gain change does not jump: it moves toward more reduction with the
   attack time and back with the release time (a branching one-pole smoother in the dB
   domain). This recursion depends on its own previous output and cannot be vectorised
   exactly, so it runs as a small compiled loop (numba, cached); a pure-Python
   reference lives beside it for the tests.

Time constants: after ``attack_ms`` the gain has moved 63% (1 - 1/e) of the way to its
target; after ``release_ms`` the same on the way back.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "compress",
    "compressor_gain_db",
    "detector_level_db",
    "smooth_gain_db",
    "smooth_gain_db_reference",
    "static_curve_db",
    "time_constant_coef",
]

#: Level assigned to digital silence by the detector (far below any threshold).
DETECTOR_FLOOR_DB = -200.0


def static_curve_db(
    level_db: np.ndarray | float, *, threshold_db: float, ratio: float, knee_db: float
) -> np.ndarray:
    """Output level for an input level on the compressor's static curve (soft knee).

    Parameters
    ----------
    level_db : array_like
        Input level(s) in dB.
    threshold_db : float
        Where compression starts (the middle of the knee).
    ratio : float
        ``x:1``: above the knee, ``ratio`` dB more input gives 1 dB more output.
    knee_db : float
        Width of the soft knee around the threshold (0 = hard knee).

    Returns
    -------
    numpy.ndarray
        Output level(s) in dB, same shape as ``level_db``.
    """
    x = np.asarray(level_db, dtype=np.float64)
    over = x - threshold_db
    slope = 1.0 / ratio - 1.0
    y = x + slope * np.maximum(over, 0.0)  # hard knee
    if knee_db > 0.0:
        in_knee = np.abs(over) <= knee_db / 2.0
        blend = x + slope * (over + knee_db / 2.0) ** 2 / (2.0 * knee_db)
        y = np.where(in_knee, blend, y)
    return y


def detector_level_db(samples: np.ndarray) -> np.ndarray:
    """Peak detector: the level in dB of the loudest channel at each sample (float64)."""
    peak = np.max(np.abs(samples), axis=0) if samples.shape[0] > 1 else np.abs(samples[0])
    with np.errstate(divide="ignore"):
        level = 20.0 * np.log10(peak.astype(np.float64, copy=False))
    return np.maximum(level, DETECTOR_FLOOR_DB, out=level)


def time_constant_coef(time_ms: float, sr: int) -> float:
    """One-pole coefficient for a time constant (63% of the way after ``time_ms``)."""
    return float(np.exp(-1.0 / (time_ms * 1e-3 * sr)))


def smooth_gain_db_reference(gain_db: np.ndarray, attack: float, release: float) -> np.ndarray:
    """Pure-Python branching smoother: the readable definition the fast one must match.

    Starts from 0 dB (no reduction). When the target asks for more reduction than the
    current state, move toward it with the attack coefficient, otherwise with the
    release coefficient.
    """
    out = np.empty(len(gain_db), dtype=np.float64)
    state = 0.0
    for n, target in enumerate(gain_db):
        coef = attack if target < state else release
        state = coef * state + (1.0 - coef) * target
        out[n] = state
    return out


_KERNEL = None


def _kernel():  # compiled lazily so `import studio` stays fast; cached on disk by numba
    global _KERNEL
    if _KERNEL is None:
        from studio.dsp._kernels import smooth_branching

        _KERNEL = smooth_branching
    return _KERNEL


def smooth_gain_db(gain_db: np.ndarray, attack: float, release: float) -> np.ndarray:
    """Branching attack/release smoother (compiled; same result as the reference)."""
    target = np.ascontiguousarray(gain_db, dtype=np.float64)
    out = np.empty_like(target)
    _kernel()(target, float(attack), float(release), out)
    return out


def compressor_gain_db(
    samples: np.ndarray,
    sr: int,
    *,
    threshold_db: float,
    ratio: float,
    knee_db: float,
    attack_ms: float,
    release_ms: float,
) -> np.ndarray:
    """Gain change in dB over time (0 = untouched, negative = reduction), before make-up."""
    level = detector_level_db(samples)
    target = static_curve_db(level, threshold_db=threshold_db, ratio=ratio, knee_db=knee_db)
    target -= level
    if not target.any():
        return target
    return smooth_gain_db(
        target, time_constant_coef(attack_ms, sr), time_constant_coef(release_ms, sr)
    )


def compress(
    samples: np.ndarray,
    sr: int,
    *,
    threshold_db: float,
    ratio: float,
    knee_db: float,
    attack_ms: float,
    release_ms: float,
    makeup_db: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Compress ``samples``; return ``(output, gain_reduction_db)``.

    The output has the dtype of ``samples``; the gain-reduction trace (float64, one
    value per frame, <= 0) is what a compressor's meter shows.
    """
    reduction = compressor_gain_db(
        samples,
        sr,
        threshold_db=threshold_db,
        ratio=ratio,
        knee_db=knee_db,
        attack_ms=attack_ms,
        release_ms=release_ms,
    )
    if makeup_db == 0.0 and not reduction.any():
        return np.array(samples, copy=True), reduction
    gain = np.power(10.0, (reduction + makeup_db) / 20.0).astype(samples.dtype, copy=False)
    out = np.multiply(samples, gain, dtype=samples.dtype)
    return out, reduction
