"""Filters: steep high/low pass, notch, band pass, tilt, linear phase and dynamic EQ.

High and low pass (Butterworth)
    A slope of 6 dB per octave is one first-order section; every further 12 dB adds a
    biquad. The sections are the Butterworth ones for that order: biquad ``k`` of an
    order-``n`` filter has ``Q = 1 / (2 sin((2k - 1) pi / (2n)))`` (0.7071 for 12 dB;
    0.5412 and 1.3066 for 24 dB), so the passband is as flat as it can be and the
    response is exactly -3.01 dB at the cutoff for every slope (each section is a
    bilinear transform prewarped to the cutoff).

Tilt
    One first-order shelving section ``H(s) = (g s + w) / (s + g w)`` with
    ``g = 10**(tilt_db/20)`` and ``w`` the pivot: the low and high shelves of a classic
    tilt control moving together. Exactly ``-tilt_db`` at 0 Hz, 0 dB at the pivot and
    ``+tilt_db`` at Nyquist, a straight 6 dB-per-octave-at-most slope between them,
    mirror-symmetric (in octaves) around the pivot.

Time-varying parameters
    Every continuous parameter of :func:`high_pass`, :func:`low_pass`, :func:`notch`,
    :func:`band_pass`, :func:`tilt`, :func:`eq_band` and :func:`dynamic_eq` accepts a
    number, a per-frame array or an :class:`~studio.dsp.control.Envelope`. A moving
    parameter is read at the middle of every block of :data:`BLOCK_FRAMES` frames
    (0.67 ms at 48 kHz, far finer than any automation move), the coefficients are
    computed for each block at once (vectorised) and held for that block, and the
    filter's memory carries on from block to block, so a sweep is smooth and has no
    clicks. Constant parameters take the fixed-coefficient path.

Linear phase
    :func:`linear_phase_taps` turns any second-order sections into a symmetric FIR
    filter with the same magnitude response and no phase shift (see its notes for the
    length and the pre-ringing it costs); :func:`convolve_aligned` applies it with the
    delay removed, so the output lines up with the input.

Dynamic EQ
    :func:`dynamic_eq`: one bell or shelf whose gain follows the level in its own band
    (a compressor or an upward expander working on one band only).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from studio.dsp.biquad import apply_sos, apply_sos_blocks, apply_sos_sets, band_coefficients
from studio.dsp.control import Control, Envelope, is_varying, resolve
from studio.dsp.units import db_to_gain
from studio.errors import AudioDataError, ParameterError

__all__ = [
    "BLOCK_FRAMES",
    "DYNAMIC_KINDS",
    "DYNAMIC_MODES",
    "SLOPES_DB_PER_OCT",
    "apply_designed",
    "band_gain_blocks_reference",
    "band_pass",
    "butterworth_qs",
    "butterworth_sos",
    "convolve_aligned",
    "dynamic_eq",
    "dynamic_eq_gain_db",
    "eq_band",
    "fir_length",
    "high_pass",
    "linear_phase_taps",
    "low_pass",
    "notch",
    "slope_to_order",
    "tilt",
    "tilt_sos",
]

#: Frames per coefficient update when a filter parameter moves over time.
BLOCK_FRAMES = 32

#: Slopes offered by the high and low pass filters, in dB per octave (as text choices).
SLOPES_DB_PER_OCT = ("6", "12", "18", "24", "36", "48")

#: Band shapes a dynamic EQ band can take.
DYNAMIC_KINDS = ("peak", "low_shelf", "high_shelf")

#: What a dynamic EQ band does: cut the band when it gets loud, or lift it when quiet.
DYNAMIC_MODES = ("cut_when_loud", "boost_when_quiet")


# --------------------------------------------------------------------------- designs


def slope_to_order(slope_db_per_oct: str | int) -> int:
    """Filter order for a slope: 6 dB/octave per order (``"24"`` -> 4)."""
    text = str(slope_db_per_oct).strip()
    if text not in SLOPES_DB_PER_OCT:
        raise ParameterError(
            f"slope_db_per_oct must be one of {', '.join(SLOPES_DB_PER_OCT)} dB per octave; "
            f"got {slope_db_per_oct!r}."
        )
    return int(text) // 6


def butterworth_qs(order: int) -> np.ndarray:
    """Q of each biquad of an order-``order`` Butterworth filter, lowest first.

    An odd order also has one first-order section (which has no Q).
    """
    k = np.arange(1, order // 2 + 1)
    return np.sort(1.0 / (2.0 * np.sin((2 * k - 1) * np.pi / (2 * order))))


def _check_freq(freq_hz: np.ndarray, sr: int, what: str, name: str = "freq_hz") -> None:
    nyquist = sr / 2.0
    bad = freq_hz[~((freq_hz > 0.0) & (freq_hz < nyquist))]
    if bad.size:
        raise ParameterError(
            f"{what}: {name} must be above 0 and below the Nyquist frequency "
            f"({nyquist:g} Hz at a {sr} Hz sample rate); got {float(bad.flat[0]):g} Hz."
        )


def butterworth_sos(
    kind: str, freq_hz: float | np.ndarray, slope_db_per_oct: str | int, sr: int
) -> np.ndarray:
    """Second-order sections of a Butterworth high or low pass.

    Parameters
    ----------
    kind : {"high_pass", "low_pass"}
    freq_hz : float or numpy.ndarray
        Cutoff (the -3.01 dB point); an array gives one filter per value.
    slope_db_per_oct : str or int
        One of :data:`SLOPES_DB_PER_OCT`.
    sr : int
        Sample rate in Hz.

    Returns
    -------
    numpy.ndarray
        ``(n_sections, 6)`` for a number, ``freq_hz.shape + (n_sections, 6)`` for an
        array. The first-order section of an odd order comes first, then the biquads
        from the lowest Q to the highest (the gentlest sections first keep internal
        levels low).
    """
    if kind not in ("high_pass", "low_pass"):
        raise ParameterError(f"kind must be 'high_pass' or 'low_pass'; got {kind!r}.")
    order = slope_to_order(slope_db_per_oct)
    f = np.asarray(freq_hz, dtype=np.float64)
    _check_freq(f, sr, kind.replace("_", " "))
    sections = []
    if order % 2:
        k = np.tan(np.pi * f / sr)
        norm = 1.0 / (1.0 + k)
        zero = np.zeros_like(f)
        b = (k * norm, k * norm) if kind == "low_pass" else (norm, -norm)
        sections.append(np.stack([b[0], b[1], zero, np.ones_like(f), (k - 1.0) * norm, zero], -1))
    for q in butterworth_qs(order):
        sections.append(band_coefficients(kind, f, 0.0, q, sr))
    return np.stack(sections, axis=-2)


def tilt_sos(tilt_db: float | np.ndarray, pivot_hz: float | np.ndarray, sr: int) -> np.ndarray:
    """The tilt filter as one first-order section (``(1, 6)``, or per value for arrays).

    ``-tilt_db`` at 0 Hz, exactly 0 dB at ``pivot_hz``, ``+tilt_db`` at Nyquist.
    """
    g, p = np.broadcast_arrays(
        np.asarray(tilt_db, dtype=np.float64), np.asarray(pivot_hz, dtype=np.float64)
    )
    if not np.all(np.isfinite(g)):
        raise ParameterError("tilt: tilt_db must be a finite number.")
    _check_freq(p, sr, "tilt", "pivot_hz")
    gain = db_to_gain(g)
    k = np.tan(np.pi * p / sr)  # bilinear transform prewarped to the pivot
    norm = 1.0 / (1.0 + gain * k)
    zero = np.zeros_like(g)
    sos = np.stack(
        [
            (gain + k) * norm,
            (k - gain) * norm,
            zero,
            np.ones_like(g),
            (gain * k - 1.0) * norm,
            zero,
        ],
        axis=-1,
    )
    return sos[..., None, :]


# ------------------------------------------------------------------ time-varying runs


def _block_values(values: np.ndarray, n_frames: int, block: int) -> np.ndarray:
    centres = np.minimum(np.arange(0, n_frames, block) + block // 2, n_frames - 1)
    return values[centres]


def _check_signal(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim != 2:
        raise AudioDataError(
            f"audio must be shaped (channels, frames); got an array with shape {x.shape}."
        )
    return x


def apply_designed(
    samples: np.ndarray,
    sr: int,
    design: Callable[..., np.ndarray],
    *,
    block: int = BLOCK_FRAMES,
    **controls: Control,
) -> np.ndarray:
    """Filter with sections from ``design(**values)``, following any moving parameter.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)``.
    sr : int
        Sample rate in Hz.
    design : callable
        Returns ``(n_sections, 6)`` for numbers and ``shape + (n_sections, 6)`` when
        some values are arrays (as :func:`butterworth_sos` and :func:`tilt_sos` do).
    block : int
        Frames per coefficient update when a parameter moves.
    **controls
        The continuous parameters: numbers, per-frame arrays or Envelopes.
    """
    x = _check_signal(samples)
    n = x.shape[-1]
    centres = np.minimum(np.arange(0, n, block) + block // 2, n - 1)
    values: dict[str, float | np.ndarray] = {}
    for name, v in controls.items():
        if isinstance(v, Envelope) and v.range[0] != v.range[1] and n:
            # only the block centres are used: evaluate the envelope there alone
            values[name] = np.asarray(v.value_at(centres / sr), dtype=np.float64)
        else:
            resolved = resolve(v, n, sr, name=name)
            if isinstance(resolved, np.ndarray):
                values[name] = _block_values(resolved, n, block)
            else:
                values[name] = resolved
    if all(np.ndim(v) == 0 for v in values.values()) or n == 0:
        return apply_sos(x, design(**values))
    # a block whose settings equal the block before's gets its coefficients: an
    # automation lane that holds still most of the song designs only where it moves
    moving = [v for v in values.values() if isinstance(v, np.ndarray) and v.ndim]
    new_set = np.ones(len(centres), dtype=bool)
    new_set[1:] = np.any([v[1:] != v[:-1] for v in moving], axis=0)
    first = np.flatnonzero(new_set)
    designed = design(
        **{k: v[first] if isinstance(v, np.ndarray) and v.ndim else v for k, v in values.items()}
    )
    return apply_sos_sets(x, designed, np.cumsum(new_set) - 1, block)


def high_pass(
    samples: np.ndarray, sr: int, *, freq_hz: Control, slope_db_per_oct: str | int = "12"
) -> np.ndarray:
    """Remove what lies below ``freq_hz`` (Butterworth, 6 to 48 dB per octave)."""
    order = str(slope_db_per_oct)
    return apply_designed(
        samples,
        sr,
        lambda freq_hz: butterworth_sos("high_pass", freq_hz, order, sr),
        freq_hz=freq_hz,
    )


def low_pass(
    samples: np.ndarray, sr: int, *, freq_hz: Control, slope_db_per_oct: str | int = "12"
) -> np.ndarray:
    """Remove what lies above ``freq_hz`` (Butterworth, 6 to 48 dB per octave)."""
    order = str(slope_db_per_oct)
    return apply_designed(
        samples,
        sr,
        lambda freq_hz: butterworth_sos("low_pass", freq_hz, order, sr),
        freq_hz=freq_hz,
    )


def _rbj(kind: str, sr: int) -> Callable[..., np.ndarray]:
    def design(freq_hz: object, q: object, gain_db: object = 0.0) -> np.ndarray:
        return band_coefficients(kind, freq_hz, gain_db, q, sr)[..., None, :]  # type: ignore[arg-type]

    return design


def notch(samples: np.ndarray, sr: int, *, freq_hz: Control, q: Control) -> np.ndarray:
    """Cut a narrow band around ``freq_hz`` to silence (RBJ notch; higher ``q`` is narrower)."""
    return apply_designed(samples, sr, _rbj("notch", sr), freq_hz=freq_hz, q=q)


def band_pass(samples: np.ndarray, sr: int, *, freq_hz: Control, q: Control) -> np.ndarray:
    """Keep only a band around ``freq_hz`` (RBJ band pass, 0 dB at the centre)."""
    return apply_designed(samples, sr, _rbj("band_pass", sr), freq_hz=freq_hz, q=q)


def eq_band(
    samples: np.ndarray,
    sr: int,
    *,
    kind: str,
    freq_hz: Control,
    gain_db: Control = 0.0,
    q: Control = 0.7071067811865476,
) -> np.ndarray:
    """One RBJ band (any of :data:`studio.dsp.biquad.BAND_KINDS`) with movable parameters."""
    return apply_designed(samples, sr, _rbj(kind, sr), freq_hz=freq_hz, q=q, gain_db=gain_db)


def tilt(samples: np.ndarray, sr: int, *, tilt_db: Control, pivot_hz: Control) -> np.ndarray:
    """Tilt the spectrum around ``pivot_hz``: + brightens (treble up, bass down), - darkens."""
    x = _check_signal(samples)
    if not is_varying(tilt_db) and float(tilt_db) == 0.0:  # type: ignore[arg-type]
        return np.array(x, dtype=x.dtype if x.dtype in (np.float32, np.float64) else np.float64)
    return apply_designed(
        x,
        sr,
        lambda tilt_db, pivot_hz: tilt_sos(tilt_db, pivot_hz, sr),
        tilt_db=tilt_db,
        pivot_hz=pivot_hz,
    )


# ---------------------------------------------------------------------- linear phase


def _slowest_pole_radius(sos: np.ndarray) -> float:
    radius = 0.0
    for section in np.asarray(sos, dtype=np.float64):
        a0, a1, a2 = section[3:]
        roots = np.roots([a0, a1, a2]) if a2 != 0.0 or a1 != 0.0 else np.zeros(1)
        radius = max(radius, float(np.max(np.abs(roots))))
    return radius


def fir_length(sos: np.ndarray, sr: int) -> int:
    """Number of taps (odd) of the linear-phase version of ``sos`` at rate ``sr``.

    Long enough for the slowest resonance of the filter to ring down by 100 dB on each
    side of the centre (twice that time, rounded up to a power of two, minus one tap so
    the centre is a whole sample), at least 1/16 s and at most 2.5 s. At 48 kHz: shelves
    and bells above about 100 Hz get 4095-8191 taps (85-170 ms), a Q 2 bell at 60 Hz
    16383 (0.34 s), a bell at 30 Hz 32767 (0.68 s), a narrow low bell the most, 131071
    (2.7 s). The same durations hold at other rates (twice the taps at 96 kHz).
    """
    radius = _slowest_pole_radius(sos)
    decay = 0.0 if radius <= 0.0 else np.log(1e-5) / np.log(min(radius, 1.0 - 1e-12))
    lo = 1 << int(np.ceil(np.log2(sr / 16.0)))
    hi = 1 << int(np.ceil(np.log2(2.5 * sr)))
    n = 1 << int(np.ceil(np.log2(max(2.0 * decay, 2.0))))
    return int(min(max(n, lo), hi)) - 1


def linear_phase_taps(sos: np.ndarray, sr: int, n_taps: int | None = None) -> np.ndarray:
    """A symmetric FIR filter whose magnitude response is that of ``sos``.

    The magnitude of the (minimum-phase) sections is sampled on an FFT grid of
    ``n_taps + 1`` points and transformed with zero phase; the result is centred and
    cut to ``n_taps`` (odd) taps, symmetric around tap ``(n_taps - 1) / 2``.

    The trade-off, which a learner can hear: a linear-phase EQ does not shift the
    timing of one frequency against another (no phase smear between bands, the same
    delay for everything), but its impulse response rings *before* each transient as
    well as after: a narrow, deep or low-frequency move can be heard as a soft
    pre-echo ahead of drum hits. The longer the filter (narrow and low bands need long
    ones), the longer that pre-ringing. Gentle broad moves, as in mastering, keep it
    inaudible.

    Parameters
    ----------
    sos : numpy.ndarray
        ``(n_sections, 6)``.
    sr : int
        Sample rate in Hz.
    n_taps : int, optional
        Odd length; :func:`fir_length` by default.

    Returns
    -------
    numpy.ndarray
        float64 taps.
    """
    from studio.dsp.biquad import sos_response

    n = fir_length(sos, sr) if n_taps is None else int(n_taps)
    if n < 1 or n % 2 == 0:
        raise ParameterError(f"linear_phase_taps: n_taps must be a positive odd number; got {n}.")
    grid = n + 1
    magnitude = np.abs(sos_response(sos, np.arange(grid // 2 + 1) * (sr / grid), sr))
    impulse = np.fft.irfft(magnitude, n=grid)  # zero phase: symmetric around index 0
    return np.roll(impulse, grid // 2)[1:]  # centre at (n - 1) / 2, symmetric


def convolve_aligned(samples: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """Convolve every channel with an odd-length FIR centred on its middle tap.

    The filter's delay of ``(len(taps) - 1) / 2`` frames is removed, so the output
    lines up with the input (an impulse comes out centred where it went in). Runs as
    FFT overlap-save in the input's precision (float32 stays float32) with blocks
    sized to the filter, vectorised over blocks and channels.
    """
    import scipy.fft as sfft
    from numpy.lib.stride_tricks import sliding_window_view

    x = _check_signal(samples)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    h = np.asarray(taps, dtype=x.dtype)
    n_taps = len(h)
    if n_taps % 2 == 0:
        raise ParameterError(f"convolve_aligned: the FIR needs an odd length; got {n_taps}.")
    n_ch, n = x.shape
    if n == 0 or n_ch == 0:
        return np.array(x, copy=True)
    fft_size = min(max(1 << int(np.ceil(np.log2(4 * n_taps))), 1 << 13), 1 << 20)
    fft_size = max(fft_size, 1 << int(np.ceil(np.log2(2 * n_taps))))
    step = fft_size - n_taps + 1
    n_blocks = -(-n // step)
    centre = (n_taps - 1) // 2
    front = n_taps - 1 - centre
    padded = np.zeros((n_ch, front + n_blocks * step + centre), dtype=x.dtype)
    padded[:, front : front + n] = x
    segments = sliding_window_view(padded, fft_size, axis=-1)[:, ::step][:, :n_blocks]
    spectrum = sfft.rfft(h, fft_size)
    out = np.empty((n_ch, n_blocks * step), dtype=x.dtype)
    per_call = max(1, (1 << 20) // fft_size)  # about 4-8 MB of spectra at a time
    for first in range(0, n_blocks, per_call):
        chunk = sfft.rfft(segments[:, first : first + per_call], axis=-1)
        chunk *= spectrum
        y = sfft.irfft(chunk, fft_size, axis=-1)[:, :, n_taps - 1 :]
        out[:, first * step : first * step + y.shape[1] * step] = y.reshape(n_ch, -1)
    return out[:, :n]


# ------------------------------------------------------------------------ dynamic EQ


def dynamic_eq_gain_db(
    level_db: np.ndarray | float,
    *,
    threshold_db: float | np.ndarray,
    ratio: float | np.ndarray,
    range_db: float | np.ndarray,
    mode: str = "cut_when_loud",
) -> np.ndarray:
    """Static band gain (dB) for a steady level in the band.

    ``"cut_when_loud"``: above the threshold, each dB more in the band gives
    ``1 - 1/ratio`` dB of cut (the band is compressed ``ratio``:1), at most ``range_db``.
    ``"boost_when_quiet"``: below the threshold, each dB less gives ``1 - 1/ratio`` dB
    of boost, at most ``range_db`` (an upward compressor on one band).
    """
    if mode not in DYNAMIC_MODES:
        raise ParameterError(f"mode must be one of {', '.join(DYNAMIC_MODES)}; got {mode!r}.")
    level = np.asarray(level_db, dtype=np.float64)
    slope = 1.0 - 1.0 / np.asarray(ratio, dtype=np.float64)
    distance = level - threshold_db if mode == "cut_when_loud" else threshold_db - level
    amount = np.minimum(slope * np.maximum(distance, 0.0), range_db)
    return -amount if mode == "cut_when_loud" else amount


def _check_dynamic(
    kind: str, ratio: object, range_db: object, attack_ms: object, release_ms: object
) -> None:
    if kind not in DYNAMIC_KINDS:
        raise ParameterError(
            f"dynamic EQ kind must be one of {', '.join(DYNAMIC_KINDS)}; got {kind!r}."
        )
    lowest_ratio = float(np.min(np.asarray(ratio, dtype=np.float64)))
    if lowest_ratio < 1.0:
        raise ParameterError(f"dynamic EQ: ratio must be at least 1; got {lowest_ratio:g}.")
    lowest_range = float(np.min(np.asarray(range_db, dtype=np.float64)))
    if lowest_range < 0.0:
        raise ParameterError(f"dynamic EQ: range_db must be 0 dB or more; got {lowest_range:g}.")
    for name, value in (("attack_ms", attack_ms), ("release_ms", release_ms)):
        times = np.asarray(value, dtype=np.float64)
        bad = times[~(np.isfinite(times) & (times > 0.0))]
        if bad.size:
            shown = value if times.ndim == 0 else float(bad.flat[0])
            raise ParameterError(f"dynamic EQ: {name} must be greater than 0 ms; got {shown!r}.")


_GAIN_KERNEL = None


def _gain_kernel():  # compiled lazily so `import studio` stays fast; cached on disk by numba
    global _GAIN_KERNEL
    if _GAIN_KERNEL is None:
        from studio.dsp._filter_kernels import band_gain_blocks

        _GAIN_KERNEL = band_gain_blocks
    return _GAIN_KERNEL


def _band_gain_blocks(
    band: np.ndarray,
    *,
    threshold_db: float | np.ndarray,
    ratio: float | np.ndarray,
    range_db: float | np.ndarray,
    mode: str,
    attack: float | np.ndarray,
    release: float | np.ndarray,
    block: int,
) -> np.ndarray:
    """Compiled detector + static curve + smoother + block means (one pass).

    ``attack`` and ``release`` are one-pole coefficients: one number each, or one per
    frame (a moving time constant changes the smoother at every frame).
    """
    n = band.shape[-1]
    values = [np.asarray(v, dtype=np.float64) for v in (threshold_db, ratio, range_db)]
    length = n if any(v.ndim for v in values) else 1  # one value, or one per frame
    thr, rat, rng = (np.broadcast_to(v, (length,)).astype(np.float64) for v in values)
    slope = 1.0 - 1.0 / rat
    boost = mode == "boost_when_quiet"
    with np.errstate(divide="ignore", invalid="ignore"):
        reach_db = np.where(slope > 0.0, rng / slope, np.inf)  # dB from threshold to range
    cap_db = thr - reach_db if boost else thr + reach_db
    knee_lin = db_to_gain(thr)
    cap_lin = db_to_gain(np.clip(cap_db, -400.0, 400.0))
    coefs = [np.asarray(v, dtype=np.float64) for v in (attack, release)]
    timing = n if any(v.ndim for v in coefs) else 1  # one coefficient, or one per frame
    att, rel = (np.ascontiguousarray(np.broadcast_to(v, (timing,))) for v in coefs)
    out = np.empty(-(-n // block))
    x = band if band.dtype in (np.float32, np.float64) else band.astype(np.float64)
    _gain_kernel()(
        np.ascontiguousarray(x),
        thr,
        slope,
        rng,
        knee_lin,
        cap_lin,
        boost,
        att,
        rel,
        int(block),
        out,
    )
    return out


def band_gain_blocks_reference(
    band: np.ndarray,
    *,
    threshold_db: float | np.ndarray,
    ratio: float | np.ndarray,
    range_db: float | np.ndarray,
    mode: str,
    attack: float | np.ndarray,
    release: float | np.ndarray,
    block: int,
) -> np.ndarray:
    """The dynamic EQ's band gain per block, from the readable definitions (tests only).

    Peak detector (:func:`studio.dsp.dynamics.detector_level_db`), static curve
    (:func:`dynamic_eq_gain_db`), the compressor's pure-Python branching smoother (with
    one attack and release coefficient, or one per frame), then
    the mean of every block (the last block padded with its final value). The compiled
    pass that :func:`dynamic_eq` uses must give the same.
    """
    from studio.dsp.dynamics import detector_level_db, smooth_gain_db_reference

    level = detector_level_db(band)
    target = dynamic_eq_gain_db(
        level, threshold_db=threshold_db, ratio=ratio, range_db=range_db, mode=mode
    )
    smoothed = smooth_gain_db_reference(target, attack, release)
    n = len(smoothed)
    n_blocks = -(-n // block)
    padded = np.empty(n_blocks * block)
    padded[:n] = smoothed
    padded[n:] = smoothed[-1]
    return padded.reshape(n_blocks, block).mean(axis=1)


def dynamic_eq(
    samples: np.ndarray,
    sr: int,
    *,
    kind: str = "peak",
    freq_hz: Control,
    q: Control = 1.0,
    threshold_db: Control,
    ratio: Control,
    range_db: Control,
    attack_ms: Control,
    release_ms: Control,
    mode: str = "cut_when_loud",
    block: int = BLOCK_FRAMES,
) -> tuple[np.ndarray, np.ndarray]:
    """One EQ band whose gain follows the level in its own band.

    1. **Detector**: the signal through a band pass at ``freq_hz`` with the band's
       ``q`` (a low pass / high pass at ``freq_hz`` for a low / high shelf); its level
       in dB is the loudest channel's absolute sample (peak detector, channels linked).
    2. **Static curve**: :func:`dynamic_eq_gain_db`.
    3. **Smoothing**: the gain moves toward more cut / less boost with ``attack_ms``
       and back with ``release_ms`` (the compressor's branching smoother). Moving
       times change the smoother's coefficient at every frame.
    4. **Band**: the RBJ bell or shelf gets the smoothed gain averaged over each block
       of ``block`` frames; the coefficients change every block, the filter's memory
       carries on.

    Every continuous parameter (``freq_hz``, ``q``, ``threshold_db``, ``ratio``,
    ``range_db``, ``attack_ms``, ``release_ms``) may move over time: a number, a
    per-frame array or an Envelope.

    Returns
    -------
    (output, gain_db)
        Output in the input's dtype; the band gain in dB applied at every frame (what
        the panel plots: negative is cut, positive boost).
    """
    from studio.dsp.dynamics import time_constant_coef

    x = _check_signal(samples)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    n = x.shape[-1]
    thr = resolve(threshold_db, n, sr, name="threshold_db")
    rat = resolve(ratio, n, sr, name="ratio")
    rng = resolve(range_db, n, sr, name="range_db")
    f = resolve(freq_hz, n, sr, name="freq_hz")
    qq = resolve(q, n, sr, name="q")
    # numbers go straight to the check (its message names the problem); moving times
    # become one value per frame (a constant array becomes a number)
    att = (
        resolve(attack_ms, n, sr, name="attack_ms")
        if is_varying(attack_ms)
        else float(np.asarray(attack_ms))
    )
    rel = (
        resolve(release_ms, n, sr, name="release_ms")
        if is_varying(release_ms)
        else float(np.asarray(release_ms))
    )
    _check_dynamic(kind, rat, rng, att, rel)
    if n == 0 or (np.ndim(rat) == 0 and rat == 1.0) or (np.ndim(rng) == 0 and rng == 0.0):
        _check_freq(np.asarray(f), sr, "dynamic EQ")
        return np.array(x, copy=True), np.zeros(n)

    varying = np.ndim(f) or np.ndim(qq)
    f_b = _block_values(f, n, block) if isinstance(f, np.ndarray) else np.float64(f)
    q_b = _block_values(qq, n, block) if isinstance(qq, np.ndarray) else np.float64(qq)
    if kind == "peak":
        detect = band_coefficients("band_pass", f_b, 0.0, q_b, sr)
    else:
        detect = band_coefficients(
            "low_pass" if kind == "low_shelf" else "high_pass", f_b, 0.0, np.sqrt(0.5), sr
        )
    band = apply_sos_blocks(x, detect[:, None, :], block) if varying else apply_sos(x, detect[None])
    block_gain = _band_gain_blocks(
        band,
        threshold_db=thr,
        ratio=rat,
        range_db=rng,
        mode=mode,
        attack=time_constant_coef(att, sr),
        release=time_constant_coef(rel, sr),
        block=block,
    )
    coefs = band_coefficients(kind, f_b, block_gain, q_b, sr)[:, None, :]
    out = apply_sos_blocks(x, coefs, block)
    return out, np.repeat(block_gain, block)[:n]
