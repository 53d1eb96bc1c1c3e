"""Time-varying parameter values."""

import numpy as np
import pytest

from studio.dsp.control import Envelope, is_varying, resolve
from studio.errors import ParameterError


def test_envelope_linear_and_hold():
    env = Envelope([1.0, 3.0], [0.0, 10.0])
    np.testing.assert_allclose(env.render(5, sr=1), [0, 0, 5, 10, 10])
    hold = Envelope([0.0, 2.0], [1.0, 7.0], shape="hold")
    np.testing.assert_allclose(hold.render(4, sr=1), [1, 1, 7, 7])


def test_resolve_constant_array_envelope():
    assert resolve(3, 10, 48000) == 3.0
    assert resolve(np.full(10, 2.0), 10, 48000) == 2.0  # constant arrays collapse
    arr = resolve(np.arange(10.0), 10, 48000)
    assert isinstance(arr, np.ndarray) and len(arr) == 10
    assert len(resolve(Envelope([0, 1], [0, 1]), 100, 100)) == 100
    assert is_varying(Envelope([0], [1])) and not is_varying(2.0)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (np.zeros(5), "one value per frame"),
        (float("nan"), "finite"),
        (np.array([0.0, np.inf, 1.0]), "NaN or Inf"),
    ],
)
def test_resolve_errors(value, match):
    with pytest.raises(ParameterError, match=match):
        resolve(value, 3, 48000, name="gain_db")


def test_envelope_errors():
    with pytest.raises(ParameterError, match="equally long"):
        Envelope([0, 1], [1])
    with pytest.raises(ParameterError, match="backwards"):
        Envelope([1, 0], [1, 2])


@pytest.mark.parametrize("shape", ["linear", "smooth", "exponential", "hold"])
def test_render_through_a_function_equals_the_function_of_the_render(shape):
    # flat stretches (equal neighbours), a jump, ramps; a rate that splits them oddly
    env = Envelope([0.1, 0.4, 0.9, 0.9, 1.3, 2.0], [2.0, 2.0, 5.0, 1.0, 1.0, 3.0], shape=shape)
    sr = 1000

    def fn(v):
        return np.exp(np.asarray(v) * 0.3).astype(np.float32)

    plain = env.render(2500, sr)
    mapped = env.render(2500, sr, fn=fn, dtype=np.float32)
    assert mapped.dtype == np.float32
    np.testing.assert_array_equal(mapped, fn(plain))
    np.testing.assert_array_equal(plain, env.value_at(np.arange(2500) / sr))
