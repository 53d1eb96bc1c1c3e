"""True peak (studio.dsp.truepeak) and the meter (studio.analysis.meter).

True-peak expectations are analytic: the peak of a sine is its amplitude wherever its
samples happen to fall (EBU Tech 3341 cases 15-19 are such sines), and a band-limited
pulse peaks at its centre whatever its offset from the sample grid. Tolerance is
Tech 3341's: +0.2 / -0.4 dB.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import signal

import studio
from studio import Audio
from studio.analysis import Measurement, measure
from studio.dsp import truepeak
from studio.errors import AudioDataError

SR = 48000
TP_LOW, TP_HIGH = -0.4, 0.2  # EBU Tech 3341 true-peak tolerance, dB


def faded_sine(freq_hz, amplitude, phase_deg, sr=SR, seconds=1.0, channels=2):
    """A sine with 20 ms raised-cosine fades (so the test reads the tone, not a click)."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    x = amplitude * np.sin(2 * np.pi * freq_hz * t + np.deg2rad(phase_deg))
    fade = int(0.02 * sr)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    x[:fade] *= ramp
    x[n - fade :] *= ramp[::-1]
    return np.tile(x, (channels, 1))


def db(value: float) -> float:
    return float(20 * np.log10(value))


# --- Oversampling factor and filter ----------------------------------------------------


def test_oversampling_factor_reaches_192khz():
    factors = {sr: truepeak.oversampling_factor(sr) for sr in (8000, 44100, 48000, 96000, 192000)}
    assert factors == {8000: 24, 44100: 5, 48000: 4, 96000: 2, 192000: 1}
    for sr in (8000, 11025, 22050, 32000, 44100, 48000, 88200, 96000, 176400):
        assert sr * truepeak.oversampling_factor(sr) >= 192000


def test_interpolation_filter_passes_the_samples_unchanged():
    h = truepeak.interpolation_filter(4)
    centre = (h.size - 1) // 2
    assert h[centre] == 1.0
    others = np.arange(h.size)[(np.arange(h.size) - centre) % 4 == 0]
    assert np.all(h[others[others != centre]] == 0.0)


def test_interpolation_filter_response():
    """Flat within 0.02 dB to 18 kHz; images of content below 20 kHz 34 dB down (48 kHz)."""
    h = truepeak.interpolation_filter(4)
    freqs, resp = signal.freqz(h, worN=8192, fs=4 * SR)
    gain_db = 20 * np.log10(np.abs(resp) / 4)
    assert np.max(np.abs(gain_db[freqs <= 18000])) < 0.02
    assert np.max(gain_db[freqs >= SR - 20000]) < -34.0


# --- EBU Tech 3341 true-peak cases -----------------------------------------------------


@pytest.mark.parametrize(
    ("case", "freq_div", "amplitude", "phase_deg", "expected_dbtp", "sample_peak_dbfs"),
    [
        (15, 4, 0.5, 0.0, -6.0, -6.02),
        (16, 4, 0.5, 45.0, -6.0, -9.03),
        (17, 6, 0.5, 60.0, -6.0, -7.27),
        (18, 8, 0.5, 67.5, -6.0, -6.71),
        (19, 4, 1.41, 45.0, 3.0, -0.03),
    ],
)
def test_tech_3341_true_peak_sines(
    case, freq_div, amplitude, phase_deg, expected_dbtp, sample_peak_dbfs
):
    """Cases 15-19: a sine at fs/4, fs/6 or fs/8, amplitude and phase as in Tech 3341.

    The samples miss the crests by the phase offset, so the sample peak is low (the
    analytic value is checked too); the true peak is the amplitude. EBU's files may
    differ in length and fades.
    """
    x = faded_sine(SR / freq_div, amplitude, phase_deg)
    assert truepeak.sample_peak_dbfs(x) == pytest.approx(sample_peak_dbfs, abs=0.01)
    error = truepeak.true_peak_dbtp(x, SR) - expected_dbtp
    assert TP_LOW <= error <= TP_HIGH
    # And much tighter than the tolerance: the peak is the amplitude.
    assert truepeak.true_peak_dbtp(x, SR) == pytest.approx(db(amplitude), abs=0.05)


@pytest.mark.parametrize("offset", [0.0, 0.25, 0.5, 0.75])
def test_band_limited_pulse_between_samples(offset):
    """A 0 dBTP band-limited pulse centred ``offset`` samples off the grid reads 0 dBTP.

    In the spirit of Tech 3341 cases 20-23 (inter-sample peaks at offsets 0-3); EBU's
    exact signals are files we could not check, so this pulse is our own: a sinc
    band-limited to 0.3 x fs, Kaiser-windowed over +/- 40 samples, peak 1.0 at its centre.
    """
    t = np.arange(-SR // 10, SR // 10) - offset  # time from the pulse centre, in samples
    half_width = 40.0
    inside = np.abs(t) < half_width
    window = np.zeros_like(t)
    window[inside] = np.i0(8.0 * np.sqrt(1 - (t[inside] / half_width) ** 2)) / np.i0(8.0)
    pulse = np.sinc(0.6 * t) * window  # at most 1.0, reached only at t = 0
    x = np.stack([pulse, -pulse])
    error = truepeak.true_peak_dbtp(x, SR)
    assert TP_LOW <= error <= TP_HIGH
    assert abs(error) < 0.01  # and far tighter than the tolerance
    if offset:
        assert truepeak.sample_peak_dbfs(x) < -0.1  # the samples miss the peak


@pytest.mark.parametrize("sr", [8000, 44100, 96000])
def test_quarter_rate_sine_at_other_rates(sr):
    """The crest falls half-way between samples; the oversampled grid may straddle it.

    With factor L the nearest grid point is at most 1/(2L) sample away, a phase error of
    at most pi/(4L) at fs/4: 5x at 44.1 kHz may read cos(pi/20), i.e. -0.11 dB.
    """
    factor = truepeak.oversampling_factor(sr)
    x = faded_sine(sr / 4, 0.5, 45.0, sr=sr)
    tp = truepeak.true_peak_dbtp(x, sr)
    assert db(0.5 * np.cos(np.pi / (4 * factor))) - 0.02 <= tp <= db(0.5) + 0.05
    assert TP_LOW <= tp - db(0.5) <= TP_HIGH


def test_no_oversampling_at_192khz():
    x = faded_sine(48000, 0.5, 45.0, sr=192000)
    assert truepeak.true_peak_dbtp(x, 192000) == truepeak.sample_peak_dbfs(x)


# --- Fast path equals the plain reference ----------------------------------------------


@pytest.mark.parametrize("sr", [8000, 44100, 48000, 96000])
@pytest.mark.parametrize("kind", ["noise", "clipped", "square", "short"])
def test_fast_true_peak_equals_reference(sr, kind):
    rng = np.random.default_rng(sr)
    x = rng.standard_normal((2, 50000))
    if kind == "clipped":
        x = np.clip(3 * x, -1.0, 1.0)
    elif kind == "square":
        x = 0.7 * np.sign(x)
    elif kind == "short":
        x = x[:, :7]
    fast = truepeak.true_peak_dbtp(x, sr)
    assert fast == pytest.approx(truepeak.true_peak_reference(x, sr), abs=1e-5)


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 400)),
        elements=st.floats(-2.0, 2.0, allow_nan=False, width=64),
    ),
    st.sampled_from([22050, 44100, 48000, 96000]),
)
def test_true_peak_properties(x, sr):
    """True peak never reads below the sample peak and equals the reference."""
    tp = truepeak.true_peak_dbtp(x, sr)
    assert tp >= truepeak.sample_peak_dbfs(x)
    assert tp == pytest.approx(truepeak.true_peak_reference(x, sr), abs=1e-5)


# --- Silence and bad input -------------------------------------------------------------


def test_silence_and_empty_peaks_are_minus_inf():
    for x in (np.zeros((2, 1000)), np.zeros((2, 0))):
        assert truepeak.true_peak_dbtp(x, SR) == -np.inf
        assert truepeak.sample_peak_dbfs(x) == -np.inf


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_peaks_raise(bad):
    x = np.zeros((2, 100))
    x[0, 42] = bad
    with pytest.raises(AudioDataError, match=r"song\.wav: .*frame 42 of channel 0"):
        truepeak.true_peak_dbtp(x, SR, what="song.wav")


# --- measure() -------------------------------------------------------------------------


def stereo_tone(level_dbfs: float, seconds: float, sr: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    x = 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * 1000 * t)
    return np.stack([x, x])


def test_measure_a_tone():
    m = measure(Audio(stereo_tone(-23, 10), SR, "tone"))
    assert isinstance(m, Measurement)
    assert m.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert m.max_momentary_lufs == pytest.approx(-23.0, abs=0.1)
    assert m.max_short_term_lufs == pytest.approx(-23.0, abs=0.1)
    assert m.lra_lu == pytest.approx(0.0, abs=0.1)
    assert m.sample_peak_dbfs == pytest.approx(-23.0, abs=0.01)
    assert m.true_peak_dbtp == pytest.approx(-23.0, abs=0.05)
    assert m.plr_db == pytest.approx(m.true_peak_dbtp - m.integrated_lufs)
    assert (m.sr, m.duration_s, m.n_channels, m.name) == (SR, 10.0, 2, "tone")
    assert m.momentary_lufs.shape == m.momentary_times_s.shape
    assert m.short_term_lufs.shape == m.short_term_times_s.shape
    assert m.momentary_times_s[0] == pytest.approx(0.4)
    assert m.short_term_times_s[0] == pytest.approx(3.0)
    assert not m.momentary_lufs.flags.writeable


def test_measure_is_wired_to_studio_measure():
    assert studio.measure is measure
    assert studio.Measurement is Measurement


def test_measure_silence_reads_minus_inf_everywhere():
    m = measure(Audio(np.zeros((2, 5 * SR)), SR))
    for value in (
        m.integrated_lufs,
        m.lra_lu,
        m.true_peak_dbtp,
        m.sample_peak_dbfs,
        m.plr_db,
        m.max_momentary_lufs,
        m.max_short_term_lufs,
    ):
        assert value == -np.inf
    assert np.all(m.momentary_lufs == -np.inf)
    assert "nothing to measure" in m.summary()


def test_measure_short_audio():
    m = measure(Audio(stereo_tone(-10, 0.2), SR))
    assert m.integrated_lufs == -np.inf and m.momentary_lufs.size == 0
    assert m.sample_peak_dbfs == pytest.approx(-10.0, abs=0.01)
    assert m.plr_db == -np.inf  # no loudness to compare the peak with


def test_measure_names_the_audio_with_nan():
    x = stereo_tone(-20, 1)
    x[1, 100] = np.nan
    with pytest.raises(AudioDataError, match=r"^vocals\.wav: .*NaN"):
        measure(Audio(x, SR, "vocals.wav"))


def test_measure_surround():
    """5.1 in WAV order (L R C LFE Ls Rs): Tech 3341 case 6 levels read -23 LUFS."""
    t = np.arange(10 * SR) / SR

    def at(level: float) -> np.ndarray:
        return 10 ** (level / 20) * np.sin(2 * np.pi * 1000 * t)

    x = np.stack([at(-28), at(-28), at(-24), np.zeros_like(t), at(-30), at(-30)])
    m = measure(Audio(x, SR, "film"))
    assert m.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert m.n_channels == 6 and "5.1" in m.summary()


def test_measure_accepts_float32():
    m64 = measure(Audio(stereo_tone(-18, 4), SR))
    m32 = measure(Audio(stereo_tone(-18, 4).astype(np.float32), SR))
    assert m32.integrated_lufs == pytest.approx(m64.integrated_lufs, abs=1e-4)
    assert m32.true_peak_dbtp == pytest.approx(m64.true_peak_dbtp, abs=1e-4)


def test_measure_rejects_a_bare_array():
    with pytest.raises(AudioDataError, match="studio.Audio"):
        measure(np.zeros((2, 100)))


def test_summary_reads_in_plain_words_with_units():
    text = str(measure(Audio(stereo_tone(-14, 4), SR, "mix.wav")))
    assert text.splitlines()[0] == "'mix.wav': stereo, 0:04.0 at 48000 Hz"
    for words in ("Integrated loudness", "LUFS", "Loudness range", "LU", "True peak", "dBTP",
                  "Sample peak", "dBFS", "PLR", "Max momentary", "Max short-term"):  # fmt: skip
        assert words in text
    assert "-14.0 LUFS" in text
    assert "-inf" not in text


@given(gain_db=st.floats(-20.0, 20.0))
def test_measure_gain_moves_loudness_and_peaks_alike(gain_db):
    rng = np.random.default_rng(5)
    x = 0.1 * rng.standard_normal((2, 2 * SR))
    base = measure(Audio(x, SR))
    moved = measure(Audio(x * 10 ** (gain_db / 20), SR))
    assert moved.integrated_lufs - base.integrated_lufs == pytest.approx(gain_db, abs=1e-6)
    assert moved.true_peak_dbtp - base.true_peak_dbtp == pytest.approx(gain_db, abs=1e-4)
    assert moved.plr_db == pytest.approx(base.plr_db, abs=1e-4)
    assert moved.true_peak_dbtp >= moved.sample_peak_dbfs


# --- Peaks over time -------------------------------------------------------------------


def upsampled_reference(x, sr):
    """Every oversampled point with scipy.signal.upfirdn, and its position in samples."""
    factor = truepeak.oversampling_factor(sr)
    h = truepeak.interpolation_filter(factor)
    y = signal.upfirdn(h, x, up=factor, axis=-1)
    position = (np.arange(y.shape[1]) - (h.size - 1) // 2) / factor
    return y, position


@pytest.mark.parametrize("sr", [11025, 44100, 48000, 96000])
@pytest.mark.parametrize("n", [7, 479, 480, 481, 4813])
def test_peak_envelope_per_hop_equals_the_plain_reference(sr, n):
    """Each hop's true peak is the largest oversampled point from its first sample up to
    (not including) the next hop's: checked against every upfirdn point."""
    x = np.random.default_rng(n).standard_normal((2, n))
    env = truepeak.peak_envelope(x, sr, hop_s=0.01)
    assert env.peaks.true_peak_dbtp == pytest.approx(truepeak.true_peak_reference(x, sr), abs=1e-5)
    hop = 0.01 * sr
    n_hops = int(np.floor(n / hop + 1e-9))
    edges = np.rint(np.arange(n_hops + 1) * hop).astype(int)
    assert env.true_peak_dbtp.shape == (2, n_hops)
    np.testing.assert_allclose(env.times_s, edges[1:] / sr)
    y, position = upsampled_reference(x, sr)
    frame = np.clip(np.floor(position + 1e-9).astype(int), 0, n - 1)
    hop_index = np.searchsorted(edges, frame, side="right") - 1
    for h in range(n_hops):
        expected = np.max(np.abs(y[:, hop_index == h]), axis=1)
        np.testing.assert_allclose(10 ** (env.true_peak_dbtp[:, h] / 20), expected, rtol=1e-5)
        sample = np.max(np.abs(x[:, edges[h] : edges[h + 1]]), axis=1)
        np.testing.assert_allclose(10 ** (env.sample_peak_dbfs[:, h] / 20), sample)


def test_peak_envelope_of_long_hops_and_silence():
    x = np.concatenate([np.zeros((2, SR)), faded_sine(1000.0, 0.5, 0.0, seconds=1.0)], axis=1)
    env = truepeak.peak_envelope(x, SR, hop_s=0.5)
    assert env.true_peak_dbtp.shape == (2, 4)
    assert np.all(env.true_peak_dbtp[:, 0] == -np.inf)
    assert np.all(env.true_peak_dbtp[:, 1] < -100)  # only the filter's pre-ringing
    np.testing.assert_allclose(env.true_peak_dbtp[:, 2:], db(0.5), atol=0.05)
    with pytest.raises(AudioDataError, match="shorter than one sample"):
        truepeak.peak_envelope(x, SR, hop_s=1e-6)


# --- measure(): dynamics and stereo figures --------------------------------------------


def test_measure_a_stereo_tone_dynamics_and_stereo():
    m = measure(Audio(stereo_tone(-20, 6), SR))
    assert m.rms_dbfs == pytest.approx(-20 - 10 * np.log10(2), abs=1e-3)
    assert m.crest_factor_db == pytest.approx(10 * np.log10(2), abs=1e-3)
    assert m.psr_over_time_db.shape == m.short_term_times_s.shape
    # PSR of a steady 1 kHz stereo tone: true peak (its amplitude) minus its loudness.
    np.testing.assert_allclose(m.psr_over_time_db, m.true_peak_dbtp - m.integrated_lufs, atol=0.02)
    assert m.min_psr_db == pytest.approx(m.median_psr_db, abs=0.02)
    assert m.correlation == pytest.approx(1.0)
    np.testing.assert_allclose(m.correlation_over_time, 1.0, atol=1e-6)
    np.testing.assert_allclose(m.correlation_times_s, m.momentary_times_s)
    assert m.mono_loss_lu == pytest.approx(0.0, abs=1e-9)
    assert m.mono_fold_lufs == pytest.approx(m.integrated_lufs, abs=1e-9)


def test_measure_inverted_and_unrelated_channels():
    x = stereo_tone(-20, 4)
    x[1] *= -1
    inverted = measure(Audio(x, SR))
    assert inverted.correlation == pytest.approx(-1.0)
    assert inverted.mono_loss_lu == np.inf and inverted.mono_fold_lufs == -np.inf
    assert "inf" in inverted.summary()
    rng = np.random.default_rng(12)
    unrelated = measure(Audio(0.1 * rng.standard_normal((2, 10 * SR)), SR))
    assert abs(unrelated.correlation) < 0.01
    assert unrelated.mono_loss_lu == pytest.approx(10 * np.log10(2), abs=0.05)


def test_measure_square_wave_has_no_crest():
    square = 0.5 * np.sign(np.sin(2 * np.pi * 1000 * (np.arange(4 * SR) + 0.5) / SR))
    m = measure(Audio(np.stack([square, square]), SR))
    assert m.crest_factor_db == pytest.approx(0.0, abs=1e-9)


def test_measure_mono_and_surround_stereo_figures():
    mono = measure(Audio(stereo_tone(-20, 4)[:1], SR))
    assert mono.correlation == pytest.approx(1.0) and mono.mono_loss_lu == 0.0
    t = np.arange(4 * SR) / SR
    six = np.stack([np.sin(2 * np.pi * 200 * t) * 0.1] * 6)
    surround = measure(Audio(six, SR))
    assert np.isnan(surround.mono_loss_lu) and surround.correlation == pytest.approx(1.0)
    assert "n/a" in surround.summary()


def test_measure_silence_has_no_ratios():
    m = measure(Audio(np.zeros((2, 5 * SR)), SR))
    assert m.rms_dbfs == -np.inf
    for value in (m.crest_factor_db, m.min_psr_db, m.median_psr_db, m.correlation, m.mono_loss_lu):
        assert np.isnan(value)
    assert np.all(np.isnan(m.psr_over_time_db))
    assert "n/a" in m.summary()


def test_summary_has_the_new_rows():
    text = str(measure(Audio(stereo_tone(-14, 4), SR)))
    for words in ("RMS level", "Crest factor", "PSR, lowest", "PSR, typical", "Correlation",
                  "Mono fold loss", "1.00"):  # fmt: skip
        assert words in text
    assert "n/a" not in text


@pytest.mark.parametrize("channels", [1, 2])
def test_measure_refuses_empty_audio_and_names_it(channels):
    with pytest.raises(AudioDataError, match=r"^intro\.wav: has no samples \(0 frames\)"):
        measure(Audio(np.zeros((channels, 0), dtype=np.float32), SR, "intro.wav"))
    with pytest.raises(AudioDataError, match=r"^audio: has no samples"):
        measure(Audio(np.zeros((channels, 0)), SR))


def test_measure_makes_no_copy_of_long_audio():
    """The meter reads the samples a few seconds at a time: its own memory stays small."""
    import tracemalloc

    x = np.random.default_rng(1).standard_normal((2, 60 * SR)).astype(np.float32) * 0.1
    audio = Audio(x, SR, "minute")
    measure(Audio(x[:, : 5 * SR], SR))  # compiled kernels loaded outside the count
    tracemalloc.start()
    try:
        measure(audio)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.25 * x.nbytes


@pytest.mark.parametrize(
    ("sr", "n"),
    [(48000, 3 * 48000), (48000, 3 * 48000 + 123), (44100, 44100 + 7), (8000, 8000 * 2),
     (96000, 96000 + 480), (48000, 479), (48000, 5), (48000, 1)],
)  # fmt: skip
def test_compiled_true_peak_trace_equals_the_matrix_reference(sr, n):
    from studio.dsp import truepeak

    rng = np.random.default_rng(n)
    x = (rng.standard_normal((2, n)) * 0.3).astype(np.float32)
    x[:, n // 3 : n // 2] = 0.0  # silent hops read 0
    hop = 0.01 * sr
    edges = np.rint(np.arange(int(np.floor(n / hop + 1e-9)) + 1) * hop).astype(np.int64)
    factor = truepeak.oversampling_factor(sr)
    peak = float(np.max(np.abs(x)))
    expected, expected_best = truepeak._interpolated_hop_peaks(x, factor, edges, peak)
    got, best = truepeak._compiled_hop_peaks(x, factor, edges)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=3e-7, atol=0)
    assert best == pytest.approx(expected_best, rel=3e-7)
