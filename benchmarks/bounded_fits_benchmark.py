"""What the bounded fits after the encoder cost in quality, on a scale_benchmark.py variant.

Each fit that now learns from a seeded draw and applies to every row is measured against the
synthetic ground truth of the tree (``<tree>/ground_truth``), on the variant's unique sequences
and the storage a ``scale_benchmark.py`` run left (code_sequences, sequence_embeddings,
sequence_encoder):

- ``hdbscan``: HDBSCAN (configs/hdbscan_config.yaml) fitted on every row vs on draws of
  ``--rows``: ARI of the assignment against the true action (known-action rows, noise counted
  as one more cluster), noise share, CPU seconds of the fit and assignment.
- ``featurizers``: LSA, bag-of-codes TF-IDF and digit statistics fitted on every row vs on
  draws, then applied to all: KMeans (7 clusters, 2 seeds) ARI against the true action.
- ``detector``: the unknown detector (novelty + surprisal) fitted on draws of ``--rows``:
  AUROC of its combined score (and each voice) for the unseen action on 5,000 held-out rows.

Usage: python benchmarks/bounded_fits_benchmark.py --storage DIR --tree DIR
       [--parts hdbscan featurizers detector] [--rows 0 20000 10000 5000] [--seeds 0 1]
``--rows 0`` means every row. Prints one line per fit; no assertions.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import resource

import numpy as np
import pandas as pd
import yaml
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from motion_assets.core.clustering.config import HdbscanFitConfig
from motion_assets.core.clustering.pipeline import fit_cluster_pipeline
from motion_assets.core.features.draws import sample_table
from motion_assets.core.features.featurizers import BagOfCodesTfidf, DigitStatistics
from motion_assets.core.features.tables import matrix_of
from motion_assets.core.features.views import Lsa
from motion_assets.core.sequences.overlap import featurizer_sequences
from motion_assets.core.sequences.table import rows_by_id, unique_sequences

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELD_OUT = 5_000


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load(storage: str, tree: str, variant: str | None):
    variant = variant or min(os.listdir(os.path.join(storage, "code_sequences"))).split(".")[0]
    sequences = unique_sequences(pd.read_parquet(
        os.path.join(storage, "code_sequences", f"{variant}.parquet")))
    truth = pd.read_csv(os.path.join(tree, "ground_truth", "inference", f"{variant}.csv"))
    action = truth.set_index("relative_path")["action"].reindex(sequences["relative_path"]).to_numpy()
    with open(os.path.join(tree, "ground_truth", "actions.json")) as handle:
        unseen = json.load(handle)["unknown_action"]
    return variant, sequences, action, unseen


def hdbscan_draws(storage, variant, sequences, action, known, rows, seeds) -> None:
    embeddings = pd.read_parquet(os.path.join(storage, "sequence_embeddings", f"{variant}.parquet"))
    features = matrix_of(rows_by_id(embeddings, sequences["sequence_id"].to_numpy()))
    with open(os.path.join(REPO, "configs", "hdbscan_config.yaml")) as handle:
        config = HdbscanFitConfig.from_dict(yaml.safe_load(handle))
    for size in rows:
        for seed in seeds if size else seeds[:1]:
            settings = dataclasses.replace(config.clustering.hdbscan,
                                           fit_sample_size=size or len(features), random_state=seed)
            fit = dataclasses.replace(config, clustering=dataclasses.replace(
                config.clustering, hdbscan=settings))
            started = cpu_seconds()
            labels = fit_cluster_pipeline(fit, features).labels_
            seconds = cpu_seconds() - started
            print(f"hdbscan fitted on {size or 'all':>6} seed {seed}: clusters {labels.max() + 1} "
                  f"noise {np.mean(labels < 0):.3f} ARI {adjusted_rand_score(action[known], labels[known]):.3f} "
                  f"cpu {seconds:.1f} s (fit, novelty, assignment)", flush=True)


def featurizer_draws(sequences, action, known, rows, seeds) -> None:
    for make in (Lsa, BagOfCodesTfidf, DigitStatistics):
        for size in rows:
            for seed in seeds if size else seeds[:1]:
                featurizer = make()
                started = cpu_seconds()
                featurizer.fit(sample_table(sequences, size, seed) if size else sequences)
                seconds = cpu_seconds() - started
                matrix = featurizer.transform(sequences)[known]
                aris = [adjusted_rand_score(action[known], KMeans(7, n_init=3, random_state=k)
                                            .fit_predict(matrix)) for k in (0, 1)]
                print(f"{featurizer.name:24} fitted on {size or 'all':>6} seed {seed}: fit cpu "
                      f"{seconds:5.1f} s, KMeans ARI {np.mean(aris):.3f}", flush=True)


def detector_draws(storage, variant, sequences, action, unseen_action, rows, seeds) -> None:
    import torch

    from motion_assets.core.encoder.checkpoint import load_encoder
    from motion_assets.core.encoder.surprisal import embed_with_surprisal
    from motion_assets.core.scoring.unknown_detector import UnknownDetector

    torch.set_num_threads(1)
    encoder = load_encoder(glob.glob(os.path.join(storage, "sequence_encoder", variant, "*.bin"))[0],
                           device="cpu")
    order = np.random.default_rng(123).permutation(len(sequences))
    held, pool = np.sort(order[:HELD_OUT]), order[HELD_OUT:]
    held_codes = featurizer_sequences(sequences.iloc[held])
    embeddings, surprisal = embed_with_surprisal(encoder, held_codes)
    unseen = action[held] == unseen_action
    print(f"detector: {HELD_OUT} held out, {unseen.sum()} of the unseen action", flush=True)
    for size in [r for r in rows if r]:
        for seed in seeds:
            fitted = sequences.iloc[np.sort(np.random.default_rng(seed).choice(pool, size, replace=False))]
            started = cpu_seconds()
            detector = UnknownDetector(("novelty", "surprisal")).fit(
                encoder, featurizer_sequences(fitted), groups=fitted["video"].to_numpy())
            seconds = cpu_seconds() - started
            voices = detector.voices(encoder, held_codes, embeddings, surprisal)
            aurocs = {name: roc_auc_score(unseen, value) for name, value in voices.items()}
            print(f"detector fitted on {size:6d} seed {seed}: AUROC combined "
                  f"{roc_auc_score(unseen, detector.score(voices)):.4f} "
                  + " ".join(f"{name} {value:.4f}" for name, value in aurocs.items())
                  + f", fit cpu {seconds:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", required=True, help="a scale_benchmark.py run's storage")
    parser.add_argument("--tree", required=True, help="its synthetic tree (with ground_truth)")
    parser.add_argument("--variant")
    parser.add_argument("--parts", nargs="+", default=["hdbscan", "featurizers", "detector"],
                        choices=("hdbscan", "featurizers", "detector"))
    parser.add_argument("--rows", type=int, nargs="+", default=[0, 20_000, 10_000, 5_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args()
    variant, sequences, action, unseen = load(args.storage, args.tree, args.variant)
    known = pd.notna(action) & (action != unseen)
    print(f"{variant}: {len(sequences)} unique sequences, {known.sum()} of known actions; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    if "hdbscan" in args.parts:
        hdbscan_draws(args.storage, variant, sequences, action, known, args.rows, args.seeds)
    if "featurizers" in args.parts:
        featurizer_draws(sequences, action, known, args.rows, args.seeds)
    if "detector" in args.parts:
        detector_draws(args.storage, variant, sequences, action, unseen, args.rows, args.seeds)


if __name__ == "__main__":
    main()
