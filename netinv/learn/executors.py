"""Where the shards of a dataset are made: ``task(job)`` for each job, each result handed to ``finish`` in
this process as it completes.

- :func:`run_here`: one after the other in this process;
- :func:`run_pool`: on spawned worker processes, a pipe each (the ``local`` backend with workers > 1);
- :func:`run_ray`: as Ray tasks (the ``ray`` backend).

Every executor stops at once on KeyboardInterrupt (Ctrl-C, or SIGTERM within :func:`netinv.fileio.sigterm_as_interrupt`)
and drops the unfinished jobs; results already handed to ``finish`` stay.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import signal
import traceback
from collections.abc import Callable

from netinv.errors import InputError, NetinvError, SolverError


def run_here(jobs: list, task: Callable, finish: Callable) -> None:
    """``finish(*task(job))`` for each job in turn, in this process."""
    for job in jobs:
        finish(*task(job))


def _worker_loop(conn, task) -> None:
    """A worker process: jobs in, ``(True, task(job))`` or ``(False, (exception, traceback))`` out, over
    its own pipe. No lock is shared between processes, so killing a worker can never leave another
    process (or the parent) waiting on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if job is None:
            return
        try:
            reply = (True, task(job))
        except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
            reply = (False, (exc, traceback.format_exc()))
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its text goes instead
            conn.send((False, (None, reply[1][1])))


def run_pool(jobs: list, task: Callable, finish: Callable, workers: int) -> None:
    """``task(job)`` for each job on ``workers`` spawned processes with a pipe each; ``finish(*result)``
    gets each result as it completes (in this process). ``task`` must be a module-level function (it is
    pickled by name) and each job carries its ``shard`` index (named in errors). Any exception here
    (KeyboardInterrupt from Ctrl-C or SIGTERM included) kills every worker before it propagates: their
    unfinished shards are dropped."""
    context = multiprocessing.get_context("spawn")
    waiting = list(reversed(jobs))
    workers_started: list[tuple] = []
    try:
        for _ in range(min(workers, len(jobs))):
            conn, child_end = context.Pipe()
            process = context.Process(target=_worker_loop, args=(child_end, task), daemon=True)
            process.start()
            child_end.close()  # the worker holds the only other end: its death reads as end-of-file
            workers_started.append((process, conn))
        idle = [conn for _, conn in workers_started]
        busy: dict = {}  # connection -> shard
        while waiting or busy:
            while idle and waiting:
                job = waiting.pop()
                conn = idle.pop()
                conn.send(job)
                busy[conn] = job.shard
            # a timeout, so that a signal is seen at once
            for conn in multiprocessing.connection.wait(list(busy), timeout=0.5):
                shard = busy.pop(conn)
                try:
                    ok, value = conn.recv()
                except EOFError:
                    raise SolverError(f"dataset: the worker process making shard {shard} died") from None
                if not ok:
                    exc, text = value
                    if isinstance(exc, NetinvError):
                        raise exc
                    raise RuntimeError(f"dataset: shard {shard} failed in a worker process:\n{text}")
                finish(*value)
                idle.append(conn)
        for conn in idle:  # every shard is in: a worker already gone needs no word to stop
            with contextlib.suppress(OSError):
                conn.send(None)
    except BaseException:
        for process, _ in workers_started:
            process.kill()
        raise
    finally:
        for process, conn in workers_started:
            process.join(timeout=10)
            conn.close()


def run_ray(jobs: list, task: Callable, finish: Callable, address: str | None, workers: int) -> None:
    """``task(job)`` for each job as Ray tasks of one CPU, on the cluster at ``address`` or on a local Ray
    runtime of ``workers`` CPUs; ``finish(*result)`` as in :func:`run_pool`. Ray is imported only here."""
    try:
        import ray
    except ImportError:
        raise InputError("dataset: --backend ray needs Ray (pip install 'netinv[distributed]')") from None
    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    pending = []
    try:
        task = ray.remote(num_cpus=1)(task)
        pending = [task.remote(job) for job in jobs]
        while pending:
            ready, pending = ray.wait(pending, num_returns=1, timeout=0.5)
            for ref in ready:
                finish(*ray.get(ref))
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()
