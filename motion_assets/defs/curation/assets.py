"""From clusters to named actions: the curated taxonomy, cluster names, clips to label next,
and new actions proposed from the unknowns (logic in core/curation and core/scoring)."""

import dataclasses

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetSpec,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from motion_assets.core.curation.candidates import carry_accepted, propose_candidates
from motion_assets.core.curation.label_queue import candidate_pool
from motion_assets.core.curation.label_queue import clips_to_label as pick_clips_to_label
from motion_assets.core.curation.taxonomy import (
    TaxonomyError,
    describe,
    load_taxonomy,
    taxonomy_changes,
    taxonomy_from_table,
    taxonomy_table,
)
from motion_assets.core.scoring.curation import labelled_names
from motion_assets.core.scoring.history import current_scores, history_folder, read_history
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.sequences.table import unique_sequences
from motion_assets.defs.curation.loading import current_unknowns, load_bundle
from motion_assets.defs.curation.resources import TaxonomyFiles
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.resources import TokenizerFolders
from motion_assets.defs.storage import PreviousTables
from motion_assets.defs.ui_metadata import markdown_table

taxonomy_file = AssetSpec(
    "taxonomy_file", partitions_def=dataset_variants, group_name="curation", kinds={"yaml"},
    description="The YAML file a person edits per variant (<taxonomy folder>/<variant>.yaml): "
    "rename, merge, split clusters, mark 'not an action', accept proposed new actions. "
    "taxonomy_sensor observes it; a change makes everything below it stale and re-runs it.",
)


@asset(partitions_def=dataset_variants, io_manager_key="tables", kinds={"yaml", "parquet"},
       group_name="curation", deps=[taxonomy_file],
       description="The variant's validated taxonomy, one row per decision, and what changed "
       "since the last version (a bad file fails with one line and keeps the last good one)")
def cluster_taxonomy(context: AssetExecutionContext, taxonomy_files: TaxonomyFiles,
                     previous_tables: PreviousTables) -> MaterializeResult:
    variant = context.partition_key
    try:
        taxonomy = load_taxonomy(taxonomy_files.path(variant))
    except TaxonomyError as error:
        raise Failure(str(error)) from None
    previous = previous_tables.read("cluster_taxonomy", variant)
    changes = taxonomy_changes(None if previous is None else taxonomy_from_table(previous), taxonomy)
    table = taxonomy_table(taxonomy)
    return MaterializeResult(
        value=table, data_version=DataVersion(taxonomy.sha256 or "no-file"),
        metadata={
            "dagster/row_count": len(table), "file": MetadataValue.path(taxonomy.source),
            "sha256": taxonomy.sha256 or "no file (empty taxonomy)",
            "decisions": markdown_table(pd.DataFrame(
                [(c, describe(d)) for c, d in sorted(taxonomy.clusters.items())],
                columns=["cluster", "decision"])),
            "accepted_candidates": MetadataValue.json(taxonomy.accept),
            "changes": MetadataValue.md("\n".join(f"- {line}" for line in changes) or "no change"),
        })


@asset(partitions_def=dataset_variants, io_manager_key="tables", kinds={"parquet"},
       group_name="curation",
       description="Every cluster of the deployed bundle with the label most of its labelled "
       "members carry (purity, support, Wilson confidence; 'unnamed' when thin) and the name "
       "the bundle gives it after the taxonomy. Uses the labelled subset.")
def cluster_names(context: AssetExecutionContext, scoring_bundle: bytes,
                  labelled_sequences: pd.DataFrame) -> MaterializeResult:
    bundle = load_bundle(context, scoring_bundle)
    names = labelled_names(bundle, labelled_sequences).rename(columns={"action": "suggested"})
    vocabulary = bundle.vocabulary
    names["action"] = [vocabulary.action_name(int(c)) if vocabulary else s
                       for c, s in zip(names["cluster"], names["suggested"])]
    return MaterializeResult(value=names, metadata={
        "dagster/row_count": len(names),
        "named": int((names["action"] != "unnamed").sum()),
        "names": markdown_table(names.round(3), max_rows=60),
    })


@asset(partitions_def=dataset_variants, io_manager_key="tables", kinds={"parquet"},
       group_name="curation",
       description="The most useful clips to label next (each cluster's typical clips, the "
       "least certain members, a sample of unknowns) among a seeded draw of at most 5,000 "
       "unlabelled sequences, with the reason, capped to an hour's work")
def clips_to_label(context: AssetExecutionContext, scoring_bundle: bytes,
                   code_sequences: pd.DataFrame, labelled_sequences: pd.DataFrame) -> MaterializeResult:
    bundle = load_bundle(context, scoring_bundle)
    sequences = candidate_pool(unique_sequences(code_sequences), labelled_sequences["content_hash"])
    scores = score_sequences(bundle, sequences).assign(
        path=sequences["relative_path"].to_numpy(), content_hash=sequences["content_hash"].to_numpy(),
        video_segment_path=sequences["video_segment_path"].to_numpy())
    queue = pick_clips_to_label(scores, labelled_sequences["content_hash"])
    return MaterializeResult(value=queue, metadata={
        "dagster/row_count": len(queue),
        "by_reason": MetadataValue.json(queue["reason"].value_counts().to_dict()),
        "queue": markdown_table(queue[["rank", "path", "reason", "detail"]], max_rows=60),
    })


@asset(partitions_def=dataset_variants, io_manager_key="tables", kinds={"hdbscan", "parquet"},
       group_name="curation", deps=["online_scores"],
       description="Candidate new actions clustered from the current unknown online scores: "
       "size, exemplar clips, distinctive code n-grams, distance to the nearest known cluster. "
       "Accept one in the taxonomy file; the next scoring_bundle learns it from these members "
       "(it reads this table's last version). Accepted candidates are kept here for good.")
def new_action_candidates(context: AssetExecutionContext, scoring_bundle: bytes,
                          code_sequences: pd.DataFrame, cluster_taxonomy: pd.DataFrame,
                          folders: TokenizerFolders,
                          previous_tables: PreviousTables) -> MaterializeResult:
    variant = context.partition_key
    bundle = load_bundle(context, scoring_bundle)
    history = read_history(history_folder(previous_tables.base_path, variant))
    unknown = current_unknowns(bundle, current_scores(history), folders, variant)
    training = unique_sequences(code_sequences)
    model_only = dataclasses.replace(bundle, vocabulary=None)
    previous = previous_tables.read("new_action_candidates", variant)
    candidates = propose_candidates(
        unknown, bundle.featurizer.transform(unknown) if len(unknown) else None,
        bundle.featurizer.transform(training),
        score_sequences(model_only, training)["cluster"].to_numpy(), training["codes"].tolist(),
        previous=previous)
    candidates = carry_accepted(candidates, previous, taxonomy_from_table(cluster_taxonomy).accept)
    shown = candidates[["candidate", "status", "size", "nearest_cluster", "separation",
                        "signature", "exemplars"]].round(2)
    return MaterializeResult(value=candidates, metadata={
        "dagster/row_count": len(candidates), "unknown_sequences": len(unknown),
        "candidates": markdown_table(shown, max_rows=30, max_chars=120),
    })
