"""Vectorized periodic-review simulator: B demand paths x all nodes at once (numpy, float32).

Events of period t, in order (the convention of the OR-Gym network environment, Perez et al. 2021):

1. **Orders.** The policy sees the state at the start of the period and orders on every supply edge.
2. **Shipping.** Each source ships what is owed on its edges plus the new orders, from its on-hand
   stock at the start of the period, within its node ``capacity`` (units released per period) and
   each edge's ``capacity``. An unlimited external source ships everything (up to its capacity).
   Allocation rule **proportional**: when a node cannot ship all requests, every requesting edge gets
   the same fraction of its request. Unshipped requests stay owed (edge ``backlog: true``) or are
   dropped (``backlog: false``). Shipping pays the source's ``operating_cost``; ``unit_cost`` is a
   cost of the network only on edges from an external supply (internal prices are transfers that
   cancel in the network's total, the accounting of the OR-Gym environment).
3. **Arrivals.** What was shipped ``lead_time`` periods ago arrives (``lead_time`` 0: this period);
   a node's ``processing_time`` (and an external supply's) adds to that delay: ``NetworkArrays.lead_time``.
   Arrivals are divided by the edge's ``quantity`` (units of source per unit of target) and
   multiplied by the target's ``yield``. At an assembly node arrivals are components (kept in the
   source's units): as many complete kits as are on hand are assembled at once, each kit using
   ``quantity`` units of every component and yielding ``yield`` units of the node's product.
4. **Demand.** External demand plus earlier backorders are met from on-hand stock, oldest first;
   the rest is backordered (node ``backlog: true``) or lost. Sales earn ``price``.
5. **Transshipment** (optional ``transshipment=`` rule, applied after demand). Units shipped on a
   transshipment edge in period t with lead time L arrive after demand in period t + L (L = 0: at
   once); arrivals first serve the target's backorders. The rule sees the state after this period's
   arrivals, with ``state.transshipment_in_transit`` (X, B) on it. The rule's moves are cut to what
   each sender has on hand and to the edge's ``capacity``. Each unit moved costs the edge's
   ``unit_cost`` (the ``transshipment`` cost component); units in transit on a transshipment edge pay
   no holding cost and are not part of any node's inventory position (base-stock policies do not see
   them). At lost-sales nodes a shortage is gone by then: transshipment only serves backorders.
6. **Costs** on the end-of-period state: ``holding_cost`` x on hand (components held at an assembly
   node at their supplier's rate), ``pipeline_holding_cost`` x in transit, ``shortage_cost`` x
   backorders (per period) or x lost sales, ``fixed_order_cost`` per edge with a positive order.

The timing convention is written once in :mod:`netinv.timing`, and every model reads it there: an item
received in period t is shipped on at the earliest in period t + 1, and an order placed in period t on
an edge with arrival delay L (lead time + processing time) can meet demand in period t + L: a stage's
order covers L + 1 periods of demand. (A textbook serial system with stage lead times L_i maps to
netinv lead times L_i - 1: see ``scenarios/clark_scarf_ss61.yaml``.)

Demand comes from :class:`~netinv.demand.distributions.DemandSampler` (common random numbers: the same seed gives
the same demand to every policy) or from an explicit array of shape (T, D, B).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from netinv.demand.distributions import DemandSampler
from netinv.errors import InputError
from netinv.network.compile import NetworkArrays
from netinv.sim.kpis import Accumulator, SimResult, check_trace_size
from netinv.sim.state import SimState
from netinv.sim.transshipment import TransshipmentRule

ALLOCATION_RULES = ("proportional",)
if TYPE_CHECKING:
    from netinv.policies.base import Policy
    from netinv.sim.checkpoint import BlockStore

DEMAND_CHUNK_FLOATS = 1 << 24
"""Sampled demand is drawn in chunks of periods of about this many float32 values (64 MB)."""


@dataclass(frozen=True)
class SimConfig:
    """What to simulate.

    periods: number of periods T (warm-up included).
    paths: number of demand paths B simulated side by side.
    seed: seed of the demand stream (common random numbers across policies).
    warmup: the first ``warmup`` periods are simulated but left out of every KPI.
    allocation: how a short supplier splits its stock among requesting edges (``proportional``).
    record: keep the per-period trace (on hand, shipments, sales, ...) in the result; for tests and
        small runs only (memory grows with T x N x B).
    block_paths: paths are simulated in blocks of this many (they are independent), so that a block's
        state stays in the processor's cache. Demand of block k comes from the seed sequence
        (seed, k): results depend on ``seed`` and ``block_paths``, never on ``threads``.
    threads: blocks simulated at the same time (numpy releases the GIL in array operations).
    """

    periods: int = 100
    paths: int = 100
    seed: int = 0
    warmup: int = 0
    allocation: str = "proportional"
    record: bool = False
    block_paths: int = 1024
    threads: int = 1

    def __post_init__(self):
        if self.periods < 1:
            raise InputError(f"periods must be >= 1, got {self.periods}")
        if self.paths < 1:
            raise InputError(f"paths must be >= 1, got {self.paths}")
        if not 0 <= self.warmup < self.periods:
            raise InputError(f"warmup must be in [0, periods), got {self.warmup} with periods={self.periods}")
        if self.block_paths < 1 or self.threads < 1:
            raise InputError(f"block_paths and threads must be >= 1, got {self.block_paths}, {self.threads}")
        if self.allocation not in ALLOCATION_RULES:
            raise InputError(f"allocation must be one of {ALLOCATION_RULES}, got {self.allocation!r}")


def simulate(
    arrays: NetworkArrays,
    policy: Policy,
    config: SimConfig = SimConfig(),
    *,
    demand: np.ndarray | None = None,
    transshipment: TransshipmentRule | None = None,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: BlockStore | None = None,
) -> SimResult:
    """Simulate ``policy`` on ``arrays`` and return KPIs (see :class:`~netinv.sim.kpis.SimResult`).

    ``demand``: optional explicit external demand, shape (T, D, B) or (T, D) (one path), in the order
    of the demand nodes (``arrays.node_ids[arrays.demand_slice]``); otherwise sampled with ``config.seed``.
    ``progress(done, total)`` is called after every period.
    ``checkpoint``: a :class:`~netinv.sim.checkpoint.BlockStore`; complete blocks are saved there as
    they finish and read back instead of simulated again (an interrupted run resumes; not with
    ``config.record``). A recorded run whose trace would exceed the limit is refused before it starts
    (:func:`~netinv.sim.kpis.check_trace_size`).
    """
    if config.record:
        check_trace_size(arrays, config.periods, config.paths)
    simulation = Simulation(arrays, policy, config, demand=demand, transshipment=transshipment, checkpoint=checkpoint)
    return simulation.run(progress)


class PeriodRecorder(Protocol):
    """What :meth:`Simulation.step` reports each period to: the KPI
    :class:`~netinv.sim.kpis.Accumulator`, or an environment's per-period profit meter.

    ``record``: True when :meth:`add` wants the warm-up periods too (a per-period trace).
    :meth:`add` receives the end-of-period state ``state`` and, as (E, B) / (D, B) arrays, the period's
    ``orders``, ``shipped`` and ``arrived`` units per edge, external ``demand``, units ``sold``,
    ``short`` (unmet at the end of the period), ``lost`` (lost sales; None when every demand node
    backorders), ``backlog_before`` (backorders at the start of the period), ``transshipped`` ((X, B)
    or None) and ``measure`` (False during the warm-up).
    """

    record: bool

    def add(self, state: SimState, orders: np.ndarray, shipped: np.ndarray, arrived: np.ndarray,
            demand: np.ndarray, sold: np.ndarray, short: np.ndarray, lost: np.ndarray | None,
            backlog_before: np.ndarray, transshipped: np.ndarray | None, measure: bool) -> None: ...


class Simulation:
    """One network, one policy, one configuration, stepped period by period.

    :meth:`run` plays the whole horizon over every block of paths and returns the KPIs (what
    :func:`simulate` does); :meth:`step` plays one period on a caller's :class:`SimState`, the six
    events of the module's docstring in order (orders, shipping, arrivals, demand, transshipment,
    costs), so that an environment (:mod:`netinv.env`) plays exactly the simulator's period.

    arrays: the compiled network. policy: decides the orders (its ``prepare`` is called by :meth:`run`;
    a caller of :meth:`step` calls it). config: horizon, paths, seed, blocks.
    demand: optional explicit demand, (T, D, B) or (T, D) (see :func:`simulate`).
    transshipment: optional rule applied after demand (step 5).
    checkpoint: optional :class:`~netinv.sim.checkpoint.BlockStore` keeping finished blocks.
    """

    def __init__(self, arrays: NetworkArrays, policy: Policy, config: SimConfig = SimConfig(), *,
                 demand: np.ndarray | None = None, transshipment: TransshipmentRule | None = None,
                 checkpoint: BlockStore | None = None):
        self.a = arrays
        self.policy = policy
        self.config = config
        self.transshipment = transshipment
        self.store = checkpoint
        self.demand = _explicit_demand(demand, config, arrays.num_demand_nodes)
        T, B, D = config.periods, config.paths, arrays.num_demand_nodes
        self.chunk = max(1, min(T, DEMAND_CHUNK_FLOATS // max(1, D * min(B, config.block_paths))))
        self._precompute(arrays)

    def _precompute(self, a: NetworkArrays) -> None:
        """The network's arrays in the shapes and types the period's steps use."""
        f32 = np.float32
        self.src = a.edge_source
        self.out_inc, self.in_inc = a.out_incidence(), a.in_incidence()
        self.depth = int(a.lead_time.max()) + 1 if a.num_edges else 1
        # edges are sorted by lead time: one slice of edges per lead time
        self.lead_slices = []
        for lead in np.unique(a.lead_time):
            idx = np.flatnonzero(a.lead_time == lead)
            self.lead_slices.append((int(lead), slice(int(idx[0]), int(idx[-1]) + 1)))
        self.cap = a.capacity.astype(f32)[:, None]
        self.has_node_cap = bool(np.isfinite(a.capacity).any())
        self.edge_cap = a.edge_capacity.astype(f32)[:, None]
        self.has_edge_cap = bool(np.isfinite(a.edge_capacity).any())
        self.unlimited = a.unlimited
        self.limited_any = bool((~a.unlimited).any())
        self.edge_keep = a.edge_backlog.astype(f32)[:, None]
        self.all_edge_backlog = bool(a.edge_backlog.all())
        convert = a.yield_[a.edge_target] / a.quantity
        self.convert = convert.astype(f32)[:, None]
        self.trivial_convert = bool(np.all(convert == 1.0))
        self.assembly_any = bool(a.assembly.any())
        self.assembly_edge = a.assembly[a.edge_target]
        ds = a.demand_slice
        self.ds = ds
        self.demand_backlog = a.backlog[ds][:, None]
        self.all_backlog = bool(a.backlog[ds].all())
        self.trans_depth = int(a.trans_lead_time.max()) + 1 if a.trans_keys else 1
        self.trans_cap = a.trans_capacity.astype(f32)[:, None]

    # ------------------------------------------------------------------------------------------
    def run(self, progress: Callable[[int, int], None] | None = None) -> SimResult:
        """Simulate every block of paths (``config.threads`` at a time) and combine their KPIs.

        ``progress(done, total)`` is called as periods (one block) or blocks (several) finish. Ctrl-C
        stops the run: the KPIs of the periods done so far come back with ``interrupted`` set.
        """
        cfg = self.config
        T, B = cfg.periods, cfg.paths
        blocks = [(k, slice(lo, min(lo + cfg.block_paths, B))) for k, lo in enumerate(range(0, B, cfg.block_paths))]
        self.policy.prepare(self.a, min(B, cfg.block_paths))
        done = [0]
        stop = threading.Event()

        def report():  # with several blocks, progress is counted in finished blocks
            done[0] += 1
            if progress is not None:
                progress(done[0] * T // len(blocks), T)

        store = self.store
        measured = T - cfg.warmup

        def run_block(job):
            k, paths = job
            if store is not None and (kept := store.load(k)) is not None:
                report()
                return kept
            part = self._run_block(k, paths, report if len(blocks) > 1 else None, stop, progress)
            if store is not None and part is not None and not part.interrupted and part.measured_periods == measured:
                store.save(k, part)
            return part

        interrupted = False
        parts = []
        try:
            if cfg.threads > 1 and len(blocks) > 1:
                with ThreadPoolExecutor(max_workers=cfg.threads) as pool:
                    futures = [pool.submit(run_block, job) for job in blocks]
                    try:
                        parts = [f.result() for f in futures]
                    except KeyboardInterrupt:
                        stop.set()
                        raise
            else:
                for job in blocks:
                    parts.append(run_block(job))
        except KeyboardInterrupt:
            interrupted = True
            stop.set()
        # a block cut before its first measured period holds nothing and is dropped below, but the run is
        # still interrupted: decide that before dropping it
        interrupted = interrupted or stop.is_set() or any(p is not None and p.interrupted for p in parts)
        parts = [p for p in parts if p is not None and p.measured_periods > 0]
        policy_name = getattr(self.policy, "name", type(self.policy).__name__)
        if not parts:
            raise KeyboardInterrupt
        return Accumulator.combine(parts, self.a, cfg, policy=policy_name, interrupted=interrupted)

    def _run_block(self, k: int, paths: slice, report, stop, progress):
        a, cfg = self.a, self.config
        T = cfg.periods
        b = paths.stop - paths.start
        state = SimState.initial(a, b, first_path=paths.start, periods=cfg.periods)
        if self.transshipment is not None and a.trans_keys:
            # transshipments on their way, kept on this block's state (see step 5 of the module's doc)
            state.transshipment_pipeline = np.zeros((self.trans_depth, len(a.trans_keys), b), dtype=np.float32)
            state.transshipment_in_transit = np.zeros((len(a.trans_keys), b), dtype=np.float32)
        acc = Accumulator(a, b, cfg, record=cfg.record)
        sampler = None
        if self.demand is None:
            sampler = DemandSampler(a.demand_specs, seed=np.random.SeedSequence([cfg.seed, k]))
        chunk_demand, chunk_start = None, 0
        try:
            for t in range(T):
                if stop.is_set():
                    acc.interrupted = True
                    break
                if self.demand is not None:
                    d = np.ascontiguousarray(self.demand[t][:, paths])
                else:
                    if chunk_demand is None or t - chunk_start >= chunk_demand.shape[0]:
                        chunk_start = t
                        chunk_demand = sampler.draw(t, min(self.chunk, T - t), b)
                    d = chunk_demand[t - chunk_start]
                state.t = t
                self.step(state, d, acc)
                if report is None and progress is not None:
                    progress(t + 1, T)
        except KeyboardInterrupt:
            acc.interrupted = True
            stop.set()
        if report is not None:
            report()
        return acc.finish()

    # ------------------------------------------------------------------------------------------
    def step(self, s: SimState, d: np.ndarray, acc: PeriodRecorder) -> None:
        """Play period ``s.t`` on state ``s`` in place with external demand ``d`` (D, B): orders,
        shipping, arrivals, demand, transshipment, then ``acc.add`` with the period's flows (the steps
        of the module's docstring). The caller advances ``s.t``."""
        a = self.a
        measure = s.t >= self.config.warmup

        # 1. orders
        orders = np.array(self.policy.orders(s), dtype=np.float32)  # a copy: never write into the policy's array
        if orders.shape != s.owed.shape:
            raise InputError(f"policy {self.policy!r} returned orders of shape {orders.shape}, expected {s.owed.shape}")
        np.maximum(orders, 0.0, out=orders)

        # 2. shipping, proportional allocation
        request = s.owed + orders
        wanted = np.minimum(request, self.edge_cap) if self.has_edge_cap else request
        if self.limited_any:
            total = self.out_inc @ wanted  # (N, B) requested from each node
            # float32 rounding can leave on-hand a hair below zero: never let that ship negative units
            available = np.maximum(s.on_hand, 0.0)
            if self.has_node_cap:
                np.minimum(available, self.cap, out=available)
                available[self.unlimited] = self.cap[self.unlimited]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                fraction = np.divide(available, total, dtype=np.float32)
            np.minimum(fraction, 1.0, out=fraction)
            fraction[np.isnan(fraction)] = 1.0  # nothing requested
            if not self.has_node_cap:
                fraction[self.unlimited] = 1.0
            shipped = wanted * fraction[self.src]
        else:
            shipped = wanted.copy()
        if self.all_edge_backlog:
            np.subtract(request, shipped, out=s.owed)
        else:
            s.owed = (request - shipped) * self.edge_keep
        if self.limited_any:
            out_units = self.out_inc @ shipped
            out_units[self.unlimited] = 0.0
            s.on_hand -= out_units

        # 3. arrivals (edges are sorted by lead time: book shipments by slices)
        for lead, edges in self.lead_slices:
            s.pipeline[(s.t + lead) % self.depth, edges] += shipped[edges]
        s.in_transit += shipped
        now = s.t % self.depth
        arrived = s.pipeline[now].copy()
        s.pipeline[now] = 0.0
        s.in_transit -= arrived
        received = arrived if self.trivial_convert else arrived * self.convert
        if self.assembly_any:
            self._assemble(s, arrived, received)
        else:
            s.on_hand += self.in_inc @ received

        # 4. external demand
        ds = self.ds
        on_hand_d = s.on_hand[ds]
        backlog_before = s.backlog[ds].copy()  # a copy: s.backlog[ds] is overwritten below
        need = backlog_before + d
        sold = np.minimum(on_hand_d, need)
        on_hand_d -= sold  # a view: updates s.on_hand
        short = need - sold
        if self.all_backlog:
            s.backlog[ds] = short
            lost = None
        else:
            s.backlog[ds] = np.where(self.demand_backlog, short, 0.0)
            lost = np.where(self.demand_backlog, 0.0, short)

        # 5. transshipment hook
        trans = None
        if self.transshipment is not None and a.trans_keys:
            trans, served = self._transship(s)
            sold = sold + served  # backorders met by transshipped stock are sales too
            short = np.where(self.demand_backlog, s.backlog[ds], short)

        # 6. KPIs and costs
        if measure or acc.record:
            acc.add(s, orders, shipped, arrived, d, sold, short, lost, backlog_before, trans, measure)

    def _assemble(self, s: SimState, arrived: np.ndarray, received: np.ndarray) -> None:
        a = self.a
        plain = ~self.assembly_edge
        s.on_hand += self.in_inc @ (received * plain[:, None])
        s.components += arrived * self.assembly_edge[:, None]  # components are kept in source units
        edges, starts, nodes, group = a.assembly_groups()
        quantity = a.quantity[edges, None].astype(np.float32)
        kits = np.minimum.reduceat(s.components[edges] / quantity, starts, axis=0)  # complete kits per node
        s.components[edges] -= kits[group] * quantity
        s.on_hand[nodes] += kits * a.yield_[nodes, None].astype(np.float32)

    def _transship(self, s: SimState) -> tuple[np.ndarray, np.ndarray]:
        """Step 5: earlier transshipments arrive, the rule moves stock, backorders are served.
        Returns the units moved per edge (X, B) and the backorders served per demand node (D, B)."""
        a = self.a
        pipe, slot = s.transshipment_pipeline, s.t % self.trans_depth
        arrived = pipe[slot].copy()
        pipe[slot] = 0.0
        s.transshipment_in_transit -= arrived
        np.add.at(s.on_hand, a.trans_target, arrived)
        served = self._serve_backorders(s)
        moves = np.array(self.transshipment.shipments(s), dtype=np.float32)
        if moves.shape != s.transshipment_in_transit.shape:
            raise InputError(f"transshipment rule returned shape {moves.shape}, expected "
                             f"{s.transshipment_in_transit.shape}")
        np.maximum(moves, 0.0, out=moves)
        np.minimum(moves, self.trans_cap, out=moves)
        # never move more than the sender has
        total_out = np.zeros_like(s.on_hand)
        np.add.at(total_out, a.trans_source, moves)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(total_out > s.on_hand, np.maximum(s.on_hand, 0.0) / total_out, 1.0)
        moves *= scale[a.trans_source]
        np.subtract.at(s.on_hand, a.trans_source, moves)
        now = a.trans_lead_time == 0
        np.add.at(s.on_hand, a.trans_target[now], moves[now])
        later = np.flatnonzero(~now)
        if later.size:
            slots = (s.t + a.trans_lead_time[later]) % self.trans_depth
            pipe[slots, later] += moves[later]
            s.transshipment_in_transit[later] += moves[later]
        served += self._serve_backorders(s)
        return moves, served

    def _serve_backorders(self, s: SimState) -> np.ndarray:
        ds = self.ds
        served = np.minimum(np.maximum(s.on_hand[ds], 0.0), s.backlog[ds])
        s.on_hand[ds] -= served
        s.backlog[ds] -= served
        return served


def _explicit_demand(demand, config: SimConfig, demand_nodes: int) -> np.ndarray | None:
    """A caller's demand as a read-only (T, D, B) float32 view, or None to sample."""
    if demand is None:
        return None
    T, B, D = config.periods, config.paths, demand_nodes
    demand = np.asarray(demand, dtype=np.float32)
    if demand.ndim == 2:
        demand = demand[:, :, None]
    if demand.shape[:2] != (T, D) or demand.shape[2] not in (1, B):
        raise InputError(f"demand must have shape (periods={T}, demand nodes={D}, paths={B}), got {demand.shape}")
    return np.broadcast_to(demand, (T, D, B))
