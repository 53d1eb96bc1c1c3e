"""The arrangement view, driven without a browser: its drawing, its loop region, its clip editor."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from ipywidgets import Widget

from studio.audio import Audio
from studio.errors import ParameterError
from studio.mixing import Clip, Project, Session, Stem, Track
from studio.widgets import ArrangementView
from studio.widgets.arrangement import arrangement_svg, clip_spans
from studio.widgets.lifecycle import widget_tree

SR = 8000
STEMS_S = {"drums": 4.0, "bass": 3.0, "voice": 2.0}


def stems() -> dict[str, Audio]:
    rng = np.random.default_rng(7)
    return {
        name: Audio((0.1 * rng.standard_normal((1, int(s * SR)))).astype(np.float32), SR, name)
        for name, s in STEMS_S.items()
    }


def session() -> Session:
    return Session(
        sample_rate=float(SR),
        stems=[Stem(name=n) for n in STEMS_S],
        tracks=[
            Track(name="drums", colour="#c0392b", clips=[Clip(source="drums")]),
            Track(
                name="bass",
                colour="#8e44ad",
                mute=True,
                clips=[Clip(source="bass", start_s=1.0, trim_in_s=0.5, trim_out_s=0.25)],
            ),
            Track(
                name="voice",
                colour="#d35400",
                clips=[
                    Clip(source="voice", start_s=0.5),
                    Clip(source="voice", start_s=5.0, fade_in_s=0.5, fade_out_s=1.0),
                ],
            ),
        ],
    )


@pytest.fixture
def project() -> Project:
    return Project(session(), stems())


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # the drawing is well-formed XML as well as inline SVG


def clips_drawn(svg: str) -> list[dict[str, str]]:
    return [dict(e.attrib) for e in parse(svg).iter("polygon") if e.get("class") == "studio-clip"]


def points(clip: dict[str, str]) -> list[tuple[float, float]]:
    return [tuple(float(v) for v in p.split(",")) for p in clip["points"].split()]  # type: ignore[misc]


# -- the drawing ---------------------------------------------------------------------------


def test_the_drawing_lists_every_clip_at_the_right_place(project):
    view = ArrangementView(project, region=(0.0, 2.0))
    root = parse(view.svg)
    extent = float(root.get("data-extent-s"))
    assert extent == pytest.approx(7.0)  # the voice's second clip ends last: 5 s + 2 s
    drawn = clips_drawn(view.svg)
    expected = [  # track, clip number, start, end (stem length minus trims)
        ("drums", 0, 0.0, 4.0),
        ("bass", 0, 1.0, 3.25),
        ("voice", 0, 0.5, 2.5),
        ("voice", 1, 5.0, 7.0),
    ]
    assert [(c["data-track"], int(c["data-clip"])) for c in drawn] == [e[:2] for e in expected]
    width = 1000.0 - 96.0 - 8.0  # the timeline's span in the drawing

    def x(time_s):
        return 96.0 + width * time_s / extent

    for clip, (_, _, start, end) in zip(drawn, expected, strict=True):
        assert float(clip["data-start-s"]) == pytest.approx(start)
        assert float(clip["data-end-s"]) == pytest.approx(end)
        corners = points(clip)
        assert corners[0][0] == pytest.approx(x(start), abs=0.05)
        assert corners[-1][0] == pytest.approx(x(end), abs=0.05)
    # fades are slopes: the faded clip's top starts 0.5 s in and ends 1 s before its end
    faded = points(drawn[3])
    assert faded[1][0] - faded[0][0] == pytest.approx(width * 0.5 / extent, abs=0.1)
    assert faded[3][0] - faded[2][0] == pytest.approx(width * 1.0 / extent, abs=0.1)
    assert faded[1][1] < faded[0][1]  # rising to the top of the row
    unfaded = points(drawn[0])
    assert unfaded[0][0] == unfaded[1][0]  # no fade: a straight edge


def test_tracks_in_session_order_each_in_its_colour_with_its_name(project):
    root = parse(ArrangementView(project).svg)
    groups = [g for g in root.iter("g") if g.get("class") == "studio-track"]
    assert [g.get("fill") for g in groups] == ["#c0392b", "#8e44ad", "#d35400"]
    assert [g.get("data-mute") for g in groups] == [None, "1", None]  # bass is muted
    names = [e.text for e in root.iter("text")]
    assert names.index("drums") < names.index("bass") < names.index("voice")


def test_sections_and_region_are_drawn(project):
    sections = [("intro", 0.0, 2.0), ("verse", 2.0, 6.0)]
    view = ArrangementView(project, region=(1.0, 3.0), sections=sections)
    root = parse(view.svg)
    drawn = [
        (g.get("data-name"), float(g.get("data-start-s")), float(g.get("data-end-s")))
        for g in root.iter("g")
        if g.get("class") == "studio-section"
    ]
    assert drawn == sections
    region = [r for r in root.iter("rect") if r.get("class") == "studio-region"]
    assert len(region) == 1
    assert (float(region[0].get("data-start-s")), float(region[0].get("data-end-s"))) == (1.0, 3.0)


def test_overlapping_fades_peak_where_the_slopes_cross():
    s = session().replace(("tracks", "voice", "clips", 1, "fade_in_s"), 1.5)
    svg = arrangement_svg(s, STEMS_S, extent_s=10.0)
    corners = points(clips_drawn(svg)[3])  # a 2 s clip with 1.5 s in and 1 s out
    assert len(corners) == 3
    # the slopes cross at 1.2 s: 0.8 of the way up
    x0, x1 = corners[0][0], corners[2][0]
    assert (corners[1][0] - x0) / (x1 - x0) == pytest.approx(0.6, abs=0.01)


def test_names_and_colours_are_escaped():
    s = Session(
        stems=[Stem(name="a")],
        tracks=[Track(name='<b>"x"&', colour='red" onload="x', clips=[Clip(source="a")])],
    )
    root = parse(arrangement_svg(s, {"a": 1.0}))
    clip = clips_drawn(ET.tostring(root, encoding="unicode"))[0]
    assert clip["data-track"] == '<b>"x"&'
    assert "onload" not in root.find(".//g[@class='studio-track']").attrib


def test_the_drawing_stays_light_for_48_tracks():
    names = [f"track {i:02d}" for i in range(48)]
    s = Session(
        stems=[Stem(name=n) for n in names],
        tracks=[
            Track(name=n, colour="#2980b9", clips=[Clip(source=n, start_s=i, fade_out_s=3.0)])
            for i, n in enumerate(names)
        ],
    )
    svg = arrangement_svg(s, dict.fromkeys(names, 180.0), region=(30.0, 60.0))
    assert len(clips_drawn(svg)) == 48
    assert len(svg.encode()) < 16_000  # about 300 bytes a track
    eight = s.replace(tracks=s.tracks[:8])
    assert len(arrangement_svg(eight, dict.fromkeys(names, 180.0)).encode()) < 4_000


def test_clip_spans_follow_the_trims():
    spans = clip_spans(session(), STEMS_S)
    bass = spans[1]
    assert (bass.start_s, bass.end_s, bass.length_s) == (1.0, 3.25, 2.25)
    trimmed_away = session().replace(("tracks", "voice", "clips", 0, "trim_in_s"), 5.0)
    assert clip_spans(trimmed_away, STEMS_S)[2].length_s == 0.0


# -- the loop region ---------------------------------------------------------------------------


def test_the_region_slider_sets_the_region_and_calls_back(project):
    view = ArrangementView(project, region=(0.0, 2.0))
    heard = []
    view.on_region(heard.append)
    view.region_slider.value = (1.0, 2.5)
    assert view.region == (1.0, 2.5)
    assert heard == [(1.0, 2.5)]
    region = [r for r in parse(view.svg).iter("rect") if r.get("class") == "studio-region"][0]
    assert region.get("data-start-s") == "1" and region.get("data-end-s") == "2.5"
    # the browser's rounding of the same region is not a move
    view.region_slider.value = (1.0 + 1e-12, 2.5)
    assert heard == [(1.0, 2.5)]
    # set from code: the slider follows, callbacks hear it
    view.region = (3.0, 6.0)
    assert tuple(view.region_slider.value) == (3.0, 6.0)
    assert heard[-1] == (3.0, 6.0)
    view.on_region(heard.append, remove=True)
    view.region = (0.0, 1.0)
    assert heard[-1] == (3.0, 6.0)


def test_a_region_without_length_is_refused_plainly(project):
    view = ArrangementView(project, region=(0.0, 2.0))
    with pytest.raises(ParameterError, match="end after it starts"):
        view.region = (2.0, 1.0)
    view.region_slider.value = (1.5, 1.5)
    assert view.region == (0.0, 2.0)
    assert "end after it starts" in view.message.value
    assert tuple(view.region_slider.value) == (0.0, 2.0)
    with pytest.raises(ParameterError, match="two times"):
        ArrangementView(project, region=5.0)  # type: ignore[arg-type]


def test_the_region_slider_reaches_past_the_song_when_the_region_does(project):
    view = ArrangementView(project, region=(6.0, 12.0))
    assert view.region_slider.max >= 12.0
    assert float(parse(view.svg).get("data-extent-s")) == 12.0


# -- the clip editor -------------------------------------------------------------------------


def test_a_clip_edit_changes_the_session_and_undo_takes_it_back(project):
    view = ArrangementView(project)
    view.select_clip("voice", 1)
    assert view.controls["start_s"].value == 5.0
    assert view.controls["fade_in_s"].value == 0.5
    view.edit("start_s", 6.5)
    assert project.session.track("voice").clips[1].start_s == 6.5
    assert len(project.history) == 1  # one edit, one undo step
    drawn = clips_drawn(view.svg)[3]
    assert float(drawn["data-start-s"]) == 6.5 and float(drawn["data-end-s"]) == 8.5
    project.undo()
    assert project.session.track("voice").clips[1].start_s == 5.0
    assert view.controls["start_s"].value == 5.0  # the control follows the undo
    assert float(clips_drawn(view.svg)[3]["data-start-s"]) == 5.0
    assert project.history == ()  # following the undo made no edit of its own


def test_every_clip_setting_is_one_edit(project):
    view = ArrangementView(project)
    view.select_clip("bass")
    view.edit("trim_out_s", 1.0)
    view.edit("fade_shape", "s_curve")
    view.edit("gain_db", -3.0)
    clip = project.session.track("bass").clips[0]
    assert (clip.trim_out_s, clip.fade_shape, clip.gain_db) == (1.0, "s_curve", -3.0)
    assert len(project.history) == 3
    assert float(clips_drawn(view.svg)[1]["data-end-s"]) == pytest.approx(2.5)
    # the browser's rounding of a value in use is not an edit
    view.controls["gain_db"].value = -3.0 + 1e-9
    assert len(project.history) == 3


def test_the_editor_follows_changes_made_elsewhere(project):
    view = ArrangementView(project)
    view.select_clip("drums")
    project.set(("tracks", "drums", "clips", 0, "fade_out_s"), 2.0)
    assert view.controls["fade_out_s"].value == 2.0
    assert len(project.history) == 1
    assert "2.00" in view.clip_status.value  # faded out over 2.00 s
    # a track removed: its clip leaves the choices, the editor moves to another clip
    project.replace_session(project.session.replace(tracks=project.session.tracks[1:]))
    assert ("drums", 0) not in [v for _, v in view.clip_choice.options]
    assert view.clip is not None and view.clip[0] != "drums"


def test_choosing_a_clip_that_does_not_exist_is_refused(project):
    view = ArrangementView(project)
    with pytest.raises(ParameterError, match="no clip 3 on track 'voice'"):
        view.select_clip("voice", 3)
    with pytest.raises(ParameterError, match="no control 'level'"):
        view.edit("level", 1.0)


def test_the_clip_sliders_reach_the_stem_length(project):
    view = ArrangementView(project)
    view.select_clip("drums")
    assert view.controls["trim_in_s"].max == pytest.approx(4.0)
    assert view.controls["start_s"].max >= 7.0
    assert view.controls["start_s"].step == 0.01


def test_a_view_needs_a_project():
    with pytest.raises(ParameterError, match="needs a studio.mixing.Project"):
        ArrangementView(session())  # type: ignore[arg-type]


# -- closing -----------------------------------------------------------------------------


def open_ids() -> set[int]:
    from ipywidgets.widgets import widget as widget_module

    return {id(w) for w in widget_module._instances.values() if w.comm is not None}


def test_close_leaves_no_open_widget(project):
    before = open_ids()
    view = ArrangementView(project, sections=[("intro", 0.0, 2.0)])
    view.select_clip("voice", 1)
    view.edit("gain_db", -2.0)
    tree = widget_tree(view)
    assert len(tree) > 10
    view.close()
    assert all(w.comm is None for w in tree)
    assert open_ids() <= before  # nothing the view made is left open
    project.set(("tracks", "voice", "clips", 1, "gain_db"), -4.0)  # no longer followed
    assert isinstance(view.drawing, Widget)
