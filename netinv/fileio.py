"""Files netinv reads and writes, and how a run stops: one place for each.

- :func:`read_input_bytes` / :func:`read_input_text` / :func:`read_input_json`: every file netinv reads
  (scenarios, histories, demand paths, levels, samples, checkpoints and their cards) is read here, bounded
  before anything is allocated: only a regular file (a FIFO, a device such as ``/dev/zero``, a symlink to
  one, a directory are refused without being read), at most :data:`MAX_INPUT_BYTES` bytes (the size is
  checked first, then at most one byte past the limit is read), UTF-8 text; JSON with no key given twice,
  no integer over :data:`MAX_INTEGER_DIGITS` digits and no nesting that would exhaust the recursion of
  its parser. Each refusal is one line ``<file>: <where>: <what>``;
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

import json
import os
import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from netinv.errors import InputError


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; a failure is a one-line error and leaves nothing behind."""
    path = Path(path)
    check_writable(path)  # never replace a device (/dev/full), a folder or a pipe by a file
    tmp = _temporary(path)
    try:
        _write_synced(tmp, data)
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
    tmp = _temporary(path)
    try:
        _write_synced(tmp, data)
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        _discard(tmp)


def _temporary(path: Path) -> Path:
    """The temporary file beside ``path`` that a write goes to first."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _write_synced(tmp: Path, data: bytes) -> None:
    """Write ``data`` to ``tmp`` and flush it to the disk (a full disk fails here, not at close)."""
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


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


# --------------------------------------------------------------------------------------------------
# reading

MAX_INPUT_BYTES = 64 * 2**20  # the largest file netinv reads: 64 MiB (a 2,000-stage scenario is under 1 MiB)
MAX_INTEGER_DIGITS = 300  # an integer in a JSON or YAML input has at most this many digits (1e300)

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def check_input_file(path: str | Path, what: str = "file", *, error: type[InputError] = InputError,
                     limit: int = MAX_INPUT_BYTES) -> int:
    """The size in bytes of the regular file ``path``; anything else, or a file over ``limit`` bytes, is a
    one-line ``error`` naming it (for readers that hand the path on to a library: GraphML, torch)."""
    path = Path(path)
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise error(_cannot_open(path, what, exc)) from None
    _check_stat(path, info, what, error, limit)
    return info.st_size


def read_input_bytes(path: str | Path, what: str = "file", *, error: type[InputError] = InputError,
                     limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of the regular file ``path`` (``what`` it is, in messages: ``history file``), at most
    ``limit`` of them; see the module docstring. The file is opened without blocking (a FIFO with no
    writer would wait forever) and checked on the open descriptor, so it cannot be swapped in between."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError) as exc:
        raise error(_cannot_open(path, what, exc)) from None
    try:
        _check_stat(path, os.fstat(fd), what, error, limit)
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > limit:  # it grew while being read
        raise error(f"{path}: the {what} is larger than the limit of {_size(limit)}")
    return b"".join(chunks)


def read_input_text(path: str | Path, what: str = "file", *, error: type[InputError] = InputError,
                    limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of ``path`` (a leading byte-order mark dropped), read by :func:`read_input_bytes`;
    bytes that are not UTF-8 (Latin-1, binary) are a one-line error naming the line and byte."""
    data = read_input_bytes(path, what, error=error, limit=limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{path}: line {line}, byte {exc.start}: not UTF-8 text") from None


def read_input_json(path: str | Path, what: str = "JSON file", *, error: type[InputError] = InputError,
                    limit: int = MAX_INPUT_BYTES) -> Any:
    """The parsed JSON of ``path`` (:func:`read_input_text`, then :func:`parse_json`)."""
    return parse_json(read_input_text(path, what, error=error, limit=limit), str(path), error=error)


def parse_json(text: str, path: str, *, error: type[InputError] = InputError) -> Any:
    """Strict JSON: malformed text (with its line and column), a key given twice in one object, an integer
    over :data:`MAX_INTEGER_DIGITS` digits and nesting too deep for the parser are one-line errors."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise error(f"{path}: line {exc.lineno}, column {exc.colno}: malformed JSON: {exc.msg}") from None
    except _JSONRefusal as exc:
        raise error(f"{path}: {exc}") from None
    except RecursionError:
        raise error(f"{path}: lists and objects nested too deeply to read") from None


class _JSONRefusal(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) < len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _JSONRefusal(f"key {key!r} given twice in one object; give each key once")
    return out


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise _JSONRefusal(f"an integer of {digits} digits ({text[:12]}...); the limit is {MAX_INTEGER_DIGITS} digits")
    return int(text)


def _check_stat(path: Path, info: os.stat_result, what: str, error: type[InputError], limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a directory, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        raise error(f"{path}: is {kind}, not a regular file (netinv reads the {what} only from a regular file)")
    if info.st_size > limit:
        raise error(f"{path}: the {what} is {_size(info.st_size)}, over the limit of {_size(limit)}")


def _cannot_open(path: Path, what: str, exc: Exception) -> str:
    if isinstance(exc, ValueError):
        return f"{str(path)!r}: a file name cannot contain a NUL character"
    if isinstance(exc, FileNotFoundError):
        return f"{path}: file not found"
    if isinstance(exc, IsADirectoryError):
        return f"{path}: is a directory, not a {what}"
    if isinstance(exc, PermissionError):
        return f"{path}: permission denied"
    return f"{path}: cannot read the {what}: {exc.strerror or exc}"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB ({n} bytes)" if n >= 2**20 else f"{n} bytes"
