"""Which parts of a history may hold which files: each part's range of paths, cached.

Every part is sorted by path, so its first and last path bound the files it scored. A run
needs the history of its own batch only; with these ranges it opens just the parts whose range
takes in one of the batch's paths, instead of every part. The ranges come from each part's
Parquet statistics and are cached in one file beside the history folder
(``<variant>.parts-index.parquet``): a run lists the folder (names only), reads the cache,
reads the footers of the parts the cache does not know yet, and writes the cache back when it
learnt any. The cache is never the record: a lost or stale entry is read again from its part,
and two runs writing it at once only cost the loser's entries a second read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from motion_assets.core.files.atomic_write import write_atomically
from motion_assets.core.files.layout import PART_PREFIX, TABLE_EXTENSION

INDEX_SCHEMA = pa.schema([("part", pa.string()), ("first_path", pa.string()),
                          ("last_path", pa.string()), ("rows", pa.int64())])
WHOLE_RANGE = ("", "\U0010ffff")  # a part without statistics may hold any path


def part_names(folder: UPath | str) -> list[str]:
    """The published parts of the history in ``folder``, oldest first (names start with their time)."""
    folder = UPath(folder)
    if not folder.exists():
        return []
    suffix = f".{TABLE_EXTENSION}"
    return sorted(path.name for path in folder.iterdir()
                  if path.name.startswith(PART_PREFIX) and path.name.endswith(suffix))


def index_file(folder: UPath | str) -> UPath:
    folder = UPath(folder)
    return folder.parent / f"{folder.name}.parts-index.parquet"


def part_ranges(folder: UPath | str) -> pd.DataFrame:
    """``part``, ``first_path``, ``last_path``, ``rows`` of every part now in ``folder``,
    oldest first (see the module doc)."""
    folder = UPath(folder)
    names = part_names(folder)
    cached = _read_cache(index_file(folder))
    known = cached[cached["part"].isin(names)]
    missing = sorted(set(names) - set(known["part"]))
    if missing:
        learnt = pd.DataFrame([(name, *_range_of(folder / name)) for name in missing],
                              columns=INDEX_SCHEMA.names)
        known = pd.concat([known, learnt], ignore_index=True)
        table = pa.Table.from_pandas(known.sort_values("part"), schema=INDEX_SCHEMA, preserve_index=False)
        write_atomically(index_file(folder), lambda handle: pq.write_table(table, handle, compression="zstd"))
    return known.sort_values("part", kind="stable").reset_index(drop=True)


def parts_holding(ranges: pd.DataFrame, paths) -> list[str]:
    """The parts of ``ranges`` whose path range takes in at least one of ``paths``."""
    wanted = np.sort(np.asarray(list(set(paths)), dtype=object))
    if not len(wanted) or ranges.empty:
        return []
    first = np.searchsorted(wanted, ranges["first_path"].to_numpy(dtype=object), side="left")
    past_last = np.searchsorted(wanted, ranges["last_path"].to_numpy(dtype=object), side="right")
    return ranges.loc[past_last > first, "part"].tolist()


def _range_of(part: UPath) -> tuple[str, str, int]:
    with part.open("rb") as handle:
        metadata = pq.ParquetFile(handle).metadata
    column = metadata.schema.names.index("path")
    firsts, lasts = [], []
    for group in range(metadata.num_row_groups):
        statistics = metadata.row_group(group).column(column).statistics
        if statistics is None or not statistics.has_min_max:
            return (*WHOLE_RANGE, metadata.num_rows)
        firsts.append(statistics.min)
        lasts.append(statistics.max)
    if not firsts:
        return (*WHOLE_RANGE, metadata.num_rows)
    return min(firsts), max(lasts), metadata.num_rows


def _read_cache(path: UPath) -> pd.DataFrame:
    try:
        with path.open("rb") as handle:
            table = pq.read_table(handle)
        if table.schema.remove_metadata() == INDEX_SCHEMA:
            return table.to_pandas()
    except (OSError, pa.ArrowException):
        pass  # no cache yet, or a broken one: every part's footer is read again
    return INDEX_SCHEMA.empty_table().to_pandas()
