"""The ready-for-mastering report: calibrated figures, clipping, the master bus, format."""

from __future__ import annotations

import dataclasses
import json
import math
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import studio
from studio.audio import Audio
from studio.dsp.loudness import k_weighting_response_db
from studio.errors import AudioDataError, ParameterError
from studio.mixing import MixReport, ready_for_mastering
from studio.mixing.report import CHECKS, MERGE_GAP_S
from studio.processors.base import Branch, Chain, Parallel
from studio.processors.delivery import Dither, SampleRateConverter
from studio.processors.dynamics import Compressor, Limiter, MultibandCompressor
from studio.processors.eq import ParametricEQ
from studio.text import t, use_language

SR = 48000
MINUS_6_DBFS = 10.0 ** (-6.0 / 20.0)
PLUS_2_DBFS = 10.0 ** (2.0 / 20.0)


def stereo_sine(
    amplitude: float, seconds: float = 3.0, freq_hz: float = 997.0, sr: int = SR
) -> np.ndarray:
    n = np.arange(int(round(seconds * sr)))
    tone = amplitude * np.sin(2.0 * np.pi * freq_hz * n / sr)
    return np.stack([tone, tone])


@pytest.fixture(scope="module")
def clean_mix() -> Audio:
    """A 997 Hz stereo sine peaking at -6 dBFS: the calibrated clean mix."""
    return Audio(stereo_sine(MINUS_6_DBFS), SR, "clean")


def kinds(report: MixReport) -> list[str]:
    return [f.kind for f in report.findings]


# ------------------------------------------------------------------- calibrated figures


def test_a_minus_6_dbfs_sine_reads_exactly(clean_mix):
    report = ready_for_mastering(clean_mix, subtype="PCM_24")
    assert report.sample_peak_dbfs == pytest.approx(-6.0, abs=0.05)
    assert report.true_peak_dbtp == pytest.approx(-6.0, abs=0.05)
    assert report.headroom_db == pytest.approx(6.0, abs=0.05)
    assert report.headroom_db == -report.sample_peak_dbfs
    # BS.1770: a full-scale 997 Hz sine in one channel reads -3.01 LKFS, so the same sine
    # at -6 dBFS in both channels reads -3.01 + 3.01 - 6 = -6.0 LUFS ...
    assert report.integrated_lufs == pytest.approx(-6.0, abs=0.05)
    # ... and from the definition: -0.691 + 10 log10(sum of the channels' mean squares
    # after the K-filter), each channel's mean square being A^2 / 2 * |K(997 Hz)|^2.
    k_db = float(k_weighting_response_db([997.0], SR)[0])
    expected = -0.691 + 10.0 * math.log10(2 * MINUS_6_DBFS**2 / 2) + k_db
    assert report.integrated_lufs == pytest.approx(expected, abs=0.01)
    assert report.clipped_samples == 0 and report.worst_over_db == 0.0
    assert report.flat_top_runs == 0 and report.clipping_regions_s == ()
    assert report.sr == SR and report.n_channels == 2
    assert report.duration_s == pytest.approx(3.0)


def test_a_clean_24_bit_mix_with_an_empty_master_passes(clean_mix):
    for master in (None, Chain()):
        report = ready_for_mastering(clean_mix, master=master, subtype="PCM_24")
        assert report.ok
        assert report.findings == ()
        assert [c.name for c in report.checks] == list(CHECKS)
        assert all(c.status == "passed" and c.passed for c in report.checks)
        assert report.check("master_bus").line == t("report.passed.master_empty")
        assert report.verdict == t("report.verdict.ready")
        assert report.limiter_paths == () and report.heavy_compression_paths == ()
        assert not report.dithered and report.subtype == "PCM_24"


def test_float_and_32_bit_exports_are_full_resolution(clean_mix):
    for subtype, depth in (("FLOAT", "32-bit float"), ("pcm_32", "32-bit"), ("DOUBLE", "64")):
        report = ready_for_mastering(clean_mix, subtype=subtype)
        assert report.findings == ()
        assert depth in report.check("resolution").line


# ------------------------------------------------------------------------- headroom


@pytest.mark.parametrize(
    ("peak_dbfs", "kind", "key"),
    [
        (-2.0, "too_hot", "report.findings.too_hot"),
        (-30.0, "too_quiet", "report.findings.too_quiet"),
    ],
)
def test_too_hot_and_too_quiet_are_worth_a_look(peak_dbfs, kind, key):
    mix = Audio(stereo_sine(10.0 ** (peak_dbfs / 20.0), seconds=1.0), SR)
    report = ready_for_mastering(mix, subtype="PCM_24")
    (found,) = report.findings
    assert found.kind == kind and found.key == key
    assert found.severity == "warning" and found.lesson == "mixing.mixdown"
    assert report.ok  # worth a look, not a blocker
    move = "cut_db" if kind == "too_hot" else "boost_db"
    assert found.fields[move] == pytest.approx(abs(peak_dbfs + 6.0), abs=0.05)


@pytest.mark.parametrize("peak_dbfs", [-3.1, -6.0, -19.9])
def test_peaks_between_minus_20_and_minus_3_dbfs_pass(peak_dbfs):
    mix = Audio(stereo_sine(10.0 ** (peak_dbfs / 20.0), seconds=1.0), SR)
    assert ready_for_mastering(mix, subtype="FLOAT").check("headroom").status == "passed"


def test_silence_is_a_problem_and_measures_without_nan():
    report = ready_for_mastering(Audio(np.zeros((2, SR)), SR, "nothing"), subtype="PCM_24")
    assert kinds(report) == ["silent"] and not report.ok
    assert report.sample_peak_dbfs == -math.inf and report.headroom_db == math.inf
    assert report.check("loudness").line == t("report.passed.loudness_unmeasured")
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["headroom_db"] is None and data["ok"] is False


def test_inter_sample_peaks_over_full_scale_are_caught():
    # a sine at a quarter of the rate, 45 degrees off: every sample sits at 0.707 of the
    # crest, so the samples stay at -0.5 dBFS while the waveform reaches about +2.5 dBTP
    crest = 10.0 ** (-0.5 / 20.0) / math.cos(math.pi / 4)
    n = np.arange(SR)
    tone = crest * np.sin(2 * np.pi * (SR / 4) * n / SR + math.pi / 4)
    report = ready_for_mastering(Audio(np.stack([tone, tone]), SR), subtype="PCM_24")
    assert report.sample_peak_dbfs == pytest.approx(-0.5, abs=1e-6)
    assert report.true_peak_dbtp > 2.0
    assert report.clipped_samples == 0
    assert "true_peak_over" in kinds(report) and "clipping" not in kinds(report)


# ------------------------------------------------------------------------- clipping


def test_a_float_mix_over_full_scale_is_found_at_the_right_times():
    x = np.full((2, 4 * SR), 0.25)
    spikes = {SR: 10, int(1.05 * SR): 4, int(2.5 * SR): 5}  # start frame -> length
    for start, length in spikes.items():
        x[0, start : start + length] = PLUS_2_DBFS
    x[1, int(2.5 * SR) + 1] = -1.1  # the other channel, inside the third run
    report = ready_for_mastering(Audio(x, SR, "spiky"), subtype="FLOAT")
    assert report.clipped_samples == 10 + 4 + 5 + 1
    assert report.worst_over_db == pytest.approx(2.0, abs=1e-9)
    assert report.sample_peak_dbfs == pytest.approx(2.0, abs=1e-9)
    # the runs 0.05 s apart merge into one range; the one 1.45 s later stays apart
    assert 0.05 < MERGE_GAP_S
    first, second = report.clipping_regions_s
    assert first == pytest.approx((1.0, 1.05 + 4 / SR))
    assert second == pytest.approx((2.5, 2.5 + 5 / SR))
    found = report.findings.of_kind("clipping")[0]
    assert found.severity == "problem" and not report.ok
    assert (found.start_s, found.end_s) == pytest.approx((1.0, 2.5 + 5 / SR))
    assert "20 samples" in found.what and "1.00-1.05 s, 2.50-2.50 s" in found.what
    # no headroom either: a warning beside the problem, with its own words
    (headroom,) = report.check("headroom").findings
    assert headroom.kind == "too_hot" and headroom.key == "report.findings.over_full_scale"


def test_a_sine_at_plus_2_dbfs_clips_where_and_as_often_as_it_should():
    seconds, burst = 4.0, (1.0, 2.5)
    x = np.zeros((2, int(seconds * SR)))
    start, stop = int(burst[0] * SR), int(burst[1] * SR)
    x[:, start:stop] = stereo_sine(PLUS_2_DBFS, seconds=burst[1] - burst[0])
    report = ready_for_mastering(Audio(x, SR), subtype="FLOAT")
    # a sine of crest A is above 1 for a fraction 1 - (2 / pi) asin(1 / A) of the time
    fraction = 1.0 - 2.0 / math.pi * math.asin(1.0 / PLUS_2_DBFS)
    expected = 2 * (stop - start) * fraction
    assert report.clipped_samples == pytest.approx(expected, rel=0.01)
    ((first_s, last_s),) = report.clipping_regions_s
    period_s = 1.0 / 997.0
    assert first_s == pytest.approx(burst[0], abs=period_s / 2)
    assert last_s == pytest.approx(burst[1], abs=period_s / 2)


def test_a_hard_clipped_file_shows_flat_tops(tmp_path):
    # +6 dBFS at 100 Hz clipped to full scale: one flat top per half period (480 samples
    # per period at 48 kHz), through a real 16-bit file and back
    clipped = np.clip(stereo_sine(2.0, seconds=1.0, freq_hz=100.0), -1.0, 1.0)
    path = studio.save(Audio(clipped, SR, "clipped"), tmp_path / "clipped.wav", subtype="PCM_16")
    mix = studio.load(path)
    report = ready_for_mastering(mix, subtype="PCM_24")
    assert report.flat_top_runs == 2 * 100 * 2  # two per period, 100 periods, two channels
    # each flat top: where |2 sin| >= 1, from 30 to 150 degrees of every half period (160
    # of its 240 samples), give or take the sample at each end
    assert report.flat_top_samples == pytest.approx(400 * 160, rel=0.01)
    assert report.clipped_samples == 0
    ((start_s, end_s),) = report.flat_top_regions_s
    assert start_s == pytest.approx(1 / 600, abs=1e-3) and end_s == pytest.approx(1.0, abs=3e-3)
    found = report.findings.of_kind("flat_tops")[0]
    assert found.severity == "problem" and not report.ok
    assert "400 places" in found.what


def test_a_clipped_mix_turned_down_still_shows_its_flat_tops():
    clipped = 0.5 * np.clip(stereo_sine(2.0, seconds=1.0, freq_hz=100.0), -1.0, 1.0)
    report = ready_for_mastering(Audio(clipped, SR), subtype="PCM_24")
    assert report.sample_peak_dbfs == pytest.approx(-6.02, abs=0.01)
    assert report.flat_top_runs == 400
    (found,) = report.findings
    assert found.kind == "flat_tops" and found.severity == "warning"


def test_two_equal_samples_at_the_peak_are_not_a_flat_top():
    x = np.full((1, 100), 0.1)
    x[0, 10:12] = 0.5  # two in a row
    x[0, 50:53] = -0.5  # three in a row: a flat top
    report = ready_for_mastering(Audio(x, SR), subtype="PCM_24")
    assert report.flat_top_runs == 1 and report.flat_top_samples == 3
    ((start_s, end_s),) = report.flat_top_regions_s
    assert (start_s, end_s) == pytest.approx((50 / SR, 53 / SR))


# ----------------------------------------------------------------------- master bus


def test_a_limiter_on_the_master_bus_is_a_teaching_warning(clean_mix):
    master = Chain(ParametricEQ(), Limiter())
    report = ready_for_mastering(clean_mix, master=master, subtype="PCM_24")
    (found,) = report.findings
    assert found.kind == "limiter" and found.severity == "warning"
    assert report.ok and report.limiter_paths == (("processors", 1),)
    assert "processors[1]" in found.what
    # the master bus may be the limiter itself
    alone = ready_for_mastering(clean_mix, master=Limiter(), subtype="PCM_24")
    assert alone.limiter_paths == ((),)
    assert t("report.places.itself") in alone.findings[0].what


def test_any_limiter_class_counts(clean_mix):
    @dataclasses.dataclass(frozen=True)
    class _TruePeakLimiter(Compressor):
        pass

    report = ready_for_mastering(clean_mix, master=_TruePeakLimiter(ratio=1.5), subtype="PCM_24")
    assert "limiter" in kinds(report)


def test_compression_at_ratio_8_is_heavy(clean_mix):
    master = Chain(Chain(ParametricEQ(), Compressor(ratio=8.0)))
    report = ready_for_mastering(clean_mix, master=master, subtype="PCM_24")
    (found,) = report.findings
    assert found.kind == "heavy_compression" and found.severity == "warning"
    assert report.heavy_compression_paths == (("processors", 0, "processors", 1),)
    assert found.fields["ratio"] == 8.0
    # what the compressor's own trace takes off the mix: on the static curve, -6 dBFS is
    # 12 dB over a -18 dB threshold, so 10.5 dB at 8:1 (the detector's ripple on a sine
    # keeps the trace a little under that)
    trace = Compressor(ratio=8.0).gain_reduction_db(clean_mix.samples, SR)
    assert found.fields["max_reduction_db"] == pytest.approx(-float(np.min(trace)))
    assert found.fields["mean_reduction_db"] == pytest.approx(-float(np.mean(trace)))
    assert 8.0 < found.fields["mean_reduction_db"] <= found.fields["max_reduction_db"] < 10.6


def test_a_gentle_ratio_is_heavy_when_it_takes_off_a_lot(clean_mix):
    # 2:1 from -40 dB: the sine is 34 dB over, so about 17 dB comes off
    master = Chain(Compressor(ratio=2.0, threshold_db=-40.0))
    report = ready_for_mastering(clean_mix, master=master, subtype="PCM_24")
    assert kinds(report) == ["heavy_compression"]
    assert report.max_gain_reduction_db > 10.0


def test_gentle_glue_compression_passes_with_its_figure(clean_mix):
    master = Chain(Compressor(ratio=1.5, threshold_db=-10.0, knee_db=0.0))
    report = ready_for_mastering(clean_mix, master=master, subtype="PCM_24")
    assert report.findings == ()
    # 4 dB over at 1.5:1 leaves 2.67 dB over: 1.33 dB off on the static curve, a little
    # less through the detector
    trace = master.processors[0].gain_reduction_db(clean_mix.samples, SR)
    assert report.max_gain_reduction_db == pytest.approx(-float(np.min(trace)))
    assert 0.5 < report.max_gain_reduction_db < 4.0 / 3.0 + 0.05
    line = report.check("master_bus").line
    assert line == t("report.passed.master_gentle", max_reduction_db=report.max_gain_reduction_db)


def test_a_multiband_compressor_counts_its_highest_band_ratio(clean_mix):
    bands = MultibandCompressor().bands
    heavy = MultibandCompressor(bands=(bands[0], bands[1].replace(ratio=6.0), bands[2]))
    report = ready_for_mastering(clean_mix, master=heavy, subtype="PCM_24")
    assert report.heavy_compression_paths == ((),)
    assert report.findings[0].fields["ratio"] == 6.0


@pytest.mark.parametrize(
    "master",
    [
        Chain(Limiter(bypass=True)),
        Chain(Chain(Limiter(), Compressor(ratio=8.0), bypass=True)),
        Parallel(branches=[Branch(Limiter(), mute=True)]),
        Parallel(branches=[Branch(Compressor(ratio=8.0))], mix_pct=0.0),
    ],
    ids=["bypassed", "in a bypassed chain", "muted branch", "parallel all dry"],
)
def test_what_is_not_heard_is_not_reported(clean_mix, master):
    report = ready_for_mastering(clean_mix, master=master, subtype="PCM_24")
    assert report.findings == ()
    assert report.check("master_bus").line == t("report.passed.master_empty")


def test_a_master_bus_that_works_but_does_not_squash_passes(clean_mix):
    report = ready_for_mastering(clean_mix, master=Chain(ParametricEQ()), subtype="PCM_24")
    assert report.check("master_bus").line == t("report.passed.master_clean")


def test_an_automated_ratio_counts_at_its_highest(clean_mix):
    ratio = studio.Envelope(times_s=(0.0, 2.0), values=(1.5, 6.0))
    report = ready_for_mastering(clean_mix, master=Compressor(ratio=ratio), subtype="PCM_24")
    assert report.findings.of_kind("heavy_compression")[0].fields["ratio"] == 6.0


# ---------------------------------------------------------- resolution, dither, rate


def test_16_bit_export_is_worth_a_look(clean_mix):
    report = ready_for_mastering(clean_mix, subtype="PCM_16")
    (found,) = report.findings
    assert found.kind == "low_resolution" and found.severity == "warning"
    assert "PCM_16 (16-bit)" in found.what and report.ok


@pytest.mark.parametrize(
    ("subtype", "kind"),
    [("PCM_S8", "low_resolution"), ("VORBIS", "lossy"), ("MPEG_LAYER_III", "lossy")],
)
def test_8_bit_and_lossy_exports_are_problems(clean_mix, subtype, kind):
    report = ready_for_mastering(clean_mix, subtype=subtype)
    (found,) = report.findings
    assert found.kind == kind and found.severity == "problem" and not report.ok


def test_no_export_format_is_a_note(clean_mix):
    report = ready_for_mastering(clean_mix)
    (found,) = report.findings
    assert found.kind == "resolution_unknown" and found.severity == "info"
    assert report.ok and report.check("resolution").passed
    assert report.verdict == t("report.verdict.ready")


def test_dither_belongs_to_mastering(clean_mix):
    report = ready_for_mastering(clean_mix, subtype="PCM_24", dithered=True)
    (found,) = report.findings
    assert found.kind == "dither" and found.severity == "warning" and report.dithered
    assert "dither belongs to mastering" in found.why.lower()
    # a dither stage on the master bus says where it is
    on_bus = ready_for_mastering(clean_mix, master=Chain(Dither(bit_depth="24")), subtype="FLOAT")
    (found,) = on_bus.findings
    assert found.kind == "dither" and "processors[0]" in found.what and on_bus.dithered


def test_the_sample_rate_is_reported_and_kept(clean_mix):
    report = ready_for_mastering(clean_mix, subtype="PCM_24")
    assert "48000 Hz" in report.check("sample_rate").line
    converted = ready_for_mastering(
        clean_mix, master=Chain(SampleRateConverter(target_sr="44100")), subtype="PCM_24"
    )
    (found,) = converted.findings
    assert found.kind == "sample_rate_changed" and "44100 Hz" in found.what
    low = Audio(stereo_sine(MINUS_6_DBFS, seconds=1.0, freq_hz=440.0, sr=22050), 22050)
    (found,) = ready_for_mastering(low, subtype="PCM_24").findings
    assert found.kind == "low_sample_rate" and "11.025 kHz" in found.why


# --------------------------------------------------------------------- bad input


def test_bad_input_is_refused_plainly(clean_mix):
    with pytest.raises(AudioDataError, match=r"takes the mix as a studio\.Audio"):
        ready_for_mastering(np.zeros((2, 10)))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="master must be what sits on the master bus"):
        ready_for_mastering(clean_mix, master="limiter")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="subtype must be a soundfile subtype"):
        ready_for_mastering(clean_mix, subtype="PCM_99")
    with pytest.raises(ParameterError, match="dithered must be True or False"):
        ready_for_mastering(clean_mix, dithered="yes")  # type: ignore[arg-type]
    with pytest.raises(AudioDataError, match="no samples"):
        ready_for_mastering(Audio(np.zeros((2, 0)), SR, "empty"))
    bad = np.zeros((2, 100))
    bad[1, 40] = np.nan
    with pytest.raises(AudioDataError, match="NaN"):
        ready_for_mastering(Audio(bad, SR, "broken"))
    with pytest.raises(ParameterError, match="no check 'nope'"):
        ready_for_mastering(clean_mix).check("nope")


# ------------------------------------------------------------------------- showing


def test_text_and_html_show_the_verdict_figures_and_findings(clean_mix):
    x = stereo_sine(PLUS_2_DBFS, seconds=1.0)
    report = ready_for_mastering(Audio(x, SR, "<hot> mix"), subtype="PCM_16", dithered=True)
    text = str(report)
    assert report.verdict in text and "+2.0 dBFS" in text and "PCM_16, dither on" in text
    for c in report.checks:
        assert c.label in text
    for f in report.findings:
        assert f.heading.split(" · ")[0] in text
    html = report._repr_html_()
    assert "&lt;hot&gt; mix" in html and "<hot>" not in html
    assert "#c0392b" in html and "#d08a1c" in html  # problem and warning colours
    assert 'class="studio-findings"' in html
    clean = ready_for_mastering(clean_mix, subtype="PCM_24")._repr_html_()
    assert "#2e8b57" in clean and "#c0392b" not in clean and "studio-findings" not in clean
    assert repr(report).startswith("MixReport('<hot> mix', ok=False")


def test_the_report_is_frozen_and_serialisable(clean_mix):
    report = ready_for_mastering(clean_mix, master=Chain(Limiter()), subtype="PCM_24")
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.headroom_db = 0.0  # type: ignore[misc]
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["limiter_paths"] == ["processors[0]"]
    assert [c["name"] for c in data["checks"]] == list(CHECKS)
    assert data["findings"][0]["kind"] == "limiter"


def test_the_report_speaks_the_chosen_language(clean_mix):
    report = ready_for_mastering(clean_mix, master=Chain(Limiter()))
    english = str(report)
    with use_language("es"):
        text = str(report)  # whatever Spanish lacks is shown in English
        lesson = t("lessons.mixing.mixdown.title")
    assert lesson in text and lesson not in english
    assert "limitador en el bus máster" in text and "Pico real" in text


def test_words_inside_a_finding_follow_the_language_too(clean_mix):
    # made in English, shown in Spanish: the place, the processor's name and the dither
    # stage's words are looked up when shown, like the sentences around them
    master = Chain(Compressor(ratio=8.0), Dither(bit_depth="24"))
    report = ready_for_mastering(clean_mix, master=master, subtype="PCM_24")
    with use_language("es"):
        heavy = report.findings.of_kind("heavy_compression")[0].what
        dither = report.findings.of_kind("dither")[0].what
        name = Compressor.class_name()
        assert t("report.places.stage", path="processors[0]") in heavy
        assert f"{name} (" in heavy
        assert t("report.findings.dither.where.master", name="Dither", place="x")[:12] in dither
    assert heavy != report.findings.of_kind("heavy_compression")[0].what
    # and they travel with the finding
    again = pickle.loads(pickle.dumps(report.findings))
    assert [f.what for f in again] == [f.what for f in report.findings]


# ------------------------------------------------------------------------ invariants


@given(
    samples=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 2), st.integers(1, 3000)),
        elements=st.floats(-4.0, 4.0, allow_nan=False, allow_subnormal=False),
    ),
    sr=st.sampled_from([8000, 44100, 48000, 96000]),
)
def test_figures_are_never_nan_and_headroom_is_minus_the_peak(samples, sr):
    report = ready_for_mastering(Audio(samples, sr), subtype="PCM_24")
    figures = [
        report.sample_peak_dbfs,
        report.true_peak_dbtp,
        report.integrated_lufs,
        report.headroom_db,
        report.worst_over_db,
        report.max_gain_reduction_db,
    ]
    assert not any(math.isnan(v) for v in figures)
    assert report.headroom_db == -report.sample_peak_dbfs
    assert report.clipped_samples == int(np.count_nonzero(np.abs(samples) > 1.0))
    assert report.true_peak_dbtp >= report.sample_peak_dbfs - 1e-6
    assert report.ok == (not any(f.severity == "problem" for f in report.findings))
    assert (report.clipped_samples > 0) == bool(report.findings.of_kind("clipping"))
    for start_s, end_s in report.clipping_regions_s + report.flat_top_regions_s:
        assert 0.0 <= start_s < end_s <= samples.shape[1] / sr + 1e-12
    assert str(report)
