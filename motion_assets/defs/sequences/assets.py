"""Tokenizer output folders -> the ``code_sequences`` table, its usage and the labelled subset."""


import os
import time
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from dagster import (
    AssetExecutionContext,
    AssetOut,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from motion_assets.core.evaluation import plots
from motion_assets.core.sequences.codebook_usage import (
    code_frequency_table,
    digit_level_usage,
    measure_codebook_usage,
)
from motion_assets.core.sequences.config import IngestConfig, LabelledSequencesConfig
from motion_assets.core.sequences.folder_state import folder_fingerprint, is_visible_folder
from motion_assets.core.sequences.fsq import Codebook
from motion_assets.core.sequences.ingest import IngestResult, read_sequence_folder
from motion_assets.core.sequences.table import CODE_SEQUENCES_SCHEMA, codes_of
from motion_assets.defs.config_mirror import to_core
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.resources import TokenizerFolders
from motion_assets.defs.sequences import checks
from motion_assets.defs.sequences.config import IngestRunConfig, LabelledSequencesRunConfig
from motion_assets.defs.storage import PreviousTables
from motion_assets.defs.ui_metadata import image, readable_table
from motion_assets.defs.write_audit_publish import publish_if_checks_pass

PREVIEW_COLUMNS = ["sequence_id", "video", "label", "window_count", "codes_per_window", "codes"]


def _preview(sequences: pa.Table) -> MetadataValue:
    frame = sequences.slice(0, 10).select(PREVIEW_COLUMNS).to_pandas()
    frame["codes"] = [" ".join(map(str, codes[:8])) + " …" for codes in frame["codes"]]
    return readable_table(frame, asset="code_sequences", max_rows=10)


def _ingest_metadata(result: IngestResult, seconds: float) -> dict:
    sequences = result.sequences
    ignored_why = Counter(result.ignored.column("why").to_pylist())
    return {
        "dagster/row_count": sequences.num_rows,
        "preview": _preview(sequences),
        "rejected_files": result.rejected.num_rows,
        "ignored_files": result.ignored.num_rows,
        "ignored_by_reason": readable_table(
            pd.DataFrame(ignored_why.most_common(), columns=["why", "files"])),
        "non_json_files": MetadataValue.json(result.other_files),
        "duplicate_segments": sequences.num_rows - sequences.column("duplicate_of").null_count,
        "codes_per_window": MetadataValue.json(
            sorted(set(sequences.column("codes_per_window").to_pylist()))),
        "codebook_size": result.codebook.size,
        "codebook_levels": MetadataValue.json(list(result.codebook.levels or [])),
        "warnings": MetadataValue.md("\n".join(f"- {w}" for w in result.warnings) or "none"),
        "seconds": round(seconds, 2),
        "files_per_second": round(result.files_seen / max(seconds, 1e-9)),
    }


@multi_asset(
    outs={
        "code_sequences": AssetOut(
            io_manager_key="tables", kinds={"parquet"}, group_name="sequences",
            description="One row per valid code sequence of the variant (see core/sequences/table.py)",
        ),
        "rejected_files": AssetOut(
            io_manager_key="tables", kinds={"parquet"}, group_name="sequences",
            description="Every file, .jsonl line or folder refused as a sequence: kind and detail",
        ),
    },
    partitions_def=dataset_variants,
    check_specs=checks.CHECK_SPECS,
)
def code_sequences(context: AssetExecutionContext, config: IngestRunConfig, folders: TokenizerFolders,
                   previous_tables: PreviousTables):
    config = to_core(config, IngestConfig)
    variant = context.partition_key
    root = folders.variant_folder(variant)
    if not os.path.isdir(root):
        raise Failure(f"variant folder {root} does not exist (inference_root={folders.inference_root})")
    try:
        fingerprint = folder_fingerprint(root)  # taken first: files landing mid-read trigger a rerun
    except OSError as error:
        raise Failure(f"variant folder {root} cannot be listed: {error.strerror or error}") from None
    started = time.perf_counter()
    result = read_sequence_folder(root, config.codebook_settings(variant), workers=config.workers or None)
    seconds = time.perf_counter() - started
    for warning in result.warnings:
        context.log.warning(warning)
    sequences, rejected = result.sequences, result.rejected
    tables = [MaterializeResult(
        asset_key="code_sequences",
        value=sequences,
        metadata={**_ingest_metadata(result, seconds), "folder_fingerprint": fingerprint,
                  "variant_folder": root},
    ), MaterializeResult(
        asset_key="rejected_files",
        value=rejected,
        metadata={
            "dagster/row_count": rejected.num_rows,
            "by_kind": readable_table(_kind_counts(rejected), max_rows=20),
            "listing": readable_table(rejected.to_pandas(), asset="rejected_files", max_rows=50,
                                      max_chars=120),
        },
    )]
    sequence_files = len(set(sequences.column("relative_path").to_pylist()))
    rejected_files = len(set(rejected.column("relative_path").to_pylist()))
    # Checked before the I/O manager sees the tables: a refused table never replaces the last good one.
    yield from publish_if_checks_pass(context, previous_tables, tables, [
        checks.codes_in_range(sequences),
        checks.unique_sequence_ids(sequences),
        checks.rejected_share(sequence_files, rejected_files, config.max_rejected_share),
        checks.no_duplicate_segments(sequences),
        checks.one_window_width(result.window_width, rejected),
    ])


def _kind_counts(rejected: pa.Table) -> pd.DataFrame:
    kinds = Counter(rejected.column("kind").to_pylist())
    return pd.DataFrame(kinds.most_common(), columns=["kind", "rejections"])


@asset(
    partitions_def=dataset_variants,
    io_manager_key="tables",
    kinds={"parquet"},
    group_name="sequences",
    description="Per code id: occurrences and FSQ digits; metadata says how collapsed the codebook is",
)
def codebook_usage(code_sequences: pd.DataFrame) -> MaterializeResult:
    sizes = code_sequences["codebook_size"].unique()
    size = int(sizes.max())
    levels = next((tuple(v) for v in code_sequences["codebook_levels"] if v is not None), None)
    codebook = Codebook(size=size, levels=levels)
    usage = measure_codebook_usage(codes_of(code_sequences), size)
    ranked = np.sort(usage.counts)[::-1]
    ranked = ranked[ranked > 0]
    lengths = usage.length_histogram()
    table = code_frequency_table(usage, codebook)
    return MaterializeResult(
        value=table,
        metadata={
            "dagster/row_count": len(table),
            "codebook_size": size,
            "codes_used": usage.codes_used,
            "usage_share": round(usage.usage_share, 4),
            "dead_codes": usage.dead_codes,
            "entropy_bits": round(usage.entropy_bits, 3),
            "perplexity": round(usage.perplexity, 1),
            "digit_level_usage": MetadataValue.json(digit_level_usage(usage, codebook)),
            "top_codes": readable_table(usage.top_codes(15), max_rows=15),
            "rank_frequency_plot": image(plots.line_png(
                {"occurrences": ranked.tolist()}, title="Code frequency by rank",
                xlabel="rank", ylabel="occurrences", logy=True)),
            "length_histogram": image(plots.bar_png(
                lengths.index.tolist(), lengths.tolist(), title="Codes per sequence",
                ylabel="sequences")),
        },
    )


@asset(
    partitions_def=dataset_variants,
    io_manager_key="tables",
    kinds={"parquet"},
    group_name="sequences",
    description="The hand-labelled subset of the variant, labels merged by the configured map",
)
def labelled_sequences(
    context: AssetExecutionContext, config: LabelledSequencesRunConfig, folders: TokenizerFolders
) -> MaterializeResult:
    config = to_core(config, LabelledSequencesConfig)
    labels = config.label_processing
    variant = context.partition_key
    root = _labelled_folder(folders, variant, labels.shared_labelled_root)
    if root is None:
        context.log.warning(f"no labelled folder for {variant} under {folders.labelled_root!r}")
        empty = CODE_SEQUENCES_SCHEMA.append(pa.field("raw_label", pa.string())).empty_table()
        return MaterializeResult(value=empty, metadata={"dagster/row_count": 0, "labelled_folder": "none"})
    result = read_sequence_folder(
        root, config.codebook_settings(variant), label_depth=labels.label_depth
    )
    sequences = result.sequences
    raw = sequences.column("label")
    merged = pa.array(labels.merged(raw.to_pylist()), pa.string())
    sequences = sequences.set_column(sequences.schema.get_field_index("label"), "label", merged)
    sequences = sequences.append_column("raw_label", raw)
    counts = pc.value_counts(merged).to_pylist()
    return MaterializeResult(
        value=sequences,
        metadata={
            "dagster/row_count": sequences.num_rows,
            "labelled_folder": root,
            "labels": readable_table(
                pd.DataFrame([(c["values"], c["counts"]) for c in counts], columns=["label", "sequences"]),
                max_rows=50),
            "rejected_files": result.rejected.num_rows,
            "rejected_listing": readable_table(result.rejected.to_pandas(), asset="rejected_files",
                                               max_rows=50, max_chars=120),
            "ignored_files": result.ignored.num_rows,
            "merge_map": MetadataValue.json(labels.merge_map),
        },
    )


def _labelled_folder(folders: TokenizerFolders, variant: str, shared: bool) -> str | None:
    """``<labelled_root>/<variant>``; or the root itself in the older shared layout
    (``<labelled_root>/<label>/...``), when configured or when no folder there is a variant."""
    root = folders.labelled_root
    if not root or not os.path.isdir(root):
        return None
    per_variant = os.path.join(root, variant)
    if not shared and os.path.isdir(per_variant):
        return per_variant
    with os.scandir(root) as entries:
        subfolders = {e.name for e in entries if is_visible_folder(e)}
    inference = folders.inference_root
    variants = set(os.listdir(inference)) if os.path.isdir(inference) else set()
    return root if shared or (subfolders and not subfolders & variants) else None
