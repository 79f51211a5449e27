"""KPIs of a simulation: linear sums accumulated on the fly, summarized at the end.

Every cost is linear in a state quantity (holding in on-hand stock, pipeline holding in stock in
transit, ...), so per period the accumulator only adds the state arrays into running sums (float32,
flushed into float64 every few hundred periods); costs per path come out of one matrix product at
the end. Costs are per period, averaged over the measured periods (after warm-up) of each path;
confidence intervals are over paths (independent replications): mean +- 1.96 sd / sqrt(B).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

COST_COMPONENTS = ("holding", "pipeline_holding", "shortage", "purchase", "ordering", "operating", "transshipment")
_FLUSH_EVERY = 256


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
    nodes: node id -> KPIs (echelon, mean_on_hand, holding_cost; at demand nodes also fill_rate,
        cycle_service_level, mean_backorders, mean_lost_sales, mean_demand, shortage_cost).
    bullwhip: echelon -> Var(orders placed by the echelon) / Var(external demand), per path, averaged
        (orders in units of the edges' sources, summed over the echelon's supply edges; demand summed
        over all demand nodes): the amplification relative to the consumers.
    bullwhip_stage: echelon k -> the ratio of order variance to demand variance of the stage, as
        Lee, Padmanabhan & Whang (1997) and Chen, Drezner, Ryan & Simchi-Levi (2000) define it:

            Var_t(O_k) / Var_t(I_k), per path, averaged over the paths where Var_t(I_k) > 0

        over the measured periods t (after the warm-up), where O_k[t] = the orders placed in period t
        by the nodes of echelon k, each in its own units (order / ``quantity`` on every supply edge
        into the node; at an assembly node the mean over its component edges, i.e. kits), summed over
        the echelon's nodes, and I_k[t] = the demand those nodes face in period t in the same units:
        external demand at them plus what their customers ordered from them on supply edges (units of
        the source). Var_t is the variance over periods (divided by the number of periods). 1 means
        the echelon passes its demand on unchanged (a base-stock policy under stationary demand);
        above 1 it amplifies it. The ratios of consecutive stages multiply to about ``bullwhip``.
        None where the demand the echelon faces never varies (no ratio).
    transshipped: ``"source->target"`` -> mean units moved per period on each transshipment edge (the
        ``transshipment`` cost component is their ``unit_cost``); empty without transshipment edges.
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
    transshipped: dict = field(default_factory=dict)
    bullwhip_stage: dict = field(default_factory=dict)

    def to_dict(self, per: str = "period", *, max_paths: int = 100_000) -> dict:
        """A JSON-ready summary. ``per="period"``: money per period (the default); ``per="horizon"``: totals
        over the measured periods of each path (how finite-horizon results are published). Per-path
        ``costs`` (and ``profits`` when there is revenue) are listed for up to ``max_paths`` paths; node
        KPIs stay per period."""
        if per not in ("period", "horizon"):
            raise ValueError(f"per must be 'period' or 'horizon', got {per!r}")
        scale = float(self.periods - self.warmup) if per == "horizon" else 1.0
        out = {
            "policy": self.policy,
            "periods": self.periods,
            "warmup": self.warmup,
            "paths": self.paths,
            "per": per,
            "mean_cost": scale * self.mean_cost,
            "ci95": [scale * x for x in self.ci95],
            "mean_profit": scale * self.mean_profit,
            "profit_ci95": [scale * x for x in self.profit_ci95],
            "mean_revenue": scale * self.mean_revenue,
            "cost_breakdown": {
                k: {"mean": scale * v["mean"], "ci95": [scale * x for x in v["ci95"]]}
                for k, v in self.cost_breakdown.items()
            },
            "nodes": self.nodes,
            "bullwhip": self.bullwhip,
            "bullwhip_stage": self.bullwhip_stage,
            "transshipped": {k: scale * v for k, v in self.transshipped.items()},
            "interrupted": self.interrupted,
        }
        if self.paths <= max_paths:
            out["costs"] = (scale * self.path_costs).tolist()
            if self.mean_revenue:
                out["profits"] = (scale * self.path_profits).tolist()
        return out


@dataclass
class BlockSums:
    """Sums over the measured periods of one block of paths (float64)."""

    measured_periods: int
    sums: dict  # name -> (rows, b) array summed over periods
    order_sq: np.ndarray  # (K, b)
    demand_total: np.ndarray  # (b,)
    demand_sq: np.ndarray  # (b,)
    interrupted: bool
    trace: dict | None


MAX_TRACE_BYTES = 2 * 1024**3  # the per-period trace of a recorded simulation (risk, report): 2 GiB


def trace_bytes(arrays, periods: int, paths: int) -> int:
    """Peak bytes of the per-period trace of ``paths`` paths x ``periods`` periods (:class:`Accumulator`
    with ``record``): float32 values per path and period (on hand and backlog per node, six arrays per edge,
    four per demand node, one per transshipment edge), held about three times (the per-period list, the
    stacked block, the blocks joined)."""
    per_cell = 2 * arrays.num_nodes + 6 * arrays.num_edges + 4 * arrays.num_demand_nodes + len(arrays.trans_keys)
    return 3 * 4 * int(periods) * int(paths) * per_cell


def check_trace_size(arrays, periods: int, paths: int, limit: int = MAX_TRACE_BYTES) -> None:
    """Raise a one-line :class:`~netinv.errors.InputError` when the trace of a recorded simulation
    (:func:`trace_bytes`) would exceed ``limit``, before anything is allocated."""
    size = trace_bytes(arrays, periods, paths)
    if size > limit:
        from netinv.errors import InputError

        raise InputError(f"network {arrays.name!r}: a recorded simulation of {paths:,} paths x {periods:,} periods "
                         f"would hold about {size / 1024**3:.3g} GB of per-period trace, over the limit of "
                         f"{limit / 1024**3:.3g} GB (netinv.sim.kpis.MAX_TRACE_BYTES); use fewer paths or periods")


class Accumulator:
    """Adds the state of each measured period into running sums for one block of paths."""

    def __init__(self, arrays, paths: int, config, *, record: bool = False):
        a = self.a = arrays
        self.config = config
        self.record = record
        self.interrupted = False
        f32 = np.float32
        self.track_transit = bool(a.pipeline_holding_cost.any())
        self.track_shipped = bool(a.purchase_cost.any() or a.operating_cost.any())
        self.track_orders = bool(a.fixed_order_cost.any())
        self.track_lost = bool((~a.backlog[a.demand_slice]).any())
        self.assembly_any = bool(a.assembly.any())
        echelons = sorted({int(a.echelon[v]) for v in a.edge_target})
        self.echelons = echelons
        self.ech_inc = np.zeros((len(echelons), a.num_edges), dtype=f32)
        for k, ech in enumerate(echelons):
            self.ech_inc[k, a.echelon[a.edge_target] == ech] = 1.0
        N, E, D, K = a.num_nodes, a.num_edges, a.num_demand_nodes, len(echelons)
        shapes = {"on_hand": N, "backlog": D, "sold": D, "filled": D, "stockouts": D, "demand": D}
        if self.track_transit:
            shapes["in_transit"] = E
        if self.assembly_any:
            shapes["components"] = E
        if self.track_shipped:
            shapes["shipped"] = E
        if self.track_orders:
            shapes["orders_placed"] = E
        if self.track_lost:
            shapes["lost"] = D
        if a.trans_keys:
            shapes["transshipped"] = len(a.trans_keys)
        shapes["echelon_orders"] = K
        # stage bullwhip: orders placed by each echelon and the demand it faces, in its own units
        self.stage_placed = np.zeros((K, E), dtype=f32)
        self.stage_faced = np.zeros((K, E), dtype=f32)
        self.stage_external = np.zeros((K, D), dtype=f32)
        if K:
            row = {ech: k for k, ech in enumerate(echelons)}
            components = np.bincount(a.edge_target, minlength=N)
            for e, (i, j) in enumerate(zip(a.edge_source, a.edge_target, strict=True)):
                share = 1.0 / components[j] if a.assembly[j] else 1.0
                self.stage_placed[row[int(a.echelon[j])], e] = share / a.quantity[e]
                if int(a.echelon[i]) in row:
                    self.stage_faced[row[int(a.echelon[i])], e] = 1.0
            ds = a.demand_slice
            for k, i in enumerate(range(ds.start, ds.stop)):
                if int(a.echelon[i]) in row:
                    self.stage_external[row[int(a.echelon[i])], k] = 1.0
            shapes["stage_placed"] = K
            shapes["stage_faced"] = K
        self._fast = {k: np.zeros((n, paths), dtype=f32) for k, n in shapes.items()}
        self._total = {k: np.zeros((n, paths), dtype=np.float64) for k, n in shapes.items()}
        if K:  # squares go straight into float64 sums
            self._total["stage_placed_sq"] = np.zeros((K, paths))
            self._total["stage_faced_sq"] = np.zeros((K, paths))
        self.order_sq = np.zeros((K, paths))
        self.demand_total = np.zeros(paths)
        self.demand_sq = np.zeros(paths)
        self._tmp = np.zeros((D, paths), dtype=f32)
        self.measured = 0
        self.trace: dict[str, list] | None = {} if record else None

    def add(self, s, orders, shipped, arrived, d, sold, short, lost, backlog_before, trans, measure):
        if self.record:
            self._record(s, orders, shipped, arrived, d, sold, short, lost, trans)
        if not measure:
            return
        self.measured += 1
        f = self._fast
        ds = self.a.demand_slice
        f["on_hand"] += s.on_hand
        f["backlog"] += s.backlog[ds]
        f["sold"] += sold
        f["demand"] += d
        tmp = self._tmp
        np.subtract(sold, backlog_before, out=tmp)  # served from this period's demand (oldest first)
        np.maximum(tmp, 0.0, out=tmp)
        f["filled"] += tmp
        np.greater(short, 0.0, out=tmp, casting="unsafe")
        f["stockouts"] += tmp
        if self.track_transit:
            f["in_transit"] += s.in_transit
        if self.assembly_any:
            f["components"] += s.components
        if self.track_shipped:
            f["shipped"] += shipped
        if self.track_orders:
            f["orders_placed"] += orders > 0
        if self.track_lost and lost is not None:
            f["lost"] += lost
        if trans is not None:
            f["transshipped"] += trans
        if self.echelons:
            placed = self.ech_inc @ orders
            f["echelon_orders"] += placed
            self.order_sq += np.square(placed, dtype=np.float64)
            stage = self.stage_placed @ orders
            faced = self.stage_faced @ orders + self.stage_external @ d
            f["stage_placed"] += stage
            f["stage_faced"] += faced
            self._total["stage_placed_sq"] += np.square(stage, dtype=np.float64)
            self._total["stage_faced_sq"] += np.square(faced, dtype=np.float64)
        total_d = d.sum(axis=0, dtype=np.float64)
        self.demand_total += total_d
        self.demand_sq += total_d**2
        if self.measured % _FLUSH_EVERY == 0:
            self._flush()

    def _flush(self):
        for key, fast in self._fast.items():
            self._total[key] += fast
            fast.fill(0.0)

    def _record(self, s, orders, shipped, arrived, d, sold, short, lost, trans):
        for key, value in (
            ("on_hand", s.on_hand), ("backlog", s.backlog), ("owed", s.owed), ("in_transit", s.in_transit),
            ("components", s.components), ("orders", orders), ("shipped", shipped), ("arrived", arrived),
            ("demand", d), ("sold", sold), ("short", short),
            ("lost", lost if lost is not None else np.zeros_like(short)),
            ("transshipped", trans if trans is not None else np.zeros((len(self.a.trans_keys), s.paths), np.float32)),
        ):
            self.trace.setdefault(key, []).append(np.array(value, copy=True))

    def finish(self) -> BlockSums:
        self._flush()
        trace = {k: np.stack(v) for k, v in self.trace.items()} if self.trace else None
        return BlockSums(
            measured_periods=self.measured,
            sums=self._total,
            order_sq=self.order_sq,
            demand_total=self.demand_total,
            demand_sq=self.demand_sq,
            interrupted=self.interrupted,
            trace=trace,
        )

    # ------------------------------------------------------------------------------------------
    @staticmethod
    def combine(parts: list[BlockSums], arrays, config, *, policy: str, interrupted: bool) -> SimResult:
        """Summarize the blocks of one simulation into a :class:`SimResult`."""
        first = parts[0]
        # An interrupted run keeps only the blocks that measured as many periods as the first one.
        parts = [p for p in parts if p.measured_periods == first.measured_periods]
        # (a block read back from an older checkpoint may lack newer sums: those KPIs are left out)
        sums = {k: np.concatenate([p.sums[k] for p in parts], axis=1) for k in first.sums
                if all(k in p.sums for p in parts)}
        order_sq = np.concatenate([p.order_sq for p in parts], axis=1)
        demand_total = np.concatenate([p.demand_total for p in parts])
        demand_sq = np.concatenate([p.demand_sq for p in parts])
        return _summarize(arrays, config, sums, order_sq, demand_total, demand_sq,
                          first.measured_periods, policy, interrupted,
                          _stack_traces([p.trace for p in parts]))


def _stack_traces(traces):
    if not traces or traces[0] is None:
        return None
    return {k: np.concatenate([t[k] for t in traces], axis=-1) for k in traces[0]}


def _summarize(a, cfg, sums, order_sq, demand_total, demand_sq, m, policy, interrupted, trace) -> SimResult:
    ds = a.demand_slice
    m = max(m, 1)
    B = sums["on_hand"].shape[1]
    per_path = {c: np.zeros(B) for c in COST_COMPONENTS}
    per_path["holding"] += a.holding_cost @ sums["on_hand"]
    if "components" in sums:
        per_path["holding"] += a.holding_cost[a.edge_source] @ sums["components"]
    if "in_transit" in sums:
        per_path["pipeline_holding"] += a.pipeline_holding_cost @ sums["in_transit"]
    backlog_flag = a.backlog[ds]
    per_path["shortage"] += (a.shortage_cost[ds] * backlog_flag) @ sums["backlog"]
    if "lost" in sums:
        per_path["shortage"] += (a.shortage_cost[ds] * ~backlog_flag) @ sums["lost"]
    if "shipped" in sums:
        per_path["purchase"] += a.purchase_cost @ sums["shipped"]
        per_path["operating"] += a.operating_cost[a.edge_source] @ sums["shipped"]
    per_path["operating"] += a.operating_cost[ds] @ sums["sold"]
    if "transshipped" in sums:
        per_path["transshipment"] += a.trans_unit_cost @ sums["transshipped"]
    if "orders_placed" in sums:
        per_path["ordering"] += a.fixed_order_cost @ sums["orders_placed"]
    per_path = {c: v / m for c, v in per_path.items()}
    revenue = (a.price[ds] @ sums["sold"]) / m
    path_costs = sum(per_path.values())
    path_profits = revenue - path_costs
    mean, lo, hi = _ci(path_costs)
    pmean, plo, phi = _ci(path_profits)
    breakdown = {}
    for c, v in per_path.items():
        cm, clo, chi = _ci(v)
        breakdown[c] = {"mean": cm, "ci95": [clo, chi]}
    denom = m * B
    node_sum = {k: v.sum(axis=1) for k, v in sums.items()}
    nodes = {}
    first_demand = a.num_nodes - a.num_demand_nodes
    for i, node in enumerate(a.node_ids):
        kpi = {
            "echelon": int(a.echelon[i]),
            "mean_on_hand": node_sum["on_hand"][i] / denom,
            "holding_cost": float(a.holding_cost[i]) * node_sum["on_hand"][i] / denom,
        }
        k = i - first_demand
        if k >= 0:
            dem = node_sum["demand"][k]
            lost = node_sum["lost"][k] if "lost" in node_sum else 0.0
            kpi.update(
                fill_rate=float(node_sum["filled"][k] / dem) if dem > 0 else 1.0,
                cycle_service_level=1.0 - node_sum["stockouts"][k] / denom,
                mean_backorders=node_sum["backlog"][k] / denom,
                mean_lost_sales=lost / denom,
                mean_demand=dem / denom,
                shortage_cost=float(a.shortage_cost[i]) * (node_sum["backlog"][k] if a.backlog[i] else lost) / denom,
            )
        nodes[node] = {key: float(v) for key, v in kpi.items()}
    bullwhip = {}
    if m >= 2:
        echelons = sorted({int(a.echelon[v]) for v in a.edge_target})
        var_d = demand_sq / m - (demand_total / m) ** 2
        ok = var_d > 1e-9 * np.maximum(1.0, (demand_total / m) ** 2)
        for k, ech in enumerate(echelons):
            var_o = order_sq[k] / m - (sums["echelon_orders"][k] / m) ** 2
            bullwhip[str(ech)] = float(np.mean(np.maximum(var_o[ok], 0.0) / var_d[ok])) if ok.any() else float("nan")
    bullwhip_stage = _stage_bullwhip(a, sums, m) if m >= 2 and "stage_faced_sq" in sums else {}
    return SimResult(
        policy=policy,
        periods=cfg.periods,
        warmup=cfg.warmup,
        paths=B,
        mean_cost=mean,
        ci95=(lo, hi),
        mean_profit=pmean,
        profit_ci95=(plo, phi),
        mean_revenue=float(np.mean(revenue)),
        cost_breakdown=breakdown,
        nodes=nodes,
        bullwhip=bullwhip,
        bullwhip_stage=bullwhip_stage,
        path_costs=path_costs,
        path_profits=path_profits,
        interrupted=interrupted,
        trace=trace,
        transshipped={f"{u}->{v}": float(q) / (m * B)
                      for (u, v), q in zip(a.trans_keys, sums["transshipped"].sum(axis=1), strict=True)}
        if "transshipped" in sums else {},
    )


def _stage_bullwhip(a, sums, m: int) -> dict:
    """echelon -> mean over paths of Var_t(orders placed) / Var_t(demand faced) (see ``SimResult``)."""
    out = {}
    echelons = sorted({int(a.echelon[v]) for v in a.edge_target})
    for k, ech in enumerate(echelons):
        mean_p, mean_f = sums["stage_placed"][k] / m, sums["stage_faced"][k] / m
        var_p = np.maximum(sums["stage_placed_sq"][k] / m - mean_p**2, 0.0)
        var_f = np.maximum(sums["stage_faced_sq"][k] / m - mean_f**2, 0.0)
        ok = var_f > 1e-9 * np.maximum(1.0, mean_f**2)
        out[str(ech)] = float(np.mean(var_p[ok] / var_f[ok])) if ok.any() else None
    return out
