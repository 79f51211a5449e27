"""The result object of every exact model."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from netinv.exact.highs import Status


@dataclass
class Solution:
    """A solved (or failed) exact model.

    status: how the solve ended (:class:`~netinv.exact.highs.Status`).
    objective: total over the horizon — profit in profit form (revenue minus costs), cost in cost form;
        the expected value over the scenarios of a stochastic model; ``None`` without a solution.
    form: ``"profit"`` or ``"cost"``.
    bound: best bound on the objective (equal to it for a solved LP; HiGHS' dual bound for a MILP).
    gap: relative MIP gap (0 for a solved LP).
    decisions: arrays keyed by name, indexed [scenario, period, item]; items follow ``nodes``, ``edges``,
        ``demand_nodes`` and ``transshipment_edges`` (see each key's description in ``describe``).
    seconds: ``build`` (model construction), ``handoff`` (getting it into HiGHS), ``solve`` (HiGHS).
    size: columns, rows, nonzeros, integers.
    """

    status: Status
    objective: float | None
    form: str
    bound: float | None = None
    gap: float | None = None
    decisions: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    nodes: tuple[str, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()
    demand_nodes: tuple[str, ...] = ()
    transshipment_edges: tuple[tuple[str, str], ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    size: dict[str, int] = field(default_factory=dict)
    message: str = ""

    describe = {
        "orders": "units shipped on each supply edge (source units) [scenario, period, edge]",
        "on_hand": "units on hand at each node at the end of the period [scenario, period, node]",
        "sales": "units sold at each demand node [scenario, period, demand node]",
        "unmet": "backorders (end of period) or lost sales at each demand node [scenario, period, demand node]",
        "kits": "kits assembled at each node (0 away from assembly nodes) [scenario, period, node]",
        "transshipped": "units moved on each transshipment edge [scenario, period, transshipment edge]",
        "order_placed": "1 where an order is placed on an edge with a fixed order cost [scenario, period, edge]",
    }

    @property
    def is_optimal(self) -> bool:
        return self.status == Status.OPTIMAL

    @property
    def has_solution(self) -> bool:
        return self.objective is not None

    def orders(self, period: int = 0, scenario: int = 0) -> dict[str, float]:
        """Orders of one period as ``{"source->target": units}``."""
        q = self.decisions["orders"][scenario, period]
        return {f"{u}->{v}": float(q[e]) for e, (u, v) in enumerate(self.edges)}

    def order_plan(self, scenario: int = 0) -> dict[str, list[float]]:
        """Every period's orders per edge, ``{"source->target": [units per period]}``."""
        q = self.decisions["orders"][scenario]
        return {f"{u}->{v}": [float(x) for x in q[:, e]] for e, (u, v) in enumerate(self.edges)}

    def to_dict(self, *, plan: bool = True) -> dict:
        out = {
            "status": str(self.status),
            "objective": self.objective,
            "form": self.form,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": dict(self.seconds),
            "size": dict(self.size),
            "message": self.message,
        }
        if self.has_solution and "orders" in self.decisions:
            out["orders"] = self.order_plan() if plan else self.orders()
        return out

    def __repr__(self) -> str:
        obj = "None" if self.objective is None else f"{self.objective:.6g}"
        secs = ", ".join(f"{k}={v:.3g}s" for k, v in self.seconds.items())
        return f"Solution(status={self.status!s}, {self.form}={obj}, gap={self.gap}, {secs})"
