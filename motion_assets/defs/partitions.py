from dagster import DynamicPartitionsDefinition

# The name is the storage key of the partitions: renaming it orphans every variant.
dataset_variants = DynamicPartitionsDefinition(name="dataset_variant")
