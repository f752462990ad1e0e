"""Run configuration of the sequence assets; configs/ingest.yaml holds the same values."""


from dagster import Config
from pydantic import Field

from motion_assets.core.clustering.config import LabelProcessingConfig
from motion_assets.core.sequences.reader import CodebookSettings
from motion_assets.defs.config_mirror import dagster_config_for

LabelProcessing = dagster_config_for(LabelProcessingConfig)


class VariantCodebook(Config):
    """What a variant's tokenizer used, when the files do not say (sidecars never do)."""

    codebook_size: int | None = None
    codebook_levels: list[int] | None = None


class IngestConfig(Config):
    default_codebook_size: int = Field(
        2048, description="Id range when neither the file, the variant config nor its cbNNNN name says"
    )
    variant_codebooks: dict[str, VariantCodebook] = Field(
        default_factory=dict, description="Per variant name: codebook size and FSQ levels"
    )
    max_rejected_share: float = Field(
        0.05, description="The rejected-files check fails (and blocks training) above this share"
    )
    workers: int = Field(0, description="Parsing processes for big folders; 0 = one per CPU")

    def codebook_settings(self, variant: str) -> CodebookSettings:
        declared = self.variant_codebooks.get(variant, VariantCodebook())
        return CodebookSettings(
            variant=variant,
            configured_size=declared.codebook_size,
            configured_levels=tuple(declared.codebook_levels) if declared.codebook_levels else None,
            default_size=self.default_codebook_size,
        )


class LabelledSequencesConfig(IngestConfig):
    label_processing: LabelProcessing = Field(default_factory=LabelProcessing)
    shared_labelled_root: bool = Field(
        False, description="Older layout: <labelled_root>/<label>/... serves every variant"
    )
