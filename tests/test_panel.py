"""Generated panels, driven without a browser (widgets work in plain pytest).

What a learner hears is checked by decoding what the panel sends to the player and
comparing it with the processor's own output on the preview passage.
"""

import math

import numpy as np
import pytest

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.processors import (
    Branch,
    Chain,
    Compressor,
    EQBand,
    Gain,
    HighPass,
    Parallel,
    ParametricEQ,
    Reverb,
    TiltEQ,
)
from studio.widgets.controls import control_for
from studio.widgets.panel import KEPT, ORIGINAL, PROCESSED, ProcessorPanel
from studio.widgets.timing import ManualScheduler

SR = 48000
# what the 16-bit transport can keep of a signal peaking near full scale
PCM16_TOL = 2.0 / 32767


@pytest.fixture
def clip():
    t = np.arange(2 * SR) / SR
    env = np.where((t % 0.5) < 0.25, 0.9, 0.1)
    return Audio(np.stack([np.sin(2 * np.pi * 220 * t) * env] * 2), SR, "test clip")


def make(proc, audio, clock=None, **options):
    return ProcessorPanel(
        proc, audio, preview_s=2.0, scheduler=clock or ManualScheduler(), **options
    )


def heard(panel, side=PROCESSED):
    """The float samples the browser rebuilds for one side of the panel's player."""
    return panel.player.decoded(side)


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
    # a frequency that must stay below Nyquist follows the rate
    top48 = 10 ** control_for(EQBand.spec("freq_hz"), sr=48000).max
    top96 = 10 ** control_for(EQBand.spec("freq_hz"), sr=96000).max
    assert 20000 < top48 < 24000 < top96 < 48000


def test_every_value_gets_a_control_named_by_its_path(clip):
    p = make(ParametricEQ(), clip)
    assert ("bands", 1, "gain_db") in p.controls
    assert len(p.controls) == 4 * len(EQBand.specs()) + len(ParametricEQ.specs())
    c = make(Compressor(), clip)
    assert set(c.controls) == {(s.name,) for s in Compressor.specs()}
    assert "studio-panel-Compressor" in c._dom_classes


def test_what_the_player_plays_is_the_processor_output_on_the_passage(clip):
    comp = Compressor(threshold_db=-30.0, ratio=6.0)
    p = make(comp, clip, start_s=0.5)
    passage = clip.segment(0.5, 2.5).samples
    np.testing.assert_allclose(heard(p, ORIGINAL), passage, atol=PCM16_TOL)
    np.testing.assert_allclose(heard(p), comp.process(passage, SR), atol=PCM16_TOL)
    # the browser's checksum of the same samples is what the kernel computed
    assert p.player.checksum(PROCESSED) == p.player.checksum(PROCESSED)


def test_slider_move_updates_curve_at_once_and_audio_after_debounce(clip):
    clock = ManualScheduler()
    p = make(ParametricEQ(), clip, clock)
    version = p.player.side(PROCESSED).version
    total = p._plots[()].figure.trace("total")
    before = total.y.copy()
    p.set("gain_db", -9.0, band=2)
    assert p.processor.bands[1].gain_db == -9.0
    assert not np.allclose(total.y, before)  # fast path ran at once
    assert p.player.side(PROCESSED).version == version  # audio waits for the debounce
    clock.advance(1.0)
    assert p.player.side(PROCESSED).version == version + 1
    expected = p.processor.process(clip.segment(0.0, 2.0).samples, SR)
    np.testing.assert_allclose(heard(p), expected, atol=PCM16_TOL)


def test_fast_drag_renders_audio_once(clip):
    clock = ManualScheduler()
    p = make(Compressor(), clip, clock)
    version = p.player.side(PROCESSED).version
    for thr in np.linspace(-10, -40, 30):
        p.set("threshold_db", float(thr))
        clock.advance(0.01)
    clock.advance(1.0)
    assert p.player.side(PROCESSED).version == version + 1
    assert p.processor.threshold_db == pytest.approx(-40.0)


def test_compressor_panel_shows_gain_change_and_matches_loudness(clip):
    p = make(Compressor(threshold_db=-30.0, ratio=8.0, makeup_db=0.0), clip)
    gain = p._plots[()].figure.trace("gain").y
    assert gain.min() < -10  # the loud half-notes are pulled down
    # compression made the processed side quieter: it plays as it is, the original is
    # turned down to match (never a side turned up)
    gains = p.player.playback_gains_db()
    assert p.take.loudness_db < -1.0
    assert gains[PROCESSED] == 0.0 and gains[ORIGINAL] < -1.0
    assert "Original is turned down" in p.player.status_text()


def test_sliders_stop_below_nyquist_at_the_rate_of_the_audio():
    low_rate = Audio(np.zeros((1, 16000)), 16000, "phone")
    p = make(ParametricEQ(bands=[EQBand("peak", 1000.0, 0.0, 1.0)]), low_rate)
    p.set("freq_hz", 12000.0, band=1)  # above Nyquist (8 kHz): the slider stops short
    assert 7900.0 < p.processor.bands[0].freq_hz < 8000.0 and p.message.value == ""


def test_a_refused_value_shows_a_message_and_keeps_the_settings(clip, monkeypatch):
    from studio.errors import ParameterError

    p = make(Compressor(), clip)

    def refuse(self, sr):
        if self.ratio > 10.0:
            raise ParameterError("Compressor: ratio (ratio) too high for this test")

    monkeypatch.setattr(Compressor, "check_rate", refuse)
    p.set("ratio", 12.0)
    assert "too high for this test" in p.message.value
    assert p.processor.ratio == Compressor().ratio
    p.set("ratio", 2.0)
    assert p.message.value == "" and p.processor.ratio == 2.0


def test_log_slider_ends_are_accepted(clip):
    p = make(Compressor(), clip)
    p.set("ratio", 10 ** np.log10(20.0))  # what a log slider sends for its top end
    assert p.message.value == "" and p.processor.ratio == 20.0


def test_reset_button_restores_default(clip):
    p = make(Compressor(), clip)
    p.set("ratio", 10.0)
    slider = p.controls[("ratio",)]
    row = next(w for w in _all_widgets(p) if slider in getattr(w, "children", ()))
    row.children[1].click()
    assert p.processor.ratio == Compressor().ratio


def test_a_chain_panel_moves_bypasses_and_compares(clip):
    clock = ManualScheduler()
    chain = Chain(HighPass(freq_hz=60.0), ParametricEQ(), Compressor(threshold_db=-24.0))
    p = make(chain, clip, clock)
    assert ("processors", 1, "bands", 2, "gain_db") in p.controls
    p.set(("processors", 1, "bands", 2, "gain_db"), -6.0)
    p.set(("processors", 2, "bypass"), True)
    clock.advance(1.0)
    assert p.processor.processors[2].bypass and p.take.reused.startswith("prefix")
    passage = clip.segment(0.0, 2.0).samples
    np.testing.assert_allclose(heard(p), p.processor.process(passage, SR), atol=PCM16_TOL)
    # keep this version as C, move on, and all three sides are there to switch between
    p.keep()
    kept = heard(p, KEPT).copy()
    p.set(("processors", 2, "bypass"), False)
    clock.advance(1.0)
    assert not np.allclose(heard(p), kept)
    np.testing.assert_array_equal(heard(p, KEPT), kept)
    for side in (ORIGINAL, PROCESSED, KEPT):
        p.player.active = side


def test_a_chain_panel_shows_the_picture_of_the_stage_in_view(clip):
    p = make(Chain(Gain(), Compressor(threshold_db=-30.0), TiltEQ()), clip)
    assert p._focus == ("processors", 0)  # Gain draws its flat response
    tabs = p._tabs[("processors",)]
    tabs.selected_index = 1
    assert p._focus == ("processors", 1)
    gain = p._plots[("processors", 1)].figure.trace("gain").y
    assert gain.min() < -3  # the compressor's own trace, from the chain's render


def test_a_parallel_panel_has_a_tab_per_branch(clip):
    par = Parallel(branches=[Branch(Gain()), Branch(Reverb(), gain_db=-12.0)], mix_pct=100.0)
    p = make(par, clip)
    assert ("branches", 1, "gain_db") in p.controls
    assert ("branches", 1, "processor", "decay_s") in p.controls
    passage = clip.segment(0.0, 2.0).samples
    np.testing.assert_allclose(heard(p), par.process(passage, SR), atol=PCM16_TOL)


def test_automated_values_are_shown_not_hidden(clip):
    p = make(Compressor(threshold_db=Envelope([0, 1], [-30, -20])), clip)
    assert ("threshold_db",) not in p.controls
    notes = [
        w.value for w in _all_widgets(p) if "studio-automated" in getattr(w, "_dom_classes", ())
    ]
    assert any("moves from -30 dB to -20 dB" in text for text in notes)


def test_panel_without_audio():
    p = ProcessorPanel(Chain(Compressor()), None, scheduler=ManualScheduler())
    assert p.player is None and p.preview is None
    assert "Chain" in p.settings_text.value and "<pre" not in p.settings_text.value


def test_render_failure_is_shown_not_raised(clip, monkeypatch):
    clock = ManualScheduler()
    p = make(Compressor(), clip, clock)

    def boom(*_, **__):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Compressor, "_process_with_trace", boom)
    p.set("ratio", 2.0)
    clock.advance(1.0)
    assert "disk on fire" in p.message.value


def test_render_full_shows_progress_and_is_cached(clip):
    p = make(Chain(Gain(gain_db=-6.0), TiltEQ(tilt_db=2.0)), clip)
    out = p.render_full()
    assert out.n_frames == clip.n_frames and p.result is out
    assert p.progress.value == p.progress.max == 2
    assert p.render_full() is out  # same settings: no new render


def test_response_plot_draws_a_notch_at_its_true_depth():
    from studio.processors.filters import Notch
    from studio.widgets.plots import ResponsePlot

    plot = ResponsePlot(Notch(freq_hz=60.0, q=10.0), SR)
    total = plot.figure.trace("total")
    assert 60.0 in total.x and total.y.min() < -100  # not the -18 dB of a grid point
    plot.update_fast(Notch(freq_hz=1234.5, q=10.0))
    assert np.any(np.isclose(total.x, 1234.5))


def test_log_readouts_never_use_scientific_notation():
    from studio.processors.filters import LowPass

    slider = control_for(LowPass.spec("freq_hz"), 12000.0)
    assert slider.readout_format == ".3s"  # "12.0k", not "1.200e+4"


def browser_sends(control, value):
    """Deliver a value as a comm message from the browser would (``set_state``)."""
    control.set_state({"value": value})


def js_round_trip(value: float) -> float:
    """A float rounding of ``value`` as the browser's echo has it: never equal."""
    return float(np.nextafter(value, math.inf))


@pytest.fixture
def eq_panel():
    from studio.processors.eq import ParametricEQ
    from studio.widgets.panel import ProcessorPanel
    from studio.widgets.timing import ManualScheduler

    t = np.arange(48000) / 48000
    clip = Audio(np.vstack([0.5 * np.sin(2 * np.pi * 220 * t)] * 2), 48000, "clip")
    clock = ManualScheduler()
    return ProcessorPanel(ParametricEQ(), clip, preview_s=1.0, scheduler=clock), clock


def test_panel_player_plays_the_processors_output_on_the_preview(eq_panel):
    panel, clock = eq_panel
    assert panel.processor.is_neutral()
    side = panel.player.side(PROCESSED)
    assert side.same_as == ORIGINAL and side.data == b""  # nothing sent twice
    panel.set("gain_db", -9.0, band=2)
    clock.advance(1.0)
    dry = panel.preview.dry
    expected = panel.processor.process(dry.samples, panel.sr)
    np.testing.assert_allclose(heard(panel, ORIGINAL), dry.samples, atol=PCM16_TOL)
    np.testing.assert_allclose(heard(panel), expected, atol=PCM16_TOL)


def test_echoes_of_the_current_values_render_nothing(eq_panel):
    panel, clock = eq_panel
    version, processor = panel.player.side(PROCESSED).version, panel.processor
    for control in panel.controls.values():
        value = control.value
        echo = js_round_trip(value) if isinstance(value, float) else value
        browser_sends(control, echo)
    clock.advance(1.0)
    assert panel.player.side(PROCESSED).version == version
    assert panel.processor == processor  # not even nudged by 1e-16


def test_late_echo_of_a_replaced_value_is_ignored_and_corrected(eq_panel):
    panel, clock = eq_panel
    version = panel.player.side(PROCESSED).version
    control = panel.controls[("bands", 1, "freq_hz")]
    panel.set("freq_hz", 300.0, band=2)  # code, before the browser drew the slider
    browser_sends(control, js_round_trip(400.0))  # the browser drew the old value
    assert panel.processor.bands[1].freq_hz == 300.0
    assert control.value == 300.0  # put back, so the browser shows what is used
    browser_sends(control, js_round_trip(300.0))  # then it got 300
    clock.advance(1.0)
    assert panel.processor.bands[1].freq_hz == 300.0
    assert panel.player.side(PROCESSED).version == version + 1  # one render, for the code's move


def test_real_moves_still_count(eq_panel):
    panel, clock = eq_panel
    control = panel.controls[("bands", 1, "freq_hz")]
    panel.set("freq_hz", 300.0, band=2)
    clock.advance(1.0)
    version = panel.player.side(PROCESSED).version
    browser_sends(control, 400.0)  # typed exactly: a move, even to an old value
    assert panel.processor.bands[1].freq_hz == 400.0
    browser_sends(control, 400.0 * (1 + 1e-6))  # dragged a hair: a move
    assert panel.processor.bands[1].freq_hz == pytest.approx(400.0004)
    clock.advance(1.0)
    assert panel.player.side(PROCESSED).version == version + 1


def _all_widgets(root):
    from studio.widgets.lifecycle import widget_tree

    return widget_tree(root)


def test_closing_a_panel_closes_every_plot_it_made_and_lets_go_of_audio(clip):
    clock = ManualScheduler()
    p = make(Chain(Gain(), Compressor(threshold_db=-30.0), TiltEQ()), clip, clock)
    p._tabs[("processors",)].selected_index = 1  # a second plot, not on screen any more
    p._tabs[("processors",)].selected_index = 2
    plots = [plot.figure for plot in p._plots.values()]
    assert len(plots) == 3
    p.set(("processors", 2, "tilt_db"), 2.0)  # a render is waiting
    p.close()
    clock.advance(1.0)  # the waiting render finds the panel closed and does nothing
    assert all(plot.comm is None for plot in plots)
    assert p.player.comm is None and p.player.side(PROCESSED).data == b""
    assert p.preview is None and p.take is None


def test_closing_a_panel_closes_the_layouts_of_plots_not_on_screen(clip):
    from studio.widgets.lifecycle import widget_tree

    p = make(Chain(Gain(), Compressor(threshold_db=-30.0)), clip)
    p._tabs[("processors",)].selected_index = 1
    hidden = p._plots[("processors", 0)].figure  # made, then replaced on screen
    parts = widget_tree(hidden)
    p.close()
    assert all(w.comm is None for w in parts)


def test_a_bypassed_stage_draws_no_gain_change(clip):
    clock = ManualScheduler()
    p = make(Chain(Gain(), Compressor(threshold_db=-30.0, ratio=8.0)), clip, clock)
    p._tabs[("processors",)].selected_index = 1
    gain = p._plots[("processors", 1)].figure.trace("gain")
    assert gain.y.min() < -3.0
    p.set(("processors", 1, "bypass"), True)
    clock.advance(1.0)
    assert np.all(gain.y == 0.0)


def test_compared_sides_are_loudness_matched_too(clip):
    louder = clip.with_samples(clip.samples * 10 ** (6 / 20))
    p = make(Gain(), clip, compare={"reference": louder})
    assert p.player.side("reference").loudness_db == pytest.approx(6.0, abs=0.05)
    assert "Reference is turned down 6.0 dB" in p.player.status_text()


def test_close_called_directly_closes_everything_it_holds(clip):
    from studio.widgets.lifecycle import widget_tree

    p = make(Chain(HighPass(), ParametricEQ()), clip)
    parts = widget_tree(p)
    p.close()
    assert sum(w.comm is not None for w in parts) == 0
