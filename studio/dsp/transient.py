"""Transient shaper: punchier or softer hits, longer or shorter tails, no threshold.

Fast and slow envelope followers tell onsets (the fast one leads) from decays (a slowly
falling one lingers above); ``attack_db`` and ``sustain_db`` are applied in proportion.
Steady sounds pass unchanged at any level.
"""

from __future__ import annotations

import numpy as np

from studio.audio import as_samples
from studio.dsp.control import Control
from studio.dsp.dynamics import (
    apply_gain_db,
    checked_control,
    follow_envelope,
    kernels,
    time_constant_coef,
)
from studio.dsp.units import gain_to_db

__all__ = ["shape_transients", "transient_gain_db"]


#: Envelope followers of the transient shaper: (rise ms, fall ms). The attack amount
#: compares FAST with SLOW (which lags behind every onset), the sustain amount TAIL
#: with FAST (TAIL lingers after the sound starts to decay).
TRANSIENT_FAST_MS = (0.5, 50.0)
TRANSIENT_SLOW_MS = (20.0, 100.0)
TRANSIENT_TAIL_MS = (0.5, 300.0)
#: The followers listen to the peak level held over this window: longer than one period
#: of anything above 40 Hz, so a steady tone gives a steady level (no ripple) and all
#: followers settle on the same value.
TRANSIENT_PEAK_HOLD_MS = 25.0
#: A lead of this many dB counts as a full onset (or a full tail): amount 1.
TRANSIENT_FULL_DB = 6.0
#: Followers below this amplitude count as silence.
_SILENT = 1e-10


def _transient_amounts(samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """How much each frame is an onset and how much a decaying tail (0..1 each)."""
    x = as_samples(samples)
    peak = np.empty(x.shape[1], dtype=np.float64)
    kernels().abs_peak_frames(x, peak)
    from scipy import ndimage

    width = max(1, int(round(TRANSIENT_PEAK_HOLD_MS * 1e-3 * sr)))
    # the largest peak over the last `width` frames (a window that ends at each frame)
    held = ndimage.maximum_filter1d(peak, width, origin=(width - 1) - width // 2, mode="nearest")

    def follow(times: tuple[float, float]) -> np.ndarray:
        rise, fall = (float(time_constant_coef(t, sr)) for t in times)
        return np.maximum(follow_envelope(held, rise, fall), _SILENT)

    fast = follow(TRANSIENT_FAST_MS)
    slow = follow(TRANSIENT_SLOW_MS)
    tail = follow(TRANSIENT_TAIL_MS)
    onset = gain_to_db(fast / slow) / TRANSIENT_FULL_DB
    decay = gain_to_db(tail / fast) / TRANSIENT_FULL_DB
    return np.clip(onset, 0.0, 1.0), np.clip(decay, 0.0, 1.0)


def transient_gain_db(
    samples: np.ndarray, sr: int, *, attack_db: Control, sustain_db: Control
) -> np.ndarray:
    """The transient shaper's gain change per frame in dB (may be positive).

    ``attack_db * onset + sustain_db * tail``, where ``onset`` (0..1) measures how far a
    fast envelope follower leads a slow one (the first tens of milliseconds of a hit)
    and ``tail`` (0..1) how far a slowly falling follower stays above the fast one (a
    decaying sound); each counts fully from a 6 dB lead. Steady sounds get 0 dB.
    """
    x = as_samples(samples)
    n = x.shape[1]
    attack = checked_control(attack_db, n, sr, "attack_db")
    sustain = checked_control(sustain_db, n, sr, "sustain_db")
    if n == 0 or (not np.any(attack) and not np.any(sustain)):
        return np.zeros(n)
    onset, decay = _transient_amounts(x, sr)
    return attack * onset + sustain * decay


def shape_transients(
    samples: np.ndarray, sr: int, *, attack_db: Control, sustain_db: Control
) -> tuple[np.ndarray, np.ndarray]:
    """Boost or cut the onsets and the tails of hits; return ``(output, gain_db)``.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples (one gain for all channels).
    sr : int
        Sample rate in Hz.
    attack_db : float, array or Envelope
        Gain at the onset of each hit (+ punchier, - softer).
    sustain_db : float, array or Envelope
        Gain on the decaying tail (+ longer, roomier; - tighter, drier).

    Returns
    -------
    output : numpy.ndarray
        Same shape and dtype as ``samples``.
    gain_db : numpy.ndarray
        Gain change per frame in dB (float64).
    """
    x = as_samples(samples)
    trace = transient_gain_db(x, sr, attack_db=attack_db, sustain_db=sustain_db)
    if not trace.any():
        return x.copy(), trace
    return apply_gain_db(x, trace), trace
