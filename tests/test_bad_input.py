"""Bad input never gives a traceback: the CLI prints one line ``error: FILE: <where>: <what>`` on stderr
and exits 2.

The corpus lives in ``tests/data/bad/``, one small file per mistake, named for what is wrong. The table
below pairs each file with substrings its message must contain (the node / edge / field it names and
what is wrong with it). The CLI runs in-process (``netinv.cli.main`` with ``sys.argv`` patched), which
is what the console script does; one test runs the real ``python -m netinv.cli`` as a check of that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netinv import cli

BAD = Path(__file__).resolve().parent / "data" / "bad"

# file in tests/data/bad -> substrings the error message must contain
CASES: dict[str, tuple[str, ...]] = {
    # --- file syntax -----------------------------------------------------------------------------
    "malformed_yaml.yaml": ("line 5, column 7", "malformed YAML"),
    "malformed_json.json": ("line 1, column 40", "malformed JSON"),
    "empty.json": ("line 1, column 1", "malformed JSON"),
    "malformed.graphml": ("line 5", "malformed GraphML"),  # the rest is expat's wording
    "unknown_suffix.txt": ("unknown file type '.txt'", ".yaml"),
    # --- document shape ----------------------------------------------------------------------------
    "empty.yaml": ("must be a mapping", "got an empty document"),
    "top_level_list.yaml": ("must be a mapping", "got a list"),
    "empty_nodes.yaml": ("nodes: must have at least 1 item", "got an empty list"),
    "nodes_is_mapping.yaml": ("nodes: must be a list", "got a mapping"),
    "node_is_list.yaml": ("nodes[0]: must be a mapping", "got a list"),
    # --- unknown keys (with the closest valid key) -------------------------------------------------
    "unknown_top_key.yaml": ("unknown key 'descripton'", "did you mean 'description'?"),
    "unknown_node_key.yaml": ("node 'plant'", "unknown key 'holdng_cost'", "did you mean 'holding_cost'?"),
    "unknown_edge_key.yaml": (
        "edge 'plant' -> 'store'",
        "unknown key 'lead_tme'",
        "did you mean 'lead_time'?",
    ),
    "unknown_demand_key.yaml": ("node 'store'", "demand: unknown key 'stdev'", "did you mean 'std'?"),
    "node_link_unknown_key.json": (
        "node 'plant'",
        "unknown key 'holdng_cost'",
        "did you mean 'holding_cost'?",
    ),
    # --- missing required keys ---------------------------------------------------------------------
    "missing_name.yaml": ("missing required key 'name'",),
    "missing_nodes.yaml": ("missing required key 'nodes'",),
    "missing_node_id.yaml": ("nodes[1]", "missing required key 'id'"),
    "missing_edge_source.yaml": ("edges[0]", "missing required key 'source'"),
    "missing_edge_target.yaml": ("edges[0]", "missing required key 'target'"),
    # --- wrong types -------------------------------------------------------------------------------
    "quoted_number.yaml": ("node 'plant'", "holding_cost: must be a number", "got '5'"),
    "json_string_number.json": ("node 'plant'", "processing_time: must be an integer", "got '2'"),
    "bool_where_number.yaml": ("node 'plant'", "holding_cost: must be a number", "got true"),
    "list_where_mapping.yaml": ("node 'store'", "demand: must be a mapping", "got a list"),
    "node_id_not_string.yaml": ("nodes[0]", "id: must be a string", "got true"),
    "unknown_edge_kind.yaml": (
        "edge 'plant' -> 'store'",
        "kind: must be one of",
        "transshipment",
        "got 'lateral'",
    ),
    # --- out-of-range numbers ----------------------------------------------------------------------
    "negative_holding_cost.yaml": ("node 'plant'", "holding_cost: must be >= 0,", "got -0.5"),
    "negative_unit_cost.yaml": ("edge 'plant' -> 'store'", "unit_cost: must be >= 0,", "got -1"),
    "zero_lot_size.yaml": ("edge 'plant' -> 'store'", "lot_size: must be > 0,", "got 0"),
    "negative_shortage_cost.yaml": ("node 'store'", "shortage_cost: must be >= 0,", "got -9"),
    "fractional_lead_time.yaml": ("edge 'plant' -> 'store'", "lead_time: must be an integer", "got 2.5"),
    "negative_lead_time.yaml": ("edge 'plant' -> 'store'", "lead_time: must be >= 0,", "got -1"),
    "huge_lead_time.yaml": ("edge 'plant' -> 'store'", "lead_time: must be <= 1000,", "got 1000000000"),
    "huge_holding_cost.yaml": ("node 'plant'", "holding_cost: must be <= 1e+12", "got 1e+300"),
    "infinite_cost.yaml": ("node 'plant'", "holding_cost: must be a finite number", "got inf"),
    "json_nan_cost.json": ("node 'plant'", "holding_cost: must be a finite number", "got nan"),
    "service_level_above_one.yaml": ("node 'store'", "service_level: must be < 1,", "got 1.5"),
    "service_level_zero.yaml": ("node 'store'", "service_level: must be > 0,", "got 0"),
    "yield_zero.yaml": ("node 'plant'", "yield: must be > 0,", "got 0"),
    "yield_above_one.yaml": ("node 'plant'", "yield: must be <= 1,", "got 1.2"),
    # --- demand specs ------------------------------------------------------------------------------
    "normal_negative_std.yaml": ("node 'store'", "demand.std: must be >= 0,", "got -2"),
    "poisson_negative_mean.yaml": ("node 'store'", "demand.mean: must be >= 0,", "got -4"),
    "uniform_high_below_low.yaml": ("node 'store'", "demand: high must be >= low"),
    "empirical_probabilities_sum.yaml": ("node 'store'", "demand: probabilities must sum to 1", "got 1.2"),
    "empirical_length_mismatch.yaml": ("node 'store'", "probabilities has 2 entries but values has 3"),
    "unknown_distribution.yaml": ("node 'store'", "unknown distribution 'normall'", "did you mean 'normal'?"),
    "missing_distribution.yaml": ("node 'store'", "demand: missing key 'distribution'", "poisson"),
    "demand_without_shortage_cost.yaml": ("node 'store'", "a demand node needs 'shortage_cost'"),
    # --- structure ---------------------------------------------------------------------------------
    "duplicate_node_id.yaml": ("node 'plant'", "duplicate node id"),
    "edge_unknown_node.yaml": ("edge 'plnt' -> 'store'", "unknown node 'plnt'", "did you mean 'plant'?"),
    "self_loop.yaml": ("edge 'store' -> 'store'", "self-loop"),
    "duplicate_edge.yaml": ("edge 'plant' -> 'store'", "duplicate edge"),
    "supply_cycle.yaml": ("cycle through supply edges", "'a' -> 'b' -> 'c' -> 'a'"),
    "external_supply_with_supplier.yaml": (
        "node 'store'",
        "'external_supply' is only for nodes without supplier",
    ),
    # --- other formats -----------------------------------------------------------------------------
    "node_link_unknown_node.json": ("edge 'plant' -> 'stor'", "unknown node 'stor'", "did you mean 'store'?"),
    "graphml_bad_attribute.graphml": ("node 'plant'", "holding_cost: must be a number", "got 'cheap'"),
    "graphml_bad_boolean.graphml": ("node 'plant'", "backlog: must be true or false", "got 'maybe'"),
    "graphml_fractional_lead_time.graphml": (
        "edge 'plant' -> 'store'",
        "lead_time: must be an integer",
        "got '2.5'",
    ),
    "graphml_bad_demand_json.graphml": ("node 'store'", "demand: not valid JSON"),
    "graphml_negative_holding_cost.graphml": ("node 'plant'", "holding_cost: must be >= 0,", "got -0.5"),
    "graphml_undirected.graphml": ("must be directed",),
}


def run_cli(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    """Run ``netinv ARGS`` in-process as the console script does; (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["netinv", *args])
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, out: str, err: str, path: Path | str, *expected: str) -> str:
    assert "Traceback" not in out + err
    assert code == 2, f"exit code {code}; stdout={out!r} stderr={err!r}"
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), f"not one line: {err!r}"
    line = lines[0]
    assert line.startswith(f"error: {path}: "), line
    for part in expected:
        assert part in line, f"{part!r} not in {line!r}"
    return line


def test_every_corpus_file_is_in_the_table():
    files = {p.name for p in BAD.iterdir() if p.is_file()}
    assert files - {"transshipment_cycle_ok.yaml"} == set(CASES)


@pytest.mark.parametrize(("name", "expected"), list(CASES.items()), ids=list(CASES))
def test_validate_bad_file(capsys, monkeypatch, name, expected):
    path = BAD / name
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert_one_line_error(code, out, err, path, *expected)


def test_transshipment_cycle_is_accepted(capsys, monkeypatch):
    # store_a <-> store_b transship to each other: a cycle, but not through supply edges.
    path = BAD / "transshipment_cycle_ok.yaml"
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert code == 0, err
    assert err == ""
    assert out.startswith(f"ok: {path}: ") and "2 transshipment" in out


def test_missing_file(capsys, monkeypatch, tmp_path):
    path = tmp_path / "no_such_file.yaml"
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert_one_line_error(code, out, err, path, "file not found")


@pytest.mark.parametrize("suffix", [".yaml", ".graphml"])
def test_directory(capsys, monkeypatch, tmp_path, suffix):
    path = tmp_path / f"scenario{suffix}"
    path.mkdir()
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert_one_line_error(code, out, err, path, "is a directory")


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".graphml"])
def test_not_utf8(capsys, monkeypatch, tmp_path, suffix):
    path = tmp_path / f"latin1{suffix}"
    path.write_bytes("name: café\nnodes:\n  - id: plant\n".encode("latin-1"))
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert_one_line_error(code, out, err, path, "byte 9", "not UTF-8")


def test_permission_denied(capsys, monkeypatch, tmp_path):
    # chmod 000 does not stop root (CI containers), so the OS error is simulated.
    path = tmp_path / "secret.yaml"
    path.write_text("name: t\nnodes:\n  - id: plant\n", encoding="utf-8")
    os_open = os.open

    def denied(name, *args, **kwargs):  # every file netinv reads is opened by netinv.fileio.read_input_bytes
        if Path(name) == path:
            raise PermissionError(13, "Permission denied", str(name))
        return os_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert_one_line_error(code, out, err, path, "permission denied")


def test_info_json_bad_file(capsys, monkeypatch):
    path = BAD / "unknown_node_key.yaml"
    code, out, err = run_cli(capsys, monkeypatch, "info", str(path), "--json")
    assert out == ""
    assert_one_line_error(code, out, err, path, "node 'plant'", "did you mean 'holding_cost'?")


# --- netinv simulate --levels LEVELS.json ----------------------------------------------------------

SCENARIO = BAD / "transshipment_cycle_ok.yaml"  # valid: dc -> store_a, store_b


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"store_a": 10,', ("line 1, column 16", "malformed JSON")),
        (
            '{"dc": 50, "store_a": 10, "stor_b": 10}',
            ("node 'stor_b'", "not a node", "did you mean 'store_b'?"),
        ),
        (
            '{"dc": 50, "store_a": "ten", "store_b": 10}',
            ("node 'store_a'", "level must be a number", 'got "ten"'),
        ),
        (
            '{"dc": 50, "store_a": true, "store_b": 10}',
            ("node 'store_a'", "level must be a number", "got true"),
        ),
        (
            '{"dc": 50, "store_a": NaN, "store_b": 10}',
            ("node 'store_a'", "level must be a finite number", "got NaN"),
        ),
        ("[10, 20]", ("levels must be a mapping",)),
        ("", ("malformed JSON",)),
    ],
    ids=["malformed", "unknown-node", "string-level", "bool-level", "nan-level", "list", "empty"],
)
def test_simulate_bad_levels(capsys, monkeypatch, tmp_path, content, expected):
    levels = tmp_path / "levels.json"
    levels.write_text(content, encoding="utf-8")
    args = ("simulate", str(SCENARIO), "--levels", str(levels), "--paths", "2", "--periods", "5", "--json")
    code, out, err = run_cli(capsys, monkeypatch, *args)
    assert out == ""
    assert_one_line_error(code, out, err, levels, *expected)


def test_simulate_missing_levels_file(capsys, monkeypatch, tmp_path):
    levels = tmp_path / "nope.json"
    args = ("simulate", str(SCENARIO), "--levels", str(levels), "--paths", "2", "--periods", "5", "--json")
    code, out, err = run_cli(capsys, monkeypatch, *args)
    assert_one_line_error(code, out, err, levels, "file not found")


def test_simulate_good_levels_still_run(capsys, monkeypatch, tmp_path):
    # the checks above must not reject a good LEVELS.json (plain or as written by `basestock --json`)
    levels = tmp_path / "levels.json"
    levels.write_text(json.dumps({"levels": {"dc": 50, "store_a": 10, "store_b": 10.5}}), encoding="utf-8")
    args = ("simulate", str(SCENARIO), "--levels", str(levels), "--paths", "2", "--periods", "5", "--json")
    code, out, err = run_cli(capsys, monkeypatch, *args)
    assert code == 0, err
    assert json.loads(out)["levels"] == {"dc": 50, "store_a": 10, "store_b": 10.5}


# --- the real entry point --------------------------------------------------------------------------


def test_module_entry_point_subprocess():
    path = BAD / "unknown_distribution.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "netinv.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, path, "did you mean 'normal'?")
