"""Parameters at any depth: paths, nested objects, validation, plain data, the registry."""

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.dsp.control import Envelope
from studio.errors import ParameterError, PresetError
from studio.params import Parametric, ParamSpec, format_path, param, registered
from studio.processors import (
    Branch,
    Chain,
    Compressor,
    EQBand,
    Gain,
    HighPass,
    MultibandCompressor,
    Parallel,
    ParametricEQ,
    Reverb,
    processor_from_dict,
)

# a session-deep object: a parallel whose branch holds a chain holding an EQ
DEEP = Parallel(
    branches=[
        Branch(Chain(HighPass(), ParametricEQ(), Compressor()), gain_db=-3.0),
        Branch(Reverb(), gain_db=-12.0),
    ],
    mix_pct=100.0,
)
DEEP_GAIN = ("branches", 0, "processor", "processors", 1, "bands", 2, "gain_db")


def test_get_and_replace_by_path_at_any_depth():
    assert DEEP.get(DEEP_GAIN) == 0.0
    moved = DEEP.replace(DEEP_GAIN, -4.5)
    assert moved.get(DEEP_GAIN) == -4.5
    assert DEEP.get(DEEP_GAIN) == 0.0  # the original is untouched
    # everything off the path is shared, not copied
    assert moved.branches[1] is DEEP.branches[1]
    assert moved.get(("branches", 0, "processor", "processors", 0)) is DEEP.get(
        ("branches", 0, "processor", "processors", 0)
    )
    assert format_path(DEEP_GAIN) == "branches[0].processor.processors[1].bands[2].gain_db"


def test_bad_values_name_the_whole_path():
    with pytest.raises(
        ParameterError,
        match=r"Parallel branches\[0\]\.processor\.processors\[1\]\.bands\[2\]: "
        r"gain \(gain_db\) must be between -24 and 24 dB; got 40",
    ):
        DEEP.replace(DEEP_GAIN, 40.0)
    with pytest.raises(ParameterError, match=r"processors\[7\] does not exist; there are 3"):
        DEEP.get(("branches", 0, "processor", "processors", 7, "ratio"))
    with pytest.raises(ParameterError, match=r"Compressor has .*threshold_db"):
        DEEP.get(("branches", 0, "processor", "processors", 2, "ratoi"))


def test_replace_by_name_still_works_and_refuses_unknown_names():
    assert Compressor().replace(ratio=2.0).ratio == 2.0
    with pytest.raises(ParameterError, match="has no parameter 'ratoi'"):
        Compressor().replace(ratoi=2.0)
    with pytest.raises(TypeError, match="not both"):
        Compressor().replace(("ratio",), 2.0, threshold_db=-3.0)


def test_leaves_list_every_value_with_its_path():
    paths = [leaf.path for leaf in DEEP.leaves()]
    assert DEEP_GAIN in paths
    assert ("branches", 1, "gain_db") in paths
    assert ("mix_pct",) in paths
    assert len(paths) == len(set(paths))
    for leaf in DEEP.leaves():
        assert DEEP.get(leaf.path) == leaf.value
        assert DEEP.spec_at(leaf.path) == leaf.spec


def test_plain_data_round_trips_any_nesting_through_json():
    automated = DEEP.replace(
        ("branches", 0, "processor", "processors", 2, "threshold_db"),
        Envelope([0.0, 2.0, 4.0], [-30.0, -20.0, -25.0], shape=("smooth", "linear")),
    )
    text = json.dumps(automated.to_preset())
    back = processor_from_dict(json.loads(text))
    assert back == automated
    assert isinstance(
        back.get(("branches", 0, "processor", "processors", 2, "threshold_db")), Envelope
    )


def test_chain_is_declared_like_any_processor():
    chain = Chain(Gain(gain_db=-3.0), Compressor())
    assert chain.to_dict()["processors"][0] == {
        "processor": "Gain",
        "params": {"gain_db": -3.0, "bypass": False},
    }
    assert chain.replace(("processors", 0, "gain_db"), -6.0).processors[0].gain_db == -6.0
    assert chain.replace(processors=[Gain()]).processors == (Gain(),)
    assert Chain.from_dict(chain.to_dict()) == chain
    assert [s.name for s in Chain.specs()] == ["bypass"]
    assert list(Chain.item_fields()) == ["processors"]


def test_version_1_style_presets_and_bad_presets_are_plain_errors():
    with pytest.raises(PresetError, match="unknown processor 'Nope'"):
        processor_from_dict({"processor": "Nope", "params": {}})
    with pytest.raises(PresetError, match=r"Chain: .*processors\[0\].*'EQBand' is not a Processor"):
        processor_from_dict({"processor": "Chain", "params": {"processors": [{"class": "EQBand"}]}})


def test_nested_items_accept_plain_dicts():
    eq = ParametricEQ(bands=[{"kind": "peak", "freq_hz": 300.0, "gain_db": -4.0, "q": 1.0}])
    assert eq.bands == (EQBand("peak", 300.0, -4.0, 1.0),)
    with pytest.raises(ParameterError, match=r"ParametricEQ bands\[0\]: .*EQBand has no parameter"):
        ParametricEQ(bands=[{"freq": 300.0}])


def test_registry_refuses_two_classes_with_one_name():
    with pytest.raises(TypeError, match="both named 'Gain'"):

        @dataclasses.dataclass(frozen=True)
        class Gain(Parametric):  # noqa: F811 - the clash is the point
            level_db: float = param(0.0, lo=-1.0, hi=1.0)

    assert registered()["Gain"].__module__ == "studio.processors.utility"


def test_log_slider_ends_are_accepted():
    # a log slider sends 10 ** log10(x): 20.000000000000004 for the top of 1..20
    top = 10 ** np.log10(20.0)
    assert top != 20.0
    assert Compressor(ratio=top).ratio == 20.0
    assert EQBand(freq_hz=10 ** np.log10(20.0)).freq_hz == 20.0
    with pytest.raises(ParameterError):
        Compressor(ratio=20.001)


def test_nyquist_limits_follow_the_rate():
    high = ParametricEQ(bands=[EQBand("high_shelf", 30000.0, 3.0, 0.7)])
    high.check_rate(96000)  # fine at 96 kHz
    with pytest.raises(ParameterError, match=r"bands\[0\]: frequency .* of 30000 Hz .* 48000 Hz"):
        high.check_rate(48000)
    spec = EQBand.spec("freq_hz")
    assert spec.range_at(48000)[1] < 24000.0 < spec.range_at(96000)[1]
    # an 'off' value is exempt: a side-chain filter at 0 Hz is simply off
    Compressor(sidechain_hpf_hz=0.0).check_rate(8000)


def test_envelopes_are_validated_against_the_range():
    env = Envelope([0.0, 1.0], [-20.0, -10.0])
    assert Compressor(threshold_db=env).threshold_db == env
    with pytest.raises(ParameterError, match=r"threshold.*envelope point 2.* got 10"):
        Compressor(threshold_db=Envelope([0.0, 1.0], [-20.0, 10.0]))
    with pytest.raises(ParameterError, match="cannot move over time"):
        ParamSpec("n", 1.0, lo=0.0, hi=2.0, automatable=False).check(env, "X")


def test_at_and_shifted_freeze_and_move_envelopes():
    comp = Compressor(threshold_db=Envelope([2.0, 4.0], [-30.0, -10.0]))
    assert comp.moves and not Compressor().moves
    assert comp.at(3.0).threshold_db == pytest.approx(-20.0)
    assert comp.at(0.0).threshold_db == -30.0
    later = comp.shifted(-2.0)  # a passage that starts at 2 s
    assert later.threshold_db.times_s == (0.0, 2.0)
    assert "moves from -30 dB to -10 dB" in comp.describe()


def test_multiband_bands_are_reachable_by_path():
    mb = MultibandCompressor()
    assert mb.replace(("bands", 2, "ratio"), 6.0).bands[2].ratio == 6.0


@given(st.floats(-24.0, 24.0), st.integers(0, 3))
def test_replace_then_get_is_identity(value, band):
    eq = ParametricEQ()
    path = ("bands", band, "gain_db")
    # equal, or snapped to a range end it differs from only by float rounding
    assert eq.replace(path, value).get(path) == pytest.approx(value, rel=1e-9, abs=0.0)
