"""Checkpoints: a round trip gives the same orders; tampered, foreign and mismatched files are refused
with one line naming the file, and a pickled payload never runs."""

from __future__ import annotations

import errno
import json
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

from netinv import fileio
from netinv.errors import InputError
from netinv.learn import checkpoint
from netinv.learn.checkpoint import card_path, load_card, load_model, save_model
from netinv.learn.features import EDGE_FEATURES, NODE_FEATURES, state_graph
from netinv.learn.model import ModelConfig, OrderGNN
from netinv.network.compile import compile_network
from tests.learn.helpers import generated_graph, random_state


def _model(seed=0, **config):
    torch.manual_seed(seed)
    return OrderGNN(ModelConfig(**{"hidden": 8, "layers": 2, **config})).eval()


def _saved(tmp_path, **config):
    model = _model(**config)
    path = tmp_path / "models" / "tiny.pt"
    save_model(model, path, {"metrics": {"best_epoch": 3, "r2": float("nan")}})
    return model, path


class Payload:
    """Unpickled, it would create ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _one_line_naming(exc: InputError, path) -> str:
    message = str(exc)
    assert "\n" not in message and str(path) in message
    return message


def test_round_trip_gives_identical_orders(tmp_path):
    model, path = _saved(tmp_path)
    loaded = load_model(path)
    assert loaded.config == model.config and not loaded.training
    arrays = compile_network(generated_graph("general", 25, 4))
    data = state_graph(arrays, random_state(arrays, 3, seed=1))
    with torch.no_grad():
        np.testing.assert_array_equal(loaded(data).numpy(), model(data).numpy())


def test_a_priority_head_round_trips_and_older_configs_load(tmp_path):
    """A model with the rationing head saves and loads with identical orders; a checkpoint written before
    the ``priority`` key existed loads as a model without it."""
    torch.manual_seed(3)
    model = OrderGNN(ModelConfig(hidden=8, layers=2, priority=True))
    for p in model.priority.parameters():
        torch.nn.init.normal_(p)
    path = tmp_path / "rationing.pt"
    save_model(model, path, {"note": "test"})
    loaded = load_model(path)
    assert loaded.config.priority
    arrays = compile_network(generated_graph("distribution", 25, 4))
    data = state_graph(arrays, random_state(arrays, 3, seed=1))
    with torch.no_grad():
        np.testing.assert_array_equal(loaded(data).numpy(), model(data).numpy())
    _, good = _saved(tmp_path)
    payload = torch.load(good, weights_only=True)
    del payload["config"]["priority"]
    older = tmp_path / "older.pt"
    torch.save(payload, older)
    assert not load_model(older).config.priority


def test_card_beside_the_checkpoint(tmp_path):
    model, path = _saved(tmp_path)
    assert card_path(path) == tmp_path / "models" / "tiny.json"
    card = json.loads(card_path(path).read_text())  # plain JSON: a NaN metric is written as null
    assert card == load_card(path)
    assert card["metrics"] == {"best_epoch": 3, "r2": None}
    assert card["checkpoint"]["model_config"] == {"hidden": 8, "layers": 2, "node_features": len(NODE_FEATURES),
                                                  "edge_features": len(EDGE_FEATURES), "priority": False}
    assert card["checkpoint"]["parameters"] == sum(p.numel() for p in model.parameters())
    import hashlib

    assert card["checkpoint"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert set(card["versions"]) == {"netinv", "torch", "torch_geometric", "python"} and card["date"]


def test_the_same_model_gives_the_same_bytes(tmp_path):
    save_model(_model(), tmp_path / "a.pt", {})
    save_model(_model(), tmp_path / "b.pt", {})
    save_model(_model(seed=1), tmp_path / "c.pt", {})
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes() != (tmp_path / "c.pt").read_bytes()


def test_a_pickled_payload_is_refused_and_never_runs(tmp_path):
    """Two tampered files: a checkpoint saved with an object inside, and a genuine checkpoint whose
    data.pkl was swapped for a pickle that calls os.system."""
    marker = tmp_path / "payload-ran"
    inside = tmp_path / "inside.pt"
    model = _model()
    torch.save({"format": checkpoint.FORMAT, "format_version": 1, "config": {"hidden": 8},
                "state_dict": model.state_dict(), "extra": Payload(marker)}, inside)

    _, genuine = _saved(tmp_path)
    swapped = tmp_path / "swapped.pt"
    with zipfile.ZipFile(genuine) as src, zipfile.ZipFile(swapped, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("/data.pkl"):
                data = pickle.dumps(Payload(marker), protocol=2)
            dst.writestr(item, data)

    for path in (inside, swapped):
        with pytest.raises(InputError) as caught:
            load_model(path)
        message = _one_line_naming(caught.value, path)
        assert "refused" in message and "system" in message
    assert not marker.exists()
    # the payload is real: an unrestricted load would have run it
    torch.load(swapped, weights_only=False)
    assert marker.exists()


def test_a_plain_pickle_is_refused_before_unpickling(tmp_path):
    marker = tmp_path / "payload-ran"
    path = tmp_path / "legacy.pt"
    path.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(InputError) as caught:
        load_model(path)
    assert "not a zip archive" in _one_line_naming(caught.value, path)
    assert not marker.exists()


@pytest.mark.parametrize("case, expected", [
    ("missing", "no such checkpoint"),
    ("folder", "is a directory, not a checkpoint"),
    ("text", "not a zip archive"),
    ("truncated", "not a zip archive"),
    ("garbage data.pkl", "corrupt checkpoint"),
    ("other zip", "corrupt checkpoint"),
    ("bare state_dict", "not a netinv model checkpoint"),
    ("a list", "not a dict"),
    ("newer format", "format version 2"),
    ("config keys", "'config' must have the keys"),
    ("config value", "hidden must be an integer >= 1"),
    ("priority value", "priority must be true or false"),
    ("priority without its head", "missing 'priority.edge.weight', 6 missing"),
    ("feature count", "retrain it"),
    ("wrong width", "weight 'node_encoder.0.weight' has shape"),
    ("missing weight", "missing 'head.out.bias'"),
])
def test_bad_checkpoints_give_one_line(tmp_path, case, expected):
    model, good = _saved(tmp_path)
    payload = torch.load(good, weights_only=True)
    path = tmp_path / "bad.pt"
    if case == "folder":
        path.mkdir()
    elif case == "text":
        path.write_text("not a checkpoint\n")
    elif case == "truncated":
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif case == "garbage data.pkl":
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                dst.writestr(item, b"\x80\x02garbage" if item.filename.endswith("/data.pkl") else data)
    elif case == "other zip":
        with zipfile.ZipFile(path, "w") as fh:
            fh.writestr("readme.txt", "hello")
    elif case == "bare state_dict":
        torch.save(model.state_dict(), path)
    elif case == "a list":
        torch.save([1, 2], path)
    elif case != "missing":
        if case == "newer format":
            payload["format_version"] = 2
        elif case == "config keys":
            payload["config"] = {"hidden": 8, "layers": 2}
        elif case == "config value":
            payload["config"]["hidden"] = 0
        elif case == "priority value":
            payload["config"]["priority"] = 1
        elif case == "priority without its head":
            payload["config"]["priority"] = True
        elif case == "feature count":
            payload["config"]["node_features"] += 1
        elif case == "wrong width":
            payload["config"]["hidden"] = 16
        elif case == "missing weight":
            del payload["state_dict"]["head.out.bias"]
        torch.save(payload, path)
    with pytest.raises(InputError) as caught:
        load_model(path)
    assert expected in _one_line_naming(caught.value, path)


def test_training_state_is_not_a_model(tmp_path):
    path = tmp_path / "m.pt.partial"
    checkpoint.save_checkpoint({"format": "netinv-training-state", "history": []}, path)
    with pytest.raises(InputError, match="not a netinv model checkpoint"):
        load_model(path)


def test_bad_cards_give_one_line(tmp_path):
    path = tmp_path / "m.pt"
    with pytest.raises(InputError, match="no model card"):
        load_card(path)
    card_path(path).write_text("{broken")
    with pytest.raises(InputError, match=r"m\.json: line 1, column 2: malformed JSON"):
        load_card(path)
    card_path(path).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=r"m\.json: lists and objects nested too deeply to read"):
        load_card(path)
    card_path(path).write_text("[1, 2]")
    with pytest.raises(InputError, match="must be a JSON object"):
        load_card(path)


def test_a_failed_write_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    """The disk fills while the new file is written, or the rename fails: the old checkpoint stays whole
    and no temporary file is left."""
    model, path = _saved(tmp_path)
    before = path.read_bytes()

    def full_disk(fd):  # the data did not fit when flushed to the disk
        raise OSError(errno.ENOSPC, "No space left on device")

    def failed_rename(src, dst):
        raise OSError("rename failed")

    for replacement, message in ((("fsync", full_disk), "No space left on device"),
                                 (("replace", failed_rename), "rename failed")):
        with monkeypatch.context() as patch:
            patch.setattr(fileio.os, *replacement)
            with pytest.raises(InputError, match=rf"^[^\n]*tiny.pt: cannot write: {message}$"):
                save_model(_model(seed=3), path, {})
        assert path.read_bytes() == before
        assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.json", "tiny.pt"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("huge.pt", r"config: hidden must be <= 4096, got 1000000000"),
        ("big.pt", r"weights do not match the model configuration ModelConfig\(hidden=4096, layers=64"),
        ("nan.pt", r"weight '.*' holds NaN or infinite values; the checkpoint is damaged"),
        ("flipped.pt", r"corrupt checkpoint: member '.*/data/\d+' does not match its checksum \(CRC\)"),
    ],
)
def test_untrusted_configuration_and_damaged_weights_are_refused(tmp_path, name, message):
    """A configuration is checked against the limits, and its shapes against the file's weights on the
    meta device, before any weight is allocated; NaN weights and a byte changed inside a weight (torch
    reads zip members without their CRC) are refused."""
    from tests.reliability.hostile_driver import make_checkpoints

    make_checkpoints(tmp_path)
    assert load_model(tmp_path / "good.pt") is not None
    with pytest.raises(InputError, match=message):
        load_model(tmp_path / name)
