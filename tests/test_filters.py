"""Butterworth high/low pass, notch, band pass, tilt and time-varying filtering."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import butter, sosfilt

from studio.dsp.biquad import (
    apply_sos,
    apply_sos_blocks,
    apply_sos_sets,
    band_coefficients,
    band_sos,
    sos_filter_reference,
    sos_response,
    sos_response_db,
)
from studio.dsp.control import Envelope
from studio.dsp.filters import (
    BLOCK_FRAMES,
    SLOPES_DB_PER_OCT,
    band_pass,
    butterworth_qs,
    butterworth_sos,
    eq_band,
    high_pass,
    low_pass,
    notch,
    slope_to_order,
    tilt,
    tilt_sos,
)
from studio.errors import ParameterError
from studio.processors.filters import BandPass, HighPass, LowPass, Notch, TiltEQ

SR = 48000
HALF_POWER_DB = 10 * np.log10(0.5)  # -3.0103 dB


def db_at(sos, f, sr=SR):
    return float(sos_response_db(sos, np.array([f]), sr)[0])


def sine(f, seconds=1.0, amplitude=1.0):
    return amplitude * np.sin(2 * np.pi * f * np.arange(int(seconds * SR)) / SR)[None, :]


def level_db(x):
    return 20 * np.log10(np.sqrt(2 * np.mean(np.asarray(x, dtype=float) ** 2)))


# ------------------------------------------------------------------ Butterworth


@pytest.mark.parametrize(
    ("order", "qs"),
    [
        (1, []),
        (2, [0.70711]),
        (3, [1.0]),
        (4, [0.54120, 1.30656]),
        (6, [0.51764, 0.70711, 1.93185]),
        (8, [0.50980, 0.60134, 0.89998, 2.56292]),
    ],
)
def test_butterworth_qs_are_the_published_values(order, qs):
    np.testing.assert_allclose(butterworth_qs(order), qs, atol=5e-6)


@pytest.mark.parametrize("slope", SLOPES_DB_PER_OCT)
@pytest.mark.parametrize("kind", ["high_pass", "low_pass"])
def test_minus_3_db_at_cutoff_and_same_as_scipy_butter(kind, slope):
    f0 = 1000.0
    sos = butterworth_sos(kind, f0, slope, SR)
    order = slope_to_order(slope)
    assert sos.shape == ((order + 1) // 2, 6)
    assert db_at(sos, f0) == pytest.approx(HALF_POWER_DB, abs=1e-9)
    # An independent design of the same filter (scipy) has the same response.
    reference = butter(
        order, f0, "highpass" if kind == "high_pass" else "lowpass", fs=SR, output="sos"
    )
    freqs = np.geomspace(20, 23000, 300)
    np.testing.assert_allclose(
        np.abs(sos_response(sos, freqs, SR)), np.abs(sos_response(reference, freqs, SR)), atol=1e-12
    )


@pytest.mark.parametrize("slope", SLOPES_DB_PER_OCT)
def test_response_is_the_butterworth_formula_on_the_warped_axis(slope):
    # A bilinear-transformed Butterworth filter has |H|^2 = 1 / (1 + (W/Wc)^(2n)) (low
    # pass) with W = tan(pi f / sr): flat, then 6.02 dB per octave per order.
    n = slope_to_order(slope)
    f0, freqs = 700.0, np.geomspace(20, 23000, 400)
    ratio = np.tan(np.pi * freqs / SR) / np.tan(np.pi * f0 / SR)
    lp = sos_response_db(butterworth_sos("low_pass", f0, slope, SR), freqs, SR)
    hp = sos_response_db(butterworth_sos("high_pass", f0, slope, SR), freqs, SR)
    np.testing.assert_allclose(lp, -10 * np.log10(1 + ratio ** (2 * n)), atol=1e-6)
    np.testing.assert_allclose(hp, -10 * np.log10(1 + ratio ** (-2 * n)), atol=1e-6)
    far_below = butterworth_sos("high_pass", 2000.0, slope, SR)  # five octaves down
    octave = db_at(far_below, 62.5) - db_at(far_below, 31.25)
    assert octave == pytest.approx(6.0206 * n, abs=0.01)


def test_slopes_validate():
    assert slope_to_order("48") == 8 and slope_to_order(24) == 4
    with pytest.raises(ParameterError, match="slope_db_per_oct must be one of"):
        slope_to_order("30")
    with pytest.raises(ParameterError, match="Nyquist"):
        butterworth_sos("low_pass", 30000.0, "12", SR)


# ------------------------------------------------------------- notch, band pass


@pytest.mark.parametrize("q", [0.7, 2.0, 10.0])
@pytest.mark.parametrize("f0", [100.0, 3000.0])
def test_notch_and_band_pass_edges_are_half_power(f0, q):
    # Analogue prototype: -3 dB where |W^2 - 1| = W / q; the bilinear transform maps
    # W to f = sr/pi * atan(W * tan(pi f0 / sr)).
    half = 1 / (2 * q)
    edges_w = np.array([np.sqrt(half**2 + 1) - half, np.sqrt(half**2 + 1) + half])
    edges = SR / np.pi * np.arctan(edges_w * np.tan(np.pi * f0 / SR))
    n = band_sos("notch", f0, 0.0, q, SR)
    b = band_sos("band_pass", f0, 0.0, q, SR)
    np.testing.assert_allclose(sos_response_db(n, edges, SR), HALF_POWER_DB, atol=1e-9)
    np.testing.assert_allclose(sos_response_db(b, edges, SR), HALF_POWER_DB, atol=1e-9)
    assert db_at(n, f0) < -200 and db_at(b, f0) == pytest.approx(0.0, abs=1e-9)


def test_notch_processor_removes_hum(rng):
    hum = sine(60.0, 2.0, 0.5)
    y = Notch(freq_hz=60.0, q=8.0).process(hum, SR)[:, SR:]
    assert level_db(y) < -60
    voice_band = sine(1000.0, 1.0, 0.5)
    y = Notch(freq_hz=60.0, q=8.0).process(voice_band, SR)[:, SR // 2 :]
    assert level_db(y) == pytest.approx(level_db(voice_band), abs=0.01)


# ------------------------------------------------------------------------- tilt


@given(tilt_db=st.floats(-6, 6), pivot=st.floats(100, 10000))
def test_tilt_is_exact_at_the_ends_and_pivot_and_monotonic(tilt_db, pivot):
    sos = tilt_sos(tilt_db, pivot, SR)
    ends = sos_response_db(sos, np.array([0.0, pivot, SR / 2]), SR)
    np.testing.assert_allclose(ends, [-tilt_db, 0.0, tilt_db], atol=1e-9)
    curve = sos_response_db(sos, np.geomspace(10, 23900, 200), SR)
    steps = np.diff(curve) * np.sign(tilt_db)
    assert np.all(steps >= -1e-12)
    assert np.all(np.abs(curve) <= abs(tilt_db) + 1e-9)


def test_tilt_is_symmetric_in_octaves_around_the_pivot():
    sos = tilt_sos(4.0, 500.0, SR)
    for ratio in (2.0, 4.0, 8.0):
        up, down = sos_response_db(sos, np.array([500.0 * ratio, 500.0 / ratio]), SR)
        assert up == pytest.approx(-down, abs=0.01)  # exact in the analogue prototype


def test_tilt_processor_neutral_and_sound():
    x = np.random.default_rng(3).uniform(-1, 1, (2, 4800)).astype(np.float32)
    np.testing.assert_array_equal(TiltEQ().process(x, SR), x)
    eq = TiltEQ(tilt_db=3.0, pivot_hz=1000.0)
    y = eq.process(sine(8000.0), SR)[:, SR // 2 :]
    assert level_db(y) == pytest.approx(float(eq.response_db([8000.0], SR)[0]), abs=0.01)
    np.testing.assert_array_equal(tilt(x, SR, tilt_db=0.0, pivot_hz=1000.0), x)


# --------------------------------------------------------------- the processors


@pytest.mark.parametrize("cls", [HighPass, LowPass])
def test_high_and_low_pass_processors(cls):
    proc = cls(freq_hz=500.0, slope_db_per_oct=24)  # numbers are accepted too
    assert proc.slope_db_per_oct == "24" and proc == cls(freq_hz=500.0, slope_db_per_oct="24")
    assert proc.sos(SR).shape == (2, 6)
    assert float(proc.response_db([500.0], SR)[0]) == pytest.approx(HALF_POWER_DB, abs=1e-9)
    f = 250.0 if cls is HighPass else 1000.0  # one octave into the stop band
    y = proc.process(sine(f), SR)[:, SR // 2 :]
    assert level_db(y) == pytest.approx(float(proc.response_db([f], SR)[0]), abs=0.02)
    with pytest.raises(ParameterError, match=rf"{cls.__name__}.*slope_db_per_oct"):
        cls(slope_db_per_oct="30")
    with pytest.raises(ParameterError, match=rf"{cls.__name__}: cutoff \(freq_hz\).*Nyquist"):
        cls(freq_hz=18000.0).process(np.zeros((1, 10)), 32000)


def test_band_pass_processor_and_plot():
    from studio.widgets.plots import ResponsePlot, plot_for

    bp = BandPass(freq_hz=1500.0, q=1.0)
    assert float(bp.response_db([1500.0], SR)[0]) == pytest.approx(0.0, abs=1e-9)
    for proc in (bp, HighPass(), LowPass(), Notch(), TiltEQ(tilt_db=2.0)):
        assert isinstance(plot_for(proc, SR), ResponsePlot)


# ---------------------------------------------------- the filtering loop itself


def random_stable_sos(rng, n_sections):
    kinds = ["peak", "low_shelf", "high_shelf", "high_pass", "low_pass", "notch", "band_pass"]
    return np.concatenate(
        [
            band_sos(
                rng.choice(kinds),
                rng.uniform(30, 15000),
                rng.uniform(-12, 12),
                rng.uniform(0.3, 8),
                SR,
            )
            for _ in range(n_sections)
        ]
    )


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_compiled_cascade_equals_scipy_and_reference(channels, rng):
    x = rng.uniform(-1, 1, (channels, 3000))
    sos = random_stable_sos(rng, 4)
    y = apply_sos(x, sos)
    np.testing.assert_allclose(y, sosfilt(sos, x, axis=-1), atol=1e-12, rtol=0)
    np.testing.assert_allclose(y, sos_filter_reference(x, sos[None], 10**9), atol=1e-12, rtol=0)


def test_time_varying_cascade_equals_reference(rng):
    x = rng.uniform(-1, 1, (3, 700))
    blocks = np.stack([random_stable_sos(rng, 2) for _ in range(700 // 32 + 1)])
    y = apply_sos_blocks(x, blocks, 32)
    np.testing.assert_allclose(y, sos_filter_reference(x, blocks, 32), atol=1e-12, rtol=0)


def test_apply_sos_keeps_float32_reads_readonly_views_and_normalises(rng):
    x = rng.uniform(-1, 1, (2, 4000)).astype(np.float32)
    x.setflags(write=False)
    sos = random_stable_sos(rng, 2)
    y = apply_sos(x[:, ::2], sos)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, sosfilt(sos, x[:, ::2].astype(float), axis=-1), atol=1e-6)
    scaled = sos * 2.0  # a0 = 2: divided out
    np.testing.assert_allclose(apply_sos(x, scaled), apply_sos(x, sos), atol=1e-7)
    one_d = apply_sos(x[0].astype(float), sos)
    assert one_d.shape == (4000,)


def test_band_coefficients_broadcast_like_scalars():
    freqs = np.array([100.0, 1000.0, 5000.0])
    many = band_coefficients("peak", freqs, -4.0, 1.4, SR)
    assert many.shape == (3, 6)
    for f, row in zip(freqs, many, strict=True):
        np.testing.assert_array_equal(row, band_sos("peak", f, -4.0, 1.4, SR)[0])
    with pytest.raises(ParameterError, match="Nyquist"):
        band_coefficients("peak", np.array([100.0, 25000.0]), 0.0, 1.0, SR)


# ------------------------------------------------------------ time-varying runs


def test_constant_envelope_is_the_fixed_filter(rng):
    x = rng.uniform(-1, 1, (2, 5000))
    fixed = high_pass(x, SR, freq_hz=200.0, slope_db_per_oct="24")
    same = high_pass(x, SR, freq_hz=Envelope([0.0, 1.0], [200.0, 200.0]), slope_db_per_oct="24")
    np.testing.assert_array_equal(fixed, same)
    np.testing.assert_allclose(
        fixed, sosfilt(butterworth_sos("high_pass", 200.0, "24", SR), x), atol=1e-12
    )


def test_sweep_uses_block_coefficients(rng):
    n = 2000
    x = rng.uniform(-1, 1, (2, n))
    freqs = np.geomspace(200.0, 8000.0, n)
    y = low_pass(x, SR, freq_hz=freqs, slope_db_per_oct="18")
    centres = np.minimum(np.arange(0, n, BLOCK_FRAMES) + BLOCK_FRAMES // 2, n - 1)
    blocks = butterworth_sos("low_pass", freqs[centres], "18", SR)
    assert blocks.shape == (len(centres), 2, 6)
    np.testing.assert_allclose(y, sos_filter_reference(x, blocks, BLOCK_FRAMES), atol=1e-12)


def test_a_lane_that_holds_still_designs_only_where_it_moves(rng):
    # the block sets chosen by index are exactly the blocks' own coefficients; a sweep
    # that holds for most of its length filters as one designed block by block
    sets = butterworth_sos("low_pass", np.array([300.0, 2000.0, 9000.0]), "24", SR)
    which = np.array([0, 0, 1, 1, 1, 2, 0, 2, 2, 1])
    x = rng.uniform(-1, 1, (2, 10 * 64 + 7)).astype(np.float32)
    np.testing.assert_array_equal(
        apply_sos_sets(x, sets, which, 64), apply_sos_blocks(x, sets[which], 64)
    )
    for bad in (np.array([0, 3]), np.array([], dtype=int), np.array([-1]), np.array([0.5])):
        with pytest.raises(ParameterError, match="set numbers"):
            apply_sos_sets(x, sets, bad, 64)
    with pytest.raises(ParameterError, match="at least one"):
        apply_sos_blocks(x, np.zeros((0, 2, 6)), 64)
    n = 48000
    held = Envelope(
        [0.0, 0.1, 0.2, 0.9, 1.0], [300.0, 8000.0, 8000.0, 8000.0, 500.0], shape="exponential"
    )
    assert held.value_at(0.5) == 8000.0 and held.value_at(0.15) == 8000.0  # flat: exact
    z = rng.uniform(-1, 1, (2, n))
    centres = np.minimum(np.arange(0, n, BLOCK_FRAMES) + BLOCK_FRAMES // 2, n - 1)
    blocks = butterworth_sos("low_pass", held.value_at(centres / SR), "12", SR)
    np.testing.assert_allclose(
        low_pass(z, SR, freq_hz=held), apply_sos_blocks(z, blocks, BLOCK_FRAMES), atol=1e-12
    )


def test_a_low_pass_sweep_closes_smoothly_on_a_tone():
    tone = sine(1000.0, 2.0, 0.5)
    sweep = np.geomspace(16000.0, 100.0, tone.shape[1])
    y = low_pass(tone, SR, freq_hz=sweep, slope_db_per_oct="24")
    assert level_db(y[:, 4800:9600]) == pytest.approx(level_db(tone), abs=0.05)  # open
    assert level_db(y[:, -4800:]) < -60  # closed: 1 kHz is 3 octaves above the cutoff
    assert np.max(np.abs(np.diff(y[0]))) < 0.2  # no clicks (a 1 kHz tone moves <= 0.066)


def test_other_filters_accept_moving_values(rng):
    x = rng.uniform(-1, 1, (1, 3000))
    ride = Envelope([0.0, 0.06], [500.0, 4000.0])
    for y in (
        notch(x, SR, freq_hz=ride, q=4.0),
        band_pass(x, SR, freq_hz=1000.0, q=Envelope([0.0, 0.06], [0.5, 8.0])),
        eq_band(x, SR, kind="peak", freq_hz=ride, gain_db=np.linspace(-12, 12, 3000), q=1.0),
        tilt(x, SR, tilt_db=Envelope([0.0, 0.06], [-6.0, 6.0]), pivot_hz=1000.0),
        high_pass(x, SR, freq_hz=ride, slope_db_per_oct="6"),
    ):
        assert y.shape == x.shape and np.all(np.isfinite(y))
    with pytest.raises(ParameterError, match="Nyquist"):
        notch(x, SR, freq_hz=np.full(3000, 30000.0), q=1.0)
