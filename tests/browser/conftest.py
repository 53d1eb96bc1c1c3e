"""Fixtures for the real-browser tests: a JupyterLab server, Debian's Chromium, Playwright.

Everything is started once per test module (a server, a browser, a page at 1280x720)
and stopped by process id in teardown, also when a test fails. Without a Chromium or
without the ``playwright`` package the tests skip, except under ``CI=true``, where a
missing browser is a failure (CI must exercise this layer).

Figures a test records in the ``browser_report`` dict are written to
``test-artifacts/browser_timings.json`` and printed in pytest's terminal summary, with
or without ``-s``. The server's output (the kernels' too) is kept as
``test-artifacts/jupyter_server.log``; a failing test leaves a screenshot of the page.
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

#: The page size a learner on a small laptop has: every screenshot is taken at it.
VIEWPORT = {"width": 1280, "height": 720}

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
    f"--window-size={VIEWPORT['width']},{VIEWPORT['height']}",
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
    """On a failing test that drives the page, save a screenshot of what the page shows."""
    report = yield
    page = item.funcargs.get("browser_page") if hasattr(item, "funcargs") else None
    if report.failed and report.when == "call" and page is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"{item.name}_failure.png"
        try:
            page.screenshot(path=shot)
            report.sections.append(("page at failure", f"screenshot: {shot}"))
        except Exception:  # noqa: BLE001 - a dead page must not hide the failure
            pass
    return report


def _failures(request) -> int:
    return request.session.testsfailed


@pytest.fixture(scope="module")
def browser_report(request):
    """A dict the module's tests fill with timings and sizes; saved as JSON and summarised."""
    report = {"module": request.node.nodeid}
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
            elif isinstance(value, (dict, list)):
                value = json.dumps(value)
                if len(value) > 600:  # the whole of it is in the JSON file
                    value = value[:597] + "..."
            terminalreporter.write_line(f"{key:>28}: {value}")
    terminalreporter.write_line(f"(also in {TIMINGS_FILE.relative_to(REPO)})")


@pytest.fixture(scope="module")
def chromium_path() -> str:
    """Path of the Chromium to drive (skips, or fails under CI, when there is none)."""
    path = find_chromium()
    if path is None:
        skip_or_fail("no Chromium found (/usr/bin/chromium or chromium on PATH)")
    return path


@pytest.fixture(scope="module")
def sync_playwright():
    """A started Playwright (its driver process is stopped in teardown)."""
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        skip_or_fail("the playwright Python package is not installed")
    playwright = start().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="module")
def jupyter_server(request):
    """Factory: ``jupyter_server(root_dir)`` starts a ``JupyterServer`` on ``root_dir``.

    The server is stopped by process id in teardown; its whole output (the kernels'
    included) is saved as ``test-artifacts/jupyter_server.log``, and printed when a
    test of the module failed.
    """
    servers = []
    failures = _failures(request)

    def start(root_dir: Path):
        server = lab_server.JupyterServer(root_dir)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "jupyter_server.log").write_text(server.log_text(), encoding="utf-8")
        if _failures(request) > failures:
            print(server.log_text()[-20000:])


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def browser_page(chromium_path, sync_playwright, tmp_path_factory, request):
    """A page (1280x720) of a fresh headless Chromium (own profile), closed and stopped after."""
    folder = tmp_path_factory.mktemp("chromium")
    chromium = Chromium(chromium_path, folder / "profile", folder / "chromium.log")
    chromium.user_data_dir.mkdir()
    chromium.start()
    failures = _failures(request)
    browser = page = None
    try:
        browser = sync_playwright.chromium.connect_over_cdp(chromium.cdp_url, timeout=60_000)
        context = browser.contexts[0] if browser.contexts else browser.new_context()
        page = context.new_page()
        page.set_viewport_size(VIEWPORT)
        page.set_default_timeout(60_000)
        yield page
    finally:
        if _failures(request) > failures:
            print(chromium.log_text()[-5000:])
        if browser is not None:
            try:
                browser.close()
            except Exception:  # noqa: BLE001 - the process is stopped below regardless
                pass
        chromium.stop()
