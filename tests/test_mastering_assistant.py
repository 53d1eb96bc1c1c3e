"""The mastering assistant: on synthetic mixes with known problems, the right moves and reasons.

Each mix is shaped noise with a known balance (a slope in dB per octave against pink),
stereo width and level changes, then given one problem: a steep high roll-off (dull), a
bump at 150 Hz (boomy), a decorrelated low end (wide bass), hard clipping at a loud level
(over-compressed), or a very wide loudness range (classical). The masters are checked by
independent meters: true peak by 8x ``resample_poly``, loudness by pyloudnorm.
"""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy import signal
from scipy.signal import resample_poly

from studio.analysis.meter import measure
from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.mastering.assistant import (
    ASPECT_OF,
    ASPECTS,
    Advice,
    analyse_mix,
    suggest,
)
from studio.mastering.chain import MasteringChain
from studio.mastering.presets import genre
from studio.mastering.targets import target
from studio.processors.eq import EQBand, ParametricEQ

SR = 48000
SECONDS = 20


def independent_true_peak_dbtp(samples: np.ndarray) -> float:
    """True peak by 8x polyphase oversampling (scipy's own filter, not the limiter's)."""
    x = np.asarray(samples, dtype=np.float64)
    peak = max(float(np.max(np.abs(resample_poly(ch, 8, 1)))) for ch in x)
    return 20.0 * np.log10(max(peak, 1e-12))


def pyloudnorm_lufs(samples: np.ndarray) -> float:
    return float(pyloudnorm.Meter(SR).integrated_loudness(np.asarray(samples, np.float64).T))


def shaped(
    seed: int = 1,
    *,
    slope_db_per_oct: float = -3.0,
    width: float = 0.3,
    envelope_db: np.ndarray | None = None,
    seconds: int = SECONDS,
    peak_dbfs: float = -6.0,
) -> np.ndarray:
    """Stereo noise with a straight balance (dB/oct against pink) from 40 Hz to 20 kHz.

    ``width`` is the share of each channel that is its own (0: mono); the level swells
    3 dB either way every 8 s unless ``envelope_db`` (per sample) is given.
    """
    rng = np.random.default_rng(seed)
    n = seconds * SR
    f = np.fft.rfftfreq(n, 1.0 / SR)
    common = rng.standard_normal(n)
    g = np.zeros_like(f)
    above = f > 0
    g[above] = (f[above] / 1000.0) ** -0.5 * 10.0 ** (
        slope_db_per_oct * np.log2(f[above] / 1000.0) / 20.0
    )
    g[f > 20000.0] = 0.0
    g *= 1.0 / np.sqrt(1.0 + (40.0 / np.maximum(f, 1e-3)) ** 8)  # music has little below 40 Hz
    chans = []
    for _ in range(2):
        w = np.sqrt(1.0 - width) * common + np.sqrt(width) * rng.standard_normal(n)
        chans.append(np.fft.irfft(np.fft.rfft(w) * g, n))
    x = np.array(chans)
    if envelope_db is None:
        t = np.arange(n) / SR
        envelope_db = 3.0 * np.sin(2.0 * np.pi * t / 8.0)
    x = x * 10.0 ** (envelope_db / 20.0)
    return x / np.max(np.abs(x)) * 10.0 ** (peak_dbfs / 20.0)


def mix(x: np.ndarray, name: str) -> Audio:
    return Audio(x, SR, name)


@pytest.fixture(scope="module")
def plain() -> np.ndarray:
    return shaped(2)


@pytest.fixture(scope="module")
def dull(plain: np.ndarray) -> Audio:
    sos = signal.butter(4, 2500.0, fs=SR, output="sos")
    return mix(signal.sosfilt(sos, plain), "dull")


@pytest.fixture(scope="module")
def boomy(plain: np.ndarray) -> Audio:
    bump = ParametricEQ(bands=(EQBand("peak", 150.0, 8.0, 1.4),))
    return mix(bump.process(plain, SR), "boomy")


@pytest.fixture(scope="module")
def wide_bass() -> Audio:
    centred = shaped(3, width=0.02)
    rng = np.random.default_rng(5)
    low = signal.butter(4, 120.0, fs=SR, output="sos")
    bass = signal.sosfilt(low, rng.standard_normal((2, centred.shape[1]))) * 1.5
    return mix(centred + bass, "wide bass")


@pytest.fixture(scope="module")
def squashed(plain: np.ndarray) -> Audio:
    return mix(np.clip(plain * 10.0 ** (20.0 / 20.0), -0.9, 0.9), "squashed")


@pytest.fixture(scope="module")
def classical() -> Audio:
    n = 36 * SR
    t = np.arange(n) / SR
    # pianissimo, a long crescendo, fortissimo, a sudden hush: about 15 LU of range
    envelope = np.interp(t, [0, 10, 20, 26, 28, 36], [-26.0, -24.0, -6.0, 0.0, -22.0, -24.0])
    return mix(
        shaped(4, slope_db_per_oct=-5.0, width=0.5, envelope_db=envelope, seconds=36),
        "orchestra",
    )


def _reasons(advice: Advice, module: str) -> str:
    return " ".join(m.reason for m in advice.moves if m.module == module).lower()


# ------------------------------------------------------------------------------ direction


def test_a_dull_mix_gets_a_lift_at_the_top_for_brightness(dull: Audio) -> None:
    advice = suggest(dull, "spotify", "pop")
    tilt = advice.move("tilt", "tilt_db")
    shelf = advice.move("tonal_eq", "gain_db")
    lifts = [m for m in (tilt, shelf) if m is not None and m.to_value > 0]
    assert lifts, str(advice)
    assert all("bright" in m.reason.lower() for m in lifts)
    assert advice.tilt_vs_genre_db_per_oct < -2.0  # far steeper than a pop balance
    # the chain really lifts the top: the master's balance is less steep than the mix's
    master = advice.chain(dull)
    assert analyse_mix(master).slope_db_per_oct > advice.analysis.slope_db_per_oct + 1.0


def test_a_balanced_mix_gets_no_tone_lift(plain: np.ndarray) -> None:
    advice = suggest(mix(plain, "balanced"), "spotify", "pop")
    assert advice.move("tilt", "tilt_db") is None
    assert advice.move("tonal_eq", "gain_db") is None
    assert not advice.analysis.bumps
    assert any("no tilt" in n.text for n in advice.notes)


def test_a_boomy_mix_gets_a_cut_at_the_bump(boomy: Audio) -> None:
    advice = suggest(boomy, "spotify", "rock")
    bump = advice.analysis.bump("boom")
    assert bump is not None and 125.0 <= bump.freq_hz <= 180.0
    path = ("modules", "corrective_eq", "processor", "bands", 1)
    freq = advice.chain.get((*path, "freq_hz"))
    gain = advice.chain.get((*path, "gain_db"))
    assert 125.0 <= freq <= 180.0 and gain < -2.0
    assert not advice.chain.module("corrective_eq").bypass
    assert "boom" in _reasons(advice, "corrective_eq")
    # heard: the master's 160 Hz band stands out less than the mix's
    after = analyse_mix(advice.chain(boomy)).bump("boom")
    assert after is None or after.excess_db < bump.excess_db - 2.0


def test_a_wide_bass_gets_the_mono_low_end(wide_bass: Audio, plain: np.ndarray) -> None:
    advice = suggest(wide_bass, "spotify", "pop")
    assert advice.analysis.low_correlation < 0.6
    imager = advice.chain.module("imager")
    assert not imager.bypass and imager.processor.mono_below_hz >= 100.0
    assert "bass" in _reasons(advice, "imager")
    master = advice.chain(wide_bass)
    assert analyse_mix(master).low_correlation > 0.9
    # a centred low end is left alone (pop has no rule of its own for it)
    centred = suggest(mix(shaped(3, width=0.02), "centred"), "spotify", "pop")
    assert centred.move("imager", "mono_below_hz") is None
    assert centred.chain.module("imager").bypass


def test_an_over_compressed_mix_is_only_turned_down(squashed: Audio) -> None:
    advice = suggest(squashed, "spotify", "pop")
    a = advice.analysis
    assert a.plr_db < 6.0 and a.integrated_lufs > -6.0
    for name in ("glue", "multiband", "limiter", "dynamic_eq", "saturation"):
        assert advice.chain.module(name).bypass, name
    assert advice.moves_for("dynamics") == ()
    assert "turned down" in _reasons(advice, "loudness")
    assert any("already dense" in n.text for n in advice.notes)
    master = advice.chain(squashed)
    m = measure(master)
    assert abs(m.integrated_lufs - (-14.0)) <= 0.5
    assert m.plr_db >= a.plr_db  # no more compression: the peaks are not squeezed further
    assert m.lra_lu >= a.lra_lu - 0.5


def test_a_classical_mix_keeps_its_loudness_range(classical: Audio) -> None:
    advice = suggest(classical, "spotify", "classical")
    a = advice.analysis
    assert a.lra_lu > 10.0
    assert advice.chain.module("glue").bypass
    assert any("no compression" in n.text.lower() for n in advice.notes)
    assert advice.chain.get(("modules", "loudness", "processor", "target_lufs")) == -18.0
    master = advice.chain(classical)
    m = measure(master)
    assert abs(m.lra_lu - a.lra_lu) <= 2.0, (m.lra_lu, a.lra_lu)
    assert abs(m.integrated_lufs - (-18.0)) <= 0.5
    assert independent_true_peak_dbtp(master.samples) <= -1.0 + 1e-3


# ------------------------------------------------------------------------------ amounts


def test_every_amount_at_zero_leaves_the_mix_untouched(boomy: Audio) -> None:
    advice = suggest(
        boomy,
        "spotify",
        "pop",
        **dict.fromkeys(("tone_pct", "dynamics_pct", "width_pct", "loudness_pct"), 0.0),
    )
    assert advice.chain.effective() == ()
    np.testing.assert_array_equal(advice.chain(boomy).samples, boomy.samples)
    # the moves are still listed: the amounts say how far they go, not what they are
    assert advice.moves == suggest(advice.analysis, "spotify", "pop").moves


def test_loudness_alone_is_the_loudness_module_alone(boomy: Audio) -> None:
    advice = suggest(boomy, "spotify", "pop", tone_pct=0, dynamics_pct=0, width_pct=0)
    assert [name for name, _ in advice.chain.effective()] == ["loudness"]
    master = advice.chain(boomy)
    assert abs(measure(master).integrated_lufs - (-14.0)) <= 0.5


def test_intensity_at_zero_is_the_identity_too(boomy: Audio) -> None:
    advice = suggest(boomy, "spotify", "pop", intensity_pct=0)
    assert advice.chain.effective() == ()


@pytest.mark.parametrize("intensity", [25.0, 50.0, 100.0])
def test_intensity_scales_every_aspect(boomy: Audio, intensity: float) -> None:
    advice = suggest(boomy, "spotify", "rock", tone_pct=80, width_pct=50, intensity_pct=intensity)
    active = [m for m in advice.chain.modules if not m.bypass and m.name != "loudness"]
    assert {ASPECT_OF[m.name] for m in active} >= {"tone", "dynamics", "width"}
    for m in active:
        own = advice.amounts[ASPECT_OF[m.name]]
        assert m.amount_pct == pytest.approx(own * intensity / 100.0), m.name
    # the loudness module is never scaled: any amount above 0 reaches the target
    assert advice.chain.module("loudness").amount_pct == 100.0


def test_half_the_tone_amount_halves_the_cut(boomy: Audio) -> None:
    full = suggest(boomy, "spotify", "pop")
    half = full.with_amounts(tone_pct=50.0)
    assert half.analysis is full.analysis and half.moves == full.moves
    cut_full = dict(full.chain.effective())["corrective_eq"].bands[1].gain_db
    cut_half = dict(half.chain.effective())["corrective_eq"].bands[1].gain_db
    assert cut_half == pytest.approx(cut_full / 2.0)
    assert "50 %" in str(half)


def test_amounts_are_checked(boomy: Audio) -> None:
    with pytest.raises(ParameterError, match="tone_pct must be a number from 0"):
        suggest(boomy, "spotify", "pop", tone_pct=120)
    advice = suggest(boomy, "spotify", "pop")
    with pytest.raises(ParameterError, match="intensity_pct must be a number"):
        advice.with_amounts(intensity_pct="lots")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="no aspect 'colour'"):
        advice.amount_of("colour")


# ------------------------------------------------------------------------------ targets


@pytest.mark.parametrize(
    ("goal", "style", "which"),
    [
        ("spotify", "pop", "dull"),
        ("apple_music", "rock", "boomy"),
        ("ebu_r128", "jazz", "wide_bass"),
        ("youtube", "edm", "squashed"),
        ("spotify_loud", "hiphop", "boomy"),
        ("cd_club", "edm", "wide_bass"),
    ],
)
def test_the_chain_meets_the_target(
    goal: str, style: str, which: str, request: pytest.FixtureRequest
) -> None:
    source: Audio = request.getfixturevalue(which)
    advice = suggest(source, goal, style)
    want = genre(style).target_lufs(goal)
    master = advice.chain(source)
    assert abs(measure(master).integrated_lufs - want) <= 0.5
    assert abs(pyloudnorm_lufs(master.samples) - want) <= 0.5
    assert independent_true_peak_dbtp(master.samples) <= target(goal).true_peak_dbtp + 1e-3


def test_the_chain_is_a_preset_for_other_songs(boomy: Audio, dull: Audio, tmp_path) -> None:
    advice = suggest(boomy, "spotify", "rock", tone_pct=70)
    path = advice.chain.save_preset(tmp_path / "my_master.json")
    again = MasteringChain.load(path)
    assert again == advice.chain
    master = again(dull)  # another song: its own loudness is measured anew
    assert abs(measure(master).integrated_lufs - (-14.0)) <= 0.5
    assert independent_true_peak_dbtp(master.samples) <= -1.0 + 1e-3
    edited = again.replace(("modules", "glue", "processor", "ratio"), 3.0)
    assert edited.module("glue").processor.ratio == 3.0


# ------------------------------------------------------------------------------ words


def test_every_move_has_a_reason_an_aspect_and_a_path_in_the_chain(boomy: Audio) -> None:
    advice = suggest(boomy, "spotify", "edm")
    assert advice.moves
    for m in advice.moves:
        assert m.reason.strip() and m.aspect in ASPECTS
        assert advice.proposal.get(m.path) == m.to_value
        assert m.from_value != m.to_value
        assert m.setting and m.from_text and m.to_text
        assert m.module == m.path[1]
    # the genre's own rules come with the preset's reasons
    assert "club" in _reasons(advice, "imager") or "bass" in _reasons(advice, "imager")


def test_advice_shows_itself_as_text_and_html(boomy: Audio) -> None:
    advice = suggest(boomy, "spotify", "pop", tone_pct=60)
    text = str(advice)
    assert "boomy" in text and "pop" in text and "-14.0 LUFS" in text
    assert "corrective EQ" in text and "(at 60 %)" in text
    for m in advice.moves:
        assert m.reason.split()[0] in text
    page = advice._repr_html_()
    assert page.startswith("<div>") and "<table>" in page and "<th" in page
    assert page.count("<tr>") == len(advice.moves) + 1
    assert "&lt;" not in text


def test_a_mono_mix_is_advised_without_width(plain: np.ndarray) -> None:
    mono = Audio(plain[:1], SR, "mono")
    advice = suggest(mono, "spotify", "pop")
    assert advice.chain.module("imager").bypass
    assert any(n.aspect == "width" for n in advice.notes)
    master = advice.chain(mono)
    assert master.n_channels == 1
    assert abs(measure(master).integrated_lufs - (-14.0)) <= 0.5


def test_bad_input_gets_a_plain_error() -> None:
    with pytest.raises(AudioDataError, match="takes a studio.Audio"):
        analyse_mix(np.zeros((2, 100)))  # type: ignore[arg-type]
    with pytest.raises(AudioDataError, match="mono or stereo mix, got 6 channels"):
        analyse_mix(Audio(np.zeros((6, SR)), SR, "surround"))
    with pytest.raises(AudioDataError, match="too quiet or too short"):
        suggest(Audio(np.zeros((2, SR)), SR, "silence"), "spotify", "pop")
    noise = Audio(np.random.default_rng(0).standard_normal((2, SR)) * 0.1, SR, "noise")
    with pytest.raises(ParameterError, match="no genre preset called 'polka'"):
        suggest(noise, "spotify", "polka")
