"""Stockout-risk warnings: simulate the network from its current state under a policy and read, per
node, how likely a stockout is within the horizon, how many days of demand its stock covers, and
whether that cover is far above the policy's target.

The current state is the scenario's ``state`` (on hand, backorders, shipments in transit with their
arrival periods, orders owed: :mod:`netinv.network.state`; without one, ``initial_inventory``). The
simulator (:func:`netinv.sim.simulate` with ``record=True``) runs ``paths`` demand paths for
``horizon`` periods. A node is *out of stock* in a period when

- a demand node: some external demand is not met from stock (``short > 0``);
- any other node: some of what its customers ordered is still owed after shipping.

Per node: the probability of at least one stockout within the horizon (with a 95% interval over
paths), the probability per period (the heat map), the expected days of cover (mean on hand over the
horizon divided by the mean demand the node serves per period, times ``period_days``: the
scenario's period, the ``period_days`` of its history nodes, see
:func:`netinv.history.cli.risk_period_days`), the current
and the target cover (the policy's level over the same demand), and ``excess`` when the expected
cover exceeds ``excess_factor`` x the target. Nodes are sorted by risk, highest first. The bullwhip
ratio per echelon (order variance over demand variance) comes from the same simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from netinv.errors import InputError


@dataclass(frozen=True)
class RiskConfig:
    """horizon [H] periods simulated; paths [B]; seed of the demand; period_days: days in a period
    (for days of cover); excess_factor: cover above this multiple of the target is excess stock."""

    horizon: int = 12
    paths: int = 2000
    seed: int = 0
    period_days: int = 1
    excess_factor: float = 2.0

    def __post_init__(self):
        if self.horizon < 1 or self.paths < 2:
            raise InputError(f"horizon must be >= 1 and paths >= 2, got {self.horizon}, {self.paths}")
        if self.period_days < 1 or self.excess_factor <= 1:
            raise InputError(f"period_days must be >= 1 and excess_factor > 1, got {self.period_days}, "
                             f"{self.excess_factor}")


@dataclass
class NodeRisk:
    node: str
    stockout_probability: float
    ci95: tuple[float, float]
    per_period: np.ndarray = field(repr=False)
    expected_days_of_cover: float | None
    current_days_of_cover: float | None
    target_days_of_cover: float | None
    excess: bool
    level: float | None

    def to_dict(self) -> dict:
        return {
            "node": self.node,
            "stockout_probability": self.stockout_probability,
            "ci95": list(self.ci95),
            "per_period": self.per_period.tolist(),
            "expected_days_of_cover": self.expected_days_of_cover,
            "current_days_of_cover": self.current_days_of_cover,
            "target_days_of_cover": self.target_days_of_cover,
            "excess": self.excess,
            "level": self.level,
        }


@dataclass
class RiskReport:
    """Per-node risks, highest first; the policy, its levels, and the bullwhip ratios per echelon
    (``bullwhip`` relative to the consumers' demand, ``bullwhip_stage`` to the demand each echelon
    faces: see :class:`~netinv.sim.kpis.SimResult`)."""

    policy: str
    config: RiskConfig
    nodes: list[NodeRisk]
    levels: dict
    bullwhip: dict
    bullwhip_stage: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "policy": self.policy,
            "horizon": self.config.horizon,
            "paths": self.config.paths,
            "seed": self.config.seed,
            "period_days": self.config.period_days,
            "levels": self.levels,
            "nodes": [n.to_dict() for n in self.nodes],
            "bullwhip": self.bullwhip,
            "bullwhip_stage": self.bullwhip_stage,
        }


def stockout_risk(graph: nx.DiGraph, policy, config: RiskConfig = RiskConfig(), *, demand=None) -> RiskReport:
    """Risk of every stocking node of ``graph`` under ``policy`` (any :class:`~netinv.policies.Policy`;
    one with a ``levels`` mapping, e.g. base-stock, also gets target covers and excess flags; see
    :func:`netinv.history.cli.risk_policy` for the policies of ``netinv simulate`` by name).
    ``demand``: optional explicit demand (H, D, B), e.g. forecast paths; otherwise drawn from the
    nodes' demand specs with ``config.seed``."""
    from netinv.network.compile import compile_network
    from netinv.sim import SimConfig, simulate

    a = compile_network(graph)
    H, B = config.horizon, config.paths
    result = simulate(a, policy, SimConfig(periods=H, paths=B, seed=config.seed, record=True), demand=demand)
    trace = result.trace
    N = a.num_nodes
    out = np.zeros((H, N, B), dtype=bool)
    first = a.demand_slice.start
    out[:, first:first + a.num_demand_nodes] |= trace["short"] > 1e-6
    out_inc = a.out_incidence()
    for t in range(H):
        out[t] |= (out_inc @ trace["owed"][t]) > 1e-6
    per_period = out.mean(axis=2)  # (H, N)
    within = out.any(axis=0).mean(axis=1)  # (N,)
    on_hand = trace["on_hand"].mean(axis=(0, 2))  # (N,)
    mean_d = np.zeros(N)
    mean_d[a.demand_slice] = [s.mean for s in a.demand_specs]
    served = a.downstream(np.float64) @ mean_d  # mean external demand each node serves per period
    levels = {str(k): float(v) for k, v in getattr(policy, "levels", {}).items()}
    stocking = set(np.unique(a.edge_target).tolist()) | set(range(first, first + a.num_demand_nodes))
    nodes = []
    for i in sorted(stocking):
        node = a.node_ids[i]
        p = float(within[i])
        half = 1.959964 * np.sqrt(max(p * (1 - p), 1e-12) / B)
        rate = served[i]
        days = config.period_days

        def cover(units, rate=rate, days=days):
            return float(units / rate * days) if rate > 0 else None

        level = levels.get(node)
        expected, target = cover(on_hand[i]), cover(level) if level is not None else None
        excess = bool(expected is not None and target is not None and target > 0
                      and expected > config.excess_factor * target)
        nodes.append(NodeRisk(node, p, (max(0.0, p - half), min(1.0, p + half)), per_period[:, i], expected,
                              cover(float(a.initial_inventory[i])), target, excess, level))
    nodes.sort(key=lambda r: (-r.stockout_probability, -float(r.per_period.max(initial=0.0)), r.node))
    return RiskReport(getattr(policy, "name", type(policy).__name__), config, nodes, levels, result.bullwhip,
                      result.bullwhip_stage)


def plot_risk_heatmap(report: RiskReport, path) -> object:
    """Nodes (highest risk on top) x periods, coloured by the probability of a stockout in the period;
    written to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from netinv.report import check_png, save_png

    path = check_png(path)
    grid = np.array([n.per_period for n in report.nodes]) if report.nodes else np.zeros((0, report.config.horizon))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.45 * grid.shape[1] + 3), max(2.5, 0.4 * grid.shape[0] + 1.5)))
    image = ax.imshow(grid, aspect="auto", cmap="Reds", vmin=0.0, vmax=max(0.05, float(grid.max(initial=0.0))))
    ax.set_yticks(range(len(report.nodes)), [f"{n.node} ({n.stockout_probability:.0%})" for n in report.nodes])
    ax.set_xticks(range(grid.shape[1]))
    ax.set_xlabel("period")
    ax.set_title(f"P(stockout in period), policy {report.policy}, {report.config.paths} paths")
    fig.colorbar(image, ax=ax, label="probability")
    fig.tight_layout()
    return save_png(fig, path)
