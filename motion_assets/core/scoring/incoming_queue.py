"""The scoring to-do of one incoming folder, in state that does not grow with the files.

Files are taken in one total order, ``(change time ns, relative path)``
(:func:`motion_assets.core.sequences.incoming_files.list_incoming`). The queue keeps a
*frontier* (every file at or before it has been scored, or given up on) and the few batches
in flight, each a range ``[first, last]`` of that order. A batch is finished only when a run
that scored it succeeded; a failed run's batch is requested again, up to ``max_attempts``
times, then its files are given up on and reported with the error. The frontier moves over
the finished batches at its head, so no file leaves the to-do before its run succeeded, and
the state is a few keys per batch whatever the number of files.

A file still settling (changed after ``cutoff_ns``) is never put in a batch; it comes after
every batch in the order, so the frontier never passes it.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass, field, replace

Key = tuple[int, str]  # (change time ns, relative path)

SUCCEEDED, FAILED, RUNNING, MISSING = "succeeded", "failed", "running", "missing"


@dataclass(frozen=True)
class Batch:
    """Files ``first`` .. ``last`` (inclusive, in key order), requested for the ``attempt``-th time."""

    first: Key
    last: Key
    attempt: int = 1

    def batch_id(self, variant: str) -> str:
        """Stable id (and run key): a replayed tick requests the same runs again."""
        text = json.dumps([variant, self.first, self.last, self.attempt])
        return f"{variant}:{hashlib.blake2b(text.encode(), digest_size=10).hexdigest()}"


@dataclass
class VariantQueue:
    """``frontier``: every file at or before it is finished. ``batches``: requested, in key
    order, with ``finished`` ids among them (finished but not yet at the head)."""

    frontier: Key = (0, "")
    batches: list[Batch] = field(default_factory=list)
    finished: set[int] = field(default_factory=set)  # positions in batches
    given_up_files: int = 0

    def to_json(self) -> dict:
        return {"frontier": list(self.frontier), "given_up_files": self.given_up_files,
                "batches": [[list(b.first), list(b.last), b.attempt, i in self.finished]
                            for i, b in enumerate(self.batches)]}

    @classmethod
    def from_json(cls, data: dict) -> VariantQueue:
        batches = [Batch(tuple(first), tuple(last), attempt) for first, last, attempt, _ in data["batches"]]
        finished = {i for i, entry in enumerate(data["batches"]) if entry[3]}
        return cls(tuple(data["frontier"]), batches, finished, int(data.get("given_up_files", 0)))


@dataclass
class TickPlan:
    """What one tick does for a variant: ``requests`` (batch, its files) to launch,
    ``given_up`` (batch, its files, attempts) to report, files still ``settling``."""

    queue: VariantQueue
    requests: list[tuple[Batch, list[str]]] = field(default_factory=list)
    given_up: list[tuple[Batch, list[str]]] = field(default_factory=list)
    settling: int = 0


def plan_tick(queue: VariantQueue, files: list[Key], statuses: dict[Batch, str], *,
              cutoff_ns: int, batch_size: int, max_batches: int, max_attempts: int) -> TickPlan:
    """The next state of ``queue`` and the runs to request, given the listed ``files`` and
    the status of each batch's run (SUCCEEDED, FAILED, RUNNING or MISSING: no run found,
    e.g. deleted, which counts as a failed attempt)."""
    todo = sorted(key for key in files if key > queue.frontier)
    plan = TickPlan(VariantQueue(queue.frontier, [], set(), queue.given_up_files))
    for position, batch in enumerate(queue.batches):
        status = SUCCEEDED if position in queue.finished else statuses.get(batch, MISSING)
        if status in (FAILED, MISSING) and batch.attempt >= max_attempts:
            lost = _files_in(todo, batch)
            if lost:
                plan.given_up.append((batch, lost))
                plan.queue.given_up_files += len(lost)
            status = SUCCEEDED
        elif status in (FAILED, MISSING):
            batch = replace(batch, attempt=batch.attempt + 1)
            retry = _files_in(todo, batch)
            if retry:
                plan.requests.append((batch, retry))
            else:  # all of its files changed since (they come again later) or vanished
                status = SUCCEEDED
        if status == SUCCEEDED:
            plan.queue.finished.add(len(plan.queue.batches))
        plan.queue.batches.append(batch)
    _advance_frontier(plan.queue)
    after = plan.queue.batches[-1].last if plan.queue.batches else plan.queue.frontier
    fresh = todo[bisect.bisect_right(todo, after):]
    settled = fresh[: bisect.bisect_right(fresh, (cutoff_ns, "\U0010ffff"))]
    plan.settling = len(fresh) - len(settled)
    room = max(0, max_batches - len(plan.queue.batches)) * batch_size
    for start in range(0, min(room, len(settled)), batch_size):
        chunk = settled[start : min(start + batch_size, room)]
        batch = Batch(chunk[0], chunk[-1])
        plan.queue.batches.append(batch)
        plan.requests.append((batch, [path for _, path in chunk]))
    return plan


def _files_in(todo: list[Key], batch: Batch) -> list[str]:
    """The files of ``batch``'s range in this listing (a file changed since has moved on)."""
    start = bisect.bisect_left(todo, batch.first)
    end = bisect.bisect_right(todo, batch.last)
    return [path for _, path in todo[start:end]]


def _advance_frontier(queue: VariantQueue) -> None:
    done = 0
    while done < len(queue.batches) and done in queue.finished:
        done += 1
    if done:
        queue.frontier = queue.batches[done - 1].last
        queue.batches = queue.batches[done:]
        queue.finished = {i - done for i in queue.finished if i >= done}
