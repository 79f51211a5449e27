"""netinv.network.formats.node_link: networkx node-link JSON reader and writer."""

from __future__ import annotations

import json

import pytest

from netinv.errors import InvalidNetworkError, ScenarioFileError
from netinv.network.formats.node_link import is_node_link, read_node_link, write_node_link
from netinv.network.validate import document_to_graph, graph_to_document
from tests.network.helpers import DOC, tiny


def test_round_trip():
    graph = tiny()
    data = json.loads(write_node_link(graph, "n.json"))
    assert is_node_link(data) and not is_node_link(DOC)
    assert graph_to_document(document_to_graph(read_node_link(data, "n.json"))) == graph_to_document(graph)


def test_link_to_an_unknown_node():
    data = {"directed": True, "graph": {}, "nodes": [{"id": "dc"}, {"id": "north"}],
            "links": [{"source": "dc", "target": "nort"}]}
    with pytest.raises(InvalidNetworkError,
                       match=r"^n\.json: edge 'dc' -> 'nort': unknown node 'nort' \(did you mean 'north'\?\)$"):
        read_node_link(data, "n.json")


def test_graph_must_be_a_mapping():
    data = {"directed": True, "graph": [1], "nodes": [], "links": []}
    with pytest.raises(ScenarioFileError, match="malformed node-link JSON: 'graph' must be a mapping, got a list"):
        read_node_link(data, "n.json")


@pytest.mark.parametrize(
    ("nodes", "links", "message"),
    [
        ([{"id": "a"}, {"id": "a", "holding_cost": 5}], [], r"node 'a': duplicate node id$"),
        ([{"id": "a"}, {"id": "b"}], [{"source": "a", "target": "b", "lead_time": 1},
                                      {"source": "a", "target": "b", "lead_time": 9}], r"edge 'a' -> 'b': duplicate edge$"),
    ],
    ids=["node", "edge"],
)
def test_a_node_or_edge_given_twice_is_refused_not_merged(nodes, links, message):
    data = {"directed": True, "graph": {}, "nodes": nodes, "links": links}
    with pytest.raises(InvalidNetworkError, match=r"^n\.json: " + message):
        read_node_link(data, "n.json")
