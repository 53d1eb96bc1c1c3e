"""A true-peak lookahead limiter: louder, and never over its ceiling between the samples.

A limiter is the last step of a master. It turns the loudest moments down just enough
that the waveform never passes a *ceiling*, so the whole song can be made louder
(``gain_db``, the drive) without clipping. "Never" here means the true peak: the
waveform a converter rebuilds between the samples, which can rise above every sample
(an inter-sample peak). The steps:

1. **Detect the true peak at every sample** (:func:`sample_true_peaks`). The driven
   signal is oversampled 8x by a windowed-sinc interpolator (24 taps per phase, Kaiser
   beta 5, cut-off at the original Nyquist frequency); each sample gets the largest
   magnitude among itself and the in-between points on either side of it.
2. **Required gain.** Where a peak is above the target, the gain there must be at most
   ``target - peak`` dB; elsewhere 0 dB. The target is the ceiling minus a small safety
   margin (:data:`SAFETY_MARGIN_DB`) for meters whose interpolators differ from ours.
3. **Hold** (look ahead). A sliding minimum holds each required reduction from the
   lookahead time *before* its peak until a little after it (the interpolator's reach
   on both sides, so the gain is flat across the samples that build the peak). It is
   computed on blocks of :data:`HOLD_BLOCK` frames, so a hold may start and end up to
   that many frames early or late, never short.
4. **Release.** After a peak the gain may only come back up smoothly: a one-pole
   recovery in dB with time constant ``release_ms`` (63 % of the way back after
   ``release_ms``), falling at once whenever the held requirement asks for more.
5. **Smooth the attack.** Two moving averages whose lengths add up to the lookahead
   turn each step down into an S-shaped ramp. An average of values that are each at
   most the requirement at a frame is itself at most that requirement, so the ramp
   reaches the needed depth exactly when the peak arrives, never later. Steps 4 and 5
   run as one compiled loop; :func:`gain_envelope_db_reference` is their readable
   definition.
6. **Check and correct.** The gain is applied and the *output* is measured again,
   with our interpolator and with the studio meter's (:mod:`studio.dsp.truepeak`), so
   ``studio.measure()`` never shows an over either. Wherever a peak is still over the
   target (a gain that changes under an interpolator's window can lift an in-between
   point a little), that spot gets an extra reduction, held flat across the
   interpolator's whole window so the peak scales exactly, and the check repeats until
   nothing is over.

**Latency.** A real-time limiter must delay the audio by ``lookahead_ms`` to see peaks
coming. Here the whole signal is available, so the output is *delay-compensated*:
aligned sample for sample with the input, as a DAW compensates a plug-in's latency.

**Moving lookahead.** ``lookahead_ms`` may change over time (an array or an
:class:`~studio.dsp.control.Envelope`). The latency stays that of the largest
lookahead of the call (the output is still aligned with the input); what moves is how
far ahead the gain starts coming down: the attack ramp at frame ``t`` is ``L(t)``
frames long (``L`` the lookahead in frames), and the hold of step 3 reaches ahead far
enough that every ramp has reached its depth when its peak arrives (where ``L`` is
steady, exactly ``L``; where it shrinks quickly, up to the larger value just before).
The check and correct pass (step 6) works with the largest lookahead, so the guarantee
below holds unchanged.

**Guarantee.** The output's true peak, as our detector and the studio's meter measure
it, is at most ``ceiling - SAFETY_MARGIN_DB`` (to within 1e-4 dB of float32 rounding).
Other meters interpolate a little differently near the Nyquist frequency (EBU Tech 3341
lets a compliant meter read +0.2/-0.4 dB on its test signals). On the hardest material
we tried (thousands of random cases of full-scale and clipped noise, noise bursts,
square waves and high sines at 32-96 kHz, and a minute of limited white noise),
``scipy.signal.resample_poly`` meters at 8x and 16x read at most 0.09 dB above our
detector; the 0.15 dB margin covers that. On music the meters agree within about
0.01 dB. The tests check the ceiling with such independent meters.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from studio.audio import as_samples
from studio.dsp.control import Control, resolve
from studio.dsp.units import db_to_gain, gain_to_db
from studio.errors import ParameterError

__all__ = [
    "DETECTOR_FACTOR",
    "SAFETY_MARGIN_DB",
    "gain_envelope_db",
    "gain_envelope_db_reference",
    "interpolation_filter",
    "limit",
    "sample_true_peaks",
]

#: Oversampling factor of the limiter's own true-peak detector.
DETECTOR_FACTOR = 8
#: Interpolator taps per phase (the filter spans this many original samples).
TAPS_PER_PHASE = 24
#: Kaiser window shape of the interpolator.
KAISER_BETA = 5.0
#: The limiter aims this far below the ceiling, so meters whose interpolating filters
#: differ slightly from ours still read at or below the ceiling.
SAFETY_MARGIN_DB = 0.15
#: Excess (dB) below which a peak counts as on target: the float32 detector's rounding.
DETECTION_TOLERANCE_DB = 1e-4
#: Extra depth added to each correction in step 6, so the checks settle in few passes.
CORRECTION_EXTRA_DB = 0.002
#: Check-and-correct passes before giving up (never reached in the tests).
MAX_PASSES = 40
#: How far (in samples) the interpolator reaches on either side of an in-between point.
REACH = TAPS_PER_PHASE // 2
#: Frames per block of the hold (step 3); the compiled loop has the same constant.
HOLD_BLOCK = 8


@lru_cache(maxsize=4)
def _filter(factor: int) -> np.ndarray:
    n = factor * TAPS_PER_PHASE + 1
    offset = np.arange(n) - (n - 1) / 2
    h = np.sinc(offset / factor) * np.kaiser(n, KAISER_BETA)
    h[(offset % factor == 0) & (offset != 0)] = 0.0  # passes the samples through unchanged
    h.flags.writeable = False
    return h


def interpolation_filter() -> np.ndarray:
    """The detector's interpolating FIR, for ``scipy.signal.upfirdn(h, x, up=8)``.

    A Kaiser-windowed sinc (beta 5) with ``24 * 8 + 1`` taps and its cut-off at the
    original Nyquist frequency: flat within 0.02 dB to 20 kHz at 48 kHz; the original
    samples pass through unchanged.
    """
    return _filter(DETECTOR_FACTOR).copy()


def _mirrored(h: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An interpolator's phases as the kernel's pair sums, pair differences and middle.

    Phases ``p`` and ``factor - p`` of a symmetric interpolator mirror each other (see
    ``_kernels.interpolated_peaks_3pc``). Filters shorter than ``TAPS_PER_PHASE`` per
    phase are centred with zeros, so every interpolator has the same delay.
    """
    taps = (len(h) - 1) // factor
    pad = (TAPS_PER_PHASE - taps) // 2
    half = TAPS_PER_PHASE // 2

    def phase(p: int) -> np.ndarray:
        c = np.zeros(TAPS_PER_PHASE)
        c[pad : pad + taps] = h[p::factor][:taps]
        return c

    sums = np.zeros((3, half))
    diffs = np.zeros((3, half))
    for row, p in enumerate(range(1, (factor + 1) // 2)):
        c = phase(p)
        sums[row] = c[:half] + c[::-1][:half]
        diffs[row] = c[:half] - c[::-1][:half]
    centre = phase(factor // 2)[:half] if factor % 2 == 0 else np.zeros(half)
    return (
        np.ascontiguousarray(sums, dtype=np.float32),
        np.ascontiguousarray(diffs, dtype=np.float32),
        np.ascontiguousarray(centre, dtype=np.float32),
    )


@lru_cache(maxsize=16)
def _interpolators(sr: int, meter: bool) -> tuple[tuple[np.ndarray, ...], ...]:
    """Our 8x interpolator, and (``meter=True``) the studio true-peak meter's at ``sr``.

    The meter's filter is left out where it does not fit the kernel: more than 8x
    oversampling (rates below 24 kHz) or more than 24 taps per phase.
    """
    out = [_mirrored(_filter(DETECTOR_FACTOR), DETECTOR_FACTOR)]
    if meter:
        from studio.dsp import truepeak

        factor = truepeak.oversampling_factor(sr)
        if 2 <= factor <= 8:
            h = truepeak.interpolation_filter(factor)
            taps, rest = divmod(len(h) - 1, factor)
            if rest == 0 and taps % 2 == 0 and taps <= TAPS_PER_PHASE:
                out.append(_mirrored(h, factor))
    return tuple(out)


def sample_true_peaks(samples: np.ndarray, sr: int, *, meter: bool = True) -> np.ndarray:
    """True peak at every frame: the largest magnitude the waveform reaches near it.

    For each frame, the maximum over channels of the sample itself and of the
    interpolated points between it and its two neighbours, as our 8x interpolator
    (:func:`interpolation_filter`) and, with ``meter=True``, the studio's true-peak
    meter (:mod:`studio.dsp.truepeak`) see them. The first and last frames also take
    the ringing before and after the signal (which is silent outside).

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples.
    sr : int
        Sample rate in Hz (sets the meter's oversampling factor).
    meter : bool
        Also use the studio meter's interpolator.

    Returns
    -------
    numpy.ndarray
        float32, one value per frame (linear, not dB).
    """
    from studio.dsp._kernels import abs_peak_frames, interpolated_peaks_3pc

    x = as_samples(samples)
    n_ch, n = x.shape
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    peaks = np.empty(n, dtype=x.dtype)
    abs_peak_frames(x, peaks)
    peaks = peaks.astype(np.float32, copy=False)
    # between[i]: points strictly between samples i - REACH and i - REACH + 1
    taps = TAPS_PER_PHASE
    n_out = n + taps - 1
    between = np.zeros(n_out, dtype=np.float32)
    padded = np.zeros(n + 2 * (taps - 1), dtype=np.float32)
    for c in range(n_ch):
        padded[taps - 1 : taps - 1 + n] = x[c]
        for sums, diffs, centre in _interpolators(sr, meter):
            interpolated_peaks_3pc(padded, sums, diffs, centre, between, n_out)
    np.maximum(peaks, between[REACH - 1 : REACH - 1 + n], out=peaks)
    np.maximum(peaks, between[REACH : REACH + n], out=peaks)
    peaks[0] = max(peaks[0], between[:REACH].max())
    peaks[-1] = max(peaks[-1], between[REACH + n - 1 :].max())
    return peaks


def _hold_blocks(required_db: np.ndarray, back: int, ahead: int) -> np.ndarray:
    """Step 3: one value per block, the minimum over every frame the block's holds cover.

    For the frames ``t`` of block ``q`` the exact hold is ``min(required[t - back :
    t + ahead + 1])``; the block value is the minimum over the union of those windows
    rounded out to whole blocks, so it is never above the exact hold.
    """
    from scipy import ndimage

    from studio.dsp._kernels import block_min

    b = HOLD_BLOCK
    coarse = np.empty(-(-len(required_db) // b))
    block_min(required_db, b, coarse)
    blocks_back, blocks_ahead = -(-back // b), -(-ahead // b)
    size = blocks_back + blocks_ahead + 1
    return ndimage.minimum_filter1d(
        coarse, size, origin=blocks_back - size // 2, mode="constant", cval=0.0
    )


def _release_ramp(held: np.ndarray, n: int, coef: float | np.ndarray, lookahead: int) -> np.ndarray:
    """Steps 4-5 (compiled): release recursion, then the two moving averages."""
    from studio.dsp._kernels import HOLD_SHIFT, release_ramp

    coefs = np.ascontiguousarray(np.atleast_1d(coef), dtype=np.float64)
    first = lookahead // 2
    out = np.empty(n)
    step = int(coefs.size > 1)
    width1, width2 = first + 1, lookahead - first + 1
    ring1, ring2 = np.empty(width1), np.empty(width2)
    release_ramp(held, coefs, step, HOLD_SHIFT, width1, width2, out, ring1, ring2)
    return out


def _ramp_widths(lookahead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Widths of the two moving averages at each frame (they add up to ``L + 2``)."""
    first = lookahead // 2
    return first + 1, lookahead - first + 1


def _hold_ahead(lookahead: np.ndarray) -> np.ndarray:
    """How far ahead (frames) the hold of each frame must reach for a moving lookahead.

    The two averages ending at frame ``t`` reach back at most ``S(t) = ceil(L(t)/2) +
    max(floor(L/2) over the last ceil(Lmax/2) frames)`` frames (``S = L`` for a steady
    ``L``; never more than ``Lmax``). A requirement at ``t`` must be held by every frame
    they read, so frame ``u`` holds ahead ``max(S(t) for t in u .. u + Lmax)``.
    """
    from scipy import ndimage

    top = int(lookahead.max())
    half = lookahead // 2
    back = top - top // 2
    recent = ndimage.maximum_filter1d(half, back + 1, origin=back - (back + 1) // 2, mode="nearest")
    span = (lookahead - half) + recent
    return ndimage.maximum_filter1d(span, top + 1, origin=-((top + 1) // 2), mode="nearest")


def _hold_blocks_moving(required_db: np.ndarray, back: int, ahead: np.ndarray) -> np.ndarray:
    """Step 3 with a reach ahead per frame (``ahead[t]``; ``back`` behind).

    Block ``q`` takes the minimum over the union of its frames' windows ``t - back ..
    t + ahead[t]``, rounded out to whole blocks.

    A range minimum with a window per block: a sparse table of minima over 1, 2, 4...
    blocks, each window the minimum of two overlapping power-of-two runs.
    """
    from studio.dsp._kernels import block_min

    b = HOLD_BLOCK
    n_blocks = -(-len(required_db) // b)
    coarse = np.empty(n_blocks)
    block_min(required_db, b, coarse)
    pad = n_blocks * b - len(ahead)
    per_block = np.pad(ahead, (0, pad), mode="edge").reshape(n_blocks, b).max(axis=1)
    q = np.arange(n_blocks)
    lo = np.maximum(q - (-(-back // b)), 0)
    hi = np.minimum(q + (-(-per_block // b)), n_blocks - 1)
    length = hi - lo + 1
    level = np.floor(np.log2(length)).astype(np.int64)
    table = [coarse]
    while (1 << len(table)) <= length.max():
        prev, step = table[-1], 1 << (len(table) - 1)
        nxt = prev.copy()
        nxt[: n_blocks - step] = np.minimum(prev[: n_blocks - step], prev[step:])
        table.append(nxt)
    stack = np.stack(table)
    held = np.minimum(stack[level, lo], stack[level, hi - (1 << level) + 1])
    return np.minimum(held, 0.0, out=held)


def _gain_envelope_moving(
    required: np.ndarray, lookahead: np.ndarray, release_coef: float | np.ndarray, reach: int
) -> np.ndarray:
    from studio.dsp._kernels import release_ramp_varying

    ahead = _hold_ahead(lookahead) + reach
    held = _hold_blocks_moving(required, reach, ahead)
    w1, w2 = _ramp_widths(lookahead)
    coefs = np.ascontiguousarray(np.atleast_1d(release_coef), dtype=np.float64)
    out = np.empty(len(required))
    size = int(max(w1.max(), w2.max())) + 1
    release_ramp_varying(
        held,
        coefs,
        int(coefs.size > 1),
        np.ascontiguousarray(w1, dtype=np.int64),
        np.ascontiguousarray(w2, dtype=np.int64),
        size,
        out,
    )
    return out


def gain_envelope_db(
    required_db: np.ndarray,
    *,
    lookahead: int | np.ndarray,
    release_coef: float | np.ndarray,
    reach: int = REACH + 1,
) -> np.ndarray:
    """Steps 3-5: held, released and ramped gain (dB), at every frame <= ``required_db``.

    Parameters
    ----------
    required_db : numpy.ndarray
        Largest gain (dB, <= 0) allowed at each frame.
    lookahead : int or numpy.ndarray
        Lookahead in frames (>= 1): the attack ramp's length; one per frame for a
        moving lookahead (the hold then reaches ahead as :func:`_hold_ahead` says).
    release_coef : float or numpy.ndarray
        One-pole release coefficient(s) ``exp(-1 / (release_ms * sr / 1000))``, one
        for all frames or one per frame; 0 means no release smoothing.
    reach : int
        Frames the hold extends on both sides of each requirement beyond the lookahead.

    Returns
    -------
    numpy.ndarray
        Gain in dB (float64) with ``gain[t] <= min(required_db[t - reach : t + reach + 1])``.
    """
    required = np.ascontiguousarray(required_db, dtype=np.float64)
    if np.ndim(lookahead):
        steps = np.asarray(lookahead, dtype=np.int64)
        if len(steps) != len(required) or (len(steps) and steps.min() < 1):
            raise ParameterError(
                "gain_envelope_db: a moving lookahead needs one value (>= 1 frame) per frame."
            )
        if not len(required):
            return np.zeros(0)
        return _gain_envelope_moving(required, steps, release_coef, reach)
    ahead = int(lookahead)
    held = _hold_blocks(required, reach, ahead + reach)
    return _release_ramp(held, len(required), release_coef, ahead)


def gain_envelope_db_reference(
    required_db: np.ndarray,
    *,
    lookahead: int | np.ndarray,
    release_coef: float | np.ndarray,
    reach: int = REACH + 1,
) -> np.ndarray:
    """Plain-Python steps 3-5: the readable definition :func:`gain_envelope_db` matches."""
    n, b = len(required_db), HOLD_BLOCK
    req = [float(v) for v in required_db]
    moving = np.ndim(lookahead) > 0
    looks = [int(v) for v in np.broadcast_to(lookahead, (n,))]
    if moving:  # how far each frame's hold reaches ahead (see _hold_ahead)
        top = max(looks)
        back = top - top // 2
        span = [
            looks[t] - looks[t] // 2 + max(v // 2 for v in looks[max(0, t - back) : t + 1])
            for t in range(n)
        ]
        aheads = [max(span[u : u + top + 1]) for u in range(n)]
    else:
        aheads = looks
    # 3. hold: each block takes the minimum over the windows of all its frames
    held = []
    for q in range(-(-n // b)):
        ahead = max(aheads[q * b : q * b + b])
        lo = max(0, (q * b - reach) // b * b)
        hi = min(n, (-(-(q * b + b - 1 + ahead + reach + 1) // b)) * b)
        held.append(min([0.0, *req[lo:hi]]))
    coefs = np.broadcast_to(np.asarray(release_coef, dtype=np.float64), (n,))
    # 4. release: fall at once, rise by the one-pole rule
    released, state = [], 0.0
    for t in range(n):
        target = held[t // b]
        rise = coefs[t] * state + (1.0 - coefs[t]) * target
        state = target if target < rise else rise
        released.append(state)
    # 5. two moving averages over the past, the first value held before the start
    out = released
    for stage in range(2):
        widths = [v // 2 + 1 if stage == 0 else v - v // 2 + 1 for v in looks]
        top = max(widths, default=1)
        padded = [out[0]] * (top - 1) + out if n else []
        out = [sum(padded[t + top - widths[t] : t + top]) / widths[t] for t in range(n)]
    return np.array(out)


def _spots_over(
    peaks: np.ndarray, target_db: np.ndarray, tolerance_db: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Frames whose peak is more than ``tolerance_db`` above the target, and by how much (dB).

    A comparison with the linear threshold finds them; only those few frames take a
    logarithm (float64), so a long signal mostly under its target costs one pass.
    """
    target = np.asarray(target_db, dtype=np.float64)
    threshold = db_to_gain(target + tolerance_db)
    if target.ndim:
        threshold = threshold.astype(np.float32)
    spots = np.flatnonzero(peaks > threshold)
    at = target if target.ndim == 0 else target[spots]
    return spots, gain_to_db(peaks[spots].astype(np.float64)) - at


def _required_db(peaks: np.ndarray, target_db: np.ndarray, n: int) -> np.ndarray:
    """Step 2: the largest gain (dB, <= 0) each frame allows: ``target - peak`` where over."""
    spots, excess = _spots_over(peaks, target_db)
    required = np.zeros(n)
    required[spots] = -excess
    np.minimum(required, 0.0, out=required)
    return required


_DB_TO_LOG = np.log(10.0) / 20.0


def _apply(
    x: np.ndarray, gain_db: np.ndarray, drive: float | np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """``x * drive * 10**(gain_db/20)`` in the dtype of ``x`` (into ``out`` if given)."""
    gain = np.empty(np.shape(gain_db), dtype=x.dtype)
    np.multiply(gain_db, _DB_TO_LOG, out=gain, casting="same_kind")  # no float64 copy
    np.exp(gain, out=gain)
    if np.ndim(drive) or drive != 1.0:
        gain *= np.asarray(drive, dtype=x.dtype)
    return np.multiply(x, gain, out=out)


def _part(value: float | np.ndarray, start: int, stop: int) -> float | np.ndarray:
    return value[start:stop] if isinstance(value, np.ndarray) and value.ndim else value


def limit(
    samples: np.ndarray,
    sr: int,
    *,
    ceiling_dbtp: Control = -1.0,
    release_ms: Control = 100.0,
    lookahead_ms: Control = 5.0,
    gain_db: Control = 0.0,
    input_peaks: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Limit ``samples`` so their true peak stays under ``ceiling_dbtp``.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples; all channels share one gain (linked), so
        the stereo image does not move.
    sr : int
        Sample rate in Hz.
    ceiling_dbtp : float, array or Envelope
        Highest true peak allowed at the output, in dBTP.
    release_ms : float, array or Envelope
        How fast the gain recovers after a peak (time constant, ms).
    lookahead_ms : float, array or Envelope
        How early the gain starts to come down before a peak (the latency a real-time
        limiter would have; here the output is delay-compensated). A moving lookahead
        changes the attack ramp's length frame by frame; the latency is that of its
        largest value (see the module notes).
    gain_db : float, array or Envelope
        Drive: gain applied before limiting (louder in, same ceiling out).
    input_peaks : numpy.ndarray, optional
        ``sample_true_peaks(samples, sr, meter=False)`` when the caller has already
        measured them (before the drive; a fixed drive scales them): spares the first
        detection. The output is checked as always, so the guarantee does not rest on them.

    Returns
    -------
    output : numpy.ndarray
        Limited samples, same shape and dtype as ``samples``, aligned with them.
    gain_reduction_db : numpy.ndarray
        The limiter's gain change per frame in dB (float64, <= 0; the drive excluded).

    Raises
    ------
    ParameterError
        For a non-positive release, a negative lookahead, or a time-varying value of
        the wrong length.
    """
    x = as_samples(samples)
    n = x.shape[1]
    look_ms = resolve(lookahead_ms, n, sr, name="limit: lookahead_ms")
    if np.size(look_ms) and not float(np.min(look_ms)) >= 0.0:
        raise ParameterError(
            f"limit: lookahead_ms must be 0 ms or more; got {float(np.min(look_ms))!r}."
        )
    ceiling = resolve(ceiling_dbtp, n, sr, name="limit: ceiling_dbtp")
    drive_db = resolve(gain_db, n, sr, name="limit: gain_db")
    release = resolve(release_ms, n, sr, name="limit: release_ms")
    if n and np.min(release) <= 0.0:
        raise ParameterError(f"limit: release_ms must be above 0 ms; got {np.min(release):g}.")
    if n == 0:
        return x.copy(), np.zeros(0)
    coef = np.exp(-1.0 / (np.asarray(release) * 1e-3 * sr))
    if np.ndim(look_ms):
        steps = np.maximum(1, np.rint(look_ms * 1e-3 * sr)).astype(np.int64)
        moving = steps.min() < steps.max()
        lookahead = int(steps.max())  # the latency, and the reach of the corrections
        ramp: int | np.ndarray = steps if moving else lookahead
    else:
        lookahead = max(1, int(round(float(look_ms) * 1e-3 * sr)))
        ramp = lookahead
    drive_arr = db_to_gain(np.asarray(drive_db, dtype=np.float64))
    drive: float | np.ndarray = float(drive_arr) if drive_arr.ndim == 0 else drive_arr

    def driven_input() -> np.ndarray:
        if np.ndim(drive):
            return _apply(x, np.zeros(n), drive)
        return x if drive == 1.0 else x * np.asarray(drive, dtype=x.dtype)

    target_db = (np.asarray(ceiling) - SAFETY_MARGIN_DB).astype(np.float32)
    driven: np.ndarray | None = None
    if input_peaks is not None and np.ndim(drive) == 0:
        if np.shape(input_peaks) != (n,):
            raise ParameterError(
                f"limit: input_peaks needs one value per frame ({n}); got {np.shape(input_peaks)}."
            )
        peaks_in = np.asarray(input_peaks, dtype=np.float32)
        if drive != 1.0:
            peaks_in = peaks_in * np.float32(drive)
    else:
        driven = driven_input()
        peaks_in = sample_true_peaks(driven, sr, meter=False)
    required = _required_db(peaks_in, target_db, n)
    if (required < 0.0).any():
        gain = gain_envelope_db(required, lookahead=ramp, release_coef=coef)
        out = _apply(x, gain, drive)
    else:  # nothing over for our detector: still checked with both below
        gain = np.zeros(n)
        driven = driven_input() if driven is None else driven
        out = driven.copy() if driven is x else driven
    peaks = _checked_peaks(out, sr, target_db)
    for _ in range(MAX_PASSES):
        spots, excess = _spots_over(peaks, target_db, DETECTION_TOLERANCE_DB)
        if not len(spots):
            return out, gain
        for lo, hi in _correction_spans(spots, lookahead, n):
            _correct(x, out, gain, drive, peaks, excess, spots, lo, hi, lookahead, sr)
    raise RuntimeError("limit: the true-peak check did not settle; please report this signal.")


#: Frames per block of the check's screen (:func:`_checked_peaks`): more than the
#: interpolator's reach, so a block and its two neighbours hold every sample it reads.
SCREEN_BLOCK = 32


@lru_cache(maxsize=16)
def _screen_gain(sr: int) -> float:
    """Largest sum of magnitudes of one phase's taps, over both interpolators at ``sr``.

    No in-between point can exceed this times the largest magnitude among the samples
    its taps read: a sure upper bound on what either detector can find. The float32
    coefficients the kernel uses are summed, with a little room for float32 sums.
    """
    most = 0.0
    for sums, diffs, centre in _interpolators(sr, True):
        s, d = sums.astype(np.float64), diffs.astype(np.float64)
        # phase p's taps are (sum + diff) / 2 on one half and (sum - diff) / 2 on the
        # other; its mirror K - p has the same magnitudes; the middle phase is symmetric
        phases = 0.5 * (np.abs(s + d) + np.abs(s - d)).sum(axis=1)
        most = max(most, float(phases.max()), 2.0 * float(np.abs(centre.astype(np.float64)).sum()))
    return most * (1.0 + 1e-4)


def _checked_peaks(out: np.ndarray, sr: int, target_db: np.ndarray) -> np.ndarray:
    """The output's true peaks as both detectors see them, wherever one may be over.

    What the check needs: every frame whose true peak (our interpolator's or the studio
    meter's) is above the target, measured exactly. Blocks of :data:`SCREEN_BLOCK`
    frames whose samples (and their neighbours') are too small for any in-between point
    to reach the target (:func:`_screen_gain`) keep their sample peak; only the others
    are interpolated. Equal to :func:`sample_true_peaks` on every frame over the target.
    """
    from studio.dsp._kernels import (
        abs_peak_frames,
        block_max,
        interpolated_peaks_spans,
        interpolated_peaks_spans_1pc,
        merge_between,
    )

    n_ch, n = out.shape
    peaks = np.empty(n, dtype=out.dtype)
    abs_peak_frames(out, peaks)
    peaks = peaks.astype(np.float32, copy=False)
    b = SCREEN_BLOCK
    most = np.empty(-(-n // b), dtype=np.float32)
    block_max(peaks, b, most)
    near = most.copy()
    np.maximum(near[1:], most[:-1], out=near[1:])
    np.maximum(near[:-1], most[1:], out=near[:-1])
    lowest = float(np.min(target_db)) if np.size(target_db) else 0.0
    flagged = near * np.float32(_screen_gain(sr)) > np.float32(db_to_gain(lowest))
    if not flagged.any():
        return peaks
    # runs of flagged blocks -> stretches of in-between points (see sample_true_peaks)
    edges = np.diff(np.concatenate(([0], flagged.view(np.int8), [0])))
    first_frames = (np.flatnonzero(edges == 1) * b).astype(np.int64)
    stop_frames = np.minimum(np.flatnonzero(edges == -1) * b, n).astype(np.int64)
    taps = TAPS_PER_PHASE
    n_out = n + taps - 1
    starts = (first_frames + REACH - 1).astype(np.int64)
    stops = (stop_frames + REACH + 1).astype(np.int64)
    starts[first_frames == 0] = 0  # the first frame takes the ringing before the start
    stops[stop_frames == n] = n_out  # the last the ringing after the end
    between = np.zeros(n_out, dtype=np.float32)
    padded = np.zeros(n + 2 * (taps - 1), dtype=np.float32)
    for c in range(n_ch):
        padded[taps - 1 : taps - 1 + n] = out[c]
        for sums, diffs, centre in _interpolators(sr, True):
            if not (sums[1:].any() or diffs[1:].any()):  # one mirrored pair (4x, 2x)
                interpolated_peaks_spans_1pc(padded, sums, diffs, centre, between, starts, stops)
            else:
                interpolated_peaks_spans(padded, sums, diffs, centre, between, starts, stops)
    merge_between(peaks, between, first_frames, stop_frames, REACH)  # the stretches only
    peaks[0] = max(peaks[0], between[:REACH].max())
    peaks[-1] = max(peaks[-1], between[REACH + n - 1 :].max())
    return peaks


#: Hold around each over in a correction: beyond the interpolator's reach on both
#: sides of the two intervals next to the over, so the peak scales exactly.
_CORRECTION_REACH = 2 * REACH + 1


def _correction_spans(spots: np.ndarray, lookahead: int, n: int) -> list[tuple[int, int]]:
    """Stretches of frames a correction of each over in ``spots`` can touch, merged."""
    before = lookahead + _CORRECTION_REACH + 2 * HOLD_BLOCK
    after = lookahead + _CORRECTION_REACH + 2 * HOLD_BLOCK
    starts, stops = spots - before, spots + after + 1
    breaks = np.flatnonzero(starts[1:] > stops[:-1])
    firsts = np.concatenate(([0], breaks + 1))
    lasts = np.concatenate((breaks, [len(spots) - 1]))
    return [
        (max(0, int(starts[f])), min(n, int(stops[last])))
        for f, last in zip(firsts, lasts, strict=True)
    ]


def _correct(
    x: np.ndarray,
    out: np.ndarray,
    gain: np.ndarray,
    drive: float | np.ndarray,
    peaks: np.ndarray,
    excess: np.ndarray,
    spots: np.ndarray,
    lo: int,
    hi: int,
    lookahead: int,
    sr: int,
) -> None:
    """Step 6 on frames ``lo:hi``: deepen the gain at the overs, re-apply, re-measure.

    ``excess[k]`` is how far (dB) the peak at frame ``spots[k]`` is over the target.
    """
    fix = np.zeros(hi - lo)
    mask = (spots >= lo) & (spots < hi)
    fix[spots[mask] - lo] = -(excess[mask] + CORRECTION_EXTRA_DB)
    gain[lo:hi] += gain_envelope_db(
        fix, lookahead=lookahead, release_coef=0.0, reach=_CORRECTION_REACH
    )
    _apply(x[:, lo:hi], gain[lo:hi], _part(drive, lo, hi), out=out[:, lo:hi])
    n = x.shape[1]
    a, b = max(0, lo - TAPS_PER_PHASE), min(n, hi + TAPS_PER_PHASE)
    part = sample_true_peaks(out[:, a:b], sr)
    # frames whose in-between points changed (the output changed in lo:hi)
    c, d = max(0, lo - REACH - 1), min(n, hi + REACH + 1)
    peaks[c:d] = part[c - a : d - a]
