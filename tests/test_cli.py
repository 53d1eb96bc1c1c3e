"""The command line: ``studio report`` and ``studio master`` end to end, on real files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import studio
from studio import Audio
from studio.cli import main
from studio.mastering.qc import QCReport

SR = 48000


def write_tone(path: Path, level_dbfs: float, seconds: float = 4.0) -> Path:
    t = np.arange(int(seconds * SR)) / SR
    x = 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * 997 * t)
    return studio.save(Audio(np.stack([x, x]), SR, "mix"), path, subtype="PCM_24")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_report_prints_the_qc_report_and_writes_json(tmp_path: Path) -> None:
    song = write_tone(tmp_path / "song.wav", -14.0)
    out_json = tmp_path / "qc.json"
    code, out, err = run("report", str(song), "--target", "spotify", "--json", str(out_json))
    assert code == 0 and err == ""
    assert "Quality control: 'song'" in out and "Meets Spotify (normal)" in out
    back = QCReport.from_json(out_json)
    assert back.target_met is True and back.subtype == "PCM_24"
    assert json.loads(out_json.read_text())["target"] == "spotify"


def test_report_check_sets_the_exit_status(tmp_path: Path) -> None:
    song = write_tone(tmp_path / "song.wav", -14.0)
    assert run("report", str(song), "--target", "ebu_r128", "--check")[0] == 1
    assert run("report", str(song), "--target", "ebu_r128")[0] == 0
    assert run("report", str(song), "--check")[0] == 0


def test_report_of_a_bad_file_says_so_plainly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"nonsense")
    code, out, err = run("report", str(bad))
    assert code == 2 and out == ""
    assert err.startswith("studio: error:") and "bad.wav" in err
    code, _, err = run("report", str(tmp_path / "missing.wav"))
    assert code == 2 and "missing.wav" in err
    with pytest.raises(SystemExit):
        run("report", str(bad), "--target", "nowhere")


def test_python_dash_m_studio_runs_the_same_program(tmp_path: Path) -> None:
    song = write_tone(tmp_path / "song.wav", -23.0)
    done = subprocess.run(
        [sys.executable, "-m", "studio", "report", str(song), "--target", "ebu_r128"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Meets EBU R 128" in done.stdout


def test_master_runs_the_chain_writes_and_reports(tmp_path: Path) -> None:
    mix = write_tone(tmp_path / "mix.wav", -20.0)
    out_path = tmp_path / "master.wav"
    code, out, err = run(
        "master", str(mix), "-o", str(out_path), "--target", "spotify", "--bit-depth", "16",
        "--json", str(tmp_path / "master.json"),
    )  # fmt: skip
    assert code == 0, err
    assert "1/4" in err and "4/4 master checked" in err
    assert out_path.exists() and "Wrote master.wav" in out
    report = QCReport.from_json(tmp_path / "master.json")
    assert report.subtype == "PCM_16"
    assert report.integrated_lufs == pytest.approx(-14.0, abs=0.5)  # the default chain's target
    assert report.true_peak_dbtp <= -1.0 + 1e-6
    # the file exists now: refused without --overwrite, nothing replaced
    before = out_path.read_bytes()
    code, _, err = run("master", str(mix), "-o", str(out_path))
    assert code == 2 and "already exists" in err and out_path.read_bytes() == before


def test_master_with_a_genre_or_a_preset_file(tmp_path: Path) -> None:
    from studio.mastering.chain import MasteringChain
    from studio.mastering.presets import genre

    mix = write_tone(tmp_path / "mix.wav", -20.0)
    code, _, err = run("master", str(mix), "-o", str(tmp_path / "g.wav"), "--genre", "classical")
    assert code == 0, err
    quiet = studio.measure(studio.load(tmp_path / "g.wav")).integrated_lufs
    assert quiet == pytest.approx(genre("classical").target_lufs("spotify"), abs=0.5)
    assert quiet < -14.5  # a dynamic genre is not pushed to the service's level
    preset = tmp_path / "broadcast.json"
    MasteringChain.default("ebu_r128").save_preset(preset)
    code, _, err = run("master", str(mix), "-o", str(tmp_path / "p.flac"), "--preset", str(preset))
    assert code == 0, err
    broadcast = studio.measure(studio.load(tmp_path / "p.flac"))
    assert broadcast.integrated_lufs == pytest.approx(-23.0, abs=0.5)
    assert broadcast.true_peak_dbtp <= -1.0 + 1e-3
    # a preset of something that is not a chain is refused in plain words
    studio.Limiter(ceiling_dbtp=-3.0).save_preset(tmp_path / "limiter.json")
    code, _, err = run(
        "master",
        str(mix),
        "-o",
        str(tmp_path / "x.wav"),
        "--preset",
        str(tmp_path / "limiter.json"),
    )
    assert code == 2 and "not a MasteringChain" in err
    code, _, err = run("master", str(mix), "-o", str(tmp_path / "y.wav"), "--genre", "polka")
    assert code == 2 and "polka" in err


def test_album_masters_a_folder_with_one_offset(tmp_path: Path) -> None:
    folder = tmp_path / "songs"
    folder.mkdir()
    write_tone(folder / "01_soft.wav", -30.0)
    write_tone(folder / "02_hot.wav", -20.0)
    code, out, err = run("album", str(folder), "-o", str(tmp_path / "out"), "--workers", "0")
    assert code == 0, err
    assert "01_soft.wav" in out and "02_hot.wav" in out
    assert "mastering: 2/2" in err
    soft = studio.measure(studio.load(tmp_path / "out" / "01_soft.wav")).integrated_lufs
    hot = studio.measure(studio.load(tmp_path / "out" / "02_hot.wav")).integrated_lufs
    assert hot - soft == pytest.approx(10.0, abs=0.5)  # one offset: the songs stay apart
    code, _, err = run("album", str(tmp_path / "nothing"), "-o", str(tmp_path / "o2"))
    assert code == 2 and "studio: error:" in err
