"""The I/O managers: tables as Parquet, models as content-addressed versions (core/files/layout.py
says where each file lives).

The storage root is a local folder by default and any fsspec URL (s3://, gs://) by configuration.
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import (
    ConfigurableIOManagerFactory,
    ConfigurableResource,
    InputContext,
    IOManager,
    MetadataValue,
    OutputContext,
)
from pydantic import Field
from upath import UPath

from motion_assets.core.files.atomic_write import write_atomically
from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.files.model_versions import (
    MIN_KEEP_LAST,
    prune_versions,
    publish_version,
    read_current_version,
    read_version,
)
from motion_assets.defs.model_records import latest_metadata
from motion_assets.defs.ui_metadata import column_schema

# Versions a table's rows name stay stored whatever their age: scores keep their bundle.
VERSIONS_REFERENCED_BY = {"scoring_bundle": ("online_scores", "bundle_hash")}


def write_table(path: UPath, table: pa.Table | pd.DataFrame) -> None:
    table = table if isinstance(table, pa.Table) else pa.Table.from_pandas(table, preserve_index=False)
    write_atomically(path, lambda handle: pq.write_table(table, handle, compression="zstd"))


def read_table(path: UPath, columns: list[str] | None = None) -> pa.Table:
    with path.open("rb") as handle:
        return pq.read_table(io.BytesIO(handle.read()), columns=columns)


def _asset_name(context: InputContext | OutputContext) -> str:
    return context.asset_key.to_user_string()


class ParquetTableIOManager(IOManager):
    """Writes a pyarrow Table or pandas DataFrame atomically; reads back a DataFrame."""

    def __init__(self, layout: StorageLayout):
        self.layout = layout

    def handle_output(self, context: OutputContext, obj) -> None:
        path = self.layout.table(_asset_name(context), context.asset_partition_key)
        table = obj if isinstance(obj, pa.Table) else pa.Table.from_pandas(obj, preserve_index=False)
        write_table(path, table)
        # A published table supersedes the copy its checks refused last time.
        self.layout.failed_checks_table(_asset_name(context), context.asset_partition_key).unlink(missing_ok=True)
        # every table asset shows its stored columns, types and descriptions in the UI
        context.add_output_metadata({
            "path": MetadataValue.path(str(path)),
            "dagster/column_schema": column_schema(_asset_name(context), table.schema)})

    def load_input(self, context: InputContext) -> pd.DataFrame:
        return read_table(self.layout.table(_asset_name(context), context.asset_partition_key)).to_pandas()


class ParquetTables(ConfigurableIOManagerFactory):
    """Parquet tables under ``base_path`` (a folder or an fsspec URL)."""

    base_path: str

    def create_io_manager(self, context) -> ParquetTableIOManager:
        return ParquetTableIOManager(StorageLayout(self.base_path))


class ModelFileIOManager(IOManager):
    """Models travel as bytes (a checkpoint, a bundle), stored as content-addressed versions.

    Writing publishes a new version and prunes old ones (model_versions.py). Reading loads the
    version the instance recorded last (its ``content_hash``), so a crash after the manifest
    moved but before the materialization was recorded still loads a consistent pair; without
    a record it loads the manifest's current version. Nothing is unpickled here.
    """

    def __init__(self, layout: StorageLayout, keep_versions: int):
        self.layout = layout
        self.keep_versions = keep_versions

    def handle_output(self, context: OutputContext, obj: bytes) -> None:
        if not isinstance(obj, bytes):
            raise TypeError(f"model assets must return bytes, got {type(obj).__name__}")
        asset, partition = _asset_name(context), context.asset_partition_key
        version = publish_version(self.layout, asset, partition, obj, context.run_id)
        pruned = prune_versions(self.layout, asset, partition, self.keep_versions,
                                self._referenced(asset, partition))
        context.add_output_metadata({
            "path": MetadataValue.path(str(self.layout.model_version(asset, partition, version.sha256))),
            "versions_pruned": len(pruned),
        })

    def load_input(self, context: InputContext) -> bytes:
        asset, partition = _asset_name(context), context.asset_partition_key
        recorded = (latest_metadata(context.instance, asset, partition) or {}).get("content_hash")
        if recorded:
            return read_version(self.layout, asset, partition, recorded)
        return read_current_version(self.layout, asset, partition)[0]

    def _referenced(self, asset: str, partition: str) -> set[str]:
        if asset not in VERSIONS_REFERENCED_BY:
            return set()
        table, column = VERSIONS_REFERENCED_BY[asset]
        files = [self.layout.table(table, partition), *self.layout.parts(table, partition)]
        return {value for path in files if path.exists()
                for value in read_table(path, [column]).column(column).to_pylist() if value}


class ModelFiles(ConfigurableIOManagerFactory):
    """Model files under ``base_path`` (a folder or an fsspec URL)."""

    base_path: str
    keep_versions: int = Field(
        default=5, ge=MIN_KEEP_LAST,
        description="versions kept per asset and variant, besides the current one and every "
        "version a stored score references",
    )

    def create_io_manager(self, context) -> ModelFileIOManager:
        return ModelFileIOManager(StorageLayout(self.base_path), self.keep_versions)


class PreviousTables(ConfigurableResource):
    """What an asset published last time (e.g. to keep cluster ids stable), and the place
    beside it for a table its blocking checks refused (write_audit_publish.py)."""

    base_path: str

    @property
    def layout(self) -> StorageLayout:
        return StorageLayout(self.base_path)

    def read(self, asset: str, partition: str) -> pd.DataFrame | None:
        path = self.layout.table(asset, partition)
        if not path.exists():
            return None
        return read_table(path).to_pandas()

    def read_current_model(self, asset: str, partition: str) -> tuple[bytes, str] | None:
        """The model file the asset published last (its bytes and recorded sha256), if any."""
        try:
            data, current = read_current_version(self.layout, asset, partition)
        except FileNotFoundError:
            return None
        return data, current.sha256

    def write_aside(self, asset: str, partition: str, table: pa.Table | pd.DataFrame) -> UPath:
        path = self.layout.failed_checks_table(asset, partition)
        write_table(path, table)
        return path
