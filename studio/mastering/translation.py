"""Translation: hear a master through the systems its listeners will use.

A master *translates* when it keeps its balance on every system: the bass still there on
a laptop, the vocal still on top in a car, nothing vanishing on a phone held in one
hand. Each :class:`PlaybackSystem` here is a simulation built from the studio's own
processors, so its curve and its sound come from the same coefficients:

* a **frequency response**: a high pass where the drivers (or the fit of an earbud) stop
  producing bass, a low pass where the top falls away, and the resonances and shelves
  that colour the sound (a cabin's bass gain, a small driver's bump);
* a **level limit** where the device has one: phones, laptops and club systems protect
  their drivers and amplifiers with a compressor and/or a limiter, so a loud master
  gets squashed once more on the way out;
* **mono** where the device is mono (a phone's single speaker), or mono bass where it
  is (a club's subwoofers).

The figures are typical of each class of device, not a measurement of one product; what
each models and why is in ``translation.toml`` (``system.source``), so a learner can read
the reasoning next to the curve. The fold to mono (``"mono"``) is a system of its own:
both speakers play ``(L + R) / 2``.

::

    phone = translate(master, "phone")          # hear it as a phone plays it
    curves = response_curves(sr=48000)          # key -> response in dB, for a plot
    SYSTEMS["car"].source                       # why the car curve looks like that
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.processors.base import Chain, Processor
from studio.processors.dynamics import Compressor, Limiter
from studio.processors.eq import EQBand, ParametricEQ
from studio.processors.filters import HighPass, LowPass
from studio.processors.stereo import StereoWidth
from studio.text import t

__all__ = [
    "SYSTEMS",
    "PlaybackSystem",
    "fold_to_mono",
    "frequencies_hz",
    "response_curves",
    "playback_system",
    "translate",
]


@dataclass(frozen=True)
class PlaybackSystem:
    """A simulated playback system: its filters, its level limit and whether it is mono.

    Attributes
    ----------
    key : str
        Short identifier (``"phone"``); its words are under ``translation.systems.<key>``.
    filters : tuple of Processor
        The linear part, in order (high and low passes, an EQ of resonances and shelves):
        every stage has ``response_db``, so the curve is exactly what the sound goes
        through.
    limit : tuple of Processor
        The device's level protection (a compressor, a limiter), after the filters;
        empty when the device has none.
    mono : bool
        True when the device plays one channel: the input is folded to ``(L + R) / 2``
        first (the output keeps the input's channel count, every channel the same).
    mono_below_hz : float
        Below this frequency both channels are folded to mono (a club's subwoofers);
        0 for none.
    """

    key: str
    filters: tuple[Processor, ...] = ()
    limit: tuple[Processor, ...] = ()
    mono: bool = False
    mono_below_hz: float = 0.0
    _chain: Chain = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key.isidentifier():
            raise ParameterError(f"PlaybackSystem: key must be a short name; got {self.key!r}.")
        for stage in self.filters:
            if not hasattr(stage, "response_db"):
                raise ParameterError(
                    f"PlaybackSystem {self.key!r}: every filter needs a response curve "
                    f"(HighPass, LowPass, ParametricEQ...); got {type(stage).__name__}."
                )
        object.__setattr__(self, "_chain", Chain(*self.filters, *self.limit))

    # ------------------------------------------------------------------------- words

    def _text(self, name: str) -> str:
        return t(f"translation.systems.{self.key}.{name}")

    @property
    def name(self) -> str:
        """The system's name (``"Phone speaker"``)."""
        return self._text("name")

    @property
    def models(self) -> str:
        """What the simulation models, in a sentence or two."""
        return self._text("models")

    @property
    def source(self) -> str:
        """Where the figures come from and the reasoning behind them."""
        return self._text("source")

    @property
    def listen_for(self) -> str:
        """What to listen for through it."""
        return self._text("listen")

    def summary(self) -> str:
        """Name, what it models, why, and what to listen for, as text."""
        return "\n".join(
            [
                self.name,
                "  " + self.models,
                "  " + t("translation.layout.source", text=self.source),
                "  " + t("translation.layout.listen", text=self.listen_for),
            ]
        )

    def __str__(self) -> str:
        return self.summary()

    # --------------------------------------------------------------------- the sound

    @property
    def chain(self) -> Chain:
        """The filters and the level limit as one :class:`~studio.processors.base.Chain`."""
        return self._chain

    @property
    def has_limit(self) -> bool:
        """Whether the device limits its level (a compressor or limiter is in the chain)."""
        return bool(self.limit)

    @property
    def ceiling_dbtp(self) -> float | None:
        """The true-peak ceiling of its limiter (None when it has no limiter)."""
        for stage in self.limit:
            if isinstance(stage, Limiter):
                return float(stage.ceiling_dbtp)
        return None

    def response_db(self, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
        """The linear frequency response in dB at ``freqs_hz`` (sum of its filters).

        The level limit is not in it (it depends on the level of what plays), nor the
        fold to mono (which changes nothing for a sound that is the same in both
        channels).
        """
        freqs = np.asarray(freqs_hz, dtype=np.float64)
        total = np.zeros_like(freqs)
        for stage in self.filters:
            total = total + stage.response_db(freqs, sr)  # type: ignore[attr-defined]
        return total

    def process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """The samples as this system plays them (same shape, never written to)."""
        x = np.asarray(samples)
        if self.mono:
            x = fold_samples(x)
        elif self.mono_below_hz > 0.0 and x.shape[0] == 2:
            x = StereoWidth(mono_below_hz=self.mono_below_hz).process(x, sr)
        return self._chain.process(x, sr)


def fold_samples(samples: np.ndarray) -> np.ndarray:
    """Every channel replaced by the average of all of them: a mono fold, same shape."""
    x = np.asarray(samples)
    mean = x.mean(axis=0, keepdims=True, dtype=np.float64).astype(x.dtype, copy=False)
    return np.repeat(mean, x.shape[0], axis=0)


def fold_to_mono(audio: Audio) -> Audio:
    """The fold to mono: ``(L + R) / 2`` on both speakers, as a mono radio or phone plays it.

    Keeps the channel count, so it can be switched against the stereo master in the
    same player. What cancels (what is in both channels with opposite polarity) is gone.

    Examples
    --------
    >>> import numpy as np
    >>> fold_to_mono(Audio(np.array([[1.0, 0.5], [-1.0, 0.5]]), 48000)).samples
    array([[0. , 0.5],
           [0. , 0.5]])
    """
    _check(audio, "fold_to_mono")
    return audio.with_samples(fold_samples(audio.samples))


def _check(audio: Audio, what: str) -> None:
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"{what}() takes a studio.Audio, got {type(audio).__name__}; wrap samples "
            "with studio.Audio(samples, sr)."
        )


# -------------------------------------------------------------------------- the systems


def _eq(*bands: EQBand) -> ParametricEQ:
    return ParametricEQ(bands=bands)


def _systems() -> dict[str, PlaybackSystem]:
    """The built-in systems; their reasoning is in ``translation.toml``."""
    return {
        "studio_monitors": PlaybackSystem(
            "studio_monitors",
            filters=(HighPass(freq_hz=45.0, slope_db_per_oct="24"),),
        ),
        "earbuds": PlaybackSystem(
            "earbuds",
            filters=(
                HighPass(freq_hz=100.0, slope_db_per_oct="12"),
                _eq(EQBand("peak", 3000.0, 4.0, 1.5)),
                LowPass(freq_hz=15000.0, slope_db_per_oct="12"),
            ),
        ),
        "laptop": PlaybackSystem(
            "laptop",
            filters=(
                HighPass(freq_hz=200.0, slope_db_per_oct="24"),
                _eq(EQBand("peak", 1000.0, 4.0, 2.0), EQBand("peak", 4000.0, 2.0, 1.0)),
                LowPass(freq_hz=15000.0, slope_db_per_oct="12"),
            ),
            limit=(
                Compressor(threshold_db=-20.0, ratio=3.0, attack_ms=5.0, release_ms=150.0),
                Limiter(ceiling_dbtp=-1.0),
            ),
        ),
        "phone": PlaybackSystem(
            "phone",
            filters=(
                HighPass(freq_hz=500.0, slope_db_per_oct="24"),
                _eq(EQBand("peak", 900.0, 6.0, 1.5), EQBand("peak", 4000.0, 3.0, 1.0)),
                LowPass(freq_hz=12000.0, slope_db_per_oct="12"),
            ),
            limit=(
                Compressor(threshold_db=-24.0, ratio=4.0, attack_ms=2.0, release_ms=100.0),
                Limiter(ceiling_dbtp=-1.0),
            ),
            mono=True,
        ),
        "car": PlaybackSystem(
            "car",
            filters=(
                HighPass(freq_hz=35.0, slope_db_per_oct="12"),
                _eq(
                    EQBand("low_shelf", 80.0, 6.0, 0.707),
                    EQBand("peak", 150.0, 3.0, 1.2),
                    EQBand("high_shelf", 8000.0, -3.0, 0.707),
                ),
            ),
        ),
        "club": PlaybackSystem(
            "club",
            filters=(
                HighPass(freq_hz=30.0, slope_db_per_oct="24"),
                _eq(EQBand("low_shelf", 90.0, 6.0, 0.707)),
                LowPass(freq_hz=16000.0, slope_db_per_oct="12"),
            ),
            limit=(Limiter(ceiling_dbtp=-1.0, release_ms=200.0),),
            mono_below_hz=100.0,
        ),
        "mono": PlaybackSystem("mono", mono=True),
    }


SYSTEMS: Mapping[str, PlaybackSystem] = MappingProxyType(_systems())
"""The built-in playback systems by key, in the order a learner tries them."""


def playback_system(key: str | PlaybackSystem) -> PlaybackSystem:
    """A playback system by key (``"phone"``); a :class:`PlaybackSystem` is passed through."""
    if isinstance(key, PlaybackSystem):
        return key
    if isinstance(key, str) and key in SYSTEMS:
        return SYSTEMS[key]
    raise ParameterError(
        f"unknown playback system {key!r}; the systems are {', '.join(SYSTEMS)} "
        "(or build a PlaybackSystem)."
    )


def translate(audio: Audio, system: str | PlaybackSystem) -> Audio:
    """Hear ``audio`` as a playback system plays it.

    Parameters
    ----------
    audio : Audio
        The master (stereo or mono).
    system : str or PlaybackSystem
        One of :data:`SYSTEMS` (``"studio_monitors"``, ``"earbuds"``, ``"laptop"``,
        ``"phone"``, ``"car"``, ``"club"``, ``"mono"``) or your own system.

    Returns
    -------
    Audio
        Same rate, length and channel count (a mono system plays the same in every
        channel), named after the system. Not loudness-matched: a device that loses the
        bass sounds quieter, as it does in life; the player matches loudness for A/B.

    Examples
    --------
    >>> import numpy as np
    >>> tone = np.sin(2 * np.pi * 100 * np.arange(48000) / 48000) * 0.5
    >>> phone = translate(Audio(np.stack([tone, tone]), 48000), "phone")
    >>> float(np.max(np.abs(phone.samples))) < 0.05  # a phone plays no 100 Hz
    True
    """
    _check(audio, "translate")
    chosen = playback_system(system)
    out = chosen.process(audio.samples, audio.sr)
    name = f"{audio.name} · {chosen.name}" if audio.name else chosen.name
    return Audio(out, audio.sr, name)


def frequencies_hz(sr: int, n: int = 512) -> np.ndarray:
    """Log-spaced frequencies from 20 Hz to 20 kHz (or just under Nyquist) for a plot."""
    top = min(20000.0, 0.499 * sr)
    return np.geomspace(20.0, top, n)


def response_curves(
    sr: int = 48000, freqs_hz: np.ndarray | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every built-in system's frequency response: key -> (frequencies in Hz, level in dB).

    The same coefficients the sound goes through (level limits aside; see
    :meth:`PlaybackSystem.response_db`).
    """
    freqs = frequencies_hz(sr) if freqs_hz is None else np.asarray(freqs_hz, dtype=np.float64)
    return {key: (freqs, s.response_db(freqs, sr)) for key, s in SYSTEMS.items()}
