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


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def _twice(args, tmp_path) -> tuple[str, str]:
    """The command run twice at once, as two processes; both must succeed."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        procs = list(pool.map(lambda _: netinv(args, tmp_path), range(2)))
    for proc in procs:
        assert proc.returncode == 0, proc.stderr
    return procs[0].stdout, procs[1].stdout


# one test per command (not one fixture for all): pytest-xdist's workers share the commands out instead
# of each worker running all of them for its share of the tests
@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_same_command_twice_prints_the_same_json(name, tmp_path):
    first, second = _twice(COMMANDS[name], tmp_path)
    if name not in TIMED:
        assert first == second  # byte-identical
    parsed = [json.loads(text) for text in (first, second)]
    assert _without_timings(parsed[0]) == _without_timings(parsed[1])
    if name in TIMED:
        assert parsed[0] != _without_timings(parsed[0])  # the timings are the only difference
