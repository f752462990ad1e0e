"""The scoring bundle per variant, and the append-only table of online scores."""

import io
import os
import time

import pandas as pd
import pyarrow as pa
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from upath import UPath

from motion_assets.core.encoder.checkpoint import load_encoder
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.features.featurizers import table_levels
from motion_assets.core.files.verified_pickle import sha256_hex
from motion_assets.core.scoring.bundle import (
    Thresholds,
    bundle_from_bytes,
    bundle_to_bytes,
    make_scoring_bundle,
)
from motion_assets.core.scoring.calibration import calibrated_bundle
from motion_assets.core.scoring.monitoring import cluster_share_drift, unknown_share_recent
from motion_assets.core.scoring.output import write_scores_jsonl
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.sequences.ingest import read_sequence_folder, read_sequence_paths
from motion_assets.core.sequences.table import unique_sequences
from motion_assets.defs.model_records import load_recorded_model, recorded_content_hash
from motion_assets.defs.partitions import dataset_variants, variant_check
from motion_assets.defs.resources import TokenizerFolders
from motion_assets.defs.scoring.config import ScoreSequencesConfig, ScoringBundleConfig
from motion_assets.defs.storage import PreviousTables
from motion_assets.defs.ui_metadata import markdown_table


@asset(
    partitions_def=dataset_variants,
    io_manager_key="model_files",
    kinds={"pytorch", "sklearn"},
    group_name="scoring",
    ins={"sequence_encoder": AssetIn(), "hdbscan_model": AssetIn(), "bayes_gmm_model": AssetIn()},
    description="Everything needed to score one new sequence: encoder, preprocessing, the chosen "
    "cluster model and the unknown threshold, in one content-hashed file",
)
def scoring_bundle(
    context: AssetExecutionContext,
    config: ScoringBundleConfig,
    code_sequences: pd.DataFrame,
    hdbscan_clusters: pd.DataFrame,
    bayes_gmm_clusters: pd.DataFrame,
    sequence_encoder: bytes,
    hdbscan_model: bytes,
    bayes_gmm_model: bytes,
) -> MaterializeResult:
    models = {"hdbscan": (hdbscan_model, hdbscan_clusters), "bayes_gmm": (bayes_gmm_model, bayes_gmm_clusters)}
    if config.clusterer not in models:
        raise Failure(f"clusterer must be one of {sorted(models)}, got {config.clusterer!r}")
    model_bytes, batch = models[config.clusterer]
    pipeline = load_recorded_model(context, f"{config.clusterer}_model", model_bytes)
    training = unique_sequences(code_sequences)
    bundle = make_scoring_bundle(
        EncoderFeaturizer.from_model(load_encoder(io.BytesIO(sequence_encoder), device="cpu")),
        pipeline, variant=context.partition_key,
        codebook_size=int(code_sequences["codebook_size"].max()),
        codebook_levels=table_levels(code_sequences),
        codes_per_window=int(code_sequences["codes_per_window"].mode().iloc[0]),
        training_rows=len(training),
    )
    if config.threshold is not None:
        bundle.thresholds = Thresholds(config.threshold, "configured", config.threshold)
    online = score_sequences(bundle, training)  # one pass: parity below and calibration
    if config.threshold is None:
        bundle = calibrated_bundle(bundle, training, config.target_unknown_share,
                                   noise_is_unknown=config.noise_is_unknown, training_scores=online)
    data = bundle_to_bytes(bundle)
    batch_clusters = batch.set_index("sequence_id").loc[training["sequence_id"], "cluster"].to_numpy()
    clustered = batch_clusters >= 0
    agreement = float((online["cluster"].to_numpy()[clustered] == batch_clusters[clustered]).mean())
    thresholds = bundle.thresholds
    return MaterializeResult(
        value=data,
        metadata={
            "content_hash": sha256_hex(data),
            "bundle_version": sha256_hex(data)[:12],
            "clusterer": config.clusterer,
            "featurizer": bundle.featurizer_name,
            "threshold": thresholds.probability,
            "threshold_method": thresholds.method,
            "novelty_threshold": thresholds.novelty,
            "noise_is_unknown": thresholds.noise_is_unknown,
            "training_unknown_share": thresholds.achieved_unknown_share
            if thresholds.achieved_unknown_share is not None else float(online["unknown"].mean()),
            "online_vs_batch_agreement_non_noise": agreement,
            "bytes": len(data),
        },
    )


MONITORING_CHECKS = [
    variant_check("recent_unknown_share", asset="online_scores",
                  description="Share of unknowns among the most recent scores stays under the limit"),
    variant_check("cluster_share_drift", asset="online_scores",
                  description="Cluster shares of online scores stay close to the training assignments"),
]


def _files_to_score(config: ScoreSequencesConfig, variant_folder: str) -> list[str]:
    relative = []
    for path in config.files:
        absolute = os.path.abspath(path if os.path.isabs(path) else os.path.join(variant_folder, path))
        if os.path.commonpath([absolute, os.path.abspath(variant_folder)]) != os.path.abspath(variant_folder):
            raise Failure(f"{path} is not inside the incoming folder {variant_folder}")
        relative.append(os.path.relpath(absolute, variant_folder))
    return relative


@asset(
    partitions_def=dataset_variants,
    io_manager_key="tables",
    kinds={"parquet"},
    group_name="scoring",
    check_specs=MONITORING_CHECKS,
    description="Append-only scores of new tokenizer output: one row per sequence and bundle "
    "version (scoring a file again adds nothing); a results.jsonl beside it",
)
def online_scores(
    context: AssetExecutionContext,
    config: ScoreSequencesConfig,
    folders: TokenizerFolders,
    previous_tables: PreviousTables,
    scoring_bundle: bytes,
):
    variant = context.partition_key
    recorded = recorded_content_hash(context, "scoring_bundle")
    if config.bundle_version and not (recorded or "").startswith(config.bundle_version):
        raise Failure(f"latest scoring_bundle of {variant} is {recorded}, not {config.bundle_version}")
    bundle = bundle_from_bytes(scoring_bundle, recorded)
    if config.threshold is not None:
        bundle.thresholds = Thresholds(config.threshold, "configured", config.threshold)
    if not folders.incoming_root:
        raise Failure("no incoming_root configured (MOTION_ASSETS_INCOMING_ROOT)")
    variant_folder = os.path.join(folders.incoming_root, variant)
    settings = bundle.codebook_settings()
    if config.folder is not None:
        result = read_sequence_folder(os.path.join(variant_folder, config.folder), settings)
    else:
        result = read_sequence_paths(variant_folder, _files_to_score(config, variant_folder), settings)
    table = result.sequences.to_pandas()
    started = time.perf_counter()
    scores = score_sequences(bundle, table) if len(table) else score_sequences(bundle, table.head(0))
    seconds = time.perf_counter() - started
    scores.insert(1, "path", table["relative_path"].to_numpy() if len(table) else [])
    scores["scored_at"] = pd.Timestamp.now(tz="UTC")
    scores["run_id"] = context.run.run_id
    previous = previous_tables.read("online_scores", variant)
    history = scores if previous is None else pd.concat([previous, scores], ignore_index=True)
    history = history.drop_duplicates(["sequence_id", "bundle_hash"], keep="first").reset_index(drop=True)
    added = len(history) - (0 if previous is None else len(previous))
    jsonl = UPath(previous_tables.base_path) / "online_scores" / f"{variant}.results.jsonl"
    write_scores_jsonl(jsonl, history)
    yield MaterializeResult(
        value=pa.Table.from_pandas(history, preserve_index=False),
        metadata={
            "dagster/row_count": len(history),
            "scored_now": len(scores),
            "added_rows": added,
            "unknown_now": int(scores["unknown"].sum()),
            "rejected_files": result.rejected.num_rows,
            "rejected_listing": markdown_table(result.rejected.to_pandas(), max_rows=30, max_chars=100),
            "bundle_hash": recorded,
            "results_jsonl": MetadataValue.path(str(jsonl)),
            "seconds": round(seconds, 3),
        },
    )
    recent = unknown_share_recent(history, config.recent_window)
    yield AssetCheckResult(
        check_name="recent_unknown_share", passed=not recent > config.max_unknown_share,
        severity=AssetCheckSeverity.WARN,
        metadata={"recent_unknown_share": recent, "window": config.recent_window,
                  "limit": config.max_unknown_share},
    )
    current = history[history["bundle_hash"] == recorded]
    if current.empty:
        yield AssetCheckResult(check_name="cluster_share_drift", passed=True,
                               metadata={"scores_compared": 0})
        return
    drift = cluster_share_drift(current["cluster"].to_numpy(), bundle.training_cluster_counts)
    yield AssetCheckResult(
        check_name="cluster_share_drift", passed=drift.total_variation <= config.max_cluster_drift,
        severity=AssetCheckSeverity.WARN,
        metadata={"total_variation": drift.total_variation, "jensen_shannon_bits": drift.jensen_shannon,
                  "limit": config.max_cluster_drift, "scores_compared": len(current),
                  "new_clusters": MetadataValue.json(list(drift.new_clusters))},
    )
