"""The automation lane editor, driven without a browser: lanes, the table, the plot, undo."""

from __future__ import annotations

import numpy as np
import pytest

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.errors import ParameterError
from studio.mixing import Bus, Clip, Project, Send, Session, Stem, Track, Vca
from studio.widgets import AutomationEditor
from studio.widgets.automation import automatable_paths, lane_label, lane_points, named_path
from studio.widgets.lifecycle import widget_tree

SR = 8000
FADER = ("tracks", "voice", "strip", "fader", "gain_db")
SEND = ("tracks", "voice", "sends", "verb", "level_db")
PAN = ("tracks", "voice", "strip", "fader", "pan")


def session() -> Session:
    return Session(
        sample_rate=float(SR),
        stems=[Stem(name="voice"), Stem(name="bass")],
        tracks=[
            Track(
                name="voice",
                clips=[Clip(source="voice")],
                sends=[Send(bus="verb", level_db=-12.0)],
                vca="band",
            ),
            Track(name="bass", clips=[Clip(source="bass", start_s=2.0)]),
        ],
        buses=[Bus(name="verb", kind="return")],
        vcas=[Vca(name="band")],
    )


@pytest.fixture
def project() -> Project:
    audio = np.zeros((1, 6 * SR), dtype=np.float32)
    sources = {name: Audio(audio, SR, name) for name in ("voice", "bass")}
    p = Project(session(), sources)
    p.set(FADER, -4.5)  # the fader's value before any automation
    return p


def decoded(editor: AutomationEditor, name: str) -> tuple[np.ndarray, np.ndarray]:
    trace = editor.plot.trace(name)
    return trace.x.astype(np.float64), trace.y.astype(np.float64)


def lane_at(editor: AutomationEditor, time_s: float) -> float:
    x, y = decoded(editor, "lane")
    return float(y[np.argmin(np.abs(x - time_s))])


# -- choosing a lane ---------------------------------------------------------------------------


def test_the_dropdowns_list_every_automatable_path_in_words(project):
    editor = AutomationEditor(project)
    assert editor.path == FADER  # the first track's fader by default
    owners = dict(editor.owner_choice.options)
    assert set(owners.values()) == {
        ("tracks", "voice"),
        ("tracks", "bass"),
        ("buses", "verb"),
        ("vcas", "band"),
        ("master",),
    }
    assert "verb (bus)" in owners and "band (VCA)" in owners and "master" in owners
    params = dict(editor.param_choice.options)
    assert params["fader and pan · fader (dB)"] == FADER
    assert params["send verb · send level (dB)"] == SEND
    assert params["EQ · band 3 · gain (dB)"] == ("tracks", "voice", "strip", "eq", "bands", 2) + (
        "gain_db",
    )
    # only numbers that may move: no clip times, switches or choices
    leaves = [leaf for leaf in project.session.leaves() if leaf.spec.can_move]
    assert len(editor.paths) == len(leaves)
    assert not any("clips" in p or p[-1] in ("mute", "solo", "law", "kind") for p in editor.paths)
    assert editor.label() == "voice · fader and pan · fader (dB)"
    assert "tracks.voice.strip.fader.gain_db" in editor.path_text.value


def test_paths_are_named_and_labelled_for_buses_vcas_and_the_master():
    s = session()
    assert named_path(s, ("tracks", 0, "sends", 0, "level_db")) == SEND
    assert lane_label(s, ("vcas", "band", "gain_db")) == "band (VCA) · VCA (dB)"
    assert lane_label(s, ("master", "strip", "fader", "pan")) == "master · fader and pan · pan"
    assert ("buses", "verb", "strip", "trim_db") in automatable_paths(s)


def test_choosing_another_owner_keeps_the_parameter(project):
    editor = AutomationEditor(project, path=("tracks", 0, "strip", "fader", "pan"))
    assert editor.path == PAN  # a numbered path is shown by name
    editor.owner_choice.value = ("tracks", "bass")
    assert editor.path == ("tracks", "bass", "strip", "fader", "pan")
    editor.owner_choice.value = ("vcas", "band")  # a VCA has no pan: its first lane
    assert editor.path == ("vcas", "band", "gain_db")
    editor.param_choice.value = editor.param_choice.options[0][1]
    assert editor.plot.subplot(0).title == "band (VCA) · VCA (dB)"


def test_a_path_that_cannot_move_is_refused_plainly(project):
    with pytest.raises(ParameterError, match="cannot move over time"):
        AutomationEditor(project, path=("tracks", "voice", "mute"))
    editor = AutomationEditor(project)
    with pytest.raises(ParameterError, match="does not exist"):
        editor.show(("tracks", "drums", "strip", "fader", "gain_db"))
    assert editor.path == FADER


# -- drawing --------------------------------------------------------------------------------


def test_the_lane_is_drawn_over_the_song_in_the_parameters_range(project):
    editor = AutomationEditor(project)
    sub = editor.plot.subplot(0)
    assert sub.x.range == (0.0, 8.0)  # the bass clip ends at 2 s + 6 s
    assert sub.y.range == (-120.0, 24.0) and sub.y.unit == "dB"
    assert [(r.axis, r.value, r.dash) for r in sub.refs] == [("y", -4.5, "dot")]
    x, y = decoded(editor, "lane")
    assert (x[0], x[-1]) == (0.0, 8.0) and np.all(y == -4.5)  # fixed: a flat line
    assert decoded(editor, "points")[0].size == 0
    assert editor.rows == [] and editor.table.children == ()
    assert editor.start_button.disabled is False and editor.clear_button.disabled is True
    # a frequency lane is drawn on a log axis, up to just under Nyquist
    editor.show(("tracks", "voice", "strip", "eq", "bands", 1, "freq_hz"))
    sub = editor.plot.subplot(0)
    assert sub.y.scale == "log" and sub.y.range[0] == 20.0 and sub.y.range[1] < SR / 2


def test_lane_points_are_sharp_at_jumps():
    env = Envelope([1.0, 3.0], [0.0, 1.0], shape="hold")
    x, y = lane_points(env, 4.0)
    assert np.all(np.diff(x) > 0)
    assert y[x < 3.0 - 1e-3].max() == 0.0 and y[x >= 3.0].min() == 1.0


# -- editing ----------------------------------------------------------------------------------


def test_an_edit_round_trips_table_to_session_to_plot(project):
    editor = AutomationEditor(project)
    editor.start_button.click()
    env = project.get(FADER)
    assert env == Envelope([0.0, 8.0], [-4.5, -4.5])
    assert len(editor.rows) == 2 and "studio-breakpoint" in editor.rows[0].box._dom_classes
    # the table's cells, typed into as a learner would
    editor.add_time.value = 4.0
    editor.add_button.click()
    editor.rows[1].value.value = -10.0
    editor.rows[0].shape.value = "smooth"
    editor.rows[2].time.value = 7.0
    env = project.get(FADER)
    assert env.times_s == (0.0, 4.0, 7.0)
    assert env.values == (-4.5, -10.0, -4.5)
    assert env.shapes == ("smooth", "linear")
    assert len(project.history) == 1 + 5  # the fader set in the fixture, then one per edit
    # the plot shows what the session holds
    for time_s, value in zip(env.times_s, env.values, strict=True):
        assert lane_at(editor, time_s) == pytest.approx(value, abs=1e-4)
    assert lane_at(editor, 2.0) == pytest.approx(env.value_at(2.0), abs=0.05)  # the S-curve
    mx, my = decoded(editor, "points")
    assert np.nanmin(np.abs(mx - 4.0)) < 1e-6 and np.nanmin(np.abs(my + 10.0)) < 1e-6
    assert "moves from" in editor.status.value
    # and undo takes the last edit back, the table following
    project.undo()
    assert editor.rows[2].time.value == 8.0
    assert project.get(FADER).times_s == (0.0, 4.0, 8.0)


def test_an_out_of_range_value_shows_the_models_message_and_changes_nothing(project):
    editor = AutomationEditor(project)
    editor.start_automating()
    before, history = project.session, project.history
    editor.rows[1].value.value = 99.0
    assert "must be between -120 and 24 dB" in editor.message.value
    assert project.session is before and project.history == history
    assert editor.rows[1].value.value == -4.5  # the table shows the lane as it is
    # the next good edit clears the message
    editor.rows[1].value.value = -6.0
    assert editor.message.value == ""
    assert project.get(FADER).values == (-4.5, -6.0)


def test_the_models_other_refusals_reach_the_view_too(project):
    editor = AutomationEditor(project, path=PAN)
    editor.start_automating()
    editor.rows[1].time.value = -1.0  # before the first point
    assert "must not go backwards" in editor.message.value
    editor.rows[0].shape.value = "exponential"  # through 0 (centre): refused by Envelope
    assert "exponential" in editor.message.value and "above 0" in editor.message.value
    assert project.get(PAN) == Envelope([0.0, 8.0], [0.0, 0.0])
    editor.rows[1].remove.click()
    editor.rows[0].remove.click()  # the last point stays: clear() is the way back
    assert editor.rows[0].remove.disabled  # in the page; from code, a plain refusal
    assert "one point at least" in editor.message.value
    assert project.get(PAN).times_s == (0.0,)


def test_add_and_remove_points_keep_the_shapes_around_them(project):
    editor = AutomationEditor(project)
    project.set(FADER, Envelope([0.0, 4.0, 8.0], [-4.5, -9.0, -4.5], ["hold", "smooth"]))
    editor.add_point(2.0)
    env = project.get(FADER)
    assert env.times_s == (0.0, 2.0, 4.0, 8.0) and env.shapes == ("hold", "hold", "smooth")
    assert env.values[1] == -4.5  # on the line as it was
    editor.add_point(9.0, -20.0)  # after the last point
    assert project.get(FADER).shapes[-1] == "smooth"
    editor.remove_point(2)
    assert project.get(FADER).times_s == (0.0, 2.0, 8.0, 9.0)
    assert project.get(FADER).shapes == ("hold", "hold", "smooth")  # the earlier one's
    editor.remove_point(3)
    assert project.get(FADER).shapes == ("hold", "hold")
    assert len(editor.rows) == 3
    with pytest.raises(ParameterError, match="no point 7"):
        editor.set_point(7, value=0.0)


def test_clear_goes_back_to_the_value_before_automation(project):
    editor = AutomationEditor(project)
    editor.start_automating()
    editor.set_point(0, value=-20.0)
    editor.set_point(1, value=-1.0)
    assert editor.plot.subplot(0).refs[0].value == -4.5  # the dotted line stays put
    editor.clear_button.click()
    assert project.get(FADER) == -4.5
    assert editor.rows == [] and editor.clear_button.disabled
    x, y = decoded(editor, "lane")
    assert np.all(y == -4.5)


def test_a_lane_set_elsewhere_is_redrawn(project):
    editor = AutomationEditor(project, path=SEND)
    project.set(SEND, Envelope([1.0, 2.0, 5.0], [-30.0, -6.0, -30.0], "smooth"))
    assert [row.time.value for row in editor.rows] == [1.0, 2.0, 5.0]
    assert lane_at(editor, 2.0) == pytest.approx(-6.0, abs=1e-4)
    assert editor.plot.subplot(0).refs[0].value == -12.0  # the value it had when fixed
    project.undo()
    assert editor.rows == [] and lane_at(editor, 2.0) == -12.0
    # a lane automated before the editor saw it fixed: its first value is the way back
    bass = ("tracks", "bass", "strip", "fader", "pan")
    project.set(bass, Envelope([0.0, 4.0], [-0.5, 0.5]))
    editor.show(bass)
    assert editor.plot.subplot(0).refs[0].value == -0.5
    editor.clear()
    assert project.get(bass) == -0.5
    # its track removed: the editor shows the first lane there is
    editor.show(SEND)
    project.replace_session(project.session.replace(tracks=project.session.tracks[1:]))
    assert editor.path == ("tracks", "bass", "strip", "fader", "gain_db")


def test_a_view_needs_a_project():
    with pytest.raises(ParameterError, match="needs a studio.mixing.Project"):
        AutomationEditor(session())  # type: ignore[arg-type]


# -- closing -----------------------------------------------------------------------------


def open_ids() -> set[int]:
    from ipywidgets.widgets import widget as widget_module

    return {id(w) for w in widget_module._instances.values() if w.comm is not None}


def test_close_leaves_no_open_widget(project):
    before = open_ids()
    editor = AutomationEditor(project)
    editor.start_automating()
    for time_s in (1.0, 2.0, 3.0):
        editor.add_point(time_s)
    let_go = editor.rows[3:]
    editor.remove_point(1)
    editor.remove_point(1)  # rows come and go: those let go are closed at once
    cells = [(r.box, r.number, r.time, r.value, r.shape, r.remove) for r in let_go]
    assert len(let_go) == 2 and all(w.comm is None for row in cells for w in row)
    assert all(w.comm is not None for w in widget_tree(editor))  # shared ones stay open
    editor.close()
    assert open_ids() <= before
    project.set(FADER, -3.0)  # no longer followed
    # an editor closed before anything was automated leaves nothing open either
    AutomationEditor(project, path=SEND).close()
    assert open_ids() <= before
