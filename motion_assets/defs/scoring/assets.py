"""The scoring bundle per variant, and the append-only table of online scores."""

import io
import os
import time
from functools import partial

import pandas as pd
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

from motion_assets.core.curation.taxonomy import TaxonomyError, taxonomy_from_table
from motion_assets.core.encoder.checkpoint import load_encoder
from motion_assets.core.files.verified_pickle import sha256_hex
from motion_assets.core.scoring.bundle import (
    bundle_from_bytes,
    bundle_to_bytes,
    override_thresholds,
)
from motion_assets.core.scoring.config import ScoringBundleConfig
from motion_assets.core.scoring.deployed import deployed_bundle
from motion_assets.core.scoring.history import HISTORY_SCHEMA, append_scores, history_folder
from motion_assets.core.scoring.history_summary import carried_summary, recent_scores, summary_after
from motion_assets.core.scoring.identity import scoring_identity
from motion_assets.core.scoring.monitoring import cluster_share_drift, unknown_share_recent
from motion_assets.core.scoring.runtime_export import publish_runtime_export
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.sequences.incoming_files import confined_path, sequence_files_below
from motion_assets.core.sequences.ingest import read_sequence_paths
from motion_assets.defs.config_mirror import to_core
from motion_assets.defs.model_records import (
    latest_metadata,
    load_recorded_model,
    recorded_content_hash,
)
from motion_assets.defs.partitions import dataset_variants, variant_check
from motion_assets.defs.resources import TokenizerFolders
from motion_assets.defs.scoring.config import ScoreSequencesConfig, ScoringBundleRunConfig
from motion_assets.defs.storage import PreviousTables
from motion_assets.defs.ui_metadata import column_schema, readable_table


@asset(
    partitions_def=dataset_variants,
    io_manager_key="model_files",
    kinds={"pytorch", "sklearn"},
    group_name="scoring",
    ins={"sequence_encoder": AssetIn(), "hdbscan_model": AssetIn(), "bayes_gmm_model": AssetIn()},
    description="Everything needed to score one new sequence, in one content-hashed file: the "
    "featurizer x clusterer the evidence picks (held-out folds of labelled_sequences, else "
    "stability), the encoder's unknown detector (kNN novelty + next-code surprisal), "
    "thresholds calibrated on training and the curated vocabulary (cluster_taxonomy, names "
    "from the labelled subset, accepted new actions learnt from the last new_action_candidates)",
)
def scoring_bundle(
    context: AssetExecutionContext,
    config: ScoringBundleRunConfig,
    code_sequences: pd.DataFrame,
    sequence_encoder: bytes,
    hdbscan_model: bytes,
    bayes_gmm_model: bytes,
    cluster_taxonomy: pd.DataFrame,
    labelled_sequences: pd.DataFrame,
    previous_tables: PreviousTables,
) -> MaterializeResult:
    config = to_core(config, ScoringBundleConfig)
    fitted = {kind: load_recorded_model(context, f"{kind}_model", data)
              for kind, data in (("hdbscan", hdbscan_model), ("bayes_gmm", bayes_gmm_model))}
    try:
        deployment = deployed_bundle(
            load_encoder(io.BytesIO(sequence_encoder), device="cpu"), fitted, code_sequences,
            config, context.partition_key, taxonomy=taxonomy_from_table(cluster_taxonomy),
            labelled=labelled_sequences,
            candidates=previous_tables.read("new_action_candidates", context.partition_key),
            previous=_previous_bundle(context, previous_tables))
    except (TaxonomyError, ValueError) as error:
        raise Failure(f"scoring_bundle of {context.partition_key}: {error}") from None
    bundle, selection, names = deployment.bundle, deployment.selection, deployment.names
    data = bundle_to_bytes(bundle)
    # the CLI's numpy scoring runtime, beside the version (published after this body returns)
    runtime_export = publish_runtime_export(previous_tables.layout, context.partition_key, bundle,
                                            sha256_hex(data))
    thresholds = bundle.thresholds
    return MaterializeResult(
        value=data,
        metadata={
            "content_hash": sha256_hex(data),
            "bundle_version": sha256_hex(data)[:12],
            "deployed_method": selection.method,
            "clusterer": bundle.clusterer,
            "featurizer": bundle.featurizer_name,
            "selection_criterion": selection.criterion,
            "selection_reason": selection.reason,
            "selection": readable_table(pd.DataFrame(selection.record()["candidates"]),
                                        max_rows=60),
            "threshold": thresholds.probability,
            "threshold_method": thresholds.method,
            "unknown_score_threshold": thresholds.unknown_score,
            "unknown_voices": ", ".join(bundle.unknown_detector.voice_names),
            "noise_is_unknown": thresholds.noise_is_unknown,
            "training_unknown_share": thresholds.achieved_unknown_share
            if thresholds.achieved_unknown_share is not None
            else float(deployment.training_scores["unknown"].mean()),
            "online_vs_batch_agreement_non_noise": deployment.batch_agreement,
            "named_clusters": int((names["action"] != "unnamed").sum()),
            "accepted_new_actions": len(bundle.vocabulary.extensions),
            "bytes": len(data),
            "runtime_export": runtime_export,
        },
    )


MONITORING_CHECKS = [
    variant_check("recent_unknown_share", asset="online_scores",
                  description="Share of unknowns among the most recent scores stays under the limit"),
    variant_check("cluster_share_drift", asset="online_scores",
                  description="Cluster shares of online scores stay close to the training assignments"),
]


def _read_selection(config: ScoreSequencesConfig, variant_folder: str, settings):
    """The files the run was asked to score, confined to the variant's incoming folder;
    paths (and so sequence ids) stay relative to that folder, whatever was selected."""
    try:
        if config.folder is not None:
            files = sequence_files_below(variant_folder, confined_path(variant_folder, config.folder))
        else:
            files = [confined_path(variant_folder, path) for path in config.files]
    except ValueError as error:
        raise Failure(str(error)) from None
    return read_sequence_paths(variant_folder, files, settings)


def _previous_bundle(context: AssetExecutionContext, previous_tables: PreviousTables):
    """The bundle published last (its cluster ids are kept), or None: none, or unreadable."""
    published = previous_tables.read_current_model("scoring_bundle", context.partition_key)
    if published is None:
        return None
    try:
        return bundle_from_bytes(*published)
    except Exception as error:  # noqa: BLE001 - an old or damaged file: ids restart by size
        context.log.warning(f"previous scoring_bundle not readable, cluster ids by size: {error}")
        return None


@asset(
    partitions_def=dataset_variants,
    kinds={"parquet"},
    group_name="scoring",
    check_specs=MONITORING_CHECKS,
    description="Append-only history of online scores: a Parquet dataset folder "
    "<storage>/online_scores/<variant>/ with one part per run, keyed by file, content and "
    "scoring identity (bundle + thresholds); the latest run of each file is its current score",
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
    bundle = override_thresholds(bundle_from_bytes(scoring_bundle, recorded), config.threshold)
    asked = bool(config.files) or config.folder is not None
    if asked and not folders.incoming_root:
        raise Failure("no incoming_root configured (MOTION_ASSETS_INCOMING_ROOT)")
    # A pipeline run asks for nothing: it shows the history as it is, incoming folder or not.
    variant_folder = os.path.join(folders.incoming_root or "", variant)
    read_at = pd.Timestamp.now(tz="UTC")
    result = _read_selection(config, variant_folder, bundle.codebook_settings())
    identity = scoring_identity(bundle)
    folder = history_folder(previous_tables.base_path, variant)
    started = time.perf_counter()
    # runs of a variant take turns (run_tags.py), so the previous run's summary is this one's start
    before = carried_summary(latest_metadata(context.instance, "online_scores", variant), folder,
                             identity.scoring_id)
    appended = append_scores(folder, result.sequences.to_pandas(), identity,
                             partial(score_sequences, bundle), context.run.run_id, read_at)
    summary = summary_after(before, appended)
    yield MaterializeResult(metadata={
        "dagster/row_count": summary.counts.history_rows,
        "dagster/column_schema": column_schema("online_scores", HISTORY_SCHEMA),
        **summary.as_metadata(),
        "added_rows": len(appended.added),
        **({} if asked else {"note": MetadataValue.md(
            f"Nothing asked to score: rows arrive when new files land in the incoming folder "
            f"of `{variant}` (the scoring sensor runs score_sequences).")}),
        "unchanged_files": appended.unchanged_files,
        "unknown_now": int(appended.added["unknown"].sum()),
        "rejected_files": result.rejected.num_rows,
        "rejected_listing": readable_table(result.rejected.to_pandas(), asset="rejected_files",
                                           max_rows=30, max_chars=120),
        "scoring_id": identity.scoring_id,
        "threshold_source": identity.threshold_source,
        "bundle_hash": recorded,
        "history_folder": MetadataValue.path(str(folder)),
        "part": MetadataValue.path(str(appended.part)) if appended.part else "none (nothing new)",
        "seconds": round(time.perf_counter() - started, 3),
    })
    yield from _monitoring_results(config, recent_scores(folder, config.recent_window), summary.clusters, bundle)


def _monitoring_results(config: ScoreSequencesConfig, recent: pd.DataFrame, clusters: dict[int, int], bundle):
    """The two monitoring checks, on the current view (the latest score of each file):
    ``recent``, its latest rows in run order, and ``clusters``, its sequences per cluster
    under the run's scoring identity."""
    recent = unknown_share_recent(recent, config.recent_window)
    yield AssetCheckResult(
        check_name="recent_unknown_share", passed=not recent > config.max_unknown_share,
        severity=AssetCheckSeverity.WARN,
        metadata={"recent_unknown_share": recent, "window": config.recent_window,
                  "limit": config.max_unknown_share},
    )
    if not clusters:
        yield AssetCheckResult(check_name="cluster_share_drift", passed=True,
                               metadata={"scores_compared": 0})
        return
    drift = cluster_share_drift(clusters, bundle.training_cluster_counts)
    yield AssetCheckResult(
        check_name="cluster_share_drift", passed=drift.total_variation <= config.max_cluster_drift,
        severity=AssetCheckSeverity.WARN,
        metadata={"total_variation": drift.total_variation, "jensen_shannon_bits": drift.jensen_shannon,
                  "limit": config.max_cluster_drift, "scores_compared": sum(clusters.values()),
                  "new_clusters": MetadataValue.json(list(drift.new_clusters))},
    )
