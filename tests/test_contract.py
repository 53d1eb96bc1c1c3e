"""The contract every processor keeps, checked on all of them at once.

Finite in, finite out; shape kept; input untouched; neutral settings are identity
(where a processor can be neutral; mono-in, stereo-out processors then return the input
on both sides); any values drawn from the declared ranges give
finite output; impossible values give a plain error; presets round-trip; a panel can be
generated with a control for every parameter.
"""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import studio.mastering
from studio.dsp.control import Envelope
from studio.errors import ParameterError, StudioError
from studio.processors.base import Chain, processor_from_dict, registered_processors
from studio.widgets.panel import ProcessorPanel
from studio.widgets.timing import ManualScheduler

studio.mastering.load_classes()  # the mastering stage's processors keep the contract too

SR = 48000
CLASSES = sorted(
    (cls for name, cls in registered_processors().items() if cls is not Chain),
    key=lambda c: c.__name__,
)
IDS = [c.__name__ for c in CLASSES]


def channel_counts(cls):
    return cls.accepts_channels or (1, 2, 6)


def signal(channels, frames=4800, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, (channels, frames)).astype(dtype)


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_defaults_finite_shape_and_input_untouched(cls):
    proc = cls()
    for ch in channel_counts(cls):
        for dtype in (np.float32, np.float64):
            x = signal(ch, dtype=dtype)
            before = x.copy()
            y = proc.process(x, SR)
            assert y.shape == (proc.output_channels(ch), proc.output_frames(x.shape[1], SR))
            assert y.dtype == dtype, f"{cls.__name__} changed dtype {dtype} -> {y.dtype}"
            assert np.all(np.isfinite(y))
            np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize(
    "cls", [c for c in CLASSES if c.identity_when_neutral], ids=lambda c: c.__name__
)
def test_neutral_is_identity(cls):
    proc = cls.neutral()
    assert proc.is_neutral()
    for ch in channel_counts(cls):
        x = signal(ch, seed=ch)
        out_ch = proc.output_channels(ch)
        # a mono-in, stereo-out processor is neutral when it puts the input on both sides
        expected = x if out_ch == ch else np.repeat(x, out_ch, axis=0)
        np.testing.assert_allclose(proc.process(x, SR), expected, atol=1e-7, rtol=0)


def number_strategy(spec):
    lo, hi = spec.range_at(SR)
    if spec.scale == "log":
        return st.floats(math.log10(lo), math.log10(hi)).map(
            lambda e, lo=lo, hi=hi: min(max(10.0**e, lo), hi)
        )
    return st.floats(lo, hi)


def values_strategy(cls, depth=0):
    """Values for every field of ``cls``: numbers in range at SR, choices, and nested items."""
    fields = {}
    for spec in cls.specs():
        if spec.kind == "choice":
            fields[spec.name] = st.sampled_from(spec.choices)
        elif spec.kind == "bool":
            fields[spec.name] = st.booleans()
        else:
            fields[spec.name] = number_strategy(spec)
    for name, item_type in cls.item_fields().items():
        if item_type.__name__ == "Processor" or depth > 1:
            continue  # composites are fuzzed in their own tests
        items = values_strategy(item_type, depth + 1).map(lambda v, t=item_type: t(**v))
        low, high = cls.item_count(name)
        lists = st.lists(items, min_size=low, max_size=5 if high is None else high)
        if any(f.name == "name" for f in dataclasses.fields(item_type)):
            # items addressed by name (a rack's modules) must have names of their own
            lists = lists.map(
                lambda got: [
                    dataclasses.replace(it, name=f"{it.name}_{i}") for i, it in enumerate(got)
                ]
            )
        fields[name] = lists
    return st.fixed_dictionaries(fields)


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_any_declared_values_give_finite_output(cls):
    tried, accepted = [0], [0]

    @settings(max_examples=40)
    @given(values=values_strategy(cls))
    def check(values):
        tried[0] += 1
        try:
            proc = cls(**values)
            proc.check_rate(SR)
        except ParameterError:
            return  # combinations a processor refuses with a plain message are fine
        accepted[0] += 1
        ch = channel_counts(cls)[-1 if len(channel_counts(cls)) == 1 else 1]
        y = proc.process(signal(ch, frames=2400), SR)
        assert np.all(np.isfinite(y))

    check()
    # a strategy whose every example is refused tests nothing
    assert accepted[0] >= tried[0] // 4, f"{cls.__name__}: {accepted[0]} of {tried[0]} accepted"


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_every_continuous_parameter_can_move(cls):
    """At any depth: a constant envelope sounds like the number; a moving one stays finite."""
    ch = channel_counts(cls)[-1 if len(channel_counts(cls)) == 1 else 1]
    x = signal(ch, frames=4800, seed=3)
    base = cls()
    plain = base.process(x, SR)
    for leaf in base.leaves():
        spec, where = leaf.spec, f"{cls.__name__}.{'.'.join(map(str, leaf.path))}"
        if not spec.can_move:
            continue
        try:
            steady = base.replace(leaf.path, Envelope([0.0], [leaf.value]))
        except ParameterError:
            continue  # this setting cannot move here, and says so plainly
        np.testing.assert_allclose(steady.process(x, SR), plain, atol=1e-6, err_msg=where)
        lo, hi = spec.range_at(SR)
        ramp = Envelope([0.0, 0.08], [lo, hi], shape="exponential" if lo > 0 else "linear")
        try:
            moving = base.replace(leaf.path, ramp)
            moving.check_rate(SR)
        except ParameterError:
            continue  # a combination this processor refuses with a plain message
        y = moving.process(x, SR)
        assert y.shape == plain.shape, where
        assert np.all(np.isfinite(y)), where
        silenced = any(  # a bypassed stage is described as bypassed, not setting by setting
            getattr(moving.get(leaf.path[:k]), "bypass", False) for k in range(1, len(leaf.path))
        )
        assert silenced or "moves from" in moving.describe(), where
        moving.at(0.04).describe()  # the settings at one moment, for the plots


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_impossible_values_are_refused_plainly(cls):
    for spec in cls.specs():
        bad = (
            ["not a number"] if spec.kind != "number" else [float("nan"), spec.lo - 1, spec.hi + 1]
        )
        if spec.kind == "number" and spec.scale == "log":
            bad.append(0.0 if spec.lo > 0 else -1.0)
        for value in bad:
            with pytest.raises(ParameterError, match=rf"{cls.__name__}.*{spec.name}"):
                cls(**{spec.name: value})


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_preset_round_trip_and_describe(cls):
    proc = cls()
    assert processor_from_dict(proc.to_preset()) == proc
    text = proc.describe()
    for spec in cls.specs():
        if spec.name != "bypass":  # mentioned only when on
            assert spec.label in text
    assert "bypassed" in proc.replace(bypass=True).describe()


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_a_panel_is_generated(cls):
    from studio.audio import Audio

    ch = channel_counts(cls)[-1 if len(channel_counts(cls)) == 1 else 1]
    audio = Audio(signal(ch, frames=SR), SR, "noise")
    try:
        panel = ProcessorPanel(cls(), audio, preview_s=1.0, scheduler=ManualScheduler())
    except StudioError as exc:  # pragma: no cover - shown if a processor cannot
        pytest.fail(f"no panel for {cls.__name__}: {exc}")
    own = {(s.name,) for s in cls.specs()}
    assert own <= set(panel.controls)
    assert panel.player is not None


@pytest.mark.parametrize(
    "cls", [c for c in CLASSES if c.capabilities.draws], ids=lambda c: c.__name__
)
def test_a_moving_setting_is_drawn_at_one_moment_and_refused_plainly_otherwise(cls):
    base = cls()
    leaf = next((leaf for leaf in base.leaves() if leaf.spec.can_move), None)
    if leaf is None:
        pytest.skip(f"{cls.__name__} has nothing that moves")
    lo, hi = leaf.spec.range_at(SR)
    moving = base.replace(leaf.path, Envelope([0.0, 1.0], [lo, hi]))
    draw = {
        "response": lambda p: p.response_db(np.array([100.0, 1000.0]), SR),
        "transfer": lambda p: p.transfer_curve(np.array([-40.0, -10.0])),
        "curves": lambda p: p.curves(SR),
    }[cls.capabilities.draws]
    with pytest.raises(ParameterError, match=r"moves over time.*\.at\(t_s\)"):
        draw(moving)
    draw(moving.at(0.5))  # the settings at one moment draw as usual


def compiled_variants():
    """How many typed variants every compiled loop of the studio has (numba dispatchers)."""
    import sys

    total = 0
    for name, module in list(sys.modules.items()):
        if name.startswith("studio.") and module is not None:
            for obj in vars(module).values():
                if hasattr(obj, "signatures") and hasattr(obj, "py_func"):
                    total += len(obj.signatures)
    return total


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_a_slice_of_longer_audio_compiles_nothing_new(cls):
    # x[:, a:b] of multichannel audio is not contiguous; the processor copies it, so
    # its compiled loops see the type they always see and the sound is the same
    from studio.audio import Audio

    channels = max(channel_counts(cls)[:2])
    longer = signal(channels, 9600, dtype=np.float32)
    whole = Audio(longer[:, 1000:5800].copy(), SR)
    part = Audio(longer[:, 1000:5800], SR)
    assert channels == 1 or not part.samples.flags.c_contiguous
    proc = cls()
    expected = proc(whole).samples
    before = compiled_variants()
    got = proc(part).samples
    assert compiled_variants() == before
    np.testing.assert_array_equal(got, expected)
