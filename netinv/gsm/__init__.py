"""Guaranteed-service safety-stock placement (Graves & Willems).

- :mod:`~netinv.gsm.instance`: the instance read from a network (:func:`gsm_instance`), ranges of decisions;
- :mod:`~netinv.gsm.types`: options and results shared by every solver (:class:`GSMOptions`,
  :class:`GSMSolution`, :func:`gap_closed`);
- :mod:`~netinv.gsm.bounds`: what the exact solvers share (spanning-tree relaxation, Lagrangian bound,
  incumbent, domain reduction, time units);
- one solver per module: :mod:`~netinv.gsm.pairs` (pairs MILP), :mod:`~netinv.gsm.breakpoint` (breakpoint
  MILP), :mod:`~netinv.gsm.tree` (tree dynamic program, compiled in :mod:`~netinv.gsm.tree_kernel`),
  :mod:`~netinv.gsm.bnb` (branch and bound);
- :mod:`~netinv.gsm.solve`: :func:`solve_placement` by method name; :mod:`~netinv.gsm.plot`: the picture.
"""

from netinv.gsm.bnb import solve_gsm_bnb, solve_gsm_lagrangian, solve_gsm_reduced_bnb
from netinv.gsm.breakpoint import build_gsm_model, solve_gsm, solve_gsm_reduced
from netinv.gsm.instance import GSMInstance, StageRanges, gsm_instance
from netinv.gsm.pairs import solve_gsm_pairs
from netinv.gsm.plot import plot_placement
from netinv.gsm.solve import GSM_METHODS, SOLVERS, solve_gsm_auto, solve_placement
from netinv.gsm.tree import GSMTreeResult, gsm_tree_dp, solve_gsm_tree
from netinv.gsm.types import GSMOptions, GSMSolution, combine_solutions, gap_closed

__all__ = [
    "GSM_METHODS",
    "SOLVERS",
    "GSMInstance",
    "GSMOptions",
    "GSMSolution",
    "GSMTreeResult",
    "StageRanges",
    "build_gsm_model",
    "combine_solutions",
    "gap_closed",
    "gsm_instance",
    "gsm_tree_dp",
    "plot_placement",
    "solve_gsm",
    "solve_gsm_auto",
    "solve_gsm_bnb",
    "solve_gsm_lagrangian",
    "solve_gsm_pairs",
    "solve_gsm_reduced",
    "solve_gsm_reduced_bnb",
    "solve_gsm_tree",
    "solve_placement",
]
