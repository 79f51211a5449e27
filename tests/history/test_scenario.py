"""netinv.history.scenario: demand: {history: FILE} in a scenario document."""

from __future__ import annotations

import pytest

from netinv.errors import InvalidNetworkError
from netinv.history.scenario import has_history, resolve_history_path, scenario_period_days


def test_has_history():
    assert has_history({"nodes": [{"id": "a"}, {"id": "b", "demand": {"history": "sales.csv"}}]})
    assert not has_history({"nodes": [{"id": "a", "demand": {"distribution": "poisson", "mean": 1}}]})
    assert not has_history([{"nodes": []}]) and not has_history({"nodes": "a"})


def test_history_path_is_resolved_inside_the_scenario_folder(tmp_path):
    scenario = tmp_path / "net.yaml"
    assert resolve_history_path(scenario, "data/sales.csv") == (tmp_path / "data" / "sales.csv").resolve()
    with pytest.raises(InvalidNetworkError, match=r"net\.yaml: node 'a': demand\.history: '\.\./x\.csv' is outside"):
        resolve_history_path(scenario, "../x.csv", owner="node 'a'")
    with pytest.raises(InvalidNetworkError, match="demand.history: must be a file name$"):
        resolve_history_path(scenario, "  ")


def test_scenario_period_days():
    def doc(*specs):
        return {"nodes": [{"id": f"n{k}", "demand": spec} for k, spec in enumerate(specs)]}

    assert scenario_period_days(doc({"distribution": "poisson", "mean": 1})) is None
    assert scenario_period_days(doc({"history": "s.csv"})) == 1
    assert scenario_period_days(doc({"history": "s.csv", "period_days": 7}, {"history": "s.csv", "period_days": 7})) == 7
    with pytest.raises(InvalidNetworkError, match="node 'n0' has 7 and node 'n1' has 1"):
        scenario_period_days(doc({"history": "s.csv", "period_days": 7}, {"history": "s.csv"}))
