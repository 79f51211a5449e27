"""netinv simulate, in-process: levels files, planning policies on the published paths, JSON keys."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import run
from tests.conftest import SCENARIOS

PEREZ = SCENARIOS / "perez2021_network.yaml"
PEREZ_PATHS = SCENARIOS / "perez2021_demand_paths_backlog.csv"


def test_simulate_json_with_levels_file(tmp_path, monkeypatch, capsys):
    levels = tmp_path / "levels.json"
    levels.write_text(json.dumps({"stage1": 6.49, "stage2": 12.02, "stage3": 22.71}))
    code, out, _ = run(["simulate", SCENARIOS / "clark_scarf_ss61.yaml", "--policy", "echelon-base-stock",
                        "--levels", levels, "--periods", "400", "--paths", "400", "--seed", "3", "--warmup", "20",
                        "--json"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0
    for key in ("mean_cost", "ci95", "cost_breakdown", "nodes", "bullwhip"):
        assert key in result
    assert result["ci95"][0] < 47.66 + 0.5 and result["ci95"][1] > 47.66 - 0.5
    assert 0 < result["nodes"]["stage1"]["fill_rate"] <= 1


def test_simulate_auto_levels(monkeypatch, capsys):
    code, out, _ = run(["simulate", SCENARIOS / "newsvendor_normal.yaml", "--levels", "auto", "--periods", "50",
                        "--paths", "50", "--json"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and result["levels_method"] == "newsvendor"
    assert result["levels"]["store"] == pytest.approx(56.604, abs=1e-3)


@pytest.mark.parametrize("policy, expected", [("oracle", [826.417, 971.638, 816.694]),
                                              ("mpc-deterministic", [767.472, 902.688, 804.315])])
def test_simulate_planning_policies_on_published_paths(policy, expected, tmp_path, monkeypatch, capsys):
    three = tmp_path / "three.csv"
    three.write_text("\n".join(PEREZ_PATHS.read_text().splitlines()[:4]) + "\n")
    code, out, _ = run(["simulate", PEREZ, "--policy", policy, "--demand-paths", three, "--json"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and result["per"] == "horizon" and result["paths"] == 3
    assert result["profits"] == pytest.approx(expected, abs=1e-3)
    assert result["mean_profit"] == pytest.approx(sum(expected) / 3, abs=1e-3)


def test_simulate_demand_paths_judge_every_policy_on_the_whole_horizon(tmp_path, monkeypatch, capsys):
    """With --demand-paths every policy reports totals over all the file's periods (no warm-up), so a
    base-stock or GNN figure sits beside the oracle's as the published comparisons do."""
    three = tmp_path / "three.csv"
    three.write_text("\n".join(PEREZ_PATHS.read_text().splitlines()[:4]) + "\n")
    results = {}
    for policy in ("oracle", "base-stock"):
        code, out, _ = run(["simulate", PEREZ, "--policy", policy, "--demand-paths", three, "--json"],
                           monkeypatch, capsys)
        assert code == 0
        results[policy] = json.loads(out)
    demand = [float(x) for line in three.read_text().splitlines()[1:] for x in line.split(",")[1:]]
    for result in results.values():
        assert result["per"] == "horizon" and result["warmup"] == 0 and result["periods"] == 30
        assert result["nodes"]["1"]["mean_demand"] == pytest.approx(sum(demand) / len(demand))
    # the oracle knows the paths: no policy beats it on them
    assert results["oracle"]["mean_profit"] >= results["base-stock"]["mean_profit"] - 1e-6


def test_simulate_mpc_stochastic_sampled_paths(monkeypatch, capsys):
    code, out, _ = run(["simulate", PEREZ, "--policy", "mpc-stochastic", "--horizon", "5", "--scenarios", "3",
                        "--paths", "2", "--periods", "6", "--seed", "4", "--json"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and len(result["profits"]) == 2 and result["solver"]["solves"] == 12
    assert result["policy_config"] == {"horizon": 5, "scenarios": 3}


def test_simulate_bad_demand_paths_file(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("path,t0,t1\n0,3,x\n")
    code, _, err = run(["simulate", PEREZ, "--policy", "oracle", "--demand-paths", bad], monkeypatch, capsys)
    assert code == 2 and err.strip() == f"error: {bad}: line 2: t1: not a number: 'x'"


def test_simulate_names_the_transshipment_rule_and_the_flag_turns_it_off(tmp_path, monkeypatch, capsys):
    levels = tmp_path / "levels.json"
    levels.write_text(json.dumps({"plant": 416.81, "dc_north": 255.53, "dc_south": 245.89, "store_n1": 100.53,
                                  "store_n2": 62.62, "store_n3": 55.75, "store_s1": 75.83, "store_s2": 73.88,
                                  "store_s3": 31.31}))
    args = ["simulate", SCENARIOS / "retail_network.yaml", "--levels", levels, "--periods", "60", "--paths", "20"]
    code, out, _ = run([*args, "--json"], monkeypatch, capsys)
    default = json.loads(out)
    assert code == 0 and default["transshipment_rule"] == "cost-aware"
    assert sum(default["transshipped"].values()) > 0
    code, out, _ = run([*args, "--json", "--transshipment", "none"], monkeypatch, capsys)
    off = json.loads(out)
    assert code == 0 and off["transshipment_rule"] == "none" and sum(off["transshipped"].values()) == 0
    assert default["mean_cost"] <= off["mean_cost"]  # the same paths; the edges pay
    code, out, _ = run(args, monkeypatch, capsys)
    assert code == 0 and "transshipment rule: cost-aware (units moved: store_n1->store_n2: " in " ".join(out.split())


def test_simulate_asking_for_transshipment_without_edges_is_one_line(monkeypatch, capsys):
    code, out, err = run(["simulate", SCENARIOS / "newsvendor_normal.yaml", "--transshipment", "cost-aware",
                          "--paths", "5", "--periods", "30"], monkeypatch, capsys)
    assert code == 2 and out == ""
    assert err.strip() == "error: --transshipment: cost-aware: the network has no transshipment edges"
    code, out, _ = run(["simulate", SCENARIOS / "newsvendor_normal.yaml", "--transshipment", "none", "--paths",
                        "5", "--periods", "30", "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["transshipment_rule"] == "none"


@pytest.fixture
def torch_threads():
    """torch, its thread count restored after the test."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    yield torch
    torch.set_num_threads(threads)


@pytest.mark.slow  # imports torch and netinv.learn in-process (about 6 s on a quiet core); the runs take 1 s
def test_simulate_gnn_runs_on_the_threads_asked_one_by_default_and_explains_its_decisions(torch_threads, monkeypatch,
                                                                                           capsys):
    """The shipped model (running it imports torch, not PyTorch Geometric), 3 paths x 6 periods."""
    torch = torch_threads
    retail = SCENARIOS / "retail_network.yaml"
    torch.set_num_threads(2)  # what the command must not keep
    for extra, threads in (([], 1), (["--threads", "2"], 2)):
        code, out, err = run(["simulate", retail, "--policy", "gnn", "--paths", "3", "--periods", "6", "--warmup", "2",
                              "--json", *extra], monkeypatch, capsys)
        assert code == 0, err
        result = json.loads(out)
        assert result["torch_threads"] == threads == torch.get_num_threads()  # measured inside the run
    # every node with a supply edge in (the supplier has none)
    assert set(result["decisions"]) == {"plant", "dc_north", "dc_south", "store_n1", "store_n2", "store_n3",
                                        "store_s1", "store_s2", "store_s3"}
    for row in result["decisions"].values():
        assert set(row) == {"target", "position", "last_target", "last_position"}
        assert row["target"] >= row["position"] - 1e-3 and row["last_target"] >= row["last_position"] - 1e-3
    code, _, err = run(["simulate", retail, "--policy", "gnn", "--threads", "0"], monkeypatch, capsys)
    assert code == 2 and "--threads" in err
