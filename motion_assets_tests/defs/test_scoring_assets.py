"""The scoring bundle, the online_scores history and the new-file sensor."""

import json
import os
import time

import pandas as pd
import pytest
from dagster import AssetKey, build_sensor_context

from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.files.manifest import read_current
from motion_assets.core.scoring.history import current_scores, incoming_tree_file
from motion_assets.core.scoring.history_summary import history_counts
from motion_assets.core.synthetic import MAIN_VARIANT
from motion_assets.defs.resources import IncomingWatch
from motion_assets.defs.scoring.run_tags import VARIANT_TAG
from motion_assets.defs.scoring.sensors import new_tokenizer_output_sensor
from motion_assets.defs.storage import PreviousTables


def incoming_files(pipeline) -> list[str]:
    root = pipeline.tree.incoming_root / MAIN_VARIANT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.codes.json"))


def score(pipeline, files, **extra):
    config = {"files": files, **extra}
    return pipeline.materialize(["online_scores"], {"ops": {"online_scores": {"config": config}}})


def stored_scores(pipeline) -> pd.DataFrame:
    folder = pipeline.storage / "online_scores" / MAIN_VARIANT
    return pd.read_parquet(folder) if folder.exists() else pd.DataFrame(columns=["path"])


def latest_metadata(pipeline) -> dict:
    event = pipeline.instance.get_latest_materialization_event(AssetKey("online_scores"))
    return {key: entry.value for key, entry in event.asset_materialization.metadata.items()}


def current_bundle_file(pipeline):
    current = read_current(StorageLayout(str(pipeline.storage)), "scoring_bundle", MAIN_VARIANT)
    return pipeline.storage / "scoring_bundle" / MAIN_VARIANT / current.file


def test_bundle_records_hash_and_batch_parity(pipeline):
    event = pipeline.instance.get_latest_materialization_event(AssetKey("scoring_bundle"))
    metadata = event.asset_materialization.metadata
    assert len(metadata["content_hash"].value) == 64
    assert metadata["online_vs_batch_agreement_non_noise"].value >= 0.99


def test_the_deployed_bundle_gets_its_runtime_export(pipeline):
    # every featurizer x clusterer the evidence may pick is one the runtime covers
    event = pipeline.instance.get_latest_materialization_event(AssetKey("scoring_bundle"))
    metadata = event.asset_materialization.metadata
    written, bundle = metadata["runtime_export"].value, current_bundle_file(pipeline)
    export = bundle.with_name(f"{metadata['content_hash'].value}.runtime.npz")
    assert written == export.name and export.exists()


def test_bundle_records_which_model_the_held_out_labels_picked_and_why(pipeline):
    event = pipeline.instance.get_latest_materialization_event(AssetKey("scoring_bundle"))
    metadata = event.asset_materialization.metadata
    assert metadata["selection_criterion"].value == "held_out_labels"
    assert metadata["selection_reason"].value.startswith("best ARI on held-out labels")
    judged = [record.data["method"] for record in metadata["selection"].records]
    assert metadata["deployed_method"].value == judged[0]  # the best of the candidates shown
    assert metadata["unknown_voices"].value == "novelty, surprisal"


def test_scoring_the_same_files_twice_adds_nothing(pipeline):
    files = incoming_files(pipeline)[:6]
    before = len(stored_scores(pipeline))
    score(pipeline, files)
    first = stored_scores(pipeline)
    score(pipeline, files)
    again = stored_scores(pipeline)
    assert len(again) == len(first) >= before
    assert set(files) <= set(current_scores(again)["path"])
    assert latest_metadata(pipeline)["added_rows"] == 0
    assert latest_metadata(pipeline)["unchanged_files"] == 6


def test_a_changed_file_is_scored_again_and_its_new_score_is_current(pipeline):
    path = incoming_files(pipeline)[7]
    target = pipeline.tree.incoming_root / MAIN_VARIANT / path
    original = target.read_text()
    score(pipeline, [path])
    try:
        document = json.loads(original)
        document["codes_windows"] = [[5] * len(window) for window in document["codes_windows"]]
        target.write_text(json.dumps(document))
        score(pipeline, [path])
    finally:
        target.write_text(original)
    rows = stored_scores(pipeline)
    rows = rows[rows["path"] == path]
    assert rows["content_hash"].nunique() == 2
    current = current_scores(rows)
    assert len(current) == 1 and current["scored_at"].iloc[0] == rows["scored_at"].max()


def test_an_overridden_threshold_is_kept_and_marked(pipeline):
    files = incoming_files(pipeline)[10:13]
    score(pipeline, files)
    score(pipeline, files, threshold=0.999)
    rows = stored_scores(pipeline)
    rows = rows[rows["path"].isin(files)]
    assert sorted(rows["threshold_source"].value_counts().to_dict().items()) == [("bundle", 3), ("override", 3)]
    assert (rows.loc[rows["threshold_source"] == "override", "threshold"] == 0.999).all()
    assert latest_metadata(pipeline)["threshold_source"] == "override"


def test_the_counts_carried_from_run_to_run_are_those_of_the_whole_history(pipeline):
    files = incoming_files(pipeline)
    score(pipeline, files[:9])
    score(pipeline, files[5:14], threshold=0.999)  # another identity: counted again in full
    score(pipeline, files[12:20])
    score(pipeline, files[18:24])
    recorded = latest_metadata(pipeline)
    expected = history_counts(stored_scores(pipeline))
    assert {name: recorded[name] for name in expected.as_metadata()} == expected.as_metadata()
    assert recorded["counted_parts"] == len(list((pipeline.storage / "online_scores" / MAIN_VARIANT).glob("part-*")))


def test_a_folder_outside_the_incoming_folder_is_refused(pipeline):
    result = pipeline.materialize(["online_scores"], {"ops": {"online_scores": {"config": {"folder": "../.."}}}},
                                  raise_on_error=False)
    assert not result.success
    failure = next(event for event in result.all_events if event.is_step_failure)
    assert "is not inside the incoming folder" in failure.step_failure_data.error.message


def test_a_tampered_bundle_is_refused(pipeline, tmp_path):
    path = current_bundle_file(pipeline)
    original = path.read_bytes()
    try:
        path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        with pytest.raises(ValueError, match="scoring bundle refused"):
            score(pipeline, incoming_files(pipeline)[:1])
    finally:
        path.write_bytes(original)


def tick(pipeline, cursor=None, previous_tables=None, **watch):
    context = build_sensor_context(
        instance=pipeline.instance, cursor=cursor,
        resources={"folders": pipeline.resources["folders"],
                   "previous_tables": previous_tables or pipeline.resources["previous_tables"],
                   "incoming_watch": IncomingWatch(**{"batch_size": 8, "settle_seconds": 0, **watch})},
    )
    return new_tokenizer_output_sensor(context)


def requested_files(result) -> list[str]:
    return sorted(f for r in result.run_requests for f in r.run_config["ops"]["online_scores"]["config"]["files"])


def launch(pipeline, request):
    """What the daemon does with a run request: one run of the job, with its config and tags."""
    return pipeline.materialize(["online_scores"], request.run_config, raise_on_error=False,
                                tags=request.tags).success


def test_sensor_requests_each_new_file_until_a_run_that_scored_it_succeeded(pipeline):
    first = tick(pipeline)
    assert requested_files(first) == incoming_files(pipeline)
    assert all(r.partition_key == MAIN_VARIANT for r in first.run_requests)
    assert all(r.tags[VARIANT_TAG] == MAIN_VARIANT for r in first.run_requests)
    assert len({r.run_key for r in first.run_requests}) == len(first.run_requests)
    assert requested_files(tick(pipeline, first.cursor)) == requested_files(first)  # no run yet
    assert all(launch(pipeline, request) for request in first.run_requests)
    second = tick(pipeline, first.cursor)
    assert not second.run_requests
    assert not tick(pipeline, second.cursor).run_requests  # a restart from the stored cursor
    assert len(second.cursor) < 1024
    new_file = pipeline.tree.incoming_root / MAIN_VARIANT / "D09_new" / "code_indices" / "segment_0001_startwin_000003.codes.json"
    new_file.parent.mkdir(parents=True)
    try:
        new_file.write_text(json.dumps({"codes_windows": [[1] * 14, [2] * 14]}))
        assert requested_files(tick(pipeline, second.cursor)) == ["D09_new/code_indices/" + new_file.name]
    finally:
        new_file.unlink()
        new_file.parent.rmdir()
        new_file.parent.parent.rmdir()


def test_a_failed_runs_files_are_requested_again_then_recorded_with_the_error(pipeline):
    bundle = current_bundle_file(pipeline)
    original = bundle.read_bytes()
    watch = {"batch_size": 50, "max_attempts": 2}
    try:
        bundle.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # every run fails
        first = tick(pipeline, **watch)
        assert not launch(pipeline, first.run_requests[0])
        retry = tick(pipeline, first.cursor, **watch)
        assert requested_files(retry) == requested_files(first) == incoming_files(pipeline)
        assert retry.run_requests[0].run_key != first.run_requests[0].run_key
        assert not launch(pipeline, retry.run_requests[0])
        gave_up = tick(pipeline, retry.cursor, **watch)
    finally:
        bundle.write_bytes(original)
    assert not gave_up.run_requests
    (event,) = gave_up.asset_events
    assert event.asset_key == AssetKey("online_scores") and event.partition == MAIN_VARIANT
    assert event.metadata["unscored_files"].value == len(incoming_files(pipeline))
    assert "scoring bundle refused" in event.metadata["error"].value
    assert json.loads(gave_up.cursor)[MAIN_VARIANT]["given_up_files"] == len(incoming_files(pipeline))


def scored_cursor(pipeline) -> str:
    """The cursor of a sensor that has requested and seen succeed a run for every file."""
    first = tick(pipeline, batch_size=50)
    assert all(launch(pipeline, request) for request in first.run_requests)
    done = tick(pipeline, first.cursor, batch_size=50)
    assert not done.run_requests
    return done.cursor


def test_a_file_rewritten_in_place_is_requested_when_the_sweep_reaches_its_folder(pipeline):
    cursor = scored_cursor(pipeline)
    target = pipeline.tree.incoming_root / MAIN_VARIANT / incoming_files(pipeline)[0]
    original = target.read_text()
    try:
        time.sleep(0.01)
        with open(target, "r+") as handle:  # in place: its folder does not change
            handle.write(original)
        swept = tick(pipeline, cursor, full_sweep_seconds=0.001)
    finally:
        target.write_text(original)
    assert requested_files(swept) == [incoming_files(pipeline)[0]]


def test_a_tick_that_runs_out_of_time_requests_nothing_and_the_next_goes_on(pipeline):
    storage = pipeline.resources["previous_tables"].base_path
    incoming_tree_file(storage, MAIN_VARIANT).unlink(missing_ok=True)  # nothing remembered
    stopped = tick(pipeline, batch_size=50, walk_budget_seconds=-1)
    assert not stopped.run_requests and "still reading the incoming tree" in stopped.skip_reason.skip_message
    assert requested_files(tick(pipeline, stopped.cursor, batch_size=50)) == incoming_files(pipeline)


def test_a_tick_that_cannot_remember_the_incoming_folders_still_requests_the_new_files(pipeline, tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    unwritable = PreviousTables(base_path=str(tmp_path / "not-a-folder"))
    assert requested_files(tick(pipeline, previous_tables=unwritable, batch_size=50)) == incoming_files(pipeline)


def test_a_cursor_of_the_older_format_starts_the_variant_over(pipeline):
    older = json.dumps({MAIN_VARIANT: {path: 1 for path in incoming_files(pipeline)}})
    assert requested_files(tick(pipeline, older, batch_size=50)) == incoming_files(pipeline)


def test_a_dangling_symlink_in_the_incoming_tree_does_not_fail_a_tick(pipeline):
    link = pipeline.tree.incoming_root / MAIN_VARIANT / "broken.codes.json"
    os.symlink(pipeline.tree.incoming_root / "nowhere.codes.json", link)
    try:
        result = tick(pipeline)
    finally:
        link.unlink()
    assert requested_files(result) == incoming_files(pipeline)


def test_sensor_waits_for_files_still_being_written(pipeline):
    result = tick(pipeline, settle_seconds=3600)
    assert not result.run_requests and "still settling" in result.skip_reason.skip_message


def score_command(pipeline, capsys, *args):
    from motion_assets.cli import main

    event = pipeline.instance.get_latest_materialization_event(AssetKey("scoring_bundle"))
    recorded = event.asset_materialization.metadata["content_hash"].value
    code = main(["score", "--variant", MAIN_VARIANT, "--storage", str(pipeline.storage),
                 "--bundle-hash", recorded, *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_score_command_gives_one_row_per_score_identity(pipeline, capsys):
    folder = pipeline.tree.incoming_root / MAIN_VARIANT
    one = folder / incoming_files(pipeline)[0]
    code, rows, _ = score_command(pipeline, capsys, str(folder), str(one))
    assert code == 0 and len(rows) == len(incoming_files(pipeline))
    assert len({(r["path"], r["content_hash"], r["scoring_id"]) for r in rows}) == len(rows)
    assert {r["threshold_source"] for r in rows} == {"bundle"}


def test_score_command_marks_an_overridden_threshold_as_its_own_identity(pipeline, capsys):
    one = str(pipeline.tree.incoming_root / MAIN_VARIANT / incoming_files(pipeline)[0])
    _, (plain,), _ = score_command(pipeline, capsys, one)
    _, (strict,), err = score_command(pipeline, capsys, one, "--threshold", "0.999")
    assert strict["threshold_source"] == "override" and strict["threshold"] == 0.999
    assert strict["scoring_id"] != plain["scoring_id"] and strict["content_hash"] == plain["content_hash"]
    assert "threshold overridden" in err


@pytest.mark.parametrize("args", [["--bundle-hash", "0" * 64, "x.codes.json"], ["missing_file.codes.json"],
                                  ["--variant", "../bad", "x.codes.json"]])
def test_score_command_errors_are_one_line_and_a_non_zero_exit(pipeline, capsys, args):
    code, rows, err = score_command(pipeline, capsys, *args)
    assert code != 0 and not rows
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")


def test_the_mixture_has_one_component_per_label_of_the_labelled_subset(pipeline):
    labelled = pd.read_parquet(pipeline.storage / "labelled_sequences" / f"{MAIN_VARIANT}.parquet")
    event = pipeline.instance.get_latest_materialization_event(AssetKey("bayes_gmm_clusters"))
    assert event.asset_materialization.metadata["components"].value == labelled["label"].nunique() == 7


def test_a_variant_without_incoming_files_gets_an_empty_current_history(pipeline, tmp_path):
    from dagster import materialize

    from motion_assets.definitions import ASSETS
    from motion_assets.defs.resources import build_resources

    # the same models, but an incoming root that has no folder for the variant
    resources = {**pipeline.resources,
                 "folders": build_resources(inference_root=str(pipeline.tree.inference_root),
                                            incoming_root=str(tmp_path / "empty"),
                                            storage=str(tmp_path / "scores"))["folders"]}
    result = materialize(ASSETS, instance=pipeline.instance, partition_key=MAIN_VARIANT,
                         resources=resources, selection=["online_scores"])
    materialization = result.asset_materializations_for_node("online_scores")[0]
    assert materialization.metadata["added_rows"].value == 0
    assert "Nothing asked to score" in materialization.metadata["note"].value
