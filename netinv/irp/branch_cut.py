"""Branch and cut for the inventory-routing problem: the compact model plus cuts separated on the fly.

HiGHS (through highspy) offers no lazy-constraint callback that netinv can rely on, so the cuts are added
in a callback-free loop on one ``highspy.Highs`` object:

1. root: the LP relaxation is solved, every period's fractional solution is separated exactly
   (:mod:`netinv.irp.separation`: subtour and capacity cuts by minimum cuts), the violated cuts are added
   as rows and the LP re-solved, until none is violated;
2. the MIP (HiGHS' own branch and bound with the cuts so far) is solved to optimality; its integer
   solution is separated; violated cuts are added and the MIP re-solved, until the integer solution
   violates none — it is then a feasible plan, optimal because each MIP is a relaxation of the problem.
   HiGHS' improving-solution callback separates every incumbent met during a MIP: the cuts one violates
   join the next MIP, and when that incumbent is within 2% of the MIP's bound the MIP is interrupted
   (rather than proving optimal a plan known to be infeasible); an incumbent that passes every cut is a
   feasible plan, handed to the next MIP as its start.
   highspy 1.15's callbacks can read a solution and interrupt, but cannot add a row: hence the restarts.

Every MIP's dual bound is a valid lower bound (a relaxation), so a time limit still reports the best bound
proven. The final plan is re-priced by :func:`netinv.irp.solution.evaluate_plan` (independent of the model)
and must cost what HiGHS reports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from netinv.errors import SolverError
from netinv.exact.highs import SolverOptions, Status, run
from netinv.irp.instance import IrpInstance
from netinv.irp.separation import Cut, separate_period
from netinv.irp.solution import IrpSolution, Policy, evaluate_plan

STOP_GAP = 0.02  # interrupt a MIP whose incumbent violates a cut once its gap is below this
ABSOLUTE_GAP = 1e-6  # proven optimal: bound and cost agree to this


@dataclass(frozen=True)
class BranchCutOptions:
    """policy: ``ml`` maximum level (DIMACS) or ``ou`` order-up-to. time_limit: seconds for the whole solve
    (``None``: none). integer_quantities: deliveries as integers (continuous by default; the DIMACS data are
    integers). root_rounds: at most this many rounds of LP cuts at the root. verbose: HiGHS' log."""

    policy: Policy = Policy.ml
    time_limit: float | None = None
    integer_quantities: bool = False
    root_rounds: int = 200
    verbose: bool = False


class CutLoop:
    """The compiled model in HiGHS with the column of every routing, visit and delivery variable."""

    def __init__(self, instance: IrpInstance, options: BranchCutOptions):
        from netinv.exact.pyomo_highs import to_highs
        from netinv.irp.model import build_model

        self.instance, self.options = instance, options
        model = build_model(instance, options.policy, integer_quantities=options.integer_quantities)
        self.highs, columns, self.integrality, _, _ = to_highs(model, SolverOptions(verbose=options.verbose))
        self.highs.setOptionValue("mip_rel_gap", 0.0)
        self.highs.setOptionValue("mip_abs_gap", ABSOLUTE_GAP)
        position = {id(var): k for k, var in enumerate(columns)}
        self.x = {index: position[id(var)] for index, var in model.x.items()}
        self.z = {index: position[id(var)] for index, var in model.z.items()}
        self.q = {index: position[id(var)] for index, var in model.q.items()}
        self.levels = {index: position[id(var)] for index, var in model.stock.items()}
        self.supplier = {t: position[id(var)] for t, var in model.supplier.items()}
        self.vehicles = {t: position[id(var)] for t, var in model.vehicles.items()}
        self.cuts = 0
        self.added: set[tuple] = set()
        self.pending: dict[tuple, Cut] = {}  # cuts violated by incumbents met during the current MIP
        self.stop = False  # interrupt the MIP and re-solve with the cuts
        self.incumbent_cut = False  # HiGHS' incumbent violates a cut
        self.best_values: np.ndarray | None = None  # the cheapest incumbent that passed every cut
        self.best_cost = np.inf
        lp = self.highs.getLp()
        self.cost_vector, self.offset = np.asarray(lp.col_cost_, dtype=np.float64), float(lp.offset_)
        self.highs.cbMipImprovingSolution.subscribe(self.collect)
        self.highs.cbMipInterrupt.subscribe(self.interrupt)

    def collect(self, event) -> None:
        """HiGHS callback on each improving incumbent: one that violates cuts stops the MIP (the cuts are kept
        for the next one); one that passes them all is a feasible plan, kept as the next MIP's start."""
        values = np.array(event.data_out.mip_solution, dtype=np.float64)
        cuts = self.separate(values)
        for cut in cuts:
            self.pending.setdefault((cut.period, cut.members, cut.anchor), cut)
        self.incumbent_cut = bool(cuts)
        if cuts:
            return
        cost = float(self.cost_vector @ values) + self.offset
        if cost < self.best_cost:
            self.best_cost, self.best_values = cost, values

    def interrupt(self, event) -> None:
        """HiGHS' periodic check: stop when its incumbent violates a cut and its gap is below STOP_GAP (the
        rest of that MIP would prove optimal a plan known to be infeasible); far from it the search goes on
        and keeps collecting cuts from later incumbents."""
        if self.incumbent_cut:
            primal, dual = float(event.data_out.mip_primal_bound), float(event.data_out.mip_dual_bound)
            self.stop = (primal - dual) <= STOP_GAP * max(abs(primal), 1.0)
        event.interrupt(self.stop)  # set both ways: HiGHS keeps the flag from one run to the next

    def start_mip(self) -> None:
        """Hand the best feasible plan to HiGHS as a start (cuts never remove a feasible plan)."""
        self.stop = self.incumbent_cut = False
        if self.best_values is not None:
            n = len(self.best_values)
            self.highs.setSolution(n, np.arange(n, dtype=np.int32), self.best_values)

    def use_start(self, plan: IrpSolution) -> bool:
        """Take a feasible plan (from :mod:`netinv.irp.heuristic`, say) as the incumbent to beat: HiGHS starts
        from it, and a time limit reports it if nothing better is found. A plan that does not fit the model
        exactly (a cut violated, another cost) is ignored: returns whether it was taken."""
        if plan.cost is None or plan.plan_cost is None:
            return False
        values = np.zeros(len(self.integrality))
        for t, period in enumerate(plan.routes, start=1):
            write_period(self, values, t, period, plan)
        cost = float(self.cost_vector @ values) + self.offset
        if self.separate(values) or abs(cost - plan.cost) > 1e-6 * max(1.0, abs(cost)) or cost >= self.best_cost:
            return False
        self.best_values, self.best_cost = values, cost
        return True

    def add_pending(self, cuts: list[Cut] = ()) -> None:
        """Add ``cuts`` and those met during the last MIP, each for every period (a subtour or an overloaded
        route of one period tends to come back in another)."""
        chosen = {(cut.members, cut.anchor): cut for cut in [*cuts, *self.pending.values()]}
        self.pending.clear()
        rows = [Cut(t, members, anchor, cut.violation) for (members, anchor), cut in chosen.items()
                for t in range(1, self.instance.horizon + 1) if (t, members, anchor) not in self.added]
        self.add(rows)

    def separate(self, values: np.ndarray) -> list[Cut]:
        inst = self.instance
        n = inst.customers
        found = []
        for t in range(1, inst.horizon + 1):
            x = {(i, j): values[col] for (i, j, s), col in self.x.items() if s == t}
            z = np.array([0.0] + [values[self.z[i, t]] for i in range(1, n + 1)])
            q = np.array([0.0] + [values[self.q[i, t]] for i in range(1, n + 1)])
            found += separate_period(t, x, z, q, inst.capacity)
        return found

    def add(self, cuts: list[Cut]) -> None:
        """Rows x(E(S)) - z(S) [+ z_k] [+ q(S) / Q] <= 0."""
        for cut in cuts:
            t, members = cut.period, cut.members
            coefficients: dict[int, float] = {}
            for (i, j, s), col in self.x.items():
                if s == t and i in members and j in members:
                    coefficients[col] = 1.0
            for i in members:
                coefficients[self.z[i, t]] = -1.0
            if cut.anchor is not None:
                coefficients[self.z[cut.anchor, t]] += 1.0
            else:
                for i in members:
                    coefficients[self.q[i, t]] = 1.0 / self.instance.capacity
            kept = {col: a for col, a in coefficients.items() if a != 0.0}
            self.highs.addRow(-np.inf, 0.0, len(kept), np.fromiter(kept, dtype=np.int32),
                              np.fromiter(kept.values(), dtype=np.float64))
        self.cuts += len(cuts)
        self.added.update((cut.period, cut.members, cut.anchor) for cut in cuts)

    def set_integrality(self, integer: bool) -> None:
        n = len(self.integrality)
        values = self.integrality if integer else np.zeros(n, dtype=np.int32)
        self.highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), values.astype(np.uint8))

    def set_time_limit(self, seconds: float | None) -> None:
        self.highs.setOptionValue("time_limit", float("inf") if seconds is None else max(seconds, 0.01))


def write_period(loop: CutLoop, values: np.ndarray, t: int, period, plan: IrpSolution) -> None:
    """Write one period of ``plan`` into the model's columns (edges, visits, deliveries, levels)."""
    values[loop.vehicles[t]] = len(period)
    values[loop.supplier[t]] = plan.plan_cost.supplier_stock[t - 1]
    for i in range(1, loop.instance.customers + 1):
        values[loop.levels[i, t]] = plan.plan_cost.customer_stock[t - 1, i]
        values[loop.q[i, t]] = plan.deliveries[t - 1, i]
    for route in period:
        stops = (0, *route, 0)
        for a, b in zip(stops, stops[1:]):
            values[loop.x[min(a, b), max(a, b), t]] += 1
        for i in route:
            values[loop.z[i, t]] = 1


def solve_irp(instance: IrpInstance, options: BranchCutOptions = BranchCutOptions(),
              start_plan: IrpSolution | None = None) -> IrpSolution:
    """Solve ``instance`` to proven optimality (or to the time limit: best plan and best bound so far).
    ``start_plan``: a feasible plan to start from (see :meth:`CutLoop.use_start`)."""
    start = time.perf_counter()
    loop = CutLoop(instance, options)
    if start_plan is not None:
        loop.use_start(start_plan)

    def remaining() -> float | None:
        return None if options.time_limit is None else options.time_limit - (time.perf_counter() - start)

    root_cuts(loop, options.root_rounds, remaining)
    loop.set_integrality(True)
    bound, iterations = -np.inf, 0
    while True:
        left = remaining()
        if left is not None and left <= 0:
            return stopped(loop, Status.TIME_LIMIT, bound, start, iterations)
        loop.set_time_limit(left)
        loop.start_mip()
        result = run(loop.highs, integer=True)
        iterations += 1
        if result.bound is not None and np.isfinite(result.bound):
            bound = max(bound, result.bound)
        if result.status == Status.INTERRUPTED and loop.stop:
            loop.add_pending()
            continue
        if result.status != Status.OPTIMAL:
            if result.status in (Status.TIME_LIMIT, Status.INTERRUPTED):
                return stopped(loop, result.status, bound, start, iterations)
            raise SolverError(f"inventory routing {instance.name}: HiGHS found no plan ({result.status}); "
                              "the instance is infeasible (stock, levels or fleet too small?)")
        cuts = loop.separate(result.values)
        if cuts:
            loop.add_pending(cuts)
            continue
        return finish(loop, result.values, Status.OPTIMAL, bound, start, iterations)


def stopped(loop: CutLoop, status: Status, bound: float, start: float, iterations: int) -> IrpSolution:
    """The answer at a time limit: the best feasible plan met so far, if any, and the best bound."""
    if loop.best_values is not None:
        return finish(loop, loop.best_values, status, bound, start, iterations)
    return IrpSolution(status, None, finite(bound), seconds=time.perf_counter() - start, iterations=iterations,
                       cuts=loop.cuts, message="no feasible plan found in time")


def root_cuts(loop: CutLoop, rounds: int, remaining) -> None:
    """Rounds of exact separation on the LP relaxation."""
    loop.set_integrality(False)
    for _ in range(rounds):
        left = remaining()
        if left is not None and left <= 0:
            break
        loop.set_time_limit(left)
        result = run(loop.highs, integer=False)
        if result.status != Status.OPTIMAL:
            break
        cuts = loop.separate(result.values)
        if not cuts:
            break
        loop.add(cuts)


def finish(loop: CutLoop, values: np.ndarray, status: Status, bound: float, start: float,
           iterations: int) -> IrpSolution:
    """The plan of a solution that passes every cut, re-priced and checked against the model's cost."""
    inst = loop.instance
    routes, deliveries = read_plan(loop, values)
    priced = evaluate_plan(inst, routes, deliveries, loop.options.policy)
    model_cost = float(loop.cost_vector @ values) + loop.offset
    if not priced.feasible or abs(priced.total - model_cost) > 1e-6 * max(1.0, abs(priced.total)):
        raise SolverError(f"inventory routing {inst.name}: the solver's plan does not pass the DIMACS rules "
                          f"({'; '.join(priced.violations) or 'cost differs'}): a bug in netinv.irp")
    return IrpSolution(status, priced.total, finite(min(bound, priced.total)), routes=routes,
                       deliveries=deliveries, plan_cost=priced, seconds=time.perf_counter() - start,
                       iterations=iterations, cuts=loop.cuts)


def read_plan(loop: CutLoop, values: np.ndarray):
    """Routes and deliveries of an integer solution that passes every cut."""
    inst = loop.instance
    n, H = inst.customers, inst.horizon
    deliveries = np.zeros((H, n + 1))
    for (i, t), col in loop.q.items():
        visited = values[loop.z[i, t]] > 0.5
        deliveries[t - 1, i] = round(values[col], 9) if visited else 0.0
    routes = []
    for t in range(1, H + 1):
        edges = {(i, j): int(round(values[col])) for (i, j, s), col in loop.x.items() if s == t}
        routes.append(routes_from_edges(edges, n))
    return routes, deliveries


def routes_from_edges(edges: dict[tuple[int, int], int], customers: int) -> list[tuple[int, ...]]:
    """The routes of one period from edge counts (i < j; 2 on a supplier edge = out and back)."""
    neighbours: dict[int, list[int]] = {v: [] for v in range(customers + 1)}
    for (i, j), count in edges.items():
        for _ in range(count):
            neighbours[i].append(j)
            neighbours[j].append(i)
    routes = []
    while neighbours[0]:
        current, route = neighbours[0].pop(), []
        neighbours[current].remove(0)
        while current != 0:
            route.append(current)
            following = neighbours[current].pop()
            neighbours[following].remove(current)
            current = following
        routes.append(tuple(route))
    return sorted(routes)


def finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
