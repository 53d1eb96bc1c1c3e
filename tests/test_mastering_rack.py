"""The mastering rack, driven without a browser: controls, preview reuse, meters, A/B/C."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ipywidgets.widgets.widget import _remove_buffers

from studio.analysis.meter import measure
from studio.audio import Audio
from studio.dsp.loudness import integrated_loudness
from studio.errors import AudioDataError, StudioError
from studio.mastering.chain import MODULE_NAMES
from studio.mastering.presets import genre
from studio.widgets.lifecycle import widget_tree
from studio.widgets.mastering import (
    MASTER,
    MIX,
    REFERENCE,
    MasteringRack,
    gain_reduction_blocks,
    loudest_start_s,
    running_integrated_lufs,
    scope_dots,
    spectrum_points,
)
from studio.widgets.player import Player
from studio.widgets.timing import ManualScheduler

SR = 48000
GLUE_RATIO = ("modules", "glue", "processor", "ratio")


def song(seconds: float = 6.0, level: float = 0.1, seed: int = 3) -> Audio:
    """A stereo mix: full-band noise with a beat, louder in its second half."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    beat = 1.0 + 1.5 * (np.sin(2 * np.pi * 2.0 * t) > 0.8)
    swell = np.where(t > seconds / 2, 1.6, 0.6)
    common = rng.standard_normal(n)
    left = common + 0.4 * rng.standard_normal(n)
    right = common + 0.4 * rng.standard_normal(n)
    x = level * np.stack([left, right]) * beat * swell
    return Audio(x.astype(np.float32), SR, "mix")


@pytest.fixture(scope="module")
def mix() -> Audio:
    return song()


@pytest.fixture
def rack(mix):
    scheduler = ManualScheduler()
    made = MasteringRack(mix, reference=song(4.0, 0.3, seed=9), preview_s=3.0, scheduler=scheduler)
    made.scheduler = scheduler
    yield made
    made.close()


def move(rack, path, value):
    rack.set(path, value)
    rack.scheduler.advance(5.0)


def test_controls_are_generated_per_module_with_bypass_and_amount(rack):
    chain = rack.chain
    assert [m.name for m in chain.modules] == list(MODULE_NAMES)
    for name in MODULE_NAMES:
        assert ("modules", name, "bypass") in rack.controls
        assert ("modules", name, "amount_pct") in rack.controls
        processor_paths = [p for p in rack.controls if p[:3] == ("modules", name, "processor")]
        assert processor_paths, name
        for path in processor_paths:  # every control is a declared setting, with its value
            assert rack.controls[path].value == chain.get(path)
    assert ("amount_pct",) in rack.controls and ("bypass",) in rack.controls
    assert ("modules", "tonal_eq", "processor", "bands", 2, "gain_db") in rack.controls
    box = rack.modules_box
    assert len(box.children) == len(MODULE_NAMES) and box.selected_index is None
    assert "rumble" in box.children[0].children[0].value  # what the module is for
    assert "off" in box.get_title(MODULE_NAMES.index("limiter"))
    assert "100 %" in box.get_title(MODULE_NAMES.index("glue"))
    classes = box.children[MODULE_NAMES.index("limiter")]._dom_classes
    assert "studio-rack-module-limiter" in classes
    assert "studio-rack-bypass" in rack.controls[("modules", "limiter", "bypass")]._dom_classes
    assert "studio-param-ceiling_dbtp" in (
        rack.controls[("modules", "limiter", "processor", "ceiling_dbtp")]._dom_classes
    )


def test_a_move_rerenders_the_passage_reusing_upstream_modules(rack):
    before = rack.take.audio.samples.copy()
    names_before = [name for name, _ in rack.chain.effective()]
    move(rack, GLUE_RATIO, 4.0)
    assert rack.chain.get(GLUE_RATIO) == 4.0
    assert rack.take.reused == f"prefix {names_before.index('glue')}"
    assert not np.allclose(rack.take.audio.samples, before)
    heard = rack.player.decoded(MASTER)
    np.testing.assert_allclose(heard, rack.take.audio.samples, atol=2.5 / 32767 * 2)
    # a move of the last module reuses everything before it
    move(rack, ("modules", "loudness", "processor", "ceiling_dbtp"), -2.0)
    names = [name for name, _ in rack.chain.effective()]
    assert rack.take.reused == f"prefix {names.index('loudness')}"
    assert "reused" in rack.status.value


def test_moves_are_debounced_into_one_render(rack):
    renders = []
    original = rack.render_now
    rack.render_now = lambda: (renders.append(1), original())[1]
    for ratio in (1.8, 2.0, 2.2, 2.4):
        rack.set(GLUE_RATIO, ratio)
    assert renders == []
    rack.scheduler.advance(5.0)
    assert len(renders) == 1 and rack.chain.get(GLUE_RATIO) == 2.4


def test_bypass_toggles_and_amounts_change_the_sound(rack):
    assert "limiter" not in [n for n, _ in rack.chain.effective()]
    before = rack.take.audio.samples.copy()
    move(rack, ("modules", "limiter", "processor", "gain_db"), 6.0)  # switched off: no change
    assert "switched off" in rack.message.value
    np.testing.assert_array_equal(rack.take.audio.samples, before)
    move(rack, ("modules", "limiter", "bypass"), False)
    assert "limiter" in [n for n, _ in rack.chain.effective()]
    assert "off" not in rack.modules_box.get_title(MODULE_NAMES.index("limiter"))
    gr = rack.time_plot.trace("gr_limiter").y
    assert gr.size > 2 and float(np.min(gr)) < -0.5  # 6 dB of drive: the limiter works
    move(rack, ("modules", "glue", "bypass"), True)
    assert "glue" not in [n for n, _ in rack.chain.effective()]
    assert np.all(rack.time_plot.trace("gr_glue").y == 0.0)
    move(rack, ("modules", "limiter", "amount_pct"), 0.0)
    assert rack.chain.module("limiter").effective().gain_db == 0.0
    move(rack, ("amount_pct",), 50.0)
    assert rack.chain.amount_pct == 50.0
    move(rack, ("bypass",), True)
    np.testing.assert_array_equal(rack.take.audio.samples, rack.preview.dry.samples)


def test_abc_sides_are_loudness_matched_with_offsets_shown(rack):
    player = rack.player
    assert isinstance(player, Player)
    assert player.names == (MIX, MASTER, REFERENCE)
    assert [player.side(n).tag for n in player.names] == ["A", "B", "C"]
    mix_lufs = integrated_loudness(rack.preview.dry.samples, SR)
    master_lufs = integrated_loudness(rack.take.audio.samples, SR)
    ref_lufs = integrated_loudness(rack.reference.samples, SR)
    levels = player.loudness_db
    assert levels[MASTER] == pytest.approx(master_lufs - mix_lufs, abs=0.01)
    assert levels[REFERENCE] == pytest.approx(ref_lufs - mix_lufs, abs=0.01)
    gains = player.playback_gains_db()
    quietest = min(levels.values())
    for side, level in levels.items():  # each louder side is turned down to the quietest
        assert gains[side] == pytest.approx(quietest - level, abs=0.01)
    assert "Master" in player.status_text() and "dB" in player.status_text()
    assert "data-row='played_at'" in rack.table.value
    assert f"{gains[MASTER]:+.1f}".replace("-", "\u2212") in rack.table.value
    # the master's side follows a move, at its new loudness, in the same message
    move(rack, ("modules", "loudness", "processor", "target_lufs"), -20.0)
    assert player.loudness_db[MASTER] == pytest.approx(
        integrated_loudness(rack.take.audio.samples, SR) - mix_lufs, abs=0.01
    )


def test_a_reference_at_another_rate_is_converted_and_its_loudest_part_used(mix):
    quiet_then_loud = song(8.0, 0.05, seed=4)
    ref = Audio(quiet_then_loud.samples[:, ::2].copy(), SR // 2, "ref")  # 24 kHz
    rack = MasteringRack(mix, reference=ref, preview_s=2.0, scheduler=ManualScheduler())
    assert rack.reference.sr == SR and rack.reference.n_frames == rack.preview.dry.n_frames
    assert rack.player.audio(REFERENCE) is rack.reference
    loud_half = integrated_loudness(quiet_then_loud.samples[:, 4 * SR :], SR)
    assert integrated_loudness(rack.reference.samples, SR) == pytest.approx(loud_half, abs=1.0)
    rack.close()


def test_rack_without_a_reference_has_two_sides(mix):
    rack = MasteringRack(mix, preview_s=2.0, scheduler=ManualScheduler())
    assert rack.player.names == (MIX, MASTER)
    assert "C: reference" not in rack.table.value
    rack.close()


def test_meters_read_the_master_and_the_target_is_met(rack):
    meters = rack.meters
    master = measure(rack.take.audio)
    assert meters.master.integrated_lufs == pytest.approx(master.integrated_lufs)
    assert meters.master.true_peak_dbtp == pytest.approx(master.true_peak_dbtp)
    assert meters.ceiling_held() and meters.met("master")  # a passage: its ceiling
    assert "data-ceiling='true'" in rack.verdict.value and "whole song" in rack.verdict.value
    with pytest.raises(StudioError, match="render_full"):
        meters.met()  # the target is judged on the whole song
    rack.render_full()
    assert rack.meters.met() and "data-met='true'" in rack.verdict.value
    assert "Spotify" in rack.verdict.value
    for row in ("integrated", "true_peak", "lra", "plr", "correlation"):
        assert f"data-row='{row}'" in rack.table.value
    plot = rack.time_plot
    assert plot.subplot(0).refs[0].value == -14.0
    momentary = plot.trace("momentary").y  # every 50 ms: 3 s make about 50 points
    assert 40 <= momentary.size <= 60 and np.nanmax(momentary) > -20.0
    assert plot.trace("short_term").y.size >= 1  # 3 s windows: one in a 3 s passage
    integrated = plot.trace("integrated").y
    assert integrated[-1] == pytest.approx(master.integrated_lufs, abs=0.05)
    look = rack.look_plot
    assert look.trace("spectrum_master").y.size == look.trace("spectrum_mix").y.size == 160
    assert 3 * 100 <= look.trace("scope_master").y.size <= 3 * 700
    # the spectra before and after are drawn as loud as the master (the tonal change shows)
    freqs, mix_db = spectrum_points(rack.preview.dry.samples, SR)
    shift = rack.take.lufs - meters.mix.integrated_lufs
    np.testing.assert_allclose(look.trace("spectrum_mix").y, mix_db + shift, atol=0.02)
    assert look.trace("spectrum_reference").y.size == 160


def test_a_target_that_is_missed_says_so_and_another_target_is_followed(rack):
    move(rack, ("modules", "loudness", "processor", "target_lufs"), -20.0)
    rack.render_full()
    assert not rack.meters.met() and "data-met='false'" in rack.verdict.value
    rack.target_choice.value = "ebu_r128"
    rack.scheduler.advance(5.0)
    assert rack.chain.get(("modules", "loudness", "processor", "target_lufs")) == -23.0
    assert rack.controls[("modules", "loudness", "processor", "target_lufs")].value == -23.0
    assert rack.time_plot.subplot(0).refs[0].value == -23.0
    assert rack.meters.full is None  # the chain changed: the whole song is mastered again
    rack.render_full()
    assert rack.meters.met() and "EBU" in rack.verdict.value


def test_the_whole_song_is_mastered_on_request_with_progress(rack, mix):
    seen = []
    rack.progress.observe(lambda c: seen.append(c["new"]), names="value")
    result = rack.render_full()
    assert result.n_frames == mix.n_frames and seen
    assert rack.progress.layout.display == "none"
    np.testing.assert_array_equal(result.samples, rack.chain(mix).samples)
    assert rack.meters.met("full")
    assert "studio-rack-verdict-full" in rack.verdict.value
    assert (
        "master, whole song" in rack.table.value and "data-side='master_song'" in rack.table.value
    )
    assert rack.render_full() is result  # nothing changed: the same master


def test_a_preset_chain_replaces_the_settings_in_place(rack):
    preset = genre("classical").chain(target="spotify")
    rack.set_chain(preset)
    rack.scheduler.advance(5.0)
    assert rack.chain == preset
    for path, control in rack.controls.items():
        value = preset.get(path)
        expected = pytest.approx(value, rel=1e-12) if isinstance(value, float) else value
        assert control.value == expected, path  # a log slider holds 10 ** log10(x)


def test_bad_input_is_refused_plainly(mix):
    with pytest.raises(AudioDataError, match="studio.Audio"):
        MasteringRack(mix.samples)
    with pytest.raises(StudioError, match="MasteringChain"):
        MasteringRack(mix, chain="spotify")
    rack = MasteringRack(mix, preview_s=2.0, scheduler=ManualScheduler())
    with pytest.raises(StudioError, match="no control"):
        rack.set(("modules", "glue", "processor", "nope"), 1.0)
    rack._on_change(("modules", "glue", "processor", "ratio"), 99.0)  # as from a page
    assert "ratio" in rack.message.value and rack.chain.get(GLUE_RATIO) != 99.0
    rack.close()


def test_the_build_is_light_on_the_wire(rack):
    """Controls, plots and meters cost little; the audio is the players' 16-bit passages."""
    audio = 0
    other = 0
    for widget in widget_tree(rack):
        state, _, buffers = _remove_buffers(widget.get_state())
        size = sum(len(memoryview(b).cast("B")) for b in buffers)
        if widget in rack.player.sides:
            audio += size
        else:
            other += len(json.dumps(state)) + size
    frames = rack.preview.dry.n_frames
    assert audio <= 3 * 2 * 2 * frames + 3000  # three stereo 16-bit passages
    assert other < 450_000, other  # both plots' modules, every control, the tables
    print(f"rack payload: audio {audio / 1e3:.0f} kB, everything else {other / 1e3:.0f} kB")


def test_closing_the_rack_closes_everything(mix):
    rack = MasteringRack(mix, preview_s=2.0, scheduler=ManualScheduler())
    tree = widget_tree(rack)
    rack.close()
    assert all(w.comm is None for w in tree)


# -- the meters' pure helpers -----------------------------------------------------------


def test_running_integrated_ends_at_the_integrated_loudness():
    audio = song(8.0)
    m = measure(audio)
    times, lufs = running_integrated_lufs(m.momentary_lufs, m.momentary_times_s)
    assert np.allclose(np.diff(times), 0.1)
    assert lufs[-1] == pytest.approx(m.integrated_lufs, abs=0.02)
    assert lufs[len(lufs) // 3] < lufs[-1] - 1.0  # the quiet first half, then the loud one


def test_gain_reduction_blocks_keep_the_deepest_value():
    trace = np.zeros(SR)
    trace[1234] = -9.0
    x, y = gain_reduction_blocks(trace, SR, 0.05)
    assert x.size == 20 and y.min() == -9.0 and y[0] == -9.0 and np.all(y[1:] == 0.0)
    assert gain_reduction_blocks(None, SR)[0].size == 0


def test_scope_dots_and_spectrum_points():
    x, y = scope_dots(np.array([0.1, -0.2]), np.array([0.5, 0.3]), dash=0.01)
    assert x.size == 6 and np.isnan(x[2]) and x[1] == pytest.approx(0.11) and y[1] == 0.5
    t = np.arange(2 * SR) / SR
    tone = np.stack([0.5 * np.sin(2 * np.pi * 1000 * t)] * 2)
    freqs, level = spectrum_points(tone, SR)
    assert abs(freqs[int(np.argmax(level))] - 1000.0) < 60.0
    assert spectrum_points(np.zeros((2, SR)), SR)[1].max() == -100.0


def test_the_preview_starts_at_the_loudest_passage(mix):
    assert loudest_start_s(mix, 2.0) >= 3.0  # the mix is louder in its second half
    rack = MasteringRack(mix, preview_s=2.0, scheduler=ManualScheduler())
    assert rack.start_s >= 3.0
    rack.close()
    assert MasteringRack(mix, preview_s=2.0, start_s=1.0).start_s == 1.0
