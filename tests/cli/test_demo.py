"""netinv/cli/demo.py: the end-to-end run on a small budget (the large-network step skipped)."""

from __future__ import annotations

from tests.cli.conftest import run
from tests.conftest import SCENARIOS


def test_demo_validates_optimizes_and_simulates(monkeypatch, capsys):
    code, out, _ = run(["demo", SCENARIOS / "clark_scarf_ss61.yaml", "--paths", "20", "--periods", "40",
                        "--large", "0"], monkeypatch, capsys)
    assert code == 0
    assert " - valid" in out and "optimizing base-stock levels ..." in out
    assert "method: clark-scarf" in out and "levels found by: clark-scarf" in out
    assert "large network" not in out


def test_demo_skips_the_large_network_without_a_model(tmp_path, monkeypatch, capsys):
    code, out, _ = run(["demo", SCENARIOS / "newsvendor_normal.yaml", "--paths", "10", "--periods", "20",
                        "--large", "50", "--model", tmp_path / "none.pt"], monkeypatch, capsys)
    assert code == 0 and f"large-network step skipped: no GNN model at {tmp_path / 'none.pt'}" in " ".join(out.split())
