"""Choosing base-stock levels: ``best_levels(graph, "auto")`` uses an exact method where it applies."""

from __future__ import annotations

import pytest

from netinv.errors import InvalidNetworkError
from netinv.network import load
from netinv.network.generators import generate
from netinv.policies.levels import best_levels
from tests.conftest import SCENARIOS


def test_auto_is_clark_scarf_on_the_textbook_serial_line():
    found = best_levels(load(SCENARIOS / "clark_scarf_ss61.yaml"), "auto")
    assert found.method == "clark-scarf" and found.kind == "echelon"
    assert [round(found.levels[s], 2) for s in ("stage1", "stage2", "stage3")] == [6.49, 12.02, 22.71]


def test_auto_falls_back_to_the_search_where_clark_scarf_does_not_apply():
    """A generated serial line with a capacitated stage: Clark-Scarf refuses it, ``auto`` searches instead
    (it used to pick Clark-Scarf and raise) and says why."""
    graph = generate("serial", 4, 0)
    with pytest.raises(InvalidNetworkError, match="capacity"):
        best_levels(graph, "clark-scarf")
    found = best_levels(graph, "auto", seed=1)
    assert found.method == "search" and "Clark-Scarf does not apply" in found.note
    assert found.levels and all(level >= 0 for level in found.levels.values())


def test_which_exact_method_applies():
    from netinv.network.compile import compile_network
    from netinv.policies.levels import clark_scarf_applies, is_single_stage
    from tests.conftest import network

    serial = compile_network(load(SCENARIOS / "clark_scarf_ss61.yaml"))
    assert clark_scarf_applies(serial) and not is_single_stage(serial)
    store = compile_network(network(
        [{"id": "plant"}, {"id": "store", "shortage_cost": 1.0, "backlog": False,
                           "demand": {"distribution": "poisson", "mean": 3}}],
        [{"source": "plant", "target": "store"}],
    ))
    assert is_single_stage(store) and not clark_scarf_applies(store)  # lost sales: not Clark-Scarf


def test_downstream_moments_add_up_the_demand_each_node_serves():
    from netinv.network.compile import compile_network
    from netinv.policies.levels import downstream_moments
    from tests.conftest import network

    arrays = compile_network(network(
        [{"id": "plant"}, {"id": "dc"},
         {"id": "a", "shortage_cost": 1.0, "demand": {"distribution": "normal", "mean": 10, "std": 3}},
         {"id": "b", "shortage_cost": 1.0, "demand": {"distribution": "poisson", "mean": 4}}],
        [{"source": "plant", "target": "dc"}, {"source": "dc", "target": "a"}, {"source": "dc", "target": "b"}],
    ))
    mean, var = downstream_moments(arrays)
    index = arrays.index
    assert mean[index["dc"]] == pytest.approx(14.0) and var[index["dc"]] == pytest.approx(9.0 + 4.0)
    assert mean[index["plant"]] == pytest.approx(14.0)
    assert mean[index["a"]] == pytest.approx(10.0) and var[index["b"]] == pytest.approx(4.0)
