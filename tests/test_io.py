"""Tests for studio.io: load, save and info, good files and bad ones.

Expected values come from the file formats themselves (integer PCM full scale is
2**(bits-1) steps, a WAV header is 44 bytes for 16-bit PCM, dB = 20 log10), and bad files
are made here in tmp_path by writing, cutting or inventing bytes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import studio
from studio import Audio, AudioDataError, AudioFileError, ParameterError, StudioWarning
from studio.io import FileInfo, info, load, save

# --------------------------------------------------------------------------- helpers


def tone(sr: int, n_channels: int = 2, n_frames: int = 1001, amp: float = 0.5) -> np.ndarray:
    """Return a (channels, frames) float64 test signal: a different sine per channel."""
    t = np.arange(n_frames) / sr
    freqs = 220.0 * (1.0 + np.arange(n_channels))[:, None]
    return amp * np.sin(2.0 * np.pi * freqs * t)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_direct(path: Path, samples: np.ndarray, sr: int, subtype: str) -> Path:
    """Write with soundfile itself (bypassing studio.save), samples as (channels, frames)."""
    sf.write(path, samples.T, sr, subtype=subtype)
    return path


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name not in keep)


def studio_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, StudioWarning)]


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", StudioWarning)
        yield


# --------------------------------------------------------------------------- round trips

# (extension, subtype, bits): integer PCM round trips are exact to half a step, 2**-bits.
PCM_CASES = [
    (".wav", "PCM_U8", 8),
    (".wav", "PCM_16", 16),
    (".wav", "PCM_24", 24),
    (".wav", "PCM_32", 32),
    (".flac", "PCM_S8", 8),
    (".flac", "PCM_16", 16),
    (".flac", "PCM_24", 24),
    (".aiff", "PCM_S8", 8),
    (".aiff", "PCM_16", 16),
    (".aif", "PCM_24", 24),
    (".aiff", "PCM_32", 32),
]


@pytest.mark.parametrize(("ext", "subtype", "bits"), PCM_CASES)
@pytest.mark.parametrize("n_channels", [1, 2, 6])
def test_pcm_round_trip_is_within_half_a_step(
    tmp_path, no_warnings, ext, subtype, bits, n_channels
):
    sr = 44100
    x = tone(sr, n_channels, n_frames=1001)  # odd length: pad bytes must not add a frame
    path = save(Audio(x, sr), tmp_path / f"t{ext}", subtype=subtype)
    y = load(path, dtype="float64")
    if ext == ".aiff" and bits == 8 and n_channels % 2:
        # libsndfile's AIFF writer counts the pad byte of an odd-sized 8-bit sound chunk as
        # one more frame in the header (COMM says 1002); that frame is silence.
        assert y.samples.shape == (n_channels, 1002)
        assert not y.samples[:, -1].any()
        y = y.segment(0.0, 1001 / sr)
    assert y.samples.shape == (n_channels, 1001)
    assert y.sr == sr
    step = 2.0 ** -(bits - 1)
    assert np.max(np.abs(y.samples - x)) <= step / 2
    # every loaded value is a whole number of steps
    codes = y.samples / step
    np.testing.assert_array_equal(codes, np.round(codes))


@pytest.mark.parametrize("sr", [8000, 11025, 22050, 37800, 44100, 48000, 96000])
@pytest.mark.parametrize("ext", [".wav", ".flac", ".aiff"])
def test_default_24_bit_round_trip_at_many_rates(tmp_path, no_warnings, sr, ext):
    x = tone(sr, 2, n_frames=sr // 20)
    path = save(Audio(x, sr), tmp_path / f"rate{ext}")
    assert info(path).subtype == "PCM_24"
    y = load(path, dtype="float64")
    assert y.sr == sr
    assert y.n_frames == sr // 20
    assert np.max(np.abs(y.samples - x)) <= 2.0**-24


@pytest.mark.parametrize("ext", [".wav", ".aiff"])
@pytest.mark.parametrize("n_channels", [1, 2, 6])
def test_float_round_trip_is_exact_and_keeps_headroom(tmp_path, ext, n_channels):
    sr = 48000
    x = tone(sr, n_channels, amp=1.8).astype(np.float32)  # +5.1 dBFS: float keeps it
    path = save(Audio(x, sr), tmp_path / f"f{ext}", subtype="FLOAT")
    with pytest.warns(StudioWarning, match="above full scale"):
        y = load(path)
    assert y.samples.dtype == np.float32
    np.testing.assert_array_equal(y.samples, x)


def test_double_round_trip_is_exact(tmp_path, no_warnings):
    x = tone(96000, 2, amp=0.9)
    path = save(Audio(x, 96000), tmp_path / "d.wav", subtype="DOUBLE")
    np.testing.assert_array_equal(load(path, dtype="float64").samples, x)


@pytest.mark.parametrize("sr", [8000, 22050, 44100, 96000])
@pytest.mark.parametrize("n_channels", [1, 2, 6])
def test_ogg_vorbis_round_trip_sounds_the_same(tmp_path, no_warnings, sr, n_channels):
    x = tone(sr, n_channels, n_frames=sr // 4, amp=0.5)
    path = save(Audio(x, sr), tmp_path / "v.ogg")
    assert info(path).subtype == "VORBIS"
    y = load(path, dtype="float64")
    assert y.samples.shape == x.shape
    assert y.sr == sr
    # Lossy, so no exact match: at least 25 dB signal-to-error on the full-range channels.
    # (Vorbis treats the 6th channel of 5.1 as LFE and band-limits it, so it is left out.)
    full_range = x[:5] if n_channels == 6 and sr >= 44100 else x
    err = y.samples[: full_range.shape[0]] - full_range
    snr_db = 10 * np.log10(np.mean(full_range**2) / np.mean(err**2))
    assert snr_db > 25.0


@settings(max_examples=30, deadline=None)
@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(1, 3), st.integers(1, 300)),
        elements=st.floats(-1.0, 1.0, width=32),
    )
)
def test_any_float32_signal_round_trips_float_wav_exactly(x):
    with tempfile.TemporaryDirectory() as folder:
        path = save(Audio(x, 44100), Path(folder) / "h.wav", subtype="FLOAT")
        np.testing.assert_array_equal(load(path).samples, x)


@settings(max_examples=30, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 2), st.integers(1, 300)),
        elements=st.floats(-1.0, 1.0),
    ),
    st.sampled_from([("PCM_16", 16), ("PCM_24", 24)]),
)
def test_any_signal_in_full_scale_round_trips_pcm_within_half_a_step(x, case):
    subtype, bits = case
    with tempfile.TemporaryDirectory() as folder:
        path = save(Audio(x, 48000), Path(folder) / "h.wav", subtype=subtype)
        y = load(path, dtype="float64").samples
    step = 2.0 ** -(bits - 1)
    top = 1.0 - step  # the largest positive code: +1.0 itself has no code
    near_top = x > top + step / 2
    assert np.max(np.abs(y - x)[~near_top], initial=0.0) <= step / 2
    np.testing.assert_array_equal(y[near_top], top)


def test_load_scales_integer_codes_by_two_to_the_bits_minus_one(tmp_path, no_warnings):
    codes16 = np.array([[-32768, -1, 0, 1, 16384, 32767]], dtype=np.int16)
    sf.write(tmp_path / "c16.wav", codes16.T, 8000, subtype="PCM_16")
    np.testing.assert_array_equal(
        load(tmp_path / "c16.wav", dtype="float64").samples, codes16 / 32768
    )
    codes24 = np.array([[-(2**23), -1, 0, 1, 2**22, 2**23 - 1]], dtype=np.int64)
    sf.write(tmp_path / "c24.wav", (codes24 << 8).astype(np.int32).T, 8000, subtype="PCM_24")
    np.testing.assert_array_equal(
        load(tmp_path / "c24.wav", dtype="float64").samples, codes24 / 2**23
    )


def test_save_rounds_to_the_nearest_code_and_full_scale_to_the_top_code(tmp_path, no_warnings):
    x = np.array([[1.0, -1.0, 0.5, 0.3, 3.4 / 32768, -3.6 / 32768, 0.0]])
    path = save(Audio(x, 8000), tmp_path / "c.wav", subtype="PCM_16")
    codes, _ = sf.read(path, dtype="int16")
    # 0.3 * 32768 = 9830.4 -> 9830; +1.0 is one step above the largest code, 32767.
    np.testing.assert_array_equal(codes, [32767, -32768, 16384, 9830, 3, -4, 0])


def test_load_returns_channels_first_with_name_and_dtype(tmp_path, no_warnings):
    x = tone(22050, 2)
    write_direct(tmp_path / "Lead Vocal.wav", x, 22050, "PCM_16")
    a = load(tmp_path / "Lead Vocal.wav")
    assert a.samples.shape == (2, x.shape[1])
    assert a.samples.flags.c_contiguous  # each channel is one contiguous row
    assert a.name == "Lead Vocal"
    assert a.samples.dtype == np.float32
    assert load(str(tmp_path / "Lead Vocal.wav"), name="vox").name == "vox"
    assert load(tmp_path / "Lead Vocal.wav", dtype=np.float64).samples.dtype == np.float64
    np.testing.assert_allclose(a.samples[1], x[1], atol=2.0**-15)


def test_load_refuses_an_integer_dtype(tmp_path):
    write_direct(tmp_path / "a.wav", tone(8000), 8000, "PCM_16")
    with pytest.raises(ParameterError, match="dtype must be 'float32' or 'float64', got 'int16'"):
        load(tmp_path / "a.wav", dtype="int16")


def test_top_level_names_are_the_io_functions():
    assert studio.load is load
    assert studio.save is save
    assert studio.info is info


# --------------------------------------------------------------------------- bad files


def test_missing_file_names_its_absolute_path(tmp_path):
    missing = tmp_path / "song.wav"
    with pytest.raises(AudioFileError, match=rf"'song\.wav' does not exist.*{missing}"):
        load(missing)
    with pytest.raises(AudioFileError, match="does not exist"):
        info(missing)


def test_folder_is_not_a_file(tmp_path):
    (tmp_path / "stems.wav").mkdir()
    with pytest.raises(AudioFileError, match=r"'stems\.wav' is a folder"):
        load(tmp_path / "stems.wav")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioFileError, match=r"'empty\.wav' is empty \(0 bytes\)"):
        load(tmp_path / "empty.wav")


@pytest.mark.parametrize("ext", [".wav", ".aiff"])
def test_header_only_file_has_no_frames(tmp_path, ext):
    path = tmp_path / f"hdr{ext}"
    sf.write(path, np.zeros((0, 2)), 44100, subtype="PCM_16")
    assert path.stat().st_size > 0
    with pytest.raises(
        AudioFileError, match=rf"'hdr\{ext}' contains no audio frames \(header only\)"
    ):
        load(path)
    assert info(path).n_frames == 0


def test_wav_cut_right_after_its_header_has_no_frames(tmp_path):
    full = write_direct(tmp_path / "full.wav", tone(8000), 8000, "PCM_16")
    (tmp_path / "cut.wav").write_bytes(full.read_bytes()[:44])  # canonical 16-bit header
    with pytest.raises(AudioFileError, match=r"'cut\.wav' contains no audio frames.*cut short"):
        load(tmp_path / "cut.wav")


def test_ogg_cut_inside_its_headers_has_no_frames(tmp_path):
    full = save(Audio(tone(44100, 2, n_frames=44100), 44100), tmp_path / "full.ogg")
    (tmp_path / "cut.ogg").write_bytes(full.read_bytes()[:3000])
    with pytest.raises(AudioFileError, match=r"'cut\.ogg' (contains no audio frames|looks like)"):
        load(tmp_path / "cut.ogg")


def test_random_bytes_are_not_audio_and_never_said_missing(tmp_path):
    path = tmp_path / "noise.wav"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(AudioFileError, match=r"'noise\.wav' is not an audio file") as excinfo:
        load(path)
    assert "does not exist" not in str(excinfo.value)
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__


def test_text_file_with_wav_extension(tmp_path):
    (tmp_path / "song.wav").write_text("these are my lyrics\nla la la\n")
    with pytest.raises(
        AudioFileError, match=r"'song\.wav' is not an audio file .*it looks like a text file"
    ):
        load(tmp_path / "song.wav")


def test_saved_web_page_is_named_as_such(tmp_path):
    (tmp_path / "track.flac").write_text("<!DOCTYPE html><html><body>Download</body></html>")
    with pytest.raises(AudioFileError, match=r"'track\.flac' is not an audio file .*web page"):
        load(tmp_path / "track.flac")


def test_damaged_wav_header_says_damaged(tmp_path):
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEjunkjunkjunk")
    with pytest.raises(AudioFileError, match=r"'broken\.wav' looks like a WAV file but .*damaged"):
        load(path)


def test_truncated_wav_loads_what_is_there_and_says_how_much_is_missing(tmp_path):
    sr = 8000
    x = tone(sr, 2, n_frames=sr)  # 1 s stereo 16-bit: 44-byte header + 32000 bytes
    full = write_direct(tmp_path / "full.wav", x, sr, "PCM_16")
    assert full.stat().st_size == 44 + sr * 4
    cut = tmp_path / "mix.wav"
    cut.write_bytes(full.read_bytes()[: 44 + 3000 * 4])  # keep 3000 of 8000 frames
    with pytest.warns(StudioWarning) as record:
        a = load(cut, dtype="float64")
    (message,) = studio_warnings(record)
    assert "'mix.wav' is cut short" in message
    assert "promises 1.000 s (8000 frames)" in message
    assert "last 0.625 s (62.5%) is missing" in message
    np.testing.assert_array_equal(a.samples, load(full, dtype="float64").samples[:, :3000])
    with pytest.warns(StudioWarning, match="cut short"):
        assert info(cut).n_frames == 3000


@pytest.mark.parametrize(
    ("fmt", "endian", "magic"), [("WAV", "BIG", b"RIFX"), ("RF64", "FILE", b"RF64")]
)
def test_truncated_big_endian_and_rf64_wav_are_detected(tmp_path, fmt, endian, magic):
    sr = 8000
    full = tmp_path / "full.wav"
    sf.write(full, tone(sr, 2, n_frames=sr).T, sr, subtype="PCM_16", format=fmt, endian=endian)
    data = full.read_bytes()
    assert data[:4] == magic
    header_bytes = len(data) - sr * 4
    (tmp_path / "cut.wav").write_bytes(data[: header_bytes + 2000 * 4])
    with pytest.warns(StudioWarning, match=r"promises 1\.000 s.*last 0\.750 s \(75\.0%\)"):
        assert load(tmp_path / "cut.wav").n_frames == 2000


def test_truncated_compressed_wav_is_reported_in_bytes(tmp_path):
    full = tmp_path / "full.wav"
    sf.write(full, tone(8000, 1, n_frames=8000).T, 8000, subtype="IMA_ADPCM")
    data = full.read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) // 2])
    with pytest.warns(
        StudioWarning, match=r"'cut\.wav' is cut short: its header promises \d+ bytes"
    ):
        load(tmp_path / "cut.wav")


def test_truncated_aiff_is_detected_from_its_comm_chunk(tmp_path):
    full = write_direct(tmp_path / "full.aiff", tone(8000, 1, 8000), 8000, "PCM_16")
    data = full.read_bytes()
    (tmp_path / "cut.aiff").write_bytes(data[: len(data) - 4000 * 2])
    with pytest.warns(StudioWarning, match=r"'cut\.aiff' is cut short.*last 0\.500 s"):
        a = load(tmp_path / "cut.aiff")
    assert a.n_frames == 4000


def test_truncated_flac_loads_the_decodable_part_with_a_warning(tmp_path):
    sr = 48000
    x = tone(sr, 2, n_frames=sr)
    full = write_direct(tmp_path / "full.flac", x, sr, "PCM_16")
    data = full.read_bytes()
    (tmp_path / "cut.flac").write_bytes(data[: int(len(data) * 0.6)])
    with pytest.warns(
        StudioWarning, match=r"'cut\.flac' is cut short: its header promises 1\.000 s"
    ):
        a = load(tmp_path / "cut.flac", dtype="float64")
    assert 0 < a.n_frames < sr
    np.testing.assert_array_equal(a.samples, load(full, dtype="float64").samples[:, : a.n_frames])


def test_truncated_ogg_is_detected_by_its_missing_end_marker(tmp_path):
    sr = 44100
    noise = np.random.default_rng(2).uniform(-0.2, 0.2, (2, sr))  # compresses poorly
    full = save(Audio(noise, sr), tmp_path / "full.ogg")
    data = full.read_bytes()
    (tmp_path / "cut.ogg").write_bytes(data[: int(len(data) * 0.7)])
    with pytest.warns(StudioWarning, match=r"'cut\.ogg' ends without the Ogg end-of-stream marker"):
        a = load(tmp_path / "cut.ogg")
    assert 0 < a.n_frames < sr


def test_complete_files_load_without_warnings(tmp_path, no_warnings):
    for ext in (".wav", ".flac", ".ogg", ".aiff"):
        load(save(Audio(tone(44100, 2), 44100), tmp_path / f"ok{ext}"))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_float_file_is_refused_with_where(tmp_path, bad):
    sr = 8000
    x = tone(sr, 2, n_frames=sr)
    x[1, 4000] = bad
    x[0, 6000] = bad
    path = write_direct(tmp_path / "glitch.wav", x, sr, "FLOAT")
    kind = "NaN" if np.isnan(bad) else "Inf"
    with pytest.raises(
        AudioDataError,
        match=rf"'glitch\.wav' contains 2 {kind} sample\(s\).*first is at 0\.500 s in channel 2",
    ):
        load(path)


def test_over_full_scale_float_file_loads_intact_with_a_headroom_warning(tmp_path):
    x = tone(48000, 2, amp=1.0)
    x[0, 100] = 2.0  # +6.02 dBFS
    path = write_direct(tmp_path / "hot.wav", x, 48000, "FLOAT")
    with pytest.warns(StudioWarning, match=r"'hot\.wav' peaks at \+6\.0 dBFS.*nothing clipped"):
        a = load(path, dtype="float64")
    assert a.samples[0, 100] == 2.0
    np.testing.assert_array_equal(a.samples, x.astype(np.float32))


def test_loading_never_changes_the_source_file(tmp_path):
    files = [
        write_direct(tmp_path / "a.wav", tone(44100), 44100, "PCM_24"),
        write_direct(tmp_path / "b.flac", tone(44100), 44100, "PCM_16"),
        write_direct(tmp_path / "c.wav", 2 * tone(44100), 44100, "FLOAT"),
    ]
    cut = tmp_path / "d.wav"
    cut.write_bytes(files[0].read_bytes()[:2000])
    files.append(cut)
    before = {p: (sha256(p), p.stat().st_mtime_ns) for p in files}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StudioWarning)
        for p in files:
            load(p)
            info(p)
    assert before == {p: (sha256(p), p.stat().st_mtime_ns) for p in files}


# --------------------------------------------------------------------------- info


def test_info_reads_the_header(tmp_path, no_warnings):
    path = write_direct(tmp_path / "s.flac", tone(37800, 6, n_frames=3780), 37800, "PCM_24")
    i = info(path)
    assert i == FileInfo(37800, 6, 3780, 0.1, "FLAC", "PCM_24")
    assert str(i) == "FLAC PCM_24, 6 ch, 37800 Hz, 0.10 s (3780 frames)"
    with pytest.raises(AttributeError):
        i.sr = 1  # frozen


def test_info_refuses_what_load_refuses(tmp_path):
    (tmp_path / "t.wav").write_text("hello")
    with pytest.raises(AudioFileError, match="looks like a text file"):
        info(tmp_path / "t.wav")


# --------------------------------------------------------------------------- save


@pytest.mark.parametrize(
    ("name", "fmt", "subtype"),
    [
        ("a.wav", "WAV", "PCM_24"),
        ("a.WAV", "WAV", "PCM_24"),
        ("a.flac", "FLAC", "PCM_24"),
        ("a.ogg", "OGG", "VORBIS"),
        ("a.aiff", "AIFF", "PCM_24"),
        ("a.aif", "AIFF", "PCM_24"),
    ],
)
def test_format_and_default_subtype_follow_the_extension(tmp_path, no_warnings, name, fmt, subtype):
    path = save(Audio(tone(44100), 44100), tmp_path / name)
    assert path == (tmp_path / name).absolute()
    assert (info(path).format, info(path).subtype) == (fmt, subtype)


def test_explicit_format_for_an_unusual_extension(tmp_path, no_warnings):
    path = save(Audio(tone(44100), 44100), tmp_path / "take.audio", format="flac")
    assert info(path).format == "FLAC"


def test_unknown_extension_is_refused_with_the_known_ones(tmp_path):
    with pytest.raises(AudioFileError, match=r"'mix\.mp4'.*\.flac.*\.wav.*format="):
        save(Audio(tone(44100), 44100), tmp_path / "mix.mp4")
    assert os.listdir(tmp_path) == []


def test_format_must_match_a_known_extension(tmp_path):
    with pytest.raises(ParameterError, match="WAV extension but format='FLAC'"):
        save(Audio(tone(44100), 44100), tmp_path / "mix.wav", format="FLAC")
    with pytest.raises(ParameterError, match="unknown format 'MP9'.*WAV"):
        save(Audio(tone(44100), 44100), tmp_path / "mix.x", format="MP9")


def test_invalid_subtype_lists_valid_choices_and_leaves_old_file(tmp_path):
    old = save(Audio(tone(44100), 44100), tmp_path / "mix.flac")
    digest = sha256(old)
    with pytest.raises(ParameterError, match=r"'FLOAT' is not available for FLAC.*PCM_16.*PCM_24"):
        save(Audio(tone(44100), 44100), old, subtype="FLOAT", overwrite=True)
    assert sha256(old) == digest
    assert leftovers(tmp_path, {"mix.flac"}) == []


def test_subtype_is_case_insensitive(tmp_path, no_warnings):
    path = save(Audio(tone(44100), 44100), tmp_path / "a.wav", subtype="pcm_16")
    assert info(path).subtype == "PCM_16"


def test_existing_file_is_not_replaced_without_overwrite(tmp_path):
    old = save(Audio(tone(44100), 44100), tmp_path / "mix.wav")
    digest = sha256(old)
    with pytest.raises(AudioFileError, match=r"'mix\.wav' already exists.*overwrite=True"):
        save(Audio(tone(44100, amp=0.1), 44100), old)
    assert sha256(old) == digest
    assert leftovers(tmp_path, {"mix.wav"}) == []


def test_overwrite_replaces_and_keeps_the_file_mode(tmp_path, no_warnings):
    old = save(Audio(tone(44100), 44100), tmp_path / "mix.wav")
    os.chmod(old, 0o640)
    save(Audio(tone(44100, amp=0.1), 44100), old, overwrite=True)
    assert np.max(np.abs(load(old).samples)) < 0.11
    assert stat.S_IMODE(old.stat().st_mode) == 0o640


def test_new_file_mode_follows_the_umask(tmp_path, no_warnings):
    umask = os.umask(0o022)
    try:
        path = save(Audio(tone(44100), 44100), tmp_path / "mix.wav")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_disk_error_mid_write_leaves_old_file_and_no_temp_file(tmp_path, monkeypatch):
    old = save(Audio(tone(44100), 44100), tmp_path / "mix.wav")
    digest = sha256(old)
    real_write = sf.SoundFile.write

    def write_half_then_fail(self, data):
        real_write(self, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sf.SoundFile, "write", write_half_then_fail)
    with pytest.raises(
        AudioFileError, match=r"Could not write 'mix\.wav'.*No space left.*untouched"
    ):
        save(Audio(tone(44100, amp=0.1), 44100), old, overwrite=True)
    assert sha256(old) == digest
    assert leftovers(tmp_path, {"mix.wav"}) == []


def test_any_exception_mid_write_cleans_up_and_propagates(tmp_path, monkeypatch):
    def fail(self, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(sf.SoundFile, "write", fail)
    with pytest.raises(KeyboardInterrupt):
        save(Audio(tone(44100), 44100), tmp_path / "new.wav")
    assert os.listdir(tmp_path) == []


def test_failed_rename_leaves_old_file_and_no_temp_file(tmp_path, monkeypatch):
    old = save(Audio(tone(44100), 44100), tmp_path / "mix.flac")
    digest = sha256(old)

    def refuse(src, dst):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(AudioFileError, match=r"'mix\.flac'.*Permission denied"):
        save(Audio(tone(44100, amp=0.1), 44100), old, overwrite=True)
    assert sha256(old) == digest
    assert leftovers(tmp_path, {"mix.flac"}) == []


def test_libsndfile_refusal_becomes_a_plain_error(tmp_path):
    nine = Audio(np.zeros((9, 100)), 44100)  # FLAC holds at most 8 channels
    with pytest.raises(AudioFileError, match=r"Could not write 'nine\.flac' as FLAC PCM_24 \(9 ch"):
        save(nine, tmp_path / "nine.flac")
    assert os.listdir(tmp_path) == []


def test_missing_destination_folder(tmp_path):
    with pytest.raises(AudioFileError, match=r"'mix\.wav'.*folder .*nowhere does not exist"):
        save(Audio(tone(44100), 44100), tmp_path / "nowhere" / "mix.wav")


def test_destination_that_is_a_folder(tmp_path):
    (tmp_path / "out.wav").mkdir()
    with pytest.raises(AudioFileError, match="it is a folder"):
        save(Audio(tone(44100), 44100), tmp_path / "out.wav", overwrite=True)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_audio_is_refused_and_nothing_written(tmp_path, bad):
    x = tone(8000, 2, n_frames=8000)
    x[0, 2000] = bad
    with pytest.raises(
        AudioDataError, match=r"Cannot save 'x\.wav'.*1 (NaN|Inf).*0\.250 s in channel 1"
    ):
        save(Audio(x, 8000), tmp_path / "x.wav", subtype="FLOAT")
    assert os.listdir(tmp_path) == []


def test_empty_audio_and_plain_arrays_are_refused(tmp_path):
    with pytest.raises(AudioDataError, match="no frames"):
        save(Audio(np.zeros((2, 0)), 44100), tmp_path / "e.wav")
    with pytest.raises(AudioDataError, match=r"needs a studio\.Audio.*Audio\(samples, sr\)"):
        save(tone(44100), tmp_path / "e.wav")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "subtype"), [("a.wav", "PCM_24"), ("a.flac", "PCM_16"), ("a.ogg", None)]
)
def test_over_full_scale_is_refused_for_fixed_point_with_how_far_over(tmp_path, name, subtype):
    x = tone(44100, amp=1.0)
    x[0, 10] = 2.0  # 20 log10(2) = 6.02 dB over
    with pytest.raises(
        AudioDataError, match=r"peaks at \+6\.02 dBFS, 6\.02 dB over.*'FLOAT'.*clip=True"
    ):
        save(Audio(x, 44100), tmp_path / name, subtype=subtype)
    assert os.listdir(tmp_path) == []


def test_full_scale_exactly_is_not_clipping(tmp_path, no_warnings):
    x = np.array([[1.0, -1.0, 0.0]])
    path = save(Audio(x, 8000), tmp_path / "fs.wav", subtype="PCM_16")
    np.testing.assert_array_equal(sf.read(path, dtype="int16")[0], [32767, -32768, 0])


def test_clip_true_clips_with_a_warning(tmp_path):
    x = np.array([[0.5, 1.5, -4.0, 0.25]])
    with pytest.warns(StudioWarning, match=r"Clipped 2 sample\(s\) of 'c\.wav'.*\+12\.04 dBFS"):
        path = save(Audio(x, 8000), tmp_path / "c.wav", subtype="PCM_16", clip=True)
    np.testing.assert_array_equal(sf.read(path, dtype="int16")[0], [16384, 32767, -32768, 8192])


def test_float_subtype_keeps_samples_beyond_full_scale(tmp_path):
    x = np.array([[0.5, 1.5, -4.0]], dtype=np.float32)
    path = save(Audio(x, 8000), tmp_path / "f.wav", subtype="FLOAT")
    np.testing.assert_array_equal(sf.read(path, dtype="float32")[0], x[0])


def test_save_never_modifies_the_input(tmp_path, no_warnings):
    x = tone(44100, 2)
    x_before = x.copy()
    a = Audio(x, 44100)
    for name, subtype in [("a.wav", "PCM_16"), ("b.wav", "FLOAT"), ("c.ogg", None)]:
        save(a, tmp_path / name, subtype=subtype)
    np.testing.assert_array_equal(x, x_before)
    assert x.flags.writeable
