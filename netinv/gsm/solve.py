"""Optimal safety-stock placement by name of method: :func:`solve_placement` and the registry
:data:`SOLVERS` ({method: solver}) it looks the method up in; :data:`GSM_METHODS` lists the names.

Every solver takes ``(instance, options)`` and returns a :class:`~netinv.gsm.types.GSMSolution`; each
lives in its own module (:mod:`netinv.gsm.pairs`, :mod:`netinv.gsm.breakpoint`, :mod:`netinv.gsm.tree`,
:mod:`netinv.gsm.bnb`). ``auto`` (:func:`solve_gsm_auto`) chains them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from netinv.errors import InputError
from netinv.gsm.bnb import solve_gsm_bnb, solve_gsm_lagrangian, solve_gsm_reduced_bnb
from netinv.gsm.breakpoint import solve_gsm, solve_gsm_reduced
from netinv.gsm.instance import GSMInstance
from netinv.gsm.pairs import solve_gsm_pairs
from netinv.gsm.tree import solve_gsm_tree
from netinv.gsm.types import GSMOptions, GSMSolution, combine_solutions

AUTO_DIRECT_PAIRS = 200_000  # auto solves the pairs model first when it has at most this many pairs
AUTO_BNB_SECONDS = 3.0  # then reduced-bnb for at most this long (and 10% of the time limit)


def solve_gsm_auto(instance: GSMInstance, options: GSMOptions = GSMOptions()) -> GSMSolution:
    """Method ``auto``: the dynamic program on trees; otherwise ``pairs-milp`` when its model, after
    reduction, has at most ``AUTO_DIRECT_PAIRS`` pairs; else ``reduced-bnb`` for ``AUTO_BNB_SECONDS`` (at
    most 10% of the time limit), then ``pairs-milp`` on any size, then, if the bounds have still not met
    (a model too large to build), ``reduced-milp`` on the rest; each step starts from the best placement
    and bound found so far. The method reported names the steps."""
    if instance.is_tree:
        return solve_gsm_tree(instance, options)
    start = time.perf_counter()

    def left() -> float | None:
        return None if options.time_limit is None else options.time_limit - (time.perf_counter() - start)

    def within(seconds: float | None) -> GSMOptions:
        return replace(options, time_limit=None if seconds is None else max(seconds, 0.01))

    def placement(best: GSMSolution):
        return best.service_time, best.inbound_service_time, best.net_time

    budget = AUTO_BNB_SECONDS if options.time_limit is None else min(AUTO_BNB_SECONDS, 0.1 * options.time_limit)
    followers = (
        # from scratch: the search was measured to be slower from the reduction's placement (willems_35)
        lambda best: solve_gsm_reduced_bnb(instance, within(budget if left() is None else min(budget, left())),
                                           lower=best.bound),
        lambda best: solve_gsm_pairs(instance, within(left()), start=placement(best), lower=best.bound),
        lambda best: solve_gsm_reduced(instance, within(left()), start=placement(best), lower=best.bound),
    )
    steps = [solve_gsm_pairs(instance, options, max_pairs=AUTO_DIRECT_PAIRS)]
    best = steps[0]
    for follow in followers:
        if best.is_optimal or (left() is not None and left() <= 0):
            break
        steps.append(follow(best))
        best = combine_solutions(best, steps[-1], options.tolerance)
    best.method = "auto: " + ", then ".join(step.method for step in steps)
    best.seconds["total"] = time.perf_counter() - start
    return best


SOLVERS: dict[str, Callable[[GSMInstance, GSMOptions], GSMSolution]] = {
    "auto": solve_gsm_auto,
    "pairs-milp": solve_gsm_pairs,
    "milp": solve_gsm,
    "tree-dp": solve_gsm_tree,
    "tree-bnb": solve_gsm_bnb,
    "lagrangian": solve_gsm_lagrangian,
    "reduced-milp": solve_gsm_reduced,
    "reduced-bnb": solve_gsm_reduced_bnb,
}
GSM_METHODS = tuple(SOLVERS)


def solve_placement(instance: GSMInstance, method: str = "auto", options: GSMOptions = GSMOptions()) -> GSMSolution:
    """Optimal safety-stock placement with the chosen method (one of :data:`GSM_METHODS`).

    ``pairs-milp``: the MILP over each stage's (S, SI) pairs with cumulative linking constraints, after
    Lagrangian domain reduction (:func:`netinv.gsm.pairs.solve_gsm_pairs`; its LP relaxation was
    integral on every chain measured); ``milp``: breakpoint refinement
    (:func:`netinv.gsm.breakpoint.solve_gsm`); ``tree-dp``: the Graves-Willems dynamic program (spanning
    trees only, :func:`netinv.gsm.tree.solve_gsm_tree`); ``tree-bnb``: branch and bound over a
    spanning-tree relaxation (:func:`netinv.gsm.bnb.solve_gsm_bnb`); ``lagrangian``: the same with
    Lagrangian bounds (:func:`netinv.gsm.bnb.solve_gsm_lagrangian`); ``reduced-milp``: Lagrangian domain
    reduction, then the breakpoint MILP on the ranges left (:func:`netinv.gsm.breakpoint.solve_gsm_reduced`);
    ``reduced-bnb``: branch and bound with the Lagrangian bound and domain reduction at every node
    (:func:`netinv.gsm.bnb.solve_gsm_reduced_bnb`); ``auto``: :func:`solve_gsm_auto`. Every method proves
    optimality unless a time limit stops it.

    Raises:
        InputError: an unknown method.
    """
    solver = SOLVERS.get(method)
    if solver is None:
        raise InputError(f"method: must be one of {', '.join(GSM_METHODS)}, got {method!r}")
    return solver(instance, options)
