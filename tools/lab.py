"""Open JupyterLab on a notebook of this repo (what ``make lab`` runs).

Usage::

    python tools/lab.py --notebook notebooks/00_start_here.ipynb --port 8888

Lab runs with this interpreter, shows the repo as its file tree, listens on 127.0.0.1
unless ``--ip`` says otherwise, and opens a browser when there is a screen to open it
on; otherwise it prints the address (with its access token) to paste into a browser.
A notebook from ``notebooks/`` is opened from the learner's own copy in ``workspace/``
(see ``workspace.py``), so the repository's notebooks never change under a learner.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from pathlib import Path

from lab_server import running_as_root, write_settings_override
from workspace import sync

REPO = Path(__file__).resolve().parents[1]


def port_is_free(ip: str, port: int) -> bool:
    """Return True when nothing listens on ``ip:port`` yet."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ip if ip not in ("", "*") else "0.0.0.0", port))
        except OSError:
            return False
    return True


def has_screen() -> bool:
    """Whether a browser window can open here (Linux without X or Wayland cannot)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def main(argv: list[str] | None = None) -> None:
    """Parse the options, print where Lab will be, and replace this process with it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", default="notebooks/00_start_here.ipynb")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--ip", default="127.0.0.1")
    args = parser.parse_args(argv)

    if not port_is_free(args.ip, args.port):
        sys.exit(f"lab: port {args.port} is in use; try `make lab PORT=8890`.")
    # Learners work on their own copies: the repository's notebooks stay clean.
    for line in sync(REPO / "notebooks", REPO / "workspace" / "notebooks"):
        print(f"lab: {line}")
    requested = (REPO / args.notebook).resolve()
    notebook = requested
    root = REPO
    if requested.is_relative_to(REPO / "notebooks"):
        # Lab shows the learner's copies only, so no tracked notebook is one click away
        root = REPO / "workspace"
        notebook = root / requested.relative_to(REPO)
    target = "lab"
    if notebook.is_file() and notebook.is_relative_to(root):
        target = f"lab/tree/{notebook.relative_to(root).as_posix()}"
    else:
        print(f"lab: {args.notebook} not found; opening the file browser instead.")

    # The news question and update check are noise for a learner. Written into this
    # environment only (a virtualenv), as a default a person can still change.
    if sys.prefix != sys.base_prefix:
        write_settings_override(Path(sys.prefix, "share", "jupyter", "lab", "settings"))

    token = secrets.token_hex(24)
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.ip={args.ip}",
        f"--ServerApp.port={args.port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
    ]
    if running_as_root():
        command.append("--allow-root")
    if not has_screen():
        command.append("--no-browser")
    if target != "lab":
        command.append(notebook.relative_to(root).as_posix())  # opened when Lab loads
    host = "127.0.0.1" if args.ip in ("", "*", "0.0.0.0") else args.ip
    print(
        "\n  JupyterLab is starting. Open this address in your browser:\n\n"
        f"      http://{host}:{args.port}/{target}?token={token}\n\n"
        "  Stop it with Ctrl+C (twice).\n",
        flush=True,
    )
    os.chdir(root)  # jupyter resolves the notebook argument against the working folder
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main()
