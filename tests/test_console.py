"""The mixing console, driven without a browser: what it sends is what the session mixes."""

import numpy as np
import pytest

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.mixing import Bus, Clip, Project, Send, Session, Stem, Strip, Track, Vca, render
from studio.processors import Chain, Reverb
from studio.widgets.console import ALONE, KEPT, MIX, Console
from studio.widgets.lifecycle import widget_tree
from studio.widgets.timing import ManualScheduler

SR = 48000
PCM16_TOL = 2.0 / 32767


def noise(seed, channels=1, seconds=3.0, level=0.1):
    rng = np.random.default_rng(seed)
    return Audio(
        (level * rng.standard_normal((channels, int(seconds * SR)))).astype(np.float32), SR
    )


@pytest.fixture
def project():
    sources = {"kick": noise(1), "voice": noise(2), "pad": noise(3, channels=2)}
    session = Session(
        name="test song",
        stems=[Stem(name=n) for n in sources],
        tracks=[
            Track(name="kick", clips=[Clip(source="kick")], output="drums"),
            Track(
                name="voice",
                clips=[Clip(source="voice")],
                sends=[Send(bus="verb", level_db=-6.0)],
                vca="band",
            ),
            Track(name="pad", layout="stereo", clips=[Clip(source="pad")]),
        ],
        buses=[
            Bus(name="drums"),
            Bus(name="verb", kind="return", strip=Strip(inserts=Chain(Reverb(mix_pct=100.0)))),
        ],
        vcas=[Vca(name="band")],
    )
    return Project(session, sources)


def make(project, **options):
    return Console(project, preview_s=2.0, scheduler=ManualScheduler(), **options)


def expected_mix(project, console):
    return render(
        project.session, project.sources, start_s=console.start_s, duration_s=console.preview_s
    ).samples


def test_every_strip_is_built_from_the_session(project):
    c = make(project)
    paths = set(c.controls)
    for name in ("kick", "voice", "pad"):
        assert ("tracks", name, "strip", "fader", "gain_db") in paths
        assert ("tracks", name, "strip", "fader", "pan") in paths
        assert ("tracks", name, "mute") in paths and ("tracks", name, "solo") in paths
    assert ("tracks", "voice", "sends", "verb", "level_db") in paths
    assert ("buses", "verb", "strip", "fader", "gain_db") in paths
    assert ("master", "strip", "fader", "gain_db") in paths
    assert ("vcas", "band", "gain_db") in paths
    assert set(c.meters) == {"kick", "voice", "pad", "drums", "verb", "master"}
    fader = c.controls[("tracks", "voice", "strip", "fader", "gain_db")]
    assert fader.orientation == "vertical" and (fader.min, fader.max) == (-60.0, 24.0)
    slots = " ".join(v.value for v in c._slot_views.values())
    assert "Reverb" in slots


def test_the_player_plays_the_session_mix(project):
    c = make(project)
    heard = c.player.decoded(MIX)
    np.testing.assert_allclose(heard, expected_mix(project, c), atol=PCM16_TOL)


def test_a_fader_move_is_heard_and_is_one_undo_step(project):
    c = make(project)
    before = c.player.decoded(MIX).copy()
    path = ("tracks", "voice", "strip", "fader", "gain_db")
    for value in (-3.0, -6.0, -12.0):  # a drag: many values
        c.set(path, value)
    c.flush()
    assert project.get(path) == -12.0
    assert project.history == ("tracks.voice.strip.fader.gain_db",)  # one step
    after = c.player.decoded(MIX)
    np.testing.assert_allclose(after, expected_mix(project, c), atol=PCM16_TOL)
    assert not np.allclose(after, before, atol=1e-3)
    # only the voice, the reverb return it feeds and the master were mixed again
    assert "3 part(s) rendered, 3 reused" in c.status.value
    c.undo_button.click()
    c.flush()
    assert project.get(path) == 0.0 and c.controls[path].value == 0.0
    np.testing.assert_allclose(c.player.decoded(MIX), before, atol=PCM16_TOL)


def test_a_send_move_changes_the_reverb_return_only_for_that_track(project):
    c = make(project)
    c.set(("tracks", "voice", "sends", "verb", "level_db"), 0.0)
    c.flush()
    assert project.get(("tracks", "voice", "sends", "verb", "level_db")) == 0.0
    np.testing.assert_allclose(c.player.decoded(MIX), expected_mix(project, c), atol=PCM16_TOL)
    # the moved send re-rendered the voice, the return and the master; kick, pad, drums reused
    assert "3 part(s) rendered, 3 reused" in c.status.value


def test_meters_carry_each_strips_level_over_the_passage(project):
    c = make(project)
    kick = c.meters["kick"].peaks_db
    assert kick.shape == (40,) and kick.max() > -30.0  # 2 s in 50 ms blocks
    c.set(("tracks", "kick", "mute"), True)
    c.flush()
    assert c.meters["kick"].peaks_db.max() == -120.0  # a muted strip reads silence


def test_hear_alone_is_solo_in_context_and_loudness_matched(project):
    c = make(project)
    c.alone_choice.value = "voice"
    c.flush()
    alone = c.player.decoded(ALONE)
    soloed = project.session.replace(("tracks", "voice", "solo"), True)
    expected = render(soloed, project.sources, start_s=c.start_s, duration_s=c.preview_s).samples
    np.testing.assert_allclose(alone, expected, atol=PCM16_TOL)
    assert c.player.side(ALONE).loudness_db < 0  # one track is quieter than the mix
    assert project.session.track("voice").solo is False  # the session itself unchanged


def test_keep_and_bad_values(project):
    c = make(project)
    c.keep()
    kept = c.player.decoded(MIX).copy()
    c.set(("tracks", "voice", "strip", "fader", "gain_db"), -20.0)
    c.set(("tracks", "voice", "strip", "fader", "pan"), 0.5)
    c.flush()
    np.testing.assert_allclose(c.player.decoded(KEPT), kept, atol=PCM16_TOL)  # C stays
    assert c.player.side(KEPT).loudness_db > 0.5  # louder than the new mix: matched
    c._on_change(("tracks", "voice", "strip", "fader", "pan"), 7.0)  # beyond the range
    assert "between -1 and 1" in c.message.value
    assert project.get(("tracks", "voice", "strip", "fader", "pan")) == 0.5


def test_automated_controls_are_locked_and_follow_the_project(project):
    c = make(project)
    path = ("tracks", "pad", "strip", "fader", "gain_db")
    project.set(path, Envelope((0.0, 2.0), (-20.0, 0.0)))
    assert c.controls[path].disabled
    project.set(("tracks", "kick", "strip", "fader", "gain_db"), -4.0)
    assert c.controls[("tracks", "kick", "strip", "fader", "gain_db")].value == -4.0


def test_an_automated_control_shows_the_lane_and_never_replaces_it(project):
    c = make(project, start_s=0.5)
    fader = ("tracks", "voice", "strip", "fader", "gain_db")
    send = ("tracks", "voice", "sends", "verb", "level_db")
    lane = Envelope((0.0, 1.0), (-20.0, -10.0))
    project.set(fader, lane)
    project.set(send, Envelope((0.0, 2.0), (-30.0, -10.0)))
    # they show the lanes' values where the passage starts, not the parameters' defaults
    assert c.controls[fader].value == pytest.approx(-15.0)
    assert c.controls[send].value == pytest.approx(-25.0)
    assert c.controls[send].description == "verb (auto)"
    # the page echoes a locked slider's value rounded to its step: the lane stays
    c.controls[fader].value = -15.000000000000014
    c.controls[send].value = -24.999999999999986
    c.flush()
    assert project.get(fader) == lane
    assert isinstance(project.get(send), Envelope)
    c.set_region(1.0, 1.0)  # another passage: the value where it starts
    assert c.controls[fader].value == pytest.approx(-10.0)
    project.set(send, -8.0)  # no longer automated: its own words and value again
    assert c.controls[send].description == "verb"
    assert c.controls[send].value == -8.0 and not c.controls[send].disabled


def test_full_render_with_progress_and_close(project):
    c = make(project)
    full = c.render_full()
    assert full.duration_s > 3.0  # the reverb's tail rings past the 3 s stems
    assert c.progress.value == c.progress.max
    tree = widget_tree(c)
    c.close()
    assert all(w.comm is None for w in tree)
    project.set(("tracks", "kick", "mute"), True)  # no longer followed: nothing breaks


def test_the_spectrum_shows_the_chosen_strip_over_the_mix(project):
    c = make(project)
    c.spectrum_choice.value = "kick"
    kick = c.spectrum.trace("strip").y
    mix = c.spectrum.trace(MIX).y
    assert c.spectrum.trace("strip").label == "kick"
    assert np.all(kick <= mix + 3.0)  # one part of the mix is not louder than all of it
    c.set(("tracks", "kick", "mute"), True)
    c.flush()
    assert np.all(c.spectrum.trace("strip").y == -100.0)  # a muted track adds nothing


def test_moving_the_region_renders_the_new_passage_and_bounds_it(project):
    c = make(project)
    c.set_region(1.0, 1.5)
    assert (c.start_s, c.preview_s) == (1.0, 1.5)
    assert c.player.time_origin_s == 1.0  # the player shows song time, not passage time
    np.testing.assert_allclose(c.player.decoded(MIX), expected_mix(project, c), atol=PCM16_TOL)
    c.set_region(0.0, 600.0)
    assert c.preview_s < 60.0 and "longest" in c.message.value


def test_a_track_added_or_removed_after_the_console_was_built(project):
    c = make(project)
    c.alone_choice.value = "pad"
    c.flush()
    session = project.session.with_track(
        project.session.track("kick").replace(name="kick 2", output="master")
    )
    project.replace_session(session.replace(stems=session.stems), label="add a track")
    assert ("tracks", "kick 2", "strip", "fader", "gain_db") in c.controls
    assert "kick 2" in c.meters and "kick 2" in c.spectrum_choice.options
    project.replace_session(project.session.without_track("pad"), label="remove a track")
    c.flush()
    assert not any(p[:2] == ("tracks", "pad") for p in c.controls)
    assert "pad" not in c.meters and c.alone is None and c.player.audio(ALONE) is None
    np.testing.assert_allclose(c.player.decoded(MIX), expected_mix(project, c), atol=PCM16_TOL)


def test_a_failing_first_render_is_shown_and_leaves_nothing_behind(project):
    broken = project.session.replace(("master", "strip", "inserts"), Chain(_Broken()))
    project.replace_session(broken)
    c = make(project)
    assert "could not render" in c.message.value.lower()
    c.close()
    assert not project._listeners


from dataclasses import dataclass  # noqa: E402

from studio.processors import Processor  # noqa: E402


@dataclass(frozen=True)
class _Broken(Processor):
    """A processor that fails, as a learner's own might."""

    def _process(self, samples, sr):
        raise RuntimeError("this processor is broken")


def test_a_fader_below_its_usual_travel_keeps_its_value(project):
    path = ("tracks", "kick", "strip", "fader", "gain_db")
    project.set(path, -80.0)
    c = make(project)
    assert c.controls[path].min <= -80.0 and c.controls[path].value == -80.0
    assert project.get(path) == -80.0  # showing it changed nothing
