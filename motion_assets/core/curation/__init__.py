"""From clusters to named actions: names from labels, a curated taxonomy, label suggestions,
new actions proposed from the unknowns. Sits between evaluation and scoring."""
