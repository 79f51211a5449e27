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
