"""The player's wire format: audio as 16-bit whole numbers plus one scale, and a checksum.

A side of the player travels to the browser as 16-bit whole numbers ("codes"), one per
sample, channel after channel (planar, little-endian), with one scale factor per side:
``sample = code * scale``. The scale is set by the loudest sample, so the loudest peak
uses the full 16-bit range, audio louder than full scale (after make-up gain) is not
clipped, and the rounding error stays at least 96 dB below the side's own peak, as on a
CD. That is half the bytes of 32-bit floats, sent as binary widget buffers: no MP3 or
WAV encoding, no base64, no decoding step in the browser.

The checksum is a cheap fingerprint of the float32 samples the browser rebuilds;
``player.js`` computes it with the same IEEE operations, so a browser test can check
that the page plays exactly what the kernel sent.
"""

from __future__ import annotations

import math

import numpy as np

from studio.errors import AudioDataError

__all__ = [
    "CHECKSUM_CLAMP",
    "CHECKSUM_TERMS",
    "CODE_MAX",
    "codes_checksum",
    "decode_samples",
    "encode_samples",
    "float32_checksum",
    "peak",
    "quantize",
]

#: The 16-bit number the loudest sample of a side is sent as (-32768 is never used, so
#: the range is symmetric and a peak of either sign keeps its exact level).
CODE_MAX = 32767

#: The checksum sums about this many samples, spread evenly over the buffer.
CHECKSUM_TERMS = 4096

#: Samples are clamped to +-this before the checksum, so its integer sum stays exact.
CHECKSUM_CLAMP = 1000.0

#: float32's largest finite value: a bigger multiplier must be applied in float64.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def peak(samples: np.ndarray) -> float:
    """The largest absolute value (NaN if any sample is NaN, 0.0 for no samples)."""
    if samples.size == 0:
        return 0.0
    hi, lo = float(samples.max()), float(samples.min())
    if math.isnan(hi) or math.isnan(lo):
        return math.nan
    return max(hi, -lo)


def quantize(samples: np.ndarray, peak_value: float) -> tuple[bytes, float]:
    """Planar little-endian int16 codes and their scale, for finite float32 ``samples``.

    ``peak_value`` must be :func:`peak` of ``samples`` (passed in because the caller
    has usually measured it already to check the audio).
    """
    if peak_value == 0.0:  # silence (or nothing): all codes 0, and a scale of 0 says so
        return bytes(2 * samples.size), 0.0
    scale = peak_value / CODE_MAX
    factor = CODE_MAX / peak_value
    if factor < _FLOAT32_MAX:
        # One float32 multiply is exact enough: the largest product is CODE_MAX within
        # a few thousandths, so rounding can never leave the int16 range.
        scaled = np.multiply(samples, np.float32(factor), dtype=np.float32)
    else:  # a peak so small (< 1e-34) that the factor overflows float32
        scaled = np.asarray(samples, dtype=np.float64) * factor
    np.rint(scaled, out=scaled)
    return np.ascontiguousarray(scaled, dtype="<i2").tobytes(), scale


def encode_samples(samples: np.ndarray) -> tuple[bytes, float]:
    """Pack ``(channels, frames)`` samples as planar 16-bit codes plus one scale.

    All of channel 0, then all of channel 1, and so on, 2 bytes per sample
    (little-endian signed integers), and ``scale`` such that ``sample = code * scale``.
    The loudest sample becomes +-32767, so the scale follows the audio: a passage
    peaking at 2.0 (6 dB over full scale, say after make-up gain) keeps its level and
    is not clipped, and the rounding error is at most half a step, ``scale / 2``, which
    is 96 dB below the passage's own peak. Silence has ``scale`` 0.0 and all codes 0.

    Parameters
    ----------
    samples : numpy.ndarray
        Finite audio shaped ``(n_channels, n_frames)``.

    Returns
    -------
    data : bytes
        ``2 * n_channels * n_frames`` bytes.
    scale : float
        The value of one step, ``peak / 32767`` (0.0 for silence).

    Raises
    ------
    AudioDataError
        If a sample is NaN or does not fit in 32-bit float.
    """
    with np.errstate(over="ignore"):
        floats = np.asarray(samples, dtype=np.float32)
    top = peak(floats)
    if not math.isfinite(top):
        raise AudioDataError(
            "encode_samples: the samples contain NaN or values too large for 32-bit float."
        )
    return quantize(floats, top)


def decode_samples(data: bytes, scale: float, n_channels: int = 1) -> np.ndarray:
    """Turn the wire format back into samples, exactly as the browser does.

    Each code times ``scale`` (a float64 product) rounded to float32: ``player.js``
    does the same two IEEE operations, so both sides get the very same float32 values,
    the values the browser plays.

    Parameters
    ----------
    data : bytes
        Planar little-endian int16 codes, as made by :func:`encode_samples`.
    scale : float
        The scale sent with them.
    n_channels : int
        Number of channels (planar layout); 1 gives one row of all samples.

    Returns
    -------
    numpy.ndarray
        float32 samples shaped ``(n_channels, n_frames)``.
    """
    codes = np.frombuffer(data, dtype="<i2")
    return (codes * float(scale)).astype(np.float32).reshape(n_channels, -1)


def _checksum_of_terms(picked: np.ndarray) -> str:
    """Sum the picked float32 samples as the checksum does (see float32_checksum)."""
    clamped = np.clip(picked.astype(np.float64), -CHECKSUM_CLAMP, CHECKSUM_CLAMP)
    total = int(np.floor(clamped * 1e6).astype(np.int64).sum())
    return f"{total / 1e6:.6f}"


def _stride(n: int) -> int:
    return max(1, n // CHECKSUM_TERMS)


def float32_checksum(data: bytes | np.ndarray) -> str:
    """A cheap fingerprint of float32 audio, identical in Python and the browser.

    Every ``stride``-th float is taken (``stride = max(1, n // 4096)`` for ``n``
    floats), clamped to +-1000, multiplied by 1e6 and rounded down to a whole number;
    those whole numbers are summed exactly and the sum divided by 1e6 is written with 6
    decimals. ``player.js`` computes the same numbers with the same steps (a float32
    times 1e6 is one correctly rounded operation in both languages, and the sum of
    whole numbers is exact), so a browser test can check that the samples it plays are
    the samples Python sent. The player fingerprints the *decoded* samples (see
    :func:`decode_samples`), so the check covers the codes, the scale and the decoding.

    Parameters
    ----------
    data : bytes or numpy.ndarray
        float32 samples: little-endian bytes, or an array (flattened in C order).

    Returns
    -------
    str
        For example ``"-12.345678"``; ``"0.000000"`` for no samples.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        floats = np.frombuffer(data, dtype="<f4")
    else:
        floats = np.asarray(data, dtype=np.float32).ravel()
    return _checksum_of_terms(floats[:: _stride(floats.size)])


def codes_checksum(data: bytes, scale: float) -> str:
    """:func:`float32_checksum` of ``decode_samples(data, scale)``, decoding only the terms."""
    codes = np.frombuffer(data, dtype="<i2")
    picked = (codes[:: _stride(codes.size)] * float(scale)).astype(np.float32)
    return _checksum_of_terms(picked)
