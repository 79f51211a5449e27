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
