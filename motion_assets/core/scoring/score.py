"""Score sequences with a loaded scoring bundle: the one code path for batch and online.

``score_sequences(bundle, table)`` featurizes a ``code_sequences`` table with the bundle's
featurizer, runs the fitted cluster pipeline's ``assign`` and returns one row per sequence
(columns in :data:`SCORE_COLUMNS`):

    sequence_id     string
    cluster         int64    the clusterer's label (HDBSCAN noise = -1), as in the batch fit
    best_cluster    int64    the most likely cluster even for noise (argmax soft membership)
    probability     float64  HDBSCAN: membership strength (approximate_predict); GMM: posterior
    soft_probability float64 max soft membership (HDBSCAN membership vector; GMM: posterior)
    outlier_score   float64  in [0, 1], higher = more unusual (GLOSH; GMM likelihood rank)
    novelty         float64  in [0, 1], kNN distance to the training embeddings as the share
                             of training sequences less isolated (core/clustering/novelty.py); in
                             the encoder's embedding when the bundle has an unknown detector,
                             else in the clusterer's input; NaN when there is neither
    surprisal       float64  in [0, 1], the encoder's next-code surprisal as the share of
                             training sequences less surprising (core/encoder/surprisal.py); NaN
                             without an unknown detector that uses it
    is_noise        bool     HDBSCAN noise
    unknown         bool     noise (if the thresholds count it), or probability below the
                             bundle's threshold, or novelty above its novelty threshold, or (with
                             an unknown detector) unknown_score above its calibrated threshold
    unknown_score   float64  in [0, 1], higher = more likely an unknown action (for AUROC): the
                             unknown detector's combined score when the bundle has one
    action_cluster  int64    the cluster after the curated taxonomy (merges, splits, accepted
                             new actions; core/curation/vocabulary.py)
    action          string   its action name, "unnamed", "not_an_action" or "unknown"
    bundle_hash     string   sha256 of the bundle file the scores came from

One sequence given as codes: ``score_codes`` (the same one-row frame) and ``score_one`` (a
plain dict) validate it with the reader and embed it without building an input table; the
cluster pipeline runs the same code on it as on a batch.

It loads nothing: the caller loads the bundle once (scoring_bundle.bundle_from_bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from motion_assets.core.clustering.assignments import NOISE
from motion_assets.core.curation.vocabulary import CuratedVocabulary
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.encoder.inference import embed, known_embeddings
from motion_assets.core.encoder.surprisal import embed_with_surprisal
from motion_assets.core.encoder.threads import blas_threads, torch_threads
from motion_assets.core.scoring.bundle import ScoringBundle
from motion_assets.core.scoring.codebook_check import check_codebook
from motion_assets.core.scoring.codes_record import codes_record as codes_record_of
from motion_assets.core.scoring.codes_record import codes_row
from motion_assets.core.scoring.unknown import UNKNOWN_SCORES, unknown_flags
from motion_assets.core.sequences.facts import table_levels
from motion_assets.core.sequences.overlap import featurizer_sequences
from motion_assets.core.sequences.table import CODE_SEQUENCES_SCHEMA

SCORE_COLUMNS = ("sequence_id", "cluster", "best_cluster", "probability", "soft_probability",
                 "outlier_score", "novelty", "surprisal", "is_noise", "unknown", "unknown_score",
                 "action_cluster", "action", "bundle_hash")
BATCH_ROWS = 4096  # rows featurized and assigned at once (bounds memory on big tables)


def score_sequences(bundle: ScoringBundle, table: pd.DataFrame, *, bundle_hash: str | None = None,
                    batch_rows: int = BATCH_ROWS) -> pd.DataFrame:
    """Scores for every row of a ``code_sequences`` table, in input order (see module doc).

    ``bundle_hash`` defaults to the hash the bundle was loaded with (None if built in memory).
    """
    _check_table(bundle, table)
    if len(table) <= batch_rows:  # one batch (a single sequence): no slicing, no copies
        scores = _score_batch(bundle, table) if len(table) else _EMPTY
    else:
        parts = [_score_batch(bundle, table.iloc[start : start + batch_rows])
                 for start in range(0, len(table), batch_rows)]
        scores = {name: np.concatenate([part[name] for part in parts]) for name in _EMPTY}
    return _score_frame(bundle, table["sequence_id"].to_numpy(), scores, bundle_hash)


def _score_frame(bundle: ScoringBundle, sequence_ids, scores: dict[str, np.ndarray],
                 bundle_hash: str | None) -> pd.DataFrame:
    """The :data:`SCORE_COLUMNS` frame; arrays, not Series: no index to align (a third of a
    one-row call's frame cost)."""
    digest = bundle_hash or bundle.provenance.get("bundle_sha256")
    columns = {"sequence_id": pd.array(sequence_ids, dtype="str")}
    columns.update((name, scores[name]) for name in SCORE_COLUMNS[1:-1])
    columns["bundle_hash"] = pd.array([digest] * len(sequence_ids), dtype="str")
    return pd.DataFrame(columns)


_EMPTY = {"cluster": np.zeros(0, np.int64), "best_cluster": np.zeros(0, np.int64),
          "probability": np.zeros(0), "soft_probability": np.zeros(0),
          "outlier_score": np.zeros(0), "novelty": np.zeros(0), "surprisal": np.zeros(0),
          "is_noise": np.zeros(0, bool), "unknown": np.zeros(0, bool), "unknown_score": np.zeros(0),
          "action_cluster": np.zeros(0, np.int64), "action": np.zeros(0, object)}


def _score_batch(bundle: ScoringBundle, table: pd.DataFrame) -> dict[str, np.ndarray]:
    """The score columns (all but sequence_id and bundle_hash) of one batch of rows."""
    sequences = featurizer_sequences(table)
    return _score_features(bundle, *_featurized(bundle, sequences, lambda: table), sequences)


def _featurized(bundle: ScoringBundle, sequences: list[np.ndarray], table_of):
    """``(features, encoder embeddings, surprisal)`` of rows given as codes (``table_of()``:
    their input table, built only for a featurizer that reads one): with an unknown detector
    one encoder forward gives its embedding and surprisal and, when the featurizer is or
    wraps that encoder, the featurizer's embedding too; None where unused."""
    featurizer, encoder, detector = bundle.featurizer, bundle.encoder, bundle.unknown_detector
    plain = isinstance(featurizer, EncoderFeaturizer) and not featurizer.remove_overlap
    if detector is None:
        features = (embed(featurizer.model_, sequences) if plain
                    else featurizer.transform(table_of()))
        return features, None, None
    embeddings, surprisal = (embed_with_surprisal(encoder, sequences) if detector.uses_surprisal
                             else (embed(encoder, sequences), None))
    if plain and featurizer.model_ is encoder:
        return embeddings, embeddings, surprisal
    with known_embeddings(encoder, sequences, embeddings):  # a view that embeds reuses them
        return featurizer.transform(table_of()), embeddings, surprisal


def _score_features(bundle: ScoringBundle, features, embeddings: np.ndarray | None = None,
                    surprisal: np.ndarray | None = None,
                    sequences: list[np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The score columns of featurized rows: what a batch and a single sequence share.
    ``embeddings``/``surprisal``: the bundle encoder's (``_featurized``), and ``sequences``
    their codes, which its unknown detector reads (when it has one)."""
    pipeline, detector = bundle.pipeline, bundle.unknown_detector
    # the detector's own novelty replaces the pipeline's: not computed for nothing
    assignments, soft, column_ids, novelty = pipeline.score_parts(
        features, with_novelty=detector is None)
    if soft.shape[1]:
        best, soft_max = column_ids[soft.argmax(axis=1)], soft.max(axis=1)
    else:  # a fit that found no cluster: everything is noise
        rows = features.shape[0]
        best, soft_max = np.full(rows, NOISE, dtype=np.int64), np.zeros(rows)
    if detector is not None:
        voices = detector.voices(bundle.encoder, sequences, embeddings, surprisal)
        novelty = voices["novelty"]
        surprisal = voices.get("surprisal", np.full(features.shape[0], np.nan))
        score = detector.score(voices)
    else:
        surprisal = np.full(features.shape[0], np.nan)
        score = UNKNOWN_SCORES[bundle.unknown_score](
            assignments.probability, soft_max, assignments.outlier_score, assignments.is_noise,
            novelty)
    best_cluster = np.where(assignments.is_noise, best, assignments.cluster)
    unknown = unknown_flags(assignments.probability, assignments.is_noise, novelty,
                            bundle.thresholds, pipeline.novelty_threshold, unknown_score=score)
    curated = (bundle.vocabulary or CuratedVocabulary()).apply(
        features, assignments.cluster, best_cluster, unknown)
    return {
        "cluster": assignments.cluster.astype(np.int64),
        "best_cluster": best_cluster,
        "probability": assignments.probability,
        "soft_probability": soft_max,
        "outlier_score": assignments.outlier_score,
        "novelty": novelty,
        "surprisal": surprisal,
        "is_noise": assignments.is_noise,
        "unknown": curated["unknown"],
        "unknown_score": np.clip(score, 0.0, 1.0),
        "action_cluster": curated["action_cluster"],
        "action": curated["action"],
    }


def _check_table(bundle: ScoringBundle, table: pd.DataFrame) -> None:
    """Refuse rows the bundle's codebook cannot score (the same range the reader enforces)."""
    if len(table):
        check_codebook(table["sequence_id"], table["codes"], table_levels(table),
                       bundle.codebook_size, bundle.codebook_levels)


def score_codes(bundle: ScoringBundle, codes, codes_per_window: int | None = None,
                sequence_id: str = "codes", *, bundle_hash: str | None = None) -> pd.DataFrame:
    """Score one sequence given as codes: windows (``[[...], ...]``) or a flat list.

    A flat list is cut into windows of ``codes_per_window`` (default: the bundle's d). The
    row is validated and built by the reader (``sequence_record``), exactly as a file
    would be; an invalid sequence raises ``reader.SequenceRejected`` with the reason.
    Scores equal ``score_sequences`` of :func:`codes_table`, without building that table.
    """
    return _score_frame(bundle, [sequence_id], _codes_scores(bundle, codes, codes_per_window),
                        bundle_hash)


def score_one(bundle: ScoringBundle, codes, codes_per_window: int | None = None,
              sequence_id: str = "codes", *, bundle_hash: str | None = None) -> dict:
    """:func:`score_codes` as one plain dict (:data:`SCORE_COLUMNS` -> Python values): for
    a caller waiting on a single sequence, without pandas (its one-row frame costs ~1.3 ms,
    a quarter of the call)."""
    scores = _codes_scores(bundle, codes, codes_per_window)
    row = {"sequence_id": sequence_id}
    row.update((name, scores[name][0].item() if name != "action" else str(scores[name][0]))
               for name in SCORE_COLUMNS[1:-1])
    row["bundle_hash"] = bundle_hash or bundle.provenance.get("bundle_sha256")
    return row


def _codes_scores(bundle: ScoringBundle, codes, codes_per_window: int | None) -> dict[str, np.ndarray]:
    """Score columns of one code list: the encoder embeds the reader's codes directly, so
    no input table is built (~1.5 ms of pandas per call)."""
    record = codes_record(bundle, codes, codes_per_window)
    sequences = [np.asarray(record["codes"], dtype=np.int64)]  # as featurizer_sequences reads it
    with blas_threads(torch_threads()):  # one query: BLAS threads only wait (threads.py)
        return _score_features(bundle, *_featurized(
            bundle, sequences, lambda: _one_row_table(record, "codes")), sequences)


def codes_table(bundle: ScoringBundle, codes, codes_per_window: int | None = None,
                sequence_id: str = "codes") -> pd.DataFrame:
    """A one-row ``code_sequences`` table for ``codes`` (see :func:`score_codes`)."""
    return _one_row_table(codes_record(bundle, codes, codes_per_window), sequence_id)


def codes_record(bundle: ScoringBundle, codes, codes_per_window: int | None = None) -> dict:
    """The reader's validated record of ``codes`` against the bundle's codebook (its codes
    in range, its FSQ levels the bundle's): raises ``reader.SequenceRejected``."""
    codes = [_plain(c) for c in codes] if isinstance(codes, Sequence | np.ndarray) else codes
    return codes_record_of(codes, bundle.codebook_settings(),
                           codes_per_window or bundle.codes_per_window)


def _one_row_table(record: dict, sequence_id: str) -> pd.DataFrame:
    row = codes_row(record, sequence_id)
    return pd.DataFrame([{name: row.get(name) for name in CODE_SEQUENCES_SCHEMA.names}])


def _plain(value):
    """numpy integers -> int (the reader accepts only true ints); lists recursively."""
    if type(value) is int:  # the common case first: a code of a Python list
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        return value.tolist()  # nested lists of ints, converted in C
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value

