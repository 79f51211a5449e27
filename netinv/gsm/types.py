"""The option and result types every guaranteed-service solver shares: :class:`GSMOptions` (how a
solver runs), :class:`GSMSolution` (a placement with its proven bound), :func:`gap_closed` (when a
bound proves a cost optimal, at HiGHS' resolution :data:`MIP_RESOLUTION`) and
:func:`combine_solutions` (the better of two runs on one instance)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from netinv.exact.highs import Status
from netinv.gsm.instance import GSMInstance


@dataclass(frozen=True)
class GSMOptions:
    """How the exact GSM solver runs.

    time_limit: seconds for the whole solve (all rounds); ``None`` = no limit.
    max_rounds: refinement rounds at most.
    tolerance: relative gap at which the bounds count as equal (absolute below a cost of 1; never finer
        than HiGHS' resolution, see :func:`gap_closed`).
    round_gap: MIP gap of the refinement rounds (their dual bound is a valid lower bound whatever the
        gap; the last round, once no breakpoint is added, is solved to ``tolerance``).
    threads: HiGHS threads.
    verbose: print one line per refinement round (the breakpoint MILP).
    """

    time_limit: float | None = None
    max_rounds: int = 500
    tolerance: float = 1e-7
    round_gap: float = 1e-8
    threads: int | None = None
    verbose: bool = False


MIP_RESOLUTION = 1e-6  # HiGHS' mip_feasibility_tolerance (its default)


def gap_closed(cost: float, bound: float, tolerance: float) -> bool:
    """Whether ``bound`` proves a placement of ``cost`` optimal: within ``tolerance`` (relative; absolute
    below a cost of 1) or within HiGHS' resolution, whichever is looser. A MILP's rows hold only to
    HiGHS' feasibility tolerance, so its objective and dual bound can sit that far below the exact value:
    on a 4-stage network of cost 9.836 a complete search reported exactly cost - 1e-6 (1e-9 with the
    tolerance set to 1e-9), just outside a relative 1e-7."""
    return cost - bound <= max(tolerance * max(1.0, abs(cost)), MIP_RESOLUTION)


@dataclass
class GSMSolution:
    """A safety-stock placement.

    status: ``optimal`` (bounds met), ``time_limit`` (best placement found, with its gap).
    cost: total holding cost of safety stock [sum_j h_j k_j sqrt(tau_j)].
    bound: proven lower bound on the optimal cost.
    Per stage (arrays in ``instance.stages`` order): service_time S, inbound_service_time SI,
    net_time tau, safety_stock (units, k sqrt(tau)), safety_stock_value (h x units), level (:attr:`levels`), base_stock
    (mean demand x tau + safety stock, in whole units where demand is whole: Poisson).
    """

    status: Status
    cost: float
    bound: float
    method: str
    instance: GSMInstance = field(repr=False)
    service_time: np.ndarray = field(repr=False)
    inbound_service_time: np.ndarray = field(repr=False)
    net_time: np.ndarray = field(repr=False)
    seconds: dict[str, float] = field(default_factory=dict)
    rounds: int = 0
    message: str = ""

    @property
    def gap(self) -> float:
        return 0.0 if self.cost <= 0 else max(0.0, (self.cost - self.bound) / self.cost)

    @property
    def is_optimal(self) -> bool:
        return self.status == Status.OPTIMAL

    @property
    def safety_stock(self) -> np.ndarray:
        return self.instance.safety_coefficient * np.sqrt(self.net_time)

    @property
    def safety_stock_value(self) -> np.ndarray:
        return self.instance.holding_cost * self.safety_stock

    @property
    def base_stock(self) -> np.ndarray:
        """Base-stock levels: mean demand over tau plus safety stock, rounded up to a whole unit where the
        stage's demand comes in whole units (an inventory position is then whole: a level of 17.3 acts as 17)."""
        level = self.instance.mean_demand * self.net_time + self.safety_stock
        whole = self.instance.whole_units
        if whole is not None:
            level = np.where(whole, np.ceil(level - 1e-9), level)
        return level

    @property
    def levels(self) -> np.ndarray:
        """The base-stock levels netinv simulates (inventory-position targets, :mod:`netinv.timing`): the base
        stock, raised at demand stages to cover their suppliers' lateness (:mod:`netinv.gsm.service`)."""
        from netinv.gsm.service import delivered_levels

        return delivered_levels(self)

    def stages(self) -> dict[str, dict[str, float]]:
        out = {}
        ss, value, base, levels = self.safety_stock, self.safety_stock_value, self.base_stock, self.levels
        for j, stage in enumerate(self.instance.stages):
            out[stage] = {
                "service_time": int(self.service_time[j]),
                "inbound_service_time": int(self.inbound_service_time[j]),
                "net_time": int(self.net_time[j]),
                "safety_stock": float(ss[j]),
                "safety_stock_value": float(value[j]),
                "base_stock": float(base[j]),
                "level": float(levels[j]),
            }
        for stage in self.instance.external:
            out[stage] = {"service_time": 0, "inbound_service_time": 0, "net_time": 0, "safety_stock": 0.0,
                          "safety_stock_value": 0.0, "base_stock": 0.0, "level": 0.0, "external_supplier": True}
        return out

    def to_dict(self) -> dict:
        return {
            "status": str(self.status),
            "cost": self.cost,
            "bound": self.bound,
            "gap": self.gap,
            "method": self.method,
            "rounds": self.rounds,
            "stages": self.stages(),
            # the levels netinv simulates (inventory-position targets, netinv.timing): `simulate --levels` reads them
            "levels": {stage: float(level) for stage, level in zip(self.instance.stages, self.levels, strict=True)},
            "seconds": dict(self.seconds),
            "message": self.message,
        }


def combine_solutions(a: GSMSolution, b: GSMSolution, tolerance: float) -> GSMSolution:
    """The better placement of two runs on one instance, with the better of their (valid) lower bounds:
    proven optimal when they meet (:func:`gap_closed`); seconds and rounds are the two runs' sums."""
    best = a if a.cost <= b.cost else b
    bound = min(max(a.bound, b.bound), best.cost)
    proven = gap_closed(best.cost, bound, tolerance)
    return GSMSolution(status=Status.OPTIMAL if proven else Status.TIME_LIMIT, cost=best.cost, bound=bound,
                       method=best.method, instance=best.instance, service_time=best.service_time,
                       inbound_service_time=best.inbound_service_time, net_time=best.net_time,
                       seconds={"total": a.seconds.get("total", 0.0) + b.seconds.get("total", 0.0)},
                       rounds=a.rounds + b.rounds,
                       message="" if proven else f"best placement within {100 * (best.cost - bound) / best.cost:.3g}% of optimal")
