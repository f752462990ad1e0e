"""Which featurizer x clusterer a variant deploys, chosen by evidence, and why.

Every candidate is fitted on the variant's training sequences, exactly as it would be
deployed, then judged:

- with a labelled subset (at least ``min_labelled`` rows, two labels): the ARI of its
  assignments on held-out labels. The labelled rows are split into stratified folds; every
  candidate is judged on each fold in turn, and a candidate that learns from labels
  (``uses_labels``) is fitted with the other folds' labels only, so no choice is judged on the
  labels that made it. The deployed fit of such a candidate then uses every label.
- without: internal criteria. Stability (the ARI between the fit and refits on seeded 80 %
  subsamples, compared on all training sequences) times the share not called noise; DBCV is
  not comparable across feature spaces, so it is not used to rank.

Past ``sample_size`` training sequences the candidates are fitted and judged on a seeded draw
of that many, and only the winner is refitted on every training sequence: the judging (every
featurizer x clusterer, folds, refits) then costs the same at any N, the deployed fit grows with it.

The winner's record (criterion, value, the runner-up, every candidate's figures) goes into the
bundle's metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import StratifiedKFold

from motion_assets.core.clustering.pipeline import ClusterPipeline
from motion_assets.core.features.draws import sample_table

# held-out halves: each judged on ~half the labels (a 400-row subset: ~200 each); 4 folds
# measured no better (benchmarks/quality_benchmark.py --folds 4, seeds 0-2: BENCHMARKS.md)
FOLDS = 2
MIN_LABELLED = 20
STABILITY_RESAMPLES = 2
STABILITY_SHARE = 0.8
# judging 36 candidates on all of a 10k variant took > 15 min on 2 cores
# (benchmarks/scale_benchmark.py); the quality benchmark's 3,000-row training sets stay whole
SAMPLE_SIZE = 5_000


@dataclass(frozen=True)
class Candidate:
    """One deployable model: ``make_featurizer(labelled_or_None)`` returns a fitted featurizer
    (given the labelled rows it may learn from when ``uses_labels``), ``make_pipeline()`` a
    fresh cluster pipeline."""

    featurizer: str
    clusterer: str
    make_featurizer: Callable[[pd.DataFrame | None], Any]
    make_pipeline: Callable[[], ClusterPipeline]
    uses_labels: bool = False

    @property
    def method(self) -> str:
        return f"{self.featurizer}/{self.clusterer}"


@dataclass
class Selection:
    """The chosen candidate fitted for deployment, and the evidence (``table``: one row per
    candidate, best first). ``fitted``: method -> (featurizer, pipeline) of every candidate
    fitted on the training sequences (and every label): what a benchmark compares."""

    method: str
    featurizer: Any
    pipeline: ClusterPipeline
    criterion: str
    reason: str
    table: pd.DataFrame
    fitted: dict[str, tuple[Any, ClusterPipeline]] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """Plain JSON for the bundle's manifest and the asset's metadata."""
        columns = [c for c in ("method", "score", "held_out_ari", "stability", "noise_share",
                               "n_clusters") if c in self.table]
        rows = self.table[columns].replace({np.nan: None}).to_dict(orient="records")
        return {"method": self.method, "criterion": self.criterion, "reason": self.reason,
                "candidates": rows}


def _labels_usable(labelled: pd.DataFrame | None, label_column: str, min_labelled: int) -> bool:
    if labelled is None or label_column not in labelled:
        return False
    labels = labelled[label_column].dropna()
    return len(labels) >= min_labelled and labels.nunique() >= 2 and labels.value_counts().min() >= FOLDS


def _fit(candidate: Candidate, training: pd.DataFrame, labelled: pd.DataFrame | None):
    featurizer = candidate.make_featurizer(labelled if candidate.uses_labels else None)
    pipeline = candidate.make_pipeline().fit(featurizer.transform(training))
    return featurizer, pipeline


def _held_out_ari(candidate, training, labelled, label_column, folds, seed, fitted) -> float:
    truth = labelled[label_column].astype(str).to_numpy()
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores = []
    for learn, judge in splitter.split(np.zeros(len(truth)), truth):
        if candidate.uses_labels:
            featurizer, pipeline = _fit(candidate, training, labelled.iloc[learn])
        else:
            featurizer, pipeline = fitted
        # the whole labelled table, then the fold's rows: a remembered transform is reused
        clusters = pipeline.assign(featurizer.transform(labelled)[judge]).cluster
        scores.append(adjusted_rand_score(truth[judge], clusters))
    return float(np.mean(scores))


def _stability(candidate, training, fitted, seed) -> float:
    featurizer, pipeline = fitted
    features = featurizer.transform(training)
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(STABILITY_RESAMPLES):
        rows = np.sort(rng.choice(len(training), int(STABILITY_SHARE * len(training)), replace=False))
        refit = candidate.make_pipeline().fit(features[rows])
        scores.append(adjusted_rand_score(pipeline.labels_, refit.assign(features).cluster))
    return float(np.mean(scores))


def select_deployed_model(candidates: Sequence[Candidate], training: pd.DataFrame,
                          labelled: pd.DataFrame | None = None, *, label_column: str = "label",
                          folds: int = FOLDS, min_labelled: int = MIN_LABELLED,
                          seed: int = 0, sample_size: int = SAMPLE_SIZE) -> Selection:
    """Fit every candidate on ``training`` (or a seeded draw of ``sample_size`` of its rows)
    and pick one by evidence (see the module doc); the winner is fitted on all of ``training``.

    ``labelled``: a code_sequences table with ``label_column``; None or too few labels:
    internal criteria. Candidates that use labels are skipped when there are none.
    """
    if not candidates:
        raise ValueError("no candidate models to choose from")
    with_labels = _labels_usable(labelled, label_column, min_labelled)
    if with_labels:
        labelled = labelled[labelled[label_column].notna()].reset_index(drop=True)
    usable = [c for c in candidates if with_labels or not c.uses_labels]
    judged = sample_table(training, sample_size, seed)
    rows, fitted = [], {}
    for candidate in usable:
        fitted[candidate.method] = _fit(candidate, judged, labelled if with_labels else None)
        pipeline = fitted[candidate.method][1]
        row = {"method": candidate.method, "featurizer": candidate.featurizer,
               "clusterer": candidate.clusterer, "uses_labels": candidate.uses_labels,
               "n_clusters": int(pipeline.n_clusters_),
               "noise_share": float((pipeline.labels_ < 0).mean())}
        if with_labels:
            row["held_out_ari"] = _held_out_ari(candidate, judged, labelled, label_column, folds,
                                                seed, fitted[candidate.method])
            row["score"] = row["held_out_ari"]
        else:
            row["stability"] = _stability(candidate, judged, fitted[candidate.method], seed)
            row["score"] = row["stability"] * (1.0 - row["noise_share"])
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("score", ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    best = table.iloc[0]
    criterion = "held_out_labels" if with_labels else "internal"
    runner_up = table.iloc[1] if len(table) > 1 else None
    if with_labels:
        reason = (f"best ARI on held-out labels ({folds} stratified folds of {len(labelled)} "
                  f"labelled sequences): {best['score']:.3f}")
    else:
        reason = (f"no usable labelled subset: best stability x non-noise share "
                  f"{best['score']:.3f} (stability {best['stability']:.3f}, noise "
                  f"{best['noise_share']:.3f})")
    if runner_up is not None:
        reason += f"; runner-up {runner_up['method']} {runner_up['score']:.3f}"
    if len(judged) < len(training):
        reason += f"; judged on {len(judged)} of {len(training)} training sequences, then refitted on all"
        winner = next(c for c in usable if c.method == best["method"])
        fitted[winner.method] = _fit(winner, training, labelled if with_labels else None)
    featurizer, pipeline = fitted[best["method"]]
    return Selection(str(best["method"]), featurizer, pipeline, criterion, reason, table, fitted)
