"""netinv validate | info | generate, in-process: exit codes and the JSON keys users' scripts depend on."""

from __future__ import annotations

import json

from tests.cli.conftest import run
from tests.conftest import SCENARIOS


def test_validate_ok(monkeypatch, capsys):
    code, out, _ = run(["validate", SCENARIOS / "retail_network.yaml"], monkeypatch, capsys)
    assert code == 0
    assert out.startswith("ok: ") and "10 nodes" in out and "6 demand nodes" in out


def test_info_json(monkeypatch, capsys):
    code, out, _ = run(["info", SCENARIOS / "perez2021_network.yaml", "--json"], monkeypatch, capsys)
    info = json.loads(out)
    assert code == 0 and info["nodes"] == 8 and info["supply_edges"] == 11 and info["demand_nodes"] == 1


def test_generate_writes_a_valid_network(tmp_path, monkeypatch, capsys):
    path = tmp_path / "net.json"
    code, out, _ = run(["generate", "--kind", "general", "--nodes", "30", "--seed", "4", "-o", path,
                        "--transshipment"], monkeypatch, capsys)
    assert code == 0 and path.exists()
    code, out, _ = run(["validate", path], monkeypatch, capsys)
    assert code == 0 and "30 nodes" in out
