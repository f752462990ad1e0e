"""Surprisal: how badly the next-code model predicts a sequence, calibrated on training.

The ``ntp`` encoder is trained to predict code t+1 from codes up to t, so its mean negative
log-likelihood per predicted code says directly "nothing like this was seen in training":

    surprisal(x) = mean over t of  -log p(code_{t+1} | code_1..t)      nats per code
    rank(x)      = share of training sequences whose surprisal is below surprisal(x)   [0, 1]

Dividing by the number of predicted codes makes sequences of different lengths comparable.
The rank is what scoring combines with the kNN novelty (core/clustering/novelty.py): both are
uniform on training, so a threshold on either flags the share it was calibrated for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from motion_assets.core.encoder.length_batches import bucket_batches, to_tokens, truncate
from motion_assets.core.encoder.model import SequenceEncoder

# rows per forward: the [rows, length, K] log-probabilities stay ~40 MB at K = 2048
SURPRISAL_BATCH = 64


def supports_surprisal(model: SequenceEncoder) -> bool:
    """Only a unidirectional next-code model has a next-code likelihood."""
    return model.config.objective.task == "ntp" and not model.config.model.bidirectional


@torch.inference_mode()
def sequence_surprisal(model: SequenceEncoder, sequences: Sequence[np.ndarray]) -> np.ndarray:
    """Mean next-code negative log-likelihood ``[N]`` float64, in input order.

    Sequences are cut to the model's ``max_len`` as in training; a sequence of one code has
    nothing to predict and gets NaN.
    """
    if not supports_surprisal(model):
        raise ValueError(f"surprisal needs a unidirectional ntp encoder, this one is "
                         f"{model.config.objective.task}")
    sequences, _ = truncate(sequences, model.config.sequence.max_len)
    model.eval()
    device = next(model.parameters()).device
    lengths = np.array([len(s) for s in sequences])
    out = np.full(len(sequences), np.nan)
    predictable = np.flatnonzero(lengths >= 2)
    for batch in bucket_batches(lengths[predictable], SURPRISAL_BATCH):
        rows = predictable[batch]
        tokens, batch_lengths = to_tokens([sequences[i] for i in rows], device)
        states, _ = model(tokens, batch_lengths)  # one length per bucket: no padding
        log_p = torch.log_softmax(model.head(states[:, :-1]).float(), dim=-1)
        picked = log_p.gather(2, (tokens[:, 1:] - 1)[..., None])[..., 0]
        out[rows] = (-picked.mean(dim=1)).double().cpu().numpy()
    return out


class SurprisalNovelty:
    """``fit(model, sequences)`` on training; ``score(model, sequences)`` -> rank in [0, 1].

    Keeps only the sorted training surprisals (not the model: the bundle stores the encoder
    once, as a checkpoint). NaN surprisal (one-code sequences) ranks 0: nothing to judge.
    """

    def fit(self, model: SequenceEncoder, sequences: Sequence[np.ndarray]) -> SurprisalNovelty:
        values = sequence_surprisal(model, sequences)
        values = values[~np.isnan(values)]
        if not len(values):
            raise ValueError("surprisal needs training sequences of at least two codes")
        self.training_surprisal_ = np.sort(values)
        return self

    def rank(self, surprisal: np.ndarray) -> np.ndarray:
        """Share of training surprisals strictly below each value (NaN -> 0)."""
        below = np.searchsorted(self.training_surprisal_, np.nan_to_num(surprisal, nan=-np.inf),
                                side="left")
        return below / len(self.training_surprisal_)

    def score(self, model: SequenceEncoder, sequences: Sequence[np.ndarray]) -> np.ndarray:
        return self.rank(sequence_surprisal(model, sequences))
