"""Every ``--json`` output is strict JSON: on fuzzed, extreme but valid inputs (costs from 0 to 10^12, demand
from constant to 10^9, zero prices), what each command prints parses with a parser that refuses NaN and
Infinity; a non-finite result is ``null`` with its reason under ``"null_reasons"``.

In-process (``netinv.cli.main``), derandomized, a few examples per command. The learning commands
(``dataset generate``, ``train``, ``finetune``, ``adapt``, ``evaluate``) print through the same writer
(:func:`netinv.cli.common.print_json`); ``dataset generate``, ``train`` and ``evaluate`` run once on a tiny
dataset and model; ``finetune`` and ``adapt`` are left out for their cost.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netinv.cli import main
from netinv.cli.common import NULL_REASONS, print_json

SETTINGS = settings(max_examples=6, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
MONEY = st.sampled_from([0.0, 1e-9, 0.5, 3.0, 1e6, 1e12])
MEAN = st.sampled_from([1e-9, 1.0, 100.0, 1e6, 1e9])


def strict(text: str):
    """JSON that refuses NaN, Infinity and -Infinity."""
    def refuse(constant):
        raise ValueError(f"non-finite JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def run_json(args: list[str]) -> tuple[int, dict | None, str]:
    """``netinv ARGS`` in-process: (exit code, the parsed stdout or None, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.argv
    sys.argv = ["netinv", *map(str, args)]
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code or 0
    finally:
        sys.argv = old
    text = out.getvalue()
    return code, (strict(text) if code == 0 else None), err.getvalue()


@st.composite
def networks(draw) -> dict:
    """A plant -> two stores network with extreme but valid numbers; one store's demand is constant."""
    holding = draw(MONEY)
    demand = draw(st.sampled_from([
        {"distribution": "normal", "mean": draw(MEAN), "std": draw(MEAN)},
        {"distribution": "poisson", "mean": draw(st.sampled_from([1e-9, 1.0, 1e3]))},
        {"distribution": "series", "values": [draw(st.sampled_from([0.0, 5.0, 1e6]))] * 4},
    ]))
    store = {"holding_cost": holding, "shortage_cost": draw(MONEY), "price": draw(MONEY)}
    return {"name": "fuzz", "nodes": [
        {"id": "plant", "holding_cost": draw(MONEY), "initial_inventory": draw(st.sampled_from([0.0, 1e9]))},
        {"id": "s1", **store, "demand": demand},
        {"id": "s2", **store, "demand": {"distribution": "series", "values": [7.0, 7.0, 7.0]}},  # constant
    ], "edges": [{"source": "plant", "target": "s1", "lead_time": draw(st.integers(0, 3))},
                 {"source": "plant", "target": "s2", "lead_time": 1}]}


COMMANDS = {
    "info": ["info", "{f}", "--json"],
    "basestock": ["basestock", "{f}", "--method", "newsvendor", "--json"],
    "plan": ["plan", "{f}", "--horizon", "4", "--json"],
    "simulate": ["simulate", "{f}", "--paths", "3", "--periods", "12", "--warmup", "2", "--levels", "auto", "--json"],
    "gsm": ["gsm", "{f}", "--json"],
    "risk": ["risk", "{f}", "--paths", "100", "--horizon", "3", "--json"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_network_commands_print_strict_json(command, tmp_path_factory):
    folder = tmp_path_factory.mktemp(command)

    @SETTINGS
    @given(networks())
    def check(document):
        path = folder / "fuzz.yaml"
        path.write_text(yaml.safe_dump(document))
        code, data, err = run_json([word.format(f=path) for word in COMMANDS[command]])
        assert code in (0, 2, 3), err  # bad input or no solver answer: one line; never a bug
        if code:
            assert err.count("\n") == 1 and err.startswith("error: "), err
            return
        assert isinstance(data, dict)
        for place, why in data.get(NULL_REASONS, {}).items():
            assert why and place

    check()


@SETTINGS
@given(st.sampled_from(["normal:100,30", "normal:1e9,1e9", "poisson:1e-9", "gamma:1e-9,1e-6", "uniform:0,1e9",
                        "normal-censored:-1e9,1e9", "gamma:1e9,1e-9"]),
       st.sampled_from([1e-9, 10.0, 1e12]), st.sampled_from([0.0, 3.0]), st.sampled_from([0, 200]))
def test_contracts_print_strict_json(demand, price, cost, monte_carlo):
    market = ["--demand", demand, "--price", price, "--cost", cost]
    for args in (["contracts", "evaluate", *market, "--contract", f"wholesale:w={cost + 1e-9}", "--monte-carlo",
                  monte_carlo, "--json"],
                 ["contracts", "compare", *market, "--contract", "integrated", "--contract",
                  f"buyback:w={cost + 1e-9},b=0", "--json"]):
        code, data, err = run_json(args)
        assert code in (0, 2), err
        if code:
            assert err.count("\n") == 1 and err.startswith("error: "), err


def test_non_finite_numbers_are_null_with_their_reason(capsys):
    print_json({"a": math.nan, "b": [1.0, np.float64(math.inf)], "c": {"d": np.array([-math.inf, 2.0])}})
    data = strict(capsys.readouterr().out)
    assert data["a"] is None and data["b"] == [1.0, None] and data["c"]["d"] == [None, 2.0]
    assert data[NULL_REASONS] == {"a": "not a number (NaN: undefined, e.g. 0/0)", "b[1]": "infinite (+inf)",
                                  "c.d[0]": "infinite (-inf)"}


def test_bullwhip_of_constant_demand_is_null_with_its_reason(tmp_path):
    """Constant demand: Var orders / Var demand is 0/0; the JSON says null and why (it printed NaN)."""
    path = tmp_path / "constant.yaml"
    path.write_text(yaml.safe_dump({"name": "constant", "nodes": [
        {"id": "plant", "holding_cost": 1},
        {"id": "store", "holding_cost": 1, "shortage_cost": 5, "demand": {"distribution": "series", "values": [7] * 3}},
    ], "edges": [{"source": "plant", "target": "store", "lead_time": 1}]}))
    code, data, err = run_json(["simulate", path, "--paths", "3", "--periods", "30", "--json"])
    assert code == 0, err
    assert data["bullwhip"] == {"1": None}
    assert data[NULL_REASONS] == {"bullwhip.1": "not a number (NaN: undefined, e.g. 0/0)"}


# --- the other commands with --json: a network with transshipment and a sales history, an IRP instance,
# --- and the learning commands on a tiny dataset and model (torch imported once, in-process)


@st.composite
def history_networks(draw) -> tuple[dict, str]:
    """A plant -> DC -> two stores network, the stores linked both ways by transshipment, store s1's demand
    a weekly history (a gap, an outlier, constant or zero sales at times), plus the history CSV text."""
    level = draw(st.sampled_from([0.0, 1.0, 40.0, 1e6]))
    days = 210
    sales = np.full(days, level)
    sales[draw(st.integers(0, days - 1))] = draw(st.sampled_from([0.0, 1e3 * (level + 1)]))  # an outlier
    start = datetime.date(2026, 1, 5)
    rows = [f"{start + datetime.timedelta(days=k)},s1,{q:g}" for k, q in enumerate(sales) if not 50 <= k < 60]
    store = {"holding_cost": draw(MONEY), "shortage_cost": draw(MONEY), "price": draw(MONEY)}
    document = {"name": "fuzz-history", "nodes": [
        {"id": "plant", "external_supply": True},
        {"id": "dc", "holding_cost": draw(MONEY), "initial_inventory": draw(st.sampled_from([0.0, 500.0]))},
        {"id": "s1", **store, "demand": {"history": "sales.csv", "period_days": 7}},
        {"id": "s2", **store, "demand": {"distribution": "series", "values": [7.0, 7.0, 7.0]}},
    ], "edges": [{"source": "plant", "target": "dc", "lead_time": draw(st.integers(0, 3))},
                 {"source": "dc", "target": "s1", "lead_time": 1}, {"source": "dc", "target": "s2", "lead_time": 1},
                 {"source": "s1", "target": "s2", "kind": "transshipment", "unit_cost": draw(MONEY)},
                 {"source": "s2", "target": "s1", "kind": "transshipment", "unit_cost": draw(MONEY)}]}
    return document, "date,node,quantity\n" + "\n".join(rows) + "\n"


OTHER_COMMANDS = {
    "transship": ["transship", "{f}", "--samples", "100", "--json"],
    "transship --simulate": ["transship", "{f}", "--samples", "100", "--simulate", "--periods", "6", "--paths", "2",
                             "--json"],
    "data check": ["data", "check", "{f}", "--json"],
    "data forecast": ["data", "forecast", "{f}", "--json"],
    "excess": ["excess", "{f}", "--json"],
    "simulate --policy gnn": ["simulate", "{f}", "--policy", "gnn", "--paths", "3", "--periods", "8", "--json"],
}


@pytest.mark.slow  # six commands, two or three examples each, in-process; the GNN's torch import once
@pytest.mark.parametrize("command", OTHER_COMMANDS)
def test_history_and_transshipment_commands_print_strict_json(command, tmp_path_factory):
    folder = tmp_path_factory.mktemp(command.replace(" ", "_"))

    @settings(SETTINGS, max_examples=2 if command.startswith("transship") else 3)
    @given(history_networks())
    def check(drawn):
        document, history = drawn
        (folder / "sales.csv").write_text(history)
        path = folder / "fuzz.yaml"
        path.write_text(yaml.safe_dump(document))
        code, data, err = run_json([word.format(f=path) for word in OTHER_COMMANDS[command]])
        assert code in (0, 2, 3), err
        if code:
            assert err.count("\n") == 1 and err.startswith("error: "), err
            return
        assert isinstance(data, dict)

    check()


@SETTINGS
@given(st.sampled_from([0.0, 0.01, 1e6]), st.sampled_from([0, 1, 500]), st.sampled_from([1, 1000]))
def test_route_prints_strict_json(holding, start_stock, capacity):
    """An inventory-routing instance (DIMACS format) with zero or huge costs and stocks."""
    text = (f"3 2 {capacity} 1\n0 0 0 {start_stock} 10 {holding}\n1 3 4 {start_stock} 20 0 5 {holding}\n"
            f"2 -3 4 0 20 0 5 {holding}\n")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tiny.dat"
        path.write_text(text)
        code, data, err = run_json(["route", path, "--json", "--time-limit", "20"])
    assert code in (0, 2, 3), err
    if code == 0:
        assert set(data) >= {"status", "cost", "bound", "gap", "routes", "cost_breakdown"}


@pytest.mark.slow  # a tiny dataset, one epoch of training and a one-network evaluation: ~30 s, torch once
def test_learning_commands_print_strict_json(tmp_path):
    data = tmp_path / "ds"
    steps = [
        ["dataset", "generate", "--networks", "2", "--out", data, "--nodes", "5-6", "--periods", "6", "--paths", "2",
         "--seed", "1000", "--json"],
        ["train", "--dataset", data, "--out", tmp_path / "m.pt", "--epochs", "1", "--hidden", "8", "--layers", "1",
         "--json"],
        ["evaluate", "--model", tmp_path / "m.pt", "--out", tmp_path / "eval", "--suite", "held-out", "--held-out", "1",
         "--paths", "2", "--periods", "6", "--nodes", "5-6", "--json"],
    ]
    for args in steps:
        code, parsed, err = run_json(args)
        assert code == 0, (args[0], err[-1500:])
        assert isinstance(parsed, dict)
