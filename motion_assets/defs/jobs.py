from dagster import AssetSelection, define_asset_job

# Everything computed per variant from its folder; online scores come from the scoring job.
variant_pipeline = define_asset_job(
    "variant_pipeline",
    selection=AssetSelection.groups("sequences", "encoder", "clustering"),
    description="Ingest a dataset variant and compute everything derived from it",
)
