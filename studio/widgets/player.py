"""A gapless A/B player: hear the original and the processed version of one passage.

Comparing by ear is only fair when three things hold, and this player keeps all three:

* **Same place.** Both versions play all the time, in step, from one clock in the
  browser; the A/B buttons only fade one out and the other in (about 8 ms), so the
  switch lands on the same beat with no gap and no click.
* **Same loudness.** Louder always sounds "better". The panel measures both sides and
  sets :attr:`ABPlayer.b_offset_db`; with ``match_loudness`` on, the player turns the
  louder side down by that much, so what you judge is the tone, not the level.
* **In place.** When you move a control, :meth:`ABPlayer.set_b` swaps the new B in at
  the current position without stopping, so you hear the change where you are.

The audio goes to the browser as raw 32-bit float samples (channel after channel,
little-endian) in binary widget messages: no MP3 or WAV encoding, no base64, and the
browser builds its playback buffers from them directly.
"""

from __future__ import annotations

import math
import pathlib

import anywidget
import numpy as np
import traitlets

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError

__all__ = ["MAX_OFFSET_DB", "MAX_PREVIEW_S", "ABPlayer", "encode_samples", "float32_checksum"]

_HERE = pathlib.Path(__file__).parent

#: Longest passage the player accepts, in seconds. It is for previews: a loop of a few
#: seconds to half a minute. Longer audio costs memory in the browser and in saved
#: notebooks, and takes longer to send on every parameter change.
MAX_PREVIEW_S = 60.0

#: Largest level offset, in dB, that loudness matching will apply; bigger offsets are
#: limited to it. A bigger difference means one side is all but silent.
MAX_OFFSET_DB = 60.0

#: The checksum sums about this many samples, spread evenly over the buffer.
CHECKSUM_TERMS = 4096

#: Samples are clamped to +-this before the checksum, so its integer sum stays exact.
CHECKSUM_CLAMP = 1000.0

#: Browsers' Web Audio buffers hold at most 32 channels.
_MAX_CHANNELS = 32

#: Below this offset (dB) the two sides count as equally loud in the status line.
_EQUAL_DB = 0.05


def encode_samples(samples: np.ndarray) -> bytes:
    """Pack ``(channels, frames)`` samples as planar little-endian float32 bytes.

    This is the player's wire format: all of channel 0, then all of channel 1, and so
    on, 4 bytes per sample. The browser reads it straight into its audio buffers.

    Parameters
    ----------
    samples : numpy.ndarray
        Audio shaped ``(n_channels, n_frames)``.

    Returns
    -------
    bytes
        ``4 * n_channels * n_frames`` bytes.
    """
    return np.ascontiguousarray(samples, dtype="<f4").tobytes()


def float32_checksum(data: bytes) -> str:
    """A cheap fingerprint of float32 audio bytes, identical in Python and the browser.

    Every ``stride``-th float is taken (``stride = max(1, n // 4096)`` for ``n``
    floats), clamped to +-1000, multiplied by 1e6 and rounded down to a whole number;
    those whole numbers are summed exactly and the sum divided by 1e6 is written with 6
    decimals. ``player.js`` computes the same numbers with the same steps (a float32
    times 1e6 is one correctly rounded operation in both languages, and the sum of
    whole numbers is exact), so a browser test can check that the samples it plays are
    the samples Python sent.

    Parameters
    ----------
    data : bytes
        Little-endian float32 samples, as made by :func:`encode_samples`.

    Returns
    -------
    str
        For example ``"-12.345678"``; ``"0.000000"`` for no samples.
    """
    floats = np.frombuffer(data, dtype="<f4")
    stride = max(1, floats.size // CHECKSUM_TERMS)
    picked = np.clip(floats[::stride].astype(np.float64), -CHECKSUM_CLAMP, CHECKSUM_CLAMP)
    total = int(np.floor(picked * 1e6).astype(np.int64).sum())
    return f"{total / 1e6:.6f}"


def _describe(side: str, audio: Audio) -> str:
    """Name a side in messages: ``B ('vocal.wav')``."""
    return f"{side} ({audio.name!r})" if audio.name else side


def _prepare(side: str, audio: Audio | None) -> np.ndarray | None:
    """Check one side and return its samples as float32, or ``None`` for no audio."""
    if audio is None:
        return None
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"The player's {side} side needs a studio.Audio, got {type(audio).__name__}. "
            "Wrap samples with studio.Audio(samples, sr)."
        )
    what = _describe(side, audio)
    if audio.n_frames == 0:
        raise AudioDataError(f"{what} is empty (0 frames): there is nothing to play.")
    if audio.n_channels > _MAX_CHANNELS:
        raise AudioDataError(
            f"{what} has {audio.n_channels} channels; browsers play at most {_MAX_CHANNELS}."
        )
    if audio.duration_s > MAX_PREVIEW_S:
        raise AudioDataError(
            f"{what} is {audio.duration_s:.1f} s long; the A/B player is for short previews "
            f"of at most {MAX_PREVIEW_S:.0f} s. Play a passage of it instead, for example "
            "audio.segment(start_s=30.0, stop_s=50.0)."
        )
    with np.errstate(over="ignore"):  # beyond float32's range becomes inf: caught below
        samples = np.asarray(audio.samples, dtype=np.float32)
    finite = np.isfinite(samples)
    if not finite.all():
        channel, frame = np.unravel_index(int(np.argmin(finite)), samples.shape)
        count = int(samples.size - np.count_nonzero(finite))
        raise AudioDataError(
            f"{what} has {count} samples that are NaN or infinite (too large for 32-bit "
            f"float), the first in channel {channel} at {frame / audio.sr:.3f} s; the "
            "player cannot play them. Find where the processing blew up."
        )
    return samples


def _fit_length(samples: np.ndarray, n_frames: int) -> np.ndarray:
    """Trim ``samples`` to ``n_frames``, or pad the end with silence up to it."""
    if samples.shape[1] == n_frames:
        return samples
    out = np.zeros((samples.shape[0], n_frames), dtype=np.float32)
    keep = min(n_frames, samples.shape[1])
    out[:, :keep] = samples[:, :keep]
    return out


def _check_pair(a: Audio | None, b: Audio | None) -> None:
    """Refuse an A and a B that cannot be played side by side."""
    if a is None or b is None:
        return
    if a.sr != b.sr:
        raise AudioDataError(
            f"{_describe('A', a)} is at {a.sr} Hz but {_describe('B', b)} is at {b.sr} Hz; "
            "the A/B player compares two versions of the same passage, so both need the "
            "same sample rate. Render B at A's rate (or load both with set_pair)."
        )
    if a.n_channels != b.n_channels and 1 not in (a.n_channels, b.n_channels):
        raise AudioDataError(
            f"{_describe('A', a)} has {a.n_channels} channels but {_describe('B', b)} has "
            f"{b.n_channels}; the player can compare equal channel counts, or mono with "
            "anything (mono plays on every speaker)."
        )


class ABPlayer(anywidget.AnyWidget):
    """Play an original (A) and a processed (B) version of a passage, switching gaplessly.

    Both versions run in step in the browser; the A/B buttons cross-fade between them in
    a few milliseconds at the same position, so you hear only the difference the
    processing makes. With ``match_loudness`` on, the louder side is turned down by
    :attr:`b_offset_db` so a level difference cannot fool your ears. Loops by default.

    Parameters
    ----------
    a : Audio, optional
        The original (dry) passage. Its length is the player's length.
    b : Audio, optional
        The processed passage, at A's sample rate. It is trimmed, or padded with
        silence at the end, to A's length so both stay in step (a reverb tail past
        the end of A is cut: preview a passage with some room after the last note).
    label_a, label_b : str
        Button labels: the buttons read "A: Original" and "B: Processed" by default.
    match_loudness : bool
        Whether to apply :attr:`b_offset_db` when playing (default True).

    Attributes
    ----------
    b_offset_db : float
        How many dB B should be moved to sound as loud as A (negative: B is louder
        and is played quieter), limited to +-60 dB. The panel measures it and sets it
        (best with ``set_b(audio, b_offset_db=...)``); the player only applies it,
        when ``match_loudness`` is on.
    active : str
        ``"a"`` or ``"b"``: the side you hear. The A/B buttons set it too.
    loop : bool
        Loop the passage (default True).
    b_version : int
        Goes up by one on every :meth:`set_b`; the browser shows the version it has
        loaded in the ``data-b-version`` attribute of the player.

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> t = np.arange(48000) / 48000
    >>> dry = Audio(0.5 * np.sin(2 * np.pi * 220 * t), 48000, "tone")
    >>> player = ABPlayer(dry, dry.with_samples(0.25 * dry.samples))
    >>> player.b_offset_db = 6.02  # B measured 6.02 dB quieter than A
    >>> player.playback_gains_db  # A is turned down so nothing clips
    (-6.02, 0.0)
    """

    _esm = _HERE / "player.js"
    _css = _HERE / "player.css"

    # The audio, as planar little-endian float32 (see encode_samples), and its layout.
    a_data = traitlets.Bytes(b"").tag(sync=True)
    b_data = traitlets.Bytes(b"").tag(sync=True)
    a_n_channels = traitlets.Int(0).tag(sync=True)
    b_n_channels = traitlets.Int(0).tag(sync=True)
    n_frames = traitlets.Int(0).tag(sync=True)
    sr = traitlets.Int(0).tag(sync=True)
    a_version = traitlets.Int(0).tag(sync=True)
    b_version = traitlets.Int(0).tag(sync=True)

    # What the listener controls (the browser writes these back).
    active = traitlets.Enum(("a", "b"), default_value="a").tag(sync=True)
    loop = traitlets.Bool(True).tag(sync=True)
    match_loudness = traitlets.Bool(True).tag(sync=True)
    b_offset_db = traitlets.Float(0.0).tag(sync=True)
    label_a = traitlets.Unicode("Original").tag(sync=True)
    label_b = traitlets.Unicode("Processed").tag(sync=True)

    def __init__(
        self,
        a: Audio | None = None,
        b: Audio | None = None,
        *,
        label_a: str = "Original",
        label_b: str = "Processed",
        match_loudness: bool = True,
    ) -> None:
        super().__init__(label_a=label_a, label_b=label_b, match_loudness=match_loudness)
        self._a: Audio | None = None
        self._b: Audio | None = None
        self.set_pair(a, b)

    # -- the two sides -------------------------------------------------------------------

    @property
    def a(self) -> Audio | None:
        """The original passage, as given (before any fitting)."""
        return self._a

    @property
    def b(self) -> Audio | None:
        """The processed passage, as given (before trimming or padding to A's length)."""
        return self._b

    def set_a(self, audio: Audio | None) -> None:
        """Replace the original (A). ``None`` removes it.

        B is re-fitted to the new length and sent again when the length changes.

        Raises
        ------
        AudioDataError
            If the audio is empty, too long, not finite, or does not match B's sample
            rate or channel count.
        """
        self.set_pair(audio, self._b)

    def set_b(self, audio: Audio | None, *, b_offset_db: float | None = None) -> None:
        """Replace the processed version (B); cheap enough to call on every change.

        While playing, the browser swaps the new B in at the current position without
        stopping. ``None`` removes B.

        Parameters
        ----------
        audio : Audio or None
            The new processed passage.
        b_offset_db : float, optional
            B's new loudness offset (see :attr:`b_offset_db`). Given here, it reaches
            the browser in the same message as the samples, so the new B is never
            heard for a moment at the old offset.

        Raises
        ------
        AudioDataError
            When B cannot be played beside A (see :meth:`set_a`).
        ParameterError
            When ``b_offset_db`` is not a finite number.
        """
        _check_pair(self._a, audio)
        samples = _prepare("B", audio)
        offset_db = self.b_offset_db if b_offset_db is None else self._valid_offset(b_offset_db)
        with self.hold_sync():
            self._send_b(audio, samples)
            self.b_offset_db = offset_db

    def set_pair(self, a: Audio | None, b: Audio | None) -> None:
        """Replace both sides at once, e.g. to move to another passage or sample rate."""
        _check_pair(a, b)
        a_samples = _prepare("A", a)
        b_samples = _prepare("B", b)
        with self.hold_sync():
            self._a = a
            if a_samples is None:
                self.a_data, self.a_n_channels = b"", 0
            else:
                self.a_data, self.a_n_channels = encode_samples(a_samples), a.n_channels
            self.a_version += 1
            self._send_b(b, b_samples)

    def _send_b(self, audio: Audio | None, samples: np.ndarray | None) -> None:
        """Fit B to A's length and publish it with the shared layout traits."""
        self._b = audio
        reference = self._a if self._a is not None else audio
        if reference is None:
            self.n_frames, self.sr = 0, 0
        else:
            self.n_frames, self.sr = reference.n_frames, reference.sr
        if samples is None:
            self.b_data, self.b_n_channels = b"", 0
        else:
            fitted = _fit_length(samples, self.n_frames)
            self.b_data, self.b_n_channels = encode_samples(fitted), audio.n_channels
        self.b_version += 1

    # -- loudness matching ---------------------------------------------------------------

    @staticmethod
    def _valid_offset(value: float) -> float:
        """A finite offset, limited to +-MAX_OFFSET_DB; NaN and infinities refused."""
        value = float(value)
        if not math.isfinite(value):
            raise ParameterError(
                f"ABPlayer: b_offset_db must be a finite level offset in dB, got {value}. "
                "Is one side silent? Silence cannot be loudness-matched."
            )
        return min(MAX_OFFSET_DB, max(-MAX_OFFSET_DB, value))

    @traitlets.validate("b_offset_db")
    def _check_offset(self, proposal: dict) -> float:
        return self._valid_offset(proposal["value"])

    @property
    def applied_offset_db(self) -> float:
        """How much louder (dB) B is played relative to A: ``b_offset_db``, or 0 when off."""
        return self.b_offset_db if self.match_loudness else 0.0

    @property
    def playback_gains_db(self) -> tuple[float, float]:
        """The gains (dB) the browser puts on A and on B.

        The offset is applied by turning the louder side down, never by turning the
        quieter one up, so matching cannot push either side past full scale.
        """
        offset_db = self.applied_offset_db
        if offset_db > 0.0:
            return (-offset_db, 0.0)
        return (0.0, offset_db if offset_db < 0.0 else 0.0)

    def offset_text(self) -> str:
        """The line under the buttons that tells the listener what matching does."""
        if not self.b_data:
            return ""
        if not self.match_loudness:
            return "Loudness matching off: B plays at its own level"
        offset_db = self.b_offset_db
        if abs(offset_db) < _EQUAL_DB:
            return "A and B are equally loud: no level offset needed"
        if offset_db < 0.0:
            return f"B is played {-offset_db:.1f} dB quieter to match loudness"
        return (
            f"B is played {offset_db:.1f} dB louder to match loudness "
            "(A is turned down instead, so nothing clips)"
        )

    def b_checksum(self) -> str:
        """The :func:`float32_checksum` of the B samples sent to the browser."""
        return float32_checksum(self.b_data)
