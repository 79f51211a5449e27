"""The contract every policy honours, as one reusable battery (like scikit-learn's ``check_estimator``).

:func:`check_policy` runs every check on one policy and one network; a policy written outside netinv
(a learned one, a heuristic in a notebook) passes it before it is trusted in a comparison. Each check
is also a function of its own. A broken promise raises :class:`AssertionError` naming the policy, the
network and what was wrong.

The promises (see :class:`~netinv.policies.base.Policy`):

1. it is a :class:`~netinv.policies.base.Policy` with a non-empty ``name``;
2. after ``prepare(arrays, B)``, ``orders(state)`` has shape (E, B) and holds finite numbers >= 0;
3. deciding is a pure function of the state: the same state gives the same orders;
4. deciding leaves the state as it was;
5. it survives a whole simulation, with a finite mean cost.
"""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np

from netinv.network.compile import NetworkArrays, compile_network
from netinv.policies.base import Policy
from netinv.sim.simulator import SimConfig, simulate
from netinv.sim.state import SimState

__all__ = [
    "check_deterministic",
    "check_orders",
    "check_policy",
    "check_protocol",
    "check_simulates",
    "check_state_untouched",
]

CHECK_PATHS = 5
CHECK_PERIODS = 20


def check_policy(policy: Policy, network: NetworkArrays | nx.DiGraph, *, paths: int = CHECK_PATHS,
                 periods: int = CHECK_PERIODS) -> None:
    """Run every check of the module on ``policy`` over ``network`` (a graph or its compiled arrays),
    with ``paths`` paths and a simulation of ``periods`` periods. Raises :class:`AssertionError` at the
    first broken promise; returns None when the policy passes."""
    arrays = network if isinstance(network, NetworkArrays) else compile_network(network)
    check_protocol(policy)
    policy.prepare(arrays, paths)
    state = SimState.initial(arrays, paths)
    check_orders(policy, state)
    check_deterministic(policy, state)
    check_state_untouched(policy, state)
    check_simulates(policy, arrays, paths=paths, periods=periods)


def check_protocol(policy: Policy) -> None:
    """Promise 1: a :class:`Policy` (``name``, ``prepare``, ``orders``) with a non-empty string name."""
    if not isinstance(policy, Policy):
        raise AssertionError(f"{policy!r} is not a Policy: it needs a name, prepare(arrays, paths) and orders(state)")
    if not isinstance(policy.name, str) or not policy.name:
        raise AssertionError(f"{policy!r}: name must be a non-empty string, got {policy.name!r}")


def check_orders(policy: Policy, state: SimState) -> np.ndarray:
    """Promise 2: orders of shape (E, B), finite and non-negative. Returns them."""
    orders = np.asarray(policy.orders(state))
    expected = (state.arrays.num_edges, state.paths)
    if orders.shape != expected:
        raise AssertionError(f"policy {policy.name!r} on {state.arrays.name!r}: orders of shape {orders.shape}, "
                             f"expected {expected} (edges, paths)")
    if not np.all(np.isfinite(orders)):
        raise AssertionError(f"policy {policy.name!r} on {state.arrays.name!r}: orders must be finite")
    if orders.size and orders.min() < 0:
        raise AssertionError(f"policy {policy.name!r} on {state.arrays.name!r}: orders must be >= 0, "
                             f"got {orders.min()}")
    return orders


def check_deterministic(policy: Policy, state: SimState) -> None:
    """Promise 3: asked twice about the same state, the policy orders the same."""
    first = np.array(policy.orders(state), copy=True)
    second = np.asarray(policy.orders(state))
    if not np.array_equal(first, second):
        raise AssertionError(f"policy {policy.name!r} on {state.arrays.name!r}: the same state gave different "
                             "orders")


def check_state_untouched(policy: Policy, state: SimState) -> None:
    """Promise 4: deciding does not write into the state (every array and the period stay as they were)."""
    before = _arrays_of(state)
    t = state.t
    policy.orders(state)
    changed = [name for name, value in _arrays_of(state).items() if not np.array_equal(value, before[name])]
    if state.t != t:
        changed.append("t")
    if changed:
        raise AssertionError(f"policy {policy.name!r} on {state.arrays.name!r}: deciding changed the state's "
                             f"{', '.join(changed)}")


def check_simulates(policy: Policy, arrays: NetworkArrays, *, paths: int = CHECK_PATHS,
                    periods: int = CHECK_PERIODS, seed: int = 0) -> None:
    """Promise 5: a whole simulation runs and its mean cost is a finite number."""
    result = simulate(arrays, policy, SimConfig(periods=periods, paths=paths, seed=seed))
    if not np.isfinite(result.mean_cost):
        raise AssertionError(f"policy {policy.name!r} on {arrays.name!r}: the simulated mean cost is "
                             f"{result.mean_cost}")


def _arrays_of(state: SimState) -> dict[str, np.ndarray]:
    """Copies of the state's arrays, by field name."""
    return {f.name: np.array(getattr(state, f.name), copy=True) for f in dataclasses.fields(state)
            if isinstance(getattr(state, f.name), np.ndarray)}
