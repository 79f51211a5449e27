"""netinv.report.build: which method the report uses and why, and the numbers it builds."""

from __future__ import annotations

import pytest

from netinv.errors import InputError
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.report.build import ReportConfig, build_report, choose_method, estimate_exact_seconds
from tests.conftest import SCENARIOS


def test_large_networks_go_to_the_gnn_or_are_refused():

    graph = generate("distribution", 20_000, 0)
    arrays = compile_network(graph)
    method, reason, _ = choose_method(graph, arrays, ReportConfig(method="auto"))
    assert method == "gnn" and "ExactLimits.max_gsm_stages" in reason
    with pytest.raises(InputError, match=r"20,000 stages, over the limit .* use --method gnn$"):
        choose_method(graph, arrays, ReportConfig(method="exact"))


def test_small_networks_take_the_exact_path_and_say_why():
    from netinv.network import load

    graph = load(SCENARIOS / "clark_scarf_ss61.yaml")
    config = ReportConfig(method="auto", paths=20, periods=22)
    parts = estimate_exact_seconds(graph, compile_network(graph), config)
    assert parts["levels"] == 0.1 and "transshipment" not in parts  # Clark-Scarf applies; no lateral links
    method, reason, estimate = choose_method(graph, compile_network(graph), config)
    assert method == "exact" and estimate == parts and reason.endswith("within the time budget of 60 s")


def test_a_gnn_report_without_a_model_is_one_line(tmp_path):
    with pytest.raises(InputError, match=r"none.pt: GNN model not found \(train one, give another with --model, "
                                         r"or use --method exact\)$"):
        build_report(SCENARIOS / "clark_scarf_ss61.yaml", ReportConfig(method="gnn", model=tmp_path / "none.pt"))


def test_config_rejects_an_unknown_method():
    with pytest.raises(InputError, match="method: must be one of auto, exact, gnn, got 'fast'"):
        ReportConfig(method="fast")


def _two_stores(tmp_path):
    """Two backlog stores with transshipment edges both ways that pay (0.5 < h + p = 5)."""
    import yaml

    store = {"holding_cost": 1.0, "shortage_cost": 4.0, "demand": {"distribution": "poisson", "mean": 5}}
    doc = {"name": "two stores", "nodes": [{"id": "supplier"}, {"id": "a", **store}, {"id": "b", **store}],
           "edges": [{"source": "supplier", "target": "a", "lead_time": 2},
                     {"source": "supplier", "target": "b", "lead_time": 2},
                     {"source": "a", "target": "b", "kind": "transshipment", "unit_cost": 0.5},
                     {"source": "b", "target": "a", "kind": "transshipment", "unit_cost": 0.5}]}
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_the_report_simulates_with_the_cost_aware_rule_by_default_and_says_so(tmp_path):
    from netinv.report.html import render_html

    file = _two_stores(tmp_path)
    config = {"method": "exact", "paths": 40, "periods": 60, "replications": 2, "transshipment_samples": 50,
              "trajectory_nodes": 2}
    default = build_report(file, ReportConfig(**config))
    off = build_report(file, ReportConfig(**config, transshipment="none"))
    sim, sim_off = default["simulation"], off["simulation"]
    assert sim["transshipment_rule"] == "cost-aware" and sim_off["transshipment_rule"] == "none"
    assert sum(sim["transshipped"].values()) > 0 and sum(sim_off["transshipped"].values()) == 0
    assert sim["mean_cost"] <= sim_off["mean_cost"]  # the same seeds, the same paths
    page = render_html(default)
    assert "Transshipment rule: cost-aware (" in page and "units per period moved on 2 transshipment edges" in page
    assert "Transshipment rule: none." in render_html(off)


def test_the_report_refuses_a_transshipment_rule_without_transshipment_edges():
    with pytest.raises(InputError, match=r"^--transshipment: cost-aware: the network has no transshipment edges$"):
        build_report(SCENARIOS / "clark_scarf_ss61.yaml", ReportConfig(method="exact", paths=20, periods=22,
                                                                        transshipment="cost-aware"))
