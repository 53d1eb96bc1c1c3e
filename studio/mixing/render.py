"""Render a session (or a region of it) to stereo: the mixdown.

What happens to the sound, in order:

1. Each track's clips are placed on its timeline (trimmed, faded, at their clip gain),
   summed, and made mono or stereo as the track is laid out.
2. The track's channel strip runs (trim, polarity, filters, EQ, dynamics, inserts), then
   its fader and pan; a VCA it is assigned to moves its fader too. Sends tap the strip
   before the fader or after it.
3. Buses mix what feeds them, each after everything that feeds it, run their own strip
   and feed the next bus; the master bus gives the mix.

Mute and solo: a muted track, bus or VCA is silent. Solo is *in place*: while anything
is soloed, tracks that are not soloed (and do not feed a soloed bus) fall silent, but
every bus stays open, so a soloed voice is heard through its group bus and with its
reverb (effect returns are solo-safe).

Delay compensation: a processor that reports a latency (``latency_frames``) makes its
path late; where paths meet, the earlier ones wait for the latest, so nothing smears,
and the mix is moved back into time with the session at the end.

Tracks are independent until they meet at the buses, so they render side by side on two
processor cores. A :class:`RenderCache` keeps each track's and bus's result keyed by its
frozen settings and what feeds it, so a preview after one track's control moved renders
that track and the buses after it, and nothing else.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from studio import buffers
from studio.audio import Audio, read_only
from studio.dsp import _parallel
from studio.dsp.control import Envelope
from studio.dsp.pan import apply_gain
from studio.errors import AudioDataError, ParameterError
from studio.mixing.session import MASTER, Bus, Clip, Send, Session, Strip, Track
from studio.processors.utility import Fader

__all__ = [
    "RenderCache",
    "block_peaks_db",
    "fade_gains",
    "render",
    "session_length_s",
    "track_input",
]

#: Where a tail counts as over: 96 dB under full scale.
_SILENT = 10 ** (-96 / 20)

Progress = Callable[[int, int, str], None]


# -- clips --------------------------------------------------------------------------------


def fade_gains(n: int, shape: str, *, rising: bool) -> np.ndarray:
    """Gains of a fade over ``n`` frames, from silence up (``rising``) or down to it.

    ``equal_power`` keeps the power steady through a crossfade (sine quarter), ``linear``
    is a straight line in gain, ``s_curve`` starts and ends gently, ``exponential`` is a
    straight line in dB from -60 dB (sounds even to the ear, good for long fade-outs).

    Examples
    --------
    >>> fade_gains(3, "linear", rising=True).round(3).tolist()
    [0.0, 0.5, 1.0]
    """
    if n <= 0:
        return np.ones(0, dtype=np.float32)
    x = np.linspace(0.0, 1.0, n) if n > 1 else np.ones(1)
    if shape == "linear":
        g = x
    elif shape == "equal_power":
        g = np.sin(0.5 * np.pi * x)
    elif shape == "s_curve":
        g = x * x * (3.0 - 2.0 * x)
    elif shape == "exponential":
        g = np.where(x > 0.0, 10.0 ** (3.0 * (x - 1.0)), 0.0)
    else:
        raise ParameterError(
            f"fade shape must be one of linear, equal_power, s_curve, exponential; got {shape!r}."
        )
    g = g.astype(np.float32)
    return g if rising else g[::-1]


def _clip_span(clip: Clip, source_frames: int, sr: int) -> tuple[int, int, int]:
    """``(first source frame, frames it plays, first session frame)`` of a clip."""
    first = round(clip.trim_in_s * sr)
    last = source_frames - round(clip.trim_out_s * sr)
    return first, max(0, last - first), round(clip.start_s * sr)


def _source(sources: Mapping[str, Any], clip: Clip, owner: str) -> np.ndarray:
    if clip.source not in sources:
        raise AudioDataError(
            f"{owner}: its clip plays stem {clip.source!r}, which has no audio loaded; "
            f"the stems with audio are {', '.join(map(repr, sorted(sources))) or 'none'}."
        )
    audio = sources[clip.source]
    return audio.samples if isinstance(audio, Audio) else np.atleast_2d(audio)


def session_length_s(session: Session, sources: Mapping[str, Any]) -> float:
    """Where the last clip ends, in seconds (without any effect tail)."""
    sr = session.sr
    end = 0
    for track in session.tracks:
        for clip in track.clips:
            samples = _source(sources, clip, track.owner_label)
            _, length, at = _clip_span(clip, samples.shape[-1], sr)
            end = max(end, at + length)
    return end / sr


def track_input(
    track: Track, sources: Mapping[str, Any], sr: int, start: int, frames: int
) -> np.ndarray:
    """A track's clips placed on the timeline between ``start`` and ``start + frames``.

    Returns ``(channels, frames)`` float32: one channel for a mono track (a stereo stem
    on it is folded to mono by averaging), two for a stereo one (a mono stem on it is
    sent to both sides).
    """
    out: np.ndarray | None = None
    for clip in track.clips:
        samples = _source(sources, clip, track.owner_label)
        first, length, at = _clip_span(clip, samples.shape[-1], sr)
        lo, hi = max(at, start), min(at + length, start + frames)
        if hi <= lo:
            continue
        piece = samples[:, first + lo - at : first + hi - at]
        if piece.dtype != np.float32:
            piece = piece.astype(np.float32)
        if piece.shape[0] != track.channels:
            piece = (
                piece.mean(axis=0, keepdims=True, dtype=np.float32)
                if track.channels == 1
                else np.repeat(piece[:1], 2, axis=0)
            )
        fade_in = min(round(clip.fade_in_s * sr), length)
        fade_out = min(round(clip.fade_out_s * sr), length)
        if fade_in or fade_out or clip.gain_db != 0.0:
            gain = np.full(hi - lo, 10 ** (clip.gain_db / 20), dtype=np.float32)
            if fade_in:
                _apply_ramp(gain, fade_gains(fade_in, clip.fade_shape, rising=True), at - lo)
            if fade_out:
                ramp = fade_gains(fade_out, clip.fade_shape, rising=False)
                _apply_ramp(gain, ramp, at + length - fade_out - lo)
            piece = piece * gain
        if out is None and lo == start and hi - lo == frames:
            out = piece  # one clip filling the passage: no copy (nothing writes to it)
            continue
        if out is None or not out.flags.writeable or out.base is not None:
            out = _writable(out, track.channels, frames)
        out[:, lo - start : hi - start] += piece
    return out if out is not None else np.zeros((track.channels, frames), dtype=np.float32)


def _writable(current: np.ndarray | None, channels: int, frames: int) -> np.ndarray:
    """A fresh buffer to add clips into, holding what ``current`` held."""
    out = np.zeros((channels, frames), dtype=np.float32)
    if current is not None:
        out += current
    return out


def _apply_ramp(gain: np.ndarray, ramp: np.ndarray, offset: int) -> None:
    """Multiply ``gain`` by ``ramp`` placed at ``offset`` (parts outside are dropped)."""
    lo, hi = max(0, offset), min(gain.shape[0], offset + ramp.shape[0])
    if hi > lo:
        gain[lo:hi] *= ramp[lo - offset : hi - offset]


# -- who is heard -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Listening:
    """What mute and solo leave open: the main outputs and the sends of tracks and buses.

    While anything is soloed, a track or bus is heard through its main output when it
    is soloed itself, when a soloed bus lies on its way to the master, or when its
    output leads (through any sends) to a soloed bus: a track feeding a drum bus whose
    send feeds a soloed reverb plays into the drum bus, so the reverb has something to
    carry, while the drum bus itself stays silent. A bus also passes what a heard,
    soloed part sends it, and effect returns always pass (solo-safe).
    """

    session: Session

    @property
    def soloing(self) -> bool:
        s = self.session
        return any(t.solo for t in s.tracks) or any(b.solo for b in s.buses)

    def _on_the_way(self, bus_name: str, *, through_sends: bool) -> bool:
        """Whether a soloed bus is ``bus_name`` or after it (following sends too)."""
        seen: set[str] = set()
        todo = [bus_name]
        while todo:
            name = todo.pop()
            if name == MASTER or name in seen:
                continue
            seen.add(name)
            bus = self.session.bus(name)
            if bus.solo:
                return True
            todo.append(bus.output)
            if through_sends:
                todo.extend(s.bus for s in bus.sends)
        return False

    def _muted(self, track: Track) -> bool:
        return track.mute or bool(track.vca and self.session.get(("vcas", track.vca)).mute)

    def track_on(self, track: Track) -> bool:
        if self._muted(track):
            return False
        return not self.soloing or track.solo or self._on_the_way(track.output, through_sends=True)

    def send_on(self, track: Track, send: Send) -> bool:
        if self._muted(track):
            return False
        return self.track_on(track) or self._on_the_way(send.bus, through_sends=True)

    def bus_on(self, bus: Bus) -> bool:
        """Whether a bus's main output is heard (what it sends is decided per send)."""
        if bus.mute:
            return False
        if bus.name == MASTER:
            return True
        if not self.soloing or bus.solo or bus.kind == "return":
            return True
        if self._on_the_way(bus.output, through_sends=False):
            return True
        return self._soloed_upstream(bus.name)

    def bus_send_on(self, bus: Bus, send: Send) -> bool:
        if bus.mute:
            return False
        return self.bus_on(bus) or self._on_the_way(send.bus, through_sends=True)

    def _soloed_upstream(self, bus_name: str) -> bool:
        """Whether a soloed track or bus feeds ``bus_name`` through main outputs."""
        s = self.session
        for track in s.tracks:
            if track.output == bus_name and track.solo and not self._muted(track):
                return True
        for bus in s.buses:
            if bus.output == bus_name and (bus.solo or self._soloed_upstream(bus.name)):
                return True
        return False


# -- the render ---------------------------------------------------------------------------


@dataclass
class _Part:
    """A signal on its way to a bus, how many frames late it is, and its gains.

    Gains are applied as the part is added into the bus, so a track at a fixed fader
    and pan, or a send at a fixed level, makes no stereo copy of its own: ``samples``
    may be mono with ``sides`` (left and right gains: a fader's pan law), and ``gain``
    multiplies both sides (a VCA, a send's level).
    """

    samples: np.ndarray
    latency: int
    gain: float = 1.0
    sides: tuple[float, float] | None = None

    def side_gains(self) -> tuple[float, float]:
        """The gain each output side gets, all gains together."""
        left, right = self.sides if self.sides is not None else (1.0, 1.0)
        return self.gain * left, self.gain * right

    def stereo(self) -> np.ndarray:
        """The part as a stereo array (a copy when gains are pending)."""
        left, right = self.side_gains()
        x = self.samples
        if self.sides is None and self.gain == 1.0 and x.shape[0] == 2:
            return x
        out = np.empty((2, x.shape[1]), dtype=np.float32)
        np.multiply(x[0], np.float32(left), out=out[0], dtype=np.float32, casting="unsafe")
        np.multiply(x[-1], np.float32(right), out=out[1], dtype=np.float32, casting="unsafe")
        return out


_PREROLL_MIN_S = 0.5  # compressors and filters settle within this
_PREROLL_MAX_S = 4.0  # a longer tail is heard cut at the very start of a preview
_AHEAD = 3  # tracks rendered ahead of the next one to be added: bounds what waits in memory
#: How long each bus took per frame in the last render that mixed it (by bus name): the
#: slowest bus of a level starts first. A guess for scheduling only; the sound never
#: depends on it.
_BUS_SECONDS_PER_FRAME: dict[str, float] = {}


class _Summing:
    """The buses being mixed, each adding its parts a few at a time.

    Parts delivered to a bus wait in a short list; when it is full, or before the bus
    is read, they are added in one compiled pass over the bus (the bus's blocks stay in
    the cache while every waiting part is added: a few times less memory traffic than
    adding each part over the whole bus). They are added in the order delivered, so
    every render sums alike.
    """

    def __init__(self, names: Sequence[str], frames: int) -> None:
        self.frames = frames
        self.buses = {name: buffers.zeros((2, frames)) for name in names}
        self._waiting: dict[str, list[tuple[_Part, int]]] = {name: [] for name in names}
        self._lock = threading.Lock()  # for the dictionaries, when buses are taken side by side

    def add(self, bus: str, part: _Part, wait: int) -> None:
        """Add ``part`` into ``bus`` starting ``wait`` frames late (soon, in order)."""
        if wait >= self.frames:
            return
        if part.samples.shape[-1] < self.frames - wait:  # the compiled sum reads that far
            raise AudioDataError(
                f"bus {bus!r}: a part of {part.samples.shape[-1]} frames arrived where the "
                f"mix needs {self.frames - wait}; every processor must keep the length."
            )
        waiting = self._waiting[bus]
        waiting.append((part, wait))
        if len(waiting) == _sum_kernels().PARTS:
            self.flush(bus)

    def flush(self, bus: str) -> None:
        """Add every part waiting for ``bus`` into it now."""
        waiting = self._waiting[bus]
        if not waiting:
            return
        k = _sum_kernels()
        empty = read_only(np.zeros(0, dtype=np.float32))
        rows: list[np.ndarray] = []
        gains = np.zeros(2 * k.PARTS)
        waits = np.zeros(k.PARTS, dtype=np.int64)
        for j, (part, wait) in enumerate(waiting):
            samples = part.samples
            if samples.dtype != np.float32:
                samples = samples.astype(np.float32)
            samples = read_only(samples)  # one compiled type, whoever owns the part
            rows += [samples[0], samples[samples.shape[0] - 1]]
            gains[2 * j : 2 * j + 2] = part.side_gains()
            waits[j] = wait
        rows += [empty] * (2 * k.PARTS - len(rows))
        target = self.buses[bus]
        k.add_parts(target[0], target[1], *rows, gains, waits, len(waiting))
        waiting.clear()

    def take(self, bus: str) -> np.ndarray:
        """The bus's sum, everything added, handed over (the bus is done).

        Buses may be taken side by side, each by its own thread.
        """
        self.flush(bus)
        with self._lock:
            del self._waiting[bus]
            return self.buses.pop(bus)

    def drop(self, bus: str) -> None:
        """Forget a bus whose result is known already (nothing waiting is added)."""
        with self._lock:
            del self._waiting[bus]
            del self.buses[bus]


def _sum_kernels() -> Any:
    from studio.dsp import _sum_kernels

    return _sum_kernels


@dataclass
class _TrackOut:
    main: _Part | None
    sends: dict[str, _Part]


class RenderCache:
    """Results of earlier renders, keyed by frozen settings and what fed them.

    Keeps the most recent results (tracks and buses) up to ``max_mb`` megabytes of
    audio; a preview that moves one control finds everything else here. Safe to share
    between threads.
    """

    def __init__(self, max_mb: float = 400.0) -> None:
        self._limit = int(max_mb * 1e6)
        self._store: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size_mb(self) -> float:
        """How much audio is kept now, in megabytes."""
        return self._bytes / 1e6

    def get(self, key: Any) -> Any:
        """The result stored under ``key``, or None."""
        with self._lock:
            found = self._store.get(key)
            if found is None:
                self.misses += 1
                return None
            self._store.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Any, value: Any) -> None:
        """Store ``value`` under ``key``, dropping the oldest entries beyond the limit."""
        size = _nbytes(value)
        with self._lock:
            old = self._store.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._store[key] = (value, size)
            self._bytes += size
            while self._bytes > self._limit and len(self._store) > 1:
                _, (_, dropped) = self._store.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        """Forget everything (the audio of the stems changed)."""
        with self._lock:
            self._store.clear()
            self._bytes = 0


def _nbytes(value: Any) -> int:
    """The audio a cached result holds of its own (shared arrays counted once)."""
    seen: set[int] = set()
    total = 0
    parts: list[Any] = []
    if isinstance(value, _TrackOut):
        parts = [value.main, *value.sends.values()]
    elif isinstance(value, tuple):
        parts = [value[0], *value[1].values()]
    for part in parts:
        if part is not None and id(part.samples) not in seen:
            seen.add(id(part.samples))
            total += buffers.footprint(part.samples)
    return total


class _Same:
    """A key part that is equal only to the very same object (and keeps it alive)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


def _shifted(obj: Any, start_s: float) -> Any:
    """Settings with their automation moved so the region's start is time zero."""
    return obj.shifted(-start_s) if start_s and obj.moves else obj


def _vca_gain(session: Session, track: Track) -> Any:
    if not track.vca:
        return 0.0
    return session.get(("vcas", track.vca)).gain_db


def _render_track(
    session: Session,
    track: Track,
    sources: Mapping[str, Any],
    start: int,
    frames: int,
    listening: _Listening,
) -> _TrackOut:
    sr = session.sr
    start_s = start / sr
    main_on = listening.track_on(track)
    sends = [s for s in track.sends if listening.send_on(track, s)]
    if not main_on and not sends:
        return _TrackOut(None, {})
    strip: Strip = _shifted(track.strip, start_s)
    # checked, and a passage of a stereo stem laid end to end for the compiled loops
    x = strip.check_input(track_input(track, sources, sr, start, frames), sr)
    latency = strip.latency_frames(sr)
    pre = strip.pre_fader(x, sr, copy=False)  # never written to: no copy when untouched
    fader = strip.fader
    place = Fader(pan=fader.pan, law=fader.law)  # the pan alone (a pre-fader send's)
    if strip.bypass:
        main = _Part(pre, latency, sides=(1.0, 1.0))
    elif isinstance(fader.pan, Envelope):
        main = _Part(fader.run(pre, sr)[0], latency)
    elif isinstance(fader.gain_db, Envelope):  # a ride on the track's own channels, placed
        # as the track is added in: the same numbers as the fader's level, then its pan
        main = _Part(
            apply_gain(pre, sr, gain_db=fader.gain_db), latency, sides=place.gains(pre.shape[0])
        )
    else:  # level and place as gains, applied as the track is added in (no copy)
        main = _Part(pre, latency, sides=fader.gains(pre.shape[0]))
    vca_db = _vca_gain(session, track)
    if isinstance(vca_db, Envelope):
        main = _Part(apply_gain(main.stereo(), sr, gain_db=vca_db.shifted(-start_s)), latency)
    elif vca_db != 0.0:
        main.gain = float(10.0 ** (vca_db / 20.0))
    out = _TrackOut(main if main_on else None, {})
    for send in sends:
        send = _shifted(send, start_s)
        if send.pre_fader:  # before the fader, but placed where the track's pan puts it
            if isinstance(fader.pan, Envelope):
                tap = _Part(place.run(pre, sr)[0], latency)
            else:
                tap = _Part(pre, latency, sides=place.gains(pre.shape[0]))
        else:
            tap = main
        out.sends[send.bus] = _send_part(tap, send.level_db, sr)
    return out


def _send_part(tap: _Part, level_db: Any, sr: int) -> _Part:
    """A send's signal: the tap with its level (a gain when fixed, a copy when it moves).

    A moving level rides the tap's own channels (a mono track stays mono, its pan and
    gains still applied as it is added in).
    """
    if isinstance(level_db, Envelope):  # already in song time less the passage's start
        ridden = apply_gain(tap.samples, sr, gain_db=level_db)
        return _Part(ridden, tap.latency, tap.gain, tap.sides)
    level = float(10.0 ** (level_db / 20.0))
    return _Part(tap.samples, tap.latency, tap.gain * level, tap.sides)


def _render_bus(
    bus: Bus, feed: _Part, sr: int, start_s: float, listening: _Listening
) -> tuple[_Part | None, dict[str, _Part]]:
    """A bus's main output (None when solo or mute silence it) and its sends."""
    main_on = listening.bus_on(bus)
    sends_on = [s for s in bus.sends if listening.bus_send_on(bus, s)]
    if not main_on and not sends_on:
        return None, {}
    strip: Strip = _shifted(bus.strip, start_s)
    latency = feed.latency + strip.latency_frames(sr)
    pre = strip.pre_fader(feed.samples, sr, copy=False)  # the bus's own sum: no copy
    fader = strip.fader
    if strip.bypass:
        post = _Part(pre, latency)
    elif isinstance(fader.gain_db, Envelope) or isinstance(fader.pan, Envelope):
        post = _Part(fader.run(pre, sr)[0], latency)
    else:  # level and balance as gains, applied where the bus is added in
        left, right = fader.gains(pre.shape[0])
        post = _Part(pre, latency, sides=None if left == right == 1.0 else (left, right))
    sends = {}
    for send in sends_on:
        send = _shifted(send, start_s)
        tap = _Part(pre, latency) if send.pre_fader else post
        sends[send.bus] = _send_part(tap, send.level_db, sr)
    return (post if main_on else None), sends


def _track_key(
    session: Session,
    track: Track,
    listening: _Listening,
    sources: Mapping[str, Any],
    start: int,
    frames: int,
) -> Any:
    used = tuple((c.source, _Same(_source(sources, c, track.owner_label))) for c in track.clips)
    heard = (listening.track_on(track), tuple(listening.send_on(track, s) for s in track.sends))
    return ("track", session.sr, track, _vca_gain(session, track), heard, used, start, frames)


def render(
    session: Session,
    sources: Mapping[str, Any],
    *,
    start_s: float = 0.0,
    duration_s: float | None = None,
    tail: bool = True,
    cache: RenderCache | None = None,
    progress: Progress | None = None,
    parallel: bool = True,
    name: str | None = None,
    meters: dict[str, np.ndarray] | None = None,
    meter_block_s: float = 0.05,
    outputs: dict[str, np.ndarray] | None = None,
) -> Audio:
    """Mix the session (or the region from ``start_s``) down to stereo.

    Parameters
    ----------
    session : Session
        Every setting of the mix.
    sources : dict of str -> Audio
        The audio of each stem, by stem name, at the session's sample rate.
    start_s, duration_s : float
        The region to render (a preview loop). By default from ``start_s`` to the end of
        the last clip, plus the effects' tails when ``tail`` is True.
    tail : bool
        Render on past the last clip for as long as a reverb or delay keeps sounding (its
        silent end trimmed), so no echo is cut off. Ignored when ``duration_s`` is given.
    cache : RenderCache, optional
        Reuse results of earlier renders whose settings did not change.
    progress : callable, optional
        ``progress(done, total, what)`` after each track and bus (a progress bar).
    parallel : bool
        Render tracks side by side on two processor cores.
    name : str, optional
        Name of the returned Audio (default: the session's name).
    meters : dict, optional
        Filled with each track's, bus's and the master's level over time: the peak in
        dBFS of every ``meter_block_s`` block of its output (what a console's meters
        show as the song plays). A silent strip reads -120.
    outputs : dict, optional
        Filled with each track's and bus's stereo output (what it adds to the bus it
        feeds, after its fader) and the master's, by name; a silent track is left out.
        For looking at one strip's spectrum; meant for short regions.

    Returns
    -------
    Audio
        Stereo float32 at the session's rate. Nothing is limited or clipped: a mix
        that goes over full scale stays over it, for the report to find.

    A region that starts inside the song is rendered from a little earlier (a
    pre-roll as long as the longest effect tail, at most a few seconds) so that the
    reverbs, delays and compressors already carry what came before, as they do in the
    full mix; the pre-roll is then dropped.
    """
    sr = session.sr
    preroll = 0
    if duration_s is not None and start_s > 0:
        block = max(1, round(meter_block_s * sr))
        want = round(min(max(tail_s(session), _PREROLL_MIN_S), _PREROLL_MAX_S) * sr)
        preroll = min(round(start_s * sr), -(-want // block) * block)
        preroll -= preroll % block  # whole meter blocks, so the meters line up
    options = _Options(tail, cache, progress, parallel, name, meter_block_s)
    if preroll == 0:
        return _render_region(session, sources, start_s, duration_s, meters, outputs, options)
    inner_meters: dict[str, np.ndarray] | None = {} if meters is not None else None
    inner_outputs: dict[str, np.ndarray] | None = {} if outputs is not None else None
    assert duration_s is not None
    mix = _render_region(
        session,
        sources,
        start_s - preroll / sr,
        duration_s + preroll / sr,
        inner_meters,
        inner_outputs,
        options,
    )
    frames = round(duration_s * sr)
    if meters is not None and inner_meters is not None:
        skip = preroll // max(1, round(meter_block_s * sr))
        meters.update({k: v[skip:] for k, v in inner_meters.items()})
    if outputs is not None and inner_outputs is not None:
        outputs.update({k: v[:, preroll : preroll + frames] for k, v in inner_outputs.items()})
    return Audio(mix.samples[:, preroll : preroll + frames], sr, mix.name)


class _Options(NamedTuple):
    """What :func:`render` passes on unchanged to :func:`_render_region`."""

    tail: bool
    cache: RenderCache | None
    progress: Progress | None
    parallel: bool
    name: str | None
    meter_block_s: float


def _render_region(
    session: Session,
    sources: Mapping[str, Any],
    start_s: float,
    duration_s: float | None,
    meters: dict[str, np.ndarray] | None,
    outputs: dict[str, np.ndarray] | None,
    options: _Options,
) -> Audio:
    """Mix exactly the region asked for (see :func:`render`, which adds a pre-roll)."""
    tail, cache, progress, parallel, name, meter_block_s = options
    sr = session.sr
    for stem_name, audio in sources.items():
        if isinstance(audio, Audio) and audio.sr != sr:
            raise AudioDataError(
                f"stem {stem_name!r} is at {audio.sr} Hz but the session runs at {sr} Hz; "
                "import stems with studio.mixing.import_stems, which converts the rate."
            )
    start = round(start_s * sr)
    if start < 0:
        raise ParameterError(f"render: start_s must be 0 or later; got {start_s!r}.")
    if duration_s is not None:
        if not duration_s > 0:
            raise ParameterError(f"render: duration_s must be positive; got {duration_s!r}.")
        frames = round(duration_s * sr)
        tail = False
    else:
        content = round(session_length_s(session, sources) * sr) - start
        frames = max(1, content + (round(tail_s(session) * sr) if tail else 0))
    listening = _Listening(session)
    tracks, buses = session.tracks, session.bus_order()
    ends = (*buses, session.master)
    latency = _latencies(session, sr)
    wanted = frames  # render on for as long as the mix comes out late, then move it back
    frames += latency[MASTER] + session.master.strip.latency_frames(sr)
    mixing = _Summing([b.name for b in ends], frames)
    lock = threading.Lock()
    total, done = len(tracks) + len(ends), [0]

    def deliver(bus_name: str, part: _Part) -> None:
        """Add a part into a bus, late parts waiting for the latest (delay compensation)."""
        mixing.add(bus_name, part, latency[bus_name] - part.latency)

    keys = [_track_key(session, t, listening, sources, start, frames) for t in tracks]
    finished: dict[int, _TrackOut] = {}
    next_up = [0]  # tracks are added in their order, so every render sums alike
    turn = threading.Condition(lock)

    def one(i: int) -> None:
        with turn:  # never more than a few tracks ahead of the next one to be added
            turn.wait_for(lambda: i < next_up[0] + _AHEAD)
        found = cache.get(keys[i]) if cache is not None else None
        if found is None:
            found = _render_track(session, tracks[i], sources, start, frames, listening)
            if cache is not None:
                cache.put(keys[i], found)
        if meters is not None:
            meters[tracks[i].name] = _part_peaks_db(found.main, sr, frames, meter_block_s)
        if outputs is not None and found.main is not None:  # a view asks: a stereo copy
            outputs[tracks[i].name] = found.main.stereo()
        with lock:
            finished[i] = found
            while next_up[0] in finished:  # deliver every finished track now in order
                j = next_up[0]
                out = finished.pop(j)
                if out.main is not None:
                    deliver(tracks[j].output, out.main)
                for bus_name, part in out.sends.items():
                    deliver(bus_name, part)
                next_up[0] += 1
            turn.notify_all()
            done[0] += 1
            if progress is not None:
                progress(done[0], total, tracks[i].name)

    if parallel:
        _parallel.side_by_side(one, len(tracks))
    else:
        for i in range(len(tracks)):
            one(i)

    fed: dict[str, list[Any]] = {b.name: [] for b in ends}  # what each bus heard, in order
    for track, key in zip(tracks, keys, strict=True):
        if listening.track_on(track):
            fed[track.output].append((key, "main"))
        for send in track.sends:
            if listening.send_on(track, send):
                fed[send.bus].append((key, send.bus))
    start_s = start / sr
    mix: _Part | None = None
    for level in _bus_levels(session, buses):
        bus_keys = {
            bus.name: (
                "bus",
                bus,
                tuple(fed[bus.name]),
                latency[bus.name],
                listening.bus_on(bus),
                tuple(listening.bus_send_on(bus, x) for x in bus.sends),
                start,
                frames,
            )
            for bus in level
        }
        found: dict[str, Any] = {}
        for bus in level:
            hit = cache.get(bus_keys[bus.name]) if cache is not None else None
            if hit is not None:
                found[bus.name] = hit
        todo = [bus for bus in level if bus.name not in found]
        for bus in level:
            if bus.name in found:
                mixing.drop(bus.name)  # a cached result: its sum is not needed
        # the slowest bus first (as timed in earlier renders), so it is not left to run
        # alone at the end while the other core idles
        todo.sort(key=lambda bus: -_BUS_SECONDS_PER_FRAME.get(bus.name, 0.0))

        def mix_bus(
            i: int,
            todo: list[Bus] = todo,
            found: dict[str, Any] = found,
            bus_keys: dict[str, Any] = bus_keys,
        ) -> None:
            bus = todo[i]
            began = time.perf_counter()
            feed = _Part(mixing.take(bus.name), latency[bus.name])  # its last parts added
            out = _render_bus(bus, feed, sr, start_s, listening)
            _BUS_SECONDS_PER_FRAME[bus.name] = (time.perf_counter() - began) / max(1, frames)
            found[bus.name] = out
            if cache is not None:
                cache.put(bus_keys[bus.name], out)

        if parallel:  # buses of one level do not feed each other: side by side
            _parallel.side_by_side(mix_bus, len(todo))
        else:
            for i in range(len(todo)):
                mix_bus(i)
        for bus in level:  # delivered in desk order, so every render sums alike
            out_part, sends = found[bus.name]
            if meters is not None:
                meters[bus.name] = _part_peaks_db(out_part, sr, frames, meter_block_s)
            if outputs is not None and out_part is not None:
                outputs[bus.name] = out_part.stereo()
            if bus.name == MASTER:
                silent = np.zeros((2, frames), dtype=np.float32)
                mix = out_part if out_part is not None else _Part(silent, latency[MASTER])
            elif out_part is not None:
                deliver(bus.output, out_part)
                fed[bus.output].append((bus_keys[bus.name], "main"))
            if bus.name != MASTER:
                for target, part in sends.items():
                    deliver(target, part)
                    fed[target].append((bus_keys[bus.name], target))
            done[0] += 1
            if progress is not None:
                progress(done[0], total, bus.name)
    assert mix is not None  # the master is the last level
    samples = _back_in_time(_Part(mix.stereo(), mix.latency), frames)[:, :wanted]
    if tail and duration_s is None:
        samples = _trim_tail(samples, content_end=max(1, content))
    return Audio(samples, sr, name or session.name)


def block_peaks_db(
    samples: np.ndarray | None, sr: int, frames: int, block_s: float = 0.05
) -> np.ndarray:
    """Peak level (dBFS, floored at -120) of each ``block_s`` block, both sides together.

    Examples
    --------
    >>> x = np.zeros((2, 4800), dtype=np.float32); x[0, 100] = 0.5
    >>> [round(float(v), 2) for v in block_peaks_db(x, 48000, 4800)]
    [-6.02, -120.0]
    """
    return _to_db(_block_peaks(samples, sr, frames, block_s))


def _block_peaks(
    samples: np.ndarray | None, sr: int, frames: int, block_s: float, gain: float = 1.0
) -> np.ndarray:
    """Linear peak of each block over the channels of ``samples``, times ``gain``."""
    block = max(1, round(block_s * sr))
    n = -(-frames // block)
    if samples is None:
        return np.zeros(n, dtype=np.float32)
    peak = np.abs(samples).max(axis=0)
    padded = np.zeros(n * block, dtype=np.float32)
    padded[: min(frames, peak.shape[0])] = peak[:frames]
    blocks = padded.reshape(n, block).max(axis=1)
    return blocks * np.float32(abs(gain)) if gain != 1.0 else blocks


def _to_db(blocks: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.maximum(20.0 * np.log10(blocks), -120.0).astype(np.float32)


def _part_peaks_db(part: _Part | None, sr: int, frames: int, block_s: float) -> np.ndarray:
    """:func:`block_peaks_db` of a part with its gains, without making it stereo."""
    if part is None:
        return block_peaks_db(None, sr, frames, block_s)
    rows = part.samples.shape[0]
    left, right = part.side_gains()
    if rows == 2 or left == right:
        sides = [_block_peaks(part.samples[r : r + 1], sr, frames, block_s) for r in range(rows)]
        if rows == 2:  # each channel with its own gain
            return _to_db(np.maximum(sides[0] * abs(left), sides[1] * abs(right)))
        return _to_db(sides[0] * abs(left))
    # a mono part placed by a pan: its louder side is the peak
    return _to_db(_block_peaks(part.samples, sr, frames, block_s, max(abs(left), abs(right))))


def _bus_levels(session: Session, buses: tuple[Bus, ...]) -> list[list[Bus]]:
    """Buses grouped so each group is fed only by tracks and earlier groups; master last."""
    level: dict[str, int] = {}
    for bus in buses:  # in mixing order: whatever feeds a bus has its level already
        feeding = [
            b for b in buses if b.output == bus.name or any(x.bus == bus.name for x in b.sends)
        ]
        level[bus.name] = 1 + max((level[b.name] for b in feeding), default=-1)
    groups: list[list[Bus]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for bus in buses:
        groups[level[bus.name]].append(bus)
    return [*groups, [session.master]]


def _latencies(session: Session, sr: int) -> dict[str, int]:
    """How late everything arriving at each bus is, once lined up (its latest feed)."""
    arriving: dict[str, list[int]] = {b.name: [] for b in (*session.buses, session.master)}
    for track in session.tracks:
        late = track.strip.latency_frames(sr)
        for target in (track.output, *(s.bus for s in track.sends)):
            arriving[target].append(late)
    out: dict[str, int] = {}
    for bus in (*session.bus_order(), session.master):
        out[bus.name] = max(arriving[bus.name], default=0)
        late = out[bus.name] + bus.strip.latency_frames(sr)
        if bus.name != MASTER:
            for target in (bus.output, *(s.bus for s in bus.sends)):
                arriving[target].append(late)
    return out


def _back_in_time(part: _Part, frames: int) -> np.ndarray:
    """The mix moved earlier by its latency, so it lines up with the session's time."""
    if part.latency == 0:
        return part.samples
    out = np.zeros((2, frames), dtype=np.float32)
    out[:, : frames - part.latency] = part.samples[:, part.latency :]
    return out


def _trim_tail(samples: np.ndarray, content_end: int) -> np.ndarray:
    """Drop the silent end after the last clip (keeping what still sounds)."""
    loud = np.flatnonzero(np.max(np.abs(samples[:, content_end:]), axis=0) > _SILENT)
    end = content_end + (int(loud[-1]) + 1 if loud.size else 0)
    return samples[:, :end]


def tail_s(session: Session) -> float:
    """How long the mix may keep sounding after the music stops (an upper bound).

    The longest track's tail, then each bus's in the order they are mixed: a delay
    return sent on into a reverb rings for both. The silent end is trimmed afterwards.
    """
    ring: dict[str, float] = {}  # how long each bus's input may ring, then its output
    for bus in (*session.bus_order(), session.master):
        fed = [t.strip.tail_s() for t in session.tracks if bus.name in _targets(t)]
        fed += [ring[b.name] for b in session.buses if b.name in ring and bus.name in _targets(b)]
        ring[bus.name] = max(fed, default=0.0) + bus.strip.tail_s()
    return ring[MASTER]


def _targets(owner: Track | Bus) -> set[str]:
    return {owner.output, *(s.bus for s in owner.sends)}
