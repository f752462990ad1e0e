from dagster import AssetSelection, define_asset_job

curation_refresh = define_asset_job(
    "curation_refresh",
    selection=AssetSelection.assets("cluster_taxonomy", "scoring_bundle", "cluster_names",
                                    "clips_to_label"),
    description="Apply a changed taxonomy: validate it, rebuild the bundle with it, rename",
)

propose_new_actions = define_asset_job(
    "propose_new_actions",
    selection=AssetSelection.assets("new_action_candidates"),
    description="Cluster the current unknown online scores into candidate new actions",
)
