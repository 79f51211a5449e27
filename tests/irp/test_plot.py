"""The route picture is a PNG with one panel per period."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.exact.highs import Status
from netinv.irp.instance import read_dat
from netinv.irp.plot import plot_routes
from netinv.irp.solution import IrpSolution

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "irp"


def test_routes_are_drawn_to_a_png(tmp_path):
    inst = read_dat(SCENARIOS / "S_abs1n5_2_L3.dat")
    q = np.zeros((3, 6))
    q[0, 1], q[1, 2:6] = 65, [35, 116, 48, 22]
    solution = IrpSolution(Status.OPTIMAL, 1373.41, 1373.41, routes=[[(1,)], [(3,), (5, 2, 4)], []], deliveries=q)
    path = plot_routes(inst, solution, tmp_path / "routes.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InputError):
        plot_routes(inst, solution, tmp_path / "routes.txt")
