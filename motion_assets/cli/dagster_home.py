"""The embedded Dagster instance: a local DAGSTER_HOME with settings for a small machine."""

from __future__ import annotations

import os

DEFAULT_DAGSTER_HOME = ".dagster_home"
WRITTEN_BY_US = "# Written by motion-assets for the embedded default (SQLite in this folder)."

# SQLite (the embedded default) locks under parallel runs and a 2-core machine thrashes when
# several runs train at once: one run at a time. Postgres and more runs at scale.
# One run at a time means one dead run blocks the queue: run monitoring (in the daemon) asks
# the launcher whether each started run's process lives and fails the run when it does not,
# within poll_interval_seconds. The local launcher cannot resume a run, so no resume attempt.
INSTANCE_YAML = f"""\
{WRITTEN_BY_US}
# Edit freely: a file without the line above is never rewritten.
concurrency:
  runs:
    max_concurrent_runs: 1
    # one scoring run per variant at a time (defs/scoring/run_tags.py), also where more run
    tag_concurrency_limits:
      - key: motion_assets/scoring_variant
        value:
          applyLimitPerUniqueValue: true
        limit: 1
run_launcher:
  module: motion_assets.defs.run_launcher
  class: LocalProcessRunLauncher
run_monitoring:
  enabled: true
  poll_interval_seconds: 30
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  max_resume_run_attempts: 0
"""


def ensure_dagster_home() -> str:
    """Set DAGSTER_HOME (default .dagster_home here) and give it our dagster.yaml: written
    when missing, brought up to date when an older version of ours is there."""
    home = os.environ.setdefault("DAGSTER_HOME", os.path.abspath(DEFAULT_DAGSTER_HOME))
    os.makedirs(home, exist_ok=True)
    instance_yaml = os.path.join(home, "dagster.yaml")
    try:
        with open(instance_yaml) as handle:
            current = handle.read()
    except FileNotFoundError:
        current = None
    if current is None or (current.startswith(WRITTEN_BY_US) and current != INSTANCE_YAML):
        # imported here: fsspec/upath cost ~0.2 s, which `motion-assets --help` need not pay
        from motion_assets.core.files.atomic_write import write_bytes_atomically

        write_bytes_atomically(instance_yaml, INSTANCE_YAML.encode())
    return home
