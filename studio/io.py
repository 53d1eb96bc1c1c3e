"""Reading and writing audio files, with checks a learner can trust.

:func:`load` turns a WAV, FLAC, OGG (Vorbis) or AIFF file into an :class:`~studio.Audio`,
:func:`save` writes one back, and :func:`info` takes a quick look at a file without
loading it. All three sit on soundfile (libsndfile), which on its own is quiet about
damaged files: it loads a file that was cut short as if it were complete, reports
"file does not exist" for some files that do exist, and clips loud samples into 16-bit
files without a word. This module checks for those cases itself and says what it found
in plain words, naming the file.

Decisions, so nothing here surprises you:

* A file that was **cut short** (its header promises more audio than the file holds, a
  FLAC stream that stops decoding, an Ogg stream without its end marker) is loaded as far
  as it goes, with a :class:`~studio.StudioWarning` saying how much is missing. A partly
  downloaded mix is still worth listening to; the warning makes sure you know.
* A file with **NaN or Inf samples** is refused (:class:`~studio.AudioDataError`): one NaN
  silences every meter and filter downstream.
* A float file with peaks **above full scale** is loaded intact (float has headroom) with a
  warning naming the peak in dBFS.
* :func:`save` **refuses to clip**: writing samples beyond full scale into a fixed-point
  or lossy format (PCM, FLAC, OGG...) raises :class:`~studio.AudioDataError` saying how
  many dB over it is, unless you pass ``clip=True`` (then it clips and warns). Use
  ``subtype="FLOAT"`` to keep the headroom.
* :func:`save` writes to a temporary file beside the target and renames it into place,
  so the target is either the old file or the complete new one, never half a file. It
  does not replace an existing file unless ``overwrite=True``.
* Integer PCM is written by rounding to the nearest step (full scale is ``2**(bits-1)``
  steps, +1.0 lands on the largest positive code), so a round trip is off by at most half
  a step. There is no dither here: dither belongs to mastering's delivery stage.
"""

from __future__ import annotations

import os
import secrets
import stat
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

from studio.audio import Audio
from studio.errors import AudioDataError, AudioFileError, ParameterError, StudioWarning
from studio.text import t

__all__ = ["FileInfo", "info", "load", "save"]

# Extensions save() understands without an explicit ``format``.
EXTENSION_FORMATS = {
    ".wav": "WAV",
    ".wave": "WAV",
    ".flac": "FLAC",
    ".ogg": "OGG",
    ".oga": "OGG",
    ".aiff": "AIFF",
    ".aif": "AIFF",
    ".aifc": "AIFF",
}
# Full resolution for a mixdown (the curriculum: "keep 24-bit or 32-bit float").
DEFAULT_SUBTYPES = {"WAV": "PCM_24", "FLAC": "PCM_24", "AIFF": "PCM_24", "OGG": "VORBIS"}
# Integer PCM subtypes and their bit depth: written by our own rounding (see module doc).
PCM_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}
# Subtypes that store floats and so keep peaks above full scale.
FLOAT_SUBTYPES = frozenset({"FLOAT", "DOUBLE"})

_LOAD_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_WRITE_BLOCK_FRAMES = 1 << 18  # bounded memory when converting long files
_SALVAGE_BLOCK_FRAMES = 4096  # read size when recovering the decodable part of a file
_SNIFF_BYTES = 1024

# (offset, magic bytes, offset2, bytes2, what it is): checked in order on the first bytes.
# What a file is, in words, goes into error messages only: English by design, like them.
_MAGIC = (  # prose: ok (file kinds for error messages)
    (0, b"RIFF", 8, b"WAVE", "a WAV file"),
    (0, b"RIFX", 8, b"WAVE", "a WAV file"),
    (0, b"RF64", 8, b"WAVE", "a WAV file"),
    (0, b"BW64", 8, b"WAVE", "a WAV file"),
    (0, b"FORM", 8, b"AIFF", "an AIFF file"),
    (0, b"FORM", 8, b"AIFC", "an AIFF file"),
    (0, b"fLaC", 0, b"", "a FLAC file"),
    (0, b"OggS", 0, b"", "an Ogg file"),
    (0, b"ID3", 0, b"", "an MP3 file"),
    (4, b"ftyp", 0, b"", "an MP4/M4A file, which soundfile cannot read (convert it to WAV)"),
    (0, b"RIFF", 8, b"AVI ", "an AVI video"),
    (0, b"%PDF", 0, b"", "a PDF document"),
    (0, b"\x89PNG", 0, b"", "a PNG image"),
    (0, b"\xff\xd8\xff", 0, b"", "a JPEG image"),
    (0, b"PK\x03\x04", 0, b"", "a ZIP archive (unzip it first)"),
    (0, b"\x1f\x8b", 0, b"", "a gzip archive (unpack it first)"),
)
_AUDIO_KINDS = frozenset(  # prose: ok (file kinds for error messages)
    {"a WAV file", "an AIFF file", "a FLAC file", "an Ogg file", "an MP3 file"}
)


@dataclass(frozen=True)
class FileInfo:
    """What a file's header says, read without loading the audio.

    Attributes
    ----------
    sr : int
        Sample rate in Hz.
    n_channels : int
        Number of channels (1 mono, 2 stereo, ...).
    n_frames : int
        Number of sample frames the file holds.
    duration_s : float
        Length in seconds.
    format : str
        Container as soundfile names it (``"WAV"``, ``"FLAC"``, ``"OGG"``, ``"AIFF"``...).
    subtype : str
        Sample encoding (``"PCM_16"``, ``"PCM_24"``, ``"FLOAT"``, ``"VORBIS"``...).
    """

    sr: int
    n_channels: int
    n_frames: int
    duration_s: float
    format: str
    subtype: str

    def __str__(self) -> str:
        return t(
            "audio.file_info",
            format=self.format,
            subtype=self.subtype,
            channels=self.n_channels,
            sr=self.sr,
            duration_s=self.duration_s,
            frames=self.n_frames,
        )


# --------------------------------------------------------------------------- load / info


def load(
    path: str | os.PathLike[str], *, dtype: str | np.dtype = "float32", name: str | None = None
) -> Audio:
    """Load an audio file as :class:`~studio.Audio` shaped ``(channels, frames)``.

    Reads WAV, FLAC, OGG (Vorbis) and AIFF (and whatever else soundfile reads) at any
    sample rate and bit depth. Integer files come back scaled so full scale is -1..1; float
    files come back exactly as stored, including peaks above 1.0. The file is opened for
    reading only and never changed.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.
    dtype : {"float32", "float64"}
        Sample type of the result. float32 is plenty for listening and processing and
        takes half the memory; float64 keeps every bit of a 32-bit integer file.
    name : str, optional
        Label for players, plots and messages; defaults to the file name without its
        extension.

    Returns
    -------
    Audio
        The samples, the file's sample rate and the name.

    Raises
    ------
    AudioFileError
        The file is missing, a folder, empty, not audio, damaged, or holds no frames.
    AudioDataError
        The file holds NaN or Inf samples.
    ParameterError
        ``dtype`` is not float32 or float64.

    Warns
    -----
    StudioWarning
        The file was cut short (loaded as far as it goes, the message says how much is
        missing), or its peaks are above full scale (loaded intact; the message names the
        peak in dBFS so you can make headroom before saving to a fixed-point format).

    Examples
    --------
    >>> mix = load("my_mix.wav")  # doctest: +SKIP
    >>> mix.n_channels, mix.sr  # doctest: +SKIP
    (2, 44100)
    """
    want = _load_dtype(dtype)
    file = _existing_file(path)
    label = file.name
    with _open_for_reading(file) as f:
        sr, header_frames = int(f.samplerate), int(f.frames)
        fmt, subtype = f.format, f.subtype
    claimed_frames, notes = _header_claim(file, fmt)
    frames, read_error = _read_all(file, header_frames, want)
    if claimed_frames is not None and frames.shape[0] > claimed_frames:
        # libsndfile counts an AIFF pad byte as a frame; the header's count is the truth.
        frames = frames[:claimed_frames]
    n_read = int(frames.shape[0])
    if n_read == 0:
        if read_error:
            raise AudioFileError(
                f"{label!r} looks like {_describe_format(fmt)} but no audio in it could be "
                f"decoded: it is damaged or cut short ({read_error})."
            )
        promised = claimed_frames if claimed_frames is not None else header_frames
        if promised > 0 or (fmt == "OGG" and not _ogg_ends_cleanly(file)):
            raise AudioFileError(
                f"{label!r} contains no audio frames (header only): it was cut short right "
                "after its header."
            )
        raise AudioFileError(f"{label!r} contains no audio frames (header only).")

    expected = claimed_frames if claimed_frames is not None else header_frames
    if n_read < expected:
        notes.append(_shortfall_message(label, n_read, expected, sr, read_error))
    elif read_error:
        notes.append(f"{label!r}: soundfile stopped reading early ({read_error}).")  # prose: ok
    if fmt == "OGG" and not _ogg_ends_cleanly(file):
        notes.append(  # prose: ok (a warning)
            f"{label!r} ends without the Ogg end-of-stream marker, so it was probably cut "
            f"short; loaded the {n_read / sr:.3f} s that are there."
        )

    samples = np.ascontiguousarray(frames.T)
    advice = "Fix or re-export the file."  # prose: ok (an error message)
    _refuse_non_finite(samples, sr, f"{label!r} contains", advice)
    for note in notes:
        warnings.warn(note, StudioWarning, stacklevel=2)
    peak = float(np.max(np.abs(samples)))
    if peak > 1.0:
        warnings.warn(
            f"{label!r} peaks at {_dbfs(peak):+.1f} dBFS, above full scale (it is a "
            f"{subtype} file, which can hold that). Loaded intact, nothing clipped; lower "
            "the gain before saving it to a fixed-point format such as PCM_24.",
            StudioWarning,
            stacklevel=2,
        )
    return Audio(samples, sr, file.stem if name is None else name)


def info(path: str | os.PathLike[str]) -> FileInfo:
    """Describe an audio file from its header, without loading the audio.

    Parameters
    ----------
    path : str or os.PathLike
        The file to look at.

    Returns
    -------
    FileInfo
        Sample rate, channels, frames, duration, format and subtype.

    Raises
    ------
    AudioFileError
        The file is missing, a folder, empty, or not audio soundfile can read.

    Warns
    -----
    StudioWarning
        The header of a WAV or AIFF file promises more audio than the file holds.

    Notes
    -----
    Only the header is read, so a FLAC file damaged in the middle still looks complete
    here; :func:`load` decodes everything and reports such damage.
    """
    file = _existing_file(path)
    with _open_for_reading(file) as f:
        sr, n_channels, n_frames = int(f.samplerate), int(f.channels), int(f.frames)
        fmt, subtype = f.format, f.subtype
    claimed_frames, notes = _header_claim(file, fmt)
    if claimed_frames is not None:
        if claimed_frames > n_frames:
            notes.append(
                _shortfall_message(file.name, n_frames, claimed_frames, sr, "", loaded=False)
            )
        n_frames = min(n_frames, claimed_frames)
    for note in notes:
        warnings.warn(note, StudioWarning, stacklevel=2)
    return FileInfo(sr, n_channels, n_frames, n_frames / sr, fmt, subtype)


def _load_dtype(dtype: str | np.dtype) -> np.dtype:
    try:
        want = np.dtype(dtype)
    except TypeError:
        want = None
    if want not in _LOAD_DTYPES:
        raise ParameterError(f"load(): dtype must be 'float32' or 'float64', got {dtype!r}.")
    return want


def _existing_file(path: str | os.PathLike[str]) -> Path:
    """Check the path names a non-empty regular file; libsndfile's words mislead here."""
    file = Path(path).expanduser()
    if not file.exists():
        raise AudioFileError(f"{file.name!r} does not exist (looked for {file.absolute()}).")
    if file.is_dir():
        raise AudioFileError(
            f"{file.name!r} is a folder, not an audio file ({file.absolute()}). "
            "Give the path of a file inside it."
        )
    if file.stat().st_size == 0:
        raise AudioFileError(f"{file.name!r} is empty (0 bytes): there is no audio in it.")
    if not os.access(file, os.R_OK):
        raise AudioFileError(f"{file.name!r} cannot be read: permission denied ({file}).")
    return file


def _open_for_reading(file: Path) -> sf.SoundFile:
    try:
        return sf.SoundFile(file)
    except (sf.SoundFileError, RuntimeError) as exc:
        raise AudioFileError(_unreadable_message(file, exc)) from None
    except OSError as exc:
        raise AudioFileError(f"{file.name!r} cannot be opened: {exc.strerror}.") from None


def _unreadable_message(file: Path, exc: BaseException) -> str:  # prose: ok (error text)
    try:
        with open(file, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        head = b""
    kind = _sniff(head)
    reason = _libsndfile_reason(exc)
    if kind in _AUDIO_KINDS:
        detail = f" ({reason})" if reason else ""
        return (
            f"{file.name!r} looks like {kind} but soundfile cannot read it: it is damaged, "
            f"cut short, or uses an encoding libsndfile does not support{detail}."
        )
    looks = f"it looks like {kind}" if kind else "its first bytes match no audio format"
    return f"{file.name!r} is not an audio file soundfile can read ({looks})."


def _sniff(head: bytes) -> str | None:  # prose: ok (file kinds for error messages)
    """Guess what a file is from its first bytes, in words, or None."""
    for off, magic, off2, magic2, kind in _MAGIC:
        if head[off : off + len(magic)] == magic and head[off2 : off2 + len(magic2)] == magic2:
            return kind
    if b"\x00" not in head:
        text = head.decode("utf-8", errors="replace")
        printable = sum((ch.isprintable() and ch != "\ufffd") or ch in "\t\r\n" for ch in text)
        if printable >= 0.95 * len(text):
            start = text.lstrip().lower()
            if start.startswith(("<!doctype html", "<html")):
                return "a web page (HTML): perhaps a download page was saved instead of the file"
            return "a text file"
    return None


def _libsndfile_reason(exc: BaseException) -> str:  # prose: ok (error text)
    """Return libsndfile's own explanation, minus its file name and misleading phrases."""
    text = str(getattr(exc, "error_string", "") or exc).strip()
    text = text.split(": ", 1)[1] if text.startswith("Error opening") and ": " in text else text
    text = text.removeprefix("Error : ").strip().rstrip(".")
    if not text or "does not exist" in text or "Error opening" in text:
        return ""
    return f"libsndfile says: {text[0].lower()}{text[1:]}"


def _describe_format(fmt: str) -> str:  # prose: ok (file kinds for error messages)
    return {"WAV": "a WAV file", "AIFF": "an AIFF file", "OGG": "an Ogg file"}.get(
        fmt, f"a {fmt} file"
    )


def _read_all(file: Path, n_frames: int, dtype: np.dtype) -> tuple[np.ndarray, str]:
    """Read every frame as ``(frames, channels)``; on a decode error keep what decoded.

    Returns the frames and libsndfile's reason if decoding stopped early ("" otherwise).
    """
    try:
        with sf.SoundFile(file) as f:
            return f.read(n_frames, dtype=dtype.name, always_2d=True), ""
    except (sf.SoundFileError, RuntimeError) as exc:
        reason = _libsndfile_reason(exc) or "a decoding error"  # prose: ok (error text)
    blocks = []
    with sf.SoundFile(file) as f:
        try:
            for block in f.blocks(_SALVAGE_BLOCK_FRAMES, dtype=dtype.name, always_2d=True):
                blocks.append(block)
        except (sf.SoundFileError, RuntimeError):
            pass
        channels = f.channels
    if not blocks:
        return np.zeros((0, channels), dtype=dtype), reason
    return np.concatenate(blocks), reason


def _shortfall_message(  # prose: ok (the text of a warning or an error)
    label: str, n_read: int, expected: int, sr: int, reason: str, *, loaded: bool = True
) -> str:
    missing = expected - n_read
    why = f"; {reason}" if reason else ""
    then = "Loaded the part that is there." if loaded else "load() reads the part that is there."
    return (
        f"{label!r} is cut short: its header promises {expected / sr:.3f} s "
        f"({expected} frames) but only {n_read / sr:.3f} s ({n_read} frames) could be read, "
        f"so the last {missing / sr:.3f} s ({100.0 * missing / expected:.1f}%) is missing"
        f"{why}. {then}"
    )


def _header_claim(file: Path, fmt: str) -> tuple[int | None, list[str]]:
    """Return how many frames a WAV or AIFF header promises (None when unknown).

    libsndfile silently shrinks the frame count of a WAV or AIFF file whose data chunk is
    larger than the file; we read the chunk sizes ourselves. Returns the promised frame
    count and warnings that cannot be put in frames.
    """
    try:
        with open(file, "rb") as handle:
            head = handle.read(12)
            if fmt in ("WAV", "WAVEX", "RF64") and head[8:12] == b"WAVE":
                return _wav_claim(handle, head, file.stat().st_size, file.name)
            if fmt == "AIFF" and head[:4] == b"FORM":
                return _aiff_claim(handle), []
    except (OSError, struct.error):
        pass
    return None, []


def _chunks(handle: BinaryIO, big_endian: bool) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(chunk id, declared size, offset of its body)`` of a RIFF/IFF file."""
    fmt = ">4sI" if big_endian else "<4sI"
    pos = 12
    while True:
        handle.seek(pos)
        raw = handle.read(8)
        if len(raw) < 8:
            return
        cid, size = struct.unpack(fmt, raw)
        yield cid, size, pos + 8
        pos += 8 + size + (size & 1)


def _wav_claim(
    handle: BinaryIO, head: bytes, file_size: int, label: str
) -> tuple[int | None, list[str]]:
    big = head[:4] == b"RIFX"
    block_align, linear, ds64_data = 0, False, None
    for cid, size, body in _chunks(handle, big):
        handle.seek(body)
        if cid == b"ds64":  # RF64: the real sizes live here as 64-bit numbers
            ds64_data = struct.unpack("<QQ", handle.read(16))[1]
        elif cid == b"fmt ":
            tag, _, _, _, block_align = struct.unpack(
                ">HHIIH" if big else "<HHIIH", handle.read(14)
            )
            linear = tag in (1, 3, 6, 7, 0xFFFE)  # PCM, float, A-law, mu-law, extensible
        elif cid == b"data":
            if size == 0xFFFFFFFF and ds64_data is not None:
                size = ds64_data
            if size in (0, 0xFFFFFFFF):  # never finalised by its writer: length unknown
                return None, []
            present = max(0, file_size - body)
            if linear and block_align:
                return size // block_align, []
            if size > present:
                return None, [  # prose: ok (a warning)
                    f"{label!r} is cut short: its header promises {size} bytes of audio but "
                    f"only {present} are in the file ({100.0 * (size - present) / size:.1f}% "
                    "missing); only the part that is there can be played."
                ]
            return None, []
    return None, []


def _aiff_claim(handle: BinaryIO) -> int | None:
    for cid, _, body in _chunks(handle, big_endian=True):
        if cid == b"COMM":
            handle.seek(body)
            return struct.unpack(">hI", handle.read(6))[1]
    return None


def _ogg_ends_cleanly(file: Path) -> bool:
    """Tell whether the last Ogg page is complete and carries the end-of-stream flag."""
    size = file.stat().st_size
    with open(file, "rb") as handle:
        start = max(0, size - 65536)
        handle.seek(start)
        tail = handle.read()
    last = tail.rfind(b"OggS")
    while last > 0 and tail[last + 4 : last + 5] != b"\x00":  # version 0: a real page
        last = tail.rfind(b"OggS", 0, last)
    if last < 0 or len(tail) < last + 27:
        return False
    header_type, n_segments = tail[last + 5], tail[last + 26]
    lacing = tail[last + 27 : last + 27 + n_segments]
    page_end = last + 27 + n_segments + sum(lacing)
    return bool(header_type & 0x04) and len(lacing) == n_segments and page_end <= len(tail)


# --------------------------------------------------------------------------- checks


def _refuse_non_finite(samples: np.ndarray, sr: int, subject: str, advice: str) -> None:
    finite = np.isfinite(samples)
    if finite.all():
        return
    bad = ~finite
    n_nan = int(np.count_nonzero(np.isnan(samples)))
    n_inf = int(np.count_nonzero(bad)) - n_nan
    first_frame = int(np.argmax(bad.any(axis=0)))
    channel = int(np.argmax(bad[:, first_frame])) + 1
    parts = [f"{n} {kind}" for n, kind in ((n_nan, "NaN"), (n_inf, "Inf")) if n]
    raise AudioDataError(
        f"{subject} {' and '.join(parts)} sample(s) (not a number / infinite); the first is "
        f"at {first_frame / sr:.3f} s in channel {channel}. The studio refuses them because "
        f"one NaN or Inf spoils every meter and filter downstream. {advice}"
    )


def _dbfs(peak: float) -> float:
    return 20.0 * float(np.log10(peak))


# --------------------------------------------------------------------------- save


def save(
    audio: Audio,
    path: str | os.PathLike[str],
    *,
    subtype: str | None = None,
    overwrite: bool = False,
    format: str | None = None,  # soundfile's own name for it
    clip: bool = False,
) -> Path:
    """Write ``audio`` to a file, safely: the target is never left half-written.

    The format comes from the extension (``.wav``, ``.flac``, ``.ogg``, ``.aiff``/``.aif``)
    unless ``format`` is given. The new file is written beside the target under a
    temporary name and renamed into place only once complete, so a failed write leaves
    the old file (if any) as it was and no temporary file behind.

    Parameters
    ----------
    audio : Audio
        What to write. It is not modified.
    path : str or os.PathLike
        Destination file. Its folder must exist.
    subtype : str, optional
        Sample encoding. Defaults: ``"PCM_24"`` for WAV, FLAC and AIFF (full resolution for
        a mixdown), ``"VORBIS"`` for OGG. ``"FLOAT"`` (32-bit float WAV/AIFF) keeps peaks
        above full scale; ``"PCM_16"`` is CD resolution.
    overwrite : bool
        Replace an existing file. Off by default so a render never destroys a mix.
    format : str, optional
        Container as soundfile names it (``"WAV"``, ``"FLAC"``, ``"OGG"``, ``"AIFF"``...),
        for file names without a known extension.
    clip : bool
        When samples exceed full scale and the subtype cannot hold them, clip them (with a
        warning) instead of refusing. You will hear the clipping: prefer lowering the gain.

    Returns
    -------
    pathlib.Path
        The absolute path of the written file.

    Raises
    ------
    AudioFileError
        The file exists and ``overwrite`` is False, the folder is missing, the extension is
        unknown, or the write failed (the old file is then untouched).
    AudioDataError
        ``audio`` is not an :class:`~studio.Audio`, has no frames, holds NaN/Inf, or
        exceeds full scale for a fixed-point or lossy subtype without ``clip=True``.
    ParameterError
        ``format`` or ``subtype`` is unknown or the two do not go together.

    Warns
    -----
    StudioWarning
        ``clip=True`` and samples were clipped; the message says how many and by how much.

    Examples
    --------
    >>> save(mix, "mixdown.wav")  # doctest: +SKIP
    PosixPath('/home/me/mixdown.wav')
    >>> save(mix, "mixdown.wav", subtype="FLOAT", overwrite=True)  # doctest: +SKIP
    PosixPath('/home/me/mixdown.wav')
    """
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"save() needs a studio.Audio (samples together with their sample rate), got "
            f"{type(audio).__name__}. Wrap an array with studio.Audio(samples, sr)."
        )
    target = Path(path).expanduser().absolute()
    label = target.name
    fmt = _resolve_format(target, format)
    subtype = _resolve_subtype(fmt, subtype)
    _check_destination(target, overwrite)

    samples = audio.samples
    if samples.shape[1] == 0:
        raise AudioDataError(f"Cannot save {label!r}: the audio has no frames.")
    _refuse_non_finite(  # prose: ok (an error message)
        samples,
        audio.sr,
        f"Cannot save {label!r}: the audio contains",
        "Find where they come from.",
    )
    clip_note = _check_full_scale(samples, subtype, label, clip)

    tmp = _make_temp_file(target)
    try:
        _write_file(tmp, samples, audio.sr, fmt, subtype)
        if target.exists():
            if not overwrite:  # appeared while we were writing
                raise AudioFileError(_exists_message(target))
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, sf.SoundFileError | OSError):
            if isinstance(exc, OSError):
                reason = exc.strerror or str(exc)
            else:
                reason = _libsndfile_reason(exc) or "soundfile reported an error"  # prose: ok
            raise AudioFileError(
                f"Could not write {label!r} as {fmt} {subtype} ({audio.n_channels} ch, "
                f"{audio.sr} Hz): {reason}. Any existing file of that name is untouched."
            ) from exc
        raise
    if clip_note:
        warnings.warn(clip_note, StudioWarning, stacklevel=2)
    return target


def _resolve_format(target: Path, format: str | None) -> str:
    ext = target.suffix.lower()
    from_ext = EXTENSION_FORMATS.get(ext)
    if format is None:
        if from_ext is None:
            known = ", ".join(sorted(EXTENSION_FORMATS))
            raise AudioFileError(
                f"Cannot tell which audio format {target.name!r} should be from its "
                f"extension {ext or '(none)'!r}. Use one of {known}, or pass format=..."
            )
        return from_ext
    fmt = str(format).upper()
    available = sf.available_formats()
    if fmt not in available:
        raise ParameterError(
            f"save(): unknown format {format!r}. Choose one of {', '.join(sorted(available))}."
        )
    if from_ext is not None and from_ext != fmt:
        raise ParameterError(
            f"save(): {target.name!r} has a {from_ext} extension but format={format!r} was "
            f"asked for. Change the extension or leave format out."
        )
    return fmt


def _resolve_subtype(fmt: str, subtype: str | None) -> str:
    if subtype is None:
        return DEFAULT_SUBTYPES.get(fmt) or sf.default_subtype(fmt)
    choice = str(subtype).upper()
    if not sf.check_format(fmt, choice):
        valid = ", ".join(sorted(sf.available_subtypes(fmt)))
        raise ParameterError(
            f"save(): subtype {subtype!r} is not available for {fmt} files. Valid choices: {valid}."
        )
    return choice


def _exists_message(target: Path) -> str:  # prose: ok (an error message)
    return (
        f"{target.name!r} already exists ({target}); not replacing it. "
        "Pass overwrite=True to replace it, or choose another name."
    )


def _check_destination(target: Path, overwrite: bool) -> None:
    folder = target.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"  # prose: ok
        raise AudioFileError(
            f"Cannot save {target.name!r}: the folder {folder} {what}. Create it first."
        )
    if target.is_dir():
        raise AudioFileError(
            f"Cannot save to {target}: it is a folder. Give a file name such as "
            f"{target / 'mixdown.wav'}."
        )
    if target.exists() and not overwrite:
        raise AudioFileError(_exists_message(target))


def _check_full_scale(samples: np.ndarray, subtype: str, label: str, clip: bool) -> str:
    """Refuse (or, with ``clip``, describe) samples a fixed-point subtype cannot hold."""
    if subtype in FLOAT_SUBTYPES:
        return ""
    magnitude = np.abs(samples)
    peak = float(magnitude.max())
    if peak <= 1.0:
        return ""
    over_db = _dbfs(peak)
    if not clip:
        raise AudioDataError(
            f"Cannot save {label!r} as {subtype}: the audio peaks at {over_db:+.2f} dBFS, "
            f"{over_db:.2f} dB over full scale, and {subtype} would clip it. Lower the gain "
            f"by at least {over_db:.2f} dB, save with subtype='FLOAT' to keep the headroom, "
            "or pass clip=True to clip on purpose."
        )
    n_over = int(np.count_nonzero(magnitude > 1.0))
    return (  # prose: ok (a warning)
        f"Clipped {n_over} sample(s) of {label!r} ({100.0 * n_over / samples.size:.3f}%) "
        f"to full scale; the peak was {over_db:+.2f} dBFS. You may hear it as distortion."
    )


def _make_temp_file(target: Path) -> Path:
    """Create an empty, unique file beside ``target`` (same folder, so rename is atomic)."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise AudioFileError(
                f"Cannot save {target.name!r}: cannot create a file in {target.parent} "
                f"({exc.strerror})."
            ) from None
        os.close(fd)
        return tmp
    raise AudioFileError(f"Cannot save {target.name!r}: no free temporary name.")


def _write_file(tmp: Path, samples: np.ndarray, sr: int, fmt: str, subtype: str) -> None:
    n_channels, n_frames = samples.shape
    with sf.SoundFile(tmp, "w", sr, n_channels, subtype, format=fmt) as f:
        for start in range(0, n_frames, _WRITE_BLOCK_FRAMES):
            block = samples[:, start : start + _WRITE_BLOCK_FRAMES].T
            f.write(_encode_block(block, subtype))
    with open(tmp, "rb+") as handle:  # make the bytes durable before the rename
        os.fsync(handle.fileno())


def _encode_block(block: np.ndarray, subtype: str) -> np.ndarray:
    """Convert a ``(frames, channels)`` float block to what soundfile should write."""
    if subtype in FLOAT_SUBTYPES:
        return np.ascontiguousarray(block)
    bits = PCM_BITS.get(subtype)
    if bits is None:  # companded or lossy: libsndfile encodes floats within full scale
        return np.clip(block.astype(np.float64), -1.0, 1.0)
    # Round to the nearest of 2**(bits-1) steps per unit, then place the code in the top
    # bits of an int32, which libsndfile shifts down exactly for every integer depth.
    scale = 2.0 ** (bits - 1)
    codes = np.rint(block.astype(np.float64) * scale)
    np.clip(codes, -scale, scale - 1.0, out=codes)
    codes *= 2.0 ** (32 - bits)
    return codes.astype(np.int32)
