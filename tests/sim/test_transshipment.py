"""The simulator's cost-aware transshipment rule on a tiny case worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.network.compile import compile_network
from netinv.sim import CostAwareTransshipment, SimConfig, simulate
from tests.conftest import network


class NoOrders:
    name = "no_orders"

    def prepare(self, arrays, paths):
        self.shape = (arrays.num_edges, paths)

    def orders(self, state):
        return np.zeros(self.shape, dtype=np.float32)


def _two_stores(lead_time):
    """a starts with 10 units, b with none; a -> b pays (0.5 < h_a + p_b = 5), b -> a does not (6 > 5)."""
    return compile_network(network(
        [{"id": "supplier"},
         {"id": "a", "holding_cost": 1.0, "shortage_cost": 4.0, "initial_inventory": 10.0,
          "demand": {"distribution": "poisson", "mean": 2}},
         {"id": "b", "holding_cost": 1.0, "shortage_cost": 4.0, "demand": {"distribution": "poisson", "mean": 2}}],
        [{"source": "supplier", "target": "a"}, {"source": "supplier", "target": "b"},
         {"source": "a", "target": "b", "kind": "transshipment", "unit_cost": 0.5, "lead_time": lead_time},
         {"source": "b", "target": "a", "kind": "transshipment", "unit_cost": 6.0}],
    ))


DEMAND = np.array([[3.0, 5.0], [0.0, 4.0]])  # periods x (a, b)


def _run(arrays, rule):
    order = [arrays.node_ids[arrays.demand_slice].index(n) for n in ("a", "b")]
    demand = np.zeros_like(DEMAND)
    demand[:, order] = DEMAND
    return simulate(arrays, NoOrders(), SimConfig(periods=2, paths=1, record=True), demand=demand,
                    transshipment=rule)


def test_lead_time_zero_serves_the_shortage_at_once():
    # period 0: a 10 - 3 = 7 left, b short 5 -> move 5: holding 2, shortage 0, transshipment 2.5
    # period 1: a 2 left, b short 4 -> move 2: holding 0, shortage 2 x 4 = 8, transshipment 1
    result = _run(_two_stores(0), CostAwareTransshipment())
    breakdown = {k: v["mean"] for k, v in result.cost_breakdown.items()}
    assert breakdown["holding"] == pytest.approx((2 + 0) / 2)
    assert breakdown["shortage"] == pytest.approx((0 + 8) / 2)
    assert breakdown["transshipment"] == pytest.approx((2.5 + 1.0) / 2)
    assert result.mean_cost == pytest.approx(13.5 / 2)
    assert result.transshipped == pytest.approx({"a->b": 3.5, "b->a": 0.0})
    assert result.to_dict()["transshipped"] == result.transshipped
    assert result.nodes["b"]["fill_rate"] == pytest.approx(7 / 9)


def test_lead_time_one_arrives_a_period_later():
    # period 0: move 5 (in transit): holding 2, shortage 20, transshipment 2.5
    # period 1: b's backorders 5 + 4; the 5 arrive and serve 5; a's last 2 move: shortage 16, transshipment 1
    result = _run(_two_stores(1), CostAwareTransshipment())
    breakdown = {k: v["mean"] for k, v in result.cost_breakdown.items()}
    assert breakdown["holding"] == pytest.approx(2 / 2)
    assert breakdown["shortage"] == pytest.approx((20 + 16) / 2)
    assert breakdown["transshipment"] == pytest.approx(3.5 / 2)
    assert result.trace["backlog"][:, -1, 0].tolist() == [5.0, 4.0]


def test_without_the_rule_nothing_moves_and_keep_holds_stock_back():
    arrays = _two_stores(0)
    plain = _run(arrays, None)
    assert plain.mean_cost == pytest.approx((7 + 20 + 7 + 36) / 2)
    assert plain.transshipped == {"a->b": 0.0, "b->a": 0.0}
    kept = _run(arrays, CostAwareTransshipment(keep={"a": 6.0}))  # a ships only beyond 6 units
    assert kept.transshipped["a->b"] == pytest.approx((1 + 0) / 2)


def test_fill_rate_counts_only_the_periods_own_demand():
    """Regression: the backorders before demand were read through a view that the demand step overwrote."""
    arrays = compile_network(network(
        [{"id": "supplier"}, {"id": "b", "holding_cost": 1.0, "shortage_cost": 4.0, "initial_inventory": 4.0,
                              "demand": {"distribution": "poisson", "mean": 2}}],
        [{"source": "supplier", "target": "b"}],
    ))
    # period 0: demand 7, 4 filled, 3 backordered; period 1: demand 5, nothing on hand
    result = simulate(arrays, NoOrders(), SimConfig(periods=2, paths=1), demand=np.array([[7.0], [5.0]]))
    assert result.nodes["b"]["fill_rate"] == pytest.approx(4 / 12)


def test_rule_moves_to_backorders_in_order_of_saving_and_respects_keep_and_transit():
    """The rule alone, on a hand-made state: a has 10 on hand, b 5 backordered, 2 already on their way."""
    from netinv.sim import SimState

    arrays = _two_stores(1)
    state = SimState.initial(arrays, 1)
    a, b = arrays.index["a"], arrays.index["b"]
    state.backlog[b] = 5.0
    moves = CostAwareTransshipment().shipments(state)
    ab = arrays.trans_keys.index(("a", "b"))
    assert moves.shape == (len(arrays.trans_keys), 1)
    assert moves[ab, 0] == pytest.approx(5.0) and moves[1 - ab, 0] == 0.0  # b -> a does not pay
    state.transshipment_in_transit = np.zeros((len(arrays.trans_keys), 1), dtype=np.float32)
    state.transshipment_in_transit[ab] = 2.0
    assert CostAwareTransshipment().shipments(state)[ab, 0] == pytest.approx(3.0)
    assert CostAwareTransshipment(keep={"a": 8.0}).shipments(state)[ab, 0] == pytest.approx(2.0)
    assert state.on_hand[a, 0] == 10.0  # the rule decides, the simulator moves
    from netinv.errors import InputError

    with pytest.raises(InputError, match="unknown node 'nowhere'"):
        CostAwareTransshipment(keep={"nowhere": 1.0}).shipments(state)


# --------------------------------------------------------------------------------------------------
# the rules by name, and the paired comparison: transshipment that pays costs no more


def test_the_registry_names_none_and_cost_aware():
    from netinv.sim.transshipment import TRANSSHIPMENT_RULES

    assert list(TRANSSHIPMENT_RULES) == ["none", "cost-aware"]
    assert TRANSSHIPMENT_RULES["none"]() is None
    assert isinstance(TRANSSHIPMENT_RULES["cost-aware"](), CostAwareTransshipment)


def _store(node, level_cost=(1.0, 4.0), lost_sales=False, mean=5.0):
    h, p = level_cost
    return {"id": node, "holding_cost": h, "shortage_cost": p, "backlog": not lost_sales,
            "demand": {"distribution": "poisson", "mean": mean}}


def _paired_network(case, unit_cost):
    """Small networks with transshipment edges (``unit_cost`` on each) and the supply edges' lead time 2."""
    supply = [{"source": "supplier", "target": s, "lead_time": 2} for s in ("a", "b", "c")]
    if case == "two stores both ways":
        nodes = [{"id": "supplier"}, _store("a"), _store("b")]
        trans = [("a", "b", 0), ("b", "a", 0)]
        supply = supply[:2]
    elif case == "three stores in a ring, lead time 1":
        nodes = [{"id": "supplier"}, _store("a"), _store("b", (1.0, 9.0)), _store("c", (0.5, 4.0))]
        trans = [("a", "b", 1), ("b", "c", 0), ("c", "a", 1), ("b", "a", 0)]
    else:  # "a lost-sales store beside backlog stores"
        nodes = [{"id": "supplier"}, _store("a"), _store("b"), _store("c", lost_sales=True)]
        trans = [("a", "b", 0), ("b", "a", 0), ("c", "b", 0), ("a", "c", 0)]
    edges = supply + [{"source": u, "target": v, "kind": "transshipment", "unit_cost": unit_cost, "lead_time": L}
                      for u, v, L in trans]
    return compile_network(network(nodes, edges)), compile_network(network(nodes, supply))


CASES = ["two stores both ways", "three stores in a ring, lead time 1", "a lost-sales store beside backlog stores"]
LEVELS = {"a": 30.0, "b": 14.0, "c": 16.0}  # a stocked heavily, b and c short: backorders to serve


def _paired_costs(arrays, without, periods=120, paths=200, seed=7):
    """Mean cost per period with the cost-aware rule, without a rule, and with the edges removed: the same
    demand paths (common random numbers) and the same base-stock levels."""
    from netinv.policies import InstallationBaseStock

    stores = list(arrays.node_ids[arrays.demand_slice])
    demand = np.random.default_rng(seed).poisson(5.0, size=(periods, len(stores), paths)).astype(np.float32)
    config = SimConfig(periods=periods, paths=paths, seed=seed, warmup=20)
    levels = {s: LEVELS[s] for s in stores}
    runs = [simulate(a, InstallationBaseStock(levels), config, demand=demand, transshipment=rule)
            for a, rule in ((arrays, CostAwareTransshipment()), (arrays, None), (without, None))]
    return runs


@pytest.mark.parametrize("case", CASES)
def test_transshipment_that_pays_costs_no_more_on_the_same_paths(case):
    arrays, without = _paired_network(case, unit_cost=0.5)  # 0.5 < h + p on every edge
    rule, none, removed = _paired_costs(arrays, without)
    assert none.mean_cost == pytest.approx(removed.mean_cost, rel=1e-6)  # no rule = no edges
    assert rule.mean_cost <= none.mean_cost
    # paired over the same paths: the per-path difference is mostly a saving, not noise
    saving = none.path_costs - rule.path_costs
    assert saving.mean() > 0 and np.mean(saving >= 0) > 0.9
    assert sum(rule.transshipped.values()) > 0 and rule.cost_breakdown["transshipment"]["mean"] > 0
    assert rule.cost_breakdown["shortage"]["mean"] < none.cost_breakdown["shortage"]["mean"]


def test_the_heavily_stocked_store_ships_to_the_short_one():
    arrays, without = _paired_network("two stores both ways", unit_cost=0.5)
    rule, none, _ = _paired_costs(arrays, without)
    assert rule.transshipped["a->b"] > 0.5  # a (level 30) serves b's (level 14) backorders
    assert rule.transshipped["a->b"] > 10 * rule.transshipped["b->a"]
    assert rule.nodes["b"]["fill_rate"] > none.nodes["b"]["fill_rate"]


@pytest.mark.parametrize("case", CASES)
def test_edges_that_never_pay_give_exactly_the_cost_without_transshipment(case):
    arrays, without = _paired_network(case, unit_cost=20.0)  # above h + p everywhere
    rule, none, removed = _paired_costs(arrays, without, paths=50)
    assert sum(rule.transshipped.values()) == 0
    assert np.array_equal(rule.path_costs, none.path_costs)
    assert rule.mean_cost == none.mean_cost == pytest.approx(removed.mean_cost, rel=1e-6)
