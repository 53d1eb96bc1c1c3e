"""Processors: frozen parameter objects over the pure DSP functions in ``studio.dsp``.

Every processor declares its parameters once (range, unit, scale, default, neutral,
what you hear); validation, widgets, presets and ``describe()`` all come from that.
"""

from studio.processors.base import (
    Branch,
    Capabilities,
    Chain,
    Curve,
    Parallel,
    Parametric,
    ParamSpec,
    Processor,
    load_preset,
    param,
    processor_from_dict,
    registered_processors,
)
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

__all__ = [
    "AutoPan",
    "Balance",
    "BandPass",
    "Branch",
    "Capabilities",
    "Chain",
    "Chorus",
    "Compressor",
    "ConvolutionReverb",
    "Curve",
    "Delay",
    "Dither",
    "DynamicEQ",
    "EQBand",
    "Exciter",
    "Fader",
    "Flanger",
    "Gain",
    "Gate",
    "HighPass",
    "Limiter",
    "LowPass",
    "MultibandBand",
    "MultibandCompressor",
    "MultibandWidth",
    "Mute",
    "Notch",
    "Pan",
    "ParamSpec",
    "Parallel",
    "Parametric",
    "ParametricEQ",
    "Phaser",
    "Polarity",
    "Processor",
    "Reverb",
    "SampleRateConverter",
    "Saturation",
    "StereoWidth",
    "TiltEQ",
    "TransientShaper",
    "Tremolo",
    "Vibrato",
    "load_preset",
    "param",
    "processor_from_dict",
    "registered_processors",
]
