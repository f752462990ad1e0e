"""The one Definitions object of the code location: it only assembles ``defs``."""

from dagster import Definitions, load_assets_from_modules

from motion_assets.core.encoder.threads import use_blas_policy
from motion_assets.defs.asset_policy import with_asset_policy
from motion_assets.defs.clustering import assets as cluster_assets
from motion_assets.defs.clustering import pictures as cluster_pictures
from motion_assets.defs.clustering import quality as cluster_quality
from motion_assets.defs.curation import assets as curation_assets
from motion_assets.defs.curation.jobs import curation_refresh, propose_new_actions
from motion_assets.defs.curation.sensors import taxonomy_sensor
from motion_assets.defs.encoder import assets as encoder_assets
from motion_assets.defs.evaluation import assets as evaluation_assets
from motion_assets.defs.executors import executor_from_environment
from motion_assets.defs.jobs import score_sequences_job, variant_pipeline
from motion_assets.defs.resources import build_resources
from motion_assets.defs.scoring import assets as scoring_assets
from motion_assets.defs.scoring.sensors import new_tokenizer_output_sensor
from motion_assets.defs.sequences import assets as sequence_assets
from motion_assets.defs.sequences.sensors import variant_folder_sensor

# Every process that loads the code location (webserver, daemon, runs, steps) runs BLAS at
# the thread policy's count: two BLAS threads collapse under contention (encoder/threads.py).
use_blas_policy()

# Unbound asset definitions, for in-process materialization with explicit resources; each with
# its owners and tags, and a reference to the code that defines it (shown on its page).
ASSETS = [*with_asset_policy(load_assets_from_modules(
    [sequence_assets, encoder_assets, cluster_assets, cluster_quality, cluster_pictures,
     evaluation_assets, scoring_assets, curation_assets]
)), curation_assets.taxonomy_file]

defs = Definitions(
    assets=ASSETS,
    jobs=[variant_pipeline, score_sequences_job, curation_refresh, propose_new_actions],
    sensors=[variant_folder_sensor, new_tokenizer_output_sensor, taxonomy_sensor],
    resources=build_resources(),
    # In-process by default (embedded); deploy/ picks celery, multiprocess or k8s by environment.
    executor=executor_from_environment(),
)
