"""netinv.excess.analysis on a planner's network: the slow store and the dead DC item are flagged with
their reasons, the steady stores are not, and the plan disposes of every flagged unit."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.excess.analysis import analyse, node_sales, on_hand
from netinv.network.io import load, read_document
from tests.excess.planner import SCENARIO, write_planner


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return analyse(str(write_planner(tmp_path_factory.mktemp("excess"))))


def test_slow_store_and_dead_dc_item_are_flagged(report):
    found = {f.node: f for f in report.findings}
    assert set(found) == {"dc_a", "dc_b", "store_a", "store_b", "store_slow"}
    slow, dead = found["store_slow"], found["dc_b"]
    assert slow.periods_since_sale == 14 and dead.periods_since_sale == 22
    assert slow.flags[0].startswith("no sale in 14 weeks; P(no sale in next 8 weeks) = 0.7")
    assert dead.flags[0].startswith("no sale in 22 weeks; P(no sale in next 8 weeks) = 0.9")
    assert dead.older_than_history > 0 and dead.age_oldest == 52
    assert not found["store_a"].flagged and not found["store_b"].flagged and not found["dc_a"].flagged


def test_plan_disposes_of_every_flagged_unit_and_beats_keeping(report):
    plan = report.plan
    assert plan.status == "optimal" and plan.gain > 0 and plan.value >= plan.keep_value
    for node, units in (("store_slow", 45.0), ("dc_b", 300.0)):
        assert sum(plan.flows[node].values()) == pytest.approx(units)
    assert plan.flows["dc_b"]["return"] == pytest.approx(200)  # the buyback's capacity, at 6 > scrap
    assert report.recommendation("store_slow") == "transfer to store_b: 45"  # 21 - 0.6 beats 20 - 0.5 and markdowns
    assert report.recommendation("store_a") == "keep"
    assert report.recommendation("dc_b") == "return: 200; scrap: 100"  # scrap at -0.2 beats holding 0.08 x 10


def test_sales_and_stock_are_read_from_the_history_and_the_state(tmp_path):
    path = write_planner(tmp_path)
    graph = load(path)
    sales = node_sales(read_document(path), str(path), graph)
    stores = np.vstack([sales[n] for n in ("store_a", "store_b", "store_slow")])
    assert np.allclose(sales["dc_a"], stores.sum(axis=0))  # a DC sells what its stores sell
    assert "supplier" not in sales and sales["store_slow"][-14:].sum() == 0
    assert on_hand(graph)["dc_b"] == 300.0


def test_nothing_flagged_no_plan(tmp_path):
    calm = SCENARIO.replace("dc_b: 300, store_a: 12, store_b: 10, store_slow: 45", "dc_b: 0, store_a: 12, "
                            "store_b: 10, store_slow: 0")
    report = analyse(str(write_planner(tmp_path, calm)))
    assert report.plan is None and not any(f.flagged for f in report.findings)
    assert report.to_dict()["plan"] is None
