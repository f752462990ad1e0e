"""A small Dagster home with the first assets of one variant materialized, as a person opening
the UI after `motion-assets run` sees them (ingestion, its checks, codebook usage plots)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from dagster import DagsterInstance, materialize

from motion_assets.cli.dagster_home import INSTANCE_YAML
from motion_assets.core.synthetic import (
    MAIN_VARIANT,
    SyntheticSpec,
    VariantSpec,
    write_tokenizer_output,
)
from motion_assets.definitions import ASSETS
from motion_assets.defs.resources import build_resources

MATERIALIZED = ["code_sequences", "rejected_files", "codebook_usage"]


@dataclasses.dataclass
class MaterializedHome:
    dagster_home: Path
    environment: dict  # MOTION_ASSETS_* variables that point the code location at the folders
    variant: str


def small_spec() -> SyntheticSpec:
    main = VariantSpec(MAIN_VARIANT, n_videos=4, segments_per_video=15, labelled=20,
                       incoming_videos=1, incoming_segments_per_video=5)
    # a few segments written twice: the no_duplicate_segments check warns, as on real folders
    return dataclasses.replace(SyntheticSpec.demo(seed=5), variants=(main,), duplicate_share=0.1)


def build_materialized_home(root: Path) -> MaterializedHome:
    tree = write_tokenizer_output(root / "data", small_spec())
    environment = {
        "MOTION_ASSETS_INFERENCE_ROOT": str(tree.inference_root),
        "MOTION_ASSETS_LABELLED_ROOT": str(tree.labelled_root),
        "MOTION_ASSETS_INCOMING_ROOT": str(tree.incoming_root),
        "MOTION_ASSETS_STORAGE": str(root / "storage"),
    }
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    resources = build_resources(environ=environment)
    with DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("dataset_variant", [MAIN_VARIANT])
        materialize(ASSETS, instance=instance, partition_key=MAIN_VARIANT, resources=resources,
                    selection=MATERIALIZED)
    return MaterializedHome(home, environment, MAIN_VARIANT)
