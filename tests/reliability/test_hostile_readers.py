"""A hostile corpus for everything netinv reads, run through the real command line under a memory cap.

Every input kind — scenario YAML, JSON, node-link JSON and GraphML, Willems CSV, history CSV, demand-path
CSV, levels JSON, the demand sample of a contract, checkpoints and their model cards — gets cases of the
three classes of issue 22 that concern readers:

1. bounded before it starts: a FIFO, a symlink to ``/dev/zero``, a file over the size limit, YAML alias
   expansion, nesting, a model configuration asking for huge layers, a GSM grid of 10,000-period stages,
   a history of 3e7 units a day (valid: it must run, bounded);
2. never silently wrong: keys, nodes and edges given twice, a GraphML attribute named ``source`` / ``id``,
   ``010`` read as a number, a checkpoint with NaN weights or a changed byte;
4. no traceback: 5,000-digit integers, Latin-1 bytes, a 200k-character field, a Willems threshold of 9,
   history nodes without id, a NUL in a file name, quantities of 1e300.

All cases run in ONE subprocess (:mod:`tests.reliability.hostile_driver`) started with
``RLIMIT_AS`` set to :data:`MEMORY_CAP`; it forks a child per case that runs ``netinv.cli.main`` in its
own empty folder. Each case asserts: exit code 2, exactly one stderr line ``error: ...`` naming the file,
nothing on stdout, the time under the per-case timeout, and the folder still empty (nothing left behind).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.hostile_driver import CHECKPOINTS

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP = 4 * 2**30  # address space of the driver and its children (torch and PyG imported: ~2 GiB)
CASE_TIMEOUT = 60  # seconds; a hang fails the case instead of blocking the suite
PEAK_RSS_KIB = 3 * 2**20  # the largest resident size any case may reach

NETWORK = """\
name: corpus
nodes:
  - {id: supplier, external_supply: true}
  - {id: dc, holding_cost: 0.5, initial_inventory: 40}
  - id: store
    holding_cost: 1.0
    demand: {distribution: poisson, mean: 8}
    shortage_cost: 9
    service_level: 0.95
edges:
  - {source: supplier, target: dc, lead_time: 2, unit_cost: 3}
  - {source: dc, target: store, lead_time: 1}
"""
HISTORY_NETWORK = NETWORK.replace("demand: {distribution: poisson, mean: 8}", "demand: {history: HISTORY}")
WILLEMS_HEADER = "stage_id,lead_time,max_s_time,cost_rate,risk_pool,ext_demand_mean,ext_demand_std,ext_demand_thres,up_stages\n"
LAUGHS = "".join(f"{a}: &{a} [{', '.join([f'*{b}'] * 10)}]\n" for b, a in zip("abcdefgh", "bcdefghi"))
GRAPHML = """<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="d0" for="edge" attr.name="{edge_key}" attr.type="string"/>
<key id="d1" for="node" attr.name="{node_key}" attr.type="string"/>
<graph edgedefault="directed">
<node id="a"/><node id="b"><data key="d1">x</data></node>{extra_node}
<edge source="a" target="b"><data key="d0">b</data></edge>{extra_edge}
</graph></graphml>
"""


def _history(days: int, quantity) -> str:
    import datetime as dt

    start = dt.date(2024, 1, 1)
    rows = [f"{start + dt.timedelta(days=k)},store,{quantity(k)}" for k in range(days)]
    return "date,node,quantity\n" + "\n".join(rows) + "\n"


def _scenario_cases(write) -> list[tuple]:
    """(name, argv, file the error names) of the scenario readers."""
    deep = "x: " + "[" * 5000 + "]" * 5000 + "\n"
    long_id = NETWORK.replace("id: dc,", f"id: {'d' * 200_000},")
    chain = ["name: chain", "nodes:"] + [
        f"  - {{id: s{k}, holding_cost: 1, processing_time: 10000"
        + (", demand: {distribution: normal, mean: 10, std: 3}, shortage_cost: 5, service_level: 0.95}" if k == 5 else "}")
        for k in range(6)] + ["edges:"] + [f"  - {{source: s{k}, target: s{k + 1}}}" for k in range(5)]
    files = {
        "laughs.yaml": LAUGHS,  # [1] 1e9 values once expanded
        "deep.yaml": deep,  # [1] nesting
        "dupkey.yaml": NETWORK.replace("holding_cost: 1.0", "holding_cost: 1.0\n    holding_cost: 2.0"),  # [2]
        "octal.yaml": NETWORK.replace("lead_time: 2", "lead_time: 010"),  # [2] not 8
        "bigint.yaml": NETWORK.replace("holding_cost: 1.0", "holding_cost: " + "9" * 5000),  # [4]
        "latin1.yaml": NETWORK.replace("corpus", "caf\xe9").encode("latin-1"),  # [4]
        "longid.yaml": long_id,  # [4] a 200k-character field
        "dupkey.json": '{"name": "x", "name": "y", "nodes": [], "edges": []}',  # [2]
        "bigint.json": '{"name": "x", "nodes": [{"id": "a", "holding_cost": ' + "7" * 5000 + "}], \"edges\": []}",  # [4]
        "deep.json": "[" * 100_000 + "]" * 100_000,  # [4]
        "dupnode.json": json.dumps({"directed": True, "multigraph": False, "graph": {"name": "x"},
                                    "nodes": [{"id": "a"}, {"id": "a", "holding_cost": 5}], "links": []}),  # [2]
        "dupedge.json": json.dumps({"directed": True, "multigraph": False, "graph": {"name": "x"},
                                    "nodes": [{"id": "a"}, {"id": "b"}],
                                    "links": [{"source": "a", "target": "b", "lead_time": 1},
                                              {"source": "a", "target": "b", "lead_time": 9}]}),  # [2]
        "source.graphml": GRAPHML.format(edge_key="source", node_key="holding_cost", extra_node="", extra_edge=""),
        "nodeid.graphml": GRAPHML.format(edge_key="lead_time", node_key="id", extra_node="", extra_edge=""),
        "dupnode.graphml": GRAPHML.format(edge_key="x", node_key="y", extra_node='<node id="a"/>', extra_edge=""),
        "dupedge.graphml": GRAPHML.format(edge_key="x", node_key="y", extra_node="",
                                          extra_edge='<edge source="a" target="b"/>'),
        "entities.graphml": '<?xml version="1.0"?>\n<!DOCTYPE g [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {b} "{("&" + a + ";") * 10}">' for a, b in zip("abcdefgh", "bcdefghi"))
        + ']>\n<graphml><graph edgedefault="directed"><node id="&i;"/></graph></graphml>\n',  # [1]
        "latin1.graphml": GRAPHML.format(edge_key="x", node_key="caf\xe9", extra_node="",
                                         extra_edge="").encode("latin-1"),  # [4]
        "threshold9.csv": WILLEMS_HEADER + "a,2,,1,,,,,\nb,3,,2,,10,3,9,a,1\n",  # [4] ZeroDivisionError before
        "latin1.csv": (WILLEMS_HEADER + "caf\xe9,2,,1,,,,,\n").encode("latin-1"),  # [4]
        "longfield.csv": WILLEMS_HEADER + "a" * 200_000 + ",2,,1,,,,,\n",  # [4]
        "chain.yaml": "\n".join(chain) + "\n",  # [1] GSM grid
    }
    for name, text in files.items():
        write(name, text)
    write("fifo.yaml", None)  # [1]
    os.symlink("/dev/zero", write.folder / "zero.yaml")  # [1]
    with open(write.folder / "huge.yaml", "wb") as handle:  # [1] sparse: 40 MiB on paper, nothing on disk
        handle.truncate(40 * 2**20)
    os.mkfifo(write.folder / "fifo.csv")  # [1] Willems
    cases = [(f"validate-{name}", ["validate", name], name) for name in
             ["fifo.yaml", "zero.yaml", "huge.yaml", "fifo.csv", *files] if name != "chain.yaml"]
    return cases + [("gsm-chain.yaml", ["gsm", "chain.yaml"], "stage 's")]


def _history_cases(write) -> list[tuple]:
    base = HISTORY_NETWORK
    write("sales.csv", _history(60, lambda k: 10 + k % 5))
    write("e300.csv", _history(60, lambda k: "1e300"))  # [4]
    write("latin1_sales.csv", ("date,node,quantity\n2024-01-01,store,5\n2024-01-02,st\xf6re,5\n").encode("latin-1"))
    write("sales_fifo.csv", None)  # [1]
    scenarios = {
        "h_fifo.yaml": base.replace("HISTORY", "sales_fifo.csv"),
        "h_e300.yaml": base.replace("HISTORY", "e300.csv"),
        "h_latin1.yaml": base.replace("HISTORY", "latin1_sales.csv"),
        "h_nul.yaml": base.replace("HISTORY", '"sal\\0es.csv"'),  # [4]
        "h_noid.yaml": base.replace("  - id: store\n", "  - holding: x\n").replace("target: store", "target: dc"),
        "h_nodes5.json": '{"name": "x", "nodes": 5, "edges": [], "demand": {"history": "sales.csv"}}',
    }
    for name, text in scenarios.items():
        write(name, text)
    cases = [(f"validate-{name}", ["validate", name], name) for name in scenarios]
    cases[0] = ("validate-h_fifo.yaml", ["validate", "h_fifo.yaml"], "sales_fifo.csv")
    cases[2] = ("validate-h_latin1.yaml", ["validate", "h_latin1.yaml"], "latin1_sales.csv")
    cases += [
        ("data-check-fifo", ["data", "check", "sales_fifo.csv"], "sales_fifo.csv"),
        ("forecast-h_nul", ["data", "forecast", "h_nul.yaml"], "h_nul.yaml"),
        ("risk-h_noid", ["risk", "h_noid.yaml", "--paths", "100"], "h_noid.yaml"),
    ]
    return cases


def _simulate_cases(write) -> list[tuple]:
    write("net.yaml", NETWORK)
    write("paths_latin1.csv", "path,t0,t1\n0,5,6\n1,5,caf\xe9\n".encode("latin-1"))
    write("paths_long.csv", "path,t0,t1\n0,5," + "6" * 200_000 + "\n")
    write("paths_fifo.csv", None)
    write("levels_deep.json", "[" * 100_000 + "]" * 100_000)
    write("levels_bigint.json", '{"store": ' + "1" * 5000 + "}")
    write("levels_dup.json", '{"store": 10, "dc": 5, "store": 99}')
    write("levels_fifo.json", None)
    write("sample_latin1.csv", "demand\n5\n6\ncaf\xe9\n".encode("latin-1"))
    write("sample_long.csv", "demand\n5\n" + "7" * 200_000 + "\n")
    write("sample_fifo.csv", None)
    os.symlink("/dev/zero", write.folder / "sample_zero.csv")
    sim = ["simulate", "net.yaml", "--periods", "5", "--paths", "2"]
    contract = ["contracts", "evaluate", "--price", "10", "--cost", "4", "--contract", "wholesale:w=6", "--demand"]
    cases = [(f"simulate-{name}", [*sim, "--demand-paths", name], name)
             for name in ("paths_latin1.csv", "paths_long.csv", "paths_fifo.csv")]
    cases += [(f"simulate-{name}", [*sim, "--levels", name], name)
              for name in ("levels_deep.json", "levels_bigint.json", "levels_dup.json", "levels_fifo.json")]
    cases += [(f"contract-{name}", [*contract, f"empirical:{write.folder / name}"], name)
              for name in ("sample_latin1.csv", "sample_long.csv", "sample_fifo.csv", "sample_zero.csv")]
    return cases


def _checkpoint_cases(write) -> list[tuple]:
    """Checkpoints (built by the driver, :func:`~tests.reliability.hostile_driver.make_checkpoints`): huge
    configuration, weights that do not fit one at the limits, NaN weights, a changed byte; a FIFO."""
    write("fifo.pt", None)
    gnn = ["simulate", "net.yaml", "--policy", "gnn", "--periods", "3", "--paths", "2", "--model"]
    return [(f"gnn-{name}", [*gnn, name], name) for name in ("huge.pt", "big.pt", "nan.pt", "flipped.pt", "fifo.pt",
                                                             "card_deep.pt", "card_type.pt")]


class _Writer:
    def __init__(self, folder: Path):
        self.folder = folder

    def __call__(self, name: str, content) -> None:
        path = self.folder / name
        if content is None:
            os.mkfifo(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


_SUFFIXES = (".yaml", ".json", ".csv", ".graphml", ".pt")


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _drive(corpus: Path, cases: list[tuple], tmp: Path) -> dict:
    jobs = []
    for name, argv, _ in cases:
        cwd = tmp / "out" / name
        cwd.mkdir(parents=True)
        jobs.append({"name": name, "argv": [str(corpus / a) if a.endswith(_SUFFIXES) and ":" not in a else a for a in argv],
                     "cwd": str(cwd), "timeout": CASE_TIMEOUT})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "tests.reliability.hostile_driver", "--checkpoints", str(corpus)],
                          input=json.dumps(jobs), capture_output=True, text=True, cwd=ROOT, env=env,
                          preexec_fn=_cap, timeout=CASE_TIMEOUT * len(jobs) + 120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {r["name"]: r for r in json.loads(proc.stdout)}


def _corpus(tmp: Path):
    """The corpus on disk, run once: {case name: (result, file named)}."""
    folder = tmp / "corpus"
    folder.mkdir()
    write = _Writer(folder)
    cases = _scenario_cases(write) + _history_cases(write) + _simulate_cases(write) + _checkpoint_cases(write)
    before = sorted(p.name for p in folder.iterdir())
    results = _drive(folder, cases, tmp)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*before, *CHECKPOINTS])  # nothing else written
    return {name: (results[name], named, tmp / "out" / name) for name, _, named in cases}


CASE_NAMES = [  # the ids, listed so that each case is its own test
    *(f"validate-{n}" for n in (
        "fifo.yaml", "zero.yaml", "huge.yaml", "fifo.csv", "laughs.yaml", "deep.yaml", "dupkey.yaml", "octal.yaml",
        "bigint.yaml", "latin1.yaml", "longid.yaml", "dupkey.json", "bigint.json", "deep.json", "dupnode.json",
        "dupedge.json", "source.graphml", "nodeid.graphml", "dupnode.graphml", "dupedge.graphml",
        "entities.graphml", "latin1.graphml", "threshold9.csv", "latin1.csv", "longfield.csv", "h_fifo.yaml",
        "h_e300.yaml", "h_latin1.yaml", "h_nul.yaml", "h_noid.yaml", "h_nodes5.json")),
    "gsm-chain.yaml", "data-check-fifo", "forecast-h_nul", "risk-h_noid",
    *(f"simulate-{n}" for n in ("paths_latin1.csv", "paths_long.csv", "paths_fifo.csv", "levels_deep.json",
                                "levels_bigint.json", "levels_dup.json", "levels_fifo.json")),
    *(f"contract-{n}" for n in ("sample_latin1.csv", "sample_long.csv", "sample_fifo.csv", "sample_zero.csv")),
    *(f"gnn-{n}" for n in ("huge.pt", "big.pt", "nan.pt", "flipped.pt", "fifo.pt")),
]
RUNS = ["gnn-card_deep.pt", "gnn-card_type.pt"]  # a model card is advice: a broken one never stops the run


def _one_line_exit_2(corpus, name) -> None:
    result, named, out = corpus[name]
    lines = result["stderr"].splitlines()
    assert result["code"] == 2, (name, result["code"], result["stderr"][-1500:])
    assert len(lines) == 1 and lines[0].startswith("error: "), result["stderr"][-1500:]
    assert named in lines[0] and "bug" not in lines[0], lines[0]
    assert len(lines[0]) < 1000, lines[0][:200]  # a 200k-character value is not echoed whole
    assert result["stdout"] == ""
    assert result["seconds"] < CASE_TIMEOUT and result["maxrss_kib"] < PEAK_RSS_KIB
    assert list(out.iterdir()) == []


def _model_still_runs(corpus, name) -> None:
    result, _, out = corpus[name]
    assert result["code"] == 0 and result["stderr"] == "", result["stderr"][-1500:]
    assert list(out.iterdir()) == []


# One test for the whole corpus (one capped subprocess, torch and PyG imported once, ~30 s of CPU): as
# one test it runs on one pytest-xdist worker, where a module fixture would run on every worker. Each
# case is checked and every failing case is named.
@pytest.mark.slow
def test_hostile_inputs_are_one_line_exit_2_bounded_and_leave_nothing(tmp_path):
    corpus = _corpus(tmp_path)
    assert sorted(corpus) == sorted(CASE_NAMES + RUNS)  # every case is listed
    failures = []
    for names, check in ((CASE_NAMES, _one_line_exit_2), (RUNS, _model_still_runs)):
        for name in names:  # each case its own verdict
            try:
                check(corpus, name)
            except AssertionError as exc:
                failures.append(f"{name}: {exc}")
    assert not failures, "\n".join(failures)
