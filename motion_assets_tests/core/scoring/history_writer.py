"""A scoring process's write, for tests that run several at once (imports only the history)."""

import os

from motion_assets.core.scoring.history import append_scores


class ScoresOf:
    """Scores computed beforehand, looked up by sequence id (the children load no model)."""

    def __init__(self, scores):
        self.scores = scores.set_index("sequence_id", drop=False)

    def __call__(self, sequences):
        return self.scores.loc[sequences["sequence_id"]].reset_index(drop=True)


def append_when_all_are_ready(folder, sequences, identity, scores, barrier) -> None:
    barrier.wait()  # all start together, so their reads and writes of the history overlap
    append_scores(folder, sequences, identity, ScoresOf(scores), f"process-{os.getpid()}")
