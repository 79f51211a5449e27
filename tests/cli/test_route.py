"""``netinv route``: the published optimum in JSON with the issue's keys, a picture, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import run

INSTANCE = Path(__file__).resolve().parents[2] / "scenarios" / "irp" / "S_abs1n5_2_L3.dat"


def test_route_json_picture_and_text(tmp_path, monkeypatch, capsys):
    picture = tmp_path / "routes.png"
    code, out, err = run(["route", INSTANCE, "--json", "--plot", picture], monkeypatch, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["status", "cost", "bound", "gap", "routes", "deliveries", "inventory", "cost_breakdown"]
    assert data["status"] == "optimal" and round(data["cost"], 2) == 1373.41 == round(data["bound"], 2)
    assert abs(sum(data["cost_breakdown"].values()) - data["cost"]) < 1e-9
    assert picture.read_bytes()[:4] == b"\x89PNG"
    code, out, _ = run(["route", INSTANCE, "--policy", "ou"], monkeypatch, capsys)
    assert code == 0 and "optimal, cost 1373.41" in out and "period 3: no route" in out


def test_bad_input_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.dat"
    bad.write_text(INSTANCE.read_text().replace("0.03", "cheap", 1))
    cases = {
        bad: f"error: {bad}: line 2: supplier field holding_cost: 'cheap' is not a number",
        tmp_path / "absent.dat": "absent.dat: file not found",
    }
    for path, expected in cases.items():
        code, out, err = run(["route", path, "--plot", tmp_path / "r.png"], monkeypatch, capsys)
        assert code == 2 and expected in err and err.count("\n") == 1 and out == ""
        assert not (tmp_path / "r.png").exists()
    code, _, err = run(["route", INSTANCE, "--plot", tmp_path / "r.svg"], monkeypatch, capsys)
    assert code == 2 and err.startswith("error:") and err.count("\n") == 1
