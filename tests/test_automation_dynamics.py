"""Automation of the compressor's RMS window, side-chain filter and lookahead, and of
the limiter's lookahead: arrays and envelopes, checked against direct definitions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal

from studio.dsp.control import Envelope
from studio.dsp.dynamics import (
    SIDECHAIN_HPF_BLOCK,
    compress,
    compressor_gain_db,
    level_db,
)
from studio.dsp.limiter import (
    HOLD_BLOCK,
    REACH,
    gain_envelope_db,
    gain_envelope_db_reference,
    limit,
)
from studio.errors import ParameterError

SR = 48000
COMP = {"threshold_db": -20.0, "ratio": 4.0, "knee_db": 0.0, "attack_ms": 1.0, "release_ms": 50.0}


def tone(freq_hz, seconds, amplitude=0.5, channels=1):
    t = np.arange(int(round(seconds * SR))) / SR
    return np.tile(amplitude * np.sin(2 * np.pi * freq_hz * t), (channels, 1))


# --- moving RMS window ------------------------------------------------------------------


def rms_reference_db(x, widths):
    """Mean square over the last ``widths[n]`` samples (zeros before the start), loudest
    channel, in dB: one frame at a time."""
    out = np.empty(x.shape[1])
    for n, w in enumerate(widths):
        seg = x[:, max(0, n - w + 1) : n + 1].astype(np.float64)
        ms = np.max(np.sum(seg * seg, axis=1)) / w
        out[n] = 10 * np.log10(ms) if ms > 0 else -200.0
    return np.maximum(out, -200.0)


def test_moving_rms_window_equals_the_direct_mean(rng):
    x = rng.standard_normal((2, 600)) * np.linspace(0.01, 1, 600)
    window_ms = rng.uniform(0.01, 4.0, 600)  # 0.5 .. 192 samples: 1 sample at the bottom
    widths = np.maximum(1, np.rint(window_ms * 1e-3 * SR)).astype(int)
    got = level_db(x, SR, detector="rms", rms_ms=window_ms)
    np.testing.assert_allclose(got, rms_reference_db(x, widths), atol=1e-9)


def test_moving_rms_of_a_steady_sine_reads_3_db_below_its_peak():
    # windows of 10 and 20 ms are whole periods of 100 Hz: mean square exactly A**2 / 2
    x = tone(100.0, 0.5)
    env = Envelope([0.0, 0.2, 0.2001, 0.5], [10.0, 10.0, 20.0, 20.0], shape="hold")
    level = level_db(x, SR, detector="rms", rms_ms=env)
    expected = 20 * np.log10(0.5 / np.sqrt(2))
    np.testing.assert_allclose(level[int(0.02 * SR) : int(0.2 * SR)], expected, atol=1e-9)
    np.testing.assert_allclose(level[int(0.25 * SR) :], expected, atol=1e-9)


def test_constant_rms_array_and_envelope_give_the_constant_result(rng):
    x = rng.standard_normal((2, 2000))
    const = level_db(x, SR, detector="rms", rms_ms=7.0)
    np.testing.assert_array_equal(level_db(x, SR, detector="rms", rms_ms=np.full(2000, 7.0)), const)
    np.testing.assert_array_equal(
        level_db(x, SR, detector="rms", rms_ms=Envelope([0.0], [7.0])), const
    )


def test_moving_rms_window_refuses_zero():
    with pytest.raises(ParameterError, match="rms_ms must be above 0"):
        level_db(np.zeros((1, 4)), SR, detector="rms", rms_ms=np.array([1.0, 1.0, 0.0, 1.0]))


# --- moving side-chain high-pass ----------------------------------------------------------


def butterworth_hp_gain(f, fc):
    """|H| of the bilinear (pre-warped) 2nd-order Butterworth high-pass (the cookbook HPF
    at Q = 1/sqrt(2))."""
    ratio = np.tan(np.pi * fc / SR) / np.tan(np.pi * f / SR)
    return 1.0 / np.sqrt(1.0 + ratio**4)


def test_constant_hpf_array_gives_the_constant_result(rng):
    x = rng.standard_normal((2, 3000))
    const = level_db(x, SR, sidechain_hpf_hz=250.0)
    np.testing.assert_array_equal(level_db(x, SR, sidechain_hpf_hz=np.full(3000, 250.0)), const)
    np.testing.assert_array_equal(level_db(x, SR, sidechain_hpf_hz=np.zeros(3000)), level_db(x, SR))


def test_hpf_switched_on_mid_signal_attenuates_as_the_butterworth_formula():
    x = tone(100.0, 0.6)
    n = x.shape[1]
    half = n // 2 // SIDECHAIN_HPF_BLOCK * SIDECHAIN_HPF_BLOCK  # switch on a block edge
    fc = 1000.0
    hpf = np.where(np.arange(n) < half, 0.0, fc)  # 0 = off for the first half
    level = level_db(x, SR, detector="rms", rms_ms=10.0, sidechain_hpf_hz=hpf)
    unfiltered = 20 * np.log10(0.5 / np.sqrt(2))
    np.testing.assert_allclose(level[int(0.02 * SR) : half], unfiltered, atol=1e-9)
    expected = unfiltered + 20 * np.log10(butterworth_hp_gain(100.0, fc))  # about -40 dB
    settled = level[half + int(0.1 * SR) :]
    np.testing.assert_allclose(settled, expected, atol=0.01)


def test_hpf_sweep_is_finite_and_follows_the_cutoff():
    x = tone(200.0, 1.0)
    sweep = Envelope([0.0, 1.0], [20.0, 4000.0])  # 200 Hz is passed early, cut late
    level = level_db(x, SR, detector="rms", rms_ms=10.0, sidechain_hpf_hz=sweep)
    assert np.all(np.isfinite(level))
    fc = sweep.render(x.shape[1], SR)
    width = int(0.01 * SR)
    for when in (0.05, 0.1, 0.5, 0.95):
        # a slow sweep: the mean power over the RMS window, each frame's tone power
        # through the fixed filter at that frame's cut-off
        k = int(when * SR)
        power = np.mean(butterworth_hp_gain(200.0, fc[k - width + 1 : k + 1]) ** 2)
        assert level[k] == pytest.approx(10 * np.log10(0.125 * power), abs=0.1)
    y, gr = compress(x, SR, sidechain_hpf_hz=sweep, **COMP)
    assert np.all(np.isfinite(y)) and np.all(gr <= 0.0)


def test_moving_hpf_refuses_frequencies_at_nyquist_or_negative():
    with pytest.raises(ParameterError, match="below the Nyquist"):
        level_db(np.zeros((1, 3)), SR, sidechain_hpf_hz=np.array([100.0, 24000.0, 100.0]))
    with pytest.raises(ParameterError, match="0 \\(off\\)"):
        level_db(np.zeros((1, 3)), SR, sidechain_hpf_hz=np.array([100.0, -1.0, 100.0]))


# --- moving compressor lookahead -------------------------------------------------------


def test_moving_lookahead_reads_the_detector_ahead_by_the_lookahead_of_each_frame(rng):
    # fixed settings: frame n gets exactly the gain a fixed lookahead of L(n) gives at n
    x = rng.standard_normal((2, 4800)) * np.repeat(rng.uniform(0.01, 1, 20), 240)
    n = x.shape[1]
    frames = (np.arange(n) * 48 // n).astype(int)  # 0 .. 47 frames, rising
    frames[2000:2100] = 5  # and a sudden drop
    moving = compressor_gain_db(x, SR, lookahead_ms=frames * 1e3 / SR, **COMP)
    for look in np.unique(frames):
        fixed = compressor_gain_db(x, SR, lookahead_ms=look * 1e3 / SR, **COMP)
        where = frames == look
        np.testing.assert_array_equal(moving[where], fixed[where])


def test_moving_lookahead_output_is_aligned_and_gains_by_the_trace(rng):
    x = (rng.standard_normal((2, 9600)) * 0.5).astype(np.float32)
    look = Envelope([0.0, 0.2], [0.0, 5.0])
    y, gr = compress(x, SR, lookahead_ms=look, **COMP)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, x * 10 ** (gr / 20), rtol=2e-6, atol=1e-7)


def test_constant_lookahead_array_is_the_constant(rng):
    x = rng.standard_normal((1, 3000))
    const = compress(x, SR, lookahead_ms=2.5, **COMP)
    for same in (np.full(3000, 2.5), Envelope([0.0, 1.0], [2.5, 2.5])):
        out = compress(x, SR, lookahead_ms=same, **COMP)
        np.testing.assert_array_equal(out[0], const[0])
        np.testing.assert_array_equal(out[1], const[1])


def test_moving_lookahead_settings_follow_their_own_frames(rng):
    # a threshold that moves with a lookahead that moves: equal to the fixed-lookahead
    # result wherever the lookahead is steady and the settings have been steady a while
    x = rng.standard_normal((1, 9600)) * 0.5
    thr = np.where(np.arange(9600) < 4800, -30.0, -10.0)
    look = np.where(np.arange(9600) < 2400, 1.0, 3.0)
    kw = {**COMP, "threshold_db": thr}
    moving = compressor_gain_db(x, SR, lookahead_ms=look, **kw)
    fixed = compressor_gain_db(x, SR, lookahead_ms=3.0, **kw)
    np.testing.assert_array_equal(moving[2400:], fixed[2400:])


def test_moving_lookahead_refuses_negative_values():
    with pytest.raises(ParameterError, match="lookahead_ms must be 0 ms or more"):
        compress(np.zeros((1, 3)), SR, lookahead_ms=np.array([0.0, -1.0, 0.0]), **COMP)


# --- moving limiter lookahead ------------------------------------------------------------


def meter_dbtp(y, up=8):
    """An independent true-peak meter: scipy's polyphase resampler, 8 times."""
    over = signal.resample_poly(np.asarray(y, dtype=np.float64), up, 1, axis=-1)
    return 20 * np.log10(max(np.max(np.abs(over)), np.max(np.abs(y))))


@pytest.mark.parametrize("kind", ["random", "steps", "ramp"])
def test_moving_gain_envelope_equals_its_definition_and_respects_the_requirement(kind, rng):
    n = 1500
    required = np.where(rng.random(n) < 0.05, -rng.uniform(0, 12, n), 0.0)
    look = {
        "random": rng.integers(1, 60, n),
        "steps": np.repeat([5, 200, 3, 100, 1], n // 5),
        "ramp": np.linspace(240, 1, n).astype(int),
    }[kind]
    coef = np.linspace(0.9, 0.9999, n) if kind == "ramp" else 0.999
    fast = gain_envelope_db(required, lookahead=look, release_coef=coef)
    slow = gain_envelope_db_reference(required, lookahead=look, release_coef=coef)
    np.testing.assert_allclose(fast, slow, atol=1e-9)
    reach = REACH + 1
    for t in np.flatnonzero(required):
        assert np.all(fast[max(0, t - reach) : t + reach + 1] <= required[t] + 1e-9)


def test_limiter_moving_lookahead_ramps_as_long_as_the_lookahead_there():
    n = SR // 2
    x = np.zeros((1, n))
    x[0, 6000] = x[0, 18000] = 1.0  # two clicks, 12 dB over a -12 dBTP ceiling... or more
    look_ms = np.where(np.arange(n) < 12000, 1.0, 8.0)
    _, gr = limit(x, SR, ceiling_dbtp=-12.0, lookahead_ms=look_ms, release_ms=5.0)
    for k, ms in ((6000, 1.0), (18000, 8.0)):
        look = int(ms * SR / 1000)
        first = np.flatnonzero(gr[k - 2000 : k] < 0.0)[0] + k - 2000
        assert look <= k - first <= look + 2 * (REACH + 1 + HOLD_BLOCK)


def test_constant_limiter_lookahead_array_is_the_constant(rng):
    x = rng.uniform(-1, 1, (2, 4000))
    const = limit(x, SR, gain_db=6.0, lookahead_ms=5.0)
    # 5.0 and 5.001 ms round to the same 240 frames: the fixed path, bit for bit
    for same in (np.full(4000, 5.0), np.where(np.arange(4000) < 2000, 5.0, 5.001)):
        out = limit(x, SR, gain_db=6.0, lookahead_ms=same)
        np.testing.assert_array_equal(out[0], const[0])
        np.testing.assert_array_equal(out[1], const[1])


@given(
    seed=st.integers(0, 10_000),
    drive=st.floats(0, 24),
    ceiling=st.floats(-12, 0),
    release=st.floats(1, 500),
    kind=st.sampled_from(["noise", "clipped", "bursts", "tone"]),
    look=st.sampled_from(["ramp", "steps", "random"]),
)
def test_moving_lookahead_never_exceeds_the_ceiling(seed, drive, ceiling, release, kind, look):
    rng = np.random.default_rng(seed)
    n = 3000
    if kind == "noise":
        x = rng.uniform(-1, 1, (2, n)) * rng.uniform(0.01, 1)
    elif kind == "clipped":
        x = np.clip(rng.standard_normal((2, n)) * rng.uniform(0.5, 4), -1, 1)
    elif kind == "bursts":
        x = rng.standard_normal((1, n)) * np.repeat(rng.uniform(0, 1, 10), n // 10) * 0.5
    else:
        t = np.arange(n) / SR
        x = np.sin(2 * np.pi * rng.uniform(20, 23900) * t + rng.uniform(0, 6))[None]
    lookahead = {
        "ramp": Envelope([0.0, n / SR], [rng.uniform(0, 10), rng.uniform(0, 10)]),
        "steps": np.repeat(rng.uniform(0, 10, 6), n // 6),
        "random": rng.uniform(0, 10, n),
    }[look]
    y, gr = limit(
        x, SR, ceiling_dbtp=ceiling, release_ms=release, lookahead_ms=lookahead, gain_db=drive
    )
    assert meter_dbtp(y) <= ceiling  # guaranteed: no tolerance
    assert np.all(np.isfinite(y)) and np.all(gr <= 0.0)


def test_limiter_refuses_a_negative_moving_lookahead():
    with pytest.raises(ParameterError, match="lookahead_ms must be 0 ms or more"):
        limit(np.zeros((1, 3)), SR, lookahead_ms=np.array([1.0, -1.0, 1.0]))


def test_multiband_crossovers_can_move():
    from studio.dsp.control import Envelope
    from studio.dsp.multiband import compress_multiband

    rng = np.random.default_rng(9)
    x = rng.uniform(-0.5, 0.5, (2, 48000))
    neutral = {
        "threshold_db": 0.0,
        "ratio": 1.0,
        "attack_ms": 5.0,
        "release_ms": 50.0,
        "makeup_db": 0.0,
    }
    sweep = Envelope([0.0, 1.0], [150.0, 600.0])
    out, gr = compress_multiband(
        x, 48000, crossovers_hz=[sweep, 3000.0], bands=[neutral] * 3, knee_db=0.0
    )
    assert out.shape == x.shape and np.all(np.isfinite(out)) and gr.shape == (3, 48000)
    # neutral bands keep the level: the sum is an allpass of the input (energy kept)
    assert np.sum(out**2) == pytest.approx(np.sum(x**2), rel=0.02)
    fixed, _ = compress_multiband(
        x, 48000, crossovers_hz=[np.full(48000, 200.0), 3000.0], bands=[neutral] * 3
    )
    ref, _ = compress_multiband(x, 48000, crossovers_hz=[200.0, 3000.0], bands=[neutral] * 3)
    np.testing.assert_array_equal(fixed, ref)
