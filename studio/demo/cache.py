"""A disk cache for the demo's rendered tracks, so a new kernel gets them in a blink.

Rendering the demo takes a few seconds; reading it back takes a few tens of ms. Each
rendered block is kept as one ``.npy`` file in the user's cache folder, named by the
arguments (length, rate, seed) and by a fingerprint of the code that shapes the sound
(the source of ``render``, ``synth``, ``song`` and ``theory``, and the numpy and scipy
versions), so an edit to the synthesis makes old files stale without anyone deleting
them.

Safe by construction:

* a file is written under a temporary name in the same folder and renamed into place,
  so a reader never sees half a file, and two kernels rendering at once both succeed
  (the last rename wins; both wrote the same samples);
* a file that cannot be read, has the wrong shape or type, or whose samples fail the
  caller's check (tracks not at their planted peak levels: damaged, or not ours) is
  ignored and rendered again;
* the cache is an optimisation only: when the folder is not writable, nothing is saved
  and nothing fails.

The folder is ``$STUDIO_CACHE_DIR/demo`` when that variable is set (``off`` turns the
disk cache off), else the platform's user cache folder (``~/.cache/studio/demo`` on
Linux). At most :data:`MAX_FILES` files are kept, the least recently used go first.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["MAX_FILES", "cache_dir", "code_version", "load", "store"]

MAX_FILES = 4
"""How many rendered sessions the folder keeps (a 40 s session at 48 kHz is 77 MB)."""

_FORMAT = 1  # bump when the file layout changes
_SOURCES = ("render.py", "synth.py", "song.py", "theory.py")


def cache_dir() -> Path | None:
    """The folder of the demo's disk cache, or None when the cache is turned off."""
    env = os.environ.get("STUDIO_CACHE_DIR")
    if env is not None and env.strip():
        if env.strip().lower() in ("off", "0", "none", "false"):
            return None
        base = Path(env).expanduser()
    elif sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        base = Path(local) / "studio" / "Cache"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches" / "studio"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "studio"
    return base / "demo"


@lru_cache(maxsize=1)
def code_version() -> str:
    """Fingerprint of everything that shapes the demo's samples (16 hex digits)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        scipy_version = version("scipy")
    except PackageNotFoundError:  # pragma: no cover - scipy is a dependency
        scipy_version = "?"
    digest = hashlib.sha256(repr((_FORMAT, np.__version__, scipy_version)).encode())
    here = Path(__file__).resolve().parent
    for name in _SOURCES:
        digest.update(name.encode())
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def _file_name(duration_s: float, sr: int, seed: int) -> str:
    return f"demo-{duration_s!r}s-{sr}hz-seed{seed}-{code_version()}.npy"


def load(
    duration_s: float,
    sr: int,
    seed: int,
    *,
    shape: tuple[int, int],
    check: Callable[[np.ndarray], bool],
) -> np.ndarray | None:
    """Read a rendered block back, or None when there is none or it does not check out.

    Parameters
    ----------
    duration_s, sr, seed
        The arguments the block was rendered with.
    shape : tuple of int
        The shape it must have: ``(channels, frames)``; it must be float32 too.
    check : callable
        Says whether the samples are plausible (the caller knows the planted levels).
    """
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / _file_name(duration_s, sr, seed)
    try:
        block = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None  # missing, unreadable or cut short: render again
    if block.dtype != np.float32 or block.shape != tuple(shape):
        return None
    if not check(block):
        return None
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:
        pass
    return block


def store(block: np.ndarray, duration_s: float, sr: int, seed: int) -> Path | None:
    """Write a rendered block atomically; return its path, or None when it could not be."""
    folder = cache_dir()
    if folder is None:
        return None
    target = folder / _file_name(duration_s, sr, seed)
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".part-", suffix=".npy", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, np.ascontiguousarray(block, dtype=np.float32), allow_pickle=False)
        os.replace(tmp, target)
        tmp = None
    except OSError:
        return None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    _prune(folder, keep=target)
    return target


def _prune(folder: Path, keep: Path) -> None:
    """Keep the :data:`MAX_FILES` most recently used files, drop old scraps; never fail."""
    try:
        files = [(p.stat().st_mtime, p) for p in folder.glob("demo-*.npy") if p != keep]
        scraps = [p for p in folder.glob(".part-*.npy") if time.time() - p.stat().st_mtime > 3600]
    except OSError:
        return
    files.sort(reverse=True)
    for old in [p for _, p in files[MAX_FILES - 1 :]] + scraps:
        try:
            old.unlink()
        except OSError:
            pass  # in use elsewhere (Windows) or already gone
