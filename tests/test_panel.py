"""Generated panels, driven without a browser (widgets work in plain pytest)."""

import numpy as np
import pytest

from studio.audio import Audio
from studio.processors.base import Chain
from studio.processors.dynamics import Compressor
from studio.processors.eq import EQBand, ParametricEQ
from studio.widgets.controls import control_for
from studio.widgets.panel import ProcessorPanel
from studio.widgets.timing import ManualScheduler

SR = 48000


@pytest.fixture
def clip(rng):
    t = np.arange(2 * SR) / SR
    env = np.where((t % 0.5) < 0.25, 0.9, 0.1)
    return Audio(np.stack([np.sin(2 * np.pi * 220 * t) * env] * 2), SR, "test clip")


def make(proc, audio, clock=None):
    return ProcessorPanel(proc, audio, preview_s=2.0, scheduler=clock or ManualScheduler())


def test_controls_are_generated_from_the_declarations():
    comp_specs = {s.name: s for s in Compressor.specs()}
    slider = control_for(comp_specs["attack_ms"])
    assert type(slider).__name__ == "FloatLogSlider"
    assert slider.min == pytest.approx(np.log10(0.1)) and slider.max == pytest.approx(np.log10(200))
    assert "(ms)" in slider.description and "studio-param-attack_ms" in slider._dom_classes
    thr = control_for(comp_specs["threshold_db"])
    assert type(thr).__name__ == "FloatSlider" and (thr.min, thr.max) == (-60.0, 0.0)
    kind = control_for(EQBand.spec("kind"))
    assert type(kind).__name__ == "Dropdown" and "peak" in [v for _, v in kind.options]


def test_every_parameter_gets_a_control(clip):
    p = make(ParametricEQ(), clip)
    assert len(p.controls) == 4 * len(EQBand.specs()) + len(ParametricEQ.specs())
    c = make(Compressor(), clip)
    assert set(c.controls) == {(s.name,) for s in Compressor.specs()}
    assert "studio-panel-Compressor" in c._dom_classes


def test_slider_move_updates_processor_curve_and_player_after_debounce(clip):
    clock = ManualScheduler()
    p = make(ParametricEQ(), clip, clock)
    version = p.player.b_version
    curve_before = np.array(p.plot.figure.data[-1].y)
    p.set("gain_db", -9.0, band=2)
    assert p.processor.bands[1].gain_db == -9.0
    assert not np.allclose(p.plot.figure.data[-1].y, curve_before)  # fast path ran at once
    assert p.player.b_version == version  # audio waits for the debounce
    clock.advance(1.0)
    assert p.player.b_version == version + 1


def test_fast_drag_renders_audio_once(clip):
    clock = ManualScheduler()
    p = make(Compressor(), clip, clock)
    version = p.player.b_version
    for thr in np.linspace(-10, -40, 30):
        p.set("threshold_db", float(thr))
        clock.advance(0.01)
    clock.advance(1.0)
    assert p.player.b_version == version + 1
    assert p.processor.threshold_db == pytest.approx(-40.0)


def test_compressor_panel_shows_gain_reduction_and_matches_loudness(clip):
    p = make(Compressor(threshold_db=-30.0, ratio=8.0, makeup_db=0.0), clip)
    gr = np.array(p.plot.figure.data[2].y)
    assert gr.min() < -10  # the loud half-notes are pulled down
    # compression made B quieter, so matching plays it louder (positive offset)
    assert p.player.b_offset_db > 1.0


def test_invalid_value_shows_message_and_keeps_settings():
    low_rate = Audio(np.zeros((1, 16000)), 16000, "phone")
    p = make(ParametricEQ(bands=[EQBand("peak", 1000.0, 0.0, 1.0)]), low_rate)
    p.set("freq_hz", 12000.0, band=1)  # above Nyquist (8 kHz) at 16 kHz
    assert "Nyquist" in p.message.value
    assert p.processor.bands[0].freq_hz == 1000.0
    p.set("freq_hz", 2000.0, band=1)
    assert p.message.value == "" and p.processor.bands[0].freq_hz == 2000.0


def test_reset_button_restores_default(clip):
    p = make(Compressor(), clip)
    p.set("ratio", 10.0)
    row = next(
        w for w in p.children[1].children[0].children if p.controls[("ratio",)] in w.children
    )
    row.children[1].click()
    assert p.processor.ratio == Compressor().ratio


def test_panel_without_audio_and_without_plot():
    p = ProcessorPanel(Chain(Compressor()), None, scheduler=ManualScheduler())
    assert p.plot is None and p.player is None
    assert "Chain" in p.settings_text.value


def test_render_failure_is_shown_not_raised(clip, monkeypatch):
    clock = ManualScheduler()
    p = make(Compressor(), clip, clock)

    def boom(*_):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Compressor, "process_with_trace", boom)
    p.set("ratio", 2.0)
    clock.advance(1.0)
    assert "disk on fire" in p.message.value


def test_response_plot_draws_a_notch_at_its_true_depth():
    from studio.processors.filters import Notch
    from studio.widgets.plots import ResponsePlot

    plot = ResponsePlot(Notch(freq_hz=60.0, q=10.0), SR)
    y = np.array(plot.figure.data[-1].y)
    x = np.array(plot.figure.data[-1].x)
    assert 60.0 in x and y.min() < -100  # not the -18 dB of the nearest grid point
    plot.update_fast(Notch(freq_hz=1234.5, q=10.0))
    assert 1234.5 in np.array(plot.figure.data[-1].x)


def test_log_readouts_never_use_scientific_notation():
    from studio.processors.filters import LowPass

    slider = control_for(LowPass.spec("freq_hz"), 12000.0)
    assert slider.readout_format == ".3s"  # "12.0k", not "1.200e+4"
