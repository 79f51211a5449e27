"""netinv plan, in-process: known optima on the published network, exit code 3 for a solver failure."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.cli.conftest import run
from tests.conftest import SCENARIOS

PEREZ = SCENARIOS / "perez2021_network.yaml"
PEREZ_PATHS = SCENARIOS / "perez2021_demand_paths_backlog.csv"


@pytest.mark.parametrize("builder", ["fast", "pyomo"])
def test_plan_perfect_information_json(builder, monkeypatch, capsys):
    """The published oracle is the finite-horizon model: --end none (no end-of-horizon condition)."""
    code, out, _ = run(["plan", PEREZ, "--horizon", "30", "--demand-path", PEREZ_PATHS, "--builder", builder, "--json",
                        "--end", "none"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and result["status"] == "optimal" and result["form"] == "profit"
    assert result["objective"] == pytest.approx(826.417, abs=1e-6)  # published oracle, path 0
    assert result["planned_periods"] == 30 and result["plan"]["extension_periods"] == 0
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
    # it names where demand cannot be served and by how much: 3 short in each period (capacity 5, demand 8)
    assert "store in period 0: 3.0" in err and "units in all" in err
    # without --meet-demand the shortfall is simply lost
    code, out, _ = run(["plan", ROOT / "tests/data/infeasible_meet_demand.yaml", "--horizon", "3", "--json",
                        "--end", "none"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["objective"] == pytest.approx(3 * 3 * 2.0)  # 3 lost per period, cost 2


def test_a_planner_network_is_not_run_dry(monkeypatch, capsys):
    """A 52-week plan of the planner network orders for every store up to its last week (the end-of-horizon
    extension), in whole units; without it the last weeks order nothing."""
    from netinv.exact.plans import extension_periods
    from netinv.network import load
    from netinv.network.compile import compile_network

    planner = SCENARIOS / "planner_weekly.yaml"
    arrays = compile_network(load(planner))
    code, out, _ = run(["plan", planner, "--horizon", "52", "--json"], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and result["planned_periods"] == 52 + extension_periods(arrays)
    stores = [(u, v) for u, v in arrays.edge_keys if v.startswith("store")]
    for u, v in stores:
        assert result["orders"][f"{u}->{v}"][-1] > 0, (u, v)  # the last week still orders
    every = [x for series in result["orders"].values() for x in series]
    assert all(float(x).is_integer() for x in every)  # whole units, no solver crumbs
    code, out, _ = run(["plan", planner, "--horizon", "52", "--json", "--end", "none"], monkeypatch, capsys)
    finite = json.loads(out)
    assert all(finite["orders"][f"{u}->{v}"][-1] == 0 for u, v in stores)  # the run-down the extension prevents


def test_the_csv_files_read_back_equal_the_json(tmp_path, monkeypatch, capsys):
    import csv

    planner = SCENARIOS / "planner_weekly.yaml"
    code, out, _ = run(["plan", planner, "--horizon", "8", "--json", "--csv", tmp_path / "plan"], monkeypatch, capsys)
    assert code == 0
    plan = json.loads(out)["plan"]
    with open(tmp_path / "plan" / "orders.csv", encoding="utf-8") as handle:
        orders = [{"source": r["source"], "target": r["target"], "period": int(r["period"]),
                   "quantity": float(r["quantity"])} for r in csv.DictReader(handle)]
    assert orders == plan["orders"] and orders
    with open(tmp_path / "plan" / "projected_stock.csv", encoding="utf-8") as handle:
        stock = [{"node": r["node"], "period": int(r["period"]), **{k: float(r[k]) for k in
                  ("on_hand", "backlog", "in_transit")}} for r in csv.DictReader(handle)]
    assert stock == plan["projected_stock"] and len(stock) == 8 * (30 - 1)  # every node but the external supply


def test_the_table_fits_80_columns(monkeypatch, capsys):
    code, out, _ = run(["plan", SCENARIOS / "planner_weekly.yaml", "--horizon", "12"], monkeypatch, capsys)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    assert "e+0" not in out  # plain numbers


def test_plan_follows_the_forecast_of_a_history_node(tmp_path, monkeypatch, capsys):
    """A store with a growing sales history, supplied at once (lead time 0), shortage dearer than
    holding: the expected-demand plan orders each week exactly what the node's demand model forecasts
    (`netinv data forecast`), not the flat mean of its past."""
    from netinv.history.records import write_history
    from tests.history.synthetic import planner_history

    rows, _ = planner_history(5, node="store", growth=0.6)
    write_history(tmp_path / "sales.csv", rows)
    (tmp_path / "net.json").write_text(json.dumps({
        "name": "one store", "nodes": [{"id": "dc"}, {"id": "store", "holding_cost": 1, "shortage_cost": 50, "price": 60,
                                                     "demand": {"history": "sales.csv", "period_days": 7}}],
        "edges": [{"source": "dc", "target": "store", "lead_time": 0, "unit_cost": 5}]}))
    code, out, _ = run(["plan", tmp_path / "net.json", "--horizon", "4", "--json"], monkeypatch, capsys)
    plan = json.loads(out)
    code2, out2, _ = run(["data", "forecast", tmp_path / "net.json", "--periods", "4", "--json"], monkeypatch, capsys)
    forecast = json.loads(out2)["nodes"][0]
    assert code == code2 == 0 and plan["demand"] == "expected demand (history nodes: their forecast)"
    # whole units (cumulative rounding): within half a unit of the forecast, period after period
    cumulative = np.cumsum(plan["orders"]["dc->store"]) - np.cumsum(forecast["forecast"])
    assert np.abs(cumulative).max() <= 0.5 + 1e-6
    assert forecast["forecast"][-1] > forecast["history_mean"] * 1.2  # a growing store: above its past mean
