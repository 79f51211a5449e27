"""netinv.network.schema: the pydantic model of a scenario document and its field names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from netinv import attrs
from netinv.network.schema import EDGE_FIELDS, NODE_FIELDS, TOP_FIELDS, ScenarioDoc
from tests.network.helpers import DOC

ATTRIBUTE_NAMES = {value for key, value in vars(attrs).items() if key.isupper() and isinstance(value, str)}


def test_every_field_is_an_attribute_name_of_attrs():
    assert set(NODE_FIELDS) <= ATTRIBUTE_NAMES
    assert set(EDGE_FIELDS) <= ATTRIBUTE_NAMES
    assert set(TOP_FIELDS) - {"nodes", "edges"} <= ATTRIBUTE_NAMES
    assert "yield" in NODE_FIELDS and "yield_" not in NODE_FIELDS  # the alias, as written in files


def test_defaults_agree_with_attrs():
    node = ScenarioDoc.model_validate({"name": "x", "nodes": [{"id": "a"}]}).nodes[0]
    dumped = node.model_dump(by_alias=True)
    assert {key: dumped[key] for key in attrs.NODE_DEFAULTS} == attrs.NODE_DEFAULTS


def test_integer_ids_are_read_as_strings():
    doc = ScenarioDoc.model_validate({"name": "x", "nodes": [{"id": 7}], "edges": []})
    assert doc.nodes[0].id == "7"


def test_strict_numbers_and_unknown_keys():
    assert ScenarioDoc.model_validate(DOC).edges[0].lead_time == 3
    with pytest.raises(ValidationError):
        ScenarioDoc.model_validate({"name": "x", "nodes": [{"id": "a", "holding_cost": "1"}]})
    with pytest.raises(ValidationError):
        ScenarioDoc.model_validate({"name": "x", "nodes": [{"id": "a", "colour": "red"}]})
