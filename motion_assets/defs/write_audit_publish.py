"""Write, audit, publish: a table whose blocking checks fail never replaces the published one.

Dagster 1.13's blocking checks keep downstream steps from running, but the asset's own output
has been handed to the I/O manager (and has replaced the last good file) before a check
result is looked at. So an asset with blocking checks audits its tables before handing them
over, through :func:`publish_if_checks_pass`:

- every blocking check passes: the tables go to the I/O manager, which publishes them
  atomically, and the check results are recorded with them;
- a blocking check fails: each table is written aside, to
  ``<asset>/<partition>.failed-checks.parquet`` (core/files/layout.py), the check results are
  recorded with that path in their metadata, and the step fails with one line naming the
  failed checks. No materialization is recorded, so the asset's latest materialization in
  the UI is still the published table (whose ``path`` it shows), downstream steps do not run,
  and the failed run and checks say where the refused table can be inspected. The next
  publish of the asset removes the aside copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
)

from motion_assets.defs.storage import PreviousTables


def publish_if_checks_pass(context: AssetExecutionContext, storage: PreviousTables,
                           tables: Iterable[MaterializeResult],
                           checks: Iterable[AssetCheckResult]) -> Iterator[MaterializeResult | AssetCheckResult]:
    """Yield ``tables`` then ``checks`` when no blocking check failed; else set the tables aside,
    yield the checks and fail the step (see the module docstring)."""
    tables, checks = list(tables), list(checks)
    blocking = {spec.name for spec in context.assets_def.check_specs if spec.blocking}
    failed = [check.check_name for check in checks if check.check_name in blocking
              and not check.passed and check.severity == AssetCheckSeverity.ERROR]
    if not failed:
        yield from tables
        yield from checks
        return
    aside = {table.asset_key.to_user_string(): storage.write_aside(
        table.asset_key.to_user_string(), context.partition_key, table.value) for table in tables}
    where = {f"failed_checks_table/{asset}": MetadataValue.path(str(path)) for asset, path in aside.items()}
    for check in checks:
        yield check.with_metadata({**check.metadata, **where})
    raise Failure(
        description=f"blocking check(s) {', '.join(failed)} failed: the published tables are unchanged; "
        f"the refused ones are at {', '.join(str(path) for path in aside.values())}",
        metadata=where,
    )
