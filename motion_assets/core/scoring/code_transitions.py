"""The ``transitions`` voice: how unlikely a sequence's code-to-code steps are under a bigram
model of training's codes, calibrated on training sequences the model was *not* fitted on.

    p(b | a)    = (n(a, b) + beta * p(b)) / (n(a) + beta)      Dirichlet-smoothed bigram
    p(b)        = (n(b) + 1/2) / (N + K/2)                     add-one-half unigram over K codes
    nll(x)      = mean over t of -log p(x_{t+1} | x_t)         nats per step (length-normalised)
    rank(x)     = share of training's cross-fitted nll below nll(x)                   [0, 1]

Why cross-fitted: a model scores the sequences it was counted from far better than new ones
(on SyntheticSpec.hard, in-sample calibration flagged 83-92 % of new known clips instead of 5 %,
BENCHMARKS.md "Discovery quality"). So each training sequence's calibration value comes from
a model fitted without its group (its video: a new recording is a new subject and placement,
the way incoming files are), and a new sequence is scored by the model of all of training.
``beta`` is chosen from :data:`BETAS` by the same held-out likelihood, not by any outcome.
As the kNN novelty skips a query's own training row, a sequence whose codes equal a training
sequence's gets that sequence's cross-fitted value: scoring training through the online path
reproduces the values a threshold was calibrated on (core/scoring/calibration.py does that).
The encoder's surprisal asks a similar question but is calibrated in-sample (it is trained on
training): this voice is the one whose training ranks mean what they say on new recordings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from motion_assets.core.features.ranks import rank_below

BETAS = (1.0, 4.0, 16.0, 64.0, 256.0, 1024.0)  # smoothing strengths tried; the held-out likelihood picks one
FOLDS = 5  # cross-fitting folds over groups (fewer groups: one fold per group)


class CodeTransitions:
    """Counts of a bigram model over code ids ``[0, codebook_size)``."""

    def __init__(self, codebook_size: int) -> None:
        self.codebook_size = int(codebook_size)

    def fit(self, sequences: Sequence[np.ndarray]) -> CodeTransitions:
        size = self.codebook_size
        targets = [np.asarray(s, dtype=np.int64)[1:] for s in sequences]
        steps = np.concatenate([_pair_keys(s, size) for s in sequences] or [np.zeros(0, np.int64)])
        unigram = np.bincount(np.concatenate(targets or [np.zeros(0, np.int64)]), minlength=size)
        self.unigram_ = (unigram + 0.5) / (unigram.sum() + 0.5 * size)
        self.pair_keys_, self.pair_counts_ = np.unique(steps, return_counts=True)
        self.context_counts_ = np.bincount(self.pair_keys_ // size, weights=self.pair_counts_,
                                           minlength=size)
        return self

    def step_log_probabilities(self, codes: np.ndarray, beta: float) -> np.ndarray:
        """``log p(x_{t+1} | x_t)`` for every step of one sequence ``[len - 1]``."""
        keys = codes[:-1] * self.codebook_size + codes[1:]
        pair = 0.0
        if len(self.pair_keys_):
            found = np.searchsorted(self.pair_keys_, keys)
            found[found == len(self.pair_keys_)] = 0
            pair = np.where(self.pair_keys_[found] == keys, self.pair_counts_[found], 0)
        return np.log((pair + beta * self.unigram_[codes[1:]])
                      / (self.context_counts_[codes[:-1]] + beta))

    def nll(self, sequences: Sequence[np.ndarray], beta: float) -> np.ndarray:
        """Mean negative log-likelihood per step ``[N]``; NaN for a sequence of one code."""
        out = np.full(len(sequences), np.nan)
        for row, codes in enumerate(sequences):
            if len(codes) >= 2:
                out[row] = -self.step_log_probabilities(np.asarray(codes, np.int64), beta).mean()
        return out


def _pair_keys(codes, size: int) -> np.ndarray:
    codes = np.asarray(codes, dtype=np.int64)
    return codes[:-1] * size + codes[1:]


def _digest(codes: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(codes, dtype=np.int64).tobytes(),
                           digest_size=16).digest()


def group_folds(groups: np.ndarray | None, n: int, folds: int = FOLDS,
                random_state: int = 0) -> np.ndarray:
    """A fold id per row ``[n]``: whole groups go to one fold (a missing group, None or NaN,
    is a group of its own), seeded; ``folds`` at most the number of groups."""
    if groups is None:
        keys = np.arange(n).astype(str)
    else:
        values = np.asarray(groups, dtype=object)
        missing = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in values],
                           dtype=bool)
        keys = np.where(missing, np.char.add("row:", np.arange(n).astype(str)),
                        values.astype(str))
    unique, inverse = np.unique(keys, return_inverse=True)
    order = np.random.default_rng(random_state).permutation(len(unique))
    return (order % max(1, min(folds, len(unique))))[inverse]


class TransitionNovelty:
    """``fit(sequences, codebook_size, groups)`` on training; ``rank(sequences)`` -> [0, 1].

    ``groups``: one label per training sequence (its video); the calibration values of a group
    come from a model fitted on the other folds (a single group: folds of rows instead). Keeps
    the model of all of training (scores new sequences), the sorted cross-fitted training values, each training sequence's value by
    a digest of its codes, and ``training_ranks_``: each training sequence's rank from its
    cross-fitted value (input order), what a threshold on the rank is calibrated on.
    """

    def __init__(self, folds: int = FOLDS, random_state: int = 0) -> None:
        self.folds = folds
        self.random_state = random_state

    def fit(self, sequences: Sequence[np.ndarray], codebook_size: int,
            groups: np.ndarray | None = None) -> TransitionNovelty:
        sequences = [np.asarray(s, dtype=np.int64) for s in sequences]
        fold = group_folds(groups, len(sequences), self.folds, self.random_state)
        if fold.max() < 1:  # one recording: held-out rows stand in for held-out recordings
            fold = group_folds(None, len(sequences), self.folds, self.random_state)
        if fold.max() < 1:
            raise ValueError("the transitions voice needs at least two training sequences")
        held_out = np.full((len(BETAS), len(sequences)), np.nan)
        for k in range(fold.max() + 1):
            rows = np.flatnonzero(fold == k)
            model = CodeTransitions(codebook_size).fit([s for s, f in zip(sequences, fold) if f != k])
            for b, beta in enumerate(BETAS):
                held_out[b, rows] = model.nll([sequences[i] for i in rows], beta)
        usable = ~np.isnan(held_out[0])
        if not usable.any():
            raise ValueError("the transitions voice needs training sequences of at least two codes")
        # the smoothing that predicts held-out recordings best (lowest mean held-out nll)
        best = int(np.argmin(held_out[:, usable].mean(axis=1)))
        self.beta_ = BETAS[best]
        self.model_ = CodeTransitions(codebook_size).fit(sequences)
        self.training_nll_ = np.sort(held_out[best, usable])
        self.training_ranks_ = self._rank(held_out[best])
        self.held_out_ = {_digest(s): float(v) for s, v in zip(sequences, held_out[best])}
        return self

    def nll(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Mean step nll ``[N]`` under the model of all of training (NaN: one code); a
        training sequence's own codes give its cross-fitted value."""
        out = []
        for codes in sequences:
            codes = np.asarray(codes, dtype=np.int64)
            known = self.held_out_.get(_digest(codes))
            if known is None:
                known = (-float(self.model_.step_log_probabilities(codes, self.beta_).sum())
                         / (len(codes) - 1) if len(codes) >= 2 else np.nan)
            out.append(known)
        return np.array(out, dtype=np.float64)

    def rank(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Share of training's cross-fitted nll strictly below each sequence's (NaN -> 0)."""
        return self._rank(self.nll(sequences))

    def _rank(self, nll: np.ndarray) -> np.ndarray:
        return rank_below(self.training_nll_, nll)
