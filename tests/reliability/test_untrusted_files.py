"""Untrusted files and failed writes.

* YAML is loaded safely: a ``!!python/...`` tag is refused with one line naming the file, line and tag,
  and nothing it asks for runs.
* ``netinv convert`` and ``netinv generate -o`` never leave a half-written file under the final name:
  a write that fails half-way (disk full), a rename that fails, Ctrl-C in the middle of the write, or an
  output that cannot exist (a folder, a path under a file) leave an earlier file as it was and no
  temporary file behind. The failures are simulated in-process; the impossible outputs run as real
  subprocesses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netinv.errors import ScenarioFileError
from netinv.network import load
from tests.reliability.test_malformed_corpus import assert_one_line_error, netinv
from tests.test_bad_input import run_cli

TINY = Path(__file__).resolve().parents[1] / "data" / "reliability" / "tiny.yaml"

UNSAFE_TAGS = {
    "object-apply": "nodes:\n  - !!python/object/apply:os.mkdir [PWNED]\n",
    "object-new": "nodes:\n  - !!python/object/new:pathlib.Path [PWNED]\n",
    "object": "nodes:\n  - !!python/object:argparse.Namespace {id: a}\n",
    "name": "nodes:\n  - {id: !!python/name:os.system }\n",
    "module": "nodes:\n  - {id: !!python/module:os }\n",
    "tuple": "nodes:\n  - {id: a, position: !!python/tuple [0, 1]}\n",
    "binary-in-id": "nodes:\n  - {id: !!binary aGVsbG8= }\n",
}


@pytest.mark.parametrize("text", list(UNSAFE_TAGS.values()), ids=list(UNSAFE_TAGS))
def test_yaml_python_tags_are_refused(tmp_path, monkeypatch, text):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "scenario.yaml"
    path.write_text("name: untrusted\n" + text, encoding="utf-8")
    with pytest.raises(ScenarioFileError if "python" in text else Exception) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and len(message.splitlines()) == 1
    if "python" in text:
        # the place and the tag it refused (the rest of the line is PyYAML's wording)
        assert "line " in message and "malformed YAML" in message and "python/" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]  # nothing ran


def test_yaml_tag_through_the_command_line(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("name: untrusted\n" + UNSAFE_TAGS["object-apply"], encoding="utf-8")
    proc = netinv(("validate", str(path)), tmp_path)
    assert_one_line_error(proc, str(path), ("line 3, column 5", "python/object/apply:os.mkdir"))
    assert not (tmp_path / "PWNED").exists()


def test_yaml_aliases_are_shared_not_copied(tmp_path):
    # anchors are a legitimate way to share a demand spec; they load as ordinary values
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "name: anchors\nnodes:\n  - {id: plant}\n"
        "  - {id: a, shortage_cost: 1, demand: &d {distribution: poisson, mean: 4}}\n"
        "  - {id: b, shortage_cost: 1, demand: *d}\n"
        "edges: [{source: plant, target: a}, {source: plant, target: b}]\n",
        encoding="utf-8",
    )
    graph = load(path)
    assert graph.nodes["a"]["demand"] == graph.nodes["b"]["demand"] == {"distribution": "poisson", "mean": 4.0}


# --- writes that fail ------------------------------------------------------------------------------


def _commands(output: Path) -> dict[str, tuple[str, ...]]:
    return {
        "convert": ("convert", str(TINY), "-o", str(output)),
        "generate": ("generate", "--kind", "distribution", "--nodes", "30", "--seed", "1", "-o", str(output)),
    }


COMMANDS = ["convert", "generate"]
SUFFIXES = [".yaml", ".json", ".graphml"]
EARLIER = "name: earlier\nnodes: [{id: kept}]\n"


def _half_write(monkeypatch, error: BaseException):
    """The file netinv's one atomic writer (:mod:`netinv.fileio`) opens takes the first half of the bytes,
    then fails with ``error`` (a full disk, Ctrl-C)."""
    from netinv import fileio

    class HalfWritten:
        def __init__(self, file):
            self.file = file

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.file.close()
            return False

        def write(self, data):
            self.file.write(data[: len(data) // 2])
            self.file.flush()
            raise error

        def __getattr__(self, name):
            return getattr(self.file, name)

    monkeypatch.setattr(fileio, "open", lambda path, mode="r", *args, **kwargs: HalfWritten(open(path, mode, *args, **kwargs)),
                        raising=False)


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("earlier", [False, True], ids=["new", "existing"])
def test_disk_full_half_way(capsys, monkeypatch, tmp_path, command, suffix, earlier):
    output = tmp_path / f"out{suffix}"
    if earlier:
        output.write_text(EARLIER, encoding="utf-8")
    _half_write(monkeypatch, OSError(28, "No space left on device"))
    code, out, err = run_cli(capsys, monkeypatch, *_commands(output)[command])
    assert_one_line_error(subprocess.CompletedProcess((), code, out, err), str(output),
                          ("cannot write: No space left on device",))
    assert sorted(p.name for p in tmp_path.iterdir()) == ([output.name] if earlier else [])
    if earlier:
        assert output.read_text(encoding="utf-8") == EARLIER


@pytest.mark.parametrize("command", COMMANDS)
def test_rename_fails(capsys, monkeypatch, tmp_path, command):
    output = tmp_path / "out.yaml"
    output.write_text(EARLIER, encoding="utf-8")

    def failing(source, target):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", failing)  # the rename of the one atomic writer (netinv.fileio)
    code, out, err = run_cli(capsys, monkeypatch, *_commands(output)[command])
    assert_one_line_error(subprocess.CompletedProcess((), code, out, err), str(output),
                          ("cannot write: Input/output error",))
    assert [p.name for p in tmp_path.iterdir()] == [output.name]
    assert output.read_text(encoding="utf-8") == EARLIER


@pytest.mark.parametrize("command", COMMANDS)
def test_interrupted_mid_write(capsys, monkeypatch, tmp_path, command):
    output = tmp_path / "out.json"
    output.write_text(EARLIER, encoding="utf-8")
    _half_write(monkeypatch, KeyboardInterrupt())
    code, out, err = run_cli(capsys, monkeypatch, *_commands(output)[command])
    assert code == 130 and out == "" and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == [output.name]  # no temporary file left
    assert output.read_text(encoding="utf-8") == EARLIER


def test_graphml_that_could_not_be_read_back_is_not_written(capsys, monkeypatch, tmp_path):
    # found by the round-trip fuzzer: a control character in a text made a GraphML file no reader accepts
    source = tmp_path / "in.yaml"
    source.write_text('name: t\ndescription: "colour \\e[31mred"\nnodes: [{id: a}]\n', encoding="utf-8")
    output = tmp_path / "out.graphml"
    code, out, err = run_cli(capsys, monkeypatch, "convert", str(source), "-o", str(output))
    assert_one_line_error(subprocess.CompletedProcess((), code, out, err), str(output),
                          ("description: cannot write GraphML", "U+001B"))
    assert not output.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_impossible_outputs_through_the_command_line(tmp_path, command):
    folder = tmp_path / "taken.yaml"
    folder.mkdir()
    (folder / "inside.txt").write_text("keep", encoding="utf-8")
    a_file = tmp_path / "plain.txt"
    a_file.write_text("keep", encoding="utf-8")
    for output, what in ((folder, "cannot write"), (a_file / "net.yaml", "cannot write")):
        proc = netinv(_commands(output)[command], tmp_path)
        assert_one_line_error(proc, str(output), (what,))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt", "taken.yaml"]
    assert [p.name for p in folder.iterdir()] == ["inside.txt"]
    assert a_file.read_text(encoding="utf-8") == "keep"


def test_yaml_loader_is_safe():
    from netinv.network.formats import yaml_json

    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load("!!python/object/apply:os.getcwd []", Loader=yaml_json.YAML_LOADER)
    assert sys.modules.get("netinv.network.formats.yaml_json") is yaml_json
