"""Start and stop a throw-away JupyterLab server, for tests and tools.

``JupyterServer`` runs ``python -m jupyter lab`` with the current interpreter on
127.0.0.1, a free port and a random token. Every Jupyter/IPython folder that would
otherwise be shared with the person running it (config, user data, runtime files,
IPython profile, Lab settings and workspaces) points into a temporary folder that is
removed afterwards, so a test never sees, nor changes, anyone's own Jupyter set-up.
Lab extensions (widgets, anywidget, plotly) are still found: they live in the
environment's ``share/jupyter``, not in the user folder.

The module is named ``lab_server`` and not ``jupyter_server`` on purpose: the latter
would shadow the real ``jupyter_server`` package whenever ``tools/`` is on
``sys.path`` (as it is for ``python tools/lab.py``).

Example
-------
>>> with JupyterServer(root_dir=".") as server:  # doctest: +SKIP
...     print(server.url_for("lab/tree/notebooks/00_start_here.ipynb"))
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

#: Lab settings that keep the news question and the update check from popping up.
QUIET_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}


def write_settings_override(settings_dir: str | os.PathLike, name: str = "studio") -> Path:
    """Write :data:`QUIET_LAB_SETTINGS` as a Lab settings override file.

    Parameters
    ----------
    settings_dir : path
        A Lab *application settings* folder (``.../share/jupyter/lab/settings``).
        The file goes to its ``overrides.d/`` subfolder, the place JupyterLab reads
        per-package default overrides from; the person's own settings still win.
    name : str
        File name (without ``.json``) inside ``overrides.d``.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(settings_dir) / "overrides.d" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(QUIET_LAB_SETTINGS, indent=2) + "\n", encoding="utf-8")
    return path


#: Settings for a test server: quiet, never autosave (an executed notebook with widget
#: state is tens of MB and must not be written back into the repo), and every cell's
#: execution times recorded in its metadata (a test reports which cells are slow).
TEST_LAB_SETTINGS = {
    **QUIET_LAB_SETTINGS,
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/notebook-extension:tracker": {"recordTiming": True},
}


def write_user_settings(user_settings_dir: str | os.PathLike, settings: dict) -> None:
    """Write Lab *user* settings (as the Settings Editor would) into a settings folder.

    Parameters
    ----------
    user_settings_dir : path
        A Lab user-settings folder (``<JUPYTER_CONFIG_DIR>/lab/user-settings``).
    settings : dict
        Plugin id (``package:plugin``) to the values to set.
    """
    for plugin_id, values in settings.items():
        package, plugin = plugin_id.split(":")
        path = Path(user_settings_dir) / package / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def running_as_root() -> bool:
    """Return True when this process runs as root (JupyterLab then needs --allow-root)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


class JupyterServerError(RuntimeError):
    """The JupyterLab server did not start or answer; the message carries its log."""


class JupyterServer:
    """A JupyterLab server in a subprocess, isolated in a temporary folder.

    Use it as a context manager: the server is started on entry (and waited for until
    ``/api/status`` answers) and stopped by its process id on exit, kernels included.
    It is set up for driving from a test: no news or update checks, no autosave (an
    executed notebook never lands back on disk), and the Lab app object exposed in the
    page as ``window.jupyterapp`` so a test can run commands and read kernel state.

    The server's output goes to one log file (:meth:`log_text`), and so does whatever
    its kernels write to their own stdout and stderr outside the notebook protocol
    (they inherit the server's): a test reads it to find kernel-side errors that no
    cell shows.

    Parameters
    ----------
    root_dir : path
        The folder the Lab file browser shows; notebook URLs are relative to it.
    host : str
        Address to bind. Loopback only by default.
    port : int, optional
        Port to listen on; a free one is picked when omitted.
    startup_timeout_s : float
        How long to wait for ``/api/status`` to answer before giving up.
    extra_args : sequence of str
        More command-line options for ``jupyter lab``.
    """

    def __init__(
        self,
        root_dir: str | os.PathLike,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        startup_timeout_s: float = 60.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.root_dir = Path(root_dir).resolve()
        self.host = host
        self.port = port or free_port(host)
        self.token = secrets.token_hex(24)
        self.startup_timeout_s = startup_timeout_s
        self.extra_args = tuple(extra_args)
        self.tmp_dir: Path | None = None
        self.log_path: Path | None = None
        self.process: subprocess.Popen | None = None
        self.ready_s: float | None = None
        self._log_file = None
        self._last_log = ""

    # -- addresses -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://host:port/`` of the server."""
        return f"http://{self.host}:{self.port}/"

    def url_for(self, path: str, query: str = "") -> str:
        """Return the URL of ``path`` (e.g. ``lab/tree/x.ipynb``) with the token added."""
        query = f"{query}&token={self.token}" if query else f"token={self.token}"
        return f"{self.base_url}{path.lstrip('/')}?{query}"

    def api(self, path: str, timeout_s: float = 5.0) -> object:
        """GET ``/api/<path>`` with the token and return the decoded JSON."""
        request = urllib.request.Request(
            f"{self.base_url}api/{path.lstrip('/')}",
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.load(response)

    # -- life cycle ------------------------------------------------------------------
    def command(self) -> list[str]:
        """The ``jupyter lab`` command line this server runs."""
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--ServerApp.ip={self.host}",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--IdentityProvider.token={self.token}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",
        ]
        if running_as_root():
            cmd.append("--allow-root")
        return cmd + list(self.extra_args)

    def environment(self) -> dict[str, str]:
        """Environment of the server: every per-user Jupyter folder in the temp folder."""
        assert self.tmp_dir is not None
        env = dict(os.environ)
        folders = {
            "JUPYTER_CONFIG_DIR": "config",
            "JUPYTER_DATA_DIR": "data",
            "JUPYTER_RUNTIME_DIR": "runtime",
            "IPYTHONDIR": "ipython",
            "JUPYTERLAB_SETTINGS_DIR": "config/lab/user-settings",
            "JUPYTERLAB_WORKSPACES_DIR": "config/lab/workspaces",
        }
        for var, sub in folders.items():
            env[var] = str(self.tmp_dir / sub)
            Path(env[var]).mkdir(parents=True, exist_ok=True)
        env.pop("JUPYTER_PATH", None)  # only the environment's share/jupyter, nothing else
        env["JUPYTER_PLATFORM_DIRS"] = "1"  # no deprecation chatter from jupyter_core
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> JupyterServer:
        """Start the server and wait until ``/api/status`` answers.

        Raises
        ------
        JupyterServerError
            When the process exits or does not answer in time; the message ends with
            the server log.
        """
        self.tmp_dir = Path(tempfile.mkdtemp(prefix="studio-jupyter-"))
        self.log_path = self.tmp_dir / "server.log"
        env = self.environment()
        write_user_settings(env["JUPYTERLAB_SETTINGS_DIR"], TEST_LAB_SETTINGS)
        self._log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl+C in the terminal goes to pytest, not here
        )
        deadline = started + self.startup_timeout_s
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.stop()
                raise JupyterServerError(
                    f"JupyterLab exited with code {code} before it answered.\n{self.log_text()}"
                )
            try:
                self.api("status", timeout_s=2.0)
                break
            except (OSError, urllib.error.URLError, ValueError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise JupyterServerError(
                        f"JupyterLab did not answer on {self.base_url} within "
                        f"{self.startup_timeout_s:.0f} s.\n{self.log_text()}"
                    ) from None
                time.sleep(0.1)
        self.ready_s = time.monotonic() - started
        return self

    def log_text(self) -> str:
        """The server's output so far (kept after :meth:`stop` removed the temp folder)."""
        if self.log_path is not None and self.log_path.exists():
            if self._log_file is not None and not self._log_file.closed:
                self._log_file.flush()
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            self._last_log = f"----- JupyterLab log ({self.log_path}) -----\n{text}"
        return self._last_log

    def _kernels(self) -> list:
        """The server's descendant processes (its kernels), when psutil is available."""
        try:
            import psutil
        except ImportError:
            return []
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            return []

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop the server by its process id (terminate, wait, kill), then its kernels.

        Kernels run in their own sessions; the server shuts them down on SIGTERM, and
        any still alive afterwards are ended by their own process ids. The log is kept
        in memory (:meth:`log_text`) and the temporary folder removed. Safe to call twice.
        """
        if self.process is not None:
            kernels = self._kernels()
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=timeout_s)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=timeout_s)
            _end_processes(kernels)
            self.process = None
        if self._log_file is not None:
            self.log_text()
            self._log_file.close()
            self._log_file = None
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            self.tmp_dir = None

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _end_processes(processes: list, grace_s: float = 5.0) -> None:
    """Terminate the given ``psutil.Process`` objects still alive; kill those that stay.

    psutil checks each process's identity (pid and start time), so a pid reused by an
    unrelated process in the meantime is left alone.
    """
    if not processes:
        return
    import psutil

    _, alive = psutil.wait_procs(processes, timeout=grace_s)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _, alive = psutil.wait_procs(alive, timeout=grace_s)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
