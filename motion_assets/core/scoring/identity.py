"""What a score is the score *of*: the scoring identity of a bundle and its thresholds in force.

Two scores of the same sequence content are the same score only when they came from the same
bundle file with the same thresholds. ``scoring_id`` names that pair in one short string, so
the history can key rows by ``(path, content_hash, scoring_id)`` and a threshold override is
an identity of its own, kept and marked, never mistaken for the bundle's own scores.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the history imports identities without loading torch through the bundle
    from motion_assets.core.scoring.bundle import ScoringBundle
    from motion_assets.core.scoring.thresholds import Thresholds


@dataclass(frozen=True)
class ScoringIdentity:
    """The bundle file and the thresholds a score was made with.

    ``novelty_threshold``: the one in force (the bundle's, else its pipeline's; None = none).
    ``threshold_source``: ``"bundle"`` or ``"override"`` (:func:`override_thresholds`).
    """

    bundle_hash: str | None
    threshold: float
    novelty_threshold: float | None
    noise_is_unknown: bool
    threshold_source: str

    @property
    def scoring_id(self) -> str:
        """16 hex digits of sha256 over the bundle hash and the thresholds in force."""
        key = [self.bundle_hash, self.threshold, self.novelty_threshold, self.noise_is_unknown]
        return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]

    def columns(self) -> dict:
        """The identity as row values, ``scoring_id`` first."""
        return {"scoring_id": self.scoring_id, "bundle_hash": self.bundle_hash,
                "threshold": self.threshold, "novelty_threshold": self.novelty_threshold,
                "noise_is_unknown": self.noise_is_unknown,
                "threshold_source": self.threshold_source}


IDENTITY_COLUMNS = ("scoring_id", "bundle_hash", "threshold", "novelty_threshold",
                    "noise_is_unknown", "threshold_source")


def scoring_identity(bundle: ScoringBundle) -> ScoringIdentity:
    """The identity of scores made with ``bundle`` as loaded (and possibly overridden)."""
    return identity_of(bundle.provenance.get("bundle_sha256"), bundle.thresholds,
                       getattr(bundle.pipeline, "novelty_threshold", None))


def identity_of(bundle_hash: str | None, thresholds: Thresholds,
                pipeline_novelty_threshold: float | None) -> ScoringIdentity:
    """The identity of scores made with the bundle file ``bundle_hash`` under ``thresholds``
    (its pipeline's novelty threshold applies where they set none)."""
    novelty = thresholds.novelty
    if novelty is None:
        novelty = pipeline_novelty_threshold
    return ScoringIdentity(
        bundle_hash=bundle_hash,
        threshold=float(thresholds.probability),
        novelty_threshold=None if novelty is None else float(novelty),
        noise_is_unknown=bool(thresholds.noise_is_unknown),
        threshold_source="override" if thresholds.method == "override" else "bundle",
    )
