"""Genre presets: reasons shown, every target met and ceiling held, dynamics kept."""

from __future__ import annotations

import numpy as np
import pytest

from studio.audio import Audio
from studio.dsp.loudness import integrated_loudness, loudness_range
from studio.errors import ParameterError
from studio.mastering.chain import MasteringChain
from studio.mastering.presets import GENRES, genre
from studio.mastering.targets import TARGETS
from tests.test_mastering_loudness import independent_true_peak_dbtp, material

SR = 48000


def dynamic_piece(levels_db=(-38.0, -30.0, -22.0, -30.0, -16.0, -34.0), section_s=4.0):
    """Sections of a soft, band-limited texture at known levels: an LRA of about 15 LU."""
    rng = np.random.default_rng(3)
    n = int(section_s * SR)
    parts = []
    for level in levels_db:
        noise = rng.standard_normal((2, n))
        kernel = np.hanning(48) / np.hanning(48).sum()  # soft top, like strings in a hall
        body = np.stack([np.convolve(ch, kernel, mode="same") for ch in noise])
        body *= 10 ** (level / 20) / np.sqrt(np.mean(body**2))
        parts.append(body)
    return np.concatenate(parts, axis=1).astype(np.float32)


def test_every_preset_explains_itself():
    for preset in GENRES.values():
        text = preset.explain("spotify")
        assert preset.name in text and preset.why in text
        assert len(preset.reasons()) == len(preset.moves) >= 3
        assert all(move.why for move in preset.moves)
    dense = [p for p in GENRES.values() if p.family == "dense"]
    dynamic = [p for p in GENRES.values() if p.family == "dynamic"]
    assert {p.key for p in dense} == {"edm", "hiphop", "pop", "rock"}
    assert {p.key for p in dynamic} == {"jazz", "acoustic", "classical", "ambient"}
    # dense genres are louder, with smaller loudness ranges and peak-to-loudness ratios
    assert max(p.lra_lu[1] for p in dense) < max(p.lra_lu[1] for p in dynamic)
    assert max(p.loudest_lufs for p in dynamic) < min(p.loudest_lufs for p in dense)
    assert max(p.plr_db[0] for p in dense) < min(p.plr_db[0] for p in dynamic)


def test_a_dynamic_genre_is_not_pushed_to_pop_loudness():
    assert genre("classical").target_lufs("spotify") == -18.0
    assert genre("classical").target_lufs("ebu_r128") == -23.0
    assert genre("edm").target_lufs("cd_club") == -9.0
    assert "-18 LUFS" in genre("orchestral").explain("spotify")
    assert genre("New Age") is genre("ambient")


def test_unknown_genre_is_refused_plainly():
    with pytest.raises(ParameterError, match="no genre preset called 'polka'"):
        genre("polka")


@pytest.mark.parametrize("key", ["classical", "ambient"])
def test_a_dynamic_master_keeps_the_loudness_range_of_its_mix(key):
    mix = dynamic_piece()
    mix_lra = loudness_range(mix, SR)
    assert 12.0 < mix_lra < 25.0
    master = genre(key).chain("spotify")(Audio(mix, SR)).samples
    assert abs(loudness_range(master, SR) - mix_lra) <= 2.0
    assert abs(integrated_loudness(master, SR) - genre(key).target_lufs("spotify")) <= 0.5
    assert independent_true_peak_dbtp(master) <= TARGETS["spotify"].true_peak_dbtp + 1e-3


@pytest.fixture(scope="module")
def song():
    return Audio(material("dense")[:, : 8 * SR], SR)


@pytest.mark.parametrize("key", sorted(GENRES))
@pytest.mark.parametrize("target_key", ["spotify", "ebu_r128", "cd_club"])
def test_every_preset_meets_its_target_under_the_ceiling(song, key, target_key):
    preset = genre(key)
    goal = TARGETS[target_key]
    chain = preset.chain(target_key)
    assert isinstance(chain, MasteringChain)
    master = chain(song).samples
    assert abs(integrated_loudness(master, SR) - preset.target_lufs(goal)) <= goal.tolerance_lu
    assert independent_true_peak_dbtp(master) <= goal.true_peak_dbtp + 1e-3
