"""Save and load the encoder: plain tensors plus the config as a dict.

Loaded with ``torch.load(weights_only=True)``, so loading runs no pickled code.
"""

from __future__ import annotations

from typing import IO, Any

import torch

from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.training import resolve_device

CHECKPOINT_FORMAT = "motion_assets.sequence_encoder.v1"


def save_encoder(model: SequenceEncoder, target: str | IO[bytes]) -> None:
    """Write weights and the config (a plain dict): nothing executable."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(
        {"format": CHECKPOINT_FORMAT, "config": model.config.to_dict(), "state": state}, target
    )


def load_encoder(source: str | IO[bytes], device: str = "auto") -> SequenceEncoder:
    """Rebuild a saved encoder; ``torch.load(weights_only=True)`` runs no pickled code."""
    checkpoint: dict[str, Any] = torch.load(source, map_location="cpu", weights_only=True)
    if checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"not a {CHECKPOINT_FORMAT} checkpoint: {checkpoint.get('format')!r}")
    model = SequenceEncoder(SequenceEmbedConfig.from_dict(_with_saved_defaults(checkpoint["config"])))
    model.load_state_dict(checkpoint["state"])
    return model.to(resolve_device(device)).eval()


def _with_saved_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint's config with the value a key had before the key existed: encoders saved
    before ``model.output_head`` have the code head, whatever the default is now."""
    model = {"output_head": "codes", **config.get("model", {})}
    return {**config, "model": model}
