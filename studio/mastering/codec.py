"""Codec preview: the master as a listener hears it after a lossy codec.

Most listeners hear a master through a lossy codec (Ogg Vorbis or AAC on streaming
services, Opus on YouTube and in browsers, MP3 in old libraries). The encoder removes
what it expects will not be heard and rebuilds a waveform that differs from the
original: its peaks move, and a master whose true peak sat right at 0 dBTP comes back
with *inter-sample overs* that clip the listener's converter. That is why services ask
for a ceiling of -1 dBTP (-2 dBTP for louder masters).

:func:`codec_preview` round-trips the master through a codec the installed libsndfile
offers (:func:`available_codecs`), entirely in memory (no file of yours is touched):

1. encode at a chosen bit rate (MP3, constant bit rate) or compression level (any
   codec; soundfile's ``compression_level``, 0 for the best quality and the biggest
   file, 1 for the smallest);
2. decode, converting the rate first and back after where the codec needs it (Opus
   runs at 48 kHz only, MP3 at 48 kHz and below);
3. line it up with the original: codecs add a delay (the encoder's look-ahead and
   priming), found by cross-correlation and removed, so the two can be switched in the
   same player;
4. find where the decoded master's true peak goes above the ceiling (10 ms hops,
   ranges merged), and which of those overs the encoding created (the original stayed
   under the ceiling there).

::

    preview = codec_preview(master, "mp3", bitrate_kbps=128)
    preview.audio          # hear it
    preview.new_overs      # the overs the encoding made, with their times
    print(preview)         # figures and overs in words
"""

from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import soundfile as sf

from studio.audio import Audio
from studio.dsp.loudness import integrated_loudness
from studio.dsp.resample import resample
from studio.dsp.truepeak import peak_envelope
from studio.errors import AudioDataError, ParameterError
from studio.text import t

__all__ = [
    "CODECS",
    "MP3_BITRATES_KBPS",
    "CodecPreview",
    "Over",
    "align",
    "available_codecs",
    "codec_preview",
]

#: The lossy codecs the preview knows: key -> (soundfile format, subtype).
CODECS = {
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "vorbis": ("OGG", "VORBIS"),
    "opus": ("OGG", "OPUS"),
}
#: Constant bit rates an MPEG-1 Layer III stream can have (kbps).
MP3_BITRATES_KBPS = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
#: Default settings: 128 kbps MP3 (a common worst case), and compression levels for the
#: variable-bit-rate codecs that give about 160 kbps (Vorbis) and 128 kbps (Opus) stereo.
DEFAULT_MP3_KBPS = 128
DEFAULT_LEVELS = {"vorbis": 0.5, "opus": 0.75}
#: Rates each codec can run at (Hz); None: any.
_RATES: dict[str, tuple[int, ...] | None] = {
    "mp3": (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000),
    "vorbis": None,
    "opus": (8000, 12000, 16000, 24000, 48000),
}
#: Overs closer together than this (s) are one range.
MERGE_GAP_S = 0.1
#: Hops of the peak trace (s).
HOP_S = 0.01
#: The delay search looks this far either way (frames) in this much audio (s).
MAX_DELAY_FRAMES = 8192
_ALIGN_WINDOW_S = 20.0
#: Frames handed to the encoder per write.
_BLOCK_FRAMES = 1 << 16


def available_codecs() -> tuple[str, ...]:
    """The codecs of :data:`CODECS` the installed libsndfile can write, in order."""
    subtypes = sf.available_subtypes()
    formats = sf.available_formats()
    return tuple(key for key, (fmt, sub) in CODECS.items() if fmt in formats and sub in subtypes)


@dataclass(frozen=True)
class Over:
    """One stretch where the decoded master's true peak goes above the ceiling.

    Attributes
    ----------
    start_s, end_s : float
        Where it is (seconds).
    peak_dbtp : float
        The highest true peak in it after the codec.
    before_dbtp : float
        The highest true peak of the original in the same stretch.
    created : bool
        True when the encoding made it: the original stayed at or under the ceiling.
    """

    start_s: float
    end_s: float
    peak_dbtp: float
    before_dbtp: float
    created: bool


@dataclass(frozen=True, eq=False)
class CodecPreview:
    """A master after a lossy codec: the sound, its figures and the overs it gained.

    Attributes
    ----------
    codec : str
        ``"mp3"``, ``"vorbis"`` or ``"opus"``.
    audio : Audio
        The decoded master, at the original rate and length, lined up with it.
    bitrate_kbps : float
        The average bit rate of the encoded stream (its size over its length).
    compression_level : float
        The level handed to the encoder (0 best quality .. 1 smallest).
    codec_sr : int
        The rate the codec ran at (Hz).
    delay_frames : int
        The delay found and removed (frames at the original rate; positive: the decoded
        audio came late).
    ceiling_dbtp : float
        The true-peak ceiling the overs are counted against.
    true_peak_before_dbtp, true_peak_after_dbtp : float
        True peak of the original and of the decoded master.
    loudness_before_lufs, loudness_after_lufs : float
        Integrated loudness of both.
    overs : tuple of Over
        Every stretch above the ceiling after the codec.
    """

    codec: str
    audio: Audio
    bitrate_kbps: float
    compression_level: float
    codec_sr: int
    delay_frames: int
    ceiling_dbtp: float
    true_peak_before_dbtp: float
    true_peak_after_dbtp: float
    loudness_before_lufs: float
    loudness_after_lufs: float
    overs: tuple[Over, ...] = field(default=())

    @property
    def new_overs(self) -> tuple[Over, ...]:
        """The overs the encoding created (the original stayed under the ceiling there)."""
        return tuple(o for o in self.overs if o.created)

    @property
    def overs_above_0_dbtp(self) -> tuple[Over, ...]:
        """The overs that go above full scale, which clip any converter."""
        return tuple(o for o in self.overs if o.peak_dbtp > 0.0)

    @property
    def loudness_change_lu(self) -> float:
        """How much the codec changed the integrated loudness (LU, after minus before)."""
        return self.loudness_after_lufs - self.loudness_before_lufs

    @property
    def peak_rise_db(self) -> float:
        """How much the codec raised the true peak (dB, after minus before)."""
        return self.true_peak_after_dbtp - self.true_peak_before_dbtp

    # ------------------------------------------------------------------------ words

    def _lines(self) -> list[str]:
        name = t(f"codec.names.{self.codec}")
        lines = [
            t(
                "codec.heading",
                codec=name,
                bitrate_kbps=self.bitrate_kbps,
                codec_sr=self.codec_sr,
            ),
            t(
                "codec.figures.peak",
                before_dbtp=self.true_peak_before_dbtp,
                after_dbtp=self.true_peak_after_dbtp,
                rise_db=self.peak_rise_db,
            ),
            t(
                "codec.figures.loudness",
                before_lufs=self.loudness_before_lufs,
                after_lufs=self.loudness_after_lufs,
                change_lu=self.loudness_change_lu,
            ),
            t("codec.figures.delay", delay_frames=self.delay_frames),
        ]
        new = self.new_overs
        if not self.overs:
            lines.append(t("codec.overs.none", ceiling_dbtp=self.ceiling_dbtp))
        else:
            lines.append(
                t(
                    f"codec.overs.summary_{'one' if len(self.overs) == 1 else 'many'}",
                    n=len(self.overs),
                    created=len(new),
                    above_0=len(self.overs_above_0_dbtp),
                    ceiling_dbtp=self.ceiling_dbtp,
                )
            )
            for over in self.overs[:_SHOWN]:
                key = "codec.overs.created" if over.created else "codec.overs.already"
                lines.append(
                    "  "
                    + t(
                        key,
                        start_s=over.start_s,
                        end_s=over.end_s,
                        peak_dbtp=over.peak_dbtp,
                        before_dbtp=over.before_dbtp,
                    )
                )
            if len(self.overs) > _SHOWN:
                lines.append("  " + t("codec.overs.more", n=len(self.overs) - _SHOWN))
            if new:
                lines.append(t("codec.overs.advice", ceiling_dbtp=self.ceiling_dbtp))
        return lines

    def summary(self) -> str:
        """The preview in words: codec, figures, and the overs with their times."""
        return "\n".join(self._lines())

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"CodecPreview({self.codec!r}, bitrate_kbps={self.bitrate_kbps:.0f}, "
            f"true_peak_after_dbtp={self.true_peak_after_dbtp:.2f}, overs={len(self.overs)}, "
            f"new_overs={len(self.new_overs)})"
        )

    def _repr_html_(self) -> str:
        lines = self._lines()
        body = "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:])
        return (
            '<div class="studio-codec-preview" style="font-family:var(--jp-ui-font-family,'
            "system-ui,sans-serif);font-size:var(--jp-ui-font-size1,13px);line-height:1.45;"
            f'max-width:56em"><div style="font-weight:600">{html.escape(lines[0])}</div>'
            f"{body}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (non-finite figures as ``None``)."""

        def finite(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "codec": self.codec,
            "bitrate_kbps": self.bitrate_kbps,
            "compression_level": self.compression_level,
            "codec_sr": self.codec_sr,
            "delay_frames": self.delay_frames,
            "ceiling_dbtp": self.ceiling_dbtp,
            "true_peak_before_dbtp": finite(self.true_peak_before_dbtp),
            "true_peak_after_dbtp": finite(self.true_peak_after_dbtp),
            "loudness_before_lufs": finite(self.loudness_before_lufs),
            "loudness_after_lufs": finite(self.loudness_after_lufs),
            "overs": [
                {
                    "start_s": o.start_s,
                    "end_s": o.end_s,
                    "peak_dbtp": o.peak_dbtp,
                    "before_dbtp": finite(o.before_dbtp),
                    "created": o.created,
                }
                for o in self.overs
            ],
        }


_SHOWN = 5


# ------------------------------------------------------------------------ the pieces


def _mp3_level(bitrate_kbps: int) -> float:
    """The compression level at which libsndfile's MP3 encoder picks ``bitrate_kbps``.

    libsndfile maps a level linearly onto 320 .. 32 kbps and takes the standard rate at
    or below it; the level is nudged down a hair so rounding cannot drop a step.
    """
    return min(0.99, max(0.0, (320.0 - bitrate_kbps) / 288.0 - 1e-6))


def _codec_rate(codec: str, sr: int) -> int:
    """The rate to run the codec at: ``sr`` when it can, else the nearest it supports."""
    rates = _RATES[codec]
    if rates is None or sr in rates:
        return sr
    if 44100 in rates and sr % 44100 == 0:
        return 44100
    return 48000


def _encode_decode(
    x: np.ndarray, sr: int, codec: str, level: float, constant: bool
) -> tuple[np.ndarray, int]:
    """Round trip ``x`` (channels, frames) through the codec in memory: (decoded, bytes)."""
    fmt, subtype = CODECS[codec]
    buffer = io.BytesIO()
    frames = np.ascontiguousarray(x.T, dtype=np.float32)
    try:
        with sf.SoundFile(
            buffer,
            "w",
            sr,
            frames.shape[1],
            format=fmt,
            subtype=subtype,
            compression_level=level,
            bitrate_mode="CONSTANT" if constant else None,
        ) as stream:
            # In blocks: libsndfile 1.2's Ogg Vorbis encoder crashes the process when
            # handed about a minute of audio in one write.
            for start in range(0, frames.shape[0], _BLOCK_FRAMES):
                stream.write(frames[start : start + _BLOCK_FRAMES])
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:  # pragma: no cover
        raise ParameterError(
            f"codec_preview(): libsndfile could not encode {codec} at {sr} Hz with "
            f"compression_level={level:g}: {error}"
        ) from error
    size = buffer.tell()
    buffer.seek(0)
    decoded, _ = sf.read(buffer, dtype="float32", always_2d=True)
    return np.ascontiguousarray(decoded.T), size


def align(decoded: np.ndarray, original: np.ndarray, *, max_delay: int = MAX_DELAY_FRAMES) -> int:
    """The delay of ``decoded`` against ``original`` in frames, by cross-correlation.

    Both are ``(channels, frames)`` at the same rate; the channels are summed, and the
    first 20 s (at 48 kHz) of each are compared with an FFT. Positive: ``decoded`` is
    late by that many frames. Searched within ``±max_delay``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1, 20000))
    >>> late = np.concatenate([np.zeros((1, 576)), x], axis=1)
    >>> align(late, x)
    576
    """
    n = int(min(decoded.shape[1], original.shape[1], _ALIGN_WINDOW_S * 48000))
    if n < 2:
        return 0
    a = np.sum(decoded[:, :n], axis=0, dtype=np.float64)
    b = np.sum(original[:, :n], axis=0, dtype=np.float64)
    size = 1 << int(math.ceil(math.log2(2 * n)))
    corr = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    reach = min(max_delay, n - 1)
    lags = np.concatenate((np.arange(0, reach + 1), np.arange(-reach, 0)))
    values = np.concatenate((corr[: reach + 1], corr[size - reach :]))
    return int(lags[int(np.argmax(values))])


def _shift(x: np.ndarray, delay: int, n: int) -> np.ndarray:
    """``x`` moved ``delay`` frames earlier (later if negative), cut or padded to ``n``."""
    out = np.zeros((x.shape[0], n), dtype=x.dtype)
    if delay >= 0:
        part = x[:, delay : delay + n]
        out[:, : part.shape[1]] = part
    else:
        part = x[:, : n + delay]
        out[:, -delay : -delay + part.shape[1]] = part
    return out


def _overs(
    before: np.ndarray, after: np.ndarray, sr: int, ceiling_dbtp: float
) -> tuple[tuple[Over, ...], float, float]:
    """Overs of ``after`` above the ceiling (10 ms hops, merged), and both true peaks."""
    env_after = peak_envelope(after, sr, hop_s=HOP_S)
    env_before = peak_envelope(before, sr, hop_s=HOP_S)
    hop_after = np.max(env_after.true_peak_dbtp, axis=0)
    hop_before = np.max(env_before.true_peak_dbtp, axis=0)
    above = hop_after > ceiling_dbtp
    edges = np.diff(np.concatenate(([0], above.view(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    overs: list[Over] = []
    gap = int(round(MERGE_GAP_S / HOP_S))
    i = 0
    while i < len(starts):
        j = i
        while j + 1 < len(starts) and starts[j + 1] - ends[j] <= gap:
            j += 1
        a, b = int(starts[i]), int(ends[j])
        peak = float(np.max(hop_after[a:b]))
        was = float(np.max(hop_before[a:b]))
        overs.append(
            Over(
                start_s=a * HOP_S,
                end_s=b * HOP_S,
                peak_dbtp=peak,
                before_dbtp=was,
                created=bool(was <= ceiling_dbtp),
            )
        )
        i = j + 1
    return tuple(overs), env_before.peaks.true_peak_dbtp, env_after.peaks.true_peak_dbtp


# ------------------------------------------------------------------------------ the call


def codec_preview(
    audio: Audio,
    codec: str = "mp3",
    *,
    bitrate_kbps: int | None = None,
    compression_level: float | None = None,
    ceiling_dbtp: float = -1.0,
) -> CodecPreview:
    """Round-trip a master through a lossy codec and show what it did to the peaks.

    Parameters
    ----------
    audio : Audio
        The master (mono or stereo).
    codec : {"mp3", "vorbis", "opus"}
        Which codec; it must be in :func:`available_codecs`.
    bitrate_kbps : int, optional
        MP3 only: a constant bit rate from :data:`MP3_BITRATES_KBPS` (default 128).
    compression_level : float, optional
        0 (best quality, biggest) .. 1 (smallest), soundfile's setting; for Vorbis and
        Opus (variable bit rate) the default gives about 160 and 128 kbps in stereo.
        For MP3 it replaces ``bitrate_kbps`` (constant bit rate either way).
    ceiling_dbtp : float
        The true-peak ceiling the overs are counted against (-1 dBTP, as most
        streaming services ask; 0 to see only overs of full scale).

    Returns
    -------
    CodecPreview
        The decoded master (``.audio``, same rate and length, lined up), the bit rate,
        the delay removed, the peaks and loudness before and after, and the overs.

    Raises
    ------
    ParameterError
        If the codec is unknown or not offered by the installed libsndfile, or a
        setting is out of range.
    AudioDataError
        If ``audio`` is not Audio, is empty or holds NaN or infinite samples.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> master = Audio(0.1 * rng.standard_normal((2, 48000)), 48000)
    >>> preview = codec_preview(master, "mp3", bitrate_kbps=192)
    >>> preview.audio.samples.shape, abs(preview.delay_frames) <= 2
    ((2, 48000), True)
    """
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"codec_preview() takes the master as a studio.Audio, got {type(audio).__name__}; "
            "wrap samples with studio.Audio(samples, sr)."
        )
    if codec not in CODECS:
        raise ParameterError(
            f"codec_preview(): unknown codec {codec!r}; the codecs are {', '.join(CODECS)}."
        )
    offered = available_codecs()
    if codec not in offered:
        raise ParameterError(
            f"codec_preview(): the installed libsndfile ({sf.__libsndfile_version__}) cannot "
            f"write {codec}; it offers {', '.join(offered) or 'none of them'}. A newer "
            "soundfile wheel (libsndfile 1.1 or later) brings MP3 and Opus."
        )
    if not isinstance(ceiling_dbtp, int | float) or not -12.0 <= ceiling_dbtp <= 0.0:
        raise ParameterError(
            f"codec_preview(): ceiling_dbtp must be between -12 and 0 dBTP; got {ceiling_dbtp!r}."
        )
    constant = codec == "mp3"
    if bitrate_kbps is not None:
        if codec != "mp3":
            raise ParameterError(
                f"codec_preview(): bitrate_kbps is for mp3 (constant bit rate); {codec} "
                "runs at a variable bit rate, set by compression_level (0 best .. 1 smallest)."
            )
        if compression_level is not None:
            raise ParameterError(
                "codec_preview(): give bitrate_kbps or compression_level, not both."
            )
        if bitrate_kbps not in MP3_BITRATES_KBPS:
            raise ParameterError(
                f"codec_preview(): bitrate_kbps must be one of "
                f"{', '.join(map(str, MP3_BITRATES_KBPS))} kbps; got {bitrate_kbps!r}."
            )
    if compression_level is not None:
        if not isinstance(compression_level, int | float) or not 0.0 <= compression_level <= 1:
            raise ParameterError(
                "codec_preview(): compression_level must be between 0 (best quality) and 1 "
                f"(smallest file); got {compression_level!r}."
            )
        level = min(float(compression_level), 0.99)  # libsndfile's MP3 refuses 1.0 itself
    elif codec == "mp3":
        level = _mp3_level(bitrate_kbps or DEFAULT_MP3_KBPS)
    else:
        level = DEFAULT_LEVELS[codec]
    x, sr = audio.samples, audio.sr
    if x.shape[1] == 0:
        raise AudioDataError(f"{audio.name or 'audio'}: has no samples, nothing to encode.")
    if not np.all(np.isfinite(x)):
        raise AudioDataError(
            f"{audio.name or 'audio'}: holds NaN or infinite samples; an encoder needs "
            "finite samples."
        )
    codec_sr = _codec_rate(codec, sr)
    there = x if codec_sr == sr else resample(x, sr, target_sr=codec_sr)
    decoded, size = _encode_decode(there, codec_sr, codec, level, constant)
    back = decoded if codec_sr == sr else resample(decoded, codec_sr, target_sr=sr)
    back = back.astype(x.dtype, copy=False)
    delay = align(back, x)
    aligned = _shift(back, delay, x.shape[1])
    overs, tp_before, tp_after = _overs(x, aligned, sr, float(ceiling_dbtp))
    return CodecPreview(
        codec=codec,
        audio=Audio(aligned, sr, f"{audio.name} · {codec}" if audio.name else codec),
        bitrate_kbps=8.0 * size / max(there.shape[1] / codec_sr, 1e-9) / 1000.0,
        compression_level=level,
        codec_sr=codec_sr,
        delay_frames=delay,
        ceiling_dbtp=float(ceiling_dbtp),
        true_peak_before_dbtp=tp_before,
        true_peak_after_dbtp=tp_after,
        loudness_before_lufs=integrated_loudness(x, sr),
        loudness_after_lufs=integrated_loudness(aligned, sr),
        overs=overs,
    )
