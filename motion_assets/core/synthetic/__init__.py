"""Synthetic motion-tokenizer output: realistic, hard, deterministic by seed.

A smooth latent motion per action goes through a fixed random encoder and an FSQ quantizer,
window by window, exactly in the real folder layouts and schemas (INPUT_FORMAT.md), with the
real trouble: overlapping actions, per-video drift, imprecise segment edges, motion-gate gaps,
duplicates, broken files, and an unknown action that only shows up late.

    write_tokenizer_output(root, SyntheticSpec.demo())   # files + ground truth
    synthetic_sequence_table(2000, seed=0)               # in memory, for unit tests
"""

from .corrupt import BAD_KINDS
from .spec import (
    MAIN_VARIANT,
    OFFLINE_VARIANT,
    SECOND_CAMERA_VARIANT,
    VECTOR_VARIANT,
    SyntheticSpec,
    VariantSpec,
)
from .table import synthetic_sequence_table
from .tree import GeneratedTree, write_tokenizer_output

__all__ = [
    "BAD_KINDS",
    "MAIN_VARIANT",
    "OFFLINE_VARIANT",
    "SECOND_CAMERA_VARIANT",
    "VECTOR_VARIANT",
    "GeneratedTree",
    "SyntheticSpec",
    "VariantSpec",
    "synthetic_sequence_table",
    "write_tokenizer_output",
]
