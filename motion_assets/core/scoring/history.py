"""The history of online scores: a Parquet dataset folder, one part per scoring run.

Each run writes its own part file atomically and never touches an earlier one, so two runs
of one variant at once both land, and what a run writes depends on its batch alone. The
folder reads as one table (``pandas.read_parquet(folder)``, ``pyarrow.dataset``, DuckDB
``read_parquet('<folder>/*.parquet')``); half-written parts are hidden ``.tmp-*`` files.

A row is the score of one sequence (``sequence_id``, from the file at ``path``) with content
``content_hash`` under one scoring identity (``scoring_id``: bundle file + thresholds, see
identity.py). Files are scored whole, so the *current view* of a file is the rows of the
latest run that scored it: a changed file's new rows supersede the old ones, and a file
scored again unchanged under the same identity is not even scored (:func:`unchanged_files`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from upath import UPath

from motion_assets.core.files.atomic_write import LOCAL_PROTOCOLS, write_atomically
from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.scoring.identity import ScoringIdentity
from motion_assets.core.scoring.part_index import part_names, part_ranges, parts_holding
from motion_assets.core.sequences.incoming_files import list_incoming

HISTORY_SCHEMA = pa.schema([
    ("path", pa.string()),
    ("sequence_id", pa.string()),
    ("line", pa.int32()),
    ("content_hash", pa.string()),
    ("cluster", pa.int64()),
    ("best_cluster", pa.int64()),
    ("probability", pa.float64()),
    ("soft_probability", pa.float64()),
    ("outlier_score", pa.float64()),
    ("novelty", pa.float64()),
    ("is_noise", pa.bool_()),
    ("unknown", pa.bool_()),
    ("unknown_score", pa.float64()),
    ("action_cluster", pa.int64()),  # after the curated taxonomy (null in parts written before it)
    ("action", pa.string()),
    ("scoring_id", pa.string()),
    ("bundle_hash", pa.string()),
    ("threshold", pa.float64()),
    ("novelty_threshold", pa.float64()),
    ("noise_is_unknown", pa.bool_()),
    ("threshold_source", pa.string()),
    ("scored_at", pa.timestamp("us", tz="UTC")),
    ("run_id", pa.string()),
])
RUN_ORDER = ["scored_at", "run_id"]  # the order of runs; a run's rows share both values
STATE_COLUMNS = ["path", "sequence_id", "content_hash", "scoring_id", *RUN_ORDER]


def history_folder(storage: UPath | str, variant: str) -> UPath:
    """Where the history of ``variant`` lives: ``<storage>/online_scores/<variant>/``."""
    return StorageLayout(str(storage)).partition_folder("online_scores", variant)


def incoming_tree_file(storage: UPath | str, variant: str) -> UPath:
    """What the scoring sensor remembers of the folders of ``variant``'s incoming folder
    (incoming_tree.py), beside its history: ``<storage>/online_scores/<variant>.incoming-tree.parquet``."""
    return StorageLayout(str(storage)).file("online_scores", variant, "incoming-tree.parquet")


def history_rows(scores: pd.DataFrame, sequences: pd.DataFrame, identity: ScoringIdentity,
                 run_id: str, scored_at: pd.Timestamp | None = None) -> pd.DataFrame:
    """History rows for one run: ``scores`` (``score_sequences`` of ``sequences``, same
    order) with the file, content and scoring identity of each row."""
    if len(scores) != len(sequences):
        raise ValueError(f"{len(scores)} scores for {len(sequences)} sequences")
    rows = pd.DataFrame({
        "path": sequences["relative_path"].to_numpy(dtype=object),
        "sequence_id": sequences["sequence_id"].to_numpy(dtype=object),
        "line": sequences["line"].to_numpy(),
        "content_hash": sequences["content_hash"].to_numpy(dtype=object),
    })
    for name in HISTORY_SCHEMA.names[4:15]:  # cluster .. action: the score columns
        rows[name] = scores[name].to_numpy()
    for name, value in identity.columns().items():
        rows[name] = [value] * len(rows)
    rows["scored_at"] = scored_at if scored_at is not None else pd.Timestamp.now(tz="UTC")
    rows["run_id"] = run_id
    return rows


def current_scores(history: pd.DataFrame, scoring_id: str | None = None) -> pd.DataFrame:
    """The latest score of every file: per ``path``, the rows of the latest run that scored it
    (only runs of ``scoring_id`` when given). Ordered by path, then sequence_id."""
    if scoring_id is not None:
        history = history[history["scoring_id"] == scoring_id]
    ordered = history.sort_values(["path", *RUN_ORDER], kind="stable")
    latest = ordered.drop_duplicates("path", keep="last")[["path", *RUN_ORDER]]
    current = ordered.merge(latest, on=["path", *RUN_ORDER], how="inner")
    return current.sort_values(["path", "sequence_id"], kind="stable").reset_index(drop=True)


def unchanged_files(sequences: pd.DataFrame, scoring_id: str, history: pd.DataFrame) -> set[str]:
    """Files of ``sequences`` (a ``code_sequences`` table) whose current state under
    ``scoring_id`` already holds exactly these sequences with these contents (``history``
    needs STATE_COLUMNS): scoring them again would add nothing."""
    if sequences.empty or history.empty:
        return set()
    paths = set(sequences["relative_path"])
    current = current_scores(history[history["path"].isin(paths)], scoring_id)
    scored = _file_states(current["path"], current["sequence_id"], current["content_hash"])
    listed = _file_states(sequences["relative_path"], sequences["sequence_id"], sequences["content_hash"])
    return {path for path, state in listed.items() if scored.get(path) == state}


def _file_states(paths, sequence_ids, contents) -> dict[str, frozenset]:
    """path -> the set of (sequence_id, content_hash) the file holds."""
    states: dict[str, set] = {}
    for path, sequence_id, content in zip(paths, sequence_ids, contents):
        states.setdefault(path, set()).add((sequence_id, content))
    return {path: frozenset(state) for path, state in states.items()}


def append_part(folder: UPath | str, rows: pd.DataFrame) -> UPath | None:
    """Publish ``rows`` as a new part of the history in ``folder``; None when there are none.

    The part's name starts with its time (parts list in the order they were written) and
    ends with a random id, so no two runs ever write the same file. Rows are sorted by path.
    """
    if rows.empty:
        return None
    table = pa.Table.from_pandas(rows.sort_values(["path", "sequence_id"], kind="stable"),
                                 schema=HISTORY_SCHEMA, preserve_index=False)
    stamp = pd.Timestamp.now(tz="UTC").strftime("%Y%m%dT%H%M%S%fZ")
    part = UPath(folder) / f"part-{stamp}-{uuid.uuid4().hex[:12]}.parquet"
    write_atomically(part, lambda handle: pq.write_table(table, handle, compression="zstd"))
    return part


def read_history(folder: UPath | str, columns: list[str] | None = None,
                 paths=None) -> pd.DataFrame:
    """The history in ``folder`` as one frame (empty, typed, when none): every part, or with
    ``paths`` only the rows of those files, read from the parts whose path range takes them
    in (part_index.py), so that what it costs follows the paths, not the history."""
    if paths is None:
        return read_parts(folder, part_names(folder), columns)
    paths = sorted(set(paths))
    return read_parts(folder, parts_holding(part_ranges(folder), paths), columns,
                      ds.field("path").isin(paths))


def read_parts(folder: UPath | str, names: list[str], columns: list[str] | None = None,
               where: ds.Expression | None = None) -> pd.DataFrame:
    """The rows of the parts ``names`` of the history in ``folder`` that match ``where``."""
    folder = UPath(folder)
    if not names:
        return HISTORY_SCHEMA.empty_table().select(columns or HISTORY_SCHEMA.names).to_pandas()
    filesystem = None if folder.protocol in LOCAL_PROTOCOLS else folder.fs
    dataset = ds.dataset([(folder / name).path for name in names], schema=HISTORY_SCHEMA,
                         format="parquet", filesystem=filesystem)
    return dataset.to_table(columns=columns, filter=where).to_pandas()


CLOCK_SLACK_NS = 1_000_000_000
SUMMARY_COLUMNS = [*STATE_COLUMNS, "cluster", "unknown", "threshold_source"]


@dataclass(frozen=True)
class AppendResult:
    """What :func:`append_scores` did: the rows it added, the part it wrote (None when
    nothing was new), the files it skipped as unchanged (not scored again), and the history
    of the batch's files before it (SUMMARY_COLUMNS), from which summaries move forward."""

    added: pd.DataFrame
    part: UPath | None
    unchanged_files: int
    batch_before: pd.DataFrame


def append_scores(folder: UPath | str, sequences: pd.DataFrame, identity: ScoringIdentity,
                  score: Callable[[pd.DataFrame], pd.DataFrame], run_id: str,
                  scored_at: pd.Timestamp | None = None) -> AppendResult:
    """Score the new or changed files of ``sequences`` with ``score`` (``score_sequences``
    of the bundle behind ``identity``) and add them to the history in ``folder`` as one part.

    ``scored_at``: when the files were read (default now), so that a file changed after it
    counts as changed. Files unchanged since their current score under ``identity`` are
    neither scored nor added. Only the history of the batch's files is read.
    """
    before = read_history(folder, SUMMARY_COLUMNS, paths=sequences["relative_path"])
    unchanged = unchanged_files(sequences, identity.scoring_id, before)
    todo = sequences[~sequences["relative_path"].isin(unchanged)].reset_index(drop=True)
    added = history_rows(score(todo), todo, identity, run_id, scored_at)
    return AppendResult(added, append_part(folder, added), len(unchanged), before)


def unscored_files(incoming_folder: str, history_folder: UPath | str, settle_seconds: float,
                   now: float | None = None) -> list[str]:
    """Settled scorable files of ``incoming_folder`` that the history has no score of since
    they last changed (never scored, or changed after their latest score was read), sorted.

    One pass of what the sensor does, for a caller without its cursor (``motion-assets run``):
    the same listing (``list_incoming``, the same change times and settle rule), with the
    history itself as the record of what is done. Reads the history's ``path`` and
    ``scored_at`` columns.
    """
    cutoff_ns = int(((time.time() if now is None else now) - settle_seconds) * 1e9)
    history = read_history(history_folder, ["path", "scored_at"])
    latest = history.groupby("path")["scored_at"].max()
    scored_ns = dict(zip(latest.index, latest.to_numpy(dtype="datetime64[ns]").astype("int64")))
    # file times come from a coarse clock that may lag the fine one scored_at is read from:
    # a file changed just before its score's read counts as changed (scoring it again is cheap)
    return sorted(path for changed, path in list_incoming(incoming_folder).files
                  if changed <= cutoff_ns and changed > scored_ns.get(path, -2**62) - CLOCK_SLACK_NS)
