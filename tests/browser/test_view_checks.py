"""The browser test's comparisons catch what a presence-only test let through (no browser).

Each defect the issue names (a B side that plays backwards, an A side that never loads
in the browser, a listen() player with no audio, a loudness figure with no traces) is
fed to the comparisons as the page and the kernel would report it, and must come out
as a problem; the same readings without the defect must come out clean.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from kernel_probes import _audio_check, _panel, _plot
from view_checks import (
    cell_problems,
    figure_problems,
    panel_problems,
    player_mismatches,
    render_problems,
    track_problems,
    view_problems,
)

import studio
from studio.widgets.timing import ManualScheduler

# -- made-up readings, consistent with each other ----------------------------------------


def kernel_player() -> dict:
    side = {"loaded": True, "version": 2, "checksum": "0.046330"}
    return {
        "id": "746acbe179a54043a1c5a8e4f68bf5be",
        "names": ["original", "processed", "kept"],
        "active": "original",
        "sides": {
            "original": {**side, "version": 1},
            "processed": {**side, "checksum": "0.023868"},
            "kept": {"loaded": False, "version": 1, "checksum": ""},
        },
        "gains_db": {"original": -0.4, "processed": 0.0, "kept": 0.0},
        "status_text": "Original is turned down 0.4 dB to match the loudness of With Compressor",
    }


def page_view(player: dict) -> dict:
    data = {"active": player["active"], "state": "paused"}
    buttons = []
    for name, side in player["sides"].items():
        data[f"{name}Version"] = str(side["version"])
        data[f"{name}Checksum"] = side["checksum"]
        data[f"{name}Status"] = "ready" if side["loaded"] else "empty"
        buttons.append(
            {
                "side": name,
                "disabled": not side["loaded"],
                "gainDb": str(player["gains_db"][name]) if side["loaded"] else "",
            }
        )
    return {
        "dataset": data,
        "message": "",
        "status": player["status_text"],
        "buttons": buttons,
    }


def kernel_plot() -> dict:
    return {
        "id": "5f49c7ac362e437592f5622a9adf967a",
        "titles": ["Static curve", "Gain change over the preview"],
        "refs": [[], [""]],
        "traces": [
            {"name": "static", "trace_id": "t1", "version": 1, "finite": 241, "y_sum": -3000.5},
            {"name": "gain", "trace_id": "t2", "version": 2, "finite": 1200, "y_sum": -88.25},
        ],
    }


def plot_view(plot: dict) -> dict:
    traces = [
        {"name": t["name"], "points": t["finite"], "version": t["version"], "d": 5000}
        for t in plot["traces"]
    ]
    return {"dataset": {}, "traces": traces, "refs": []}


def sums(plot: dict) -> dict:
    return {t["trace_id"]: t["y_sum"] for t in plot["traces"]}


def loudness_figure() -> dict:
    return {
        "traces": [
            {"name": "momentary (400 ms)", "n": 396, "finite": 380},
            {"name": "short-term (3 s)", "n": 370, "finite": 370},
        ],
        "shapes": [{"y0": -21.2, "y1": -21.2}, {"y0": -14.0, "y1": -14.0}],
        "drawnLines": [9000, 8000],
        "drawnShapes": 2,
        "drawnAnnotations": ["integrated -21.2 LUFS", "target -14 LUFS"],
        "yRange": [-36, -12],
    }


def track() -> tuple[dict, dict]:
    kernel = {"choice": "rough mix", "bytes": 560123, "version": 1, "duration_s": 40.0}
    decoded = {
        "duration_s": 40.0,
        "rms_dbfs": -22.0,
        "view": {"dataset": {"bytes": "560123", "version": "1"}},
    }
    return kernel, decoded


# -- the readings agree: nothing to report -------------------------------------------------


def test_matching_readings_report_nothing():
    player, plot = kernel_player(), kernel_plot()
    assert player_mismatches(player, page_view(player)) == []
    snap = {"players": [player], "plots": [plot], "panels": []}
    views = {player["id"]: [page_view(player)], plot["id"]: [plot_view(plot)]}
    assert view_problems(snap, views, sums(plot), {}) == []
    assert figure_problems([loudness_figure()], -21.2, -14.0) == []
    assert track_problems(*track()) == []


# -- each defect is reported ----------------------------------------------------------------


def test_a_side_the_page_plays_differently_is_reported():
    player = kernel_player()
    view = page_view(player)
    view["dataset"]["processedChecksum"] = "-0.023868"  # e.g. the samples reversed in transit
    (problem,) = player_mismatches(player, view)
    assert "side processed plays" in problem and "0.023868" in problem


def test_a_side_that_never_loads_is_reported():
    player = kernel_player()
    view = page_view(player)
    view["dataset"].update(originalStatus="pending", originalChecksum="")
    assert any("side original plays" in p for p in player_mismatches(player, view))


def test_a_player_missing_from_the_page_is_reported():
    player = kernel_player()
    snap = {"players": [player], "plots": [], "panels": []}
    (problem,) = view_problems(snap, {player["id"]: []}, {}, {})
    assert "not on the page" in problem


def test_a_wrong_level_line_or_match_gain_is_reported():
    player = kernel_player()
    view = page_view(player)
    view["status"] = "Both sides are equally loud: no level change needed"
    view["buttons"][0]["gainDb"] = "0"
    problems = player_mismatches(player, view)
    assert any("level line" in p for p in problems)
    assert any("plays at 0 dB in the page" in p for p in problems)


def test_a_track_player_without_audio_is_reported():
    kernel, decoded = track()
    assert track_problems(kernel, {"error": "EncodingError: Unable to decode audio data"})
    silent = {**decoded, "rms_dbfs": -200.0}
    assert any("near silence" in p for p in track_problems(kernel, silent))
    short = {**decoded, "duration_s": 3.0}
    assert any("decodes to 3.00 s" in p for p in track_problems(kernel, short))
    empty = copy.deepcopy(decoded)
    empty["view"]["dataset"]["bytes"] = "0"
    assert any("page holds 0 bytes" in p for p in track_problems(kernel, empty))


def test_a_loudness_figure_without_traces_or_target_is_reported():
    bare = {**loudness_figure(), "traces": [], "drawnLines": []}
    problems = figure_problems([bare], -21.2, -14.0)
    assert any("no momentary curve" in p for p in problems)
    assert any("curves not drawn" in p for p in problems)
    no_target = {**loudness_figure(), "shapes": [{"y0": -21.2, "y1": -21.2}]}
    assert any("no target line" in p for p in figure_problems([no_target], -21.2, -14.0))
    assert figure_problems([], -21.2, -14.0) == ["expected one static figure (loudness), found 0"]


def test_a_curve_drawn_with_missing_points_or_stale_data_is_reported():
    plot = kernel_plot()
    view = plot_view(plot)
    view["traces"][1]["points"] = 1  # the gain trace before the first render
    problems = plot_mismatches_of(plot, view, sums(plot))
    assert any("trace gain drawn with 1 points" in p for p in problems)
    stale = {**sums(plot), "t1": 0.0}
    assert any(
        "trace static y values" in p for p in plot_mismatches_of(plot, plot_view(plot), stale)
    )


def plot_mismatches_of(plot, view, trace_sums):
    snap = {"players": [], "plots": [plot], "panels": []}
    return view_problems(snap, {plot["id"]: [view]}, trace_sums, {})


def test_cells_without_findings_feedback_or_rendered_widgets_are_reported():
    cells = [
        {
            "index": 1,
            "source": "demo.findings",
            "loadingText": False,
            "outputs": [],
            "findings": 3,
            "feedback": [],
        },
        {
            "index": 2,
            "source": "studio.course.check_mud_cut(p)",
            "loadingText": True,
            "outputs": [{"type": "stream", "name": "stderr", "text": "warning"}],
            "findings": 0,
            "feedback": [],
        },
    ]
    problems = cell_problems(cells, n_findings=4)
    assert any("3 findings rendered" in p for p in problems)
    assert any("a widget did not render" in p for p in problems)
    assert any("printed to stderr" in p for p in problems)
    assert any("no feedback shown" in p for p in problems)
    # the render half alone says nothing of findings or exercises
    alone = render_problems(cells)
    assert len(alone) == 2 and not any("findings" in p or "feedback" in p for p in alone)


# -- the kernel's half: the sides against a fresh render, on a real panel --------------------


@pytest.fixture
def eq_panel():
    rng = np.random.default_rng(7)
    audio = studio.Audio(0.1 * rng.standard_normal((2, 24000)).astype(np.float32), 48000, "noise")
    eq = studio.ParametricEQ().replace(("bands", 1, "gain_db"), -6.0)
    panel = studio.widgets.panel(eq, audio, preview_s=0.5, scheduler=ManualScheduler())
    yield panel
    panel.close()


def test_a_panel_playing_its_settings_passes_every_panel_check(eq_panel):
    info = _panel(eq_panel)
    plots = {plot.model_id: _plot(plot) for plot in eq_panel.plot_area.children}
    in_page = {c["id"]: c["synced_value"] for c in info["controls"].values()}
    assert panel_problems(info, plots, in_page) == []
    assert info["audio_check"]["original"]["max_err_lsb"] <= 0.51  # half a step, rounded
    assert info["audio_check"]["processed"]["max_err_lsb"] <= 1.0


def test_a_control_showing_another_value_is_reported(eq_panel):
    info = _panel(eq_panel)
    plots = {plot.model_id: _plot(plot) for plot in eq_panel.plot_area.children}
    in_page = {c["id"]: c["synced_value"] for c in info["controls"].values()}
    in_page[info["controls"]["bands[1].gain_db"]["id"]] = 20.0
    (problem,) = panel_problems(info, plots, in_page)
    assert "control bands[1].gain_db shows value 20.0 in the page (-6.0 in the kernel)" in problem


def test_a_reversed_or_stale_side_fails_the_audio_check(eq_panel):
    processed = eq_panel.take.audio
    eq_panel.player.set_side("processed", processed.with_samples(processed.samples[:, ::-1]))
    assert _audio_check(eq_panel)["processed"]["max_err_lsb"] > 100
    eq_panel.player.set_side("processed", processed)
    assert _audio_check(eq_panel)["processed"]["max_err_lsb"] <= 1.0
    eq_panel.set(("bands", 1, "gain_db"), 6.0)  # the settings move, the audio does not yet
    assert _audio_check(eq_panel)["processed"]["max_err_lsb"] > 100
    eq_panel.flush()
    assert _audio_check(eq_panel)["processed"]["max_err_lsb"] <= 1.0
