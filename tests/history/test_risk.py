"""Stockout risk agrees with the closed form on a single base-stock node (within Monte Carlo error)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from netinv.history.risk import RiskConfig, plot_risk_heatmap, stockout_risk
from netinv.policies import InstallationBaseStock
from tests.conftest import network


def single_node(lead_time: int, level: float, mean: float = 10.0):
    return network(
        [{"id": "supplier"},
         {"id": "store", "holding_cost": 1.0, "initial_inventory": level,
          "demand": {"distribution": "poisson", "mean": mean}, "shortage_cost": 9.0}],
        [{"source": "supplier", "target": "store", "lead_time": lead_time}],
    )


def test_lead_time_zero_within_horizon_matches_closed_form():
    S, lam, H, B = 14, 10.0, 6, 20_000
    report = stockout_risk(single_node(0, S), InstallationBaseStock({"store": S}), RiskConfig(horizon=H, paths=B, seed=3))
    (store,) = report.nodes
    per = stats.poisson(lam).sf(S)  # the periods are independent: each one's demand against S
    exact = 1 - (1 - per) ** H
    se = np.sqrt(exact * (1 - exact) / B)
    assert abs(store.stockout_probability - exact) < 4 * se, (store.stockout_probability, exact)
    assert store.ci95[0] < exact < store.ci95[1]
    np.testing.assert_allclose(store.per_period, per, atol=4 * np.sqrt(per * (1 - per) / B))


def test_lead_time_two_per_period_matches_closed_form():
    S, lam, L, H, B = 38, 10.0, 2, 8, 20_000
    report = stockout_risk(single_node(L, S), InstallationBaseStock({"store": S}), RiskConfig(horizon=H, paths=B, seed=4))
    (store,) = report.nodes
    # period t sees the demand of min(t + 1, L + 1) periods against S
    exact = np.array([stats.poisson(lam * min(t + 1, L + 1)).sf(S) for t in range(H)])
    tolerance = 4 * np.sqrt(exact * (1 - exact) / B) + 1e-4
    assert np.all(np.abs(store.per_period - exact) <= tolerance), (store.per_period, exact)
    assert store.target_days_of_cover == pytest.approx(S / lam)


def test_retail_network_sorted_excess_bullwhip_and_heatmap(tmp_path, scenarios_dir):
    from netinv.network import load

    graph = load(scenarios_dir / "retail_network.yaml")
    levels = {n: 1.0 for n in graph if graph.in_degree(n)}
    levels["store_n1"] = 2000.0  # far more than needed: excess, no risk
    graph.nodes["store_n1"]["initial_inventory"] = 2000.0
    report = stockout_risk(graph, InstallationBaseStock(levels), RiskConfig(horizon=5, paths=200, seed=1))
    probs = [n.stockout_probability for n in report.nodes]
    assert probs == sorted(probs, reverse=True)
    n1 = next(n for n in report.nodes if n.node == "store_n1")
    assert n1.stockout_probability == 0.0 and n1.expected_days_of_cover > 40
    assert report.bullwhip and set(report.to_dict()) >= {"nodes", "bullwhip", "levels"}
    assert not n1.excess  # at its target: not excess
    big = next(n for n in report.nodes if n.node == "dc_north")
    assert big.excess  # 260 on hand against a level of 1
    png = plot_risk_heatmap(report, tmp_path / "risk.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def two_stores():
    store = {"holding_cost": 1.0, "initial_inventory": 12.0, "shortage_cost": 9.0,
             "demand": {"distribution": "poisson", "mean": 6}}
    return network(
        [{"id": "plant"}, {"id": "dc", "holding_cost": 0.5, "initial_inventory": 10.0},
         {"id": "a", **store}, {"id": "b", **store}],
        [{"source": "plant", "target": "dc", "lead_time": 2}, {"source": "dc", "target": "a", "lead_time": 1},
         {"source": "dc", "target": "b", "lead_time": 1}],
    )


def test_echelon_levels_sum_the_installation_levels_downstream():
    from netinv.history.cli import risk_policy
    from netinv.policies.levels import best_levels

    graph = two_stores()
    local = best_levels(graph, seed=0)
    assert local.kind == "installation"
    policy, extra = risk_policy(graph, "echelon-base-stock", seed=0)
    assert policy.name == "echelon-base-stock" and "summed over each echelon" in extra["levels_method"]
    assert policy.levels["a"] == pytest.approx(local.levels["a"])
    assert policy.levels["dc"] == pytest.approx(local.levels["dc"] + local.levels["a"] + local.levels["b"])


def direct_count(arrays, policy, horizon: int, paths: int, seed: int) -> dict:
    """P(stockout within the horizon) per node counted straight from the simulator's trace."""
    from netinv.sim import SimConfig, simulate

    trace = simulate(arrays, policy, SimConfig(periods=horizon, paths=paths, seed=seed, record=True)).trace
    out = {}
    for k, node in enumerate(arrays.node_ids[arrays.demand_slice]):
        out[node] = float((trace["short"][:, k, :] > 1e-6).any(axis=0).mean())
    for i, node in enumerate(arrays.node_ids):
        edges = arrays.edge_source == i
        if edges.any() and node not in out and i in arrays.edge_target:  # a stocking node with customers
            out[node] = float((trace["owed"][:, edges, :].sum(axis=1) > 1e-6).any(axis=0).mean())
    return out


@pytest.mark.parametrize(("name", "paths"), [("mpc-deterministic", 40), ("mpc-stochastic", 12),
                                              ("echelon-base-stock", 400)])
def test_risk_under_any_policy_agrees_with_a_direct_count(name, paths):
    from netinv.history.cli import risk_policy
    from netinv.network.compile import compile_network

    H, seed = 5, 2
    graph = single_node(1, 15) if name.startswith("mpc") else two_stores()  # 15 units against Poisson(10)
    policy, extra = risk_policy(graph, name, horizon=H, seed=seed, scenarios=3)
    report = stockout_risk(graph, policy, RiskConfig(horizon=H, paths=paths, seed=seed))
    assert report.policy == name and extra
    direct = direct_count(compile_network(graph), policy, H, paths, seed)  # the same paths (seed) again
    assert {n.node: n.stockout_probability for n in report.nodes} == pytest.approx(direct, abs=1e-12)
    for n in report.nodes:
        assert 0.0 <= n.ci95[0] <= n.stockout_probability <= n.ci95[1] <= 1.0
        assert np.all((n.per_period >= 0) & (n.per_period <= 1))
        assert n.stockout_probability >= n.per_period.max() - 1e-12  # within H at least as likely as in any period
    assert any(0 < n.stockout_probability < 1 for n in report.nodes)  # a node at risk, but not certain


def test_base_stock_risk_is_unchanged(tmp_path):
    """risk_command's base-stock report is stockout_risk under best_levels' policy, as before."""
    from netinv.history.cli import risk_command
    from netinv.network import load
    from netinv.policies.levels import best_levels

    graph = single_node(2, 30)
    from netinv.network import save

    save(graph, tmp_path / "one.yaml")
    out = risk_command(tmp_path / "one.yaml", horizon=6, paths=500, seed=3)
    levels = best_levels(load(tmp_path / "one.yaml"), seed=3)
    expected = stockout_risk(graph, levels.policy(), RiskConfig(horizon=6, paths=500, seed=3)).to_dict()
    assert out == {**expected, "levels_method": levels.method, "period_source": "default: the scenario states no "
                   "period_days; --period-days sets it"}
