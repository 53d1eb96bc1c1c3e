"""Dynamics: the compressor, and the pieces the other dynamics processors share.

A feed-forward compressor in three steps, each a function here:

1. **Detector.** The level of the signal in dB, frame by frame. *Peak*: the largest
   absolute sample over all channels (so a stereo image does not shift). *RMS*: the
   root mean square over the last ``rms_ms`` (of the loudest channel), closer to how
   loud a part sounds; a steady sine reads 3 dB below its peak. The detector can
   listen to a filtered copy (a *side-chain high-pass*, so a kick drum no longer pumps
   the whole mix) or to another signal altogether (an external *key*: the bass ducks
   when the kick hits).
2. **Gain computer.** The static curve: below the threshold nothing happens; above it,
   every ``ratio`` dB in gives 1 dB out. A soft knee of width ``knee_db`` bends the curve
   gradually around the threshold (a quadratic blend), so the compressor eases in.
3. **Smoother.** The gain change does not jump: it moves toward more reduction with the
   attack time and back with the release time (a branching one-pole smoother in the dB
   domain). This recursion depends on its own previous output and cannot be vectorised
   exactly, so steps 2 and 3 run as one small compiled loop (numba, cached); the
   pure-Python :func:`compressor_gain_db_reference` is its definition, and the tests
   hold them equal.

Time constants: after ``attack_ms`` the gain has moved 63% (1 - 1/e) of the way to its
target; after ``release_ms`` the same on the way back.

Then **make-up** gain (by hand, or automatic: :func:`auto_makeup_db`), **lookahead**
(the detector hears ``lookahead_ms`` ahead of the audio; the output stays aligned with
the input, as a DAW compensates a plug-in's latency) and a **parallel mix**
(``mix_pct``: 0 = dry, 100 = fully compressed; the dry and compressed signals are in
phase, so they blend without comb filtering).

Every threshold, ratio, knee, time constant, make-up, mix, RMS window, side-chain
filter and lookahead accepts a number, a value per frame or an
:class:`~studio.dsp.control.Envelope` (automation); only the detector choice is fixed
for a whole call. A moving RMS window averages, at each frame, over the last
``rms_ms`` of that frame (exact, from running sums). A moving side-chain high-pass
takes new coefficients every :data:`SIDECHAIN_HPF_BLOCK` frames (the value at the
middle of each block; blocks below 1 Hz are off), its memory carried across. A moving
lookahead ``L(n)`` (in frames) keeps the latency constant at the largest lookahead of
the call (the output stays aligned with the input) and lets the detector read ahead by
the moving amount: the gain applied at output frame ``n`` is the smoother's value at
detector frame ``n + L(n)`` (see :func:`compress`).

The same pieces (detector, key, per-frame parameters, compiled loops) make the other
dynamics processors, each in its own module: the gate/expander (:mod:`studio.dsp.gate`),
the transient shaper (:mod:`studio.dsp.transient`) and the multiband compressor
(:mod:`studio.dsp.multiband`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio import buffers
from studio.audio import Audio, as_samples, read_only
from studio.dsp.biquad import apply_sos, apply_sos_blocks, band_coefficients, band_sos
from studio.dsp.control import Control, is_varying, resolve
from studio.errors import AudioDataError, ParameterError

__all__ = [
    "AUTO_MAKEUP_REFERENCE_DB",
    "DETECTORS",
    "apply_gain_db",
    "auto_makeup_db",
    "checked_control",
    "compress",
    "compress_filtered",
    "compressor_gain_db",
    "compressor_gain_db_reference",
    "detector_level_db",
    "follow_envelope",
    "kernels",
    "key_samples",
    "level_db",
    "smooth_gain_db",
    "smooth_gain_db_reference",
    "static_curve_db",
    "static_gain_db",
    "time_constant_coef",
]

#: Side-chain high-pass settings below this are "off" (a filter there changes nothing
#: audible, and a cutoff near 0 Hz has no stable digital design).
SIDECHAIN_HPF_MIN_HZ = 1.0
#: Frames per coefficient update of a moving side-chain high-pass.
SIDECHAIN_HPF_BLOCK = 32

#: Level assigned to digital silence by the detector (far below any threshold).
DETECTOR_FLOOR_DB = -200.0
#: Detector choices.
DETECTORS = ("peak", "rms")
#: Auto make-up restores a steady signal at this level (dBFS) to the same level: the
#: usual average level of a track (0 VU on an EBU-aligned desk is -18 dBFS).
AUTO_MAKEUP_REFERENCE_DB = -18.0

_DB_TO_LOG = np.log(10.0) / 20.0
#: dB per neper (20 / ln 10): the natural logarithm of an amplitude times this is dB.
DB_PER_NEPER = 20.0 / np.log(10.0)


# --- small helpers -----------------------------------------------------------------------


def kernels() -> Any:
    """The compiled loops, imported on first use so ``import studio`` stays fast."""
    from studio.dsp import _kernels

    return _kernels


def checked_control(
    value: Control,
    n: int,
    sr: int,
    name: str,
    lo: float | None = None,
    hi: float | None = None,
    above: float | None = None,
) -> float | np.ndarray:
    """Resolve a parameter to a float or a per-frame array and check its range."""
    v = resolve(value, n, sr, name=name)
    if n == 0 and np.ndim(v):
        return 0.0 if lo is None else lo
    low, high = float(np.min(v)), float(np.max(v))
    if lo is not None and low < lo:
        raise ParameterError(f"{name} must be at least {lo:g}; got {low:g}.")
    if above is not None and low <= above:
        raise ParameterError(f"{name} must be above {above:g}; got {low:g}.")
    if hi is not None and high > hi:
        raise ParameterError(f"{name} must be at most {hi:g}; got {high:g}.")
    return v


def key_samples(key: Any, n: int, sr: int, what: str) -> np.ndarray:
    """The side-chain key as ``(channels, n)`` samples, or a plain error."""
    if isinstance(key, Audio):
        if key.sr != sr:
            raise AudioDataError(
                f"{what}: the key is at {key.sr} Hz but the audio at {sr} Hz; "
                "resample one of them first."
            )
        key = key.samples
    k = as_samples(key, what=f"{what} key")
    if k.shape[1] != n:
        raise AudioDataError(
            f"{what}: the key has {k.shape[1]} frames but the audio {n}; "
            "they must be the same length (trim or pad the key)."
        )
    return k


def time_constant_coef(time_ms: float | np.ndarray, sr: int) -> float | np.ndarray:
    """One-pole coefficient for a time constant (63% of the way after ``time_ms``)."""
    coef = np.exp(-1.0 / (np.asarray(time_ms, dtype=np.float64) * 1e-3 * sr))
    return float(coef) if np.ndim(coef) == 0 else coef


# --- detector -------------------------------------------------------------------------------


def detector_level_db(samples: np.ndarray) -> np.ndarray:
    """Peak detector: the level in dB of the loudest channel at each frame (float64)."""
    x = as_samples(samples)
    n = x.shape[1]
    if x.dtype == np.float32:  # the compiled logarithm, as the fast path takes it
        level = np.empty(n)
        if n:
            kernels().peak_levels_db(read_only(x), 0, n, *_level_scratch(n), level)
        return level
    peak = np.empty(n, dtype=x.dtype)
    if n:
        kernels().abs_peak_frames(x, peak)
    return _peak_to_db(peak)


def _level_scratch(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scratch for ``peak_levels_db`` over ``n`` frames: peaks, exponents, mantissas."""
    return np.empty(n, dtype=np.float32), np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)


def _peak_to_db(peak: np.ndarray) -> np.ndarray:
    """Level in dB (float64, floored) of float64 peaks, by numpy's logarithm."""
    with np.errstate(divide="ignore"):
        level = np.log(peak)
    level *= DB_PER_NEPER
    return np.maximum(level, DETECTOR_FLOOR_DB, out=level)


def _rms_level_db(x: np.ndarray, sr: int, window_ms: float | np.ndarray) -> np.ndarray:
    """RMS over the last ``window_ms`` of the loudest channel, in dB (float64)."""
    if isinstance(window_ms, np.ndarray) and window_ms.ndim:
        return _rms_level_db_varying(x, sr, window_ms)
    width = max(1, int(round(float(window_ms) * 1e-3 * sr)))
    mean_square = None
    for channel in x:
        total = np.cumsum(np.square(channel, dtype=np.float64))
        ms = total.copy()
        ms[width:] -= total[:-width]  # sum over the window (zeros before the start)
        mean_square = ms if mean_square is None else np.maximum(mean_square, ms)
    assert mean_square is not None
    mean_square /= width
    level = np.maximum(mean_square, 0.0, out=mean_square)  # running-sum rounding
    with np.errstate(divide="ignore"):
        np.log10(level, out=level)
    level *= 10.0
    return np.maximum(level, DETECTOR_FLOOR_DB, out=level)


def _rms_level_db_varying(x: np.ndarray, sr: int, window_ms: np.ndarray) -> np.ndarray:
    """RMS over a window that changes per frame: the last ``w[n]`` samples at frame ``n``.

    With ``c`` the running sum of squares (``c[0] = 0``, zeros before the start), the
    mean square at frame ``n`` is ``(c[n + 1] - c[n + 1 - w[n]]) / w[n]``: exact, and as
    cheap as a fixed window.
    """
    n = x.shape[1]
    width = np.maximum(1, np.rint(window_ms * 1e-3 * sr)).astype(np.int64)
    stop = np.arange(1, n + 1)
    start = np.maximum(stop - width, 0)
    total = np.zeros(n + 1)
    mean_square = np.full(n, -np.inf)
    for channel in x:
        np.cumsum(np.square(channel, dtype=np.float64), out=total[1:])
        np.maximum(mean_square, total[stop] - total[start], out=mean_square)
    mean_square /= width
    level = np.maximum(mean_square, 0.0, out=mean_square)  # running-sum rounding
    with np.errstate(divide="ignore"):
        np.log10(level, out=level)
    level *= 10.0
    return np.maximum(level, DETECTOR_FLOOR_DB, out=level)


def _sidechain_hpf_varying(source: np.ndarray, hpf: np.ndarray, sr: int) -> np.ndarray:
    """The side-chain high-pass with a cut-off that moves (one setting per block).

    Each block of :data:`SIDECHAIN_HPF_BLOCK` frames takes the value at its middle;
    blocks below :data:`SIDECHAIN_HPF_MIN_HZ` pass the signal unchanged (an identity
    section), and the filter's memory carries over between blocks.
    """
    n, block = len(hpf), SIDECHAIN_HPF_BLOCK
    centres = np.minimum(np.arange(0, n, block) + block // 2, n - 1)
    freqs = hpf[centres]
    on = freqs >= SIDECHAIN_HPF_MIN_HZ
    sos = np.tile(np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]), (len(freqs), 1))
    if on.any():
        sos[on] = band_coefficients("high_pass", freqs[on], 0.0, 1.0 / np.sqrt(2.0), sr)
    return apply_sos_blocks(np.asarray(source, dtype=np.float64), sos[:, None, :], block)


def level_db(
    samples: np.ndarray,
    sr: int,
    *,
    detector: str = "peak",
    rms_ms: Control = 10.0,
    sidechain_hpf_hz: Control = 0.0,
    key: np.ndarray | Audio | None = None,
) -> np.ndarray:
    """Step 1: the level the compressor reacts to, in dB per frame (float64).

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` audio (used when there is no ``key``).
    sr : int
        Sample rate in Hz.
    detector : {"peak", "rms"}
        Largest absolute sample, or root mean square over ``rms_ms``.
    rms_ms : float, array or Envelope
        RMS window in ms (RMS detector only); a moving window averages, at each frame,
        over that frame's last ``rms_ms``.
    sidechain_hpf_hz : float, array or Envelope
        Cut-off of a 12 dB/octave high-pass on the detector's input (below 1 Hz: off);
        a moving cut-off is updated every :data:`SIDECHAIN_HPF_BLOCK` frames.
    key : array or Audio, optional
        Another signal to listen to instead (same length and rate).
    """
    x = as_samples(samples)
    n = x.shape[1]
    if detector not in DETECTORS:
        raise ParameterError(f"detector must be one of {DETECTORS}; got {detector!r}.")
    source = x if key is None else key_samples(key, n, sr, "compressor")
    hpf = resolve(sidechain_hpf_hz, n, sr, name="sidechain_hpf_hz")
    if np.size(hpf):
        low, high = float(np.min(hpf)), float(np.max(hpf))
        if low < 0.0 or high >= sr / 2.0:
            raise ParameterError(
                "sidechain_hpf_hz must be 0 (off) or a frequency below the Nyquist "
                f"frequency ({sr / 2:g} Hz); got {low if low < 0.0 else high:g}."
            )
    if isinstance(hpf, np.ndarray):  # resolve gives an array only for a moving value
        if n:
            source = _sidechain_hpf_varying(source, hpf, sr)
    elif hpf >= SIDECHAIN_HPF_MIN_HZ and n:
        # 12 dB/oct Butterworth: the cookbook high pass at Q = 1/sqrt(2)
        sos = band_sos("high_pass", hpf, 0.0, 1.0 / np.sqrt(2.0), sr)
        source = apply_sos(np.asarray(source, dtype=np.float64), sos)
    if detector == "rms":
        window = resolve(rms_ms, n, sr, name="rms_ms")
        if np.size(window) and np.min(window) <= 0.0:
            raise ParameterError(f"rms_ms must be above 0 ms; got {float(np.min(window)):g}.")
        if np.ndim(window) and n == 0:
            window = 1.0
        return _rms_level_db(source, sr, window)
    return detector_level_db(source)


# --- gain computer ---------------------------------------------------------------------------


def static_gain_db(
    level_db: np.ndarray | float,
    *,
    threshold_db: float | np.ndarray,
    ratio: float | np.ndarray,
    knee_db: float | np.ndarray,
) -> np.ndarray:
    """Gain change (dB, <= 0) the static curve asks for at an input level.

    Above the knee ``(1/ratio - 1) * (level - threshold)``; inside the knee (within
    ``knee_db / 2`` of the threshold) the quadratic blend
    ``(1/ratio - 1) * (level - threshold + knee/2)**2 / (2 * knee)``; below it 0.
    """
    x = np.asarray(level_db, dtype=np.float64)
    over = x - threshold_db
    slope = 1.0 / np.asarray(ratio, dtype=np.float64) - 1.0
    knee = np.asarray(knee_db, dtype=np.float64)
    half = 0.5 * knee
    hard = np.where(over > 0.0, slope * over, 0.0)
    if not np.any(knee > 0.0):
        return hard
    u = over + half
    # computed everywhere, used only inside the knee: a vanishing knee may overflow
    # outside it, harmlessly
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        soft = slope * (u * u) / (2.0 * knee)
    in_knee = (knee > 0.0) & (-half <= over) & (over <= half)
    return np.where(in_knee, soft, hard)


def static_curve_db(
    level_db: np.ndarray | float,
    *,
    threshold_db: float | np.ndarray,
    ratio: float | np.ndarray,
    knee_db: float | np.ndarray,
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
    return x + static_gain_db(x, threshold_db=threshold_db, ratio=ratio, knee_db=knee_db)


def auto_makeup_db(
    *, threshold_db: float | np.ndarray, ratio: float | np.ndarray, knee_db: float | np.ndarray
) -> float | np.ndarray:
    """Automatic make-up gain: ``-static_gain_db(AUTO_MAKEUP_REFERENCE_DB)``.

    The gain the static curve takes from a steady signal at -18 dBFS (a typical average
    track level), given back, so such a signal comes out where it went in and the
    compressed part sounds about as loud as before. 0 dB when the threshold (and knee)
    sit above -18 dBFS.
    """
    gain = static_gain_db(
        AUTO_MAKEUP_REFERENCE_DB, threshold_db=threshold_db, ratio=ratio, knee_db=knee_db
    )
    return -gain if np.ndim(gain) else -float(gain)


# --- smoother -----------------------------------------------------------------------------------


def smooth_gain_db_reference(
    gain_db: np.ndarray,
    attack: float | np.ndarray,
    release: float | np.ndarray,
    *,
    state: float = 0.0,
) -> np.ndarray:
    """Pure-Python branching smoother: the readable definition the fast one must match.

    Starts from ``state`` (0 dB, no reduction). When the target asks for more reduction
    than the current state, move toward it with the attack coefficient, otherwise with
    the release coefficient: ``state = coef * state + (1 - coef) * target``.
    """
    n = len(gain_db)
    attacks = np.broadcast_to(np.asarray(attack, dtype=np.float64), (n,))
    releases = np.broadcast_to(np.asarray(release, dtype=np.float64), (n,))
    out = np.empty(n, dtype=np.float64)
    for i, target in enumerate(gain_db):
        coef = attacks[i] if target < state else releases[i]
        state = coef * state + (1.0 - coef) * target
        out[i] = state
    return out


def smooth_gain_db(
    gain_db: np.ndarray,
    attack: float | np.ndarray,
    release: float | np.ndarray,
    *,
    state: float = 0.0,
) -> np.ndarray:
    """Branching attack/release smoother (compiled; same result as the reference).

    ``attack`` and ``release`` are one-pole coefficients (:func:`time_constant_coef`),
    one for all frames or one per frame.
    """
    target = np.ascontiguousarray(gain_db, dtype=np.float64)
    out = np.empty_like(target)
    k = kernels()
    if np.ndim(attack) == 0 and np.ndim(release) == 0:
        k.smooth_branching(target, float(attack), float(release), float(state), out)
    else:
        n = len(target)
        a = np.ascontiguousarray(np.broadcast_to(attack, (n,)), dtype=np.float64)
        r = np.ascontiguousarray(np.broadcast_to(release, (n,)), dtype=np.float64)
        k.smooth_branching_varying(target, a, r, float(state), out)
    return out


def follow_envelope(
    level: np.ndarray, rise: float, fall: float, *, state: float = 0.0
) -> np.ndarray:
    """Envelope follower: rises with coefficient ``rise``, falls with ``fall``."""
    # the smoother uses its first coefficient when the target is below the state
    return smooth_gain_db(level, fall, rise, state=state)


# --- compressor ---------------------------------------------------------------------------------


def compressor_gain_db_reference(
    level_db: np.ndarray,
    *,
    threshold_db: float | np.ndarray,
    ratio: float | np.ndarray,
    knee_db: float | np.ndarray,
    attack: float | np.ndarray,
    release: float | np.ndarray,
) -> np.ndarray:
    """Steps 2 and 3 in plain Python: the definition of the compiled loop.

    For each frame: the static gain for the detected level (hard above the knee,
    quadratic inside it, 0 below), then one step of the branching smoother.
    ``attack`` and ``release`` are one-pole coefficients.
    """
    n = len(level_db)

    def per_frame(v: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))

    thr, rat, knee = per_frame(threshold_db), per_frame(ratio), per_frame(knee_db)
    att, rel = per_frame(attack), per_frame(release)
    out = np.empty(n, dtype=np.float64)
    state = 0.0
    for i in range(n):
        slope = 1.0 / float(rat[i]) - 1.0
        half = 0.5 * float(knee[i])
        over = float(level_db[i]) - float(thr[i])
        if knee[i] > 0.0 and -half <= over <= half:
            u = over + half
            target = slope * (u * u) / (2.0 * float(knee[i]))
        elif over > 0.0:
            target = slope * over
        else:
            target = 0.0
        coef = att[i] if target < state else rel[i]
        state = coef * state + (1.0 - coef) * target
        out[i] = state
    return out


def _compressor_curve_and_smoother(
    level: np.ndarray, threshold: Any, ratio: Any, knee: Any, attack: Any, release: Any
) -> np.ndarray:
    """Steps 2-3 compiled: the scalar fast path or the per-frame (automation) path."""
    k = kernels()
    out = np.empty_like(level)
    values = (threshold, ratio, knee, attack, release)
    if all(np.ndim(v) == 0 for v in values):
        slope = 1.0 / float(ratio) - 1.0
        k.compressor_gain(
            level, float(threshold), slope, float(knee), float(attack), float(release), 0.0, out
        )
        return out
    n = len(level)

    def full(v: Any) -> np.ndarray:
        return np.ascontiguousarray(np.broadcast_to(v, (n,)), dtype=np.float64)

    slopes = 1.0 / full(ratio) - 1.0
    k.compressor_gain_varying(
        level, full(threshold), slopes, full(knee), full(attack), full(release), out
    )
    return out


def _compressor_trace(
    samples: np.ndarray,
    sr: int,
    *,
    threshold_db: Control,
    ratio: Control,
    knee_db: Control,
    attack_ms: Control,
    release_ms: Control,
    detector: str,
    rms_ms: Control,
    lookahead_ms: Control,
    sidechain_hpf_hz: Control,
    key: Any,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Gain-reduction trace and the resolved curve values (shared by the API below)."""
    x = as_samples(samples)
    n = x.shape[1]
    lookahead = resolve(lookahead_ms, n, sr, name="lookahead_ms")
    if np.size(lookahead) and np.min(lookahead) < 0.0:
        low = float(np.min(lookahead))
        raise ParameterError(f"lookahead_ms must be 0 ms or more; got {low:g}.")
    if isinstance(lookahead, np.ndarray):  # resolve gives an array only for a moving value
        ahead = np.rint(lookahead * 1e-3 * sr).astype(np.int64)
        if n and ahead.min() < ahead.max():
            return _compressor_trace_moving_lookahead(
                x,
                sr,
                ahead,
                threshold_db=threshold_db,
                ratio=ratio,
                knee_db=knee_db,
                attack_ms=attack_ms,
                release_ms=release_ms,
                detector=detector,
                rms_ms=rms_ms,
                sidechain_hpf_hz=sidechain_hpf_hz,
                key=key,
            )
        shift = int(ahead[0]) if n else 0
    else:
        shift = int(round(lookahead * 1e-3 * sr))
    curve = {
        "threshold_db": checked_control(threshold_db, n, sr, "threshold_db"),
        "ratio": checked_control(ratio, n, sr, "ratio (x:1)", lo=1.0),
        "knee_db": checked_control(knee_db, n, sr, "knee_db", lo=0.0),
    }
    attack = checked_control(attack_ms, n, sr, "attack_ms", above=0.0)
    release = checked_control(release_ms, n, sr, "release_ms", above=0.0)
    level = level_db(
        x, sr, detector=detector, rms_ms=rms_ms, sidechain_hpf_hz=sidechain_hpf_hz, key=key
    )
    if n == 0:
        return np.zeros(0), curve
    values = [curve["threshold_db"], curve["ratio"], curve["knee_db"]]
    times = [time_constant_coef(attack, sr), time_constant_coef(release, sr)]
    if shift:  # the detector runs `shift` frames ahead: pad its end, read the trace later
        level = np.concatenate([level, np.full(shift, DETECTOR_FLOOR_DB)])
        values = [v if np.ndim(v) == 0 else np.pad(v, (shift, 0), mode="edge") for v in values]
        times = [v if np.ndim(v) == 0 else np.pad(v, (shift, 0), mode="edge") for v in times]
    trace = _compressor_curve_and_smoother(level, *values, *times)
    return (trace[shift:] if shift else trace), curve


def _compressor_trace_moving_lookahead(
    x: np.ndarray,
    sr: int,
    ahead: np.ndarray,
    *,
    threshold_db: Control,
    ratio: Control,
    knee_db: Control,
    attack_ms: Control,
    release_ms: Control,
    detector: str,
    rms_ms: Control,
    sidechain_hpf_hz: Control,
    key: Any,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The trace with a lookahead of ``ahead[n]`` frames at output frame ``n``.

    The curve and smoother run once in detector time over ``n + max(ahead)`` frames
    (the detector padded with silence after the end); output frame ``n`` reads detector
    frame ``read[n] = n + ahead[n]``. The settings (threshold, times...) at detector
    frame ``i`` are those of the first output frame that reads at or after ``i`` (with a
    constant lookahead ``L``: output frame ``i - L``, as the fixed path), so output frame
    ``n``'s gain is computed with its own settings wherever ``read`` rises.
    """
    n = x.shape[1]
    shift = int(ahead.max())
    curve = {
        "threshold_db": checked_control(threshold_db, n, sr, "threshold_db"),
        "ratio": checked_control(ratio, n, sr, "ratio (x:1)", lo=1.0),
        "knee_db": checked_control(knee_db, n, sr, "knee_db", lo=0.0),
    }
    attack = checked_control(attack_ms, n, sr, "attack_ms", above=0.0)
    release = checked_control(release_ms, n, sr, "release_ms", above=0.0)
    level = level_db(
        x, sr, detector=detector, rms_ms=rms_ms, sidechain_hpf_hz=sidechain_hpf_hz, key=key
    )
    level = np.concatenate([level, np.full(shift, DETECTOR_FLOOR_DB)])
    read = np.arange(n) + ahead
    setting = np.searchsorted(np.maximum.accumulate(read), np.arange(n + shift), side="left")
    np.minimum(setting, n - 1, out=setting)
    values = [curve["threshold_db"], curve["ratio"], curve["knee_db"]]
    values += [time_constant_coef(attack, sr), time_constant_coef(release, sr)]
    values = [v if np.ndim(v) == 0 else np.asarray(v)[setting] for v in values]
    return _compressor_curve_and_smoother(level, *values)[read], curve


def compressor_gain_db(
    samples: np.ndarray,
    sr: int,
    *,
    threshold_db: Control,
    ratio: Control,
    knee_db: Control,
    attack_ms: Control,
    release_ms: Control,
    detector: str = "peak",
    rms_ms: Control = 10.0,
    lookahead_ms: Control = 0.0,
    sidechain_hpf_hz: Control = 0.0,
    key: np.ndarray | Audio | None = None,
) -> np.ndarray:
    """Gain change in dB over time (0 = untouched, negative = reduction), before make-up.

    The parameters are those of :func:`compress`.
    """
    return _compressor_trace(
        samples,
        sr,
        threshold_db=threshold_db,
        ratio=ratio,
        knee_db=knee_db,
        attack_ms=attack_ms,
        release_ms=release_ms,
        detector=detector,
        rms_ms=rms_ms,
        lookahead_ms=lookahead_ms,
        sidechain_hpf_hz=sidechain_hpf_hz,
        key=key,
    )[0]


def apply_gain_db(
    x: np.ndarray, gain_db: np.ndarray, offset_db: Any = 0.0, mix: Any = 1.0
) -> np.ndarray:
    """``x * (1 + mix * (10**((gain_db + offset_db)/20) - 1))`` in the dtype of ``x``.

    The gain is computed in the samples' dtype (float32 for float32 audio: its rounding
    is far below one step of the output). ``mix = 1`` is the plain gain; where the gain
    is exactly 0 dB the factor is exactly 1.
    """
    gain = np.multiply(gain_db, _DB_TO_LOG, dtype=np.float64)
    if np.ndim(offset_db) or offset_db != 0.0:
        gain += np.asarray(offset_db, dtype=np.float64) * _DB_TO_LOG
    gain = gain.astype(x.dtype, copy=False)
    np.exp(gain, out=gain)
    if np.ndim(mix) or mix != 1.0:
        m = np.asarray(mix, dtype=x.dtype)
        gain -= 1
        gain *= m
        gain += 1
    return np.multiply(x, gain, dtype=x.dtype)


#: Frames per chunk of the compressor's fast path: its working buffers stay in cache.
CHUNK_FRAMES = 1 << 15


def _compress_fast(
    x: np.ndarray,
    sr: int,
    threshold_db: float,
    ratio: float,
    knee_db: float,
    attack_ms: float,
    release_ms: float,
    makeup_db: float,
    mix_pct: float,
    *,
    auto_makeup: bool,
    keep_trace: bool = True,
    group: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`compress` for constant settings and the plain peak detector, chunk by chunk.

    The same steps as the general path (detector, compiled curve and smoother, gain),
    run over chunks of :data:`CHUNK_FRAMES` frames with the smoother's state carried
    across, so the working buffers stay in the CPU cache: the same numbers, faster.
    Without ``keep_trace`` the gain trace (a full-length float64 array nobody reads when
    only the sound is wanted) is not kept, and an empty array comes back in its place.
    ``group``: three normalised biquad sections (float32 audio of one or two channels,
    no trace) that filter ``x`` first, in the same pass (see :func:`compress_filtered`).
    """
    n = x.shape[1]
    x = read_only(np.ascontiguousarray(x))  # (one compiled type, see read_only)
    threshold = float(checked_control(threshold_db, n, sr, "threshold_db"))
    ratio_v = float(checked_control(ratio, n, sr, "ratio (x:1)", lo=1.0))
    knee = float(checked_control(knee_db, n, sr, "knee_db", lo=0.0))
    attack = time_constant_coef(
        float(checked_control(attack_ms, n, sr, "attack_ms", above=0.0)), sr
    )
    release = time_constant_coef(
        float(checked_control(release_ms, n, sr, "release_ms", above=0.0)), sr
    )
    makeup = float(checked_control(makeup_db, n, sr, "makeup_db"))
    if auto_makeup:
        makeup += float(auto_makeup_db(threshold_db=threshold, ratio=ratio_v, knee_db=knee))
    mix = float(checked_control(mix_pct, n, sr, "mix_pct", lo=0.0, hi=100.0)) / 100.0
    k = kernels()
    slope = 1.0 / ratio_v - 1.0
    offset = makeup * _DB_TO_LOG
    out = buffers.empty(x.shape, x.dtype)
    if group is not None:
        size = _FUSED_CHUNK_FRAMES
        rows = np.empty((7, size))
        k.eq_compressor(
            x, group, threshold, slope, knee, attack, release, offset, mix, size, out, rows
        )
        return out, np.empty(0)
    size = min(n, CHUNK_FRAMES)
    trace = np.empty(n if keep_trace else size)
    level = np.empty(size)
    target = np.empty(size)
    exponent = np.empty(size)
    fast = x.dtype == np.float32  # compiled log and exp; float64 audio takes numpy's
    scratch = _level_scratch(size)
    gain_scratch = (np.empty(size, dtype=np.int32), np.empty(size, dtype=np.float32))
    peak = np.empty(size if not fast else 0)
    state = 0.0
    for start in range(0, n, size):
        stop = min(start + size, n)
        w = stop - start
        if fast:
            k.peak_levels_db(x, start, stop, *scratch, level)
        else:
            k.abs_peak_range(x, start, stop, peak)
            level[:w] = _peak_to_db(peak[:w])
        state = k.compressor_chunk(
            level[:w],
            threshold,
            slope,
            knee,
            attack,
            release,
            state,
            offset,
            target[:w],
            trace[start:stop] if keep_trace else trace[:w],
            exponent[:w],
        )
        if fast:
            k.apply_exp_gain(x, start, stop, exponent, mix, *gain_scratch, out)
        else:
            g = np.exp(exponent[:w])
            if mix != 1.0:
                g = 1.0 + mix * (g - 1.0)
            np.multiply(x[:, start:stop], g, out=out[:, start:stop])
    return out, (trace if keep_trace else np.empty(0))


#: Frames per chunk when the EQ runs in the compressor's pass (the filter works on one
#: chunk while the smoother finishes the one before: both stay in the first caches).
_FUSED_CHUNK_FRAMES = 4096


def _fast_numbers(
    x: np.ndarray,
    key: Any,
    detector: str,
    lookahead_ms: Control,
    sidechain_hpf_hz: Control,
    values: tuple[Control, ...],
) -> tuple[float, ...] | None:
    """The settings as plain numbers when the fast path can run them, else None.

    It runs the plain peak detector on the audio itself with every setting fixed.
    """
    simple = (
        key is None
        and detector == "peak"
        and not is_varying(lookahead_ms)
        and lookahead_ms == 0.0
        and not is_varying(sidechain_hpf_hz)
        and sidechain_hpf_hz == 0.0
    )
    if not (simple and x.shape[1] and not any(is_varying(v) for v in values)):
        return None
    return tuple(float(np.asarray(v)) for v in values)


def compress_filtered(
    samples: np.ndarray,
    sr: int,
    sos: np.ndarray,
    *,
    threshold_db: Control,
    ratio: Control,
    knee_db: Control,
    attack_ms: Control,
    release_ms: Control,
    makeup_db: Control = 0.0,
    auto_makeup: bool = False,
    detector: str = "peak",
    rms_ms: Control = 10.0,
    lookahead_ms: Control = 0.0,
    sidechain_hpf_hz: Control = 0.0,
    mix_pct: Control = 100.0,
) -> np.ndarray:
    """Filter ``samples`` through biquad sections, then compress (an EQ, then a compressor).

    Exactly ``compress(apply_sos(samples, sos), ...)[0]`` (the parameters are those of
    :func:`compress`; no side-chain key, no trace), computed faster where it can be:
    for float32 audio of one or two channels and fixed compressor settings, the last
    three sections run in the compressor's own pass. Both the filter and the
    compressor's smoother are recursions that wait on their previous sample, so
    interleaved they cost little more than the filter alone (an EQ and a compressor on
    a 3-minute mono track: 37 ms instead of 57).
    """
    x = as_samples(samples)
    settings: dict[str, Any] = {
        "threshold_db": threshold_db,
        "ratio": ratio,
        "knee_db": knee_db,
        "attack_ms": attack_ms,
        "release_ms": release_ms,
        "makeup_db": makeup_db,
        "mix_pct": mix_pct,
    }
    numbers = _fast_numbers(
        x, None, detector, lookahead_ms, sidechain_hpf_hz, tuple(settings.values())
    )
    sections = np.asarray(sos, dtype=np.float64).reshape(-1, 6)
    if numbers is None or x.dtype != np.float32 or x.shape[0] > 2 or len(sections) == 0:
        filtered = apply_sos(x, sections)
        return compress(
            filtered,
            sr,
            auto_makeup=auto_makeup,
            detector=detector,
            rms_ms=rms_ms,
            lookahead_ms=lookahead_ms,
            sidechain_hpf_hz=sidechain_hpf_hz,
            keep_trace=False,
            **settings,
        )[0]
    lead = (len(sections) - 1) // 3 * 3  # whole groups of three first, as apply_sos runs them
    if lead:
        x = apply_sos(x, sections[:lead])
    group = np.zeros((3, 6))
    group[:, 0] = group[:, 3] = 1.0  # sections that pass the signal exactly
    last = sections[lead:]
    group[: len(last)] = last / last[:, 3:4]
    return _compress_fast(x, sr, *numbers, auto_makeup=auto_makeup, keep_trace=False, group=group)[
        0
    ]


def compress(
    samples: np.ndarray,
    sr: int,
    *,
    threshold_db: Control,
    ratio: Control,
    knee_db: Control,
    attack_ms: Control,
    release_ms: Control,
    makeup_db: Control = 0.0,
    auto_makeup: bool = False,
    detector: str = "peak",
    rms_ms: Control = 10.0,
    lookahead_ms: Control = 0.0,
    sidechain_hpf_hz: Control = 0.0,
    mix_pct: Control = 100.0,
    key: np.ndarray | Audio | None = None,
    keep_trace: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Compress ``samples``; return ``(output, gain_reduction_db)``.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples; all channels share one gain (linked).
    sr : int
        Sample rate in Hz.
    threshold_db, ratio, knee_db : float, array or Envelope
        The static curve (:func:`static_curve_db`).
    attack_ms, release_ms : float, array or Envelope
        Time constants of the smoother (63 % of the way after this time).
    makeup_db : float, array or Envelope
        Gain after compression (dB).
    auto_makeup : bool
        Add :func:`auto_makeup_db` to ``makeup_db``.
    detector : {"peak", "rms"}
        What the detector measures (:func:`level_db`).
    rms_ms : float, array or Envelope
        RMS window (RMS detector only).
    lookahead_ms : float, array or Envelope
        The detector hears this far ahead of the audio; the output stays aligned with
        the input (latency compensated). Moving: with ``L(n)`` the lookahead at frame
        ``n`` rounded to frames, the latency stays at the largest ``L`` of the call and
        the gain applied at output frame ``n`` is the smoother's value at detector frame
        ``n + L(n)`` (the detector, curve and smoother run once over the whole call;
        with fixed curve and time settings this equals, frame by frame, the gain a
        fixed lookahead ``L(n)`` would give). Where ``L`` drops by more than one frame per frame the
        reading point steps back and a few frames of gain are read again.
    sidechain_hpf_hz : float, array or Envelope
        12 dB/octave high-pass on the detector's input; 0 = off.
    mix_pct : float, array or Envelope
        Parallel compression: 0 = dry, 100 = fully compressed.
    key : array or Audio, optional
        External side-chain: the detector listens to this (same length and rate).
    keep_trace : bool
        False when only the sound is wanted: the gain change may then come back empty
        (a 3-minute trace is 69 MB of float64 written for nothing).

    Returns
    -------
    output : numpy.ndarray
        Same shape and dtype as ``samples``.
    gain_reduction_db : numpy.ndarray
        What a compressor's meter shows: the compressed path's gain change per frame
        (float64, <= 0), before make-up and mix; possibly empty without ``keep_trace``.
    """
    x = as_samples(samples)
    n = x.shape[1]
    values = (threshold_db, ratio, knee_db, attack_ms, release_ms, makeup_db, mix_pct)
    numbers = _fast_numbers(x, key, detector, lookahead_ms, sidechain_hpf_hz, values)
    if numbers is not None:
        return _compress_fast(x, sr, *numbers, auto_makeup=auto_makeup, keep_trace=keep_trace)
    trace, curve = _compressor_trace(
        x,
        sr,
        threshold_db=threshold_db,
        ratio=ratio,
        knee_db=knee_db,
        attack_ms=attack_ms,
        release_ms=release_ms,
        detector=detector,
        rms_ms=rms_ms,
        lookahead_ms=lookahead_ms,
        sidechain_hpf_hz=sidechain_hpf_hz,
        key=key,
    )
    makeup = checked_control(makeup_db, n, sr, "makeup_db")
    if auto_makeup:
        makeup = makeup + auto_makeup_db(**curve)
    mix = checked_control(mix_pct, n, sr, "mix_pct", lo=0.0, hi=100.0)
    mix = mix / 100.0
    if not trace.any() and not np.any(makeup):
        return x.copy(), trace
    return apply_gain_db(x, trace, makeup, mix), trace
