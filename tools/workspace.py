"""The learner's own copies of the notebooks, so the repository's stay untouched.

``make lab`` opens the notebooks from ``workspace/`` (ignored by git), not from
``notebooks/``: a learner's edits and Lab's autosave land in their copy, and ``git pull``
never meets a conflict in a tutorial. A copy is made for every notebook that has none.
When a repository notebook changes (after a ``git pull``), the copy follows it if the
learner never edited it; an edited copy is kept as it is, and the new version is put
beside it as ``NAME (new).ipynb``. A manifest remembers what each copy was made from.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

MANIFEST = ".copied-from.json"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".copy-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sync(source_dir: Path, work_dir: Path) -> list[str]:
    """Bring ``work_dir`` up to date with ``source_dir``; return what was done, in words."""
    work_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = work_dir / MANIFEST
    try:
        manifest: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    done: list[str] = []
    for source in sorted(source_dir.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in source.parts:
            continue
        relative = source.relative_to(source_dir).as_posix()
        target = work_dir / relative
        new = _digest(source)
        if not target.exists():
            _copy_atomically(source, target)
            done.append(f"copied {relative}")
        elif _digest(target) == new:
            pass  # the copy is the current version already (a lost manifest is no edit)
        elif manifest.get(relative) != new:
            if _digest(target) == manifest.get(relative):  # never edited: follow the update
                _copy_atomically(source, target)
                done.append(f"updated {relative}")
            else:
                beside = target.with_name(f"{target.stem} (new){target.suffix}")
                _copy_atomically(source, beside)
                done.append(f"kept your edited {relative}; the new version is {beside.name}")
        manifest[relative] = new
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return done
