"""A session with its audio: edit it (with undo), render it, save it, open it again.

:class:`~studio.mixing.session.Session` is the frozen model of every setting; a
:class:`Project` holds the session of the moment together with the stems' audio, the
history of edits (undo and redo), a cache of renders for quick previews, and where it
was saved. One readable JSON file keeps everything but the audio: every setting, clip
and automation lane, and the stems' files by a path relative to it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.dsp.resample import resample
from studio.errors import AudioFileError, ParameterError
from studio.io import load, save
from studio.mixing.render import (
    Progress,
    RenderCache,
    render,
    session_length_s,
    tail_s,
    track_input,
)
from studio.mixing.session import Clip, Session, Stem, Track
from studio.params import Path as ParamPath
from studio.params import format_path
from studio.text import t

__all__ = ["FILE_FORMAT", "TRACK_COLOURS", "Change", "Project", "conform_stems"]

#: Colours given to new tracks in turn: distinct, readable on white and dark.
TRACK_COLOURS = (
    "#c0392b",
    "#e67e22",
    "#f1c40f",
    "#27ae60",
    "#16a085",
    "#2980b9",
    "#8e44ad",
    "#d35400",
    "#7f8c8d",
    "#2c3e50",
)

#: What the first key of a saved session says (and its version, for later changes).
FILE_FORMAT = "studio.session/1"

#: One edit: the path of a setting and its new value.
Change = tuple[ParamPath, Any]


class Project:
    """The session being mixed, its stems' audio, its history and its file.

    Parameters
    ----------
    session : Session
        Every setting of the mix.
    sources : dict of str -> Audio
        The audio of every stem the session names, at the session's rate.
    path : str or os.PathLike, optional
        The session file it was loaded from or saved to.

    Examples
    --------
    >>> import numpy as np
    >>> from studio.mixing.session import Clip, Stem, Track
    >>> voice = Audio(np.zeros((1, 480), dtype=np.float32), 48000, "voice")
    >>> p = Project(Session(stems=[Stem(name="voice")],
    ...             tracks=[Track(name="voice", clips=[Clip(source="voice")])]),
    ...             {"voice": voice})
    >>> p.set(("tracks", "voice", "strip", "fader", "gain_db"), -3.0)
    >>> p.undo()
    'tracks.voice.strip.fader.gain_db'
    >>> p.session.track("voice").strip.fader.gain_db
    0.0
    """

    def __init__(
        self,
        session: Session,
        sources: Mapping[str, Audio],
        *,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        if not isinstance(session, Session):
            raise ParameterError(f"Project: expected a Session; got {type(session).__name__}.")
        missing = [s.name for s in session.stems if s.name not in sources]
        if missing:
            raise AudioFileError(
                f"Project: no audio for stem {', '.join(map(repr, missing))}; give every "
                "stem the session names."
            )
        for stem_name, audio in sources.items():
            if not isinstance(audio, Audio):
                raise ParameterError(
                    f"Project: the audio of stem {stem_name!r} must be a studio.Audio; got "
                    f"{type(audio).__name__}."
                )
            if audio.sr != session.sr:
                raise ParameterError(
                    f"Project: stem {stem_name!r} is at {audio.sr} Hz, the session at "
                    f"{session.sr} Hz; import stems with studio.mixing.import_stems, which "
                    "converts the rate."
                )
        self._session = session
        self._sources = dict(sources)
        self._undo: list[tuple[Session, str]] = []
        self._redo: list[tuple[Session, str]] = []
        self._listeners: list[Callable[[Session], None]] = []
        self._joinable: str | None = None  # the setting a joined slider drag is moving
        self._balance_from: dict[Any, Any] = {}  # the faders before a suggestion applied
        self._balance_for: Any = None  # ...and which suggestion that was
        self.path = Path(path) if path is not None else None
        self.cache = RenderCache()

    @classmethod
    def from_audio(
        cls,
        stems: Mapping[str, Audio],
        *,
        paths: Mapping[str, str | os.PathLike[str]] | None = None,
        name: str = "session",
    ) -> Project:
        """A new session with one track per stem, faders at 0 dB, everything centred.

        Each track gets its stem's name, a colour of its own, and is mono or stereo as
        its stem is. ``paths`` records where each stem's file is (for saving).
        """
        if not stems:
            raise AudioFileError("Project.from_audio: there are no stems to make tracks of.")
        rates = {a.sr for a in stems.values()}
        if len(rates) != 1:
            raise ParameterError(
                f"Project.from_audio: the stems have different rates {sorted(rates)}; import "
                "them with studio.mixing.import_stems, which converts them to one."
            )
        paths = dict(paths or {})
        session = Session(
            name=name,
            sample_rate=float(rates.pop()),
            stems=tuple(Stem(name=n, path=str(paths[n]) if n in paths else None) for n in stems),
            tracks=tuple(
                Track(
                    name=n,
                    colour=TRACK_COLOURS[i % len(TRACK_COLOURS)],
                    layout="stereo" if a.n_channels == 2 else "mono",
                    clips=(Clip(source=n),),
                )
                for i, (n, a) in enumerate(stems.items())
            ),
        )
        return cls(session, stems)

    @classmethod
    def from_stems(cls, stems: Any, *, name: str | None = None) -> Project:
        """A new session from imported stems (:func:`~studio.mixing.stems.import_stems`).

        ``stems`` is what ``import_stems`` returned, or a folder or list of files to
        import now. One track per stem, in the import's order; the stems' files are
        recorded, so saving the session points at them (nothing is copied).
        """
        from studio.mixing.stems import StemImport, import_stems

        imported = stems if isinstance(stems, StemImport) else import_stems(stems)
        if name is None:
            folders = {Path(p).parent.name for p in imported.paths.values()}
            name = folders.pop() if len(folders) == 1 else "session"
        return cls.from_audio(imported.audio, paths=imported.paths, name=name)

    # -- the model ----------------------------------------------------------------------

    @property
    def session(self) -> Session:
        """The session as it is now (frozen: edits make a new one)."""
        return self._session

    @property
    def sources(self) -> Mapping[str, Audio]:
        """The stems' audio by stem name (read-only view)."""
        return dict(self._sources)

    def get(self, path: ParamPath) -> Any:
        """The value at ``path`` in the session."""
        return self._session.get(path)

    def set(self, path: ParamPath, value: Any, *, join: bool = False) -> None:
        """Change one setting (one undo step); a bad value raises and changes nothing.

        ``join=True`` folds the change into the previous step when that step moved the
        same setting the same way (a slider dragged through many values is one undo).
        """
        label = format_path(path)
        if join and self._joinable == label and self._undo:
            before = self._session
            session = before.replace(tuple(path), value)
            if session != before:
                self._redo.clear()
                self._commit(session)
            self._joinable = label
            return
        self.apply([(path, value)], label=label)
        self._joinable = label

    def apply(self, changes: Iterable[Change], *, label: str = "", join: bool = False) -> None:
        """Make several changes as one undo step (a suggestion applied, a carve).

        All or nothing: if any change is refused, the session stays as it was.
        ``join=True`` folds them into the previous step when that step had the same
        label (an amount slider dragged through many values is one undo).
        """
        session = self._session
        changes = list(changes)
        label = label or f"{len(changes)} changes"
        for path, value in changes:
            session = session.replace(tuple(path), value)
        if session is self._session or session == self._session:
            return
        if not (join and self._joinable == label and self._undo):
            self._undo.append((self._session, label))
        self._redo.clear()
        self._joinable = label if join else None
        self._commit(session)

    def end_join(self) -> None:
        """End a joined edit: the next move of the same setting is an undo step of its own.

        A view calls it when a drag is over (its preview rendered), so two separate drags
        of one fader are two undo steps.
        """
        self._joinable = None

    def track_audio(
        self, name: str, *, start_s: float = 0.0, duration_s: float | None = None
    ) -> Audio:
        """What track ``name`` plays before its strip (its clips placed on the timeline).

        The whole song, or the region of ``duration_s`` from ``start_s``.
        """
        track = self._session.track(name)
        sr = self._session.sr
        start = round(max(0.0, start_s) * sr)
        if duration_s is None:
            end = round(session_length_s(self._session, self._sources) * sr)
        else:
            end = start + round(duration_s * sr)
        samples = track_input(track, self._sources, sr, start, max(1, end - start))
        return Audio(samples, sr, name)

    def suggest_balance(self, **options: Any) -> Any:
        """A starting balance for this session's tracks (see :func:`suggest_balance`).

        Measured on what each track plays (its clips), so names are the tracks'.
        """
        from studio.mixing.balance import suggest_balance

        audio = {tr.name: self.track_audio(tr.name) for tr in self._session.tracks}
        return suggest_balance(audio, **options)

    def track_sound(
        self, name: str, *, start_s: float = 0.0, duration_s: float | None = None
    ) -> Audio:
        """What track ``name`` sounds like through its strip, before its fader and pan."""
        audio = self.track_audio(name, start_s=start_s, duration_s=duration_s)
        strip = self._session.track(name).strip.shifted(-start_s)
        return Audio(strip.pre_fader(audio.samples, audio.sr), audio.sr, name)

    def masking_map(
        self, *, start_s: float = 0.0, duration_s: float | None = None, **options: Any
    ) -> Any:
        """Which tracks collide in which bands and when (see :func:`masking_map`).

        Measured on each track through its channel strip (so a carve already made shows)
        at its fader's level (a fader that moves counts at its average), over the whole
        song or the region from ``start_s`` (times in the map then count from there).
        """
        from studio.analysis.masking_map import masking_map

        stems = {
            tr.name: self.track_sound(tr.name, start_s=start_s, duration_s=duration_s)
            for tr in self._session.tracks
        }
        gains = {}
        for tr in self._session.tracks:
            gain = tr.strip.fader.gain_db
            gains[tr.name] = float(np.mean(gain.values)) if isinstance(gain, Envelope) else gain
        return masking_map(stems, gains_db=gains, **options)

    def apply_carve(self, carve: Any) -> str:
        """Put a suggested carve into its track's EQ (one undo step); returns its label."""
        eq = self._session.get(carve.eq_path)
        label = t("project.carve", track=carve.track, freq_hz=carve.band.freq_hz)
        changes = carve.changes(eq=eq)
        if changes:
            self.apply(changes, label=label)
        return label

    def apply_balance(
        self, suggestion: Any, amount_pct: float = 100.0, *, join: bool = False
    ) -> None:
        """Set the faders and pans ``amount_pct`` of the way to a suggestion (one undo step).

        The way is measured from where the faders were when this suggestion was first
        applied, so moving the amount back and forth never drifts, whatever else was
        changed in between (0 % puts them back).
        """
        label = t("project.balance")
        if self._balance_for is not suggestion:  # a new suggestion starts from here
            self._balance_for = suggestion
            self._balance_from = {p: self._session.get(p) for p in suggestion.paths()}
        changes = suggestion.changes(amount_pct, current=self._balance_from)
        self.apply(changes, label=label, join=join)

    def replace_session(self, session: Session, *, label: str = "session") -> None:
        """Swap in a whole new session (one undo step), e.g. a track added or removed."""
        if not isinstance(session, Session):
            raise ParameterError(f"Project: expected a Session; got {type(session).__name__}.")
        missing = [s.name for s in session.stems if s.name not in self._sources]
        if missing:
            raise AudioFileError(f"Project: no audio for stem {', '.join(map(repr, missing))}.")
        self._undo.append((self._session, label))
        self._redo.clear()
        self._joinable = None
        self._commit(session)

    def undo(self) -> str | None:
        """Take back the last edit; returns what it was (None when there is none)."""
        return self._step(self._undo, self._redo)

    def redo(self) -> str | None:
        """Make the last undone edit again; returns what it was (None when there is none)."""
        return self._step(self._redo, self._undo)

    def _step(
        self, back: list[tuple[Session, str]], forth: list[tuple[Session, str]]
    ) -> str | None:
        """Go to the session on top of ``back``, keeping the present on ``forth``."""
        if not back:
            return None
        session, label = back.pop()
        self._joinable = None
        forth.append((self._session, label))
        self._commit(session)
        return label

    @property
    def history(self) -> tuple[str, ...]:
        """The edits that can be undone, oldest first."""
        return tuple(label for _, label in self._undo)

    def observe(self, listener: Callable[[Session], None]) -> None:
        """Call ``listener(session)`` after every change (views refresh themselves)."""
        self._listeners.append(listener)

    def unobserve(self, listener: Callable[[Session], None]) -> None:
        """Stop calling ``listener``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _commit(self, session: Session) -> None:
        self._session = session
        for listener in list(self._listeners):
            listener(session)

    # -- sound --------------------------------------------------------------------------

    def mixdown(
        self,
        *,
        start_s: float = 0.0,
        duration_s: float | None = None,
        progress: Progress | None = None,
    ) -> Audio:
        """The stereo mix: the whole song with its tails, or a region (a preview).

        A region reuses every track and bus whose settings did not change since the last
        render, so moving one control re-renders only that part.
        """
        return render(
            self._session,
            self._sources,
            start_s=start_s,
            duration_s=duration_s,
            cache=self.cache if duration_s is not None else None,
            progress=progress,
        )

    # -- files --------------------------------------------------------------------------

    def to_data(self, folder: Path | None = None) -> dict[str, Any]:
        """The session as plain data, stem paths relative to ``folder`` where possible."""
        data = self._session.to_dict()
        if folder is not None:
            for stem in data["stems"]:
                if stem.get("path"):
                    stem["path"] = _relative(Path(stem["path"]), folder)
        return {"format": FILE_FORMAT, "session": data}

    def save(self, path: str | os.PathLike[str] | None = None, *, overwrite: bool = False) -> Path:
        """Write the session to a JSON file (atomically) and return its path.

        Stems that have no file yet (audio made in code, such as the demo's) are written
        first, as 32-bit float WAV files in a folder beside the session file named after
        it, so the saved session opens again anywhere with its audio. An existing
        session file is replaced only with ``overwrite=True`` (or when saving again to
        the file this project came from).
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ParameterError("Project.save: give a file name, e.g. 'my_mix.session.json'.")
        target = target.expanduser()
        if not target.parent.is_dir():
            raise AudioFileError(f"Project.save: the folder '{target.parent}' does not exist.")
        same_file = self.path is not None and target.resolve() == self.path.resolve()
        if target.exists() and not (overwrite or same_file):
            raise AudioFileError(
                f"Project.save: '{target}' already exists; pass overwrite=True to replace it."
            )
        session = self._with_stem_files(target)
        data = Project(session, self._sources).to_data(target.parent.resolve())
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, 0o666 & ~_umask())  # as any new file (mkstemp makes it private)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._session = session
        self.path = target
        return target

    def _with_stem_files(self, target: Path) -> Session:
        """The session with every stem pointing at a file, writing those that have none.

        A stem's file is written once: a file already there is used again only when it
        holds exactly this stem's audio; otherwise the stem gets a new name beside it
        (``voice (2).wav``), so no saved session ever points at another's audio.
        """
        folder = target.parent / f"{target.name.split('.')[0]} stems"
        stems = []
        taken: set[str] = set()  # file names used in this save, case folded
        for stem in self._session.stems:
            if stem.path and Path(stem.path).is_file():
                stems.append(stem)
                continue
            folder.mkdir(exist_ok=True)
            audio = self._sources[stem.name]
            base = _safe_file_name(stem.name)
            for number in range(1, 10_000):
                name = f"{base}.wav" if number == 1 else f"{base} ({number}).wav"
                file = folder / name
                if name.casefold() in taken:
                    continue
                if not file.exists():
                    save(audio, file, subtype="FLOAT")
                    break
                if _holds(file, audio):
                    break
            taken.add(file.name.casefold())
            stems.append(stem.replace(path=str(file.resolve())))
        frames = {n: float(a.samples.shape[-1]) for n, a in self._sources.items()}
        stems = [s.replace(frames=frames[s.name]) for s in stems]
        return self._session.replace(stems=tuple(stems))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Project:
        """Open a saved session with its stems.

        Stems are found by their path relative to the session file (so a folder moved as
        a whole still opens). A stem that is missing or unreadable is named in the error,
        with where it was looked for; nothing is changed on disk.
        """
        file = Path(path).expanduser()
        if not file.is_file():
            raise AudioFileError(f"Project.load: '{file}' does not exist or is not a file.")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AudioFileError(
                f"Project.load: '{file}' is not a saved session (it is not valid JSON: {exc})."
            ) from None
        if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
            raise AudioFileError(
                f"Project.load: '{file}' is not a saved studio session (its format is "
                f"{data.get('format') if isinstance(data, dict) else None!r}, expected "
                f"{FILE_FORMAT!r})."
            )
        if not isinstance(data.get("session"), dict):
            raise AudioFileError(f"Project.load: '{file}' holds no session (it has no settings).")
        session = Session.from_dict(data["session"])
        folder = file.parent.resolve()
        sources: dict[str, Audio] = {}
        problems: list[str] = []
        stems = []
        for stem in session.stems:
            where = _resolve(stem, folder)
            stems.append(stem.replace(path=str(where)) if where is not None else stem)
            if where is None:
                problems.append(f"stem {stem.name!r} has no file recorded")  # prose: ok (error)
                continue
            try:
                sources[stem.name] = load(where, name=stem.name)
            except AudioFileError as exc:
                problems.append(f"stem {stem.name!r}: {exc}")
        if not problems:
            sources = _as_saved(sources, session)
        if problems:
            raise AudioFileError(
                f"Project.load: '{file}' opened, but some stems could not be found or read "
                "(move them back, or edit the paths in the file):\n  - " + "\n  - ".join(problems)
            )
        return cls(session.replace(stems=tuple(stems)), sources, path=file)

    def report(self, mix: Audio | None = None, *, subtype: str = "PCM_24") -> Any:
        """The ready-for-mastering report of the mix (rendered now unless given).

        Peaks, headroom, clipping, what sits on the master bus, resolution: see
        :func:`studio.mixing.report.ready_for_mastering`.
        """
        from studio.mixing.report import ready_for_mastering

        mix = self.mixdown() if mix is None else mix
        return ready_for_mastering(mix, master=self._session.master.strip, subtype=subtype)

    def export(
        self,
        path: str | os.PathLike[str],
        *,
        subtype: str = "PCM_24",
        overwrite: bool = False,
        progress: Progress | None = None,
    ) -> Path:
        """Render the whole mix and write it at full resolution (no dither, no limiter).

        ``subtype`` is ``"PCM_24"`` (24-bit) or ``"FLOAT"`` (32-bit float, which keeps
        any peak over full scale for the mastering engineer to deal with).
        """
        if subtype not in ("PCM_24", "FLOAT"):
            raise ParameterError(
                f"Project.export: a mixdown for mastering is 24-bit ('PCM_24') or 32-bit "
                f"float ('FLOAT'); got {subtype!r}."
            )
        target = Path(path).expanduser()
        if target.exists() and not overwrite:  # say so before a long render, not after
            raise AudioFileError(
                f"Project.export: '{target}' already exists; pass overwrite=True to replace it."
            )
        return save(self.mixdown(progress=progress), target, subtype=subtype, overwrite=overwrite)

    def export_stems(
        self,
        folder: str | os.PathLike[str],
        *,
        subtype: str = "FLOAT",
        overwrite: bool = False,
        progress: Progress | None = None,
    ) -> dict[str, Path]:
        """Write every track and bus rendered alone, all the length of the full mix.

        Each file is what you hear when you solo that track or bus (solo in place:
        effect returns stay open, the master bus as set), all as long as the song plus
        its longest effect tail, so they line up when imported elsewhere. Existing files
        are replaced only with ``overwrite=True`` (checked before anything is written).
        Returns the files by name.
        """
        out_dir = Path(folder).expanduser()
        if not out_dir.is_dir():
            raise AudioFileError(f"Project.export_stems: '{out_dir}' is not a folder.")
        names_out = [t.name for t in self._session.tracks] + [b.name for b in self._session.buses]
        clash = [n for n in names_out if (out_dir / f"{_safe_file_name(n)}.wav").exists()]
        if clash and not overwrite:
            raise AudioFileError(
                f"Project.export_stems: '{out_dir}' already holds files for "
                f"{', '.join(map(repr, clash))}; pass overwrite=True to replace them."
            )
        full_s = session_length_s(self._session, self._sources) + tail_s(self._session)
        frames = max(1, round(full_s * self._session.sr))
        sr = self._session.sr
        written: dict[str, Path] = {}
        names = [*(("tracks", t.name) for t in self._session.tracks)]
        names += [("buses", b.name) for b in self._session.buses]
        for i, (kind, name) in enumerate(names):
            alone = _alone(self._session, kind, name)
            audio = render(alone, self._sources, tail=False, duration_s=frames / sr)
            target = out_dir / f"{_safe_file_name(name)}.wav"
            written[name] = save(
                Audio(audio.samples, sr, name), target, subtype=subtype, overwrite=overwrite
            )
            if progress is not None:
                progress(i + 1, len(names), name)
        return written


def _as_saved(sources: Mapping[str, Audio], session: Session) -> dict[str, Audio]:
    """Loaded stems made as they were in the saved session: its rate, their lengths."""
    converted = conform_stems(sources, session.sr, pad=False)
    out = {}
    for stem in session.stems:
        audio = converted[stem.name]
        want = int(stem.frames) or audio.samples.shape[-1]
        have = audio.samples.shape[-1]
        if want != have:
            samples = (
                np.pad(audio.samples, ((0, 0), (0, want - have)))
                if want > have
                else audio.samples[:, :want]
            )
            audio = Audio(samples, audio.sr, audio.name)
        out[stem.name] = audio
    return out


def conform_stems(sources: Mapping[str, Audio], sr: int, *, pad: bool = True) -> dict[str, Audio]:
    """Stems made ready to mix: all at rate ``sr`` (converted), all as long as the longest.

    The same rule as importing stems (``pad=False``: the rate only).
    """
    converted = {
        name: a
        if a.sr == sr
        else Audio(resample(a.samples, a.sr, target_sr=sr).astype(np.float32), sr, a.name)
        for name, a in sources.items()
    }
    if not pad:
        return converted
    longest = max((a.samples.shape[-1] for a in converted.values()), default=0)
    out = {}
    for name, a in converted.items():
        short = longest - a.samples.shape[-1]
        samples = np.pad(a.samples, ((0, 0), (0, short))) if short else a.samples
        out[name] = Audio(samples, sr, a.name) if short else a
    return out


def _alone(session: Session, kind: str, name: str) -> Session:
    """The session with only ``name`` heard (solo in place; solo flags of others off)."""
    tracks = tuple(t.replace(solo=(kind == "tracks" and t.name == name)) for t in session.tracks)
    buses = tuple(b.replace(solo=(kind == "buses" and b.name == name)) for b in session.buses)
    return session.replace(tracks=tracks, buses=buses)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _holds(file: Path, audio: Audio) -> bool:
    """Whether ``file`` holds exactly ``audio`` (same rate, shape and samples)."""
    try:
        found = load(file)
    except AudioFileError:
        return False
    return found.sr == audio.sr and np.array_equal(found.samples, audio.samples)


def _relative(path: Path, folder: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), folder)
    except ValueError:  # another drive
        return str(path.resolve())


def _resolve(stem: Stem, folder: Path) -> Path | None:
    if not stem.path:
        return None
    path = Path(stem.path)
    return path if path.is_absolute() else (folder / path)


def _safe_file_name(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in " -_()" else "_" for c in name).strip()
    return keep or "stem"
