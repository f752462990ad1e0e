"""The online-score history: append-only parts, one identity per score, a current view."""

from __future__ import annotations

import multiprocessing
import time
from functools import partial

import pandas as pd
import pyarrow.dataset as ds
import pytest

from motion_assets.core.clustering.config import KMeansConfig
from motion_assets.core.clustering.pipeline import make_clusterer
from motion_assets.core.features.featurizers import BagOfCodesTfidf
from motion_assets.core.files.verified_pickle import sha256_hex
from motion_assets.core.scoring.bundle import (
    NOISE_IS_UNKNOWN,
    Thresholds,
    bundle_from_bytes,
    bundle_to_bytes,
    make_scoring_bundle,
    override_thresholds,
)
from motion_assets.core.scoring.history import (
    RUN_ORDER,
    append_scores,
    current_scores,
    read_history,
    unscored_files,
)
from motion_assets.core.scoring.history_summary import (
    HistorySummary,
    carried_summary,
    history_counts,
    recent_scores,
    summarize,
    summary_after,
)
from motion_assets.core.scoring.identity import scoring_identity
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.synthetic.table import synthetic_sequence_table
from motion_assets_tests.core.scoring.history_writer import append_when_all_are_ready


@pytest.fixture(scope="module")
def table():
    rows = synthetic_sequence_table(60, seed=4)
    rows = rows[rows["duplicate_of"].isna()].reset_index(drop=True)
    rows["relative_path"] = [f"{sid}.codes.json" for sid in rows["sequence_id"]]
    return rows


@pytest.fixture(scope="module")
def bundle(table):
    featurizer = BagOfCodesTfidf().fit(table)
    pipeline = make_clusterer("kmeans", KMeansConfig(n_clusters=3)).fit(featurizer.transform(table))
    data = bundle_to_bytes(make_scoring_bundle(featurizer, pipeline, variant="v",
                                               codebook_size=2048, training_rows=len(table)))
    return bundle_from_bytes(data, sha256_hex(data))


def append(folder, bundle, table, run_id):
    return append_scores(folder, table, scoring_identity(bundle), partial(score_sequences, bundle), run_id)


def test_rescoring_unchanged_content_with_the_same_bundle_adds_no_row(bundle, table, tmp_path):
    first = append(tmp_path, bundle, table.head(10), "run-1")
    scored = []
    again = append_scores(tmp_path, table.head(10), scoring_identity(bundle),
                          lambda todo: scored.append(len(todo)) or score_sequences(bundle, todo), "run-2")
    assert len(first.added) == 10 and first.part is not None
    assert len(again.added) == 0 and again.part is None and again.unchanged_files == 10
    assert scored == [0]  # nothing was scored again
    assert len(read_history(tmp_path)) == 10


def test_a_changed_file_adds_a_row_whose_score_is_the_current_one(bundle, table, tmp_path):
    append(tmp_path, bundle, table.head(5), "run-1")
    changed = table.head(5).copy()
    changed.loc[0, "codes"] = table.loc[20, "codes"]  # file 0 now holds another sequence
    changed.loc[0, "content_hash"] = table.loc[20, "content_hash"]
    result = append(tmp_path, bundle, changed, "run-2")
    assert result.added["path"].tolist() == [table.loc[0, "relative_path"]]
    current = current_scores(read_history(tmp_path))
    assert len(current) == 5
    now = current.set_index("path").loc[table.loc[0, "relative_path"]]
    expected = score_sequences(bundle, table.iloc[[20]])
    assert now["content_hash"] == table.loc[20, "content_hash"]
    assert now["cluster"] == expected["cluster"].iloc[0]
    assert now["run_id"] == "run-2"


def test_a_file_changed_back_to_an_earlier_content_is_current_again(bundle, table, tmp_path):
    original, other = table.iloc[[0]].copy(), table.iloc[[0]].copy()
    other["content_hash"], other["codes"] = table.loc[7, "content_hash"], [table.loc[7, "codes"]]
    for run, rows in (("run-1", original), ("run-2", other), ("run-3", original)):
        append(tmp_path, bundle, rows, run)
    current = current_scores(read_history(tmp_path))
    assert current["run_id"].tolist() == ["run-3"]
    assert current["content_hash"].tolist() == [table.loc[0, "content_hash"]]


def test_an_overridden_threshold_is_an_identity_of_its_own_kept_and_marked(bundle, table, tmp_path):
    append(tmp_path, bundle, table.head(8), "run-1")
    strict = override_thresholds(bundle, novelty=0.0)  # everything a little novel is unknown
    result = append(tmp_path, strict, table.head(8), "run-2")
    assert len(result.added) == 8
    history = read_history(tmp_path)
    assert set(history["threshold_source"]) == {"bundle", "override"}
    assert history.groupby("threshold_source")["scoring_id"].nunique().to_dict() == {"bundle": 1, "override": 1}
    assert set(history["bundle_hash"]) == {bundle.provenance["bundle_sha256"]}
    overridden = history[history["threshold_source"] == "override"]
    assert (overridden["novelty_threshold"] == 0.0).all()
    assert overridden["unknown"].tolist() == score_sequences(strict, table.head(8))["unknown"].tolist()
    assert history_counts(history).override_rows == 8


def test_override_thresholds_changes_only_the_threshold(bundle):
    base = override_thresholds(bundle, novelty=0.5)
    strict = override_thresholds(base, probability=0.9)
    assert strict.thresholds.probability == 0.9 and strict.thresholds.method == "override"
    assert strict.thresholds.novelty == 0.5
    assert strict.thresholds.noise_is_unknown == bundle.thresholds.noise_is_unknown
    assert strict.provenance == bundle.provenance and strict.pipeline is bundle.pipeline


def test_noise_is_unknown_has_one_default():
    assert Thresholds(0.5).noise_is_unknown is NOISE_IS_UNKNOWN


def test_unscored_files_are_those_new_or_changed_since_their_latest_score(bundle, table, tmp_path):
    incoming, history = tmp_path / "incoming", tmp_path / "history"
    for path in table.head(3)["relative_path"]:
        (incoming / path).parent.mkdir(parents=True, exist_ok=True)
        (incoming / path).write_text("{}")
    assert unscored_files(str(incoming), history, settle_seconds=0) == sorted(table.head(3)["relative_path"])
    time.sleep(1.1)  # past the slack allowed between file and score clocks
    append(history, bundle, table.head(2), "run-1")
    assert unscored_files(str(incoming), history, settle_seconds=0) == [table.loc[2, "relative_path"]]
    (incoming / table.loc[0, "relative_path"]).write_text('{"changed": true}')
    assert unscored_files(str(incoming), history, settle_seconds=0) == sorted(
        table.loc[[0, 2], "relative_path"])
    assert unscored_files(str(incoming), history, settle_seconds=3600) == []


def test_the_folder_reads_as_one_table_with_pandas_and_pyarrow_dataset(bundle, table, tmp_path):
    append(tmp_path, bundle, table.head(4), "run-1")
    append(tmp_path, bundle, table.iloc[4:9], "run-2")
    (tmp_path / ".tmp-half-written").write_bytes(b"PAR1 not yet")  # what a crash leaves
    assert len(list(tmp_path.glob("*.parquet"))) == 2
    assert len(pd.read_parquet(tmp_path)) == 9
    assert ds.dataset(str(tmp_path), format="parquet").count_rows() == 9


def test_an_earlier_part_is_never_rewritten(bundle, table, tmp_path):
    first = append(tmp_path, bundle, table.head(3), "run-1").part
    before = (first.stat().st_mtime_ns, first.read_bytes())
    append(tmp_path, bundle, table.iloc[3:6], "run-2")
    assert (first.stat().st_mtime_ns, first.read_bytes()) == before


def test_four_scoring_processes_at_once_lose_no_row(bundle, table, tmp_path):
    batches = [table.iloc[start : start + 10] for start in range(0, 40, 10)]
    scores = score_sequences(bundle, table.head(40))
    identity = scoring_identity(bundle)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(batches))
    processes = [context.Process(target=append_when_all_are_ready,
                                 args=(str(tmp_path), batch, identity, scores, barrier))
                 for batch in batches]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [process.exitcode for process in processes] == [0] * len(batches)
    history = read_history(tmp_path)
    assert sorted(history["path"]) == sorted(table.head(40)["relative_path"])
    assert len(list(tmp_path.glob("*.parquet"))) == len(batches)


def runs_of_every_kind(bundle, table, folder) -> HistorySummary:
    """New files, an unchanged rescore, a changed file, an override, overlapping batches: the
    summary carried from each run to the next, as online_scores does."""
    changed = table.head(6).copy()
    changed.loc[0, "content_hash"], changed.loc[0, "codes"] = table.loc[20, "content_hash"], table.loc[20, "codes"]
    strict = override_thresholds(bundle, novelty=0.0)
    previous = None
    for run, (scorer, rows) in enumerate([(bundle, table.head(6)), (bundle, table.head(6)), (bundle, changed),
                                          (strict, table.iloc[2:5]), (bundle, table.iloc[4:12])]):
        scoring_id = scoring_identity(scorer).scoring_id
        before = carried_summary(previous, folder, scoring_id)
        summary = summary_after(before, append(folder, scorer, rows, f"run-{run}"))
        previous = summary.as_metadata()
    return summary


def test_counts_carried_from_run_to_run_equal_a_count_of_the_whole_history(bundle, table, tmp_path):
    carried = runs_of_every_kind(bundle, table, tmp_path)
    assert carried == summarize(tmp_path, scoring_identity(bundle).scoring_id)
    assert carried.counts.superseded_rows > 0 and carried.counts.override_rows == 3


def test_a_part_the_summary_did_not_count_makes_the_next_run_count_everything(bundle, table, tmp_path):
    scoring_id = scoring_identity(bundle).scoring_id
    recorded = summary_after(carried_summary(None, tmp_path, scoring_id), append(tmp_path, bundle, table.head(4), "run-1"))
    append(tmp_path, bundle, table.iloc[4:7], "died-before-recording")
    assert carried_summary(recorded.as_metadata(), tmp_path, scoring_id).counts.history_rows == 7


def test_a_batch_reads_the_rows_of_its_files_only(bundle, table, tmp_path):
    for run, start in enumerate(range(0, 40, 10)):
        append(tmp_path, bundle, table.iloc[start : start + 10], f"run-{run}")
    wanted = table.loc[[3, 25], "relative_path"].tolist()
    batch = read_history(tmp_path, paths=wanted + ["never/scored.codes.json"])
    everything = read_history(tmp_path)
    assert sorted(batch["path"]) == sorted(everything[everything["path"].isin(wanted)]["path"])


def test_recent_scores_are_the_latest_rows_of_the_current_view(bundle, table, tmp_path):
    runs_of_every_kind(bundle, table, tmp_path)
    current = current_scores(read_history(tmp_path)).sort_values(RUN_ORDER, kind="stable")
    recent = recent_scores(tmp_path, 5)
    assert recent[["path", "sequence_id"]].tail(5).values.tolist() == current[["path", "sequence_id"]].tail(5).values.tolist()
