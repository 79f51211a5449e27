"""One contract every policy must honour, run over every policy on several networks."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.network import load
from netinv.network.compile import compile_network
from netinv.policies import SS, EchelonBaseStock, InstallationBaseStock, Policy
from netinv.policies.rolling import RollingHorizon, RollingHorizonConfig
from netinv.sim import SimConfig, SimState, simulate
from tests.conftest import SCENARIOS

NETWORKS = ["retail_network.yaml", "clark_scarf_ss61.yaml", "perez2021_network.yaml", "gsm_camera_fig_6_14.yaml"]


def _levels(arrays, scale):
    ordering = {arrays.node_ids[v] for v in arrays.edge_target}
    return {n: scale * (1 + i % 3) for i, n in enumerate(sorted(ordering))}


POLICIES = {
    "installation": lambda a: InstallationBaseStock(_levels(a, 20.0)),
    "echelon": lambda a: EchelonBaseStock(_levels(a, 40.0)),
    "sS": lambda a: SS(_levels(a, 10.0), _levels(a, 30.0)),
    "mpc-deterministic": lambda a: RollingHorizon(RollingHorizonConfig(horizon=5)),
    "mpc-stochastic": lambda a: RollingHorizon(RollingHorizonConfig(stochastic=True, horizon=4, scenarios=3)),
}


def check_policy(policy, arrays, paths=5):
    """The contract: a Protocol instance; orders of shape (E, B), finite, non-negative; a pure function
    of the state (same state, same orders); and it survives a whole simulation."""
    assert isinstance(policy, Policy)
    assert isinstance(policy.name, str) and policy.name
    policy.prepare(arrays, paths)
    state = SimState.initial(arrays, paths)
    first = np.asarray(policy.orders(state))
    assert first.shape == (arrays.num_edges, paths)
    assert np.all(np.isfinite(first)) and first.min() >= 0
    np.testing.assert_array_equal(first, np.asarray(policy.orders(state)))
    # state untouched by deciding
    fresh = SimState.initial(arrays, paths)
    np.testing.assert_array_equal(state.on_hand, fresh.on_hand)
    result = simulate(arrays, policy, SimConfig(periods=20, paths=paths, seed=0))
    assert np.isfinite(result.mean_cost)


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_contract(name, network):
    arrays = compile_network(load(SCENARIOS / network))
    check_policy(POLICIES[name](arrays), arrays)


def test_missing_level_is_a_clear_error():
    from netinv.errors import InputError

    arrays = compile_network(load(SCENARIOS / "clark_scarf_ss61.yaml"))
    with pytest.raises(InputError, match="no level for node 'stage"):
        InstallationBaseStock({"stage1": 5}).prepare(arrays, 1)
    with pytest.raises(InputError, match="unknown node 'nowhere'"):
        InstallationBaseStock({"nowhere": 5}).prepare(arrays, 1)


def test_assembly_node_counts_its_customers_orders_of_the_same_period():
    """Orders pass upstream within the period at assembly nodes too: in period 0 the assembly node
    orders its own target plus what its customer just ordered, on every component, times the BOM."""
    from netinv.sim import SimConfig, simulate
    from tests.conftest import network

    graph = network(
        [{"id": "a"}, {"id": "b"}, {"id": "kit", "assembly": True},
         {"id": "store", "shortage_cost": 1.0, "demand": {"distribution": "series", "values": [5]}}],
        [{"source": "a", "target": "kit", "quantity": 2.0}, {"source": "b", "target": "kit"},
         {"source": "kit", "target": "store", "lead_time": 1}],
    )
    arrays = compile_network(graph)
    result = simulate(arrays, InstallationBaseStock({"kit": 4, "store": 10}), SimConfig(periods=3, paths=1, record=True))
    orders = dict(zip(arrays.edge_keys, result.trace["orders"][0, :, 0]))
    assert orders[("kit", "store")] == pytest.approx(10)
    assert orders[("a", "kit")] == pytest.approx(2 * (4 + 10))
    assert orders[("b", "kit")] == pytest.approx(4 + 10)
