"""The first notebook in a real JupyterLab and a real (headless) Chromium.

What a learner does first: open ``notebooks/00_start_here.ipynb``, Run All, move the
first EQ gain slider. The test checks that the widgets appear (a live plot and the A/B
player inside the EQ panel) and that moving the slider redraws the plot and swaps the
player's B audio. It measures how long each step takes and how many bytes the widgets
send, and saves screenshots to ``test-artifacts/``.

Set ``STUDIO_BROWSER_NOTEBOOK`` to another notebook path to point it elsewhere; the
notebook must contain the same ``studio-panel-ParametricEQ`` panel.
"""

from __future__ import annotations

import json
import os
import re
import struct
import time
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]

NOTEBOOK = Path(os.environ.get("STUDIO_BROWSER_NOTEBOOK", REPO / "notebooks/00_start_here.ipynb"))
PANEL = ".studio-panel-ParametricEQ"
SLIDER = ".studio-param-gain_db"
TRACE_PATHS = "path[data-trace]"  # each curve of a studio LivePlot
PLAYER = ".studio-player"
SIDE = "processed"  # the panel player's side that a slider move re-renders

KERNEL_IDLE_TIMEOUT_S = 120.0
RUN_ALL_TIMEOUT_S = 180.0
SLIDER_TIMEOUT_S = 60.0
SETTLE_S = 2.0  # widgets unchanged and kernel idle this long = settled

# State of the open notebook, read through the app object the test server exposes.
NOTEBOOK_STATE_JS = """
() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter(cell => cell.model.type === "code");
  const errors = [];
  cells.forEach((cell, index) => {
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === "error") {
        errors.push(`code cell ${index + 1}: ${out.ename}: ${out.evalue}\\n` +
                    (out.traceback || []).join("\\n").replace(/\\x1b\\[[0-9;]*m/g, ""));
      }
    }
  });
  const busy = cells.filter(cell => {
    const prompt = cell.node.querySelector(".jp-InputPrompt");
    return prompt && prompt.textContent.includes("*");
  }).length;
  return {
    path: panel.context.path,
    kernel: kernel ? kernel.status : null,
    connection: kernel ? kernel.connectionStatus : null,
    codeCells: cells.length,
    executed: cells.filter(cell => cell.model.executionCount !== null).length,
    busy: busy,
    errors: errors,
  };
}
"""

WIDGETS_JS = f"""
() => {{
  const panel = document.querySelector("{PANEL}");
  if (!panel) return null;
  const player = panel.querySelector("{PLAYER}");
  return {{
    traces: Array.from(panel.querySelectorAll("{TRACE_PATHS}"), p => p.getAttribute("d") || ""),
    player: player ? {{
      version: player.dataset["{SIDE}Version"] || null,
      checksum: player.dataset["{SIDE}Checksum"] || null,
      state: player.dataset.state || null,
      active: player.dataset.active || null,
    }} : null,
  }};
}}
"""


def poll(probe, ok, timeout_s: float, what: str, interval_s: float = 0.1):
    """Call ``probe`` until ``ok(value)``; return the value, or fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    value = probe()
    while not ok(value):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}; last: {value!r}")
        time.sleep(interval_s)
        value = probe()
    return value


def settle(page, state, quiet_s: float, timeout_s: float) -> dict:
    """Wait until the kernel is idle and the panel has not changed for ``quiet_s``."""
    deadline = time.monotonic() + timeout_s
    last, since = None, time.monotonic()
    while True:
        snapshot = page.evaluate(WIDGETS_JS)
        if snapshot != last or state()["kernel"] != "idle":
            last, since = snapshot, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return snapshot
        if time.monotonic() > deadline:
            pytest.fail(f"the EQ panel kept changing for {timeout_s:.0f} s after Run All")
        time.sleep(0.1)


def kernel_message(payload: str | bytes) -> tuple[dict, dict, list[int]] | None:
    """Header, content and buffer sizes of one Jupyter websocket frame, or None.

    Frames are JSON (the legacy protocol) or the v1 binary protocol: a count, that many
    little-endian offsets, then channel, header, parent header, metadata, content and
    the binary buffers.
    """
    try:
        if isinstance(payload, str):
            message = json.loads(payload)
            return message["header"], message.get("content", {}), []
        (count,) = struct.unpack_from("<Q", payload, 0)
        offsets = [*struct.unpack_from(f"<{count}Q", payload, 8), len(payload)]
        header = json.loads(payload[offsets[1] : offsets[2]])
        content = json.loads(payload[offsets[4] : offsets[5]])
        buffers = [offsets[i + 1] - offsets[i] for i in range(5, count)]
        return header, content, buffers
    except (ValueError, KeyError, IndexError, struct.error, TypeError):
        return None


def kernel_message_type(payload: str | bytes) -> str:
    """The ``msg_type`` of one Jupyter websocket frame (JSON or the v1 binary protocol)."""
    message = kernel_message(payload)
    return "unparsed" if message is None else message[0].get("msg_type", "unparsed")


def _short(value):
    """A widget state value small enough for the report (long strings and lists cut)."""
    if isinstance(value, str) and len(value) > 60:
        return value[:57] + "..."
    if isinstance(value, (list, dict)) and len(json.dumps(value)) > 120:
        return f"<{type(value).__name__} of {len(value)}>"
    return value


class FrameMeter:
    """Counts received websocket bytes and lists what the page sends to the kernel.

    Received frames are summed by message type and by the widget they belong to
    (``comm_open`` names the widget: its anywidget id, else its model name). Sent
    ``comm_msg`` frames (the browser writing widget state back to the kernel, for
    example a slider echoing a value) are listed, and every B version the A/B player
    received is kept: together they show why the kernel re-rendered audio.
    """

    def __init__(self) -> None:
        self.bytes_by_type: Counter = Counter()
        self.bytes_by_widget: Counter = Counter()
        self.frames = 0
        self.recording = False
        self.widget_names: dict[str, str] = {}
        self.sent_comm_msgs: list[dict] = []
        self.b_versions: dict[str, list[int]] = {}

    def attach(self, page) -> None:
        """Start listening to every websocket the page opens."""

        def on_websocket(ws) -> None:
            ws.on("framereceived", self._received)
            ws.on("framesent", self._sent)

        page.on("websocket", on_websocket)

    def _widget(self, comm_id: str) -> str:
        return self.widget_names.get(comm_id, f"comm {comm_id[:8]}")

    def _received(self, payload: str | bytes) -> None:
        message = kernel_message(payload)
        msg_type = "unparsed" if message is None else message[0].get("msg_type", "unparsed")
        if msg_type == "comm_open":
            state = message[1].get("data", {}).get("state", {})
            name = (state.get("_anywidget_id") or state.get("_model_name") or "?").rsplit(".")[-1]
            same = sum(1 for known in self.widget_names.values() if known.split("#")[0] == name)
            self.widget_names[message[1].get("comm_id", "")] = f"{name}#{same + 1}"
        if not self.recording:
            return
        size = len(payload.encode()) if isinstance(payload, str) else len(payload)
        self.bytes_by_type[msg_type] += size
        self.frames += 1
        if msg_type in ("comm_open", "comm_msg"):
            self.bytes_by_widget[self._widget(message[1].get("comm_id", ""))] += size
            state = message[1].get("data", {}).get("state", {})
            if "b_version" in state:
                widget = self._widget(message[1].get("comm_id", ""))
                self.b_versions.setdefault(widget, []).append(state["b_version"])

    def _sent(self, payload: str | bytes) -> None:
        if not self.recording:
            return
        message = kernel_message(payload)
        if message is None or message[0].get("msg_type") != "comm_msg":
            return
        data = message[1].get("data", {})
        self.sent_comm_msgs.append(
            {
                "widget": self._widget(message[1].get("comm_id", "")),
                "method": data.get("method"),
                "state": {k: _short(v) for k, v in data.get("state", {}).items()},
            }
        )

    def summary(self) -> dict:
        """Frames, megabytes by message type and by widget, and what the page sent."""
        total = sum(self.bytes_by_type.values())
        return {
            "frames": self.frames,
            "total_mb": round(total / 1e6, 3),
            "mb_by_msg_type": {k: round(v / 1e6, 3) for k, v in self.bytes_by_type.most_common()},
            "mb_by_widget_over_10kb": {
                k: round(v / 1e6, 3) for k, v in self.bytes_by_widget.most_common() if v >= 10_000
            },
            "b_versions_received": self.b_versions,
            "sent_comm_msgs": self.sent_comm_msgs[:40],
        }


def number_in(text: str) -> float:
    """The first number in a slider readout such as ``"-6.0"`` or ``"9.00 dB"``."""
    match = re.search(r"[-+]?\d+(?:\.\d*)?(?:e[-+]?\d+)?", text.replace("\u2212", "-"))
    assert match, f"no number in the slider readout {text!r}"
    return float(match.group())


@pytest.fixture
def notebook() -> Path:
    """The notebook under test (checked before any server or browser starts)."""
    if not NOTEBOOK.exists():
        pytest.skip(f"{NOTEBOOK} does not exist yet")
    return NOTEBOOK.resolve()


def test_start_here_run_all_and_slider(
    notebook, browser_page, browser_report, jupyter_server, artifacts_dir
):
    root = REPO if notebook.is_relative_to(REPO) else notebook.parent
    stored = notebook.read_bytes()
    page = browser_page
    report = browser_report
    report["notebook"] = str(notebook.relative_to(root))
    report["chromium"] = page.context.browser.version

    server = jupyter_server(root)
    report["server_ready_s"] = server.ready_s
    meter = FrameMeter()
    meter.attach(page)

    # Open the notebook (fresh workspace) and wait for its kernel.
    started = time.monotonic()
    page.goto(server.url_for(f"lab/tree/{notebook.relative_to(root).as_posix()}", "reset"))

    def state():
        return page.evaluate(NOTEBOOK_STATE_JS)

    poll(
        state,
        lambda s: s is not None and s["kernel"] == "idle" and s["connection"] == "connected",
        KERNEL_IDLE_TIMEOUT_S,
        "the notebook to open with an idle kernel",
    )
    report["lab_open_to_kernel_idle_s"] = time.monotonic() - started

    # Run All, then wait until every cell ran and the EQ panel shows a plot and a player.
    meter.recording = True
    started = time.monotonic()
    page.evaluate("() => { void window.jupyterapp.commands.execute('runmenu:run-all'); }")

    def ready(value):
        s, widgets = value
        if s["errors"]:
            pytest.fail("a cell raised during Run All:\n" + "\n".join(s["errors"]))
        if widgets is not None:  # scroll the panel into view, as a reader would
            page.locator(PANEL).first.scroll_into_view_if_needed()
        return (
            s["kernel"] == "idle"
            and s["busy"] == 0
            and s["executed"] == s["codeCells"]
            and widgets is not None
            and any(widgets["traces"])
            and widgets["player"] is not None
            and widgets["player"]["version"] is not None
        )

    poll(
        lambda: (state(), page.evaluate(WIDGETS_JS)),
        ready,
        RUN_ALL_TIMEOUT_S,
        f"Run All to finish with a plot and a player in {PANEL}",
        interval_s=0.2,
    )
    report["run_all_to_ready_s"] = time.monotonic() - started
    # Late updates (debounced renders fired by the last cells) must land before the
    # "before" snapshot, or they would pass for the slider's effect.
    before = settle(page, state, SETTLE_S, RUN_ALL_TIMEOUT_S)
    report["run_all_to_settled_s"] = time.monotonic() - started
    meter.recording = False
    report["run_all_payload"] = meter.summary()
    page.screenshot(path=artifacts_dir / "start_here_after_run_all.png", full_page=True)
    page.locator(PANEL).first.screenshot(path=artifacts_dir / "start_here_eq_panel_before.png")

    # Move the first EQ gain slider through its editable readout.
    readout = page.locator(f"{PANEL} {SLIDER}").first.locator(".widget-readout")
    current = number_in(readout.inner_text())
    target = 9.0 if abs(current - 9.0) > 1.0 else 3.0
    readout.click()
    readout.fill(f"{target:g}")
    started = time.monotonic()
    readout.press("Enter")

    def widgets():
        return page.evaluate(WIDGETS_JS)

    poll(widgets, lambda w: w["traces"] != before["traces"], SLIDER_TIMEOUT_S, "the plot to redraw")
    report["slider_to_plot_s"] = time.monotonic() - started
    after = poll(
        widgets,
        lambda w: (
            w["player"]["version"] != before["player"]["version"]
            and w["player"]["checksum"] != before["player"]["checksum"]
        ),
        SLIDER_TIMEOUT_S,
        "the player to receive new B audio",
    )
    report["slider_to_audio_s"] = time.monotonic() - started
    page.screenshot(path=artifacts_dir / "start_here_after_slider.png", full_page=True)
    page.locator(PANEL).first.screenshot(path=artifacts_dir / "start_here_eq_panel_after.png")
    report["player_before"] = before["player"]
    report["player_after"] = after["player"]

    assert number_in(readout.inner_text()) == pytest.approx(target)
    assert after["traces"] != before["traces"]
    assert after["player"]["checksum"] != before["player"]["checksum"]
    assert state()["errors"] == []
    assert notebook.read_bytes() == stored, "Lab wrote the executed notebook back to disk"
