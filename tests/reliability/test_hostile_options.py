"""A hostile corpus of command-line options and output paths, through the real entry point under a memory cap.

Every case runs ``netinv.cli.main`` in a child forked from one capped driver process
(:mod:`tests.reliability.hostile_options_driver`: ``RLIMIT_AS`` 3 GB, set before netinv is imported), in a folder
of its own holding a few fixtures (a file, a folder, checkpoint folders of other runs, a link to a device).
Each case must end with exit code 2 and exactly one stderr line ``error: ...`` naming the option or file,
nothing on stdout, no traceback, within its time, under 1.5 GB of resident memory, and leave the folder as
it found it (nothing written, nothing half-written).

The classes of issue 22, option side: sizes set by options refused before anything is allocated (1);
a checkpoint folder of another run and writes that cannot succeed refused (2); absurd numbers that would
make the JSON non-finite refused as bad input (3; the JSON of valid extremes: test_json_outputs.py); no
traceback on negative seeds, unwritable output paths, a full disk or a full stdout (4); every usage error
in one line, the same shape, invisible characters escaped (5).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "tests" / "data" / "reliability" / "tiny.yaml")
MARKET = ("--demand", "normal:100,30", "--price", "10", "--cost", "3", "--contract", "wholesale:w=6")
MAX_RSS_KB = 1_500_000
SEEDED = (  # every command with --seed, with what it needs besides
    ("simulate", TINY), ("plan", TINY), ("basestock", TINY), ("transship", TINY), ("risk", TINY),
    ("report", TINY), ("generate",), ("demo", TINY), ("contracts", "evaluate", *MARKET),
    ("dataset", "generate", "--networks", "1", "--out", "ds"), ("train", "--dataset", "adir", "--out", "m.pt"),
    ("evaluate",),
)


@dataclass(frozen=True)
class Case:
    """One hostile command line: what the error line must contain; ``stdout``: a file standing for
    stdout (``/dev/full``); ``fsize``: the file-size cap of a full disk; ``seconds``: its time limit."""

    args: tuple[str, ...]
    expected: tuple[str, ...]
    stdout: str | None = None
    fsize: int | None = None
    seconds: float = 60.0
    tags: tuple[str, ...] = field(default=())


def case(*args: str, says: str | tuple[str, ...], **settings) -> Case:
    return Case(tuple(args), (says,) if isinstance(says, str) else says, **settings)


CASES = [
    # 1. bounded before it starts: sizes an option sets
    case("simulate", TINY, "--policy", "oracle", "--periods", "1000000", "--json",
         says=("ExactLimits.max_", "--policy gnn")),
    case("simulate", TINY, "--policy", "mpc-stochastic", "--periods", "100000", "--paths", "1000",
         says="ExactLimits.max_memory_bytes"),
    case("plan", TINY, "--horizon", "100000", "--scenarios", "100000", "--json", says="exact planning model"),
    case("contracts", "evaluate", *MARKET, "--monte-carlo", "1e11", says="--monte-carlo: must be a whole number"),
    case("dataset", "generate", "--networks", "1", "--out", "ds", "--nodes", "5-100000000",
         says="--nodes: must be a range"),
    case("evaluate", "--nodes", "5-" + "9" * 5000, says="--nodes: must be a range"),
    case("generate", "--nodes", "100000000", says="--nodes: must be a whole number from 2 to"),
    case("risk", TINY, "--paths", "1000000", "--horizon", "100", says="MAX_TRACE_BYTES"),
    case("report", TINY, "--paths", "1000000", "--periods", "100000", says=("report: the trajectories", "GB")),
    case("transship", TINY, "--samples", "10000000", says="--samples"),
    case("demo", TINY, "--large", "10000000", says="--large"),
    case("evaluate", "--sizes", "100,1e9", says="--sizes"),
    case("train", "--dataset", "adir", "--out", "m.pt", "--hidden", "100000000", says="--hidden"),
    case("simulate", TINY, "--paths", "99999999999999999999999", says="--paths"),
    # 2. never silently wrong: another run's checkpoint, a picture "written" to a device
    case("simulate", TINY, "--checkpoint", "blocks_no_identity", says="no identity.json"),
    case("simulate", TINY, "--checkpoint", "blocks_other_run", "--seed", "2", says="blocks of another simulation"),
    case("contracts", "compare", *MARKET, "--plot", "/dev/full", says="use a .png file name"),
    case("contracts", "compare", *MARKET, "--plot", "device.png", says="not a regular file"),
    case("gsm", TINY, "--plot", "device.png", says="device.png: cannot write: not a regular file"),
    # 3. non-finite results refused where the input is absurd
    case("contracts", "evaluate", "--demand", "normal:1e308,1e308", *MARKET[2:], says="demand normal: mean"),
    case("contracts", "evaluate", "--demand", "gamma:1e-300,1e300", *MARKET[2:], says="demand gamma: mean"),
    case("contracts", "evaluate", "--demand", "uniform:0,1e308", *MARKET[2:], says="demand uniform: high"),
    case("contracts", "evaluate", "--demand", "normal:100,30", "--price", "1e308", "--cost", "3", "--contract",
         "wholesale:w=6", says="--price: must be a finite number"),
    case("contracts", "compare", *MARKET, "--salvage", "nan", says="--salvage"),
    case("contracts", "evaluate", *MARKET, "--goodwill-retailer", "-inf", says="--goodwill-retailer"),
    # 4. no traceback: negative and huge seeds, unwritable outputs, a full disk, a full stdout
    *[case(*words, "--seed", "-1", says="--seed: must be a whole number from 0 to") for words in SEEDED],
    case("simulate", TINY, "--seed", str(2**64), says="--seed"),
    case("report", TINY, "-o", "afile/r.html", says="afile is not a folder"),
    case("report", TINY, "-o", "adir.html", says="adir.html: cannot write: a folder"),
    case("report", TINY, "-o", "missing/r.html", says="missing does not exist"),
    case("report", TINY, "-o", "r.html", "--png", "afile", says="afile: cannot write: not a folder"),
    case("risk", TINY, "--plot", "missing/x.png", says="missing does not exist"),
    case("gsm", TINY, "--plot", "afile/x.png", says="afile is not a folder"),
    case("transship", TINY, "--plot", "afile/x.png", says="afile is not a folder"),
    case("contracts", "compare", *MARKET, "--plot", "afile/x.png", says="afile is not a folder"),
    case("simulate", TINY, "--checkpoint", "afile/ck", says="afile is not a folder"),
    case("simulate", TINY, "--checkpoint", "afile", says="afile: cannot write: not a folder"),
    case("plan", TINY, "--csv", "afile/x", says="afile is not a folder"),
    case("finetune", "--out", "afile/m.pt", says="afile"),
    case("adapt", TINY, "--out", "adir", says="adir: cannot write: a folder"),
    case("evaluate", "--out", "afile/ev", says="afile is not a folder"),
    case("dataset", "generate", "--networks", "1", "--out", "afile", says="afile: cannot write: not a folder"),
    case("generate", "-o", "adir.yaml", says="adir.yaml: cannot write: a folder"),
    case("convert", TINY, "-o", "afile/x.yaml", says="afile is not a folder"),
    case("generate", "--nodes", "2000", "-o", "big.yaml", fsize=4096, says="big.yaml: cannot write: File too large"),
    case("plan", TINY, "--horizon", "200", "--csv", "csv", fsize=512, says="cannot write: File too large"),
    case("info", TINY, "--json", stdout="/dev/full", says="stdout: cannot write: No space left on device"),
    case("simulate", TINY, "--paths", "2", "--periods", "5", stdout="/dev/full", says="stdout: cannot write"),
    case("plan", TINY, "--horizon", "3", "--json", stdout="/dev/full", says="stdout: cannot write"),
    # 5. one line, the same shape: usage errors and escaped ids
    case("simulate", TINY, "--paths", "0", says="--paths: must be a whole number from 1 to 10,000,000, got 0"),
    case("simulate", TINY, "--periods", "nan", says="--periods: must be a whole number"),
    case("simulate", TINY, "--polcy", "oracle", says="--polcy: no such option (did you mean --policy?)"),
    case("simulate", says="FILE: missing (required)"),
    case("simulate", TINY, "--policy", "nonsense", says="--policy:"),
    case("simulate", TINY, "surplus", says="netinv simulate: got unexpected extra argument"),
    case("contracts", "evaluate", "--price", "3", says="--demand: missing (required)"),
    case("plan", TINY, "--mip-gap", "nan", says="--mip-gap: must be a finite number"),
    case("plan", TINY, "--time-limit", "inf", says="--time-limit: must be a finite number"),
    case("gsm", TINY, "--time-limit", "-1", says="--time-limit"),
    case("train", "--dataset", "adir", "--out", "m.pt", "--lr", "0", says="--lr: must be a finite number greater"),
    case("nonsense", says="netinv: no such command"),
    case("report", TINY, "-o", says="-o: option '-o' requires an argument"),
    case("info", "hidden\u200b\u202eid.yaml", says="hidden\\u200b\\u202eid.yaml"),
    case("contracts", "evaluate", "--demand", "normal:100,30", "--price", "10", "--cost", "3", "--contract",
         "wholesale:w=6\u202e", says="\\u202e"),
]


def _fixtures(folder: Path) -> None:
    """A file, a folder, two checkpoint folders of other runs and a link to a device."""
    folder.mkdir()
    (folder / "afile").write_text("x")
    (folder / "adir").mkdir()
    (folder / "adir.html").mkdir()
    (folder / "adir.yaml").mkdir()
    (folder / "blocks_no_identity").mkdir()
    (folder / "blocks_no_identity" / "block-000000.npz").write_bytes(b"PK")
    (folder / "blocks_other_run").mkdir()
    (folder / "blocks_other_run" / "identity.json").write_text(json.dumps({"seed": 1}))
    (folder / "blocks_other_run" / "block-000000.npz").write_bytes(b"PK")
    (folder / "device.png").symlink_to("/dev/full")


def _listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): (p.lstat().st_size if not p.is_dir() else -1) for p in folder.rglob("*")}


def _results(base: Path):
    """Every case's result, from one capped driver process."""
    jobs, before = [], []
    for k, item in enumerate(CASES):
        folder = base / f"case{k:03d}" / "work"
        folder.parent.mkdir()
        _fixtures(folder)
        before.append(_listing(folder))
        jobs.append({"args": list(item.args), "folder": str(folder), "stdout": item.stdout, "fsize": item.fsize,
                     "timeout": item.seconds})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "tests.reliability.hostile_options_driver"], input=json.dumps(jobs),
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout)
    return [(item, result, before[k], _listing(base / f"case{k:03d}" / "work"))
            for k, (item, result) in enumerate(zip(CASES, found, strict=True))]


def _one_line_exit_2(item, result, before, after) -> None:
    err = result["stderr"]
    assert result["code"] == 2, (result["code"], err[-2000:])
    assert err.count("\n") == 1 and err.startswith("error: "), err[-2000:]
    assert "Traceback" not in err
    for words in item.expected:
        assert words in err, (words, err)
    assert result["stdout"] == ""
    assert result["seconds"] < item.seconds
    assert result["max_rss_kb"] < MAX_RSS_KB, result["max_rss_kb"]
    assert after == before, sorted(set(after) ^ set(before))  # nothing written, nothing half-written


# One test for all cases (one capped driver process): as one test it runs on one pytest-xdist worker,
# where a module fixture would run on every worker. Each case is checked and every failing one named.
def test_hostile_options_are_one_line_exit_2_bounded_and_leave_nothing(tmp_path):
    failures = []
    for item, result, before, after in _results(tmp_path):
        try:
            _one_line_exit_2(item, result, before, after)
        except AssertionError as exc:
            failures.append(f"netinv {' '.join(item.args)[:120]}: {exc}")
    assert not failures, "\n".join(failures)


def test_every_numeric_option_has_a_range():
    """The command line's numeric options all go through netinv/cli/common.py's checked parsers."""
    import netinv.cli
    from netinv.cli import app

    del netinv
    import typer.main

    command = typer.main.get_command(app)
    unchecked = []
    for name, sub in _commands(command):
        for param in sub.params:
            kind = getattr(getattr(param, "type", None), "name", "")
            if kind in ("integer", "float", "integer range", "float range"):
                unchecked.append(f"{name} {param.opts[0]}")
    assert unchecked == [], unchecked


def _commands(command, prefix=""):
    subs = getattr(command, "commands", None)
    if not subs:
        yield prefix.strip(), command
        return
    for name, sub in subs.items():
        yield from _commands(sub, f"{prefix} {name}")
