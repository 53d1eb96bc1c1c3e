"""The processor base: declarations, validation, replace, presets, chains, EQ."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import studio
from studio.errors import ParameterError, PresetError
from studio.processors.base import Chain, load_preset, processor_from_dict
from studio.processors.dynamics import Compressor
from studio.processors.eq import EQBand, ParametricEQ

SR = 48000
PROCESSORS = [Compressor, ParametricEQ]


def test_specs_carry_units_ranges_and_help():
    spec = Compressor.spec("attack_ms")
    assert (spec.lo, spec.hi, spec.unit, spec.scale, spec.label) == (
        0.1,
        200.0,
        "ms",
        "log",
        "attack",
    )
    assert spec.help
    for cls in (Compressor, EQBand):
        for s in cls.specs():
            assert s.help, s.name
            if s.kind == "number":
                assert s.lo <= s.default <= s.hi and s.unit is not None


def test_replace_returns_new_object_and_validates():
    comp = Compressor()
    softer = comp.replace(ratio=2.0)
    assert comp.ratio == 4.0 and softer.ratio == 2.0
    with pytest.raises(ParameterError, match="ratio must be between 1 and 20"):
        comp.replace(ratio=50.0)
    with pytest.raises(ParameterError, match="has no parameter 'ratoi'"):
        comp.replace(ratoi=2.0)


def test_frozen():
    with pytest.raises(AttributeError):
        Compressor().ratio = 2.0  # type: ignore[misc]


def test_describe_names_every_parameter_with_units():
    text = Compressor(threshold_db=-24.0).describe()
    assert "threshold: -24 dB" in text and "attack: 10 ms" in text and "4:1" in text
    eq_text = ParametricEQ(bands=[EQBand("peak", 400.0, -4.0, 1.4)]).describe()
    assert "band 1: peak at 400 Hz, -4.0 dB, Q 1.4" in eq_text


@pytest.mark.parametrize("cls", PROCESSORS)
def test_preset_round_trip(cls, tmp_path):
    proc = cls()
    path = proc.save_preset(tmp_path / "p.json")
    again = load_preset(path)
    assert again == proc and type(again) is cls
    with pytest.raises(PresetError, match="already exists"):
        proc.save_preset(path)
    proc.save_preset(path, overwrite=True)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".preset-")]


def test_eq_preset_is_plain_json():
    eq = ParametricEQ(bands=[EQBand("high_pass", 80.0, 0.0, 0.7)])
    data = json.loads(json.dumps(eq.to_preset()))
    assert data["params"]["bands"][0] == {
        "kind": "high_pass",
        "freq_hz": 80.0,
        "gain_db": 0.0,
        "q": 0.7,
    }
    assert processor_from_dict(data) == eq


@pytest.mark.parametrize(
    ("preset", "match"),
    [
        ({"processor": "Fuzzbox", "params": {}}, "unknown processor 'Fuzzbox'"),
        ({"params": {}}, "must be a dict with a 'processor'"),
        ({"processor": "Compressor", "params": {"ratoi": 2}}, "has no parameter 'ratoi'"),
        ({"processor": "Compressor", "params": {"ratio": 100}}, "ratio must be between"),
    ],
)
def test_bad_presets(preset, match):
    with pytest.raises((PresetError, ParameterError), match=match):
        processor_from_dict(preset)


def test_load_preset_errors(tmp_path):
    with pytest.raises(PresetError, match="does not exist"):
        load_preset(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(PresetError, match="not a readable JSON preset"):
        load_preset(bad)


def test_chain_runs_in_order_and_round_trips(rng):
    x = rng.uniform(-0.5, 0.5, (2, 4800))
    eq = ParametricEQ(bands=[EQBand("peak", 200.0, 6.0, 1.0)])
    comp = Compressor(threshold_db=-20.0)
    chain = Chain(eq, comp)
    np.testing.assert_allclose(chain.process(x, SR), comp.process(eq.process(x, SR), SR))
    assert processor_from_dict(chain.to_preset()) == chain
    assert "Chain of 2 stages" in chain.describe()
    assert Chain().process(x, SR) is not x
    with pytest.raises(ParameterError, match="every stage must be a processor"):
        Chain(eq, "reverb")


def test_eq_bands_validate_and_accept_dicts():
    eq = ParametricEQ(bands=[{"kind": "peak", "freq_hz": 300.0, "gain_db": -3.0, "q": 2.0}])
    assert isinstance(eq.bands[0], EQBand)
    with pytest.raises(ParameterError, match=r"EQBand: kind must be one of"):
        ParametricEQ(bands=[EQBand(kind="wobble")])
    with pytest.raises(ParameterError, match=r"EQBand: frequency \(freq_hz\) must be between 20"):
        EQBand(freq_hz=5.0)
    with pytest.raises(ParameterError, match=r"Q \(q\) must be between 0.1 and 18"):
        EQBand(q=0.0)


def test_eq_rejects_bands_above_nyquist():
    eq = ParametricEQ(bands=[EQBand("peak", 18000.0, 3.0, 1.0)])
    eq.process(np.zeros((1, 100)), 48000)
    with pytest.raises(
        ParameterError, match=r"bands\[0\]: frequency \(freq_hz\) of 18000 Hz must be below"
    ):
        eq.process(np.zeros((1, 100)), 32000)


def test_eq_response_equals_what_it_does(rng):
    eq = ParametricEQ(bands=[EQBand("low_shelf", 120, 4.0, 0.7), EQBand("peak", 1000, -6.0, 2.0)])
    f = 1000.0
    x = np.sin(2 * np.pi * f * np.arange(SR) / SR)[None, :]
    y = eq.process(x, SR)[:, SR // 2 :]
    measured = 20 * np.log10(np.sqrt(2 * np.mean(y**2)))
    assert measured == pytest.approx(float(eq.response_db([f], SR)[0]), abs=0.02)


@pytest.mark.parametrize("cls", PROCESSORS)
def test_neutral_is_identity_and_contract(cls, rng):
    x = rng.uniform(-1, 1, (2, 4800)).astype(np.float32)
    before = x.copy()
    proc = cls.neutral()
    assert proc.is_neutral()
    y = proc.process(x, SR)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(x, before)
    assert y.shape == x.shape and y.dtype == x.dtype


@pytest.mark.parametrize("cls", PROCESSORS)
def test_defaults_finite_in_finite_out_shape_kept(cls, rng):
    for shape in [(1, 4800), (2, 4800), (6, 1200)]:
        x = rng.uniform(-1, 1, shape)
        before = x.copy()
        y = cls().process(x, SR)
        assert y.shape == shape and np.all(np.isfinite(y))
        np.testing.assert_array_equal(x, before)


@given(
    gain=st.floats(-24, 24),
    freq=st.floats(20, 20000),
    q=st.floats(0.1, 18),
    kind=st.sampled_from(["peak", "low_shelf", "high_shelf", "high_pass", "low_pass"]),
)
def test_any_declared_band_gives_finite_output(gain, freq, q, kind):
    eq = ParametricEQ(bands=[EQBand(kind, freq, gain, q)])
    y = eq.process(np.random.default_rng(0).uniform(-1, 1, (1, 2000)), SR)
    assert np.all(np.isfinite(y))


def test_top_level_api_names():
    assert studio.Compressor is Compressor and studio.ParametricEQ is ParametricEQ
    assert studio.Chain is Chain
