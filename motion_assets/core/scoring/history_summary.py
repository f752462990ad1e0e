"""Counts of a history and of its current view, carried forward from run to run.

Counting the current view means reading the whole history. A run instead starts from the
summary its variant's previous run recorded (the asset's metadata) and moves it by its own
batch: the rows it added, and the rows its files had before (``AppendResult.batch_before``).
A summary says how many parts it counted; when the folder holds another number (a run died
after writing its part, two ran at once, a summary of an older format), the history is
counted again in full, once, and the count goes on from there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd
from upath import UPath

from motion_assets.core.scoring.history import (
    RUN_ORDER,
    SUMMARY_COLUMNS,
    AppendResult,
    current_scores,
    read_history,
    read_parts,
)
from motion_assets.core.scoring.part_index import part_names

RECENT_COLUMNS = ["path", "sequence_id", "unknown", "scoring_id", *RUN_ORDER]


@dataclass(frozen=True)
class HistoryCounts:
    """Sizes of the history and of its current view (for an asset's metadata)."""

    history_rows: int
    current_files: int
    current_sequences: int
    current_unknown: int
    superseded_rows: int
    override_rows: int

    def as_metadata(self) -> dict[str, int]:
        return dict(vars(self))


def history_counts(history: pd.DataFrame) -> HistoryCounts:
    """Counts of ``history`` (needs STATE_COLUMNS plus ``unknown`` and ``threshold_source``)."""
    current = current_scores(history)
    return HistoryCounts(
        history_rows=len(history),
        current_files=int(current["path"].nunique()),
        current_sequences=len(current),
        current_unknown=int(current["unknown"].sum()),
        superseded_rows=len(history) - len(current),
        override_rows=int((history["threshold_source"] == "override").sum()),
    )


@dataclass(frozen=True)
class HistorySummary:
    """``counts`` of the history made of ``parts`` parts, and ``clusters``: how many current
    sequences (the current view, any identity) were scored under ``scoring_id``, per cluster."""

    counts: HistoryCounts
    parts: int
    scoring_id: str
    clusters: dict[int, int]

    def as_metadata(self) -> dict:
        """Flat values for an asset's metadata; :func:`carried_summary` reads them back."""
        return {**self.counts.as_metadata(), "counted_parts": self.parts,
                "current_clusters": {"scoring_id": self.scoring_id,
                                     "counts": {str(cluster): n for cluster, n in sorted(self.clusters.items())}}}


def summarize(folder: UPath | str, scoring_id: str) -> HistorySummary:
    """The summary of the whole history in ``folder``, counted from every part."""
    parts = len(part_names(folder))
    history = read_history(folder, SUMMARY_COLUMNS)
    return HistorySummary(history_counts(history), parts, scoring_id, _clusters(current_scores(history), scoring_id))


def carried_summary(previous: dict | None, folder: UPath | str, scoring_id: str) -> HistorySummary:
    """The summary before a run: the one the previous run recorded (``previous``: its
    metadata values) when it counted every part now in ``folder`` under ``scoring_id``,
    else :func:`summarize`."""
    try:
        clusters = previous["current_clusters"]
        carried = HistorySummary(
            HistoryCounts(**{name: int(previous[name]) for name in HistoryCounts.__dataclass_fields__}),
            int(previous["counted_parts"]), clusters["scoring_id"],
            {int(cluster): int(n) for cluster, n in clusters["counts"].items()})
    except (TypeError, KeyError, ValueError, AttributeError):
        return summarize(folder, scoring_id)
    if carried.scoring_id != scoring_id or carried.parts != len(part_names(folder)):
        return summarize(folder, scoring_id)
    return carried


def summary_after(before: HistorySummary, appended: AppendResult) -> HistorySummary:
    """``before`` moved by one run: its added rows become the current rows of their files."""
    added = appended.added
    if added.empty:
        return before
    paths = set(added["path"])
    replaced = current_scores(appended.batch_before)
    replaced = replaced[replaced["path"].isin(paths)]
    rows = before.counts.history_rows + len(added)
    sequences = before.counts.current_sequences + len(added) - len(replaced)
    counts = HistoryCounts(
        history_rows=rows,
        current_files=before.counts.current_files + len(paths - set(replaced["path"])),
        current_sequences=sequences,
        current_unknown=before.counts.current_unknown + int(added["unknown"].sum()) - int(replaced["unknown"].sum()),
        superseded_rows=rows - sequences,
        override_rows=before.counts.override_rows + int((added["threshold_source"] == "override").sum()),
    )
    clusters = Counter(before.clusters)
    clusters.subtract(_clusters(replaced, before.scoring_id))
    clusters.update(_clusters(added, before.scoring_id))
    return HistorySummary(counts, before.parts + 1, before.scoring_id,
                          {cluster: n for cluster, n in clusters.items() if n > 0})


def _clusters(current: pd.DataFrame, scoring_id: str) -> dict[int, int]:
    mine = current.loc[current["scoring_id"] == scoring_id, "cluster"]
    return {int(cluster): int(n) for cluster, n in mine.value_counts().items()}


def recent_scores(folder: UPath | str, window: int) -> pd.DataFrame:
    """Current rows (RECENT_COLUMNS) of the latest runs in run order, oldest first: at least
    the last ``window`` of the current view when the history holds as many, read from the
    newest parts only (a row is current unless a newer part scored its file again)."""
    frames, newer_paths, current_rows = [], set(), 0
    for name in reversed(part_names(folder)):
        frame = read_parts(folder, [name], RECENT_COLUMNS)
        frames.append(frame)
        current_rows += int((~frame["path"].isin(newer_paths)).sum())
        newer_paths.update(frame["path"])
        if current_rows >= window:
            break
    if not frames:
        return read_parts(folder, [], RECENT_COLUMNS)
    recent = current_scores(pd.concat(frames[::-1], ignore_index=True))
    return recent.sort_values(RUN_ORDER, kind="stable").reset_index(drop=True)
