"""Attach the curated vocabulary to a scoring bundle (core/curation does the deciding).

Names come from the labelled subset scored through the bundle itself, so they describe what
the deployed model does; the taxonomy's decisions win over them; accepted new actions are
learnt from their members' codes through the bundle's own featurizer, so a retrained
encoder relearns them instead of reusing stale coordinates.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from motion_assets.core.curation.names import UNNAMED, name_clusters
from motion_assets.core.curation.taxonomy import Taxonomy
from motion_assets.core.curation.vocabulary import SPLIT_ID_BASE, build_vocabulary, extension_id
from motion_assets.core.scoring.bundle import ScoringBundle
from motion_assets.core.scoring.score import codes_table, score_sequences


def labelled_names(bundle: ScoringBundle, labelled: pd.DataFrame) -> pd.DataFrame:
    """:func:`~motion_assets.core.curation.names.name_clusters` of the bundle's clusters on
    the labelled subset (``label`` column, merged labels)."""
    known = [c for c in bundle.training_cluster_counts if c >= 0]
    if not len(labelled):
        return name_clusters([], [], known_clusters=known)
    model_only = dataclasses.replace(bundle, vocabulary=None)
    scores = score_sequences(model_only, labelled)
    return name_clusters(scores["cluster"].to_numpy(), labelled["label"].to_numpy(),
                         known_clusters=known)


def curated_bundle(bundle: ScoringBundle, taxonomy: Taxonomy, *, labelled: pd.DataFrame,
                   training: pd.DataFrame, candidates: pd.DataFrame | None = None,
                   ) -> tuple[ScoringBundle, pd.DataFrame]:
    """``bundle`` with its vocabulary, and the names table it was built from.

    ``training``: the sequences the bundle was fitted on (for splits and the centroids new
    actions compete with); ``candidates``: the new_action_candidates table (members' codes
    of accepted candidates). Raises TaxonomyError (one line) for decisions about clusters
    or candidates the bundle does not have.
    """
    names = labelled_names(bundle, labelled)
    model_ids = {c for c in bundle.training_cluster_counts if c >= 0}
    derived = {SPLIT_ID_BASE * (c + 1) + part for c, d in taxonomy.clusters.items() if d.split
               for part in range(d.split)} | {extension_id(c) for c in taxonomy.accept}
    offered = set(candidates["candidate"]) if candidates is not None and len(candidates) else set()
    taxonomy.check_clusters(model_ids | derived, candidates=offered)
    needs_training = any(d.split for d in taxonomy.clusters.values()) or bool(taxonomy.accept)
    features = clusters = None
    if needs_training:
        features = bundle.featurizer.transform(training)
        clusters = score_sequences(dataclasses.replace(bundle, vocabulary=None),
                                   training)["cluster"].to_numpy()
    vocabulary = build_vocabulary(
        taxonomy, {int(c): a for c, a in zip(names["cluster"], names["action"]) if a != UNNAMED},
        training_features=features, training_clusters=clusters,
        candidate_features=_candidate_features(bundle, candidates, taxonomy.accept))
    return dataclasses.replace(bundle, vocabulary=vocabulary), names


def _candidate_features(bundle, candidates, accepted) -> dict[str, np.ndarray]:
    if not accepted or candidates is None:
        return {}
    out = {}
    for row in candidates[candidates["candidate"].isin(list(accepted))].itertuples():
        tables = [codes_table(bundle, [int(v) for v in codes], int(row.codes_per_window))
                  for codes in row.member_codes]
        out[row.candidate] = bundle.featurizer.transform(pd.concat(tables, ignore_index=True))
    return out
