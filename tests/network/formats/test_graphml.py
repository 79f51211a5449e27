"""netinv.network.formats.graphml: GraphML reader and writer."""

from __future__ import annotations

import pytest

from netinv.errors import InvalidNetworkError, ScenarioFileError
from netinv.network.formats.graphml import read_graphml, write_graphml
from netinv.network.validate import document_to_graph, graph_to_document
from tests.network.helpers import tiny


def test_round_trip_keeps_mappings(tmp_path):
    graph = tiny()
    graph.graph["known"] = {"optimum": 12.5}
    graph.graph["excess"] = {"horizon": 6, "nodes": {"store": {"scrap": {"salvage": -1}}}}  # netinv.excess
    path = tmp_path / "tiny.graphml"
    text = write_graphml(graph, str(path))
    assert '"distribution": "normal"' in text.replace("&quot;", '"')  # demand stored as JSON text
    path.write_text(text, encoding="utf-8")
    doc = read_graphml(path)
    assert doc["known"] == {"optimum": 12.5} and doc["excess"]["nodes"]["store"]["scrap"] == {"salvage": -1}
    assert graph_to_document(document_to_graph(doc)) == graph_to_document(graph)


def test_character_xml_cannot_hold():
    graph = tiny()
    graph.graph["description"] = "bell\x07"
    with pytest.raises(ScenarioFileError, match=r"^o\.graphml: description: cannot write GraphML: character U\+0007"):
        write_graphml(graph, "o.graphml")


GRAPHML = """<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="edge" attr.name="lead_time" attr.type="long"/>
  <graph edgedefault="directed">
    <node id="supplier"/><node id="store"/>
    <edge source="supplier" target="{target}"><data key="d0">{lead}</data></edge>
  </graph>
</graphml>
"""


def test_edge_to_an_undeclared_node(tmp_path):
    path = tmp_path / "g.graphml"
    path.write_text(GRAPHML.format(target="stor", lead="1"), encoding="utf-8")
    with pytest.raises(InvalidNetworkError,
                       match=r"g\.graphml: edge 'supplier' -> 'stor': unknown node 'stor' \(did you mean 'store'\?\)"):
        read_graphml(path)


def test_value_that_does_not_fit_its_type(tmp_path):
    path = tmp_path / "g.graphml"
    path.write_text(GRAPHML.format(target="store", lead="two"), encoding="utf-8")
    with pytest.raises(InvalidNetworkError, match=r"edge 'supplier' -> 'store': lead_time: must be an integer "
                                                  r"\(GraphML type long\), got 'two'"):
        read_graphml(path)


def test_a_scenario_with_a_state_converts_to_graphml_and_back(tmp_path):
    """The current state (netinv.network.state) is a scenario-level mapping like ``known``: stored as JSON
    text (it crashed the writer before), read back equal, and the state the simulator starts from is the
    same from either file."""
    from netinv.network import load, save
    from netinv.network.compile import compile_network

    source = tmp_path / "s.yaml"
    source.write_text(
        "name: t\nnodes:\n  - {id: plant, external_supply: true}\n"
        "  - {id: store, demand: {distribution: poisson, mean: 5}, shortage_cost: 2}\n"
        "edges:\n  - {source: plant, target: store, lead_time: 2}\n"
        "state:\n  on_hand: {store: 4}\n  backorders: {store: 1}\n"
        "  in_transit: [{source: plant, target: store, quantity: 3, arrives: 1}]\n")
    graph = load(source)
    back = load(save(graph, tmp_path / "s.graphml"))
    assert back.graph["state"] == graph.graph["state"]
    first, second = compile_network(graph).start, compile_network(back).start
    assert first is not None and repr(first) == repr(second)


ATTRIBUTES = """<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="d0" for="{owner}" attr.name="{name}" attr.type="string"/>
<graph edgedefault="directed">
<node id="a"/><node id="b"{node_data}{extra}
<edge source="a" target="b"{edge_data}
</graph></graphml>
"""


@pytest.mark.parametrize(
    ("owner", "name", "extra", "message"),
    [
        ("edge", "source", "", r"edge 'a' -> 'b': an attribute named 'source' \('x'\) would rewire the edge"),
        ("edge", "target", "", r"edge 'a' -> 'b': an attribute named 'target' \('x'\) would rewire the edge"),
        ("node", "id", "", r"node 'b': an attribute named 'id' \('x'\) would rename the node"),
        ("node", "k", '<node id="a"/>', r"node 'a': duplicate node id"),
        ("node", "k", '<edge source="a" target="b"/>', r"edge 'a' -> 'b': duplicate edge"),
    ],
    ids=["source", "target", "id", "duplicate-node", "duplicate-edge"],
)
def test_attributes_that_would_rewire_and_elements_given_twice_are_refused(tmp_path, owner, name, extra, message):
    path = tmp_path / "g.graphml"
    data = '><data key="d0">x</data></node>' if owner == "node" else "/>"
    edge = '><data key="d0">x</data></edge>' if owner == "edge" else "/>"
    path.write_text(ATTRIBUTES.format(owner=owner, name=name, extra=extra, node_data=data, edge_data=edge),
                    encoding="utf-8")
    with pytest.raises(InvalidNetworkError, match=r"g\.graphml: " + message):
        read_graphml(path)
