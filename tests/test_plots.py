"""The processor plots: the right curves, drawn from the processor, on axes that hold still."""

from __future__ import annotations

import numpy as np
import pytest

from studio.processors.dynamics import Compressor, Gate, Limiter, TransientShaper
from studio.processors.eq import DynamicEQ, EQBand, ParametricEQ
from studio.widgets.liveplot import LivePlot
from studio.widgets.plots import (
    CurvePlot,
    DynamicsPlot,
    Render,
    ResponsePlot,
    envelope_for_plot,
    gain_change_range_db,
    plot_for,
)

SR = 48000


def drum_loop(seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    env = np.where((t % 0.5) < 0.1, 1.0, 0.05)
    return np.stack([0.8 * np.sin(2 * np.pi * 110 * t) * env] * 2)


def test_eq_response_draws_bands_thin_under_the_total() -> None:
    eq = ParametricEQ(
        bands=[EQBand("low_shelf", 100.0, 4.0, 0.7), EQBand("peak", 2000.0, -6.0, 2.0)]
    )
    plot = ResponsePlot(eq, SR)
    assert isinstance(plot.figure, LivePlot)
    names = [t.name for t in plot.figure.data]
    assert names == ["band1", "band2", "total"]  # the total last: drawn on top
    total = plot.figure.trace("total")
    bands = [plot.figure.trace("band1"), plot.figure.trace("band2")]
    assert total.width > max(b.width for b in bands) and all(b.dash == "dot" for b in bands)
    np.testing.assert_allclose(total.y, eq.response_db(total.x.astype(float), SR), atol=1e-3)
    # the 2 kHz cut is drawn at its true depth: the grid holds 2000 Hz itself
    assert 2000.0 in total.x and total.y[total.x == 2000.0][0] == pytest.approx(-6.0, abs=1e-3)
    layout = plot.figure.subplots[0]
    assert layout["title"] == "Frequency response"
    assert layout["x"] == {
        "label": "frequency",
        "unit": "Hz",
        "scale": "log",
        "range": [20.0, 20000.0],
    }
    assert layout["y"]["range"] == [-24.0, 24.0] and layout["y"]["unit"] == "dB"
    assert [r["value"] for r in layout["refs"]] == [0.0]


def test_moving_one_band_sends_that_band_and_the_total(monkeypatch) -> None:
    import ipywidgets

    eq = ParametricEQ()
    plot = ResponsePlot(eq, SR)
    sent = []
    original = ipywidgets.Widget._send
    monkeypatch.setattr(
        ipywidgets.Widget,
        "_send",
        lambda self, msg, buffers=None: (sent.append(self), original(self, msg, buffers)),
    )
    bands = list(eq.bands)
    bands[1] = bands[1].replace(gain_db=-9.0)
    plot.update_fast(eq.replace(bands=tuple(bands)))
    assert {w.name for w in sent} == {"band2", "total"}


def test_dynamics_plot_is_titled_static_curve_with_the_one_to_one_line() -> None:
    comp = Compressor(threshold_db=-30.0, ratio=4.0, makeup_db=0.0)
    plot = DynamicsPlot(comp, SR)
    titles = [s["title"] for s in plot.figure.subplots]
    assert titles[0] == "Static curve"
    unity, static, gain = plot.figure.data  # the panel reads data[2] as the gain trace
    assert unity.label.startswith("1:1") and unity.dash == "dash"
    np.testing.assert_array_equal(unity.x, unity.y)
    np.testing.assert_allclose(static.y, comp.transfer_curve(static.x.astype(float)), atol=1e-4)
    assert gain.subplot == 1 and gain.fill


def test_gain_change_axis_does_not_rescale_between_renders() -> None:
    dry = drum_loop()
    gentle = Compressor(threshold_db=-12.0, ratio=2.0)
    heavy = Compressor(threshold_db=-40.0, ratio=20.0, attack_ms=0.5)
    plot = DynamicsPlot(gentle, SR)
    before = plot.figure.subplots[1]["y"]["range"]
    deepest = {}
    for proc in (gentle, heavy, gentle):
        wet, trace = proc.process_with_trace(dry, SR)
        plot.update_slow(proc, Render(dry, wet, SR, trace))
        assert plot.figure.subplots[1]["y"]["range"] == before
        drawn = plot.figure.trace("gain").y
        np.testing.assert_allclose(
            drawn, envelope_for_plot(trace, SR, keep="extreme")[1], atol=1e-4
        )
        deepest[proc] = float(drawn.min())
    assert before == [-24.0, 3.0]
    assert plot.figure.subplots[1]["x"]["range"] == [0.0, dry.shape[1] / SR]  # the preview
    assert deepest[heavy] < -10 < deepest[gentle]  # same scale: the difference shows


def test_boosts_stay_visible_on_the_fixed_axis() -> None:
    dry = drum_loop()
    shaper = TransientShaper(attack_db=12.0)
    plot = DynamicsPlot(shaper, SR)
    low, high = plot.figure.subplots[1]["y"]["range"]
    wet, trace = shaper.process_with_trace(dry, SR)
    plot.update_slow(shaper, Render(dry, wet, SR, trace))
    drawn = plot.figure.trace("gain").y
    assert drawn.max() > 3.0 and high >= drawn.max()  # the boosts are not cut off
    assert gain_change_range_db(DynamicEQ(mode="boost_when_quiet"))[1] >= 24.0
    assert gain_change_range_db(Gate())[0] <= -80.0  # a gate's full depth fits
    assert gain_change_range_db(Limiter()) == (-24.0, 3.0)


def test_envelope_keeps_the_extreme_of_each_bin() -> None:
    values = np.array([0.0, -3.0, 1.0, 0.0, 5.0, -1.0])
    assert envelope_for_plot(values, 2, 2, keep="extreme")[1].tolist() == [-3.0, 5.0]
    assert envelope_for_plot(values, 2, 2, keep="min")[1].tolist() == [-3.0, -1.0]
    assert envelope_for_plot(np.zeros(0), 2)[0].size == 0


def test_curve_plot_keeps_its_y_range_and_only_grows_it() -> None:
    from studio.processors.modulation import Chorus

    chorus = Chorus()
    plot = plot_for(chorus, SR)
    assert isinstance(plot, CurvePlot)
    first = plot.figure.subplots[0]["y"]["range"]
    assert first is not None  # fixed from the first drawing
    x_label = plot.figure.subplots[0]["x"]
    assert (x_label["label"], x_label["unit"]) == ("time", "s")
    for trace, curve in zip(plot.figure.data, chorus.curves(SR), strict=True):
        np.testing.assert_allclose(trace.y, curve.y, rtol=1e-6, atol=1e-6)
    deeper = chorus.replace(depth_pct=100.0, delay_ms=chorus.spec("delay_ms").hi)
    plot.update_fast(deeper)
    grown = plot.figure.subplots[0]["y"]["range"]
    assert grown[0] <= first[0] and grown[1] >= first[1]
    plot.update_fast(chorus)
    assert plot.figure.subplots[0]["y"]["range"] == grown  # never shrinks back


def test_plot_for_picks_as_before() -> None:
    assert isinstance(plot_for(ParametricEQ(), SR), ResponsePlot)
    assert isinstance(plot_for(Compressor(), SR), DynamicsPlot)
    assert isinstance(plot_for(TransientShaper(), SR), CurvePlot)  # it draws a hit
