"""Exercise checks for the first notebook: how close is the learner's setting.

Each check measures what the learner's settings *do* (the EQ's response, the voice's
level before and after), never which knob they turned, so any reasonable way to the
goal counts. The words come from the text catalogue (``course.*``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.audio import Audio
from studio.demo.multitrack import HARSH_FREQ_HZ, MUD_FREQ_HZ
from studio.errors import StudioError
from studio.processors.base import Chain, Processor
from studio.text import t

__all__ = ["Feedback", "check_harsh_cut", "check_mud_cut", "check_voice_leveling"]

#: Where the demo pad's planted bump and the lead's harsh peak sit.
MUD_TARGET_HZ = MUD_FREQ_HZ
HARSH_TARGET_HZ = HARSH_FREQ_HZ


@dataclass(frozen=True)
class Feedback:
    """What an exercise check found: a verdict, a score from 0 to 100 and the reasons.

    Attributes
    ----------
    score : float
        0 (not started) to 100 (spot on).
    lines : tuple of str
        One plain sentence per point checked.
    """

    score: float
    lines: tuple[str, ...]

    @property
    def verdict(self) -> str:
        """``"done"`` (80 and up), ``"close"`` (40 and up) or ``"not_yet"``."""
        if self.score >= 80.0:
            return "done"
        return "close" if self.score >= 40.0 else "not_yet"

    @property
    def passed(self) -> bool:
        """Whether the answer is good enough to move on."""
        return self.verdict == "done"

    def heading(self) -> str:
        """The verdict line, e.g. ``"Well done (score 90 %)"``."""
        return t(
            "course.verdict.heading", verdict=t(f"course.verdict.{self.verdict}"), score=self.score
        )

    def __str__(self) -> str:
        return "\n".join([self.heading(), *(f"- {line}" for line in self.lines)])

    def _repr_html_(self) -> str:
        colour = {"done": "#2e7d32", "close": "#b26a00", "not_yet": "#c0392b"}[self.verdict]
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines)
        return (
            f"<div class='studio-feedback' style='border-left:4px solid {colour};"
            f"padding:4px 10px;margin:4px 0'><b style='color:{colour}'>"
            f"{html.escape(self.heading())}</b><ul style='margin:4px 0'>{items}</ul></div>"
        )


def _response_db(processor: Processor, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
    """The summed response of a processor, or of the stages of a chain at any depth."""
    total = np.zeros_like(freqs_hz)
    if processor.bypass:
        return total
    if isinstance(processor, Chain):
        for stage in processor.processors:
            total = total + _response_db(stage, freqs_hz, sr)
    elif processor.capabilities.draws == "response":
        total = total + processor.at(0.0).response_db(freqs_hz, sr)
    return total


def check_mud_cut(
    processor: Processor, *, sr: int = 48000, target_hz: float = MUD_TARGET_HZ
) -> Feedback:
    """How well an EQ clears the demo pad's mud: where the deepest cut is, and how deep.

    Parameters
    ----------
    processor : Processor
        The learner's EQ (or a chain holding one), e.g. ``eq_panel.processor``.
    sr : int
        The sample rate to evaluate the response at.
    target_hz : float
        Where the bump is (the pad's planted bump at 300 Hz by default).

    Examples
    --------
    >>> from studio.processors import EQBand, ParametricEQ
    >>> check_mud_cut(ParametricEQ(bands=[EQBand("peak", 310.0, -6.0, 0.8)])).verdict
    'done'
    >>> check_mud_cut(ParametricEQ()).verdict
    'not_yet'
    """
    return _check_cut(processor, "mud", target_hz, (3.0, 10.0), (4.0, 8.0), sr, "check_mud_cut")


def check_harsh_cut(
    processor: Processor, *, sr: int = 48000, target_hz: float = HARSH_TARGET_HZ
) -> Feedback:
    """How well an EQ tames the demo lead's harsh peak (a narrow resonance near 3.2 kHz).

    Examples
    --------
    >>> from studio.processors import EQBand, ParametricEQ
    >>> check_harsh_cut(ParametricEQ(bands=[EQBand("peak", 3150.0, -8.0, 3.0)])).passed
    True
    """
    return _check_cut(
        processor, "harsh", target_hz, (4.0, 14.0), (6.0, 10.0), sr, "check_harsh_cut"
    )


def _check_cut(
    processor: Processor,
    problem_key: str,
    target_hz: float,
    good_db: tuple[float, float],
    advice_db: tuple[float, float],
    sr: int,
    name: str,
) -> Feedback:
    if not isinstance(processor, Processor):
        raise StudioError(
            f"{name}() takes the EQ you set, e.g. eq_panel.processor; got {processor!r}."
        )
    problem = t(f"course.cut.{problem_key}")
    region = np.geomspace(target_hz / 5.0, target_hz * 5.0, 361)
    response = _response_db(processor, region, sr)
    deepest = int(np.argmin(response))
    depth_db = -float(response[deepest])
    if depth_db < 1.0:
        return Feedback(0.0, (t("course.cut.no_cut", problem=problem),))
    freq_hz = float(region[deepest])
    octaves = abs(math.log2(freq_hz / target_hz))
    lines = []
    if octaves <= 1.0 / 3.0:
        where = 1.0
        lines.append(
            t("course.cut.where_spot_on", freq_hz=freq_hz, target_hz=target_hz, problem=problem)
        )
    elif octaves <= 1.0:
        where = 0.5
        direction = t("course.cut.up" if freq_hz < target_hz else "course.cut.down")
        lines.append(
            t(
                "course.cut.where_close",
                freq_hz=freq_hz,
                octaves=octaves,
                direction=direction,
                problem=problem,
            )
        )
    else:
        where = 0.1
        lines.append(t("course.cut.where_off", freq_hz=freq_hz, problem=problem))
    low_db, high_db = advice_db
    if depth_db < good_db[0]:
        depth, key = 0.4, "course.cut.depth_gentle"
    elif depth_db <= good_db[1]:
        depth, key = 1.0, "course.cut.depth_good"
    else:
        depth, key = 0.4, "course.cut.depth_deep"
    lines.append(t(key, depth_db=depth_db, low_db=low_db, high_db=high_db))
    audible = np.geomspace(20.0, 20000.0, 400)
    whole = _response_db(processor, audible, sr)
    top = int(np.argmax(whole))
    boost = 1.0
    if whole[top] > 3.0:
        boost = 0.8
        lines.append(t("course.cut.boost", boost_db=float(whole[top]), freq_hz=float(audible[top])))
    return Feedback(round(100.0 * where * depth * boost, 1), tuple(lines))


def _phrase_levels_db(samples: np.ndarray, sr: int, phrases: Sequence[Any]) -> np.ndarray:
    """The RMS level of each phrase in dB (the phrases are whole sung lines)."""
    levels = []
    for phrase in phrases:
        part = samples[:, int(phrase.start_s * sr) : int(phrase.end_s * sr)]
        power = float(np.mean(np.square(part, dtype=np.float64))) if part.size else 0.0
        levels.append(10.0 * math.log10(power) if power > 0 else -math.inf)
    return np.asarray(levels)


def check_voice_leveling(
    processor: Processor,
    voice: Audio | None = None,
    phrases: Sequence[Any] | None = None,
) -> Feedback:
    """How evenly the demo voice's phrases sit after the learner's compressor.

    Parameters
    ----------
    processor : Processor
        The learner's compressor (or chain), e.g. ``comp_panel.processor``.
    voice : Audio, optional
        The voice track (the demo's by default).
    phrases : sequence, optional
        The sung phrases, each with ``start_s`` and ``end_s`` (the demo's by default).
    """
    if not isinstance(processor, Processor):
        raise StudioError(
            f"check_voice_leveling() takes the compressor you set, e.g. comp_panel.processor; "
            f"got {processor!r}."
        )
    if voice is None or phrases is None:
        from studio.demo import session

        demo = session()
        voice = demo.track("voice") if voice is None else voice
        phrases = demo.voice_phrases if phrases is None else phrases
    before = _phrase_levels_db(voice.samples, voice.sr, phrases)
    out, trace = processor.process_with_trace(voice.samples, voice.sr)
    after = _phrase_levels_db(out, voice.sr, phrases)
    spread_before = float(before.max() - before.min())
    spread_after = float(after.max() - after.min())
    lines = [t("course.voice.spread", before_db=spread_before, after_db=spread_after)]
    if spread_after <= 6.0:
        score = 100.0
        lines.append(t("course.voice.steady"))
    elif spread_after < spread_before - 2.0:
        score = 55.0
        lines.append(t("course.voice.better"))
    else:
        score = 5.0
        lines.append(t("course.voice.unchanged"))
    if trace is not None:
        loud = phrases[int(np.argmax(before))]
        part = trace[..., int(loud.start_s * voice.sr) : int(loud.end_s * voice.sr)]
        if part.ndim > 1:  # a row per band: the largest reduction at each moment
            part = part.min(axis=0)
        reduction = -float(np.mean(part)) if part.size else 0.0
        lines.append(t("course.voice.loud_reduction", reduction_db=reduction))
        if reduction > 12.0:
            score *= 0.7
            lines.append(t("course.voice.squashed"))
    return Feedback(round(score, 1), tuple(lines))
