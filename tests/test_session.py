"""The mixing session: routing, sends, solo, delay compensation, automation, files, undo."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.errors import AudioFileError, ParameterError
from studio.io import save
from studio.mixing import Bus, Clip, Project, Send, Session, Stem, Strip, Track, Vca, render
from studio.mixing.render import RenderCache, fade_gains, track_input
from studio.processors import Chain, Compressor, EQBand, Limiter, ParametricEQ, Processor, Reverb
from studio.processors.utility import Fader, Gain

SR = 48000
C = np.sqrt(0.5)  # constant-power centre gain, -3.01 dB


def tone(seconds=1.0, freq=440.0, level=0.25, channels=1):
    t = np.arange(int(seconds * SR)) / SR
    x = (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return Audio(np.tile(x, (channels, 1)), SR)


def noise(seconds=1.0, channels=1, seed=0, level=0.1):
    rng = np.random.default_rng(seed)
    return Audio(
        (level * rng.standard_normal((channels, int(seconds * SR)))).astype(np.float32), SR
    )


def one_track(**track):
    track.setdefault("clips", [Clip(source="a")])
    return Session(stems=[Stem(name="a")], tracks=[Track(name="a", **track)])


def db(x):
    return 20 * np.log10(np.max(np.abs(np.asarray(x, dtype=np.float64))) + 1e-300)


# -- the model ---------------------------------------------------------------------------


def test_paths_name_tracks_buses_and_sends():
    s = Session(
        stems=[Stem(name="v")],
        tracks=[Track(name="voice", clips=[Clip(source="v")], sends=[Send(bus="verb")])],
        buses=[Bus(name="verb", kind="return")],
    )
    path = ("tracks", "voice", "strip", "eq", "bands", 2, "gain_db")
    assert s.replace(path, -4.0).get(path) == -4.0
    assert (
        s.replace(("tracks", "voice", "sends", "verb", "level_db"), -3.0).get(
            ("tracks", "voice", "sends", 0, "level_db")
        )
        == -3.0
    )
    with pytest.raises(ParameterError, match="'voice'"):
        s.get(("tracks", "vox", "mute"))
    with pytest.raises(
        ParameterError,
        match=r"tracks.voice.strip.eq.bands\[2\]: gain \(gain_db\) must be between -24 and 24",
    ):
        s.replace(path, 99.0)


def test_routing_is_checked_with_plain_messages():
    with pytest.raises(ParameterError, match="feeds 'drums', which is not a bus"):
        Session(tracks=[Track(name="kick", output="drums")])
    with pytest.raises(ParameterError, match="sends to 'verb', which is not a bus"):
        Session(tracks=[Track(name="v", sends=[Send(bus="verb")])])
    with pytest.raises(ParameterError, match="loop"):
        Session(buses=[Bus(name="a", output="b"), Bus(name="b", output="a")])
    with pytest.raises(ParameterError, match="two of the tracks are called 'x'"):
        Session(tracks=[Track(name="x"), Track(name="x")])
    with pytest.raises(ParameterError, match="VCA 'drums'"):
        Session(tracks=[Track(name="x", vca="drums")])
    with pytest.raises(ParameterError, match="stem 'b'"):
        Session(stems=[Stem(name="a")], tracks=[Track(name="x", clips=[Clip(source="b")])])


def test_session_round_trips_through_plain_data():
    s = Session(
        stems=[Stem(name="a", path="a.wav")],
        tracks=[
            Track(
                name="a",
                colour="#ff0000",
                clips=[Clip(source="a", start_s=1.5, fade_in_s=0.1)],
                strip=Strip(dynamics=Compressor(ratio=3.0), inserts=Chain(Reverb())),
                sends=[Send(bus="verb", level_db=Envelope((0.0, 2.0), (-20.0, -6.0)))],
                vca="all",
            )
        ],
        buses=[Bus(name="verb", kind="return")],
        vcas=[Vca(name="all", gain_db=-2.0)],
    )
    data = json.loads(json.dumps(s.to_dict()))
    assert Session.from_dict(data) == s
    assert s.lanes() == (
        (("tracks", "a", "sends", "verb", "level_db"), s.tracks[0].sends[0].level_db),
    )


# -- clips -------------------------------------------------------------------------------


def test_clip_start_trim_and_gain_place_the_audio_exactly():
    src = {"a": Audio(np.arange(1, 11, dtype=np.float32)[None, :], SR)}
    clip = Clip(source="a", start_s=3 / SR, trim_in_s=2 / SR, trim_out_s=1 / SR, gain_db=-6.0206)
    x = track_input(Track(name="a", clips=[clip]), src, SR, 0, 12)
    expected = np.zeros(12, dtype=np.float32)
    expected[3:10] = 0.5 * np.arange(3, 10)
    np.testing.assert_allclose(x[0], expected, rtol=1e-4)


@pytest.mark.parametrize("shape", ["linear", "equal_power", "s_curve", "exponential"])
def test_fades_rise_from_silence_and_fall_back(shape):
    up = fade_gains(101, shape, rising=True)
    assert up[0] == 0.0 and up[-1] == pytest.approx(1.0)
    assert np.all(np.diff(up) >= 0)
    np.testing.assert_array_equal(fade_gains(101, shape, rising=False), up[::-1])
    if shape == "equal_power":
        assert up[50] == pytest.approx(np.sqrt(0.5), abs=1e-6)  # half power half way


def test_stereo_stem_on_a_mono_track_is_folded_and_mono_on_stereo_is_doubled():
    src = {"a": Audio(np.array([[1.0, 1.0], [0.0, 0.5]], dtype=np.float32), SR)}
    mono = track_input(Track(name="a", clips=[Clip(source="a")]), src, SR, 0, 2)
    np.testing.assert_allclose(mono, [[0.5, 0.75]])
    src = {"a": Audio(np.array([[1.0, 2.0]], dtype=np.float32), SR)}
    stereo = track_input(Track(name="a", layout="stereo", clips=[Clip(source="a")]), src, SR, 0, 2)
    np.testing.assert_allclose(stereo, [[1.0, 2.0], [1.0, 2.0]])


# -- the mix -----------------------------------------------------------------------------


def test_a_centred_mono_track_obeys_the_pan_law():
    a = tone()
    mix = render(one_track(), {"a": a}).samples
    np.testing.assert_allclose(mix[0], C * a.samples[0], atol=1e-6)
    left = render(one_track(strip=Strip(fader=Fader(pan=-1.0, gain_db=-6.0))), {"a": a}).samples
    np.testing.assert_allclose(left[0], 10 ** (-6 / 20) * a.samples[0], atol=1e-6)
    assert np.max(np.abs(left[1])) < 1e-7


def test_sends_post_fader_follow_the_fader_pre_fader_do_not():
    a = tone()

    def session(pre):
        return Session(
            stems=[Stem(name="a")],
            tracks=[
                Track(
                    name="a",
                    clips=[Clip(source="a")],
                    mute=False,
                    strip=Strip(fader=Fader(gain_db=-12.0)),
                    sends=[Send(bus="fx", level_db=-6.0, pre_fader=pre)],
                )
            ],
            buses=[Bus(name="fx", kind="return", strip=Strip(fader=Fader(gain_db=0.0)))],
        )

    # the fx bus alone: solo it, so the track's own output is silent
    def fx_only(s):
        return render(s.replace(("buses", "fx", "solo"), True), {"a": a}).samples

    post = fx_only(session(False))
    pre = fx_only(session(True))
    ref = C * a.samples[0]
    np.testing.assert_allclose(post[0], 10 ** (-18 / 20) * ref, atol=1e-6)  # fader + send
    np.testing.assert_allclose(pre[0], 10 ** (-6 / 20) * ref, atol=1e-6)  # send only


def test_group_bus_processes_the_sum_of_its_tracks():
    a, b = noise(seed=1), noise(seed=2)
    s = Session(
        stems=[Stem(name="a"), Stem(name="b")],
        tracks=[
            Track(name="a", clips=[Clip(source="a")], output="drums"),
            Track(name="b", clips=[Clip(source="b")], output="drums"),
        ],
        buses=[Bus(name="drums", strip=Strip(trim_db=-6.0206))],
    )
    mix = render(s, {"a": a, "b": b}).samples
    np.testing.assert_allclose(mix[0], 0.5 * C * (a.samples[0] + b.samples[0]), atol=1e-6)


def test_solo_in_place_keeps_the_effect_returns_open():
    a, b = noise(seed=1), noise(seed=2)
    verb = Strip(inserts=Chain(Gain(gain_db=-20.0)))  # a stand-in "effect" we can predict
    s = Session(
        stems=[Stem(name="a"), Stem(name="b")],
        tracks=[
            Track(name="a", clips=[Clip(source="a")], sends=[Send(bus="fx", level_db=0.0)]),
            Track(name="b", clips=[Clip(source="b")]),
        ],
        buses=[Bus(name="fx", kind="return", strip=verb)],
    )
    src = {"a": a, "b": b}
    solo_a = render(s.replace(("tracks", "a", "solo"), True), src).samples
    np.testing.assert_allclose(solo_a[0], C * a.samples[0] * (1 + 0.1), atol=1e-6)
    muted = render(s.replace(("tracks", "a", "mute"), True), src).samples
    np.testing.assert_allclose(muted[0], C * b.samples[0], atol=1e-6)
    both = render(
        s.replace(("tracks", "a", "solo"), True).replace(("tracks", "b", "solo"), True), src
    )
    np.testing.assert_allclose(both.samples, render(s, src).samples, atol=1e-6)


def test_vca_moves_its_tracks_faders_and_post_fader_sends():
    a = tone()
    s = Session(
        stems=[Stem(name="a")],
        tracks=[Track(name="a", clips=[Clip(source="a")], vca="band")],
        vcas=[Vca(name="band", gain_db=-6.0206)],
    )
    mix = render(s, {"a": a}).samples
    np.testing.assert_allclose(mix[0], 0.5 * C * a.samples[0], atol=1e-6)
    silent = render(s.replace(("vcas", "band", "mute"), True), {"a": a}).samples
    assert not silent.any()


@dataclass(frozen=True)
class _ComesLate(Processor):
    """A processor whose output is 64 frames late, as a real-time plug-in's would be."""

    def _latency_frames(self, sr: int) -> int:
        return 64

    def _process(self, samples, sr):
        out = np.zeros_like(samples)
        out[:, 64:] = samples[:, :-64]
        return out


def test_delay_compensation_nulls_a_late_path_against_a_direct_one():
    """A track through late, lookahead and linear-phase processors cancels its direct copy."""
    a = noise(seconds=1.0)
    late_path = Strip(
        eq=ParametricEQ(bands=[EQBand("peak", 1000.0, 0.0, 1.0)], phase="linear"),
        dynamics=Compressor(ratio=1.0, lookahead_ms=5.0),
        inserts=Chain(_ComesLate(), Limiter(ceiling_dbtp=0.0)),
    )
    s = Session(
        stems=[Stem(name="a")],
        tracks=[
            Track(name="late", clips=[Clip(source="a")], strip=late_path, output="group"),
            Track(name="direct", clips=[Clip(source="a")], strip=Strip(invert=True)),
        ],
        buses=[Bus(name="group", strip=Strip(inserts=Chain(_ComesLate())))],
    )
    mix = render(s, {"a": a}, tail=False).samples
    assert db(mix) < -120.0  # to the very last frame
    alone = render(s.replace(("tracks", "direct", "mute"), True), {"a": a}, tail=False).samples
    np.testing.assert_allclose(alone[0], C * a.samples[0], atol=1e-6)


def test_automation_rides_the_fader_exactly():
    a = Audio(np.ones((1, SR), dtype=np.float32), SR)
    ride = Envelope((0.0, 1.0), (-20.0, 0.0))  # a straight line in dB
    mix = render(one_track(strip=Strip(fader=Fader(gain_db=ride))), {"a": a}, tail=False)
    t = np.arange(SR) / SR
    expected = C * 10 ** ((-20.0 + 20.0 * t) / 20)
    np.testing.assert_allclose(mix.samples[0], expected, rtol=2e-3)


def test_a_region_render_keeps_automation_in_song_time():
    a = Audio(np.ones((1, 2 * SR), dtype=np.float32), SR)
    ride = Envelope((0.0, 2.0), (-20.0, 0.0))
    s = one_track(strip=Strip(fader=Fader(gain_db=ride)))
    region = render(s, {"a": a}, start_s=1.0, duration_s=0.5).samples
    np.testing.assert_allclose(region[0, 0], C * 10 ** (-10.0 / 20), rtol=2e-3)


def test_reverb_tail_is_kept_past_the_last_clip():
    a = noise(seconds=0.5)
    s = Session(
        stems=[Stem(name="a")],
        tracks=[Track(name="a", clips=[Clip(source="a")], sends=[Send(bus="verb", level_db=0.0)])],
        buses=[
            Bus(
                name="verb",
                kind="return",
                strip=Strip(inserts=Chain(Reverb(mix_pct=100.0, decay_s=1.0))),
            )
        ],
    )
    mix = render(s, {"a": a})
    assert mix.duration_s > 1.0  # the tail rings on after the 0.5 s clip
    assert db(mix.samples[:, int(0.8 * SR) :]) > -60.0
    assert render(s, {"a": a}, tail=False).duration_s == pytest.approx(0.5)


def test_cache_renders_only_what_changed():
    srcs = {n: noise(seed=i) for i, n in enumerate("abc")}
    s = Session(
        stems=[Stem(name=n) for n in "abc"],
        tracks=[Track(name=n, clips=[Clip(source=n)]) for n in "abc"],
    )
    cache = RenderCache()
    first = render(s, srcs, duration_s=0.5, cache=cache)
    moved = s.replace(("tracks", "b", "strip", "fader", "gain_db"), -6.0)
    cache.hits = cache.misses = 0
    second = render(moved, srcs, duration_s=0.5, cache=cache)
    assert cache.hits == 2 and cache.misses == 2  # tracks a and c reused; b and master new
    np.testing.assert_allclose(second.samples, render(moved, srcs, duration_s=0.5).samples, atol=0)
    assert not np.allclose(first.samples, second.samples)


def test_stems_at_another_rate_are_refused_plainly():
    with pytest.raises(Exception, match="44100 Hz"):
        render(one_track(), {"a": Audio(np.zeros((1, 100), np.float32), 44100)})


@settings(max_examples=25, deadline=None)
@given(
    gain=st.floats(-60.0, 12.0),
    pan=st.floats(-1.0, 1.0),
    send=st.floats(-60.0, 6.0),
    pre=st.booleans(),
)
def test_mix_is_finite_and_linear_in_the_fader(gain, pan, send, pre):
    a = noise(seconds=0.1)
    s = Session(
        stems=[Stem(name="a")],
        tracks=[
            Track(
                name="a",
                clips=[Clip(source="a")],
                strip=Strip(fader=Fader(gain_db=gain, pan=pan)),
                sends=[Send(bus="fx", level_db=send, pre_fader=pre)],
            )
        ],
        buses=[Bus(name="fx", kind="return")],
    )
    mix = render(s, {"a": a}).samples
    assert np.all(np.isfinite(mix))
    louder = render(s.replace(("tracks", "a", "strip", "fader", "gain_db"), gain + 6.0), {"a": a})
    if not pre:
        np.testing.assert_allclose(louder.samples, 10 ** (6 / 20) * mix, rtol=1e-4, atol=1e-7)


# -- the project: edits, undo, files -----------------------------------------------------


def demo_project():
    srcs = {"a": noise(seed=1), "b": noise(seed=2, channels=2)}
    s = Session(
        name="song",
        stems=[Stem(name="a"), Stem(name="b")],
        tracks=[
            Track(
                name="a",
                clips=[Clip(source="a", fade_out_s=0.2)],
                sends=[Send(bus="verb")],
                strip=Strip(fader=Fader(gain_db=Envelope((0.0, 0.5), (-6.0, 0.0), "smooth"))),
            ),
            Track(name="b", layout="stereo", clips=[Clip(source="b", start_s=0.25)]),
        ],
        buses=[Bus(name="verb", kind="return", strip=Strip(inserts=Chain(Reverb(mix_pct=100.0))))],
    )
    return Project(s, srcs)


def test_undo_and_redo_walk_the_history():
    p = demo_project()
    path = ("tracks", "b", "strip", "fader", "pan")
    p.set(path, 0.5)
    p.apply([(path, -0.5), (("tracks", "a", "mute"), True)], label="two at once")
    assert p.history == ("tracks.b.strip.fader.pan", "two at once")
    assert p.undo() == "two at once" and p.get(path) == 0.5 and not p.get(("tracks", "a", "mute"))
    assert p.undo() and p.get(path) == 0.0
    assert p.undo() is None
    assert p.redo() and p.get(path) == 0.5
    with pytest.raises(ParameterError):
        p.apply([(path, 0.3), (path, 7.0)])  # all or nothing
    assert p.get(path) == 0.5


def test_save_and_load_give_a_bit_identical_mixdown(tmp_path):
    p = demo_project()
    before = p.mixdown()
    file = p.save(tmp_path / "song.session.json")
    data = json.loads(file.read_text())
    assert data["format"] == "studio.session/1"
    assert all(not s["path"].startswith("/") for s in data["session"]["stems"])  # relative
    again = Project.load(file)
    assert again.session == p.session
    np.testing.assert_array_equal(again.mixdown().samples, before.samples)
    p.set(("tracks", "a", "mute"), True)
    p.save()  # again to its own file: fine
    with pytest.raises(AudioFileError, match="already exists"):
        demo_project().save(file)  # another session never replaces it silently


def test_a_moved_folder_opens_and_a_missing_stem_is_named(tmp_path):
    first = tmp_path / "a"
    first.mkdir()
    p = demo_project()
    p.save(first / "song.session.json")
    moved = tmp_path / "b"
    first.rename(moved)
    assert Project.load(moved / "song.session.json").session.name == "song"
    (moved / "song stems" / "b.wav").unlink()
    with pytest.raises(AudioFileError, match="stem 'b'"):
        Project.load(moved / "song.session.json")


def test_stems_from_files_keep_their_paths_and_rate(tmp_path):
    a = noise(seed=3)
    save(Audio(a.samples, SR), tmp_path / "a.wav", subtype="FLOAT")
    from studio.io import load

    p = Project(
        one_track().replace(("stems", 0, "path"), str(tmp_path / "a.wav")),
        {"a": load(tmp_path / "a.wav")},
    )
    file = p.save(tmp_path / "mix.session.json")
    assert json.loads(file.read_text())["session"]["stems"][0]["path"] == "a.wav"
    assert not (tmp_path / "mix stems").exists()  # nothing copied


def test_export_writes_full_resolution_and_never_clobbers(tmp_path):
    p = demo_project()
    out = p.export(tmp_path / "mix.wav")
    import soundfile as sf

    assert sf.info(out).subtype == "PCM_24"
    with pytest.raises(AudioFileError):
        p.export(tmp_path / "mix.wav")
    with pytest.raises(ParameterError, match="24-bit"):
        p.export(tmp_path / "mix16.wav", subtype="PCM_16")
    stems = p.export_stems(tmp_path)
    lengths = {sf.info(f).frames for f in stems.values()}
    assert set(stems) == {"a", "b", "verb"} and len(lengths) == 1


def test_building_a_session_step_by_step():
    p = Project.from_audio({"voice": noise(seed=1), "pad": noise(seed=2, channels=2)}, name="song")
    s = p.session
    assert [t.layout for t in s.tracks] == ["mono", "stereo"]
    assert len({t.colour for t in s.tracks}) == 2
    s = s.with_bus(Bus(name="verb", kind="return")).with_send("voice", Send(bus="verb"))
    assert s.track("voice").sends[0].bus == "verb"
    s = s.with_send("voice", Send(bus="verb", level_db=-3.0))  # replaces, never doubles
    assert [x.level_db for x in s.track("voice").sends] == [-3.0]
    p.replace_session(s, label="add a reverb return")
    assert p.history[-1] == "add a reverb return"
    assert p.session.without_track("pad").tracks[0].name == "voice"
    with pytest.raises(ParameterError, match="different rates"):
        Project.from_audio({"a": noise(), "b": Audio(np.zeros((1, 10), np.float32), 44100)})


def test_the_project_reports_whether_its_mix_is_ready_for_mastering():
    p = demo_project()
    report = p.report()
    assert not report.check("master_bus").findings  # nothing on the master bus yet
    assert report.sample_peak_dbfs == pytest.approx(db(p.mixdown().samples), abs=1e-3)
    hot = p.session.replace(("master", "strip", "inserts"), Chain(Limiter()))
    p.replace_session(hot)
    assert any("imiter" in str(f) for f in p.report().findings)


def test_a_folder_of_stems_becomes_a_project_that_saves_and_reopens(tmp_path):
    folder = tmp_path / "my song"
    folder.mkdir()
    save(noise(seed=1), folder / "01 Kick.wav", subtype="FLOAT")
    save(
        Audio(noise(seed=2, channels=2).samples[:, : SR // 2], SR),
        folder / "02 Pad.wav",
        subtype="FLOAT",
    )
    p = Project.from_stems(folder)
    assert p.session.name == "my song"
    assert [(t.name, t.layout) for t in p.session.tracks] == [("Kick", "mono"), ("Pad", "stereo")]
    p.set(("tracks", "Pad", "strip", "fader", "pan"), 0.4)
    before = p.mixdown()
    file = p.save(tmp_path / "my song.session.json")
    again = Project.load(file)  # as after a kernel restart
    np.testing.assert_array_equal(again.mixdown().samples, before.samples)
    assert not (tmp_path / "my song stems").exists()  # the stems' own files are used


def test_parallel_compression_on_a_drum_bus():
    from studio.processors import Branch, Parallel

    kick, snare = noise(seed=4, level=0.3), noise(seed=5, level=0.3)
    squash = Compressor(threshold_db=-30.0, ratio=10.0, attack_ms=1.0)
    crush = Parallel(branches=[Branch(Gain()), Branch(squash, gain_db=-6.0)])
    s = Session(
        stems=[Stem(name="kick"), Stem(name="snare")],
        tracks=[
            Track(name="kick", clips=[Clip(source="kick")], output="drums"),
            Track(name="snare", clips=[Clip(source="snare")], output="drums"),
        ],
        buses=[Bus(name="drums", strip=Strip(inserts=Chain(crush)))],
    )
    mix = render(s, {"kick": kick, "snare": snare}).samples
    dry = C * (kick.samples + snare.samples)  # both centred: the same in each side
    summed = np.vstack([dry, dry])
    expected = summed + 10 ** (-6 / 20) * squash.process(summed, SR)
    np.testing.assert_allclose(mix, expected, atol=1e-5)


def test_tracks_and_buses_on_two_cores_mix_exactly_as_on_one():
    p = demo_project()
    s = p.session.with_bus(Bus(name="drums")).with_bus(Bus(name="echo", kind="return"))
    s = s.replace(("tracks", "b", "output"), "drums").with_send("a", Send(bus="echo"))
    one = render(s, p.sources, parallel=False).samples
    two = render(s, p.sources, parallel=True).samples
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("pre", [False, True])
def test_a_vca_moves_post_fader_sends_but_not_pre_fader_ones(pre):
    a = tone()
    s = Session(
        stems=[Stem(name="a")],
        tracks=[
            Track(
                name="a",
                clips=[Clip(source="a")],
                vca="band",
                sends=[Send(bus="fx", level_db=0.0, pre_fader=pre)],
            )
        ],
        buses=[Bus(name="fx", kind="return", solo=True)],  # hear the return alone
        vcas=[Vca(name="band", gain_db=-6.0206)],
    )
    fx = render(s, {"a": a}).samples
    expected = (1.0 if pre else 0.5) * C * a.samples[0]
    np.testing.assert_allclose(fx[0], expected, atol=1e-6)
    ride = s.replace(("vcas", "band", "gain_db"), Envelope((0.0, 1.0), (-6.0206, -6.0206)))
    np.testing.assert_allclose(render(ride, {"a": a}).samples[0], expected, atol=1e-6)


def test_a_track_and_a_bus_may_not_share_a_name():
    with pytest.raises(ParameterError, match="two of the tracks and buses are called 'verb'"):
        Session(tracks=[Track(name="verb")], buses=[Bus(name="verb", kind="return")])
    with pytest.raises(ParameterError, match="'master'"):
        Session(tracks=[Track(name="master")])


def test_a_send_thrown_open_from_off_is_rendered():
    a = Audio(np.ones((1, SR), dtype=np.float32), SR)
    throw = Envelope((0.0, 1.0), (-120.0, 0.0))
    s = Session(
        stems=[Stem(name="a")],
        tracks=[
            Track(
                name="a", clips=[Clip(source="a")], vca="v", sends=[Send(bus="fx", level_db=throw)]
            )
        ],
        buses=[Bus(name="fx", kind="return", solo=True)],
        vcas=[Vca(name="v", gain_db=Envelope((0.0, 1.0), (-120.0, -120.0 + 1e-9)))],
    )
    fx = render(s.replace(("vcas", "v", "gain_db"), 0.0), {"a": a}, tail=False).samples[0]
    t = np.arange(SR) / SR
    np.testing.assert_allclose(fx, C * 10 ** ((-120.0 + 120.0 * t) / 20), rtol=2e-3, atol=1e-9)
    assert np.all(np.isfinite(render(s, {"a": a}, tail=False).samples))  # a VCA from -120


def test_soloing_a_return_fed_by_a_bus_send_plays_its_effect_only():
    kick = noise(seed=6)
    s = Session(
        stems=[Stem(name="kick")],
        tracks=[Track(name="kick", clips=[Clip(source="kick")], output="drums")],
        buses=[
            Bus(name="drums", sends=[Send(bus="verb", level_db=0.0)]),
            Bus(name="verb", kind="return", strip=Strip(trim_db=-6.0206), solo=True),
        ],
    )
    mix = render(s, {"kick": kick}, tail=False).samples
    np.testing.assert_allclose(mix[0], 0.5 * C * kick.samples[0], atol=1e-6)  # wet only


def test_a_preview_is_a_slice_of_the_full_mix():
    a = noise(seconds=4.0, seed=9)
    s = Session(
        stems=[Stem(name="a")],
        tracks=[
            Track(
                name="a",
                clips=[Clip(source="a")],
                sends=[Send(bus="verb", level_db=0.0)],
                strip=Strip(dynamics=Compressor(threshold_db=-30.0, ratio=4.0)),
            )
        ],
        buses=[
            Bus(
                name="verb",
                kind="return",
                strip=Strip(inserts=Chain(Reverb(mix_pct=100.0, decay_s=0.5))),
            )
        ],
    )
    full = render(s, {"a": a}, tail=False).samples
    part = render(s, {"a": a}, start_s=3.0, duration_s=0.5).samples
    np.testing.assert_allclose(part, full[:, 3 * SR : 3 * SR + SR // 2], atol=1e-4)


def test_the_cache_is_bounded_by_size_and_never_serves_other_audio():
    s = one_track()
    cache = RenderCache(max_mb=1.0)
    for seed in range(6):
        a = noise(seconds=1.0, seed=seed)
        got = render(s, {"a": a}, duration_s=1.0, cache=cache).samples
        np.testing.assert_allclose(got[0], C * a.samples[0], atol=1e-6)  # never stale
        assert cache.size_mb <= 1.0 + 0.8  # the newest entry may stand alone


def test_a_late_path_keeps_the_end_of_the_mix():
    a = noise(seconds=0.5)
    s = one_track(strip=Strip(inserts=Chain(_ComesLate())))
    mix = render(s, {"a": a}, tail=False).samples
    np.testing.assert_allclose(mix[0], C * a.samples[0], atol=1e-6)  # the last frames too


@dataclass(frozen=True)
class _Slow(Processor):
    """A processor that takes its time (so tracks finish out of order on two cores)."""

    def _process(self, samples, sr):
        import time

        time.sleep(0.2)
        return samples * 0.5


def test_a_slow_first_track_does_not_change_the_sum():
    srcs = {f"t{i}": noise(seconds=0.3, seed=i) for i in range(8)}
    s = Session(
        stems=[Stem(name=n) for n in srcs],
        tracks=[
            Track(
                name=n,
                clips=[Clip(source=n)],
                strip=Strip(inserts=Chain(_Slow())) if n == "t0" else Strip(),
            )
            for n in srcs
        ],
    )
    np.testing.assert_array_equal(
        render(s, srcs, parallel=True).samples, render(s, srcs, parallel=False).samples
    )


@settings(max_examples=40, deadline=None)
@given(
    parts=st.lists(
        st.tuples(
            st.sampled_from([1, 2]),  # channels
            st.sampled_from([1.0, 0.5, -0.25, 1.7]),  # gain
            st.booleans(),  # placed by a pan (side gains) or not
            st.integers(0, 5000),  # frames late
        ),
        min_size=1,
        max_size=9,
    ),
    frames=st.integers(1, 9000),
    seed=st.integers(0, 2**16),
)
def test_a_bus_sums_its_parts_exactly_as_adding_them_one_by_one(parts, frames, seed):
    from studio.mixing.render import _Part, _Summing

    rng = np.random.default_rng(seed)
    summing = _Summing(["bus"], frames)
    expected = np.zeros((2, frames), dtype=np.float32)
    for channels, gain, panned, wait in parts:
        x = rng.standard_normal((channels, frames)).astype(np.float32)
        part = _Part(x, 0, gain=gain, sides=(0.8, 0.3) if panned else None)
        summing.add("bus", part, wait)
        for side, g in enumerate(part.side_gains()):
            if wait < frames:
                row = x[min(side, channels - 1), : frames - wait]
                expected[side, wait:] += row * np.float32(g)
    np.testing.assert_array_equal(summing.take("bus"), expected)


@pytest.mark.parametrize("channels", [1, 2])
def test_a_strips_eq_and_compressor_sound_as_the_two_processors_in_turn(channels):
    # the strip runs them in one pass; the numbers are those of one after the other
    eq = ParametricEQ(bands=(EQBand("low_shelf", 80.0, 4.0, 0.7), EQBand("peak", 900.0, -5.0, 2.0)))
    comp = Compressor(threshold_db=-24.0, ratio=5.0, attack_ms=4.0, release_ms=90.0, mix_pct=70.0)
    x = noise(seconds=0.4, channels=channels, level=0.3).samples
    strip = Strip(eq=eq, dynamics=comp)
    by_hand = comp.process(eq.process(x, SR), SR)
    np.testing.assert_array_equal(strip.pre_fader(x, SR), by_hand)


def test_a_part_shorter_than_the_mix_is_refused_plainly():
    from studio.errors import AudioDataError
    from studio.mixing.render import _Part, _Summing

    summing = _Summing(["bus"], 1000)
    summing.add("bus", _Part(np.zeros((1, 990), dtype=np.float32), 0), 10)  # fits, late
    with pytest.raises(AudioDataError, match="keep the length"):
        summing.add("bus", _Part(np.zeros((2, 500), dtype=np.float32), 0), 0)


def test_saving_never_points_a_session_at_another_ones_audio(tmp_path):
    file = tmp_path / "mix.session.json"
    first = Project.from_audio({"Kick?": noise(seed=1), "Kick_": noise(seed=2)})
    first.save(file)
    again = Project.load(file)
    for name in ("Kick?", "Kick_"):  # two names that clean to the same file name
        np.testing.assert_array_equal(again.sources[name].samples, first.sources[name].samples)
    other = Project.from_audio({"Kick?": noise(seed=3), "Kick_": noise(seed=4)})
    other.save(file, overwrite=True)
    reloaded = Project.load(file)
    np.testing.assert_array_equal(reloaded.sources["Kick?"].samples, other.sources["Kick?"].samples)


def test_stems_of_different_lengths_mix_the_same_after_a_round_trip(tmp_path):
    p = Project.from_audio({"a": noise(seconds=1.0, seed=1), "b": noise(seconds=2.0, seed=2)})
    p.set(("tracks", "a", "clips", 0, "trim_out_s"), 0.5)
    p.set(("tracks", "a", "clips", 0, "fade_out_s"), 0.2)
    before = p.mixdown()
    again = Project.load(p.save(tmp_path / "m.session.json"))
    np.testing.assert_array_equal(again.mixdown().samples, before.samples)


def test_two_separate_drags_are_two_undo_steps():
    p = demo_project()
    path = ("tracks", "a", "strip", "fader", "gain_db")
    p.set(path, -3.0, join=True)
    p.set(path, -4.0, join=True)
    p.end_join()  # the first drag is over
    p.set(path, -6.0, join=True)
    assert len(p.history) == 2
    p.undo()
    assert p.get(path) == -4.0


def test_a_file_that_is_no_session_is_refused_plainly(tmp_path):
    bad = tmp_path / "x.session.json"
    bad.write_text('{"format": "studio.session/1"}')
    with pytest.raises(AudioFileError, match="holds no session"):
        Project.load(bad)
    bad.write_text("not json")
    with pytest.raises(AudioFileError, match="not valid JSON"):
        Project.load(bad)


def test_a_saved_session_reopens_in_a_new_process_with_the_same_mix(tmp_path):
    """What a producer does after a kernel restart: open the file, get the same mix."""
    import subprocess
    import sys

    p = demo_project()
    mix = p.mixdown()
    file = p.save(tmp_path / "song.session.json")
    out = tmp_path / "again.npy"
    code = (
        "import numpy as np; from studio.mixing import Project; "
        f"np.save({str(out)!r}, Project.load({str(file)!r}).mixdown().samples)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    np.testing.assert_array_equal(np.load(out), mix.samples)
