"""Time one encoder training run and embedding on whatever device torch picks (CUDA if any).

    python benchmarks/encoder_device_timing.py [--n 20000] [--epochs 2]

Sequences are generated here from smooth random walks on the FSQ grid (no file I/O, no
project data needed), lengths 28-70 codes like real segments. Prints tokens/s per epoch
and embedding sequences/s, with the device name.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.inference import embed
from motion_assets.core.encoder.training import train_encoder
from motion_assets.core.sequences.fsq import Codebook


def random_walk_sequences(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    codebook = Codebook(1920, (8, 8, 6, 5))
    sequences = []
    for _ in range(n):
        length = int(rng.integers(2, 6)) * 14
        steps = rng.integers(-1, 2, size=(length, 4))
        digits = np.clip(np.cumsum(steps, axis=0) + rng.integers(0, 5, size=4), 0,
                         np.array(codebook.levels) - 1)
        sequences.append(codebook.ids(digits))
    return sequences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    sequences = random_walk_sequences(args.n)
    config = SequenceEmbedConfig.from_dict(
        {"codebook_size": 2048, "codebook_levels": [8, 8, 6, 5],
         "train": {"epochs": args.epochs, "patience": args.epochs}})
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    result = train_encoder(sequences, config)
    for epoch in result.history:
        print(f"{device}: epoch {epoch['epoch']} {epoch['tokens_per_s']:.0f} tokens/s "
              f"train {epoch['train_loss']:.3f} val {epoch['val_loss']:.3f}")
    started = time.perf_counter()
    vectors = embed(result.model, sequences)
    seconds = time.perf_counter() - started
    print(f"{device}: embedded {len(vectors)} sequences in {seconds:.2f} s "
          f"({len(vectors) / seconds:.0f} sequences/s)")


if __name__ == "__main__":
    main()
