"""The picture of a placement (netinv.gsm.plot): a PNG of the network, or a one-line error."""

from __future__ import annotations

import pytest

from netinv.errors import InputError
from netinv.gsm.instance import gsm_instance
from netinv.gsm.plot import plot_placement
from netinv.gsm.tree import solve_gsm_tree
from netinv.network import load
from tests.conftest import SCENARIOS


def test_a_placement_is_drawn_to_a_png(tmp_path):
    graph = load(SCENARIOS / "gsm_ss_example_6_5.yaml")
    solution = solve_gsm_tree(gsm_instance(graph))
    path = plot_placement(graph, solution, tmp_path / "placement.png")
    assert path == tmp_path / "placement.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob("*.tmp"))  # written atomically


def test_a_name_that_is_not_png_is_a_one_line_error(tmp_path):
    graph = load(SCENARIOS / "gsm_ss_example_6_5.yaml")
    solution = solve_gsm_tree(gsm_instance(graph))
    with pytest.raises(InputError, match="placement.jpg: the picture is written as PNG") as info:
        plot_placement(graph, solution, tmp_path / "placement.jpg")
    assert "\n" not in str(info.value) and not (tmp_path / "placement.jpg").exists()
