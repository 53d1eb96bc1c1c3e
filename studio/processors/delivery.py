"""Delivery: the last steps before a master leaves the studio.

:class:`Dither` reduces the bit depth (to 16 bits for a CD or most distribution) without
the distortion plain rounding leaves on quiet passages. :class:`SampleRateConverter`
changes the sample rate (a 48 kHz or 96 kHz mix to 44.1 kHz) without aliasing.
Convert the rate first, then dither last: any processing after dither undoes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from studio.audio import as_samples
from studio.dsp import dither as dsp_dither
from studio.dsp import resample as dsp_resample
from studio.processors.base import Capabilities, Curve, Processor, param
from studio.text import t

__all__ = ["Dither", "SampleRateConverter"]

#: Sample rates offered as conversion targets.
TARGET_RATES = ("44100", "48000", "88200", "96000", "176400", "192000")


def _freqs(sr: int) -> np.ndarray:
    return np.geomspace(20.0, 0.5 * sr, 500)


@dataclass(frozen=True)
class Dither(Processor):
    """Dither: reduce the bit depth with a little noise instead of distortion.

    Plain rounding to 16 bits leaves an error that follows the music: on fades and
    reverb tails it turns into grainy distortion. TPDF dither adds a faint, steady hiss
    (about -93 dBFS at 16 bits) that makes the error independent of the music. Noise
    shaping moves that hiss to the highest frequencies, where ears are least sensitive.
    Use it once, as the very last step, when writing a 16-bit (or 8-bit) file.

    Examples
    --------
    >>> import numpy as np
    >>> y = Dither(bit_depth="16").process(np.full((1, 4), 0.1), 48000)
    >>> bool(np.all(y * 32768 == np.round(y * 32768)))  # on the 16-bit grid
    True
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    # Quantising to a grid always changes the samples (that is its purpose), so no
    # setting of a dither leaves its input untouched.
    identity_when_neutral = False

    bit_depth: str = param("16", choices=tuple(str(b) for b in (16, 24, 8)))
    noise_shaping: str = param("none", choices=dsp_dither.NOISE_SHAPINGS)

    @property
    def lsb(self) -> float:
        """Size of one step of the grid, as a fraction of full scale."""
        return dsp_dither.lsb(int(self.bit_depth))

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Dither and round every channel to the grid (independent noise per channel)."""
        return dsp_dither.dither(
            samples, sr, bit_depth=int(self.bit_depth), noise_shaping=self.noise_shaping
        )

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Where the dither noise sits: flat TPDF and this setting, in dBFS."""
        freqs = _freqs(sr)
        bits = int(self.bit_depth)
        common: dict[str, Any] = {
            "x_label": t("curves.axes.frequency_hz"),
            "y_label": t("curves.axes.noise_floor_dbfs"),
            "x_log": True,
        }
        flat = dsp_dither.noise_floor_dbfs(freqs, sr, bit_depth=bits)
        this = dsp_dither.noise_floor_dbfs(
            freqs, sr, bit_depth=bits, noise_shaping=self.noise_shaping
        )
        return (
            Curve(freqs, flat, t("curves.names.flat_dither"), **common),
            Curve(freqs, this, t("curves.names.this_setting"), **common),
        )


@dataclass(frozen=True)
class SampleRateConverter(Processor):
    """Sample-rate converter: the same sound at a new sample rate, without aliasing.

    Everything both rates can carry passes unchanged (flat to within 0.01 dB up to
    20 kHz); what the new rate cannot carry (above its Nyquist frequency, half the
    rate) is removed first, so it cannot fold back as inharmonic whine. Done by soxr's
    very-high-quality converter (scipy's polyphase filter when soxr is missing).

    The output has a different number of frames: ``process`` returns the samples at
    ``target_sr`` and calling the converter on ``Audio`` returns ``Audio`` at that rate.

    Examples
    --------
    >>> import numpy as np
    >>> src = SampleRateConverter(target_sr="44100")
    >>> src.process(np.zeros((2, 48000)), 48000).shape  # one second at 44.1 kHz
    (2, 44100)
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", changes_rate=True)

    # No setting leaves every input untouched: the target rate is fixed and the input's
    # rate varies (at equal rates the converter returns an exact copy).
    identity_when_neutral = False
    #: The output has ``output_frames(n, sr)`` frames, not ``n``: the rate changes.

    target_sr: str = param("44100", choices=TARGET_RATES, unit="Hz")

    def _output_rate(self, sr: int) -> int:
        """The sample rate of the output (the target, whatever ``sr`` is)."""
        return int(self.target_sr)

    def _output_frames(self, n_frames: int, sr: int) -> int:
        """Frames out for ``n_frames`` in at ``sr``: ``round(n * target / sr)``."""
        return dsp_resample.converted_frames(n_frames, sr, int(self.target_sr))

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """The samples converted to ``target_sr`` (a different number of frames)."""
        return dsp_resample.resample(samples, sr, target_sr=int(self.target_sr))

    def round_trip(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Convert to the target and back to ``sr``: what the conversion leaves of the sound.

        Same length and rate as the input, so it can be played against the original
        (the only loss is above the lower Nyquist frequency).
        """
        x = as_samples(samples)
        there = self.process(x, sr)
        back = dsp_resample.resample(there, int(self.target_sr), target_sr=sr)
        out = np.zeros_like(x)
        keep = min(x.shape[1], back.shape[1])
        out[:, :keep] = back[:, :keep]
        return out

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Frequency response of the conversion, measured through the converter itself.

        A click goes through; its spectrum at the new rate (scaled by ``sr / target``,
        the change in samples per second) shows what passes: flat, then a cliff at the
        lower Nyquist frequency.
        """
        target = int(self.target_sr)
        n = 8192
        click = np.zeros((1, n))
        click[0, n // 2] = 1.0
        out = dsp_resample.resample(click, sr, target_sr=target)[0]
        spectrum = np.abs(np.fft.rfft(out)) * (sr / target)
        freqs = np.fft.rfftfreq(len(out), 1.0 / target)
        keep = (freqs >= 20.0) & (freqs <= 0.5 * min(sr, target))
        with np.errstate(divide="ignore"):
            level = 20.0 * np.log10(np.maximum(spectrum[keep], 1e-12))
        return (
            Curve(
                freqs[keep],
                level,
                t("curves.names.conversion"),
                t("curves.axes.frequency_hz"),
                t("curves.axes.level_db"),
                x_log=True,
                y_range=(-160.0, 5.0),
            ),
        )
