"""netinv/cli/common.py: JSON printing (numpy values, timings left out) shared by every command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netinv.cli.common import DEFAULT_MODEL, TIMING_KEYS, json_default, print_json, without_timings


def test_without_timings_drops_the_wall_clock_keys_at_any_depth():
    data = {"cost": 1.5, "seconds": {"build": 0.1}, "solver": {"solves": 3, "solve_seconds": 2.0,
                                                               "handoff_seconds": 0.5},
            "runs": [{"seconds": 1.0, "value": 2}]}
    assert without_timings(data) == {"cost": 1.5, "solver": {"solves": 3}, "runs": [{"value": 2}]}
    assert set(TIMING_KEYS) == {"seconds", "handoff_seconds", "solve_seconds"}


def test_json_default_turns_numpy_values_into_numbers_and_lists():
    assert json_default(np.float64(2.5)) == 2.5 and type(json_default(np.int64(3))) is int
    assert json_default(np.array([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="object"):
        json_default(object())


def test_print_json_is_indented_json_with_and_without_timings(capsys):
    print_json({"a": np.float32(0.5), "seconds": 1.0})
    out = capsys.readouterr().out
    assert json.loads(out) == {"a": 0.5, "seconds": 1.0} and out.startswith('{\n  "a": 0.5')
    print_json({"a": 1, "seconds": 1.0}, timings=False)
    assert json.loads(capsys.readouterr().out) == {"a": 1}


def test_default_model_is_the_shipped_checkpoint():
    assert DEFAULT_MODEL.parts[-2:] == ("models", "gnn.pt") and DEFAULT_MODEL.parent.parent.joinpath("netinv").is_dir()
