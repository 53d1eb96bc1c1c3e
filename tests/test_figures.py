"""Static analysis figures draw from real results."""

import numpy as np

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
