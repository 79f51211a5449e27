"""netinv.network.validate: document <-> graph and the rules spanning several nodes or edges."""

from __future__ import annotations

import copy
import math

import pytest

from netinv import attrs
from netinv.errors import InvalidNetworkError
from netinv.network.validate import document_to_graph, graph_to_document, supply_subgraph, validate
from tests.network.helpers import DOC, tiny


def test_defaults_are_filled_and_left_out_again():
    graph = tiny()
    assert graph.nodes["dc"][attrs.YIELD] == 1.0 and graph.edges["dc", "north"][attrs.KIND] == attrs.SUPPLY
    assert graph.nodes["south"][attrs.BACKLOG] is False
    doc = graph_to_document(graph)
    assert doc["edges"][1] == {"source": "dc", "target": "north", "lead_time": 1}
    assert list(document_to_graph(doc).edges(data=True)) == list(graph.edges(data=True))


def test_unlimited_capacity_is_not_written():
    graph = tiny()
    graph.nodes["dc"][attrs.CAPACITY] = math.inf
    assert attrs.CAPACITY not in graph_to_document(graph)["nodes"][1]


def test_validate_returns_a_normalized_copy():
    graph = tiny()
    del graph.nodes["dc"][attrs.YIELD]
    checked = validate(graph)
    assert checked is not graph and checked.nodes["dc"][attrs.YIELD] == 1.0


def test_supply_subgraph_drops_transshipment_edges():
    supply = supply_subgraph(tiny())
    assert sorted(supply.edges) == [("dc", "north"), ("dc", "south"), ("supplier", "dc")]
    assert supply.number_of_nodes() == 4


def _with(edit):
    doc = copy.deepcopy(DOC)
    edit(doc)
    return doc


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["edges"].append({"source": "dc", "target": "nort"}),
     "f.yaml: edge 'dc' -> 'nort': unknown node 'nort' (did you mean 'north'?)"),
    (lambda d: d["edges"].append({"source": "dc", "target": "dc"}),
     "f.yaml: edge 'dc' -> 'dc': self-loop: a node cannot order from itself"),
    (lambda d: d["edges"].append({"source": "dc", "target": "north", "lead_time": 2}),
     "f.yaml: edge 'dc' -> 'north': duplicate edge"),
    (lambda d: d["nodes"].append({"id": "dc"}), "f.yaml: node 'dc': duplicate node id"),
    (lambda d: d["edges"].append({"source": "north", "target": "dc"}),
     "f.yaml: edge 'dc' -> 'north': cycle through supply edges: 'dc' -> 'north' -> 'dc' (only transshipment "
     "edges may form cycles)"),
    (lambda d: d["nodes"][2].pop("shortage_cost"),
     "f.yaml: node 'north': a demand node needs 'shortage_cost' (per unit short)"),
    (lambda d: d["nodes"][1].update(external_supply=True),
     "f.yaml: node 'dc': 'external_supply' is only for nodes without supplier edges"),
])
def test_structural_errors_name_the_place(edit, message):
    with pytest.raises(InvalidNetworkError) as error:
        document_to_graph(_with(edit), path="f.yaml")
    assert str(error.value) == message


def test_not_a_mapping():
    with pytest.raises(InvalidNetworkError, match="^a scenario must be a mapping, got a list$"):
        document_to_graph([1, 2])
