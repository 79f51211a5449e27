"""Where shards are made: in this process, on worker processes, on Ray; all give the same shards, and a
signal stops them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netinv.errors import InputError
from netinv.learn.dataset import generate_dataset
from netinv.learn.executors import run_here, run_pool
from netinv.learn.shards import DatasetConfig
from tests.conftest import restore_sigint
from tests.learn.executor_tasks import Job, failing, square
from tests.learn.helpers import ARGS, OPTIONS, SHARDS, shard_bytes

ROOT = Path(__file__).resolve().parents[2]
CONFIG = DatasetConfig(**ARGS, **OPTIONS)


def test_run_here_and_run_pool_hand_every_result_to_finish():
    jobs = [Job(k) for k in range(5)]
    here, pooled = [], []
    run_here(jobs, square, lambda shard, value: here.append((shard, value)))
    run_pool(jobs, square, lambda shard, value: pooled.append((shard, value)), workers=2)
    assert here == [(k, k * k) for k in range(5)]
    assert sorted(pooled) == here


def test_a_failing_task_in_a_worker_is_raised_here():
    with pytest.raises(InputError, match="^job 1 cannot be made$"):  # netinv's own errors pass as they are
        run_pool([Job(0), Job(1)], failing, lambda *result: None, workers=2)


def test_worker_processes_give_the_same_shards_as_one_process(reference, tmp_path):
    out = tmp_path / "data"
    calls = []
    generate_dataset(out, **ARGS, workers=2, **OPTIONS, progress=lambda done, total: calls.append((done, total)))
    assert shard_bytes(out) == shard_bytes(reference)
    assert calls[0] == (0, CONFIG.shards) and calls[-1] == (CONFIG.shards, CONFIG.shards)
    assert [done for done, _ in calls] == list(range(CONFIG.shards + 1))


@pytest.mark.slow
def test_sigterm_stops_worker_processes_and_the_run_resumes(reference, tmp_path):
    out = tmp_path / "data"
    # once its first shard is entered the parent waits (so the signal always lands mid-run, however fast the
    # machine): the other worker may be busy or idle, or have a finished shard in its pipe
    code = ("import json, sys, time; from netinv.learn.dataset import generate_dataset; "
            "r = generate_dataset(sys.argv[1], networks=4, nodes=(5, 8), seed=1000, workers=2, periods=3, "
            "paths=2, networks_per_shard=1, progress=lambda done, total: done == 1 and time.sleep(120)); "
            "print(json.dumps(r))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=restore_sigint)
    deadline = time.monotonic() + 300
    while not any((out / name).exists() for name in SHARDS):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    first = json.loads(stdout.strip().splitlines()[-1])
    assert first["interrupted"] and first["shards_done"] == 1
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    generate_dataset(out, **ARGS, workers=2, **OPTIONS)
    assert shard_bytes(out) == shard_bytes(reference)


@pytest.mark.slow
def test_ray_backend_gives_the_same_shards_as_local(reference, tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "data"
    result = generate_dataset(out, **ARGS, backend="ray", workers=2, **OPTIONS)
    assert result["shards_made"] == CONFIG.shards
    assert shard_bytes(out) == shard_bytes(reference)
