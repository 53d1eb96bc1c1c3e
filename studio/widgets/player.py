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

The audio goes to the browser as 16-bit whole numbers, one per sample, channel after
channel (little-endian), with one scale factor per side: sample = number x scale. The
scale is set by the loudest sample of that side, so the loudest peak uses the full
16-bit range, audio louder than full scale (after make-up gain) is not clipped, and the
rounding error stays at least 96 dB below the side's own peak, as on a CD. That is half
the bytes of 32-bit floats, in binary widget messages: no MP3 or WAV encoding, no base64.
When B is sample for sample the same as A (a processor that does nothing yet), no B
samples are sent at all: the browser plays A's buffer on both sides.
"""

from __future__ import annotations

import math
import pathlib

import anywidget
import numpy as np
import traitlets

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError

__all__ = [
    "CODE_MAX",
    "MAX_OFFSET_DB",
    "MAX_PREVIEW_S",
    "ABPlayer",
    "decode_samples",
    "encode_samples",
    "float32_checksum",
]

_HERE = pathlib.Path(__file__).parent

#: Longest passage the player accepts, in seconds. It is for previews: a loop of a few
#: seconds to half a minute. Longer audio costs memory in the browser and in saved
#: notebooks, and takes longer to send on every parameter change.
MAX_PREVIEW_S = 60.0

#: Largest level offset, in dB, that loudness matching will apply; bigger offsets are
#: limited to it. A bigger difference means one side is all but silent.
MAX_OFFSET_DB = 60.0

#: The 16-bit number the loudest sample of a side is sent as (-32768 is never used, so
#: the range is symmetric and a peak of either sign keeps its exact level).
CODE_MAX = 32767

#: The checksum sums about this many samples, spread evenly over the buffer.
CHECKSUM_TERMS = 4096

#: Samples are clamped to +-this before the checksum, so its integer sum stays exact.
CHECKSUM_CLAMP = 1000.0

#: Browsers' Web Audio buffers hold at most 32 channels.
_MAX_CHANNELS = 32

#: Below this offset (dB) the two sides count as equally loud in the status line.
_EQUAL_DB = 0.05

#: float32's largest finite value: a bigger multiplier must be applied in float64.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _peak(samples: np.ndarray) -> float:
    """The largest absolute value (NaN if any sample is NaN, 0.0 for no samples)."""
    if samples.size == 0:
        return 0.0
    hi, lo = float(samples.max()), float(samples.min())
    if math.isnan(hi) or math.isnan(lo):
        return math.nan
    return max(hi, -lo)


def _quantize(samples: np.ndarray, peak: float) -> tuple[bytes, float]:
    """Planar little-endian int16 codes and their scale, for finite float32 ``samples``."""
    if peak == 0.0:  # silence (or nothing): all codes 0, and a scale of 0 says so
        return bytes(2 * samples.size), 0.0
    scale = peak / CODE_MAX
    factor = CODE_MAX / peak
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

    This is the player's wire format: all of channel 0, then all of channel 1, and so
    on, 2 bytes per sample (little-endian signed integers), and ``scale`` such that
    ``sample = code * scale``. The loudest sample becomes +-32767, so the scale follows
    the audio: a passage peaking at 2.0 (6 dB over full scale, say after make-up gain)
    keeps its level and is not clipped, and the rounding error is at most half a step,
    ``scale / 2``, which is 96 dB below the passage's own peak. Silence has ``scale``
    0.0 and all codes 0.

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
    peak = _peak(floats)
    if not math.isfinite(peak):
        raise AudioDataError(
            "encode_samples: the samples contain NaN or values too large for 32-bit float."
        )
    return _quantize(floats, peak)


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


def _codes_checksum(data: bytes, scale: float) -> str:
    """:func:`float32_checksum` of ``decode_samples(data, scale)``, decoding only the terms."""
    codes = np.frombuffer(data, dtype="<i2")
    picked = (codes[:: _stride(codes.size)] * float(scale)).astype(np.float32)
    return _checksum_of_terms(picked)


def _describe(side: str, audio: Audio) -> str:
    """Name a side in messages: ``B ('vocal.wav')``."""
    return f"{side} ({audio.name!r})" if audio.name else side


def _prepare(side: str, audio: Audio | None) -> tuple[np.ndarray, float] | None:
    """Check one side; return its samples as float32 and their peak, or ``None``."""
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
    peak = _peak(samples)  # NaN or inf exactly when some sample is not finite
    if not math.isfinite(peak):
        finite = np.isfinite(samples)
        channel, frame = np.unravel_index(int(np.argmin(finite)), samples.shape)
        count = int(samples.size - np.count_nonzero(finite))
        raise AudioDataError(
            f"{what} has {count} samples that are NaN or infinite (too large for 32-bit "
            f"float), the first in channel {channel} at {frame / audio.sr:.3f} s; the "
            "player cannot play them. Find where the processing blew up."
        )
    return samples, peak


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
    b_same_as_a : bool
        True when B is A sample for sample (for example a processor that does nothing
        yet): then no B samples are sent and the browser plays A's buffer as B.

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

    # The audio, as planar little-endian int16 codes and a scale (see encode_samples),
    # and its layout. b_same_as_a: B is A sample for sample, so b_data stays empty and
    # the browser plays A's buffer as B too.
    a_data = traitlets.Bytes(b"").tag(sync=True)
    b_data = traitlets.Bytes(b"").tag(sync=True)
    a_scale = traitlets.Float(0.0).tag(sync=True)
    b_scale = traitlets.Float(0.0).tag(sync=True)
    b_same_as_a = traitlets.Bool(False).tag(sync=True)
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
        self._a_samples: np.ndarray | None = None  # A as float32, to spot a B equal to it
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
        prepared = _prepare("B", audio)
        offset_db = self.b_offset_db if b_offset_db is None else self._valid_offset(b_offset_db)
        with self.hold_sync():
            self._send_b(audio, prepared)
            self.b_offset_db = offset_db

    def set_pair(self, a: Audio | None, b: Audio | None) -> None:
        """Replace both sides at once, e.g. to move to another passage or sample rate."""
        _check_pair(a, b)
        a_prepared = _prepare("A", a)
        b_prepared = _prepare("B", b)
        with self.hold_sync():
            self._a = a
            if a_prepared is None:
                self._a_samples = None
                self.a_data, self.a_scale, self.a_n_channels = b"", 0.0, 0
            else:
                self._a_samples = a_prepared[0]
                self.a_data, self.a_scale = _quantize(*a_prepared)
                self.a_n_channels = a.n_channels
            self.a_version += 1
            self._send_b(b, b_prepared)

    def _send_b(self, audio: Audio | None, prepared: tuple[np.ndarray, float] | None) -> None:
        """Fit B to A's length and publish it with the shared layout traits."""
        self._b = audio
        reference = self._a if self._a is not None else audio
        if reference is None:
            self.n_frames, self.sr = 0, 0
        else:
            self.n_frames, self.sr = reference.n_frames, reference.sr
        if prepared is None:
            data, scale, n_channels, same = b"", 0.0, 0, False
        else:
            samples, peak = prepared
            fitted = _fit_length(samples, self.n_frames)
            if fitted.shape[1] < samples.shape[1]:  # trimmed: the peak may be gone
                peak = _peak(fitted)
            n_channels = audio.n_channels
            a_samples = self._a_samples
            same = (
                a_samples is not None
                and a_samples.shape == fitted.shape
                and np.array_equal(a_samples, fitted)
            )
            data, scale = (b"", self.a_scale) if same else _quantize(fitted, peak)
        self.b_data, self.b_scale = data, scale
        self.b_n_channels, self.b_same_as_a = n_channels, same
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
        if not self.b_n_channels:
            return ""
        if not self.b_same_as_a and self.b_scale == 0.0:
            return "B is silent: there is no loudness to match"
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
        """The :func:`float32_checksum` of the B samples the browser plays.

        That is the checksum of the *decoded* samples, ``decode_samples(b_data,
        b_scale)`` (A's codes and scale when :attr:`b_same_as_a`); the browser computes
        the same over the float32 values it puts into its B buffer and shows it in the
        player's ``data-b-checksum`` attribute.
        """
        if self.b_same_as_a:
            return _codes_checksum(self.a_data, self.a_scale)
        return _codes_checksum(self.b_data, self.b_scale)
