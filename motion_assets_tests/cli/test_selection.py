"""``--select`` takes Dagster's selection syntax and the comma list, and keeps a multi-asset whole."""

import pytest
from dagster import AssetKey
from dagster._core.remote_representation.external import RemoteRepository
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._core.remote_representation.handle import RepositoryHandle

from motion_assets.cli.selection import SelectionError, resolve_selection
from motion_assets.definitions import defs

JOBS = {"variant_pipeline", "score_sequences"}


@pytest.fixture(scope="module")
def graph():
    repository = defs.get_repository_def()
    return RemoteRepository(
        RepositorySnap.from_def(repository),
        repository_handle=RepositoryHandle.for_test(location_name="test",
                                                    repository_name=repository.name),
        auto_materialize_use_sensors=True,
    ).asset_graph


def _names(keys) -> set[str]:
    return {key.to_user_string() for key in keys}


def test_the_comma_list_selects_each_named_asset(graph):
    selected = resolve_selection("codebook_usage,sequence_encoder", graph, JOBS)
    assert _names(selected.assets) == {"codebook_usage", "sequence_encoder"}


def test_selection_syntax_is_understood(graph):
    selected = resolve_selection("key:sequence_embeddings+ and group:clustering", graph, JOBS)
    assert "hdbscan_clusters" in _names(selected.assets)
    assert "sequence_embeddings" not in _names(selected.assets)


def test_one_output_of_the_ingest_multi_asset_brings_its_sibling(graph):
    selected = resolve_selection("code_sequences", graph, JOBS)
    assert _names(selected.assets) == {"code_sequences", "rejected_files"}
    assert selected.added == {AssetKey("rejected_files")}
    assert {check.asset_key for check in selected.checks} == {AssetKey("code_sequences")}


def test_no_selection_means_every_asset_of_the_jobs(graph):
    assert AssetKey("online_scores") in resolve_selection(None, graph, JOBS).assets


def test_an_unknown_asset_is_a_selection_error(graph):
    with pytest.raises(SelectionError, match="no_such_asset"):
        resolve_selection("key:no_such_asset", graph, JOBS)
