"""Picture of a safety-stock placement: the network by echelon, stages sized and coloured by the value of
their safety stock, labelled with their outbound service time."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np

from netinv.report import check_png, save_png
from netinv.report.figures import echelon_layout


def plot_placement(graph: nx.DiGraph, solution, path: str | Path, *, title: str | None = None) -> Path:
    """Draw ``solution`` (a :class:`~netinv.gsm.types.GSMSolution`) on ``graph`` to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from netinv.network.summary import echelons
    from netinv.network.validate import supply_subgraph

    path = check_png(path)
    g = supply_subgraph(graph)
    ech = echelons(graph, supply=g)
    top = max(ech.values(), default=1)
    pos = echelon_layout(g, ech)
    stages = solution.stages()
    value = np.array([stages.get(str(n), {}).get("safety_stock_value", 0.0) for n in g.nodes])
    service = {n: stages.get(str(n), {}).get("service_time", 0) for n in g.nodes}
    biggest = float(value.max()) if value.size and value.max() > 0 else 1.0
    sizes = 80 + 900 * value / biggest
    n_nodes = g.number_of_nodes()
    width = min(4 + 1.6 * (top + 1), 30)
    height = min(3 + 0.35 * max(Counter(ech[n] for n in g.nodes).values()), 40)  # the fullest column
    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.35, arrows=n_nodes <= 300, arrowsize=8, width=0.8)
    drawn = nx.draw_networkx_nodes(g, pos, ax=ax, node_size=sizes, node_color=value, cmap="viridis",
                                   vmin=0.0, vmax=biggest, linewidths=0.5, edgecolors="black")
    if n_nodes <= 150:
        nx.draw_networkx_labels(g, pos, ax=ax, labels={n: f"{n}\nS={service[n]}" for n in g.nodes}, font_size=7)
    fig.colorbar(drawn, ax=ax, label="safety stock value (holding cost x units)")
    ax.set_title(title or f"{graph.graph.get('name', '')}: safety stock placement, cost {solution.cost:.4g}")
    ax.set_xlabel("echelon (upstream left, demand right); S = outbound service time")
    ax.set_axis_off()
    fig.tight_layout()
    return save_png(fig, path)
