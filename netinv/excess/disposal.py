"""The disposal plan of excess stock: a linear (or, in whole batches, mixed-integer) model, Pyomo + HiGHS.

Over periods t = 0 .. T-1 [T = horizon], each location n starts with its stock on hand and, period by
period, sends it to

- **sales at a price level** l: the full price (level 0, at the node's regular sales rate) or a markdown
  (discount [d_l], units sold per period at that price [r_l]). One price at a time: the shares of the
  period spent at each level add up to at most 1, ``sum_l share[n,l,t] <= 1`` and
  ``sell[n,l,t] <= r_l share[n,l,t]``; revenue ``price (1 - d_l)`` a unit;
- **an outlet** o (return to the supplier, donation, scrap) at a unit value [v_o] (negative: a cost),
  open in periods ``opens .. closes`` with a total capacity and a capacity per period;
- **a transfer** on a transshipment edge n -> m at the edge's unit cost, arriving after its lead time,
  sold at m like m's own stock (m's regular sales rate is shared with m's own stock). A unit received
  in t ships on in t+1 (:mod:`netinv.timing`): a location transfers out of what it held at the start of
  the period only;
- or it stays, at the node's holding cost [h] per unit per period (on the stock at the end of each
  period); what is left after the horizon is worth ``terminal_value`` a unit.

Only locations with ``dispose`` set mark down, use outlets and transfer out; the others (transfer
targets) sell at full price. The objective is the value recovered: revenue + outlet values - transfer
costs - holding + terminal value. :func:`plan_disposal` solves it and the same model with every
location keeping its stock (full-price sales only): the gain is what the plan recovers beyond keeping.
With ``batch`` set, outlet and transfer quantities are whole multiples of ``batch`` units (a MILP).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

from netinv.errors import InputError

REGULAR = "regular"


@dataclass(frozen=True)
class PriceLevel:
    """A markdown: ``discount`` off the price [d] in [0, 1); ``units_per_period`` sold at that price [r]."""

    discount: float
    units_per_period: float


@dataclass(frozen=True)
class Outlet:
    """A channel with a linear unit value. channel: its name (``return``, ``donation``, ``scrap``);
    value: recovery per unit [v] (negative: a cost); capacity: units over the horizon; per_period: units
    per period; opens / closes: its first and last period (closes None: the horizon's last)."""

    channel: str
    value: float
    capacity: float = math.inf
    per_period: float = math.inf
    opens: int = 0
    closes: int | None = None


@dataclass(frozen=True)
class Location:
    """A node's stock and how it can sell. price: a unit's value sold at full price; rate: regular sales
    per period at full price; holding_cost [h] per unit per period; dispose: whether its stock may be
    marked down, sent to an outlet or transferred out."""

    node: str
    on_hand: float
    price: float
    rate: float
    holding_cost: float = 0.0
    markdown: tuple[PriceLevel, ...] = ()
    outlets: tuple[Outlet, ...] = ()
    dispose: bool = True


@dataclass(frozen=True)
class Transfer:
    """A transshipment edge ``source -> target`` with its ``unit_cost`` and ``lead_time`` (periods)."""

    source: str
    target: str
    unit_cost: float = 0.0
    lead_time: int = 0


@dataclass(frozen=True)
class DisposalProblem:
    """Locations, transfers, the horizon [T] in periods, the value a unit left after it, and the batch
    (None: any quantity)."""

    locations: tuple[Location, ...]
    transfers: tuple[Transfer, ...] = ()
    horizon: int = 12
    terminal_value: float = 0.0
    batch: float | None = None

    def __post_init__(self):
        if self.horizon < 1:
            raise InputError(f"horizon: must be >= 1, got {self.horizon}")
        names = {loc.node for loc in self.locations}
        for t in self.transfers:
            if t.source not in names or t.target not in names:
                raise InputError(f"transfer '{t.source}' -> '{t.target}': both ends must be locations")

    def keeping(self) -> DisposalProblem:
        """The same stock kept: full-price sales only."""
        return replace(self, locations=tuple(replace(loc, dispose=False) for loc in self.locations))


@dataclass
class DisposalPlan:
    """A solved plan. value: the recovered value (objective); keep_value: the value of keeping every
    unit; gain = value - keep_value. flows: node -> channel -> units over the horizon (channels
    ``regular``, ``markdown 30%``, the outlets' names, ``transfer to M``, ``left``); schedule: node ->
    channel -> units per period. status: HiGHS' termination."""

    status: str
    value: float
    keep_value: float
    flows: dict = field(default_factory=dict)
    schedule: dict = field(default_factory=dict, repr=False)
    seconds: float = 0.0

    @property
    def gain(self) -> float:
        return self.value - self.keep_value

    def to_dict(self) -> dict:
        return {"status": self.status, "value": self.value, "keep_value": self.keep_value, "gain": self.gain,
                "flows": self.flows, "schedule": self.schedule}


def markdown_name(level: PriceLevel) -> str:
    return REGULAR if level.discount == 0 else f"markdown {level.discount:.0%}"


def build_model(problem: DisposalProblem):
    """The Pyomo model of ``problem`` (module docstring); ``model.flows`` lists (node, channel, variable
    family, key) for reading the plan."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel(name="disposal")
    periods = range(problem.horizon)
    m.flows, m.stock, m.out = [], {}, {}
    value = 0
    for i, loc in enumerate(problem.locations):
        m.stock[loc.node] = pyo.Var(range(problem.horizon + 1), within=pyo.NonNegativeReals)
        m.add_component(f"stock_{i}", m.stock[loc.node])
        m.out[loc.node] = []
        value += _location(m, problem, loc, i, periods)
    value += _transfers(m, problem, periods)
    _balances(m, problem, periods)
    m.value = pyo.Objective(expr=value, sense=pyo.maximize)
    return m


def _location(m, problem: DisposalProblem, loc: Location, i: int, periods) -> object:
    """Sales, shares and outlets of one location; returns their value in the objective."""
    import pyomo.environ as pyo

    levels = [PriceLevel(0.0, loc.rate), *(loc.markdown if loc.dispose else ())]
    key = loc.node
    share = pyo.Var(range(len(levels)), periods, bounds=(0, 1))
    sell = pyo.Var(range(len(levels)), periods, within=pyo.NonNegativeReals)
    m.add_component(f"share_{i}", share)
    m.add_component(f"sell_{i}", sell)
    m.add_component(f"one_price_{i}", pyo.Constraint(
        periods, rule=lambda _, t: sum(share[k, t] for k in range(len(levels))) <= 1))
    m.add_component(f"rate_{i}", pyo.Constraint(
        range(len(levels)), periods, rule=lambda _, k, t: sell[k, t] <= levels[k].units_per_period * share[k, t]))
    value = sum(loc.price * (1 - lv.discount) * sell[k, t] for k, lv in enumerate(levels) for t in periods)
    for k, level in enumerate(levels):
        m.flows.append((key, markdown_name(level), sell, k))
        m.out[key].append((sell, k))
    for j, outlet in enumerate(loc.outlets if loc.dispose else ()):
        value += _outlet(m, problem, key, f"{i}_{j}", outlet, periods)
    return value - loc.holding_cost * sum(m.stock[key][t + 1] for t in periods) \
        + problem.terminal_value * m.stock[key][problem.horizon]


def _quantity(m, name: str, index, problem: DisposalProblem):
    """Units of a batched decision: ``batch`` x a whole number when ``problem.batch`` is set."""
    import pyomo.environ as pyo

    if problem.batch is None:
        var = pyo.Var(*index, within=pyo.NonNegativeReals)
        m.add_component(name, var)
        return var, 1.0
    var = pyo.Var(*index, within=pyo.NonNegativeIntegers)
    m.add_component(name, var)
    return var, float(problem.batch)


def _outlet(m, problem: DisposalProblem, key: str, tag: str, outlet: Outlet, periods) -> object:
    import pyomo.environ as pyo

    var, unit = _quantity(m, f"outlet_{tag}", (periods,), problem)
    closes = problem.horizon - 1 if outlet.closes is None else outlet.closes
    for t in periods:
        if not outlet.opens <= t <= closes:
            var[t].fix(0)
    if math.isfinite(outlet.per_period):
        m.add_component(f"outlet_rate_{tag}", pyo.Constraint(periods, rule=lambda _, t: unit * var[t] <= outlet.per_period))
    if math.isfinite(outlet.capacity):
        m.add_component(f"outlet_cap_{tag}", pyo.Constraint(expr=unit * sum(var[t] for t in periods) <= outlet.capacity))
    m.flows.append((key, outlet.channel, var, unit))
    m.out[key].append((var, unit))
    return outlet.value * unit * sum(var[t] for t in periods)


def _transfers(m, problem: DisposalProblem, periods) -> object:
    disposing = {loc.node for loc in problem.locations if loc.dispose}
    m.moves = []
    cost = 0
    for i, tr in enumerate(problem.transfers):
        if tr.source not in disposing:
            continue
        var, unit = _quantity(m, f"move_{i}", (periods,), problem)
        for t in periods:
            if t + tr.lead_time >= problem.horizon:
                var[t].fix(0)  # would arrive after the horizon
        m.moves.append((tr, var, unit))
        m.flows.append((tr.source, f"transfer to {tr.target}", var, unit))
        cost += tr.unit_cost * unit * sum(var[t] for t in periods)
    return -cost


def _balances(m, problem: DisposalProblem, periods) -> None:
    import pyomo.environ as pyo

    m.balance = pyo.ConstraintList()
    for loc in problem.locations:
        stock = m.stock[loc.node]
        m.balance.add(stock[0] == loc.on_hand)
        for t in periods:
            moved_out = sum(unit * var[t] for tr, var, unit in m.moves if tr.source == loc.node)
            arriving = sum(unit * var[t - tr.lead_time] for tr, var, unit in m.moves
                           if tr.target == loc.node and t >= tr.lead_time)
            used = sum(_units(var, k, t) for var, k in m.out[loc.node])
            m.balance.add(stock[t + 1] == stock[t] + arriving - used - moved_out)
            if not isinstance(moved_out, int):
                m.balance.add(moved_out <= stock[t])


def _units(var, k, t):
    """Units of a sales (``k`` = level index, an int) or outlet (``k`` = batch size, a float) term."""
    return var[k, t] if isinstance(k, int) else k * var[t]


def solve(problem: DisposalProblem) -> tuple[str, float, dict, dict]:
    """(status, value, flows, schedule) of ``problem`` solved by HiGHS."""
    import pyomo.environ as pyo

    from netinv.exact.pyomo_highs import solve_model

    model = build_model(problem)
    solution = solve_model(model)  # raises SolverError without a usable answer
    flows: dict = {}
    schedule: dict = {}
    for node, channel, var, k in model.flows:
        per = [round(float(pyo.value(_units(var, k, t))), 9) for t in range(problem.horizon)]
        if sum(per) > 1e-9:
            flows.setdefault(node, {})[channel] = flows.get(node, {}).get(channel, 0.0) + sum(per)
            schedule.setdefault(node, {})[channel] = per
    for loc in problem.locations:
        left = float(model.stock[loc.node][problem.horizon].value)
        if left > 1e-9:
            flows.setdefault(loc.node, {})["left"] = left
    return str(solution.status), float(solution.objective), flows, schedule


def plan_disposal(problem: DisposalProblem) -> DisposalPlan:
    """The disposal plan of ``problem`` and the value of keeping instead (module docstring)."""
    start = time.perf_counter()
    status, value, flows, schedule = solve(problem)
    keep = solve(problem.keeping())[1]
    return DisposalPlan(status, value, keep, flows, schedule, time.perf_counter() - start)
