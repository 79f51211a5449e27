"""Base-stock policies: levels per node, orders cascaded upstream within the period."""

from __future__ import annotations

import pytest

from netinv.network import load
from netinv.network.compile import compile_network
from netinv.policies import InstallationBaseStock
from tests.conftest import SCENARIOS


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
