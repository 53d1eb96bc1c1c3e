"""Translation: the simulated playback systems match their documented corners, stay
finite and bounded, and the phone and the mono fold are mono."""

from __future__ import annotations

import numpy as np
import pytest

from studio import Audio
from studio.dsp.truepeak import true_peak_dbtp
from studio.errors import AudioDataError, ParameterError
from studio.mastering.translation import (
    SYSTEMS,
    PlaybackSystem,
    fold_to_mono,
    frequencies_hz,
    playback_system,
    response_curves,
    translate,
)
from studio.processors.filters import HighPass

SR = 48000


def music(seconds: float = 6.0, seed: int = 0) -> np.ndarray:
    """Wide, hot stereo material: drum hits, a bass and decorrelated noise near 0 dBFS."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    hits = rng.standard_normal(n) * np.exp(-(t % 0.5) * 20.0)
    bass = 0.5 * np.sin(2 * np.pi * 50.0 * t)
    wide = 0.2 * rng.standard_normal((2, n))
    x = np.stack([hits + bass, 0.7 * hits + bass]) + wide
    return x * (0.98 / np.max(np.abs(x)))


@pytest.fixture(scope="module")
def master() -> Audio:
    return Audio(music(), SR, "master")


def level_db(system: PlaybackSystem, freq_hz: float, sr: int = SR) -> float:
    return float(system.response_db(np.array([freq_hz]), sr)[0])


# ------------------------------------------------------------------- documented corners


@pytest.mark.parametrize(
    ("key", "freq_hz", "expected_db", "tol_db"),
    [
        ("studio_monitors", 45.0, -3.0, 0.1),  # the ported box's corner
        ("studio_monitors", 1000.0, 0.0, 0.1),  # flat above it
        ("studio_monitors", 22.5, -24.0, 1.0),  # 24 dB per octave below
        ("earbuds", 100.0, -3.0, 0.6),  # no seal: bass falls away from 100 Hz
        ("earbuds", 3000.0, 4.0, 0.3),  # the canal lift
        ("earbuds", 15000.0, -3.0, 0.6),  # tiny drivers lose the top
        ("laptop", 200.0, -3.0, 0.6),
        ("laptop", 50.0, -48.0, 2.0),  # two octaves below: 48 dB down
        ("laptop", 1000.0, 4.0, 0.6),  # the case resonance
        ("phone", 500.0, -3.0, 1.5),  # its corner, under the 900 Hz resonance's skirt
        ("phone", 100.0, -55.0, 4.0),  # a phone plays no 100 Hz
        ("phone", 900.0, 6.0, 1.0),  # the driver's resonance
        ("phone", 12000.0, -3.0, 1.0),
        ("car", 30.0, -0.5, 3.0),  # cabin gain holds up the lows near the high pass
        ("car", 50.0, 5.0, 1.0),  # cabin gain (less the high pass)
        ("car", 16000.0, -3.0, 0.5),  # tweeters off axis
        ("club", 50.0, 5.4, 0.5),  # the sub lift (a 6 dB shelf, the high pass below)
        ("club", 15.0, -18.0, 3.0),  # the subs' protection high pass (plus the shelf)
        ("club", 16000.0, -3.0, 0.3),
        ("mono", 1000.0, 0.0, 1e-9),
    ],
)
def test_responses_at_the_documented_corners(
    key: str, freq_hz: float, expected_db: float, tol_db: float
) -> None:
    assert level_db(SYSTEMS[key], freq_hz) == pytest.approx(expected_db, abs=tol_db)


def test_small_speakers_lose_the_bass_in_order_of_size() -> None:
    at_80 = {key: level_db(SYSTEMS[key], 80.0) for key in SYSTEMS}
    assert at_80["phone"] < at_80["laptop"] < at_80["earbuds"] < at_80["studio_monitors"]
    assert at_80["club"] > 0.0 and at_80["car"] > 0.0


def test_the_sound_follows_the_curve() -> None:
    """A steady sine through a system comes out at the level its response says."""
    n = 2 * SR
    for key in ("earbuds", "car", "studio_monitors"):
        for freq_hz in (120.0, 3000.0):
            tone = 0.1 * np.sin(2 * np.pi * freq_hz * np.arange(n) / SR)
            out = translate(Audio(np.stack([tone, tone]), SR), key).samples[0, SR:]
            measured_db = 20 * np.log10(np.sqrt(2) * np.std(out) / 0.1)
            assert measured_db == pytest.approx(level_db(SYSTEMS[key], freq_hz), abs=0.1)


def test_response_curves_for_a_plot() -> None:
    curves = response_curves(44100)
    assert set(curves) == set(SYSTEMS)
    for freqs, db in curves.values():
        assert freqs[0] == 20.0 and freqs[-1] <= 20000.0
        assert freqs.shape == db.shape and np.all(np.isfinite(db))
    assert frequencies_hz(32000)[-1] < 16000.0


# -------------------------------------------------------------------- mono and channels


def test_the_phone_is_mono(master: Audio) -> None:
    out = translate(master, "phone")
    assert out.samples.shape == master.samples.shape
    np.testing.assert_array_equal(out.samples[0], out.samples[1])


def test_the_mono_fold_sums_and_cancels() -> None:
    left = np.sin(2 * np.pi * 440 * np.arange(SR) / SR)
    folded = fold_to_mono(Audio(np.stack([left, -left]), SR))
    assert np.max(np.abs(folded.samples)) < 1e-12  # opposite polarity cancels
    same = fold_to_mono(Audio(np.stack([left, left]), SR))
    np.testing.assert_allclose(same.samples, np.stack([left, left]))
    assert translate(Audio(np.stack([left, -left]), SR), "mono").samples.max() < 1e-12


def test_the_club_sums_only_the_low_end_to_mono() -> None:
    n = 4 * SR
    t = np.arange(n) / SR
    low, high = np.sin(2 * np.pi * 40 * t), np.sin(2 * np.pi * 2000 * t)
    x = 0.25 * np.stack([low + high, -low + high])  # the low end out of phase
    out = translate(Audio(x, SR), "club").samples[:, SR:]
    side = (out[0] - out[1]) / 2
    mid = (out[0] + out[1]) / 2
    assert np.std(side) < 0.01  # the 40 Hz that differed between the channels is gone
    assert np.std(mid) > 0.1  # the 2 kHz in both channels stays


def test_a_mono_master_plays_through_every_system(master: Audio) -> None:
    mono = master.to_mono()
    for key in SYSTEMS:
        assert translate(mono, key).n_channels == 1


# ---------------------------------------------------------------- finite and bounded


@pytest.mark.parametrize("key", list(SYSTEMS))
def test_every_system_is_finite_bounded_and_leaves_its_input(master: Audio, key: str) -> None:
    before = master.samples.copy()
    out = translate(master, key)
    assert out.sr == master.sr and out.samples.shape == master.samples.shape
    assert np.all(np.isfinite(out.samples))
    np.testing.assert_array_equal(master.samples, before)
    sys = SYSTEMS[key]
    if sys.ceiling_dbtp is not None:  # the device's limiter holds its ceiling
        assert true_peak_dbtp(out.samples, SR) <= sys.ceiling_dbtp + 0.1
    else:  # never louder than the input plus the biggest boost of the curve (+ ringing)
        boost_db = max(0.0, float(np.max(sys.response_db(frequencies_hz(SR), SR))))
        in_peak = 20 * np.log10(np.max(np.abs(master.samples)))
        out_peak = 20 * np.log10(np.max(np.abs(out.samples)))
        assert out_peak <= in_peak + boost_db + 3.0
    assert out.name is not None and out.name.startswith("master · ")


def test_the_phone_turns_a_loud_master_down_and_leaves_a_quiet_one(master: Audio) -> None:
    from studio.analysis.meter import measure

    unlimited = PlaybackSystem("mono", filters=SYSTEMS["phone"].filters, mono=True)
    loud_loss = measure(translate(master, unlimited)).integrated_lufs - (
        measure(translate(master, "phone")).integrated_lufs
    )
    assert loud_loss > 3.0  # its protection compressor works on a loud master
    quiet = master.with_samples(master.samples * 10 ** (-30 / 20))
    quiet_loss = measure(translate(quiet, unlimited)).integrated_lufs - (
        measure(translate(quiet, "phone")).integrated_lufs
    )
    assert abs(quiet_loss) < 0.5  # and leaves a quiet one alone


# ----------------------------------------------------------------------- words, errors


@pytest.mark.parametrize("key", list(SYSTEMS))
def test_each_system_explains_itself(key: str) -> None:
    sys = SYSTEMS[key]
    assert sys.name and sys.models and sys.source and sys.listen_for
    text = str(sys)
    assert sys.name in text and "Why:" in text and "Listen for:" in text


def test_unknown_systems_and_bad_input_are_refused(master: Audio) -> None:
    with pytest.raises(ParameterError, match="unknown playback system 'radio'"):
        translate(master, "radio")
    with pytest.raises(AudioDataError, match="takes a studio.Audio"):
        translate(master.samples, "phone")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="needs a response curve"):
        PlaybackSystem("odd", filters=(SYSTEMS["phone"].limit[0],))
    assert playback_system(SYSTEMS["car"]) is SYSTEMS["car"]
    custom = PlaybackSystem("car", filters=(HighPass(freq_hz=60.0),))
    assert level_db(custom, 60.0) == pytest.approx(-3.01, abs=0.01)
