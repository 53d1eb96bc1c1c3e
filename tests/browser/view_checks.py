"""What the page shows against what the kernel holds: pure comparisons, no browser.

Each function takes what the browser test read from the kernel (``kernel_probes``) and
from the page (``page_probes.js``) and returns the differences as plain sentences, so
a failing test says what a learner would see or hear wrong. They are unit-tested on
made-up readings (``test_view_checks.py``): each defect the old, presence-only test let
through (a side that plays backwards, a side that never loads, a track player without
audio, a figure without curves) must be reported.
"""

from __future__ import annotations

import math

#: Largest difference, in 16-bit steps, between a side's samples and what it should play.
MAX_ERR_LSB = 1.0


def player_mismatches(player: dict, view: dict) -> list[str]:
    """How one view of a player differs from the player the kernel holds."""
    data = view["dataset"]
    where = f"player {player['id'][:8]} ({', '.join(player['names'])})"
    problems = []
    for name, side in player["sides"].items():
        shown = {k: data.get(f"{name}{k}") for k in ("Status", "Checksum", "Version")}
        if str(side["version"]) != shown["Version"]:
            problems.append(
                f"{where}: side {name} version {shown['Version']} in the page, "
                f"{side['version']} in the kernel"
            )
        if side["loaded"]:
            if shown["Status"] != "ready" or shown["Checksum"] != side["checksum"]:
                problems.append(
                    f"{where}: side {name} plays {shown} in the page but the kernel sent "
                    f"checksum {side['checksum']}"
                )
        elif shown["Status"] != "empty" or shown["Checksum"]:
            problems.append(f"{where}: side {name} is empty in the kernel, page shows {shown}")
    if view.get("message"):
        problems.append(f"{where}: the player shows an error: {view['message']!r}")
    if view.get("status") != player["status_text"]:
        problems.append(
            f"{where}: level line {view.get('status')!r} in the page, "
            f"{player['status_text']!r} from the kernel"
        )
    for button in view.get("buttons", []):
        side = player["sides"][button["side"]]
        if side["loaded"] and button["disabled"]:
            problems.append(f"{where}: the button of loaded side {button['side']} is disabled")
        if side["loaded"] and not math.isclose(
            float(button["gainDb"] or "nan"), player["gains_db"][button["side"]], abs_tol=1e-6
        ):
            problems.append(
                f"{where}: side {button['side']} plays at {button['gainDb']} dB in "
                f"the page, {player['gains_db'][button['side']]} dB in the kernel"
            )
    if data.get("active") != player["active"] and player["sides"][player["active"]]["loaded"]:
        problems.append(
            f"{where}: the page plays {data.get('active')}, the kernel chose {player['active']}"
        )
    return problems


def plot_mismatches(plot: dict, view: dict, sums: dict) -> list[str]:
    """How one view of a live plot differs from the plot the kernel holds."""
    where = f"plot {plot['id'][:8]} ({', '.join(t for t in plot['titles'] if t)})"
    drawn = {t["name"]: t for t in view.get("traces", [])}
    problems = []
    if view["dataset"].get("error"):
        problems.append(f"{where}: the plot failed: {view['dataset']['error']}")
    if set(drawn) != {t["name"] for t in plot["traces"]}:
        problems.append(
            f"{where}: draws {sorted(drawn)}, kernel has "
            f"{sorted(t['name'] for t in plot['traces'])}"
        )
    for trace in plot["traces"]:
        shown = drawn.get(trace["name"])
        if shown is None:
            continue
        if shown["points"] != trace["finite"] or shown["version"] != trace["version"]:
            problems.append(
                f"{where}: trace {trace['name']} drawn with {shown['points']} points "
                f"(version {shown['version']}), kernel has {trace['finite']} (version "
                f"{trace['version']})"
            )
        if trace["finite"] > 1 and shown["d"] == 0:
            problems.append(f"{where}: trace {trace['name']} has points but no line")
        got = sums.get(trace["trace_id"])
        if got is None or not math.isclose(got, trace["y_sum"], rel_tol=1e-5, abs_tol=1e-3):
            problems.append(
                f"{where}: trace {trace['name']} y values sum to {got} in the "
                f"page, {trace['y_sum']} in the kernel"
            )
    labels = [label for refs in plot["refs"] for label in refs if label]
    missing = [label for label in labels if label not in view.get("refs", [])]
    if missing:
        problems.append(f"{where}: reference line labels not drawn: {missing}")
    return problems


def same_value(a, b) -> bool:
    """Equal, or numbers equal up to the browser's float rounding (``10 ** log10(x)``)."""
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def expected_traces(panel: dict) -> set[str]:
    """The curves a panel's plot must show, by what its focused processor is."""
    settings = panel["settings"]
    if panel["processor_class"] == "ParametricEQ":
        bands = settings.get("bands", [])
        return {"total", *(f"band{i + 1}" for i in range(len(bands)))}
    if panel["processor_class"] == "Compressor":
        return {"unity", "static", "gain"}
    if panel["processor_class"] == "Chain":  # its first stage, a high-pass, is in view
        return {"total"}
    return set()


def view_problems(snap: dict, views: dict, sums: dict, controls_in_page: dict) -> list[str]:
    """Every open studio view in the kernel (``snap``) against what the page shows.

    Parameters
    ----------
    snap : dict
        ``kernel_probes.snapshot()``.
    views : dict
        ``studioTest.views()`` of every player and plot in ``snap``, by model id.
    sums : dict
        ``studioTest.traceSums()`` of every trace, by model id.
    controls_in_page : dict
        What the page holds for each panel control (its synced value), by model id.
    """
    problems: list[str] = []
    players = {p["id"]: p for p in snap["players"]}
    plots = {p["id"]: p for p in snap["plots"]}
    shown_plots = {pid for panel in snap["panels"] for pid in panel["plots_shown"]}
    for pid, player in players.items():
        if not views.get(pid):
            problems.append(f"player {pid[:8]} is open in the kernel but not on the page")
        for view in views.get(pid) or []:
            problems += player_mismatches(player, view)
    for pid, plot in plots.items():
        if not views.get(pid):
            if pid in shown_plots or not any(pid in p["plots_made"] for p in snap["panels"]):
                problems.append(f"plot {pid[:8]} is open in the kernel but not on the page")
            continue
        for view in views[pid]:
            problems += plot_mismatches(plot, view, sums)
    for panel in snap["panels"]:
        problems += panel_problems(panel, plots, controls_in_page)
    return problems


def panel_problems(panel: dict, plots: dict, controls_in_page: dict) -> list[str]:
    """A panel: controls agree with the settings, the audio is the settings', its curves."""
    name = panel["processor_class"]
    problems = []
    for path, control in panel["controls"].items():
        shown, synced = controls_in_page.get(control["id"]), control["synced_value"]
        held, used = control["value"], control["setting"]
        if not (same_value(shown, synced) and same_value(held, used)):
            problems.append(
                f"panel {name}: control {path} shows {control['synced']} {shown!r} in the "
                f"page ({synced!r} in the kernel); it holds {held!r} and the sound uses "
                f"{used!r}"
            )
    if panel["message"]:
        problems.append(f"panel {name} shows a message: {panel['message']}")
    for side, check in panel["audio_check"].items():
        if not isinstance(check, dict) or check.get("max_err_lsb", math.inf) > MAX_ERR_LSB:
            problems.append(
                f"panel {name}: its player's {side} side is not the {side} audio of the "
                f"preview with the current settings: {check}"
            )
    if len(panel["plots_shown"]) != 1:
        problems.append(f"panel {name} shows {len(panel['plots_shown'])} plots, not one")
        return problems
    plot = plots[panel["plots_shown"][0]]
    names = {t["name"] for t in plot["traces"] if t["finite"] > 0}
    missing = expected_traces(panel) - names
    if missing:
        problems.append(f"panel {name}: its plot lacks the curves {sorted(missing)}")
    if name == "Compressor":
        gain = next((t for t in plot["traces"] if t["name"] == "gain"), {"finite": 0})
        if gain["finite"] < 100:
            problems.append(f"panel {name}: the gain-change trace has {gain['finite']} points")
    return problems


def track_problems(track: dict, decoded: dict) -> list[str]:
    """A track player: carries the chosen audio, decodable, not silent, full length.

    ``track`` is the kernel's (``snapshot()["track_players"]``), ``decoded`` what the
    browser made of its bytes (``studioTest.decodeTrack()``).
    """
    problems = []
    view = decoded.get("view") or {}
    data = view.get("dataset", {})
    where = f"track player ({track['choice']})"
    if decoded.get("error"):
        return [f"{where}: the browser cannot decode its audio: {decoded['error']}"]
    if data.get("bytes") != str(track["bytes"]) or data.get("version") != str(track["version"]):
        problems.append(
            f"{where}: page holds {data.get('bytes')} bytes (version "
            f"{data.get('version')}), kernel sent {track['bytes']} "
            f"(version {track['version']})"
        )
    if abs(decoded["duration_s"] - track["duration_s"]) > 0.1:
        problems.append(
            f"{where}: decodes to {decoded['duration_s']:.2f} s, the audio is "
            f"{track['duration_s']:.2f} s"
        )
    if decoded["rms_dbfs"] < -50.0:
        problems.append(f"{where}: decodes to near silence ({decoded['rms_dbfs']:.1f} dBFS)")
    return problems


def figure_problems(figures: list[dict], integrated_lufs: float, target_lufs: float) -> list[str]:
    """The static loudness figure: both curves with points, the integrated and target lines."""
    if len(figures) != 1:
        return [f"expected one static figure (loudness), found {len(figures)}"]
    fig = figures[0]
    problems = []
    names = [t["name"] for t in fig["traces"]]
    for part in ("momentary", "short-term"):
        trace = next((t for t in fig["traces"] if t["name"].startswith(part)), None)
        if trace is None or trace["finite"] < 50:
            problems.append(f"loudness figure: no {part} curve with points ({names})")
    if not fig["drawnLines"] or min(fig["drawnLines"]) == 0:
        problems.append(f"loudness figure: curves not drawn ({fig['drawnLines']})")
    levels = sorted(round(float(s["y0"]), 1) for s in fig["shapes"] if s["y0"] == s["y1"])
    for level, what in ((target_lufs, "target"), (round(integrated_lufs, 1), "integrated")):
        if level not in levels:
            problems.append(f"loudness figure: no {what} line at {level} LUFS (lines: {levels})")
    if fig["drawnShapes"] < 2:
        problems.append(f"loudness figure: {fig['drawnShapes']} lines drawn, expected 2")
    if not any(f"{target_lufs:g} LUFS" in text for text in fig["drawnAnnotations"]):
        problems.append(f"loudness figure: no target label ({fig['drawnAnnotations']})")
    y_lo, y_hi = fig["yRange"] or (None, None)
    if y_lo is None or not y_lo < target_lufs < y_hi:
        problems.append(f"loudness figure: the target line is outside the y range {fig['yRange']}")
    return problems


def render_problems(cells: list[dict]) -> list[str]:
    """Every widget output rendered, nothing printed to stderr."""
    problems = []
    for cell in cells:
        if cell["loadingText"]:
            problems.append(f"cell {cell['index']} ({cell['source']}): a widget did not render")
        for out in cell["outputs"]:
            if out["type"] == "stream" and out["name"] == "stderr":
                problems.append(f"cell {cell['index']} printed to stderr: {out['text']!r}")
    return problems


def cell_problems(cells: list[dict], n_findings: int) -> list[str]:
    """Every widget output rendered; the findings and the exercise checks shown as HTML."""
    problems = render_problems(cells)
    findings = sum(c["findings"] for c in cells)
    if findings != n_findings:
        problems.append(f"{findings} findings rendered as HTML, the demo has {n_findings}")
    checks = [c for c in cells if c["source"].startswith("studio.course.check_")]
    for cell in checks:
        if len(cell["feedback"]) != 1 or not cell["feedback"][0].strip():
            problems.append(f"cell {cell['index']} ({cell['source']}): no feedback shown")
    return problems
