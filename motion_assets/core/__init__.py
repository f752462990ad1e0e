"""The motion_assets library: plain numpy/pandas/torch, no Dagster."""
