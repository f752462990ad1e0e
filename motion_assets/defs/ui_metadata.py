"""Metadata values that read well in the Dagster UI: tables, column schemas and plots.

What Dagster 1.13 shows inline: a ``MetadataValue.table`` renders as a table on the asset
page; markdown shorter than 1000 characters renders inline, longer markdown (every image:
a PNG travels as a data URL) behind one "[Show Markdown]" click, which opens it at full
size. So tables go out as tables and each picture as one markdown image of its own.
"""

from __future__ import annotations

import base64
import math

import pandas as pd
import pyarrow as pa
from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from motion_assets.defs.column_docs import column_description

DIGITS = 3


def image(png: bytes, title: str = "") -> MetadataValue:
    encoded = base64.b64encode(png).decode("ascii")
    return MetadataValue.md(f"![{title}](data:image/png;base64,{encoded})")


def _cell(value, max_chars: int):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return int(value)
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        return round(float(value), DIGITS)
    text = " ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _column_type(series: pd.Series) -> str:
    kind = series.dtype.kind
    return {"b": "bool", "i": "int", "u": "int", "f": "float"}.get(kind, "string")


def without_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Without the columns that hold nothing (all null or empty text)."""
    empty = [c for c in frame.columns
             if frame[c].isna().all() or (frame[c].dtype.kind in "OTU" and
                                          frame[c].astype(str).str.strip().eq("").all())]
    return frame.drop(columns=empty)


def readable_table(frame: pd.DataFrame, *, asset: str | None = None, max_rows: int = 50,
          max_chars: int = 80) -> MetadataValue:
    """A table rendered inline: numbers rounded to 3 decimals, empty columns left out, long
    text shortened, a column schema whose descriptions come from ``column_docs`` (looked up
    under ``asset``), at most ``max_rows`` rows."""
    frame = without_empty_columns(frame.reset_index(drop=True))
    shown = frame.head(max_rows)
    schema = TableSchema(columns=[
        TableColumn(name=str(c), type=_column_type(frame[c]),
                    description=column_description(asset, str(c)) if asset else None)
        for c in frame.columns])
    records = [TableRecord({str(c): _cell(v, max_chars) for c, v in zip(shown.columns, row)})
               for row in shown.itertuples(index=False)]
    return MetadataValue.table(records=records, schema=schema)


def markdown_table(frame: pd.DataFrame, max_rows: int = 10, max_chars: int = 60) -> MetadataValue:
    """A small markdown table (long cells shortened), where a table sits inside other text."""
    def cell(value) -> str:
        text = str(value).replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= max_chars else text[: max_chars - 1] + "…"

    shown = without_empty_columns(frame).head(max_rows)
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |",
             "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    if len(frame) > max_rows:
        lines.append(f"\n… {len(frame) - max_rows} more rows")
    return MetadataValue.md("\n".join(lines))


def column_schema(asset: str, schema: pa.Schema) -> TableSchema:
    """The stored table's columns with their types and what each one holds."""
    return TableSchema(columns=[
        TableColumn(name=f.name, type=str(f.type), description=column_description(asset, f.name))
        for f in schema])
