"""The scoring bundle: everything needed to score one new sequence, in one content-hashed file.

A :class:`ScoringBundle` holds the featurizer (the trained encoder, or a fitted baseline
featurizer), the fitted :class:`ClusterPipeline` (preprocessing + HDBSCAN or Bayesian GMM),
the unknown threshold and how it was chosen, the codebook, the variant and provenance.

On disk it is one zip (:func:`bundle_to_bytes`)::

    manifest.json     format, settings, provenance, sha256 of every other member
    encoder.pt        the encoder checkpoint (weights + config; loaded with weights_only)
    featurizer.pkl    any other fitted featurizer, pickled; an encoder inside it (a
                      multi-view or label-guided featurizer) is stored once, as encoder.pt
    pipeline.pkl      the fitted ClusterPipeline, pickled
    unknown_detector.pkl  the calibrated unknown evidence (core/scoring/unknown_detector.py)

Pickles run code when loaded, so :func:`bundle_from_bytes` checks the sha256 of the whole
file against the hash the caller recorded *before* it opens anything, and refuses a file
whose hash differs. The same bundle always gives the same bytes (fixed zip timestamps).
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np

from motion_assets.core.clustering.pipeline import ClusterPipeline
from motion_assets.core.curation.vocabulary import CuratedVocabulary
from motion_assets.core.encoder.checkpoint import load_encoder, save_encoder
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.files.verified_pickle import sha256_hex
from motion_assets.core.scoring.thresholds import NOISE_IS_UNKNOWN, Thresholds, overridden
from motion_assets.core.sequences.reader import CodebookSettings

__all__ = ["NOISE_IS_UNKNOWN", "ScoringBundle", "Thresholds", "bundle_from_bytes", "bundle_to_bytes",
           "make_scoring_bundle", "override_thresholds"]

BUNDLE_FORMAT = "motion_assets.scoring_bundle.v1"
DEFAULT_UNKNOWN_SCORE = "novelty"  # best measured of UNKNOWN_SCORES (benchmarks/quality_benchmark.py)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: same bundle, same bytes
_VERSIONED = ("motion_assets", "torch", "scikit-learn", "hdbscan", "numpy")
@dataclass
class ScoringBundle:
    """A fitted featurizer + cluster pipeline, with its threshold, codebook and provenance.

    ``featurizer``: an :class:`EncoderFeaturizer` with a model, or any fitted featurizer
    (``transform(table) -> [N, F]``). ``training_cluster_counts``: cluster id -> training
    sequences (-1 = noise), for drift checks. ``provenance``: training_rows, created,
    versions, part hashes (filled by :func:`make_scoring_bundle` / :func:`bundle_from_bytes`).
    """

    featurizer: Any
    pipeline: ClusterPipeline
    thresholds: Thresholds
    codebook_size: int
    codebook_levels: tuple[int, ...] | None
    variant: str
    codes_per_window: int | None = None
    unknown_score: str = DEFAULT_UNKNOWN_SCORE
    training_cluster_counts: dict[int, int] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    vocabulary: CuratedVocabulary | None = None  # the curated taxonomy; None = ids only
    encoder: SequenceEncoder | None = None  # the trained encoder (the featurizer's, or beside it)
    unknown_detector: Any = None  # a fitted UnknownDetector, or None: the pipeline's novelty
    selection: dict[str, Any] = field(default_factory=dict)  # which model, chosen how and why

    @property
    def clusterer(self) -> str:
        return self.pipeline.name

    @property
    def featurizer_name(self) -> str:
        return self.featurizer.name

    def codebook_settings(self) -> CodebookSettings:
        """Reader settings that validate new files against this bundle's codebook."""
        levels = tuple(self.codebook_levels) if self.codebook_levels else None
        return CodebookSettings(variant=self.variant, configured_size=self.codebook_size,
                                configured_levels=levels, default_size=self.codebook_size)


def make_scoring_bundle(
    featurizer,
    pipeline: ClusterPipeline,
    *,
    variant: str,
    codebook_size: int,
    codebook_levels=None,
    codes_per_window: int | None = None,
    training_rows: int,
    thresholds: Thresholds | None = None,
    unknown_score: str = DEFAULT_UNKNOWN_SCORE,
    encoder: SequenceEncoder | None = None,
    unknown_detector=None,
    selection: dict[str, Any] | None = None,
) -> ScoringBundle:
    """A bundle from fitted parts; the threshold defaults to the clusterer's configured one.

    ``encoder`` defaults to an EncoderFeaturizer's model; an ``unknown_detector`` needs one.
    """
    if not hasattr(pipeline, "labels_"):
        raise ValueError("the cluster pipeline is not fitted: call pipeline.fit(features) first")
    if isinstance(featurizer, EncoderFeaturizer) and featurizer.model_ is None:
        raise ValueError(f"{featurizer.name} has no trained model: fit it first")
    if encoder is None and isinstance(featurizer, EncoderFeaturizer):
        encoder = featurizer.model_
    if unknown_detector is not None and encoder is None:
        raise ValueError("an unknown detector needs the trained encoder in the bundle")
    configured = float(pipeline.probability_threshold)
    labels, counts = _unique_counts(pipeline.labels_)
    return ScoringBundle(
        featurizer=featurizer,
        pipeline=pipeline,
        thresholds=thresholds or Thresholds(configured, "configured", configured),
        codebook_size=int(codebook_size),
        codebook_levels=tuple(int(v) for v in codebook_levels) if codebook_levels else None,
        variant=variant,
        codes_per_window=None if codes_per_window is None else int(codes_per_window),
        unknown_score=unknown_score,
        training_cluster_counts=dict(zip(labels, counts)),
        provenance={
            "training_rows": int(training_rows),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": _versions(),
        },
        encoder=encoder,
        unknown_detector=unknown_detector,
        selection=dict(selection or {}),
    )


def override_thresholds(bundle: ScoringBundle, probability: float | None = None,
                        novelty: float | None = None) -> ScoringBundle:
    """A copy of ``bundle`` scoring with other thresholds, every other setting kept.

    Only the given thresholds change (None keeps the bundle's); noise handling, the unknown
    score and the loaded file's hash stay, so the scores still name the file they came from.
    The method becomes ``"override"`` and the calibration shares are dropped (they described
    the bundle's own thresholds).
    """
    if probability is None and novelty is None:
        return bundle
    thresholds = overridden(bundle.thresholds, probability, novelty)
    return ScoringBundle(**{**vars(bundle), "thresholds": thresholds})


def bundle_to_bytes(bundle: ScoringBundle) -> bytes:
    """One zip file: manifest.json + encoder.pt (or featurizer.pkl) + pipeline.pkl
    (+ vocabulary.json when the bundle carries a curated taxonomy)."""
    parts: dict[str, bytes] = {}
    featurizer = bundle.featurizer
    encoder = bundle.encoder
    if isinstance(featurizer, EncoderFeaturizer):
        encoder = featurizer.model_
        featurizer_entry = {"kind": "encoder", "name": featurizer.name,
                            "remove_overlap": featurizer.remove_overlap}
    else:
        parts["featurizer.pkl"] = _pickle_with_encoder_reference(featurizer, encoder)
        featurizer_entry = {"kind": "pickled", "name": featurizer.name}
    if encoder is not None:
        buffer = io.BytesIO()
        save_encoder(encoder, buffer)
        parts["encoder.pt"] = buffer.getvalue()
    parts["pipeline.pkl"] = pickle.dumps(bundle.pipeline, protocol=5)
    if bundle.unknown_detector is not None:
        parts["unknown_detector.pkl"] = pickle.dumps(bundle.unknown_detector, protocol=5)
    if bundle.vocabulary is not None:
        parts["vocabulary.json"] = json.dumps(bundle.vocabulary.to_json(), sort_keys=True).encode()
    manifest = {
        "format": BUNDLE_FORMAT,
        "variant": bundle.variant,
        "featurizer": featurizer_entry,
        "clusterer": bundle.clusterer,
        "thresholds": vars(bundle.thresholds),
        "unknown_score": bundle.unknown_score,
        "codebook_size": bundle.codebook_size,
        "codebook_levels": list(bundle.codebook_levels) if bundle.codebook_levels else None,
        "codes_per_window": bundle.codes_per_window,
        "selection": bundle.selection,
        "training_cluster_counts": {str(k): v for k, v in bundle.training_cluster_counts.items()},
        "provenance": {k: v for k, v in bundle.provenance.items() if k != "part_sha256"},
        "part_sha256": {name: sha256_hex(data) for name, data in parts.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        members = {"manifest.json": json.dumps(manifest, indent=2, sort_keys=True).encode()}
        for name, data in {**members, **parts}.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def bundle_from_bytes(data: bytes, expected_hash: str, device: str = "cpu") -> ScoringBundle:
    """Load a bundle whose sha256 equals ``expected_hash`` (the recorded one).

    The hash is checked first; a mismatch raises ValueError naming both hashes and nothing
    is unpickled. The encoder is rebuilt with ``torch.load(weights_only=True)``.
    """
    actual = sha256_hex(data)
    if actual != str(expected_hash).lower():
        raise ValueError(
            f"scoring bundle refused: its sha256 is {actual}, but the record says "
            f"{expected_hash}; the file was changed or is not the recorded one"
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != BUNDLE_FORMAT:
            raise ValueError(f"not a {BUNDLE_FORMAT} file: format {manifest.get('format')!r}")
        parts = {name: archive.read(name) for name in manifest["part_sha256"]}
    for name, digest in manifest["part_sha256"].items():
        if sha256_hex(parts[name]) != digest:
            raise ValueError(f"scoring bundle part {name} does not match its manifest hash")
    entry = manifest["featurizer"]
    model = (load_encoder(io.BytesIO(parts["encoder.pt"]), device=device)
             if "encoder.pt" in parts else None)
    if entry["kind"] == "encoder":
        featurizer = EncoderFeaturizer.from_model(model, remove_overlap=entry["remove_overlap"])
    else:
        featurizer = _unpickle_with_encoder(parts["featurizer.pkl"], model)
    detector = parts.get("unknown_detector.pkl")
    levels = manifest["codebook_levels"]
    return ScoringBundle(
        featurizer=featurizer,
        pipeline=pickle.loads(parts["pipeline.pkl"]),
        thresholds=Thresholds(**manifest["thresholds"]),
        codebook_size=int(manifest["codebook_size"]),
        codebook_levels=tuple(levels) if levels else None,
        variant=manifest["variant"],
        codes_per_window=manifest["codes_per_window"],
        unknown_score=manifest["unknown_score"],
        training_cluster_counts={int(k): int(v)
                                 for k, v in manifest["training_cluster_counts"].items()},
        provenance={**manifest["provenance"], "part_sha256": manifest["part_sha256"],
                    "bundle_sha256": actual},
        vocabulary=CuratedVocabulary.from_json(json.loads(parts["vocabulary.json"]))
        if "vocabulary.json" in parts else None,
        encoder=model,
        unknown_detector=None if detector is None else pickle.loads(detector),
        selection=manifest.get("selection", {}),
    )


_ENCODER_REFERENCE = "encoder.pt"


def _pickle_with_encoder_reference(featurizer, encoder: SequenceEncoder | None) -> bytes:
    """Pickle ``featurizer`` with every SequenceEncoder in it replaced by a reference to the
    bundle's one encoder.pt (torch modules never go into a pickle)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)

    def persistent_id(obj):
        if isinstance(obj, SequenceEncoder):
            if obj is not encoder:
                raise ValueError("the featurizer holds an encoder that is not the bundle's")
            return _ENCODER_REFERENCE
        return None

    pickler.persistent_id = persistent_id
    pickler.dump(featurizer)
    return out.getvalue()


def _unpickle_with_encoder(data: bytes, encoder: SequenceEncoder | None):
    unpickler = pickle.Unpickler(io.BytesIO(data))

    def persistent_load(reference):
        if reference != _ENCODER_REFERENCE or encoder is None:
            raise ValueError(f"featurizer.pkl refers to {reference!r}, which the bundle lacks")
        return encoder

    unpickler.persistent_load = persistent_load
    return unpickler.load()


def _unique_counts(labels) -> tuple[list[int], list[int]]:
    values, counts = np.unique(np.asarray(labels, dtype=np.int64), return_counts=True)
    return [int(v) for v in values], [int(c) for c in counts]


def _versions() -> dict[str, str | None]:
    found = {}
    for package in _VERSIONED:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found
