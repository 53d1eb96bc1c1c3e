"""The mastering notebook in a real JupyterLab and a real (headless) Chromium at 1280x720.

What a learner does with ``notebooks/work_master_my_mix.ipynb``: give a reference song,
Run All on the demo's mixdown, then master on the rack: press play and switch between
the mix (A), the master (B) and the reference (C), move the limiter, and listen to the
master through another playback system. These tests prove that what the page shows and
plays is what the kernel holds, after every move:

1. Run All settles with no error in any cell and none hidden in the kernel; the time it
   takes and the websocket payload are measured against the issue's targets (10 s,
   12 MB).
2. Every view has content: the rack's three sides are, checksum for checksum, what the
   kernel sent; its plots draw their curves; every rack control shows the value the
   chain uses; the quality-control report and its figure are rendered; the translation
   view's player is loaded.
3. A/B/C switched while the passage plays: the page plays the side pressed, the
   position runs on (no jump back to the start), and every side's gain is the
   loudness-matching offset the kernel computed from its meters.
4. The limiter's drive typed into its readout: the chain holds the new value, the page
   shows it, and the master the page plays is the kernel's new render.
5. Another playback system picked in the translation view: side B is its new audio.

The notebook writes its master and chain beside itself, so it runs from a copy in a
temporary folder (with the reference song written there): the repository stays as it
was. Figures go to ``test-artifacts/browser_timings.json`` and the terminal summary;
screenshots (1280x720, what a learner sees) to ``test-artifacts/master_*.png``.
"""

from __future__ import annotations

import json
import os
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
NOTEBOOK = REPO / "notebooks" / "work_master_my_mix.ipynb"

#: The issue's targets for this notebook on the demo (both asserted).
RUN_ALL_TARGET_S = 10.0
PAYLOAD_LIMIT_MB = 12.0

#: The reference song the test writes beside the notebook copy (30 s, stereo, 48 kHz).
REFERENCE_NAME = "reference.wav"
REFERENCE_LINE = "REFERENCE_FILE = None"

RACK = ".studio-rack"
PLAYER = f"{RACK} .studio-rack-player"
LIMITER = f"{RACK} .studio-rack-module-limiter"
TRANSLATION = ".studio-translation"
TRANSLATION_PLAYER = f"{TRANSLATION} .studio-player"
DRIVE = ("modules", "limiter", "processor", "gain_db")
DRIVE_KEY = "modules.limiter.processor.gain_db"
LIMITER_BYPASS_KEY = "modules.limiter.bypass"

#: Results of earlier tests of this module, for the later ones.
RUN: dict = {}


# ---------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------


def write_reference(path: Path) -> None:
    """A released-sounding song: the demo's mixdown through the default Spotify master."""
    import studio
    from studio.mastering.chain import MasteringChain

    mix = studio.demo.session().mixdown()
    master = MasteringChain.default("spotify")(mix)
    song = master.segment(start_s=5.0, stop_s=min(35.0, master.duration_s))
    studio.save(studio.Audio(song.samples, song.sr, "reference"), path)


@pytest.fixture(scope="module")
def notebook(tmp_path_factory) -> Path:
    """A copy of the notebook in a fresh folder whose ``REFERENCE_FILE`` is a song there."""
    if not NOTEBOOK.exists():
        pytest.skip(f"{NOTEBOOK} does not exist yet")
    folder = tmp_path_factory.mktemp("master_notebook")
    write_reference(folder / REFERENCE_NAME)
    book = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    changed = 0
    for cell in book["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = cell["source"] if isinstance(cell["source"], list) else [cell["source"]]
        source = "".join(lines)
        if REFERENCE_LINE in source:
            changed += source.count(REFERENCE_LINE)
            cell["source"] = source.replace(REFERENCE_LINE, f"REFERENCE_FILE = {REFERENCE_NAME!r}")
    assert changed == 1, f"the notebook sets {REFERENCE_LINE!r} {changed} times, not once"
    copy = folder / NOTEBOOK.name
    copy.write_text(json.dumps(book, indent=1) + "\n", encoding="utf-8")
    return copy


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


def the_rack(lab: LabNotebook, snap: dict | None = None) -> dict:
    """The kernel's view of the one mastering rack the notebook shows."""
    racks = (snap or lab.snapshot())["racks"]
    assert len(racks) == 1, f"expected one open mastering rack, the kernel has {len(racks)}"
    return racks[0]


def the_translation(lab: LabNotebook, snap: dict | None = None) -> dict:
    """The kernel's view of the one translation view the notebook shows."""
    views = (snap or lab.snapshot())["translations"]
    assert len(views) == 1, f"expected one open translation view, the kernel has {len(views)}"
    return views[0]


def player_of(snap: dict, player_id: str) -> dict:
    return next(p for p in snap["players"] if p["id"] == player_id)


def matched_gains_db(integrated_lufs: dict) -> dict:
    """The gains that play every side as loud as the quietest (what matching should do)."""
    quietest = min(integrated_lufs.values())
    return {side: min(0.0, quietest - lufs) for side, lufs in integrated_lufs.items()}


def shown_gains(lab: LabNotebook) -> dict:
    """The gain each of the rack player's buttons says its side plays at (dB)."""
    return lab.page.evaluate(
        """(s) => Object.fromEntries(Array.from(
             document.querySelectorAll(s + ' button.studio-player-side'),
             (b) => [b.dataset.side, b.dataset.gainDb]))""",
        PLAYER,
    )


def table_offsets(lab: LabNotebook) -> dict:
    """The rack table's "played at" row, by side (its text, e.g. ``−8.2``)."""
    return lab.page.evaluate(
        """(s) => Object.fromEntries(Array.from(
             document.querySelectorAll(s + " td[data-row='played_at']"),
             (td) => [td.dataset.side, td.textContent]))""",
        f"{RACK} .studio-rack-table",
    )


def assert_gains_matched(lab: LabNotebook, what: str) -> dict:
    """Each side plays at the offset that matches the rack's meters: kernel, buttons, table.

    Returns the gains (dB) by side.
    """
    snap = lab.snapshot()
    rack = the_rack(lab, snap)
    kernel = player_of(snap, rack["player"])
    lufs = rack["integrated_lufs"]
    assert set(lufs) == {"mix", "master", "reference"}, f"after {what}: the rack measured {lufs}"
    expected = matched_gains_db(lufs)
    shown = shown_gains(lab)
    offsets = table_offsets(lab)
    for side, want in expected.items():
        assert kernel["gains_db"][side] == pytest.approx(want, abs=0.05), (
            f"after {what}: the kernel plays {side} at {kernel['gains_db'][side]} dB; its "
            f"meters ({lufs}) call for {want:.2f} dB"
        )
        assert float(shown[side]) == pytest.approx(kernel["gains_db"][side], abs=1e-6), (
            f"after {what}: the page's {side} button plays at {shown[side]} dB, the kernel's "
            f"{kernel['gains_db'][side]} dB"
        )
        assert number_in(offsets[side]) == pytest.approx(kernel["gains_db"][side], abs=0.051), (
            f"after {what}: the rack's table shows {side} played at {offsets[side]}, the "
            f"kernel's {kernel['gains_db'][side]:.2f} dB"
        )
    return {side: round(gain, 2) for side, gain in kernel["gains_db"].items()}


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# ---------------------------------------------------------------------------------------
# 1. Run All
# ---------------------------------------------------------------------------------------


def test_run_all_settles(lab, browser_report, artifacts_dir):
    browser_report["kernel_messages_while_opening"] = [
        problem[:200] for problem in lab.opening_messages()
    ]
    mark = lab.mark()
    browser_report["load_average_before_run_all"] = load_average()
    result = run_all(lab)
    report = browser_report
    report["load_average_after_run_all"] = load_average()
    report["run_all_cells_done_s"] = result["cells_done_s"]
    report["run_all_to_settled_s"] = result["settled_s"]
    report["run_all_target_s"] = RUN_ALL_TARGET_S
    report["run_all_slowest_cells_s"] = slowest_cells(result["cells"])
    report["run_all_payload"] = result["payload"]
    report["run_all_payload_limit_mb"] = PAYLOAD_LIMIT_MB
    snap = lab.snapshot()
    report["kernel_rss_after_run_all_mb"] = snap["memory"]["rss_mb"]
    report["kernel_peak_rss_mb"] = snap["memory"]["peak_rss_mb"]
    report["kernel_widgets_after_run_all"] = snap["widget_count"]
    report["kernel_imports_studio_from"] = lab.kernel_call("studio_file")
    RUN["first"] = {**result, "snapshot": snap}
    screenshot_top(lab, lab.page.locator(RACK).first, artifacts_dir / "master_rack_top.png")

    lab.assert_no_hidden_errors(mark, "running all cells")
    rack = the_rack(lab, snap)
    player = player_of(snap, rack["player"])
    assert player["names"] == ["mix", "master", "reference"], (
        f"the rack compares {player['names']}, not the mix, the master and the reference"
    )
    the_translation(lab, snap)
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
        f"cells ran {first['cells_done_s']:.1f} s; slowest cells (s): {slowest}; "
        f"load average {load_average()}"
    )


# ---------------------------------------------------------------------------------------
# 2. Every view, for content
# ---------------------------------------------------------------------------------------


def test_every_view_has_content(lab, first, browser_report, artifacts_dir):
    mark = lab.mark()
    snap = lab.snapshot()
    rack = the_rack(lab, snap)
    problems, views = check_views(lab, snap)  # every player side, every plot trace

    # the rack plays the mix, the master and the reference the kernel holds
    player = player_of(snap, rack["player"])
    shown = (views.get(rack["player"]) or [{}])[0].get("dataset", {})
    for side in ("mix", "master", "reference"):
        kernel = player["sides"][side]
        if not kernel["loaded"] or kernel["silent"]:
            problems.append(f"the rack's {side} side is empty or silent in the kernel: {kernel}")
        if shown.get(f"{side}Checksum") != kernel["checksum"]:
            problems.append(
                f"the rack's page plays {side} {shown.get(f'{side}Checksum')}, the kernel sent "
                f"{kernel['checksum']}"
            )
    if rack["message"]:
        problems.append(f"the rack shows a message: {rack['message']}")

    # the rack's plots draw the master's loudness, gain reduction, spectra and scope
    plots = {p["id"]: p for p in snap["plots"]}
    wanted = {
        rack["time_plot"]: {"momentary", "short_term", "integrated", "mix_short_term"},
        rack["look_plot"]: {
            "spectrum_mix",
            "spectrum_master",
            "spectrum_reference",
            "scope_mix",
            "scope_master",
        },
    }
    for pid, names in wanted.items():
        traces = {t["name"]: t for t in plots[pid]["traces"]}
        for name in sorted(names):
            if traces.get(name, {}).get("finite", 0) < 20:
                problems.append(f"rack plot: the {name} curve is missing or has too few points")
    limiter_gr = {t["name"]: t for t in plots[rack["time_plot"]]["traces"]}.get("gr_limiter")
    if limiter_gr is None or limiter_gr["finite"] < 20:
        problems.append(f"rack plot: the limiter's gain reduction is not drawn: {limiter_gr}")

    # every rack control shows the value the chain uses (a drop-down syncs its index)
    in_page = {}
    for synced in ("value", "index"):
        ids = [c["id"] for c in rack["controls"].values() if c["synced"] == synced]
        in_page.update(
            lab.page.evaluate("([ids, key]) => window.studioTest.values(ids, key)", [ids, synced])
        )
    for key, control in rack["controls"].items():
        shown = in_page.get(control["id"])
        if not same_value(shown, control["synced_value"]) or not same_value(
            control["value"], control["setting"]
        ):
            problems.append(
                f"rack control {key}: the page shows {control['synced']} {shown!r} "
                f"({control['synced_value']!r} in the kernel), the widget holds "
                f"{control['value']!r}, the chain uses {control['setting']!r}"
            )

    # the translation view plays the master through the chosen system
    translation = the_translation(lab, snap)
    heard = player_of(snap, translation["player"])
    for side in ("master", "system"):
        if not heard["sides"][side]["loaded"]:
            problems.append(f"the translation view's {side} side is not loaded in the kernel")

    # every widget rendered; the QC report as text and as a figure
    cells = lab.js("cells()")
    problems += render_problems(cells)
    html = "\n".join(text for cell in cells for text in cell["html"])
    reports = lab.kernel_call("qc_reports")
    if not reports:
        problems.append("no quality-control report among the notebook's variables")
    for report in reports:
        for line in (report["heading"], report["verdict"], *report["checks"]):
            if line not in html:
                problems.append(f"QC report {report['name']}: {line!r} is not on the page")
    figures = lab.js("plotlyFigures()")
    browser_report["static_figures"] = [
        {"title": f["title"], "traces": len(f["traces"])} for f in figures
    ]
    qc = [f for f in figures if any(tr["finite"] >= 50 for tr in f["traces"])]
    if not qc:
        problems.append(f"the QC figure has no curve with points: {figures}")
    elif not qc[-1]["drawnLines"] or max(qc[-1]["drawnLines"]) == 0:
        problems.append(f"the QC figure's curves are not drawn: {qc[-1]['drawnLines']}")

    browser_report["rack_integrated_lufs"] = rack["integrated_lufs"]
    screenshot_whole(lab, lab.page.locator(RACK).first, artifacts_dir / "master_rack_whole.png")
    screenshot_top(
        lab, lab.page.locator(TRANSLATION).first, artifacts_dir / "master_translation.png"
    )
    assert not problems, "the page does not show what the kernel holds:\n" + "\n".join(problems)
    lab.assert_no_hidden_errors(mark, "reading every view")


# ---------------------------------------------------------------------------------------
# 3. A/B/C while the passage plays
# ---------------------------------------------------------------------------------------


def test_abc_switch_keeps_position_and_matches_loudness(lab, first, browser_report, artifacts_dir):
    mark = lab.mark()
    rack = the_rack(lab)
    player = lab.page.locator(PLAYER).first
    player.scroll_into_view_if_needed()
    player.locator(".studio-player-play").click()
    poll(
        lambda: dataset(lab, PLAYER),
        lambda d: d["state"] == "playing" and float(d.get("positionS", 0)) > 0.3,
        10.0,
        "the rack's player to start",
    )
    switches = []
    for side in ("master", "reference", "mix", "master"):
        before = dataset(lab, PLAYER)
        duration = float(before["durationS"])
        clicked = time.monotonic()
        player.locator(f'button.studio-player-side[data-side="{side}"]').click()
        after = poll(
            lambda: dataset(lab, PLAYER),
            lambda d, s=side: d["active"] == s,
            5.0,
            f"the page to play side {side}",
        )
        switches.append([side, round(time.monotonic() - clicked, 3)])
        elapsed = time.monotonic() - clicked
        # the position runs on from where it was (the passage loops: modulo its length)
        expected = (float(before["positionS"]) + elapsed) % duration
        got = float(after["positionS"])
        gap = min(abs(got - expected), duration - abs(got - expected))
        assert gap < 0.6, (
            f"switching to {side} moved the position from {before['positionS']} s to {got} s "
            f"(expected about {expected:.2f} s)"
        )
        assert after["state"] == "playing", f"switching to {side} stopped the playback"
        poll(
            lambda: player_of(lab.snapshot(), rack["player"])["active"],
            lambda a, s=side: a == s,
            5.0,
            f"the kernel's player to hear side {side}",
        )
    lab.page.wait_for_timeout(500)
    later = dataset(lab, PLAYER)
    assert later["state"] == "playing", "the player stopped after the switches"
    ran = (float(later["positionS"]) - float(after["positionS"])) % float(later["durationS"])
    assert 0.3 < ran < 2.0, (
        f"after the last switch the position went {after['positionS']} -> {later['positionS']} s "
        "in about half a second"
    )
    browser_report["abc_switch_to_active_s"] = switches
    screenshot_top(lab, lab.page.locator(RACK).first, artifacts_dir / "master_rack_playing.png")

    # the gains: the kernel's loudness matching, from its meters, shown on every button
    browser_report["abc_gains_db"] = assert_gains_matched(lab, "switching A/B/C")
    assert_player_matches(lab, rack["player"], "switching A/B/C")

    player.locator(".studio-player-play").click()
    poll(lambda: dataset(lab, PLAYER), lambda d: d["state"] == "paused", 5.0, "pause")
    lab.assert_no_hidden_errors(mark, "switching A/B/C")


# ---------------------------------------------------------------------------------------
# 4. The limiter's drive typed in
# ---------------------------------------------------------------------------------------


def test_limiter_drive_changes_chain_and_master(lab, first, browser_report, artifacts_dir):
    mark = lab.mark()
    rack = the_rack(lab)
    limiter = next(m for m in rack["modules"] if m["name"] == "limiter")
    page = lab.page
    # open the limiter's section of the rack, as a learner would
    header = (
        page.locator(f"{RACK} .jupyter-widget-Collapse")
        .filter(has=page.locator(".studio-rack-module-limiter"))
        .locator(".jupyter-widget-Collapse-header")
        .first
    )
    header.scroll_into_view_if_needed()
    header.click()
    section = page.locator(LIMITER).first
    section.wait_for(state="visible", timeout=10_000)
    if limiter["bypass"]:  # switched off: switch it on through the page first
        section.locator(".studio-rack-bypass input[type=checkbox]").first.click()
        poll(
            lambda: the_rack(lab)["controls"][LIMITER_BYPASS_KEY]["setting"],
            lambda v: v is False,
            STEP_TIMEOUT_S,
            "the kernel's limiter to be switched on",
        )
        settle_views(lab)
    start = the_rack(lab)["controls"][DRIVE_KEY]["setting"]
    target = 6.0 if abs(start - 6.0) > 1.0 else 3.0
    before = dataset(lab, PLAYER)["masterChecksum"]

    readout = section.locator(".studio-param-gain_db .widget-readout").first
    readout.scroll_into_view_if_needed()
    typed = time.monotonic()
    readout.click()
    readout.fill(f"{target:g}")
    readout.press("Enter")
    poll(
        lambda: the_rack(lab)["controls"][DRIVE_KEY]["setting"],
        lambda v: same_value(v, target),
        STEP_TIMEOUT_S,
        f"the kernel's chain to drive the limiter by {target} dB",
    )
    poll(
        lambda: dataset(lab, PLAYER)["masterChecksum"],
        lambda c: c != before,
        STEP_TIMEOUT_S,
        "the page's master to change",
    )
    browser_report["limiter_drive_to_audio_s"] = round(time.monotonic() - typed, 2)
    settle_views(lab)
    browser_report["limiter_drive_db"] = [start, target]
    kernel = assert_player_matches(lab, the_rack(lab)["player"], "driving the limiter")
    assert kernel["sides"]["master"]["checksum"] != before, "the kernel's master did not change"
    assert dataset(lab, PLAYER)["masterChecksum"] == kernel["sides"]["master"]["checksum"]
    control = the_rack(lab)["controls"][DRIVE_KEY]
    in_page = lab.js("values(arg)", [control["id"]])[control["id"]]
    assert same_value(in_page, target), f"the page's drive slider holds {in_page}"
    assert number_in(readout.text_content()) == pytest.approx(target, abs=0.051)
    assert the_rack(lab)["message"] == "", f"the rack shows {the_rack(lab)['message']!r}"
    browser_report["gains_db_after_limiter_drive"] = assert_gains_matched(
        lab, "driving the limiter"
    )
    screenshot_top(lab, section, artifacts_dir / "master_limiter_moved.png")
    lab.assert_no_hidden_errors(mark, "driving the limiter")


# ---------------------------------------------------------------------------------------
# 5. Another playback system
# ---------------------------------------------------------------------------------------


def test_translation_system_switch_changes_side_b(lab, first, browser_report):
    mark = lab.mark()
    view = the_translation(lab)
    other = next(key for key in ("car", "earbuds", "laptop") if key in view["systems"])
    if other == view["choice"]:
        other = next(key for key in view["systems"] if key != view["choice"])
    before = dataset(lab, TRANSLATION_PLAYER)["systemChecksum"]
    select = lab.page.locator(f"{TRANSLATION} .studio-translation-system select").first
    select.scroll_into_view_if_needed()
    picked = time.monotonic()
    select.select_option(label=view["systems"][other])
    poll(
        lambda: the_translation(lab)["choice"],
        lambda c: c == other,
        STEP_TIMEOUT_S,
        f"the kernel's translation view to pick {other}",
    )
    poll(
        lambda: dataset(lab, TRANSLATION_PLAYER)["systemChecksum"],
        lambda c: c != before,
        STEP_TIMEOUT_S,
        "the page's side B to change",
    )
    browser_report["translation_switch_to_audio_s"] = round(time.monotonic() - picked, 2)
    settle_views(lab)
    kernel = assert_player_matches(lab, view["player"], f"picking {other}")
    assert kernel["sides"]["system"]["checksum"] != before
    assert kernel["sides"]["system"]["label"] == view["systems"][other]
    lab.assert_no_hidden_errors(mark, "picking another playback system")


# ---------------------------------------------------------------------------------------
# 6. The file on disk
# ---------------------------------------------------------------------------------------


def test_notebook_file_unchanged(lab, notebook):
    assert notebook.read_bytes() == lab.stored, "Lab wrote the executed notebook back to disk"
