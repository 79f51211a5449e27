"""Contracts across a network: every supply edge into a demand node, totals per party."""

from __future__ import annotations

import pytest
from scipy import stats

from netinv.contracts import Buyback, WholesalePrice, coordinating, evaluate
from netinv.contracts.cli import network_command
from netinv.contracts.network import edge_markets, evaluate_network
from netinv.errors import InputError
from netinv.network import load
from tests.conftest import SCENARIOS, network

RETAIL = SCENARIOS / "retail_network.yaml"


def _dc_with_two_stores():
    nodes = [
        {"id": "dc"},
        {"id": "a", "demand": {"distribution": "normal", "mean": 100, "std": 30}, "price": 10, "shortage_cost": 0},
        {"id": "b", "demand": {"distribution": "poisson", "mean": 20}, "price": 10, "shortage_cost": 0},
    ]
    edges = [{"source": "dc", "target": "a", "unit_cost": 3}, {"source": "dc", "target": "b"}]
    return network(nodes, edges)


def test_every_demand_edge_is_a_market_and_totals_add_up():
    graph = load(RETAIL)
    result = evaluate_network(graph, WholesalePrice(6))
    demand_nodes = {n for n, d in graph.nodes(data=True) if d.get("demand")}
    assert {v for _, v in result.edges} == demand_nodes
    assert result.retailer_profit == pytest.approx(sum(o.retailer_profit for o in result.edges.values()))
    assert result.channel_profit == pytest.approx(result.retailer_profit + result.supplier_profit)
    assert sum(s for s, _ in result.supplier_totals.values()) == pytest.approx(result.supplier_profit)
    assert 0 < result.efficiency < 1


def test_network_edge_equals_the_pair_evaluated_alone():
    graph = _dc_with_two_stores()
    markets = edge_markets(graph, supplier_cost={"dc": 3})
    result = evaluate_network(graph, WholesalePrice(6), supplier_cost={"dc": 3})
    alone = evaluate(WholesalePrice(6), markets["dc", "a"])
    # no salvage on a network edge: the retailer's fractile is (p - w) / p = 0.4
    assert result.edges["dc", "a"].order == pytest.approx(100 + 30 * stats.norm.ppf(0.4), rel=1e-12)
    assert result.edges["dc", "a"].retailer_profit == pytest.approx(alone.retailer_profit)
    assert result.edges["dc", "b"].order == int(result.edges["dc", "b"].order)  # Poisson: integer orders


def test_coordinating_terms_per_edge_reach_the_integrated_total():
    graph = _dc_with_two_stores()
    markets = edge_markets(graph, supplier_cost={"dc": 3})
    terms = {key: coordinating("buyback", market, 0.5) for key, market in markets.items()}
    result = evaluate_network(graph, terms, supplier_cost={"dc": 3})
    assert result.efficiency == pytest.approx(1.0, abs=1e-9)
    assert result.retailer_profit == pytest.approx(0.5 * result.integrated_profit)


def test_bad_edge_terms_name_the_edge():
    with pytest.raises(InputError, match="edge dc_north -> store_n1: wholesale: wholesale price w=0.1 is below"):
        evaluate_network(load(RETAIL), WholesalePrice(0.1))
    with pytest.raises(InputError, match="no contract given"):
        evaluate_network(_dc_with_two_stores(), {("dc", "a"): Buyback(6, 2)}, supplier_cost={"dc": 3})


def test_network_command_json():
    out = network_command(RETAIL, "buyback:w=6,b=3")
    assert len(out["edges"]) == 6 and set(out["suppliers"]) == {"dc_north", "dc_south"}
    assert out["efficiency"] == pytest.approx(out["channel_profit"] / out["integrated_profit"])
