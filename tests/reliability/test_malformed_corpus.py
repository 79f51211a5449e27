"""A corpus of malformed inputs across every format netinv reads, each run through the real command line
as a subprocess: exit code 2, one line ``error: <file or contract>: ...`` on stderr naming what is wrong,
nothing on stdout, no traceback.

Formats: scenario YAML, JSON (scenario and node-link) and GraphML (``tests/data/reliability/scenario``),
Willems supply-chain CSV (``.../willems``), demand-path CSV (``.../demand_paths``, read by ``simulate
--demand-paths`` and ``plan --demand-path``), contract and demand strings (``contracts evaluate``), GNN
checkpoints (``simulate --policy gnn --model``; one is a pickle that would run a command) and dataset
folders (``train --dataset``). A few
inputs too large to keep in the repository (nesting 50,000 levels deep, a 200,000-character CSV field)
are written when the tests start. The older corpora (``tests/data/bad``, ``tests/data/bad_willems``), which
``tests/test_bad_input.py`` and ``tests/test_bad_willems.py`` run in-process with exact messages, go
through the subprocess too in a ``slow`` test.

All the subprocesses of a test run at once (a small pool), so the corpus costs a few seconds of wall time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "reliability"
TINY = CORPUS / "tiny.yaml"  # a valid plant -> store network, for the demand-path files
MARKET = ("--demand", "normal:100,30", "--price", "10", "--cost", "3")


@dataclass(frozen=True)
class Case:
    """One malformed input: the command's arguments, what the error line starts with, and substrings it
    must contain (the line, field or key it names and what is wrong)."""

    args: tuple[str, ...]
    subject: str
    expected: tuple[str | re.Pattern, ...]


def said(pattern: str) -> re.Pattern:
    """What the line must say, as a pattern: where the words are a parser's (PyYAML, expat, networkx,
    Python's csv), the test holds the promise (what is wrong, in the parser's words or netinv's), not the
    exact wording of one release."""
    return re.compile(pattern, re.IGNORECASE)


def scenario(name: str, *expected: str | re.Pattern) -> Case:
    path = str(CORPUS / "scenario" / name)
    return Case(("validate", path), path, expected)


def willems(name: str, *expected: str | re.Pattern) -> Case:
    path = str(CORPUS / "willems" / name)
    return Case(("validate", path), path, expected)


def demand_paths(name: str, *expected: str | re.Pattern, command: str = "simulate") -> Case:
    path = str(CORPUS / "demand_paths" / name)
    if command == "plan":
        return Case(("plan", str(TINY), "--demand-path", path, "--horizon", "2", "--json"), path, expected)
    return Case(("simulate", str(TINY), "--demand-paths", path, "--json"), path, expected)


def contract(text: str, *expected: str, subject: str | None = None) -> Case:
    return Case(("contracts", "evaluate", *MARKET, "--contract", text, "--json"),
                subject or f"contract {text!r}", expected)


def demand(text: str, subject: str, *expected: str) -> Case:
    args = ("contracts", "evaluate", "--demand", text, "--price", "10", "--cost", "3", "--contract", "wholesale:w=6")
    return Case(args, subject, expected)


CASES: dict[str, Case] = {
    # --- YAML: untrusted tags, syntax, values -----------------------------------------------------------
    "yaml-python-object-tag": scenario("python_object_tag.yaml", "line 3, column 5", "malformed YAML",
                                       "python/object/apply:os.mkdir"),
    "yaml-python-name-tag": scenario("python_name_tag.yaml", "line 1, column 7", "python/name:os.system"),
    "yaml-tab-indentation": scenario("tab_indentation.yaml", "line 3, column 1", "malformed YAML"),
    "yaml-undefined-alias": scenario("undefined_alias.yaml", "line 2, column 8", "malformed YAML", said(r"alias")),
    "yaml-unhashable-key": scenario("unhashable_key.yaml", "line 3, column 19", "malformed YAML", said(r"key")),
    "yaml-two-documents": scenario("two_documents.yaml", "line 3, column 1", "malformed YAML", said(r"document")),
    "yaml-nul-byte": scenario("nul_byte.yaml", "malformed YAML", said(r"#x0000|\\x00|\bNUL\b|null char")),
    "yaml-newline-in-id": scenario("newline_in_node_id.yaml", "edge 'plant\\nstore' -> 'store'",
                                   "unknown node 'plant\\nstore'"),
    "yaml-escape-sequence-in-id": scenario("escape_sequence_in_id.yaml", "unknown node '\\x1b[31mplant'",
                                           "did you mean 'plant'?"),
    "yaml-huge-integer": scenario("huge_integer.yaml", "line 3", "an integer of 401 digits; the limit is 300"),
    "yaml-infinite-lead-time": scenario("infinite_lead_time.yaml", "edge 'plant' -> 'store'",
                                        "lead_time: must be an integer", "got inf"),
    "yaml-integer-and-string-id": scenario("integer_and_string_id.yaml", "node '1'", "duplicate node id"),
    "yaml-lookalike-id": scenario("lookalike_id.yaml", "unknown node 'st\u043ere'", "did you mean 'store'?"),
    "yaml-empty-series": scenario("empty_series.yaml", "node 'store'", "demand.values: must have at least 1 item"),
    "yaml-position-three-numbers": scenario("position_three_numbers.yaml", "node 'plant'",
                                            "position: must have at most 2 items"),
    "yaml-empty-node-id": scenario("empty_node_id.yaml", "id: must"),
    "yaml-null-nodes": scenario("null_nodes.yaml", "nodes: must be a list", "got nothing (null)"),
    # --- JSON ---------------------------------------------------------------------------------------------
    "json-trailing-comma": scenario("trailing_comma.json", "line 1, column 41", "malformed JSON"),
    "json-top-level-string": scenario("top_level_string.json", "must be a mapping", "got a string"),
    "json-lone-surrogate-id": scenario("lone_surrogate_id.json", "unknown node '\\ud800'"),
    "json-infinity-lead-time": scenario("infinity_lead_time.json", "edge 'a' -> 'b'", "lead_time: must be an integer"),
    "json-overflowing-exponent": scenario("overflowing_exponent.json", "node 'plant'",
                                          "holding_cost: must be a finite number", "got inf"),
    "json-nodes-is-number": scenario("nodes_is_number.json", "nodes: must be a list", "got 3"),
    "node-link-graph-is-list": scenario("node_link_graph_is_list.json", "malformed node-link JSON",
                                        "'graph' must be a mapping", "got a list"),
    "node-link-unhashable-end": scenario("node_link_unhashable_end.json", "malformed node-link JSON"),
    # --- GraphML ------------------------------------------------------------------------------------------
    "graphml-edge-to-undeclared-node": scenario("graphml_edge_to_undeclared_node.graphml", "edge 'plant' -> 'stor'",
                                                "unknown node 'stor'", "did you mean 'store'?"),
    "graphml-node-without-id": scenario("graphml_node_without_id.graphml", "<node> element without an 'id'"),
    "graphml-entity-expansion": scenario("graphml_entity_expansion.graphml", "line 4", "malformed GraphML",
                                         said(r"amplification|entit|expansion")),
    "graphml-external-entity": scenario("graphml_external_entity.graphml", "line 4", "malformed GraphML",
                                        said(r"external|entit")),
    "graphml-no-graph": scenario("graphml_no_graph.graphml", "malformed GraphML"),
    "graphml-unknown-data-key": scenario("graphml_unknown_data_key.graphml", "malformed GraphML", "d9"),
    "graphml-truncated": scenario("graphml_truncated.graphml", "line 5, column 5", "malformed GraphML"),
    "graphml-parallel-edges": scenario("graphml_parallel_edges.graphml", "edge 'a' -> 'b'", "duplicate edge"),
    # --- Willems supply-chain CSV -------------------------------------------------------------------------
    "willems-infinite-lead-time": willems("infinite_lead_time.csv", "line 3, stage 'Retail_1'",
                                          "lead_time: must be a number >= 0", "got 'inf'"),
    "willems-huge-lead-time": willems("huge_lead_time.csv", "line 2, stage 'Part_1'", "lead_time: must be <= 10000"),
    "willems-nan-service-factor": willems("nan_service_factor.csv", "line 3, stage 'Retail_1'",
                                          "ext_demand_thres", "got 'nan'"),
    "willems-overflowing-quantity": willems("overflowing_quantity.csv", "line 3, stage 'Retail_1'",
                                            "quantity of supplier 'Part_1'", "got '1e400'"),
    "willems-unterminated-quote": willems("unterminated_quote.csv", "line 2", "missing column 'lead_time'"),
    # --- demand-path CSV ----------------------------------------------------------------------------------
    "paths-empty": demand_paths("empty.csv", "empty file", "path,t0,t1"),
    "paths-bad-header": demand_paths("bad_header.csv", "line 1: header must be 'path,t0,t1,...'", "got 'paths,t0,t1'"),
    "paths-skipped-period": demand_paths("skipped_period.csv", "line 1: column 3 must be named 't1'", "got 't2'"),
    "paths-header-only": demand_paths("header_only.csv", "no demand paths after the header"),
    "paths-ragged-row": demand_paths("ragged_row.csv", "line 2: expected 3 fields, got 2"),
    "paths-negative-demand": demand_paths("negative_demand.csv", "line 2: t1: demand must be finite and >= 0",
                                          "got -2"),
    "paths-nan-demand": demand_paths("nan_demand.csv", "line 2: t1", "got nan"),
    "paths-huge-demand": demand_paths("huge_demand.csv", "line 2: t1: demand must be <= 1e+09", "got 1e300"),
    "paths-not-a-number": demand_paths("not_a_number.csv", "line 2: t1: not a number: 'lots'"),
    "paths-duplicate-path": demand_paths("duplicate_path.csv", "line 3: path '0' node 'store' appears twice"),
    "paths-empty-label": demand_paths("empty_path_label.csv", "line 2: empty path label"),
    "paths-not-a-demand-node": demand_paths("not_a_demand_node.csv", "line 2: node 'plant' is not a demand node"),
    "paths-nul-byte": demand_paths("nul_byte.csv", "line 2: t1: not a number: '2\\x00'"),
    "paths-latin1": demand_paths("latin1.csv", "line 2, byte 13", "not UTF-8 text"),
    "paths-plan-ragged-row": demand_paths("ragged_row.csv", "line 2: expected 3 fields", command="plan"),
    # --- contract strings ---------------------------------------------------------------------------------
    "contract-empty": contract("", "unknown contract ''", "wholesale"),
    "contract-unknown-family": contract("bogus:w=1", "unknown contract 'bogus'", "buyback"),
    "contract-no-terms": contract("wholesale", "expected wholesale:KEY=VALUE"),
    "contract-no-value": contract("wholesale:w", "cannot read 'w'", "KEY=VALUE"),
    "contract-not-a-number": contract("wholesale:w=six", "w='six' is not a number"),
    "contract-nan": contract("wholesale:w=nan", "w must be a finite number", "got nan"),
    "contract-overflow": contract("wholesale:w=1e400", "w must be a finite number", "got 1e400"),
    "contract-key-twice": contract("buyback:w=6,b=4,b=3", "'b' given twice"),
    "contract-missing-key": contract("buyback:w=6", "missing b", "buyback takes w, b"),
    "contract-unknown-key": contract("wholesale:w=6,x=1", "unknown key 'x'", "wholesale takes w"),
    "contract-share-above-one": contract("revenue-sharing:w=1,phi=1.5", "phi must be in [0, 1]", "got 1.5",
                                         subject="revenue-sharing"),
    "contract-negative-price": contract("wholesale:w=-6", "wholesale_price must be >= 0", subject="wholesale"),
    "contract-discount-key": contract("quantity-discount:abc=5", "MIN_ORDER=PRICE", "got key 'abc'"),
    "contract-discount-nan-break": contract("quantity-discount:nan=5", "first break must be at order 0",
                                            subject="quantity-discount"),
    "contract-flexibility-above-one": contract("quantity-flexibility:w=6,delta=2", "delta must be in [0, 1]",
                                               subject="quantity-flexibility"),
    "contract-buyback-above-price": contract("buyback:w=6,b=7", "must be below w + c_r", subject="buyback"),
    "contract-escape-sequence": contract("wholesale:w=6\x1b[2J", "w='6\\x1b[2J' is not a number"),
    "demand-one-parameter": demand("normal:100", "demand 'normal:100'", "normal takes 2 parameter(s), got 1"),
    "demand-unknown-distribution": demand("weibull:1,2", "demand 'weibull:1,2'", "unknown distribution 'weibull'"),
    "demand-negative-mean": demand("poisson:-1", "demand poisson", "mean must be > 0"),
    "demand-missing-sample": demand("empirical:/no/such/sample.csv", "/no/such/sample.csv", "file not found"),
}


def generated_cases(folder: Path) -> dict[str, Case]:
    """Inputs too large for the repository, written into ``folder``."""
    deep_yaml = folder / "deep_nesting.yaml"
    deep_yaml.write_text("name: deep\nnodes:\n  - id: a\n    position: " + "[" * 50_000 + "]" * 50_000 + "\n")
    deep_block = folder / "deep_block_nesting.yaml"
    deep_block.write_text("name: deep\nknown:\n  a:\n    " + "- " * 20_000 + "1\nnodes: [{id: a}]\n")
    deep_json = folder / "deep_nesting.json"
    deep_json.write_text('{"name": "deep", "known": ' + "[" * 50_000 + "]" * 50_000 + ', "nodes": [{"id": "a"}]}')
    deep_graphml = folder / "deep_demand.graphml"
    deep_graphml.write_text(
        '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '  <key id="d0" for="node" attr.name="demand" attr.type="string"/>\n'
        f'  <graph edgedefault="directed"><node id="a"><data key="d0">{"[" * 50_000}</data></node></graph>\n'
        "</graphml>\n"
    )
    header = "stage_id,lead_time,max_s_time,cost_rate,risk_pool,ext_demand_mean,ext_demand_std,ext_demand_thres,up_stages"
    big_willems = folder / "huge_field.csv"
    big_willems.write_text(f"{header}\nPart_1,1,,1,,,,," + "x" * 200_000 + "\n")
    big_paths = folder / "huge_field_paths.csv"
    big_paths.write_text("path,t0\n0," + "1" * 200_000 + "\n")
    # the promise is "too deeply nested", said by netinv's own check or by the parser's (PyYAML >= 6.0.4 has one)
    too_deep = said(r"nest\w*\b.*\b(deep|depth)")
    not_zip = folder / "not_a_checkpoint.pt"
    not_zip.write_text("these are not weights\n")
    payload = folder / "pickled_payload.pt"  # a pickle whose loading would run a command
    payload.write_bytes(b"\x80\x02}q\x00X\x06\x00\x00\x00formatq\x01cposix\nsystem\nq\x02X\x0c\x00\x00\x00touch PWNED!q\x03\x85q\x04Rq\x05s.")
    empty = folder / "empty_dataset"
    empty.mkdir()
    foreign = folder / "foreign_dataset"
    foreign.mkdir()
    (foreign / "manifest.json").write_text('{"format": "something-else"}')
    gnn = ("simulate", str(TINY), "--policy", "gnn", "--json", "--model")
    trained = str(folder / "never_written.pt")
    return {
        "yaml-deep-flow-nesting": Case(("validate", str(deep_yaml)), str(deep_yaml), ("line 4", too_deep)),
        "yaml-deep-block-nesting": Case(("validate", str(deep_block)), str(deep_block), ("line 4", too_deep)),
        "json-deep-nesting": Case(("validate", str(deep_json)), str(deep_json), (too_deep,)),
        "graphml-deep-json-attribute": Case(("validate", str(deep_graphml)), str(deep_graphml),
                                            ("node 'a'", "demand:", too_deep)),
        "willems-huge-field": Case(("validate", str(big_willems)), str(big_willems),
                                   ("line 2", "malformed CSV", said(r"field.*(larg|limit|long)"))),
        "paths-huge-field": Case(("simulate", str(TINY), "--demand-paths", str(big_paths), "--json"), str(big_paths),
                                 ("line 2", "malformed CSV", said(r"field.*(larg|limit|long)"))),
        "checkpoint-not-a-zip": Case((*gnn, str(not_zip)), str(not_zip), ("not a torch checkpoint",)),
        "checkpoint-pickled-payload": Case((*gnn, str(payload)), str(payload), ("not a torch checkpoint",)),
        "checkpoint-missing": Case((*gnn, str(folder / "missing.pt")), str(folder / "missing.pt"),
                                   ("GNN model not found",)),
        "dataset-empty-folder": Case(("train", "--dataset", str(empty), "--out", trained), str(empty),
                                     ("no manifest.json",)),
        "dataset-foreign-manifest": Case(("train", "--dataset", str(foreign), "--out", trained),
                                         str(foreign / "manifest.json"), ("not a netinv dataset manifest",)),
    }


def netinv(args: tuple[str, ...], cwd: Path) -> subprocess.CompletedProcess:
    """The real command line, ``python -m netinv.cli ARGS``, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "netinv.cli", *args], capture_output=True, text=True,
                          errors="backslashreplace", timeout=300, cwd=cwd, env=env)


def run_all(cases: dict[str, Case], cwd: Path) -> dict[str, subprocess.CompletedProcess]:
    """Every case through the real entry point, ``netinv.cli.main``, each in a fresh child forked from one
    process that imported netinv once (:mod:`tests.reliability.hostile_driver`): what the console script
    runs, without paying Python's start-up and netinv's imports once per case."""
    root = Path(__file__).resolve().parents[2]
    jobs = [{"name": name, "argv": list(case.args), "cwd": str(cwd), "timeout": 300} for name, case in cases.items()]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-m", "tests.reliability.hostile_driver"], input=json.dumps(jobs),
                          capture_output=True, text=True, cwd=root, env=env, timeout=300 + 60 * len(jobs))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {r["name"]: subprocess.CompletedProcess(["netinv", *cases[r["name"]].args], r["code"], r["stdout"],
                                                   r["stderr"]) for r in json.loads(proc.stdout)}


def assert_one_line_error(proc: subprocess.CompletedProcess, subject: str,
                          expected: tuple[str | re.Pattern, ...]) -> str:
    report = f"exit {proc.returncode}; stdout={proc.stdout[-500:]!r}; stderr={proc.stderr[-2000:]!r}"
    assert "Traceback" not in proc.stdout + proc.stderr, report
    assert proc.returncode == 2, report
    assert proc.stdout == "", report
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and proc.stderr.endswith("\n"), report
    line = lines[0]
    assert line.startswith(f"error: {subject}: ") or line == f"error: {subject}", line
    for part in expected:
        if isinstance(part, re.Pattern):
            assert part.search(line), f"{part.pattern!r} does not match {line!r}"
        else:
            assert part in line, f"{part!r} not in {line!r}"
    return line


def _generated_names() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        return list(generated_cases(Path(folder)))


ALL_NAMES = [*CASES, *_generated_names()]
# one input of each format also runs as a real subprocess; with it, one case of every (command, kind) below
SAMPLE = ["yaml-python-object-tag", "yaml-newline-in-id", "json-lone-surrogate-id", "node-link-graph-is-list",
          "graphml-entity-expansion", "willems-infinite-lead-time", "paths-huge-demand", "paths-plan-ragged-row",
          "contract-nan", "demand-one-parameter", "yaml-deep-flow-nesting", "paths-huge-field",
          "checkpoint-pickled-payload", "dataset-foreign-manifest"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Case]:
    return generated_cases(tmp_path_factory.mktemp("generated"))


def test_corpus_size_and_formats():
    assert len(ALL_NAMES) == len(set(ALL_NAMES)) >= 40
    assert set(SAMPLE) <= set(ALL_NAMES)
    kinds = {name.split("-")[0] for name in ALL_NAMES}
    assert {"yaml", "json", "node", "graphml", "willems", "paths", "contract", "demand", "checkpoint",
            "dataset"} <= kinds
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()} - {"tiny.yaml"}
    used = {Path(arg).relative_to(CORPUS).as_posix() for case in CASES.values() for arg in case.args
            if arg.startswith(str(CORPUS)) and arg != str(TINY)}
    assert on_disk == used  # every file of the corpus is in the table, and every entry has its file


@pytest.mark.parametrize("name", ALL_NAMES)
def test_malformed_input_in_process(capsys, monkeypatch, tmp_path, generated, name):
    # netinv.cli.main with sys.argv patched: what the console script runs, without a process start
    from tests.test_bad_input import run_cli

    case = {**CASES, **generated}[name]
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, monkeypatch, *case.args)
    assert_one_line_error(subprocess.CompletedProcess(case.args, code, out, err), case.subject, case.expected)
    assert list(tmp_path.iterdir()) == []  # nothing written: the YAML tags ran nothing (os.mkdir)


def test_sample_through_the_command_line(tmp_path, generated):
    cases = {name: {**CASES, **generated}[name] for name in SAMPLE}
    procs = run_all(cases, tmp_path)
    for name, case in cases.items():
        assert_one_line_error(procs[name], case.subject, case.expected)
    assert list(tmp_path.iterdir()) == []


def one_per_command_and_kind(cases: dict[str, Case]) -> list[str]:
    """The first case of each (command, kind of input): the real command line runs each pair once; every
    case runs in-process (:func:`test_malformed_input_in_process`), with the same assertions."""
    chosen: dict[tuple[str, str], str] = {}
    for name, case in cases.items():
        chosen.setdefault((case.args[0], name.split("-")[0]), name)
    return list(chosen.values())


def test_every_command_and_kind_through_the_command_line(tmp_path, generated):
    every = {**CASES, **generated}
    cases = {name: every[name] for name in one_per_command_and_kind(every) if name not in SAMPLE}
    assert {(case.args[0], name.split("-")[0]) for name, case in {**cases, **{n: every[n] for n in SAMPLE}}.items()} \
        == {(case.args[0], name.split("-")[0]) for name, case in every.items()}
    procs = run_all(cases, tmp_path)
    failures = []
    for name, case in cases.items():
        try:
            assert_one_line_error(procs[name], case.subject, case.expected)
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    assert not failures, "\n".join(failures)
    assert list(tmp_path.iterdir()) == []


def test_tiny_scenario_is_valid(tmp_path):
    # the demand-path cases fail because of their paths file, not the scenario
    proc = netinv(("validate", str(TINY)), tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("ok: "), proc.stderr


# --- the older corpora through the real command line --------------------------------------------------

OLD_SCENARIOS = sorted(p for p in (DATA / "bad").iterdir() if p.is_file() and p.name != "transshipment_cycle_ok.yaml")
OLD_WILLEMS = sorted(p for p in (DATA / "bad_willems").iterdir() if p.is_file())


def test_older_corpora_through_the_command_line(tmp_path):
    """One file of each format as a real subprocess; every file of these corpora runs in-process with
    stricter checks (tests/test_bad_input.py, tests/test_bad_willems.py)."""
    files = [*OLD_SCENARIOS, *OLD_WILLEMS]
    assert len(files) >= 80
    one_per_format = {p.suffix: p for p in reversed(files)}
    assert set(one_per_format) == {".yaml", ".json", ".graphml", ".txt", ".csv"}
    cases = {str(p): Case(("validate", str(p)), str(p), ()) for p in one_per_format.values()}
    procs = run_all(cases, tmp_path)
    for name, case in cases.items():
        assert_one_line_error(procs[name], case.subject, case.expected)
