"""netinv.network.summary: topology, echelons and the summary of a tiny network."""

from __future__ import annotations

from netinv.network.summary import echelons, summarize, topology
from tests.conftest import network
from tests.network.helpers import tiny


def test_topologies():
    line = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    assert topology(network(line, [{"source": "a", "target": "b"}, {"source": "b", "target": "c"}])) == "serial"
    assert topology(tiny()) == "distribution"  # the transshipment edge does not count
    assert topology(network(line, [{"source": "a", "target": "c"}, {"source": "b", "target": "c"}])) == "assembly"
    four = line + [{"id": "d"}]
    edges = [{"source": "a", "target": "c"}, {"source": "b", "target": "c"}, {"source": "a", "target": "d"}]
    assert topology(network(four, edges)) == "general"


def test_echelons():
    assert echelons(tiny()) == {"north": 1, "south": 1, "dc": 2, "supplier": 3}


def test_summary():
    summary = summarize(tiny())
    assert summary["name"] == "tiny"
    assert (summary["nodes"], summary["edges"], summary["supply_edges"], summary["transshipment_edges"]) == (4, 4, 3, 1)
    assert summary["echelons"] == 3 and summary["sources"] == 1 and summary["demand_nodes"] == 2
    assert summary["mean_demand_per_period"] == 14.0
    assert summary["max_lead_time"] == 3
    assert summary["nodes_per_echelon"] == {"1": 2, "2": 1, "3": 1}
    assert summary["demand_node_ids"] == ["north", "south"]
