"""The planner report's pictures as matplotlib figures (drawn off-screen), and their PNG bytes.

Every function returns a :class:`matplotlib.figure.Figure` of a fixed size in pixels (``figsize`` x
``dpi``, no tight bounding box), so the report knows each image's natural size before a browser opens
it; :func:`png_bytes` renders one and closes it.
"""

from __future__ import annotations

import io

import networkx as nx
import numpy as np

from netinv.display import format_number

DPI = 100
MAX_BARS = 40  # bar charts show at most this many nodes (the largest)
DRAW_NODES_UP_TO = 100  # the network picture draws every node up to this many, else one box per echelon
LABEL_CHARS = 18  # node names longer than this are cut in labels
ROW_INCHES = 0.18  # height of one node's row in the fullest echelon (a label at 7-8 pt fits)
TRANSSHIPMENT_COLOR = "#d6604d"


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


def echelon_layout(supply: nx.DiGraph, echelon: dict, *, sweeps: int = 4) -> dict:
    """Positions of a layered drawing: one column per echelon, x = ``top - echelon[node]`` (upstream
    left, demand right), nodes one unit apart in the fullest column, centred in equal slots over the
    same height in the others. Within a column, nodes are ordered by the mean height of their neighbours in
    the other columns (the barycentre heuristic of Sugiyama et al. 1981, ``sweeps`` passes down and up
    the echelons, ties kept in topological order), which removes most edge crossings of a tree."""
    top = max(echelon.values(), default=1)
    columns: dict[int, list] = {}
    for node in nx.topological_sort(supply):
        columns.setdefault(echelon[node], []).append(node)
    tallest = max((len(m) for m in columns.values()), default=1)
    rank = {node: k for members in columns.values() for k, node in enumerate(members)}

    def height(node):  # the column split into equal slots over the fullest column's height, top down
        size = len(columns[echelon[node]])
        return tallest / 2 - (rank[node] + 0.5) * tallest / size

    upstream_first = sorted(columns, reverse=True)
    for _ in range(sweeps):
        for levels, neighbours in ((upstream_first[1:], supply.predecessors),
                                   (upstream_first[-2::-1], supply.successors)):
            for level in levels:
                members = columns[level]
                keys = {}
                for node in members:
                    around = [height(m) for m in neighbours(node)]
                    keys[node] = -sum(around) / len(around) if around else -height(node)
                members.sort(key=keys.__getitem__)
                rank.update({node: k for k, node in enumerate(members)})
    return {node: (top - echelon[node], height(node)) for node in rank}


def _short(name, limit: int = LABEL_CHARS) -> str:
    """A node's name for a label: cut to ``limit`` characters with an ellipsis."""
    name = str(name)
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def network_figure(supply: nx.DiGraph, echelon: dict, value: dict, *, title: str, value_label: str,
                   trans_edges: list | None = None):
    """The network drawn by echelon: ``supply`` holds the supply edges only (it is laid out in topological
    order, so it must be acyclic). Each node is sized and coloured by ``value[node]`` and labelled with its
    (shortened) name and value, to the right of it, one row per node: labels never overlap (the figure
    grows with the fullest echelon). ``trans_edges`` (links between stores, often both ways) are drawn
    as thin curved arcs beside their column, one arc per linked pair. Beyond :data:`DRAW_NODES_UP_TO`
    nodes the picture is :func:`echelon_summary_figure` instead."""
    if supply.number_of_nodes() > DRAW_NODES_UP_TO:
        return echelon_summary_figure(supply, echelon, value, title=title, value_label=value_label,
                                      trans_edges=trans_edges)
    plt = _pyplot()
    pos = echelon_layout(supply, echelon)
    nodes = list(supply.nodes)
    tallest = max(np.bincount([x for x, _ in pos.values()]).max(), 1) if pos else 1
    ncolumns = max((x for x, _ in pos.values()), default=0) + 1
    font = 8.0 if tallest <= 30 else 7.0
    labels = {v: f"{_short(v)}  {format_number(value.get(v, 0.0), 3)}" for v in nodes}
    label_inches = max((len(t) for t in labels.values()), default=1) * font * 0.68 / 72  # generous: capitals are wide
    column_inches = max(1.4, label_inches + 0.7)
    height_inches = max(3.5, tallest * ROW_INCHES + 1.4)
    width_inches = ncolumns * column_inches + 1.6
    fig, ax = plt.subplots(figsize=(width_inches, height_inches), dpi=DPI)
    fig.subplots_adjust(left=0.3 / width_inches, right=1 - 1.6 / width_inches, bottom=0.5 / height_inches,
                        top=1 - 0.8 / height_inches)
    span = (tallest - 1) / 2
    ax.set_xlim(-0.25, ncolumns - 1 + (label_inches + 0.5) / column_inches)
    ax.set_ylim(-span - 0.7, span + 0.7)
    values = np.array([max(float(value.get(n, 0.0)), 0.0) for n in nodes])
    biggest = float(values.max()) if values.size and values.max() > 0 else 1.0
    row_points = 72 * (height_inches - 1.3) / (2 * span + 1.4)
    largest = min(22.0, 0.85 * row_points)  # marker diameter (points): no two markers of a column touch
    nx.draw_networkx_edges(supply, pos, ax=ax, alpha=0.3, arrows=False, width=0.7, edge_color="0.35")
    _draw_transshipment(ax, pos, trans_edges or [], largest)
    drawn = nx.draw_networkx_nodes(supply, pos, ax=ax, nodelist=nodes,
                                   node_size=(4 + (largest - 4) * np.sqrt(values / biggest)) ** 2,
                                   node_color=values, cmap="viridis", vmin=0.0, vmax=biggest, linewidths=0.5,
                                   edgecolors="black")
    for v in nodes:
        ax.annotate(labels[v], pos[v], xytext=(largest / 2 + 3, 0), textcoords="offset points", va="center",
                    ha="left", fontsize=font, gid="node-label",
                    bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.75})
    for x in range(ncolumns):
        levels = {echelon[v] for v, (px, _) in pos.items() if px == x}
        if levels:
            ax.text(x, span + 0.7, f"echelon {min(levels)}", ha="center", va="bottom", fontsize=8, color="0.3")
    fig.colorbar(drawn, ax=ax, label=value_label, fraction=min(0.4, 0.9 / width_inches), pad=0.02,
                 shrink=min(1.0, 4.0 / (height_inches - 1.3)))
    ax.set_title(title, fontsize=10, pad=14)
    ax.set_axis_off()
    return fig


def _draw_transshipment(ax, pos: dict, trans_edges: list, node_points: float) -> None:
    """Lateral links: one thin arc per linked pair (both directions drawn once), bulging left of a
    column (away from the labels); a link across columns is a dashed line. A legend counts them."""
    if not trans_edges:
        return
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    directed = {(u, v) for u, v in trans_edges if u in pos and v in pos}
    pairs = {tuple(sorted((u, v), key=lambda n: pos[n][1])) for u, v in directed}
    both = sum((v, u) in directed for u, v in pairs)
    for low, high in pairs:
        rows = abs(pos[high][1] - pos[low][1])
        if pos[low][0] == pos[high][0]:  # a bracket on the left of the column, deeper for farther pairs
            arm = node_points / 2 + 4 + 3 * min(rows, 8)
            style = f"arc,angleA=180,angleB=180,armA={arm:.1f},armB={arm:.1f},rad=3"
        else:
            style = "arc3,rad=0.1"
        ax.add_patch(FancyArrowPatch(
            pos[low], pos[high], arrowstyle="-" if (high, low) in directed and (low, high) in directed else "-|>",
            mutation_scale=6, connectionstyle=style, linestyle="-" if "angleA" in style else "--",
            color=TRANSSHIPMENT_COLOR, lw=0.9, alpha=0.9, zorder=1))
    ax.legend(handles=[Line2D([], [], color=TRANSSHIPMENT_COLOR, lw=0.9)],
              labels=[f"lateral transshipment links: {len(pairs)} linked pairs ({both} both ways), drawn "
                      "left of their column"],
              loc="upper left", fontsize=7, frameon=False, bbox_to_anchor=(0.0, 0.0))


def _stem(names: list) -> str:
    """What an echelon's nodes are called: their most common name without its trailing number."""
    stems = [str(n).rstrip("0123456789").rstrip("_- ") or str(n) for n in names]
    return max(set(stems), key=lambda s: (stems.count(s), s)) if stems else ""


def echelon_summary_figure(supply: nx.DiGraph, echelon: dict, value: dict, *, title: str, value_label: str,
                           trans_edges: list | None = None):
    """The network aggregated by echelon (for networks too large to draw node by node): one box per
    echelon (upstream left) with its node count, what most of its nodes are called and the total of
    ``value``; one arrow per pair of echelons with supply links between them, labelled with their count;
    the lateral links within an echelon counted under its box."""
    plt = _pyplot()
    top = max(echelon.values(), default=1)
    members: dict[int, list] = {}
    for node in supply.nodes:
        members.setdefault(echelon[node], []).append(node)
    links: dict[tuple[int, int], int] = {}
    for u, v in supply.edges:
        links[echelon[u], echelon[v]] = links.get((echelon[u], echelon[v]), 0) + 1
    lateral: dict[int, int] = {}
    for u, v in {tuple(sorted(e, key=str)) for e in trans_edges or []}:  # a pair linked both ways once
        if u in echelon and v in echelon and echelon[u] == echelon[v]:
            lateral[echelon[u]] = lateral.get(echelon[u], 0) + 1
    most = max(len(m) for m in members.values())
    fig, ax = plt.subplots(figsize=(max(7.0, 2.6 * len(members) + 1), 4.6), dpi=DPI)
    for level, nodes in members.items():
        x = top - level
        box_height = 0.6 + 1.6 * np.sqrt(len(nodes) / most)
        total = sum(float(value.get(n, 0.0)) for n in nodes)
        ax.add_patch(plt.Rectangle((x - 0.32, -box_height / 2), 0.64, box_height, fc="#c6dbef", ec="#08519c"))
        ax.text(x, 0, f"echelon {level}\n{format_number(len(nodes))} x {_stem(nodes)}\n{value_label}:\n"
                f"{format_number(total)} in all", ha="center", va="center", fontsize=8, gid="echelon-box")
        if lateral.get(level):
            ax.text(x, -box_height / 2 - 0.15, f"{format_number(lateral[level])} pairs linked laterally", ha="center",
                    va="top", fontsize=7, color=TRANSSHIPMENT_COLOR)
    for (upper, lower), count in links.items():
        start, end = top - upper, top - lower
        if start == end:
            continue
        ax.annotate("", xy=(end - 0.33, 0), xytext=(start + 0.33, 0),
                    arrowprops={"arrowstyle": "-|>", "lw": 1 + np.log10(count), "color": "0.3",
                                "connectionstyle": f"arc3,rad={0.0 if abs(end - start) == 1 else -0.35}"})
        ax.text((start + end) / 2, 0.08 if abs(end - start) == 1 else 0.55 + 0.1 * abs(end - start),
                f"{format_number(count)} links", ha="center", va="bottom", fontsize=7)
    ax.set_xlim(-0.6, top - min(members) + 0.6)
    ax.set_ylim(-1.7, 1.7)
    ax.set_title(f"{title}\n(aggregated by echelon: {format_number(supply.number_of_nodes())} nodes, more "
                 f"than {DRAW_NODES_UP_TO} to draw one by one)", fontsize=10)
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
