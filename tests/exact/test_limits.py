"""Up-front size limits of the exact models: the counted size equals the built model's, huge models are
refused before anything is built, bundled scenarios pass."""

from __future__ import annotations

import tracemalloc

import pytest

from netinv.errors import InputError
from netinv.exact.fastlp import PlanningLP
from netinv.exact.limits import ExactLimits, check_exact_size, estimate, planning_size
from netinv.exact.planning import PlanOptions
from netinv.network import load
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from tests.conftest import ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
PLANNABLE = ["retail_network", "perez2021_network", "clark_scarf_ss61"]


def _with_fixed_costs_and_lots(seed: int):
    graph = generate("general", 30, seed, transshipment=True)
    edges = [e for e in graph.edges if graph.edges[e]["kind"] == "supply"]
    graph.edges[edges[3]]["fixed_order_cost"] = 5.0
    graph.edges[edges[5]]["fixed_order_cost"] = 2.0
    graph.edges[edges[7]]["lot_size"] = 10.0
    return graph


NETWORKS = {
    **{name: lambda name=name: load(ROOT / "scenarios" / f"{name}.yaml") for name in PLANNABLE},
    "general+transshipment": lambda: generate("general", 40, 1, transshipment=True),
    "assembly": lambda: generate("assembly", 25, 2),
    "distribution": lambda: generate("distribution", 60, 3, transshipment=True),
    "fixed costs and lots": lambda: _with_fixed_costs_and_lots(4),
}
OPTIONS = [PlanOptions(), PlanOptions(integer_orders=True), PlanOptions(transshipment=False),
           PlanOptions(fixed_costs=False)]


@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize(("horizon", "scenarios"), [(1, 1), (4, 3), (12, 1)])
def test_counted_size_equals_the_built_model(name, horizon, scenarios):
    arrays = compile_network(NETWORKS[name]())
    for options in OPTIONS:
        built = PlanningLP(arrays, horizon, scenarios, options).size
        assert planning_size(arrays, horizon, scenarios, options) == built, options


def test_twenty_thousand_nodes_are_refused_before_building(monkeypatch):
    arrays = compile_network(generate("distribution", 20_000, 0))

    def no_build(*args, **kwargs):
        raise AssertionError("the model must not be built")

    monkeypatch.setattr(PlanningLP, "__init__", no_build)
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            check_exact_size(arrays, "plan", horizon=30, scenarios=20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "\n" not in message
    assert "max_memory_bytes" in message and "--method gnn" in message
    size = planning_size(arrays, 30, 20)
    assert f"{size['nonzeros']:,} nonzeros" in message
    assert size["nonzeros"] > 50_000_000  # about 10^8: the reason for refusing
    assert peak < 20 * 1024**2  # counting needs O(nodes) memory, never the matrix


def test_simulate_alternative_and_time_limit():
    arrays = compile_network(load(ROOT / "scenarios" / "perez2021_network.yaml"))
    job = dict(horizon=30, scenarios=20, periods=30, paths=200, shrinking=True)
    size = check_exact_size(arrays, "mpc", **job)  # the defaults accept the published experiment
    assert size.solves == 30 * 200 and size.nonzeros == planning_size(arrays, 30, 20)["nonzeros"]
    with pytest.raises(InputError, match=r"ExactLimits.max_seconds.*--policy gnn$"):
        check_exact_size(arrays, "mpc", **job, limits=ExactLimits(max_seconds=1.0), alternative="--policy gnn")
    # more paths, more time; the model's size does not change
    more = estimate(arrays, "mpc", **{**job, "paths": 400})
    assert more.seconds > size.seconds and more.nonzeros == size.nonzeros


def test_gsm_stage_limit():
    arrays = compile_network(generate("general", 200, 0))
    assert check_exact_size(arrays, "gsm").rows == 200
    with pytest.raises(InputError, match=r"200 stages, over the limit of 100 \(ExactLimits.max_gsm_stages\); "
                                         r"use --method gnn"):
        check_exact_size(arrays, "gsm", limits=ExactLimits(max_gsm_stages=100))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_bundled_scenarios_pass(path):
    arrays = compile_network(load(path))
    check_exact_size(arrays, "plan", horizon=30)
    check_exact_size(arrays, "plan", horizon=30, scenarios=20)
    check_exact_size(arrays, "mpc", horizon=30, scenarios=20, periods=30, paths=200, shrinking=True)
    check_exact_size(arrays, "gsm")
