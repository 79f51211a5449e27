"""Run ``netinv.cli.main`` on many command lines from one process: each in a fresh forked child.

Used by :mod:`tests.reliability.test_hostile_readers`, which starts this module once as
``python -m tests.reliability.hostile_driver`` under a memory cap. It reads a JSON list of cases from
stdin, ``{"name", "argv", "cwd", "timeout"}``, imports netinv's command line (and, with
``--checkpoints DIR``, torch and PyG, building :data:`CHECKPOINTS` in DIR) once, then for every case forks a child that runs ``netinv.cli.main()`` with that
``argv`` in that folder, its stdout and stderr in files. A child still running after ``timeout``
seconds is killed (exit code ``"timeout"``). It prints one JSON list: per case the exit code, stdout,
stderr, wall seconds and the largest resident size of any child so far (KiB).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import tempfile
import time
import zipfile
from pathlib import Path


def run_case(case: dict, scratch: str) -> dict:
    out_path, err_path = os.path.join(scratch, "stdout"), os.path.join(scratch, "stderr")
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: the real entry point, its streams in files
        code = 1
        try:
            os.chdir(case["cwd"])
            for fd, path in ((1, out_path), (2, err_path)):
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(handle, fd)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            sys.argv = ["netinv", *case["argv"]]
            from netinv.cli import main

            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    deadline = start + case["timeout"]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = "timeout"
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    with open(out_path, encoding="utf-8", errors="replace") as handle:
        stdout = handle.read()
    with open(err_path, encoding="utf-8", errors="replace") as handle:
        stderr = handle.read()
    return {"name": case["name"], "code": code, "stdout": stdout[-2000:], "stderr": stderr[-4000:],
            "seconds": seconds, "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


CHECKPOINTS = ("good.pt", "good.json", "huge.pt", "big.pt", "nan.pt", "flipped.pt", "card_deep.pt", "card_deep.json",
               "card_type.pt", "card_type.json")


def make_checkpoints(folder: Path) -> None:
    """Checkpoints built from a real model (:data:`CHECKPOINTS`): a good one and its card; a configuration
    asking for 1e9-wide, 1e6-deep layers; one at the limits whose weights do not fit it; NaN weights; one
    changed byte inside a weight's data (the zip's CRC no longer matches); the good model beside a card
    nested 100,000 deep and beside a card whose fields have the wrong types (the card is only advice:
    the model must run)."""
    import torch

    from netinv.learn.checkpoint import load_checkpoint, save_checkpoint, save_model
    from netinv.learn.model import ModelConfig, OrderGNN

    save_model(OrderGNN(ModelConfig(hidden=8, layers=1)), folder / "good.pt", {"data": {}})
    payload = load_checkpoint(folder / "good.pt")
    save_checkpoint({**payload, "config": {**payload["config"], "hidden": 10**9, "layers": 10**6}}, folder / "huge.pt")
    save_checkpoint({**payload, "config": {**payload["config"], "hidden": 4096, "layers": 64}}, folder / "big.pt")
    weights = dict(payload["state_dict"])
    name = next(iter(weights))
    weights[name] = torch.full_like(weights[name], float("nan"))
    save_checkpoint({**payload, "state_dict": weights}, folder / "nan.pt")
    data = bytearray((folder / "good.pt").read_bytes())
    with zipfile.ZipFile(folder / "good.pt") as archive:  # a byte inside a weight's data, not in a header
        member = next(i for i in archive.infolist() if "/data/" in i.filename and i.file_size >= 16)
    header = member.header_offset  # the local header's own name and extra lengths (torch pads the extra field)
    offset = header + 30 + int.from_bytes(data[header + 26:header + 28], "little") + int.from_bytes(
        data[header + 28:header + 30], "little") + 4
    data[offset] ^= 0x40
    (folder / "flipped.pt").write_bytes(bytes(data))
    for name, card in (("card_deep", "[" * 100_000 + "]" * 100_000), ("card_type", '{"data": {"network": [5]}}')):
        (folder / f"{name}.pt").write_bytes((folder / "good.pt").read_bytes())
        (folder / f"{name}.json").write_text(card, encoding="utf-8")


def main() -> None:
    cases = json.load(sys.stdin)
    import netinv.cli  # noqa: F401 - imported once, before the children fork
    import netinv.history.cli  # noqa: F401
    import netinv.network  # noqa: F401

    if "--checkpoints" in sys.argv:  # torch and PyG too, and the checkpoints built with them
        import netinv.learn.policy  # noqa: F401

        make_checkpoints(Path(sys.argv[sys.argv.index("--checkpoints") + 1]))
    with tempfile.TemporaryDirectory() as scratch:
        results = [run_case(case, scratch) for case in cases]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
