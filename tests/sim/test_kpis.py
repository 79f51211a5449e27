"""Bullwhip ratios of the simulator's KPIs against closed forms.

- A base-stock policy under i.i.d. demand passes demand on unchanged: order variance = demand variance
  at every stage (ratio 1).
- Periodic review every R periods, order up to S: an order is the demand of the last R periods, once
  per cycle: Var(O) = sigma^2 + (R - 1) mu^2, so the ratio is 1 + (R - 1) mu^2 / sigma^2.
- Order-up-to with a moving-average forecast of p demands (Chen, Drezner, Ryan & Simchi-Levi 2000,
  Management Science 46(3):436-443): y_t = m * mean(D_{t-p}..D_{t-1}) + safety, so that
  O_t = D_{t-1} + (m / p)(D_{t-1} - D_{t-1-p}) and Var(O) / Var(D) = 1 + 2m/p + 2m^2/p^2 exactly under
  i.i.d. demand (their L; here m = lead time + 1, the periods an order covers).
"""

from __future__ import annotations

import numpy as np

from netinv.network.compile import compile_network
from netinv.policies import InstallationBaseStock
from netinv.sim import SimConfig, simulate
from tests.conftest import network


def serial(demand: dict, lead_time: int = 1, two_stages: bool = False):
    nodes = [{"id": "plant"}, {"id": "store", "holding_cost": 1.0, "shortage_cost": 9.0, "demand": demand}]
    edges = [{"source": "plant", "target": "store", "lead_time": lead_time}]
    if two_stages:
        nodes.insert(1, {"id": "dc", "holding_cost": 0.5, "initial_inventory": 1e6})
        edges = [{"source": "plant", "target": "dc", "lead_time": 2},
                 {"source": "dc", "target": "store", "lead_time": lead_time}]
    return compile_network(network(nodes, edges))


def test_base_stock_passes_iid_demand_through_every_stage():
    arrays = serial({"distribution": "poisson", "mean": 8}, lead_time=2, two_stages=True)
    policy = InstallationBaseStock({"store": 40.0, "dc": 1e6})
    result = simulate(arrays, policy, SimConfig(periods=420, paths=200, seed=5, warmup=20))
    # per path, the orders are the demand one period late: the two variances share all but one value
    for ratios in (result.bullwhip_stage, result.bullwhip):
        assert set(ratios) == {"1", "2"}
        np.testing.assert_allclose(list(ratios.values()), 1.0, atol=0.01)
    json = result.to_dict()
    assert json["bullwhip_stage"] == result.bullwhip_stage and json["bullwhip"] == result.bullwhip


class PeriodicReview:
    """Every ``review`` periods, order up to ``level`` of installation inventory position."""

    name = "periodic-review"

    def __init__(self, review: int, level: float):
        self.review, self.level = review, level

    def prepare(self, arrays, paths):
        pass

    def orders(self, state):
        position = state.inventory_position()[state.arrays.edge_target]
        due = state.t % self.review == 0
        return np.maximum(self.level - position, 0.0) if due else np.zeros_like(position)


def test_periodic_review_batches_have_the_closed_form_ratio():
    mean, review = 5.0, 4
    arrays = serial({"distribution": "poisson", "mean": mean})
    # 800 measured periods, a whole number of cycles
    result = simulate(arrays, PeriodicReview(review, 60.0), SimConfig(periods=820, paths=200, seed=2, warmup=20))
    exact = 1 + (review - 1) * mean**2 / mean  # Poisson: sigma^2 = mu
    assert abs(result.bullwhip_stage["1"] - exact) < 0.02 * exact, (result.bullwhip_stage, exact)
    # one stage facing the consumers: both ratios are the same number
    assert abs(result.bullwhip["1"] - result.bullwhip_stage["1"]) < 1e-6 * exact


class MovingAverageOrderUpTo:
    """The store orders up to m x (mean of its last p demands) + safety; the dc passes each order on.

    The policy reads the store's demand of the last period from its inventory position:
    D_{t-1} = position_{t-1} + O_{t-1} - position_t (backorders count in the position)."""

    name = "moving-average"

    def __init__(self, p: int, multiplier: int, mean: float, safety: float):
        self.p, self.multiplier, self.mean, self.safety = p, multiplier, mean, safety

    def prepare(self, arrays, paths):
        self.store = arrays.index["store"]
        self.into_store = int(np.flatnonzero(arrays.edge_target == self.store)[0])
        self.into_dc = int(np.flatnonzero(arrays.edge_target == arrays.index["dc"])[0])
        self.demands, self.before = [], None

    def orders(self, state):
        position = state.inventory_position()[self.store]
        if self.before is not None:
            last_position, last_order = self.before
            self.demands.append(last_position + last_order - position)
        recent = self.demands[-self.p:]
        forecast = np.mean(recent, axis=0) if len(recent) == self.p else np.full(state.paths, self.mean)
        order = self.multiplier * forecast + self.safety - position
        self.before = (position, order)
        out = np.zeros_like(state.owed)
        out[self.into_store] = order
        out[self.into_dc] = order
        return out


def test_moving_average_order_up_to_has_the_chen_et_al_ratio():
    lead_time, p = 2, 4
    m = lead_time + 1
    arrays = serial({"distribution": "normal", "mean": 100, "std": 10}, lead_time=lead_time, two_stages=True)
    policy = MovingAverageOrderUpTo(p, m, mean=100.0, safety=40.0)
    result = simulate(arrays, policy, SimConfig(periods=620, paths=200, seed=4, warmup=20, record=True))
    assert result.trace["orders"].min() > 0  # never cut at zero: the closed form applies
    exact = 1 + 2 * m / p + 2 * m**2 / p**2  # 3.625
    assert abs(result.bullwhip_stage["1"] - exact) < 0.03 * exact, (result.bullwhip_stage, exact)
    # the dc passes the store's orders on unchanged: its own stage ratio is 1, its ratio to the
    # consumers is the store's
    assert abs(result.bullwhip_stage["2"] - 1.0) < 1e-3
    assert abs(result.bullwhip["2"] - exact) < 0.03 * exact
    # cross-check against the variances counted from the trace
    orders = result.trace["orders"][20:, arrays.edge_target == arrays.index["store"]][:, 0, :]
    demand = result.trace["demand"][20:, 0, :]
    direct = np.mean(orders.var(axis=0) / demand.var(axis=0))
    assert abs(result.bullwhip_stage["1"] - direct) < 1e-3 * direct
