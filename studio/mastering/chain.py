"""The mastering chain: an ordered, editable rack of named modules, each with an amount.

A :class:`MasteringChain` is a processor like any other (frozen, declared, saved as a
preset, shown as a generated panel). It holds :class:`Module` items in signal order;
each module wraps one processor (any of :mod:`studio.processors`, or the
:class:`~studio.mastering.loudness.LoudnessTarget`) under a name, with its own bypass
and its own ``amount_pct``. Every setting has a path by module name::

    chain = MasteringChain.default(target="spotify")
    chain.get(("modules", "glue", "processor", "ratio"))
    chain = chain.replace(("modules", "glue", "amount_pct"), 50.0)

**What "amount" means** (one rule for every module, and for the whole chain): every
setting that has a declared neutral value moves that fraction of the way from neutral
to where it is set, and every setting without one stays. So 50 % halves each EQ band's
gain and the tilt, brings a compressor's ratio halfway to 1:1 on a log scale (4:1 ->
2:1) and its make-up halfway to 0 dB, the imager's width halfway to 100 %, a
saturation's or exciter's wet mix halfway to dry, a limiter's drive halfway to 0 dB.
Frequencies, thresholds, times, a loudness target, a ceiling and a bit depth have no
neutral value and stay: at 0 % a module keeps only what is not a matter of taste (a
high-pass against rumble, the delivery level, the ceiling, the dither). It is not a
dry/wet blend: a blend of a compressed and an uncompressed master is another sound
(parallel compression), and a blend of two EQs is a comb filter. The whole chain's
``amount_pct`` multiplies every module's, so the chain at 0 % is the mix at the
target's level and ceiling: what the rack adds beyond level.

Previews: :meth:`MasteringChain.resolved` gives the plain
:class:`~studio.processors.base.Chain` of each module's processor at its effective
amount (modules that change nothing left out), which the preview engine renders stage
by stage, reusing every unchanged prefix.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from studio.dsp.control import Envelope
from studio.errors import ParameterError, PresetError
from studio.mastering.loudness import LoudnessTarget
from studio.mastering.targets import Target, target
from studio.params import Leaf, text
from studio.processors.base import (
    Capabilities,
    Chain,
    Processor,
    add_traces,
    child,
    items,
    load_preset,
    param,
)
from studio.processors.colour import Exciter, Saturation
from studio.processors.delivery import Dither
from studio.processors.dynamics import Compressor, Limiter, MultibandCompressor
from studio.processors.eq import DynamicEQ, EQBand, ParametricEQ
from studio.processors.filters import TiltEQ
from studio.processors.stereo import StereoWidth
from studio.processors.utility import Gain
from studio.text import t

__all__ = ["MODULE_NAMES", "MasteringChain", "Module", "scaled"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _toward(value: float, neutral: float, fraction: float, log: bool) -> float:
    if log and value > 0.0 and neutral > 0.0:
        return float(neutral * (value / neutral) ** fraction)
    return float(neutral + fraction * (value - neutral))


def scaled(proc: Processor, amount_pct: float) -> Processor:
    """``proc`` with every setting that has a neutral value moved ``amount_pct`` of the way.

    100 % returns ``proc`` itself; 0 % puts every such setting at its neutral value.
    Settings without a neutral value (frequencies, thresholds, times, targets, ceilings,
    choices) are kept. Log-scaled settings (a ratio) move on their log scale, so half of
    4:1 is 2:1. Moving settings (envelopes) are scaled point by point.

    Examples
    --------
    >>> from studio.processors.dynamics import Compressor
    >>> round(scaled(Compressor(ratio=4.0, makeup_db=2.0), 50.0).ratio, 6)
    2.0
    """
    if amount_pct >= 100.0:
        return proc
    fraction = max(0.0, amount_pct / 100.0)

    def move(leaf: Leaf) -> Any:
        spec, value = leaf.spec, leaf.value
        if spec.kind != "number" or spec.neutral is None or spec.name == "bypass":
            return value
        log = spec.scale == "log"
        lo = -math.inf if spec.lo is None else spec.lo
        hi = math.inf if spec.hi is None else spec.hi

        def one(v: float) -> float:
            return min(max(_toward(float(v), float(spec.neutral), fraction, log), lo), hi)

        if isinstance(value, Envelope):
            return Envelope(value.times_s, [one(v) for v in value.values], value.shape)
        moved = one(value)
        return value if moved == value else moved

    return proc.map_values(move)


def _passes_unchanged(proc: Processor) -> bool:
    """Whether ``proc`` leaves every input untouched as set (neutral and declared so)."""
    return proc.bypass or (type(proc).identity_when_neutral and proc.is_neutral())


@dataclass(frozen=True)
class Module(Processor):
    """Module: one named step of the mastering rack, with its own amount and bypass.

    ``processor`` is what it does; ``amount_pct`` how far its settings go from neutral
    (see :mod:`studio.mastering.chain`); ``bypass`` switches it off. The name is how
    paths, presets and the rack's tabs find it (``"glue"``, ``"loudness"``).
    """

    capabilities: ClassVar[Capabilities] = Capabilities(trace=True)

    name: str = text("module")
    processor: Processor = child(Processor, Gain())
    amount_pct: float = param(
        100.0, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0, automatable=False
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if not _NAME.match(self.name):
            raise ParameterError(
                f"Module: a name is lower-case letters, digits and '_', starting with a "
                f"letter (it is part of every path); got {self.name!r}."
            )

    @property
    def title(self) -> str:
        """The module's name as a learner reads it (its catalogue name when it has one)."""
        key = f"chain.modules.{self.name}.name"
        from studio.text import has

        return t(key) if has(key) else self.name.replace("_", " ")

    def effective(self, chain_amount_pct: float = 100.0) -> Processor:
        """The processor as it sounds: settings scaled by this amount times the chain's."""
        return scaled(self.processor, self.amount_pct * chain_amount_pct / 100.0)

    def check_rate(self, sr: int) -> None:
        """Check the wrapped processor at this rate."""
        self.processor.check_rate(sr)

    def _output_channels(self, n_in: int) -> int:
        return self.processor.output_channels(n_in)

    def _process_with_trace(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        out, trace = self.effective().run(samples, sr, trace=True)
        return out, np.zeros(out.shape[-1]) if trace is None else trace

    def describe(self) -> str:
        """The module's name and amount, then its processor described."""
        if self.bypass:
            return t("chain.describe.module_off", name=self.title)
        inner = self.effective().describe().replace("\n", "\n   ")
        return t(
            "chain.describe.module", name=self.title, amount_pct=self.amount_pct, description=inner
        )


#: The modules of the default rack, in signal order.
MODULE_NAMES = (
    "corrective_eq",
    "tonal_eq",
    "tilt",
    "glue",
    "multiband",
    "dynamic_eq",
    "imager",
    "saturation",
    "exciter",
    "limiter",
    "loudness",
    "dither",
)


def _default_modules(goal: Target) -> tuple[Module, ...]:
    """A gentle starting rack; tools for specific problems start bypassed."""
    procs: dict[str, tuple[Processor, bool]] = {
        "corrective_eq": (
            ParametricEQ(
                bands=(
                    EQBand("high_pass", 30.0, 0.0, 0.707),
                    EQBand("peak", 250.0, 0.0, 1.0),
                    EQBand("peak", 3500.0, 0.0, 1.0),
                )
            ),
            False,
        ),
        "tonal_eq": (
            ParametricEQ(
                bands=(
                    EQBand("low_shelf", 100.0, 0.0, 0.707),
                    EQBand("peak", 1000.0, 0.0, 0.7),
                    EQBand("high_shelf", 10000.0, 0.0, 0.707),
                ),
                phase="linear",
            ),
            False,
        ),
        "tilt": (TiltEQ(tilt_db=0.0, pivot_hz=1000.0), False),
        "glue": (
            Compressor(
                threshold_db=-20.0,
                ratio=1.5,
                knee_db=6.0,
                attack_ms=30.0,
                release_ms=200.0,
            ),
            False,
        ),
        "multiband": (MultibandCompressor(), True),
        "dynamic_eq": (
            DynamicEQ(freq_hz=3500.0, q=2.0, threshold_db=-30.0, ratio=2.0, range_db=4.0),
            True,
        ),
        "imager": (StereoWidth(width_pct=100.0, mono_below_hz=120.0), False),
        "saturation": (Saturation(drive_db=3.0, character="tape", mix_pct=30.0), True),
        "exciter": (Exciter(freq_hz=5000.0, drive_db=9.0, amount_pct=15.0), True),
        "limiter": (Limiter(ceiling_dbtp=goal.true_peak_dbtp, gain_db=2.0), True),
        "loudness": (LoudnessTarget.for_target(goal), False),
        "dither": (Dither(bit_depth="16", noise_shaping="none"), True),
    }
    return tuple(
        Module(name=name, processor=proc, bypass=off) for name, (proc, off) in procs.items()
    )


@dataclass(frozen=True)
class MasteringChain(Processor):
    """Mastering chain: the rack from a stereo mixdown to a release master.

    Named modules in signal order (corrective and tonal EQ, tilt, glue compressor,
    multiband compressor, dynamic EQ, stereo imager with mono low end, saturation,
    exciter, true-peak limiter, loudness target, dither), each with its bypass and its
    amount, and an amount for the whole rack (see :mod:`studio.mastering.chain` for
    what an amount does). What you hear: the mix, cleaned, balanced, held together and
    brought to the target's loudness under its ceiling; switch a module off to hear
    what it adds, turn the whole amount down to hear how far the rack has moved.

    Examples
    --------
    >>> chain = MasteringChain.default(target="ebu_r128")
    >>> chain.get(("modules", "loudness", "processor", "target_lufs"))
    -23.0
    >>> [m.name for m in chain.modules][:3]
    ['corrective_eq', 'tonal_eq', 'tilt']
    """

    capabilities: ClassVar[Capabilities] = Capabilities(trace=True)
    identity_when_neutral: ClassVar[bool] = False  # the level, ceiling and dither remain
    accepts_channels = (1, 2)

    modules: tuple[Module, ...] = items(Module, _default_modules(target("spotify")))
    amount_pct: float = param(
        100.0, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0, automatable=False
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [m.name for m in self.modules]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ParameterError(
                f"MasteringChain: module names must be unique (they are part of every "
                f"path); {', '.join(map(repr, doubled))} appears more than once."
            )

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def default(cls, target: str | Target = "spotify") -> MasteringChain:
        """The starting rack for a delivery target (``"spotify"``, ``"ebu_r128"``...).

        On: a 30 Hz high-pass, the (flat) tonal EQ and tilt, a gentle glue compressor,
        mono below 120 Hz and the loudness target. Bypassed until a mix needs them: the
        multiband compressor, the dynamic EQ, saturation, the exciter, the drive limiter
        (the loudness target holds the ceiling) and dither (for a 16-bit file).
        """
        from studio.mastering.targets import target as find

        return cls(modules=_default_modules(find(target)))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MasteringChain:
        """Read a chain saved with :meth:`save_preset` (a JSON preset file)."""
        proc = load_preset(path)
        if not isinstance(proc, cls):
            raise PresetError(f"'{path}' holds a {type(proc).__name__}, not a {cls.__name__}.")
        return proc

    def module(self, name: str) -> Module:
        """The module called ``name``."""
        for m in self.modules:
            if m.name == name:
                return m
        raise ParameterError(
            f"MasteringChain has no module {name!r}; it has "
            f"{', '.join(m.name for m in self.modules)}."
        )

    def _index(self, name: str) -> int:
        return self.modules.index(self.module(name))

    def with_module(
        self, module: Module, *, before: str | None = None, after: str | None = None
    ) -> MasteringChain:
        """A copy with ``module`` added (at the end, or before/after the one named)."""
        mods = list(self.modules)
        if before is not None and after is not None:
            raise ParameterError("MasteringChain.with_module: give before= or after=, not both.")
        if before is not None:
            mods.insert(self._index(before), module)
        elif after is not None:
            mods.insert(self._index(after) + 1, module)
        else:
            mods.append(module)
        return self.replace(modules=tuple(mods))

    def without(self, name: str) -> MasteringChain:
        """A copy without the module called ``name``."""
        index = self._index(name)
        return self.replace(modules=self.modules[:index] + self.modules[index + 1 :])

    def moved(self, name: str, index: int) -> MasteringChain:
        """A copy with the module called ``name`` moved to position ``index``."""
        mods = list(self.modules)
        m = mods.pop(self._index(name))
        if not -len(mods) - 1 <= index <= len(mods):
            raise ParameterError(
                f"MasteringChain.moved: position {index} does not exist; there are "
                f"{len(self.modules)} modules (numbered from 0)."
            )
        mods.insert(index if index >= 0 else len(mods) + 1 + index, m)
        return self.replace(modules=tuple(mods))

    def with_processor(self, name: str, processor: Processor) -> MasteringChain:
        """A copy with the module called ``name`` doing ``processor`` instead."""
        return self.replace(("modules", name, "processor"), processor)

    def bypassed(self, *names: str, on: bool = True) -> MasteringChain:
        """A copy with the named modules bypassed (``on=False``: switched back on)."""
        out = self
        for name in names:
            out = out.replace(("modules", name, "bypass"), on)
        return out

    # -- sound ------------------------------------------------------------------------------

    def effective(self) -> tuple[tuple[str, Processor], ...]:
        """Each active module's name and processor as it sounds (amounts applied).

        Modules that are bypassed, or that leave the sound untouched as set, are left out.
        """
        out = []
        for m in self.modules:
            if m.bypass:
                continue
            proc = m.effective(self.amount_pct)
            if not _passes_unchanged(proc):
                out.append((m.name, proc))
        return tuple(out)

    def resolved(self) -> Chain:
        """The plain chain that makes the sound: what the preview engine renders.

        Equal settings give equal stages, so a preview reuses every module before the
        one that changed.
        """
        return Chain(*(proc for _, proc in self.effective()), bypass=self.bypass)

    def _heard(self, channels: int) -> list[Processor]:
        """The active modules' processors that act on this many channels.

        A mono master skips what only stereo has (the imager's width and mono low end).
        """
        return [
            proc
            for _, proc in self.effective()
            if proc.accepts_channels is None or channels in proc.accepts_channels
        ]

    def check_rate(self, sr: int) -> None:
        """Check every module at this rate; the message names the module."""
        for m in self.modules:
            try:
                m.processor.check_rate(sr)
            except ParameterError as exc:
                raise ParameterError(f"MasteringChain module {m.name!r}: {exc}") from None

    def _process_with_trace(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """Every active module in order; the trace adds up their gain changes."""
        out = samples
        total: np.ndarray | None = None
        for proc in self._heard(samples.shape[0]):
            out, gain = proc.run(out, sr, trace=True)
            if gain is not None:
                total = add_traces(total, gain)
        if out is samples:
            out = np.array(samples, copy=True)
        return out, np.zeros(out.shape[-1]) if total is None else total

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        out = samples
        for proc in self._heard(samples.shape[0]):
            out = proc.run(out, sr)[0]
        return np.array(samples, copy=True) if out is samples else out

    # -- words ------------------------------------------------------------------------------

    def describe(self) -> str:
        """The rack in order: each module's name, amount and settings in words."""
        lines = [t("chain.describe.heading", n=len(self.modules), amount_pct=self.amount_pct)]
        for i, m in enumerate(self.modules, start=1):
            lines.append(f"{i}. " + m.describe().replace("\n", "\n   "))
        return "\n".join(lines)

    def __len__(self) -> int:
        return len(self.modules)

    def names(self) -> tuple[str, ...]:
        """The modules' names in signal order."""
        return tuple(m.name for m in self.modules)
