"""Reading settings: ingest.yaml (codebooks, the rejected-share limit, workers) and the
labelled subset's ``label_processing`` section of eval_config.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from motion_assets.core.config import ConfigError, ConfigSection, check_range, setting
from motion_assets.core.sequences.reader import CodebookSettings


@dataclass(frozen=True)
class VariantCodebook(ConfigSection):
    """What a variant's tokenizer used, when the files do not say (sidecars never do)."""

    section: ClassVar[str] = "variant_codebooks.<variant>"
    codebook_size: int | None = None
    codebook_levels: list[int] | None = None


@dataclass(frozen=True)
class IngestConfig(ConfigSection):
    """ingest.yaml: what code_sequences and labelled_sequences read."""

    default_codebook_size: int = setting(
        2048, "Id range when neither the file, the variant config nor its cbNNNN name says")
    variant_codebooks: dict[str, VariantCodebook] = setting(
        {}, "Per variant name: codebook size and FSQ levels")
    max_rejected_share: float = setting(
        0.05, "The rejected-files check fails (and blocks training) above this share")
    workers: int = setting(0, "Parsing processes for big folders; 0 = one per CPU")

    def __post_init__(self) -> None:
        if self.default_codebook_size < 1:
            raise ConfigError("default_codebook_size: must be >= 1")
        check_range("max_rejected_share", self.max_rejected_share, 0, 1)
        if self.workers < 0:
            raise ConfigError("workers: must be >= 0 (0 = one per CPU)")

    def codebook_settings(self, variant: str) -> CodebookSettings:
        declared = self.variant_codebooks.get(variant, VariantCodebook())
        return CodebookSettings(
            variant=variant,
            configured_size=declared.codebook_size,
            configured_levels=tuple(declared.codebook_levels) if declared.codebook_levels else None,
            default_size=self.default_codebook_size,
        )


@dataclass(frozen=True)
class LabelProcessingConfig(ConfigSection):
    """How the labelled subset's folders become labels; the only place labels are merged."""

    section: ClassVar[str] = "label_processing"
    merge_map: dict[str, str] = setting(
        {}, "Raw label -> merged label (e.g. every videos_nok_* -> nok)")
    label_depth: int = setting(0, "Which folder level below the labelled folder names the label")
    shared_labelled_root: bool = setting(
        False, "Older layout: <labelled_root>/<label>/... serves every variant")

    def merged(self, labels: list[str | None]) -> list[str | None]:
        """Each label renamed by ``merge_map`` (unlisted labels and missing ones stay)."""
        return [self.merge_map.get(label, label) if label else label for label in labels]


@dataclass(frozen=True)
class LabelledSequencesConfig(IngestConfig):
    """ingest.yaml plus eval_config.yaml's label_processing: what labelled_sequences reads."""

    label_processing: LabelProcessingConfig = field(default_factory=LabelProcessingConfig)
