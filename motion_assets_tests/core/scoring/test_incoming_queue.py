"""The sensor's to-do: a frontier and the batches in flight, nothing more."""

from __future__ import annotations

import json

from motion_assets.core.scoring.incoming_queue import (
    FAILED,
    RUNNING,
    SUCCEEDED,
    VariantQueue,
    plan_tick,
)

SETTINGS = {"batch_size": 3, "max_batches": 2, "max_attempts": 2}


def files(n: int, start_ns: int = 1_000) -> list[tuple[int, str]]:
    return [(start_ns + i, f"video_{i % 7}/segment_{i:07d}.codes.json") for i in range(n)]


def tick(queue, listed, statuses=None, cutoff_ns=10**18):
    return plan_tick(queue, listed, statuses or {}, cutoff_ns=cutoff_ns, **SETTINGS)


def requested(plan) -> list[str]:
    return [path for _, paths in plan.requests for path in paths]


def test_a_batch_leaves_the_todo_only_when_its_run_succeeded():
    listed = files(6)
    first = tick(VariantQueue(), listed)
    assert requested(first) == [path for _, path in listed]
    one, two = (batch for batch, _ in first.requests)
    running = tick(first.queue, listed, {one: RUNNING, two: RUNNING})
    assert not running.requests and running.queue.frontier == (0, "")
    second_done = tick(running.queue, listed, {one: RUNNING, two: SUCCEEDED})
    assert second_done.queue.frontier == (0, "")  # the head batch is not finished yet
    both_done = tick(second_done.queue, listed, {one: SUCCEEDED})
    assert both_done.queue.frontier == listed[-1] and not both_done.queue.batches


def test_a_failed_batch_is_requested_again_then_given_up_with_its_files():
    listed = files(3)
    first = tick(VariantQueue(), listed)
    (batch, _), = first.requests
    retry = tick(first.queue, listed, {batch: FAILED})
    (again, paths), = retry.requests
    assert again.attempt == 2 and paths == [path for _, path in listed]
    given_up = tick(retry.queue, listed, {again: FAILED})
    assert not given_up.requests
    assert [paths for _, paths in given_up.given_up] == [[path for _, path in listed]]
    assert given_up.queue.given_up_files == 3 and given_up.queue.frontier == listed[-1]


def test_a_run_that_vanished_counts_as_a_failed_attempt():
    listed = files(3)
    first = tick(VariantQueue(), listed)
    retry = tick(first.queue, listed, {})  # no run found for the batch
    assert [batch.attempt for batch, _ in retry.requests] == [2]


def test_a_file_still_settling_is_never_passed_by_the_frontier():
    listed = files(4)
    first = tick(VariantQueue(), listed, cutoff_ns=listed[1][0])
    assert requested(first) == [listed[0][1], listed[1][1]] and first.settling == 2
    (batch, _), = first.requests
    later = tick(first.queue, listed, {batch: SUCCEEDED}, cutoff_ns=10**18)
    assert requested(later) == [listed[2][1], listed[3][1]]


def test_a_changed_file_comes_again_after_the_frontier():
    listed = files(3)
    first = tick(VariantQueue(), listed)
    (batch, _), = first.requests
    done = tick(first.queue, listed, {batch: SUCCEEDED})
    changed = [*listed[:2], (listed[-1][0] + 50, listed[2][1])]
    assert requested(tick(done.queue, changed)) == [listed[2][1]]


def test_the_state_stays_small_as_files_grow():
    sizes = []
    for n in (10, 10_000, 200_000):
        listed, queue = files(n), VariantQueue()
        for _ in range(3):  # some finished, some in flight
            plan = tick(queue, listed)
            queue = tick(plan.queue, listed, {batch: SUCCEEDED for batch, _ in plan.requests[:1]}).queue
        sizes.append(len(json.dumps(queue.to_json())))
    assert max(sizes) < 1024
    assert VariantQueue.from_json(json.loads(json.dumps(queue.to_json()))).to_json() == queue.to_json()
