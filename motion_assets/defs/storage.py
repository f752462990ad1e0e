"""Where tables live: Parquet files at ``<base>/<asset>/<partition>.parquet``.

The base is a local folder by default and any fsspec URL (s3://, gs://) by configuration.
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
    OutputContext,
    UPathIOManager,
)
from upath import UPath

from motion_assets.core.files.atomic_write import write_atomically
from motion_assets.defs.ui_metadata import column_schema


class ParquetTableIOManager(UPathIOManager):
    """Writes a pyarrow Table or pandas DataFrame atomically; reads back a DataFrame."""

    extension = ".parquet"

    def dump_to_path(self, context: OutputContext, obj, path: UPath) -> None:
        table = obj if isinstance(obj, pa.Table) else pa.Table.from_pandas(obj, preserve_index=False)
        write_atomically(path, lambda handle: pq.write_table(table, handle, compression="zstd"))
        # every table asset shows its stored columns, types and descriptions in the UI
        context.add_output_metadata(
            {"dagster/column_schema": column_schema(context.asset_key.path[-1], table.schema)})

    def load_from_path(self, context: InputContext, path: UPath) -> pd.DataFrame:
        with path.open("rb") as handle:
            return pq.read_table(io.BytesIO(handle.read())).to_pandas()


class ParquetTables(ConfigurableIOManagerFactory):
    """Parquet tables under ``base_path`` (a folder or an fsspec URL)."""

    base_path: str

    def create_io_manager(self, context) -> ParquetTableIOManager:
        return ParquetTableIOManager(base_path=UPath(self.base_path))


class ModelFileIOManager(UPathIOManager):
    """Models travel as bytes (a checkpoint, a bundle): written atomically, never unpickled here."""

    extension = ".bin"

    def dump_to_path(self, context: OutputContext, obj: bytes, path: UPath) -> None:
        if not isinstance(obj, bytes):
            raise TypeError(f"model assets must return bytes, got {type(obj).__name__}")
        write_atomically(path, lambda handle: handle.write(obj))

    def load_from_path(self, context: InputContext, path: UPath) -> bytes:
        return path.read_bytes()


class ModelFiles(ConfigurableIOManagerFactory):
    """Model files under ``base_path`` (a folder or an fsspec URL)."""

    base_path: str

    def create_io_manager(self, context) -> ModelFileIOManager:
        return ModelFileIOManager(base_path=UPath(self.base_path))


class PreviousTables(ConfigurableResource):
    """Read-only view of what an asset wrote last time (e.g. to keep cluster ids stable)."""

    base_path: str

    def read(self, asset: str, partition: str) -> pd.DataFrame | None:
        path = UPath(self.base_path) / asset / f"{partition}{ParquetTableIOManager.extension}"
        if not path.exists():
            return None
        with path.open("rb") as handle:
            return pq.read_table(io.BytesIO(handle.read())).to_pandas()
