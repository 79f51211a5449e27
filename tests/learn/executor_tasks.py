"""Tasks for the executors' tests, in a module of their own: a spawned worker imports it to unpickle them,
so it imports nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass

from netinv.errors import InputError


@dataclass(frozen=True)
class Job:
    shard: int


def square(job: Job) -> tuple[int, int]:
    return job.shard, job.shard * job.shard


def failing(job: Job) -> tuple[int, int]:
    if job.shard == 1:
        raise InputError(f"job {job.shard} cannot be made")
    return job.shard, 0
