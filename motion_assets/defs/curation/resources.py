"""Where the curated taxonomy files live: one YAML file per variant."""

from __future__ import annotations

import os

from dagster import ConfigurableResource

DEFAULT_TAXONOMY_DIR = "configs/taxonomy"


class TaxonomyFiles(ConfigurableResource):
    """``<folder>/<variant>.yaml``; a variant without a file has an empty taxonomy."""

    folder: str = DEFAULT_TAXONOMY_DIR

    def path(self, variant: str) -> str:
        return os.path.join(self.folder, f"{variant}.yaml")
