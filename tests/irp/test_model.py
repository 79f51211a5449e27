"""The compact model: its LP and MIP without cuts bound the optimum from below; a known plan is feasible."""

from __future__ import annotations

from pathlib import Path

import pytest

from netinv.exact.highs import run
from netinv.exact.pyomo_highs import to_highs
from netinv.irp.instance import read_dat
from netinv.irp.model import build_model
from netinv.irp.solution import Policy

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "irp"
OPTIMUM = 1373.41  # S_abs1n5_2_L3, published


def test_relaxations_bound_the_published_optimum_and_the_plan_fits():
    inst = read_dat(SCENARIOS / "S_abs1n5_2_L3.dat")
    model = build_model(inst, Policy.ml)
    h, columns, integrality, _, _ = to_highs(model)
    mip = run(h, integer=True)  # without subtour / capacity cuts: a relaxation
    assert mip.objective <= OPTIMUM + 1e-6
    # the published optimum's plan (periods 1: 0-1-0; 2: 0-3-0 and 0-5-2-4-0) with all its variables fixed
    plan = {(0, 1, 1): 2, (0, 3, 2): 2, (0, 5, 2): 1, (2, 5, 2): 1, (2, 4, 2): 1, (0, 4, 2): 1}
    for index, var in model.x.items():
        var.fix(plan.get(index, 0))
    visits = {(1, 1): 65, (3, 2): 116, (5, 2): 22, (2, 2): 35, (4, 2): 48}
    for (i, t), var in model.q.items():
        var.fix(visits.get((i, t), 0))
        model.z[i, t].fix(1 if (i, t) in visits else 0)
    fixed, *_ = to_highs(model)
    result = run(fixed, integer=True)
    assert result.objective == pytest.approx(OPTIMUM, abs=1e-6)


def test_order_up_to_is_never_cheaper_than_maximum_level():
    inst = read_dat(SCENARIOS / "S_abs3n5_3_L3.dat")
    bounds = {}
    for policy in Policy:
        h, *_ = to_highs(build_model(inst, policy))
        h.setOptionValue("mip_rel_gap", 0.0)
        bounds[policy] = run(h, integer=True).objective
    assert bounds[Policy.ou] >= bounds[Policy.ml] - 1e-6
