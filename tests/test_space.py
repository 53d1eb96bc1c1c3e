"""Reverb, convolution reverb and delay: decay times, echoes, kernels against references."""

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import butter, fftconvolve, sosfilt

from studio.dsp import delay as delay_dsp
from studio.dsp import impulses
from studio.dsp import reverb as rv
from studio.dsp.control import Envelope
from studio.errors import AudioDataError, ParameterError
from studio.io import load_impulse_response
from studio.processors.base import processor_from_dict
from studio.processors.space import ConvolutionReverb, Delay, Reverb

SR = 48000


def schroeder_rt60(ir, sr, centre_hz):
    """RT60 from the octave band around ``centre_hz``: T20 (-5 to -25 dB) times 3."""
    band = butter(
        4, [centre_hz / np.sqrt(2), centre_hz * np.sqrt(2)], "bandpass", fs=sr, output="sos"
    )
    h = sosfilt(band, ir, axis=-1)
    energy = np.sum(h**2, axis=0)
    edc = np.cumsum(energy[::-1])[::-1]
    edc_db = 10 * np.log10(edc / edc[0])
    start, stop = np.argmax(edc_db <= -5.0), np.argmax(edc_db <= -25.0)
    slope_db_per_s = np.polyfit(np.arange(start, stop) / sr, edc_db[start:stop], 1)[0]
    return -60.0 / slope_db_per_s


def noise(channels, frames, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, (channels, frames)).astype(dtype)


# --------------------------------------------------------------------------- reverb


@pytest.mark.parametrize(
    ("rows", "ap_delays", "block"),
    [
        (1, (5, 7, 11, 13), 256),  # steps of 5 frames: the shortest allpass
        (4, (5, 7, 11, 13), 256),  # settings that move, row by row
        (7, (97, 89, 101, 103), 200),  # steps of 31 frames (the shortest line), rows of 200
        (3, (150, 170, 180, 190), 40),  # steps of a whole row
    ],
)
def test_compiled_network_matches_the_plain_reference(rows, ap_delays, block):
    rng = np.random.default_rng(5)
    n = 1500
    src = rng.standard_normal(n)
    delays = np.array([31, 37, 41, 43, 47, 53, 59, 61], dtype=np.int64)
    gains = rng.uniform(0.6, 0.95, (rows, 8))
    poles = rng.uniform(0.0, 0.5, (rows, 8))
    in_vec = rng.standard_normal(8)
    c_left, c_right = rng.standard_normal((rows, 8)), rng.standard_normal((rows, 8))
    ap_delays = np.array(ap_delays, dtype=np.int64)
    ap_gains = np.array([0.7, 0.6, 0.5, 0.4])
    er_l = (np.array([3, 9, 20], dtype=np.int64), np.array([0.5, -0.3, 0.2]))
    er_r = (np.array([4, 15], dtype=np.int64), np.array([0.4, 0.25]))
    lead = 20  # zeros in front of the input, as the wrapper supplies them
    padded = np.concatenate([np.zeros(lead), src])
    out = np.empty((2, n))
    rv._fdn_kernel()(
        padded, src, src, 0.0, lead, out[0], out[1], delays, gains, poles, in_vec,
        c_left, c_right, ap_delays, ap_gains, *er_l, *er_r, 1.0, 0.0, block,
        *rv._fdn_work(delays, ap_delays, block),
    )  # fmt: skip
    ref_l, ref_r = rv.fdn_reference(
        src,
        delays=delays,
        gains=gains,
        poles=poles,
        in_vec=in_vec,
        c_left=c_left,
        c_right=c_right,
        ap_delays=ap_delays,
        ap_gains=ap_gains,
        early_left=list(zip(*er_l, strict=True)),
        early_right=list(zip(*er_r, strict=True)),
        block=block,
    )
    np.testing.assert_allclose(out[0], ref_l, atol=1e-10)
    np.testing.assert_allclose(out[1], ref_r, atol=1e-10)


@pytest.mark.parametrize("character", list(rv.CHARACTERS))
@pytest.mark.parametrize(("decay_s", "damping"), [(0.6, 0.0), (2.0, 50.0)])
def test_measured_rt60_matches_decay(character, decay_s, damping):
    ir = rv.reverb_impulse_response(SR, character=character, decay_s=decay_s, damping_pct=damping)
    assert schroeder_rt60(ir, SR, 1000.0) == pytest.approx(decay_s, rel=0.15)
    wanted_high = decay_s * (1 - 0.9 * damping / 100)  # the documented damping law
    assert schroeder_rt60(ir, SR, 8000.0) == pytest.approx(wanted_high, rel=0.2)


def test_line_coefficients_lose_60_db_per_decay_time_at_1_khz():
    delays = np.array([480, 1999])
    gains, poles = rv.line_coefficients(delays, SR, 1.5, 60.0)
    w = 2 * np.pi * 1000.0 / SR
    mag = gains * (1 - poles) / np.abs(1 - poles * np.exp(-1j * w))
    expected_db = -60.0 * delays / (SR * 1.5)
    np.testing.assert_allclose(20 * np.log10(mag[0]), expected_db, rtol=1e-9)
    assert np.all(gains < 1.0)  # stable


def test_width_zero_is_mono_and_full_width_is_decorrelated():
    narrow = rv.reverb_impulse_response(
        SR, character="hall", decay_s=1.0, damping_pct=30, width_pct=0
    )
    np.testing.assert_allclose(narrow[0], narrow[1], atol=1e-12)
    wide = rv.reverb_impulse_response(SR, character="hall", decay_s=1.0, damping_pct=30)
    assert abs(np.corrcoef(wide[0], wide[1])[0, 1]) < 0.3
    # narrowing keeps the level of the tail
    energy_ratio = np.sum(narrow**2) / np.sum(wide**2)
    assert 10 * np.log10(energy_ratio) == pytest.approx(0.0, abs=1.5)


@pytest.mark.parametrize("character", list(rv.CHARACTERS))
def test_white_noise_comes_back_at_about_its_level(character):
    x = np.random.default_rng(9).standard_normal((1, 3 * SR)) * 0.1
    wet = rv.reverb(x, SR, character=character, decay_s=1.5, damping_pct=0.0, mix_pct=100.0)
    settled = wet[:, SR:]
    change_db = 10 * np.log10(np.mean(settled**2) / np.mean(x**2))
    assert abs(change_db) < 3.0


def test_pre_delay_holds_the_reverb_back():
    ir = rv.reverb_impulse_response(
        SR, character="plate", decay_s=1.0, damping_pct=0, pre_delay_ms=50.0
    )
    first = np.argmax(np.any(np.abs(ir) > 1e-9, axis=0))
    assert first >= round(0.050 * SR)
    assert first <= round(0.050 * SR) + round(0.020 * SR)
    room = rv.reverb_impulse_response(SR, character="room", decay_s=1.0, damping_pct=0)
    assert np.argmax(np.abs(room[0]) > 1e-9) == round(4.3e-3 * SR)  # first reflection


def test_reverb_mix_zero_returns_the_dry_signal():
    stereo = noise(2, 4800)
    np.testing.assert_array_equal(Reverb(mix_pct=0.0).process(stereo, SR), stereo)
    mono = noise(1, 4800, dtype=np.float32)
    out = Reverb(mix_pct=0.0).process(mono, SR)
    assert out.shape == (2, 4800) and out.dtype == np.float32
    np.testing.assert_array_equal(out, np.vstack([mono, mono]))


def test_reverb_mix_blends_linearly():
    x = noise(2, 9600)
    wet = rv.reverb(x, SR, mix_pct=100.0)
    half = rv.reverb(x, SR, mix_pct=50.0)
    np.testing.assert_allclose(half, 0.5 * x + 0.5 * wet, atol=1e-12)


def test_reverb_time_varying_parameters():
    x = noise(2, 9600)
    constant = rv.reverb(x, SR, decay_s=1.2, width_pct=60.0)
    as_envelopes = rv.reverb(x, SR, decay_s=Envelope([0.0], [1.2]), width_pct=np.full(9600, 60.0))
    np.testing.assert_array_equal(constant, as_envelopes)
    ramp = rv.reverb(x, SR, mix_pct=np.linspace(0.0, 100.0, 9600))
    np.testing.assert_allclose(ramp[:, 0], x[:, 0], atol=1e-12)
    varying = rv.reverb(
        x, SR, decay_s=np.linspace(0.5, 3.0, 9600), pre_delay_ms=np.linspace(0, 30, 9600)
    )
    assert varying.shape == (2, 9600) and np.all(np.isfinite(varying))


def test_space_processors_refuse_more_than_two_channels():
    for fn in (rv.reverb, delay_dsp.echo):
        with pytest.raises(AudioDataError, match="mono or stereo"):
            fn(noise(3, 100), SR)
    with pytest.raises(AudioDataError, match="mono or stereo"):
        rv.convolution_reverb(noise(3, 100), SR, np.ones((2, 4)))


def test_reverb_curves_show_the_decay():
    curves = Reverb(decay_s=1.0, damping_pct=60.0, pre_delay_ms=0.0).curves(SR)
    names = [c.name for c in curves]
    assert names == ["all frequencies", "around 1 kHz", "around 8 kHz"]
    mid = curves[1]
    i = np.searchsorted(mid.x, 0.5)
    assert mid.y[i] == pytest.approx(-30.0, abs=6.0)  # half the RT60: about -30 dB
    assert curves[2].y[i] < mid.y[i] - 10  # damping: the highs die sooner


# --------------------------------------------------------------------------- convolution


def test_overlap_add_convolution_equals_direct_convolution():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 50000))
    ir = rng.standard_normal((2, 3000))
    expected = fftconvolve(np.vstack([x, x]), ir, axes=-1)[:, :50000]
    np.testing.assert_allclose(rv.convolve(x, ir), expected, atol=1e-9)
    y32 = rv.convolve(x.astype(np.float32), ir.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, expected, atol=2e-3)


@pytest.mark.parametrize("name", impulses.IR_NAMES)
def test_built_in_impulse_responses(name):
    ir = impulses.impulse_response(name, SR)
    assert ir.shape[0] == 2 and ir.dtype == np.float32 and not ir.flags.writeable
    assert 0.5 * SR <= ir.shape[1] <= 3 * SR
    assert np.mean(np.sum(ir.astype(np.float64) ** 2, axis=1)) == pytest.approx(1.0, rel=1e-5)
    assert abs(np.corrcoef(ir[0], ir[1])[0, 1]) < 0.5  # left and right differ: wide
    again = impulses._built_in.__wrapped__(name, SR)  # computed afresh: deterministic
    np.testing.assert_array_equal(again, ir)


@pytest.mark.parametrize(("name", "rt60_s"), [("small_room", 0.5), ("hall", 2.2), ("plate", 1.7)])
def test_impulse_response_decay_times(name, rt60_s):
    ir = impulses.impulse_response(name, SR).astype(np.float64)
    assert schroeder_rt60(ir, SR, 1000.0) == pytest.approx(rt60_s, rel=0.15)


def test_convolution_reverb_mix_pre_delay_and_trim():
    ir = np.zeros((2, 100))
    ir[0, 0], ir[1, 10] = 1.0, 0.5
    x = noise(1, 1000)
    out = rv.convolution_reverb(x, SR, ir, mix_pct=100.0, pre_delay_ms=1.0)
    pad = round(1e-3 * SR)
    np.testing.assert_allclose(out[0, pad:], x[0, :-pad], atol=1e-12)
    np.testing.assert_allclose(out[1, pad + 10 :], 0.5 * x[0, : -pad - 10], atol=1e-12)
    blend = rv.convolution_reverb(x, SR, ir, mix_pct=30.0, output_db=-6.0)
    wet = rv.convolution_reverb(x, SR, ir, mix_pct=100.0)
    np.testing.assert_allclose(
        blend, 10 ** (-6 / 20) * (0.7 * np.vstack([x, x]) + 0.3 * wet), atol=1e-12
    )
    stereo = noise(2, 1000)
    np.testing.assert_array_equal(ConvolutionReverb(mix_pct=0.0).process(stereo, SR), stereo)


def test_user_impulse_response_file(tmp_path):
    rng = np.random.default_rng(8)
    n = 4410
    mono = (rng.standard_normal(n) * np.exp(-np.arange(n) / 800)).astype(np.float32)
    path = tmp_path / "my_room.wav"
    sf.write(path, mono, 44100, subtype="FLOAT")
    ir = load_impulse_response(path, SR)
    assert ir.shape == (2, round(n * SR / 44100))  # resampled to the processing rate
    np.testing.assert_array_equal(ir[0], ir[1])  # mono used for both sides
    assert np.mean(np.sum(ir.astype(np.float64) ** 2, axis=1)) == pytest.approx(1.0, rel=1e-5)
    proc = ConvolutionReverb(ir_path=str(path), mix_pct=100.0)
    assert "my_room.wav" in proc.describe()
    assert processor_from_dict(proc.to_preset()) == proc
    out = proc.process(noise(2, 2000), SR)
    assert out.shape == (2, 2000) and np.all(np.isfinite(out))
    with pytest.raises(ParameterError, match="ConvolutionReverb.*ir_path"):
        ConvolutionReverb(ir_path=str(tmp_path / "missing.wav"))


def test_convolution_time_varying_pre_delay_and_mix():
    ir = np.zeros((2, 10))
    ir[:, 0] = 1.0
    x = noise(2, 4800)
    out = rv.convolution_reverb(
        x, SR, ir, pre_delay_ms=np.full(4800, 2.0) + np.linspace(0, 1e-9, 4800), mix_pct=100.0
    )
    np.testing.assert_allclose(out[:, 97:], x[:, 1:-96], atol=1e-6)  # 2 ms = 96 frames
    ramp = rv.convolution_reverb(x, SR, ir, mix_pct=np.linspace(0.0, 100.0, 4800))
    np.testing.assert_allclose(ramp[:, 0], x[:, 0], atol=1e-12)


def test_convolution_curves():
    curves = ConvolutionReverb(ir="hall", pre_delay_ms=100.0).curves(SR)
    overall = curves[0]
    assert overall.y[0] == 0.0
    assert overall.y[np.searchsorted(overall.x, 0.09)] == pytest.approx(0.0, abs=1e-6)


# --------------------------------------------------------------------------- delay


@pytest.mark.parametrize("ping_pong", [False, True])
@pytest.mark.parametrize("delay_frames", [40.0, 57.3])
def test_compiled_delay_matches_the_plain_reference(ping_pong, delay_frames):
    x = noise(2, 2000, seed=2)
    sos = delay_dsp.feedback_sos(300.0, 4000.0, SR)
    out = np.empty((2, 2000))
    delay_dsp._echo_kernel()(
        x[0], x[1], np.array([delay_frames]), np.array([0.7]), sos, ping_pong, out[0], out[1], 256,
        delay_dsp._echo_line(np.array([delay_frames])),
    )  # fmt: skip
    ref = delay_dsp.echo_reference(x[0], x[1], delay_frames, 0.7, sos[0], ping_pong)
    np.testing.assert_allclose(out, np.vstack(ref), atol=1e-12)


def test_note_values():
    assert delay_dsp.note_ms("1/4", 120.0) == 500.0
    assert delay_dsp.note_ms("1/8 dotted", 120.0) == 375.0
    assert delay_dsp.note_ms("1/4 triplet", 90.0) == pytest.approx(1000 * 2 / 3 * 60 / 90)
    assert Delay(sync="1/16", tempo_bpm=100.0, time_ms=10.0).delay_ms() == 150.0
    assert Delay(sync="off", time_ms=123.0).delay_ms() == 123.0


def test_echoes_arrive_on_time_and_fall_by_the_feedback():
    proc = Delay(
        time_ms=100.0, feedback_pct=50.0, low_cut_hz=20.0, high_cut_hz=20000.0, mix_pct=100.0
    )
    click = np.zeros((1, SR))
    click[0, 0] = 1.0
    out = proc.process(click, SR)[0]
    peaks = [
        np.argmax(np.abs(out[k * 4800 - 200 : k * 4800 + 200])) + k * 4800 - 200 for k in (1, 2, 3)
    ]
    # each pass through the (wide-open) filters adds well under a sample of group delay
    np.testing.assert_allclose(peaks, [4800, 9600, 14400], atol=2)
    burst = np.sin(2 * np.pi * 1000 * np.arange(2400) / SR)[np.newaxis, :]
    signal = np.concatenate([burst, np.zeros((1, SR))], axis=1)
    wet = Delay(time_ms=100.0, feedback_pct=50.0, mix_pct=100.0).process(signal, SR)[0]
    times, levels = Delay(time_ms=100.0, feedback_pct=50.0, mix_pct=100.0).echo_levels_db(SR)
    for k in (1, 2, 3):
        window = wet[k * 4800 + 600 : k * 4800 + 1800]  # the steady middle of echo k
        measured_db = 20 * np.log10(np.sqrt(2 * np.mean(window**2)))
        assert measured_db == pytest.approx(levels[0, k - 1], abs=0.1)
        assert times[k - 1] == pytest.approx(0.1 * k)
    assert levels[0, 1] - levels[0, 0] == pytest.approx(20 * np.log10(0.5), abs=0.1)


def test_ping_pong_alternates_sides():
    proc = Delay(time_ms=50.0, feedback_pct=60.0, ping_pong=True, mix_pct=100.0)
    click = np.zeros((2, SR // 2))
    click[:, 0] = 1.0
    out = proc.process(click, SR)
    d = 2400
    energy = [
        [np.sum(out[ch, k * d - 100 : k * d + 1000] ** 2) for k in (1, 2, 3)] for ch in (0, 1)
    ]
    assert energy[0][0] > 0 and energy[1][0] < 1e-20  # first echo: left only
    assert energy[1][1] > 0 and energy[0][1] < 1e-20  # second: right only
    assert energy[0][2] > 0 and energy[1][2] < 1e-20
    _, levels = proc.echo_levels_db(SR)
    assert np.isneginf(levels[1, 0]) and np.isneginf(levels[0, 1])


@settings(max_examples=15)
@given(
    feedback=st.floats(0.0, 95.0),
    low=st.floats(20.0, 2000.0),
    high=st.floats(1000.0, 20000.0),
    time_ms=st.floats(1.0, 30.0),
)
def test_delay_repeats_always_die_away(feedback, low, high, time_ms):
    proc = Delay(
        time_ms=time_ms, feedback_pct=feedback, low_cut_hz=low, high_cut_hz=high, mix_pct=100.0
    )
    click = np.zeros((1, 3 * SR))
    click[0, 0] = 1.0
    out = proc.process(click, SR)
    assert np.all(np.isfinite(out))
    assert np.max(np.abs(out)) <= 1.0 + 1e-9  # no repeat is louder than the sound itself


def test_delay_mix_and_errors():
    stereo = noise(2, 4800)
    np.testing.assert_array_equal(Delay(mix_pct=0.0).process(stereo, SR), stereo)
    mono = noise(1, 4800)
    np.testing.assert_array_equal(Delay(mix_pct=0.0).process(mono, SR), np.vstack([mono, mono]))
    both = ConvolutionReverb(mix_pct=0.0).process(mono, SR)
    np.testing.assert_array_equal(both, np.vstack([mono, mono]))
    with pytest.raises(ParameterError, match="feedback"):
        delay_dsp.echo(stereo, SR, feedback_pct=100.0)
    with pytest.raises(ParameterError, match="one sample"):
        delay_dsp.echo(stereo, SR, time_ms=0.001)
    with pytest.raises(ParameterError, match="Delay.*high_cut_hz.*Nyquist"):
        Delay(high_cut_hz=12000.0).process(stereo, 22050)


def test_delay_time_varying_time():
    x = noise(2, 9600)
    fixed = delay_dsp.echo(x, SR, time_ms=100.0)
    as_array = delay_dsp.echo(x, SR, time_ms=np.full(9600, 100.0))
    np.testing.assert_array_equal(fixed, as_array)
    swept = delay_dsp.echo(x, SR, time_ms=np.linspace(80.0, 120.0, 9600), mix_pct=100.0)
    assert np.all(np.isfinite(swept))
    np.testing.assert_array_equal(swept[:, : 80 * 48], 0.0)  # nothing before the first echo


def test_delay_impulse_response_has_the_echoes():
    ir = Delay(
        time_ms=10.0, feedback_pct=50.0, low_cut_hz=20.0, high_cut_hz=20000.0
    ).impulse_response(SR, seconds=0.05)
    assert ir.shape == (2, 2400)
    assert np.argmax(np.abs(ir[0])) == pytest.approx(480, abs=2)
    assert np.all(np.abs(ir[:, :470]) < 1e-12)


def test_delay_curves_show_the_echo_pattern():
    curves = Delay(time_ms=250.0, feedback_pct=50.0, mix_pct=50.0).curves(SR)
    left = curves[0]
    spikes = left.x[1::3]
    assert spikes[0] == 0.0 and spikes[1] == pytest.approx(0.25)
    assert left.y[1] == pytest.approx(20 * np.log10(0.5))  # the dry sound at 50% mix


@settings(max_examples=10)
@given(
    character=st.sampled_from(list(rv.CHARACTERS)),
    decay=st.floats(0.2, 12.0),
    damping=st.floats(0.0, 100.0),
    scale=st.floats(-4.0, 4.0),
)
def test_reverb_is_linear(character, decay, damping, scale):
    a, b = noise(2, 2400, seed=1), noise(1, 2400, seed=2)
    kw = {"character": character, "decay_s": decay, "damping_pct": damping, "mix_pct": 60.0}
    together = rv.reverb(a + scale * b, SR, **kw)
    apart = rv.reverb(a, SR, **kw) + scale * rv.reverb(np.vstack([b, b]), SR, **kw)
    np.testing.assert_allclose(together, apart, atol=1e-9)


@pytest.mark.parametrize("n", [1, 2999, 3000, 50_000, 200_001])
def test_overlap_add_with_any_block_size_equals_direct_convolution(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((2, n))
    ir = rng.standard_normal((2, 3000))
    ir.flags.writeable = False  # the spectrum is kept between calls
    expected = fftconvolve(x, ir, axes=-1)[:, :n]
    np.testing.assert_allclose(rv.convolve(x, ir), expected, atol=1e-9)
    np.testing.assert_allclose(rv.convolve(x, ir), expected, atol=1e-9)  # from the kept one


def test_a_writable_impulse_response_is_never_taken_from_the_kept_spectra():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((1, 20_000))
    ir = rng.standard_normal((2, 1000))
    first = rv.convolve(x, ir)
    ir *= 2.0  # the same array, changed in place
    np.testing.assert_allclose(rv.convolve(x, ir), 2.0 * first, atol=1e-9)


def test_pre_delay_shifts_the_wet_signal_like_a_delayed_impulse_response():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 30_000))
    ir = rng.standard_normal((2, 2000)) * 0.01
    pad = 480  # 10 ms at 48 kHz
    delayed = np.concatenate([np.zeros((2, pad)), ir], axis=1)
    expected = fftconvolve(x, delayed, axes=-1)[:, : x.shape[1]]
    out = rv.convolution_reverb(x, SR, ir, mix_pct=100.0, pre_delay_ms=10.0)
    np.testing.assert_allclose(out, expected, atol=1e-9)
    assert np.all(out[:, :pad] == 0.0)


def test_impulse_response_files_are_checked_plainly(tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(1000, dtype=np.float32), SR, subtype="FLOAT")
    with pytest.raises(ParameterError, match=r"silent\.wav' is silent"):
        load_impulse_response(silent, SR)
    quad = tmp_path / "quad.wav"
    sf.write(quad, np.full((500, 4), 0.1, dtype=np.float32), SR, subtype="FLOAT")
    with pytest.raises(ParameterError, match=r"quad\.wav' has 4 channels"):
        load_impulse_response(quad, SR)
    with pytest.raises(ParameterError, match=r"nowhere\.wav' does not exist"):
        load_impulse_response(tmp_path / "nowhere.wav", SR)


def test_dsp_reads_no_files():
    """Loading files is studio.io's job; the DSP layer only computes."""
    import pathlib

    import studio.dsp

    for source in pathlib.Path(studio.dsp.__file__).parent.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        for call in ("from studio.io", "import soundfile", "open(", "read_text(", "Path("):
            assert call not in text, f"{source.name} uses {call}"
