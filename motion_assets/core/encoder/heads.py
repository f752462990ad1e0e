"""The next-code output layer: a normalised distribution over all K code ids.

Two heads behind one interface, chosen by ``model.output_head`` (core/encoder/config.py):

- :class:`CodeHead` (``codes``): one logit per id and a softmax over all K (~2,048). At
  d_model 128 it is ~0.5 MFLOP per predicted code, twice the LSTM step that feeds it.
- :class:`DigitHead` (``digits``): an FSQ id is a grid point, a tuple of digits over the
  codebook's levels (core/sequences/fsq.py), so the next code is predicted one digit per axis,
  one small softmax each (sum of the levels, ~27-40 outputs):

      p(code) = p(on grid) * prod over axes a of p(digit_a | state)

  which sums to exactly 1 over the grid. Ids beyond the grid (``grid_size <= id < K``: a
  ``cb2048`` folder with levels 8,8,6,5 spans 1,920 ids, INPUT_FORMAT.md) are valid input but
  have no digits: one more logit gives p(off grid) = sigmoid(logit), shared uniformly by
  those ``K - grid_size`` ids. A variant whose training codes do not fit the levels trains
  the code head instead (training.resolve_config), so off-grid ids only ever appear in
  scoring, where their surprisal is high, as it should be for codes training never saw.

Both are ``nn.Linear`` (parameters ``head.weight``, ``head.bias``), so checkpoints written
before the choice existed load unchanged as a code head.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from motion_assets.core.sequences.fsq import Codebook

# rows of logits per step of the code head's fused loss: [256, 2048] float32 (2 MiB) in cache
LOSS_CHUNK = 256


def next_code_head(width: int, codebook_size: int, output_head: str,
                   levels: list[int] | tuple[int, ...] | None) -> CodeHead | DigitHead:
    """The head ``output_head`` names; the code head where digits cannot express every id
    of the grid as a valid id (no levels, or a grid larger than the codebook)."""
    if output_head == "digits" and levels and math.prod(levels) <= codebook_size:
        return DigitHead(width, codebook_size, levels)
    return CodeHead(width, codebook_size)


class CodeHead(nn.Linear):
    """One logit per code id, a softmax over all of them."""

    def __init__(self, width: int, codebook_size: int) -> None:
        super().__init__(width, codebook_size)

    def log_probs(self, inputs: torch.Tensor) -> torch.Tensor:
        """``log p(code | state)`` of every id ``[..., K]``."""
        return torch.log_softmax(self(inputs), dim=-1)

    def nll(self, inputs: torch.Tensor, targets: torch.Tensor,
            logits: torch.Tensor | None = None) -> torch.Tensor:
        """``-log p(target | state)`` ``[N]`` of ``inputs`` ``[N, H]``; ``logits`` is an
        optional ``[N, out_features]`` buffer the output layer writes into (reused by
        surprisal.py's chunks)."""
        z = torch.addmm(self.bias, inputs, self.weight.T, out=logits)
        return torch.log_softmax(z, 1).gather(1, targets[:, None])[:, 0].neg_()

    def loss(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy. Training in float32 on the CPU, the logits never exist whole:
        chunks of rows are scored and their gradients taken at once, in cache."""
        fused = (
            torch.is_grad_enabled()
            and inputs.device.type == "cpu"
            and inputs.dtype == self.weight.dtype == torch.float32
            and not torch.is_autocast_enabled("cpu")
            and len(inputs) > 0
        )
        if not fused:
            return F.cross_entropy(self(inputs), targets)
        return _LinearCrossEntropy.apply(inputs, self.weight, self.bias, targets)


class DigitHead(nn.Linear):
    """One softmax per FSQ axis (and an off-grid logit when ``K`` exceeds the grid)."""

    def __init__(self, width: int, codebook_size: int, levels) -> None:
        codebook = Codebook(size=codebook_size, levels=tuple(int(v) for v in levels))
        grid = codebook.grid_size
        if grid > codebook_size:
            raise ValueError(f"FSQ levels {codebook.levels} span {grid} ids, more than the "
                             f"codebook's {codebook_size}: use the code head")
        self.levels, self.off_grid_ids = codebook.levels, codebook_size - grid
        super().__init__(width, sum(self.levels) + (1 if self.off_grid_ids else 0))
        starts = np.cumsum((0,) + self.levels[:-1])
        self.axis_columns = [slice(int(s), int(s) + level) for s, level in zip(starts, self.levels)]
        # the logit column of each id's digit on each axis [K, axes]; off-grid ids: unused
        self.register_buffer("target_columns", torch.as_tensor(codebook.digit_columns()),
                             persistent=False)
        self.register_buffer("off_grid", torch.as_tensor(np.arange(codebook_size) >= grid),
                             persistent=False)
        self.log_off_grid_ids = math.log(self.off_grid_ids) if self.off_grid_ids else 0.0

    def log_probs(self, inputs: torch.Tensor) -> torch.Tensor:
        """``log p(code | state)`` of every id ``[..., K]`` (the product of the digits'
        probabilities, expanded over the codebook: for tests and comparisons)."""
        z = self(inputs)
        per_axis = torch.cat([torch.log_softmax(z[..., s], -1) for s in self.axis_columns], -1)
        log_p = per_axis[..., self.target_columns].sum(-1)
        if not self.off_grid_ids:
            return log_p
        gate = z[..., -1:]
        return torch.where(self.off_grid, F.logsigmoid(gate) - self.log_off_grid_ids,
                           log_p + F.logsigmoid(-gate))

    def nll(self, inputs: torch.Tensor, targets: torch.Tensor,
            logits: torch.Tensor | None = None) -> torch.Tensor:
        """``-log p(target | state)`` ``[N]``, as :meth:`CodeHead.nll`."""
        z = torch.addmm(self.bias, inputs, self.weight.T, out=logits)
        return self._nll(z, targets)

    def loss(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean ``-log p(target)``: the sum of the axes' cross-entropies (and the gate's)."""
        return self._nll(self(inputs), targets).mean()

    def _nll(self, z: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        norm = sum(torch.logsumexp(z[:, s], 1) for s in self.axis_columns)
        nll = norm - z.gather(1, self.target_columns[targets]).sum(1)
        if not self.off_grid_ids:
            return nll
        gate = z[:, -1]  # the logit of "off the grid"
        return torch.where(self.off_grid[targets], F.softplus(-gate) + self.log_off_grid_ids,
                           nll + F.softplus(gate))


class _LinearCrossEntropy(torch.autograd.Function):
    """``F.cross_entropy(F.linear(x, weight, bias), target)`` with gradients computed in the
    forward pass, one chunk of rows at a time; backward only scales them."""

    @staticmethod
    def forward(ctx, x, weight, bias, target):
        n = len(x)
        grad_x, grad_weight = torch.empty_like(x), torch.zeros_like(weight)
        grad_bias, total = torch.zeros_like(bias), x.new_zeros(())
        for start in range(0, n, LOSS_CHUNK):
            rows, picked = x[start : start + LOSS_CHUNK], target[start : start + LOSS_CHUNK, None]
            logits = torch.addmm(bias, rows, weight.T)
            chosen = logits.gather(1, picked)
            top = logits.amax(1, keepdim=True)
            probs = logits.sub_(top).exp_()
            norm = probs.sum(1, keepdim=True)
            total += (top + norm.log() - chosen).sum()
            probs.div_(norm).scatter_add_(1, picked, torch.full_like(chosen, -1.0))
            torch.mm(probs, weight, out=grad_x[start : start + LOSS_CHUNK])
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
