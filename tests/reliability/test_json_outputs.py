"""Every ``--json`` output is strict JSON: on fuzzed, extreme but valid inputs (costs from 0 to 10^12, demand
from constant to 10^9, zero prices), what each command prints parses with a parser that refuses NaN and
Infinity; a non-finite result is ``null`` with its reason under ``"null_reasons"``.

In-process (``netinv.cli.main``), derandomized, a few examples per command. The learning commands
(``dataset generate``, ``train``, ``finetune``, ``adapt``, ``evaluate``) print through the same writer
(:func:`netinv.cli.common.print_json`); they are left out here for their cost (torch, minutes per run).
"""

from __future__ import annotations

import io
import json
import math
import sys
from contextlib import redirect_stderr, redirect_stdout

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
