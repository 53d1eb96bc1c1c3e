"""Gain, polarity, mute, pan laws and balance against their definitions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.dsp.control import Envelope
from studio.dsp.pan import (
    PAN_LAWS,
    apply_balance,
    apply_gain,
    apply_pan,
    balance_gains,
    centre_gain_db,
    invert_polarity,
    pan_gains,
)
from studio.errors import AudioDataError, ParameterError
from studio.mixing.mixdown import pan_to_gains
from studio.processors.utility import Balance, Gain, Mute, Pan, Polarity

SR = 48000
CP, MID, LIN = "constant_power_-3dB", "compromise_-4.5dB", "linear_-6dB"
positions = st.floats(-1.0, 1.0)


def db(g):
    return 20 * np.log10(g)


@pytest.mark.parametrize(
    ("law", "centre_db"),
    [(CP, 10 * np.log10(0.5)), (MID, 15 * np.log10(0.5)), (LIN, 20 * np.log10(0.5))],
)
def test_centre_level_per_law(law, centre_db):
    # -3.01, -4.52 (the dB average of the other two) and -6.02 dB per side.
    left, right = pan_gains(0.0, law)
    assert db(left) == pytest.approx(centre_db, abs=1e-12)
    assert db(right) == pytest.approx(centre_db, abs=1e-12)
    assert centre_gain_db(law) == pytest.approx(centre_db, abs=1e-12)
    assert round(centre_gain_db(law), 1) == float(law.split("_")[-1][:-2])


@pytest.mark.parametrize("law", PAN_LAWS)
def test_ends_are_full_level_and_silence(law):
    assert pan_gains(-1.0, law) == (1.0, 0.0)
    assert pan_gains(1.0, law) == (0.0, 1.0)
    assert balance_gains(-1.0, law) == (1.0, 0.0)
    assert balance_gains(1.0, law) == (0.0, 1.0)


@given(p=positions)
def test_constant_power_keeps_power_and_linear_keeps_sum(p):
    left, right = pan_gains(p, CP)
    assert left**2 + right**2 == pytest.approx(1.0, abs=1e-12)
    lin_l, lin_r = pan_gains(p, LIN)
    assert lin_l + lin_r == pytest.approx(1.0, abs=1e-12)
    mid_l, mid_r = pan_gains(p, MID)  # the compromise is the geometric mean of the two
    assert mid_l == pytest.approx(np.sqrt(left * lin_l), abs=1e-12)
    assert mid_r == pytest.approx(np.sqrt(right * lin_r), abs=1e-12)


@given(p=positions, law=st.sampled_from(PAN_LAWS))
def test_pan_is_mirror_symmetric(p, law):
    left, right = pan_gains(p, law)
    assert pan_gains(-p, law) == pytest.approx((right, left), abs=1e-12)


@pytest.mark.parametrize("law", PAN_LAWS)
def test_vectorised_gains_match_scalar_and_move_monotonically(law):
    p = np.linspace(-1, 1, 41)
    left, right = pan_gains(p, law)
    assert left.shape == p.shape
    np.testing.assert_allclose(left, [pan_gains(float(v), law)[0] for v in p], atol=0)
    assert np.all(np.diff(left) < 0) and np.all(np.diff(right) > 0)


@pytest.mark.parametrize("law", PAN_LAWS)
def test_balance_keeps_near_side_and_fades_far_side_by_the_law(law):
    assert balance_gains(0.0, law) == (1.0, 1.0)
    left, right = balance_gains(0.5, law)
    assert right == 1.0 and db(left) == pytest.approx(centre_gain_db(law), abs=1e-12)
    left, right = balance_gains(-0.5, law)
    assert left == 1.0 and db(right) == pytest.approx(centre_gain_db(law), abs=1e-12)


def test_mixdown_pan_law_is_the_same_constant_power_law():
    # studio.mixing keeps its own copy for now: the numbers must stay identical.
    for p in np.linspace(-1, 1, 21):
        assert pan_to_gains(float(p)) == pytest.approx(pan_gains(float(p), CP), abs=1e-15)
        assert pan_to_gains(float(p), stereo_source=True) == pytest.approx(
            balance_gains(float(p), CP), abs=1e-15
        )


@pytest.mark.parametrize("bad", [1.5, -1.01, float("nan")])
def test_bad_positions_and_laws_are_refused(bad):
    with pytest.raises(ParameterError, match="pan must be"):
        pan_gains(bad)
    with pytest.raises(ParameterError, match="balance must be"):
        balance_gains(bad)
    with pytest.raises(ParameterError, match="pan law must be one of"):
        pan_gains(0.0, "sine")


def test_apply_pan_mono_to_stereo_follows_an_envelope():
    x = np.ones((1, SR), dtype=np.float32)
    ride = Envelope([0.0, 1.0], [-1.0, 1.0])
    y = apply_pan(x, SR, pan=ride, law=CP)
    assert y.shape == (2, SR) and y.dtype == np.float32
    left, right = pan_gains(ride.render(SR, SR), CP)
    np.testing.assert_allclose(y[0], left, atol=1e-7)
    np.testing.assert_allclose(y[1], right, atol=1e-7)
    # constant power all the way: the sum of squares stays at the input's power
    np.testing.assert_allclose(y[0].astype(float) ** 2 + y[1] ** 2, 1.0, atol=1e-6)


def test_apply_pan_on_stereo_is_a_balance():
    x = np.random.default_rng(1).uniform(-1, 1, (2, 1000))
    np.testing.assert_array_equal(apply_pan(x, SR, pan=0.0), x)
    y = apply_pan(x, SR, pan=1.0)
    np.testing.assert_array_equal(y[0], 0.0)
    np.testing.assert_array_equal(y[1], x[1])
    np.testing.assert_array_equal(apply_balance(x, SR, balance=0.3), apply_pan(x, SR, pan=0.3))
    with pytest.raises(AudioDataError, match="mono or stereo"):
        apply_pan(np.zeros((6, 10)), SR, pan=0.0)
    with pytest.raises(AudioDataError, match="needs stereo"):
        apply_balance(np.zeros((1, 10)), SR, balance=0.0)


def test_apply_gain_constant_and_varying():
    x = np.full((2, 4), 0.25, dtype=np.float32)
    y = apply_gain(x, SR, gain_db=20 * np.log10(2.0))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, 0.5, rtol=1e-6)
    ramp = np.array([0.0, -6.0, -12.0, -20.0])
    np.testing.assert_allclose(
        apply_gain(x, SR, gain_db=ramp)[0], 0.25 * 10 ** (ramp / 20), rtol=1e-6
    )
    with pytest.raises(ParameterError, match="one value per frame"):
        apply_gain(x, SR, gain_db=np.zeros(3))


def test_invert_polarity_choices():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_array_equal(invert_polarity(x, channels="all"), -x)
    np.testing.assert_array_equal(invert_polarity(x, channels="none"), x)
    np.testing.assert_array_equal(invert_polarity(x, channels="left"), [-x[0], x[1]])
    np.testing.assert_array_equal(invert_polarity(x, channels="right"), [x[0], -x[1]])
    with pytest.raises(ParameterError, match="needs a stereo signal"):
        invert_polarity(x[:1], channels="right")


def test_polarity_flip_cancels_against_the_original(rng):
    x = rng.uniform(-1, 1, (2, 480)).astype(np.float32)
    y = Polarity().process(x, SR)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(x + y, 0.0)
    left_only = Polarity(invert="left").process(x, SR)
    np.testing.assert_array_equal(left_only[1], x[1])
    assert [c.name for c in Polarity().curves(SR)] == ["input", "left output", "right output"]


def test_gain_processor_and_its_flat_response():
    g = Gain(gain_db=-12.0)
    assert np.all(g.response_db(np.geomspace(20, 20000, 5), SR) == -12.0)
    x = np.ones((1, 10))
    np.testing.assert_allclose(g.process(x, SR), 10 ** (-12 / 20))
    with pytest.raises(ParameterError, match=r"Gain: gain \(gain_db\) must be between -60 and 24"):
        Gain(gain_db=30.0)


def test_mute_silences_and_unmute_passes():
    x = np.ones((2, 10), dtype=np.float32)
    assert not Mute().process(x, SR).any()
    np.testing.assert_array_equal(Mute(muted=False).process(x, SR), x)
    out = Mute().curves(SR)[1]
    assert not out.y.any()


def test_pan_processor_mono_in_stereo_out_and_explains_its_law():
    pan = Pan(pan=-0.5, law=LIN)
    assert pan.output_channels(1) == 2 and Pan.accepts_channels == (1, 2)
    assert not Pan.identity_when_neutral
    y = pan.process(np.ones((1, 8)), SR)
    np.testing.assert_allclose(y[:, 0], [0.75, 0.25])
    text = Pan().describe()
    assert "-3.01 dB in each speaker" in text and "pan law" in text
    curves = Pan(pan=0.25).curves(SR)
    assert [c.name for c in curves] == ["left gain", "right gain", "total power", "now"]
    np.testing.assert_allclose(curves[2].y, 0.0, atol=1e-12)  # constant power
    np.testing.assert_allclose(curves[3].x, 0.25)


def test_balance_processor():
    assert Balance.accepts_channels == (2,)
    x = np.random.default_rng(2).uniform(-1, 1, (2, 100)).astype(np.float32)
    np.testing.assert_array_equal(Balance().process(x, SR), x)
    y = Balance(balance=-0.5, law=LIN).process(x, SR)
    np.testing.assert_allclose(y, [x[0], 0.5 * x[1]], rtol=1e-7)
    assert len(Balance(balance=0.5).curves(SR)) == 4


def test_each_utility_gets_a_meaningful_plot():
    from studio.widgets.plots import CurvePlot, ResponsePlot, plot_for

    assert isinstance(plot_for(Gain(gain_db=3.0), SR), ResponsePlot)
    for proc in (Polarity(), Mute(), Pan(), Balance()):
        assert isinstance(plot_for(proc, SR), CurvePlot)


def test_fader_is_gain_then_pan_law():
    from studio.processors import Fader

    x = np.ones((1, 4))
    centred = Fader(gain_db=-6.0206).process(x, 48000)
    np.testing.assert_allclose(centred, 0.5 * np.sqrt(0.5) * np.ones((2, 4)), rtol=1e-4)
    assert Fader(gain_db=-6.0206, pan=1.0).gains() == pytest.approx((0.0, 0.5), abs=1e-4)
    # a stereo track is balanced, not re-panned: centred, both sides pass at the fader level
    stereo = np.vstack([np.ones(4), -np.ones(4)])
    np.testing.assert_allclose(Fader(gain_db=0.0).process(stereo, 48000), stereo)
    assert Fader().output_channels(1) == 2


def test_fader_rides_move_smoothly():
    from studio.dsp.control import Envelope
    from studio.processors import Fader

    ride = Envelope([0.0, 1.0], [0.0, -20.0])
    y = Fader(gain_db=ride, pan=-1.0).process(np.ones((1, 48000)), 48000)
    expected = 10 ** (ride.render(48000, 48000) / 20)
    np.testing.assert_allclose(y[0], expected, rtol=1e-9)
    np.testing.assert_allclose(y[1], 0.0, atol=1e-12)
