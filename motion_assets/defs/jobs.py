from dagster import AssetSelection, define_asset_job

# Everything computed per variant from its folder. online_scores rows come from the scoring
# job; the pipeline materializes it too (scoring nothing), so a variant that has no incoming
# files yet shows an empty, current history instead of a partition that looks missing.
variant_pipeline = define_asset_job(
    "variant_pipeline",
    selection=AssetSelection.groups("sequences", "encoder", "clustering", "evaluation")
    | AssetSelection.assets("scoring_bundle", "cluster_taxonomy", "cluster_names", "clips_to_label",
                            "online_scores"),
    description="Ingest a dataset variant and compute everything derived from it",
)

score_sequences_job = define_asset_job(
    "score_sequences",
    selection=AssetSelection.assets("online_scores"),
    description="Score new files of a variant with its latest scoring bundle",
)
