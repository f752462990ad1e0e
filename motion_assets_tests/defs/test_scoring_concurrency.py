"""Scoring runs of one variant are serialized by Dagster's run tag concurrency limit."""

from dagster import DagsterInstance

from motion_assets.cli.dagster_home import ensure_dagster_home
from motion_assets.defs.scoring.run_tags import (
    RUN_TAG_CONCURRENCY_LIMITS,
    VARIANT_TAG,
    scoring_run_tags,
)


def test_the_embedded_instance_allows_one_scoring_run_per_variant(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    ensure_dagster_home()
    with DagsterInstance.get() as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert all(limit in limits for limit in RUN_TAG_CONCURRENCY_LIMITS)
    assert scoring_run_tags("v1") == {VARIANT_TAG: "v1"}
