"""The mixing session as one frozen model: stems, tracks, channel strips, buses, VCAs.

A session is what a mixing desk holds: every setting of every track, send and bus, as
frozen parametric objects that nest (see :mod:`studio.params`). So every setting has a
path from the session, ``("tracks", "voice", "strip", "eq", "bands", 2, "gain_db")``,
and ``session.get(path)`` / ``session.replace(path, value)`` read and change it; a preset,
a saved session, an automation lane, a generated control and an undo step all name that
same path. Tracks, buses, sends, VCAs and stems are addressed by their names.

The audio itself is not in the model: a session names its stems, and the samples are
held beside it (see :mod:`studio.mixing.project`). Rendering lives in
:mod:`studio.mixing.render`.

Signal flow, in the order a mix engineer learns it
    clips on a track's timeline (each trimmed, faded, with its own gain) -> the track's
    channel strip (:class:`Strip`: trim, polarity, high-pass, low-pass, EQ, dynamics,
    inserts, fader and pan) -> the bus the track feeds (a group bus or the master). Sends
    tap the strip before its fader (pre-fader: a headphone mix, a level that ignores the
    fader) or after it (post-fader: a reverb send that follows the fader) and feed a bus,
    usually an effect return. A VCA moves the faders of the tracks assigned to it
    without carrying any audio itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from studio.errors import ParameterError
from studio.params import Parametric, child, items, param, text
from studio.processors.base import Capabilities, Chain, Processor
from studio.processors.dynamics import Compressor
from studio.processors.eq import ParametricEQ
from studio.processors.filters import HighPass, LowPass
from studio.processors.utility import Fader, Gain

__all__ = [
    "BUS_KINDS",
    "FADE_SHAPES",
    "MASTER",
    "TRACK_LAYOUTS",
    "Bus",
    "Clip",
    "Send",
    "Session",
    "Stem",
    "Strip",
    "Track",
    "Vca",
]

#: The name of the master bus, where every path ends.
MASTER = "master"
#: How a fade moves: a straight line in gain, constant power, a smooth S, or in dB.
FADE_SHAPES = ("equal_power", "linear", "s_curve", "exponential")
#: A track carries one channel (a voice, a bass) or two (a stereo pad, overheads).
TRACK_LAYOUTS = ("mono", "stereo")
#: A group bus sums tracks (drums); a return bus carries an effect fed by sends.
BUS_KINDS = ("group", "return")

_LONGEST_S = 24 * 3600.0  # a day: any session is shorter


@dataclass(frozen=True)
class Stem(Parametric):
    """A recorded part the session uses: its name and, once saved, its file and length.

    ``frames`` is how long the stem is in the session (at the session's rate), recorded
    when it is saved: stems imported together are padded to one length, while their
    files keep their own, so opening the session pads each file to what it was.
    """

    name: str = text("stem")
    #: The file, relative to the saved session file (absolute when elsewhere).
    path: str | None = text(None, optional=True)
    frames: float = param(0.0, lo=0.0, hi=1e12, automatable=False, advanced=True)


@dataclass(frozen=True)
class Clip(Parametric):
    """A piece of a stem placed on a track's timeline.

    ``start_s`` is where it begins in the song; ``trim_in_s`` and ``trim_out_s`` cut
    that much off the stem's start and end; the fades rise from and fall to silence at
    the clip's edges, shaped by ``fade_shape``; ``gain_db`` sets the clip's level before
    the channel strip (clip gain).
    """

    source: str = text("")
    start_s: float = param(0.0, lo=0.0, hi=_LONGEST_S, unit="s", automatable=False)
    trim_in_s: float = param(0.0, lo=0.0, hi=_LONGEST_S, unit="s", automatable=False)
    trim_out_s: float = param(0.0, lo=0.0, hi=_LONGEST_S, unit="s", automatable=False)
    fade_in_s: float = param(0.0, lo=0.0, hi=600.0, unit="s", automatable=False)
    fade_out_s: float = param(0.0, lo=0.0, hi=600.0, unit="s", automatable=False)
    fade_shape: str = param("equal_power", choices=FADE_SHAPES)
    gain_db: float = param(
        0.0, lo=-60.0, hi=24.0, unit="dB", neutral=0.0, step=0.1, automatable=False
    )


@dataclass(frozen=True)
class Send(Parametric):
    """A copy of a track's (or bus's) signal sent to a bus, at its own level.

    Post-fader (the default) the send follows the fader: ride the fader down and the
    reverb goes down with it. Pre-fader it taps the strip before the fader, so its level
    is independent of the fader.
    """

    bus: str = text("")
    level_db: float = param(-10.0, lo=-120.0, hi=12.0, unit="dB", step=0.1)
    pre_fader: bool = param(False, neutral=False)

    @property
    def name(self) -> str:
        """The bus it feeds: sends are addressed by it in paths (``sends.reverb``)."""
        return self.bus


@dataclass(frozen=True)
class Strip(Processor):
    """Channel strip: trim, polarity, filters, EQ, dynamics, inserts, then fader and pan.

    The fixed order of a console's channel, and why: set the level coming in (trim),
    fix polarity, clear out what does not belong (high- and low-pass), shape the tone
    (EQ), steady the dynamics (compressor), add character (inserts), and only then
    decide how loud the track sits and where (fader and pan). A mono track leaves the
    strip as stereo: the pan places it between the speakers.
    """

    capabilities: ClassVar[Capabilities] = Capabilities()
    identity_when_neutral = False  # the pan law spreads a mono input to two channels
    accepts_channels = (1, 2)

    trim_db: float = param(0.0, lo=-24.0, hi=24.0, unit="dB", neutral=0.0, step=0.1)
    invert: bool = param(False, neutral=False)
    high_pass: Processor = child(Processor, HighPass(bypass=True))
    low_pass: Processor = child(Processor, LowPass(bypass=True))
    eq: ParametricEQ = child(ParametricEQ)
    dynamics: Processor = child(Processor, Compressor(bypass=True))
    inserts: Chain = child(Chain)
    fader: Fader = child(Fader)

    def stages(self) -> tuple[Processor, ...]:
        """The processors before the fader, in signal order (trim and polarity aside)."""
        return (self.high_pass, self.low_pass, self.eq, self.dynamics, self.inserts)

    def _output_channels(self, n_in: int) -> int:
        return 2

    def _tail_s(self) -> float:
        return sum(stage.tail_s() for stage in self.stages())

    def _latency_frames(self, sr: int) -> int:
        return sum(stage.latency_frames(sr) for stage in (*self.stages(), self.fader))

    def pre_fader(self, x: np.ndarray, sr: int, *, copy: bool = True) -> np.ndarray:
        """The signal just before the fader (what a pre-fader send taps).

        With ``copy=False`` a strip that changes nothing hands ``x`` itself back (for a
        caller that never writes to it, as the mixdown: no copy of an untouched track).
        """
        if self.bypass:
            return np.array(x, copy=True) if copy else x
        y = x
        if self.trim_db != 0.0:
            y = Gain(gain_db=self.trim_db).run(y, sr)[0]
        if self.invert:
            y = -y
        stages = [s for s in self.stages() if not s.bypass and not _passes_unchanged(s, sr)]
        i = 0
        while i < len(stages):
            stage, after = stages[i], stages[i + 1] if i + 1 < len(stages) else None
            if _eq_into_compressor(stage, after):  # one pass for both: the same numbers
                assert isinstance(stage, ParametricEQ) and isinstance(after, Compressor)
                y = after.run_filtered(y, sr, stage.sos(sr))
                i += 2
            else:
                y = stage.run(y, sr)[0]
                i += 1
        return y if (y is not x or not copy) else np.array(x, copy=True)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Every stage in order, the fader last."""
        return self.fader.run(self.pre_fader(samples, sr), sr)[0]


@dataclass(frozen=True)
class Track(Parametric):
    """One recorded part: its clips on the timeline and its channel strip.

    ``output`` names the bus it feeds (``"master"``, or a group bus such as
    ``"drums"``); ``vca`` the VCA that rides its fader, if any. Mute silences it; solo
    (in place) silences every track that is not soloed, while effect returns stay open
    so a soloed voice keeps its reverb.
    """

    name: str = text("track")
    colour: str = text("#7f8c8d")
    layout: str = param("mono", choices=TRACK_LAYOUTS)
    clips: tuple[Clip, ...] = items(Clip, ())
    strip: Strip = child(Strip)
    sends: tuple[Send, ...] = items(Send, ())
    output: str = text(MASTER)
    vca: str = text("")
    mute: bool = param(False, neutral=False)
    solo: bool = param(False, neutral=False)

    @property
    def owner_label(self) -> str:
        """How messages name this track: ``track 'voice'``."""
        return f"track {self.name!r}"

    @property
    def channels(self) -> int:
        """1 for a mono track, 2 for a stereo one."""
        return 1 if self.layout == "mono" else 2


@dataclass(frozen=True)
class Bus(Parametric):
    """A stereo bus: sums what feeds it, runs its own strip, feeds the next bus.

    A group bus (``kind="group"``) gathers tracks to treat them as one (a drum bus with
    its own compression, parallel compression as an insert); an effect return
    (``kind="return"``) holds a reverb or a delay at 100 % wet, fed by sends, so many
    tracks share one space. The master bus is where everything ends.
    """

    name: str = text("bus")
    colour: str = text("#95a5a6")
    kind: str = param("group", choices=BUS_KINDS)
    strip: Strip = child(Strip)
    sends: tuple[Send, ...] = items(Send, ())
    output: str = text(MASTER)
    mute: bool = param(False, neutral=False)
    solo: bool = param(False, neutral=False)

    @property
    def owner_label(self) -> str:
        """How messages name this bus: ``bus 'drums'``."""
        return f"bus {self.name!r}"


@dataclass(frozen=True)
class Vca(Parametric):
    """A VCA group fader: moves the faders of its tracks together, carrying no audio.

    Its gain adds to each assigned track's fader (in dB), post-fader sends included, so
    a whole section rides up or down while the balance inside it stays as it is.
    """

    name: str = text("vca")
    gain_db: float = param(0.0, lo=-120.0, hi=12.0, unit="dB", neutral=0.0, step=0.1)
    mute: bool = param(False, neutral=False)


@dataclass(frozen=True)
class Session(Parametric):
    """A whole mix: its stems, tracks, buses, VCAs and master bus, at one sample rate.

    Examples
    --------
    >>> s = Session(tracks=[Track(name="voice", clips=[Clip(source="voice")])],
    ...             stems=[Stem(name="voice")])
    >>> s.replace(("tracks", "voice", "strip", "fader", "gain_db"), -3.0).get(
    ...     ("tracks", "voice", "strip", "fader", "gain_db"))
    -3.0
    """

    name: str = text("session")
    sample_rate: float = param(48000.0, lo=8000.0, hi=768000.0, unit="Hz", automatable=False)
    stems: tuple[Stem, ...] = items(Stem, ())
    tracks: tuple[Track, ...] = items(Track, ())
    buses: tuple[Bus, ...] = items(Bus, ())
    vcas: tuple[Vca, ...] = items(Vca, ())
    master: Bus = child(Bus, Bus(name=MASTER))

    def __post_init__(self) -> None:
        super().__post_init__()
        _unique("track", [t.name for t in self.tracks])
        _unique("bus", [b.name for b in self.buses] + [MASTER])
        # one name, one strip: meters, stems and solo name tracks and buses alike
        every = [t.name for t in self.tracks] + [b.name for b in self.buses] + [MASTER]
        _unique("track or bus", every, "tracks and buses")  # prose: ok (error text)
        _unique("VCA", [v.name for v in self.vcas])
        _unique("stem", [s.name for s in self.stems])
        if self.master.name != MASTER:
            object.__setattr__(self, "master", self.master.replace(name=MASTER))
        self._check_routing()

    @property
    def sr(self) -> int:
        """The session's sample rate in Hz, as an integer."""
        return int(self.sample_rate)

    # -- lookups ------------------------------------------------------------------------

    def track(self, name: str) -> Track:
        """The track called ``name`` (a plain error lists the names otherwise)."""
        return _named(self.tracks, name, "track")

    def bus(self, name: str) -> Bus:
        """The bus called ``name``; ``"master"`` is the master bus."""
        if name == MASTER:
            return self.master
        return _named(self.buses, name, "bus")

    def bus_order(self) -> tuple[Bus, ...]:
        """Buses in the order they are mixed: each after everything that feeds it."""
        feeds: dict[str, set[str]] = {b.name: set() for b in self.buses}
        for b in self.buses:
            for target in (b.output, *(s.bus for s in b.sends)):
                if target in feeds:
                    feeds[target].add(b.name)
        done: list[str] = []
        pending = dict(feeds)
        while pending:
            ready = sorted(n for n, before in pending.items() if before <= set(done))
            if not ready:
                raise ParameterError(
                    "session: buses feed each other in a loop ("
                    + " -> ".join(sorted(pending))
                    + "); a bus may not feed itself, directly or through another bus."
                )
            done.extend(ready)
            for n in ready:
                del pending[n]
        by_name = {b.name: b for b in self.buses}
        return tuple(by_name[n] for n in done)

    def feeders(self, bus_name: str) -> Iterator[str]:
        """Names of the tracks and buses whose output or sends reach ``bus_name``."""
        for t in self.tracks:
            if t.output == bus_name or any(s.bus == bus_name for s in t.sends):
                yield t.name
        for b in self.buses:
            if b.output == bus_name or any(s.bus == bus_name for s in b.sends):
                yield b.name

    def lanes(self) -> tuple[tuple[tuple[Any, ...], Any], ...]:
        """Every automation lane: ``(path, envelope)`` for each value that moves.

        Paths name tracks, buses and sends by name, as ``replace`` accepts them.
        """
        from studio.dsp.control import Envelope

        found = []
        for leaf in self.leaves(words=False):
            if isinstance(leaf.value, Envelope):
                found.append((self._named_path(leaf.path), leaf.value))
        return tuple(found)

    def _named_path(self, path: tuple[Any, ...]) -> tuple[Any, ...]:
        """Replace item numbers by names where the items have names."""
        out: list[Any] = []
        target: Any = self
        for part in path:
            step = target[part] if isinstance(target, tuple) else getattr(target, part)
            name = getattr(step, "name", None) if isinstance(target, tuple) else None
            out.append(name if isinstance(name, str) and name else part)
            target = step
        return tuple(out)

    # -- building -----------------------------------------------------------------------

    def with_track(self, track: Track) -> Session:
        """A copy with ``track`` added at the end of the desk (or replacing its namesake)."""
        return self.replace(tracks=_put(self.tracks, track))

    def with_bus(self, bus: Bus) -> Session:
        """A copy with ``bus`` added (or replacing the bus of the same name)."""
        return self.replace(buses=_put(self.buses, bus))

    def with_send(self, track: str, send: Send) -> Session:
        """A copy where track ``track`` sends to ``send.bus`` (replacing a send to it)."""
        owner = self.track(track)
        return self.with_track(owner.replace(sends=_put(owner.sends, send)))

    def without_track(self, name: str) -> Session:
        """A copy without track ``name`` (its stem stays, unused)."""
        self.track(name)
        return self.replace(tracks=tuple(tr for tr in self.tracks if tr.name != name))

    # -- checks -------------------------------------------------------------------------

    def _check_routing(self) -> None:
        buses = {b.name: b for b in self.buses}
        vcas = {v.name for v in self.vcas}
        for owner, output, sends in (
            *((t.owner_label, t.output, t.sends) for t in self.tracks),
            *((b.owner_label, b.output, b.sends) for b in self.buses),
        ):
            if output != MASTER and output not in buses:
                raise ParameterError(
                    f"session: {owner} feeds {output!r}, which is not a bus; the buses are "
                    f"{', '.join(map(repr, [*buses, MASTER]))}."
                )
            _unique(f"send of {owner}", [s.bus for s in sends])
            for s in sends:
                if s.bus not in buses:
                    raise ParameterError(
                        f"session: {owner} sends to {s.bus!r}, which is not a bus; the "
                        f"buses are {', '.join(map(repr, buses)) or 'none yet'}."
                    )
        for b in self.buses:
            if b.output == b.name or b.name in (s.bus for s in b.sends):
                raise ParameterError(f"session: {b.owner_label} may not feed itself.")
        for t in self.tracks:
            if t.vca and t.vca not in vcas:
                raise ParameterError(
                    f"session: {t.owner_label} is assigned to VCA {t.vca!r}, which does "
                    f"not exist; the VCAs are {', '.join(map(repr, vcas)) or 'none yet'}."
                )
        stems = {s.name for s in self.stems}
        if stems:
            for t in self.tracks:
                for c in t.clips:
                    if c.source not in stems:
                        raise ParameterError(
                            f"session: a clip on {t.owner_label} plays stem {c.source!r}, "
                            f"which the session does not have; the stems are "
                            f"{', '.join(map(repr, sorted(stems)))}."
                        )
        self.bus_order()  # refuses loops


def _eq_into_compressor(stage: Processor, after: Processor | None) -> bool:
    """Whether a fixed, minimum-phase EQ feeds a compressor (they can run as one pass)."""
    return (
        type(stage) is ParametricEQ
        and type(after) is Compressor
        and stage.phase == "minimum"
        and not stage.moves
    )


def _passes_unchanged(stage: Processor, sr: int) -> bool:
    """Whether a stage, as set, would hand its input on untouched (so it can be skipped).

    Only a stage that says so by its settings: an empty chain, or a processor that
    declares neutral values and sits at them (an EQ with every band at 0 dB). A
    processor with nothing to set (a learner's own, say) is always run.
    """
    if stage.bypass:
        return True
    if isinstance(stage, Chain):
        return all(_passes_unchanged(p, sr) for p in stage.processors)
    declares = any(
        leaf.spec.neutral is not None and leaf.spec.name != "bypass"
        for leaf in stage.leaves(words=False)
    )
    return (
        declares
        and stage.identity_when_neutral
        and stage.latency_frames(sr) == 0
        and stage.is_neutral()
    )


def _put(things: tuple[Any, ...], thing: Any) -> tuple[Any, ...]:
    """``things`` with ``thing`` replacing its namesake in place, or added at the end."""
    names = [x.name for x in things]
    if thing.name in names:
        i = names.index(thing.name)
        return (*things[:i], thing, *things[i + 1 :])
    return (*things, thing)


def _unique(what: str, names: list[str], plural: str | None = None) -> None:
    seen: set[str] = set()
    for n in names:
        if not n:
            raise ParameterError(f"session: every {what} needs a name.")
        if n in seen:
            raise ParameterError(f"session: two of the {plural or what + 's'} are called {n!r}.")
        seen.add(n)


def _named(things: tuple[Any, ...], name: str, what: str) -> Any:
    for thing in things:
        if thing.name == name:
            return thing
    names = ", ".join(repr(x.name) for x in things) or "none yet"
    raise ParameterError(f"session: there is no {what} called {name!r}; the {what}s are {names}.")
