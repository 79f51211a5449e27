"""netinv.network.messages: a pydantic ValidationError becomes (where, what) in the scenario's terms."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from netinv.network.messages import explain
from netinv.network.schema import ScenarioDoc
from tests.network.helpers import DOC


def _explain(edit):
    doc = copy.deepcopy(DOC)
    edit(doc)
    with pytest.raises(ValidationError) as error:
        ScenarioDoc.model_validate(doc)
    return explain(error.value, doc)


def test_bound_names_node_and_field():
    assert _explain(lambda d: d["edges"][0].update(lead_time=-2)) == (
        "edge 'supplier' -> 'dc'", "lead_time: must be >= 0, got -2")


def test_misspelled_key_gets_a_hint_and_is_one_problem():
    assert _explain(lambda d: d["nodes"][1].update(holding_cots=1.0)) == (
        "node 'dc'", "unknown key 'holding_cots' (did you mean 'holding_cost'?)")


def test_unknown_distribution():
    where, what = _explain(lambda d: d["nodes"][2]["demand"].update(distribution="norml"))
    assert where == "node 'north'"
    assert what.startswith("demand: unknown distribution 'norml' (expected one of normal, poisson")
    assert what.endswith("; did you mean 'normal'?)")


def test_demand_field_without_the_tag_in_its_path():
    assert _explain(lambda d: d["nodes"][2]["demand"].update(std="wide")) == (
        "node 'north'", "demand.std: must be a number, got 'wide'")


def test_more_problems_are_counted():
    def two(d):
        d["nodes"][1]["holding_cost"] = -1
        d["nodes"][2]["holding_cost"] = -1

    assert _explain(two) == ("node 'dc'", "holding_cost: must be >= 0, got -1 (and 1 more problem)")


def test_top_level_and_unnamed_items():
    assert _explain(lambda d: d.pop("name"))[0] is None
    assert _explain(lambda d: d["nodes"].append({"holding_cost": 1}))[0] == "nodes[4]"
