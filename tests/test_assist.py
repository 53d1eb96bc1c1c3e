"""The starting-balance assistant applied to a project, from code and from its view."""

import numpy as np
import pytest

import studio
from studio.widgets.assist import BalanceAssistant
from studio.widgets.lifecycle import widget_tree


@pytest.fixture
def project():
    return studio.demo.session(20.0).project()


def faders(project):
    return {t.name: (t.strip.fader.gain_db, t.strip.fader.pan) for t in project.session.tracks}


def test_applying_an_amount_moves_faders_that_share_of_the_way(project):
    before = faders(project)
    suggestion = project.suggest_balance()
    project.apply_balance(suggestion, 100.0, join=True)
    full = faders(project)
    assert full == {
        s.track: (pytest.approx(s.gain_db), pytest.approx(s.pan)) for s in suggestion.tracks
    }
    project.apply_balance(suggestion, 50.0, join=True)
    project.apply_balance(suggestion, 50.0, join=True)  # never drifts
    for name, (gain, pan) in faders(project).items():
        assert gain == pytest.approx((before[name][0] + full[name][0]) / 2)
        assert pan == pytest.approx((before[name][1] + full[name][1]) / 2)
    project.undo()
    assert faders(project) == before


def test_the_view_is_one_undo_step_per_drag_and_closes(project):
    view = BalanceAssistant(project)
    before = faders(project)
    for value in (20.0, 60.0, 100.0):
        view.amount.value = value
    assert project.history == ("starting balance",)
    assert "100 %" in view.status.value
    peak = np.max(np.abs(project.mixdown().samples))
    assert 20 * np.log10(peak) == pytest.approx(-6.0, abs=0.5)  # the suggestion's headroom
    project.undo()
    assert faders(project) == before
    tree = widget_tree(view)
    view.close()
    assert all(w.comm is None for w in tree)
