"""Importing stems: a folder of audio files becomes the tracks of a session.

A producer's stems come as a folder of files (one per instrument, ``01 Kick.wav``,
``02 Bass.wav``...), sometimes at mixed sample rates and lengths, now and then with a
damaged one among them. :func:`import_stems` loads them all as one set of tracks at one
sample rate and one length, and says what it did in plain words::

    from studio.mixing import import_stems

    stems = import_stems("my_song/stems")
    stems               # a notebook shows the tracks, the notices and the problems
    stems.audio["Kick"] # an Audio, float32, mono or stereo as the file was

Decisions, so nothing here surprises you:

* **Which files.** From a folder: every WAV, FLAC, AIFF and OGG file directly in it (not
  in sub-folders), sorted by name with numbers in numeric order (``2 Bass`` before
  ``10 Keys``). Hidden files (names starting with a dot, such as the ``._Kick.wav``
  copies macOS leaves on USB drives) and files that are not audio are passed over
  silently; files in other audio formats (MP3, AAC...) are passed over with a notice.
  From a list: every file in it, in the order given, whatever its extension.
* **Track names** are the file names without their extension and without a leading
  track number (``01 Kick.wav``, ``01_Kick.wav`` and ``1. Kick.wav`` all give ``Kick``);
  a name that would come out empty keeps its number (``808.wav`` gives ``808``). Two
  files giving the same name (ignoring case) become ``Kick`` and ``Kick (2)``.
* **One sample rate.** ``sample_rate`` if you give it, otherwise the rate most stems
  have (on a tie, the highest). Stems at another rate are converted with soxr (see
  :func:`studio.dsp.resample.resample`), each with a notice naming it.
* **One length.** All stems start at 0 s; the shorter ones get silence at the end up to
  the longest. A notice lists the ones that were more than 10 ms shorter.
* **Bad stems do not stop the others.** An unreadable, empty, damaged or multichannel
  file (more than 2 channels), or one holding NaN or infinite samples, is reported by
  its file name with the reason, and everything else loads. Only when nothing loads is
  an :class:`~studio.AudioFileError` raised, listing every file and why. A stem that
  loads but is silent throughout (a muted track, exported) is kept, with a notice.
* **Source files are never changed**: they are opened for reading only.
* **Memory**: the stems themselves plus the one being loaded and converted.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from types import MappingProxyType

import numpy as np

from studio.analysis.findings import Finding, Findings
from studio.audio import Audio
from studio.dsp.resample import resample
from studio.errors import AudioDataError, AudioFileError, ParameterError, StudioWarning
from studio.io import FileInfo, info, load
from studio.text import t

__all__ = ["AUDIO_SUFFIXES", "PAD_NOTICE_S", "STEM_SUFFIXES", "StemImport", "import_stems"]

#: File extensions a folder import loads (WAV and its large-file variants, FLAC, AIFF, OGG).
STEM_SUFFIXES = frozenset(
    {".wav", ".wave", ".bwf", ".w64", ".rf64", ".flac", ".aif", ".aiff", ".aifc", ".ogg", ".oga"}
)
#: Other audio extensions: a folder import passes over them with a notice.
AUDIO_SUFFIXES = frozenset(
    {".mp3", ".mp2", ".m4a", ".aac", ".mp4", ".wma", ".opus", ".caf", ".ape", ".wv", ".mka"}
)
#: A stem shorter than the longest by more than this (seconds) is named in a notice.
PAD_NOTICE_S = 0.010

LESSON = "mixing.prepare"

Progress = Callable[[int, int, str], object]

_LEADING_NUMBER = re.compile(r"^\d+[\s._\-)\]]+")
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True, eq=False)
class StemImport:
    """Stems loaded as tracks: one sample rate, one length, and what was noticed.

    Attributes
    ----------
    audio : Mapping[str, Audio]
        Track name -> its audio (float32, mono or stereo, all the same length and rate),
        in the order of the files. Read-only; ``dict(stems.audio)`` gives a dict.
    paths : Mapping[str, pathlib.Path]
        Track name -> the file it came from (absolute).
    sample_rate : int
        The rate of every track, in Hz.
    notices : Findings
        What was done on the way (rates converted, silence added, files passed over,
        files that loaded with a warning), each naming its track or file.
    problems : Findings
        The files that were not loaded, each by name with the reason.
    """

    audio: Mapping[str, Audio]
    paths: Mapping[str, Path]
    sample_rate: int
    notices: Findings
    problems: Findings

    @property
    def names(self) -> tuple[str, ...]:
        """The track names, in order."""
        return tuple(self.audio)

    @property
    def layouts(self) -> dict[str, str]:
        """Track name -> ``"mono"`` or ``"stereo"``."""
        return {name: _layout(a) for name, a in self.audio.items()}

    @property
    def n_frames(self) -> int:
        """Length of every track, in frames."""
        return next(iter(self.audio.values())).n_frames

    @property
    def duration_s(self) -> float:
        """Length of every track, in seconds."""
        return self.n_frames / self.sample_rate

    def _summary(self) -> str:
        return t(
            "stems.summary.line",
            n_stems=len(self.audio),
            sr=self.sample_rate,
            duration_s=self.duration_s,
        )

    def _rows(self) -> list[tuple[str, str, str]]:
        return [
            (name, t(f"stems.summary.layouts.{_layout(a)}"), self.paths[name].name)
            for name, a in self.audio.items()
        ]

    def __str__(self) -> str:
        heads = (t("stems.summary.track"), t("stems.summary.layout"), t("stems.summary.file"))
        rows = [heads, *self._rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        lines = [self._summary()]
        lines += [f"  {a:<{widths[0]}}  {b:<{widths[1]}}  {c}".rstrip() for a, b, c in rows]
        for key, findings in (("problems", self.problems), ("notices", self.notices)):
            if findings:
                lines += ["", t(f"stems.summary.{key}", n=len(findings)), str(findings)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"StemImport({list(self.audio)!r}, sample_rate={self.sample_rate}, "
            f"notices={len(self.notices)}, problems={len(self.problems)})"
        )

    def _repr_html_(self) -> str:
        cell = 'style="text-align:left;padding:1px 14px 1px 0"'
        heads = (t("stems.summary.track"), t("stems.summary.layout"), t("stems.summary.file"))
        head = "".join(
            f'<th {cell}><span style="opacity:0.7">{escape(h)}</span></th>' for h in heads
        )
        body = "".join(
            "<tr>" + "".join(f"<td {cell}>{escape(v)}</td>" for v in row) + "</tr>"
            for row in self._rows()
        )
        parts = [
            f'<div style="font-weight:600;margin-bottom:4px">{escape(self._summary())}</div>',
            f'<table style="border-collapse:collapse;margin:0 0 10px 0">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
        ]
        for key, findings in (("problems", self.problems), ("notices", self.notices)):
            if findings:
                title = escape(t(f"stems.summary.{key}", n=len(findings)))
                parts.append(f'<div style="font-weight:600;margin:6px 0 4px 0">{title}</div>')
                parts.append(findings._repr_html_())
        return (
            '<div class="studio-stems" style="font-family:var(--jp-ui-font-family,'
            "system-ui,sans-serif);font-size:var(--jp-ui-font-size1,13px);line-height:1.45;"
            f'max-width:56em">{"".join(parts)}</div>'
        )


# ------------------------------------------------------------------------------ import


def import_stems(
    source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    sample_rate: int | None = None,
    progress: Progress | None = None,
) -> StemImport:
    """Load a folder (or a list) of stems as tracks at one sample rate and one length.

    Parameters
    ----------
    source : path or list of paths
        A folder: every WAV, FLAC, AIFF and OGG file directly in it, sorted by name.
        A list of files: each of them, in that order. (A single file works too.)
    sample_rate : int, optional
        The rate of the result, in Hz. By default the rate most stems have (on a tie,
        the highest), so as few stems as possible are converted.
    progress : callable, optional
        Called as ``progress(done, total, file_name)`` after each file, for a progress
        bar (``total`` grows once if a stem that failed to load changes which rate most
        stems have, and some are loaded again).

    Returns
    -------
    StemImport
        The tracks by name (``.audio``), their files (``.paths``), the rate, and what was
        noticed (``.notices``) or not loaded (``.problems``), in plain words. Shown in a
        notebook, it lists them.

    Raises
    ------
    AudioFileError
        The folder does not exist or holds no stems, the list is empty, or not a single
        file could be loaded (the message lists each file and why; the findings are on
        the exception as ``.problems``).
    ParameterError
        ``sample_rate`` is not a positive whole number of Hz.

    Examples
    --------
    >>> stems = import_stems("my_song/stems")  # doctest: +SKIP
    >>> stems.names  # doctest: +SKIP
    ('Kick', 'Snare', 'Bass', 'Keys', 'Voice')
    """
    target = None if sample_rate is None else _check_rate(sample_rate)
    files, notices = _files_of(source)
    heads = [_read_header(path) for path in files]  # headers only: cheap, decides the rate
    good_rates = [head.sr for head in heads if isinstance(head, FileInfo)]
    provisional = target or (_most_common(good_rates) if good_rates else 0)
    counter = _Tally(progress, len(files))
    stems: list[_Stem] = []
    problems: list[Finding] = []
    for path, head in zip(files, heads, strict=True):
        loaded = _load_stem(path, head, provisional) if isinstance(head, FileInfo) else head
        if isinstance(loaded, Finding):
            problems.append(loaded)
        else:
            stems.append(loaded)
        counter.tick(path.name)
    if not stems:
        raise _nothing_loaded(problems, files)
    rate = target or _most_common([stem.native_sr for stem in stems])
    if rate != provisional:  # a stem that failed to load changed which rate most stems have
        stems, lost = _convert_again(stems, provisional, rate, counter)
        problems += lost
        if not stems:
            raise _nothing_loaded(problems, files)
    return _assemble(stems, rate, notices, problems)


@dataclass
class _Stem:
    """One loaded stem on its way: its file, its own rate, samples at the session rate."""

    path: Path
    native_sr: int
    samples: np.ndarray
    notes: tuple[str, ...]


class _Tally:
    """Counts the files done and tells the progress callback."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def grow(self, n: int) -> None:
        self.total += n

    def tick(self, name: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total, name)


# ------------------------------------------------------------------------------- files


def _check_rate(value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
        or not float(value).is_integer()
        or value <= 0
    ):
        raise ParameterError(
            f"import_stems(): sample_rate must be a positive whole number of Hz such as "
            f"48000; got {value!r}."
        )
    return int(value)


def _files_of(
    source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> tuple[list[Path], list[Finding]]:
    """The files to load, in order, and a notice for each audio file passed over."""
    if isinstance(source, (str, os.PathLike)):
        where = Path(source).expanduser()
        if where.is_dir():
            return _folder_files(where)
        if not where.exists():
            raise AudioFileError(
                f"import_stems(): {where.name!r} does not exist (looked for "
                f"{where.absolute()}). Give a folder of stems or a list of files."
            )
        return [where.absolute()], []
    if isinstance(source, (bytes, bytearray)):
        raise ParameterError(
            "import_stems(): give a folder or a list of files as str or pathlib.Path, not bytes."
        )
    try:
        items = list(source)
    except TypeError:
        raise ParameterError(
            f"import_stems(): give a folder or a list of files; got {source!r}."
        ) from None
    files = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise ParameterError(
                f"import_stems(): every item of the list must be a file path; got {item!r}."
            )
        files.append(Path(item).expanduser().absolute())
    if not files:
        raise AudioFileError(
            "import_stems(): the list of files is empty; there is nothing to load."
        )
    return files, []


def _folder_files(folder: Path) -> tuple[list[Path], list[Finding]]:
    try:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".") and p.is_file()]
    except OSError as exc:
        raise AudioFileError(f"import_stems(): cannot list {folder}: {exc.strerror}.") from None
    entries.sort(key=lambda p: _natural_key(p.name))
    stems = [p.absolute() for p in entries if p.suffix.lower() in STEM_SUFFIXES]
    others = [p for p in entries if p.suffix.lower() in AUDIO_SUFFIXES]
    if not stems:
        found = (  # prose: ok (part of the error message below)
            f" It holds {len(others)} file(s) in other audio formats "
            f"({', '.join(p.name for p in others[:5])}{', ...' if len(others) > 5 else ''}): "
            "convert them to WAV, or pass them in a list to load them as they are."
            if others
            else ""
        )
        raise AudioFileError(
            f"import_stems(): no WAV, FLAC, AIFF or OGG files in {folder.absolute()}.{found}"
        )
    skipped = [_finding("skipped", (), file=p.name, severity="info") for p in others]
    return stems, skipped


def _natural_key(name: str) -> tuple[list[int | str], str]:
    """Sort key: case ignored, numbers by value ("2 Bass" before "10 Keys")."""
    parts = _DIGITS.split(unicodedata.normalize("NFC", name).casefold())
    return [int(p) if i % 2 else p for i, p in enumerate(parts)], name


# --------------------------------------------------------------------------- each file


def _read_header(path: Path) -> FileInfo | Finding:
    """The file's header, or the problem that keeps it out (without decoding the audio)."""
    file = path.name
    try:
        if not path.exists():
            return _finding("missing", (), file=file, path=str(path))
        if path.is_file() and path.stat().st_size == 0:
            return _finding("empty", (), file=file)
        with warnings.catch_warnings():  # load() below says the same, once
            warnings.simplefilter("ignore", StudioWarning)
            head = info(path)
    except (AudioFileError, OSError) as exc:
        return _finding("unreadable", (), file=file, reason=_reason(exc, file))
    if head.n_channels > 2:
        return _finding("too_many_channels", (), file=file, channels=head.n_channels)
    return head


def _load_stem(path: Path, head: FileInfo, sr: int) -> _Stem | Finding:
    """Load one file and convert it to ``sr``; its warnings become notes."""
    file = path.name
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StudioWarning)
        try:
            audio = load(path, dtype="float32")
        except AudioDataError as exc:
            return _finding("not_finite", (), file=file, reason=_reason(exc, file))
        except (AudioFileError, OSError) as exc:
            kind = "no_audio" if head.n_frames == 0 else "unreadable"
            return _finding(kind, (), file=file, reason=_reason(exc, file))
    notes = []
    for w in caught:
        if issubclass(w.category, StudioWarning):
            notes.append(_reason(w.message, file))
        else:  # not ours to judge: pass it on as it came
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if audio.n_channels > 2:  # the header said otherwise; believe the audio
        return _finding("too_many_channels", (), file=file, channels=audio.n_channels)
    native_sr = audio.sr
    samples = audio.samples if native_sr == sr else resample(audio.samples, native_sr, target_sr=sr)
    return _Stem(path, native_sr, samples, tuple(notes))


def _convert_again(
    stems: list[_Stem], old_sr: int, new_sr: int, counter: _Tally
) -> tuple[list[_Stem], list[Finding]]:
    """Bring stems converted to ``old_sr`` to ``new_sr``, one at a time.

    A stem recorded at ``old_sr`` still holds its own samples and is converted here; any
    other is loaded again, so that it is converted once, from its file. ``stems`` is
    emptied on the way, so each stem's old samples go as soon as it is done.
    """
    counter.grow(sum(stem.native_sr != old_sr for stem in stems))
    kept: list[_Stem] = []
    lost: list[Finding] = []
    stems.reverse()
    while stems:
        stem = stems.pop()
        if stem.native_sr == old_sr:
            stem.samples = resample(stem.samples, old_sr, target_sr=new_sr)
            kept.append(stem)
            continue
        path = stem.path
        del stem  # its samples at the wrong rate go before the file is read again
        head = _read_header(path)
        again = _load_stem(path, head, new_sr) if isinstance(head, FileInfo) else head
        if isinstance(again, Finding):
            lost.append(again)
        else:
            kept.append(again)
        counter.tick(path.name)
    return kept, lost


def _most_common(rates: list[int]) -> int:
    counts = Counter(rates)
    return max(counts, key=lambda sr: (counts[sr], sr))


def _reason(message: object, file: str) -> str:
    """An error or warning text without the file name it starts with."""
    text = str(message).strip()
    for prefix in (repr(file), file):
        if text.startswith(prefix + " "):
            return text[len(prefix) + 1 :]
        if text.startswith(prefix + ": "):
            return text[len(prefix) + 2 :]
    return text


def _finding(kind: str, tracks: tuple[str, ...], *, severity: str = "problem", **fields) -> Finding:
    return Finding(
        kind=f"stem_{kind}",
        key=f"stems.{kind}",
        fields=fields,
        tracks=tracks,
        lesson=LESSON,
        severity=severity,
    )


def _nothing_loaded(  # prose: ok (builds an error message)
    problems: list[Finding], files: list[Path]
) -> AudioFileError:
    lines = "\n".join(f"  - {p.what}" for p in problems)
    error = AudioFileError(
        f"import_stems(): none of the {len(files)} file(s) could be loaded:\n{lines}"
    )
    error.problems = Findings(problems)  # type: ignore[attr-defined]
    return error


# ----------------------------------------------------------------------------- assemble


def _assemble(
    stems: list[_Stem], sr: int, notices: list[Finding], problems: list[Finding]
) -> StemImport:
    """Name the stems, pad them to one length (one at a time) and say what was done."""
    names = _unique_names([_track_name(stem.path.stem) for stem in stems])
    lengths = [stem.samples.shape[1] for stem in stems]
    longest = max(lengths)
    longest_name = names[lengths.index(longest)]
    converted: list[Finding] = []
    silent: list[Finding] = []
    notes: list[Finding] = []
    padded: list[tuple[str, float]] = []
    audio: dict[str, Audio] = {}
    for name, stem in zip(names, stems, strict=True):
        file = stem.path.name
        if stem.native_sr != sr:
            fields = {"name": name, "file": file, "from_hz": stem.native_sr, "to_hz": sr}
            converted.append(_finding("resampled", (name,), severity="info", **fields))
        if not stem.samples.any():
            fields = {"name": name, "file": file}
            silent.append(_finding("silent", (name,), severity="warning", **fields))
        for detail in stem.notes:
            fields = {"name": name, "file": file, "detail": detail}
            notes.append(_finding("file_note", (name,), severity="warning", **fields))
        short = longest - stem.samples.shape[1]
        if short:
            samples = np.zeros((stem.samples.shape[0], longest), dtype=np.float32)
            samples[:, : stem.samples.shape[1]] = stem.samples
            stem.samples = samples  # the shorter copy goes now, not after the loop
        if short / sr > PAD_NOTICE_S:
            padded.append((name, short / sr))
        audio[name] = Audio(stem.samples, sr, name)
    if padded:
        fields = {
            "longest": longest_name,
            "longest_s": longest / sr,
            "items": ", ".join(t("stems.padded.item", name=n, pad_s=s) for n, s in padded),
        }
        converted.append(_finding("padded", tuple(n for n, _ in padded), severity="info", **fields))
    return StemImport(
        audio=MappingProxyType(audio),
        paths=MappingProxyType({n: s.path for n, s in zip(names, stems, strict=True)}),
        sample_rate=sr,
        notices=Findings([*converted, *silent, *notes, *notices]),
        problems=Findings(problems),
    )


# -------------------------------------------------------------------------------- names


def _track_name(stem: str) -> str:
    """A file name without extension -> a track name: no leading track number, tidy spaces.

    ``"01 Kick"``, ``"01_Kick"``, ``"1. Kick"``, ``"01 - Kick"`` -> ``"Kick"``; ``"808"``
    stays ``"808"`` (nothing would be left).
    """
    name = " ".join(unicodedata.normalize("NFC", stem).split())
    rest = _LEADING_NUMBER.sub("", name, count=1).strip()
    return rest or name or "track"


def _unique_names(names: list[str]) -> list[str]:
    """Make names unique ignoring case: the second ``Kick`` becomes ``Kick (2)``."""
    taken: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{name} ({n})"
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def _layout(audio: Audio) -> str:
    return "mono" if audio.n_channels == 1 else "stereo"
