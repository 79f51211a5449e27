"""netinv contracts | transship | data | risk, in-process: known numbers, JSON keys, one-line errors."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import run
from tests.conftest import SCENARIOS


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


def test_data_forecast_shows_the_one_demand_model(tmp_path, monkeypatch, capsys):
    from netinv.history.records import write_history
    from tests.history.synthetic import planner_history

    rows, _ = planner_history(2, node="store")
    write_history(tmp_path / "sales.csv", rows)
    (tmp_path / "net.json").write_text(json.dumps({
        "name": "one store", "nodes": [{"id": "dc", "external_supply": True},
                                       {"id": "store", "holding_cost": 1, "shortage_cost": 9, "initial_inventory": 50,
                                        "demand": {"history": "sales.csv", "period_days": 7}}],
        "edges": [{"source": "dc", "target": "store", "lead_time": 1}]}))
    code, out, _ = run(["data", "forecast", tmp_path / "net.json", "--periods", "5", "--json"], monkeypatch, capsys)
    node = json.loads(out)["nodes"][0]
    assert code == 0 and len(node["forecast"]) == 5 and node["period_days"] == 7
    assert node["forecast_method"] == min(node["backtest_mae"], key=node["backtest_mae"].get)
    code, out, _ = run(["data", "forecast", tmp_path / "net.json"], monkeypatch, capsys)
    assert code == 0 and "<- chosen" in out and "MAE on held-out periods" in out
    code, out, _ = run(["risk", tmp_path / "net.json", "--horizon", "2", "--paths", "100"], monkeypatch, capsys)
    assert code == 0 and "period: 7 days" in out
    code, _, err = run(["data", "forecast", SCENARIOS / "newsvendor_poisson.yaml"], monkeypatch, capsys)
    assert code == 2 and "no node reads its demand from a history" in err


def test_contracts_network_text_names_the_model_and_reconciles(tmp_path, monkeypatch, capsys):
    """A supplier selling at 5 (a purchase: the edge is from an external supply) to a lost-sales and a
    backlog store, demand 0 / 10 / 20: integrated profit 10 + 10, at the same levels held every period
    70/3 + 40 (tests/contracts/test_network.py works the numbers by hand)."""
    demand = {"distribution": "empirical", "values": [0.0, 10.0, 20.0]}
    store = {"demand": demand, "price": 10, "holding_cost": 1, "shortage_cost": 2}
    scenario = {"name": "two stores", "nodes": [{"id": "supplier"}, {"id": "lost", **store, "backlog": False},
                                                {"id": "back", **store}],
                "edges": [{"source": "supplier", "target": s, "unit_cost": 5} for s in ("lost", "back")]}
    (tmp_path / "net.json").write_text(json.dumps(scenario))
    code, out, _ = run(["contracts", "compare", "--network", tmp_path / "net.json", "--contract", "wholesale:w=7"],
                       monkeypatch, capsys)
    assert code == 0 and "lost sales" in out and "transfers" in out
    assert "integrated profit (contract model) 20.00; steady state at the same levels 63.33" in out
    assert "leftover carried 26.67 + backlog sold later 16.67" in out
    code, out, _ = run(["contracts", "compare", "--network", tmp_path / "net.json", "--contract", "wholesale:w=7",
                        "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["wholesale:w=7"]["reconciliation"]["steady_state_profit"] == pytest.approx(190 / 3)
