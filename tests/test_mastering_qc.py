"""The quality-control report: figures from the meter, overs with their times, verdicts."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.signal import resample_poly

import studio
from studio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.mastering.qc import QCReport, qc_file, qc_report
from studio.mastering.targets import TARGETS, target

SR = 48000


def tone(level_dbfs: float, seconds: float = 6.0, freq: float = 997.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * freq * t)


def stereo(x: np.ndarray, name: str = "master") -> Audio:
    return Audio(np.stack([x, x]), SR, name)


def independent_true_peak_dbtp(samples: np.ndarray) -> float:
    up = resample_poly(samples, 8, 1, axis=-1)
    return 20 * math.log10(float(np.max(np.abs(up))))


def test_figures_are_the_meters_and_the_target_is_met() -> None:
    audio = stereo(tone(-14.0))  # a 997 Hz sine at -14 dBFS peak reads -14 LUFS
    m = studio.measure(audio)
    r = qc_report(audio, "spotify")
    assert r.integrated_lufs == m.integrated_lufs
    assert r.true_peak_dbtp == m.true_peak_dbtp
    assert r.plr_db == m.plr_db and r.lra_lu == m.lra_lu
    assert r.median_psr_db == m.median_psr_db
    assert r.integrated_lufs == pytest.approx(-14.0, abs=0.05)
    assert r.true_peak_dbtp == pytest.approx(independent_true_peak_dbtp(audio.samples), abs=0.1)
    assert r.target_met is True and r.ok
    assert r.overs == ()
    assert "Spotify" in r.verdict
    # curves every 100 ms, at the end of each window
    assert np.allclose(np.diff(r.momentary_times_s), 0.1)
    assert r.momentary_times_s[0] == pytest.approx(0.4)
    assert r.short_term_times_s[0] == pytest.approx(3.0)


def test_loudness_outside_the_tolerance_misses_the_target() -> None:
    r = qc_report(stereo(tone(-15.0)), "spotify")  # 1 LU quiet
    assert r.loudness_ok is False and r.ceiling_ok and r.target_met is False
    assert r.check("loudness").status == "problem"
    assert not r.ok
    near = qc_report(stereo(tone(-14.4)), "spotify")
    assert near.target_met is True


def test_sample_overs_are_found_where_they_are() -> None:
    x = tone(-20.0)
    x[int(1.5 * SR) : int(1.5 * SR) + 5] = 1.0  # full scale
    x[int(4.0 * SR)] = 10 ** (-0.5 / 20)  # over the -1 dBTP ceiling but under full scale
    r = qc_report(stereo(x), "spotify")
    overs = r.sample_overs
    assert len(overs) == 2
    assert overs[0].start_s == pytest.approx(1.5, abs=1e-4)
    assert overs[0].peak_db == pytest.approx(0.0, abs=1e-9)
    assert overs[0].count == 10  # 5 frames in each of 2 channels
    assert overs[1].start_s == pytest.approx(4.0, abs=1e-4)
    assert overs[1].peak_db == pytest.approx(-0.5, abs=1e-6)
    assert r.check("overs").status == "problem" and r.ceiling_ok is False
    text = str(r)
    assert "1.500" in text and "4.000" in text
    # without a target only full scale counts
    assert len(qc_report(stereo(x), None).sample_overs) == 1


def test_inter_sample_overs_are_found_between_samples() -> None:
    # fs/4 at 45 degrees: samples at 0.707 of the crest, so samples sit 3 dB under the peak
    x = tone(-30.0)
    n = np.arange(int(0.5 * SR))
    crest = 10 ** (-0.5 / 20)
    burst = crest * np.sin(2 * np.pi * (SR / 4) * n / SR + np.pi / 4)
    x[2 * SR : 2 * SR + n.size] = burst
    audio = stereo(x)
    r = qc_report(audio, "spotify")
    assert r.sample_overs == ()
    assert len(r.inter_sample_overs) == 1
    over = r.inter_sample_overs[0]
    assert over.start_s == pytest.approx(2.0, abs=0.02)
    assert over.end_s == pytest.approx(2.5, abs=0.02)
    assert over.peak_db == pytest.approx(independent_true_peak_dbtp(audio.samples), abs=0.2)
    assert over.peak_db > -1.0
    assert r.ceiling_ok is False


def test_mono_and_phase_checks() -> None:
    x = tone(-20.0)
    inverted = qc_report(Audio(np.stack([x, -x]), SR), "spotify")
    assert inverted.check("phase").status == "problem"
    assert inverted.check("mono").status == "problem"  # cancels
    rng = np.random.default_rng(1)
    wide = Audio(0.05 * rng.standard_normal((2, 6 * SR)), SR)
    r = qc_report(wide, "spotify")
    assert r.check("phase").status in ("warning", "passed")
    assert r.mono_loss_lu == pytest.approx(3.0, abs=0.3)
    assert qc_report(stereo(x), "spotify").check("phase").status == "passed"
    mono = qc_report(Audio(x, SR), "spotify")
    assert mono.check("mono").status == "passed"


@pytest.mark.parametrize("level", [-30.0, -14.0, -6.0])
def test_every_service_gain_is_the_targets_rule(level: float) -> None:
    r = qc_report(stereo(tone(level)), "spotify")
    assert {s.key for s in r.services} == set(TARGETS)
    for s in r.services:
        expected = TARGETS[s.key].playback_gain_db(r.integrated_lufs, r.true_peak_dbtp)
        assert s.gain_db == expected
        assert s.lufs_after == pytest.approx(r.integrated_lufs + expected)
    if level == -30.0:
        assert r.service("spotify").gain_db == pytest.approx(16.0, abs=0.05)
        assert r.service("youtube").gain_db == 0.0  # never raises
        assert r.service("youtube").held_back


def test_a_quiet_master_with_high_peaks_is_raised_only_to_the_peak_limit() -> None:
    x = tone(-30.0)
    x[SR] = 10 ** (-6.0 / 20)
    r = qc_report(stereo(x), "spotify")
    spotify = r.service("spotify")
    assert spotify.gain_db == pytest.approx(-1.0 - r.true_peak_dbtp)
    assert spotify.true_peak_after_dbtp == pytest.approx(-1.0)
    assert spotify.held_back and "held back" in spotify.line


def test_json_round_trip(tmp_path) -> None:
    x = tone(-18.0)
    x[SR] = 1.0
    r = qc_report(stereo(x), "ebu_r128")
    path = tmp_path / "qc.json"
    text = r.to_json(path)
    data = json.loads(path.read_text())
    assert data == json.loads(text)
    assert data["target"] == "ebu_r128" and data["target_met"] is False
    assert "sample" in {o["kind"] for o in data["overs"]}
    back = QCReport.from_json(path)
    assert back.to_dict() == r.to_dict()
    assert str(back) == str(r)
    assert np.allclose(back.short_term_lufs, r.short_term_lufs, atol=1e-4)
    assert QCReport.from_json(text).target_met is False


def test_silence_reports_plainly_and_writes_valid_json() -> None:
    r = qc_report(stereo(np.zeros(SR)), "spotify")
    assert r.integrated_lufs == -math.inf
    assert r.check("loudness").status == "problem"
    assert "-inf" in r.to_json()
    back = QCReport.from_dict(json.loads(r.to_json()))
    assert back.integrated_lufs == -math.inf and math.isnan(back.median_psr_db)
    assert all(s.gain_db == 0.0 for s in r.services)
    assert str(r)


def test_html_shows_verdict_checks_and_playback() -> None:
    r = qc_report(stereo(tone(-14.0)), "spotify")
    page = r._repr_html_()
    assert "studio-qc-report" in page
    for piece in (r.verdict, r.check("overs").line, target("deezer").name):
        assert piece.replace("'", "&#x27;") in page


def test_from_a_file_names_the_encoding(tmp_path) -> None:
    path = studio.save(stereo(tone(-14.0), "song"), tmp_path / "song.wav", subtype="PCM_24")
    r = qc_file(path, "spotify")
    assert r.subtype == "PCM_24" and r.name == "song"
    assert r.target_met is True
    assert "PCM_24" in str(r)


def test_bad_input_is_refused_plainly() -> None:
    with pytest.raises(AudioDataError, match="studio.Audio"):
        qc_report(np.zeros((2, 10)))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="no target called"):
        qc_report(stereo(tone(-14.0)), "spotifi")
    with pytest.raises(ParameterError, match="format"):
        QCReport.from_dict({"format": "other"})


def test_the_figure_shows_loudness_target_ceiling_and_overs() -> None:
    from studio.widgets.qc_figure import qc_figure

    x = tone(-16.0)
    x[int(2.0 * SR)] = 1.0
    r = qc_report(stereo(x), "spotify")
    fig = qc_figure(QCReport.from_dict(r.to_dict()))
    names = [trace.name for trace in fig.data]
    assert any("Target -14" in n for n in names)
    assert any("Ceiling -1" in n for n in names)
    overs = [trace for trace in fig.data if trace.name == "Sample overs"]
    assert len(overs) == 1 and overs[0].x[0] == pytest.approx(2.0, abs=0.01)
    short = next(trace for trace in fig.data if trace.name.startswith("Short-term"))
    assert len(short.x) == r.short_term_times_s.size


def test_a_report_pickles_for_worker_processes() -> None:
    import pickle

    r = qc_report(stereo(tone(-14.0)), "spotify")
    back = pickle.loads(pickle.dumps(r))
    assert back.to_dict() == r.to_dict()
