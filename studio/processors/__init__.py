"""Processors: frozen parameter objects over the pure DSP functions in ``studio.dsp``.

Every processor declares its parameters once (range, unit, scale, default, neutral,
what you hear); validation, widgets, presets and ``describe()`` all come from that.
"""

from studio.processors.base import Chain, Parametric, ParamSpec, Processor, load_preset, param
from studio.processors.dynamics import Compressor
from studio.processors.eq import EQBand, ParametricEQ

__all__ = [
    "Chain",
    "Compressor",
    "EQBand",
    "ParamSpec",
    "Parametric",
    "ParametricEQ",
    "Processor",
    "load_preset",
    "param",
]
