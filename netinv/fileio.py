"""Files netinv writes, and how a run stops: one place for each.

- :func:`atomic_write_bytes` / :func:`atomic_write_text`: a temporary file beside the target, then a
  rename, so that a crash or a Ctrl-C never leaves a truncated file under the final name;
- :func:`check_output`: an output file name has the suffix of what is written there, checked before any
  work starts;
- stopping on a signal, in one of two ways: :func:`sigterm_as_interrupt`, SIGTERM stops a run the way
  Ctrl-C does (``KeyboardInterrupt``), so that finished work is kept and files stay whole; or
  :class:`StopOnSignal`, the first Ctrl-C or SIGTERM only sets a flag that a loop reads after its current
  step (the training loops of :mod:`netinv.learn`), and a second Ctrl-C stops at once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from netinv.errors import InputError


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; a failure is a one-line error and leaves nothing behind."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:  # Ctrl-C mid-write: the final name was never touched; leave no temporary file either
        _discard(tmp)
        raise
    return path


def _discard(tmp: Path) -> None:
    """Remove a temporary file if there is one (its folder may not even exist: ``-o a_file/out.yaml``)."""
    try:
        tmp.unlink(missing_ok=True)
    except OSError:
        pass


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def check_output(path: str | Path, suffixes: tuple[str, ...], what: str) -> Path:
    """``path`` as a Path when its suffix (any case) is one of ``suffixes``; else the one-line error
    ``<path>: <what>; use a <first suffix> file name``."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{path}: {what}; use a {suffixes[0]} file name")
    return path


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``KeyboardInterrupt`` (in the main thread; elsewhere signals cannot
    be handled and nothing changes); the previous handler is restored at the end."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class StopOnSignal:
    """Within the block, the first SIGINT or SIGTERM sets a flag (:meth:`is_set`; the loop stops after its
    batch or step); a second SIGINT raises KeyboardInterrupt. The previous handlers are restored on exit.
    Outside the main thread signals cannot be caught: a no-op there."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.flag = threading.Event()
        self.previous: dict = {}

    def is_set(self) -> bool:
        return self.flag.is_set()

    def _handle(self, signum, frame):
        if self.flag.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.flag.set()

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False
