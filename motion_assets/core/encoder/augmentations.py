"""Views of a batch of code sequences that keep the action and change the nuisance.

Each takes tokens ``[B, L]`` (code id + 1; 0 = padding) and lengths ``[B]`` and returns a
new pair; noise comes from a CPU generator, so a seed gives the same views on any device.

- ``tempo``: the sequence resampled by a random rate in ``[1/tempo_max, tempo_max]`` (codes
  repeated when slower, skipped when faster): a subject's own speed;
- ``crop``: a contiguous part of at least ``crop_min`` of the sequence: segment edges;
- ``jitter``: a ``jitter_share`` of the codes moved by one step on one FSQ axis (within
  the level range): neighbouring digits mean neighbouring motion, so a small amplitude or
  placement change moves codes to grid neighbours. Without FSQ levels it changes nothing;
- ``dropout``: a ``code_dropout`` share of the codes left out, the rest in order;
- ``mask``: a ``mask_prob`` share of the codes replaced by the mask token.

No ``mirror``: the tokenizer's map from latent to digits is learnt (in core/synthetic a
random rank-limited projection), so a mirrored limb has no code-level counterpart to apply.
"""

from __future__ import annotations

import torch


def augment(tokens, lengths, objective, mask_token: int, levels, noise: torch.Generator):
    """One view with the objective's ``augmentations``, applied in config.AUGMENTATIONS'
    order whatever order the config lists them in. ``mask_token``: the codebook size + 1."""
    chosen = set(objective.augmentations)
    if "tempo" in chosen:
        tokens, lengths = tempo(tokens, lengths, objective.tempo_max, noise)
    if "crop" in chosen:
        tokens, lengths = crop(tokens, lengths, objective.crop_min, noise)
    if "jitter" in chosen and levels:
        tokens = jitter(tokens, levels, objective.jitter_share, mask_token, noise)
    if "dropout" in chosen:
        tokens, lengths = dropout(tokens, lengths, objective.code_dropout, noise)
    if "mask" in chosen:
        masked = (cpu_uniform(tokens.shape, noise, tokens.device) < objective.mask_prob) & (tokens > 0)
        tokens = tokens.masked_fill(masked, mask_token)
    return tokens, lengths


def tempo(tokens, lengths, tempo_max: float, noise):
    """Each sequence resampled to ``length / rate`` codes (at least 2), ``rate`` log-uniform."""
    device, n = tokens.device, len(tokens)
    log_max = torch.log(torch.tensor(float(tempo_max)))
    rate = torch.exp((2 * cpu_uniform((n,), noise, device) - 1) * log_max.to(device))
    new = torch.clamp(torch.round(lengths / rate).long(), min=2)
    width = int(new.max())
    step = torch.arange(width, device=device)[None, :]
    source = torch.floor(step * (lengths / new)[:, None]).long()
    source = source.minimum(lengths[:, None] - 1).clamp(max=tokens.shape[1] - 1)
    return tokens.gather(1, source) * valid_steps(new, width), new


def crop(tokens, lengths, crop_min: float, noise):
    """A contiguous crop per sequence; one share for the batch, so equal lengths stay equal."""
    device, n = tokens.device, len(tokens)
    share = crop_min + (1 - crop_min) * cpu_uniform((1,), noise, device)
    kept = torch.clamp(torch.round(share * lengths).long(), min=2).minimum(lengths)
    start = (cpu_uniform((n,), noise, device) * (lengths - kept + 1)).long()
    width = int(kept.max())
    index = (start[:, None] + torch.arange(width, device=device)).clamp(max=tokens.shape[1] - 1)
    return tokens.gather(1, index) * valid_steps(kept, width), kept


def jitter(tokens, levels, share: float, mask_token: int, noise):
    """``share`` of the codes one step along one random FSQ axis (away from the grid's edge);
    a step that would leave the codebook (tokens ``< mask_token``) is not taken."""
    device = tokens.device
    levels_t = torch.as_tensor(levels, device=device)
    radix = torch.cumprod(torch.cat([torch.ones(1, device=device, dtype=torch.long),
                                     levels_t[:-1]]), 0)
    ids = tokens - 1
    on_grid = (tokens > 0) & (ids < int(torch.prod(levels_t)))
    moved = on_grid & (cpu_uniform(tokens.shape, noise, device) < share)
    axis = (cpu_uniform(tokens.shape, noise, device) * len(levels)).long().clamp(max=len(levels) - 1)
    level, weight = levels_t[axis], radix[axis]
    digit = torch.div(ids.clamp(min=0), weight, rounding_mode="floor") % level
    step = torch.where(cpu_uniform(tokens.shape, noise, device) < 0.5, -1, 1)
    step = torch.where(digit + step < 0, 1, torch.where(digit + step >= level, -1, step))
    moved_tokens = tokens + step * weight
    return torch.where(moved & (moved_tokens < mask_token), moved_tokens, tokens)


def dropout(tokens, lengths, share: float, noise):
    """Keep a random ``1 - share`` of each sequence's codes (at least 2), in order."""
    device, n, width = tokens.device, len(tokens), tokens.shape[1]
    valid = valid_steps(lengths, width)
    keep = torch.clamp(lengths - torch.round(share * lengths).long(), min=2).minimum(lengths)
    scores = cpu_uniform((n, width), noise, device).masked_fill(~valid, 2.0)
    rank = scores.argsort(1).argsort(1)
    position = torch.arange(width, device=device).expand(n, width)
    kept_first = torch.where(rank < keep[:, None], position, position + width).argsort(1)
    width = int(keep.max())
    return tokens.gather(1, kept_first[:, :width]) * valid_steps(keep, width), keep


def valid_steps(lengths: torch.Tensor, width: int) -> torch.Tensor:
    """``[B, width]`` bool: True at the steps within each row's length."""
    return torch.arange(width, device=lengths.device)[None, :] < lengths[:, None]


def cpu_uniform(shape, noise: torch.Generator, device) -> torch.Tensor:
    # drawn on the CPU from our own generator: the same noise on every device
    return torch.rand(shape, generator=noise).to(device)
