"""Interruption of long jobs by real signals sent to real processes: the job stops within a few seconds,
keeps what it finished, and the same command resumes to the result of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS, restore_sigint

NETINV = [sys.executable, "-c", "from netinv.cli import main; main()"]


PATHS = 20  # the first 20 published paths: 20 blocks, enough to stop after 5 and leave work to resume


@pytest.fixture(scope="module")
def published_paths(tmp_path_factory) -> Path:
    lines = (SCENARIOS / "perez2021_demand_paths_backlog.csv").read_text().splitlines()
    path = tmp_path_factory.mktemp("paths") / "paths.csv"
    path.write_text("\n".join(lines[: PATHS + 1]) + "\n")
    return path


def _simulate(checkpoint: Path, paths: Path) -> list[str]:
    return [*NETINV, "simulate", str(SCENARIOS / "perez2021_network.yaml"), "--policy", "mpc-stochastic",
            "--scenarios", "5", "--demand-paths", str(paths), "--periods", "30", "--checkpoint", str(checkpoint),
            "--json", "--no-timings"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, published_paths) -> dict:
    """The uninterrupted run both signal tests compare with (run once)."""
    whole = subprocess.run(_simulate(tmp_path_factory.mktemp("whole") / "blocks", published_paths),
                           capture_output=True, text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr
    return json.loads(whole.stdout)


def _stop_when(proc: subprocess.Popen, ready, sig: int, timeout: float = 120.0) -> float:
    """Send ``sig`` once ``ready()`` holds; return the seconds the process took to exit after it."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the job never reached the point to interrupt"
        time.sleep(0.05)
    sent = time.monotonic()
    proc.send_signal(sig)
    proc.wait(timeout=30)
    return time.monotonic() - sent


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_simulation_resumes_after_a_signal(tmp_path, sig, published_paths, uninterrupted):
    """The signal lands right after block 5 is written, so usually before the next block's first period ends:
    that cut block holds nothing, and the run must still end as interrupted (exit 130), not as a finished run
    of 5 paths (the bug this test found)."""
    folder = tmp_path / "cut"
    proc = subprocess.Popen(_simulate(folder, published_paths), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=restore_sigint)
    waited = _stop_when(proc, lambda: len(list(folder.glob("block-*.npz"))) >= 5, sig)
    _, err = proc.communicate()
    assert proc.returncode == 130, err
    assert waited < 5.0
    assert "Traceback" not in err and "run the same command again to resume" in err
    kept = sorted(folder.glob("block-*.npz"))
    assert 5 <= len(kept) < PATHS
    assert not list(folder.glob("*.tmp"))  # nothing half-written
    stamps = {p.name: p.stat().st_mtime_ns for p in kept}

    again = subprocess.run(_simulate(folder, published_paths), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    resumed, reference = json.loads(again.stdout), dict(uninterrupted)
    # the solver's counters describe this process's work: fewer solves after a resume
    assert resumed.pop("solver")["solves"] < reference.pop("solver")["solves"]
    assert resumed == reference
    assert all(p.stat().st_mtime_ns == stamps[p.name] for p in kept)  # finished blocks were not recomputed


def test_a_checkpoint_of_another_run_is_refused(tmp_path):
    from tests.reliability.test_malformed_corpus import netinv

    folder = tmp_path / "blocks"
    first = netinv(("simulate", str(SCENARIOS / "retail_network.yaml"), "--periods", "30", "--paths", "8",
                    "--checkpoint", str(folder), "--json"), tmp_path)
    assert first.returncode == 0, first.stderr
    other = netinv(("simulate", str(SCENARIOS / "retail_network.yaml"), "--periods", "30", "--paths", "8",
                    "--seed", "5", "--checkpoint", str(folder), "--json"), tmp_path)
    assert other.returncode == 2
    assert other.stderr.strip().count("\n") == 0 and "another simulation" in other.stderr


@pytest.mark.slow
def test_evaluation_resumes_after_sigterm(tmp_path):
    """``netinv evaluate`` (what benchmarks/bench_gnn.py runs) keeps each finished network."""
    import torch

    from netinv.learn.checkpoint import save_model
    from netinv.learn.model import ModelConfig, OrderGNN

    torch.manual_seed(0)
    model = tmp_path / "tiny.pt"
    save_model(OrderGNN(ModelConfig(hidden=8, layers=1)), model, {"note": "untrained, for tests"})

    def command(out: Path) -> list[str]:
        return [*NETINV, "evaluate", "--model", str(model), "--out", str(out), "--suite", "held-out",
                "--held-out", "4", "--paths", "2", "--periods", "6", "--nodes", "5-7", "--json"]

    whole = subprocess.run(command(tmp_path / "whole"), capture_output=True, text=True, timeout=900)
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "cut"
    results = out / "results.json"

    def finished() -> int:
        try:
            return len(json.loads(results.read_text())["units"])
        except (OSError, ValueError):
            return 0

    proc = subprocess.Popen(command(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    waited = _stop_when(proc, lambda: finished() >= 1, signal.SIGTERM)
    _, err = proc.communicate()
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert waited < 10.0
    kept = finished()
    assert 1 <= kept < 4
    again = subprocess.run(command(out), capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["rows"] == json.loads(whole.stdout)["rows"]


@pytest.mark.slow
def test_a_benchmark_resumes_after_sigterm(tmp_path):
    """A benchmark keeps each finished unit; the same command reads them back and measures only the rest
    (benchmarks/_resume.py). The measured values (not the timings) equal those of an uninterrupted run."""
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, str(root / "benchmarks" / "bench_transship.py"), "--locations", "2", "20",
               "--samples", "2000", "5000", "20000", "--extensive-cap", "0", "--no-record"]

    def rows(stdout: str) -> dict[str, list[str]]:  # (locations, samples) -> the columns that are not seconds
        cells = [line.strip("|").split("|") for line in stdout.splitlines() if line.startswith("| ")]
        return {f"{c[0].strip()}x{c[2].strip()}": [x.strip() for x in c[:9]] for c in cells[1:]}

    whole = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=root,
                           env={**os.environ, "NETINV_BENCH_STATE": str(tmp_path / "whole")})
    assert whole.returncode == 0, whole.stderr
    state = tmp_path / "cut"
    env = {**os.environ, "NETINV_BENCH_STATE": str(state)}

    def kept() -> dict:
        try:
            return json.loads(next(state.glob("transship-*.json")).read_text())["units"]
        except (StopIteration, OSError, ValueError):
            return {}

    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root, env=env)
    waited = _stop_when(proc, lambda: len(kept()) >= 1, signal.SIGTERM)
    _, err = proc.communicate()
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert "run the same command again to resume" in err and waited < 10.0
    finished = kept()
    assert 1 <= len(finished) < 6
    assert not list(state.glob("*.tmp")) and not list(state.glob(".*.tmp"))

    again = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=root, env=env)
    assert again.returncode == 0, again.stderr
    assert f"Resumed run: {len(finished)} unit(s) were read back" in again.stdout
    resumed = rows(again.stdout)
    for key, unit in finished.items():  # read back as kept, timings included
        assert resumed[key] == [str(x) for x in unit["row"][:9]]
    assert resumed == rows(whole.stdout)
    assert not list(state.glob("transship-*.json"))  # forgotten once the table is out
