"""Demand-path files: the published layout, several demand nodes, and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.demand.paths import read_demand_paths, write_demand_paths
from netinv.errors import InputError
from tests.conftest import SCENARIOS


def test_reads_the_published_perez_paths():
    paths = read_demand_paths(SCENARIOS / "perez2021_demand_paths_backlog.csv", ["1"])
    assert paths.shape == (100, 30, 1)
    assert paths[0, :3, 0].tolist() == [14.0, 23.0, 17.0]
    assert np.all(paths == np.round(paths)) and 15 < paths.mean() < 25  # Poisson(20) draws


def test_round_trip_with_several_demand_nodes(tmp_path):
    rng = np.random.default_rng(0)
    demand = rng.integers(0, 9, size=(4, 6, 3)).astype(float)
    file = tmp_path / "paths.csv"
    write_demand_paths(file, demand, ["a", "b", "c"])
    assert file.read_text().startswith("path,node,t0,")
    np.testing.assert_array_equal(read_demand_paths(file, ["a", "b", "c"]), demand)
    with pytest.raises(InputError, match="node 'c' is not a demand node"):
        read_demand_paths(file, ["a", "b"])


@pytest.mark.parametrize("text, message", [
    ("", "empty file; expected a header 'path,t0,t1,...'"),
    ("paths,t0\n0,1\n", "line 1: header must be 'path,t0,t1,...' (or 'path,node,t0,...'), got 'paths,t0'"),
    ("path,t0,t2\n0,1,2\n", "line 1: column 3 must be named 't1', got 't2'"),
    ("path,t0,t1\n", "no demand paths after the header"),
    ("path,t0,t1\n0,1\n", "line 2: expected 3 fields, got 2"),
    ("path,t0,t1\n0,1,-2\n", "line 2: t1: demand must be finite and >= 0, got -2"),
    ("path,t0,t1\n0,1,nan\n", "line 2: t1: demand must be finite and >= 0, got nan"),
    ("path,t0,t1\n0,1,2\n0,3,4\n", "line 3: path '0' node 'x' appears twice"),
    ("path,t0,t1\n,1,2\n", "line 2: empty path label"),
])
def test_bad_files_give_one_line(tmp_path, text, message):
    file = tmp_path / "p.csv"
    file.write_text(text)
    with pytest.raises(InputError) as info:
        read_demand_paths(file, ["x"])
    assert str(info.value) == f"{file}: {message}"


def test_several_demand_nodes_need_a_node_column(tmp_path):
    file = tmp_path / "p.csv"
    file.write_text("path,t0\n0,1\n")
    with pytest.raises(InputError, match="has 2 demand nodes"):
        read_demand_paths(file, ["x", "y"])
    file.write_text("path,node,t0\n0,x,1\n")
    with pytest.raises(InputError, match="path '0' has no row for demand node 'y'"):
        read_demand_paths(file, ["x", "y"])
    with pytest.raises(InputError, match="file not found"):
        read_demand_paths(file.with_name("missing.csv"), ["x"])
