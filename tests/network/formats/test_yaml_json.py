"""netinv.network.formats.yaml_json: the scenario document as YAML or JSON."""

from __future__ import annotations

import json

import pytest
import yaml

from netinv.errors import InvalidNetworkError, ScenarioFileError
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



def test_a_key_given_twice_is_refused_naming_it_and_both_lines(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text("name: n\nnodes:\n  - id: a\n    holding_cost: 1\n    holding_cost: 2\nedges: []\n")
    with pytest.raises(ScenarioFileError, match=r"n\.yaml: line 5, column 5: .*key 'holding_cost' given twice in "
                       r"one mapping \(first on line 4\)"):
        read_yaml(path)
    path.write_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n")  # a merge key may be overridden
    assert read_yaml(path)["other"] == {"x": 3, "y": 2}


@pytest.mark.parametrize(("written", "read"), [("010", "010"), ("0x1F", "0x1F"), ("1_000", "1_000"), ("1:30", "1:30"),
                                                ("10", 10), ("-3", -3), ("0", 0), ("+7", 7)])
def test_only_plain_decimal_integers_are_numbers(tmp_path, written, read):
    """YAML 1.1 reads 010 as 8 and 1:30 as 90: an id '010' must stay as written, and a number field written
    so is refused, never read as another number."""
    path = tmp_path / "n.yaml"
    path.write_text(f"value: {written}\n")
    assert read_yaml(path) == {"value": read}


def test_id_010_is_kept_as_written_and_lead_time_010_is_refused(tmp_path):
    from netinv.network import load

    path = tmp_path / "n.yaml"
    path.write_text("name: n\nnodes:\n  - {id: 010}\n  - {id: 10}\nedges:\n  - {source: 010, target: 10, lead_time: 2}\n")
    assert sorted(load(path).edges) == [("010", "10")]
    path.write_text(path.read_text().replace("lead_time: 2", "lead_time: 02"))
    with pytest.raises(InvalidNetworkError, match="edge '010' -> '10': lead_time: must be an integer, got '02'"):
        load(path)


def test_integers_have_at_most_300_digits(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text("a: " + "9" * 300 + "\n")
    assert read_yaml(path) == {"a": int("9" * 300)}
    path.write_text("a: 1\nb: " + "9" * 301 + "\n")
    with pytest.raises(ScenarioFileError, match="line 2, column 4: .*an integer of 301 digits; the limit is 300"):
        read_yaml(path)


def test_aliases_are_counted_expanded():
    """Ten levels of ten aliases stand for 1e10 values: refused on the event stream, at once; a few
    aliases are fine and counted with their anchor's size."""
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdefghi", "bcdefghij"))
    with pytest.raises(ScenarioFileError, match=r"f\.yaml: line \d+, .*more than 2,000,000 values once aliases are "
                       "expanded"):
        check_yaml_events(laughs, "f.yaml")
    check_yaml_events("d: &d {distribution: poisson, mean: 5}\nnodes: [{demand: *d}, {demand: *d}]\n", "f.yaml")
