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
    assert "lost sales" in out["model"] and "transfers" in out["model"]
    rec = out["reconciliation"]
    assert rec["difference"] == pytest.approx(rec["leftover_carried"] + rec["backlog_sold_later"])
    assert all("backlog" in edge and "steady_state_profit" in edge for edge in out["edges"])


def _supplier_and_two_stores(levels=None):
    """An external supplier selling at 5 straight to two stores (lead time 0), demand 0, 10 or 20 with
    equal chances, price 10, holding 1, shortage 2: store ``lost`` loses its shortfall, ``back`` backlogs it."""
    demand = {"distribution": "empirical", "values": [0.0, 10.0, 20.0]}
    store = {"demand": demand, "price": 10, "holding_cost": 1, "shortage_cost": 2, "initial_inventory": 10}
    nodes = [{"id": "supplier"}, {"id": "lost", **store, "backlog": False}, {"id": "back", **store, "backlog": True}]
    edges = [{"source": "supplier", "target": s, "lead_time": 0, "unit_cost": 5} for s in ("lost", "back")]
    return network(nodes, edges)


def test_integrated_profit_reconciles_with_the_simulated_network_profit():
    """By hand: the integrated fractile (p + g - c) / (p + g) = 7/12 gives q = 10; S = E[min(D, 10)] = 20/3,
    leftover I = 10/3, shortfall L = 10/3. Contract model, per store: p S - c q - g L = 200/3 - 50 - 20/3 = 10.
    Held at 10 every period: lost sales (p - c) S - h I - g L = 100/3 - 10/3 - 20/3 = 70/3; backlog
    (p - c) E[D] - h I - b L = 50 - 10/3 - 20/3 = 40. The differences: (c - h) I = 40/3 at both, plus
    (p - c) L = 50/3 at the backlog store. The simulator, base-stock 10 at both stores, agrees."""
    from netinv.network.compile import compile_network
    from netinv.policies import InstallationBaseStock
    from netinv.sim import SimConfig, simulate

    graph = _supplier_and_two_stores()
    result = evaluate_network(graph, WholesalePrice(7))
    assert {key: o.integrated.order for key, o in result.edges.items()} == {("supplier", "lost"): 10,
                                                                           ("supplier", "back"): 10}
    assert result.integrated_profit == pytest.approx(20.0)
    lost, back = result.steady_state["supplier", "lost"], result.steady_state["supplier", "back"]
    assert lost["steady_state_profit"] == pytest.approx(70 / 3) and back["steady_state_profit"] == pytest.approx(40)
    assert lost["leftover_carried"] == pytest.approx(40 / 3) and lost["backlog_sold_later"] == 0
    assert back["backlog_sold_later"] == pytest.approx(50 / 3)
    out = result.to_dict()["reconciliation"]
    assert out["difference"] == pytest.approx(out["leftover_carried"] + out["backlog_sold_later"])
    sim = simulate(compile_network(graph), InstallationBaseStock({"lost": 10, "back": 10}),
                   SimConfig(periods=400, paths=400, seed=2, warmup=20))
    assert sim.mean_profit == pytest.approx(20 + 40 / 3 + 40 / 3 + 50 / 3, abs=3 * (sim.profit_ci95[1] - sim.mean_profit)
                                            + 0.05)


def test_internal_prices_are_transfers_not_costs():
    """plant buys at 2 from outside, operates at 0.5 a unit, sells to the DC at 9 (a transfer), the DC
    (operating 0.25) sells to the store at 14 (a transfer): a unit at the store cost the network 2.75."""
    from netinv.contracts.network import delivered_cost, network_unit_cost

    nodes = [{"id": "outside"}, {"id": "plant", "operating_cost": 0.5}, {"id": "dc", "operating_cost": 0.25},
             {"id": "store", "demand": {"distribution": "poisson", "mean": 20}, "price": 10, "shortage_cost": 1}]
    edges = [{"source": "outside", "target": "plant", "unit_cost": 2}, {"source": "plant", "target": "dc", "unit_cost": 9},
             {"source": "dc", "target": "store", "unit_cost": 14}]
    graph = network(nodes, edges)
    assert network_unit_cost(graph, "dc") == pytest.approx(2.5)
    assert delivered_cost(graph, "dc", "store") == pytest.approx(2.75)
    assert edge_markets(graph)["dc", "store"].supplier_cost == pytest.approx(2.75)  # not 14, not 9
