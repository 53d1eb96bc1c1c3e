"""The masking map's view on a project: a carve heard before and after, applied, undone."""

import numpy as np
import pytest

import studio
from studio.widgets.lifecycle import widget_tree
from studio.widgets.masking import AFTER, BEFORE, MaskingView

PCM16_TOL = 2.0 / 32767


@pytest.fixture(scope="module")
def demo():
    return studio.demo.session(20.0)


def test_the_view_plays_a_carve_before_deciding_then_applies_and_undoes_it(demo):
    project = demo.project()
    view = MaskingView(project, start_s=8.0, duration_s=6.0)
    assert view.choice.options and view.carve is not None
    assert "studio-masking" in view.map_html.value or "<table" in view.map_html.value
    carve = view.carve
    session = project.session
    assert session.get(carve.eq_path) == demo.session.get(carve.eq_path)  # not applied yet
    carved = session
    for path, value in carve.changes(eq=session.get(carve.eq_path)):
        carved = carved.replace(path, value)
    expected = studio.mixing.render(carved, project.sources, start_s=8.0, duration_s=6.0)
    np.testing.assert_allclose(view.player.decoded(AFTER), expected.samples, atol=PCM16_TOL)
    assert not np.allclose(view.player.decoded(BEFORE), view.player.decoded(AFTER), atol=1e-4)
    view.apply_button.click()
    bands = project.session.get((*carve.eq_path, "bands"))
    assert any(
        b.gain_db == pytest.approx(carve.band.gain_db)
        and b.freq_hz == pytest.approx(carve.band.freq_hz)
        for b in bands
    )
    assert project.history[-1].startswith("carve ")
    view.undo_button.click()
    assert project.session == session
    tree = widget_tree(view)
    view.close()
    assert all(w.comm is None for w in tree)
