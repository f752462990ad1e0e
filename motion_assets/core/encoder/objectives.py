"""What the encoder learns from: next-code, masked-code and contrastive losses.

``objective_loss(model, tokens, lengths, noise)`` picks the config's task. Masks and
augmentations draw from ``noise``, a CPU generator, so a seed gives the same run on any device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# rows of logits per step of the fused head: [256, 2048] float32 (2 MiB) stays in cache
HEAD_CHUNK = 256


def objective_loss(model, tokens, lengths, noise: torch.Generator) -> torch.Tensor:
    task = model.config.objective.task
    if task == "ntp":
        return ntp_loss(model, tokens, lengths)
    if task == "mlm":
        return mlm_loss(model, tokens, lengths, noise)
    return contrastive_loss(model, tokens, lengths, noise)


def ntp_loss(model, tokens, lengths) -> torch.Tensor:
    """Cross-entropy of code t+1 predicted from the (unidirectional) state at step t."""
    states, _ = model(tokens, lengths)
    if bool((lengths == tokens.shape[1]).all()):  # an equal-length batch: every step counts
        inputs, targets = states[:, :-1].reshape(-1, states.shape[2]), tokens[:, 1:].reshape(-1)
    else:
        valid = _valid(lengths - 1, tokens.shape[1] - 1)
        inputs, targets = states[:, :-1][valid], tokens[:, 1:][valid]
    return head_cross_entropy(model.head, inputs, targets - 1)


def mlm_loss(model, tokens, lengths, noise) -> torch.Tensor:
    """Cross-entropy of masked codes (at least one per sequence) from their context."""
    valid = _valid(lengths, tokens.shape[1])
    masked = (_rand(tokens.shape, noise, tokens.device) < model.config.objective.mask_prob) & valid
    forced = (_rand(lengths.shape, noise, tokens.device) * lengths).long()
    masked[torch.arange(len(tokens), device=tokens.device), forced] = True
    states, _ = model(tokens.masked_fill(masked, model.mask_token), lengths)
    return head_cross_entropy(model.head, states[masked], tokens[masked] - 1)


def contrastive_loss(model, tokens, lengths, noise) -> torch.Tensor:
    """InfoNCE: two augmented views of a sequence attract, the batch's other views repel."""
    o = model.config.objective
    views = [augment(tokens, lengths, o, model.mask_token, noise) for _ in range(2)]
    z = torch.cat([F.normalize(model.head(model(*view)[1]), dim=1) for view in views])
    similarity = z @ z.T / o.temperature
    similarity.fill_diagonal_(float("-inf"))
    n = len(tokens)
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(tokens.device)
    return F.cross_entropy(similarity, partner)


def augment(tokens, lengths, objective, mask_token: int, noise: torch.Generator):
    """A view: a contiguous crop, then code dropout, then masking. Equal lengths stay equal."""
    device, n = tokens.device, len(tokens)
    share = objective.crop_min + (1 - objective.crop_min) * _rand((1,), noise, device)
    crop = torch.clamp(torch.round(share * lengths).long(), min=2).minimum(lengths)
    start = (_rand((n,), noise, device) * (lengths - crop + 1)).long()
    width = int(crop.max())
    index = (start[:, None] + torch.arange(width, device=device)).clamp(max=tokens.shape[1] - 1)
    valid = _valid(crop, width)
    view = tokens.gather(1, index) * valid
    # code dropout: keep a random subset of each crop, in order
    keep = torch.clamp(crop - torch.round(objective.code_dropout * crop).long(), min=2)
    scores = _rand((n, width), noise, device).masked_fill(~valid, 2.0)
    rank = scores.argsort(1).argsort(1)
    position = torch.arange(width, device=device).expand(n, width)
    kept_first = torch.where(rank < keep[:, None], position, position + width).argsort(1)
    width = int(keep.max())
    view = view.gather(1, kept_first[:, :width]) * _valid(keep, width)
    masked = (_rand(view.shape, noise, device) < objective.mask_prob) & (view > 0)
    return view.masked_fill(masked, mask_token), keep


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


def _valid(lengths: torch.Tensor, width: int) -> torch.Tensor:
    return torch.arange(width, device=lengths.device)[None, :] < lengths[:, None]


def _rand(shape, noise: torch.Generator, device) -> torch.Tensor:
    # drawn on the CPU from our own generator: the same noise on every device
    return torch.rand(shape, generator=noise).to(device)
