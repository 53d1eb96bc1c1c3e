"""Tests of the A/B player's Python side, and of its JavaScript helpers under node.

No browser and no kernel: widgets can be created and their traits set in plain pytest.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from ipywidgets.widgets.widget import _remove_buffers

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.widgets import player as player_module
from studio.widgets.player import (
    CODE_MAX,
    MAX_OFFSET_DB,
    MAX_PREVIEW_S,
    ABPlayer,
    decode_samples,
    encode_samples,
    float32_checksum,
)

JS_PATH = Path(player_module.__file__).with_name("player.js")
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

SR = 8000


def tone(n_channels: int = 2, seconds: float = 0.5, *, amp: float = 0.5, sr: int = SR) -> Audio:
    t = np.arange(round(seconds * sr)) / sr
    rows = [amp * np.sin(2 * np.pi * 220.0 * (c + 1) * t) for c in range(n_channels)]
    return Audio(np.vstack(rows), sr, f"tone{n_channels}")


def codes_of(data: bytes, n_channels: int) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").reshape(n_channels, -1)


def b_played(p: ABPlayer) -> np.ndarray:
    """The B samples the browser rebuilds (A's when B is A)."""
    if p.b_same_as_a:
        return decode_samples(p.a_data, p.a_scale, p.a_n_channels)
    return decode_samples(p.b_data, p.b_scale, p.b_n_channels)


def assert_quantized(decoded: np.ndarray, original: np.ndarray) -> None:
    """Decoded samples lie within half a 16-bit step (of the original's own peak).

    The player works on float32 samples, so the original is taken as float32 first.
    """
    wanted = np.asarray(original, dtype=np.float32).astype(np.float64)
    peak = float(np.max(np.abs(wanted))) if wanted.size else 0.0
    step = peak / CODE_MAX
    # half a step, plus the float32 rounding of the decoded value
    bound = 0.5 * step * (1 + 1e-3) + np.abs(wanted) * 2.0**-23
    assert decoded.shape == wanted.shape
    assert np.all(np.abs(decoded.astype(np.float64) - wanted) <= bound)


def reference_checksum(floats: np.ndarray) -> str:
    """The checksum spelled out one sample at a time, like the loop in player.js."""
    values = [float(v) for v in floats]
    stride = max(1, len(values) // 4096)
    total = 0
    for i in range(0, len(values), stride):
        total += math.floor(min(1000.0, max(-1000.0, values[i])) * 1e6)
    return f"{total / 1e6:.6f}"


def record_messages(p: ABPlayer) -> list[set[str]]:
    """Record the trait names of every state message the widget sends from now on."""
    sent: list[set[str]] = []
    original = p.send_state

    def record(key=None):
        sent.append({key} if isinstance(key, str) else set(key or ()))
        return original(key)

    p.send_state = record
    return sent


# -- wire format -----------------------------------------------------------------------


@pytest.mark.parametrize("n_channels", [1, 2])
def test_encoding_is_planar_int16_with_a_scale(n_channels: int) -> None:
    a = tone(n_channels)
    b = tone(n_channels, amp=0.3)
    p = ABPlayer(a, b)
    for data, scale, audio in ((p.a_data, p.a_scale, a), (p.b_data, p.b_scale, b)):
        assert len(data) == 2 * n_channels * audio.n_frames  # half of float32
        peak = np.max(np.abs(audio.samples))
        assert scale == pytest.approx(peak / 32767, rel=1e-12)
        assert np.max(np.abs(codes_of(data, n_channels))) == 32767  # the peak: full range
        assert_quantized(decode_samples(data, scale, n_channels), audio.samples)
    # Planar: the first n_frames codes are all of channel 0.
    first = np.frombuffer(p.a_data, dtype="<i2")[: a.n_frames] * p.a_scale
    np.testing.assert_allclose(first, a.samples[0], atol=p.a_scale / 2 * 1.001)


def test_known_codes() -> None:
    data, scale = encode_samples(np.array([[0.5, -0.25, 0.0, 0.125]]))
    assert scale == 0.5 / 32767
    assert codes_of(data, 1).tolist() == [[32767, -16384, 0, 8192]]  # -16383.5 -> even
    decoded = decode_samples(data, scale)
    assert decoded.dtype == np.float32 and decoded[0, 0] == np.float32(0.5)


def test_audio_over_full_scale_keeps_its_level() -> None:
    # Make-up gain can push a preview past 1.0: the scale follows, nothing clips.
    loud = 4.0 * tone(2).samples
    data, scale = encode_samples(loud)
    assert scale == pytest.approx(4.0 * np.max(np.abs(tone(2).samples)) / 32767)
    decoded = decode_samples(data, scale, 2)
    assert np.max(np.abs(decoded)) == pytest.approx(np.max(np.abs(loud)), rel=1e-6)
    assert_quantized(decoded, loud)


def test_silence_has_scale_zero() -> None:
    data, scale = encode_samples(np.zeros((2, 100)))
    assert scale == 0.0 and data == bytes(400)
    assert not decode_samples(data, scale, 2).any()
    p = ABPlayer(tone(2), Audio(np.zeros((2, 4000)), SR))
    assert p.b_scale == 0.0 and len(p.b_data) == 2 * 2 * 4000
    assert p.b_checksum() == "0.000000"


def test_tiny_peaks_keep_their_resolution() -> None:
    # 32767 / 1e-40 overflows float32: the float64 path takes over.
    tiny = np.array([[1e-40, -3e-41, 0.0]], dtype=np.float32)
    data, scale = encode_samples(tiny)
    assert codes_of(data, 1)[0, 0] == 32767 and scale == pytest.approx(1e-40 / 32767, rel=1e-6)
    assert_quantized(decode_samples(data, scale), tiny.astype(np.float64))


def test_encode_samples_refuses_what_it_cannot_scale() -> None:
    with pytest.raises(AudioDataError, match="NaN"):
        encode_samples(np.array([[0.1, np.nan]]))
    with pytest.raises(AudioDataError, match="too large"):
        encode_samples(np.array([[1e300]]))


@pytest.mark.parametrize("n_channels", [1, 2])
def test_layout_traits(n_channels: int) -> None:
    a = tone(n_channels, 0.25)
    p = ABPlayer(a, a)
    assert (p.a_n_channels, p.b_n_channels) == (n_channels, n_channels)
    assert (p.n_frames, p.sr) == (2000, SR)


@settings(max_examples=30, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 50)),
        elements=st.floats(-4.0, 4.0, allow_nan=False),
    )
)
def test_encode_samples_round_trip_any_shape(samples: np.ndarray) -> None:
    data, scale = encode_samples(samples)
    codes = codes_of(data, samples.shape[0])
    assert np.abs(codes).max() == (CODE_MAX if np.any(samples.astype(np.float32)) else 0)
    assert codes.min() >= -CODE_MAX  # -32768 is never used: symmetric range
    assert_quantized(decode_samples(data, scale, samples.shape[0]), samples)


def test_set_b_is_cheap_for_ten_seconds_of_stereo() -> None:
    # set_b is on the slider-to-sound path: a few ms here, so allow a wide margin.
    import time

    rng = np.random.default_rng(3)
    a = Audio(0.2 * rng.standard_normal((2, 480_000)), 48000)
    b = Audio(0.1 * rng.standard_normal((2, 480_000)), 48000)
    p = ABPlayer(a)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        p.set_b(b, b_offset_db=-1.0)
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[2] < 0.05, timings


def test_audio_travels_as_binary_buffers_not_base64() -> None:
    p = ABPlayer(tone(2), tone(2))
    _, paths, buffers = _remove_buffers(p.get_state())
    assert ["a_data"] in paths and ["b_data"] in paths
    assert all(isinstance(b, (bytes, memoryview)) for b in buffers)


def test_set_b_sends_samples_and_version_in_one_message() -> None:
    # The browser reloads B on a new b_version: the samples must arrive with it.
    p = ABPlayer(tone(2))
    sent = record_messages(p)
    p.set_b(tone(2, amp=0.1))
    assert len(sent) == 1
    assert {"b_data", "b_scale", "b_version"} <= sent[0]


# -- a B that is A -----------------------------------------------------------------------


def test_b_equal_to_a_is_not_sent_again() -> None:
    a = tone(2)
    p = ABPlayer(a, a.with_samples(a.samples.copy()))
    assert p.b_same_as_a and p.b_data == b"" and p.b_n_channels == 2
    np.testing.assert_array_equal(b_played(p), decode_samples(p.a_data, p.a_scale, 2))
    assert p.b_checksum() == float32_checksum(decode_samples(p.a_data, p.a_scale, 2))
    assert p.offset_text() == "A and B are equally loud: no level offset needed"
    sent = record_messages(p)
    p.set_b(tone(2, amp=0.3))  # a real B is sent again, flag and samples together
    assert not p.b_same_as_a and len(p.b_data) == 2 * 2 * a.n_frames
    assert len(sent) == 1 and {"b_data", "b_same_as_a", "b_version"} <= sent[0]
    p.set_b(None)
    assert not p.b_same_as_a and p.b_n_channels == 0


def test_b_almost_equal_or_differently_shaped_is_sent() -> None:
    a = tone(2)
    nudged = a.samples.copy()
    nudged[1, 100] += 1e-6
    assert not ABPlayer(a, Audio(nudged, SR)).b_same_as_a
    mono = tone(1)
    assert not ABPlayer(mono, Audio(np.vstack([mono.samples] * 2), SR)).b_same_as_a
    padded = ABPlayer(tone(2, 0.5), tone(2, 0.25))  # B shorter: padded, not equal
    assert not padded.b_same_as_a


def test_new_a_with_b_equal_to_it_still_counts_as_same() -> None:
    a = tone(2)
    p = ABPlayer(tone(2, amp=0.1), a)
    assert not p.b_same_as_a
    p.set_a(a)
    assert p.b_same_as_a and p.b_data == b""


# -- versions and lengths --------------------------------------------------------------


def test_set_b_increments_version_every_time() -> None:
    a = tone(2)
    p = ABPlayer(a)
    start = p.b_version
    p.set_b(a)
    p.set_b(a)  # the same audio again still counts: the browser must reload
    p.set_b(None)
    assert p.b_version == start + 3
    assert p.b_data == b"" and p.b_n_channels == 0 and p.b_scale == 0.0


def test_shorter_b_is_padded_with_silence() -> None:
    a = tone(2, 0.5)
    b = tone(2, 0.25, amp=0.3)
    p = ABPlayer(a, b)
    out = b_played(p)
    assert out.shape == (2, a.n_frames)
    assert_quantized(out[:, : b.n_frames], b.samples)
    assert not out[:, b.n_frames :].any()
    assert p.b is b  # the original is kept for re-fitting


def test_longer_b_is_trimmed_to_a() -> None:
    a = tone(1, 0.25)
    b = tone(1, 0.5, amp=0.3)
    p = ABPlayer(a, b)
    kept = b.samples[:, : a.n_frames]
    assert_quantized(b_played(p), kept)
    assert p.b_scale == pytest.approx(np.max(np.abs(kept)) / 32767)  # the kept part's peak


def test_new_a_refits_b_and_bumps_its_version() -> None:
    b = tone(2, 0.5, amp=0.3)
    p = ABPlayer(tone(2, 0.25), b)
    version = p.b_version
    p.set_a(tone(2, 0.5))
    assert p.n_frames == b.n_frames and p.b_version == version + 1
    assert_quantized(b_played(p), b.samples)


def test_b_alone_sets_the_length() -> None:
    b = tone(1, 0.3)
    p = ABPlayer(b=b)
    assert (p.a_data, p.n_frames, p.sr) == (b"", b.n_frames, SR)


def test_mono_against_stereo_is_allowed_other_mismatches_are_not() -> None:
    p = ABPlayer(tone(1), tone(2))
    assert (p.a_n_channels, p.b_n_channels) == (1, 2)
    with pytest.raises(AudioDataError, match="A.* has 2 channels but B.* has 3"):
        ABPlayer(tone(2), tone(3))


# -- refusals ---------------------------------------------------------------------------


def test_sample_rate_mismatch_is_refused_plainly() -> None:
    p = ABPlayer(tone(2, sr=48000))
    with pytest.raises(AudioDataError, match=r"48000 Hz but B \('tone2'\) is at 44100 Hz"):
        p.set_b(tone(2, sr=44100))
    with pytest.raises(AudioDataError, match="same sample rate"):
        ABPlayer(tone(2, sr=48000), tone(2, sr=44100))
    # A new pair at another rate is fine when set together.
    p.set_pair(tone(2, sr=44100), tone(2, sr=44100))
    assert p.sr == 44100


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e300])
def test_non_finite_audio_is_refused(bad: float) -> None:
    samples = tone(2).samples.copy()
    samples[1, 2000] = bad  # 1e300 does not fit in float32: it would play as inf
    p = ABPlayer(tone(2))
    with pytest.raises(AudioDataError, match=r"1 samples that are NaN.*channel 1 at 0\.250 s"):
        p.set_b(Audio(samples, SR))
    assert p.b_data == b""  # nothing half-sent


def test_long_input_is_refused_with_advice() -> None:
    long = Audio(np.zeros((1, round((MAX_PREVIEW_S + 1) * SR)), np.float32), SR, "song.wav")
    with pytest.raises(AudioDataError, match=r"'song.wav'\) is 61.0 s long.*segment"):
        ABPlayer(long)


def test_empty_and_wrong_types_are_refused() -> None:
    with pytest.raises(AudioDataError, match="empty"):
        ABPlayer(Audio(np.zeros((1, 0)), SR))
    with pytest.raises(AudioDataError, match=r"needs a studio.Audio, got ndarray"):
        ABPlayer(np.zeros((2, 100)))


# -- loudness matching ------------------------------------------------------------------


def test_offset_applied_only_when_matching() -> None:
    p = ABPlayer(tone(2), tone(2, amp=0.25), match_loudness=False)
    p.b_offset_db = -3.2
    assert p.b_offset_db == -3.2  # the measured value is kept...
    assert p.applied_offset_db == 0.0  # ...but not applied
    assert p.playback_gains_db == (0.0, 0.0)
    assert p.offset_text() == "Loudness matching off: B plays at its own level"
    p.match_loudness = True
    assert p.applied_offset_db == -3.2
    assert p.playback_gains_db == (0.0, -3.2)
    assert p.offset_text() == "B is played 3.2 dB quieter to match loudness"


def test_positive_offset_turns_a_down_instead_of_pushing_b_up() -> None:
    # B 6 dB quieter than A: raising B could clip, so A goes down; the difference holds.
    p = ABPlayer(tone(2, amp=0.5), tone(2, amp=0.25))
    p.b_offset_db = 20 * math.log10(2)
    gain_a_db, gain_b_db = p.playback_gains_db
    assert gain_b_db == 0.0 and gain_a_db == pytest.approx(-6.0206, abs=1e-4)
    # Played levels now agree: 0.5 * 10**(-6.02/20) == 0.25.
    assert 0.5 * 10 ** (gain_a_db / 20) == pytest.approx(0.25)
    assert p.offset_text().startswith("B is played 6.0 dB louder to match loudness")


def test_offset_text_for_silent_b() -> None:
    sr = 48000
    tone = Audio(np.sin(np.arange(sr) * 0.05)[None, :] * 0.5, sr)
    p = ABPlayer(tone, tone.with_samples(np.zeros((1, sr))))
    assert p.offset_text() == "B is silent: there is no loudness to match"


def test_offset_text_for_equal_levels_and_no_b() -> None:
    p = ABPlayer(tone(2))
    assert p.offset_text() == ""
    p.set_b(tone(2))
    p.b_offset_db = 0.01
    assert p.offset_text() == "A and B are equally loud: no level offset needed"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_unusable_offsets_are_refused(bad: float) -> None:
    p = ABPlayer(tone(2), tone(2))
    with pytest.raises(ParameterError, match="b_offset_db must be a finite level offset"):
        p.b_offset_db = bad
    with pytest.raises(ParameterError, match="finite"):
        p.set_b(tone(2), b_offset_db=bad)
    assert p.b_offset_db == 0.0


def test_huge_offsets_are_limited_to_60_db() -> None:
    p = ABPlayer(tone(2), tone(2))
    p.b_offset_db = -75.0
    assert p.b_offset_db == -MAX_OFFSET_DB == -60.0
    p.b_offset_db = 80.0
    assert p.playback_gains_db == (-60.0, 0.0)


def test_set_b_with_offset_sends_both_in_one_message() -> None:
    p = ABPlayer(tone(2))
    sent = record_messages(p)
    p.set_b(tone(2, amp=0.25), b_offset_db=6.0)
    assert p.b_offset_db == 6.0
    assert len(sent) == 1 and {"b_data", "b_version", "b_offset_db"} <= sent[0]


def test_constructor_options() -> None:
    p = ABPlayer(label_a="Dry", label_b="Compressed", match_loudness=False)
    assert (p.label_a, p.label_b, p.match_loudness, p.active, p.loop) == (
        "Dry",
        "Compressed",
        False,
        "a",
        True,
    )
    p.active = "b"
    with pytest.raises(Exception, match="active"):
        p.active = "c"


# -- checksum ---------------------------------------------------------------------------


def test_checksum_of_known_buffers() -> None:
    # 10000 floats -> stride 2 -> 5000 terms.
    half = np.full(10000, 0.5, dtype="<f4").tobytes()
    assert float32_checksum(half) == "2500.000000"
    assert float32_checksum(np.full(10000, -0.25, dtype="<f4").tobytes()) == "-1250.000000"
    # Rounded down, not to nearest: 1e-7 * 1e6 = 0.1 -> 0 and -0.1 -> -1.
    tiny = np.array([1e-7, -1e-7], dtype="<f4").tobytes()
    assert float32_checksum(tiny) == "-0.000001"
    # Clamped to +-1000 so the integer sum stays exact.
    assert float32_checksum(np.array([3e38], dtype="<f4").tobytes()) == "1000.000000"
    assert float32_checksum(b"") == "0.000000"
    # An array gives the same as its float32 bytes.
    assert float32_checksum(np.full((2, 5000), 0.5)) == float32_checksum(half)


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float32,
        st.integers(0, 9000),
        elements=st.floats(-2000.0, 2000.0, allow_nan=False, width=32),
    )
)
def test_checksum_matches_sample_by_sample_reference(floats: np.ndarray) -> None:
    assert float32_checksum(floats.astype("<f4").tobytes()) == reference_checksum(floats)


def test_player_checksum_is_that_of_the_decoded_b_samples() -> None:
    b = tone(2, amp=0.3)
    p = ABPlayer(tone(2), b)
    decoded = decode_samples(p.b_data, p.b_scale, 2)
    assert p.b_checksum() == reference_checksum(decoded.ravel())
    # It tells different audio apart and follows a new B.
    p.set_b(Audio(np.abs(b.samples), SR))
    assert p.b_checksum() != reference_checksum(decoded.ravel())


@settings(max_examples=25, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 2), st.integers(1, 6000)),
        elements=st.floats(-8.0, 8.0, allow_nan=False),
    )
)
def test_player_checksum_matches_full_decode(samples: np.ndarray) -> None:
    # b_checksum decodes only the terms it sums: the same as decoding everything.
    p = ABPlayer(b=Audio(samples, SR))
    assert p.b_checksum() == float32_checksum(decode_samples(p.b_data, p.b_scale, 1))


# -- the JavaScript file ------------------------------------------------------------------


def test_js_file_is_the_widget_module() -> None:
    source = JS_PATH.read_text(encoding="utf-8")
    assert "function render({ model, el })" in source
    assert "export default { render }" in source
    assert "decodeAudioData" not in source and "http" not in source  # no CDN, no decoding
    p = ABPlayer()  # the instance carries the file contents as synced strings
    assert p._esm == source and ".studio-abplayer" in p._css


@needs_node
def test_js_syntax_parses(tmp_path: Path) -> None:
    copy = tmp_path / "player.mjs"
    shutil.copy(JS_PATH, copy)
    result = subprocess.run(
        [NODE, "--check", str(copy)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


@needs_node
def test_js_helpers_agree_with_python(tmp_path: Path) -> None:
    """player.js decodes to the same float32 samples and checksums as player.py."""
    shutil.copy(JS_PATH, tmp_path / "player.mjs")
    rng = np.random.default_rng(7)
    sources = {
        "noise": rng.standard_normal(3 * 48000) * 0.3,
        "loud": np.array([0.1, -0.2, 1e-7, -1e-7, 5000.0]),  # checksum clamps at 1000
        "tiny": np.array([1e-40, -7e-41, 0.0]),  # float64 path in encode_samples
        "silence": np.zeros(64),
        "empty": np.zeros(0),
    }
    scales = {}
    for name, samples in sources.items():
        data, scales[name] = encode_samples(samples[np.newaxis, :])
        (tmp_path / f"{name}.bin").write_bytes(data)
    floats = rng.uniform(-1500.0, 1500.0, 9001).astype("<f4")  # the checksum on its own
    (tmp_path / "floats.bin").write_bytes(floats.tobytes())
    cases = [(True, -3.2), (True, 4.44), (True, 0.01), (False, -3.2)]
    (tmp_path / "cases.json").write_text(json.dumps({"scales": scales, "cases": cases}))
    script = tmp_path / "check.mjs"
    script.write_text(
        """
import { readFileSync, writeFileSync } from "node:fs";
import {
  checksum, decodeSamples, formatTime, offsetText, playbackGainsDb, toInt16,
} from "./player.mjs";
const here = (name) => new URL(`./${name}`, import.meta.url);
const { scales, cases } = JSON.parse(readFileSync(here("cases.json"), "utf8"));
const out = { checksums: {}, texts: [], gains: [] };
for (const [name, scale] of Object.entries(scales)) {
  // A Node Buffer is a view at an arbitrary byte offset, like a widget's DataView.
  const floats = decodeSamples(toInt16(readFileSync(here(`${name}.bin`))), scale);
  out.checksums[name] = checksum(floats);
  writeFileSync(here(`${name}.f32`), new Uint8Array(floats.buffer));
}
// A view at an odd byte offset cannot be an Int16Array: the DataView path reads it.
const bytes = readFileSync(here("noise.bin"));
const shifted = new Uint8Array(bytes.length + 1);
shifted.set(bytes, 1);
const odd = decodeSamples(toInt16(new DataView(shifted.buffer, 1, bytes.length)), scales.noise);
out.checksums.odd = checksum(odd);
const raw = readFileSync(here("floats.bin"));
const copy = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
out.checksums.floats = checksum(new Float32Array(copy));
for (const [match, offset] of cases) {
  out.texts.push(offsetText(match, offset, true));
  out.gains.push(playbackGainsDb(match, offset));
}
out.times = [0, 3.25, 59.96, 61.5, 599.99].map(formatTime);
console.log(JSON.stringify(out));
"""
    )
    result = subprocess.run([NODE, str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    for name in sources:
        data = (tmp_path / f"{name}.bin").read_bytes()
        expected = decode_samples(data, scales[name])
        # the very same float32 values, bit for bit...
        assert (tmp_path / f"{name}.f32").read_bytes() == expected.tobytes(), name
        # ...so the same checksum as the player reports for such a B
        assert out["checksums"][name] == float32_checksum(expected), name
        if name != "empty":
            p = ABPlayer(b=Audio(sources[name][np.newaxis, :], SR))
            assert p.b_checksum() == out["checksums"][name], name
    assert out["checksums"]["odd"] == out["checksums"]["noise"]
    assert out["checksums"]["floats"] == float32_checksum(floats.tobytes())
    p = ABPlayer(tone(2), tone(2))
    for (match, offset), text, gains in zip(cases, out["texts"], out["gains"], strict=True):
        p.match_loudness, p.b_offset_db = match, offset
        assert text == p.offset_text()
        assert tuple(gains) == pytest.approx(p.playback_gains_db)
    assert out["times"] == ["00:00.0", "00:03.2", "00:59.9", "01:01.5", "09:59.9"]


# -- the panel: a slider's value coming back from the browser resends no audio ---------
#
# When the browser draws a slider it writes the value back, rounded: a log slider
# computes 10 ** log10(x) in JavaScript (300 -> 299.99999999999983). During Run All
# these echoes reach the kernel after later cells ran, possibly of a value that code
# has changed since. Each used to cost a fresh render and a resend of B.


def browser_sends(control, value) -> None:
    """Deliver a value as a comm message from the browser would (``set_state``)."""
    control.set_state({"value": value})


def js_round_trip(value: float) -> float:
    """A float rounding of ``value`` as the browser's echo has it: never equal."""
    return float(np.nextafter(value, math.inf))


@pytest.fixture
def eq_panel():
    from studio.processors.eq import ParametricEQ
    from studio.widgets.panel import ProcessorPanel
    from studio.widgets.timing import ManualScheduler

    t = np.arange(48000) / 48000
    clip = Audio(np.vstack([0.5 * np.sin(2 * np.pi * 220 * t)] * 2), 48000, "clip")
    clock = ManualScheduler()
    return ProcessorPanel(ParametricEQ(), clip, preview_s=1.0, scheduler=clock), clock


def test_log_sliders_have_no_step_grid_to_snap_to() -> None:
    from studio.processors.eq import EQBand
    from studio.widgets.controls import control_for

    slider = control_for(EQBand.spec("freq_hz"), 300.0)
    assert type(slider).__name__ == "FloatLogSlider"
    assert slider.step is None and slider.value == 300.0  # shown and sent back as is


def test_neutral_panel_sends_b_as_a(eq_panel) -> None:
    panel, _ = eq_panel
    assert panel.processor.is_neutral()
    assert panel.player.b_same_as_a and panel.player.b_data == b""


def test_echoes_of_the_current_values_render_nothing(eq_panel) -> None:
    panel, clock = eq_panel
    version, processor = panel.player.b_version, panel.processor
    for control in panel.controls.values():
        value = control.value
        echo = js_round_trip(value) if isinstance(value, float) else value
        browser_sends(control, echo)
    clock.advance(1.0)
    assert panel.player.b_version == version
    assert panel.processor == processor  # not even nudged by 1e-16


def test_late_echo_of_a_replaced_value_is_ignored_and_corrected(eq_panel) -> None:
    panel, clock = eq_panel
    version = panel.player.b_version
    control = panel.controls[("bands", 1, "freq_hz")]
    panel.set("freq_hz", 300.0, band=2)  # code, before the browser drew the slider
    browser_sends(control, js_round_trip(400.0))  # the browser drew the old value
    assert panel.processor.bands[1].freq_hz == 300.0
    assert control.value == 300.0  # put back, so the browser shows what is used
    browser_sends(control, js_round_trip(300.0))  # then it got 300
    clock.advance(1.0)
    assert panel.processor.bands[1].freq_hz == 300.0
    assert panel.player.b_version == version + 1  # one render, for the code's move


def test_real_moves_still_count(eq_panel) -> None:
    panel, clock = eq_panel
    control = panel.controls[("bands", 1, "freq_hz")]
    panel.set("freq_hz", 300.0, band=2)
    clock.advance(1.0)
    version = panel.player.b_version
    browser_sends(control, 400.0)  # typed exactly: a move, even to an old value
    assert panel.processor.bands[1].freq_hz == 400.0
    browser_sends(control, 400.0 * (1 + 1e-6))  # dragged a hair: a move
    assert panel.processor.bands[1].freq_hz == pytest.approx(400.0004)
    clock.advance(1.0)
    assert panel.player.b_version == version + 1


def test_going_back_after_a_refused_value_renders_nothing() -> None:
    from studio.processors.eq import ParametricEQ
    from studio.widgets.panel import ProcessorPanel
    from studio.widgets.timing import ManualScheduler

    clip = Audio(0.1 * np.ones((1, 32000)), 32000)  # Nyquist 16 kHz
    clock = ManualScheduler()
    panel = ProcessorPanel(ParametricEQ(), clip, preview_s=1.0, scheduler=clock)
    version = panel.player.b_version
    control = panel.controls[("bands", 1, "freq_hz")]
    browser_sends(control, 18000.0)  # above Nyquist: refused, message shown
    assert "Nyquist" in panel.message.value and panel.processor.bands[1].freq_hz == 400.0
    browser_sends(control, 400.0)  # back to the value in use: message gone, no render
    clock.advance(1.0)
    assert panel.message.value == "" and panel.player.b_version == version
