"""dB converters (studio.dsp.units): values, silence, dtypes; and nobody else has them."""

import pathlib
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import studio.analysis
import studio.dsp
from studio.dsp.units import db_to_gain, db_to_power, gain_to_db, power_to_db


def test_known_values():
    assert db_to_gain(20.0) == pytest.approx(10.0)
    assert db_to_gain(-6.0206) == pytest.approx(0.5, rel=1e-5)
    assert db_to_power(10.0) == pytest.approx(10.0)
    assert gain_to_db(0.1) == pytest.approx(-20.0)
    assert gain_to_db(-0.1) == pytest.approx(-20.0)  # the magnitude's level
    assert power_to_db(100.0) == pytest.approx(20.0)


def test_silence_is_minus_inf_both_ways_without_a_warning():
    with np.errstate(all="raise"):
        assert gain_to_db(0.0) == -np.inf
        assert power_to_db(0.0) == -np.inf
        np.testing.assert_array_equal(gain_to_db(np.zeros(3)), -np.inf)
    assert db_to_gain(-np.inf) == 0.0
    assert db_to_power(-np.inf) == 0.0


@given(st.floats(-200.0, 200.0))
def test_round_trips(db):
    assert gain_to_db(db_to_gain(db)) == pytest.approx(db, abs=1e-9)
    assert power_to_db(db_to_power(db)) == pytest.approx(db, abs=1e-9)
    assert db_to_gain(db) ** 2 == pytest.approx(db_to_power(db), rel=1e-12)


def test_types_follow_the_input():
    assert type(db_to_gain(-6.0)) is float and type(gain_to_db(0.5)) is float
    f32 = np.array([-6.0, 0.0, 6.0], dtype=np.float32)
    assert db_to_gain(f32).dtype == np.float32
    assert db_to_power(f32).dtype == np.float32
    assert db_to_gain(np.array([0, 6])).dtype == np.float64  # integers become float64
    assert db_to_gain(np.float64(-6.0), dtype=np.float32).dtype == np.float32
    np.testing.assert_allclose(db_to_gain(f32), 10 ** (f32.astype(float) / 20), rtol=1e-6)


def test_the_converters_are_not_written_out_anywhere_else():
    """dsp and analysis convert through studio.dsp.units (compiled kernels aside)."""
    inline = re.compile(
        r"10(\.0)? ?\*\* ?\(|np\.power\(10|(10|20)(\.0)? ?\* ?(np\.|math\.)?log10\("
    )
    folders = [pathlib.Path(m.__file__).parent for m in (studio.dsp, studio.analysis)]
    found = []
    for folder in folders:
        for source in folder.glob("*.py"):
            if source.name == "units.py" or source.name.endswith("_kernels.py"):
                continue
            for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#")[0]
                if inline.search(code) and ">>>" not in code and "``" not in code:
                    found.append(f"{source.name}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
