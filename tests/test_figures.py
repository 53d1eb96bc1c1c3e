"""Static analysis figures draw from real results."""

import numpy as np
import pytest

import studio
from studio.analysis import long_term_spectrum, spectrogram, vectorscope
from studio.widgets.figures import (
    correlation_figure,
    spectrogram_figure,
    spectrum_figure,
    vectorscope_figure,
)

SR = 48000


def stereo_noise(seconds=4.0):
    rng = np.random.default_rng(3)
    mid = rng.standard_normal(int(SR * seconds)) * 0.1
    side = rng.standard_normal(int(SR * seconds)) * 0.03
    return studio.Audio(np.stack([mid + side, mid - side]), SR, "noise")


def test_spectrum_figure_overlays_each_signal():
    a = stereo_noise()
    fig = spectrum_figure(long_term_spectrum(a), long_term_spectrum(a.to_mono()))
    assert len(fig.data) == 2 and fig.layout.xaxis.type == "log"
    assert np.nanmin(fig.data[0].x) >= 20.0


def test_spectrogram_and_vectorscope_and_correlation():
    a = stereo_noise()
    assert spectrogram_figure(spectrogram(a)).data[0].type == "heatmap"
    scope = vectorscope(a)
    fig = vectorscope_figure(scope)
    # mostly mid content: the cloud is taller than it is wide
    assert np.std(fig.data[0].y) > 2 * np.std(fig.data[0].x)
    m = studio.measure(a)
    fig = correlation_figure(m)
    assert len(fig.data) == 2 and np.nanmax(fig.data[0].y) <= 1.0


def loud_then_quiet():
    rng = np.random.default_rng(5)
    n = int(SR * 12.0)
    env = np.where(np.arange(n) < n // 2, 0.3, 0.05)
    return studio.Audio(np.stack([rng.standard_normal(n) * env] * 2), SR, "two halves")


def test_loudness_figure_draws_both_curves_and_labels_clear_of_them():
    from studio.widgets.plots import loudness_figure

    m = studio.measure(loud_then_quiet())
    fig = loudness_figure(m, target_lufs=-14.0)
    names = [trace.name for trace in fig.data]
    assert names == ["momentary (400 ms)", "short-term (3 s)"]
    for trace, values in zip(fig.data, (m.momentary_lufs, m.short_term_lufs), strict=True):
        assert len(trace.y) == len(values) and np.nanmax(trace.y) > -40  # real data drawn
    lines = {round(shape.y0, 1): shape.line.dash for shape in fig.layout.shapes}
    assert lines == {round(m.integrated_lufs, 1): "dash", -14.0: "dot"}
    texts = {a.text: a for a in fig.layout.annotations}
    assert set(texts) == {f"integrated {m.integrated_lufs:.1f} LUFS", "target -14 LUFS"}
    for label in texts.values():  # in the right margin, beside the plot: never on a curve
        assert label.xref == "paper" and label.x >= 1.0 and label.xanchor == "left"
    assert fig.layout.margin.r >= 150


def test_loudness_figure_y_range_is_fixed_and_sane():
    from studio.widgets.plots import loudness_figure

    m = studio.measure(loud_then_quiet())
    low, high = loudness_figure(m).layout.yaxis.range
    assert low % 6 == 0 and high % 6 == 0 and 12 <= high - low <= 60
    assert high > np.nanmax(m.momentary_lufs)  # the loudest moment fits
    assert low < np.nanmin(m.short_term_lufs[np.isfinite(m.short_term_lufs)])
    low2, high2 = loudness_figure(m, target_lufs=-9.0).layout.yaxis.range
    assert high2 >= -9.0 + 2  # a target above the music is still in view


def test_loudness_figure_refuses_a_target_that_is_not_a_number():
    from studio.errors import ParameterError
    from studio.widgets.plots import loudness_figure

    m = studio.measure(loud_then_quiet())
    with pytest.raises(ParameterError, match="target_lufs must be finite"):
        loudness_figure(m, target_lufs=float("nan"))


def test_close_lines_get_labels_that_do_not_overlap():
    from studio.widgets.plots import loudness_figure

    m = studio.measure(loud_then_quiet())
    fig = loudness_figure(m, target_lufs=round(m.integrated_lufs, 1) + 0.5)
    shifts = sorted(a.yshift for a in fig.layout.annotations)
    assert shifts == [-8, 8]
