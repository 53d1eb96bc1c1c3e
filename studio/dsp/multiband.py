"""Multiband compressor: split with Linkwitz-Riley crossovers, compress each band.

The crossovers (:mod:`studio.dsp.crossover`) split the signal into bands that add back
up to the input through an all-pass; a compressor (:func:`studio.dsp.dynamics.compress`)
works on each band on its own, so a boomy low end can be held without ducking the voice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from studio.audio import as_samples
from studio.dsp.control import Control
from studio.dsp.dynamics import compress
from studio.errors import ParameterError

__all__ = ["BAND_PARAMETERS", "compress_multiband"]


#: Parameters each band of :func:`compress_multiband` takes.
BAND_PARAMETERS = ("threshold_db", "ratio", "attack_ms", "release_ms", "makeup_db")


def compress_multiband(
    samples: np.ndarray,
    sr: int,
    *,
    crossovers_hz: Sequence[Control],
    bands: Sequence[Mapping[str, Control]],
    knee_db: Control = 6.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Split into bands (LR4 crossovers), compress each on its own, add them up.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples.
    sr : int
        Sample rate in Hz.
    crossovers_hz : sequence of float, array or Envelope
        Rising crossover frequencies; ``len + 1`` bands. A crossover may move over time
        (new LR4 coefficients every 32 frames; the bands still sum to the per-block
        allpass, see :func:`studio.dsp.crossover.split_bands`).
    bands : sequence of mappings
        One per band, lowest first, each with ``threshold_db``, ``ratio``,
        ``attack_ms``, ``release_ms`` and ``makeup_db`` (numbers, arrays or envelopes).
    knee_db : float, array or Envelope
        Soft knee shared by the bands.

    Returns
    -------
    output : numpy.ndarray
        Same shape and dtype as ``samples``. With every band neutral (ratio 1, no
        make-up) it is the input through the crossovers' allpass chain
        (:func:`studio.dsp.crossover.allpass_sos`): the same magnitude at every
        frequency, the phase turned around each crossover.
    gain_reduction_db : numpy.ndarray
        ``(n_bands, frames)``: each band's gain change (float64, <= 0), before make-up.
    """
    from studio.dsp.crossover import resolve_crossovers, split_bands

    x = as_samples(samples)
    freqs = resolve_crossovers(crossovers_hz, x.shape[1], sr)
    if len(bands) != len(freqs) + 1:
        raise ParameterError(
            f"multiband: {len(freqs)} crossovers make {len(freqs) + 1} bands, "
            f"but settings for {len(bands)} bands were given."
        )
    for i, band in enumerate(bands, start=1):
        missing = [p for p in BAND_PARAMETERS if p not in band]
        if missing:
            raise ParameterError(f"multiband: band {i} has no {', '.join(missing)}.")
    parts = split_bands(x, sr, crossovers_hz=freqs)
    wets: list[np.ndarray] = [x] * len(bands)
    traces = np.zeros((len(bands), x.shape[1]))

    def one_band(i: int) -> None:
        band = bands[i]
        wets[i], traces[i] = compress(
            parts[i],
            sr,
            threshold_db=band["threshold_db"],
            ratio=band["ratio"],
            knee_db=knee_db,
            attack_ms=band["attack_ms"],
            release_ms=band["release_ms"],
            makeup_db=band["makeup_db"],
        )

    for i in range(len(bands)):
        one_band(i)
    out = wets[0].copy()
    for wet in wets[1:]:
        out += wet
    return out, traces
