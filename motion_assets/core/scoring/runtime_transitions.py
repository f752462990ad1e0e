"""The unknown detector's ``transitions`` voice from exported arrays (no refit, no pickle).

core/scoring/code_transitions.py is numpy only, so the scoring runtime ranks with its own
``TransitionNovelty``: the export (runtime_export.py) keeps the fitted bigram model of all of
training (unigram, pair keys and counts, context counts), the chosen smoothing, the sorted
cross-fitted training values and each training sequence's value by the digest of its codes,
and :func:`transitions_from` puts them back as the fitted attributes ``fit`` would have set.
"""

from __future__ import annotations

import numpy as np

from motion_assets.core.scoring.code_transitions import CodeTransitions, TransitionNovelty

DIGEST_BYTES = 16  # code_transitions.py ``_digest``: blake2b, 16 bytes


def transitions_arrays(novelty: TransitionNovelty, prefix: str, arrays: dict) -> dict:
    """``novelty``'s fitted state into ``arrays`` under ``prefix``; its settings."""
    model = novelty.model_
    arrays.update({
        f"{prefix}.unigram": model.unigram_, f"{prefix}.pair_keys": model.pair_keys_,
        f"{prefix}.pair_counts": model.pair_counts_,
        f"{prefix}.context_counts": model.context_counts_,
        f"{prefix}.training_nll": novelty.training_nll_,
        f"{prefix}.known_digests": np.frombuffer(b"".join(novelty.held_out_), dtype=np.uint8
                                                 ).reshape(-1, DIGEST_BYTES),
        f"{prefix}.known_values": np.array(list(novelty.held_out_.values()), dtype=np.float64),
    })
    return {"beta": float(novelty.beta_), "codebook_size": int(model.codebook_size)}


def transitions_from(arrays: dict, prefix: str, settings: dict) -> TransitionNovelty:
    """The fitted voice of :func:`transitions_arrays`' export."""
    model = CodeTransitions(settings["codebook_size"])
    model.unigram_, model.pair_keys_ = arrays[f"{prefix}.unigram"], arrays[f"{prefix}.pair_keys"]
    model.pair_counts_ = arrays[f"{prefix}.pair_counts"]
    model.context_counts_ = arrays[f"{prefix}.context_counts"]
    novelty = TransitionNovelty()
    novelty.beta_, novelty.model_ = settings["beta"], model
    novelty.training_nll_ = arrays[f"{prefix}.training_nll"]
    novelty.held_out_ = {digest.tobytes(): float(value) for digest, value in
                         zip(arrays[f"{prefix}.known_digests"], arrays[f"{prefix}.known_values"])}
    return novelty
