"""Files netinv writes, and how a run stops: one place for each.

- :func:`atomic_write_bytes` / :func:`atomic_write_text`: a temporary file beside the target, then a
  rename, so that a crash or a Ctrl-C never leaves a truncated file under the final name;
  :func:`create_exclusive`: the same for a file that must not exist yet (of two runs, one creates it);
- :func:`check_output`: an output file name has the suffix of what is written there and can be written
  (:func:`check_writable`: its folder exists and is a folder, the name is not a device, a folder or a pipe),
  checked before any work starts; :func:`make_folder` creates an output folder or says in one line why not;
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
    check_writable(path)  # never replace a device (/dev/full), a folder or a pipe by a file
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


def create_exclusive(path: str | Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` only if no file is there yet, atomically (a temporary file hard-linked to
    the final name: of two runs starting at once, exactly one creates it). True when this call created it,
    False when the file was already there; a failure to write is a one-line error and leaves nothing."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        _discard(tmp)


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
    return check_writable(path)


def check_writable(path: str | Path, *, folder: bool = False) -> Path:
    """``path`` as a Path when a file (``folder``: a folder) can be written there: an existing ``path`` is a
    regular file (a folder), and the nearest existing folder above it is a folder netinv may write in. Else
    the one-line :class:`~netinv.errors.InputError` saying why, before any work starts."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        if folder and not path.is_dir():
            raise InputError(f"{path}: cannot write: not a folder")
        if not folder and not path.is_file():
            kind = "a folder" if path.is_dir() else "not a regular file (a device, a pipe or a broken link)"
            raise InputError(f"{path}: cannot write: {kind}")
        if not os.access(path, os.W_OK):
            raise InputError(f"{path}: cannot write: permission denied")
        return path
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        if parent.is_symlink():
            raise InputError(f"{path}: cannot write: {parent} is a broken link")
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{path}: cannot write: {parent} is not a folder")
    if parent != path.absolute().parent and not folder:
        raise InputError(f"{path}: cannot write: the folder {path.absolute().parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{path}: cannot write: permission denied in {parent}")
    return path


def make_folder(path: str | Path) -> Path:
    """Create the output folder ``path`` (and its parents); a failure (a file in the way, no permission, a
    full disk) is a one-line :class:`~netinv.errors.InputError`."""
    path = check_writable(path, folder=True)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot create the folder: {exc.strerror or exc}") from None
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
