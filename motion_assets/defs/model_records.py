"""What the instance recorded about an asset's latest materialization of a partition:
the content hash of a model file (checked before loading), a folder fingerprint, ..."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetRecordsFilter,
    DagsterInstance,
    MetadataValue,
)

from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.files.model_versions import roll_back
from motion_assets.core.files.verified_pickle import loads_verified


def _latest_record(instance: DagsterInstance, asset: str, partition: str):
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition]), limit=1
    ).records
    return records[0] if records else None


def latest_metadata(instance: DagsterInstance, asset: str, partition: str) -> dict | None:
    """Metadata values of the latest materialization of ``asset`` for ``partition``, or None."""
    record = _latest_record(instance, asset, partition)
    if record is None:
        return None
    return {key: entry.value for key, entry in record.asset_materialization.metadata.items()}


def recorded_content_hash(context: AssetExecutionContext, asset: str) -> str | None:
    """The ``content_hash`` recorded by the latest materialization of ``asset`` here."""
    metadata = latest_metadata(context.instance, asset, context.partition_key) or {}
    return metadata.get("content_hash")


def load_recorded_model(context: AssetExecutionContext, asset: str, data: bytes):
    """Unpickle a model file only when it is the file the instance recorded."""
    return loads_verified(data, recorded_content_hash(context, asset), what=f"{asset} ({context.partition_key})")


def latest_materialization_time(instance: DagsterInstance, asset: str, partition: str) -> float | None:
    """When ``asset``'s ``partition`` was last materialized (a timestamp), or None."""
    record = _latest_record(instance, asset, partition)
    return None if record is None else record.timestamp


def record_rollback(instance: DagsterInstance, layout: StorageLayout, asset: str, partition: str,
                    sha256: str) -> None:
    """Make stored version ``sha256`` current again: the manifest (for readers without Dagster)
    and a materialization with that ``content_hash`` (for the assets that load it)."""
    previous = (latest_metadata(instance, asset, partition) or {}).get("content_hash")
    current = roll_back(layout, asset, partition, sha256)
    instance.report_runless_asset_event(AssetMaterialization(
        asset_key=asset, partition=partition,
        description=f"rolled back to the stored version {sha256[:12]}",
        metadata={"content_hash": current.sha256, "rolled_back_from": previous or "none recorded",
                  "path": MetadataValue.path(str(layout.model_version(asset, partition, sha256)))},
    ))
