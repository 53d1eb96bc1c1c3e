"""Steps any notebook's browser test takes: open it, Run All and wait until it settles,
compare every studio view with the kernel, wait for a move to settle, take pictures.

Shared by the browser tests of each notebook (``test_start_here_browser.py``,
``test_mix_notebook_browser.py``): each drives its own widgets and reuses these.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from lab_page import LabNotebook, poll
from view_checks import player_mismatches, view_problems

KERNEL_IDLE_TIMEOUT_S = 120.0
RUN_ALL_TIMEOUT_S = 180.0
STEP_TIMEOUT_S = 60.0
QUIET_S = 1.5  # page unchanged and kernel idle this long: settled


def open_notebook(page, start_server, report: dict, notebook: Path, root: Path) -> LabNotebook:
    """Start a server on ``root``, open ``notebook`` (inside it) and wait for an idle kernel.

    Records the notebook, the browser, the page size and the start-up times in
    ``report``; keeps the file's bytes as ``lab.stored`` (to check Lab never writes
    the executed notebook back).
    """
    server = start_server(root)
    relative = notebook.relative_to(root).as_posix()
    report["notebook"] = relative
    report["chromium"] = page.context.browser.version
    report["viewport"] = page.viewport_size
    report["server_ready_s"] = server.ready_s
    lab = LabNotebook(page, server)
    lab.stored = notebook.read_bytes()
    report["lab_open_to_kernel_idle_s"] = lab.open(relative, KERNEL_IDLE_TIMEOUT_S)
    return lab


def number_in(text: str) -> float:
    """The first number in a slider readout such as ``"-6.0"`` or ``"9.00 dB"``."""
    match = re.search(r"[-+]?\d+(?:\.\d*)?(?:e[-+]?\d+)?", text.replace("\u2212", "-"))
    assert match, f"no number in the slider readout {text!r}"
    return float(match.group())


def run_all(lab: LabNotebook) -> dict:
    """Run All, wait until every widget settled; return timings, payload, page state.

    Settled: every code cell ran again, the kernel is idle, no player side is still
    loading, and nothing the views show changed for ``QUIET_S``. The time reported is
    when that state was reached, not including the quiet wait.
    """
    before = lab.state()["counts"]
    lab.meter.reset()
    lab.meter.recording = True
    started = time.monotonic()
    lab.command("runmenu:run-all")

    def ran(state) -> bool:
        if state["errors"]:
            pytest.fail("a cell raised during Run All:\n" + "\n".join(state["errors"]))
        return (
            state["kernel"] == "idle"
            and state["busy"] == 0
            and all(
                now is not None and (old is None or now > old)
                for now, old in zip(state["counts"], before, strict=True)
            )
        )

    poll(lab.state, ran, RUN_ALL_TIMEOUT_S, "every cell to run", interval_s=0.1)
    cells_done_s = time.monotonic() - started
    last, changed = None, time.monotonic()
    deadline = changed + RUN_ALL_TIMEOUT_S
    while True:
        shown = lab.js("fingerprint()")
        loading = 'Status":"pending' in shown or lab.state()["kernel"] != "idle"
        if shown != last or loading:
            last, changed = shown, time.monotonic()
        elif time.monotonic() - changed >= QUIET_S:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"the page kept changing for {RUN_ALL_TIMEOUT_S:.0f} s after Run All")
        time.sleep(0.05)
    lab.meter.recording = False
    return {
        "cells_done_s": cells_done_s,
        "settled_s": changed - started,
        "payload": lab.meter.summary(),
        "total_bytes": lab.meter.total_bytes,
        "audio_bytes": lab.meter.audio_bytes,
        "close_bytes": lab.meter.bytes_by_type.get("comm_close", 0),
        "cells": lab.js("cells()"),
    }


def slowest_cells(cells: list[dict], n: int = 5) -> dict:
    """The ``n`` slowest cells' run times (s), by first source line."""
    timed = [c for c in cells if c["ranS"] is not None]
    timed.sort(key=lambda c: -c["ranS"])
    return {f"[{c['index']}] {c['source']}": round(c["ranS"], 2) for c in timed[:n]}


def check_views(lab: LabNotebook, snap: dict) -> tuple[list[str], dict]:
    """Compare every open studio view in the kernel with what the page shows of it."""
    players = [p["id"] for p in snap["players"]]
    plots = [p["id"] for p in snap["plots"]]
    views = lab.js("views(arg)", [*players, *plots])
    sums = lab.js("traceSums(arg)", [t["trace_id"] for p in snap["plots"] for t in p["traces"]])
    controls = [c for panel in snap["panels"] for c in panel["controls"].values()]
    in_page = {
        **lab.js("values(arg)", [c["id"] for c in controls if c["synced"] == "value"]),
        **lab.page.evaluate(
            "(ids) => window.studioTest.values(ids, 'index')",
            [c["id"] for c in controls if c["synced"] == "index"],
        ),
    }
    return view_problems(snap, views, sums, in_page), views


def settle_views(lab: LabNotebook, timeout_s: float = STEP_TIMEOUT_S) -> None:
    """Wait until the kernel is idle and no view changed for ``QUIET_S``."""
    last, changed = None, time.monotonic()
    deadline = changed + timeout_s
    while time.monotonic() - changed < QUIET_S:
        now = (lab.js("fingerprint()"), lab.state()["kernel"])
        if now != last or now[1] != "idle":
            last, changed = now, time.monotonic()
        if time.monotonic() > deadline:
            pytest.fail(f"the page kept changing for {timeout_s:.0f} s")
        time.sleep(0.05)


def dataset(lab: LabNotebook, selector: str) -> dict:
    """The data attributes of the first element matching ``selector``."""
    return lab.page.evaluate(
        "(s) => { const e = document.querySelector(s); return e ? {...e.dataset} : null; }",
        selector,
    )


def screenshot_top(lab: LabNotebook, locator, path: Path) -> None:
    """Scroll ``locator``'s top to the top of the notebook and shoot the viewport.

    The notebook lays out cells it had not drawn yet while it scrolls (and may scroll
    back to the active cell), so this scrolls again until the element stays at the top.
    """
    for _ in range(5):
        settled = locator.evaluate(
            """(e) => {
              e.scrollIntoView({block: 'start'});
              const box = e.closest('.jp-WindowedPanel-outer')
                || window.jupyterapp.shell.currentWidget.content.node;
              const top = () => e.getBoundingClientRect().top - box.getBoundingClientRect().top;
              const end = () => box.scrollTop + box.clientHeight >= box.scrollHeight - 2;
              return new Promise((done) => setTimeout(
                () => done(Math.abs(top()) < 4 || (end() && top() > 0)), 300));
            }"""
        )
        if settled:
            break
    lab.page.screenshot(path=path)


def screenshot_whole(lab: LabNotebook, locator, path: Path) -> None:
    """A picture of all of ``locator`` (same width; the page made tall enough for it)."""
    viewport = dict(lab.page.viewport_size)
    lab.page.set_viewport_size({"width": viewport["width"], "height": 2400})
    try:
        locator.evaluate("(e) => e.scrollIntoView({block: 'start'})")
        lab.page.wait_for_timeout(400)
        locator.screenshot(path=path)
    finally:
        lab.page.set_viewport_size(viewport)
        lab.page.wait_for_timeout(300)


def player_kernel(lab: LabNotebook, player_id: str) -> dict:
    """The kernel's view of one player."""
    return next(p for p in lab.snapshot()["players"] if p["id"] == player_id)


def assert_player_matches(lab: LabNotebook, player_id: str, what: str) -> dict:
    """The page's view of a player equals the kernel's; returns the kernel's player."""
    player = player_kernel(lab, player_id)
    views = lab.js("views(arg)", [player_id])[player_id]
    problems = [p for view in views for p in player_mismatches(player, view)]
    assert views and not problems, f"after {what}:\n" + "\n".join(problems)
    return player
