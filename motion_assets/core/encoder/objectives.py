"""What the encoder learns from: next-code, masked-code and contrastive losses.

``objective_loss(model, tokens, lengths, noise)`` picks the config's task. Masks and
augmentations (core/encoder/augmentations.py) draw from ``noise``, a CPU generator, so a seed
gives the same run on any device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from motion_assets.core.encoder.augmentations import augment, cpu_uniform, valid_steps

# rows of logits per step of the fused head: [256, 2048] float32 (2 MiB) stays in cache
HEAD_CHUNK = 256


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
    loss = head_cross_entropy(model.head, inputs, targets - 1)
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
    return head_cross_entropy(model.head, states[masked], tokens[masked] - 1)


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


def head_cross_entropy(head: nn.Linear, inputs: torch.Tensor, targets: torch.Tensor):
    """Mean cross-entropy of ``head(inputs)`` ``[N, K]`` against ``targets`` ``[N]``.

    When training in float32 on the CPU, the logits never exist whole: chunks of rows are
    scored and their gradients taken at once, in cache (the output layer is most of a step).
    """
    fused = (
        torch.is_grad_enabled()
        and inputs.device.type == "cpu"
        and inputs.dtype == head.weight.dtype == torch.float32
        and not torch.is_autocast_enabled("cpu")
        and len(inputs) > 0
    )
    if not fused:
        return F.cross_entropy(head(inputs), targets)
    return _LinearCrossEntropy.apply(inputs, head.weight, head.bias, targets)


class _LinearCrossEntropy(torch.autograd.Function):
    """``F.cross_entropy(F.linear(x, weight, bias), target)`` with gradients computed in the
    forward pass, one chunk of rows at a time; backward only scales them."""

    @staticmethod
    def forward(ctx, x, weight, bias, target):
        n = len(x)
        grad_x, grad_weight = torch.empty_like(x), torch.zeros_like(weight)
        grad_bias, total = torch.zeros_like(bias), x.new_zeros(())
        for start in range(0, n, HEAD_CHUNK):
            rows, picked = x[start : start + HEAD_CHUNK], target[start : start + HEAD_CHUNK, None]
            logits = torch.addmm(bias, rows, weight.T)
            chosen = logits.gather(1, picked)
            top = logits.amax(1, keepdim=True)
            probs = logits.sub_(top).exp_()
            norm = probs.sum(1, keepdim=True)
            total += (top + norm.log() - chosen).sum()
            probs.div_(norm).scatter_add_(1, picked, torch.full_like(chosen, -1.0))
            torch.mm(probs, weight, out=grad_x[start : start + HEAD_CHUNK])
            grad_weight.addmm_(probs.T, rows)
            grad_bias += probs.sum(0)
        ctx.save_for_backward(grad_x, grad_weight, grad_bias)
        ctx.n = n
        return total / n

    @staticmethod
    def backward(ctx, grad):
        grad_x, grad_weight, grad_bias = ctx.saved_tensors
        scale = grad / ctx.n
        return grad_x * scale, grad_weight * scale, grad_bias * scale, None
