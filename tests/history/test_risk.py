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
