"""The preview engine: renders, reuse, loudness offsets, automation in the passage."""

import numpy as np
import pytest

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.errors import AudioDataError
from studio.preview import Preview, loudness_offset_db, render_full
from studio.processors import (
    Chain,
    Compressor,
    EQBand,
    Gain,
    HighPass,
    ParametricEQ,
    SampleRateConverter,
    TiltEQ,
    registered_processors,
)

SR = 48000


def song(seconds=12.0, channels=2, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    x = 0.2 * rng.standard_normal((channels, t.size)) * (1 + np.sin(2 * np.pi * 0.5 * t))
    return Audio(x.astype(np.float32), SR, "song")


def five_stages(last_gain_db=0.0):
    return Chain(
        HighPass(freq_hz=60.0),
        ParametricEQ(bands=[EQBand("peak", 300.0, -4.0, 1.0)]),
        Compressor(threshold_db=-24.0),
        TiltEQ(tilt_db=1.0),
        Gain(gain_db=last_gain_db),
    )


def test_a_take_is_the_processed_passage():
    audio = song()
    preview = Preview(audio, start_s=2.0, duration_s=4.0)
    comp = Compressor(threshold_db=-30.0)
    take = preview.render(comp)
    expected, trace = comp.process_with_trace(audio.segment(2.0, 6.0).samples, SR)
    np.testing.assert_allclose(take.audio.samples, expected, atol=1e-6)
    np.testing.assert_allclose(take.trace_db, trace, atol=1e-6)
    assert take.audio.sr == SR and take.reused == "nothing"


def test_equal_settings_come_from_the_cache():
    preview = Preview(song(), 0.0, 4.0)
    first = preview.render(Compressor(ratio=3.0))
    again = preview.render(Compressor(ratio=3.0))
    assert again.reused == "cache" and again.render_ms == 0.0
    np.testing.assert_array_equal(again.audio.samples, first.audio.samples)


def test_moving_the_last_stage_re_renders_only_that_stage():
    audio = song()
    preview = Preview(audio, 0.0, 4.0)
    preview.render(five_stages(0.0))
    take = preview.render(five_stages(-3.0))
    assert take.reused == "prefix 4"
    expected = five_stages(-3.0).process(audio.segment(0.0, 4.0).samples, SR)
    np.testing.assert_allclose(take.audio.samples, expected, atol=1e-6)
    # a bypass switch in the middle re-renders from that stage on
    bypassed = five_stages(-3.0).replace(("processors", 2, "bypass"), True)
    take = preview.render(bypassed)
    assert take.reused == "prefix 2"
    expected = bypassed.process(audio.segment(0.0, 4.0).samples, SR)
    np.testing.assert_allclose(take.audio.samples, expected, atol=1e-6)


def test_a_blend_move_reuses_the_wet_render():
    audio = song()
    preview = Preview(audio, 0.0, 4.0)
    comp = Compressor(threshold_db=-30.0, ratio=8.0)
    preview.render(comp.replace(mix_pct=60.0))
    take = preview.render(comp.replace(mix_pct=35.0))
    assert take.reused == "wet"
    expected = comp.replace(mix_pct=35.0).process(audio.segment(0.0, 4.0).samples, SR)
    np.testing.assert_allclose(take.audio.samples, expected, atol=1e-6)


@pytest.mark.parametrize(
    "cls",
    [c for c in registered_processors().values() if c.capabilities.blend],
    ids=lambda c: c.__name__,
)
def test_declared_blends_sound_exactly_like_the_processor(cls):
    """A blend declaration is a promise the engine relies on: check it for every class."""
    audio = song(seconds=2.0, channels=2 if cls.accepts_channels != (1,) else 1)
    preview = Preview(audio, 0.0, 2.0)
    proc = cls()
    rng = np.random.default_rng(4)
    for _ in range(3):
        changes = {}
        for name in cls.capabilities.blend:
            lo, hi = cls.spec(name).range_at(SR)
            changes[name] = float(rng.uniform(lo, hi))
        moved = proc.replace(**changes)
        take = preview.render(moved)
        expected = moved.process(audio.samples, SR)
        np.testing.assert_allclose(take.audio.samples, expected, atol=2e-5, err_msg=str(changes))


def test_offsets_match_loudness():
    audio = song()
    preview = Preview(audio, 0.0, 6.0)
    quieter = preview.render(Gain(gain_db=-6.0))
    assert quieter.offset_db == pytest.approx(6.0, abs=0.01)
    assert quieter.lufs == pytest.approx(preview.dry_lufs - 6.0, abs=0.01)
    assert preview.offset_db(audio.segment(0.0, 6.0)) == pytest.approx(0.0, abs=1e-9)
    assert loudness_offset_db(-20.0, -np.inf) == 0.0  # silence cannot be matched


def test_the_passage_hears_the_song_automation():
    audio = song()
    ride = Gain(gain_db=Envelope([0.0, 12.0], [0.0, -24.0]))
    take = Preview(audio, start_s=6.0, duration_s=4.0).render(ride)
    whole = ride.process(audio.samples, SR)
    np.testing.assert_allclose(take.audio.samples, whole[:, 6 * SR : 10 * SR], rtol=1e-5)


def test_a_rate_change_plays_back_at_the_passage_rate():
    audio = song(seconds=3.0)
    take = Preview(audio, 0.0, 2.0).render(SampleRateConverter(target_sr=44100))
    assert take.audio.sr == SR and take.audio.n_frames == 2 * SR
    # what survives is the band below 22 kHz: a little quieter than the white-ish dry
    assert 0.0 < take.offset_db < 1.0


def test_the_cache_keeps_to_its_memory_budget():
    preview = Preview(song(), 0.0, 4.0, budget_mb=5.0)  # one 4 s stereo take is ~1.5 MB
    for gain in range(-12, 0):
        preview.render(Gain(gain_db=float(gain)))
    assert preview.cached_mb <= 5.0
    assert preview.render(Gain(gain_db=-1.0)).reused == "cache"  # the newest is kept


def test_bad_passages_are_plain_errors():
    with pytest.raises(AudioDataError, match="nothing to preview from 30 s"):
        Preview(song(seconds=2.0), start_s=30.0)
    with pytest.raises(AudioDataError, match="needs a studio.Audio"):
        Preview(np.zeros((1, 10)))


def test_render_full_reports_progress_per_stage():
    audio = song(seconds=2.0)
    seen = []
    out = render_full(five_stages(), audio, progress=lambda d, t, label: seen.append((d, t, label)))
    assert seen[0] == (0, 5, "HighPass") and seen[-1] == (5, 5, "done")
    np.testing.assert_allclose(out.samples, five_stages().process(audio.samples, SR), atol=1e-6)


def test_a_bypassed_resampler_changes_nothing_downstream():
    from studio.processors import SampleRateConverter

    audio = song(seconds=2.0)
    off = SampleRateConverter(target_sr=44100, bypass=True)
    take = Preview(audio, 0.0, 2.0).render(off)
    np.testing.assert_allclose(take.audio.samples, audio.samples, atol=1e-7)
    full = render_full(Chain(off), audio)
    assert full.sr == SR and full.n_frames == audio.n_frames
    eq = ParametricEQ(bands=[EQBand("peak", 1000.0, 6.0, 1.0)])
    np.testing.assert_allclose(
        Chain(off, eq).process(audio.samples, SR), eq.process(audio.samples, SR), atol=1e-6
    )


def test_a_trace_after_a_resampler_counts_the_new_rate_only():
    from studio.processors import Limiter, SampleRateConverter

    audio = song(seconds=1.0)
    chain = Chain(Compressor(), SampleRateConverter(target_sr=44100), Limiter())
    out, trace = chain.process_with_trace(audio.samples, SR)
    assert trace.shape == (out.shape[-1],) == (44100,)
    assert Preview(audio, 0.0, 1.0).render(chain).trace_db.shape == (44100,)


def test_nested_stages_trace_what_they_really_receive():
    from studio.processors import Branch, Parallel

    audio = song(seconds=2.0)
    quiet = Chain(Gain(gain_db=-30.0), Chain(Compressor(threshold_db=-20.0)))
    preview = Preview(audio, 0.0, 2.0)
    preview.render(quiet)
    nested = preview.trace_at(quiet, ("processors", 1, "processors", 0))
    assert np.max(np.abs(nested)) < 1e-9  # 30 dB down, the compressor never works
    loud = Parallel(branches=[Branch(Compressor(threshold_db=-40.0, ratio=8.0))])
    branch = preview.trace_at(loud, ("branches", 0, "processor"))
    direct = Compressor(threshold_db=-40.0, ratio=8.0).gain_change_db(audio.samples, SR)
    np.testing.assert_allclose(branch, direct, atol=1e-9)
    assert preview.trace_at(quiet, ("processors", 0)) is None  # a gain reports none


def test_multiband_traces_count_their_largest_reduction_in_a_chain():
    from studio.processors import MultibandCompressor

    audio = song(seconds=1.0)
    mb = MultibandCompressor()
    rows = mb.gain_change_db(audio.samples, SR)
    assert rows.shape[0] == 3
    _, trace = Chain(mb).process_with_trace(audio.samples, SR)
    np.testing.assert_allclose(trace, rows.min(axis=0))


def test_a_loudness_target_gives_the_passage_the_songs_gain():
    from studio.dsp.loudness import integrated_loudness
    from studio.mastering.loudness import LoudnessTarget

    rng = np.random.default_rng(3)
    t = np.arange(20 * SR) / SR
    x = 0.05 * rng.standard_normal((2, t.size)) * np.where(t < 10.0, 0.25, 1.0)
    audio = Audio(x.astype(np.float32), SR, "song")  # a quiet verse, then a loud chorus
    chain = Chain(HighPass(freq_hz=40.0), LoudnessTarget(target_lufs=-14.0))
    master = chain.process(audio.samples, SR)
    preview = Preview(audio, 2.0, 6.0)  # inside the quiet verse
    take = preview.render(chain)
    verse = master[:, 2 * SR : 8 * SR]
    # the verse as it is in the master (quieter than the target), not raised to -14 LUFS
    assert integrated_loudness(take.audio.samples, SR) == pytest.approx(
        integrated_loudness(verse, SR), abs=0.1
    )
    assert integrated_loudness(verse, SR) < -18.0
    # an upstream move: the analysis is reused, shifted by the passage's own change
    moved = chain.replace(processors=(Gain(gain_db=-3.0), *chain.processors))
    take = preview.render(moved)
    assert list(preview._songs) == [(HighPass(freq_hz=40.0),)]
    assert integrated_loudness(take.audio.samples, SR) == pytest.approx(
        integrated_loudness(moved.process(audio.samples, SR)[:, 2 * SR : 8 * SR], SR), abs=0.1
    )
