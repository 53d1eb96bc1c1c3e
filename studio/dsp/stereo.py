"""Stereo width: mid/side, width, mono below a frequency, width per band.

Mid/side
    A stereo pair (L, R) is the same information as its *mid* (what both speakers
    share, the centre) and its *side* (what differs between them, the width):

    ``M = (L + R) / 2``, ``S = (L - R) / 2``, and back ``L = M + S``, ``R = M - S``.

    The round trip is exact: ``M + S = (L + R + L - R) / 2 = L`` and
    ``M - S = (L + R - L + R) / 2 = R``. With this scaling (the "sum and difference
    halved" convention) a mono signal (L = R) has ``M = L`` and ``S = 0``, and mid is
    what a mono fold-down ``(L + R) / 2`` plays. (The other common convention divides by
    ``sqrt(2)`` to keep power equal; it needs the same factor on the way back.)

Width
    Multiplying the side by ``w = width_pct / 100`` and leaving the mid alone narrows
    (``w < 1``) or widens (``w > 1``) the image: 0 % is mono (L = R), 100 % unchanged.
    For mid and side uncorrelated with powers ``Pm`` and ``Ps`` the correlation between
    the speakers is ``(Pm - w**2 Ps) / (Pm + w**2 Ps)``: it rises to 1 as the width goes
    to 0.

Mono below a frequency, width per band
    Linkwitz-Riley crossovers (4th order, LR4: a 2nd-order Butterworth applied twice,
    24 dB per octave) split the side into bands, each with its own width. LR4 low and
    high outputs are in phase with each other and sum to an all-pass (level exactly 1 at
    every frequency), so the mid goes through that same all-pass: with every band at the
    same width the result is a plain width change (and is computed as one, without
    filters). Below the crossover, a width of 0 keeps the bass centred and mono-safe.

    The crossover frequencies may move over time too (``mono_below_hz``, or any of
    ``crossovers_hz``, as a per-frame array or an Envelope): the LR4 coefficients are
    then recomputed every block of 32 frames for the side's bands and the mid's
    allpass alike (:func:`studio.dsp.crossover.split_bands`), so with equal widths the
    bands still add up to the side through the same moving allpass as the mid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from studio.audio import as_samples
from studio.dsp.biquad import apply_sos, apply_sos_blocks, sos_response
from studio.dsp.control import Control, is_varying, resolve
from studio.dsp.crossover import (
    allpass_sos,
    allpass_sos_blocks,
    check_crossovers,
    resolve_crossovers,
    split_bands,
)
from studio.dsp.crossover import band_sos as crossover_bands
from studio.dsp.filters import BLOCK_FRAMES
from studio.errors import AudioDataError, ParameterError

__all__ = [
    "ms_decode",
    "ms_encode",
    "multiband_width",
    "side_width_pct",
    "stereo_width",
]


def _stereo(samples: np.ndarray, what: str) -> np.ndarray:
    x = as_samples(samples, what=what)
    if x.shape[0] != 2:
        raise AudioDataError(f"{what} needs stereo audio (2 channels); got {x.shape[0]}.")
    return x


def ms_encode(samples: np.ndarray) -> np.ndarray:
    """Left/right to mid/side: ``[(L + R) / 2, (L - R) / 2]``, same dtype.

    Examples
    --------
    >>> import numpy as np
    >>> ms_encode(np.array([[1.0, 0.5], [1.0, -0.5]]))  # centred, then fully wide
    array([[1. , 0. ],
           [0. , 0.5]])
    """
    x = _stereo(samples, "ms_encode")
    half = x.dtype.type(0.5)
    return np.stack([(x[0] + x[1]) * half, (x[0] - x[1]) * half])


def ms_decode(mid_side: np.ndarray) -> np.ndarray:
    """Mid/side back to left/right: ``[M + S, M - S]`` (undoes :func:`ms_encode`)."""
    ms = _stereo(mid_side, "ms_decode")
    return np.stack([ms[0] + ms[1], ms[0] - ms[1]])


def _widths(widths_pct: tuple[Control, ...], n: int, sr: int) -> list[float | np.ndarray]:
    out = []
    for w in widths_pct:
        v = resolve(w, n, sr, name="width_pct")
        if np.min(v) < 0.0:
            raise ParameterError(f"width_pct must be 0 or more; got {float(np.min(v)):g}.")
        out.append(np.asarray(v, dtype=np.float64) / 100.0 if np.ndim(v) else float(v) / 100.0)
    return out


def _plain_width(x: np.ndarray, w: float | np.ndarray) -> np.ndarray:
    """``L' = L (1 + w) / 2 + R (1 - w) / 2`` (and mirrored): exact at w = 1 and w = 0."""
    a = np.asarray((1.0 + np.asarray(w)) / 2.0, dtype=x.dtype)
    b = np.asarray((1.0 - np.asarray(w)) / 2.0, dtype=x.dtype)
    return np.stack([x[0] * a + x[1] * b, x[1] * a + x[0] * b])


def _banded_width(
    x: np.ndarray, widths: list[float | np.ndarray], crossovers_hz: tuple[float, ...], sr: int
) -> np.ndarray:
    ms = ms_encode(x)
    mid = apply_sos(ms[0:1], allpass_sos(crossovers_hz, sr))[0]
    side: np.ndarray | None = None
    for w, sos in zip(widths, crossover_bands(crossovers_hz, sr), strict=True):
        if np.ndim(w) == 0 and w == 0.0:
            continue
        band = apply_sos(ms[1:2], sos)[0]
        if not (np.ndim(w) == 0 and w == 1.0):  # a band at its width as it is: no multiply
            band *= np.asarray(w, dtype=x.dtype)
        if side is None:
            side = band
        else:
            side += band
    if side is None:  # every band mono
        return np.stack([mid, mid])
    out = np.empty_like(x)
    np.add(mid, side, out=out[0])
    np.subtract(mid, side, out=out[1])
    return out


def _banded_width_moving(
    x: np.ndarray,
    widths: list[float | np.ndarray],
    crossovers: tuple[float | np.ndarray, ...],
    sr: int,
) -> np.ndarray:
    """Per-band width with crossovers that move: per-block LR4 filters, same blocks."""
    ms = ms_encode(x)
    n = x.shape[1]
    mid = apply_sos_blocks(ms[0:1], allpass_sos_blocks(crossovers, n, sr), BLOCK_FRAMES)[0]
    side = np.zeros_like(mid)
    bands = split_bands(ms[1:2], sr, crossovers_hz=crossovers, block=BLOCK_FRAMES)
    for w, band in zip(widths, bands, strict=True):
        if np.ndim(w) == 0 and w == 0.0:
            continue
        side += band[0] * np.asarray(w, dtype=x.dtype)
    return np.stack([mid + side, mid - side])


def stereo_width(
    samples: np.ndarray, sr: int, *, width_pct: Control = 100.0, mono_below_hz: Control = 0.0
) -> np.ndarray:
    """Narrow or widen a stereo image; optionally make everything below a frequency mono.

    Parameters
    ----------
    samples : numpy.ndarray
        Stereo audio ``(2, frames)``.
    sr : int
        Sample rate in Hz.
    width_pct : float, array or Envelope
        Side gain in percent: 0 = mono, 100 = unchanged, 200 = side doubled.
    mono_below_hz : float, array or Envelope
        0 = off; otherwise the side below this LR4 crossover is removed (the bass stays
        centred) and ``width_pct`` applies above it. It may move over time (the
        crossover's coefficients then change every 32 frames); a moving value must stay
        above 0 Hz and below Nyquist throughout.

    Returns
    -------
    numpy.ndarray
        Stereo audio, same dtype.
    """
    x = _stereo(samples, "stereo width")
    (w,) = _widths((width_pct,), x.shape[1], sr)
    if is_varying(mono_below_hz):
        (moving,) = resolve_crossovers((mono_below_hz,), x.shape[1], sr)
        if np.ndim(moving):
            return _banded_width_moving(x, [0.0, w], (moving,), sr)
        below = float(moving)  # a constant array: the fixed path
    else:
        below = float(np.asarray(mono_below_hz))
    if not np.isfinite(below) or below < 0.0:
        raise ParameterError(f"mono_below_hz must be 0 (off) or more; got {below!r}.")
    if below == 0.0:
        return _plain_width(x, w)
    check_crossovers((below,), sr)
    return _banded_width(x, [0.0, w], (below,), sr)


def multiband_width(
    samples: np.ndarray,
    sr: int,
    *,
    widths_pct: tuple[Control, ...],
    crossovers_hz: Sequence[Control],
) -> np.ndarray:
    """A width for each band between LR4 crossovers (low band first).

    Parameters
    ----------
    samples : numpy.ndarray
        Stereo audio ``(2, frames)``.
    sr : int
        Sample rate in Hz.
    widths_pct : tuple of float, array or Envelope
        One width per band (``len(crossovers_hz) + 1`` of them), 0 = mono, 100 = as is.
    crossovers_hz : sequence of float, array or Envelope
        Rising crossover frequencies. Each may move over time (per-block LR4
        coefficients, every band on the same blocks); they must rise from band to band
        at every frame.

    Returns
    -------
    numpy.ndarray
        Stereo audio, same dtype. When every band has the same constant width this is
        exactly :func:`stereo_width` without filters (no crossover phase shift).
    """
    x = _stereo(samples, "multiband width")
    if len(widths_pct) != len(crossovers_hz) + 1:
        raise ParameterError(
            f"multiband width needs one width per band: {len(crossovers_hz) + 1} for "
            f"{len(crossovers_hz)} crossovers; got {len(widths_pct)}."
        )
    if any(is_varying(f) for f in crossovers_hz):
        moving = resolve_crossovers(crossovers_hz, x.shape[1], sr)
    else:
        moving = tuple(float(np.asarray(f)) for f in crossovers_hz)
    crossovers = check_crossovers(moving, sr) if not any(np.ndim(f) for f in moving) else None
    widths = _widths(tuple(widths_pct), x.shape[1], sr)
    if all(np.ndim(w) == 0 for w in widths) and len(set(widths)) == 1:
        return _plain_width(x, widths[0])
    if crossovers is None:
        return _banded_width_moving(x, widths, moving, sr)
    return _banded_width(x, widths, crossovers, sr)


def side_width_pct(
    freqs_hz: np.ndarray,
    sr: int,
    *,
    widths_pct: tuple[float, ...],
    crossovers_hz: tuple[float, ...] = (),
) -> np.ndarray:
    """How wide each frequency comes out: side gain relative to mid, in percent.

    Computed from the same sections the audio goes through: the sum of each band's
    response times its width, divided by the mid's all-pass. LR4 bands are in phase, so
    the ratio is real: ``width(f) = sum_b width_b * |H_b(f)|``, a smooth blend between
    neighbouring bands' widths around each crossover.
    """
    freqs = np.asarray(freqs_hz, dtype=np.float64)
    crossovers = tuple(float(f) for f in crossovers_hz)
    if len(widths_pct) != len(crossovers) + 1:
        raise ParameterError("side_width_pct needs one width per band.")
    if not crossovers or len(set(widths_pct)) == 1:
        return np.full(freqs.shape, float(widths_pct[0]))
    check_crossovers(crossovers, sr)
    total = sum(
        w * sos_response(sos, freqs, sr)
        for w, sos in zip(widths_pct, crossover_bands(crossovers, sr), strict=True)
    )
    ratio = total / sos_response(allpass_sos(crossovers, sr), freqs, sr)
    return np.real(ratio)
