"""The profit split of several contracts, with the integrated channel's profit as the frontier."""

from __future__ import annotations

from pathlib import Path

from netinv.report import check_png, save_png


def plot_profit_split(rows: list[dict], integrated_profit: float, path: str | Path) -> Path:
    """Save a picture: one point per contract at (retailer profit, supplier profit); the line
    retailer + supplier = Pi(q°) is what a coordinating contract reaches. Written atomically through
    :func:`netinv.report.save_png`: a path that is not a .png name or cannot be written is a one-line
    :class:`~netinv.errors.InputError` and leaves nothing behind. Returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = check_png(path)
    fig, ax = plt.subplots(figsize=(6, 5), dpi=120)
    ax.plot([0, integrated_profit], [integrated_profit, 0], color="0.4", linestyle="--",
            label=f"integrated channel ({integrated_profit:.1f})")
    for row in rows:
        if row.get("retailer_profit") is None:
            continue
        ax.scatter(row["retailer_profit"], row["supplier_profit"], zorder=3)
        ax.annotate(f"{row.get('name', row['contract']['family'])}\n{row['efficiency']:.3f}",
                    (row["retailer_profit"], row["supplier_profit"]), textcoords="offset points", xytext=(5, 5),
                    fontsize=8)
    ax.set_xlabel("retailer's expected profit")
    ax.set_ylabel("supplier's expected profit")
    ax.set_title("Profit split per contract (label: efficiency)")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return save_png(fig, path)
