"""Picture of a transshipment analysis: locations with their stocking levels, transshipment edges drawn
with widths proportional to their expected flow."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from netinv import attrs
from netinv.report import check_png, save_png


def plot_transshipment(graph: nx.DiGraph, analysis, path: str | Path) -> Path:
    """Draw ``analysis`` (a :class:`~netinv.transship.analysis.TransshipmentAnalysis`) on ``graph``: each
    location labelled with its level, each transshipment edge with its expected units per period."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = check_png(path)
    levels = analysis.optimum.levels
    flows = analysis.optimum.transshipped
    g = nx.DiGraph()
    g.add_nodes_from(levels)
    for key, units in flows.items():
        u, v = key.split("->", 1)
        g.add_edge(u, v, units=float(units))
    for u, v, data in graph.edges(data=True):  # edges that carry nothing are drawn thin
        if data.get(attrs.KIND) == attrs.TRANSSHIPMENT and u in levels and v in levels and not g.has_edge(u, v):
            g.add_edge(u, v, units=0.0)
    given = {n: graph.nodes[n].get(attrs.POSITION) for n in g.nodes}
    pos = {n: tuple(p) for n, p in given.items() if p} if all(given.values()) else nx.circular_layout(g)
    biggest = max([d["units"] for _, _, d in g.edges(data=True)] + [1e-9])
    fig, ax = plt.subplots(figsize=(7, 6), dpi=100)
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=900, node_color="#9ecae1", edgecolors="black", linewidths=0.6)
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=7,
                            labels={n: f"{n}\nS={levels[n]:.1f}" for n in g.nodes})
    widths = [0.4 + 6.0 * d["units"] / biggest for _, _, d in g.edges(data=True)]
    nx.draw_networkx_edges(g, pos, ax=ax, width=widths, edge_color="#d6604d", arrows=True, arrowsize=12,
                           connectionstyle="arc3,rad=0.12", node_size=900)
    nx.draw_networkx_edge_labels(g, pos, ax=ax, font_size=6, label_pos=0.35,
                                 edge_labels={(u, v): f"{d['units']:.2f}" for u, v, d in g.edges(data=True) if d["units"] > 0})
    ax.set_title(f"{graph.graph.get('name', '')}: levels and expected transshipment per period "
                 f"(cost {analysis.optimum.expected_cost:.4g})", fontsize=9)
    ax.set_axis_off()
    fig.tight_layout()
    return save_png(fig, path)
