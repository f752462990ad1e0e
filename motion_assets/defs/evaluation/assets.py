"""Judge clusterings against the hand-labelled subset: the scoring bundle's model, the
variant's own encoder fits, and every featurizer x clusterer, with a per-sequence table anyone
can recompute the numbers from."""

import io

import pandas as pd
import pyarrow as pa
from dagster import AssetExecutionContext, AssetIn, AssetOut, MaterializeResult, multi_asset

from motion_assets.core.encoder.checkpoint import load_encoder
from motion_assets.core.evaluation.cluster_plots import confusion_matrix_png
from motion_assets.core.evaluation.config import LeaderboardConfig
from motion_assets.core.scoring.bundle import bundle_from_bytes
from motion_assets.core.scoring.labelled import (
    LEADERBOARD_COLUMNS,
    PER_SEQUENCE_COLUMNS,
    judge_on_labels,
)
from motion_assets.defs.config_mirror import to_core
from motion_assets.defs.evaluation.config import LeaderboardRunConfig
from motion_assets.defs.model_records import load_recorded_model, recorded_content_hash
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.ui_metadata import image, readable_table

VARIANT_FITS = ("hdbscan", "bayes_gmm")
LEADERBOARD_SHOWN = ["method", "deployed", "ari", "nmi", "ami", "purity", "accuracy", "noise_share",
                     "n_clusters"]


@multi_asset(
    outs={
        "labelled_evaluation": AssetOut(
            io_manager_key="tables", kinds={"parquet"}, group_name="evaluation",
            description="Per labelled sequence and method: label, cluster, probability, unknown "
            "(methods: deployed/<featurizer>/<clusterer>, the scoring bundle's model, and "
            "variant_fit/<kind> through the scoring path; <featurizer>/<clusterer>)",
        ),
        "labelled_leaderboard": AssetOut(
            io_manager_key="tables", kinds={"parquet"}, group_name="evaluation",
            description="One row per method: ARI, AMI, NMI, homogeneity, completeness, V-measure, "
            "purity, Hungarian accuracy, noise share",
        ),
    },
    ins={"sequence_encoder": AssetIn(), "hdbscan_model": AssetIn(), "bayes_gmm_model": AssetIn(),
         "scoring_bundle": AssetIn()},
    partitions_def=dataset_variants,
)
def labelled_evaluation(
    context: AssetExecutionContext,
    config: LeaderboardRunConfig,
    labelled_sequences: pd.DataFrame,
    code_sequences: pd.DataFrame,
    sequence_encoder: bytes,
    hdbscan_model: bytes,
    bayes_gmm_model: bytes,
    scoring_bundle: bytes,
):
    labelled = labelled_sequences[labelled_sequences["label"].notna()].reset_index(drop=True)
    if labelled["label"].nunique() < 2:
        yield from _no_evaluation(context, labelled["label"].nunique())
        return
    fits = {kind: load_recorded_model(context, f"{kind}_model", data)
            for kind, data in zip(VARIANT_FITS, (hdbscan_model, bayes_gmm_model))}
    bundle = bundle_from_bytes(scoring_bundle, recorded_content_hash(context, "scoring_bundle"))
    result = judge_on_labels(labelled, code_sequences, load_encoder(io.BytesIO(sequence_encoder)),
                             fits, to_core(config, LeaderboardConfig), context.partition_key,
                             bundle)
    leaderboard, confusions = result.leaderboard, result.confusions
    best = leaderboard.iloc[0]["method"]
    deployed = leaderboard[leaderboard["deployed"]].iloc[0]
    fit_ari = leaderboard[leaderboard["method"].str.startswith("variant_fit/")].set_index("method")["ari"]
    yield MaterializeResult(
        asset_key="labelled_evaluation",
        value=pa.Table.from_pandas(result.per_sequence, preserve_index=False),
        metadata={
            "dagster/row_count": len(result.per_sequence),
            "labelled_sequences": len(labelled),
            "labels": labelled["label"].nunique(),
            "best_method": best,
            "best_ari": round(float(leaderboard.iloc[0]["ari"]), 3),
            "deployed_method": deployed["method"],
            "deployed_ari": round(float(deployed["ari"]), 3),
            **{f"{method}_ari": round(float(ari), 3) for method, ari in fit_ari.items()},
        },
    )
    shown = {"deployed": deployed["method"], **({best.replace("/", "_"): best}
                                                 if best != deployed["method"] else {})}
    pictures = {f"{name}_confusion": confusion_matrix_png(
        confusions[m], title=f"{m} vs labels ({len(labelled)} labelled sequences)")
        for name, m in shown.items()}
    yield MaterializeResult(
        asset_key="labelled_leaderboard",
        value=leaderboard[LEADERBOARD_COLUMNS],
        metadata={
            "dagster/row_count": len(leaderboard),
            "best_method": best,
            "leaderboard": readable_table(leaderboard[LEADERBOARD_SHOWN], asset="labelled_leaderboard"),
            **{name: image(png, name) for name, png in pictures.items()},
        },
    )


def _no_evaluation(context: AssetExecutionContext, labels: int):
    note = f"no evaluation: the labelled subset has {labels} label(s), two are needed"
    context.log.warning(f"{context.partition_key}: {note}")
    yield MaterializeResult(asset_key="labelled_evaluation", value=pd.DataFrame(columns=PER_SEQUENCE_COLUMNS),
                            metadata={"dagster/row_count": 0, "note": note})
    yield MaterializeResult(asset_key="labelled_leaderboard", value=pd.DataFrame(columns=LEADERBOARD_COLUMNS),
                            metadata={"dagster/row_count": 0, "note": note})
