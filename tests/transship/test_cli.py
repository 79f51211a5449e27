"""``transship_command``: the JSON the CLI prints, and bad input as one-line errors."""

from __future__ import annotations

import json

import pytest

from netinv.errors import InputError
from netinv.transship.cli import transship_command
from tests.transship.conftest import DATA


def test_json_has_the_keys_of_the_issue():
    out = transship_command(DATA / "two_stores.yaml", samples=2_000, seed=1)
    json.dumps(out)  # JSON-ready
    assert set(out) == {"levels", "expected_cost", "stderr", "out_of_sample_cost", "transshipped", "value",
                        "single_period_saving"}
    assert set(out["levels"]) == {"store_a", "store_b"}
    assert set(out["transshipped"]) == {"store_a->store_b", "store_b->store_a"}
    assert set(out["value"]) == {"independent", "with_transshipment", "full_pooling"}
    value = out["value"]
    assert value["full_pooling"] <= value["with_transshipment"] <= value["independent"]
    assert value["with_transshipment"] == out["expected_cost"]
    saving = out["single_period_saving"]["full_pooling"]
    assert saving["per_period"] == pytest.approx(value["independent"] - value["full_pooling"])
    assert saving["percent"] == pytest.approx(100 * saving["per_period"] / value["independent"])
    assert abs(out["out_of_sample_cost"] - 62.09) < 4 * out["stderr"] + 1.0
    assert out == transship_command(DATA / "two_stores.yaml", samples=2_000, seed=1)  # deterministic


@pytest.mark.parametrize(("file", "expected"), [
    ("into_node_without_stock.yaml", ("transshipment edge 'store' -> 'dc'", "'dc' holds no stock")),
    ("negative_transshipment_cost.yaml", ("edge 'store_a' -> 'store_b'", "unit_cost", ">= 0")),
    ("transshipment_duplicated_as_supply.yaml", ("edge 'store_a' -> 'store_b'", "duplicate edge")),
])
def test_bad_input_is_a_one_line_error(file, expected):
    with pytest.raises(InputError) as info:
        transship_command(DATA / file, samples=100)
    message = str(info.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, message


def test_bad_samples_argument():
    with pytest.raises(InputError, match="samples must be an integer >= 2"):
        transship_command(DATA / "two_stores.yaml", samples=1)
