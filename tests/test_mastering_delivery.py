"""Delivery: conversion, dither only for integer depths, atomic writes, QC of the file."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import studio
from studio import Audio
from studio.errors import AudioDataError, AudioFileError, ParameterError
from studio.mastering.delivery import deliver

SR = 48000


def master(level_dbfs: float = -14.0, seconds: float = 4.0, sr: int = SR) -> Audio:
    t = np.arange(int(seconds * sr)) / sr
    x = 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * 997 * t)
    return Audio(np.stack([x, 0.9 * x]), sr, "master")


def test_16_bit_at_44k1_is_converted_dithered_and_reported_from_the_file(tmp_path) -> None:
    m = master()
    d = deliver(m, tmp_path / "song.wav", sample_rate=44100, bit_depth="16")
    assert d.path == tmp_path / "song.wav" and d.path.exists()
    info = sf.info(str(d.path))
    assert info.samplerate == 44100 and info.subtype == "PCM_16"
    assert d.dithered and d.sr == 44100 and d.source_sr == SR
    r = d.report
    assert r.sr == 44100 and r.subtype == "PCM_16" and r.path == str(d.path)
    # the report is of the file: its figures equal a fresh measurement of what was written
    written = studio.load(d.path, dtype="float64")
    assert r.integrated_lufs == studio.measure(written).integrated_lufs
    assert r.integrated_lufs == pytest.approx(studio.measure(m).integrated_lufs, abs=0.05)
    # dither: the error against plain rounding is noise of about one step, not zero
    converted = studio.SampleRateConverter(target_sr="44100")(m).samples
    codes = written.samples * 32768
    assert np.allclose(codes, np.round(codes))
    diff = written.samples - np.round(converted * 32768) / 32768
    assert 0.2 / 32768 < np.std(diff) < 2.0 / 32768
    assert "44100 Hz (converted from 48000 Hz)" in str(d)


def test_float_is_never_dithered_and_keeps_the_samples(tmp_path) -> None:
    m = master()
    d = deliver(m, tmp_path / "song.wav", bit_depth="float")
    assert not d.dithered and d.report.subtype == "FLOAT"
    back = studio.load(d.path, dtype="float32")
    assert np.array_equal(back.samples, m.samples.astype(np.float32))


def test_24_bit_wav_and_flac_together(tmp_path) -> None:
    d = deliver(master(), [tmp_path / "a.wav", tmp_path / "a.flac"], bit_depth="24")
    assert [p.suffix for p in d.paths] == [".wav", ".flac"]
    assert [r.subtype for r in d.reports] == ["PCM_24", "PCM_24"]
    assert d.reports[0].integrated_lufs == pytest.approx(d.reports[1].integrated_lufs, abs=1e-6)
    assert d.ok
    assert len(d.to_dict()["reports"]) == 2


def test_an_existing_file_is_not_replaced_unless_asked(tmp_path) -> None:
    path = tmp_path / "song.wav"
    deliver(master(-14.0), path)
    before = path.read_bytes()
    with pytest.raises(AudioFileError, match="already exists"):
        deliver(master(-20.0), path)
    assert path.read_bytes() == before
    d = deliver(master(-20.0), path, overwrite=True)
    assert d.report.integrated_lufs == pytest.approx(-20.43, abs=0.05)
    assert [p.name for p in tmp_path.iterdir()] == ["song.wav"]  # no temporary left


def test_the_report_judges_the_target(tmp_path) -> None:
    d = deliver(master(-23.0), tmp_path / "tv.wav", target="ebu_r128")
    assert d.report.target_key == "ebu_r128" and d.report.target_met


def test_bad_requests_are_refused_before_anything_is_written(tmp_path) -> None:
    with pytest.raises(ParameterError, match="bit_depth"):
        deliver(master(), tmp_path / "a.wav", bit_depth="12")
    with pytest.raises(ParameterError, match="FLAC stores integers"):
        deliver(master(), tmp_path / "a.flac", bit_depth="float")
    with pytest.raises(ParameterError, match="neither .wav nor .flac"):
        deliver(master(), tmp_path / "a.mp3")
    with pytest.raises(ParameterError, match="not offered"):
        deliver(master(), tmp_path / "a.wav", sample_rate=22050)
    with pytest.raises(ParameterError, match="noise_shaping"):
        deliver(master(), tmp_path / "a.wav", noise_shaping="fancy")
    hot = Audio(np.full((2, SR), 1.2), SR)
    with pytest.raises(AudioDataError, match="would clip"):
        deliver(hot, [tmp_path / "a.wav", tmp_path / "a.flac"], bit_depth="16")
    with pytest.raises(AudioDataError, match="studio.Audio"):
        deliver(np.zeros((2, 10)), tmp_path / "a.wav")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
