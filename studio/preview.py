"""The preview engine: hear a processor on a passage, quickly, at matched loudness.

Every view that lets a learner move a control (a processor panel, a console strip, a
mastering rack module) asks the same questions after each move: what does the passage
sound like now, how much quieter or louder is it than before (so the comparison is
fair), and what did the processor do over time (its gain trace)? :class:`Preview`
answers them without any widget, so scripts and tests use it the same way::

    from studio.preview import Preview
    preview = Preview(track, start_s=8.0, duration_s=10.0)
    take = preview.render(studio.Compressor(threshold_db=-30.0))
    take.audio, take.offset_db, take.trace_db

It is quick because it never renders the same thing twice:

* results are cached by the processor's frozen settings (equal settings, same result);
* a :class:`~studio.processors.base.Chain` is rendered stage by stage and every prefix is
  cached, so moving a control of the last stage re-renders only that stage;
* a processor that declares ``blend`` parameters (``mix_pct``, ``output_db``) is rendered
  once "fully wet" and those parameters are applied to the cached wet signal;
* the dry passage's loudness is measured once;
* a stage whose effect depends on the whole song (a loudness target: one gain for the
  whole master) analyses the song once, as it reaches that stage, and gives the passage
  the song's setting (``analyse_song`` / ``process_passage``), so the preview is a slice
  of the full render. After a control upstream of it moves, the last analysis is reused
  and shifted by how much the move changed the passage's loudness at that stage, so a
  move costs only the stages from it onwards, on the passage.

Automation lanes are heard as they are in the song: the processor's envelopes are
shifted so the passage hears the values of its own stretch of time.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio import buffers
from studio.audio import Audio
from studio.dsp.control import resolve
from studio.dsp.units import db_to_gain
from studio.errors import AudioDataError
from studio.params import Path
from studio.processors.base import Chain, Parallel, Processor, add_traces

__all__ = ["Preview", "Take", "apply_blend", "blend_wet_value", "loudness_offset_db", "render_full"]


def blend_wet_value(name: str) -> float:
    """The value of a blend parameter at which the output is the pure wet render.

    A ``_pct`` parameter is a dry/wet amount (100 % = wet); a ``_db`` parameter is a
    gain applied after the blend (0 dB = none).
    """
    return 100.0 if name.endswith("_pct") else 0.0


#: Offsets are limited to this many dB either way (silence cannot be matched).
MAX_OFFSET_DB = 60.0


def _lufs(samples: np.ndarray, sr: int) -> float:
    from studio.dsp.loudness import integrated_loudness

    return float(integrated_loudness(samples, sr))


def loudness_offset_db(reference_lufs: float, other_lufs: float) -> float:
    """How many dB ``other`` must move to sound as loud as the reference (0 for silence).

    Examples
    --------
    >>> loudness_offset_db(-20.0, -17.0)  # three dB louder: turn it down by three
    -3.0
    """
    if not (np.isfinite(reference_lufs) and np.isfinite(other_lufs)):
        return 0.0
    return float(np.clip(reference_lufs - other_lufs, -MAX_OFFSET_DB, MAX_OFFSET_DB))


@dataclass(frozen=True, eq=False)
class Take:
    """One rendering of the preview passage with one set of settings.

    Attributes
    ----------
    processor : Processor
        The settings that made it.
    audio : Audio
        What to play: the passage after processing, at the passage's own rate (a
        sample-rate change is converted back, so it plays beside the original).
    trace_db : numpy.ndarray or None
        The gain change over time, per frame, for processors that report one.
    lufs : float
        Integrated loudness of ``audio``.
    offset_db : float
        How much the take must move to match the dry passage (negative: it is louder).
    render_ms : float
        How long this take took to make (0 when it came straight from the cache).
    reused : str
        What was reused: ``"cache"`` (everything), ``"prefix N"`` (the first N stages of
        a chain), ``"wet"`` (only blend parameters moved) or ``"nothing"``.
    """

    processor: Processor
    audio: Audio
    trace_db: np.ndarray | None
    lufs: float
    offset_db: float
    render_ms: float
    reused: str

    @property
    def loudness_db(self) -> float:
        """Loudness relative to the dry passage (dB, positive: louder), for players."""
        return -self.offset_db


@dataclass
class _Entry:
    samples: np.ndarray
    sr: int
    trace: np.ndarray | None
    lufs: float | None = None  # measured once, the first time it is played
    nbytes: int = field(init=False)

    def __post_init__(self) -> None:
        trace = 0 if self.trace is None else buffers.footprint(self.trace)
        self.nbytes = buffers.footprint(self.samples) + trace


class Preview:
    """Render processors on one passage of audio, cached, with loudness offsets.

    Parameters
    ----------
    audio : Audio
        The whole track or mix.
    start_s, duration_s : float
        The passage to preview: a loop of a few seconds to 30 s keeps every move quick.
    key : Audio, optional
        A side-chain signal for processors that listen to one (the same passage of it
        is used).
    budget_mb : float
        How much memory cached renders may take before the oldest are dropped.
    """

    def __init__(
        self,
        audio: Audio,
        start_s: float = 0.0,
        duration_s: float = 10.0,
        *,
        key: Audio | None = None,
        budget_mb: float = 96.0,
    ) -> None:
        if not isinstance(audio, Audio):
            raise AudioDataError(
                f"Preview needs a studio.Audio, got {type(audio).__name__}; load a file "
                "with studio.load() or wrap samples with studio.Audio(samples, sr)."
            )
        if duration_s <= 0:
            raise AudioDataError(f"Preview: duration_s must be above 0 s; got {duration_s:g}.")
        passage = audio.segment(start_s, start_s + duration_s)
        if passage.n_frames == 0:
            raise AudioDataError(
                f"Preview: {audio.name or 'the audio'} is {audio.duration_s:.1f} s long, so "
                f"there is nothing to preview from {start_s:g} s."
            )
        self.dry = passage
        self.start_s = float(start_s)
        self.sr = passage.sr
        self.key = None if key is None else key.segment(start_s, start_s + duration_s).samples
        self.dry_lufs = _lufs(passage.samples, passage.sr)
        self._song = audio
        # whole-song analyses of song-level stages, by the stages before them: (analysis,
        # the passage's loudness at that stage when it was made)
        self._songs: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()
        self._budget = int(budget_mb * 1e6)
        self._cache: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0

    # -- the one public question ------------------------------------------------------------

    def render(self, processor: Processor) -> Take:
        """Render the passage through ``processor`` (reusing whatever it can)."""
        started = time.perf_counter()
        proc = processor.shifted(-self.start_s)
        key = self.key if proc.capabilities.sidechain else None
        entry, reused = self._render(proc, self.dry.samples, self.sr, key, ())
        samples, sr = entry.samples, entry.sr
        if sr != self.sr:  # a sample-rate change: hear what survives, at the passage's rate
            samples = _back_to(samples, sr, self.sr, self.dry.n_frames)
        audio = Audio(samples, self.sr, self.dry.name)
        if entry.lufs is None:
            entry.lufs = _lufs(samples, self.sr)
        lufs = entry.lufs
        elapsed = 0.0 if reused == "cache" else (time.perf_counter() - started) * 1e3
        return Take(
            processor=processor,
            audio=audio,
            trace_db=entry.trace,
            lufs=lufs,
            offset_db=loudness_offset_db(self.dry_lufs, lufs),
            render_ms=elapsed,
            reused=reused,
        )

    def trace_at(self, processor: Processor, path: Path) -> np.ndarray | None:
        """The gain change of the processor at ``path`` inside ``processor``.

        Measured on what that processor really receives in the passage (after the chain
        stages before it; the input of the parallel it is a branch of), from the cache
        when the whole was rendered just now. None when it reports no gain change.
        """
        obj = processor.shifted(-self.start_s)
        x, sr = self.dry.samples, self.sr
        context: tuple[Any, ...] = ()
        i = 0
        while i < len(path):
            part = path[i]
            if obj.bypass:  # nothing inside a switched-off composite changes the sound
                return np.zeros(x.shape[-1])
            if isinstance(obj, Chain) and part == "processors" and i + 1 < len(path):
                index = path[i + 1]
                assert isinstance(index, int)
                stages = obj.processors
                for j in range(index):
                    key = self.key if stages[j].capabilities.sidechain else None
                    entry, _ = self._render(stages[j], x, sr, key, (*context, stages[:j]))
                    x, sr = entry.samples, entry.sr
                context = (*context, stages[:index])
                obj = stages[index]
                i += 2
            elif isinstance(obj, Parallel) and part == "branches" and i + 2 < len(path):
                index = path[i + 1]
                assert isinstance(index, int)
                obj = obj.branches[index].processor  # a branch hears the parallel's input
                i += 3
            else:
                return None
        if not obj.capabilities.trace:
            return None
        if obj.bypass:
            return np.zeros(x.shape[-1])
        key = self.key if obj.capabilities.sidechain else None
        entry, _ = self._render(obj, x, sr, key, context)
        return entry.trace

    def offset_db(self, audio: Audio) -> float:
        """How much ``audio`` must move to sound as loud as the dry passage."""
        return loudness_offset_db(self.dry_lufs, _lufs(audio.samples, audio.sr))

    # -- rendering with reuse -----------------------------------------------------------------

    def _render(
        self, proc: Processor, x: np.ndarray, sr: int, key: Any, context: tuple[Any, ...]
    ) -> tuple[_Entry, str]:
        """Render ``proc`` on ``x`` (which is what ``context`` produced from the passage)."""
        cache_key = ("take", context, proc)
        hit = self._get(cache_key)
        if hit is not None:
            return hit, "cache"
        if isinstance(proc, Chain) and not proc.bypass and proc.processors:
            entry, reused = self._render_chain(proc, x, sr, key, context)
        elif proc.capabilities.blend and not proc.bypass and _moves_blend(proc):
            entry, reused = self._render_blend(proc, x, sr, key, context)
        elif _song_level(proc) and not proc.bypass and len(context) <= 1:
            entry, reused = self._render_in_song(proc, x, sr, key, context)
        else:
            out, trace = proc.run(x, sr, key, trace=True)
            entry, reused = _Entry(out, proc.output_rate(sr), trace), "nothing"
        self._put(cache_key, entry)
        return entry, reused

    def _render_chain(
        self, chain: Chain, x: np.ndarray, sr: int, key: Any, context: tuple[Any, ...]
    ) -> tuple[_Entry, str]:
        stages = chain.processors
        # the longest prefix already rendered
        start, out, out_sr, total = 0, x, sr, None
        for n in range(len(stages), 0, -1):
            hit = self._get(("prefix", context, stages[:n]))
            if hit is not None:
                start, out, out_sr, total = n, hit.samples, hit.sr, hit.trace
                break
        for i in range(start, len(stages)):
            stage = stages[i]
            stage_key = key if stage.capabilities.sidechain else None
            entry, _ = self._render(stage, out, out_sr, stage_key, (*context, stages[:i]))
            out, out_sr = entry.samples, entry.sr
            if stage.changes_rate_now():
                total = None  # earlier traces count frames at the old rate
            elif entry.trace is not None:
                total = add_traces(total, entry.trace)
            self._put(("prefix", context, stages[: i + 1]), _Entry(out, out_sr, total))
        if out is x:
            out = np.array(x, copy=True)
        if total is None:
            total = np.zeros(out.shape[-1])
        reused = f"prefix {start}" if start else "nothing"
        result = _Entry(out, out_sr, total)
        return result, reused

    def _render_blend(
        self, proc: Processor, x: np.ndarray, sr: int, key: Any, context: tuple[Any, ...]
    ) -> tuple[_Entry, str]:
        wet_settings = proc.replace(
            **{name: blend_wet_value(name) for name in proc.capabilities.blend}
        )
        wet_key = ("take", context, wet_settings)
        wet = self._get(wet_key)
        reused = "wet"
        if wet is None:
            out, trace = wet_settings.run(x, sr, key, trace=True)
            wet = _Entry(out, sr, trace)
            self._put(wet_key, wet)
            reused = "nothing"
        return _Entry(apply_blend(proc, x, wet.samples, sr), sr, wet.trace), reused

    def _render_in_song(
        self, proc: Processor, x: np.ndarray, sr: int, key: Any, context: tuple[Any, ...]
    ) -> tuple[_Entry, str]:
        """A song-level stage on the passage, with the whole song's analysis (see the notes)."""
        upstream: tuple[Processor, ...] = context[0] if context else ()
        found = self._songs.get(upstream)
        reused = "song"
        if found is None and self._songs:  # a control upstream moved: the last analysis
            found = next(reversed(self._songs.values()))
            reused = "song, shifted"
        if found is None:
            song = self._song_upstream(upstream, sr)
            if song is None:  # the song cannot be rendered alone: the passage on its own
                out, trace = proc.run(x, sr, key, trace=True)
                return _Entry(out, proc.output_rate(sr), trace), "nothing"
            found = (proc.analyse_song(song, sr), _lufs(x, sr))  # type: ignore[attr-defined]
            self._songs[upstream] = found
            while len(self._songs) > _SONG_ANALYSES:
                self._songs.popitem(last=False)
            reused = "nothing"
        else:
            self._songs.move_to_end(next(k for k, v in self._songs.items() if v is found))
        analysis, then_lufs = found
        now_lufs = _lufs(x, sr) if reused == "song, shifted" else then_lufs
        shift = now_lufs - then_lufs if np.isfinite(now_lufs) and np.isfinite(then_lufs) else 0.0
        out, trace = proc.process_passage(x, sr, analysis, shift)  # type: ignore[attr-defined]
        return _Entry(out, proc.output_rate(sr), trace), reused

    def _song_upstream(self, upstream: tuple[Processor, ...], sr: int) -> np.ndarray | None:
        """The whole song after ``upstream`` (None where a side chain or a rate change is in it)."""
        x, rate = self._song.samples, self._song.sr
        for stage in upstream:
            if stage.capabilities.sidechain and self.key is not None:
                return None  # only the passage of the key is kept
            song_stage = stage.shifted(self.start_s)  # the song's own automation times
            x, rate = song_stage.run(x, rate)[0], song_stage.output_rate(rate)
        return x if rate == sr else None

    # -- the cache ------------------------------------------------------------------------------

    def _get(self, cache_key: Hashable) -> _Entry | None:
        entry = self._cache.get(cache_key)
        if entry is not None:
            self._cache.move_to_end(cache_key)
        return entry

    def _put(self, cache_key: Hashable, entry: _Entry) -> None:
        old = self._cache.pop(cache_key, None)
        if old is not None:
            self._bytes -= old.nbytes
        self._cache[cache_key] = entry
        self._bytes += entry.nbytes
        while self._bytes > self._budget and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._bytes -= dropped.nbytes

    @property
    def cached_mb(self) -> float:
        """Memory the cached renders take, in MB."""
        return self._bytes / 1e6

    def clear(self) -> None:
        """Forget every cached render and whole-song analysis."""
        self._cache.clear()
        self._songs.clear()
        self._bytes = 0


#: Whole-song analyses a preview keeps (the most recent).
_SONG_ANALYSES = 4


def _song_level(proc: Processor) -> bool:
    """Whether ``proc`` sets something for the whole song (it offers a song analysis)."""
    return callable(getattr(proc, "analyse_song", None)) and callable(
        getattr(proc, "process_passage", None)
    )


def _moves_blend(proc: Processor) -> bool:
    """Whether a blend parameter is away from its wet value (else there is nothing to reuse)."""
    return any(proc.get(name) != blend_wet_value(name) for name in proc.capabilities.blend)


def apply_blend(proc: Processor, dry: np.ndarray, wet: np.ndarray, sr: int) -> np.ndarray:
    """Blend a fully wet render with the dry input as the processor's blend parameters say.

    ``out = db_to_gain(level_db) * (mix * wet + (1 - mix) * dry)``, where ``mix`` is the
    declared ``_pct`` parameter over 100 and ``level_db`` the declared ``_db`` one; a
    mono dry part is spread to the wet part's channels. Both may move over time
    (envelopes).
    """
    n = wet.shape[-1]
    dtype = wet.dtype
    out = wet
    names = proc.capabilities.blend
    for name in (n_ for n_ in names if n_.endswith("_pct")):
        mix = np.asarray(resolve(proc.get(name), n, sr, name=name), dtype=dtype)
        mix = mix / np.asarray(100.0, dtype=dtype)
        source = dry if dry.shape[0] == wet.shape[0] else np.repeat(dry, wet.shape[0], axis=0)
        out = mix * wet + (np.asarray(1.0, dtype=dtype) - mix) * source
    for name in (n_ for n_ in names if n_.endswith("_db")):
        level = resolve(proc.get(name), n, sr, name=name)
        out = np.asarray(db_to_gain(level), dtype=dtype) * out
    return np.asarray(out, dtype=dtype)


def _back_to(samples: np.ndarray, sr: int, target_sr: int, n_frames: int) -> np.ndarray:
    from studio.dsp.resample import resample

    back = resample(samples, sr, target_sr=target_sr)
    out = np.zeros((back.shape[0], n_frames), dtype=back.dtype)
    keep = min(n_frames, back.shape[1])
    out[:, :keep] = back[:, :keep]
    return out


def render_full(
    processor: Processor,
    audio: Audio,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> Audio:
    """Process a whole piece of audio, reporting progress stage by stage.

    Parameters
    ----------
    processor : Processor
        The settings (a chain reports each stage as it finishes).
    audio : Audio
        The whole track, mix or song.
    progress : callable, optional
        Called as ``progress(done, total, label)`` before each stage and at the end.
    """
    stages = list(processor.processors) if isinstance(processor, Chain) else [processor]
    if isinstance(processor, Chain) and processor.bypass:
        stages = []
    x = processor.check_input(audio.samples, audio.sr)
    sr = audio.sr
    total = max(1, len(stages))
    for i, stage in enumerate(stages):
        if progress is not None:
            progress(i, total, type(stage).__name__)
        x = stage.run(x, sr)[0]
        sr = stage.output_rate(sr)
    if progress is not None:
        progress(total, total, "done")
    if not stages:
        x = np.array(x, copy=True)
    return Audio(x, sr, audio.name)
