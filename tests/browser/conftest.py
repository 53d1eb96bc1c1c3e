"""Fixtures for the real-browser tests: a JupyterLab server, Debian's Chromium, Playwright.

Everything is started here and stopped by process id in teardown, also when the test
fails. Without a Chromium or without the ``playwright`` package the tests skip, except
under ``CI=true``, where a missing browser is a failure (CI must exercise this layer).

Timings and payload figures a test records with the ``browser_report`` fixture are
written to ``test-artifacts/browser_timings.json`` and printed in pytest's terminal
summary, with or without ``-s``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
TIMINGS_FILE = ARTIFACTS / "browser_timings.json"

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1280,1600",
)

_REPORTS = pytest.StashKey[list]()


def _load_lab_server():
    """Import ``tools/lab_server.py`` by path (``tools`` is not a package)."""
    spec = importlib.util.spec_from_file_location("lab_server", REPO / "tools" / "lab_server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lab_server = _load_lab_server()


def skip_or_fail(reason: str) -> None:
    """Skip the test, or fail it when running under CI (``CI=true``)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser layer must run in CI)", pytrace=False)
    pytest.skip(reason)


def find_chromium() -> str | None:
    """Debian's ``/usr/bin/chromium`` or a Chromium on PATH, else None."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so teardown knows whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request) -> bool:
    return any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


@pytest.fixture
def browser_report(request):
    """A dict the test fills with timings and sizes; saved as JSON and summarised."""
    report = {"test": request.node.nodeid}
    yield report
    request.config.stash.setdefault(_REPORTS, []).append(report)
    ARTIFACTS.mkdir(exist_ok=True)
    TIMINGS_FILE.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print what the browser tests measured."""
    reports = config.stash.get(_REPORTS, [])
    if not reports:
        return
    terminalreporter.section("browser timings and payload")
    for report in reports:
        for key, value in report.items():
            if isinstance(value, float):
                value = f"{value:.2f}"
            elif isinstance(value, dict):
                value = json.dumps(value)
            terminalreporter.write_line(f"{key:>28}: {value}")
    terminalreporter.write_line(f"(also in {TIMINGS_FILE.relative_to(REPO)})")


@pytest.fixture
def chromium_path() -> str:
    """Path of the Chromium to drive (skips, or fails under CI, when there is none)."""
    path = find_chromium()
    if path is None:
        skip_or_fail("no Chromium found (/usr/bin/chromium or chromium on PATH)")
    return path


@pytest.fixture
def sync_playwright():
    """A started Playwright (its driver process is stopped in teardown)."""
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        skip_or_fail("the playwright Python package is not installed")
    playwright = start().start()
    yield playwright
    playwright.stop()


@pytest.fixture
def jupyter_server(request):
    """Factory: ``jupyter_server(root_dir)`` starts a ``JupyterServer`` on ``root_dir``.

    The server is stopped by process id in teardown; its log is printed if the test failed.
    """
    servers = []

    def start(root_dir: Path):
        server = lab_server.JupyterServer(root_dir)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
        if _failed(request):
            print(server.log_text())


@pytest.fixture
def artifacts_dir() -> Path:
    """``test-artifacts/`` in the repo (gitignored), for screenshots and figures."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class Chromium:
    """A headless Chromium in its own process group, reachable over CDP on loopback."""

    def __init__(self, executable: str, user_data_dir: Path, log_path: Path) -> None:
        self.executable = executable
        self.user_data_dir = user_data_dir
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.cdp_url: str | None = None

    def start(self, timeout_s: float = 60.0) -> Chromium:
        """Launch the browser and wait for its DevTools port file."""
        port_file = self.user_data_dir / "DevToolsActivePort"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    self.executable,
                    *CHROMIUM_ARGS,
                    f"--user-data-dir={self.user_data_dir}",
                    "--remote-debugging-address=127.0.0.1",
                    "--remote-debugging-port=0",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Chromium did not start:\n{self.log_text()}")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        self.cdp_url = f"http://127.0.0.1:{port}"
        return self

    def log_text(self) -> str:
        """The browser's own output."""
        if not self.log_path.exists():
            return ""
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        text = "\n".join(line for line in lines if "dbus" not in line)  # no system bus here
        return f"----- Chromium log ({self.log_path}) -----\n{text}"

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the browser by its process id, then anything left in its process group."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout_s)
        try:  # renderer / zygote helpers share the group we created for the browser
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@pytest.fixture
def browser_page(chromium_path, sync_playwright, tmp_path, request):
    """A fresh page of a fresh headless Chromium (own profile), closed and stopped after."""
    chromium = Chromium(chromium_path, tmp_path / "chromium-profile", tmp_path / "chromium.log")
    chromium.user_data_dir.mkdir()
    chromium.start()
    browser = page = None
    try:
        browser = sync_playwright.chromium.connect_over_cdp(chromium.cdp_url, timeout=60_000)
        context = browser.contexts[0] if browser.contexts else browser.new_context()
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
    finally:
        if _failed(request):
            if page is not None:
                shot = ARTIFACTS / f"{request.node.name}_failure.png"
                ARTIFACTS.mkdir(exist_ok=True)
                try:
                    page.screenshot(path=shot, full_page=True)
                    print(f"screenshot of the page at failure: {shot}")
                except Exception:  # noqa: BLE001 - a dead page must not hide the failure
                    pass
            print(chromium.log_text()[-5000:])
        if browser is not None:
            try:
                browser.close()
            except Exception:  # noqa: BLE001 - the process is stopped below regardless
                pass
        chromium.stop()
