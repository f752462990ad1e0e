"""A bundle's fitted featurizer as plain arrays and settings: what runtime_views.py rebuilds.

Every featurizer the leaderboard may deploy (core/scoring/deployment_candidates.py) is covered:
the encoder (exported once, by runtime_export.py), bag-of-codes and code n-gram TF-IDF (the
vocabulary and idf), LSA (the SVD's components), FSQ digit statistics (the fit's mean and
scale), the mean latent, the multi-view (its views and weights) and the label-guided
projection (its truncated SVD and the LDA's scalings). A featurizer that reads codes without
their overlap, or of another class, raises ``RuntimeUnsupported`` naming it.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.features.featurizers import (
    BagOfCodesTfidf,
    CodeNgramTfidf,
    DigitStatistics,
    MeanLatent,
)
from motion_assets.core.features.label_guided import LabelGuided
from motion_assets.core.features.views import Lsa, MultiView


class RuntimeUnsupported(ValueError):
    """The bundle holds a part the numpy scoring runtime does not reproduce."""


def view_arrays(featurizer, encoder, prefix: str, arrays: dict) -> dict:
    """The settings of ``featurizer`` for runtime_views.py ``view_from``, its arrays added to
    ``arrays`` under ``prefix``; ``encoder``: the bundle's (the only one an encoder view may use)."""
    if getattr(featurizer, "remove_overlap", False):
        raise RuntimeUnsupported(f"featurizer {featurizer.name}: codes without their overlap "
                                 "are not reproduced")
    spec = {"prefix": prefix}
    if isinstance(featurizer, EncoderFeaturizer):
        if featurizer.model_ is not encoder:
            raise RuntimeUnsupported(f"featurizer {featurizer.name}: an encoder that is not the "
                                     "bundle's")
        return {**spec, "kind": "encoder"}
    if isinstance(featurizer, BagOfCodesTfidf | CodeNgramTfidf):
        arrays[f"{prefix}.vocabulary"] = np.asarray(featurizer.vocabulary_, dtype=np.int64)
        arrays[f"{prefix}.idf"] = np.asarray(featurizer.idf_, dtype=np.float64)
        ngrams = list(featurizer.ngram_range) if isinstance(featurizer, CodeNgramTfidf) else None
        return {**spec, "kind": "tfidf", "ngram_range": ngrams,
                "sublinear_tf": bool(featurizer.sublinear_tf)}
    if isinstance(featurizer, Lsa):
        arrays[f"{prefix}.components_t"] = np.ascontiguousarray(featurizer.svd_.components_.T)
        return {**spec, "kind": "lsa",
                "base": view_arrays(featurizer.base, encoder, f"{prefix}.base", arrays)}
    if isinstance(featurizer, DigitStatistics):
        arrays[f"{prefix}.mean"], arrays[f"{prefix}.scale"] = featurizer.mean_, featurizer.scale_
        return {**spec, "kind": "digit_statistics", "levels": list(featurizer.codebook_.levels),
                "standardize": bool(featurizer.standardize)}
    if isinstance(featurizer, MeanLatent):
        return {**spec, "kind": "mean_latent", "width": int(featurizer.dim_)}
    if isinstance(featurizer, MultiView):
        views = [view_arrays(view, encoder, f"{prefix}.{i}", arrays)
                 for i, view in enumerate(featurizer.views)]
        return {**spec, "kind": "multi_view", "views": views,
                "weights": [float(w) for w in featurizer.weights]}
    if isinstance(featurizer, LabelGuided):
        return _label_guided(featurizer, encoder, prefix, arrays)
    raise RuntimeUnsupported(f"featurizer {getattr(featurizer, 'name', type(featurizer).__name__)}"
                             ": no runtime view of it")


def _label_guided(featurizer: LabelGuided, encoder, prefix: str, arrays: dict) -> dict:
    svd, lda = featurizer.svd_, featurizer.lda_
    if svd is not None and not isinstance(svd, TruncatedSVD):
        raise RuntimeUnsupported(f"featurizer {featurizer.name}: a reducer of type "
                                 f"{type(svd).__name__}")
    if not isinstance(lda, LinearDiscriminantAnalysis) or lda.solver not in ("eigen", "svd"):
        raise RuntimeUnsupported(f"featurizer {featurizer.name}: an LDA with solver "
                                 f"{getattr(lda, 'solver', None)!r}")
    if svd is not None:
        arrays[f"{prefix}.svd_components_t"] = np.ascontiguousarray(svd.components_.T)
    # LinearDiscriminantAnalysis.transform: X @ scalings_ (eigen) or (X - xbar_) @ scalings_
    # (svd), its first _max_components columns; LabelGuided keeps the first labels - 1
    kept = min(int(lda._max_components), len(lda.classes_) - 1)
    scalings = np.asarray(lda.scalings_)
    arrays[f"{prefix}.scalings"] = np.ascontiguousarray(scalings[:, :kept])
    arrays[f"{prefix}.offset"] = (np.asarray(lda.xbar_) if lda.solver == "svd"
                                  else np.zeros(scalings.shape[0]))
    return {"prefix": prefix, "kind": "label_guided", "svd": svd is not None,
            "base": view_arrays(featurizer.base, encoder, f"{prefix}.base", arrays)}
