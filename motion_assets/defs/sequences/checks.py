"""Checks on an ingested variant; the blocking ones keep a broken folder from training."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from motion_assets.core.sequences.rejections import RejectionKind
from motion_assets.core.sequences.window_width import WindowWidth
from motion_assets.defs.partitions import variant_check

CODE_SEQUENCES = "code_sequences"

CHECK_SPECS = [
    variant_check("codes_in_range", asset=CODE_SEQUENCES, blocking=True,
                  description="Every code id lies in [0, codebook_size) of its row"),
    variant_check("unique_sequence_ids", asset=CODE_SEQUENCES, blocking=True,
                  description="sequence_id is a key"),
    variant_check("rejected_share_below_threshold", asset=CODE_SEQUENCES, blocking=True,
                  description="Share of sequence files rejected stays under max_rejected_share"),
    variant_check("no_duplicate_segments", asset=CODE_SEQUENCES,
                  description="Warns when the same segment appears in several files"),
    variant_check("one_window_width", asset=CODE_SEQUENCES,
                  description="Warns when files of the variant mix window widths (the others "
                  "are rejected as mixed_width, each with its reason in rejected_files)"),
]


def codes_in_range(sequences: pa.Table) -> AssetCheckResult:
    codes = pc.list_flatten(sequences.column("codes"))
    row_of_code = pc.list_parent_indices(sequences.column("codes"))
    limits = pc.take(sequences.column("codebook_size"), row_of_code)
    bad = pc.sum(pc.or_(pc.less(codes, 0), pc.greater_equal(codes, limits))).as_py() or 0
    return AssetCheckResult(check_name="codes_in_range", passed=bad == 0,
                            metadata={"codes_checked": len(codes), "codes_out_of_range": bad})


def unique_sequence_ids(sequences: pa.Table) -> AssetCheckResult:
    distinct = pc.count_distinct(sequences.column("sequence_id")).as_py()
    return AssetCheckResult(check_name="unique_sequence_ids", passed=distinct == sequences.num_rows,
                            metadata={"rows": sequences.num_rows, "distinct_ids": distinct})


def rejected_share(sequence_files: int, rejected_files: int, threshold: float) -> AssetCheckResult:
    total = sequence_files + rejected_files
    share = rejected_files / total if total else 0.0
    return AssetCheckResult(
        check_name="rejected_share_below_threshold",
        passed=share <= threshold and sequence_files > 0,
        metadata={"rejected_files": rejected_files, "sequence_files": sequence_files,
                  "rejected_share": share, "threshold": threshold},
        description=None if sequence_files else "no readable sequence file in the folder",
    )


def no_duplicate_segments(sequences: pa.Table) -> AssetCheckResult:
    duplicates = sequences.num_rows - sequences.column("duplicate_of").null_count
    return AssetCheckResult(check_name="no_duplicate_segments", passed=duplicates == 0,
                            severity=AssetCheckSeverity.WARN,
                            metadata={"duplicate_segments": duplicates})


def one_window_width(width: WindowWidth, rejected: pa.Table) -> AssetCheckResult:
    misfits = pc.sum(pc.equal(rejected.column("kind"), str(RejectionKind.MIXED_WIDTH))).as_py() or 0
    return AssetCheckResult(
        check_name="one_window_width", passed=misfits == 0, severity=AssetCheckSeverity.WARN,
        metadata={"variant_width": width.width or 0, "width_source": width.source,
                  "files_per_width": MetadataValue.json(
                      {str(w): n for w, n in width.files_per_width.items()}),
                  "rejected_as_mixed_width": misfits},
        description=f"the variant's width is {width.describe()}" if width.width else None,
    )
