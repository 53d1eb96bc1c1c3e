"""A notebook open in JupyterLab in a real browser, with the tools a test needs.

:class:`LabNotebook` wraps a Playwright page that shows one notebook: it runs the Lab's
commands, asks the notebook's kernel (``kernel_call``, code from ``kernel_probes.py``),
reads what the page shows of any widget model (``page_probes.js``), measures the
websocket payload (:class:`~ws_frames.FrameMeter`) and collects every kernel-side error no
cell shows (:class:`~kernel_watch.KernelWatch`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kernel_watch import KernelWatch
from ws_frames import FrameMeter, parse_frame

HERE = Path(__file__).parent
PAGE_PROBES_JS = (HERE / "page_probes.js").read_text(encoding="utf-8")
KERNEL_PROBES_PY = (HERE / "kernel_probes.py").read_text(encoding="utf-8")

#: Installed before the page's own scripts: every Web Audio graph that reaches the
#: speakers also feeds an analyser, so the test can tell sound from silence.
AUDIO_TAP_JS = """
(() => {
  const connect = AudioNode.prototype.connect;
  window.__studioTaps = [];
  AudioNode.prototype.connect = function (destination, ...rest) {
    const result = connect.call(this, destination, ...rest);
    if (destination instanceof AudioDestinationNode) {
      const context = destination.context;
      if (!context.__studioTap) {
        context.__studioTap = context.createAnalyser();
        context.__studioTap.fftSize = 4096;
        window.__studioTaps.push(context.__studioTap);
      }
      connect.call(this, context.__studioTap);
    }
    return result;
  };
})();
"""


def poll(
    probe: Callable[[], Any],
    ok: Callable[[Any], bool],
    timeout_s: float,
    what: str,
    interval_s: float = 0.1,
) -> Any:
    """Call ``probe`` until ``ok(value)``; return the value, or fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    value = probe()
    while not ok(value):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}; last: {value!r}")
        time.sleep(interval_s)
        value = probe()
    return value


class LabNotebook:
    """One notebook in a Lab page, driven and observed by a test.

    Parameters
    ----------
    page : playwright Page
        A fresh page (the websocket listener and the audio tap are installed here).
    server : lab_server.JupyterServer
        The running server; its log is read for kernel-side errors.
    """

    def __init__(self, page: Any, server: Any) -> None:
        self.page = page
        self.server = server
        self.meter = FrameMeter()
        self.watch = KernelWatch(read_log=server.log_text)
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.add_init_script(script=AUDIO_TAP_JS)
        page.on("websocket", self._on_websocket)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text[:500]) if message.type == "error" else None
            ),
        )

    # -- wiring ---------------------------------------------------------------------------

    def _on_websocket(self, ws: Any) -> None:
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _received(self, payload: str | bytes) -> None:
        frame = parse_frame(payload)
        if frame is None:
            return
        self.meter.received(frame)
        self.watch.observe(frame.msg_type, frame.content, frame.parent_type)

    def _sent(self, payload: str | bytes) -> None:
        frame = parse_frame(payload)
        if frame is not None:
            self.meter.sent(frame)

    # -- opening and running ----------------------------------------------------------------

    def open(self, path: str, timeout_s: float) -> float:
        """Open ``path`` (fresh workspace), wait for an idle kernel; return the seconds."""
        started = time.monotonic()
        self.page.goto(self.server.url_for(f"lab/tree/{path}", "reset"))
        poll(
            lambda: self.page.evaluate("() => !!(window.jupyterapp && window.jupyterapp.shell)"),
            bool,
            timeout_s,
            "JupyterLab to start",
        )
        self.page.evaluate(PAGE_PROBES_JS)
        poll(
            self.state,
            lambda s: s is not None and s["kernel"] == "idle" and s["connection"] == "connected",
            timeout_s,
            "the notebook to open with an idle kernel",
        )
        return time.monotonic() - started

    def js(self, expression: str, arg: Any = None) -> Any:
        """Evaluate ``window.studioTest.<expression>`` (a function of ``arg``) in the page."""
        return self.page.evaluate(f"(arg) => window.studioTest.{expression}", arg)

    def state(self) -> dict | None:
        """The open notebook's state (kernel, cells run and running, errors in cells)."""
        return self.page.evaluate("() => window.studioTest ? window.studioTest.state() : null")

    def command(self, command_id: str) -> None:
        """Run a Lab command without waiting for it (Run All returns when it is done)."""
        self.page.evaluate(f"() => {{ void window.jupyterapp.commands.execute('{command_id}'); }}")

    def run_cell(self, holding: str, timeout_s: float) -> None:
        """Run the first code cell whose source holds ``holding`` (as Shift+Enter would,
        without moving on) and wait until it ran and the kernel is idle."""
        index = self.page.evaluate(
            """(text) => {
              const cells = window.jupyterapp.shell.currentWidget.content.widgets;
              const found = cells.findIndex((c) => c.model.type === "code"
                && c.model.sharedModel.getSource().includes(text));
              if (found >= 0) window.jupyterapp.shell.currentWidget.content.activeCellIndex = found;
              return found;
            }""",
            holding,
        )
        if index < 0:
            pytest.fail(f"no code cell holds {holding!r}")
        before = self.page.evaluate(
            "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.executionCount",
            index,
        )
        self.command("notebook:run-cell")
        poll(
            lambda: (
                self.page.evaluate(
                    "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                    ".model.executionCount",
                    index,
                ),
                self.state()["kernel"],
            ),
            lambda s: s[0] is not None and s[0] != before and s[1] == "idle",
            timeout_s,
            f"the cell with {holding!r} to run",
        )

    # -- the kernel ------------------------------------------------------------------------

    def kernel_call(self, call: str, **args: Any) -> Any:
        """Run ``kernel_probes.<call>(**args)`` in the notebook's kernel; return its result."""
        code = (
            "(lambda ns: (exec(compile(ns['src'], 'kernel_probes.py', 'exec'), ns), "
            "ns['main'](ns['call'], ns['args'])))"
            f"({{'__name__': 'studio_browser_probe', 'src': {KERNEL_PROBES_PY!r}, "
            f"'call': {call!r}, 'args': __import__('json').loads({json.dumps(args)!r})}});"
        )
        out = self.page.evaluate("(code) => window.studioTest.execute(code)", code)
        if out["status"] != "ok" or out["errors"] or not out["stdout"].strip():
            pytest.fail(f"asking the kernel for {call} failed: {out}")
        return json.loads(out["stdout"].strip().splitlines()[-1])

    def snapshot(self) -> dict:
        """Every open studio view in the kernel and what it holds (see kernel_probes)."""
        return self.kernel_call("snapshot")

    # -- errors nobody sees -----------------------------------------------------------------

    def mark(self) -> tuple[int, int, int]:
        """Now, for :meth:`hidden_errors`: (log length, kernel messages, page errors)."""
        log_at, messages_at = self.watch.mark()
        return log_at, messages_at, len(self.page_errors)

    def hidden_errors(self, since: tuple[int, int, int], drain_ms: int = 50) -> list[str]:
        """Kernel-side errors and uncaught page errors since ``since`` (a :meth:`mark`).

        Playwright hands websocket frames to Python only while the test calls into it,
        so this first waits ``drain_ms`` in the page: frames that already arrived are
        looked at before the answer.
        """
        self.page.wait_for_timeout(drain_ms)
        page = [f"uncaught error in the page: {e}" for e in self.page_errors[since[2] :]]
        return self.watch.problems(since[:2]) + page

    def opening_messages(self, wait_s: float = 3.0) -> list[str]:
        """What the kernel said while the notebook opened, once all of it has arrived.

        As it connects, JupyterLab's widget manager opens a control comm the kernel does
        not have yet (ipywidgets is not imported) and sends a request on it; the kernel
        writes "No such comm target registered" for the first and "No such comm: <id>"
        for the second, a moment later, sometimes after the kernel is idle. Waiting for
        that second message (at most ``wait_s``) keeps it from landing after the next
        :meth:`mark`, where it would be taken for an error of the first cells run.
        """
        deadline = time.monotonic() + wait_s
        while True:
            found = self.hidden_errors((0, 0, 0))
            answered = any("(during comm_msg)" in p and "No such comm:" in p for p in found)
            if answered or time.monotonic() > deadline:
                return found
            self.page.wait_for_timeout(100)

    def assert_no_hidden_errors(self, since: tuple[int, int, int], what: str) -> None:
        """Fail when the kernel (or the page) raised anything since ``since``.

        Waits half a second first, so an error raised by a callback that was still
        running (a debounced render) is counted.
        """
        problems = self.hidden_errors(since, drain_ms=500)
        if problems:
            pytest.fail(
                f"kernel-side errors while {what} (no cell shows them):\n\n"
                + "\n\n".join(problems[:12]),
                pytrace=False,
            )
