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
        "bad = [m for m in ('torch', 'torch_geometric', 'pyomo') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    help_run = subprocess.run([sys.executable, "-m", "netinv.cli", "--help"], capture_output=True, text=True)
    assert help_run.returncode == 0 and "simulate" in help_run.stdout
