"""The profit split of several contracts, with the integrated channel's profit as the frontier."""

from __future__ import annotations

from pathlib import Path


def plot_profit_split(rows: list[dict], integrated_profit: float, path: str | Path) -> Path:
    """Save a picture: one point per contract at (retailer profit, supplier profit); the line
    retailer + supplier = Pi(q°) is what a coordinating contract reaches. Returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    fig, ax = plt.subplots(figsize=(6, 5))
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
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
