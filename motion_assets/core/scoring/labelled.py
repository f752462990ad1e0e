"""The labelled leaderboard of a variant: the scoring bundle's model and the variant's own
encoder fits through the scoring path (as new files are scored), and every featurizer x
clusterer, judged against the hand labels.

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
from motion_assets.core.scoring.bundle import ScoringBundle
from motion_assets.core.scoring.deployed import bundle_for_table
from motion_assets.core.scoring.deployment_candidates import deployable_featurizers
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.sequences.table import unique_sequences

DEPLOYED_PREFIX = "deployed/"
PER_SEQUENCE_COLUMNS = ["sequence_id", "relative_path", "label", "method", "cluster",
                        "probability", "unknown"]
LEADERBOARD_COLUMNS = ["method", "deployed", "featurizer", "clusterer", *METRIC_COLUMNS]


@dataclass
class LabelledLeaderboard:
    per_sequence: pd.DataFrame  # PER_SEQUENCE_COLUMNS
    leaderboard: pd.DataFrame  # LEADERBOARD_COLUMNS, best ARI first
    confusions: dict[str, pd.DataFrame]  # method -> label x cluster counts


def deployed_method(bundle: ScoringBundle) -> str:
    """``deployed/<featurizer>/<clusterer>`` of the model a scoring bundle serves, as its
    selection record names it."""
    method = bundle.selection.get("method") or f"{bundle.featurizer.name}/{bundle.pipeline.name}"
    return f"{DEPLOYED_PREFIX}{method}"


def featurizer_matrices(variant: pd.DataFrame, labelled: pd.DataFrame, encoder) -> dict:
    """Every featurizer the bundle may deploy without learning labels
    (:func:`~motion_assets.core.scoring.deployment_candidates.deployable_featurizers`), fitted
    on the variant's sequences, applied to the labelled ones."""
    return {f.name: f.transform(labelled)
            for f in deployable_featurizers(unique_sequences(variant), encoder, labelled)}


def judge_on_labels(labelled: pd.DataFrame, variant: pd.DataFrame, encoder,
                    fits: Mapping[str, ClusterPipeline], config: LeaderboardConfig,
                    variant_name: str, bundle: ScoringBundle | None = None) -> LabelledLeaderboard:
    """``labelled``: rows with a (merged) label, at least two distinct; ``variant``: the
    variant's code_sequences; ``fits``: kind -> the variant's fitted encoder pipeline;
    ``bundle``: the scoring bundle.

    The bundle's row, ``deployed/<method>`` (its evidence-selected featurizer / clusterer),
    is what scoring serves; a label-guided one learnt from these very labels, so its figure
    here is not held out (the bundle's selection record holds the held-out one). The fits'
    rows, ``variant_fit/<kind>``, go through the same scoring path with the encoder.
    """
    truth = labelled["label"].to_numpy(dtype=object)
    featurizer = EncoderFeaturizer.from_model(encoder)
    scored = {f"variant_fit/{kind}": bundle_for_table(featurizer, pipeline, variant, variant_name)
              for kind, pipeline in fits.items()}
    if bundle is not None:
        scored = {deployed_method(bundle): bundle, **scored}
    rows, parts, confusions = [], [], {}
    for method, served in scored.items():
        scores = score_sequences(served, labelled)
        rows.append({"method": method, "featurizer": served.featurizer.name,
                     "clusterer": served.pipeline.name,
                     **label_metrics(truth, scores["cluster"].to_numpy())})
        parts.append(pd.DataFrame({"sequence_index": np.arange(len(labelled)), "method": method,
                                   "cluster": scores["cluster"], "probability": scores["probability"],
                                   "is_unknown": scores["unknown"]}))
        confusions[method] = confusion_frame(truth, scores["cluster"].to_numpy())
    evaluation = evaluate_on_labels(featurizer_matrices(variant, labelled, encoder), truth,
                                    config, fits)
    leaderboard = pd.concat([pd.DataFrame(rows), evaluation.leaderboard], ignore_index=True)
    leaderboard.insert(1, "deployed", leaderboard["method"].str.startswith(DEPLOYED_PREFIX))
    leaderboard = leaderboard.sort_values("ari", ascending=False, kind="stable").reset_index(drop=True)
    per_sequence = pd.concat(parts + [evaluation.assignments], ignore_index=True)
    index = per_sequence.pop("sequence_index").to_numpy()
    per_sequence.insert(0, "sequence_id", labelled["sequence_id"].to_numpy()[index])
    per_sequence.insert(1, "relative_path", labelled["relative_path"].to_numpy()[index])
    per_sequence.insert(2, "label", truth[index])
    return LabelledLeaderboard(per_sequence.rename(columns={"is_unknown": "unknown"}),
                               leaderboard[LEADERBOARD_COLUMNS],
                               {**confusions, **evaluation.confusions})
