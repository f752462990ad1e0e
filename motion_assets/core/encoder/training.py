"""Train the sequence encoder.

``train_encoder`` reads top to bottom: data, forward, loss, step, evaluate, early stop.
"""

from __future__ import annotations

import copy
import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.length_batches import (
    auto_max_len,
    bucket_batches,
    random_batches,
    to_tokens,
    truncate,
)
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.objectives import objective_loss
from motion_assets.core.encoder.threads import use_torch_threads
from motion_assets.core.sequences.fsq import USUAL_LEVELS


@dataclass
class TrainingResult:
    model: SequenceEncoder
    config: SequenceEmbedConfig  # resolved: max_len an int, levels decided
    history: list[dict[str, float]]  # per epoch: train_loss, val_loss, seconds, tokens_per_s
    best_epoch: int
    stopped_early: bool
    truncated: int  # sequences longer than max_len (their first max_len codes were kept)
    n_train: int
    n_val: int
    per_epoch: int  # training sequences drawn per epoch (n_train unless train.max_sequences)
    device: str


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def resolve_config(
    config: SequenceEmbedConfig, sequences: Sequence[np.ndarray]
) -> SequenceEmbedConfig:
    """Fix what the data decides: ``max_len`` (if "auto") and the FSQ levels (or none, and
    then no digit embeddings and the code head)."""
    lengths = [len(s) for s in sequences]
    if min(lengths) < 2:
        raise ValueError("every sequence needs at least 2 codes to train the encoder")
    max_id = max(int(s.max()) for s in sequences)
    if min(int(s.min()) for s in sequences) < 0 or max_id >= config.codebook_size:
        raise ValueError(
            f"code ids must lie in [0, codebook_size={config.codebook_size}); "
            f"found max id {max_id}: set codebook_size to the variant's K"
        )
    if config.sequence.max_len == "auto":
        config = dataclasses.replace(config, sequence=dataclasses.replace(
            config.sequence, max_len=auto_max_len(lengths, config.sequence.max_len_quantile)))
    m = config.model
    if m.digit_embedding or m.output_head == "digits":
        levels = config.codebook_levels or USUAL_LEVELS.get(config.codebook_size)
        if levels is None or int(np.prod(levels)) <= max_id:
            warnings.warn(
                f"digit embeddings and the digit output head switched off: ids up to {max_id} "
                f"do not fit FSQ levels {levels}", stacklevel=2,
            )
            m = dataclasses.replace(m, digit_embedding=False, output_head="codes")
            levels = None
        elif m.output_head == "digits" and int(np.prod(levels)) > config.codebook_size:
            warnings.warn(
                f"the digit output head switched off: FSQ levels {levels} span more ids than "
                f"the codebook's {config.codebook_size}", stacklevel=2,
            )
            m = dataclasses.replace(m, output_head="codes")
        config = dataclasses.replace(
            config, model=m, codebook_levels=[int(v) for v in levels] if levels else None)
    return config


def train_encoder(
    sequences: Sequence[np.ndarray],
    config: SequenceEmbedConfig,
    *,
    log: Callable[[str], None] | None = None,
) -> TrainingResult:
    """Train on flat code arrays (ids in ``[0, codebook_size)``); best weights are restored."""
    t = config.train
    use_torch_threads(t.num_threads, training=True)
    config = resolve_config(config, sequences)
    sequences, truncated = truncate(sequences, config.sequence.max_len)
    device = resolve_device(t.device)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    noise = torch.Generator().manual_seed(config.seed + 1)  # masks and augmentations

    # data: a seeded train/validation split. With train.max_sequences an epoch trains on a
    # fresh seeded draw of that many: its cost stays bounded and every sequence can be seen.
    budget = len(sequences) if t.max_sequences is None else min(len(sequences), t.max_sequences)
    order = rng.permutation(len(sequences))
    n_val = round(t.val_split * budget)
    n_val = min(max(n_val, 1 if t.val_split > 0 else 0), len(sequences) - 1)
    val = [sequences[i] for i in order[:n_val]]
    train = [sequences[i] for i in order[n_val:]]
    train_lengths = np.array([len(s) for s in train])
    per_epoch = min(len(train), budget)

    model = SequenceEncoder(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=t.lr, weight_decay=t.weight_decay)
    history, best_loss, best_epoch, best_state, bad_epochs = [], np.inf, 0, None, 0
    stopped_early = False
    for epoch in range(1, t.epochs + 1):
        model.train()
        started, total_loss, total_tokens, n_batches = time.perf_counter(), 0.0, 0, 0
        drawn = (np.arange(len(train)) if per_epoch == len(train)
                 else np.sort(rng.choice(len(train), per_epoch, replace=False)))
        if t.batching == "bucket":
            batches = [drawn[b] for b in bucket_batches(train_lengths[drawn], t.batch_size, rng)]
        else:
            batches = [drawn[b] for b in random_batches(len(drawn), t.batch_size, rng)]
        for batch in batches:
            tokens, lengths = to_tokens([train[i] for i in batch], device)
            with autocast(model):
                loss = objective_loss(model, tokens, lengths, noise)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if t.clip_grad_norm:
                torch.nn.utils.clip_grad_norm_(model.parameters(), t.clip_grad_norm)
            optimizer.step()
            total_loss, n_batches = total_loss + loss.item(), n_batches + 1
            total_tokens += int(train_lengths[batch].sum())
        seconds = time.perf_counter() - started
        val_loss = evaluate(model, val, config) if val else float("nan")
        history.append(
            {
                "epoch": epoch,
                "train_loss": total_loss / max(n_batches, 1),
                "val_loss": val_loss,
                "seconds": seconds,
                "tokens_per_s": total_tokens / seconds,
            }
        )
        if log:
            log(f"epoch {epoch}: train {history[-1]['train_loss']:.4f} val {val_loss:.4f}")
        if not val:
            best_epoch = epoch
            continue
        if val_loss < best_loss - t.min_delta:
            best_loss, best_epoch, bad_epochs = val_loss, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            bad_epochs += 1
            if bad_epochs >= t.patience:
                stopped_early = True
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainingResult(
        model=model,
        config=config,
        history=history,
        best_epoch=best_epoch,
        stopped_early=stopped_early,
        truncated=truncated,
        n_train=len(train),
        n_val=len(val),
        per_epoch=per_epoch,
        device=str(device),
    )


@torch.no_grad()
def evaluate(model: SequenceEncoder, sequences: Sequence[np.ndarray], config) -> float:
    """Mean loss over ``sequences`` with fixed noise, so epochs compare fairly."""
    model.eval()
    noise = torch.Generator().manual_seed(config.seed + 2)
    device = next(model.parameters()).device
    lengths = np.array([len(s) for s in sequences])
    total, weight = 0.0, 0
    for batch in bucket_batches(lengths, config.train.batch_size):
        tokens, batch_lengths = to_tokens([sequences[i] for i in batch], device)
        with autocast(model):
            loss = objective_loss(model, tokens, batch_lengths, noise)
        total += loss.item() * len(batch)
        weight += len(batch)
    return total / weight


def autocast(model: SequenceEncoder) -> torch.autocast:
    """bfloat16 autocast when the config asks for it (train.precision)."""
    device = next(model.parameters()).device.type
    enabled = model.config.train.precision == "bfloat16"
    return torch.autocast(device, dtype=torch.bfloat16, enabled=enabled)
