"""Clustering and unknown-detection quality, measured through the same core path the assets use.

Per seed it writes a synthetic tokenizer tree (one stream variant: a few thousand segments,
a hand-labelled subset, incoming videos with the unknown action), then:

  1. reads the variant, the labelled folder and the incoming folder with
     ``core.ingest.read_sequence_folder`` and joins the ground-truth CSVs;
  2. drops the training rows whose true action is the unknown one (a real user trained
     before it appeared) and trains the encoder (``EncoderFeaturizer``) on the unique rest;
  3. per setting: fits HDBSCAN and the Bayesian GMM with ``make_clusterer``, builds bundles
     with ``make_scoring_bundle`` + ``calibrated_bundle`` and measures
       - deployed ARI: ``score_sequences`` on the labelled subset (noise = its own cluster)
       - best ARI: ``evaluate_on_labels`` (encoder and bag-of-codes TF-IDF x every clusterer)
       - unknown detection on the incoming files: AUROC of ``unknown_score`` (unknown action
         vs known actions), the share flagged ``unknown`` for each, and the share of
         training sequences flagged (the calibration target).

Encoders are cached per (seed, objective, d_model, epochs) in the work folder, so settings
that only change clustering reuse them.

Usage:
  python benchmarks/quality_benchmark.py --quick            # seeds 0 and 2, ~10 min
  python benchmarks/quality_benchmark.py --seeds 0 1 2 --settings before default
  python benchmarks/quality_benchmark.py --list             # the named settings
Prints one table per setting (rows = seeds, plus the mean); no assertions.
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import sys
import tempfile
import time
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

TARGET_SHARE = 0.05

# Named settings: overrides of the clustering config files (HdbscanFitConfig / BayesGmmFitConfig
# keys; one preprocessing for both)
# and of the calibration. "before" are the defaults this benchmark replaced.
BEFORE = {
    "preprocessing": {"lstm_feature": {
        "pca": {"enabled": True, "max_components": 16, "explained_variance": 0.95,
                "min_components": 4},
        "novelty": {"enabled": False}}},
    "clustering": {
        "hdbscan": {"min_cluster_size": 15, "min_samples": 5, "cluster_selection_method": "eom",
                    "min_cluster_size_grid": [], "probability_threshold": 0.3},
        "bayes_gmm": {"n_components": 20, "weight_concentration_prior": None,
                      "full_covariance_budget": 5e6, "probability_threshold": 0.5}},
    "_calibration": {"noise_is_unknown": True, "novelty_weight": 0.0},
    "_unknown_score": "outlier",
}
SETTINGS: dict[str, dict] = {
    "before": BEFORE,
    "default": {},  # the code's current defaults
    "gmm_bic": {"_ignore_label_count": True},  # n_components 0 without labels: BIC
}


def _deep_merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# ----------------------------------------------------------------------------- data


def tree_spec(seed: int, quick: bool):
    from motion_assets.core.synthetic import MAIN_VARIANT, SyntheticSpec, VariantSpec

    videos = 50 if quick else 70
    variant = VariantSpec(MAIN_VARIANT, n_videos=videos, segments_per_video=50, labelled=400,
                          incoming_videos=10, incoming_segments_per_video=20)
    return SyntheticSpec(seed=seed, variants=(variant,))


def load_seed(seed: int, quick: bool, workdir: Path) -> dict:
    """Tables of one seed: training (known only, unique), labelled, incoming, with truth."""

    from motion_assets.core.sequences.ingest import read_sequence_folder
    from motion_assets.core.sequences.reader import CodebookSettings
    from motion_assets.core.sequences.table import unique_sequences
    from motion_assets.core.synthetic import MAIN_VARIANT, write_tokenizer_output

    spec = tree_spec(seed, quick)
    root = workdir / f"tree_seed{seed}_{'quick' if quick else 'full'}"
    tree = write_tokenizer_output(root, spec)
    settings = CodebookSettings(variant=MAIN_VARIANT, default_size=2048)
    tables = {}
    for name, base, options in (("inference", tree.inference_root, {}),
                                ("labelled", tree.labelled_root, {"label_depth": 0}),
                                ("incoming", tree.incoming_root, {})):
        table = read_sequence_folder(str(base / MAIN_VARIANT), settings, workers=1,
                                     **options).sequences.to_pandas()
        truth = tree.ground_truth(MAIN_VARIANT, name)[["relative_path", "line", "action",
                                                        "is_unknown"]]
        table["_line"] = table["line"].fillna(-1).astype(int)
        truth = truth.assign(_line=truth["line"].fillna(-1).astype(int)).drop(columns="line")
        table = table.merge(truth, on=["relative_path", "_line"], how="left", validate="m:1")
        if table["action"].isna().any():
            raise RuntimeError(f"{name}: {int(table['action'].isna().sum())} rows without truth")
        tables[name] = table.drop(columns="_line")
    inference = tables["inference"]
    training = unique_sequences(inference[~inference["is_unknown"].astype(bool)])
    return {
        "spec": spec,
        "training": training.reset_index(drop=True),
        "training_unknown_dropped": int(inference["is_unknown"].astype(bool).sum()),
        "labelled": tables["labelled"].reset_index(drop=True),
        "incoming": tables["incoming"].reset_index(drop=True),
    }


def encoder_for(data: dict, seed: int, args, workdir: Path):
    """A trained EncoderFeaturizer, cached on disk per seed and encoder settings."""
    import torch

    from motion_assets.core.encoder.checkpoint import load_encoder, save_encoder
    from motion_assets.core.encoder.config import SequenceEmbedConfig
    from motion_assets.core.encoder.featurizer import EncoderFeaturizer

    torch.set_num_threads(1)
    training = data["training"]
    overrides = {"seed": seed, "codebook_size": int(training["codebook_size"].max()),
                 "train": {"device": "cpu", "num_threads": 1}}
    if args.objective:
        overrides["objective"] = {"task": args.objective}
    if args.d_model:
        overrides["model"] = {"d_model": args.d_model}
    if args.epochs:
        overrides["train"]["epochs"] = args.epochs
    config = SequenceEmbedConfig.from_dict(overrides)
    key = (f"encoder_seed{seed}_{'quick' if args.quick else 'full'}_{config.objective.task}"
           f"_d{config.model.d_model}_e{config.train.epochs}.pt")
    path = workdir / key
    if path.exists():
        return EncoderFeaturizer.from_model(load_encoder(str(path), device="cpu")), None
    started = time.perf_counter()
    featurizer = EncoderFeaturizer(config).fit(training)
    seconds = time.perf_counter() - started
    buffer = io.BytesIO()
    save_encoder(featurizer.model_, buffer)
    path.write_bytes(buffer.getvalue())
    return featurizer, seconds


# ----------------------------------------------------------------------------- measuring


def measure(data: dict, featurizer, setting: dict, with_best: bool = True) -> dict:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, roc_auc_score

    from motion_assets.core.clustering.config import BayesGmmFitConfig, HdbscanFitConfig
    from motion_assets.core.clustering.pipeline import gmm_config_for_labels, make_clusterer
    from motion_assets.core.evaluation.labels import evaluate_on_labels
    from motion_assets.core.features.featurizers import BagOfCodesTfidf
    from motion_assets.core.scoring.bundle import DEFAULT_UNKNOWN_SCORE, make_scoring_bundle
    from motion_assets.core.scoring.calibration import calibrated_bundle
    from motion_assets.core.scoring.score import score_sequences
    from motion_assets.core.scoring.unknown import UNKNOWN_SCORES
    from motion_assets.core.sequences.facts import table_levels

    calibration = setting.get("_calibration", {})
    unknown_score = setting.get("_unknown_score", DEFAULT_UNKNOWN_SCORE)
    plain = {k: v for k, v in setting.items() if not k.startswith("_")}
    fit_configs = {config_type.kind: config_type.from_dict({
        "preprocessing": plain.get("preprocessing", {}),
        "clustering": {config_type.kind: plain.get("clustering", {}).get(config_type.kind, {})},
    }) for config_type in (HdbscanFitConfig, BayesGmmFitConfig)}
    training, labelled, incoming = data["training"], data["labelled"], data["incoming"]
    features = featurizer.transform(training)
    truth_labels = labelled["action"].to_numpy(dtype=object)
    is_unknown = incoming["is_unknown"].astype(bool).to_numpy()
    row: dict = {}
    deployed = {}
    for kind, short in (("hdbscan", "hdb"), ("bayes_gmm", "gmm")):
        started = time.perf_counter()
        config = fit_configs[kind]
        settings = config.clusterer
        if kind == "bayes_gmm" and not setting.get("_ignore_label_count"):
            settings = gmm_config_for_labels(settings, len(set(truth_labels)))  # as the asset does
        pipeline = make_clusterer(kind, settings, config.preprocessing.lstm_feature).fit(features)
        deployed[kind] = pipeline
        row[f"{short}_fit_s"] = time.perf_counter() - started
        bundle = make_scoring_bundle(
            featurizer, pipeline, variant="synthetic",
            codebook_size=int(training["codebook_size"].max()),
            codebook_levels=table_levels(training),
            codes_per_window=int(training["codes_per_window"].mode().iloc[0]),
            training_rows=len(training), unknown_score=unknown_score)
        bundle = calibrated_bundle(bundle, training, TARGET_SHARE, **calibration)
        fit_scores = score_sequences(bundle, training)
        labels = pipeline.labels_
        agree = fit_scores["cluster"].to_numpy() == labels
        row[f"{short}_parity"] = float(agree[labels >= 0].mean()) if (labels >= 0).any() else 1.0
        row[f"{short}_k"] = int(pipeline.n_clusters_)
        row[f"{short}_train_noise"] = float((labels < 0).mean())
        row[f"{short}_pca_dims"] = int(pipeline.preprocessor.n_components_)
        scored = score_sequences(bundle, labelled)
        row[f"{short}_ari"] = adjusted_rand_score(truth_labels, scored["cluster"].to_numpy())
        row[f"{short}_lab_noise"] = float(scored["is_noise"].mean())
        new = score_sequences(bundle, incoming)
        row[f"{short}_train_flag"] = float(fit_scores["unknown"].mean())
        row[f"{short}_flag_unk"] = float(new["unknown"][is_unknown].mean())
        row[f"{short}_flag_known"] = float(new["unknown"][~is_unknown].mean())
        row[f"{short}_auroc"] = roc_auc_score(is_unknown, new["unknown_score"])
        parts = [new[c].to_numpy() for c in ("probability", "soft_probability", "outlier_score",
                                             "is_noise", "novelty")]
        for name, score in UNKNOWN_SCORES.items():
            values = np.nan_to_num(score(*parts), nan=0.0)
            row[f"{short}_auroc[{name}]"] = roc_auc_score(is_unknown, values)
        t = bundle.thresholds
        row[f"{short}_thr_p"], row[f"{short}_thr_nov"] = t.probability, t.novelty
    if with_best:
        matrices = {featurizer.name: featurizer.transform(labelled),
                    "bag_of_codes_tfidf": BagOfCodesTfidf().fit(training).transform(labelled)}
        board = evaluate_on_labels(matrices, truth_labels, deployed=deployed).leaderboard
        # as the labelled leaderboard asset does: the deployed models compete too
        candidates = {str(m): float(a) for m, a in zip(board["method"], board["ari"])}
        candidates.update({"deployed/hdbscan": row["hdb_ari"], "deployed/bayes_gmm": row["gmm_ari"]})
        row["best_method"] = max(candidates, key=candidates.get)
        row["best_ari"] = candidates[row["best_method"]]
    return row


SHOWN = [("hdb_ari", "HDB ARI"), ("gmm_ari", "GMM ARI"), ("best_ari", "best ARI"),
         ("hdb_k", "HDB k"), ("hdb_lab_noise", "HDB noise"), ("gmm_k", "GMM k"),
         ("hdb_auroc", "HDB AUROC"), ("hdb_flag_unk", "HDB flag unk"),
         ("hdb_flag_known", "HDB flag known"), ("hdb_train_flag", "HDB flag train"),
         ("gmm_auroc", "GMM AUROC"), ("gmm_flag_unk", "GMM flag unk"),
         ("gmm_flag_known", "GMM flag known"), ("gmm_train_flag", "GMM flag train"),
         ("hdb_parity", "HDB parity"), ("gmm_parity", "GMM parity")]


def print_table(name: str, rows: dict[int, dict], verbose: bool) -> None:
    import pandas as pd

    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "seed"
    shown = [c for c, _ in SHOWN if c in frame]
    table = frame[shown].rename(columns=dict(SHOWN))
    numeric = table.select_dtypes("number")
    table = table.astype({c: float for c in numeric.columns})
    table.loc["mean"] = numeric.mean()
    print(f"\n=== {name}")
    print(table.round(3).to_string())
    if "best_method" in frame:
        print("best methods:", ", ".join(f"{s}: {m}" for s, m in frame["best_method"].items()))
    if verbose:
        extra = [c for c in frame if "[" in c or c.endswith(("_fit_s", "_thr_p", "_thr_nov"))]
        print(frame[extra].T.round(3).to_string())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="seeds 0 and 2, smaller trees")
    parser.add_argument("--seeds", type=int, nargs="*")
    parser.add_argument("--settings", nargs="*", default=["before", "default"])
    parser.add_argument("--objective", choices=("ntp", "mlm", "contrastive"))
    parser.add_argument("--d-model", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--workdir", help="cache folder (trees, encoders); default: a temp dir")
    parser.add_argument("--no-best", action="store_true", help="skip evaluate_on_labels")
    parser.add_argument("--verbose", action="store_true", help="every unknown_score's AUROC")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    if args.list:
        for name, setting in SETTINGS.items():
            print(name, setting)
        return
    seeds = args.seeds or ([0, 2] if args.quick else [0, 1, 2])
    unknown = [s for s in args.settings if s not in SETTINGS]
    if unknown:
        sys.exit(f"unknown setting(s) {unknown}; see --list")
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(args.workdir or scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        results: dict[str, dict[int, dict]] = {name: {} for name in args.settings}
        for seed in seeds:
            started = time.perf_counter()
            data = load_seed(seed, args.quick, workdir)
            featurizer, train_s = encoder_for(data, seed, args, workdir)
            print(f"seed {seed}: training {len(data['training'])} (unknown rows dropped: "
                  f"{data['training_unknown_dropped']}), labelled {len(data['labelled'])}, "
                  f"incoming {len(data['incoming'])} ({int(data['incoming']['is_unknown'].sum())}"
                  f" unknown); encoder {'cached' if train_s is None else f'{train_s:.0f} s'}",
                  flush=True)
            for name in args.settings:
                results[name][seed] = measure(data, featurizer, SETTINGS[name],
                                              with_best=not args.no_best)
            print(f"seed {seed} done in {time.perf_counter() - started:.0f} s", flush=True)
        for name in args.settings:
            print_table(name, results[name], args.verbose)


if __name__ == "__main__":
    main()
