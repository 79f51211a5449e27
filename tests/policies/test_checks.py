"""The policy contract battery (:mod:`netinv.policies.checks`): every built-in policy passes it on
several networks, and it catches each kind of broken policy."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.network import load
from netinv.network.compile import compile_network
from netinv.policies import SS, DownstreamFirst, EchelonBaseStock, InstallationBaseStock
from netinv.policies.checks import (
    check_deterministic,
    check_orders,
    check_policy,
    check_protocol,
    check_simulates,
    check_state_untouched,
)
from netinv.policies.rolling import PlannedOrders, RollingHorizon, RollingHorizonConfig
from netinv.sim import SimState
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
    "planned-orders": lambda a: PlannedOrders(np.full((10, a.num_edges), 3.0)),
}


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_contract(name, network):
    arrays = compile_network(load(SCENARIOS / network))
    check_policy(POLICIES[name](arrays), arrays)


def test_check_policy_accepts_a_graph():
    graph = load(SCENARIOS / "clark_scarf_ss61.yaml")
    check_policy(InstallationBaseStock(_levels(compile_network(graph), 20.0)), graph)


class _Broken:
    """A policy that breaks one promise, chosen by ``fault``."""

    name = "broken"

    def __init__(self, fault):
        self.fault = fault
        self.calls = 0

    def prepare(self, arrays, paths):
        self.shape = (arrays.num_edges, paths)

    def orders(self, state):
        self.calls += 1
        out = np.ones(self.shape, dtype=np.float32)
        if self.fault == "negative":
            out[0] = -1.0
        elif self.fault == "nan":
            out[0] = np.nan
        elif self.fault == "shape":
            out = out.T
        elif self.fault == "random":
            out *= self.calls
        elif self.fault == "mutates":
            state.on_hand += 1.0
        return out


@pytest.fixture(scope="module")
def arrays():
    return compile_network(load(SCENARIOS / "clark_scarf_ss61.yaml"))


def _state(policy, arrays):
    policy.prepare(arrays, 2)
    return SimState.initial(arrays, 2)


@pytest.mark.parametrize(("fault", "check", "message"), [
    ("negative", check_orders, "must be >= 0"),
    ("nan", check_orders, "must be finite"),
    ("shape", check_orders, r"orders of shape \(\d, 3\), expected \(3, \d\)"),
    ("random", check_deterministic, "the same state gave different orders"),
    ("mutates", check_state_untouched, "changed the state's on_hand"),
])
def test_each_check_catches_its_broken_promise(arrays, fault, check, message):
    policy = _Broken(fault)
    with pytest.raises(AssertionError, match=message):
        check(policy, _state(policy, arrays))
    with pytest.raises(AssertionError, match=message):
        check_policy(_Broken(fault), arrays)
    sound = _Broken(None)
    check(sound, _state(sound, arrays))  # a sound policy passes the same check


def test_protocol_and_simulation_checks(arrays):
    class Nameless(_Broken):
        name = ""

    with pytest.raises(AssertionError, match="name must be a non-empty string"):
        check_protocol(Nameless(None))
    with pytest.raises(AssertionError, match="is not a Policy"):
        check_protocol(object())
    check_simulates(_Broken(None), arrays)


class _UserOrderUpTo:
    """A user's order-up-to policy, as the README's policy protocol writes it; ``bug`` breaks it the
    way a hand-written policy goes wrong."""

    name = "my-order-up-to"

    def __init__(self, levels, bug=None):
        self.levels, self.bug = levels, bug

    def prepare(self, arrays, paths):
        self.target = np.array([self.levels.get(n, 0.0) for n in arrays.node_ids], dtype=np.float32)[:, None]
        self.downstream_first = DownstreamFirst(arrays)

    def orders(self, state):
        def shortfall(position, nodes):
            gap = self.target[nodes] - position
            return gap if self.bug == "no floor" else np.maximum(gap, 0.0)  # "no floor": returns stock

        return self.downstream_first.orders(state, shortfall)


@pytest.mark.parametrize("network", [*NETWORKS, "planner_weekly.yaml"])
def test_a_user_written_policy_passes_the_battery(network):
    arrays = compile_network(load(SCENARIOS / network))
    check_policy(_UserOrderUpTo(_levels(arrays, 20.0)), arrays)


@pytest.mark.parametrize(("bug", "message"), [("no floor", "must be >= 0"), ("nan level", "must be finite")])
def test_the_battery_catches_a_broken_user_policy(bug, message):
    """Levels far below the initial stock with no floor on the gap order negative amounts; a NaN level
    (which InstallationBaseStock refuses up front, a user's policy need not) orders NaN."""
    arrays = compile_network(load(SCENARIOS / "planner_weekly.yaml"))
    levels = _levels(arrays, 1.0)
    if bug == "nan level":
        levels[next(iter(levels))] = float("nan")
    with pytest.raises(AssertionError, match=f"policy 'my-order-up-to' on .*{message}"):
        check_policy(_UserOrderUpTo(levels, "no floor" if bug == "no floor" else None), arrays)
