"""KPIs of a simulation: accumulated on the fly (no per-period arrays kept) and summarized.

Costs are per period, averaged over the measured periods (after warm-up) of each path; confidence
intervals are over paths (paths are independent replications): mean +- 1.96 sd / sqrt(B).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

COST_COMPONENTS = ("holding", "pipeline_holding", "shortage", "purchase", "ordering", "operating")


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    mean = float(values.mean())
    if values.size < 2:
        return mean, mean, mean
    half = 1.959964 * float(values.std(ddof=1)) / np.sqrt(values.size)
    return mean, float(mean - half), float(mean + half)


@dataclass
class SimResult:
    """What a simulation measured.

    mean_cost, ci95: total cost per period (all components, revenue not subtracted) and its 95% CI.
    mean_profit, profit_ci95: revenue minus cost, per period.
    cost_breakdown: component -> {"mean", "ci95"} per period.
    nodes: node id -> KPIs (fill_rate, cycle_service_level, mean_on_hand, mean_backorders,
        mean_lost_sales, holding_cost, shortage_cost); service KPIs only at demand nodes.
    bullwhip: echelon -> Var(orders placed by the echelon) / Var(external demand), per path, averaged.
    path_costs / path_profits: per path, the mean per period (B,).
    trace: per-period arrays when the simulation was recorded (SimConfig.record).
    """

    policy: str
    periods: int
    warmup: int
    paths: int
    mean_cost: float
    ci95: tuple[float, float]
    mean_profit: float
    profit_ci95: tuple[float, float]
    mean_revenue: float
    cost_breakdown: dict
    nodes: dict
    bullwhip: dict
    path_costs: np.ndarray = field(repr=False)
    path_profits: np.ndarray = field(repr=False)
    interrupted: bool = False
    trace: dict | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {
            "policy": self.policy,
            "periods": self.periods,
            "warmup": self.warmup,
            "paths": self.paths,
            "mean_cost": self.mean_cost,
            "ci95": list(self.ci95),
            "mean_profit": self.mean_profit,
            "profit_ci95": list(self.profit_ci95),
            "mean_revenue": self.mean_revenue,
            "cost_breakdown": self.cost_breakdown,
            "nodes": self.nodes,
            "bullwhip": self.bullwhip,
            "interrupted": self.interrupted,
        }


class Accumulator:
    """Sums the KPIs period by period; ``result()`` turns them into a :class:`SimResult`."""

    def __init__(self, arrays, paths: int, config, *, record: bool = False):
        a = self.a = arrays
        self.config = config
        self.record = record
        f32 = np.float32
        B, N, D = paths, a.num_nodes, a.num_demand_nodes
        ds = a.demand_slice
        self.h = a.holding_cost.astype(f32)
        self.h_component = a.holding_cost[a.edge_source].astype(f32)
        self.pipe = a.pipeline_holding_cost.astype(f32)
        self.use_pipe = bool(self.pipe.any())
        self.p = a.shortage_cost[ds].astype(f32)
        self.p_backlog = (a.shortage_cost[ds] * a.backlog[ds]).astype(f32)
        self.p_lost = (a.shortage_cost[ds] * ~a.backlog[ds]).astype(f32)
        self.unit = a.unit_cost.astype(f32)
        self.use_unit = bool(self.unit.any())
        self.op_edge = a.operating_cost[a.edge_source].astype(f32)
        self.op_sold = a.operating_cost[ds].astype(f32)
        self.use_op = bool(a.operating_cost.any())
        self.fixed = a.fixed_order_cost.astype(f32)
        self.use_fixed = bool(self.fixed.any())
        self.price = a.price[ds].astype(f32)
        self.use_price = bool(self.price.any())
        self.assembly_any = bool(a.assembly.any())
        # echelons that place orders: (K, E) incidence of edges into nodes of each echelon
        echelons = sorted({int(a.echelon[v]) for v in a.edge_target})
        self.echelons = echelons
        self.ech_inc = np.zeros((len(echelons), a.num_edges), dtype=f32)
        for k, ech in enumerate(echelons):
            self.ech_inc[k, a.echelon[a.edge_target] == ech] = 1.0

        z = lambda *shape: np.zeros(shape, dtype=np.float64)  # noqa: E731
        self.cost = {c: z(B) for c in COST_COMPONENTS}
        self.revenue = z(B)
        self.on_hand = z(N)
        self.backlog = z(D)
        self.lost = z(D)
        self.demand = z(D)
        self.filled = z(D)
        self.stockouts = z(D)
        self.order_sum, self.order_sq = z(len(echelons), B), z(len(echelons), B)
        self.dem_sum, self.dem_sq = z(B), z(B)
        self.measured = 0
        self.trace: dict[str, list] = {} if record else None

    def add(self, s, orders, shipped, arrived, d, sold, short, lost, backlog_before, trans, measure):
        if self.record:
            for key, value in (
                ("on_hand", s.on_hand), ("backlog", s.backlog), ("owed", s.owed), ("in_transit", s.in_transit),
                ("components", s.components), ("orders", orders), ("shipped", shipped), ("arrived", arrived),
                ("demand", d), ("sold", sold), ("short", short),
                ("lost", lost if lost is not None else np.zeros_like(short)),
                ("transshipped", trans if trans is not None else np.zeros((len(self.a.trans_keys), s.paths), np.float32)),
            ):
                self.trace.setdefault(key, []).append(np.array(value, copy=True))
        if not measure:
            return
        self.measured += 1
        ds = self.a.demand_slice
        cost = self.cost
        cost["holding"] += self.h @ s.on_hand
        if self.assembly_any:
            cost["holding"] += self.h_component @ s.components
        if self.use_pipe:
            cost["pipeline_holding"] += self.pipe @ s.in_transit
        backlog_d = s.backlog[ds]
        cost["shortage"] += self.p_backlog @ backlog_d
        if lost is not None:
            cost["shortage"] += self.p_lost @ lost
            self.lost += lost.sum(axis=1)
        if self.use_unit:
            cost["purchase"] += self.unit @ shipped
        if self.use_op:
            cost["operating"] += self.op_edge @ shipped + self.op_sold @ sold
        if self.use_fixed:
            cost["ordering"] += self.fixed @ (orders > 0).astype(np.float32)
        if self.use_price:
            self.revenue += self.price @ sold
        self.on_hand += s.on_hand.sum(axis=1)
        self.backlog += backlog_d.sum(axis=1)
        self.demand += d.sum(axis=1)
        self.filled += np.maximum(sold - backlog_before, 0.0).sum(axis=1)
        self.stockouts += (short > 0).sum(axis=1)
        if self.echelons:
            placed = self.ech_inc @ orders
            self.order_sum += placed
            self.order_sq += placed.astype(np.float64) ** 2
        total_d = d.sum(axis=0, dtype=np.float64)
        self.dem_sum += total_d
        self.dem_sq += total_d**2

    def result(self, *, policy: str, interrupted: bool = False) -> SimResult:
        a, cfg = self.a, self.config
        m = max(self.measured, 1)
        B = len(self.revenue)
        per_path = {c: v / m for c, v in self.cost.items()}
        path_costs = sum(per_path.values())
        path_profits = self.revenue / m - path_costs
        mean, lo, hi = _ci(path_costs)
        pmean, plo, phi = _ci(path_profits)
        breakdown = {}
        for c, v in per_path.items():
            cm, clo, chi = _ci(v)
            breakdown[c] = {"mean": cm, "ci95": [clo, chi]}
        denom = m * B
        nodes = {}
        first_demand = a.num_nodes - a.num_demand_nodes
        for i, node in enumerate(a.node_ids):
            kpi = {
                "echelon": int(a.echelon[i]),
                "mean_on_hand": self.on_hand[i] / denom,
                "holding_cost": float(a.holding_cost[i]) * self.on_hand[i] / denom,
            }
            k = i - first_demand
            if k >= 0:
                dem = self.demand[k]
                kpi.update(
                    fill_rate=float(self.filled[k] / dem) if dem > 0 else 1.0,
                    cycle_service_level=1.0 - self.stockouts[k] / denom,
                    mean_backorders=self.backlog[k] / denom,
                    mean_lost_sales=self.lost[k] / denom,
                    mean_demand=dem / denom,
                    shortage_cost=float(a.shortage_cost[i])
                    * (self.backlog[k] if a.backlog[i] else self.lost[k]) / denom,
                )
            nodes[node] = {key: float(v) for key, v in kpi.items()}
        bullwhip = {}
        if m >= 2:
            var_d = self.dem_sq / m - (self.dem_sum / m) ** 2
            for k, ech in enumerate(self.echelons):
                var_o = self.order_sq[k] / m - (self.order_sum[k] / m) ** 2
                ok = var_d > 1e-12
                bullwhip[str(ech)] = float(np.mean(var_o[ok] / var_d[ok])) if ok.any() else float("nan")
        trace = None
        if self.trace is not None:
            trace = {k: np.stack(v) for k, v in self.trace.items()}
        return SimResult(
            policy=policy,
            periods=cfg.periods,
            warmup=cfg.warmup,
            paths=B,
            mean_cost=mean,
            ci95=(lo, hi),
            mean_profit=pmean,
            profit_ci95=(plo, phi),
            mean_revenue=float(np.mean(self.revenue / m)),
            cost_breakdown=breakdown,
            nodes=nodes,
            bullwhip=bullwhip,
            path_costs=path_costs,
            path_profits=path_profits,
            interrupted=interrupted,
            trace=trace,
        )
