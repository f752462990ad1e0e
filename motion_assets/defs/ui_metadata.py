"""Metadata values that read well in the Dagster UI: tables, previews and inline plots."""

from __future__ import annotations

import base64

import pandas as pd
import pyarrow as pa
from dagster import MetadataValue, TableColumn, TableSchema


def image(png: bytes, title: str = "") -> MetadataValue:
    encoded = base64.b64encode(png).decode("ascii")
    return MetadataValue.md(f"![{title}](data:image/png;base64,{encoded})")


def markdown_table(frame: pd.DataFrame, max_rows: int = 10, max_chars: int = 60) -> MetadataValue:
    """A small markdown table (long cells shortened), for previews and listings."""
    def cell(value) -> str:
        text = str(value).replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= max_chars else text[: max_chars - 1] + "…"

    shown = frame.head(max_rows)
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |",
             "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    if len(frame) > max_rows:
        lines.append(f"\n… {len(frame) - max_rows} more rows")
    return MetadataValue.md("\n".join(lines))


def column_schema(schema: pa.Schema) -> TableSchema:
    return TableSchema(columns=[TableColumn(name=f.name, type=str(f.type)) for f in schema])
