"""One pass of what ``new_tokenizer_output_sensor`` does, for ``motion-assets run --incoming-root``:
the settled sequence files of each variant's incoming folder, in runs of ``score_sequences``."""

from __future__ import annotations

import os

from motion_assets.cli.job_runs import PlannedRun
from motion_assets.core.scoring.history import history_folder, unscored_files
from motion_assets.defs.model_records import latest_metadata
from motion_assets.defs.resources import IncomingWatch

SCORING_JOB = "score_sequences"


def scoring_runs(instance, incoming_root: str, storage: str, variants: list[str],
                 resources: dict, quiet_console: dict) -> list[PlannedRun]:
    """Runs that score the settled incoming files of ``variants`` that the history has no
    score of since they last changed (``unscored_files``: the sensor's listing and settle
    rule); what is skipped is said on stdout."""
    watch = IncomingWatch()
    planned = []
    for variant in variants:
        folder = os.path.join(incoming_root, variant)
        if not os.path.isdir(folder):
            continue
        if latest_metadata(instance, "scoring_bundle", variant) is None:
            print(f"{variant}: no scoring bundle yet, incoming files not scored")
            continue
        paths = unscored_files(folder, history_folder(storage, variant), watch.settle_seconds)
        if not paths:
            print(f"{variant}: no incoming file to score")
        for start in range(0, len(paths), watch.batch_size):
            batch = paths[start : start + watch.batch_size]
            run_config = {"ops": {"online_scores": {"config": {"files": batch}}},
                          "resources": resources, "loggers": quiet_console}
            planned.append(PlannedRun(SCORING_JOB, variant, run_config))
    return planned
