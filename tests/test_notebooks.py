"""Every notebook under notebooks/ is stored clean and runs top to bottom.

Two layers:

- a fast check (no marker, runs in ``make unit``): each notebook is valid nbformat and
  is stored without outputs, execution counts or saved widget state (executed widget
  notebooks reach tens of MB: plotly's script, audio buffers);
- an execution test (marker ``notebook``): each notebook runs headless with nbclient on
  the ``python3`` kernel of *this* interpreter, in a temporary copy of ``notebooks/``
  so nothing it writes lands in the repo. A failing cell fails the test with its error.

The notebooks are found by glob, so a new notebook is covered the moment it is added.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# STUDIO_NOTEBOOK_DIR points the tests at another folder (to try the harness elsewhere).
NOTEBOOK_DIR = Path(os.environ.get("STUDIO_NOTEBOOK_DIR", REPO / "notebooks")).resolve()
NOTEBOOK_TIMEOUT_S = 300.0  # whole notebook, first cell to last


def find_notebooks() -> list[Path]:
    """Every ``.ipynb`` under ``notebooks/`` (checkpoints excluded), in a stable order."""
    return sorted(
        path for path in NOTEBOOK_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts
    )


def notebook_params() -> list:
    notebooks = find_notebooks()
    if not notebooks:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks under notebooks/"))]
    return [pytest.param(nb, id=nb.relative_to(NOTEBOOK_DIR).as_posix()) for nb in notebooks]


@pytest.mark.parametrize("notebook", notebook_params())
def test_notebook_is_valid_and_stored_clean(notebook: Path):
    import nbformat

    raw = json.loads(notebook.read_text(encoding="utf-8"))
    assert raw.get("nbformat") == 4, f"{notebook.name}: not an nbformat 4 notebook"
    nbformat.validate(nbformat.reads(json.dumps(raw), as_version=4))

    dirty = [
        f"cell {index}"
        for index, cell in enumerate(raw["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{notebook.name} is stored with outputs or execution counts in {', '.join(dirty)}; "
        "clear them (Edit > Clear Outputs of All Cells, then save)"
    )
    assert "widgets" not in raw.get("metadata", {}), (
        f"{notebook.name} is stored with saved widget state (metadata.widgets); clear it"
    )


def test_python3_kernel_is_this_interpreter():
    """The ``python3`` kernel the notebooks run on is the interpreter running the tests."""
    from jupyter_client.manager import KernelManager

    command = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert command[0] == sys.executable, (
        f"the python3 kernelspec starts {command[0]!r}, not this interpreter "
        f"{sys.executable!r}; is ipykernel installed in this environment?"
    )


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", notebook_params())
def test_notebook_runs_top_to_bottom(notebook: Path, tmp_path: Path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    # Kernel-side per-user folders go to the temp dir (no stray profile or runtime files).
    for var in ("IPYTHONDIR", "JUPYTER_RUNTIME_DIR"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    copy_dir = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, copy_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    copy = copy_dir / notebook.relative_to(NOTEBOOK_DIR)
    nb = nbformat.read(copy, as_version=4)

    deadline = None

    def seconds_left(cell) -> int:
        nonlocal deadline
        if deadline is None:
            deadline = time.monotonic() + NOTEBOOK_TIMEOUT_S
        return max(1, int(deadline - time.monotonic()))

    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout_func=seconds_left,
        startup_timeout=120,
        resources={"metadata": {"path": str(copy.parent)}},
    )
    started = time.monotonic()
    failure = None
    try:
        client.execute()
    except CellTimeoutError as error:
        failure = f"{notebook.name} did not finish within {NOTEBOOK_TIMEOUT_S:.0f} s:\n{error}"
    except CellExecutionError as error:
        failure = f"{notebook.name} raised in a cell:\n{error}"
    if failure:  # outside the except block, so the report shows just this
        pytest.fail(re.sub(r"\x1b\[[0-9;]*m", "", failure), pytrace=False)  # no colour codes
    print(f"{notebook.name}: ran in {time.monotonic() - started:.1f} s")
    # Run All must not solve the exercises: every answer check still says "Not yet"
    for cell in nb.cells:
        if cell.cell_type == "code" and "studio.course.check_" in cell.source:
            text = json.dumps([o.get("data", {}) for o in cell.outputs])
            assert "Not yet" in text, f"Run All solved an exercise:\n{cell.source}\n{text[:400]}"
