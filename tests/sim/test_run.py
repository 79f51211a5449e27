"""netinv.sim.run: the demand, defaults and policy of a run, as netinv simulate and the report choose them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.network import load
from netinv.sim.run import (
    RunSpec,
    adapted_elsewhere,
    auto_levels,
    choose_transshipment,
    gnn_policy,
    prepare_run,
    read_levels,
    run_identity,
)
from tests.conftest import SCENARIOS

NEWSVENDOR = SCENARIOS / "newsvendor_normal.yaml"
PEREZ = SCENARIOS / "perez2021_network.yaml"
RETAIL = SCENARIOS / "retail_network.yaml"  # has transshipment edges (store_n1 -> store_n2, store_s1 -> store_s2)
RETAIL_LEVELS = {"plant": 416.81, "dc_north": 255.53, "dc_south": 245.89, "store_n1": 100.53, "store_n2": 62.62,
                 "store_n3": 55.75, "store_s1": 75.83, "store_s2": 73.88, "store_s3": 31.31}
PEREZ_PATHS = SCENARIOS / "perez2021_demand_paths_backlog.csv"


def test_base_stock_defaults_and_auto_levels():
    prepared = prepare_run(NEWSVENDOR, RunSpec(paths=30, seed=2))
    assert (prepared.config.periods, prepared.config.paths, prepared.config.warmup) == (200, 30, 20)
    assert prepared.per == "period" and prepared.demand is None and prepared.config.block_paths == 1024
    assert prepared.levels["store"] == pytest.approx(56.604, abs=1e-3)  # the newsvendor quantile
    assert prepared.levels_method == auto_levels(load(NEWSVENDOR), 2).method
    result, out = prepared.run()
    assert out["levels"] == prepared.levels and out["levels_method"] == prepared.levels_method
    assert result.paths == 30 and out["mean_cost"] == pytest.approx(result.mean_cost)


def test_explicit_paths_set_the_horizon_and_judge_the_whole_of_it():
    prepared = prepare_run(PEREZ, RunSpec(demand_paths=PEREZ_PATHS, periods=10))
    assert (prepared.config.periods, prepared.config.paths, prepared.config.warmup) == (10, 100, 0)
    assert prepared.per == "horizon" and prepared.demand.shape == (10, 1, 100)  # (T, D, B)
    with pytest.raises(InputError, match=r"has \d+ periods, --periods asks for 100000$"):
        prepare_run(PEREZ, RunSpec(demand_paths=PEREZ_PATHS, periods=100_000))


def test_planning_policies_draw_the_paths_up_front():
    a = prepare_run(PEREZ, RunSpec(policy="oracle", paths=2, seed=5))
    b = prepare_run(PEREZ, RunSpec(policy="mpc-deterministic", paths=2, seed=5, horizon=4))
    assert a.config.periods == 30 and a.config.warmup == 0 and a.per == "horizon" and a.config.block_paths == 1
    np.testing.assert_array_equal(a.demand, b.demand)  # every policy sees the same paths for the same seed
    assert a.extra["policy_config"] == {"horizon": 30, "scenarios": 1}
    assert b.extra["policy_config"] == {"horizon": 4, "scenarios": 1}


def test_read_levels_reads_basestock_json_and_names_what_is_wrong(tmp_path):
    graph = load(NEWSVENDOR)
    path = tmp_path / "levels.json"
    path.write_text(json.dumps({"levels": {"store": 50}, "method": "newsvendor"}), encoding="utf-8")
    assert read_levels(path, graph) == {"store": 50}
    path.write_text(json.dumps({"stor": 50}), encoding="utf-8")
    with pytest.raises(InputError, match=r"node 'stor': not a node of the network \(did you mean 'store'\?\)$"):
        read_levels(path, graph)
    path.write_text(json.dumps({"store": True}), encoding="utf-8")
    with pytest.raises(InputError, match="level must be a number, got true$"):
        read_levels(path)
    with pytest.raises(InputError, match="file not found$"):
        read_levels(tmp_path / "none.json")


def test_gnn_policy_missing_checkpoint_is_one_line_with_its_hint(tmp_path):
    with pytest.raises(InputError, match=r"none.pt: GNN model not found \(train one with `netinv train`, or pass "
                                         r"--model\)$"):
        gnn_policy(tmp_path / "none.pt")
    with pytest.raises(InputError, match=r"GNN model not found \(use --method exact\)$"):
        gnn_policy(tmp_path / "none.pt", hint="use --method exact")


def test_run_identity_depends_on_the_file_contents_and_options(tmp_path):
    file = tmp_path / "n.yaml"
    file.write_bytes(NEWSVENDOR.read_bytes())
    same = run_identity(file, None, seed=1)
    assert run_identity(file, None, seed=1) == same and run_identity(file, None, seed=2) != same
    file.write_bytes(NEWSVENDOR.read_bytes() + b"\n")
    assert run_identity(file, None, seed=1) != same


def test_a_model_without_a_card_was_not_adapted_elsewhere(tmp_path):
    assert adapted_elsewhere(tmp_path / "m.pt", NEWSVENDOR) is None


def test_the_transshipment_rule_is_cost_aware_with_transshipment_edges_and_none_without():
    from netinv.network.compile import compile_network
    from netinv.sim.transshipment import CostAwareTransshipment

    retail, newsvendor = compile_network(load(RETAIL)), compile_network(load(NEWSVENDOR))
    name, rule = choose_transshipment(retail)
    assert name == "cost-aware" and isinstance(rule, CostAwareTransshipment)
    assert choose_transshipment(retail, "none") == ("none", None)
    assert choose_transshipment(newsvendor) == ("none", None)
    assert choose_transshipment(newsvendor, "none") == ("none", None)
    with pytest.raises(InputError, match=r"^--transshipment: cost-aware: the network has no transshipment edges$"):
        choose_transshipment(newsvendor, "cost-aware")
    with pytest.raises(InputError, match=r"^--transshipment: must be one of none, cost-aware, got 'greedy'$"):
        choose_transshipment(retail, "greedy")


def test_a_run_on_a_network_with_transshipment_edges_transships_by_default(tmp_path):
    levels = tmp_path / "levels.json"
    levels.write_text(json.dumps(RETAIL_LEVELS))
    spec = {"levels": str(levels), "periods": 120, "paths": 40, "seed": 4}
    default = prepare_run(RETAIL, RunSpec(**spec))
    off = prepare_run(RETAIL, RunSpec(**spec, transshipment="none"))
    assert default.transshipment_rule == "cost-aware" and off.transshipment_rule == "none" and off.transshipment is None
    with_rule, out = default.run()
    without, out_off = off.run()
    assert out["transshipment_rule"] == "cost-aware" and out_off["transshipment_rule"] == "none"
    assert sum(with_rule.transshipped.values()) > 0 and sum(without.transshipped.values()) == 0
    # the same seed, the same demand paths: the edges pay (unit cost < h + p), so no more cost
    assert with_rule.mean_cost <= without.mean_cost
    assert out["cost_breakdown"]["shortage"]["mean"] < out_off["cost_breakdown"]["shortage"]["mean"]
