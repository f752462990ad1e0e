"""Sequences the scoring runtime's parity tests fit on and score (a module's own fixture of the
same name wins)."""

from __future__ import annotations

import pytest

from motion_assets.core.sequences.table import unique_sequences
from motion_assets.core.synthetic import synthetic_sequence_table


@pytest.fixture(scope="module")
def training():
    return unique_sequences(synthetic_sequence_table(300, seed=4)).reset_index(drop=True)


@pytest.fixture(scope="module")
def new_rows():
    # new sequences: a training sequence sits on its own rank in the references, where a
    # rounding difference of the embedding moves it by one training point
    return unique_sequences(synthetic_sequence_table(80, seed=9)).reset_index(drop=True)
