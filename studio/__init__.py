"""studio: learn and practise mixing and mastering in JupyterLab.

The entry points a newcomer needs are here at the top::

    import studio
    mix = studio.load("my_mix.wav")            # studio.Audio
    m = studio.measure(mix)                    # loudness, true peak, ...
    comp = studio.Compressor(threshold_db=-18.0, ratio=4.0)
    out = comp(mix)
    studio.save(out, "out.wav", subtype="PCM_24")
    demo = studio.demo.session()               # the built-in multitrack

Heavy parts (scipy, the processors, the widgets) load on first use. numba's compiler
starts in a background thread here (:mod:`studio.dsp.warmup`), so the import is quick
and a processing call that comes a moment later pays only for its own kernels.
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import TYPE_CHECKING, Any

from studio.audio import Audio
from studio.errors import (
    AudioDataError,
    AudioFileError,
    ParameterError,
    PresetError,
    StudioError,
    StudioWarning,
)

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access.
_LAZY = {
    "load": "studio.io",
    "save": "studio.io",
    "info": "studio.io",
    "measure": "studio.analysis.meter",
    "Measurement": "studio.analysis.meter",
    "Finding": "studio.analysis.findings",
    "Project": "studio.mixing.project",
    "Session": "studio.mixing.session",
    "ready_for_mastering": "studio.mixing.report",
    "Processor": "studio.processors.base",
    "Chain": "studio.processors.base",
    "Parallel": "studio.processors.base",
    "Branch": "studio.processors.base",
    "load_preset": "studio.processors.base",
    "EQBand": "studio.processors.eq",
    "Envelope": "studio.dsp.control",
    "Gain": "studio.processors.utility",
    "Polarity": "studio.processors.utility",
    "Mute": "studio.processors.utility",
    "Pan": "studio.processors.utility",
    "Fader": "studio.processors.utility",
    "Balance": "studio.processors.utility",
    "HighPass": "studio.processors.filters",
    "LowPass": "studio.processors.filters",
    "Notch": "studio.processors.filters",
    "BandPass": "studio.processors.filters",
    "TiltEQ": "studio.processors.filters",
    "ParametricEQ": "studio.processors.eq",
    "DynamicEQ": "studio.processors.eq",
    "Compressor": "studio.processors.dynamics",
    "Gate": "studio.processors.dynamics",
    "MultibandBand": "studio.processors.dynamics",
    "MultibandCompressor": "studio.processors.dynamics",
    "TransientShaper": "studio.processors.dynamics",
    "Limiter": "studio.processors.dynamics",
    "Saturation": "studio.processors.colour",
    "Exciter": "studio.processors.colour",
    "Reverb": "studio.processors.space",
    "ConvolutionReverb": "studio.processors.space",
    "Delay": "studio.processors.space",
    "Tremolo": "studio.processors.modulation",
    "AutoPan": "studio.processors.modulation",
    "Vibrato": "studio.processors.modulation",
    "Chorus": "studio.processors.modulation",
    "Flanger": "studio.processors.modulation",
    "Phaser": "studio.processors.modulation",
    "StereoWidth": "studio.processors.stereo",
    "MultibandWidth": "studio.processors.stereo",
    "Dither": "studio.processors.delivery",
    "SampleRateConverter": "studio.processors.delivery",
}
_SUBMODULES = {
    "analysis",
    "course",
    "demo",
    "dsp",
    "io",
    "mastering",
    "mixing",
    "preview",
    "processors",
    "text",
    "widgets",
}

__all__ = [
    "Audio",
    "AudioDataError",
    "AudioFileError",
    "ParameterError",
    "PresetError",
    "StudioError",
    "StudioWarning",
    "load",
    "save",
    "info",
    "measure",
    "Measurement",
    "Finding",
    "Project",
    "Session",
    "ready_for_mastering",
    "Processor",
    "Chain",
    "Parallel",
    "Branch",
    "load_preset",
    "EQBand",
    "Envelope",
    "Gain",
    "Polarity",
    "Mute",
    "Fader",
    "Pan",
    "Balance",
    "HighPass",
    "LowPass",
    "Notch",
    "BandPass",
    "TiltEQ",
    "ParametricEQ",
    "DynamicEQ",
    "Compressor",
    "Gate",
    "MultibandBand",
    "MultibandCompressor",
    "TransientShaper",
    "Limiter",
    "Saturation",
    "Exciter",
    "Reverb",
    "ConvolutionReverb",
    "Delay",
    "Tremolo",
    "AutoPan",
    "Vibrato",
    "Chorus",
    "Flanger",
    "Phaser",
    "StereoWidth",
    "MultibandWidth",
    "Dither",
    "SampleRateConverter",
    "analysis",
    "course",
    "demo",
    "dsp",
    "io",
    "mixing",
    "preview",
    "processors",
    "text",
    "widgets",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from studio import analysis, demo, dsp, io, mixing, processors, text, widgets
    from studio.analysis.findings import Finding
    from studio.analysis.meter import Measurement, measure
    from studio.dsp.control import Envelope
    from studio.io import info, load, save
    from studio.mixing.project import Project
    from studio.mixing.report import ready_for_mastering
    from studio.mixing.session import Session
    from studio.processors.base import Branch, Chain, Parallel, Processor, load_preset
    from studio.processors.colour import Exciter, Saturation
    from studio.processors.delivery import Dither, SampleRateConverter
    from studio.processors.dynamics import (
        Compressor,
        Gate,
        Limiter,
        MultibandBand,
        MultibandCompressor,
        TransientShaper,
    )
    from studio.processors.eq import DynamicEQ, EQBand, ParametricEQ
    from studio.processors.filters import BandPass, HighPass, LowPass, Notch, TiltEQ
    from studio.processors.modulation import AutoPan, Chorus, Flanger, Phaser, Tremolo, Vibrato
    from studio.processors.space import ConvolutionReverb, Delay, Reverb
    from studio.processors.stereo import MultibandWidth, StereoWidth
    from studio.processors.utility import Balance, Fader, Gain, Mute, Pan, Polarity


def _warm_up_in_background() -> threading.Thread | None:
    """Start numba's compiler in a daemon thread; return the thread.

    The recursions that cannot be vectorised run as numba kernels; the first one a
    process calls costs numba's start-up (about 0.5 s) before its own compilation (or
    loading from the disk cache). Doing that here, synchronously, made every
    ``import studio`` slow; in a background thread the import returns at once and the
    start-up overlaps with whatever comes next (in a notebook: the learner reading, the
    next cells). Only the start-up: a first call right after the import then waits no
    longer than it would have anyway (:mod:`studio.dsp.warmup` has the longer list).
    Set the environment variable ``STUDIO_WARM_UP=0`` to skip it.
    """
    if os.environ.get("STUDIO_WARM_UP", "1").strip() in ("0", "false", "no", "off"):
        return None

    def run() -> None:
        try:
            from studio.dsp.warmup import start_compiler

            start_compiler()
        except Exception:  # noqa: BLE001 - warming is an optimisation; a real call will say more
            pass

    thread = threading.Thread(target=run, name="studio-warm-up", daemon=True)
    thread.start()
    return thread


_WARM_UP = _warm_up_in_background()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"studio.{name}")
    else:
        raise AttributeError(f"module 'studio' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
