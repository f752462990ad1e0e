"""What the instance recorded about a model file: its content hash, checked before loading."""

from dagster import AssetExecutionContext, AssetKey, AssetRecordsFilter

from motion_assets.core.verified_pickle import loads_verified


def recorded_content_hash(context: AssetExecutionContext, asset: str) -> str | None:
    """The ``content_hash`` of the latest materialization of ``asset`` for this partition."""
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[context.partition_key]),
        limit=1,
    ).records
    if not records:
        return None
    entry = records[0].asset_materialization.metadata.get("content_hash")
    return entry.value if entry is not None else None


def load_recorded_model(context: AssetExecutionContext, asset: str, data: bytes):
    """Unpickle a model file only when it is the file the instance recorded."""
    return loads_verified(data, recorded_content_hash(context, asset), what=f"{asset} ({context.partition_key})")
