"""netinv.network.formats.yaml_json: the scenario document as YAML or JSON."""

from __future__ import annotations

import json

import pytest
import yaml

from netinv.errors import ScenarioFileError
from netinv.network.formats.yaml_json import (
    YAML_LOADER,
    check_yaml_events,
    read_json,
    read_yaml,
    write_json,
    write_yaml,
)
from netinv.network.validate import graph_to_document
from tests.network.helpers import tiny


def test_writers_give_the_scenario_document(tmp_path):
    graph = tiny()
    assert yaml.load(write_yaml(graph, "n.yaml"), Loader=YAML_LOADER) == graph_to_document(graph)
    assert json.loads(write_json(graph, "n.json")) == graph_to_document(graph)
    path = tmp_path / "n.yaml"
    path.write_text(write_yaml(graph, str(path)), encoding="utf-8")
    assert read_yaml(path) == graph_to_document(graph)


def test_malformed_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nnodes: [a, b\n", encoding="utf-8")
    with pytest.raises(ScenarioFileError, match=r"bad\.yaml: line \d+, column \d+: malformed YAML: "):
        read_yaml(path)


def test_malformed_json_names_the_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"name": "x",\n "nodes": [}\n', encoding="utf-8")
    with pytest.raises(ScenarioFileError, match=r"bad\.json: line 2, column 12: malformed JSON: "):
        read_json(path)


def test_yaml_nesting_is_checked_before_building():
    with pytest.raises(ScenarioFileError, match=r"^f\.yaml: line 1, column 101: lists and mappings nested more"):
        check_yaml_events("[" * 101 + "]" * 101, "f.yaml")
    check_yaml_events("[" * 100 + "]" * 100, "f.yaml")

