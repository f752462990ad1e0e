"""What a ``code_sequences`` table says about its variant: K, the FSQ levels, codes per
window, and how many rows models train on. One function, so every stage reads them alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from motion_assets.core.sequences.table import unique_sequences

if TYPE_CHECKING:  # tables are pandas frames, but reading their facts imports no pandas
    import pandas as pd

@dataclass(frozen=True)
class TableFacts:
    codebook_size: int  # the largest K of the rows
    codebook_levels: tuple[int, ...] | None  # the one set of FSQ levels declared, or None
    codes_per_window: int | None  # the most common d
    training_rows: int  # rows that are not duplicates (what models fit)


def table_levels(table: pd.DataFrame) -> tuple[int, ...] | None:
    """The one set of FSQ levels a table declares, or None."""
    if "codebook_levels" not in table:
        return None
    found = {
        tuple(int(v) for v in levels)
        for levels in table["codebook_levels"]
        if isinstance(levels, list | tuple | np.ndarray)
    }
    if len(found) > 1:
        raise ValueError(f"the table mixes FSQ levels {sorted(found)}: one variant at a time")
    return found.pop() if found else None


def table_facts(table: pd.DataFrame) -> TableFacts:
    windows = table["codes_per_window"].mode()
    return TableFacts(
        codebook_size=int(table["codebook_size"].max()),
        codebook_levels=table_levels(table),
        codes_per_window=int(windows.iloc[0]) if len(windows) else None,
        training_rows=len(unique_sequences(table)),
    )
