"""netinv plan, in-process: known optima on the published network, exit code 3 for a solver failure."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import run
from tests.conftest import SCENARIOS

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
    assert plan["orders"]["dc->store"] == pytest.approx(forecast["forecast"], rel=1e-6)
    assert forecast["forecast"][-1] > forecast["history_mean"] * 1.2  # a growing store: above its past mean
