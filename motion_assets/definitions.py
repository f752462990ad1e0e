"""The one Definitions object of the code location: it only assembles ``defs``."""

from dagster import Definitions, load_assets_from_modules

from motion_assets.defs.encoder import assets as encoder_assets
from motion_assets.defs.jobs import variant_pipeline
from motion_assets.defs.resources import build_resources
from motion_assets.defs.sequences import assets as sequence_assets
from motion_assets.defs.sequences.sensors import variant_folder_sensor

# Unbound asset definitions, for in-process materialization with explicit resources.
ASSETS = load_assets_from_modules([sequence_assets, encoder_assets])

defs = Definitions(
    assets=ASSETS,
    jobs=[variant_pipeline],
    sensors=[variant_folder_sensor],
    resources=build_resources(),
)
