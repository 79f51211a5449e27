"""The differentiable twin against the numpy simulator: same orders and demand paths, same money."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netinv import attrs
from netinv.demand.distributions import DemandSampler
from netinv.errors import InputError
from netinv.learn.diffsim import (
    TWIN_COMPONENTS,
    DiffSim,
    FixedOrders,
    TwinFeatures,
    TwinGNNPolicy,
    twin_graph,
)
from netinv.learn.feasibility import share
from netinv.learn.features import state_graph
from netinv.learn.model import ModelConfig, OrderGNN
from netinv.learn.policy import GNNPolicy
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.policies.basestock import InstallationBaseStock
from netinv.policies.levels import downstream_moments
from netinv.sim.simulator import SimConfig, simulate

PERIODS, PATHS = 12, 4


def variant(kind: str, nodes: int, seed: int, *, lost_sales=False, lost_orders=False, lead_zero=False,
            tight=False):
    """A generated network with some of the simulator's features switched on."""
    graph = generate(kind, nodes, seed)
    rng = np.random.default_rng(seed)
    for _, data in graph.nodes(data=True):
        if lost_sales and data.get(attrs.DEMAND) is not None:
            data[attrs.BACKLOG] = bool(rng.random() < 0.6)
        if tight and data.get(attrs.CAPACITY) is not None:
            data[attrs.CAPACITY] = round(0.5 * data[attrs.CAPACITY], 3)
    arrays = compile_network(graph)
    flow = _flows(arrays)
    for u, v, data in graph.edges(data=True):
        if lead_zero:
            data[attrs.LEAD_TIME] = 0
        if lost_orders:
            data[attrs.EDGE_BACKLOG] = False
        if tight and rng.random() < 0.5:
            data[attrs.EDGE_CAPACITY] = round(0.8 * flow[arrays.edge_index(u, v)], 3)
    return compile_network(graph)


def _flows(arrays) -> np.ndarray:
    mean, _ = downstream_moments(arrays)
    return np.maximum(mean[arrays.edge_target] * arrays.quantity, 1.0)


def base_stock(arrays, factor: float = 1.3) -> InstallationBaseStock:
    mean, _ = downstream_moments(arrays)
    nodes = np.unique(arrays.edge_target)
    cover = arrays.lead_time[arrays.primary_edge[nodes]] + 1
    return InstallationBaseStock({arrays.node_ids[n]: float(factor * mean[n] * c) for n, c in zip(nodes, cover)})


def demand_paths(arrays, seed: int = 5) -> np.ndarray:
    return np.ascontiguousarray(DemandSampler(arrays.demand_specs, seed=seed).draw(0, PERIODS, PATHS))


def trace_costs(arrays, trace) -> dict:
    """Per-period (T, B) money from a recorded simulation, in float64 (the simulator's accounting)."""
    a = arrays
    ds = a.demand_slice
    f = {k: np.asarray(v, dtype=np.float64) for k, v in trace.items()}
    flag = a.backlog[ds]
    costs = {
        "holding": np.einsum("n,tnb->tb", a.holding_cost, f["on_hand"])
        + np.einsum("e,teb->tb", a.holding_cost[a.edge_source], f["components"]),
        "pipeline_holding": np.einsum("e,teb->tb", a.pipeline_holding_cost, f["in_transit"]),
        "shortage": np.einsum("d,tdb->tb", a.shortage_cost[ds] * flag, f["backlog"][:, ds])
        + np.einsum("d,tdb->tb", a.shortage_cost[ds] * ~flag, f["lost"]),
        "purchase": np.einsum("e,teb->tb", a.purchase_cost, f["shipped"]),
        "ordering": np.einsum("e,teb->tb", a.fixed_order_cost, (f["orders"] > 0).astype(float)),
        "operating": np.einsum("e,teb->tb", a.operating_cost[a.edge_source], f["shipped"])
        + np.einsum("d,tdb->tb", a.operating_cost[ds], f["sold"]),
    }
    return {"revenue": np.einsum("d,tdb->tb", a.price[ds], f["sold"]), **costs}


def assert_money_equal(arrays, result, rollout):
    """Per period and component, and in total, the twin's money equals the simulator's."""
    reference = trace_costs(arrays, result.trace)
    scale = max(1.0, float(np.abs(reference["revenue"]).max()),
                *(float(np.abs(v).max()) for v in reference.values()))
    for name in ("revenue", *TWIN_COMPONENTS):
        twin = (rollout.revenue if name == "revenue" else rollout.components[name]).double().numpy()
        np.testing.assert_allclose(twin, reference[name], rtol=2e-5, atol=2e-5 * scale, err_msg=name)
    total = rollout.profit.sum(dim=0).double().numpy()
    np.testing.assert_allclose(total, result.path_profits * PERIODS, rtol=5e-5,
                               atol=5e-5 * PERIODS * scale)


CASES = {
    "serial": dict(kind="serial", nodes=6, seed=1),
    "serial-lead0": dict(kind="serial", nodes=5, seed=2, lead_zero=True),
    "assembly": dict(kind="assembly", nodes=12, seed=3),
    "assembly-tight-lost": dict(kind="assembly", nodes=10, seed=4, tight=True, lost_sales=True),
    "distribution": dict(kind="distribution", nodes=30, seed=5),
    "distribution-lost-orders-tight": dict(kind="distribution", nodes=25, seed=6, lost_orders=True, tight=True),
    "general-lost-sales": dict(kind="general", nodes=20, seed=7, lost_sales=True),
    "general-lead0-tight": dict(kind="general", nodes=16, seed=8, lead_zero=True, tight=True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_twin_equals_simulator_on_base_stock_orders(case):
    arrays = variant(**CASES[case])
    demand = demand_paths(arrays)
    result = simulate(arrays, base_stock(arrays, 1.6), SimConfig(periods=PERIODS, paths=PATHS, record=True,
                                                                 block_paths=PATHS), demand=demand)
    rollout = DiffSim(arrays).rollout(FixedOrders(result.trace["orders"]), torch.from_numpy(demand))
    assert_money_equal(arrays, result, rollout)
    np.testing.assert_allclose(rollout.final.on_hand.numpy(), result.trace["on_hand"][-1], rtol=1e-5, atol=1e-3)
    if CASES[case].get("tight"):  # the capacities bind: some request is cut
        wanted = result.trace["orders"] + np.concatenate([np.zeros_like(result.trace["owed"][:1]),
                                                          result.trace["owed"][:-1]])
        assert (result.trace["shipped"] < wanted - 1e-3).any()
    if CASES[case].get("lost_sales"):
        assert result.trace["lost"].sum() > 0


@pytest.mark.parametrize("case", ["assembly-tight-lost", "distribution-lost-orders-tight", "general-lost-sales"])
def test_twin_equals_simulator_under_the_gnn(case):
    arrays = variant(**CASES[case])
    demand = demand_paths(arrays, seed=9)
    torch.manual_seed(0)
    model = OrderGNN(ModelConfig(hidden=16, layers=2)).eval()
    result = simulate(arrays, GNNPolicy(model), SimConfig(periods=PERIODS, paths=PATHS, record=True,
                                                          block_paths=PATHS), demand=demand)
    sim = DiffSim(arrays)
    with torch.no_grad():
        fixed = sim.rollout(FixedOrders(result.trace["orders"]), torch.from_numpy(demand))
        closed = sim.rollout(TwinGNNPolicy(model, sim, periods=PERIODS), torch.from_numpy(demand))
    assert_money_equal(arrays, result, fixed)
    assert_money_equal(arrays, result, closed)  # the GNN on the twin places the simulator's orders


@pytest.mark.parametrize("case", ["assembly-tight-lost", "general-lost-sales", "serial"])
def test_twin_graph_equals_state_graph(case):
    arrays = variant(**CASES[case])
    demand = demand_paths(arrays)
    result = simulate(arrays, base_stock(arrays), SimConfig(periods=7, paths=PATHS, record=True, block_paths=PATHS),
                      demand=demand[:7])
    sim = DiffSim(arrays)
    rollout = sim.rollout(FixedOrders(result.trace["orders"]), torch.from_numpy(demand[:7]))
    state = rollout.final
    twin = twin_graph(TwinFeatures(arrays), sim, state, periods=PERIODS)
    reference = state_graph(arrays, state.to_numpy(arrays, periods=PERIODS))
    for key in ("x", "edge_attr", "owed", "available", "edge_scale", "up_weight", "down_weight"):
        np.testing.assert_allclose(twin[key].detach().numpy(), reference[key].numpy(), rtol=1e-5, atol=1e-5,
                                   err_msg=key)


def test_gradients_are_finite_and_non_zero():
    arrays = variant("distribution", 12, 3, tight=True)
    demand = torch.from_numpy(demand_paths(arrays))
    torch.manual_seed(0)
    model = OrderGNN(ModelConfig(hidden=16, layers=2))
    sim = DiffSim(arrays)
    profit = sim.rollout(TwinGNNPolicy(model, sim, periods=PERIODS), demand).profit.sum()
    profit.backward()
    grads = torch.cat([p.grad.reshape(-1) for p in model.parameters() if p.grad is not None])
    assert torch.isfinite(grads).all()
    assert grads.abs().sum() > 0

    # and with respect to fixed orders: one more unit ordered at a store changes its costs
    orders = torch.full((PERIODS, arrays.num_edges, PATHS), 5.0, requires_grad=True)
    rollout = sim.rollout(lambda s: orders[s.t], demand)
    rollout.profit.sum().backward()
    assert torch.isfinite(orders.grad).all() and orders.grad.abs().sum() > 0


def test_share_gradient_matches_division_and_stays_finite():
    part = torch.tensor([0.3, 2.0, 0.0], dtype=torch.float64, requires_grad=True)
    whole = torch.tensor([1.0, 5.0, 4.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(share, (part, whole))
    tiny_part = torch.zeros(1, requires_grad=True)
    tiny_whole = torch.full((1,), 1e-30, requires_grad=True)
    share(tiny_part, tiny_whole).sum().backward()  # a / b would give 0 / 0 in b's gradient
    assert torch.isfinite(tiny_whole.grad).all() and torch.isfinite(tiny_part.grad).all()


def test_unsupported_and_bad_input_are_refused():
    arrays = variant("serial", 4, 1)
    with pytest.raises(InputError, match="proportional"):
        DiffSim(arrays, allocation="priority")
    sim = DiffSim(arrays)
    with pytest.raises(InputError, match="demand must have shape"):
        sim.rollout(lambda s: torch.zeros_like(s.owed), torch.zeros((3, arrays.num_demand_nodes + 1, 2)))
    state = sim.initial_state(2)
    with pytest.raises(InputError, match="orders of shape"):
        sim.step(state, torch.zeros((arrays.num_edges + 1, 2)), torch.zeros((arrays.num_demand_nodes, 2)))
