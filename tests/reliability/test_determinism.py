"""Determinism: the same command with the same seed, run twice as separate processes, prints the same JSON.

``simulate --json`` (base-stock, and the shipped GNN policy on CPU) and ``contracts evaluate --json``
(Monte Carlo check included) are byte-identical.
``plan --json`` and ``gsm --json`` carry wall-clock timings (``seconds``), which a run cannot repeat:
without them (``--no-timings``) they are byte-identical too, and with them identical but for the timings.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import SCENARIOS
from tests.reliability.test_malformed_corpus import netinv

COMMANDS = {
    "simulate": ("simulate", str(SCENARIOS / "retail_network.yaml"), "--levels", "auto", "--periods", "60",
                 "--paths", "40", "--seed", "3", "--json"),
    "contracts": ("contracts", "evaluate", "--demand", "normal:100,30", "--price", "10", "--cost", "3",
                  "--contract", "buyback:w=6,b=4", "--monte-carlo", "2000", "--seed", "4", "--json"),
    "plan": ("plan", str(SCENARIOS / "perez2021_network.yaml"), "--horizon", "10", "--scenarios", "3", "--seed", "1",
             "--json"),
    "gsm": ("gsm", str(SCENARIOS / "gsm_camera_fig_6_14.yaml"), "--json"),
    # GNN inference on CPU (the shipped model), on the published paths
    "simulate-gnn": ("simulate", str(SCENARIOS / "perez2021_network.yaml"), "--policy", "gnn", "--demand-paths",
                     str(SCENARIOS / "perez2021_demand_paths_backlog.csv"), "--warmup", "0", "--json"),
}
COMMANDS.update({f"{name} --no-timings": COMMANDS[name] + ("--no-timings",) for name in ("plan", "gsm")})
TIMED = {"plan", "gsm"}  # their JSON carries wall-clock seconds


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, tuple[str, str]]:
    work = tmp_path_factory.mktemp("determinism")
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = {(name, k): pool.submit(netinv, args, work) for name, args in COMMANDS.items() for k in range(2)}
        procs = {key: future.result() for key, future in runs.items()}
    for (name, _), proc in procs.items():
        assert proc.returncode == 0, f"{name}: {proc.stderr}"
    return {name: (procs[name, 0].stdout, procs[name, 1].stdout) for name in COMMANDS}


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


@pytest.mark.parametrize("name", [n for n in COMMANDS if n not in TIMED])
def test_byte_identical(outputs, name):
    first, second = outputs[name]
    assert first == second


@pytest.mark.parametrize("name", list(COMMANDS))
def test_identical_but_for_timings(outputs, name):
    first, second = (json.loads(text) for text in outputs[name])
    assert _without_timings(first) == _without_timings(second)
    if name in TIMED:
        assert first != _without_timings(first)  # the timings are the only difference
