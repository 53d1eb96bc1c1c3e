"""The README cannot drift: its Python blocks run, and its commands match the Makefile."""

import re
from pathlib import Path

import numpy as np

import studio

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = studio.demo.session()
    studio.save(demo.mixdown(), "my_mix.wav", subtype="FLOAT")
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = studio.load("out.wav")
    assert out.n_channels == 2 and np.all(np.isfinite(out.samples))


def test_quickstart_commands_exist_in_makefile():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("lab", "test", "bench"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_binder_files():
    assert (ROOT / "binder" / "requirements.txt").read_text().split() == ["."]
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.12"
    assert "urlpath=lab/tree/notebooks/00_start_here.ipynb" in README
