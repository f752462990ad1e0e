"""The embedded Dagster instance: a local DAGSTER_HOME with settings for a small machine."""

from __future__ import annotations

import os

DEFAULT_DAGSTER_HOME = ".dagster_home"

# SQLite (the embedded default) locks under parallel runs and a 2-core machine thrashes when
# several runs train at once: one run at a time. Postgres and more runs at scale.
INSTANCE_YAML = """\
# Written by motion-assets for the embedded default (SQLite in this folder).
concurrency:
  runs:
    max_concurrent_runs: 1
    # one scoring run per variant at a time (defs/scoring/run_tags.py), also where more run
    tag_concurrency_limits:
      - key: motion_assets/scoring_variant
        value:
          applyLimitPerUniqueValue: true
        limit: 1
"""


def ensure_dagster_home() -> str:
    """Set DAGSTER_HOME (default .dagster_home here) and give it a dagster.yaml once."""
    home = os.environ.setdefault("DAGSTER_HOME", os.path.abspath(DEFAULT_DAGSTER_HOME))
    os.makedirs(home, exist_ok=True)
    instance_yaml = os.path.join(home, "dagster.yaml")
    if not os.path.exists(instance_yaml):
        with open(instance_yaml, "w") as handle:
            handle.write(INSTANCE_YAML)
    return home
