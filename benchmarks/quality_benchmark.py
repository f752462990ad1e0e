"""Discovery quality on the hard synthetic generator, through the code path the assets use.

Per seed it writes a tree of ``SyntheticSpec.hard(seed)`` (nuisance factors in the ground
truth: mirrored subjects, per-subject tempo and amplitude, sensor placements, jittered
segment edges; an unseen action), reads it with ``read_sequence_folder`` and then:

  1. drops the training rows of the unseen action (a real user trained before it appeared)
     and trains the encoder (cached per seed and settings in ``--workdir``);
  2. builds every deployable featurizer x clusterer (``deployment_candidates``) and lets
     ``select_deployed_model`` pick one on held-out folds of the labelled subset, as the
     scoring_bundle asset does;
  3. measures every candidate's ARI on the training clips *outside* the labelled subset
     (their ground truth is never used by any choice), and the deployed one's;
  4. builds the deployed bundle with each set of unknown-detector voices, calibrates it to
     flag 5 % of training and scores the incoming files: AUROC of ``unknown_score`` (unseen
     action vs known actions), the share flagged unknown for each, and the unseen share above
     the score that flags 5 % of the known incoming files (ranking without calibration error).

Usage:
  python benchmarks/quality_benchmark.py --workdir DIR            # seeds 0 1 2
  python benchmarks/quality_benchmark.py --seeds 0 --videos 30    # quicker look
  python benchmarks/quality_benchmark.py --workdir DIR --encoders-only --seeds 2  # warm a cache
  python benchmarks/quality_benchmark.py --contrastive-weight 0.5 --augmentations tempo crop jitter
Each seed's figures are saved in the work folder (quality_rows/); ``--resume`` reports saved
seeds without measuring them again. Prints mean ± sd over seeds per setting; no assertions.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

TARGET_SHARE = 0.05
BASELINES = ("bag_of_codes_tfidf", "code_ngram12_tfidf", "fsq_digit_stats")
OLD_CLUSTERERS = ("hdbscan", "bayes_gmm", "kmeans")
VOICE_SETS = (("novelty",), ("surprisal",), ("density",), ("transitions",),
              ("novelty", "surprisal"), ("novelty", "density"), ("novelty", "transitions"),
              ("surprisal", "transitions"), ("novelty", "surprisal", "density"),
              ("novelty", "surprisal", "transitions"),
              ("novelty", "surprisal", "density", "transitions"))


# ----------------------------------------------------------------------------- data


def load_seed(seed: int, videos: int, workdir: Path) -> dict:
    """Tables of one seed: training (known only, unique), labelled, incoming, with truth."""
    from motion_assets.core.sequences.ingest import read_sequence_folder
    from motion_assets.core.sequences.reader import CodebookSettings
    from motion_assets.core.sequences.table import unique_sequences
    from motion_assets.core.synthetic import (
        MAIN_VARIANT,
        SyntheticSpec,
        VariantSpec,
        write_tokenizer_output,
    )

    variant = VariantSpec(MAIN_VARIANT, n_videos=videos, segments_per_video=50, labelled=400,
                          incoming_videos=10, incoming_segments_per_video=20)
    spec = SyntheticSpec.hard(seed, variants=(variant,))
    root = workdir / f"hard_seed{seed}_v{videos}"
    tree = write_tokenizer_output(root, spec)
    settings = CodebookSettings(variant=MAIN_VARIANT, default_size=2048)
    tables = {}
    for name, base, options in (("inference", tree.inference_root, {}),
                                ("labelled", tree.labelled_root, {"label_depth": 0}),
                                ("incoming", tree.incoming_root, {})):
        table = read_sequence_folder(str(base / MAIN_VARIANT), settings, workers=1,
                                     **options).sequences.to_pandas()
        truth = tree.ground_truth(MAIN_VARIANT, name)[["relative_path", "line", "action",
                                                        "is_unknown", "mirrored", "placement"]]
        table["_line"] = table["line"].fillna(-1).astype(int)
        truth = truth.assign(_line=truth["line"].fillna(-1).astype(int)).drop(columns="line")
        table = table.merge(truth, on=["relative_path", "_line"], how="left", validate="m:1")
        if table["action"].isna().any():
            raise RuntimeError(f"{name}: {int(table['action'].isna().sum())} rows without truth")
        tables[name] = table.drop(columns="_line")
    inference = tables["inference"]
    training = unique_sequences(inference[~inference["is_unknown"].astype(bool)]).reset_index(drop=True)
    labelled = tables["labelled"].reset_index(drop=True)
    labelled["label"] = labelled["label"].map(tree.merge_map()).fillna(labelled["label"])
    # a labelled file is a copy of <video>/code_indices/<name> named <video>_<name>
    labelled_names = set(labelled["relative_path"].str.rsplit("/", n=1).str[-1])
    training_names = training["video"] + "_" + training["relative_path"].str.rsplit("/", n=1).str[-1]
    return {"training": training, "labelled": labelled, "incoming": tables["incoming"],
            "outside": ~training_names.isin(labelled_names).to_numpy(),
            "unseen_training": inference[inference["is_unknown"].astype(bool)]}


def encoder_for(data: dict, seed: int, args, workdir: Path):
    """A trained encoder, cached on disk per seed, size and encoder settings."""
    import torch

    from motion_assets.core.encoder.checkpoint import load_encoder, save_encoder
    from motion_assets.core.encoder.config import SequenceEmbedConfig
    from motion_assets.core.encoder.featurizer import EncoderFeaturizer

    torch.set_num_threads(1)
    training = data["training"]
    overrides = {"seed": seed, "codebook_size": int(training["codebook_size"].max()),
                 "train": {"device": "cpu", "num_threads": 1}}
    overrides["objective"] = {k: v for k, v in (("task", args.objective),
                                                 ("contrastive_weight", args.contrastive_weight),
                                                 ("augmentations", args.augmentations)) if v}
    if args.output_head:
        overrides["model"] = {"output_head": args.output_head}
    config = SequenceEmbedConfig.from_dict(overrides)
    path = workdir / f"encoder_hard_seed{seed}_v{args.videos}_{encoder_tag(args)}.pt"
    if path.exists():
        return load_encoder(str(path), device="cpu"), None
    started = time.perf_counter()
    featurizer = EncoderFeaturizer(config).fit(training)
    seconds = time.perf_counter() - started
    buffer = io.BytesIO()
    save_encoder(featurizer.model_, buffer)
    path.write_bytes(buffer.getvalue())
    return featurizer.model_, seconds


def encoder_tag(args) -> str:
    """The encoder settings in file names: task, the output head when given, and the
    contrastive term's when it has one."""
    tag = (args.objective or "ntp") + (f"_{args.output_head}" if args.output_head else "")
    if args.contrastive_weight:
        tag += f"_cw{args.contrastive_weight:g}_{'-'.join(args.augmentations or ['default'])}"
    return tag


# ----------------------------------------------------------------------------- measuring


def measure(data: dict, encoder, folds: int | None = None) -> dict:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, roc_auc_score

    from motion_assets.core.scoring.bundle import make_scoring_bundle
    from motion_assets.core.scoring.calibration import calibrated_bundle
    from motion_assets.core.scoring.deployment_candidates import deployable, deployment_candidates
    from motion_assets.core.scoring.model_selection import select_deployed_model
    from motion_assets.core.scoring.score import score_sequences
    from motion_assets.core.scoring.unknown_detector import UnknownDetector
    from motion_assets.core.sequences.facts import table_levels
    from motion_assets.core.sequences.overlap import featurizer_sequences

    training, labelled, incoming = data["training"], data["labelled"], data["incoming"]
    outside = data["outside"]
    truth = training["action"].to_numpy(dtype=object)
    started = time.perf_counter()
    candidates = deployment_candidates(training, encoder, labelled=labelled)
    selection = select_deployed_model(candidates, training, labelled,
                                      **({} if folds is None else {"folds": folds}))
    row: dict = {"selection_s": time.perf_counter() - started, "chosen": selection.method}
    held_out = selection.table.set_index("method")["held_out_ari"]
    for method, (featurizer, pipeline) in selection.fitted.items():
        clusters = pipeline.assign(featurizer.transform(training[outside])).cluster
        row[f"ari[{method}]"] = adjusted_rand_score(truth[outside], clusters)
        row[f"held[{method}]"] = float(held_out[method])
    row["deployed_ari"] = row[f"ari[{selection.method}]"]

    started = time.perf_counter()
    detector = UnknownDetector(voices=("novelty", "surprisal", "density", "transitions"),
                               density_components=max(selection.pipeline.n_clusters_, 2)).fit(
        encoder, featurizer_sequences(training), groups=training["video"].to_numpy())
    row["detector_fit_s"] = time.perf_counter() - started
    is_unknown = incoming["is_unknown"].astype(bool).to_numpy()
    row["supervised_ceiling"] = supervised_ceiling(data, encoder, is_unknown)
    for voices in VOICE_SETS:
        name = "+".join(voices)
        bundle = make_scoring_bundle(
            deployable(selection.featurizer), selection.pipeline, variant="synthetic",
            codebook_size=int(training["codebook_size"].max()),
            codebook_levels=table_levels(training),
            codes_per_window=int(training["codes_per_window"].mode().iloc[0]),
            training_rows=len(training), encoder=encoder,
            unknown_detector=detector.with_voices(voices), selection=selection.record())
        bundle = calibrated_bundle(bundle, training, TARGET_SHARE)
        new = score_sequences(bundle, incoming)
        row[f"auroc[{name}]"] = roc_auc_score(is_unknown, new["unknown_score"])
        row[f"flag_unseen[{name}]"] = float(new["unknown"][is_unknown].mean())
        row[f"flag_known[{name}]"] = float(new["unknown"][~is_unknown].mean())
        row[f"gap[{name}]"] = row[f"flag_unseen[{name}]"] - row[f"flag_known[{name}]"]
        # the ranking at the operating point without the calibration's error: the unseen share
        # above the score that flags 5 % of the known incoming files (a diagnosis, chooses nothing)
        known_limit = np.quantile(new["unknown_score"][~is_unknown], 1.0 - TARGET_SHARE)
        row[f"at_known[{name}]"] = float((new["unknown_score"][is_unknown] > known_limit).mean())
    return row


def supervised_ceiling(data: dict, encoder, is_unknown) -> float:
    """AUROC on the incoming files of a classifier that *was* shown the unseen action: logistic
    regression on the encoder's embedding of training plus the inference rows of the unseen
    action (which every detector is denied). What the representation allows at best."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from motion_assets.core.encoder.inference import embed
    from motion_assets.core.sequences.overlap import featurizer_sequences

    shown = [*featurizer_sequences(data["training"]), *featurizer_sequences(data["unseen_training"])]
    target = np.r_[np.zeros(len(data["training"])), np.ones(len(data["unseen_training"]))]
    classifier = LogisticRegression(max_iter=2000, class_weight="balanced").fit(
        embed(encoder, shown), target)
    incoming = embed(encoder, featurizer_sequences(data["incoming"]))
    return float(roc_auc_score(is_unknown, classifier.decision_function(incoming)))


# ----------------------------------------------------------------------------- reporting


def _mean_sd(values) -> str:
    import numpy as np

    values = np.asarray(values, dtype=float)
    return f"{values.mean():.3f} ± {values.std(ddof=1) if len(values) > 1 else 0.0:.3f}"


def report(rows: dict[int, dict]) -> None:
    import pandas as pd

    frame = pd.DataFrame.from_dict(rows, orient="index")
    methods = sorted({c[4:-1] for c in frame if c.startswith("ari[")})
    board = pd.DataFrame({
        "method": methods,
        "outside_ari": [_mean_sd(frame[f"ari[{m}]"]) for m in methods],
        "held_out_ari": [_mean_sd(frame[f"held[{m}]"]) for m in methods],
        "_mean": [frame[f"ari[{m}]"].mean() for m in methods],
    }).sort_values("_mean", ascending=False)
    print("\n=== every candidate: ARI on clips outside the labelled subset, and on held-out labels"
          " (mean ± sd over seeds)")
    print(board.drop(columns="_mean").to_string(index=False))

    def best_of(featurizers, clusterers):
        pool = [m for m in methods if m.split("/")[0] in featurizers
                and m.split("/")[1] in clusterers]
        best = max(pool, key=lambda m: frame[f"ari[{m}]"].mean())
        return best, _mean_sd(frame[f"ari[{best}]"]), frame[f"ari[{best}]"].mean()

    baseline, baseline_text, baseline_mean = best_of(BASELINES, OLD_CLUSTERERS)
    any_baseline, any_text, _ = best_of(BASELINES, ("hdbscan", "bayes_gmm", "kmeans", "spectral"))
    encoder_gmm = next(m for m in methods if m.startswith("encoder_") and m.endswith("/bayes_gmm")
                       and "label_guided" not in m)
    deployed = frame["deployed_ari"]
    print("\n=== deployed (chosen on held-out labels) vs baselines, ARI outside the labelled subset")
    print(f"deployed by evidence           {_mean_sd(deployed)}  "
          f"(chosen: {', '.join(f'seed {s}: {m}' for s, m in frame['chosen'].items())})")
    print(f"previous default ({encoder_gmm})  {_mean_sd(frame[f'ari[{encoder_gmm}]'])}")
    print(f"best baseline featurizer       {baseline_text}  ({baseline}, picked with hindsight)")
    print(f"best baseline, any clusterer   {any_text}  ({any_baseline})")
    print(f"deployed - best baseline       {deployed.mean() - baseline_mean:+.3f}")

    print("\n=== unknown detection on incoming files (deployed bundle, calibrated to flag "
          f"{TARGET_SHARE:.0%} of training)")
    voice_rows = []
    for voices in VOICE_SETS:
        name = "+".join(voices)
        voice_rows.append({"voices": name, "auroc": _mean_sd(frame[f"auroc[{name}]"]),
                           "flagged unseen": _mean_sd(frame[f"flag_unseen[{name}]"]),
                           "flagged known": _mean_sd(frame[f"flag_known[{name}]"]),
                           "unseen - known": _mean_sd(frame[f"gap[{name}]"]),
                           "unseen at 5% known": _mean_sd(frame[f"at_known[{name}]"])
                           if f"at_known[{name}]" in frame else "-"})
    print(pd.DataFrame(voice_rows).to_string(index=False))
    if "supervised_ceiling" in frame:
        print("supervised ceiling (a classifier shown the unseen action's inference rows), AUROC "
              f"{_mean_sd(frame['supervised_ceiling'])}: "
              + " / ".join(f"{v:.3f}" for v in frame["supervised_ceiling"]))
    timing = [c for c in ("encoder_s", "encoder_s_per_10k", "selection_s", "detector_fit_s")
              if c in frame]
    print("\n=== seconds (machine shared with other work)")
    print(frame[timing].astype(float).round(1).to_string())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--videos", type=int, default=60, help="videos of 50 segments per seed")
    parser.add_argument("--objective", choices=("ntp", "mlm", "contrastive"))
    parser.add_argument("--contrastive-weight", type=float, help="objective.contrastive_weight "
                        "(ntp + InfoNCE between augmented views; default: the config's)")
    parser.add_argument("--augmentations", nargs="+", help="objective.augmentations of the "
                        "views (tempo crop jitter dropout mask; default: the config's)")
    parser.add_argument("--output-head", choices=("codes", "digits"), help="model.output_head "
                        "of the encoder (core/encoder/heads.py; default: the config's)")
    parser.add_argument("--folds", type=int, help="held-out folds of the labelled subset "
                        "(default: model_selection.FOLDS)")
    parser.add_argument("--workdir", help="cache folder (trees, encoders); default: a temp dir")
    parser.add_argument("--resume", action="store_true", help="reuse seeds already measured")
    parser.add_argument("--encoders-only", action="store_true", help="train and cache encoders")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(args.workdir or scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        rows: dict[int, dict] = {}
        saved = workdir / "quality_rows"
        saved.mkdir(exist_ok=True)
        for seed in args.seeds:
            folds = f"_folds{args.folds}" if args.folds else ""
            row_file = saved / f"seed{seed}_v{args.videos}_{encoder_tag(args)}{folds}.json"
            if args.resume and row_file.exists():
                rows[seed] = json.loads(row_file.read_text())
                continue
            started = time.perf_counter()
            data = load_seed(seed, args.videos, workdir)
            encoder, train_s = encoder_for(data, seed, args, workdir)
            if args.encoders_only:
                print(f"seed {seed}: encoder {'cached' if train_s is None else f'{train_s:.0f} s'}")
                continue
            n = len(data["training"])
            print(f"seed {seed}: training {n}, labelled {len(data['labelled'])}, outside the "
                  f"labelled subset {int(data['outside'].sum())}, incoming {len(data['incoming'])}"
                  f" ({int(data['incoming']['is_unknown'].sum())} unseen); encoder "
                  f"{'cached' if train_s is None else f'{train_s:.0f} s'}", flush=True)
            rows[seed] = measure(data, encoder, args.folds)
            if train_s is not None:
                rows[seed].update(encoder_s=train_s, encoder_s_per_10k=train_s * 10_000 / n)
            row_file.write_text(json.dumps(rows[seed]))
            print(f"seed {seed} done in {time.perf_counter() - started:.0f} s: deployed "
                  f"{rows[seed]['chosen']} ARI {rows[seed]['deployed_ari']:.3f}", flush=True)
            top = sorted((v, k[4:-1]) for k, v in rows[seed].items() if k.startswith("ari["))
            print("  best outside ARI: " + ", ".join(f"{m} {v:.3f}" for v, m in top[-4:]), flush=True)
        if rows:
            report(rows)


if __name__ == "__main__":
    main()
