import warnings

from dagster import AssetCheckSpec, DynamicPartitionsDefinition, PreviewWarning

# The name is the storage key of the partitions: renaming it orphans every variant.
dataset_variants = DynamicPartitionsDefinition(name="dataset_variant")


def variant_check(name: str, *, asset: str, **kwargs) -> AssetCheckSpec:
    """A check evaluated per dataset variant, so the UI shows each variant's result (not the
    last run's, whatever variant it was). Partitioned checks are a preview feature of 1.13:
    the warning is expected here and said once, in this comment."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)
        return AssetCheckSpec(name, asset=asset, partitions_def=dataset_variants, **kwargs)
