"""Gate and expander: push quiet passages further down, so noise and spill drop away.

Below the threshold the level is pushed further down (``ratio``: 2:1 expands gently, 20:1
and up is a gate), by at most ``range_db``; a hold keeps the gate open a moment after the
level drops; attack opens, release closes. The level detector, the side-chain key and
the per-frame parameters are the compressor's (:mod:`studio.dsp.dynamics`); the
recursion is one compiled loop whose definition is :func:`gate_gain_db_reference`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.audio import Audio, as_samples
from studio.dsp.control import Control
from studio.dsp.dynamics import (
    apply_gain_db,
    checked_control,
    detector_level_db,
    kernels,
    key_samples,
    time_constant_coef,
)

__all__ = ["expander_gain_db", "gate", "gate_gain_db", "gate_gain_db_reference"]


def expander_gain_db(
    level_db: np.ndarray | float,
    *,
    threshold_db: float | np.ndarray,
    ratio: float | np.ndarray,
    range_db: float | np.ndarray,
) -> np.ndarray:
    """Gain change (dB, <= 0) of a downward expander/gate at an input level.

    Above the threshold nothing; below it every dB under the threshold becomes
    ``ratio`` dB under it, i.e. a gain of ``(ratio - 1) * (level - threshold)``, but never
    more than ``range_db`` of reduction. A high ratio (10:1 and up) is a gate.
    """
    x = np.asarray(level_db, dtype=np.float64)
    under = np.minimum(x - threshold_db, 0.0)
    gain = (np.asarray(ratio, dtype=np.float64) - 1.0) * under
    return np.maximum(gain, -np.asarray(range_db, dtype=np.float64))


def gate_gain_db_reference(
    level_db: np.ndarray,
    *,
    threshold_db: float | np.ndarray,
    ratio: float | np.ndarray,
    range_db: float | np.ndarray,
    attack: float | np.ndarray,
    hold: int | np.ndarray,
    release: float | np.ndarray,
) -> np.ndarray:
    """The gate's recursion in plain Python: the definition of the compiled loop.

    For each frame: the expander's static gain; a hold (when the static gain opens up to
    or past the held value, it is taken and held for ``hold`` frames; after that the
    held value follows the static gain); then the branching smoother, opening (gain
    rising) with the ``attack`` coefficient and closing with ``release``.
    """
    n = len(level_db)

    def per_frame(v: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))

    thr, rat, rng = per_frame(threshold_db), per_frame(ratio), per_frame(range_db)
    att, rel, hld = per_frame(attack), per_frame(release), per_frame(hold)
    out = np.empty(n, dtype=np.float64)
    state, held, timer = 0.0, 0.0, 0
    for i in range(n):
        under = min(float(level_db[i]) - float(thr[i]), 0.0)
        target = max((float(rat[i]) - 1.0) * under, -float(rng[i]))
        if target >= held:
            held, timer = target, int(hld[i])
        elif timer > 0:
            timer -= 1
        else:
            held = target
        coef = rel[i] if held < state else att[i]
        state = coef * state + (1.0 - coef) * held
        out[i] = state
    return out


def gate_gain_db(
    samples: np.ndarray,
    sr: int,
    *,
    threshold_db: Control,
    ratio: Control,
    range_db: Control,
    attack_ms: Control,
    hold_ms: Control,
    release_ms: Control,
    key: np.ndarray | Audio | None = None,
) -> np.ndarray:
    """The gate's gain change over time in dB (<= 0); parameters as in :func:`gate`."""
    x = as_samples(samples)
    n = x.shape[1]
    thr = checked_control(threshold_db, n, sr, "threshold_db")
    ratio_v = checked_control(ratio, n, sr, "ratio (x:1)", lo=1.0)
    rng = checked_control(range_db, n, sr, "range_db", lo=0.0)
    attack = checked_control(attack_ms, n, sr, "attack_ms", above=0.0)
    hold = checked_control(hold_ms, n, sr, "hold_ms", lo=0.0)
    release = checked_control(release_ms, n, sr, "release_ms", above=0.0)
    source = x if key is None else key_samples(key, n, sr, "gate")
    level = detector_level_db(source)
    if n == 0:
        return np.zeros(0)
    hold_frames = np.rint(np.asarray(hold) * 1e-3 * sr).astype(np.int64)

    def per_frame(v: Any, dtype: Any = np.float64) -> tuple[np.ndarray, int]:
        arr = np.ascontiguousarray(np.atleast_1d(v), dtype=dtype)
        return arr, int(arr.size > 1)

    out = np.empty(n)
    args = [
        per_frame(thr),
        per_frame(ratio_v),
        per_frame(rng),
        per_frame(time_constant_coef(attack, sr)),
        per_frame(hold_frames, np.int64),
        per_frame(time_constant_coef(release, sr)),
    ]
    kernels().gate_gain(level, *[a for pair in args for a in pair], out)
    return out


def gate(
    samples: np.ndarray,
    sr: int,
    *,
    threshold_db: Control,
    ratio: Control,
    range_db: Control,
    attack_ms: Control,
    hold_ms: Control,
    release_ms: Control,
    key: np.ndarray | Audio | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gate or expand ``samples``; return ``(output, gain_reduction_db)``.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples (linked: one gain for all channels).
    sr : int
        Sample rate in Hz.
    threshold_db : float, array or Envelope
        Below this peak level the gain goes down.
    ratio : float, array or Envelope
        Expansion ratio (1 = off, 2 = gentle expander, 10 and up = gate).
    range_db : float, array or Envelope
        Largest reduction (0 = off); a gate that shuts by 20 dB instead of to silence
        sounds more natural.
    attack_ms, hold_ms, release_ms : float, array or Envelope
        How fast it opens, how long it stays open after the level drops, how fast it
        closes.
    key : array or Audio, optional
        External side-chain (e.g. open a bass's gate with the kick).

    Returns
    -------
    output : numpy.ndarray
        Same shape and dtype as ``samples``.
    gain_reduction_db : numpy.ndarray
        Gain change per frame (float64, <= 0).
    """
    x = as_samples(samples)
    trace = gate_gain_db(
        x,
        sr,
        threshold_db=threshold_db,
        ratio=ratio,
        range_db=range_db,
        attack_ms=attack_ms,
        hold_ms=hold_ms,
        release_ms=release_ms,
        key=key,
    )
    if not trace.any():
        return x.copy(), trace
    return apply_gain_db(x, trace), trace
