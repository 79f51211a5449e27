"""A bad Willems supply-chain CSV never gives a traceback: one line ``error: FILE: line N, stage 'X':
<column>: <what>`` on stderr and exit code 2, from ``netinv validate`` and ``netinv convert`` alike.

The corpus lives in ``tests/data/bad_willems/``, one small file per mistake, named for what is wrong; the
table pairs each file with the exact message (after ``FILE: ``) and the error class the Python API raises.
``netinv convert`` writes nothing when its input is bad, never overwrites its input, and converts a good
chain.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netinv.errors import InputError, InvalidNetworkError, ScenarioFileError
from netinv.network import load
from netinv.network.formats.willems import read_willems
from tests.test_bad_input import assert_one_line_error, run_cli

BAD = Path(__file__).resolve().parent / "data" / "bad_willems"
GOOD = Path(__file__).resolve().parent / "data" / "willems" / "willems_01.csv"
EXPECTED_HEADER = "stage_id,lead_time,max_s_time,cost_rate,risk_pool,ext_demand_mean,ext_demand_std,ext_demand_thres,up_stages"

# file in tests/data/bad_willems -> (error class, the message after "FILE: ")
CASES: dict[str, tuple[type[InputError], str]] = {
    # --- the file ------------------------------------------------------------------------------------
    "empty.csv": (ScenarioFileError, f"empty file (expected the header '{EXPECTED_HEADER}')"),
    "bad_header.csv": (
        ScenarioFileError,
        "line 1: not a Willems supply-chain CSV: header column 2 must be 'lead_time', got 'leadtime' "
        f"(expected '{EXPECTED_HEADER}')",
    ),
    "not_willems.csv": (
        ScenarioFileError,
        "line 1: not a Willems supply-chain CSV: header column 1 must be 'stage_id', got 'path' "
        f"(expected '{EXPECTED_HEADER}')",
    ),
    "header_only.csv": (ScenarioFileError, "line 1: no stages after the header"),
    # --- a row's cells -------------------------------------------------------------------------------
    "missing_column.csv": (
        ScenarioFileError,
        "line 3, stage 'Part_0002': missing column 'ext_demand_mean': a row needs at least 8 cells "
        "(empty where not given), got 5",
    ),
    "empty_stage_id.csv": (InvalidNetworkError, "line 3: stage_id is empty"),
    "missing_lead_time.csv": (
        InvalidNetworkError,
        "line 2, stage 'Part_0001': lead_time: must be a number >= 0, got nothing",
    ),
    "negative_lead_time.csv": (
        InvalidNetworkError,
        "line 2, stage 'Part_0001': lead_time: must be a number >= 0, got '-3'",
    ),
    "non_numeric_cost.csv": (
        InvalidNetworkError,
        "line 3, stage 'Manuf_0001': cost_rate: must be a number >= 0, got 'cheap'",
    ),
    "negative_std.csv": (
        InvalidNetworkError,
        "line 4, stage 'Retail_0001': ext_demand_std: must be a number >= 0, got '-36.62'",
    ),
    "fractional_max_service_time.csv": (
        InvalidNetworkError,
        "line 4, stage 'Retail_0001': max_s_time: must be a whole number of days, got '1.5'",
    ),
    # --- demand stages -------------------------------------------------------------------------------
    "demand_without_std.csv": (
        InvalidNetworkError,
        "line 4, stage 'Retail_0001': ext_demand_std: missing on a demand stage (ext_demand_mean is given)",
    ),
    "demand_without_mean.csv": (
        InvalidNetworkError,
        "line 4, stage 'Retail_0001': ext_demand_mean: missing on a demand stage (ext_demand_std is given)",
    ),
    "demand_without_thres.csv": (
        InvalidNetworkError,
        "line 4, stage 'Retail_0001': ext_demand_thres: missing on a demand stage (its service factor z is "
        "required)",
    ),
    "thres_without_demand.csv": (
        InvalidNetworkError,
        "line 2, stage 'Part_0001': ext_demand_thres: given on a stage without external demand "
        "(ext_demand_mean and ext_demand_std are empty)",
    ),
    # --- supplier pairs ------------------------------------------------------------------------------
    "odd_trailing_cells.csv": (
        ScenarioFileError,
        "line 4, stage 'Manuf_0001': up_stages: 3 trailing cells, expected pairs of supplier_stage_id, quantity",
    ),
    "zero_quantity.csv": (
        InvalidNetworkError,
        "line 4, stage 'Manuf_0001': up_stages: quantity of supplier 'Part_0002' must be a number > 0, got '0'",
    ),
    "non_numeric_quantity.csv": (
        InvalidNetworkError,
        "line 4, stage 'Manuf_0001': up_stages: quantity of supplier 'Part_0001' must be a number > 0, got 'one'",
    ),
    "duplicate_supplier.csv": (
        InvalidNetworkError,
        "line 3, stage 'Manuf_0001': up_stages: supplier 'Part_0001' listed twice",
    ),
    # --- across rows ---------------------------------------------------------------------------------
    "unknown_upstream_stage.csv": (
        InvalidNetworkError,
        "line 4, stage 'Manuf_0001': up_stages: unknown stage 'Part_001' (did you mean 'Part_0001'?)",
    ),
    "duplicate_stage.csv": (InvalidNetworkError, "line 4, stage 'Part_0001': duplicate stage id (first on line 2)"),
    "cycle.csv": (
        InvalidNetworkError,
        "line 2, stage 'Part_0001': up_stages: cycle through suppliers "
        "(goods flow 'Part_0001' -> 'Manuf_0001' -> 'Trans_0001' -> 'Part_0001')",
    ),
    "self_supply.csv": (
        InvalidNetworkError,
        "line 3, stage 'Manuf_0001': up_stages: cycle through suppliers (goods flow 'Manuf_0001' -> 'Manuf_0001')",
    ),
}


def test_every_corpus_file_is_in_the_table():
    assert {p.name for p in BAD.iterdir() if p.is_file()} == set(CASES)


@pytest.mark.parametrize(("name", "case"), list(CASES.items()), ids=list(CASES))
def test_read_willems_bad_file(name, case):
    error, message = case
    path = BAD / name
    with pytest.raises(error) as info:
        read_willems(path)
    assert str(info.value) == f"{path}: {message}"
    with pytest.raises(error):
        load(path)


@pytest.mark.parametrize(("name", "case"), list(CASES.items()), ids=list(CASES))
def test_validate_bad_file(capsys, monkeypatch, name, case):
    path = BAD / name
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    line = assert_one_line_error(code, out, err, path)
    assert line == f"error: {path}: {case[1]}"


@pytest.mark.parametrize(("name", "case"), list(CASES.items()), ids=list(CASES))
def test_convert_bad_file_writes_nothing(capsys, monkeypatch, tmp_path, name, case):
    path = BAD / name
    code, out, err = run_cli(capsys, monkeypatch, "convert", str(path), "-o", str(tmp_path / "out.yaml"))
    line = assert_one_line_error(code, out, err, path)
    assert line == f"error: {path}: {case[1]}"
    assert list(tmp_path.iterdir()) == []


def test_missing_file(capsys, monkeypatch, tmp_path):
    path = tmp_path / "no_such_chain.csv"
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert_one_line_error(code, out, err, path, "file not found")


def test_directory(capsys, monkeypatch, tmp_path):
    path = tmp_path / "chain.csv"
    path.mkdir()
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert_one_line_error(code, out, err, path, "is a directory")


def test_not_utf8(capsys, monkeypatch, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("stage_id,lead_time\ncafé,1\n".encode("latin-1"))
    code, out, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert_one_line_error(code, out, err, path, "byte 22", "not UTF-8")


# --- netinv convert --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".graphml"])
def test_convert_good_chain(capsys, monkeypatch, tmp_path, suffix):
    out_path = tmp_path / f"willems_01{suffix}"
    code, out, err = run_cli(capsys, monkeypatch, "convert", str(GOOD), "-o", str(out_path))
    assert code == 0, err
    assert (out, err) == (f"wrote {out_path}: 8 nodes, 10 edges\n", "")
    back, original = load(out_path), read_willems(GOOD)
    assert back.graph == original.graph
    assert dict(back.nodes(data=True)) == dict(original.nodes(data=True))
    assert list(back.edges(data=True)) == list(original.edges(data=True))
    assert [p.name for p in tmp_path.iterdir()] == [out_path.name]  # no temporary file left


def test_convert_refuses_to_overwrite_input(capsys, monkeypatch, tmp_path):
    scenario = tmp_path / "chain.yaml"
    code, _, err = run_cli(capsys, monkeypatch, "convert", str(GOOD), "-o", str(scenario))
    assert code == 0, err
    before = scenario.read_bytes()
    for same in (scenario, tmp_path / "sub" / ".." / "chain.yaml"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        code, out, err = run_cli(capsys, monkeypatch, "convert", str(scenario), "-o", str(same))
        assert_one_line_error(code, out, err, same, "is the input file")
    assert scenario.read_bytes() == before


def test_convert_to_csv_is_refused(capsys, monkeypatch, tmp_path):
    target = tmp_path / "chain.csv"
    code, out, err = run_cli(capsys, monkeypatch, "convert", str(GOOD), "-o", str(target))
    assert_one_line_error(code, out, err, target, "cannot write format '.csv'")
    assert list(tmp_path.iterdir()) == []


def test_convert_into_missing_folder(capsys, monkeypatch, tmp_path):
    target = tmp_path / "no_such_folder" / "chain.yaml"
    code, out, err = run_cli(capsys, monkeypatch, "convert", str(GOOD), "-o", str(target))
    assert_one_line_error(code, out, err, target, "cannot write")
    assert list(tmp_path.iterdir()) == []
