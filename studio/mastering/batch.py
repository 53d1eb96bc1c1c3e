"""Mastering many songs: a folder or an album, with one loudness for the whole album.

An album is heard as a whole: a quiet ballad after a loud single should stay quieter, as
the artist meant. Services that normalise albums (Spotify's album mode, Apple Music's
Sound Check on an album) measure the album's loudness and apply *one* gain to all its
songs. :func:`master_album` does the same while mastering:

1. **Measure** every song as it reaches the limiter (after the stages before it, if the
   recipe has any) and keep its gating blocks (400 ms every 100 ms, from
   :func:`studio.measure`'s momentary curve).
2. **One offset**: the album's integrated loudness is the BS.1770 gated loudness of all
   the songs' blocks together (so a long song counts for more than a short one, as its
   energy does); the offset brings that to the target.
3. **Master** every song with that same offset applied before its limiter, write it
   (:func:`studio.mastering.delivery.deliver`) and report on the file written
   (:class:`~studio.mastering.qc.QCReport`), plus a summary table of the album.

``loudness="song"`` gives each song its own offset instead (a folder of singles);
``loudness="none"`` leaves the level to the recipe (a chain that targets by itself).

*How to master* is a recipe: any picklable callable ``recipe(audio, gain_db) -> Audio``
that applies ``gain_db`` before its limiter (:class:`GainLimiter` is the simplest: a gain
into the true-peak :class:`~studio.processors.Limiter`, after optional stages), or any
:class:`~studio.processors.Processor` (the offset is then applied at its input). A
recipe with a ``pre`` attribute (the stages before the limiter) is measured after them.

Songs run in parallel: locally in a :class:`concurrent.futures.ProcessPoolExecutor`
(``workers``), or, given a Dask scheduler's address (``scheduler="tcp://host:8786"``),
on that Dask distributed cluster with the same per-song functions. Every worker must see
the songs' folder and the output folder at the same paths. A song that cannot be read or
holds NaN is reported by name; the others finish.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from studio.audio import Audio
from studio.errors import ParameterError
from studio.mastering.chain import MasteringChain
from studio.mastering.loudness import LoudnessTarget
from studio.mastering.qc import QCReport
from studio.mastering.targets import Target, target
from studio.mastering.targets import target as find_target
from studio.processors.base import Processor
from studio.processors.dynamics import Limiter
from studio.text import t

__all__ = [
    "AUDIO_EXTENSIONS",
    "AlbumResult",
    "GainLimiter",
    "SongResult",
    "album_loudness_lufs",
    "album_recipe",
    "master_album",
    "master_song",
    "measure_song",
]

#: File extensions a folder is searched for.
AUDIO_EXTENSIONS = (".wav", ".flac", ".aif", ".aiff", ".ogg")

LoudnessMode = Literal["album", "song", "none"]
Recipe = Callable[..., Audio]
_T = TypeVar("_T")
_R = TypeVar("_R")

_LOUDNESS_OFFSET_DB = -0.691  # BS.1770's offset, as in studio.dsp.loudness
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_BLOCK_STEP = 10  # 10 ms hops per 100 ms gating step


# ------------------------------------------------------------------------------ recipes


@dataclass(frozen=True)
class GainLimiter:
    """The simplest mastering recipe: optional stages, a gain, a true-peak limiter.

    Picklable (frozen processors), so it travels to worker processes and Dask workers.

    Attributes
    ----------
    limiter : Limiter
        The true-peak limiter at the end (its ``ceiling_dbtp`` holds the ceiling).
    pre : Processor or None
        Stages before the gain (EQ, compression...), measured for the album offset.
    """

    limiter: Limiter = field(default_factory=lambda: Limiter(ceiling_dbtp=-1.0))
    pre: Processor | None = None

    def __call__(self, audio: Audio, gain_db: float = 0.0) -> Audio:
        """Master ``audio``: the stages, ``gain_db``, then the limiter."""
        if self.pre is not None:
            audio = self.pre(audio)
        return self.limiter(_gain(audio, gain_db))


def album_recipe(chain: Any) -> GainLimiter:
    """The recipe that masters an album's songs with a :class:`MasteringChain`.

    The chain's modules before its loudness target run as the stages (they are what
    the album offset is measured after); the loudness target's own per-song gain gives
    way to the album's one offset, into a true-peak limiter at the target's ceiling.
    Modules after the loudness target (dither) are left to delivery, which dithers
    integer files itself.
    """
    if not isinstance(chain, MasteringChain):
        raise ParameterError(f"album_recipe() takes a MasteringChain, not {type(chain).__name__}.")
    names = chain.names()
    where = next(
        (i for i, m in enumerate(chain.modules) if isinstance(m.processor, LoudnessTarget)),
        len(names),
    )
    loud = chain.modules[where].processor if where < len(names) else None
    ceiling = float(loud.ceiling_dbtp) if isinstance(loud, LoudnessTarget) else -1.0
    before = chain
    for name in names[where:]:
        before = before.without(name)
    return GainLimiter(Limiter(ceiling_dbtp=ceiling), pre=before if len(before) else None)


def _gain(audio: Audio, gain_db: float) -> Audio:
    if gain_db == 0.0:
        return audio
    scale = 10.0 ** (gain_db / 20.0)
    return audio.with_samples(audio.samples * audio.samples.dtype.type(scale))


def _apply(recipe: Any, audio: Audio, gain_db: float) -> Audio:
    """Run a recipe: ``recipe(audio, gain_db)``, or a processor after the gain."""
    if isinstance(recipe, Processor):
        return recipe(_gain(audio, gain_db))
    out = recipe(audio, gain_db)
    if not isinstance(out, Audio):
        raise ParameterError(
            f"the mastering recipe returned {type(out).__name__}, not a studio.Audio."
        )
    return out


def _before_limiter(recipe: Any, audio: Audio) -> Audio:
    """What the recipe's limiter would see at 0 dB offset (the stages before it)."""
    pre = getattr(recipe, "pre", None)
    if pre is None or isinstance(recipe, Processor):
        return audio
    out = pre(audio)
    return out if isinstance(out, Audio) else audio


# -------------------------------------------------------------------------- per song


@dataclass(frozen=True)
class SongLoudness:
    """One song measured as it reaches the limiter: its gating blocks and loudness."""

    path: str
    integrated_lufs: float
    block_lufs: np.ndarray
    error: str | None = None


@dataclass(frozen=True)
class SongJob:
    """Everything a worker needs to master one song (picklable)."""

    path: str
    out_path: str
    recipe: Any
    gain_db: float
    target_key: str
    bit_depth: str
    sample_rate: int | None
    overwrite: bool
    write_json: bool


@dataclass(frozen=True, eq=False)
class SongResult:
    """One song of a batch: where it went, the offset it got, its report, or its error.

    Attributes
    ----------
    path : str
        The song read.
    out_path : str or None
        The master written (None if the song failed).
    gain_db : float
        The loudness offset applied before its limiter.
    input_lufs : float
        Its loudness as it reached the limiter (before the offset).
    report : QCReport or None
        The report of the master as written.
    error : str or None
        Why the song failed (None when it did not).
    """

    path: str
    out_path: str | None
    gain_db: float
    input_lufs: float
    report: QCReport | None = None
    error: str | None = None

    @property
    def name(self) -> str:
        """The song's file name."""
        return Path(self.path).name

    @property
    def ok(self) -> bool:
        """Mastered, and its report has no problem."""
        return self.error is None and self.report is not None and self.report.ok

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the report in full)."""
        return {
            "name": self.name,
            "path": self.path,
            "out_path": self.out_path,
            "gain_db": _finite(self.gain_db),
            "input_lufs": _finite(self.input_lufs),
            "error": self.error,
            "report": None if self.report is None else self.report.to_dict(),
        }


def measure_song(path: str | Path, recipe: Any = None) -> SongLoudness:
    """Load one song and measure it as the recipe's limiter would see it (pass 1).

    Never raises for a bad song: the error is returned, naming the file.
    """
    from studio.dsp.loudness import momentary_loudness
    from studio.io import load

    name = str(path)
    try:
        audio = load(path, dtype="float32")
        heard = _before_limiter(recipe, audio)
        # the gating blocks only (one K-filter pass; no true peak or range, unused here)
        series = momentary_loudness(heard.samples, heard.sr, what=name)
        blocks = np.asarray(series.lufs[::_BLOCK_STEP], dtype=np.float64)
        return SongLoudness(name, album_loudness_lufs([blocks]), blocks)
    except Exception as exc:  # a bad song is reported, the album goes on
        return SongLoudness(name, math.nan, np.zeros(0), _describe(exc))


def master_song(job: SongJob) -> SongResult:
    """Load, master (offset before the limiter), deliver and report one song (pass 2).

    Never raises for a bad song: the error is returned, naming the file.
    """
    from studio.io import load
    from studio.mastering.delivery import deliver

    input_lufs = math.nan
    try:
        audio = load(job.path, dtype="float32")
        mastered = _apply(job.recipe, audio, job.gain_db)
        delivery = deliver(
            mastered,
            job.out_path,
            target=job.target_key,
            sample_rate=job.sample_rate,
            bit_depth=job.bit_depth,
            overwrite=job.overwrite,
        )
        report = delivery.report
        if job.write_json:
            report.to_json(Path(job.out_path).with_suffix(".qc.json"))
        return SongResult(job.path, str(delivery.path), job.gain_db, input_lufs, report)
    except Exception as exc:  # a bad song is reported, the album goes on
        return SongResult(job.path, None, job.gain_db, input_lufs, None, _describe(exc))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# ------------------------------------------------------------------------ album maths


def album_loudness_lufs(blocks: Iterable[np.ndarray]) -> float:
    """Integrated loudness of songs played one after another, from their gating blocks.

    BS.1770 gating over every song's 400 ms blocks together (absolute gate -70 LUFS,
    then relative gate 10 LU under the mean of what passed). For one song this is its
    integrated loudness.

    Parameters
    ----------
    blocks : iterable of numpy.ndarray
        Each song's block loudness (LUFS) every 100 ms.

    Returns
    -------
    float
        LUFS; ``-inf`` when no block passes the gates.
    """
    parts = [np.asarray(b, dtype=np.float64) for b in blocks]
    lufs = np.concatenate(parts) if parts else np.zeros(0)
    lufs = lufs[np.isfinite(lufs) & (lufs > _ABSOLUTE_GATE_LUFS)]
    if not lufs.size:
        return -math.inf
    power = 10.0 ** ((lufs - _LOUDNESS_OFFSET_DB) / 10.0)
    threshold = _LOUDNESS_OFFSET_DB + 10.0 * math.log10(float(np.mean(power)))
    kept = power[lufs > threshold + _RELATIVE_GATE_LU]
    return _LOUDNESS_OFFSET_DB + 10.0 * math.log10(float(np.mean(kept)))


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class AlbumResult:
    """A batch's outcome: every song's result, the album's loudness and its offset.

    Attributes
    ----------
    target_key : str
        The target.
    loudness : {"album", "song", "none"}
        How the level was set.
    songs : tuple of SongResult
        In the order the songs were given.
    offset_db : float
        The album's one offset (``nan`` unless ``loudness="album"``).
    album_lufs_before : float
        The album's loudness as it reached the limiter.
    album_lufs_after : float
        The album's loudness as delivered (the songs that finished).
    """

    target_key: str
    loudness: str
    songs: tuple[SongResult, ...]
    offset_db: float
    album_lufs_before: float
    album_lufs_after: float

    @property
    def failed(self) -> tuple[SongResult, ...]:
        """The songs that could not be mastered."""
        return tuple(s for s in self.songs if s.error is not None)

    @property
    def reports(self) -> dict[str, QCReport]:
        """Each finished song's report, by file name."""
        return {s.name: s.report for s in self.songs if s.report is not None}

    @property
    def album_met(self) -> bool:
        """The album as delivered lands within the target's tolerance."""
        tgt = target(self.target_key)
        return abs(self.album_lufs_after - tgt.integrated_lufs) <= tgt.tolerance_lu + 1e-9

    def _rows(self) -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = []
        for s in self.songs:
            if s.report is None:
                rows.append((s.name, "", "", "", "", t("batch.status.failed")))
                continue
            r = s.report
            status = (
                t("batch.status.ok") if r.ceiling_ok and not r.overs else t("batch.status.check")
            )
            rows.append(
                (
                    s.name,
                    _num(s.gain_db, sign=True),
                    _num(r.integrated_lufs),
                    _num(r.true_peak_dbtp, 2),
                    _num(r.lra_lu),
                    status,
                )
            )
        return rows

    def table(self) -> str:
        """The summary as text: one line per song, then the album and the failures."""
        head = tuple(
            t(f"batch.columns.{c}") for c in ("song", "gain", "lufs", "tp", "lra", "status")
        )
        rows = [head, *self._rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        tgt = target(self.target_key)
        lines = [
            t(
                "batch.heading",
                n=len(self.songs),
                target=tgt.name,
                mode=t(f"batch.mode.{self.loudness}"),
            ),
            "",
        ]
        for r in rows:
            cells = [f"{r[0]:<{widths[0]}}"] + [f"{r[i]:>{widths[i]}}" for i in range(1, 5)]
            lines.append("  " + "  ".join(cells) + f"  {r[5]}")
        lines.append("")
        lines.append(
            t(
                "batch.album",
                before=self.album_lufs_before,
                after=self.album_lufs_after,
                target_lufs=tgt.integrated_lufs,
                verdict=t("batch.met" if self.album_met else "batch.missed"),
            )
        )
        if self.loudness == "album":
            lines.append(t("batch.offset", offset_db=self.offset_db))
        for s in self.failed:
            lines.append(t("batch.failed", name=s.name, error=s.error or ""))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return (
            f"AlbumResult({len(self.songs)} songs, target={self.target_key!r}, "
            f"offset_db={self.offset_db:.2f}, failed={len(self.failed)})"
        )

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.table())}</pre>"

    def to_dict(self, *, reports: bool = True) -> dict[str, Any]:
        """Plain JSON-ready data: the summary, each song (with its report if ``reports``)."""
        songs = []
        for s in self.songs:
            d = s.to_dict()
            if not reports:
                d.pop("report")
                if s.report is not None:
                    d.update(
                        integrated_lufs=_finite(s.report.integrated_lufs),
                        true_peak_dbtp=_finite(s.report.true_peak_dbtp),
                        lra_lu=_finite(s.report.lra_lu),
                        target_met=s.report.target_met,
                    )
            songs.append(d)
        return {
            "target": self.target_key,
            "loudness": self.loudness,
            "offset_db": _finite(self.offset_db),
            "album_lufs_before": _finite(self.album_lufs_before),
            "album_lufs_after": _finite(self.album_lufs_after),
            "album_met": self.album_met,
            "failed": [s.name for s in self.failed],
            "songs": songs,
        }

    def to_json(self, path: str | Path | None = None, *, reports: bool = False) -> str:
        """The summary as JSON (each song's full report too with ``reports=True``)."""
        text = json.dumps(self.to_dict(reports=reports), indent=1, allow_nan=False)
        if path is not None:
            Path(path).expanduser().write_text(text + "\n", encoding="utf-8")
        return text


# ------------------------------------------------------------------------------ runner


def _songs(songs: str | Path | Sequence[str | Path]) -> list[Path]:
    if isinstance(songs, str | Path):
        folder = Path(songs).expanduser()
        if not folder.is_dir():
            raise ParameterError(f"master_album(): {folder} is not a folder of songs.")
        found = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file()
        )
        if not found:
            raise ParameterError(
                f"master_album(): no audio files ({', '.join(AUDIO_EXTENSIONS)}) in {folder}."
            )
        return found
    paths = [Path(p).expanduser() for p in songs]
    if not paths:
        raise ParameterError("master_album(): give a folder or at least one song.")
    return paths


class _Runner:
    """Runs a per-song function over songs: here, in a process pool or on a Dask cluster.

    One pool (or one Dask client) serves both passes, so worker processes start (and
    import the studio) once per batch.
    """

    def __init__(self, workers: int, scheduler: str | None) -> None:
        self.workers = workers
        self.scheduler = scheduler
        self._pool: Any = None
        self._client: Any = None

    def __enter__(self) -> _Runner:
        if self.scheduler is not None:
            from distributed import Client

            self._client = Client(self.scheduler)
        elif self.workers > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("spawn")  # never fork a threaded process
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def map(
        self,
        fn: Callable[[_T], _R],
        items: Sequence[_T],
        progress: Callable[[int, int], None] | None,
    ) -> list[_R]:
        """``[fn(x) for x in items]``, in parallel, in the order given."""
        total = len(items)
        results: list[Any] = [None] * total
        pending: Iterable[Any]
        index: dict[Any, int]
        if self._client is not None:
            from distributed import as_completed

            futures = self._client.map(fn, list(items), pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            pending = as_completed(futures)
        elif self._pool is not None:
            from concurrent.futures import as_completed as completed

            index = {}
            for i, item in enumerate(items):
                index[self._pool.submit(fn, item)] = i
            pending = completed(index)
        else:
            for i, item in enumerate(items):
                results[i] = fn(item)
                if progress:
                    progress(i + 1, total)
            return results
        for done, future in enumerate(pending, start=1):
            key = future.key if self._client is not None else future
            results[index[key]] = future.result()
            if progress:
                progress(done, total)
        return results


def master_album(
    songs: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    recipe: Any = None,
    *,
    target: str | Target = "spotify",
    loudness: LoudnessMode = "album",
    bit_depth: str = "24",
    sample_rate: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
    write_json: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> AlbumResult:
    """Master a folder or a list of songs with one loudness offset for the album.

    Parameters
    ----------
    songs : folder, or sequence of paths
        A folder (its audio files, sorted by name) or the songs in album order.
    out_dir : str or Path
        Where the masters go (created if missing), one ``.wav`` per song, with its QC
        report as ``<song>.qc.json`` and the summary as ``album.json``.
    recipe : MasteringChain, callable or Processor, optional
        How to master (see the module's docstring); default the target's default
        :class:`~studio.mastering.chain.MasteringChain`. A chain masters every song
        through its modules with the album's offset in place of its loudness target
        (:func:`album_recipe`); with ``loudness="none"`` it targets each song itself.
    target : str or Target
        The delivery target.
    loudness : {"album", "song", "none"}
        One offset for the album, one per song, or none (the recipe sets the level).
    bit_depth, sample_rate
        Passed to :func:`~studio.mastering.delivery.deliver`.
    workers : int, optional
        Local worker processes (default: the number of CPUs; 0 runs in this process).
    scheduler : str, optional
        A Dask scheduler address (``"tcp://10.0.0.5:8786"``): run there instead.
    overwrite : bool
        Replace masters that exist.
    write_json : bool
        Write each song's report and the album's summary as JSON beside the masters.
    progress : callable, optional
        Called as ``progress(stage, done, total)`` (stage ``"measure"`` or ``"master"``).

    Returns
    -------
    AlbumResult

    Raises
    ------
    ParameterError
        No songs, an unknown target or loudness mode, or two songs with the same name.
    """
    tgt = find_target(target)
    if loudness not in ("album", "song", "none"):
        raise ParameterError(
            f"master_album(): loudness must be 'album', 'song' or 'none', not {loudness!r}."
        )
    paths = _songs(songs)
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ParameterError("master_album(): two songs share a name; their masters would collide.")
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    if recipe is None:
        recipe = MasteringChain.default(tgt)
    if isinstance(recipe, MasteringChain) and loudness != "none":
        recipe = album_recipe(recipe)  # one offset for the album, not a gain per song
    n_workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if n_workers < 0:
        raise ParameterError(f"master_album(): workers must be 0 or more, not {workers!r}.")

    def report_stage(stage: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(stage, done, total)

    from functools import partial

    with _Runner(n_workers, scheduler) as runner:
        measured: list[SongLoudness] = runner.map(
            partial(measure_song, recipe=recipe),
            [str(p) for p in paths],
            report_stage("measure"),
        )
        album_before, offset, gains = _offsets(measured, tgt, loudness)
        jobs = [
            SongJob(
                path=str(p),
                out_path=str(out / f"{p.stem}.wav"),
                recipe=recipe,
                gain_db=g,
                target_key=tgt.key,
                bit_depth=bit_depth,
                sample_rate=sample_rate,
                overwrite=overwrite,
                write_json=write_json,
            )
            for p, g, m in zip(paths, gains, measured, strict=True)
            if m.error is None
        ]
        mastered = iter(runner.map(master_song, jobs, report_stage("master")))
    results = []
    for p, g, m in zip(paths, gains, measured, strict=True):
        if m.error is not None:
            results.append(SongResult(str(p), None, g, math.nan, None, m.error))
            continue
        r = next(mastered)
        results.append(
            SongResult(r.path, r.out_path, r.gain_db, m.integrated_lufs, r.report, r.error)
        )
    album_after = album_loudness_lufs(
        r.report.momentary_lufs for r in results if r.report is not None
    )
    result = AlbumResult(
        target_key=tgt.key,
        loudness=loudness,
        songs=tuple(results),
        offset_db=offset,
        album_lufs_before=album_before,
        album_lufs_after=album_after,
    )
    if write_json:
        result.to_json(out / "album.json")
    return result


def _offsets(
    measured: Sequence[SongLoudness], tgt: Target, loudness: str
) -> tuple[float, float, list[float]]:
    """The album's loudness, its one offset (NaN unless album mode) and each song's gain."""
    album = album_loudness_lufs(m.block_lufs for m in measured if m.error is None)
    offset = math.nan
    if loudness == "album":
        offset = tgt.integrated_lufs - album if math.isfinite(album) else 0.0
    gains = []
    for m in measured:
        if loudness == "album":
            gains.append(offset)
        elif loudness == "song" and math.isfinite(m.integrated_lufs):
            gains.append(tgt.integrated_lufs - m.integrated_lufs)
        else:
            gains.append(0.0)
    return album, offset, gains


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _num(value: float, decimals: int = 1, *, sign: bool = False) -> str:
    if not math.isfinite(value):
        return "-inf" if value == -math.inf else t("batch.not_available")
    text = f"{value:.{decimals}f}"
    if float(text) == 0.0:
        return text.lstrip("-")
    return f"+{text}" if sign and value > 0 else text
