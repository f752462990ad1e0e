"""The Dagster shell: assets, checks, sensors, jobs and resources that wire ``core``."""
