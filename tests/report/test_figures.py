"""netinv.report.figures: the layout by echelon, PNG sizes, the network drawing with lateral links."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from netinv.network import load
from netinv.network.generators import generate
from netinv.report.figures import DRAW_NODES_UP_TO, echelon_layout, network_figure, png_bytes, png_size
from tests.conftest import SCENARIOS


def test_echelon_layout_columns_upstream_left():
    supply = nx.DiGraph([("dc", "a"), ("dc", "b")])
    pos = echelon_layout(supply, {"dc": 1, "a": 0, "b": 0})
    assert pos == {"dc": (0, 0.0), "a": (1, 0.5), "b": (1, -0.5)}


def test_png_size_reads_the_header_and_rejects_other_data():
    data = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0d" + b"IHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big")
    assert png_size(data) == (640, 480)
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + bytes(20))


def test_network_with_stores_linked_both_ways_is_drawn():
    """Lateral links both ways are no supply cycle: the layout reads the supply edges only."""
    supply = nx.DiGraph([("dc", "a"), ("dc", "b")])
    fig = network_figure(supply, {"dc": 1, "a": 0, "b": 0}, {"a": 3.0, "b": 1.0}, title="t", value_label="v",
                         trans_edges=[("a", "b"), ("b", "a")])
    width, height = png_size(png_bytes(fig))
    assert width > 0 and height > 0


# --- the network picture a planner reads: layers, labels, lateral links, aggregation ---------------------


def _planner_picture(graph, **kwargs):
    from netinv.network.compile import compile_network
    from netinv.network.summary import echelons
    from netinv.network.validate import supply_subgraph

    supply = supply_subgraph(graph)
    echelon = echelons(graph, supply=supply)
    value = {n: float(k % 7) * 3.3 - 4.0 for k, n in enumerate(supply.nodes)}
    trans = [tuple(e) for e in compile_network(graph).trans_keys]
    return supply, echelon, network_figure(supply, echelon, value, title="t", value_label="v", trans_edges=trans,
                                           **kwargs)


def _label_boxes(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.axes[0].texts if t.get_gid() == "node-label"]
    return texts, np.array([t.get_window_extent(renderer).extents for t in texts])  # x0, y0, x1, y1


def _overlapping_pairs(boxes) -> int:
    x0, y0, x1, y1 = (boxes[:, k] for k in range(4))
    overlap = ((np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None]) > 0.5)
               & (np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None]) > 0.5))
    return int(np.triu(overlap, 1).sum())


@pytest.mark.parametrize(("source", "nodes"), [("planner_weekly.yaml", 30), ("generated", 100)])
def test_layers_are_echelons_and_no_two_labels_overlap(source, nodes):
    """planner_weekly (30 nodes, 23 stores linked laterally) and a generated 100-node planner network:
    each node's column is its echelon (upstream left), every node has a label, of at least 7 pt, and no
    two labels' bounding boxes (measured on the rendered figure) overlap."""
    graph = load(SCENARIOS / source) if source != "generated" else generate("planner", 100, 3, transshipment=True)
    supply, echelon, fig = _planner_picture(graph)
    assert supply.number_of_nodes() == nodes
    top = max(echelon.values())
    pos = echelon_layout(supply, echelon)
    assert all(pos[v][0] == top - echelon[v] for v in supply.nodes)
    texts, boxes = _label_boxes(fig)
    assert len(texts) == nodes and min(t.get_fontsize() for t in texts) >= 7
    assert _overlapping_pairs(boxes) == 0
    assert "lateral transshipment links" in fig.axes[0].get_legend().get_texts()[0].get_text()
    png_bytes(fig)


def test_overlap_measure_finds_overlapping_labels():
    """The measure the test above relies on: boxes sharing area overlap, boxes side by side do not."""
    boxes = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [10, 0, 20, 10], [30, 30, 40, 40]], dtype=float)
    assert _overlapping_pairs(boxes) == 2  # 0-1 and 1-2


def test_layout_orders_a_column_to_remove_crossings():
    """Topological order lists d0 (a child of p1) before d1 (a child of p0) while p0 sits above p1: two
    crossing edges. The barycentre sweeps put d1 above d0 and the stores under their own DC."""
    supply = nx.DiGraph([("s", "p0"), ("s", "p1"), ("p1", "d0"), ("p0", "d1"), ("d0", "x"), ("d1", "y")])
    echelon = {"s": 4, "p0": 3, "p1": 3, "d0": 2, "d1": 2, "x": 1, "y": 1}
    pos = echelon_layout(supply, echelon)

    def crossings():
        edges = list(supply.edges)
        return sum((pos[a][1] - pos[c][1]) * (pos[b][1] - pos[d][1]) < 0
                   for i, (a, b) in enumerate(edges) for c, d in edges[i + 1:] if pos[a][0] == pos[c][0])

    assert crossings() == 0
    assert pos["p0"][1] > pos["p1"][1] and pos["d1"][1] > pos["d0"][1] and pos["y"][1] > pos["x"][1]


def test_long_names_are_cut_in_labels():
    supply = nx.DiGraph([("regional_distribution_centre_north", "a_store_with_a_very_long_name_indeed")])
    fig = network_figure(supply, {"regional_distribution_centre_north": 2, "a_store_with_a_very_long_name_indeed": 1},
                         {}, title="t", value_label="v")
    texts, boxes = _label_boxes(fig)
    assert sorted(t.get_text() for t in texts) == ["a_store_with_a_ve\u2026  0", "regional_distribu\u2026  0"]


def test_beyond_the_threshold_the_picture_is_aggregated_by_echelon():
    """250 nodes: no node labels, one box per echelon with its node count, and the supply links
    between echelons counted (1 supplier -> plants -> DCs -> stores)."""
    graph = generate("planner", 250, 3, transshipment=True)
    supply, echelon, fig = _planner_picture(graph)
    assert supply.number_of_nodes() > DRAW_NODES_UP_TO
    ax = fig.axes[0]
    assert not [t for t in ax.texts if t.get_gid() == "node-label"]
    boxes = [t.get_text() for t in ax.texts if t.get_gid() == "echelon-box"]
    counts = np.bincount(list(echelon.values()))
    assert len(boxes) == len(set(echelon.values()))
    for level in set(echelon.values()):
        assert any(b.startswith(f"echelon {level}\n{counts[level]:,} x ") for b in boxes)
    stores = sum(1 for v in supply.nodes if echelon[v] == 1)
    assert any(t.get_text() == f"{stores:,} links" for t in ax.texts)  # DCs -> stores: one link per store
    assert "aggregated by echelon" in ax.get_title()
    png_bytes(fig)
