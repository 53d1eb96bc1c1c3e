"""The translation view: one playback system at a time beside the master, in step."""

from __future__ import annotations

import numpy as np
import pytest

from studio import Audio
from studio.errors import ParameterError
from studio.mastering.translation import SYSTEMS, translate
from studio.widgets import TranslationView

SR = 48000


@pytest.fixture(scope="module")
def master() -> Audio:
    t = np.arange(12 * SR) / SR
    rng = np.random.default_rng(3)
    low = 0.4 * np.sin(2 * np.pi * 60 * t)
    high = 0.05 * rng.standard_normal(t.size)
    return Audio(np.stack([low + high, low - high]), SR, "master")


def test_side_b_is_the_passage_through_the_chosen_system(master: Audio) -> None:
    view = TranslationView(master, start_s=2.0, duration_s=4.0, system="phone")
    assert view.player.time_origin_s == 2.0
    passage = master.segment(start_s=2.0, stop_s=6.0)
    np.testing.assert_allclose(view.player.audio("master").samples, passage.samples, atol=1e-6)
    phone = translate(passage, "phone")
    np.testing.assert_allclose(view.player.audio("system").samples, phone.samples, atol=1e-6)
    # a phone loses the 60 Hz: side B is quieter, so the player turns the master down
    assert view.player.playback_gains_db()["master"] < 0.0
    assert "Phone" in view.about.value or SYSTEMS["phone"].name in view.about.value


def test_picking_another_system_replaces_side_b_and_the_highlighted_curve(master: Audio) -> None:
    view = TranslationView(master, duration_s=3.0)
    before = view.player.audio("system").samples.copy()
    phone_curve = view.plot.trace("chosen").y.copy()
    view.choice.value = "studio_monitors"
    after = view.player.audio("system").samples
    assert not np.allclose(before, after)
    assert view.player.sides[1].label == SYSTEMS["studio_monitors"].name
    assert not np.allclose(view.plot.trace("chosen").y, phone_curve)
    assert len(view.plot.traces) == len(SYSTEMS) + 1  # every system once, plus the chosen


def test_bad_requests_are_refused_plainly(master: Audio) -> None:
    with pytest.raises(ParameterError, match="unknown system 'radio'"):
        TranslationView(master, system="radio")
    with pytest.raises(ParameterError, match="studio.Audio"):
        TranslationView(np.zeros((2, 100)))  # type: ignore[arg-type]
