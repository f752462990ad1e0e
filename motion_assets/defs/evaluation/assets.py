"""Judge clusterings against the hand-labelled subset: the deployed models, and every
featurizer x clusterer, with a per-sequence table anyone can recompute the numbers from."""

import io

import numpy as np
import pandas as pd
import pyarrow as pa
from dagster import AssetExecutionContext, AssetIn, AssetOut, MaterializeResult, multi_asset

from motion_assets.core.clustering.config import ClusteringPipelineConfig
from motion_assets.core.encoder.checkpoint import load_encoder
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.evaluation.cluster_plots import confusion_matrix_png
from motion_assets.core.evaluation.labels import METRIC_COLUMNS, evaluate_on_labels
from motion_assets.core.evaluation.metrics import confusion_frame, label_metrics
from motion_assets.core.features.featurizers import baseline_featurizers
from motion_assets.core.scoring.bundle import make_scoring_bundle
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.sequences.table import unique_sequences
from motion_assets.defs.clustering.config import ClusteringRunConfig
from motion_assets.defs.config_mirror import to_core
from motion_assets.defs.model_records import load_recorded_model
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.ui_metadata import image, readable_table

DEPLOYED = ("hdbscan", "bayes_gmm")
PER_SEQUENCE_COLUMNS = ["sequence_id", "relative_path", "label", "method", "cluster", "probability", "unknown"]
LEADERBOARD_COLUMNS = ["method", "deployed", "featurizer", "clusterer", *METRIC_COLUMNS]
LEADERBOARD_SHOWN = ["method", "deployed", "ari", "nmi", "ami", "purity", "accuracy", "noise_share",
                     "n_clusters"]


def _featurizers(variant: pd.DataFrame, labelled: pd.DataFrame, encoder) -> dict:
    """Every featurizer fitted on the variant's sequences, applied to the labelled ones."""
    training = unique_sequences(variant)
    features = {f.name: f.fit(training).transform(labelled)
                for f in baseline_featurizers(variant, labelled)}
    encoder_featurizer = EncoderFeaturizer.from_model(encoder)
    features[encoder_featurizer.name] = encoder_featurizer.transform(labelled)
    return features


@multi_asset(
    outs={
        "labelled_evaluation": AssetOut(
            io_manager_key="tables", kinds={"parquet"}, group_name="evaluation",
            description="Per labelled sequence and method: label, cluster, probability, unknown "
            "(methods: deployed/<model> through the scoring path, and <featurizer>/<clusterer>)",
        ),
        "labelled_leaderboard": AssetOut(
            io_manager_key="tables", kinds={"parquet"}, group_name="evaluation",
            description="One row per method: ARI, AMI, NMI, homogeneity, completeness, V-measure, "
            "purity, Hungarian accuracy, noise share",
        ),
    },
    ins={"sequence_encoder": AssetIn(), "hdbscan_model": AssetIn(), "bayes_gmm_model": AssetIn()},
    partitions_def=dataset_variants,
)
def labelled_evaluation(
    context: AssetExecutionContext,
    config: ClusteringRunConfig,
    labelled_sequences: pd.DataFrame,
    code_sequences: pd.DataFrame,
    sequence_encoder: bytes,
    hdbscan_model: bytes,
    bayes_gmm_model: bytes,
):
    core = to_core(config, ClusteringPipelineConfig)
    labelled = labelled_sequences[labelled_sequences["label"].notna()].reset_index(drop=True)
    truth = labelled["label"].to_numpy(dtype=object)
    if len(np.unique(truth)) < 2:
        note = f"no evaluation: the labelled subset has {len(np.unique(truth))} label(s), two are needed"
        context.log.warning(f"{context.partition_key}: {note}")
        yield MaterializeResult(asset_key="labelled_evaluation", value=pd.DataFrame(columns=PER_SEQUENCE_COLUMNS),
                                metadata={"dagster/row_count": 0, "note": note})
        yield MaterializeResult(asset_key="labelled_leaderboard", value=pd.DataFrame(columns=LEADERBOARD_COLUMNS),
                                metadata={"dagster/row_count": 0, "note": note})
        return
    encoder = load_encoder(io.BytesIO(sequence_encoder))
    rows, parts, confusions = [], [], {}
    for kind, model_bytes in zip(DEPLOYED, (hdbscan_model, bayes_gmm_model)):
        pipeline = load_recorded_model(context, f"{kind}_model", model_bytes)
        bundle = make_scoring_bundle(
            EncoderFeaturizer.from_model(encoder), pipeline, variant=context.partition_key,
            codebook_size=int(code_sequences["codebook_size"].max()),
            training_rows=int(code_sequences["duplicate_of"].isna().sum()),
        )
        scores = score_sequences(bundle, labelled)
        method = f"deployed/{kind}"
        rows.append({"method": method, "featurizer": EncoderFeaturizer.from_model(encoder).name,
                     "clusterer": kind, **label_metrics(truth, scores["cluster"].to_numpy())})
        parts.append(pd.DataFrame({"sequence_index": np.arange(len(labelled)), "method": method,
                                   "cluster": scores["cluster"], "probability": scores["probability"],
                                   "is_unknown": scores["unknown"]}))
        confusions[method] = confusion_frame(truth, scores["cluster"].to_numpy())
    evaluation = evaluate_on_labels(_featurizers(code_sequences, labelled, encoder), truth, core)
    leaderboard = pd.concat([pd.DataFrame(rows), evaluation.leaderboard], ignore_index=True)
    leaderboard.insert(1, "deployed", leaderboard["method"].str.startswith("deployed/"))
    leaderboard = leaderboard.sort_values("ari", ascending=False, kind="stable").reset_index(drop=True)
    confusions.update(evaluation.confusions)
    per_sequence = pd.concat(parts + [evaluation.assignments], ignore_index=True)
    index = per_sequence.pop("sequence_index").to_numpy()
    per_sequence.insert(0, "sequence_id", labelled["sequence_id"].to_numpy()[index])
    per_sequence.insert(1, "relative_path", labelled["relative_path"].to_numpy()[index])
    per_sequence.insert(2, "label", truth[index])
    per_sequence = per_sequence.rename(columns={"is_unknown": "unknown"})
    best = leaderboard.iloc[0]["method"]
    deployed = leaderboard[leaderboard["deployed"]].set_index("method")["ari"]
    yield MaterializeResult(
        asset_key="labelled_evaluation",
        value=pa.Table.from_pandas(per_sequence, preserve_index=False),
        metadata={
            "dagster/row_count": len(per_sequence),
            "labelled_sequences": len(labelled),
            "labels": len(np.unique(truth)),
            "best_method": best,
            "best_ari": round(float(leaderboard.iloc[0]["ari"]), 3),
            **{f"{method}_ari": round(float(ari), 3) for method, ari in deployed.items()},
        },
    )
    pictures = {f"{m.replace('/', '_')}_confusion": confusion_matrix_png(
        confusions[m], title=f"{m} vs labels ({len(labelled)} labelled sequences)")
        for m in dict.fromkeys([*deployed.index, best])}
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
