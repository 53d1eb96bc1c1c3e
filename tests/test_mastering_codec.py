"""Codec preview: the round trip keeps the loudness, lines up with the original, and
finds the inter-sample overs a hot master gains in the encoder."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.signal import butter, resample_poly, sosfilt

from studio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.mastering.codec import (
    CODECS,
    _shift,
    align,
    available_codecs,
    codec_preview,
)
from studio.processors.dynamics import Limiter

SR = 48000
OFFERED = available_codecs()


def song(seconds: float = 12.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """Music-like stereo: darker drum hits (most energy below 5 kHz), a bass, a pad."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    dark = butter(2, 4000.0, "low", fs=sr, output="sos")
    hits = sosfilt(dark, rng.standard_normal(n)) * np.exp(-(t % 0.5) * 12.0)
    bass = 0.4 * np.sin(2 * np.pi * 55.0 * t)
    pad = 0.1 * sosfilt(dark, rng.standard_normal((2, n)), axis=-1)
    x = np.stack([hits + bass, 0.8 * hits + bass]) + pad
    return x * (0.5 / np.max(np.abs(x)))


@pytest.fixture(scope="module")
def hot_master() -> Audio:
    """Limited hard to a -1 dBTP ceiling: the kind of master a codec pushes over."""
    return Limiter(ceiling_dbtp=-1.0, gain_db=14.0)(Audio(song(), SR, "hot"))


def independent_true_peak_dbtp(x: np.ndarray) -> float:
    return 20 * np.log10(max(np.max(np.abs(resample_poly(row, 8, 1))) for row in x))


def test_the_codecs_are_offered() -> None:
    assert set(OFFERED) <= set(CODECS)
    assert "vorbis" in OFFERED  # every libsndfile with Ogg has it


@pytest.mark.parametrize("codec", OFFERED)
def test_round_trip_keeps_loudness_length_and_alignment(codec: str) -> None:
    master = Audio(song(), SR, "song")
    preview = codec_preview(master, codec)
    out = preview.audio
    assert out.sr == SR and out.samples.shape == master.samples.shape
    assert np.all(np.isfinite(out.samples))
    assert abs(preview.loudness_change_lu) < 0.5
    assert abs(align(out.samples, master.samples)) <= 2  # in step after the delay is removed
    assert 32.0 < preview.bitrate_kbps < 400.0
    assert out.name == f"song · {codec}"


def test_align_finds_a_known_delay_both_ways() -> None:
    x = song(4.0)
    for delay in (1105, -300, 0):
        moved = _shift(x, -delay, x.shape[1])  # delay > 0: comes late
        assert align(moved, x) == delay
        back = _shift(moved, delay, x.shape[1])
        np.testing.assert_array_equal(back[:, 2000:-2000], x[:, 2000:-2000])


@pytest.mark.parametrize("codec", [c for c in ("vorbis", "opus") if c in OFFERED])
def test_a_hot_master_gains_overs_with_their_times(hot_master: Audio, codec: str) -> None:
    before = independent_true_peak_dbtp(hot_master.samples)
    assert before <= -0.95  # the limiter held its ceiling
    preview = codec_preview(hot_master, codec, ceiling_dbtp=-1.0)
    assert preview.new_overs, "the encoder should push some peaks over the ceiling"
    after = independent_true_peak_dbtp(preview.audio.samples)
    assert after > -1.0
    assert preview.true_peak_after_dbtp == pytest.approx(after, abs=0.2)
    for over in preview.new_overs:
        assert over.created and over.peak_dbtp > -1.0 >= over.before_dbtp
        assert 0.0 <= over.start_s < over.end_s <= hot_master.duration_s
        start, end = int(over.start_s * SR), int(over.end_s * SR)
        stretch = preview.audio.samples[:, max(0, start - 64) : end + 64]
        assert independent_true_peak_dbtp(stretch) > -1.05  # the over is where it says
    text = str(preview)
    assert "made by the encoding" in text and "dBTP" in text
    assert json.loads(json.dumps(preview.to_dict()))["overs"]


def test_a_quiet_master_gains_no_overs() -> None:
    quiet = Audio(song() * 10 ** (-10 / 20), SR)  # peaks near -16 dBFS
    preview = codec_preview(quiet, "vorbis")
    assert preview.overs == () and preview.new_overs == ()
    assert "survives the encoding" in str(preview)
    assert preview._repr_html_().startswith("<div")


@pytest.mark.skipif("mp3" not in OFFERED, reason="this libsndfile has no MP3")
def test_mp3_at_a_chosen_constant_bitrate() -> None:
    master = Audio(song(6.0), SR)
    low = codec_preview(master, "mp3", bitrate_kbps=96)
    high = codec_preview(master, "mp3", bitrate_kbps=256)
    assert low.bitrate_kbps == pytest.approx(96, rel=0.05)
    assert high.bitrate_kbps == pytest.approx(256, rel=0.05)


@pytest.mark.skipif("opus" not in OFFERED, reason="this libsndfile has no Opus")
def test_opus_runs_at_48k_and_comes_back_at_the_master_rate() -> None:
    master = Audio(song(6.0, sr=44100), 44100)
    preview = codec_preview(master, "opus")
    assert preview.codec_sr == 48000
    assert preview.audio.sr == 44100 and preview.audio.n_frames == master.n_frames
    assert abs(preview.loudness_change_lu) < 0.5
    assert abs(align(preview.audio.samples, master.samples)) <= 2


def test_mono_masters_and_the_users_files_are_left_alone(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    mono = Audio(song(4.0)[0], SR)
    preview = codec_preview(mono, "vorbis", compression_level=0.2)
    assert preview.audio.n_channels == 1
    assert list(tmp_path.iterdir()) == []  # everything happened in memory


def test_bad_requests_are_refused_plainly() -> None:
    master = Audio(song(2.0), SR)
    with pytest.raises(ParameterError, match="unknown codec 'aac'"):
        codec_preview(master, "aac")
    with pytest.raises(ParameterError, match="bitrate_kbps is for mp3"):
        codec_preview(master, "vorbis", bitrate_kbps=128)
    with pytest.raises(ParameterError, match="must be one of"):
        codec_preview(master, "mp3", bitrate_kbps=100)
    with pytest.raises(ParameterError, match="not both"):
        codec_preview(master, "mp3", bitrate_kbps=128, compression_level=0.5)
    with pytest.raises(ParameterError, match="compression_level must be between"):
        codec_preview(master, "vorbis", compression_level=1.5)
    with pytest.raises(ParameterError, match="ceiling_dbtp"):
        codec_preview(master, "vorbis", ceiling_dbtp=3.0)
    with pytest.raises(AudioDataError, match="takes the master as a studio.Audio"):
        codec_preview(master.samples, "vorbis")  # type: ignore[arg-type]
    bad = master.samples.copy()
    bad[0, 5] = np.inf
    with pytest.raises(AudioDataError, match="NaN or infinite"):
        codec_preview(Audio(bad, SR), "vorbis")


def test_a_codec_the_library_lacks_is_named(monkeypatch) -> None:
    import studio.mastering.codec as codec_module

    monkeypatch.setattr(codec_module, "available_codecs", lambda: ("vorbis",))
    with pytest.raises(ParameterError, match="cannot write opus; it offers vorbis"):
        codec_preview(Audio(song(1.0), SR), "opus")


def test_a_long_master_is_encoded_without_crashing_the_kernel() -> None:
    """libsndfile's Vorbis encoder crashes on a minute or more in one write; we write in
    blocks (this runs in a child process so a crash fails the test, not the run)."""
    import subprocess
    import sys

    code = (
        "import numpy as np; from studio import Audio;"
        "from studio.mastering.codec import codec_preview;"
        "x = 0.1 * np.random.default_rng(0).standard_normal((2, 75 * 48000));"
        "p = codec_preview(Audio(x, 48000), 'vorbis'); print(p.audio.n_frames)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(75 * 48000)
