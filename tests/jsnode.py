"""Run JavaScript test scripts under node (for the widgets' pure helpers).

Without node the tests that need it skip, except under ``CI=true``, where a missing node
is a failure: CI must exercise the browser code's logic.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

WIDGETS = Path(__file__).resolve().parents[1] / "studio" / "widgets"


def node_path() -> str:
    """The node executable; skips the test without one (fails it under CI=true)."""
    found = shutil.which("node")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not installed (CI=true: the JavaScript tests must run)")
        pytest.skip("node is not installed")
    return found


def run_node(tmp_path: Path, script: str, modules: tuple[str, ...], data: Any = None) -> Any:
    """Copy widget modules into ``tmp_path`` as ``.mjs``, run ``script``, return its JSON.

    The script can import ``./player.mjs`` (etc.) and read ``input.json`` next to it
    (``data``, written as JSON); whatever it prints with ``console.log(JSON.stringify(x))``
    on its last line comes back as ``x``.
    """
    node = node_path()
    for name in modules:
        shutil.copy(WIDGETS / f"{name}.js", tmp_path / f"{name}.mjs")
    (tmp_path / "input.json").write_text(json.dumps(data), encoding="utf-8")
    path = tmp_path / "check.mjs"
    prelude = (
        'import { readFileSync } from "node:fs";\n'
        'const inputUrl = new URL("./input.json", import.meta.url);\n'
        'const input = JSON.parse(readFileSync(inputUrl, "utf8"));\n'
    )
    path.write_text(prelude + script, encoding="utf-8")
    result = subprocess.run([node, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
