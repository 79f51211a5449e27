"""demand: {history: FILE} in scenarios, and the command functions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netinv.errors import InputError, InvalidNetworkError
from netinv.history.cli import data_check_command, risk_command
from netinv.history.records import write_history
from netinv.network import load
from tests.history.synthetic import daily_rows

SCENARIO = {
    "name": "two stores",
    "nodes": [
        {"id": "supplier"},
        {"id": "store_a", "holding_cost": 1.0, "initial_inventory": 300, "shortage_cost": 9.0,
         "demand": {"history": "sales.csv", "period_days": 7}},
        {"id": "store_b", "holding_cost": 1.0, "initial_inventory": 10, "shortage_cost": 9.0,
         "demand": {"history": "sales.csv", "family": "poisson"}},
    ],
    "edges": [{"source": "supplier", "target": "store_a", "lead_time": 1},
              {"source": "supplier", "target": "store_b", "lead_time": 1}],
}


def write(tmp_path, history_rows, scenario=SCENARIO):
    write_history(tmp_path / "sales.csv", history_rows)
    (tmp_path / "net.json").write_text(json.dumps(scenario))
    return tmp_path / "net.json"


def rows(seed=0, days=364):
    rng = np.random.default_rng(seed)
    return daily_rows({"store_a": rng.poisson(10, days).astype(float), "store_b": rng.poisson(4, days).astype(float)})


def test_history_demand_is_fitted_and_aggregated(tmp_path):
    graph = load(write(tmp_path, rows()))
    a, b = graph.nodes["store_a"]["demand"], graph.nodes["store_b"]["demand"]
    assert b == {"distribution": "poisson", "mean": pytest.approx(4, abs=0.4)}
    assert a["distribution"] in ("poisson", "normal", "negative_binomial", "gamma", "empirical")
    mean = a["mean"] if "mean" in a else np.dot(a["values"], a.get("probabilities") or np.full(len(a["values"]), 1 / len(a["values"])))
    assert mean == pytest.approx(70, rel=0.05)  # weekly periods of Poisson(10) days


def test_unknown_node_in_history_is_a_one_line_error(tmp_path):
    bad = rows() + [(rows()[0][0], "store_x", 3.0)]
    with pytest.raises(InputError) as err:
        load(write(tmp_path, bad))
    assert "store_x" in str(err.value) and "not in the network" in str(err.value) and "\n" not in str(err.value)


def test_history_outside_the_scenario_folder_is_refused(tmp_path):
    scenario = json.loads(json.dumps(SCENARIO))
    scenario["nodes"][1]["demand"]["history"] = "../sales.csv"
    (tmp_path / "sub").mkdir()
    write_history(tmp_path / "sales.csv", rows())
    (tmp_path / "sub" / "net.json").write_text(json.dumps(scenario))
    with pytest.raises(InvalidNetworkError, match="outside the scenario's folder"):
        load(tmp_path / "sub" / "net.json")
    scenario["nodes"][1]["demand"]["history"] = str(tmp_path / "sales.csv")  # absolute, outside sub/
    (tmp_path / "sub" / "net.json").write_text(json.dumps(scenario))
    with pytest.raises(InvalidNetworkError, match="outside"):
        load(tmp_path / "sub" / "net.json")


def test_data_check_command_on_scenario_and_strict(tmp_path):
    history = rows()
    history.append(history[3])  # a duplicate
    path = write(tmp_path, history)
    out = data_check_command(path)
    assert out["ok"] is False and out["files"][0]["counts"] == {"duplicate": 1}
    with pytest.raises(InputError, match="duplicate"):
        data_check_command(path, strict=True)
    assert data_check_command(tmp_path / "sales.csv")["files"][0]["counts"] == {"duplicate": 1}


def weekly_scenario():
    scenario = json.loads(json.dumps(SCENARIO))
    scenario["nodes"][2]["demand"]["period_days"] = 7
    return scenario


def test_risk_command(tmp_path):
    out = risk_command(write(tmp_path, rows(), weekly_scenario()), horizon=4, paths=200, seed=1,
                       plot=tmp_path / "risk.png")
    assert [n["node"] for n in out["nodes"]][0] == "store_b"  # 10 on hand against ~28 a period over 2
    assert out["nodes"][0]["stockout_probability"] >= out["nodes"][1]["stockout_probability"]
    assert "bullwhip" in out and (tmp_path / "risk.png").exists()
    json.dumps(out)


def test_risk_reports_days_of_cover_in_days_of_the_scenario_period(tmp_path):
    """Weekly history: the period is 7 days; 300 units on hand at a node selling mu a week cover
    300 / mu weeks = 7 x 300 / mu days (not 300 / mu 'days', the old mistake)."""
    from netinv.demand.distributions import parse_demand

    path = write(tmp_path, rows(), weekly_scenario())
    weekly = parse_demand(load(path).nodes["store_a"]["demand"]).mean
    assert weekly == pytest.approx(70, rel=0.1)
    out = risk_command(path, horizon=2, paths=100, seed=1)
    assert out["period_days"] == 7 and "scenario" in out["period_source"]
    row = next(n for n in out["nodes"] if n["node"] == "store_a")
    assert row["current_days_of_cover"] == pytest.approx(7 * 300 / weekly, rel=1e-6)  # about 30 days
    assert risk_command(path, horizon=2, paths=100, seed=1, period_days=7)["period_days"] == 7
    with pytest.raises(InputError, match="--period-days 1 contradicts the scenario's period_days 7"):
        risk_command(path, horizon=2, paths=100, period_days=1)
    with pytest.raises(InvalidNetworkError, match="every history node of a scenario must have the same period"):
        risk_command(write(tmp_path, rows()), horizon=2, paths=100)  # 7 and 1 days mixed


def test_risk_without_history_takes_the_period_from_the_option(tmp_path):
    plain = {"name": "plain", "nodes": [{"id": "s"}, {"id": "d", "holding_cost": 1, "shortage_cost": 5,
                                                      "initial_inventory": 30,
                                                      "demand": {"distribution": "poisson", "mean": 10}}],
             "edges": [{"source": "s", "target": "d"}]}
    (tmp_path / "plain.json").write_text(json.dumps(plain))
    out = risk_command(tmp_path / "plain.json", horizon=2, paths=100, period_days=7)
    assert out["period_days"] == 7 and out["period_source"] == "--period-days"
    assert next(n for n in out["nodes"] if n["node"] == "d")["current_days_of_cover"] == pytest.approx(21.0)
    assert risk_command(tmp_path / "plain.json", horizon=2, paths=100)["period_days"] == 1
