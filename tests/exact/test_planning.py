"""The multi-period planning model against known answers: hand computation, brute force, published
optima, the simulator's accounting, and its two independent builders against each other."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from netinv.errors import SolverError
from netinv.exact import PlanOptions, SolverOptions, Status, build_planning_model
from netinv.exact.fastlp import PlanningLP
from netinv.exact.planning import sample_demand
from netinv.exact.pyomo_highs import solve_model
from netinv.network import load
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.policies.rolling import PlannedOrders
from netinv.sim import SimConfig, simulate
from tests.conftest import SCENARIOS, network
from tests.exact.helpers import random_state

PEREZ = SCENARIOS / "perez2021_network.yaml"


def perez_paths():
    paths = np.loadtxt(SCENARIOS / "perez2021_demand_paths_backlog.csv", delimiter=",", skiprows=1)[:, 1:]
    published = np.genfromtxt(SCENARIOS / "perez2021_published_profits_backlog.csv", delimiter=",", names=True)
    return paths, published


def single_store(demand, **store):
    return network(
        [{"id": "supplier"},
         {"id": "store", "holding_cost": 1.0, "shortage_cost": 3.0, "price": 5.0,
          "demand": {"distribution": "series", "values": list(map(float, demand))}, **store}],
        [{"source": "supplier", "target": "store", "unit_cost": 2.0}],
    )


# --------------------------------------------------------------------------------------------------
# known answers


def test_zero_lead_time_oracle_orders_each_periods_demand():
    """One retailer, one external source, lead time 0, no capacity: the perfect-information plan
    orders exactly each period's demand and earns (price - unit cost) x total demand."""
    demand = [3.0, 0.0, 7.0, 2.0, 5.0]
    arrays = compile_network(single_store(demand))
    solution = PlanningLP(arrays, horizon=5).solve(np.array(demand)[:, None])
    assert solution.is_optimal and solution.form == "profit"
    np.testing.assert_allclose(solution.decisions["orders"][0, :, 0], demand, atol=1e-9)
    assert solution.objective == pytest.approx((5.0 - 2.0) * sum(demand))
    np.testing.assert_allclose(solution.decisions["unmet"][0, :, 0], 0.0, atol=1e-9)


def _brute_force_lot_sizing(demand, fixed, holding, shortage):
    """Cheapest set of order periods: each period's demand is served from the order period that is
    cheapest for it (held h per period before, or backordered p per period until a later order, or
    backordered to the end of the horizon)."""
    T = len(demand)
    best = np.inf
    for mask in itertools.product([0, 1], repeat=T):
        periods = [t for t in range(T) if mask[t]]
        cost = fixed * len(periods)
        for t, d in enumerate(demand):
            options = [shortage * (T - t)]
            options += [holding * (t - s) if s <= t else shortage * (s - t) for s in periods]
            cost += d * min(options)
        best = min(best, cost)
    return best


@pytest.mark.parametrize("demand,fixed", [([4, 0, 6, 3], 10.0), ([2, 5, 1, 8], 6.0), ([9, 1, 1, 9], 25.0)])
def test_fixed_cost_milp_equals_brute_force_enumeration(demand, fixed):
    graph = network(
        [{"id": "supplier"},
         {"id": "store", "holding_cost": 1.0, "shortage_cost": 2.5,
          "demand": {"distribution": "series", "values": [float(x) for x in demand]}}],
        [{"source": "supplier", "target": "store", "fixed_order_cost": fixed}],
    )
    arrays = compile_network(graph)
    lp = PlanningLP(arrays, horizon=4)
    solution = lp.solve(np.array(demand, dtype=float)[:, None])
    assert solution.is_optimal and solution.form == "cost" and solution.size["integers"] == 4
    expected = _brute_force_lot_sizing(demand, fixed, 1.0, 2.5)
    assert solution.objective == pytest.approx(expected, abs=1e-6)
    assert solution.gap is not None and solution.gap <= 1e-6
    # the Pyomo builder agrees
    pyomo_solution = solve_model(build_planning_model(arrays, np.array(demand, dtype=float)[:, None]))
    assert pyomo_solution.objective == pytest.approx(expected, abs=1e-6)


def test_perez_oracle_reproduces_published_profits_on_ten_paths():
    paths, published = perez_paths()
    lp = PlanningLP(compile_network(load(PEREZ)), horizon=30)
    for i in range(10):
        solution = lp.solve(paths[i][:, None])
        assert solution.objective == pytest.approx(published["oracle"][i], rel=5e-3)  # the bar
        assert solution.objective == pytest.approx(published["oracle"][i], abs=1e-6)  # what we get


@pytest.mark.slow
def test_perez_oracle_reproduces_all_100_published_profits():
    paths, published = perez_paths()
    lp = PlanningLP(compile_network(load(PEREZ)), horizon=30)
    profits = np.array([lp.solve(p[:, None]).objective for p in paths])
    np.testing.assert_allclose(profits, published["oracle"], rtol=5e-3)
    np.testing.assert_allclose(profits, published["oracle"], atol=1e-6)
    assert profits.mean() == pytest.approx(861.3, abs=0.05)


# --------------------------------------------------------------------------------------------------
# one cost model, two implementations: the simulator's accounting of the plan = the LP objective


@pytest.mark.parametrize("kind,seed", [("serial", 1), ("distribution", 2), ("general", 3), ("distribution", 4)])
def test_simulating_the_plan_reproduces_its_objective(kind, seed):
    graph = generate(kind, 8, seed)
    for n in list(graph.nodes)[::3]:  # some lost-sales demand nodes
        if graph.nodes[n].get("demand") is not None:
            graph.nodes[n]["backlog"] = False
    arrays = compile_network(graph)
    T = 12
    demand = sample_demand(arrays, 0, T, 1, seed)[0]
    solution = PlanningLP(arrays, horizon=T).solve(demand)
    assert solution.is_optimal
    result = simulate(arrays, PlannedOrders(solution.decisions["orders"][0]), SimConfig(periods=T, paths=1),
                      demand=demand)
    simulated = (result.path_profits[0] if solution.form == "profit" else result.path_costs[0]) * T
    assert simulated == pytest.approx(solution.objective, rel=1e-4, abs=1e-3)


def test_perez_oracle_plans_simulate_to_their_published_profits():
    paths, published = perez_paths()
    arrays = compile_network(load(PEREZ))
    lp = PlanningLP(arrays, horizon=30)
    plans = np.stack([lp.solve(p[:, None]).decisions["orders"][0] for p in paths[:20]])
    result = simulate(arrays, PlannedOrders(plans), SimConfig(periods=30, paths=20), demand=paths[:20].T[:, None, :])
    np.testing.assert_allclose(result.path_profits * 30, published["oracle"][:20], rtol=1e-5)


# --------------------------------------------------------------------------------------------------
# the two builders agree (random networks, random start states, several scenarios, every feature)


@pytest.mark.parametrize("kind,seed,K", [
    ("serial", 11, 1), ("assembly", 12, 2), ("distribution", 13, 3), ("general", 14, 2), ("general", 15, 1),
])
def test_pyomo_builder_and_fast_path_agree(kind, seed, K):
    rng = np.random.default_rng(seed)
    graph = generate(kind, 9, seed, transshipment=(kind == "distribution"))
    for _, _, data in graph.edges(data=True):
        if rng.random() < 0.3:
            data["fixed_order_cost"] = float(rng.integers(1, 20))
        if rng.random() < 0.2 and data.get("kind", "supply") == "supply":
            data["lot_size"] = float(rng.integers(2, 10))
    arrays = compile_network(graph)
    T = 6
    demand = sample_demand(arrays, 0, T, K, seed)
    state = random_state(arrays, rng)
    fast = PlanningLP(arrays, horizon=T, scenarios=K).solve(demand, state)
    slow = solve_model(build_planning_model(arrays, demand, state))
    assert fast.is_optimal and slow.is_optimal
    integers = int(np.sum(arrays.fixed_order_cost > 0)) + int(np.sum(arrays.lot_size > 0))
    assert slow.size["integers"] == integers * K * T
    assert fast.size["integers"] == integers * (K * (T - 1) + 1)  # period 0 shared, not duplicated
    assert slow.objective == pytest.approx(fast.objective, rel=1e-6, abs=1e-6)
    # first-period orders are shared by all scenarios
    orders = fast.decisions["orders"]
    np.testing.assert_allclose(orders[:, 0, :], np.broadcast_to(orders[0, 0, :], orders[:, 0, :].shape))


def test_user_constraints_on_the_pyomo_model_are_respected():
    arrays = compile_network(load(PEREZ))
    paths, _ = perez_paths()
    model = build_planning_model(arrays, paths[0][:, None])
    free = solve_model(model)
    limit = 10.0
    model.cap_retail = __import__("pyomo.environ", fromlist=["Constraint"]).Constraint(
        model.S, model.T, rule=lambda m, s, t: m.order[s, t, "2", "1"] + m.order[s, t, "3", "1"] <= limit
    )
    limited = solve_model(model)
    assert limited.objective < free.objective
    retail = [arrays.edge_index("2", "1"), arrays.edge_index("3", "1")]
    assert limited.decisions["orders"][0][:, retail].sum(axis=1).max() <= limit + 1e-6


# --------------------------------------------------------------------------------------------------
# failures are reported, not dumped


def test_demand_that_must_be_met_beyond_capacity_is_a_clear_infeasibility():
    graph = network(
        [{"id": "plant", "capacity": 5.0},
         {"id": "store", "shortage_cost": 1.0, "backlog": False,
          "demand": {"distribution": "series", "values": [8.0]}}],
        [{"source": "plant", "target": "store"}],
    )
    lp = PlanningLP(compile_network(graph), horizon=3, options=PlanOptions(meet_demand=True))
    with pytest.raises(SolverError, match="infeasible") as info:
        lp.solve(np.full((3, 1), 8.0))
    assert "\n" not in str(info.value)
    failed = lp.solve(np.full((3, 1), 8.0), raise_on_failure=False)
    assert failed.status == Status.INFEASIBLE and failed.objective is None
    # with enough capacity the same model solves
    assert lp.solve(np.full((3, 1), 4.0)).is_optimal


def test_time_limit_returns_the_incumbent_with_its_gap_or_a_clear_error():
    graph = generate("general", 40, 3)
    for _, _, data in graph.edges(data=True):
        data["fixed_order_cost"] = 50.0
    arrays = compile_network(graph)
    lp = PlanningLP(arrays, horizon=20, solver=SolverOptions(time_limit=0.05))
    demand = sample_demand(arrays, 0, 20, 1, 0)[0]
    try:
        solution = lp.solve(demand)
    except SolverError as err:
        assert "time limit" in str(err)
        return
    if solution.status == Status.TIME_LIMIT:
        assert solution.objective is not None and solution.gap is not None and solution.gap > 0
        assert "gap" in solution.message
    else:  # solved within the limit after all
        assert solution.is_optimal


def test_lot_sizes_equal_brute_force_enumeration():
    """Orders in whole lots of 5 on a one-store network with backlog: enumerate every lot count."""
    demand, lot, h, p = [7.0, 3.0, 9.0], 5.0, 1.0, 4.0
    graph = network(
        [{"id": "supplier"},
         {"id": "store", "holding_cost": h, "shortage_cost": p, "demand": {"distribution": "series", "values": demand}}],
        [{"source": "supplier", "target": "store", "lot_size": lot}],
    )
    arrays = compile_network(graph)
    best = np.inf
    for lots in itertools.product(range(6), repeat=3):
        net, cost = 0.0, 0.0
        for n, d in zip(lots, demand):
            net += lot * n - d
            cost += h * max(net, 0.0) + p * max(-net, 0.0)
        best = min(best, cost)
    solution = PlanningLP(arrays, horizon=3).solve(np.array(demand)[:, None])
    assert solution.is_optimal and solution.size["integers"] == 3
    assert solution.objective == pytest.approx(best, abs=1e-6)
    np.testing.assert_allclose(solution.decisions["orders"][0, :, 0] % lot, 0.0, atol=1e-6)
    assert solve_model(build_planning_model(arrays, np.array(demand)[:, None])).objective == pytest.approx(best, abs=1e-6)
