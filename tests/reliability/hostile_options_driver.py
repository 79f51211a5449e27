"""Run many ``netinv`` command lines in one capped process: each in a forked child, as the console script
runs it (``netinv.cli.main``), in its own folder, under the memory cap of this process (``RLIMIT_AS``,
set before netinv is imported) and, where a case asks, a file-size cap that makes every write fail as a
full disk would (``RLIMIT_FSIZE``). Used by ``tests/reliability/test_hostile_options.py``.

Input on stdin: a JSON list of cases ``{"args": [...], "folder": DIR, "stdout": FILE or null, "fsize":
BYTES or null, "timeout": SECONDS}``. Output on stdout: one JSON object per case, in order: exit code,
stdout, stderr, wall seconds and peak resident memory (kB) of the child.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time


def start(case: dict) -> tuple[int, float]:
    """Fork a child running ``netinv ARGS`` in ``case["folder"]``; (its pid, its start time)."""
    folder = case["folder"]
    started = time.perf_counter()
    pid = os.fork()
    if pid:
        return pid, started
    code = 70  # the child: never returns
    try:
        os.chdir(folder)
        stdout = os.open(case["stdout"] or os.path.join(folder, "..", "out.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        stderr = os.open(os.path.join(folder, "..", "err.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(stdout, 1)
        os.dup2(stderr, 2)
        if case["fsize"] is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails (EFBIG)
            resource.setrlimit(resource.RLIMIT_FSIZE, (case["fsize"], case["fsize"]))
        sys.argv = ["netinv", *case["args"]]
        from netinv.cli import main

        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - the child must exit with its code whatever happens
            pass
        os._exit(code)


def finish(case: dict, pid: int, started: float, status: int, usage) -> dict:
    """The result of a finished child: exit code, stdout, stderr, wall seconds, peak resident memory (kB)."""
    def read(name: str) -> str:
        path = os.path.join(case["folder"], "..", name)
        return open(path, encoding="utf-8", errors="replace").read() if os.path.exists(path) else ""

    return {"code": os.waitstatus_to_exitcode(status), "stdout": "" if case["stdout"] else read("out.txt"),
            "stderr": read("err.txt"), "seconds": time.perf_counter() - started, "max_rss_kb": usage.ru_maxrss}


def run_all(cases: list[dict], workers: int = 2) -> list[dict]:
    """Every case, ``workers`` children at a time; a child past its timeout is killed (SIGKILL)."""
    results: list[dict | None] = [None] * len(cases)
    running: dict[int, tuple[int, float]] = {}  # pid -> (case index, start)
    waiting = list(range(len(cases)))
    while waiting or running:
        while waiting and len(running) < workers:
            k = waiting.pop(0)
            pid, started = start(cases[k])
            running[pid] = (k, started)
        for pid, (k, started) in list(running.items()):
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if not done and time.perf_counter() - started > cases[k]["timeout"]:
                os.kill(pid, signal.SIGKILL)
                done, status, usage = os.wait4(pid, 0)
            if done:
                results[k] = finish(cases[k], pid, started, status, usage)
                del running[pid]
        time.sleep(0.005)
    return results


def main() -> None:
    cap = int(os.environ.get("HOSTILE_MEMORY_CAP", str(3 * 1024**3)))
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    cases = json.load(sys.stdin)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401 - what the commands import, once, before the children fork
    import scipy.stats  # noqa: F401

    import netinv.cli  # noqa: F401
    import netinv.contracts.cli  # noqa: F401
    import netinv.contracts.evaluate  # noqa: F401
    import netinv.exact.fastlp  # noqa: F401
    import netinv.exact.limits  # noqa: F401
    import netinv.history.cli  # noqa: F401
    import netinv.report.build  # noqa: F401
    import netinv.sim.run  # noqa: F401

    results = run_all(cases)
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main()
