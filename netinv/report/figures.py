"""The planner report's pictures as matplotlib figures (drawn off-screen), and their PNG bytes.

Every function returns a :class:`matplotlib.figure.Figure` of a fixed size in pixels (``figsize`` x
``dpi``, no tight bounding box), so the report knows each image's natural size before a browser opens
it; :func:`png_bytes` renders one and closes it.
"""

from __future__ import annotations

import io

import networkx as nx
import numpy as np

DPI = 100
MAX_BARS = 40  # bar charts show at most this many nodes (the largest)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png_bytes(fig) -> bytes:
    """The figure as PNG bytes (its size is figsize x dpi exactly); the figure is closed."""
    plt = _pyplot()
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=fig.dpi, metadata={"Software": None})
    finally:
        plt.close(fig)
    return buffer.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels read from a PNG's header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def echelon_layout(supply: nx.DiGraph, echelon: dict) -> dict:
    """Positions: one column per echelon (upstream left, demand right), nodes spread vertically."""
    top = max(echelon.values(), default=1)
    columns: dict[int, list] = {}
    for node in nx.topological_sort(supply):
        columns.setdefault(echelon[node], []).append(node)
    pos = {}
    for level, members in columns.items():
        for k, node in enumerate(members):
            pos[node] = (top - level, -(k - (len(members) - 1) / 2))
    return pos


def network_figure(supply: nx.DiGraph, echelon: dict, value: dict, *, title: str, value_label: str,
                   trans_edges: list | None = None):
    """The network drawn by echelon: ``supply`` holds the supply edges only (it is laid out in topological
    order, so it must be acyclic); ``trans_edges`` (links between stores, often both ways) are drawn dashed
    over it. Each node is sized and coloured by ``value[node]``; labels are shown up to 60 nodes."""
    plt = _pyplot()
    pos = echelon_layout(supply, echelon)
    top = max(echelon.values(), default=1)
    tallest = max(np.bincount(list(echelon.values())).max(), 1) if echelon else 1
    fig, ax = plt.subplots(figsize=(min(4 + 1.8 * top, 16), min(3 + 0.4 * tallest, 12)), dpi=DPI)
    nodes = list(supply.nodes)
    values = np.array([max(float(value.get(n, 0.0)), 0.0) for n in nodes])
    biggest = float(values.max()) if values.size and values.max() > 0 else 1.0
    n = len(nodes)
    nx.draw_networkx_edges(supply, pos, ax=ax, alpha=0.35, arrows=n <= 300, arrowsize=8, width=0.8)
    if trans_edges:
        nx.draw_networkx_edges(supply, pos, edgelist=trans_edges, ax=ax, style="dashed", edge_color="#d6604d",
                               arrows=True, arrowsize=8, width=1.0, connectionstyle="arc3,rad=0.25")
    drawn = nx.draw_networkx_nodes(supply, pos, ax=ax, nodelist=nodes, node_size=60 + 700 * values / biggest,
                                   node_color=values, cmap="viridis", vmin=0.0, vmax=biggest, linewidths=0.5,
                                   edgecolors="black")
    if n <= 60:
        nx.draw_networkx_labels(supply, pos, ax=ax, font_size=7,
                                labels={v: f"{v}\n{value.get(v, 0.0):.3g}" for v in nodes})
    fig.colorbar(drawn, ax=ax, label=value_label)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    return fig


def targets_figure(rows: list[dict], *, title: str):
    """Stacked bars per node: ``cycle`` (expected demand over the cover) and ``safety`` stock, or a single
    ``stock`` bar (rows without a cycle part)."""
    plt = _pyplot()
    rows = rows[:MAX_BARS]
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=DPI)
    x = np.arange(len(rows))
    names = [r["node"] for r in rows]
    if rows and "cycle" in rows[0]:
        cycle = np.array([r["cycle"] for r in rows])
        safety = np.array([r["safety"] for r in rows])
        ax.bar(x, cycle, color="#9ecae1", label="expected demand over the cover")
        ax.bar(x, safety, bottom=np.where(safety >= 0, cycle, cycle + safety), color="#3182bd",
               label="safety stock")
    else:
        ax.bar(x, [r["stock"] for r in rows], color="#3182bd", label="mean stock on hand (simulated)")
    ax.set_xticks(x, names, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("units")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.subplots_adjust(bottom=0.22)
    return fig


def cost_figure(breakdown: dict, *, title: str):
    """Horizontal bars of the cost components with their 95% confidence intervals."""
    plt = _pyplot()
    names = list(breakdown)
    means = np.array([breakdown[k]["mean"] for k in names])
    low = np.array([breakdown[k]["ci95"][0] for k in names])
    high = np.array([breakdown[k]["ci95"][1] for k in names])
    fig, ax = plt.subplots(figsize=(8, 4), dpi=DPI)
    y = np.arange(len(names))
    ax.barh(y, means, xerr=[np.maximum(means - low, 0), np.maximum(high - means, 0)], color="#fd8d3c", capsize=3)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("cost per period")
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.22)
    return fig


def service_figure(rows: list[dict], *, title: str):
    """Fill rate and cycle service level per demand node with 95% confidence intervals, and the node's
    target service level where one is given."""
    plt = _pyplot()
    rows = rows[:MAX_BARS]
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=DPI)
    x = np.arange(len(rows))
    for offset, key, label, color in ((-0.2, "fill_rate", "fill rate", "#31a354"),
                                      (0.2, "cycle_service_level", "cycle service level", "#756bb1")):
        mean = np.array([r[key]["mean"] for r in rows])
        low = np.array([r[key]["ci95"][0] for r in rows])
        high = np.array([r[key]["ci95"][1] for r in rows])
        ax.bar(x + offset, mean, width=0.4, color=color, label=label,
               yerr=[np.maximum(mean - low, 0), np.maximum(high - mean, 0)], capsize=2)
    targets = [(k, r["target"]) for k, r in enumerate(rows) if r.get("target") is not None]
    if targets:
        ax.scatter([k for k, _ in targets], [t for _, t in targets], marker="_", s=400, color="black",
                   label="target service level", zorder=3)
    ax.set_xticks(x, [r["node"] for r in rows], rotation=60, ha="right", fontsize=7)
    ax.set_ylim(min(0.5, min([r["fill_rate"]["ci95"][0] for r in rows] + [1.0]) - 0.05), 1.02)
    ax.set_ylabel("probability / fraction")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.subplots_adjust(bottom=0.22)
    return fig


def trajectories_figure(trajectories: dict, warmup: int, *, title: str):
    """One panel per node: mean net stock (on hand minus backorders) per period over the paths, with the
    10-90% band; the warm-up periods shaded."""
    plt = _pyplot()
    k = max(len(trajectories), 1)
    fig, axes = plt.subplots(k, 1, figsize=(9, 1.2 + 2.0 * k), dpi=DPI, sharex=True, squeeze=False)
    for ax, (node, series) in zip(axes[:, 0], trajectories.items()):
        series = np.asarray(series)  # (T, B)
        t = np.arange(series.shape[0])
        low, high = np.percentile(series, [10, 90], axis=1)
        ax.fill_between(t, low, high, color="#9ecae1", alpha=0.6, label="10-90% of paths")
        ax.plot(t, series.mean(axis=1), color="#08519c", lw=1.2, label="mean")
        ax.axhline(0.0, color="0.5", lw=0.6)
        if warmup:
            ax.axvspan(0, warmup, color="0.9", zorder=0, label="warm-up")
        ax.set_ylabel(node, fontsize=8)
    axes[0, 0].legend(fontsize=7, loc="upper right", ncol=3)
    axes[-1, 0].set_xlabel("period")
    fig.suptitle(title, fontsize=10)
    return fig


def bullwhip_figure(bullwhip: dict, *, title: str):
    """Bars of Var(orders) / Var(demand) per echelon, with the line 1 (no amplification)."""
    plt = _pyplot()
    names = list(bullwhip)
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=DPI)
    means = np.array([bullwhip[k]["mean"] for k in names])
    low = np.array([bullwhip[k]["ci95"][0] for k in names])
    high = np.array([bullwhip[k]["ci95"][1] for k in names])
    ax.bar(names, means, yerr=[np.maximum(means - low, 0), np.maximum(high - means, 0)], color="#e6550d", capsize=3)
    ax.axhline(1.0, color="black", lw=0.8, linestyle="--")
    ax.set_xlabel("echelon (1 = demand nodes' orders)")
    ax.set_ylabel("Var(orders) / Var(demand)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def contracts_figure(rows: list[dict], integrated_profit: float, *, title: str):
    """One stacked bar per contract design: the retailer's and the supplier's expected profit (their sum is
    the channel's), against the integrated channel's profit (dashed); each bar labelled with its efficiency."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.7 * len(rows)), dpi=DPI)
    y = np.arange(len(rows))
    retailer = np.array([r["retailer_profit"] for r in rows])
    supplier = np.array([r["supplier_profit"] for r in rows])
    ax.barh(y, retailer, color="#6baed6", label="retailer")
    ax.barh(y, supplier, left=retailer, color="#fd8d3c", label="supplier")
    ax.axvline(integrated_profit, color="black", linestyle="--", lw=1, label="integrated channel")
    for k, r in enumerate(rows):
        ax.text(retailer[k] + supplier[k], k, f"  {r['efficiency']:.4f}", va="center", fontsize=8)
    ax.set_yticks(y, [r["name"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.2 * max(integrated_profit, float((retailer + supplier).max())))
    ax.set_xlabel("expected profit (label: channel efficiency)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig
