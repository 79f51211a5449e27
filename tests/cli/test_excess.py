"""netinv excess FILE [--json], in-process: the table, the JSON keys scripts depend on, bad input."""

from __future__ import annotations

import json

from tests.cli.conftest import run
from tests.conftest import SCENARIOS
from tests.excess.planner import SCENARIO, write_planner

NODE_KEYS = {"node", "on_hand", "periods", "age_oldest", "age_mean", "older_than_history", "turnover", "cover",
             "recent_rate", "periods_since_sale", "p_no_sale", "p_no_sale_km", "p_no_sale_geometric",
             "p_no_sale_smoothed", "anomaly_p", "flags", "flagged", "recommendation"}


def test_excess_table_and_json(tmp_path, monkeypatch, capsys):
    path = write_planner(tmp_path)
    code, out, _ = run(["excess", path], monkeypatch, capsys)
    assert code == 0 and "store_slow: no sale in 14 weeks; P(no sale in next 8 weeks) = 0.7" in out
    assert "Disposal plan over 10 periods (optimal)" in out and "recovered" in out
    code, out, _ = run(["excess", path, "--json", "--no-timings"], monkeypatch, capsys)
    data = json.loads(out)
    assert code == 0 and set(data) == {"scenario", "period_days", "horizon", "k", "nodes", "plan"}
    assert all(set(node) == NODE_KEYS for node in data["nodes"])
    assert set(data["plan"]) == {"status", "value", "keep_value", "gain", "flows", "schedule"}
    slow = next(n for n in data["nodes"] if n["node"] == "store_slow")
    assert slow["flagged"] and slow["cover"] is None and slow["recommendation"] == "transfer to store_b: 45"


def test_excess_without_history_says_so(monkeypatch, capsys):
    code, out, _ = run(["excess", SCENARIOS / "retail_network.yaml"], monkeypatch, capsys)
    assert code == 0 and "No node has a sales history" in out


def test_excess_bad_channel_is_one_line(tmp_path, monkeypatch, capsys):
    path = write_planner(tmp_path, SCENARIO.replace("{discount: 0.6,", "{discount: 1.6,"))
    code, _, err = run(["excess", path], monkeypatch, capsys)
    assert code == 2 and err.strip().count("\n") == 0
    assert "net.yaml: excess.nodes.store_slow.markdown[1]: discount: must be in (0, 1), got 1.6" in err
