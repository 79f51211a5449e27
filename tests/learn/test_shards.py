"""The dataset's files: the round's arguments, the manifest, shard files read safely, shards merged."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import torch
from torch_geometric.data import InMemoryDataset

from netinv.errors import InputError
from netinv.learn.dataset import NetinvDataset
from netinv.learn.shards import (
    MANIFEST,
    TEMP_NAME,
    DatasetConfig,
    load_shard,
    merge_shards,
    read_manifest,
    remove_temporary_files,
)
from tests.learn.helpers import ARGS, OPTIONS, SHARDS, one_line


def test_a_round_is_cut_into_shards_of_networks_per_shard():
    config = DatasetConfig(networks=5, nodes=(5, 8), networks_per_shard=2)
    assert config.shards == 3
    assert [list(config.shard_networks(k)) for k in range(3)] == [[0, 1], [2, 3], [4]]
    assert config.shard_name(2) == "round0-shard00002.pt"
    assert [DatasetConfig(**ARGS, **OPTIONS).shard_name(k) for k in range(4)] == SHARDS
    # the fingerprint follows the arguments
    assert config.fingerprint() == DatasetConfig(networks=5, nodes=(5, 8), networks_per_shard=2).fingerprint()
    assert config.fingerprint() != DatasetConfig(networks=5, nodes=(5, 9), networks_per_shard=2).fingerprint()
    assert config.parameters()["nodes"] == [5, 8]


def test_merged_shards_are_the_collated_samples(reference):
    parts = [load_shard(reference / name) for name in SHARDS]
    data, slices = merge_shards(parts)
    dataset = NetinvDataset(reference)
    whole, whole_slices = InMemoryDataset.collate(list(dataset))
    assert set(slices) == set(whole_slices)
    for key in slices:
        torch.testing.assert_close(slices[key], whole_slices[key])
        torch.testing.assert_close(data[key], whole[key])
    assert data["num_nodes"] == sum(data["_num_nodes"])


def test_the_manifest_records_every_shard(reference):
    manifest = read_manifest(reference)
    run = manifest["rounds"]["0"]
    assert sorted(run["shards"]) == SHARDS and run["complete"] and run["samples"] == 24
    for name, entry in run["shards"].items():
        assert entry["bytes"] == (reference / name).stat().st_size


def test_a_bad_manifest_is_one_line(tmp_path):
    with pytest.raises(InputError, match="no manifest.json; not a netinv dataset folder") as exc:
        read_manifest(tmp_path)
    one_line(exc)
    (tmp_path / MANIFEST).write_text("{")
    with pytest.raises(InputError, match="not a readable netinv dataset manifest") as exc:
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"format": "other", "rounds": {}}))
    with pytest.raises(InputError, match="not a netinv dataset manifest"):
        read_manifest(tmp_path)


def test_temporary_files_of_a_killed_run_are_removed(tmp_path):
    (tmp_path / ".round0-shard00000.pt.123.tmp").write_bytes(b"half")
    (tmp_path / "round0-shard00000.pt").write_bytes(b"kept")
    assert TEMP_NAME.fullmatch(".round0-shard00000.pt.123.tmp") and not TEMP_NAME.fullmatch("round0-shard00000.pt")
    remove_temporary_files(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["round0-shard00000.pt"]


def test_a_shard_of_another_dataset_is_refused(reference, tmp_path):
    with pytest.raises(InputError, match="a shard made with other arguments"):
        load_shard(reference / SHARDS[0], fingerprint="0" * 16)


def test_a_corrupt_shard_is_a_one_line_error_naming_it(reference, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(reference, out)
    content = (out / SHARDS[1]).read_bytes()
    (out / SHARDS[1]).write_bytes(content[: len(content) // 2])
    with pytest.raises(InputError) as exc:
        NetinvDataset(out)
    assert SHARDS[1] in one_line(exc)


def test_a_shard_with_a_pickled_payload_is_refused_without_running_it(reference, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(reference, out)
    marker = tmp_path / "ran"
    torch.save({"format": "netinv-samples", "payload": Payload(str(marker))}, out / SHARDS[0])
    with pytest.raises(InputError) as exc:
        NetinvDataset(out)
    assert SHARDS[0] in one_line(exc)
    assert not marker.exists()


class Payload:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))
