"""netinv.display.format_number: known values, every kind of input, never exponent notation in the
ordinary range."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.display import format_number


@pytest.mark.parametrize(("value", "text"), [
    (10750.3, "10,750"), (1075.2, "1,075"), (107.53, "107.5"), (10.75, "10.75"), (1.0753, "1.075"),
    (0.0054, "0.0054"), (0.000123456, "0.0001235"), (-84.13, "-84.13"), (-211.4, "-211.4"),
    (2.0, "2"), (0.5, "0.5"), (0.0, "0"), (-0.0, "0"), (9999.7, "10,000"), (1234567.8, "1,234,568"),
    (np.float32(14513.25), "14,513"), (np.float64(0.95), "0.95"),
])
def test_floats_read_plain(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (float("nan"), "-"), (float("inf"), "inf"), (-float("inf"), "-inf"), (12, "12"),
    (10750, "10,750"), (np.int64(-3000), "-3,000"), (True, "True"), ("store_1", "store_1"),
    (3e-9, "3.000e-09"), (2e16, "2.000e+16"),
])
def test_other_inputs(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(("value", "decimals", "text"), [
    (0.95, 4, "0.9500"), (14513.123, 3, "14,513.123"), (10750.25, 1, "10,750.2"), (-0.00001, 2, "0.00"),
    (-1.5, 2, "-1.50"),
])
def test_fixed_decimals(value, decimals, text):
    assert format_number(value, decimals=decimals) == text


def test_no_exponent_in_the_ordinary_range():
    """From 1e-6 to 1e15, over every magnitude and sign, the text has no exponent and reads back to the
    value within its last shown digit."""
    rng = np.random.default_rng(0)
    values = rng.choice([-1, 1], 2000) * 10 ** rng.uniform(-6, 14.9, 2000)
    for value in values:
        text = format_number(float(value))
        assert "e" not in text, (value, text)
        assert float(text.replace(",", "")) == pytest.approx(value, rel=1e-3), (value, text)
