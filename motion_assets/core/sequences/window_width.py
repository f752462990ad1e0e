"""One window width per variant: the width most of its files have, or the configured one.

A tokenizer writes d codes per window (14 today, 16 in older exports); a variant whose files
mix widths mixes two tokenizers, and a model trained on both learns neither. The variant's
width is the configured ``codes_per_window`` when there is one, else the width held by the
most files (on a tie, the wider). Rows of another width are rejected as ``mixed_width``,
each with its own reason; flat codes that declare no width (``.jsonl`` rows, flat exports
without ``meta.encoder_sequence_len``) are cut into windows of the variant's width, rejected
as ``ragged_windows`` when they do not split, and as ``unknown_width`` when no file and no
setting says what the width is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from motion_assets.core.sequences.rejections import RejectionKind as Kind


@dataclass(frozen=True)
class WindowWidth:
    """The variant's width, where it came from, and how many files had each width."""

    width: int | None
    source: str  # "configured", "majority" or "unknown"
    files_per_width: dict[int, int] = field(default_factory=dict)

    def describe(self) -> str:
        if self.source == "configured":
            return f"{self.width} (configured)"
        total = sum(self.files_per_width.values())
        return f"{self.width} (held by {self.files_per_width.get(self.width, 0)} of {total} files)"


def variant_width(paths: list[str], widths: list[int | None], configured: int | None) -> WindowWidth:
    """The variant's width from each row's file and declared width (None: undeclared)."""
    files_per_width = Counter(width for _, width in {(p, w) for p, w in zip(paths, widths) if w})
    counts = dict(sorted(files_per_width.items()))
    if configured:
        return WindowWidth(configured, "configured", counts)
    if not counts:
        return WindowWidth(None, "unknown", counts)
    return WindowWidth(max(counts, key=lambda width: (counts[width], width)), "majority", counts)


def _settle(paths, lines, widths, lengths, configured: int | None):
    """(the width, which rows stay (None: all, none to settle), the rejections)."""
    width = variant_width(paths, widths, configured)
    if width.width is not None and all(w == width.width for w in widths):
        return width, None, []
    keep, rejected = [], []
    for path, line, row_width, length in zip(paths, lines, widths, lengths):
        problem = _misfit(row_width, length, width)
        keep.append(problem is None)
        if problem:
            rejected.append((path, line, *problem))
    return width, keep, rejected


def settle_window_width(sequences: pa.Table, configured: int | None
                        ) -> tuple[pa.Table, list[tuple[str, int | None, Kind, str]], WindowWidth]:
    """Give undeclared rows the variant's width and take out the rows that do not fit it.

    Returns the kept rows, the rejections (relative_path, line, kind, detail) and the width.
    """
    columns = [sequences.column(name).to_pylist()
               for name in ("relative_path", "line", "codes_per_window", "length")]
    width, keep, rejected = _settle(*columns, configured)
    if keep is None:
        return sequences, [], width
    kept = sequences.filter(pa.array(keep, pa.bool_()))
    declared = kept.column("codes_per_window")
    if declared.null_count:
        import pyarrow.compute as pc  # here: its import is ~0.08 s of a scoring CLI's CPU

        settled = pc.fill_null(declared, width.width)
        counts = pc.divide(kept.column("length"), settled).cast(pa.int32())
        kept = kept.set_column(kept.schema.get_field_index("codes_per_window"), "codes_per_window",
                               settled.cast(pa.int32()))
        kept = kept.set_column(kept.schema.get_field_index("window_count"), "window_count", counts)
    return kept, rejected, width


def settle_row_widths(rows: list[dict], configured: int | None
                      ) -> tuple[list[dict], list[tuple[str, int | None, Kind, str]], WindowWidth]:
    """:func:`settle_window_width` of plain record rows (ingest.py ``read_plain_rows``)."""
    columns = [[row[name] for row in rows]
               for name in ("relative_path", "line", "codes_per_window", "length")]
    width, keep, rejected = _settle(*columns, configured)
    if keep is None:
        return rows, [], width
    kept = [row for row, stays in zip(rows, keep) if stays]
    for row in kept:
        if row["codes_per_window"] is None:
            row["codes_per_window"], row["window_count"] = width.width, row["length"] // width.width
    return kept, rejected, width


def _misfit(row_width: int | None, length: int, width: WindowWidth) -> tuple[Kind, str] | None:
    if row_width is None:
        if width.width is None:
            return Kind.UNKNOWN_WIDTH, ("flat codes without a window width, and no file of the "
                                        "variant nor its configuration says the width")
        if length % width.width:
            return Kind.RAGGED_WINDOWS, (f"ragged windows: {length} flat codes do not split into "
                                         f"windows of {width.describe()}, the variant's width")
        return None
    if row_width != width.width:
        return Kind.MIXED_WIDTH, (f"{row_width} codes per window; the variant's width is "
                                  f"{width.describe()}")
    return None
