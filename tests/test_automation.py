"""Automation through processors: envelopes on any continuous parameter, heard smoothly."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.dsp.biquad import band_coefficients
from studio.dsp.control import Envelope
from studio.dsp.filters import apply_designed, butterworth_sos
from studio.errors import ParameterError
from studio.processors import (
    Chain,
    Compressor,
    EQBand,
    Gain,
    LowPass,
    ParametricEQ,
    processor_from_dict,
)

SR = 48000


def sine(freq_hz=1000.0, seconds=1.0, level=0.5):
    t = np.arange(int(seconds * SR)) / SR
    return (level * np.sin(2 * np.pi * freq_hz * t))[np.newaxis, :]


def residual_db(y, reference):
    """How far ``y`` is from ``reference``, in dB against the reference's level."""
    return 20 * np.log10(np.std(y - reference) / np.std(reference))


def peak_design(freq_hz, q, gain_db):
    return band_coefficients("peak", freq_hz, gain_db, q, SR)[..., None, :]


def test_a_gain_ride_is_applied_sample_by_sample():
    x = sine()
    ride = Envelope([0.0, 0.5, 1.0], [-20.0, 0.0, -6.0], shape=("smooth", "linear"))
    y = Gain(gain_db=ride).process(x, SR)
    expected = x * 10 ** (ride.render(x.shape[1], SR) / 20)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-15)


def test_an_eq_band_ride_has_no_zipper_noise():
    """Coefficients follow the ride every 32 frames: as good as following it every frame."""
    x = np.random.default_rng(2).uniform(-0.5, 0.5, (1, SR))
    ride = Envelope([0.0, 1.0], [-12.0, 6.0])
    y = ParametricEQ(bands=[EQBand("peak", 1000.0, ride, 1.0)]).process(x, SR)
    per_frame = apply_designed(x, SR, peak_design, block=1, freq_hz=1000.0, q=1.0, gain_db=ride)
    assert residual_db(y, per_frame) < -60.0
    # updating only every 10 ms is the zipper the test must be able to see
    zipper = apply_designed(x, SR, peak_design, block=480, freq_hz=1000.0, q=1.0, gain_db=ride)
    assert residual_db(zipper, per_frame) > residual_db(y, per_frame) + 20.0


def test_a_filter_sweep_has_no_zipper_noise():
    x = np.random.default_rng(3).uniform(-0.5, 0.5, (1, SR))
    sweep = Envelope([0.0, 1.0], [20000.0, 200.0], shape="exponential")
    y = LowPass(freq_hz=sweep, slope_db_per_oct="24").process(x, SR)

    def design(freq_hz):
        return butterworth_sos("low_pass", freq_hz, "24", SR)

    per_frame = apply_designed(x, SR, design, block=1, freq_hz=sweep)
    # 6.6 octaves in one second, a fast sweep: still 45 dB under the signal
    assert residual_db(y, per_frame) < -45.0
    zipper = apply_designed(x, SR, design, block=480, freq_hz=sweep)
    assert residual_db(zipper, per_frame) > residual_db(y, per_frame) + 20.0


def test_automation_happens_at_its_time():
    """A threshold that jumps at 0.5 s leaves the first half exactly as the first value."""
    x = np.random.default_rng(0).uniform(-0.8, 0.8, (1, SR))
    jump = Envelope([0.0, 0.5], [-30.0, -10.0], shape="hold")
    y = Compressor(threshold_db=jump).process(x, SR)
    before = Compressor(threshold_db=-30.0).process(x, SR)
    np.testing.assert_allclose(y[:, : SR // 2], before[:, : SR // 2], atol=1e-12)
    assert not np.allclose(y[:, SR // 2 + 4800 :], before[:, SR // 2 + 4800 :])


def test_a_passage_hears_the_song_automation_when_shifted():
    x = np.random.default_rng(1).standard_normal((2, 2 * SR))
    ride = Gain(gain_db=Envelope([0.0, 2.0], [0.0, -24.0]))
    whole = ride.process(x, SR)
    start = SR // 2
    part = ride.shifted(-0.5).process(x[:, start:], SR)
    np.testing.assert_allclose(part, whole[:, start:], rtol=1e-12)


def test_envelopes_survive_presets_in_nested_chains():
    chain = Chain(
        ParametricEQ(bands=[EQBand("peak", Envelope([0, 4], [200, 800], "exponential"), -3, 1)]),
        Compressor(threshold_db=Envelope([0, 1, 2], [-20, -30, -25], ("smooth", "hold"))),
    )
    back = processor_from_dict(chain.to_preset())
    assert back == chain
    x = sine(seconds=0.5)
    np.testing.assert_array_equal(back.process(x, SR), chain.process(x, SR))


def test_describe_says_what_moves():
    text = Compressor(threshold_db=Envelope([1, 3], [-30, -20])).describe()
    assert "threshold: moves from -30 dB to -20 dB over 1-3 s" in text


def test_a_moving_filter_has_no_single_response_until_frozen():
    lp = LowPass(freq_hz=Envelope([0, 1], [1000, 4000]))
    with pytest.raises(ParameterError, match=r"moves over time.*\.at\(t_s\)"):
        lp.response_db([1000.0], SR)
    assert lp.at(0.0).response_db([1000.0], SR)[0] == pytest.approx(-3.01, abs=0.01)


def test_linear_phase_eq_refuses_automation_plainly():
    with pytest.raises(ParameterError, match="linear-phase EQ cannot move"):
        ParametricEQ(bands=[EQBand("peak", 1000.0, Envelope([0, 1], [0, 3]), 1.0)], phase="linear")


@given(
    st.lists(st.floats(0.0, 10.0), min_size=2, max_size=6).map(sorted),
    st.lists(st.floats(20.0, 2000.0), min_size=6, max_size=6),
    st.sampled_from(["linear", "hold", "smooth", "exponential"]),
)
def test_every_envelope_shape_stays_within_its_breakpoints(times, values, shape):
    env = Envelope(times, values[: len(times)], shape=shape)
    rendered = env.value_at(np.linspace(-1.0, 11.0, 500))
    lo, hi = env.range
    assert np.all(rendered >= lo - 1e-9) and np.all(rendered <= hi + 1e-9)
    assert env.value_at(times[0] - 1.0) == env.values[0]
    assert env.value_at(times[-1] + 1.0) == env.values[-1]


def test_curved_shapes_leave_and_arrive_gently():
    smooth = Envelope([0.0, 1.0], [0.0, 1.0], shape="smooth")
    assert smooth.value_at(0.5) == pytest.approx(0.5)
    assert smooth.value_at(0.01) < 0.01 * 0.1  # flat start, unlike a straight line
    expo = Envelope([0.0, 3.0], [100.0, 800.0], shape="exponential")
    assert [round(float(expo.value_at(t))) for t in (1.0, 2.0)] == [200, 400]
    with pytest.raises(ParameterError, match="exponential, which needs values above 0"):
        Envelope([0, 1], [0.0, 1.0], shape="exponential")
