"""The mastering chain: named modules, amounts, bypass, paths, presets, panel, preview."""

from __future__ import annotations

import numpy as np
import pytest

from studio.audio import Audio
from studio.dsp.loudness import integrated_loudness
from studio.errors import ParameterError, PresetError
from studio.mastering.chain import MODULE_NAMES, MasteringChain, Module, scaled
from studio.mastering.loudness import LoudnessTarget
from studio.preview import Preview
from studio.processors import Chain, Compressor, EQBand, Gain, ParametricEQ, StereoWidth, TiltEQ
from tests.test_mastering_loudness import independent_true_peak_dbtp, material

SR = 48000


@pytest.fixture(scope="module")
def mix():
    return Audio(material("dense")[:, : 6 * SR], SR, "mix")


def test_default_rack_has_every_module_in_order():
    chain = MasteringChain.default(target="spotify")
    assert chain.names() == MODULE_NAMES
    kinds = {m.name: type(m.processor).__name__ for m in chain.modules}
    assert (
        kinds["tonal_eq"] == "ParametricEQ" and chain.module("tonal_eq").processor.phase == "linear"
    )
    assert kinds["tilt"] == "TiltEQ" and kinds["glue"] == "Compressor"
    assert kinds["multiband"] == "MultibandCompressor" and kinds["dynamic_eq"] == "DynamicEQ"
    assert kinds["imager"] == "StereoWidth" and chain.module("imager").processor.mono_below_hz > 0
    assert kinds["limiter"] == "Limiter" and kinds["loudness"] == "LoudnessTarget"
    assert kinds["dither"] == "Dither"
    assert (
        MasteringChain.default("ebu_r128").get(("modules", "loudness", "processor", "target_lufs"))
        == -23.0
    )


def test_every_setting_is_reachable_by_a_path_by_module_name():
    chain = MasteringChain.default()
    path = ("modules", "glue", "processor", "ratio")
    changed = chain.replace(path, 3.0)
    assert changed.get(path) == 3.0 and chain.get(path) == 1.5
    band = ("modules", "corrective_eq", "processor", "bands", 1, "gain_db")
    assert chain.replace(band, -2.0).module("corrective_eq").processor.bands[1].gain_db == -2.0
    for leaf in chain.leaves():
        assert chain.get(leaf.path) == leaf.value
    with pytest.raises(ParameterError, match="ratio"):
        chain.replace(path, 99.0)
    with pytest.raises(ParameterError, match="'glu' does not exist|the names are"):
        chain.get(("modules", "glu", "amount_pct"))


def test_editing_the_rack():
    chain = MasteringChain.default()
    extra = Module(name="second_eq", processor=TiltEQ(tilt_db=1.0))
    added = chain.with_module(extra, after="glue")
    assert added.names().index("second_eq") == added.names().index("glue") + 1
    assert added.without("second_eq") == chain
    moved = chain.moved("imager", 0)
    assert moved.names()[0] == "imager" and len(moved) == len(chain)
    with pytest.raises(ParameterError, match="unique"):
        chain.with_module(Module(name="glue"))
    with pytest.raises(ParameterError, match="lower-case"):
        Module(name="Glue Comp")
    with pytest.raises(ParameterError, match="no module 'nope'"):
        chain.module("nope")


def test_scaled_moves_settings_that_have_a_neutral_halfway():
    comp = Compressor(ratio=4.0, makeup_db=2.0, threshold_db=-30.0)
    half = scaled(comp, 50.0)
    assert half.ratio == pytest.approx(2.0)  # log scale: halfway from 1:1 to 4:1
    assert half.makeup_db == pytest.approx(1.0)
    assert half.threshold_db == -30.0  # no neutral: stays
    eq = ParametricEQ(bands=[EQBand("peak", 300.0, -6.0, 1.0), EQBand("high_pass", 30.0, 0.0, 0.7)])
    quarter = scaled(eq, 25.0)
    assert quarter.bands[0].gain_db == pytest.approx(-1.5)
    assert quarter.bands[1].freq_hz == 30.0
    assert scaled(StereoWidth(width_pct=140.0), 50.0).width_pct == pytest.approx(120.0)
    assert scaled(comp, 100.0) is comp
    assert scaled(comp, 0.0).ratio == 1.0


def test_module_amount_and_chain_amount(mix):
    eq = ParametricEQ(bands=[EQBand("peak", 1000.0, 6.0, 1.0)])
    chain = MasteringChain(modules=[Module(name="eq", processor=eq)])
    x = mix.samples
    full = chain.process(x, SR)
    np.testing.assert_allclose(full, eq.process(x, SR), atol=1e-6)
    half_module = chain.replace(("modules", "eq", "amount_pct"), 50.0).process(x, SR)
    half_chain = chain.replace(amount_pct=50.0).process(x, SR)
    expected = eq.replace(("bands", 0, "gain_db"), 3.0).process(x, SR)
    np.testing.assert_allclose(half_module, expected, atol=1e-6)
    np.testing.assert_allclose(half_chain, expected, atol=1e-6)
    both = chain.replace(amount_pct=50.0).replace(("modules", "eq", "amount_pct"), 50.0)
    assert both.effective()[0][1].bands[0].gain_db == pytest.approx(1.5)
    nothing = chain.replace(amount_pct=0.0).process(x, SR)
    np.testing.assert_array_equal(nothing, x)


def test_chain_at_zero_amount_still_delivers_level_and_ceiling(mix):
    chain = MasteringChain.default("spotify").replace(amount_pct=0.0)
    names = [name for name, _ in chain.effective()]
    assert "loudness" in names and "glue" not in names and "tilt" not in names
    master = chain(mix).samples
    assert abs(integrated_loudness(master, SR) + 14.0) <= 0.5
    assert independent_true_peak_dbtp(master) <= -1.0 + 1e-3


def test_bypass_per_module_and_for_the_whole_chain(mix):
    x = mix.samples
    chain = MasteringChain(modules=[Module(name="gain", processor=Gain(gain_db=-6.0))])
    assert np.allclose(chain.process(x, SR), x * 10 ** (-6 / 20), atol=1e-6)
    off = chain.replace(("modules", "gain", "bypass"), True)
    np.testing.assert_array_equal(off.process(x, SR), x)
    np.testing.assert_array_equal(chain.replace(bypass=True).process(x, SR), x)
    default = MasteringChain.default()
    on = [n for n, _ in default.effective()]
    assert "multiband" not in on and "loudness" in on
    assert "multiband" in [n for n, _ in default.bypassed("multiband", on=False).effective()]


def test_the_default_master_meets_the_target_and_leaves_input_untouched(mix):
    before = mix.samples.copy()
    master = MasteringChain.default("apple_music")(mix)
    np.testing.assert_array_equal(mix.samples, before)
    assert master.samples.shape == before.shape
    assert abs(integrated_loudness(master.samples, SR) + 16.0) <= 0.5
    assert independent_true_peak_dbtp(master.samples) <= -1.0 + 1e-3
    out, trace = MasteringChain.default("apple_music").process_with_trace(mix.samples, SR)
    assert trace.shape == (mix.n_frames,) and np.all(trace <= 1e-9)


def test_everything_on_still_meets_the_target(mix):
    chain = MasteringChain.default("spotify")
    chain = chain.bypassed(*chain.names(), on=False)
    master = chain(mix).samples
    assert abs(integrated_loudness(master, SR) + 14.0) <= 0.5
    assert independent_true_peak_dbtp(master) <= -1.0 + 1e-3
    assert np.all(master * 32768 == np.round(master * 32768))  # dithered to 16 bits, last


def test_presets_round_trip_as_data_and_files(tmp_path):
    chain = MasteringChain.default("ebu_r128").replace(("modules", "tilt", "amount_pct"), 40.0)
    chain = chain.replace(("modules", "glue", "processor", "ratio"), 2.5).replace(amount_pct=80.0)
    assert MasteringChain.from_dict(chain.to_dict()) == chain
    path = chain.save_preset(tmp_path / "master.json")
    assert MasteringChain.load(path) == chain
    with pytest.raises(PresetError, match="already exists"):
        chain.save_preset(path)
    Gain().save_preset(tmp_path / "gain.json")
    with pytest.raises(PresetError, match="not a MasteringChain"):
        MasteringChain.load(tmp_path / "gain.json")


def test_describe_names_every_module():
    text = MasteringChain.default().describe()
    for name in ("glue compressor", "stereo imager", "loudness target", "dither: bypassed"):
        assert name in text


def test_resolved_chain_sounds_the_same_and_previews_reuse_upstream(mix):
    chain = MasteringChain.default("spotify").replace(
        ("modules", "tilt", "processor", "tilt_db"), 1.0
    )
    resolved = chain.resolved()
    assert isinstance(resolved, Chain)
    np.testing.assert_array_equal(resolved.process(mix.samples, SR), chain.process(mix.samples, SR))
    preview = Preview(mix, 0.0, 4.0)
    preview.render(chain.resolved())
    moved = chain.replace(("modules", "loudness", "processor", "ceiling_dbtp"), -2.0)
    take = preview.render(moved.resolved())
    assert take.reused == f"prefix {len(resolved) - 1}"


def test_generated_panel_controls_work(mix):
    from studio.widgets.panel import ProcessorPanel
    from studio.widgets.timing import ManualScheduler

    scheduler = ManualScheduler()
    chain = MasteringChain.default("spotify")
    panel = ProcessorPanel(chain, mix, preview_s=3.0, scheduler=scheduler)
    path = ("modules", 3, "processor", "ratio")
    assert path in panel.controls
    panel.controls[path].value = 2.0
    scheduler.advance(5.0)
    assert panel.processor.get(("modules", "glue", "processor", "ratio")) == 2.0
    amount = ("modules", 3, "amount_pct")
    panel.controls[amount].value = 50.0
    scheduler.advance(5.0)
    assert panel.processor.module("glue").amount_pct == 50.0
    panel.controls[("amount_pct",)].value = 70.0
    scheduler.advance(5.0)
    assert panel.processor.amount_pct == 70.0
    assert LoudnessTarget.spec("target_lufs").label == "target loudness"
