"""The mixing notebook in a real JupyterLab and a real (headless) Chromium at 1280x720.

What a learner does with ``notebooks/work_mix_my_stems.ipynb``: Run All on the demo song,
then mix on the console: drag a fader, type a send level, press play and watch the
meters, move an automation breakpoint. These tests prove that what the page shows and
plays is what the kernel's session holds, after every move:

1. Run All settles with no error in any cell and none hidden in the kernel; the time it
   takes and the websocket payload are measured against the issue's targets (10 s,
   12 MB).
2. Every view has content: the console player's "mix" side in the page is, checksum for
   checksum, what the kernel sent; every strip's meter received the levels the kernel
   measured; the spectrum draws both its curves; every control shows the value the
   session uses; the ready-for-mastering report is rendered.
3. A fader dragged with the mouse, then a send level typed into its readout: after each
   the session holds the new value, the page shows it, and the page's "mix" audio
   changed to the kernel's new render.
4. Play advances the position, the page's transport is the console's player and a track
   strip's meter moves with the music; after pause it falls back.
5. An automation breakpoint moved in the lane editor: the session's envelope moved and
   the mix the page plays changed with it.
6. The console's cell run again once the session has lanes: every lane is still there
   (the page echoing a locked slider's value once replaced a lane with one number).

The notebook writes its session, its mixdown and the demo's stems beside itself, so it
runs from a copy in a temporary folder: the repository stays as it was. Figures go to
``test-artifacts/browser_timings.json`` and the terminal summary; screenshots (1280x720,
what a learner sees) to ``test-artifacts/mix_*.png``.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

import pytest
from lab_page import LabNotebook, poll
from notebook_steps import (
    STEP_TIMEOUT_S,
    assert_player_matches,
    check_views,
    dataset,
    number_in,
    open_notebook,
    run_all,
    screenshot_top,
    screenshot_whole,
    settle_views,
    slowest_cells,
)
from view_checks import render_problems, same_value

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "work_mix_my_stems.ipynb"

#: The issue's targets for this notebook on the demo (both asserted).
RUN_ALL_TARGET_S = 10.0
PAYLOAD_LIMIT_MB = 12.0
#: A meter at this level or below shows nothing (meter.js's floor).
METER_FLOOR_DB = -60.0

CONSOLE = ".studio-console"
PLAYER = f"{CONSOLE} .studio-player"

#: Results of earlier tests of this module, for the later ones.
RUN: dict = {}


# ---------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def notebook(tmp_path_factory) -> Path:
    """A copy of the notebook in a fresh folder (what it writes lands there, not in the repo)."""
    if not NOTEBOOK.exists():
        pytest.skip(f"{NOTEBOOK} does not exist yet")
    folder = tmp_path_factory.mktemp("mix_notebook")
    return Path(shutil.copy(NOTEBOOK, folder / NOTEBOOK.name))


@pytest.fixture(scope="module")
def lab(notebook, browser_page, jupyter_server, browser_report) -> LabNotebook:
    """The notebook open in Lab, its kernel idle."""
    return open_notebook(browser_page, jupyter_server, browser_report, notebook, notebook.parent)


@pytest.fixture
def first(lab) -> dict:
    """What the first Run All left (skips when it did not complete)."""
    if "first" not in RUN:
        pytest.skip("Run All did not complete (see test_run_all_settles)")
    return RUN["first"]


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def the_console(lab: LabNotebook) -> dict:
    """The kernel's view of the one console the notebook shows."""
    consoles = lab.snapshot()["consoles"]
    assert len(consoles) == 1, f"expected one open console, the kernel has {len(consoles)}"
    return consoles[0]


def mix_checksum(lab: LabNotebook) -> str:
    """The checksum of the "mix" side the page plays (computed in the page)."""
    return dataset(lab, PLAYER)["mixChecksum"]


def session_value(lab: LabNotebook, key: str):
    """The session's value at ``key`` (``tracks/bass/strip/fader/gain_db``), from the kernel."""
    return lab.kernel_call("session_values", paths=[key])[key]


def strip(lab: LabNotebook, css_name: str):
    """The locator of one strip of the console, by its CSS name."""
    return lab.page.locator(f"{CONSOLE} .studio-strip-{css_name}").first


def control_class(key: str) -> str:
    """The CSS class the console gives a control: its path's last two parts."""
    return "studio-console-" + "-".join(key.split("/")[-2:])


def assert_control_agrees(lab: LabNotebook, key: str, what: str) -> dict:
    """The control at ``key``: the page, the widget and the session hold the same value."""
    console = the_console(lab)
    control = console["controls"][key]
    in_page = lab.js("values(arg)", [control["id"]])[control["id"]]
    assert same_value(in_page, control["value"]), (
        f"after {what}: the page's control {key} holds {in_page}, the kernel's {control['value']}"
    )
    assert same_value(control["value"], control["setting"]), (
        f"after {what}: the control {key} holds {control['value']} but the session uses "
        f"{control['setting']}"
    )
    assert console["message"] == "", f"after {what}: the console shows {console['message']!r}"
    return control


def assert_mix_changed(lab: LabNotebook, before: str, what: str, report: dict, key: str) -> None:
    """The page's "mix" audio changes from ``before`` and ends equal to the kernel's."""
    started = time.monotonic()
    poll(lambda: mix_checksum(lab), lambda c: c != before, STEP_TIMEOUT_S, f"new audio ({what})")
    report[key] = round(time.monotonic() - started, 2)
    settle_views(lab)
    player = assert_player_matches(lab, the_console(lab)["player"], what)
    assert player["sides"]["mix"]["checksum"] != before, f"the kernel's mix did not change ({what})"


def console_layout(lab: LabNotebook) -> dict:
    """Where the console's strips sit at this page size (px), and what is cut off."""
    return lab.page.evaluate(
        """() => {
          const strips = document.querySelector('.studio-console .studio-console-strips');
          const area = window.jupyterapp.shell.currentWidget.content.node.getBoundingClientRect();
          const all = Array.from(strips.querySelectorAll(':scope > .studio-strip'));
          const box = strips.getBoundingClientRect();
          const cut = (e) => e.scrollWidth > e.clientWidth + 1;
          return {
            strips: all.length,
            strips_in_view: all.filter((s) => {
              const r = s.getBoundingClientRect();
              return r.left >= box.left - 1 && r.right <= box.right + 1;
            }).length,
            strip_px: Math.round(all[0].getBoundingClientRect().width),
            strip_height_px: Math.round(all[0].getBoundingClientRect().height),
            notebook_height_px: Math.round(area.height),
            readouts_cut: Array.from(strips.querySelectorAll('.widget-readout')).filter(cut).length,
            labels_cut: Array.from(strips.querySelectorAll('.widget-label')).filter(cut).length,
            narrowest_slider_px: Math.round(Math.min(...Array.from(
              strips.querySelectorAll('.widget-hslider .slider-container'),
              (e) => e.getBoundingClientRect().width))),
          };
        }"""
    )


def loudest_track(console: dict) -> str:
    """The track whose meter reads highest over the preview passage (it must move)."""
    tracks = [m for name, m in console["meters"].items() if name in console["tracks"]]
    return max(tracks, key=lambda m: m["max_db"] if m["max_db"] is not None else -math.inf)["css"]


# ---------------------------------------------------------------------------------------
# 1. Run All
# ---------------------------------------------------------------------------------------


def test_run_all_settles(lab, browser_report, artifacts_dir):
    browser_report["kernel_messages_while_opening"] = [
        problem[:200] for problem in lab.opening_messages()
    ]
    mark = lab.mark()
    result = run_all(lab)
    report = browser_report
    report["run_all_cells_done_s"] = result["cells_done_s"]
    report["run_all_to_settled_s"] = result["settled_s"]
    report["run_all_target_s"] = RUN_ALL_TARGET_S
    report["run_all_slowest_cells_s"] = slowest_cells(result["cells"])
    report["run_all_payload"] = result["payload"]
    report["run_all_payload_limit_mb"] = PAYLOAD_LIMIT_MB
    snap = lab.snapshot()
    cells = result["cells"]
    ids = {c["id"] for c in snap["consoles"]}
    built = [c for c in cells if any(out["widget"] in ids for out in c["outputs"])]
    if built and cells[0]["startMs"] is not None and built[0]["endMs"] is not None:
        # in the kernel: from the first cell's start to the console built and shown
        report["run_all_to_console_built_s"] = (built[0]["endMs"] - cells[0]["startMs"]) / 1000
    report["kernel_rss_after_run_all_mb"] = snap["memory"]["rss_mb"]
    report["kernel_widgets_after_run_all"] = snap["widget_count"]
    report["kernel_imports_studio_from"] = lab.kernel_call("studio_file")
    RUN["first"] = {**result, "snapshot": snap}
    screenshot_top(lab, lab.page.locator(CONSOLE).first, artifacts_dir / "mix_console_top.png")

    lab.assert_no_hidden_errors(mark, "running all cells")
    assert len(snap["consoles"]) == 1, f"{len(snap['consoles'])} consoles open after Run All"
    payload_mb = result["total_bytes"] / 1e6
    assert payload_mb <= PAYLOAD_LIMIT_MB, (
        f"Run All sent {payload_mb:.2f} MB over the websocket (limit {PAYLOAD_LIMIT_MB} MB): "
        f"{result['payload']['mb_by_widget_kind_over_10kb']}"
    )


def test_run_all_within_target_time(first):
    """The issue's target: Run All to every view settled in at most 10 s (on the demo)."""
    slowest = slowest_cells(first["cells"])
    assert first["settled_s"] <= RUN_ALL_TARGET_S, (
        f"Run All took {first['settled_s']:.1f} s to settle (target {RUN_ALL_TARGET_S:.0f} s); "
        f"cells ran {first['cells_done_s']:.1f} s; slowest cells (s): {slowest}"
    )


# ---------------------------------------------------------------------------------------
# 2. Every view, for content
# ---------------------------------------------------------------------------------------


def test_every_view_has_content(lab, first, browser_report, artifacts_dir):
    mark = lab.mark()
    snap = lab.snapshot()
    console = snap["consoles"][0]
    problems, views = check_views(lab, snap)  # every player side, every plot trace

    # the console's player plays the mix the kernel rendered
    player = next(p for p in snap["players"] if p["id"] == console["player"])
    if not player["sides"]["mix"]["loaded"]:
        problems.append("the console's player has no mix loaded in the kernel")
    shown = (views.get(console["player"]) or [{}])[0].get("dataset", {})
    if shown.get("mixChecksum") != player["sides"]["mix"]["checksum"]:
        problems.append(
            f"the page plays mix {shown.get('mixChecksum')}, the kernel sent "
            f"{player['sides']['mix']['checksum']}"
        )

    # every strip's meter holds the levels the kernel measured, and follows this player
    in_page = lab.js("meters()")
    for name, meter in console["meters"].items():
        page_meter = in_page.get(meter["css"])
        if page_meter is None:
            problems.append(f"strip {name}: no meter on the page")
            continue
        if meter["blocks"] == 0 or page_meter.get("blocks") != str(meter["blocks"]):
            problems.append(
                f"strip {name}: the page's meter has {page_meter.get('blocks')} level blocks, "
                f"the kernel sent {meter['blocks']}"
            )
        if meter["follow"] != console["transport_id"]:
            problems.append(f"strip {name}: its meter follows {meter['follow']!r}, not the player")

    # the spectrum draws the mix and the chosen strip, each with all its points
    spectrum = next(p for p in snap["plots"] if p["id"] == console["spectrum"])
    drawn = {t["name"]: t for t in (views.get(console["spectrum"]) or [{}])[0].get("traces", [])}
    for trace in spectrum["traces"]:
        if trace["finite"] < 100 or trace["y_max"] is None or trace["y_max"] <= -99.0:
            problems.append(f"spectrum: the {trace['name']} curve is empty or silent: {trace}")
        if drawn.get(trace["name"], {}).get("d", 0) == 0:
            problems.append(f"spectrum: the {trace['name']} curve is not drawn")

    # every control shows the value the session uses
    ids = {key: c["id"] for key, c in console["controls"].items()}
    values = lab.js("values(arg)", list(ids.values()))
    for key, control in console["controls"].items():
        if control["disabled"]:  # automated: the lane holds the value
            continue
        if not same_value(values[ids[key]], control["value"]) or not same_value(
            control["value"], control["setting"]
        ):
            problems.append(
                f"control {key}: the page shows {values[ids[key]]!r}, the widget holds "
                f"{control['value']!r}, the session uses {control['setting']!r}"
            )

    # every widget rendered, the demo's findings and the mixdown's report shown
    cells = lab.js("cells()")
    facts = lab.kernel_call("user_values", names=["demo"])
    problems += render_problems(cells)
    shown = [c for c in cells if c["source"].startswith("if STEMS_FOLDER:")]
    if "demo_findings" in facts and [c["findings"] for c in shown] != [facts["demo_findings"]]:
        problems.append(
            f"the demo's {facts['demo_findings']} findings are not all shown: "
            f"{[c['findings'] for c in shown]} rendered where the notebook displays them"
        )
    reports = lab.kernel_call("mix_reports")
    if not reports:
        problems.append("no ready-for-mastering report among the notebook's variables")
    html = "\n".join(text for cell in cells for text in cell["html"])
    for report in reports:
        for line in (report["heading"], report["verdict"], *report["lines"]):
            if line not in html:
                problems.append(f"report {report['name']}: {line!r} is not on the page")

    layout = console_layout(lab)
    browser_report["console_layout_px"] = layout
    if layout["readouts_cut"] or layout["labels_cut"]:
        problems.append(f"the strips cut off text at 1280x720: {layout}")
    if layout["narrowest_slider_px"] < 30:
        problems.append(f"a send or pan slider has no room to move: {layout}")
    strips = lab.page.locator(f"{CONSOLE} .studio-console-strips").first
    screenshot_top(lab, strips, artifacts_dir / "mix_console_strips.png")
    screenshot_whole(lab, lab.page.locator(CONSOLE).first, artifacts_dir / "mix_console_whole.png")
    assert not problems, "the page does not show what the kernel holds:\n" + "\n".join(problems)
    lab.assert_no_hidden_errors(mark, "reading every view")


# ---------------------------------------------------------------------------------------
# 3. A fader dragged, a send typed: the session, the page and the audio agree
# ---------------------------------------------------------------------------------------


def test_fader_drag_changes_session_and_audio(lab, first, browser_report, artifacts_dir):
    mark = lab.mark()
    console = the_console(lab)
    name = console["tracks"][0]
    key = f"tracks/{name}/strip/fader/gain_db"
    css = console["meters"][name]["css"]
    fader = strip(lab, css).locator(f".{control_class(key)}").first
    handle = fader.locator(".noUi-handle").first
    start_db = session_value(lab, key)
    before = mix_checksum(lab)

    # a hand pulls the fader down a little, in small steps
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    lab.page.mouse.move(x, y)
    lab.page.mouse.down()
    for step in range(1, 7):
        lab.page.mouse.move(x, y + step)
        lab.page.wait_for_timeout(30)
    lab.page.mouse.up()
    assert_mix_changed(lab, before, "dragging a fader", browser_report, "fader_drag_to_audio_s")

    now_db = session_value(lab, key)
    browser_report["fader_drag_db"] = [start_db, now_db]
    assert now_db < start_db, f"dragging the {name} fader down moved it {start_db} -> {now_db}"
    control = assert_control_agrees(lab, key, "dragging a fader")
    readout = fader.locator(".widget-readout").first.text_content()
    assert number_in(readout) == pytest.approx(control["value"], abs=0.051)
    screenshot_top(lab, strip(lab, css), artifacts_dir / "mix_console_after_fader.png")
    lab.assert_no_hidden_errors(mark, "dragging a fader")


def test_send_typed_changes_session_and_audio(lab, first, browser_report):
    mark = lab.mark()
    console = the_console(lab)
    name = console["tracks"][0]
    sends = [k for k in console["controls"] if k.startswith(f"tracks/{name}/sends/")]
    assert sends, f"the {name} strip has no send levels on the console"
    key = sends[0]
    css = console["meters"][name]["css"]
    readout = strip(lab, css).locator(f".{control_class(key)} .widget-readout").first
    target = -12.0 if abs(session_value(lab, key) + 12.0) > 1.0 else -20.0
    before = mix_checksum(lab)

    readout.scroll_into_view_if_needed()
    readout.click()
    readout.fill(f"{target:g}")
    readout.press("Enter")
    assert_mix_changed(lab, before, "typing a send level", browser_report, "send_typed_to_audio_s")

    assert session_value(lab, key) == pytest.approx(target), f"the session's {key}"
    control = assert_control_agrees(lab, key, "typing a send level")
    assert number_in(readout.text_content()) == pytest.approx(control["value"], abs=0.051)
    lab.assert_no_hidden_errors(mark, "typing a send level")


# ---------------------------------------------------------------------------------------
# 4. Play: the position runs, the meters move with it
# ---------------------------------------------------------------------------------------


def test_play_moves_the_meters(lab, first, browser_report, artifacts_dir):
    mark = lab.mark()
    console = the_console(lab)
    loud = loudest_track(console)
    player = lab.page.locator(PLAYER).first
    player.scroll_into_view_if_needed()
    player.locator(".studio-player-play").click()
    started = poll(
        lambda: dataset(lab, PLAYER),
        lambda d: d["state"] == "playing" and float(d.get("positionS", 0)) > 0.05,
        10.0,
        "the console's player to start",
    )
    transport = lab.js("transportNow()")
    assert transport["id"] == console["transport_id"] and transport["playing"], (
        f"the page's transport plays {transport}, not the console's player "
        f"({console['transport_id']})"
    )
    level = poll(
        lambda: lab.js("meters()")[loud],
        lambda m: float(m["levelDb"]) > METER_FLOOR_DB,
        5.0,
        f"the {loud} strip's meter to move while the mix plays",
    )
    browser_report["meter_playing_db"] = {loud: float(level["levelDb"])}
    lab.page.wait_for_timeout(600)
    later = dataset(lab, PLAYER)
    assert float(later["positionS"]) > float(started["positionS"]) + 0.3, (
        f"the position did not advance: {started['positionS']} then {later['positionS']}"
    )
    sound = poll(
        lambda: lab.js("outputLevel()"),
        lambda lv: lv["dbfs"] > -60.0,
        5.0,
        "sound at the page's audio output",
    )
    browser_report["output_level_playing_dbfs"] = round(sound["dbfs"], 1)
    readings = [float(lab.js("meters()")[loud]["levelDb"]) for _ in range(8)]
    browser_report["meter_readings_db"] = readings
    strips = lab.page.locator(f"{CONSOLE} .studio-console-strips").first
    screenshot_top(lab, strips, artifacts_dir / "mix_console_playing.png")

    player.locator(".studio-player-play").click()
    poll(lambda: dataset(lab, PLAYER), lambda d: d["state"] == "paused", 5.0, "pause")
    poll(
        lambda: lab.js("meters()")[loud],
        lambda m: float(m["levelDb"]) <= METER_FLOOR_DB,
        5.0,
        f"the {loud} meter to fall back after pause",
    )
    lab.assert_no_hidden_errors(mark, "playing the mix")


# ---------------------------------------------------------------------------------------
# 5. An automation breakpoint moved in the lane editor
# ---------------------------------------------------------------------------------------


def test_automation_breakpoint_moves_envelope_and_audio(lab, first, browser_report):
    snap = lab.snapshot()
    assert snap["lane_editors"], "the notebook shows no automation lane editor"
    mark = lab.mark()
    console = snap["consoles"][0]
    editor = snap["lane_editors"][0]
    page = lab.page
    lane = page.locator(".studio-lane").first
    if len(editor["rows"]) < 2:
        # show a lane the notebook automated (its first), choosing it as a learner would
        lanes = lab.kernel_call("automated_paths")
        assert lanes, "the session has no automation lane to edit"
        pick_lane(lab, lane, lanes[0])
        editor = poll(
            lambda: lab.snapshot()["lane_editors"][0],
            lambda e: len(e["rows"]) >= 2,
            STEP_TIMEOUT_S,
            "the lane editor to show the automated lane",
        )
    key = editor["path"]
    envelope = session_value(lab, key)
    times = envelope["times_s"]
    # move the first breakpoint into the preview passage, so the mix the console plays
    # changes with it (and keep the times in order)
    start, end = console["start_s"], console["start_s"] + console["preview_s"]
    upper = times[1] - 0.5
    target = round(min(upper, start + 0.2 * (end - start)), 1)
    if math.isclose(target, times[0], abs_tol=0.05):
        target = round(min(upper, times[0] + 1.0), 1)
    before = mix_checksum(lab)
    cell = lane.locator(".studio-breakpoint").first.locator(".studio-breakpoint-time input")
    cell.scroll_into_view_if_needed()
    cell.fill(f"{target:g}")
    cell.press("Enter")
    poll(
        lambda: session_value(lab, key)["times_s"][0],
        lambda t: math.isclose(t, target, abs_tol=1e-6),
        STEP_TIMEOUT_S,
        f"the session's envelope at {key} to move its first breakpoint to {target} s",
    )
    browser_report["automation_breakpoint_s"] = [times[0], target]
    assert_mix_changed(
        lab, before, "moving an automation breakpoint", browser_report, "breakpoint_to_audio_s"
    )
    moved = session_value(lab, key)
    assert moved["times_s"][1:] == times[1:] and moved["values"] == envelope["values"], (
        f"moving one breakpoint changed others: {envelope} -> {moved}"
    )
    shown = lab.snapshot()["lane_editors"][0]
    assert shown["message"] == "", f"the lane editor shows {shown['message']!r}"
    assert shown["rows"][0]["time_s"] == pytest.approx(target)
    lab.assert_no_hidden_errors(mark, "moving an automation breakpoint")


def pick_lane(lab: LabNotebook, lane, key: str) -> None:
    """Choose the lane at ``key`` in the editor's two drop-downs, as a learner would."""
    owner_path = key.split("/")[:1] if key.startswith("master/") else key.split("/")[:2]
    choices = lab.kernel_call("lane_choices", owner="/".join(owner_path))
    lane.locator(".studio-lane-owner select").select_option(label=choices["owner_label"])
    poll(
        lambda: lab.kernel_call("lane_choices", owner="/".join(owner_path))["current_owner"],
        lambda owner: owner == "/".join(owner_path),
        STEP_TIMEOUT_S,
        "the editor to show the owner's lanes",
    )
    label = lab.kernel_call("lane_choices", owner="/".join(owner_path))["params"][key]
    lane.locator(".studio-lane-parameter select").select_option(label=label)


# ---------------------------------------------------------------------------------------
# 6. The console built again on a session with automation: the lanes survive the page
# ---------------------------------------------------------------------------------------


def test_console_cell_again_keeps_the_lanes(lab, first, browser_report):
    """Running the console's cell again once the session has lanes (a learner's usual
    move) builds strips whose automated controls are locked: the page echoing their
    values back must not replace a lane with one number."""
    console = the_console(lab)
    # a pan ride starting at 0.05, from code: a slider shows 0.05 and the page sends back
    # 0.050000000000000044 (its step's rounding), the echo a locked control must ignore
    pan = f"tracks/{console['tracks'][1]}/strip/fader/pan"
    start = console["start_s"]
    lanes = lab.kernel_call(
        "add_lane", path=pan, times_s=[start, start + console["preview_s"]], values=[0.05, -0.3]
    )
    assert pan in lanes and len(lanes) >= 2, f"the notebook's lanes and a pan ride: {lanes}"
    envelopes = lab.kernel_call("session_values", paths=lanes)
    mark = lab.mark()
    lab.run_cell("studio.widgets.console(", STEP_TIMEOUT_S)
    settle_views(lab)
    assert lab.kernel_call("automated_paths") == lanes, "a lane went missing"
    assert lab.kernel_call("session_values", paths=lanes) == envelopes, "a lane changed"
    console = the_console(lab)
    ids = [c["id"] for c in console["controls"].values()]
    in_page = lab.js("values(arg)", ids)
    for key, control in console["controls"].items():
        assert same_value(in_page[control["id"]], control["value"]), (
            f"control {key}: the page shows {in_page[control['id']]}, the kernel {control['value']}"
        )
        assert control["disabled"] == (key in lanes), f"control {key} locked: {control['disabled']}"
    player = assert_player_matches(lab, console["player"], "building the console again")
    assert player["sides"]["mix"]["loaded"]
    lab.assert_no_hidden_errors(mark, "running the console's cell again")


# ---------------------------------------------------------------------------------------
# 7. The file on disk
# ---------------------------------------------------------------------------------------


def test_notebook_file_unchanged(lab, notebook):
    assert notebook.read_bytes() == lab.stored, "Lab wrote the executed notebook back to disk"
