"""What every asset carries in the catalog, applied in one place so a new asset has it from
the start: who answers for its stage, the tags people filter by, and a reference to the code
that defines it (Dagster's ``with_source_code_references``: the file and line, shown on the
asset's page)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from dagster import AssetsDefinition, AssetSpec, BetaWarning, with_source_code_references

# Dagster owners are e-mail addresses or "team:<name>"; change the teams here.
OWNERS_BY_GROUP = {
    "sequences": ["team:motion-ingest"],
    "encoder": ["team:motion-modelling"],
    "clustering": ["team:motion-modelling"],
    "evaluation": ["team:motion-modelling"],
    "scoring": ["team:motion-serving"],
    "curation": ["team:motion-modelling"],
}
# What a person deciding "which cluster is which action" opens first.
REPORT_ASSETS = {"cluster_plots", "umap_projection", "labelled_leaderboard", "sequence_encoder",
                 "hdbscan_clusters", "bayes_gmm_clusters", "cluster_quality", "code_sequences"}


def _owned(spec: AssetSpec) -> AssetSpec:
    tags = {**spec.tags, "domain": "motion", "stage": spec.group_name}
    if spec.key.to_user_string() in REPORT_ASSETS:
        tags["report"] = ""  # a label-style tag: shown as "report" in the catalog
    return spec.replace_attributes(owners=OWNERS_BY_GROUP.get(spec.group_name, []), tags=tags)


def with_asset_policy(assets: Sequence[AssetsDefinition]) -> list[AssetsDefinition]:
    owned = [assets_def.map_asset_specs(_owned) for assets_def in assets]
    with warnings.catch_warnings():  # code references are a beta feature of 1.13: expected
        warnings.simplefilter("ignore", BetaWarning)
        return list(with_source_code_references(owned))
