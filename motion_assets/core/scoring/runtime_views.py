"""A bundle's featurizer in numpy (no torch, sklearn or scipy): the scoring runtime's views.

The featurizers the leaderboard deploys (core/scoring/deployment_candidates.py) are a small
tree: the encoder's embedding, TF-IDF of codes or code n-grams (runtime_terms.py), LSA of a
TF-IDF, FSQ digit statistics, the files' mean latent, a multi-view of some of these, and the
label-guided projection of the encoder or of the multi-view. Each class here computes what its
fitted counterpart's ``transform`` does (core/features/*), from arrays exported once
(runtime_export_views.py), in the same dtypes, so labels and floats equal the full path's within
float32 rounding (the parity tests). :func:`view_from` rebuilds the tree from the export's
settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from motion_assets.core.clustering.dense_features import l2_normalize
from motion_assets.core.features.digit_rows import digit_statistics
from motion_assets.core.scoring.runtime_terms import SparseRows, TfidfRows, dense_rows
from motion_assets.core.sequences.fsq import Codebook


@dataclass
class ViewInputs:
    """What a view reads of the sequences being scored: their codes, their files' mean latents
    (None where a file has none) and the encoder's embedding (None without an encoder)."""

    sequences: list[np.ndarray]
    mean_latents: list | None = None
    embeddings: np.ndarray | None = None


class EncoderView:
    """The trained encoder's embedding (embedded once per batch by runtime_encoder.py)."""

    def transform(self, inputs: ViewInputs) -> np.ndarray:
        return inputs.embeddings


class TfidfView:
    def __init__(self, rows: TfidfRows) -> None:
        self.rows = rows

    def transform(self, inputs: ViewInputs) -> SparseRows:
        return self.rows.transform(inputs.sequences)


class LsaView:
    """views.py ``Lsa``: the TF-IDF times the SVD's components, rows L2-normalised, float32."""

    def __init__(self, base, components_t: np.ndarray) -> None:
        self.base, self.components_t = base, components_t

    def transform(self, inputs: ViewInputs) -> np.ndarray:
        reduced = _product(self.base.transform(inputs), self.components_t)
        return l2_normalize(reduced).astype(np.float32)


class DigitStatisticsView:
    """featurizers.py ``DigitStatistics``: digit statistics, standardized with the fit's."""

    def __init__(self, levels: tuple[int, ...], mean: np.ndarray, scale: np.ndarray,
                 standardize: bool) -> None:
        self.codebook = Codebook(size=int(np.prod(levels)), levels=tuple(int(v) for v in levels))
        self.mean, self.scale, self.standardize = mean, scale, standardize

    def transform(self, inputs: ViewInputs) -> np.ndarray:
        raw = digit_statistics(self.codebook, inputs.sequences)
        return ((raw - self.mean) / self.scale if self.standardize else raw).astype(np.float32)


class MeanLatentView:
    """featurizers.py ``MeanLatent``: the files' mean latent, refused where one is missing."""

    def __init__(self, width: int) -> None:
        self.width = width

    def transform(self, inputs: ViewInputs) -> np.ndarray:
        latents = inputs.mean_latents or [None] * len(inputs.sequences)
        missing = sum(latent is None or len(latent) == 0 for latent in latents)
        if missing:
            raise ValueError(f"mean_latent is missing for {missing} of {len(latents)} rows; "
                             "these files carry no continuous latents")
        matrix = np.vstack([np.asarray(latent, dtype=np.float32) for latent in latents])
        if matrix.shape[1] != self.width:
            raise ValueError(f"mean_latent has width {matrix.shape[1]}, fitted on {self.width}")
        return matrix


class MultiView:
    """views.py ``MultiView``: each view's block L2-normalised times its weight, side by side."""

    def __init__(self, views: list, weights: list[float]) -> None:
        self.views, self.weights = views, weights

    def transform(self, inputs: ViewInputs) -> np.ndarray:
        blocks = [weight * l2_normalize(np.asarray(dense_rows(view.transform(inputs)),
                                                   dtype=np.float64))
                  for view, weight in zip(self.views, self.weights)]
        return np.hstack(blocks).astype(np.float32)


class LabelGuidedView:
    """label_guided.py ``LabelGuided``: the base (through its truncated SVD when it had one),
    then the LDA's projection ``(X - offset) @ scalings``, its first ``labels - 1`` columns."""

    def __init__(self, base, svd_components_t: np.ndarray | None, offset: np.ndarray,
                 scalings: np.ndarray) -> None:
        self.base, self.svd_components_t = base, svd_components_t
        self.offset, self.scalings = offset, scalings

    def transform(self, inputs: ViewInputs) -> np.ndarray:
        matrix = self.base.transform(inputs)
        reduced = (_product(matrix, self.svd_components_t) if self.svd_components_t is not None
                   else np.asarray(dense_rows(matrix), dtype=np.float64))
        return ((reduced - self.offset) @ self.scalings).astype(np.float32)


def _product(matrix, components_t: np.ndarray) -> np.ndarray:
    if isinstance(matrix, SparseRows):
        return matrix.dot(components_t)
    return np.asarray(matrix, dtype=np.float64) @ components_t


def view_from(spec: dict, arrays: dict[str, np.ndarray]):
    """The view tree of an export's ``featurizer`` settings (runtime_export_views.py)."""
    kind = spec["kind"]

    def part(name: str) -> np.ndarray:
        return arrays[f"{spec['prefix']}.{name}"]

    if kind == "encoder":
        return EncoderView()
    if kind == "tfidf":
        return TfidfView(TfidfRows(part("vocabulary"), part("idf"), spec["ngram_range"],
                                   spec["sublinear_tf"]))
    if kind == "lsa":
        return LsaView(view_from(spec["base"], arrays), part("components_t"))
    if kind == "digit_statistics":
        return DigitStatisticsView(tuple(spec["levels"]), part("mean"), part("scale"),
                                   spec["standardize"])
    if kind == "mean_latent":
        return MeanLatentView(int(spec["width"]))
    if kind == "multi_view":
        return MultiView([view_from(view, arrays) for view in spec["views"]], spec["weights"])
    if kind == "label_guided":
        return LabelGuidedView(view_from(spec["base"], arrays),
                               part("svd_components_t") if spec["svd"] else None,
                               part("offset"), part("scalings"))
    raise ValueError(f"no runtime view of kind {kind!r}")


def uses_encoder(spec: dict) -> bool:
    """Whether the view tree reads the encoder's embedding."""
    children = spec.get("views", []) + ([spec["base"]] if "base" in spec else [])
    return spec["kind"] == "encoder" or any(uses_encoder(child) for child in children)
