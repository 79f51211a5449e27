"""netinv.report.figures: the layout by echelon, PNG sizes, the network drawing with lateral links."""

from __future__ import annotations

import networkx as nx
import pytest

from netinv.report.figures import echelon_layout, network_figure, png_bytes, png_size


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
