"""The value of transshipment from simulation: one period with zero lead times is the sample-average
problem again (the known answer), and the ordering of the three settings holds over many periods."""

from __future__ import annotations

import json
import math

import pytest

from netinv.errors import InputError
from netinv.network import load
from netinv.transship.cli import transship_command
from netinv.transship.simulation import SETTINGS, pooled_network, simulated_value
from tests.transship.conftest import DATA, stores_network


def test_one_period_with_zero_lead_times_matches_the_sample_average_value():
    graph = load(DATA / "two_stores.yaml")  # N(100, 30) each, h = 1, p = 4, c = 0.5 both ways
    out = simulated_value(graph, periods=1, paths=20_000, seed=2, samples=20_000)
    json.dumps(out)
    for setting in SETTINGS:
        row = out[setting]
        both = math.hypot(row["stderr"], row["saa_stderr"])
        assert abs(row["cost"] - row["saa_cost"]) <= 4 * both, (setting, row)
    # Tagaras' closed form at its optimum (test_two_location): 62.0921 with levels 118.44
    row = out["with_transshipment"]
    assert abs(row["cost"] - 62.0921) <= 4 * row["stderr"] + 0.1
    assert all(abs(s - 118.44) < 4.0 for s in row["levels"].values())
    costs = [out[s]["cost"] for s in SETTINGS]
    assert costs[2] < costs[1] < costs[0]  # full pooling < with transshipment < independent


def _three_stores(supply_lead_time: int, transshipment_lead_time: int):
    demands = [{"distribution": "poisson", "mean": m} for m in (8, 12, 10)]
    graph = stores_network(demands, [1.0, 1.5, 1.0], [6.0, 9.0, 5.0], [(0, 1, 1.0), (1, 2, 0.5), (2, 0, 2.0)])
    for _, _, data in graph.edges(data=True):
        data["lead_time"] = transshipment_lead_time if data.get("kind") == "transshipment" else supply_lead_time
    return graph


def test_many_periods_with_lead_times_keep_the_ordering():
    out = simulated_value(_three_stores(1, 1), periods=30, paths=100, seed=1, samples=1_000, sweeps=3)
    costs = {s: out[s]["cost"] for s in SETTINGS}
    noise = 3 * max(out[s]["stderr"] for s in SETTINGS)
    assert costs["full_pooling"] <= costs["with_transshipment"] + noise
    assert costs["with_transshipment"] <= costs["independent"] + noise
    assert out["search"]["warmup"] == 6
    # the pipeline: levels cover the supply lead time plus the period itself
    assert all(level > 10 for level in out["independent"]["levels"].values())


def test_pooled_network_links_every_pair_for_free():
    graph = _three_stores(0, 0)
    pooled = pooled_network(graph, ["s0", "s1", "s2"])
    links = {(u, v): d for u, v, d in pooled.edges(data=True) if d.get("kind") == "transshipment"}
    assert len(links) == 6
    assert all(d["unit_cost"] == 0.0 and d["lead_time"] == 0 for d in links.values())
    assert graph.edges["s0", "s1"]["unit_cost"] == 1.0  # the original is left alone


def test_command_adds_the_simulated_value_behind_the_option():
    out = transship_command(DATA / "two_stores.yaml", samples=500, seed=3, simulate=True, periods=20, paths=20)
    assert set(out) == {"levels", "expected_cost", "stderr", "out_of_sample_cost", "transshipped", "value",
                        "single_period_saving", "simulated_value"}
    for setting in SETTINGS:
        assert out["simulated_value"][setting]["saa_cost"] == out["value"][setting]
    with pytest.raises(InputError, match="periods must be an integer >= 1"):
        simulated_value(load(DATA / "two_stores.yaml"), periods=0)


def _paying_planner_network():
    """A planner-like network (stores linked both ways to their neighbours) whose transshipment edges pay:
    unit cost below the sender's holding plus the target's shortage cost, every store backlogging."""
    from netinv.network.generators import planner_like_network

    graph = planner_like_network(3, stores=6, transshipment=True)
    for u, v, data in graph.edges(data=True):
        if data.get("kind") == "transshipment":
            assert data.get("unit_cost", 0.0) < graph.nodes[u]["holding_cost"] + graph.nodes[v]["shortage_cost"]
    for node in graph.nodes:
        if node.startswith("store_"):
            graph.nodes[node]["backlog"] = True
    return graph


def test_paying_transshipment_edges_cost_no_more_than_none_on_the_same_paths():
    out = simulated_value(_paying_planner_network(), periods=40, paths=60, seed=5, samples=500, sweeps=2)
    for setting in ("with_transshipment", "full_pooling"):
        saving = out["saving"][setting]
        low, high = saving["ci95"]
        assert low <= saving["per_period"] <= high
        assert high >= 0.0, (setting, saving)  # never worse than no transshipment beyond the paired CI
    # the check paths are shared: the paired CI is narrower than the unpaired one
    low, high = out["saving"]["with_transshipment"]["ci95"]
    assert (high - low) / 2 <= 1.96 * math.hypot(out["independent"]["stderr"], out["with_transshipment"]["stderr"])


def test_the_rule_at_fixed_levels_costs_no_more_than_none_on_the_same_paths():
    import numpy as np

    from netinv.network.compile import compile_network
    from netinv.policies.basestock import InstallationBaseStock
    from netinv.policies.levels import newsvendor_levels
    from netinv.sim import CostAwareTransshipment, SimConfig, simulate
    from netinv.transship.simulation import paired_saving

    arrays = compile_network(_paying_planner_network())
    policy = InstallationBaseStock(newsvendor_levels(arrays).levels)
    config = SimConfig(periods=60, paths=100, warmup=10, seed=11)
    without = simulate(arrays, policy, config).path_costs
    with_rule = simulate(arrays, policy, config, transshipment=CostAwareTransshipment()).path_costs
    saving = paired_saving(without, with_rule)
    assert saving["ci95"][1] >= 0.0, saving
    assert np.isclose(saving["per_period"], float(np.mean(without) - np.mean(with_rule)))


def test_paired_saving_is_the_mean_and_interval_of_the_differences():
    from netinv.transship.simulation import paired_saving

    saving = paired_saving([10.0, 12.0, 14.0], [9.0, 10.0, 11.0])  # differences 1, 2, 3: sd 1
    assert saving["per_period"] == pytest.approx(2.0)
    assert saving["ci95"] == pytest.approx([2.0 - 1.96 / math.sqrt(3), 2.0 + 1.96 / math.sqrt(3)])
    assert saving["percent"] == pytest.approx(100 * 2.0 / 12.0)
