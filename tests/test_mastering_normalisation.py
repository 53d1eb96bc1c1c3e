"""The streaming normalisation preview: each service's gain, and the audio as heard."""

from __future__ import annotations

import numpy as np
import pytest

import studio
from studio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.mastering.normalisation import normalisation_preview
from studio.mastering.targets import TARGETS

SR = 48000


def master(level_dbfs: float, spike_dbfs: float | None = None, seconds: float = 5.0) -> Audio:
    t = np.arange(int(seconds * SR)) / SR
    x = 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * 997 * t)
    if spike_dbfs is not None:
        x[SR] = 10 ** (spike_dbfs / 20)
    return Audio(np.stack([x, x]), SR, "song")


def test_a_loud_master_is_turned_down_everywhere_that_normalises() -> None:
    p = normalisation_preview(master(-8.0))
    assert p.keys == tuple(TARGETS)
    assert p.gain_db("spotify") == pytest.approx(-6.0, abs=0.05)
    assert p.gain_db("youtube") == pytest.approx(-6.0, abs=0.05)
    assert p.gain_db("ebu_r128") == pytest.approx(-15.0, abs=0.05)
    assert p.gain_db("cd_club") == 0.0
    heard = studio.measure(p.audio("spotify"))
    assert heard.integrated_lufs == pytest.approx(-14.0, abs=0.05)


def test_a_quiet_master_is_raised_only_while_the_true_peak_allows() -> None:
    p = normalisation_preview(master(-24.0, spike_dbfs=-4.0), ["spotify", "youtube", "deezer"])
    tp = p.true_peak_dbtp
    assert p.gain_db("spotify") == pytest.approx(-1.0 - tp)  # held back by the peak
    assert p.service("spotify").held_back
    assert p.gain_db("youtube") == 0.0 and p.gain_db("deezer") == 0.0  # turned down only
    heard = studio.measure(p.audio("spotify"))
    assert heard.true_peak_dbtp == pytest.approx(-1.0, abs=0.01)
    assert heard.integrated_lufs < -14.5  # stays quieter than the playlist


def test_gains_follow_the_targets_rule_for_every_target() -> None:
    for level in (-30.0, -14.0, -5.0):
        p = normalisation_preview(master(level))
        for s in p.services:
            rule = TARGETS[s.key].playback_gain_db(p.integrated_lufs, p.true_peak_dbtp)
            assert s.gain_db == rule


def test_audio_is_the_master_scaled_and_a_stretch_can_be_asked_for() -> None:
    m = master(-10.0)
    p = normalisation_preview(m, ["apple_music"])
    out = p.audio("apple_music", 1.0, 2.0)
    assert out.n_frames == SR and out.sr == SR
    scale = 10 ** (p.gain_db("apple_music") / 20)
    assert np.allclose(out.samples, m.samples[:, SR : 2 * SR] * scale)
    assert "Apple Music" in (out.name or "")
    assert set(p.audios(0.0, 0.5)) == {"apple_music"}


def test_table_html_and_data() -> None:
    p = normalisation_preview(master(-8.0), ["spotify", "cd_club"])
    text = str(p)
    assert "Spotify (normal)" in text and "-6.0" in text
    assert "<table" in p._repr_html_()
    data = p.to_dict()
    assert [r["key"] for r in data["services"]] == ["spotify", "cd_club"]
    assert data["services"][1]["gain_db"] == 0.0


def test_bad_input() -> None:
    with pytest.raises(AudioDataError, match="studio.Audio"):
        normalisation_preview(np.zeros((2, 100)))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="no target called"):
        normalisation_preview(master(-14.0), ["nope"])
    with pytest.raises(ParameterError, match="not in it"):
        normalisation_preview(master(-14.0), ["spotify"]).service("tidal")
