"""Score sequences from a scoring runtime export, with numpy alone: what the CLI runs.

:class:`ScoringRuntime` rebuilds from the arrays of runtime_export.py what
core/scoring/score.py ``_score_features`` computes with the loaded bundle, step for step:
embed (the encoder, runtime_encoder.py), featurize (the bundle's view tree, runtime_views.py),
PCA or truncated SVD + L2, the clusterer's assignment and soft membership (HDBSCAN through
runtime_hdbscan.py, the Bayesian GMM through runtime_mixture.py, KMeans, or spectral
clustering's neighbour vote through runtime_spectral.py), stable cluster ids, the
unknown detector's voices and score (or the pipeline's novelty and the bundle's unknown
score), the unknown flags (unknown.py) and the curated vocabulary. Every column of
``SCORE_COLUMNS`` but sequence_id and bundle_hash comes back, equal to the full path's within
float32 rounding of the embedding (the parity tests). It imports no torch, sklearn, hdbscan,
pandas or Dagster: a CLI process starts in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from motion_assets.core.clustering.dense_features import as_dense_features, l2_normalize
from motion_assets.core.clustering.novelty import KnnNovelty
from motion_assets.core.curation.vocabulary import CuratedVocabulary
from motion_assets.core.features.ranks import rank_below
from motion_assets.core.scoring.runtime_encoder import NumpyEncoder
from motion_assets.core.scoring.runtime_hdbscan import HdbscanArrays
from motion_assets.core.scoring.runtime_mixture import MixtureArrays
from motion_assets.core.scoring.runtime_spectral import NeighbourVote
from motion_assets.core.scoring.runtime_terms import SparseRows, dense_rows
from motion_assets.core.scoring.runtime_transitions import transitions_from
from motion_assets.core.scoring.runtime_views import ViewInputs, view_from
from motion_assets.core.scoring.thresholds import Thresholds
from motion_assets.core.scoring.unknown import UNKNOWN_SCORES, unknown_flags
from motion_assets.core.sequences.reader import CodebookSettings

NOISE = -1


def _rank_above(reference_sorted: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of the reference strictly above each value (clusterers.py ``_rank_tail``)."""
    if len(reference_sorted) == 0:
        return np.ones(len(values))
    return 1.0 - np.searchsorted(reference_sorted, values, side="right") / len(reference_sorted)


def _mixture(arrays: dict, prefix: str) -> MixtureArrays:
    return MixtureArrays(*(arrays[f"{prefix}.{name}"]
                           for name in ("means", "precisions_cholesky", "log_det", "offsets")))


def _novelty(arrays: dict, prefix: str, settings: dict) -> KnnNovelty:
    return KnnNovelty.from_fitted(arrays[f"{prefix}.reference"],
                                  arrays[f"{prefix}.training_distances"], settings["k"],
                                  settings["normalize"])


class ScoringRuntime:
    """A bundle's scoring chain from its export: ``score(sequences)`` -> score columns."""

    def __init__(self, arrays: dict[str, np.ndarray], settings: dict, bundle_sha256: str) -> None:
        self.bundle_sha256 = bundle_sha256
        self.thresholds = Thresholds(**settings["thresholds"])
        self.unknown_score = settings["unknown_score"]
        codebook = settings["codebook"]
        self.variant, self.codebook_size = codebook["variant"], int(codebook["size"])
        self.codebook_levels = tuple(codebook["levels"]) if codebook["levels"] else None
        self.codes_per_window = codebook["codes_per_window"]
        vocabulary = settings["vocabulary"]
        self.vocabulary = CuratedVocabulary.from_json(vocabulary) if vocabulary else CuratedVocabulary()
        self.encoder = (None if settings["encoder"] is None
                        else self._encoder(arrays, settings["encoder"]))
        self.featurizer = view_from(settings["featurizer"], arrays)
        self._pipeline(arrays, settings["pipeline"])
        self.detector = settings["detector"]
        if self.detector is not None:
            self.detector_novelty = _novelty(arrays, "detector.novelty", self.detector["novelty"])
            self.training_combined = arrays["detector.training_combined"]
            self.training_surprisal = arrays.get("detector.training_surprisal")
            self.density = (_mixture(arrays, "detector.density")
                            if "detector.training_density" in arrays else None)
            self.training_density = arrays.get("detector.training_density")
            transitions = self.detector.get("transitions")
            self.transitions = (None if transitions is None
                                else transitions_from(arrays, "detector.transitions", transitions))

    @staticmethod
    def _encoder(arrays: dict, settings: dict) -> NumpyEncoder:
        directions = [tuple(arrays[f"encoder.{d}.{name}"] for name in ("gates", "w_hh_t", "inner"))
                      for d in range(settings["directions"])]
        head = ((arrays["encoder.head.weight"], arrays["encoder.head.bias"])
                if settings["head"] else None)
        return NumpyEncoder(directions, rnn=settings["rnn"], pooling=settings["pooling"],
                            l2_normalize=settings["l2_normalize"], max_len=settings["max_len"],
                            codebook_size=settings["codebook_size"], head=head,
                            head_levels=settings.get("head_levels"))  # absent: the code head

    def _pipeline(self, arrays: dict, settings: dict) -> None:
        self.features_in, self.l2_normalize = settings["features_in"], settings["l2_normalize"]
        self.reducer = settings["reducer"]  # None, "PCA" or "TruncatedSVD" (no mean)
        if self.reducer is not None:
            components = arrays["pipeline.pca.components"]  # the kept rows, PCA's or the SVD's
            self.components_t = np.ascontiguousarray(components.T)
            self.offset = (arrays["pipeline.pca.mean"] @ components.T
                           if self.reducer == "PCA" else None)
        self.clusterer, self.n_clusters = settings["clusterer"], int(settings["n_clusters"])
        self.cluster_ids = dict(zip(arrays["pipeline.cluster_ids.from"].tolist(),
                                    arrays["pipeline.cluster_ids.to"].tolist()))
        self.pipeline_novelty_threshold = settings["novelty_threshold"]
        novelty = settings["novelty"]
        self.pipeline_novelty = (None if novelty is None
                                 else (novelty["space"], _novelty(arrays, "pipeline.novelty", novelty)))
        if self.clusterer == "bayes_gmm":
            self.gmm = _mixture(arrays, "pipeline.gmm")
            self.gmm_components = arrays["pipeline.gmm.components"]
            self.training_log_likelihood = arrays["pipeline.gmm.training_log_likelihood"]
        elif self.clusterer == "hdbscan":
            hdbscan = settings["hdbscan"]
            self.hdbscan_normalize = hdbscan["normalize_input"]
            self.hdbscan = (HdbscanArrays(arrays, "pipeline.hdbscan", hdbscan["min_samples"],
                                          hdbscan["root"]) if self.n_clusters else None)
        elif self.clusterer == "spectral":
            spectral = settings["spectral"]
            self.vote = NeighbourVote(arrays["pipeline.spectral.data"],
                                      arrays["pipeline.spectral.labels"], spectral["k"],
                                      arrays["pipeline.spectral.training_distances"],
                                      self.n_clusters, spectral["brute"])
        else:  # kmeans
            self.centers = arrays["pipeline.kmeans.centers"]
            bounds = np.cumsum(arrays["pipeline.kmeans.members"])[:-1]
            self.member_distances = np.split(arrays["pipeline.kmeans.member_distances"], bounds)

    def codebook_settings(self) -> CodebookSettings:
        """Reader settings that validate new files against the bundle's codebook."""
        return CodebookSettings(variant=self.variant, configured_size=self.codebook_size,
                                configured_levels=self.codebook_levels,
                                default_size=self.codebook_size)

    # ------------------------------------------------------------------ the chain

    def score(self, sequences: Sequence[np.ndarray],
              mean_latents: Sequence | None = None) -> dict[str, np.ndarray]:
        """The score columns (``SCORE_COLUMNS`` but sequence_id and bundle_hash) of code arrays
        (``mean_latents``: their files' mean latents, for a featurizer that reads them)."""
        sequences = [np.asarray(codes, dtype=np.int64) for codes in sequences]
        embeddings, surprisal_values = (self.encoder.embed(sequences) if self.encoder is not None
                                        else (None, None))
        features = self.featurizer.transform(ViewInputs(sequences, mean_latents, embeddings))
        reduced = self._reduce(features)
        cluster, probability, outlier, is_noise, soft = self._assign(reduced)
        column_ids = np.array([self.cluster_ids.get(j, j) for j in range(self.n_clusters)],
                              dtype=np.int64)
        if soft.shape[1]:
            best, soft_max = column_ids[soft.argmax(axis=1)], soft.max(axis=1)
        else:
            best, soft_max = np.full(len(reduced), NOISE, dtype=np.int64), np.zeros(len(reduced))
        surprisal = np.full(len(reduced), np.nan)
        if self.detector is not None:  # its novelty replaces the pipeline's (not computed)
            voices = self._voices(embeddings, surprisal_values, sequences)
            novelty, surprisal = voices["novelty"], voices.get("surprisal", surprisal)
            score = rank_below(self.training_combined,
                                np.mean([voices[name] for name in self.detector["voices"]], axis=0))
        else:
            novelty = self._pipeline_novelty(features, reduced)
            score = UNKNOWN_SCORES[self.unknown_score](probability, soft_max, outlier, is_noise, novelty)
        best_cluster = np.where(is_noise, best, cluster)
        unknown = unknown_flags(probability, is_noise, novelty, self.thresholds,
                                self.pipeline_novelty_threshold, unknown_score=score)
        needs_features = bool(self.vocabulary.splits or self.vocabulary.extensions)
        curated = self.vocabulary.apply(dense_rows(features) if needs_features else None,
                                        cluster, best_cluster, unknown)
        return {"cluster": cluster, "best_cluster": best_cluster, "probability": probability,
                "soft_probability": soft_max, "outlier_score": outlier, "novelty": novelty,
                "surprisal": surprisal, "is_noise": is_noise, "unknown": curated["unknown"],
                "unknown_score": np.clip(score, 0.0, 1.0),
                "action_cluster": curated["action_cluster"], "action": curated["action"]}

    def _reduce(self, features: np.ndarray) -> np.ndarray:
        if features.shape[1] != self.features_in:
            raise ValueError(f"expected {self.features_in} feature columns (as in fit), "
                             f"got {features.shape[1]}")
        if self.reducer is None:
            out = as_dense_features(dense_rows(features))
        elif isinstance(features, SparseRows):  # a TF-IDF's truncated SVD: no centring
            out = features.dot(self.components_t)
        else:
            out = as_dense_features(features) @ self.components_t
            if self.offset is not None:
                out -= self.offset
        return l2_normalize(out) if self.l2_normalize else out

    def _assign(self, reduced: np.ndarray):
        """(stable cluster ids, probability, outlier score, noise flags, soft membership)."""
        if self.clusterer == "hdbscan":
            return self._hdbscan_assign(reduced)
        if self.clusterer == "bayes_gmm":
            log_likelihood, log_resp = self.gmm.log_prob_resp(reduced)
            soft = np.exp(log_resp)[:, self.gmm_components]
            total = soft.sum(axis=1, keepdims=True)
            soft /= np.where(total > 0, total, 1.0)
            labels, probability = soft.argmax(axis=1).astype(np.int64), soft.max(axis=1)
            outlier = _rank_above(self.training_log_likelihood, log_likelihood)
        elif self.clusterer == "spectral":
            labels, probability, outlier, soft = self.vote.assign(reduced)
        else:
            squared = ((reduced[:, None, :] - self.centers[None]) ** 2).sum(axis=2)
            labels = squared.argmin(axis=1).astype(np.int64)
            distances = np.linalg.norm(reduced - self.centers[labels], axis=1)
            outlier = np.empty(len(reduced))
            for k, members in enumerate(self.member_distances):
                rows = labels == k
                outlier[rows] = 1.0 - _rank_above(members, distances[rows] - 1e-12)
            probability, soft = np.ones(len(reduced)), np.eye(self.n_clusters)[labels]
        return (self._stable(labels), probability, outlier, np.zeros(len(reduced), dtype=bool), soft)

    def _hdbscan_assign(self, reduced: np.ndarray):
        """clusterers.py ``HdbscanClusterer.assign_with_membership`` on runtime_hdbscan.py."""
        data = l2_normalize(reduced) if self.hdbscan_normalize else reduced
        if self.hdbscan is None:  # a fit without clusters: all noise
            empty = np.zeros(len(data))
            return (np.full(len(data), NOISE, dtype=np.int64), empty, empty + 1.0,
                    np.ones(len(data), dtype=bool), np.zeros((len(data), 0)))
        with np.errstate(invalid="ignore", divide="ignore"):
            labels, strengths, scores, soft = self.hdbscan.predict(data)
        return (self._stable(labels), strengths, np.nan_to_num(scores), labels == NOISE,
                np.nan_to_num(soft))

    def _stable(self, labels: np.ndarray) -> np.ndarray:
        """Clusterer ids -> the bundle's stable ids; noise stays -1 (stable_ids.py ``relabel``)."""
        missing = set(np.unique(labels[labels != NOISE]).tolist()) - set(self.cluster_ids)
        if missing:
            raise ValueError(f"clusters {sorted(missing)} have no stable id in the mapping")
        return np.array([self.cluster_ids.get(int(c), NOISE) for c in labels], dtype=np.int64)

    def _pipeline_novelty(self, features: np.ndarray, reduced: np.ndarray) -> np.ndarray:
        if self.pipeline_novelty is None:
            return np.full(len(reduced), np.nan)
        space, novelty = self.pipeline_novelty
        return novelty.score(dense_rows(features) if space == "raw" else reduced)

    def _voices(self, embeddings: np.ndarray, surprisal: np.ndarray,
                sequences: list[np.ndarray]) -> dict[str, np.ndarray]:
        """unknown_detector.py's voices, each a rank against training."""
        voices = {"novelty": self.detector_novelty.score(embeddings)}
        if self.transitions is not None:
            voices["transitions"] = self.transitions.rank(sequences)
        if self.training_surprisal is not None:
            voices["surprisal"] = rank_below(self.training_surprisal,
                                              np.nan_to_num(surprisal, nan=-np.inf))
        if self.density is not None:
            log_likelihood, _ = self.density.log_prob_resp(as_dense_features(embeddings))
            voices["density"] = rank_below(self.training_density, -log_likelihood)
        return voices
