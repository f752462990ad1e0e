"""A scoring bundle as plain arrays: what the numpy scoring runtime (runtime_model.py) loads.

Made from the loaded bundle when ``scoring_bundle`` is materialized (and written beside it,
runtime_file.py). It covers every featurizer x clusterer the leaderboard may deploy: the
featurizer's view tree (runtime_export_views.py: the encoder, TF-IDF of codes or n-grams, LSA,
digit statistics, the mean latent, the multi-view, the label-guided projection), the trained
encoder (one LSTM/GRU layer in float32, any pooling) where a view or the unknown detector reads
it, the preprocessing (PCA, or the truncated SVD of sparse input, then L2), HDBSCAN
(euclidean), the Bayesian GMM, KMeans or spectral clustering's neighbour vote, the unknown
detector (novelty, surprisal, density and transitions voices; runtime_transitions.py) or the
pipeline's own kNN novelty, the thresholds and the curated vocabulary. Any other part raises :class:`RuntimeUnsupported`
naming it, and such a bundle is scored by the full path only.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.mixture._gaussian_mixture import _estimate_log_gaussian_prob

from motion_assets.core.clustering.clusterers import (
    BayesGmmClusterer,
    HdbscanClusterer,
    KMeansClusterer,
)
from motion_assets.core.clustering.hdbscan_prediction import prediction_for
from motion_assets.core.clustering.spectral import SpectralClusterer
from motion_assets.core.encoder.heads import DigitHead
from motion_assets.core.encoder.inference import input_gate_tables
from motion_assets.core.encoder.surprisal import supports_surprisal
from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.scoring.bundle import ScoringBundle
from motion_assets.core.scoring.runtime_export_views import RuntimeUnsupported, view_arrays
from motion_assets.core.scoring.runtime_file import export_bytes, write_export
from motion_assets.core.scoring.runtime_transitions import transitions_arrays
from motion_assets.core.scoring.runtime_views import uses_encoder

__all__ = ["RuntimeUnsupported", "publish_runtime_export", "runtime_arrays"]


def runtime_arrays(bundle: ScoringBundle) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays by name, settings as JSON-able values) of ``bundle``; raises
    :class:`RuntimeUnsupported` for a part the runtime lacks."""
    arrays: dict[str, np.ndarray] = {}
    view = view_arrays(bundle.featurizer, bundle.encoder, "featurizer", arrays)
    detector = bundle.unknown_detector
    wants_surprisal = detector is not None and detector.surprisal_ is not None
    needs_encoder = uses_encoder(view) or detector is not None
    if needs_encoder and bundle.encoder is None:
        raise RuntimeUnsupported("the featurizer or the unknown detector reads an encoder the "
                                 "bundle lacks")
    settings = {
        "featurizer": view,
        "encoder": (_encoder(bundle.encoder, arrays, with_head=wants_surprisal)
                    if needs_encoder else None),
        "pipeline": _pipeline(bundle.pipeline, arrays),
        "detector": None if detector is None else _detector(detector, arrays),
        "thresholds": dict(vars(bundle.thresholds)),
        "unknown_score": bundle.unknown_score,
        "codebook": {"variant": bundle.variant, "size": bundle.codebook_size,
                     "levels": list(bundle.codebook_levels) if bundle.codebook_levels else None,
                     "codes_per_window": bundle.codes_per_window},
        "vocabulary": None if bundle.vocabulary is None else bundle.vocabulary.to_json(),
    }
    return arrays, settings


def _encoder(model, arrays: dict, *, with_head: bool) -> dict:
    config = model.config
    if model.rnn.num_layers != 1 or config.train.precision != "float32":
        raise RuntimeUnsupported(f"encoder of {model.rnn.num_layers} layers in "
                                 f"{config.train.precision}: only one float32 layer is reproduced")
    for direction, parts in enumerate(input_gate_tables(model)):
        for name, part in zip(("gates", "w_hh_t", "inner"), parts):
            arrays[f"encoder.{direction}.{name}"] = part.detach().cpu().numpy()
    if with_head:
        if not supports_surprisal(model):
            raise RuntimeUnsupported("a surprisal voice without a next-code encoder")
        arrays["encoder.head.weight"] = model.head.weight.detach().cpu().numpy()
        arrays["encoder.head.bias"] = model.head.bias.detach().cpu().numpy()
    return {"rnn": config.model.rnn_type, "pooling": config.model.pooling,
            "directions": 1 + int(config.model.bidirectional),
            "l2_normalize": bool(config.export.l2_normalize),
            "max_len": int(config.sequence.max_len), "codebook_size": int(config.codebook_size),
            "head": with_head,  # and the FSQ levels of a digit head (core/encoder/heads.py)
            "head_levels": (list(model.head.levels)
                            if with_head and isinstance(model.head, DigitHead) else None)}


def _pipeline(pipeline, arrays: dict) -> dict:
    preprocessor, clusterer = pipeline.preprocessor, pipeline.clusterer
    reducer = preprocessor.reducer_
    if reducer is not None:
        if not isinstance(reducer, PCA | TruncatedSVD) or getattr(reducer, "whiten", False):
            raise RuntimeUnsupported(f"preprocessing by {type(reducer).__name__}: PCA without "
                                     "whitening and TruncatedSVD are reproduced")
        if isinstance(reducer, PCA):  # TruncatedSVD (of sparse input) does not centre
            arrays["pipeline.pca.mean"] = reducer.mean_
        arrays["pipeline.pca.components"] = reducer.components_[: preprocessor.kept_]
    settings = {"features_in": int(preprocessor.n_features_in_),
                "reducer": None if reducer is None else type(reducer).__name__,
                "l2_normalize": bool(preprocessor.config.l2_normalize),
                "clusterer": clusterer.name, "n_clusters": int(pipeline.n_clusters_),
                "novelty": None, "novelty_threshold": pipeline.novelty_threshold}
    arrays["pipeline.cluster_ids.from"] = np.array(list(pipeline.cluster_ids_), dtype=np.int64)
    arrays["pipeline.cluster_ids.to"] = np.array(list(pipeline.cluster_ids_.values()), dtype=np.int64)
    if isinstance(clusterer, BayesGmmClusterer):
        _mixture(clusterer.model_, "pipeline.gmm", arrays)
        arrays["pipeline.gmm.components"] = np.asarray(clusterer.components_, dtype=np.int64)
        arrays["pipeline.gmm.training_log_likelihood"] = clusterer.training_log_likelihood_
    elif isinstance(clusterer, KMeansClusterer):
        arrays["pipeline.kmeans.centers"] = clusterer.model_.cluster_centers_
        arrays["pipeline.kmeans.member_distances"] = np.concatenate(clusterer.member_distances_)
        arrays["pipeline.kmeans.members"] = np.array([len(d) for d in clusterer.member_distances_])
    elif isinstance(clusterer, HdbscanClusterer):
        settings["hdbscan"] = _hdbscan(clusterer, "pipeline.hdbscan", arrays)
    elif isinstance(clusterer, SpectralClusterer):
        settings["spectral"] = _spectral(clusterer, "pipeline.spectral", arrays)
    else:
        raise RuntimeUnsupported(f"clusterer {clusterer.name}: the runtime reproduces "
                                 "hdbscan, bayes_gmm, kmeans and spectral")
    if pipeline.novelty is not None:
        settings["novelty"] = {"space": pipeline.novelty_space,
                               **_novelty(pipeline.novelty, "pipeline.novelty", arrays)}
    return settings


def _hdbscan(clusterer: HdbscanClusterer, prefix: str, arrays: dict) -> dict:
    """The prediction data runtime_hdbscan.py answers from (see there)."""
    settings = {"normalize_input": bool(clusterer.normalize_input)}
    if clusterer.metric != "euclidean":
        raise RuntimeUnsupported(f"hdbscan with metric {clusterer.metric}: only euclidean is reproduced")
    if clusterer.n_clusters_ == 0:
        return settings  # no cluster: every point is noise
    prediction = prediction_for(clusterer.model_)
    data, tree = prediction.data, prediction.raw_tree
    points = len(data.raw_data)
    rows = tree[tree["child"] < points]
    point_parent = np.zeros(points, dtype=np.int64)
    point_lambda = np.zeros(points)
    point_parent[rows["child"]], point_lambda[rows["child"]] = rows["parent"], rows["lambda_val"]
    root = int(tree["parent"].min())
    nodes = int(max(tree["parent"].max(), tree["child"].max(initial=root))) - root + 1

    def by_node(values: dict, empty=np.nan, dtype=np.float64) -> np.ndarray:
        out = np.full(nodes, empty, dtype=dtype)
        for node, value in values.items():
            if node >= root:
                out[int(node) - root] = value
        return out

    cluster_rows = data.cluster_tree
    arrays.update({
        f"{prefix}.raw_data": data.raw_data, f"{prefix}.core_distances": data.core_distances,
        f"{prefix}.point_parent": point_parent, f"{prefix}.point_lambda": point_lambda,
        f"{prefix}.cluster_parent": cluster_rows["parent"].astype(np.int64),
        f"{prefix}.cluster_child": cluster_rows["child"].astype(np.int64),
        f"{prefix}.cluster_lambda": cluster_rows["lambda_val"].astype(np.float64),
        f"{prefix}.node_label": by_node(data.cluster_map, -1, np.int64),
        f"{prefix}.node_max_lambda": by_node(data.max_lambdas),
        f"{prefix}.node_leaf_max_lambda": by_node(data.leaf_max_lambdas),
        f"{prefix}.node_subtree_max_lambda": by_node(prediction.subtree_max_lambdas),
        f"{prefix}.clusters": prediction.clusters.astype(np.int64),
        f"{prefix}.exemplars": np.concatenate(data.exemplars),
        f"{prefix}.exemplar_counts": np.array([len(e) for e in data.exemplars]),
    })
    return {**settings, "min_samples": int(prediction.min_samples), "root": root}


def _spectral(clusterer: SpectralClusterer, prefix: str, arrays: dict) -> dict:
    """The neighbour vote runtime_spectral.py answers from: the cut's points and labels."""
    index = clusterer.index_
    if index.effective_metric_ != "euclidean":
        raise RuntimeUnsupported(f"spectral with metric {index.effective_metric_}: only "
                                 "euclidean is reproduced")
    arrays[f"{prefix}.data"] = np.asarray(index._fit_X, dtype=np.float64)
    arrays[f"{prefix}.labels"] = clusterer.cut_labels_
    arrays[f"{prefix}.training_distances"] = clusterer.training_distances_
    return {"k": int(clusterer.k_), "brute": index._fit_method == "brute"}


def _detector(detector, arrays: dict) -> dict:
    settings = {"voices": list(detector.voice_names),
                "novelty": _novelty(detector.novelty_, "detector.novelty", arrays),
                "transitions": (transitions_arrays(detector.transitions_, "detector.transitions",
                                                   arrays) if detector.uses_codes else None)}
    arrays["detector.training_combined"] = detector.training_combined_
    if detector.surprisal_ is not None:
        arrays["detector.training_surprisal"] = detector.surprisal_.training_surprisal_
    if detector.density_ is not None:
        _mixture(detector.density_, "detector.density", arrays)
        arrays["detector.training_density"] = detector.training_density_
    return settings


def _novelty(novelty, prefix: str, arrays: dict) -> dict:
    arrays[f"{prefix}.reference"] = novelty.reference_
    arrays[f"{prefix}.training_distances"] = novelty.training_distances_
    return {"k": int(novelty.k), "normalize": bool(novelty.normalize)}


def _mixture(model, prefix: str, arrays: dict) -> None:
    """A fitted sklearn mixture in the form of runtime_mixture.py's ``MixtureArrays``."""
    means = np.asarray(model.means_, dtype=np.float64)
    components, features = means.shape
    cholesky = np.asarray(model.precisions_cholesky_, dtype=np.float64)
    kind = model.covariance_type
    if kind == "full":
        full = cholesky
    elif kind == "tied":
        full = np.broadcast_to(cholesky, (components, features, features)).copy()
    elif kind == "diag":
        full = np.stack([np.diag(row) for row in cholesky])
    else:  # spherical
        full = cholesky[:, None, None] * np.eye(features)[None]
    log_det = np.log(np.diagonal(full, axis1=1, axis2=2)).sum(axis=1)
    # what the mixture adds to each component's Gaussian term (log weight; the Bayesian
    # mixture's variational terms) does not depend on x: read it off at one point
    origin = np.zeros((1, features))
    offsets = (model._estimate_weighted_log_prob(origin)
               - _estimate_log_gaussian_prob(origin, means, cholesky, kind))[0]
    arrays[f"{prefix}.means"] = means
    arrays[f"{prefix}.precisions_cholesky"] = full
    arrays[f"{prefix}.log_det"] = log_det
    arrays[f"{prefix}.offsets"] = offsets


def publish_runtime_export(layout: StorageLayout, variant: str, bundle: ScoringBundle,
                           bundle_sha256: str) -> str:
    """Write the export of ``bundle`` (whose file has ``bundle_sha256``) beside its version;
    returns the file's name, or why the bundle has none (for the materialization's metadata):
    a bundle the runtime does not cover, or storage that refused the write."""
    try:
        arrays, settings = runtime_arrays(bundle)
        return write_export(layout, variant, bundle_sha256,
                            export_bytes(arrays, settings, bundle_sha256)).name
    except RuntimeUnsupported as reason:
        return f"none: {reason}"
    except OSError as error:  # the bundle still publishes; the CLI scores it on the full path
        return f"none: not written ({error})"
