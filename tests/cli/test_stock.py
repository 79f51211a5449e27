"""netinv basestock | gsm, in-process: known levels and placements, JSON keys, one-line errors."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import run
from tests.conftest import SCENARIOS


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


def test_basestock_and_simulate_auto_print_the_same_levels(monkeypatch, capsys):
    """One answer from every command: `basestock --seed S` searches on the paths `simulate --seed S --levels
    auto` (and the report) use, so a planner sees the same levels in both."""
    scenario = SCENARIOS / "retail_network.yaml"
    code, out, _ = run(["basestock", scenario, "--seed", "3", "--json"], monkeypatch, capsys)
    stock = json.loads(out)
    code2, out2, _ = run(["simulate", scenario, "--seed", "3", "--levels", "auto", "--periods", "40", "--paths", "20",
                          "--json"], monkeypatch, capsys)
    assert code == code2 == 0 and stock["method"] == "search"
    assert json.loads(out2)["levels"] == stock["levels"]
