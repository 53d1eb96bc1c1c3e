"""Batch mastering: one album offset, per-song reports, failures by name, pools and Dask."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import studio
from studio import Audio
from studio.errors import ParameterError
from studio.mastering.batch import (
    GainLimiter,
    album_loudness_lufs,
    master_album,
    measure_song,
)

SR = 44100


def song(folder: Path, name: str, level_dbfs: float, seconds: float = 4.0) -> Path:
    t = np.arange(int(seconds * SR)) / SR
    rng = np.random.default_rng(sum(map(ord, name)))  # the same noise in every process
    x = np.sin(2 * np.pi * 440 * t) + 0.3 * rng.standard_normal(t.size)
    x *= 10 ** (level_dbfs / 20) / np.max(np.abs(x))
    audio = Audio(np.stack([x, 0.8 * x]), SR, name)
    return studio.save(audio, folder / f"{name}.wav", subtype="FLOAT")


@pytest.fixture
def album(tmp_path: Path) -> Path:
    folder = tmp_path / "album"
    folder.mkdir()
    song(folder, "01_quiet", -24.0)
    song(folder, "02_loud", -16.0, seconds=6.0)
    return folder


def test_album_loudness_of_one_song_is_its_integrated_loudness(album: Path) -> None:
    path = album / "02_loud.wav"
    m = studio.measure(studio.load(path))
    assert album_loudness_lufs([m.momentary_lufs[::10]]) == pytest.approx(
        m.integrated_lufs, abs=1e-9
    )
    assert album_loudness_lufs([]) == -math.inf


def test_one_offset_keeps_the_songs_apart_and_lands_the_album(album: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stages: list[tuple[str, int, int]] = []
    result = master_album(
        album,
        out,
        target="apple_music",
        workers=0,
        progress=lambda stage, done, total: stages.append((stage, done, total)),
    )
    assert not result.failed
    quiet, loud = result.songs
    assert quiet.gain_db == loud.gain_db == result.offset_db  # one offset
    before = loud.input_lufs - quiet.input_lufs
    after = loud.report.integrated_lufs - quiet.report.integrated_lufs
    assert before == pytest.approx(8.0, abs=0.5)
    assert after == pytest.approx(before, abs=0.6)  # the limiter trims the loud one a little
    assert result.album_lufs_after == pytest.approx(-16.0, abs=0.5) and result.album_met
    assert all(r.ceiling_ok for r in result.reports.values())
    assert stages[-1] == ("master", 2, 2) and ("measure", 2, 2) in stages
    assert (out / "01_quiet.wav").exists() and (out / "01_quiet.qc.json").exists()
    summary = json.loads((out / "album.json").read_text())
    assert summary["offset_db"] == pytest.approx(result.offset_db)
    assert [s["name"] for s in summary["songs"]] == ["01_quiet.wav", "02_loud.wav"]
    text = result.table()
    assert "01_quiet.wav" in text and "one loudness offset" in text


def test_song_mode_brings_each_song_to_the_target(album: Path, tmp_path: Path) -> None:
    result = master_album(album, tmp_path / "out", target="spotify", loudness="song", workers=0)
    for s in result.songs:
        assert s.report.integrated_lufs == pytest.approx(-14.0, abs=0.5)
        assert s.report.true_peak_dbtp <= -1.0 + 1e-6
    assert math.isnan(result.offset_db)


def test_a_song_that_fails_is_named_and_the_others_finish(album: Path, tmp_path: Path) -> None:
    (album / "03_broken.wav").write_bytes(b"not audio at all")
    bad = np.zeros((SR, 2), dtype=np.float32)
    bad[100, 0] = np.nan
    sf.write(album / "04_nan.wav", bad, SR, subtype="FLOAT")
    result = master_album(album, tmp_path / "out", workers=0)
    assert {s.name for s in result.failed} == {"03_broken.wav", "04_nan.wav"}
    assert all("03_broken" in s.error or "04_nan" in s.error or "NaN" in s.error
               for s in result.failed)  # fmt: skip
    assert len(result.reports) == 2
    assert "Failed: 03_broken.wav" in result.table()
    data = json.loads(result.to_json())
    assert set(data["failed"]) == {"03_broken.wav", "04_nan.wav"}


def test_a_process_pool_gives_the_same_album(album: Path, tmp_path: Path) -> None:
    here = master_album(album, tmp_path / "here", workers=0, write_json=False)
    pool = master_album(album, tmp_path / "pool", workers=2, write_json=False)
    assert pool.offset_db == pytest.approx(here.offset_db, abs=1e-9)
    for a, b in zip(here.songs, pool.songs, strict=True):
        assert a.name == b.name
        assert a.report.integrated_lufs == pytest.approx(b.report.integrated_lufs, abs=1e-9)


def _double_then_limit(audio: Audio, gain_db: float) -> Audio:
    return studio.Limiter(ceiling_dbtp=-2.0)(
        audio.with_samples(audio.samples * 10 ** (gain_db / 20))
    )


def test_recipes_callables_processors_and_stages(album: Path, tmp_path: Path) -> None:
    files = sorted(album.iterdir())
    by_fn = master_album(files, tmp_path / "fn", _double_then_limit, target="amazon_music",
                         loudness="song", workers=0)  # fmt: skip
    assert all(s.report.true_peak_dbtp <= -2.0 + 1e-6 for s in by_fn.songs)
    proc = studio.Limiter(ceiling_dbtp=-3.0)
    by_proc = master_album(files, tmp_path / "proc", proc, workers=0, loudness="song")
    assert all(s.report.true_peak_dbtp <= -3.0 + 1e-6 for s in by_proc.songs)
    # stages before the limiter are measured for the offset
    staged = GainLimiter(pre=studio.Gain(gain_db=-6.0))
    m = measure_song(files[0], staged)
    plain = measure_song(files[0])
    assert m.integrated_lufs == pytest.approx(plain.integrated_lufs - 6.0, abs=0.01)
    assert pickle.loads(pickle.dumps(staged)) == staged


def test_bad_requests(tmp_path: Path, album: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ParameterError, match="no audio files"):
        master_album(empty, tmp_path / "o")
    with pytest.raises(ParameterError, match="not a folder"):
        master_album(tmp_path / "missing", tmp_path / "o")
    with pytest.raises(ParameterError, match="loudness must be"):
        master_album(album, tmp_path / "o", loudness="loud")  # type: ignore[arg-type]
    other = tmp_path / "other"
    other.mkdir()
    twin = song(other, "01_quiet", -20.0)
    with pytest.raises(ParameterError, match="share a name"):
        master_album([album / "01_quiet.wav", twin], tmp_path / "o")


def test_a_dask_cluster_runs_the_same_album(album: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    here = master_album(album, tmp_path / "here", workers=0, write_json=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = master_album(album, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert not remote.failed
    assert remote.offset_db == pytest.approx(here.offset_db, abs=1e-9)
    for a, b in zip(here.songs, remote.songs, strict=True):
        assert a.report.integrated_lufs == pytest.approx(b.report.integrated_lufs, abs=1e-9)
    assert (tmp_path / "dask" / "album.json").exists()


def test_a_mastering_chain_masters_the_album_with_one_offset(album: Path, tmp_path: Path) -> None:
    from studio.mastering.batch import album_recipe
    from studio.mastering.chain import MasteringChain

    chain = MasteringChain.default("spotify")
    recipe = album_recipe(chain)
    assert recipe.limiter.ceiling_dbtp == chain.module("loudness").processor.ceiling_dbtp
    assert recipe.pre is not None and "loudness" not in recipe.pre.names()
    assert "glue" in recipe.pre.names()
    result = master_album(album, tmp_path / "out", recipe=chain, target="spotify", workers=0)
    quiet, loud = result.songs
    assert quiet.gain_db == loud.gain_db  # the chain's own per-song target gave way
    after = loud.report.integrated_lufs - quiet.report.integrated_lufs
    assert after > 6.0  # the songs stay apart, as on the album
    assert result.album_lufs_after == pytest.approx(-14.0, abs=0.5)
    assert all(r.ceiling_ok for r in result.reports.values())
    with pytest.raises(ParameterError, match="takes a MasteringChain"):
        album_recipe(studio.Limiter())
