"""netinv.fileio: atomic writes, the output-name check, SIGTERM as an interrupt, stop on signal."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from netinv.errors import InputError
from netinv.fileio import (
    StopOnSignal,
    atomic_write_bytes,
    atomic_write_text,
    check_output,
    create_exclusive,
    make_folder,
    sigterm_as_interrupt,
)


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    assert atomic_write_text(path, "new é") == path
    assert path.read_bytes() == "new é".encode()
    assert atomic_write_bytes(path, b"\x00\x01") == path and path.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_write_failure_is_one_line_and_leaves_nothing(tmp_path):
    path = tmp_path / "missing" / "out.txt"
    with pytest.raises(InputError, match=r"out.txt: cannot write: the folder .*missing does not exist$"):
        atomic_write_bytes(path, b"x")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_interrupted_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(path, "new")
    assert path.read_text(encoding="utf-8") == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_check_output_accepts_the_suffixes_in_any_case(tmp_path):
    assert check_output(tmp_path / "report.HTML", (".html", ".htm"), "the report is an HTML page").name == "report.HTML"
    with pytest.raises(InputError, match=r"^a/report.pdf: the report is an HTML page; use a .html file name$"):
        check_output("a/report.pdf", (".html", ".htm"), "the report is an HTML page")


@pytest.mark.parametrize("where, why", [
    ("file/out.png", "file is not a folder"),
    ("missing/out.png", "the folder .*missing does not exist"),
    ("folder.png", "a folder"),
])
def test_check_output_refuses_what_cannot_be_written(tmp_path, where, why):
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(InputError, match=f"cannot write: .*{why}$"):
        check_output(tmp_path / where, (".png",), "a picture")


def test_a_device_is_never_replaced_by_a_file(tmp_path):
    with pytest.raises(InputError, match="^/dev/null: cannot write: not a regular file"):
        atomic_write_bytes("/dev/null", b"x")
    assert Path("/dev/null").is_char_device()


def test_create_exclusive_creates_once(tmp_path):
    path = tmp_path / "identity.json"
    assert create_exclusive(path, b"first") and not create_exclusive(path, b"second")
    assert path.read_bytes() == b"first" and sorted(p.name for p in tmp_path.iterdir()) == ["identity.json"]


def test_make_folder_says_why_it_cannot(tmp_path):
    (tmp_path / "file").write_text("x")
    assert make_folder(tmp_path / "a" / "b").is_dir()
    with pytest.raises(InputError, match="file is not a folder$"):
        make_folder(tmp_path / "file" / "sub")


def test_sigterm_raises_keyboard_interrupt_inside_the_block_only():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs between bytecodes
            pass
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_as_interrupt_outside_the_main_thread_changes_nothing():
    seen = []

    def worker():
        with sigterm_as_interrupt():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [before]


def test_stop_on_signal_sets_a_flag_then_puts_the_handlers_back():
    before = {sig: signal.getsignal(sig) for sig in StopOnSignal.SIGNALS}
    with StopOnSignal() as stop:
        assert not stop.is_set()
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.is_set()
        with pytest.raises(KeyboardInterrupt):  # a second Ctrl-C stops at once
            os.kill(os.getpid(), signal.SIGINT)
    assert {sig: signal.getsignal(sig) for sig in StopOnSignal.SIGNALS} == before


def test_stop_on_signal_outside_the_main_thread_changes_nothing():
    before = signal.getsignal(signal.SIGINT)
    seen = {}

    def body():
        with StopOnSignal() as stop:
            seen["previous"] = dict(stop.previous)
            seen["set"] = stop.is_set()

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == {"previous": {}, "set": False}
    assert signal.getsignal(signal.SIGINT) is before


# --------------------------------------------------------------------------------------------------
# reading: regular files only, a size limit, UTF-8, strict JSON


def test_read_input_refuses_what_is_not_a_regular_file_without_reading_it(tmp_path):
    from netinv.fileio import read_input_bytes

    fifo = tmp_path / "history.csv"
    os.mkfifo(fifo)  # no writer: a blocking open or read would wait forever
    with pytest.raises(InputError, match=r"history\.csv: is a FIFO \(named pipe\), not a regular file"):
        read_input_bytes(fifo, "history file")
    zero = tmp_path / "scenario.yaml"
    zero.symlink_to("/dev/zero")  # endless
    with pytest.raises(InputError, match="is a character device, not a regular file"):
        read_input_bytes(zero)
    with pytest.raises(InputError, match="is a directory, not a levels file$"):
        read_input_bytes(tmp_path, "levels file")
    with pytest.raises(InputError, match="file not found$"):
        read_input_bytes(tmp_path / "none.csv")
    with pytest.raises(InputError, match="cannot contain a NUL character"):
        read_input_bytes(str(tmp_path / "a\0b.csv"))


def test_read_input_size_limit_is_checked_before_reading(tmp_path):
    from netinv.fileio import read_input_bytes

    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:
        handle.truncate(10 * 2**30)  # sparse: 10 GiB on paper
    with pytest.raises(InputError, match=r"big\.csv: the file is 10240\.0 MiB \(10737418240 bytes\), over the limit"):
        read_input_bytes(path)
    path.write_bytes(b"12345")
    assert read_input_bytes(path, limit=5) == b"12345"
    with pytest.raises(InputError, match="the file is 5 bytes, over the limit of 4 bytes"):
        read_input_bytes(path, limit=4)


def test_read_input_text_names_the_line_and_byte_that_is_not_utf8(tmp_path):
    from netinv.fileio import read_input_text

    path = tmp_path / "sales.csv"
    path.write_bytes(b"\xef\xbb\xbfdate\nok\ncaf\xe9\n")
    with pytest.raises(InputError, match=r"sales\.csv: line 3, byte 11: not UTF-8 text$"):
        read_input_text(path)
    path.write_bytes("\ufeffcafé\n".encode())
    assert read_input_text(path) == "café\n"  # the byte-order mark dropped


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "b": 2, "a": 3}', "key 'a' given twice in one object"),
        ('{"a": [1, {"x": 1, "x": 1}]}', "key 'x' given twice"),
        ('{"a": ' + "9" * 301 + "}", "an integer of 301 digits"),
        ('{"a": -' + "9" * 5000 + "}", "an integer of 5000 digits"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply to read"),
        ('{"a": 1,}', "line 1, column 9: malformed JSON"),
    ],
)
def test_parse_json_is_strict_and_one_line(text, message):
    from netinv.fileio import parse_json

    with pytest.raises(InputError, match=r"^f\.json: .*" + message.replace("(", r"\(").replace("[", r"\[")):
        parse_json(text, "f.json")


def test_parse_json_keeps_what_is_valid():
    from netinv.fileio import parse_json

    assert parse_json('{"a": [1, 2.5, "x"], "b": {"c": ' + "9" * 300 + "}}", "f") == {
        "a": [1, 2.5, "x"], "b": {"c": int("9" * 300)}}
