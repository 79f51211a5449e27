"""``netinv evaluate`` on a tiny configuration: paired comparisons, the oracle as an upper bound of every
policy on every path, resuming from the results file, and the tables and plot."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from netinv.errors import InputError
from netinv.learn.checkpoint import save_model
from netinv.learn.evaluate import (
    EvaluateConfig,
    Evaluation,
    demand_paths,
    evaluate,
    oracle_profits,
    path_profits,
    plot,
    tables,
)
from netinv.learn.model import ModelConfig, OrderGNN

TINY = EvaluateConfig(suites=("held-out", "scale"), held_out=1, nodes=(5, 7), periods=6, paths=3, sizes=(40,),
                      scale_periods=5, scale_paths=2, exact_max_nodes=50, timing_repeats=2)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_model(OrderGNN(ModelConfig(hidden=8, layers=1)), path, {"note": "untrained, for tests"})
    return path


@pytest.fixture(scope="module")
def evaluation(model_path, tmp_path_factory):
    return evaluate(model_path, tmp_path_factory.mktemp("evaluate"), TINY)


def test_rows_and_the_oracle_bounds_every_policy(evaluation):
    (row,) = evaluation.rows["held-out"]
    profits = row["mean_profit"]
    assert set(profits) == {"gnn", "teacher", "oracle", "base_stock"}
    # perfect information: no policy earns more than the oracle on the same paths (LP optimum per path)
    for name in ("gnn", "teacher", "base_stock"):
        assert profits[name] <= profits["oracle"] + 1e-6 * abs(profits["oracle"])
    assert row["gap_to_teacher"] == pytest.approx((profits["teacher"] - profits["gnn"]) / abs(profits["teacher"]))
    (scale,) = evaluation.rows["scale"]
    assert scale["gnn_ms"] > 0 and scale["exact_stochastic_ms"] > 0
    assert scale["gnn_beats_base_stock"] == (scale["gnn_profit"] > scale["base_stock_profit"])


def test_oracle_profit_per_path_bounds_the_teacher():
    from netinv.learn.dataset import sample_network
    from netinv.learn.evaluate import teacher_policy
    from netinv.network.compile import compile_network

    arrays = compile_network(sample_network(0, 3, (5, 7))[0])
    demand = demand_paths(arrays, 6, 4, seed=5)
    oracle = oracle_profits(arrays, demand)
    teacher = path_profits(arrays, teacher_policy(arrays, TINY, 6), demand)
    assert oracle.shape == teacher.shape == (4,)
    assert np.all(teacher <= oracle + 1e-6 * np.abs(oracle) + 1e-6)


def test_resumes_from_the_results_file(model_path, evaluation, tmp_path):
    out = tmp_path / "resume"
    first = evaluate(model_path, out, TINY)
    stored = json.loads((out / "results.json").read_text())
    assert set(stored["units"]) >= {"held-out/0/0", "scale/40"}
    again = evaluate(model_path, out, TINY)  # everything read back, nothing recomputed
    assert again.to_dict()["rows"] == first.to_dict()["rows"]
    with pytest.raises(InputError, match="another model or configuration"):
        evaluate(model_path, out, EvaluateConfig(suites=("scale",), sizes=(41,)))


def test_tables_and_plot(evaluation, tmp_path):
    text = tables(evaluation)
    assert "Held-out generated networks" in text and "Scale:" in text
    assert text.count("\n|") >= 6  # header, rule and rows of both tables
    picture = plot(evaluation, tmp_path / "evaluation.png")
    assert picture.stat().st_size > 1000
    assert isinstance(Evaluation(model="m", config={}).summary(), dict)


def test_bad_configuration():
    with pytest.raises(InputError, match="held-out network seeds"):
        EvaluateConfig(held_out_seed=999, held_out=5)
    with pytest.raises(InputError, match="unknown suite"):
        EvaluateConfig(suites=("nope",))
