"""netinv.network.io: one load/save dispatcher by suffix; every format round-trips the same network."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from netinv.errors import InvalidNetworkError, ScenarioFileError
from netinv.network import graph_to_document, load, read_document, save
from netinv.network.io import SCENARIO_SUFFIXES
from tests.network.helpers import tiny


def test_suffixes():
    assert SCENARIO_SUFFIXES == (".yaml", ".yml", ".json", ".graphml", ".csv")


@pytest.mark.parametrize(("name", "fmt"), [("n.yaml", None), ("n.yml", None), ("n.json", None),
                                           ("n.graphml", None), ("links.json", "node-link")])
def test_every_format_round_trips(tmp_path, name, fmt):
    graph = tiny()
    path = save(graph, tmp_path / name, format=fmt)
    again = load(path)
    assert graph_to_document(again) == graph_to_document(graph)
    assert nx.utils.graphs_equal(again, graph)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_node_link_json_is_told_from_a_scenario(tmp_path):
    path = save(tiny(), tmp_path / "links.json", format="node-link")
    assert "links" in json.loads(path.read_text(encoding="utf-8"))
    doc = read_document(path)
    assert [n["id"] for n in doc["nodes"]] == ["supplier", "dc", "north", "south"]
    assert doc["nodes"][2]["demand"] == {"distribution": "normal", "mean": 10.0, "std": 2.0}


def test_unknown_suffix(tmp_path):
    with pytest.raises(ScenarioFileError, match=r"n\.txt: unknown file type '\.txt' \(expected one of \.yaml, "):
        load(tmp_path / "n.txt")
    with pytest.raises(ScenarioFileError, match=r"cannot write format '\.txt'"):
        save(tiny(), tmp_path / "n.txt")


def test_document_must_be_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(InvalidNetworkError, match=r"list\.yaml: a scenario must be a mapping .*; got a list$"):
        read_document(path)


def test_cannot_write_into_a_file(tmp_path):
    blocker = tmp_path / "plain.txt"
    blocker.write_text("keep", encoding="utf-8")
    with pytest.raises(ScenarioFileError, match="cannot write"):
        save(tiny(), blocker / "n.yaml")
    assert blocker.read_text(encoding="utf-8") == "keep"
