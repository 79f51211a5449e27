"""A picture of an inventory-routing plan: one panel per period, the routes drawn on the coordinates."""

from __future__ import annotations

from pathlib import Path

from netinv.irp.instance import IrpInstance
from netinv.irp.solution import IrpSolution
from netinv.report import check_png, save_png

MAX_COLUMNS = 3


def plot_routes(instance: IrpInstance, solution: IrpSolution, path: str | Path) -> Path:
    """Draw each period's routes (one colour per route, delivered units beside each stop) to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = check_png(path)
    H = instance.horizon
    columns = min(H, MAX_COLUMNS)
    rows = -(-H // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 4.0 * rows), dpi=100, squeeze=False)
    xy = instance.coordinates
    colours = plt.get_cmap("tab10")
    for t in range(rows * columns):
        ax = axes[t // columns][t % columns]
        if t >= H:
            ax.set_axis_off()
            continue
        ax.scatter(xy[1:, 0], xy[1:, 1], s=18, c="grey", zorder=2)
        ax.scatter(xy[0, 0], xy[0, 1], s=90, marker="s", c="black", zorder=3)
        period = solution.routes[t] if t < len(solution.routes) else []
        for k, route in enumerate(period):
            stops = [0, *route, 0]
            ax.plot(xy[stops, 0], xy[stops, 1], "-", color=colours(k % 10), linewidth=1.6, zorder=1)
            for i in route:
                units = solution.deliveries[t, i] if solution.deliveries is not None else 0
                ax.annotate(f"{i}:{units:g}", xy[i], fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_title(f"period {t + 1}: {len(period)} route(s)", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    cost = "no plan" if solution.cost is None else f"cost {solution.cost:.2f}"
    fig.suptitle(f"{instance.name}: {cost} (supplier = square; customer:units delivered)", fontsize=10)
    fig.tight_layout()
    return save_png(fig, path)
