"""The :class:`Audio` value: samples, sample rate and an optional name.

Audio in the studio is always shaped ``(n_channels, n_frames)``: channels first, time
last, even for mono. An ``Audio`` never changes: its samples are a read-only view, so a
processor cannot modify the signal it was given by accident, and the array you passed in
stays yours (it is not copied and not made read-only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.errors import AudioDataError
from studio.text import t

__all__ = ["Audio", "as_samples"]


def as_samples(samples: np.ndarray, *, what: str = "audio") -> np.ndarray:
    """Return ``samples`` as a 2-D ``(channels, frames)`` floating-point array.

    One-dimensional input is taken as mono. Integer arrays are refused rather than
    guessed at (their scale is ambiguous): convert them to float in -1..1 first.

    Parameters
    ----------
    samples : array_like
        Mono ``(frames,)`` or multichannel ``(channels, frames)`` samples.
    what : str
        Name used in error messages.

    Returns
    -------
    numpy.ndarray
        The same data (no copy when already 2-D float32/float64).
    """
    arr = np.asarray(samples)
    if arr.dtype.kind != "f":
        raise AudioDataError(
            f"{what}: samples must be floating point in -1..1, got dtype {arr.dtype}."
        )
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2:
        raise AudioDataError(
            f"{what}: samples must be shaped (channels, frames), got {arr.ndim} dimensions "
            f"with shape {arr.shape}."
        )
    if arr.shape[0] > arr.shape[1] and arr.shape[0] > 64:
        raise AudioDataError(
            f"{what}: shape {arr.shape} looks like (frames, channels); the studio expects "
            "(channels, frames). Transpose it with `.T`."
        )
    return arr


def read_only(samples: np.ndarray) -> np.ndarray:
    """A read-only view of ``samples`` (no copy), for handing to a compiled loop.

    numba compiles a loop once for every type of array it is given, and a read-only
    array is a type of its own: a loop handed the writable arrays of one call and the
    read-only ones of another (audio kept in an ``Audio`` or a cache is read-only) would
    be compiled twice, a second or two the first time. Inputs always handed over
    read-only are compiled once.
    """
    view = samples.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True, eq=False)
class Audio:
    """A piece of audio: what you load, process, measure, play and save.

    Parameters
    ----------
    samples : numpy.ndarray
        Float samples shaped ``(n_channels, n_frames)`` (1-D is taken as mono), nominally
        within -1..1 (0 dBFS). Values beyond full scale are kept: float audio has
        headroom, only integer files clip.
    sr : int
        Sample rate in Hz.
    name : str, optional
        A label for players, plots and messages (a track name or a file name).

    Examples
    --------
    >>> import numpy as np
    >>> a = Audio(np.zeros((2, 48000)), 48000, "silence")
    >>> a.n_channels, a.duration_s
    (2, 1.0)
    """

    samples: np.ndarray
    sr: int
    name: str | None = None

    def __post_init__(self) -> None:
        arr = as_samples(self.samples, what=self.name or "audio")
        view = arr.view()
        view.flags.writeable = False
        object.__setattr__(self, "samples", view)
        if isinstance(self.sr, bool) or not float(self.sr).is_integer() or self.sr <= 0:
            raise AudioDataError(
                f"{self.name or 'audio'}: sample rate must be a positive whole number "
                f"of Hz, got {self.sr!r}."
            )
        object.__setattr__(self, "sr", int(self.sr))

    @property
    def n_channels(self) -> int:
        """Number of channels (1 mono, 2 stereo, ...)."""
        return int(self.samples.shape[0])

    @property
    def n_frames(self) -> int:
        """Number of sample frames (samples per channel)."""
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.n_frames / self.sr

    def with_samples(self, samples: np.ndarray, name: str | None = None) -> Audio:
        """Return a new ``Audio`` at the same rate holding ``samples``."""
        return Audio(samples, self.sr, self.name if name is None else name)

    def segment(self, start_s: float = 0.0, stop_s: float | None = None) -> Audio:
        """Return the part between ``start_s`` and ``stop_s`` seconds (a view, no copy)."""
        start = max(0, round(start_s * self.sr))
        stop = self.n_frames if stop_s is None else min(self.n_frames, round(stop_s * self.sr))
        return Audio(self.samples[:, start:stop], self.sr, self.name)

    def to_mono(self) -> Audio:
        """Average all channels into one (what a mono speaker would play)."""
        return Audio(self.samples.mean(axis=0, keepdims=True), self.sr, self.name)

    def __repr__(self) -> str:
        return t(
            "audio.repr",
            name=f"{self.name!r}, " if self.name else "",
            channels=self.n_channels,
            duration_s=self.duration_s,
            sr=self.sr,
            dtype=self.samples.dtype,
        )
