"""Input checks of a mixdown arriving for mastering: each check fires on its fault, and a
clean mix raises none."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import butter, sosfiltfilt

from studio import Audio
from studio.analysis.findings import Finding
from studio.errors import AudioDataError, ParameterError
from studio.mastering.checks import (
    CHECKS,
    InputReport,
    check_input,
    spectral_cutoff_hz,
)
from studio.processors.dynamics import Limiter

SR = 48000


def clean_mix(seconds: float = 20.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """A synthetic mix with open dynamics: decaying drum hits, a bass, notes and a pad."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    hits = rng.standard_normal(n) * np.exp(-(t % 0.5) * 30.0) * 0.5
    bass = 0.3 * np.sin(2 * np.pi * 55.0 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    pad = 0.05 * rng.standard_normal((2, n))
    notes = np.exp(-(t % 2.0) * 2.0) * 0.1
    left = hits + bass + pad[0] + notes * np.sin(2 * np.pi * 440.0 * t)
    right = 0.8 * hits + bass + pad[1] + notes * np.sin(2 * np.pi * 660.0 * t)
    x = np.stack([left, right])
    return x * (10 ** (-6.0 / 20.0) / np.max(np.abs(x)))  # peaks at -6 dBFS


@pytest.fixture(scope="module")
def mix() -> np.ndarray:
    return clean_mix()


def kinds(report: InputReport) -> set[str]:
    return {f.kind for f in report.findings}


def test_a_clean_mix_raises_nothing(mix: np.ndarray) -> None:
    report = check_input(Audio(mix, SR, "clean"))
    assert report.findings == ()
    assert report.ok
    assert [c.name for c in report.checks] == list(CHECKS)
    assert all(c.status == "passed" for c in report.checks)
    assert report.cutoff_hz is None
    assert report.pinned_pct < 5.0
    assert report.median_psr_db > 12.0
    assert "Fit to master" in report.verdict


def test_report_shows_as_text_html_and_json(mix: np.ndarray) -> None:
    hot = mix * 4.0
    report = check_input(Audio(hot, SR, "hot"))
    text = str(report)
    assert "'hot'" in text and "Clipping" in text and "Why it matters" in text
    page = report._repr_html_()
    assert page.startswith("<div") and "studio-findings" in page
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert data["clipping_regions_s"]
    assert "InputReport('hot', ok=False" in repr(report)
    with pytest.raises(ParameterError, match="no check 'nope'"):
        report.check("nope")


# ------------------------------------------------------------------------------ clipping


def test_overs_are_found_with_their_times(mix: np.ndarray) -> None:
    x = mix.copy()
    x[:, 5 * SR : 6 * SR] *= 4.0  # 12 dB hotter for one second: over full scale there only
    report = check_input(Audio(x, SR))
    (over,) = report.findings.of_kind("over_full_scale")
    assert over.severity == "problem" and not report.ok
    assert report.clipped_samples > 0
    for start, end in report.clipping_regions_s:
        assert 5.0 <= start and end <= 6.0
    assert over.start_s is not None and over.start_s >= 5.0
    assert "5." in over.what


def test_a_mix_clipped_earlier_shows_flat_tops_where_they_are(mix: np.ndarray) -> None:
    x = mix.copy()
    x[:, 10 * SR : 11 * SR] *= 8.0
    x = np.clip(x, -0.9, 0.9)  # clipped, then stored below full scale
    report = check_input(Audio(x, SR))
    (clipped,) = report.findings.of_kind("clipped")
    assert clipped.severity == "problem"
    assert report.flat_top_runs > 3
    assert all(10.0 <= a and b <= 11.0 for a, b in report.flat_top_regions_s)
    assert report.clipped_samples == 0


# ------------------------------------------------------------------------ already limited


def test_a_limited_mix_is_found(mix: np.ndarray) -> None:
    limited = Limiter(ceiling_dbtp=-1.0, gain_db=14.0, release_ms=50.0)(Audio(mix, SR))
    report = check_input(limited)
    assert "already_limited" in kinds(report)
    assert report.pinned_pct >= 50.0
    assert report.check("limited").status == "warning"


def test_a_gently_turned_up_mix_is_not_called_limited(mix: np.ndarray) -> None:
    report = check_input(Audio(mix * 10 ** (3.0 / 20.0), SR))  # peaks at -3 dBFS, no limiter
    assert "already_limited" not in kinds(report)


# ------------------------------------------------------------------------------ headroom


@pytest.mark.parametrize(
    ("peak_dbfs", "found"),
    [(-6.0, None), (-3.5, None), (-1.0, "little_headroom"), (0.5, "no_headroom")],
)
def test_headroom(mix: np.ndarray, peak_dbfs: float, found: str | None) -> None:
    x = mix * 10 ** ((peak_dbfs + 6.0) / 20.0)
    report = check_input(Audio(x, SR))
    assert set(f.kind for f in report.check("headroom").findings) == ({found} if found else set())


def test_silence_is_a_problem() -> None:
    report = check_input(Audio(np.zeros((2, 2 * SR)), SR))
    assert "silent" in kinds(report) and not report.ok


# ---------------------------------------------------------------------------------- DC


def test_dc_offset_names_its_channel(mix: np.ndarray) -> None:
    x = mix.copy()
    x[1] += 0.01
    report = check_input(Audio(x, SR))
    (dc,) = report.findings.of_kind("dc_offset")
    assert "right" in dc.what and "+1.00%" in dc.what
    assert report.dc_offset == pytest.approx(0.01, abs=1e-4)


def test_a_tiny_offset_is_not_dc(mix: np.ndarray) -> None:
    report = check_input(Audio(mix + 2e-4, SR))
    assert "dc_offset" not in kinds(report)


# ----------------------------------------------------------------------------- lossy


def _noise(seconds: float = 8.0, sr: int = SR) -> np.ndarray:
    rng = np.random.default_rng(3)
    return 0.1 * rng.standard_normal((2, int(seconds * sr)))


@pytest.mark.parametrize("cutoff_hz", [16000.0, 19000.0])
def test_a_sharp_shelf_is_a_lossy_source(cutoff_hz: float) -> None:
    sos = butter(24, cutoff_hz, "low", fs=SR, output="sos")
    x = sosfiltfilt(sos, _noise(), axis=-1)
    found = spectral_cutoff_hz(Audio(x, SR))
    assert found is not None and abs(found - cutoff_hz) <= 300.0
    report = check_input(Audio(x, SR))
    (lossy,) = report.findings.of_kind("lossy_source")
    assert lossy.low_hz == found and lossy.high_hz == SR / 2


def test_a_real_mp3_is_a_lossy_source(mix: np.ndarray) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, mix.T, SR, format="MP3", subtype="MPEG_LAYER_III", compression_level=0.8)
    buffer.seek(0)
    decoded, sr = sf.read(buffer, dtype="float64", always_2d=True)
    report = check_input(Audio(decoded.T, sr))
    assert "lossy_source" in kinds(report)
    assert report.cutoff_hz is not None and 11000.0 <= report.cutoff_hz <= 20000.0


@pytest.mark.parametrize("kind", ["full band", "dark", "gentle top"])
def test_natural_spectra_are_not_lossy(kind: str) -> None:
    x = _noise()
    if kind == "dark":  # a mellow mix: falls off by 12 dB per octave above 3 kHz
        x = sosfiltfilt(butter(1, 3000.0, "low", fs=SR, output="sos"), x, axis=-1)
    elif kind == "gentle top":  # a steeper, natural roll-off above 12 kHz
        x = sosfiltfilt(butter(2, 12000.0, "low", fs=SR, output="sos"), x, axis=-1)
    assert spectral_cutoff_hz(Audio(x, SR)) is None


def test_a_mix_at_44k1_is_not_lossy() -> None:
    x = clean_mix(10.0, sr=44100)
    assert spectral_cutoff_hz(Audio(x, 44100)) is None


# ------------------------------------------------------------------------- sample rate


@pytest.mark.parametrize(
    ("sr", "found"),
    [(44100, None), (48000, None), (96000, None), (32000, "low_sample_rate"),
     (50000, "odd_sample_rate")],
)  # fmt: skip
def test_sample_rate(sr: int, found: str | None) -> None:
    report = check_input(Audio(clean_mix(4.0, sr=sr), sr))
    got = {f.kind for f in report.check("sample_rate").findings}
    assert got == ({found} if found else set())


# ---------------------------------------------------------------------- phase and mono


def test_an_inverted_channel_is_out_of_phase(mix: np.ndarray) -> None:
    x = np.stack([mix[0], -mix[0]])
    report = check_input(Audio(x, SR))
    (phase,) = report.findings.of_kind("out_of_phase")
    assert phase.severity == "problem" and not report.ok
    assert report.correlation < -0.99


def test_a_wide_mix_that_thins_out_in_mono(mix: np.ndarray) -> None:
    rng = np.random.default_rng(5)
    n = 10 * SR
    low = sosfiltfilt(butter(4, 300.0, "low", fs=SR, output="sos"), rng.standard_normal(n))
    high = sosfiltfilt(butter(4, 3000.0, "high", fs=SR, output="sos"), rng.standard_normal(n))
    high *= 0.95 * np.std(low) / np.std(high)  # side a little weaker: correlation just above 0
    x = 0.1 * np.stack([low + high, low - high])
    report = check_input(Audio(x, SR))
    assert report.correlation > 0.0
    assert report.mono_loss_lu > 3.0
    assert "mono_loss" in kinds(report)


def test_out_of_phase_for_a_while_says_when(mix: np.ndarray) -> None:
    x = mix.copy()
    x[1, 5 * SR : 10 * SR] = -x[0, 5 * SR : 10 * SR]
    report = check_input(Audio(x, SR))
    (part,) = report.findings.of_kind("negative_at_times")
    assert report.correlation > 0.0
    assert part.start_s is not None and part.end_s is not None
    assert 4.5 <= part.start_s <= 5.5 and 9.5 <= part.end_s <= 10.5


def test_a_mono_file_has_nothing_to_fold(mix: np.ndarray) -> None:
    report = check_input(Audio(mix[0], SR))
    assert report.check("phase").status == "passed"
    assert report.check("phase").key.endswith("phase_mono")


# ---------------------------------------------------------------------------- errors


def test_bad_input_is_refused_by_name() -> None:
    with pytest.raises(AudioDataError, match="takes the mixdown as a studio.Audio"):
        check_input(np.zeros((2, 100)))  # type: ignore[arg-type]
    bad = np.zeros((2, SR))
    bad[0, 100] = math.nan
    with pytest.raises(AudioDataError, match="NaN"):
        check_input(Audio(bad, SR, "broken"))


def test_findings_are_plain_findings_tied_to_lessons(mix: np.ndarray) -> None:
    x = np.stack([mix[0], -mix[0]]) * 4.0 + 0.01
    report = check_input(Audio(x, 32000))
    assert len(report.findings) >= 4
    for f in report.findings:
        assert isinstance(f, Finding)
        assert f.lesson.startswith("mastering.")
        assert f.what and f.why and f.try_


def test_the_long_term_spectrum_is_welchs():
    # the lossy-source check's own Welch average equals scipy's with its defaults
    from scipy.signal import welch

    from studio.mastering.checks import _welch

    rng = np.random.default_rng(5)
    for frames, n_fft in ((100_000, 8192), (9000, 4096), (8192, 8192)):
        x = rng.standard_normal((2, frames))
        freqs, power = welch(x, fs=48000, nperseg=n_fft, axis=-1)
        ours_f, ours = _welch(x, 48000, n_fft)
        np.testing.assert_allclose(ours_f, freqs)
        np.testing.assert_allclose(ours, power, rtol=1e-10)
