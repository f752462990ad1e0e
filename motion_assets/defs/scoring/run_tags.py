"""Tags of scoring runs: which batch a run scores, and which variant's history it writes.

Parts of the history never collide, but two runs scoring the same file at once could each
add its row (the check for an unchanged file reads, then writes). The queued run coordinator
keeps to one scoring run per variant with a tag concurrency limit on VARIANT_TAG (see
RUN_TAG_CONCURRENCY_LIMITS, applied by every instance configuration in the repo).
"""

BATCH_TAG = "motion_assets/scoring_batch"
VARIANT_TAG = "motion_assets/scoring_variant"

# dagster.yaml: concurrency: runs: tag_concurrency_limits
RUN_TAG_CONCURRENCY_LIMITS = [
    {"key": VARIANT_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1},
]


def scoring_run_tags(variant: str) -> dict[str, str]:
    """Tags for every run of the score_sequences job on ``variant`` (sensor and CLI alike)."""
    return {VARIANT_TAG: variant}
