"""What the encoder learns from: next-code, masked-code and contrastive losses.

``objective_loss(model, tokens, lengths, noise)`` picks the config's task. Masks and
augmentations (core/encoder/augmentations.py) draw from ``noise``, a CPU generator, so a seed
gives the same run on any device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from motion_assets.core.encoder.augmentations import augment, cpu_uniform, valid_steps


def objective_loss(model, tokens, lengths, noise: torch.Generator) -> torch.Tensor:
    task = model.config.objective.task
    if task == "ntp":
        return ntp_loss(model, tokens, lengths, noise)
    if task == "mlm":
        return mlm_loss(model, tokens, lengths, noise)
    return contrastive_loss(model, tokens, lengths, noise)


def ntp_loss(model, tokens, lengths, noise) -> torch.Tensor:
    """Cross-entropy of code t+1 predicted from the (unidirectional) state at step t; with
    ``objective.contrastive_weight`` plus that weight times the InfoNCE loss between each
    sequence and an augmented view of it (the same pass gives the sequence's vector)."""
    states, pooled = model(tokens, lengths)
    if bool((lengths == tokens.shape[1]).all()):  # an equal-length batch: every step counts
        inputs, targets = states[:, :-1].reshape(-1, states.shape[2]), tokens[:, 1:].reshape(-1)
    else:
        valid = valid_steps(lengths - 1, tokens.shape[1] - 1)
        inputs, targets = states[:, :-1][valid], tokens[:, 1:][valid]
    loss = model.head.loss(inputs, targets - 1)  # core/encoder/heads.py
    o = model.config.objective
    if o.contrastive_weight > 0:
        view = augment(tokens, lengths, o, model.mask_token, model.config.codebook_levels, noise)
        loss = loss + o.contrastive_weight * info_nce(
            model.projection(pooled), model.projection(model(*view)[1]), o.temperature)
    return loss


def mlm_loss(model, tokens, lengths, noise) -> torch.Tensor:
    """Cross-entropy of masked codes (at least one per sequence) from their context."""
    valid = valid_steps(lengths, tokens.shape[1])
    masked = (cpu_uniform(tokens.shape, noise, tokens.device) < model.config.objective.mask_prob) & valid
    forced = (cpu_uniform(lengths.shape, noise, tokens.device) * lengths).long()
    masked[torch.arange(len(tokens), device=tokens.device), forced] = True
    states, _ = model(tokens.masked_fill(masked, model.mask_token), lengths)
    return model.head.loss(states[masked], tokens[masked] - 1)


def contrastive_loss(model, tokens, lengths, noise) -> torch.Tensor:
    """InfoNCE between two augmented views of every sequence."""
    o, levels = model.config.objective, model.config.codebook_levels
    first, second = (augment(tokens, lengths, o, model.mask_token, levels, noise) for _ in range(2))
    return info_nce(model.head(model(*first)[1]), model.head(model(*second)[1]), o.temperature)


def info_nce(a: torch.Tensor, b: torch.Tensor, temperature: float) -> torch.Tensor:
    """Row i of ``a`` and row i of ``b`` (``[N, D]``) attract; every other row repels."""
    z = torch.cat([F.normalize(a, dim=1), F.normalize(b, dim=1)])
    similarity = z @ z.T / temperature
    similarity.fill_diagonal_(float("-inf"))
    n = len(a)
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(a.device)
    return F.cross_entropy(similarity, partner)
