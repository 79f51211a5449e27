"""netinv/cli/learn.py: the settings of finetune / adapt and the one-line errors before any training
starts (in-process; the training runs themselves are tested in tests/learn)."""

from __future__ import annotations

import pytest

from tests.cli.conftest import run
from tests.conftest import SCENARIOS


@pytest.mark.parametrize("args, message", [
    (["--stepz=3"], "error: finetune: unknown setting --stepz; known: steps, seed,"),
    (["--steps"], "error: finetune: --steps needs a value"),
    (["steps=3"], "error: finetune: unexpected argument 'steps=3' (settings are --name=value)"),
])
def test_finetune_settings_errors_are_one_line(args, message, tmp_path, monkeypatch, capsys):
    code, out, err = run(["finetune", "--out", tmp_path / "m.pt", *args], monkeypatch, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith(message)


def test_finetune_missing_parent_checkpoint(tmp_path, monkeypatch, capsys):
    code, _, err = run(["finetune", "--out", tmp_path / "m.pt", "--model", tmp_path / "none.pt", "--steps=1"],
                       monkeypatch, capsys)
    assert code == 2 and err == f"error: {tmp_path / 'none.pt'}: no such checkpoint\n"


def test_adapt_knows_its_own_settings(tmp_path, monkeypatch, capsys):
    code, _, err = run(["adapt", SCENARIOS / "retail_network.yaml", "--out", tmp_path / "a.pt", "--small-nodes=5"],
                       monkeypatch, capsys)
    assert code == 2 and err.startswith("error: adapt: unknown setting --small-nodes; known: steps, seed, lr,")


@pytest.mark.parametrize("args, message", [
    (["--sizes", "10,x"], "error: --sizes: comma-separated node counts; each must be a whole number from 2 to "
                          "200,000, got x"),
    (["--model", "no/such.pt"], "error: no/such.pt: GNN model not found (train one with `netinv train`, or pass "
                                "--model)"),
])
def test_evaluate_bad_options_are_one_line(args, message, monkeypatch, capsys):
    code, _, err = run(["evaluate", *args], monkeypatch, capsys)
    assert code == 2 and err == message + "\n"


def test_train_on_a_folder_that_is_not_a_dataset(tmp_path, monkeypatch, capsys):
    code, _, err = run(["train", "--dataset", tmp_path, "--out", tmp_path / "m.pt"], monkeypatch, capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"error: {tmp_path}")


def test_the_node_range_limit_is_the_libraries():
    """netinv/cli/learn.py checks --nodes without importing torch: its limit is the dataset module's."""
    from netinv.cli import learn
    from netinv.learn import dataset

    assert learn.MAX_LABELLED_NODES == dataset.MAX_LABELLED_NODES
