"""LFOs and modulation effects against their formulas.

Tremolo's envelope, auto-pan's equal-power law, vibrato's Doppler pitch, chorus and
flanger delay ranges read back from a ramp, the flanger's comb and feedback echoes,
the phaser's all-pass magnitude and its stages / 2 notches, compiled kernels equal to
their pure-Python references.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import hilbert

from studio.dsp import lfo as lfo_mod
from studio.dsp import modulation as mod
from studio.dsp.control import Envelope
from studio.errors import AudioDataError, ParameterError
from studio.processors.modulation import AutoPan, Chorus, Flanger, Phaser, Tremolo, Vibrato

SR = 48000


def ramp(n, channels=1):
    return np.tile(np.arange(n, dtype=np.float64), (channels, 1))


# -- LFO -------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", ["sine", "triangle", "square", "saw"])
def test_periodic_shapes_start_at_zero_rising_and_repeat(shape):
    rate = 4.0
    period = int(SR / rate)
    wave = lfo_mod.lfo(3 * period, SR, rate_hz=rate, shape=shape)
    assert wave[0] == pytest.approx(0.0, abs=1e-6)
    assert wave[1] > wave[0]
    assert wave.min() >= -1.0 and wave.max() <= 1.0
    assert wave.max() == pytest.approx(1.0, abs=1e-6) and wave.min() == pytest.approx(
        -1.0, abs=1e-6
    )
    np.testing.assert_allclose(wave[period : 2 * period], wave[:period], atol=1e-6)
    assert abs(wave[: 3 * period].mean()) < 1e-3  # every shape is centred on zero


def test_sine_and_triangle_follow_their_formulas():
    t = np.arange(SR) / SR
    rate, phase_deg = 3.0, 30.0
    sine = lfo_mod.lfo(SR, SR, rate_hz=rate, shape="sine", phase_deg=phase_deg)
    np.testing.assert_allclose(sine, np.sin(2 * np.pi * (rate * t + phase_deg / 360)), atol=1e-6)
    tri = lfo_mod.lfo(SR, SR, rate_hz=rate, shape="triangle")
    slopes = np.abs(np.diff(tri)) * SR
    turning = np.abs(np.diff(np.sign(np.diff(tri)))) > 0
    np.testing.assert_allclose(slopes[1:][~turning], 4 * rate, rtol=1e-6)  # straight lines
    assert tri[int(SR / rate / 4)] == pytest.approx(1.0)


@pytest.mark.parametrize("shape", ["square", "saw"])
@pytest.mark.parametrize("rate", [0.5, 5.0])
def test_square_and_saw_jump_over_the_ramp_time_without_clicks(shape, rate):
    wave = lfo_mod.lfo(int(2 * SR / rate), SR, rate_hz=rate, shape=shape)
    ramp_frames = lfo_mod.RAMP_MS * 1e-3 * SR
    biggest_step = np.abs(np.diff(wave)).max()
    assert biggest_step == pytest.approx(2.0 / ramp_frames, rel=1e-6)
    if shape == "square":  # flat tops: the wave sits at +/-1 except during the ramps
        assert np.mean(np.abs(wave) == 1.0) == pytest.approx(
            1 - 2 * rate * ramp_frames / SR, abs=1e-3
        )


def test_random_wave_is_reproducible_smooth_and_independent_of_where_it_starts():
    phase = lfo_mod.lfo_phase(4 * SR, SR, rate_hz=2.0)
    a = lfo_mod.lfo_from_phase(phase, shape="random", seed=3)
    b = lfo_mod.lfo_from_phase(phase, shape="random", seed=3)
    c = lfo_mod.lfo_from_phase(phase, shape="random", seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert a.min() >= -1 and a.max() <= 1
    assert np.abs(np.diff(a)).max() < 2 * np.pi / (SR / 2.0 * lfo_mod.RANDOM_GLIDE)
    later = lfo_mod.lfo_from_phase(phase[30000:], shape="random", seed=3)
    np.testing.assert_array_equal(later, a[30000:])
    # holds its value over the second half of every cycle
    held = (phase % 1.0) > lfo_mod.RANDOM_GLIDE
    assert np.all(np.diff(a)[held[1:] & held[:-1]] == 0.0)


def test_rate_can_change_over_time():
    rate = Envelope([0.0, 2.0], [1.0, 3.0])  # 1 Hz rising to 3 Hz over 2 s: 4 cycles
    phase = lfo_mod.lfo_phase(2 * SR + 1, SR, rate_hz=rate)
    assert phase[-1] == pytest.approx(4.0, abs=1e-4)
    assert np.all(np.diff(phase) > 0)


def test_tempo_sync():
    assert lfo_mod.sync_rate_hz(120.0, "1/4") == 2.0
    assert lfo_mod.sync_rate_hz(120.0, "1/8") == 4.0
    assert lfo_mod.sync_rate_hz(120.0, "1/4.") == pytest.approx(2.0 / 1.5)
    assert lfo_mod.sync_rate_hz(90.0, "1/8t") == pytest.approx(4.5)
    assert lfo_mod.sync_rate_hz(120.0, "2/1") == 0.25
    with pytest.raises(ParameterError, match="note"):
        lfo_mod.sync_rate_hz(120.0, "quarter")
    with pytest.raises(ParameterError, match="tempo_bpm"):
        lfo_mod.sync_rate_hz(0.0)


def test_lfo_refuses_unknown_shapes_and_negative_rates():
    with pytest.raises(ParameterError, match="shape"):
        lfo_mod.lfo(10, SR, rate_hz=1.0, shape="wobble")
    with pytest.raises(ParameterError, match="rate_hz"):
        lfo_mod.lfo(3, SR, rate_hz=np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ParameterError, match="rate_hz"):
        lfo_mod.lfo(3, SR, rate_hz=float("nan"))


# -- fractional delay ------------------------------------------------------------------
def test_lagrange_weights_sum_to_one_and_never_amplify():
    t = np.linspace(0.0, 0.999, 200)
    w = np.array(mod.lagrange_weights(t))
    np.testing.assert_allclose(w.sum(axis=0), 1.0, atol=1e-12)
    z = np.exp(-1j * np.linspace(0, np.pi, 257))[:, None]
    gain = np.abs(sum(w[k][None, :] * z ** (k - 1) for k in range(4)))
    assert gain.max() <= 1.0 + 1e-12


@given(
    st.lists(st.floats(3.0, 40.0), min_size=200, max_size=200),
    st.floats(-1.0, 1.0),
    st.floats(-0.01, 0.01),
)
def test_delay_read_reproduces_a_cubic_exactly(delays, a, b):
    n = len(delays)
    x = np.arange(n, dtype=np.float64)
    poly = lambda u: a * u + b * u**2 + 1e-5 * u**3  # noqa: E731
    d = np.array(delays)
    y = mod.delay_read(poly(x)[None, :], d)[0]
    valid = x - d >= 2  # all four taps inside the signal
    np.testing.assert_allclose(y[valid], poly(x - d)[valid], rtol=1e-9, atol=1e-9)


def test_integer_delay_is_an_exact_shift_and_channels_may_differ():
    x = np.random.default_rng(0).standard_normal((2, 500)).astype(np.float32)
    y = mod.delay_read(x, np.full(500, 7.0))
    np.testing.assert_array_equal(y[:, 7:], x[:, :-7])
    np.testing.assert_array_equal(y[:, :7], 0.0)
    per_channel = mod.delay_read(x, np.stack([np.full(500, 3.0), np.full(500, 11.0)]))
    np.testing.assert_array_equal(per_channel[0, 3:], x[0, :-3])
    np.testing.assert_array_equal(per_channel[1, 11:], x[1, :-11])
    assert y.dtype == np.float32


def test_delay_read_refuses_negative_delays():
    with pytest.raises(ParameterError, match="0 or more"):
        mod.delay_read(np.zeros((1, 4)), np.array([1.0, -1.0, 1.0, 1.0]))


# -- tremolo, auto-pan, vibrato --------------------------------------------------------
@pytest.mark.parametrize("depth", [0.0, 30.0, 100.0])
def test_tremolo_gives_the_exact_envelope(depth):
    rate = 6.0
    t = np.arange(SR) / SR
    y = Tremolo(rate_hz=rate, depth_pct=depth).process(np.ones((2, SR)), SR)
    expected = 1.0 - depth / 100 * (1.0 - np.sin(2 * np.pi * rate * t)) / 2.0
    np.testing.assert_allclose(y, np.tile(expected, (2, 1)), atol=1e-6)
    assert y.min() == pytest.approx(1.0 - depth / 100, abs=1e-6)


def test_tremolo_depth_can_move():
    depth = Envelope([0.0, 1.0], [0.0, 100.0])
    gain = mod.tremolo_gain(SR, SR, rate_hz=5.0, depth_pct=depth)
    assert gain[: SR // 10].min() > 0.9  # barely moving at first
    assert gain[-SR // 5 :].min() < 0.06  # nearly to silence at the end


def test_autopan_is_equal_power_and_reaches_both_speakers():
    gains = mod.autopan_gains(SR, SR, rate_hz=1.0, depth_pct=100.0)
    np.testing.assert_allclose(gains[0] ** 2 + gains[1] ** 2, 2.0, rtol=1e-12)
    quarter = SR // 4
    np.testing.assert_allclose(gains[:, quarter], [0.0, np.sqrt(2.0)], atol=1e-6)  # right
    np.testing.assert_allclose(gains[:, 3 * quarter], [np.sqrt(2.0), 0.0], atol=1e-6)  # left
    np.testing.assert_allclose(gains[:, 0], [1.0, 1.0], atol=1e-6)  # centre: unchanged


def test_autopan_depth_zero_leaves_stereo_untouched_and_plays_mono_on_both_sides():
    x = np.random.default_rng(1).standard_normal((2, 1000))
    np.testing.assert_array_equal(AutoPan.neutral().process(x, SR), x)
    mono = x[:1]
    np.testing.assert_array_equal(AutoPan(depth_pct=0.0).process(mono, SR), np.vstack([mono] * 2))
    with pytest.raises(AudioDataError, match="mono or stereo"):
        AutoPan().process(np.zeros((6, 10)), SR)


def test_vibrato_pitch_follows_the_doppler_formula():
    f0, rate, cents = 1000.0, 5.0, 50.0
    n = SR
    t = np.arange(n) / SR
    x = np.sin(2 * np.pi * f0 * t)[None, :]
    y = Vibrato(rate_hz=rate, depth_cents=cents).process(x, SR)[0]
    inst = np.diff(np.unwrap(np.angle(hilbert(y)))) * SR / (2 * np.pi)
    swing_s = (2 ** (cents / 1200) - 1) / (2 * np.pi * rate)
    tm = (t[:-1] + t[1:]) / 2
    expected = f0 * (1 - 2 * np.pi * rate * swing_s * np.cos(2 * np.pi * rate * tm))
    # average over 1 ms: the interpolator leaves a tiny ripple near Nyquist (< 0.3 Hz)
    smooth = np.ones(48) / 48
    inst, expected = np.convolve(inst, smooth, "same"), np.convolve(expected, smooth, "same")
    inner = slice(SR // 10, -SR // 10)  # away from the analytic signal's edge effects
    np.testing.assert_allclose(inst[inner], expected[inner], atol=0.01)
    assert inst[inner].max() == pytest.approx(f0 * 2 ** (cents / 1200), abs=0.01)


def test_vibrato_curve_peaks_at_the_depth_in_cents():
    (curve,) = Vibrato(rate_hz=5.0, depth_cents=40.0).curves(SR)
    assert curve.y.max() == pytest.approx(40.0, abs=0.2)


# -- chorus ----------------------------------------------------------------------------
def test_chorus_reads_between_its_declared_delays():
    n = 2 * SR
    chorus = Chorus(rate_hz=2.0, depth_pct=80.0, delay_ms=12.0, voices="1", mix_pct=100.0)
    y = chorus.process(ramp(n), SR)[0]
    read_ms = (np.arange(n) - y)[SR // 10 :] * 1000 / SR
    low, high = chorus.delay_range_ms()
    assert (low, high) == pytest.approx((12.0 - 2.4, 12.0 + 2.4))
    assert read_ms.min() == pytest.approx(low, abs=1e-6)
    assert read_ms.max() == pytest.approx(high, abs=1e-6)
    planned = mod.chorus_delays_ms(n, SR, rate_hz=2.0, depth_pct=80.0, delay_ms=12.0, voices=1)
    np.testing.assert_allclose(read_ms, planned[0, 0, SR // 10 :], atol=1e-9)


def test_chorus_voices_average_and_right_side_spreads():
    n = SR
    x = ramp(n, channels=2)
    y = mod.chorus(x, SR, voices=3, mix_pct=100.0, spread_pct=100.0, rate_hz=1.0)
    delays = mod.chorus_delays_ms(n, SR, voices=3, n_channels=2, spread_pct=100.0, rate_hz=1.0)
    read = (x - y)[:, SR // 10 :] * 1000 / SR
    np.testing.assert_allclose(read, delays.mean(axis=1)[:, SR // 10 :], atol=1e-6)
    # voices a third of a cycle apart; the right side's sit halfway between the left's
    left, right = delays[0], delays[1]
    shift = SR // 6  # half of a third of a 1 Hz cycle
    np.testing.assert_allclose(right[0, :-shift], left[0, shift:], atol=1e-9)
    same = mod.chorus_delays_ms(n, SR, voices=3, n_channels=2, spread_pct=0.0)
    np.testing.assert_array_equal(same[0], same[1])


def test_chorus_float32_stays_float32_and_mixes_half_and_half():
    x = np.random.default_rng(2).standard_normal((2, 4000)).astype(np.float32)
    wet = Chorus(mix_pct=100.0).process(x, SR)
    half = Chorus(mix_pct=50.0).process(x, SR)
    assert half.dtype == np.float32
    np.testing.assert_allclose(half, (x + wet) / 2, atol=1e-6)


# -- flanger ---------------------------------------------------------------------------
def test_flanger_sweeps_exponentially_between_its_declared_delays():
    n = 2 * SR
    fl = Flanger(rate_hz=1.0, depth_pct=100.0, delay_ms=6.0, feedback_pct=0.0, mix_pct=100.0)
    y = fl.process(ramp(n), SR)[0]
    read_ms = (np.arange(n) - y)[SR // 10 :] * 1000 / SR
    low, high = fl.delay_range_ms()
    assert (low, high) == (0.75, 6.0)  # three octaves below 6 ms
    assert read_ms.min() == pytest.approx(low, abs=1e-6)
    assert read_ms.max() == pytest.approx(high, abs=1e-6)
    wave = np.sin(2 * np.pi * 1.0 * np.arange(n) / SR)[SR // 10 :]
    np.testing.assert_allclose(np.log2(read_ms), np.log2(low) + 3.0 * (1 + wave) / 2, atol=1e-6)
    assert Flanger(delay_ms=1.0, depth_pct=100.0).delay_range_ms() == (0.5, 1.0)


def test_static_flanger_is_a_comb_with_notches_at_odd_multiples():
    delay_ms = 5.0  # 240 samples: notches at 100, 300, 500 Hz; peaks at 200, 400 Hz
    fl = Flanger(depth_pct=0.0, delay_ms=delay_ms, feedback_pct=0.0, mix_pct=50.0)
    t = np.arange(SR) / SR
    for freq, gain in ((100.0, 0.0), (300.0, 0.0), (200.0, 1.0), (150.0, np.sqrt(0.5))):
        y = fl.process(np.sin(2 * np.pi * freq * t)[None, :], SR)[0, SR // 10 :]
        assert np.sqrt(2) * y.std() == pytest.approx(gain, abs=1e-3)


def test_feedback_makes_echoes_that_shrink_by_the_feedback_each_time():
    x = np.zeros(1000)
    x[0] = 1.0
    tap = mod.feedback_delay(x, np.full(1000, 100.0), 0.6)
    np.testing.assert_allclose(tap[[100, 200, 300, 400]], [1.0, 0.6, 0.36, 0.216], atol=1e-12)
    assert np.count_nonzero(np.abs(tap) > 1e-12) == 9


def test_compiled_feedback_delay_equals_its_reference():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(3000)
    d = 2.5 + 40 * (1 + np.sin(np.arange(3000) / 200))
    for fb in (np.array([0.9]), rng.uniform(-0.9, 0.9, 3000)):
        np.testing.assert_array_equal(
            mod.feedback_delay(x, d, fb), mod.feedback_delay_reference(x, d, fb)
        )
    np.testing.assert_allclose(mod.feedback_delay(x, d, 0.0), mod.delay_read(x[None], d)[0])


def test_flanger_refuses_too_short_delays():
    with pytest.raises(ParameterError, match="2 samples"):
        mod.feedback_delay(np.zeros(10), np.full(10, 1.5), 0.5)
    with pytest.raises(ParameterError, match="Flanger.*higher sample rate"):
        Flanger(delay_ms=1.0, depth_pct=100.0).check_rate(4000)


# -- phaser ----------------------------------------------------------------------------
def test_allpass_stage_has_unit_magnitude_and_90_degrees_at_its_break():
    break_hz = 1200.0
    a = mod.allpass_coef(break_hz, SR)
    freqs = np.geomspace(10, 23900, 300)
    z1 = np.exp(-2j * np.pi * freqs / SR)
    stage = (a + z1) / (1 + a * z1)
    np.testing.assert_allclose(np.abs(stage), 1.0, atol=1e-12)
    z_b = np.exp(-2j * np.pi * break_hz / SR)
    assert np.angle((a + z_b) / (1 + a * z_b)) == pytest.approx(-np.pi / 2)


@pytest.mark.parametrize("stages", [2, 4, 6, 8, 12])
def test_phaser_chain_is_allpass_and_dry_plus_wet_has_stages_over_two_notches(stages):
    n = 1 << 15
    impulse = np.zeros((1, n))
    impulse[0, 0] = 1.0
    still = {"depth_pct": 0.0, "center_hz": 700.0, "stages": stages, "feedback_pct": 0.0}
    wet = Phaser(mix_pct=100.0, **still).process(impulse, SR)[0]
    np.testing.assert_allclose(np.abs(np.fft.rfft(wet)), 1.0, atol=1e-9)  # magnitude 1
    both = Phaser(mix_pct=50.0, **still).process(impulse, SR)[0]
    level = np.abs(np.fft.rfft(both))
    inner = level[1:-1]
    dips = np.flatnonzero((inner < level[:-2]) & (inner < level[2:]) & (inner < 0.05)) + 1
    assert len(dips) == stages // 2
    freqs = np.fft.rfftfreq(n, 1 / SR)
    expected = Phaser(**still).notch_frequencies_hz(700.0, SR)
    np.testing.assert_allclose(freqs[dips], expected, atol=SR / n)
    response = mod.phaser_response(expected, SR, break_hz=700.0, stages=stages, mix_pct=50.0)
    np.testing.assert_allclose(np.abs(response), 0.0, atol=1e-9)


def test_phaser_response_matches_what_the_audio_measures_with_feedback():
    n = 1 << 15
    impulse = np.zeros((1, n))
    impulse[0, 0] = 1.0
    ph = Phaser(depth_pct=0.0, center_hz=500.0, stages="6", feedback_pct=-70.0, mix_pct=60.0)
    measured = np.fft.rfft(ph.process(impulse, SR)[0])
    freqs = np.fft.rfftfreq(n, 1 / SR)
    np.testing.assert_allclose(
        ph.response_at(freqs, SR, 500.0), 20 * np.log10(np.abs(measured)), atol=1e-6
    )


def test_phaser_sweeps_two_octaves_each_way_at_full_depth():
    f = mod.phaser_break_hz(SR, SR, rate_hz=1.0, depth_pct=100.0, center_hz=1000.0)
    assert f.min() == pytest.approx(250.0, rel=1e-5) and f.max() == pytest.approx(4000.0, rel=1e-5)
    assert Phaser(depth_pct=50.0, center_hz=1000.0).sweep_hz(SR) == pytest.approx((500, 1000, 2000))


def test_compiled_allpass_chain_equals_its_reference():
    rng = np.random.default_rng(4)
    x = rng.standard_normal(2000)
    coef = mod.allpass_coef(600 * 2 ** np.sin(np.arange(2000) / 300), SR)
    for fb in (np.array([0.7]), rng.uniform(-0.9, 0.9, 2000)):
        np.testing.assert_array_equal(
            mod.allpass_chain(x, coef, 6, fb), mod.allpass_chain_reference(x, coef, 6, fb)
        )


def test_phaser_refuses_a_centre_above_nyquist():
    with pytest.raises(ParameterError, match="Phaser.*center_hz.*Nyquist"):
        Phaser(center_hz=4500.0).check_rate(8000)
    with pytest.raises(ParameterError, match="stages"):
        mod.phaser(np.zeros((1, 10)), SR, stages=5)


# -- processors ------------------------------------------------------------------------
def test_numeric_choices_accept_whole_numbers():
    assert Phaser(stages=8).stages == "8"
    assert Chorus(voices=3).voices == "3"
    with pytest.raises(ParameterError, match="Phaser.*stages"):
        Phaser(stages=5)


@pytest.mark.parametrize("cls", [Tremolo, AutoPan, Vibrato, Chorus, Flanger, Phaser])
def test_curves_keep_their_count_and_are_finite_for_every_shape(cls):
    counts = set()
    for shape in ("sine", "square", "random"):
        for rate in (cls.spec("rate_hz").lo, cls.spec("rate_hz").hi):
            curves = cls(shape=shape, rate_hz=rate).curves(SR)
            counts.add(len(curves))
            for c in curves:
                assert len(c.x) == len(c.y) and len(c.x) > 10
                assert not np.any(np.isinf(c.y))  # NaN only as gaps between lines
    assert len(counts) == 1  # a live plot updates its lines in place


def test_tremolo_and_autopan_curves_show_the_gains():
    (gain,) = Tremolo(depth_pct=40.0).curves(SR)
    assert gain.y.min() == pytest.approx(0.6, abs=1e-3) and gain.y.max() == pytest.approx(1.0)
    left, right = AutoPan().curves(SR)
    np.testing.assert_allclose(left.y**2 + right.y**2, 2.0)
    assert gain.x[-1] == pytest.approx(2 / Tremolo().rate_hz, rel=0.01)  # two cycles


def test_chorus_curves_cover_the_delay_range():
    left, right = Chorus(voices="2", depth_pct=100.0).curves(SR)
    low, high = Chorus(depth_pct=100.0).delay_range_ms()
    assert np.nanmin(left.y) == pytest.approx(low, abs=0.01)
    assert np.nanmax(right.y) == pytest.approx(high, abs=0.01)
    assert np.isnan(left.y).sum() == 2  # one gap after each voice


def test_modulation_follows_time_varying_mix():
    x = np.random.default_rng(5).standard_normal((1, SR // 2))
    mix = np.linspace(0.0, 100.0, SR // 2)
    y = mod.phaser(x, SR, mix_pct=mix, depth_pct=0.0)
    wet = mod.phaser(x, SR, mix_pct=100.0, depth_pct=0.0)
    np.testing.assert_allclose(y, x + mix / 100 * (wet - x), atol=1e-12)
    assert math.isclose(float(np.abs(y[0, :5] - x[0, :5]).max()), 0.0, abs_tol=1e-3)
