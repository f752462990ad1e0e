"""Refuse sequences a bundle's codebook cannot score: what both scoring paths check first."""

from __future__ import annotations

import numpy as np


def check_codebook(sequence_ids, sequences, levels, codebook_size: int,
                   codebook_levels) -> None:
    """Raise ValueError for an empty sequence, a code outside ``[0, codebook_size)`` (the range
    the reader enforces) or FSQ ``levels`` (the rows' own) other than ``codebook_levels``."""
    for sequence_id, codes in zip(sequence_ids, sequences):
        codes = np.asarray(codes)
        if not codes.size:
            raise ValueError(f"sequence {sequence_id!r} has no codes")
        if codes.min() < 0 or codes.max() >= codebook_size:
            raise ValueError(f"sequence {sequence_id!r} has codes outside "
                             f"[0, {codebook_size}), the bundle's codebook")
    if levels and codebook_levels and tuple(levels) != tuple(codebook_levels):
        raise ValueError(f"the table's FSQ levels {list(levels)} differ from the bundle's "
                         f"{list(codebook_levels)}: score each variant with its own bundle")
