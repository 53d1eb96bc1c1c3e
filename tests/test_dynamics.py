"""The compressor against its equations: static curve, time constants, invariants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.dsp.dynamics import (
    AUTO_MAKEUP_REFERENCE_DB,
    CHUNK_FRAMES,
    auto_makeup_db,
    compress,
    compressor_gain_db,
    compressor_gain_db_reference,
    detector_level_db,
    level_db,
    smooth_gain_db,
    smooth_gain_db_reference,
    static_curve_db,
    static_gain_db,
    time_constant_coef,
)
from studio.errors import AudioDataError, ParameterError
from studio.processors.dynamics import Compressor

SR = 48000


def test_hard_knee_static_curve():
    x = np.array([-40.0, -20.0, -10.0, 0.0])
    y = static_curve_db(x, threshold_db=-20.0, ratio=4.0, knee_db=0.0)
    np.testing.assert_allclose(y, [-40.0, -20.0, -17.5, -15.0])


def test_soft_knee_is_continuous_and_meets_both_lines():
    t, r, w = -20.0, 4.0, 10.0
    x = np.linspace(-40, 0, 4001)
    y = static_curve_db(x, threshold_db=t, ratio=r, knee_db=w)
    below, above = x < t - w / 2, x > t + w / 2
    np.testing.assert_allclose(y[below], x[below])
    np.testing.assert_allclose(y[above], t + (x[above] - t) / r)
    # At the threshold the soft knee sits W/8 * (1 - 1/R) below the input.
    mid = static_curve_db(t, threshold_db=t, ratio=r, knee_db=w)
    assert float(mid) == pytest.approx(t - (w / 8) * (1 - 1 / r))
    assert np.max(np.abs(np.diff(y))) < 0.011  # no jumps
    slopes = np.diff(y) / np.diff(x)
    assert np.all(slopes <= 1 + 1e-9) and np.all(slopes >= 1 / r - 1e-9)


def test_compiled_smoother_equals_reference(rng):
    target = np.minimum(0.0, rng.standard_normal(20000) * 8)
    a, r = time_constant_coef(5.0, SR), time_constant_coef(80.0, SR)
    np.testing.assert_array_equal(
        smooth_gain_db(target, a, r), smooth_gain_db_reference(target, a, r)
    )


def test_attack_and_release_time_constants():
    attack_ms, release_ms = 10.0, 100.0
    a, r = time_constant_coef(attack_ms, SR), time_constant_coef(release_ms, SR)
    n_a, n_r = int(attack_ms * SR / 1000), int(release_ms * SR / 1000)
    target = np.concatenate([np.full(SR, -12.0), np.zeros(SR)])
    g = smooth_gain_db(target, a, r)
    assert g[n_a - 1] == pytest.approx(-12.0 * (1 - np.exp(-1)), rel=1e-3)
    assert g[SR + n_r - 1] == pytest.approx(g[SR - 1] * np.exp(-1), rel=1e-3)


def test_steady_level_lands_on_the_static_curve():
    # A constant 0.5 (-6.02 dBFS) held long enough settles exactly on the curve.
    x = np.full((2, SR), 0.5)
    comp = Compressor(
        threshold_db=-20.0, ratio=4.0, knee_db=0.0, attack_ms=1.0, release_ms=50.0, makeup_db=3.0
    )
    y = comp.process(x, SR)
    level_in = 20 * np.log10(0.5)
    expected = float(comp.transfer_curve([level_in])[0])
    assert 20 * np.log10(y[0, -1]) == pytest.approx(expected, abs=1e-6)
    gr = comp.gain_reduction_db(x, SR)
    assert gr[-1] == pytest.approx(expected - 3.0 - level_in, abs=1e-6)


def test_neutral_compressor_is_identity(rng):
    x = rng.uniform(-1, 1, (2, 9600)).astype(np.float32)
    y = Compressor.neutral().process(x, SR)
    np.testing.assert_array_equal(x, y)
    assert y.dtype == np.float32


def test_input_untouched_and_audio_call(rng):
    x = rng.uniform(-1, 1, (2, 4800))
    before = x.copy()
    out = Compressor(threshold_db=-30.0)(Audio(x, SR, "drums"))
    np.testing.assert_array_equal(x, before)
    assert out.name == "drums" and out.samples.shape == x.shape


def test_trace_and_output_agree(rng):
    x = rng.uniform(-1, 1, (1, 4800))
    y, gr = compress(
        x,
        SR,
        threshold_db=-12.0,
        ratio=3.0,
        knee_db=6.0,
        attack_ms=2.0,
        release_ms=40.0,
        makeup_db=0.0,
    )
    np.testing.assert_allclose(y, x * 10 ** (gr / 20))


@given(
    threshold=st.floats(-60, 0),
    ratio=st.floats(1, 20),
    knee=st.floats(0, 24),
    attack=st.floats(0.1, 200),
    release=st.floats(5, 2000),
    seed=st.integers(0, 2**16),
)
def test_never_louder_without_makeup_and_finite(threshold, ratio, knee, attack, release, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, (2, 2400))
    comp = Compressor(
        threshold_db=threshold, ratio=ratio, knee_db=knee, attack_ms=attack, release_ms=release
    )
    y = comp.process(x, SR)
    assert np.all(np.isfinite(y))
    assert np.all(np.abs(y) <= np.abs(x) + 1e-12)


@given(ratio=st.floats(1.0, 19.0), seed=st.integers(0, 1000))
def test_higher_ratio_reduces_more(ratio, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, (1, 2400))
    lo = Compressor(threshold_db=-30, ratio=ratio).gain_reduction_db(x, SR)
    hi = Compressor(threshold_db=-30, ratio=ratio + 1).gain_reduction_db(x, SR)
    assert np.all(hi <= lo + 1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ratio": 0.5}, r"Compressor: ratio must be between 1 and 20 :1; got 0.5"),
        ({"threshold_db": float("nan")}, r"threshold \(threshold_db\) must be a finite number"),
        ({"attack_ms": 0.0}, r"attack \(attack_ms\) must be between 0.1 and 200 ms; got 0"),
        ({"release_ms": "fast"}, r"release \(release_ms\) must be a number"),
        ({"knee_db": -1.0}, r"knee \(knee_db\) must be between 0 and 24 dB"),
    ],
)
def test_impossible_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        Compressor(**kwargs)


# --- the fused kernel against its definition ------------------------------------------


@pytest.mark.parametrize("knee_db", [6.0, 0.0, 24.0])
def test_fast_path_equals_the_pure_python_definition(rng, knee_db):
    # longer than one chunk, so the smoother's state is carried across chunks; quiet
    # frames (below the knee, where the fast path skips the logarithm) and loud ones
    n = CHUNK_FRAMES + 5000
    x = (rng.standard_normal((2, n)) * np.linspace(0.01, 0.5, n)).astype(np.float32)
    kw = {"threshold_db": -24.0, "ratio": 4.0, "knee_db": knee_db}
    a, r = time_constant_coef(3.0, SR), time_constant_coef(80.0, SR)
    _, trace = compress(x, SR, attack_ms=3.0, release_ms=80.0, **kw)
    expected = compressor_gain_db_reference(detector_level_db(x), attack=a, release=r, **kw)
    # the compiled smoother fuses each multiply-add (one rounding where Python has two)
    np.testing.assert_allclose(trace, expected, rtol=0, atol=1e-11)


def test_compiled_detector_logarithm_is_exact_to_a_billionth_of_a_db(rng):
    # every octave from the floor up past full scale, zero and subnormals included
    mags = np.exp2(rng.uniform(-140.0, 4.0, 200_000))
    x = (mags * rng.choice([-1.0, 1.0], mags.size)).astype(np.float32)
    x[:4] = [0.0, -0.0, 1e-42, np.float32(2.0**-126)]
    x[4:8] = [1.0, -1.0, np.sqrt(2.0), np.sqrt(0.5)]
    level = detector_level_db(x[None, :])
    with np.errstate(divide="ignore"):
        exact = np.maximum(20.0 * np.log10(np.abs(x.astype(np.float64))), -200.0)
    np.testing.assert_allclose(level, exact, rtol=0, atol=1e-9)
    assert level[0] == level[1] == level[2] == -200.0
    # stereo: the louder side, whichever it is
    y = rng.uniform(-1, 1, (2, 5000)).astype(np.float32)
    np.testing.assert_allclose(
        detector_level_db(y), 20 * np.log10(np.abs(y.astype(np.float64)).max(axis=0)), atol=1e-9
    )


@pytest.mark.parametrize("mix_pct", [100.0, 35.0])
def test_compiled_gain_is_the_exact_gain_to_float32_rounding(rng, mix_pct):
    # the float32 fast path's exponential against float64, from -3 to -77 dB of reduction
    n = CHUNK_FRAMES + 777
    x = rng.uniform(-1, 1, (2, n)).astype(np.float32) * np.float32(10.0)  # up to +20 dBFS
    kw = {"threshold_db": -60.0, "ratio": 30.0, "knee_db": 0.0, "attack_ms": 0.5}
    y, trace = compress(x, SR, release_ms=40.0, makeup_db=7.5, mix_pct=mix_pct, **kw)
    gain = 10 ** ((trace + 7.5) / 20)
    gain = 1 + mix_pct / 100 * (gain - 1)
    exact = x.astype(np.float64) * gain
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, exact, rtol=2.5e-7, atol=1e-30)
    # float64 audio takes numpy's exponential: the plain formula
    y64, trace64 = compress(x.astype(np.float64), SR, release_ms=40.0, mix_pct=mix_pct, **kw)
    np.testing.assert_allclose(
        y64, x * (1 + mix_pct / 100 * (10 ** (trace64 / 20) - 1)), rtol=1e-12
    )


_EQ_BANDS = [
    ("low_shelf", 60.0, 3.0, 0.7),
    ("peak", 380.0, -4.0, 1.5),
    ("high_shelf", 5000.0, 2.0, 0.7),
    ("peak", 2000.0, 5.0, 2.0),
    ("high_pass", 40.0, 0.0, 0.7),
    ("peak", 900.0, -3.0, 1.0),
    ("low_shelf", 200.0, -2.0, 0.7),
]


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("frames", [1, 4095, 4097, 3 * 4096 + 5])
def test_eq_in_the_compressors_pass_gives_the_numbers_of_the_two_in_turn(rng, channels, frames):
    from studio.dsp.biquad import apply_sos, band_sos
    from studio.dsp.dynamics import compress_filtered

    sos = np.vstack([band_sos(*b, SR) for b in _EQ_BANDS])
    x = (rng.standard_normal((channels, frames)) * np.linspace(0.01, 0.8, frames)).astype(
        np.float32
    )
    base = {"threshold_db": -20.0, "ratio": 4.0, "knee_db": 0.0, "attack_ms": 5.0}
    for sections in range(1, len(_EQ_BANDS) + 1):
        for extra in ({}, {"mix_pct": 40.0, "knee_db": 6.0, "makeup_db": 2.0}):
            kw = {**base, "release_ms": 80.0, **extra}
            fused = compress_filtered(x, SR, sos[:sections], **kw)
            apart = compress(apply_sos(x, sos[:sections]), SR, keep_trace=False, **kw)[0]
            np.testing.assert_array_equal(fused, apart)
            assert fused.dtype == np.float32


def test_eq_in_the_compressors_pass_falls_back_where_it_cannot_run(rng):
    from studio.dsp.biquad import apply_sos, band_sos
    from studio.dsp.dynamics import compress_filtered

    sos = band_sos("peak", 1000.0, 6.0, 1.0, SR)
    kw = {"threshold_db": -20.0, "ratio": 4.0, "knee_db": 0.0, "attack_ms": 5.0}
    x = rng.uniform(-1, 1, (3, 3000)).astype(np.float32)  # three channels
    for samples, extra in (
        (x, {}),
        (x[:2].astype(np.float64), {}),  # float64 audio
        (x[:2], {"lookahead_ms": 2.0}),
        (x[:1], {"release_ms": Envelope([0.0, 0.05], [50.0, 200.0])}),
    ):
        kw2 = {"release_ms": 80.0, **kw, **extra}
        np.testing.assert_array_equal(
            compress_filtered(samples, SR, sos, **kw2),
            compress(apply_sos(samples, sos), SR, keep_trace=False, **kw2)[0],
        )


def test_compressor_numbers_do_not_depend_on_which_kernel_was_compiled_first(tmp_path):
    # numba compiles a kernel called by another with the caller's options and keeps one
    # copy: with the compressor's kernels compiled in either order (a fresh cache each
    # time), the trace and the sound are the same
    import subprocess
    import sys

    script = """
import sys
import numpy as np
from studio.dsp.biquad import band_sos
from studio.dsp.dynamics import compress, compress_filtered
x = np.random.default_rng(3).standard_normal((2, 9000)).astype(np.float32) * 0.3
kw = dict(threshold_db=-20.0, ratio=4.0, knee_db=6.0, attack_ms=3.0, release_ms=60.0)
sos = band_sos("peak", 1000.0, 6.0, 1.0, 48000)
if sys.argv[1] == "fused-first":
    compress_filtered(x, 48000, sos, **kw)
y, trace = compress(x, 48000, **kw)
np.save(sys.argv[2], np.concatenate([y.ravel().astype(np.float64), trace]))
"""
    runs = []
    for order in ("fused-first", "plain-first"):
        cache = tmp_path / order
        out = tmp_path / f"{order}.npy"
        env = {**__import__("os").environ, "NUMBA_CACHE_DIR": str(cache)}
        subprocess.run([sys.executable, "-c", script, order, str(out)], env=env, check=True)
        runs.append(np.load(out))
    np.testing.assert_array_equal(runs[0], runs[1])


def test_automation_path_equals_the_definition_and_the_scalar_path(rng):
    n = 6000
    x = rng.uniform(-1, 1, (2, n)) * np.linspace(0.05, 1.0, n)
    thr = Envelope([0.0, n / SR], [-30.0, -10.0])
    ratio = np.linspace(1.0, 8.0, n)
    knee = np.full(n, 4.0)
    knee[::2] = 0.0
    attack, release = np.linspace(1.0, 20.0, n), np.linspace(20.0, 300.0, n)
    trace = compressor_gain_db(
        x, SR, threshold_db=thr, ratio=ratio, knee_db=knee, attack_ms=attack, release_ms=release
    )
    expected = compressor_gain_db_reference(
        detector_level_db(x),
        threshold_db=thr.render(n, SR),
        ratio=ratio,
        knee_db=knee,
        attack=time_constant_coef(attack, SR),
        release=time_constant_coef(release, SR),
    )
    np.testing.assert_array_equal(trace, expected)
    # a per-frame array of one value is the plain number
    const = compress(
        x,
        SR,
        threshold_db=np.full(n, -20.0),
        ratio=3.0,
        knee_db=6.0,
        attack_ms=5.0,
        release_ms=50.0,
    )
    plain = compress(
        x, SR, threshold_db=-20.0, ratio=3.0, knee_db=6.0, attack_ms=5.0, release_ms=50.0
    )
    np.testing.assert_allclose(const[1], plain[1], rtol=0, atol=1e-11)  # (fused multiply-adds)


def test_threshold_automation_follows_the_static_curve_in_each_part():
    x = np.full((1, 2 * SR), 0.5)  # -6.02 dBFS, steady
    thr = Envelope([0.0, 1.0, 1.0], [-30.0, -30.0, -12.0], shape="hold")
    trace = compressor_gain_db(
        x, SR, threshold_db=thr, ratio=4.0, knee_db=0.0, attack_ms=1.0, release_ms=20.0
    )
    level = 20 * np.log10(0.5)
    for t, end in ((-30.0, SR - 1), (-12.0, 2 * SR - 1)):
        expected = float(static_gain_db(level, threshold_db=t, ratio=4.0, knee_db=0.0))
        assert trace[end] == pytest.approx(expected, abs=1e-6)


def test_rms_detector_reads_a_sine_3db_below_its_peak_and_a_square_at_its_level():
    t = np.arange(SR) / SR
    sine = 0.5 * np.sin(2 * np.pi * 1000 * t)[None]
    level = level_db(sine, SR, detector="rms", rms_ms=10.0)  # 10 whole periods
    assert level[-1] == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=1e-6)
    square = 0.25 * np.sign(np.sin(2 * np.pi * 100 * t + 0.1))[None]
    assert level_db(square, SR, detector="rms", rms_ms=5.0)[-1] == pytest.approx(
        20 * np.log10(0.25), abs=1e-9
    )
    # the loudest channel counts
    both = np.vstack([sine, 0.5 * sine])
    assert level_db(both, SR, detector="rms")[-1] == pytest.approx(level[-1], abs=1e-9)


def test_rms_compressor_settles_on_the_static_curve_of_the_rms_level():
    t = np.arange(SR) / SR
    x = 0.5 * np.sin(2 * np.pi * 500 * t)[None]
    comp = Compressor(
        threshold_db=-30.0,
        ratio=3.0,
        knee_db=0.0,
        attack_ms=5.0,
        release_ms=50.0,
        detector="rms",
        rms_ms=20.0,
    )
    gr = comp.gain_reduction_db(x, SR)
    rms_db = 20 * np.log10(0.5 / np.sqrt(2))
    assert gr[-1] == pytest.approx((rms_db + 30.0) * (1 / 3 - 1), abs=1e-6)


def test_lookahead_moves_the_gain_earlier_by_exactly_the_lookahead(rng):
    x = np.zeros((1, SR // 2))
    x[0, 10000:12000] = 0.9  # a loud hit after silence
    kw = {"threshold_db": -20.0, "ratio": 8.0, "knee_db": 0.0, "attack_ms": 1.0, "release_ms": 50.0}
    plain = compressor_gain_db(x, SR, **kw)
    ahead = compressor_gain_db(x, SR, lookahead_ms=2.5, **kw)  # 120 frames
    np.testing.assert_array_equal(ahead[: len(plain) - 120], plain[120:])
    assert plain[9999] == 0.0 and plain[10000] < 0.0  # reacts at the hit
    assert ahead[9879] == 0.0 and ahead[9880] < 0.0  # 120 frames (2.5 ms) earlier
    # the output stays aligned with the input: gain applied at the same frame
    y, trace = compress(x, SR, lookahead_ms=2.5, **kw)
    np.testing.assert_allclose(y, x * 10 ** (trace / 20), rtol=1e-12)


def test_sidechain_high_pass_attenuates_the_detector_like_a_12db_butterworth():
    t = np.arange(SR) / SR
    x = 0.5 * np.sin(2 * np.pi * 50 * t)[None]
    fc = 150.0
    ratio = (50 / fc) ** 2
    expected = 20 * np.log10(0.5 * ratio / np.sqrt(1 + ratio**2))  # |H| of a 2nd-order HP
    level = level_db(x, SR, sidechain_hpf_hz=fc)
    assert level[SR // 2 :].max() == pytest.approx(expected, abs=0.05)
    # so the bass no longer drives the compressor
    comp = Compressor(threshold_db=-20.0, ratio=4.0, knee_db=0.0)
    assert comp.gain_reduction_db(x, SR)[-1] < -5.0
    assert comp.replace(sidechain_hpf_hz=fc).gain_reduction_db(x, SR)[SR // 2 :].min() == 0.0


def test_external_key_drives_the_gain():
    t = np.arange(SR) / SR
    bass = 0.1 * np.sin(2 * np.pi * 80 * t)[None]
    kick = np.where(t > 0.5, 0.9, 0.0)[None]
    comp = Compressor(threshold_db=-20.0, ratio=10.0, knee_db=0.0, attack_ms=1.0)
    out, gr = comp.process_with_trace(bass, SR, key=kick)
    assert np.all(gr[: SR // 2] == 0.0) and gr[-1] < -10.0  # ducks only when the key hits
    np.testing.assert_array_equal(out[:, : SR // 2], bass[:, : SR // 2])
    same = comp.process(bass, SR, key=Audio(kick, SR))
    np.testing.assert_array_equal(same, out)
    with pytest.raises(AudioDataError, match="key has 100 frames but the audio 48000"):
        comp.process(bass, SR, key=kick[:, :100])
    with pytest.raises(AudioDataError, match="key is at 44100 Hz"):
        comp.process(bass, SR, key=Audio(kick, 44100))


def test_auto_makeup_restores_the_reference_level():
    thr, ratio = -30.0, 4.0
    assert auto_makeup_db(threshold_db=thr, ratio=ratio, knee_db=0.0) == pytest.approx(
        (1 - 1 / ratio) * (AUTO_MAKEUP_REFERENCE_DB - thr)
    )
    comp = Compressor(threshold_db=thr, ratio=ratio, knee_db=6.0, auto_makeup=True)
    ref = AUTO_MAKEUP_REFERENCE_DB
    assert float(comp.transfer_curve([ref])[0]) == pytest.approx(ref, abs=1e-12)
    assert auto_makeup_db(threshold_db=-10.0, ratio=4.0, knee_db=6.0) == 0.0
    # manual make-up adds on top
    more = comp.replace(makeup_db=2.0)
    assert float(more.transfer_curve([ref])[0]) == pytest.approx(ref + 2.0)


def test_auto_makeup_applies_to_the_audio():
    x = np.full((1, SR), 10 ** (AUTO_MAKEUP_REFERENCE_DB / 20))
    comp = Compressor(threshold_db=-40.0, ratio=3.0, knee_db=0.0, attack_ms=1.0, auto_makeup=True)
    y = comp.process(x, SR)
    assert 20 * np.log10(y[0, -1]) == pytest.approx(AUTO_MAKEUP_REFERENCE_DB, abs=1e-6)


@given(mix=st.floats(0, 100), seed=st.integers(0, 1000))
def test_parallel_mix_blends_dry_and_compressed(mix, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, (2, 2400))
    comp = Compressor(threshold_db=-30.0, ratio=6.0, makeup_db=3.0, mix_pct=mix)
    y, gr = comp.process_with_trace(x, SR)
    wet = x * 10 ** ((gr + 3.0) / 20)
    m = mix / 100
    np.testing.assert_allclose(y, (1 - m) * x + m * wet, rtol=1e-9, atol=1e-12)


def test_mix_extremes_and_neutral_settings_are_exact(rng):
    x = rng.uniform(-1, 1, (2, 4800)).astype(np.float32)
    dry = Compressor(threshold_db=-40.0, ratio=10.0, mix_pct=0.0).process(x, SR)
    np.testing.assert_array_equal(dry, x)
    for extra in (
        {"mix_pct": 37.0},
        {"lookahead_ms": 3.0},
        {"sidechain_hpf_hz": 100.0},
        {"detector": "rms"},
        {"auto_makeup": True},
    ):
        y = Compressor(ratio=1.0, **extra).process(x, SR)
        np.testing.assert_array_equal(y, x)
        assert y.dtype == np.float32


def test_notebook_panel_parameters_and_defaults_are_kept():
    # notebooks/00_start_here.ipynb builds its panel from these names and defaults
    comp = Compressor()
    assert (
        comp.threshold_db,
        comp.ratio,
        comp.knee_db,
        comp.attack_ms,
        comp.release_ms,
        comp.makeup_db,
    ) == (-18.0, 4.0, 6.0, 10.0, 120.0, 0.0)
    assert (
        comp.auto_makeup,
        comp.detector,
        comp.lookahead_ms,
        comp.sidechain_hpf_hz,
        comp.mix_pct,
    ) == (False, "peak", 0.0, 0.0, 100.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"ratio": 0.5}, ParameterError, r"ratio \(x:1\) must be at least 1"),
        ({"attack_ms": 0.0}, ParameterError, "attack_ms must be above 0"),
        ({"release_ms": np.zeros(10)}, ParameterError, "release_ms must be above 0"),
        ({"mix_pct": 150.0}, ParameterError, "mix_pct must be at most 100"),
        ({"detector": "loud"}, ParameterError, "detector must be one of"),
        ({"lookahead_ms": -np.ones(10)}, ParameterError, "lookahead_ms must be 0 ms or more"),
        ({"sidechain_hpf_hz": 30000.0}, ParameterError, "below the Nyquist"),
        ({"rms_ms": 0.0, "detector": "rms"}, ParameterError, "rms_ms must be above 0"),
        ({"threshold_db": np.ones(3)}, ParameterError, "one value per frame"),
    ],
)
def test_dsp_refuses_impossible_values(kwargs, error, match):
    x = np.zeros((1, 10))
    base = {
        "threshold_db": -20.0,
        "ratio": 2.0,
        "knee_db": 0.0,
        "attack_ms": 1.0,
        "release_ms": 10.0,
    }
    with pytest.raises(error, match=match):
        compress(x, SR, **{**base, **kwargs})


def test_processor_refuses_sidechain_filter_above_nyquist():
    comp = Compressor(sidechain_hpf_hz=400.0)
    with pytest.raises(
        ParameterError, match=r"side-chain high-pass \(sidechain_hpf_hz\) of 400 Hz must be"
    ):
        comp.process(np.zeros((1, 100)), 600)
    with pytest.raises(ParameterError, match="detector"):
        Compressor(detector="loud")


def test_per_frame_smoother_equals_the_reference(rng):
    target = np.minimum(0.0, rng.standard_normal(5000) * 8)
    a = time_constant_coef(np.linspace(0.5, 20, 5000), SR)
    r = time_constant_coef(np.linspace(300, 20, 5000), SR)
    np.testing.assert_array_equal(
        smooth_gain_db(target, a, r, state=-3.0),
        smooth_gain_db_reference(target, a, r, state=-3.0),
    )


def test_detector_floor_matches_the_kernel_constant():
    from studio.dsp import _kernels, dynamics

    assert _kernels.DETECTOR_FLOOR_DB == dynamics.DETECTOR_FLOOR_DB
    assert _kernels.LN10_OVER_20 == np.log(10.0) / 20.0
    silent = detector_level_db(np.zeros((2, 4)))
    np.testing.assert_array_equal(silent, dynamics.DETECTOR_FLOOR_DB)


def test_lookahead_accepts_automation():
    # lookahead moves like every other continuous parameter (latency stays at its maximum)
    env = Envelope([0.0, 1.0], [0.0, 5.0])
    gr = compressor_gain_db(
        np.zeros((1, 10)),
        SR,
        threshold_db=-20.0,
        ratio=2.0,
        knee_db=0.0,
        attack_ms=1.0,
        release_ms=10.0,
        lookahead_ms=env,
    )
    assert gr.shape == (10,) and np.all(gr == 0.0)
