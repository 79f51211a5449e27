"""The real CLI commands, run in-process: exit codes and the JSON keys users' scripts depend on."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from netinv.cli import main
from tests.conftest import SCENARIOS


def run(args, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["netinv", *map(str, args)])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_ok(monkeypatch, capsys):
    code, out, _ = run(["validate", SCENARIOS / "retail_network.yaml"], monkeypatch, capsys)
    assert code == 0
    assert out.startswith("ok: ") and "10 nodes" in out and "6 demand nodes" in out


def test_info_json(monkeypatch, capsys):
    code, out, _ = run(["info", SCENARIOS / "perez2021_network.yaml", "--json"], monkeypatch, capsys)
    info = json.loads(out)
    assert code == 0 and info["nodes"] == 8 and info["supply_edges"] == 11 and info["demand_nodes"] == 1


def test_basestock_clark_scarf_json(monkeypatch, capsys):
    code, out, _ = run(["basestock", SCENARIOS / "clark_scarf_ss61.yaml", "--method", "clark-scarf", "--json"],
                       monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and result["method"] == "clark-scarf"
    assert result["expected_cost"] == pytest.approx(47.66, rel=5e-4)
    assert result["levels"]["stage3"] == pytest.approx(22.71, abs=0.01)


@pytest.mark.parametrize("file, level, cost", [("newsvendor_normal.yaml", 56.604, 1.9976),
                                               ("newsvendor_poisson.yaml", 56, 1.7972)])
def test_basestock_newsvendor_json(file, level, cost, monkeypatch, capsys):
    code, out, _ = run(["basestock", SCENARIOS / file, "--method", "newsvendor", "--json"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0
    assert result["levels"]["store"] == pytest.approx(level, abs=1e-3)
    assert result["expected_cost"] == pytest.approx(cost, abs=5e-4)


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


def test_generate_writes_a_valid_network(tmp_path, monkeypatch, capsys):
    path = tmp_path / "net.json"
    code, out, _ = run(["generate", "--kind", "general", "--nodes", "30", "--seed", "4", "-o", path,
                        "--transshipment"], monkeypatch, capsys)
    assert code == 0 and path.exists()
    code, out, _ = run(["validate", path], monkeypatch, capsys)
    assert code == 0 and "30 nodes" in out


def test_help_and_loading_do_not_import_torch():
    code = (
        "import sys; import netinv.cli; from netinv.network import load; "
        "from netinv.network.compile import compile_network; "
        f"compile_network(load({str(SCENARIOS / 'retail_network.yaml')!r})); "
        "bad = [m for m in ('torch', 'torch_geometric', 'pyomo', 'scipy.stats', 'statsmodels', 'matplotlib', 'highspy') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    help_run = subprocess.run([sys.executable, "-m", "netinv.cli", "--help"], capture_output=True, text=True)
    assert help_run.returncode == 0 and "simulate" in help_run.stdout


PEREZ = SCENARIOS / "perez2021_network.yaml"
PEREZ_PATHS = SCENARIOS / "perez2021_demand_paths_backlog.csv"


@pytest.mark.parametrize("builder", ["fast", "pyomo"])
def test_plan_perfect_information_json(builder, monkeypatch, capsys):
    code, out, _ = run(["plan", PEREZ, "--horizon", "30", "--demand-path", PEREZ_PATHS, "--builder", builder, "--json"],
                       monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and result["status"] == "optimal" and result["form"] == "profit"
    assert result["objective"] == pytest.approx(826.417, abs=1e-6)  # published oracle, path 0
    assert set(result["seconds"]) == {"build", "handoff", "solve"}
    assert len(result["orders"]["2->1"]) == 30


def test_plan_stochastic_and_expected_json(monkeypatch, capsys):
    code, out, _ = run(["plan", PEREZ, "--horizon", "10", "--scenarios", "4", "--seed", "1", "--json"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and result["demand"] == "4 sampled scenarios" and result["size"]["columns"] > 4 * 100
    code, out, _ = run(["plan", PEREZ, "--horizon", "10", "--expected", "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["demand"] == "expected demand"


def test_plan_infeasible_exits_3_with_one_line(monkeypatch, capsys):
    from tests.conftest import ROOT

    code, out, err = run(["plan", ROOT / "tests/data/infeasible_meet_demand.yaml", "--horizon", "3", "--meet-demand"],
                         monkeypatch, capsys)
    assert code == 3
    assert err.startswith("error: ") and "infeasible" in err and err.count("\n") == 1
    assert "Traceback" not in err and out == ""
    # without --meet-demand the shortfall is simply lost
    code, out, _ = run(["plan", ROOT / "tests/data/infeasible_meet_demand.yaml", "--horizon", "3", "--json"],
                       monkeypatch, capsys)
    assert code == 0 and json.loads(out)["objective"] == pytest.approx(3 * 3 * 2.0)  # 3 lost per period, cost 2


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


def test_gsm_json_and_plot(tmp_path, monkeypatch, capsys):
    picture = tmp_path / "placement.png"
    code, out, _ = run(["gsm", SCENARIOS / "gsm_ss_example_6_5.yaml", "--method", "milp", "--plot", picture, "--json"],
                       monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and result["status"] == "optimal"
    assert result["cost"] == pytest.approx(8.2779, abs=1e-4) and result["bound"] == pytest.approx(result["cost"])
    stage4 = result["stages"]["stage4"]
    assert set(stage4) >= {"service_time", "inbound_service_time", "net_time", "safety_stock", "base_stock"}
    assert stage4["service_time"] == 1 and "seconds" in result
    from PIL import Image

    with Image.open(picture) as image:
        assert image.size[0] > 300 and image.size[1] > 200


@pytest.mark.parametrize("method", ["auto", "tree-dp", "tree-bnb"])
def test_gsm_methods_agree_on_the_camera_network(method, monkeypatch, capsys):
    code, out, _ = run(["gsm", SCENARIOS / "gsm_camera_fig_6_14.yaml", "--method", method, "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["cost"] == pytest.approx(18.8240, abs=1e-4)


def test_gsm_tree_dp_on_a_non_tree_is_a_clear_error(monkeypatch, capsys):
    from tests.conftest import ROOT

    code, _, err = run(["gsm", ROOT / "tests/data/willems/willems_01.csv", "--method", "tree-dp"], monkeypatch, capsys)
    assert code == 2 and "needs a spanning tree" in err and err.count("\n") == 1


def test_contracts_evaluate_json_keys_and_numbers(monkeypatch, capsys):
    code, out, _ = run(["contracts", "evaluate", "--demand", "normal:100,30", "--price", "10", "--cost", "3",
                        "--salvage", "1", "--contract", "wholesale:w=6", "--json"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0
    assert {"order", "retailer_profit", "supplier_profit", "channel_profit", "efficiency", "sales", "leftover",
            "lost_sales", "integrated"} <= set(result)
    assert result["order"] == pytest.approx(95.809, abs=1e-3)
    assert result["retailer_profit"] == pytest.approx(293.332, abs=1e-3)
    assert result["supplier_profit"] == pytest.approx(287.426, abs=1e-3)
    assert result["efficiency"] == pytest.approx(0.9373, abs=1e-4)
    assert result["integrated"]["order"] == pytest.approx(122.941, abs=1e-3)
    assert result["integrated"]["channel_profit"] == pytest.approx(619.594, abs=1e-3)


def test_contracts_compare_table_and_plot(tmp_path, monkeypatch, capsys):
    picture = tmp_path / "split.png"
    code, out, _ = run(["contracts", "compare", "--demand", "normal:100,30", "--price", "10", "--cost", "3",
                        "--salvage", "1", "--contract", "wholesale:w=6", "--contract", "buyback:w=6,b=4",
                        "--plot", picture], monkeypatch, capsys)
    assert code == 0 and "buyback:w=6,b=4" in out and "integrated channel" in out and picture.stat().st_size > 1000


@pytest.mark.parametrize("args, message", [
    (["--contract", "revenue-sharing:w=1,phi=1.5"], "phi must be in [0, 1]"),
    (["--contract", "barter:w=2"], "barter"),
    (["--contract", "wholesale:w="], "wholesale"),
])
def test_contracts_bad_input_is_one_line(args, message, monkeypatch, capsys):
    code, _, err = run(["contracts", "evaluate", "--demand", "normal:100,30", "--price", "10", "--cost", "3", *args],
                       monkeypatch, capsys)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_transship_json_keys(tmp_path, monkeypatch, capsys):
    from netinv.network import save
    from netinv.network.generators import generate

    file = tmp_path / "net.yaml"
    save(generate("distribution", 8, 2, transshipment=True), file)
    picture = tmp_path / "flows.png"
    code, out, _ = run(["transship", file, "--samples", "500", "--seed", "1", "--plot", picture, "--json"],
                       monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0
    assert set(result) >= {"levels", "expected_cost", "stderr", "out_of_sample_cost", "transshipped", "value"}
    value = result["value"]
    assert value["full_pooling"] <= value["with_transshipment"] + 1e-6 <= value["independent"] + 2e-6
    assert picture.stat().st_size > 1000 and result["plot"] == str(picture)


def test_data_check_reports_and_strict_exits_2(tmp_path, monkeypatch, capsys):
    history = tmp_path / "history.csv"
    history.write_text("date,node,quantity\n2026-01-01,store,5\n2026-01-02,store,7\n2026-01-02,store,7\n"
                       "2026-01-03,store,-2\n2026-01-05,store,6\n")
    code, out, _ = run(["data", "check", history, "--json"], monkeypatch, capsys)
    report = json.loads(out)["files"][0]
    assert code == 0 and not report["ok"]
    kinds = {f["kind"]: f for f in report["findings"]}
    assert kinds["negative"]["dates"] == ["2026-01-03"] and kinds["negative"]["node"] == "store"
    assert "duplicate" in kinds and "missing" in kinds
    code, _, err = run(["data", "check", history, "--strict"], monkeypatch, capsys)
    assert code == 2 and err.count("\n") == 1 and "negative" in err


def test_risk_json_sorted_by_risk(tmp_path, monkeypatch, capsys):
    picture = tmp_path / "risk.png"
    code, out, _ = run(["risk", SCENARIOS / "newsvendor_poisson.yaml", "--horizon", "4", "--paths", "400",
                        "--plot", picture, "--json"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and picture.stat().st_size > 1000
    risks = [n["stockout_probability"] for n in result["nodes"]]
    assert risks == sorted(risks, reverse=True) and "bullwhip" in result
