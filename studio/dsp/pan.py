"""Level and position: gain, polarity, pan laws and stereo balance.

Pan laws
    A mono sound is sent to two speakers. Where it seems to sit depends on the two
    gains; how loud it seems depends on what the two speakers add up to in the room.
    Two equal sounds from two speakers add up in *power* (roughly, in a room), so a
    centred sound at 0 dB in each speaker would seem about 3 dB louder than the same
    sound hard left. A pan law turns the centre down to compensate:

    ``"constant_power_-3dB"``
        ``left = sin(u * pi/2)``, ``right = sin(v * pi/2)`` with ``u = (1 - pan)/2``
        and ``v = (1 + pan)/2``. The centre is -3.01 dB per side and
        ``left**2 + right**2 = 1`` everywhere: the sound keeps its loudness as it moves
        (the usual choice, and what the mixdown uses).
    ``"linear_-6dB"``
        ``left = u``, ``right = v``. The centre is -6.02 dB per side and
        ``left + right = 1``: right for signals that add up in *amplitude*, such as the
        two speakers folded to mono, but a centred sound seems quieter in stereo.
    ``"compromise_-4.5dB"``
        The geometric mean of the two: ``left = sqrt(u * sin(u * pi/2))``. The centre
        is -4.52 dB per side (halfway, in dB, between the other two), a common desk
        law that dips a little in stereo and bulges a little in mono.

    At the ends every law is the same: 0 dB on the near side, silence on the far side.

Balance
    A stereo sound already has its own left and right. Balancing it turns one side
    down and leaves the other at 0 dB: the far side fades along the chosen law,
    stretched over half the range, so at a balance of +-0.5 the far side is at the
    law's centre value (-3.01, -4.52 or -6.02 dB) and at +-1 it is silent. In the centre
    both sides pass unchanged.

Every continuous parameter (``gain_db``, ``pan``, ``balance``) accepts a number, an
array with one value per frame or an :class:`~studio.dsp.control.Envelope`, so a
fader ride or an auto-pan needs no other code.
"""

from __future__ import annotations

import numpy as np

from studio import buffers
from studio.dsp.control import Control, Envelope, resolve
from studio.dsp.units import db_to_gain, gain_to_db
from studio.errors import AudioDataError, ParameterError

__all__ = [
    "PAN_LAWS",
    "POLARITY_CHOICES",
    "apply_balance",
    "apply_gain",
    "apply_pan",
    "balance_gains",
    "centre_gain_db",
    "invert_polarity",
    "pan_gains",
]

#: The pan laws, by the level each side gets with the sound in the centre.
PAN_LAWS = ("constant_power_-3dB", "compromise_-4.5dB", "linear_-6dB")

#: Which channels :func:`invert_polarity` flips.
POLARITY_CHOICES = ("none", "all", "left", "right")


def _check_law(law: str) -> None:
    if law not in PAN_LAWS:
        raise ParameterError(f"pan law must be one of {', '.join(PAN_LAWS)}; got {law!r}.")


def _share_gain(share: np.ndarray | float, law: str) -> np.ndarray:
    """Gain of one side given its share of the position (0 = far end, 1 = its own end)."""
    w = np.asarray(share, dtype=np.float64)
    if law == "linear_-6dB":
        return w.copy()
    power = np.sin(w * (np.pi / 2.0))
    if law == "constant_power_-3dB":
        return power
    return np.sqrt(w * power)


def _check_position(value: np.ndarray | float, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be a finite number from -1 (left) to +1 (right).")
    if arr.size and (arr.min() < -1.0 or arr.max() > 1.0):
        worst = arr.min() if arr.min() < -1.0 else arr.max()
        raise ParameterError(f"{name} must be from -1 (left) to +1 (right); got {worst:g}.")
    return arr


def pan_gains(
    pan: float | np.ndarray, law: str = "constant_power_-3dB"
) -> tuple[np.ndarray, np.ndarray] | tuple[float, float]:
    """Left and right gains (linear) that place a mono sound at ``pan``.

    Parameters
    ----------
    pan : float or numpy.ndarray
        -1 (hard left) .. 0 (centre) .. +1 (hard right); an array gives one pair of
        gains per value (an auto-pan).
    law : str
        One of :data:`PAN_LAWS` (see the module text for what each does).

    Returns
    -------
    (left, right)
        Floats for a number, arrays for an array.

    Examples
    --------
    >>> [round(float(g), 4) for g in pan_gains(0.0)]
    [0.7071, 0.7071]
    >>> [float(g) for g in pan_gains(-1.0, "linear_-6dB")]
    [1.0, 0.0]
    """
    _check_law(law)
    p = _check_position(pan, "pan")
    left = _share_gain((1.0 - p) / 2.0, law)
    right = _share_gain((1.0 + p) / 2.0, law)
    if p.ndim == 0:
        return float(left), float(right)
    return left, right


def balance_gains(
    balance: float | np.ndarray, law: str = "constant_power_-3dB"
) -> tuple[np.ndarray, np.ndarray] | tuple[float, float]:
    """Left and right gains of a stereo balance control at ``balance``.

    The near side stays at 1 (0 dB); the far side fades along ``law``: at +-0.5 it has
    the law's centre value, at +-1 it is silent. ``balance = 0`` gives ``(1, 1)``.

    Examples
    --------
    >>> balance_gains(0.0)
    (1.0, 1.0)
    >>> [round(float(g), 4) for g in balance_gains(0.5)]
    [0.7071, 1.0]
    """
    _check_law(law)
    b = _check_position(balance, "balance")
    far = _share_gain(1.0 - np.abs(b), law)
    left = np.where(b > 0.0, far, 1.0)
    right = np.where(b < 0.0, far, 1.0)
    if b.ndim == 0:
        return float(left), float(right)
    return left, right


def centre_gain_db(law: str) -> float:
    """Level in dB of each side when a mono sound is panned to the centre."""
    _check_law(law)
    return float(gain_to_db(_share_gain(0.5, law)))


def _as_float(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim != 2:
        raise AudioDataError(
            f"audio must be shaped (channels, frames); got an array with shape {x.shape}."
        )
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


def _scaled(x: np.ndarray, gain: float | np.ndarray) -> np.ndarray:
    out = buffers.empty(x.shape, x.dtype)
    return np.multiply(x, np.asarray(gain, dtype=x.dtype), out=out, dtype=x.dtype)


def apply_gain(samples: np.ndarray, sr: int, *, gain_db: Control) -> np.ndarray:
    """Change the level by ``gain_db`` (a number, a per-frame array or an Envelope).

    +6.02 dB doubles every sample, -6.02 dB halves it; ``-inf`` is not accepted (use a
    mute). Returns a new array of the input's dtype.
    """
    x = _as_float(samples)

    def to_gain(db: float | np.ndarray) -> np.ndarray:
        # the factors in the audio's own dtype: float32 audio needs no float64 curve
        return db_to_gain(np.asarray(db, dtype=np.float64), dtype=x.dtype)

    if isinstance(gain_db, Envelope):  # its flat stretches are converted once
        return _scaled(x, gain_db.render(x.shape[-1], sr, fn=to_gain, dtype=x.dtype))
    return _scaled(x, to_gain(resolve(gain_db, x.shape[-1], sr, name="gain_db")))


def invert_polarity(samples: np.ndarray, *, channels: str = "all") -> np.ndarray:
    """Flip the polarity (multiply by -1) of ``"all"``, ``"left"``, ``"right"`` or ``"none"``.

    ``"left"`` is channel 0 and ``"right"`` channel 1, so they need at least two
    channels. Polarity flips are heard only against another signal: a kick drum miked
    from both sides sounds thin until one mic is flipped.
    """
    if channels not in POLARITY_CHOICES:
        raise ParameterError(
            f"polarity channels must be one of {', '.join(POLARITY_CHOICES)}; got {channels!r}."
        )
    x = _as_float(samples)
    if channels in ("left", "right") and x.shape[0] < 2:
        raise ParameterError(
            f"Polarity: inverting the {channels} channel needs a stereo signal; this one has "
            f"{x.shape[0]} channel. Use 'all' for mono."
        )
    out = np.array(x, copy=True)
    if channels == "all":
        np.negative(out, out=out)
    elif channels in ("left", "right"):
        c = 0 if channels == "left" else 1
        np.negative(out[c], out=out[c])
    return out


def apply_pan(
    samples: np.ndarray, sr: int, *, pan: Control, law: str = "constant_power_-3dB"
) -> np.ndarray:
    """Place a sound between the speakers: mono in, stereo out; stereo is balanced.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(1, frames)`` or ``(2, frames)``.
    sr : int
        Sample rate (needed to render an Envelope).
    pan : float, numpy.ndarray or Envelope
        -1 (left) .. +1 (right).
    law : str
        One of :data:`PAN_LAWS`.

    Returns
    -------
    numpy.ndarray
        ``(2, frames)``. A mono input is spread with :func:`pan_gains`; a stereo input
        keeps its own left and right and is positioned with :func:`balance_gains`
        (at ``pan = 0`` it passes unchanged).
    """
    x = _as_float(samples)
    if x.shape[0] not in (1, 2):
        raise AudioDataError(
            f"pan works on mono or stereo audio; got {x.shape[0]} channels "
            "(split the channels or use a mixdown)."
        )
    p = resolve(pan, x.shape[-1], sr, name="pan")
    if x.shape[0] == 2:
        return apply_balance(x, sr, balance=p, law=law)
    left, right = pan_gains(p, law)
    out = buffers.empty((2, x.shape[-1]), x.dtype)
    np.multiply(x[0], np.asarray(left, dtype=x.dtype), out=out[0])
    np.multiply(x[0], np.asarray(right, dtype=x.dtype), out=out[1])
    return out


def apply_balance(
    samples: np.ndarray, sr: int, *, balance: Control, law: str = "constant_power_-3dB"
) -> np.ndarray:
    """Turn one side of a stereo signal down (see :func:`balance_gains`)."""
    x = _as_float(samples)
    if x.shape[0] != 2:
        raise AudioDataError(f"balance needs stereo audio (2 channels); got {x.shape[0]}.")
    b = resolve(balance, x.shape[-1], sr, name="balance")
    left, right = balance_gains(b, law)
    out = buffers.empty(x.shape, x.dtype)
    np.multiply(x[0], np.asarray(left, dtype=x.dtype), out=out[0])
    np.multiply(x[1], np.asarray(right, dtype=x.dtype), out=out[1])
    return out
