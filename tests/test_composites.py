"""Chain and Parallel: composites that are ordinary processors."""

from dataclasses import dataclass

import numpy as np
import pytest

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.processors import (
    Branch,
    Capabilities,
    Chain,
    Compressor,
    EQBand,
    Gain,
    Limiter,
    Parallel,
    ParametricEQ,
    Processor,
    Reverb,
    SampleRateConverter,
    TiltEQ,
)

SR = 48000


def noise(channels=1, seconds=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return 0.25 * rng.standard_normal((channels, int(seconds * SR)))


@dataclass(frozen=True)
class _LateByTen(Processor):
    """A test processor whose output comes out ten frames late (like a real-time plug-in)."""

    def _latency_frames(self, sr: int) -> int:
        return 10

    def _process(self, samples, sr):
        out = np.zeros_like(samples)
        out[:, 10:] = samples[:, :-10]
        return out


def test_chain_bypass_per_stage_hears_what_each_adds():
    x = noise()
    chain = Chain(Gain(gain_db=-6.0), TiltEQ(tilt_db=3.0), Gain(gain_db=+6.0))
    tilt_off = chain.replace(("processors", 1, "bypass"), True)
    np.testing.assert_allclose(tilt_off.process(x, SR), x, atol=1e-12)
    assert not np.allclose(chain.process(x, SR), x)
    assert chain.replace(bypass=True).process(x, SR) is not x
    np.testing.assert_array_equal(chain.replace(bypass=True).process(x, SR), x)
    assert "[bypassed]" in tilt_off.describe()


def test_chain_trace_sums_the_stages_gain_changes():
    x = noise(seconds=0.5) * 4
    comp = Compressor(threshold_db=-30.0, ratio=4.0)
    out, gain = Chain(Gain(gain_db=0.0), comp).process_with_trace(x, SR)
    ref_out, ref_gain = comp.process_with_trace(x, SR)
    np.testing.assert_allclose(out, ref_out)
    np.testing.assert_allclose(gain, ref_gain)


def test_parallel_null_test_against_the_dry_signal():
    """A neutral branch with lookahead and a linear-phase EQ cancels the dry input."""
    x = noise(2)
    neutral = Chain(
        Compressor(ratio=1.0, lookahead_ms=5.0),
        ParametricEQ(bands=[EQBand("peak", 1000.0, 0.0, 1.0)], phase="linear"),
        _LateByTen(),  # a branch that comes out late must be lined up too
    )
    par = Parallel(branches=[Branch(neutral)], mix_pct=100.0)
    out = par.process(x, SR)
    diff = out[:, :-10] - x[:, :-10]  # the late branch has nothing for its last frames
    assert 20 * np.log10(np.max(np.abs(diff)) + 1e-300) < -120.0


def test_parallel_compression_sums_dry_and_squashed_copy():
    x = noise(1) * 3
    squash = Compressor(threshold_db=-30.0, ratio=10.0, attack_ms=1.0)
    par = Parallel(branches=[Branch(Gain()), Branch(squash, gain_db=-6.0)])
    expected = x + 10 ** (-6.0 / 20) * squash.process(x, SR)
    np.testing.assert_allclose(par.process(x, SR), expected, atol=1e-9)


def test_parallel_mix_blends_dry_and_branches():
    x = noise(1)
    par = Parallel(branches=[Branch(Gain(gain_db=-6.0206))], mix_pct=50.0)
    np.testing.assert_allclose(par.process(x, SR), 0.5 * x + 0.5 * 0.5 * x, atol=1e-6)
    np.testing.assert_array_equal(Parallel.neutral().process(x, SR), x)


def test_parallel_spreads_a_mono_dry_part_beside_a_stereo_reverb():
    x = noise(1, seconds=0.5)
    par = Parallel(branches=[Branch(Gain()), Branch(Reverb(mix_pct=100.0), gain_db=-12.0)])
    out = par.process(x, SR)
    assert out.shape == (2, x.shape[1]) == (par.output_channels(1), x.shape[1])
    assert np.all(np.isfinite(out))


def test_parallel_muted_branches_are_silent_and_bypassed_ones_pass_the_input():
    x = noise(1)
    par = Parallel(branches=[Branch(Gain(), mute=True), Branch(Gain(bypass=True), gain_db=-6.0)])
    np.testing.assert_allclose(par.process(x, SR), 10 ** (-6 / 20) * x, atol=1e-12)


def test_parallel_refuses_branches_that_change_the_rate():
    par = Parallel(branches=[Branch(SampleRateConverter(target_sr=44100))])
    with pytest.raises(ParameterError, match="changes the sample rate"):
        par.process(noise(), SR)


def test_processors_refuse_non_finite_input_naming_themselves():
    x = noise(2)
    x[1, 4800] = np.nan
    for proc in (Gain(), Compressor(), Chain(Gain()), Parallel(branches=[Branch(Gain())])):
        name = type(proc).__name__
        with pytest.raises(AudioDataError, match=rf"{name}: .*1 samples .*channel 1 at 0\.100 s"):
            proc.process(x, SR)
    with pytest.raises(AudioDataError, match="Gain: .*infinite"):
        Gain()(Audio(np.full((1, 10), np.inf), SR))


def test_a_key_is_refused_by_processors_that_do_not_listen_to_one():
    with pytest.raises(ParameterError, match="Gain does not listen to a side-chain key"):
        Gain().process(noise(), SR, key=noise())
    Compressor().process(noise(), SR, key=noise())


def test_capabilities_are_declared_not_probed():
    assert Compressor.capabilities == Capabilities(
        draws="transfer", trace=True, sidechain=True, blend=("mix_pct",)
    )
    assert ParametricEQ.capabilities.draws == "response"
    assert Limiter.capabilities.trace and not Limiter.capabilities.sidechain
    assert SampleRateConverter.capabilities.changes_rate
    assert Chain(SampleRateConverter(target_sr=44100)).changes_rate
