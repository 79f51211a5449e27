"""The current state of a network (netinv.network.state): read, checked, and started from by every model.

Hand-computed cases (a known shipment arriving in period k, a known backlog) are reproduced exactly by the
simulator, the planning LP (both builders) and ``risk``.
"""

from __future__ import annotations

import numpy as np
import pytest

from netinv import attrs
from netinv.errors import InputError
from netinv.exact.fastlp import PlanningLP
from netinv.exact.planning import PlanState, build_planning_model
from netinv.exact.pyomo_highs import solve_model
from netinv.history.risk import RiskConfig, stockout_risk
from netinv.network import load, save
from netinv.network.compile import compile_network
from netinv.network.validate import document_to_graph
from netinv.policies.basestock import InstallationBaseStock
from netinv.sim.simulator import SimConfig, simulate


def _doc(state: dict | str | None = None, *, store_backlog: bool = True) -> dict:
    """supplier -(lead 3)-> store, constant demand 10 (std 0), h 1, p 9."""
    doc = {
        "name": "one_store",
        "nodes": [
            {"id": "supplier"},
            {"id": "store", "holding_cost": 1.0, "shortage_cost": 9.0, "backlog": store_backlog,
             "demand": {"distribution": "normal", "mean": 10.0, "std": 0.0}},
        ],
        "edges": [{"source": "supplier", "target": "store", "lead_time": 3, "unit_cost": 2.0}],
    }
    if state is not None:
        doc["state"] = state
    return doc


STATE = {"on_hand": {"store": 5.0}, "backorders": {"store": 4.0},
         "in_transit": [{"source": "supplier", "target": "store", "quantity": 20.0, "arrives": 2}]}


def test_the_state_is_read_and_kept():
    graph = document_to_graph(_doc(STATE))
    assert graph.graph[attrs.STATE] == STATE
    arrays = compile_network(graph)
    store = arrays.index["store"]
    assert arrays.initial_inventory[store] == 5.0
    assert arrays.start.backlog[store] == 4.0
    assert arrays.start.arrivals.tolist() == [[0.0, 0.0, 20.0, 0.0]]


def test_a_state_file_beside_the_scenario_reads_as_the_block(tmp_path):
    (tmp_path / "state.csv").write_text(
        "kind,node,source,target,quantity,arrives\n"
        "on_hand,store,,,5,\n"
        "backorders,store,,,4,\n"
        "in_transit,,supplier,store,12,2\n"
        "in_transit,,supplier,store,8,2\n", encoding="utf-8")
    import yaml

    (tmp_path / "net.yaml").write_text(yaml.safe_dump(_doc("state.csv")), encoding="utf-8")
    graph = load(tmp_path / "net.yaml")
    arrays = compile_network(graph)
    assert arrays.start.arrivals.tolist() == [[0.0, 0.0, 20.0, 0.0]]  # two rows on one edge add up
    assert arrays.start.backlog[arrays.index["store"]] == 4.0
    save(graph, tmp_path / "again.yaml")  # written back inline, read back equal
    again = load(tmp_path / "again.yaml")
    assert compile_network(again).start.arrivals.tolist() == arrays.start.arrivals.tolist()


@pytest.mark.parametrize(("state", "says"), [
    ({"on_hand": {"shop": 1.0}}, r"state\.on_hand: unknown node 'shop'"),
    ({"in_transit": [{"source": "supplier", "target": "store", "quantity": 5.0, "arrives": 3}]},
     r"edge 'supplier' -> 'store': arrives 3, .*arrives 0\.\.2"),
    ({"in_transit": [{"source": "store", "target": "supplier", "quantity": 5.0, "arrives": 0}]},
     r"edge 'store' -> 'supplier': not a supply edge"),
    ({"owed": [{"source": "supplier", "target": "nowhere", "quantity": 5.0}]}, r"unknown node 'nowhere'"),
    ({"in_transit": [{"source": "supplier", "target": "store", "quantity": -5.0, "arrives": 0}]}, r"quantity"),
])
def test_a_bad_state_is_one_line_naming_the_place(state, says):
    with pytest.raises(InputError, match=says) as info:
        document_to_graph(_doc(state), path="net.yaml")
    assert "\n" not in str(info.value) and str(info.value).startswith("net.yaml")


def test_backorders_at_a_lost_sales_node_are_refused():
    with pytest.raises(InputError, match="backorders are only kept at demand nodes with backlog: true"):
        document_to_graph(_doc({"backorders": {"store": 3.0}}, store_backlog=False))


def test_on_hand_given_twice_is_refused():
    doc = _doc({"on_hand": {"store": 5.0}})
    doc["nodes"][1]["initial_inventory"] = 7.0
    with pytest.raises(InputError, match="on hand is given twice"):
        document_to_graph(doc)


def test_a_bad_state_csv_names_the_row(tmp_path):
    (tmp_path / "state.csv").write_text("kind,node,source,target,quantity,arrives\non_hand,store,,,lots,\n",
                                        encoding="utf-8")
    with pytest.raises(InputError, match=r"state\.csv: line 2: quantity must be a number, got 'lots'"):
        document_to_graph(_doc("state.csv"), path=str(tmp_path / "net.yaml"))


# ------------------------------------------------------------------------------------------------
# the hand-computed case in every model
#
# Store: 5 on hand, 4 backordered, 20 arriving in period 2, demand 10 a period, nothing ordered arrives
# before period 3 (lead time 3). Period 0: 14 wanted, 5 sold -> backlog 9. Period 1: backlog 19.
# Period 2: 20 arrive, 29 wanted -> 20 sold, backlog 9. On hand 0 at every period's end.
BACKLOG = [9.0, 19.0, 9.0]


def test_the_simulator_starts_from_the_state():
    arrays = compile_network(document_to_graph(_doc(STATE)))
    result = simulate(arrays, InstallationBaseStock({"store": 0.0}), SimConfig(periods=3, paths=2, seed=0,
                                                                             record=True, warmup=0))
    store = arrays.index["store"]
    np.testing.assert_allclose(result.trace["backlog"][:, store, 0], BACKLOG)  # per node
    np.testing.assert_allclose(result.trace["sold"][:, store - arrays.demand_slice.start, 0], [5.0, 0.0, 20.0])
    np.testing.assert_allclose(result.trace["arrived"][:, 0, 0], [0.0, 0.0, 20.0])


@pytest.mark.parametrize("builder", ["pyomo", "fast"])
def test_the_plan_starts_from_the_state(builder):
    """No order can arrive before period 3: the plan's backlog in periods 0-2 is the hand-computed one."""
    arrays = compile_network(document_to_graph(_doc(STATE)))
    demand = np.full((3, 1), 10.0)
    if builder == "pyomo":
        solution = solve_model(build_planning_model(arrays, demand))
    else:
        solution = PlanningLP(arrays, 3).solve(demand)
    np.testing.assert_allclose(solution.decisions["unmet"][0, :, 0], BACKLOG, atol=1e-6)
    np.testing.assert_allclose(solution.decisions["on_hand"][0, :, arrays.index["store"]], 0.0, atol=1e-6)
    # cost: holding 0, shortage 9 x (9 + 19 + 9), the 20 in transit pay no pipeline cost here
    assert solution.objective == pytest.approx(9.0 * sum(BACKLOG), abs=1e-6)


def test_units_owed_are_shipped_first_in_the_plan():
    """A DC owes its store 6 units: the plan ships them in period 0 (the DC has them on hand)."""
    doc = {
        "name": "owed",
        "nodes": [
            {"id": "supplier"},
            {"id": "dc", "holding_cost": 0.5},
            {"id": "store", "holding_cost": 1.0, "shortage_cost": 9.0,
             "demand": {"distribution": "normal", "mean": 10.0, "std": 0.0}},
        ],
        "edges": [{"source": "supplier", "target": "dc", "lead_time": 1},
                  {"source": "dc", "target": "store", "lead_time": 1}],
        "state": {"on_hand": {"dc": 8.0}, "owed": [{"source": "dc", "target": "store", "quantity": 6.0}]},
    }
    arrays = compile_network(document_to_graph(doc))
    state = PlanState.initial(arrays)
    e = arrays.edge_keys.index(("dc", "store"))
    assert state.owed_shipments(arrays)[e] == 6.0
    demand = np.full((4, 1), 10.0)
    for solution in (solve_model(build_planning_model(arrays, demand)), PlanningLP(arrays, 4).solve(demand)):
        assert solution.decisions["orders"][0, 0, e] >= 6.0 - 1e-9
    on_hand = state.on_hand.copy()
    on_hand[arrays.index["dc"]] = 3.0
    short = PlanState(on_hand=on_hand, backlog=state.backlog, arrivals=state.arrivals, components=state.components,
                      owed=state.owed)
    assert short.owed_shipments(arrays)[e] == pytest.approx(3.0)  # the DC ships what it has


def test_risk_sees_the_shipment_on_its_way():
    """15 on hand and 20 arriving in period 1 cover 3 periods of 10: no stockout. Without the shipment
    the store runs out in period 1."""
    with_it = {"on_hand": {"store": 15.0},
               "in_transit": [{"source": "supplier", "target": "store", "quantity": 20.0, "arrives": 1}]}
    config = RiskConfig(horizon=3, paths=50, seed=0)
    report = stockout_risk(document_to_graph(_doc(with_it)), InstallationBaseStock({"store": 0.0}), config)
    assert report.nodes[0].stockout_probability == 0.0
    without = {"on_hand": {"store": 15.0}}
    report = stockout_risk(document_to_graph(_doc(without)), InstallationBaseStock({"store": 0.0}), config)
    assert report.nodes[0].stockout_probability == 1.0
    assert report.nodes[0].per_period.tolist() == [0.0, 1.0, 1.0]
