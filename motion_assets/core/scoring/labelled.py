"""The labelled leaderboard of a variant: the deployed models through the scoring path (as
new files are scored), and every featurizer x clusterer, judged against the hand labels.

Its tables: one row per labelled sequence and method (anyone can recompute the numbers from
it), and one row per method, best ARI first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from motion_assets.core.clustering.pipeline import ClusterPipeline
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.evaluation.config import LeaderboardConfig
from motion_assets.core.evaluation.labels import METRIC_COLUMNS, evaluate_on_labels
from motion_assets.core.evaluation.metrics import confusion_frame, label_metrics
from motion_assets.core.scoring.deployed import bundle_for_table
from motion_assets.core.scoring.deployment_candidates import deployable_featurizers
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.sequences.table import unique_sequences

PER_SEQUENCE_COLUMNS = ["sequence_id", "relative_path", "label", "method", "cluster",
                        "probability", "unknown"]
LEADERBOARD_COLUMNS = ["method", "deployed", "featurizer", "clusterer", *METRIC_COLUMNS]


@dataclass
class LabelledLeaderboard:
    per_sequence: pd.DataFrame  # PER_SEQUENCE_COLUMNS
    leaderboard: pd.DataFrame  # LEADERBOARD_COLUMNS, best ARI first
    confusions: dict[str, pd.DataFrame]  # method -> label x cluster counts


def featurizer_matrices(variant: pd.DataFrame, labelled: pd.DataFrame, encoder) -> dict:
    """Every featurizer the bundle may deploy without learning labels
    (:func:`~motion_assets.core.scoring.deployment_candidates.deployable_featurizers`), fitted
    on the variant's sequences, applied to the labelled ones."""
    return {f.name: f.transform(labelled)
            for f in deployable_featurizers(unique_sequences(variant), encoder, labelled)}


def judge_on_labels(labelled: pd.DataFrame, variant: pd.DataFrame, encoder,
                    deployed: Mapping[str, ClusterPipeline], config: LeaderboardConfig,
                    variant_name: str) -> LabelledLeaderboard:
    """``labelled``: rows with a (merged) label, at least two distinct; ``variant``: the
    variant's code_sequences; ``deployed``: kind -> fitted pipeline."""
    truth = labelled["label"].to_numpy(dtype=object)
    featurizer = EncoderFeaturizer.from_model(encoder)
    rows, parts, confusions = [], [], {}
    for kind, pipeline in deployed.items():
        scores = score_sequences(bundle_for_table(featurizer, pipeline, variant, variant_name),
                                 labelled)
        method = f"deployed/{kind}"
        rows.append({"method": method, "featurizer": featurizer.name, "clusterer": kind,
                     **label_metrics(truth, scores["cluster"].to_numpy())})
        parts.append(pd.DataFrame({"sequence_index": np.arange(len(labelled)), "method": method,
                                   "cluster": scores["cluster"], "probability": scores["probability"],
                                   "is_unknown": scores["unknown"]}))
        confusions[method] = confusion_frame(truth, scores["cluster"].to_numpy())
    evaluation = evaluate_on_labels(featurizer_matrices(variant, labelled, encoder), truth,
                                    config, deployed)
    leaderboard = pd.concat([pd.DataFrame(rows), evaluation.leaderboard], ignore_index=True)
    leaderboard.insert(1, "deployed", leaderboard["method"].str.startswith("deployed/"))
    leaderboard = leaderboard.sort_values("ari", ascending=False, kind="stable").reset_index(drop=True)
    per_sequence = pd.concat(parts + [evaluation.assignments], ignore_index=True)
    index = per_sequence.pop("sequence_index").to_numpy()
    per_sequence.insert(0, "sequence_id", labelled["sequence_id"].to_numpy()[index])
    per_sequence.insert(1, "relative_path", labelled["relative_path"].to_numpy()[index])
    per_sequence.insert(2, "label", truth[index])
    return LabelledLeaderboard(per_sequence.rename(columns={"is_unknown": "unknown"}),
                               leaderboard[LEADERBOARD_COLUMNS],
                               {**confusions, **evaluation.confusions})
