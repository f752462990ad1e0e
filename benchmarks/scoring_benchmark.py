"""Online scoring: latency and throughput with a loaded bundle, and unknown-score quality.

Data: the synthetic stream variant (motion_assets.core.synthetic) at real length: 12-14
windows of 14 codes (168-196 codes, most 182), as the tokenizer writes them. The unknown
action is left out of training; known sequences of held-out videos are the "known" comparison.

Speed (default), in one run, with one torch thread (the policy, core/encoder/threads.py), on
four bundles: HDBSCAN and Bayesian GMM over the encoder (with the pipeline's kNN novelty), the
GMM one with the encoder's unknown detector (the deployed default voices), and a
GMM over the deployment's multi-view (encoder + LSA + digit statistics) with that detector:
  loaded    the bundle loaded once; per call p50/p99 wall and CPU-time p50 of one sequence of
            16, 48, 182 and 400 codes (held-out real sequences, cut or tiled; the model cuts
            past its max_len as in training), three ways, alternating call by call:
              score_one        the plain-dict single-sequence path
              score_codes      the same scores as a one-row frame
              before           ``score_sequences`` of the reader's one-row table (the
                               single-sequence path before #15's lean path)
            then sequences/s for batches of 1,000 (wall, and per CPU second)
  steps of one 182-code call, same bundle, same run:
    cluster step         the library calls scoring made before (GMM: predict_proba twice
                         and score_samples; HDBSCAN: three prediction functions) against
                         ``assign_with_membership`` (one pass)
    encoder + surprisal  (bundles with the unknown detector) the two forwards scoring ran
                         before (``embed``, then the model again and a log-softmax over
                         every step) against ``embed_with_surprisal`` (one forward); then
                         sequences per CPU second of both on 256 held-out sequences, the one
                         forward at several output-layer chunk sizes (surprisal.HEAD_STEPS)
  old-tool-like baselines, same bundle, same run:
    reload per call      every call reads the bundle file again (verify hash, unpickle,
                         rebuild the encoder), then scores one sequence, as the old script did
    padded forward       the encoder step alone as the old tool ran it: the sequence padded
                         to max_len through nn.LSTM, mean over its valid steps
    table loop           the encoder step alone through the token-table step loop (what
                         scored single sequences before the kernel choice in inference.py)
    project              the encoder step alone as ``embed`` runs it now

Quality (``--quality``): per clusterer (HDBSCAN, Bayesian GMM) the parity of
score_sequences with the fit labels, the share of unknown-action and held-out known
sequences flagged unknown, and the AUROC of every unknown_score definition.

HDBSCAN growth (``--hdbscan-growth``): CPU ms of one point's prediction on 1k/5k/20k
training points, hdbscan's three prediction functions against the one pass.

Usage: python benchmarks/scoring_benchmark.py [--quality | --hdbscan-growth] [--sequences 2000]
       [--epochs 2]
Prints figures; no assertions. Prints the load average: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def synthetic_table(n: int, seed: int):
    try:
        from motion_assets.core.synthetic import synthetic_sequence_table
    except ImportError:
        from motion_assets.core.synthetic.table import synthetic_sequence_table
    from motion_assets.core.sequences.table import unique_sequences

    table = synthetic_sequence_table(n, seed, min_windows=12, max_windows=14)  # real length
    return unique_sequences(table).reset_index(drop=True)


def split(table, held_out_share: float = 0.3):
    """(training: known rows of the earlier videos, held-out known rows, unknown-action rows
    of the later, held-out videos): new videos, as online scoring meets them."""
    videos = list(dict.fromkeys(table["video"]))  # recording order
    early = table["video"].isin(videos[: round((1 - held_out_share) * len(videos))]).to_numpy()
    unknown = table["is_unknown"].to_numpy()
    return (table[early & ~unknown].reset_index(drop=True),
            table[~early & ~unknown].reset_index(drop=True),
            table[~early & unknown].reset_index(drop=True))


def fit_bundles(training, d_model: int, epochs: int, seed: int, target_share: float | None,
                output_head: str | None = None):
    """One trained encoder (``output_head``: its next-code head, default the config's), and
    a calibrated bundle per clusterer kind: {kind: bundle}."""
    import dataclasses

    from motion_assets.core.clustering.pipeline import make_clusterer
    from motion_assets.core.encoder.config import SequenceEmbedConfig
    from motion_assets.core.encoder.featurizer import EncoderFeaturizer
    from motion_assets.core.scoring.bundle import make_scoring_bundle
    from motion_assets.core.scoring.calibration import calibrated_bundle
    from motion_assets.core.scoring.deployment_candidates import deployable_featurizers
    from motion_assets.core.scoring.unknown_detector import DEFAULT_VOICES, UnknownDetector
    from motion_assets.core.sequences.facts import table_levels
    from motion_assets.core.sequences.overlap import featurizer_sequences

    config = SequenceEmbedConfig.from_dict({
        "seed": seed, "codebook_size": int(training["codebook_size"].iloc[0]),
        "model": {"d_model": d_model, **({"output_head": output_head} if output_head else {})},
        "objective": {"task": "ntp"},
        "train": {"epochs": epochs, "device": "cpu", "patience": epochs},
    })
    started = time.perf_counter()
    featurizer = EncoderFeaturizer(config).fit(training)
    print(f"encoder: ntp d_model {d_model}, {featurizer.model_.config.model.output_head} head, "
          f"{epochs} epochs on {len(training)} sequences in {time.perf_counter() - started:.1f} s")
    features = featurizer.transform(training)
    bundles = {}
    for kind in ("hdbscan", "bayes_gmm"):
        started = time.perf_counter()
        pipeline = make_clusterer(kind).fit(features)
        bundle = make_scoring_bundle(
            featurizer, pipeline, variant="synthetic", codebook_size=config.codebook_size,
            codebook_levels=table_levels(training),
            codes_per_window=int(training["codes_per_window"].iloc[0]),
            training_rows=len(training))
        if target_share is not None:
            bundle = calibrated_bundle(bundle, training, target_share)
        print(f"{kind}: {pipeline.n_clusters_} clusters, noise "
              f"{(pipeline.labels_ < 0).mean():.3f}, fit {time.perf_counter() - started:.1f} s")
        bundles[kind] = bundle
    started = time.perf_counter()  # the deployed default's unknown evidence on the GMM bundle
    # the default voices, and the transitions voice fitted beside them to time it (_detector_step)
    detector = UnknownDetector((*DEFAULT_VOICES, "transitions")).fit(
        featurizer.model_, featurizer_sequences(training),
        groups=training["video"].to_numpy()).with_voices(DEFAULT_VOICES)
    bundles["bayes_gmm + unknown detector"] = dataclasses.replace(
        bundles["bayes_gmm"], encoder=featurizer.model_, unknown_detector=detector)
    print(f"unknown detector ({', '.join(detector.voice_names)}): fit "
          f"{time.perf_counter() - started:.1f} s")
    # the deployment's multi-view (encoder + LSA + digit statistics) with the same detector
    multi_view = deployable_featurizers(training, featurizer.model_)[-1]
    pipeline = make_clusterer("bayes_gmm", with_novelty=False).fit(multi_view.transform(training))
    bundles["multi_view bayes_gmm + unknown detector"] = dataclasses.replace(
        bundles["bayes_gmm + unknown detector"], featurizer=multi_view, pipeline=pipeline)
    return bundles


def quality(args) -> None:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from motion_assets.core.scoring.score import score_sequences
    from motion_assets.core.scoring.unknown import UNKNOWN_SCORES

    table = synthetic_table(args.sequences, args.seed)
    training, held_known, unknown = split(table)
    print(f"rows: training {len(training)}, held-out known {len(held_known)}, "
          f"unknown action {len(unknown)}")
    bundles = fit_bundles(training, args.d_model, args.epochs, args.seed, args.target_share)
    for kind, bundle in bundles.items():
        labels = bundle.pipeline.labels_
        fit = score_sequences(bundle, training)
        clustered = labels >= 0
        agreement = (fit["cluster"].to_numpy() == labels)
        t = bundle.thresholds
        print(f"\n[{kind}] parity with fit labels: all {agreement.mean():.4f}, "
              f"non-noise {agreement[clustered].mean():.4f}; threshold {t.probability:.4f} "
              f"({t.method}, configured {t.configured}, training unknown "
              f"{fit['unknown'].mean():.3f})")
        known_scores = score_sequences(bundle, held_known)
        unknown_scores = score_sequences(bundle, unknown)
        print(f"  unknown flag: unknown action {unknown_scores['unknown'].mean():.3f}, "
              f"held-out known {known_scores['unknown'].mean():.3f}, "
              f"noise: unknown action {unknown_scores['is_noise'].mean():.3f}, "
              f"held-out known {known_scores['is_noise'].mean():.3f}")
        truth = np.r_[np.zeros(len(known_scores)), np.ones(len(unknown_scores))]
        both = [known_scores, unknown_scores]
        for name, score in UNKNOWN_SCORES.items():
            values = np.concatenate([
                score(s["probability"].to_numpy(), s["soft_probability"].to_numpy(),
                      s["outlier_score"].to_numpy(), s["is_noise"].to_numpy()) for s in both])
            print(f"  AUROC {name:26s} {roc_auc_score(truth, values):.3f}")


def speed(args) -> None:
    os.environ["MOTION_ASSETS_TORCH_THREADS"] = str(args.torch_threads)
    training, singles, new, batch = _timing_data(args)
    bundles = fit_bundles(training, args.d_model, args.epochs, args.seed, None, args.output_head)
    print(f"timed on {len(singles[182])} held-out sequences of 182 codes; load average "
          f"{os.getloadavg()[0]:.1f} before timing")
    with tempfile.TemporaryDirectory() as folder:
        for kind, built in bundles.items():
            _speed_one(kind, built, os.path.join(folder, f"{kind}.bundle"), singles, new, batch,
                       max(5, args.calls // 10))
    print(f"load average after timing: {os.getloadavg()[0]:.1f}")


LENGTHS = (16, 48, 182, 400)  # codes per single sequence timed


def _timing_data(args):
    """(training rows, {length: held-out single sequences}, held-out rows, a batch of 1,000)."""
    import numpy as np
    import pandas as pd

    table = synthetic_table(args.sequences, args.seed)
    training, held_known, unknown = split(table)
    new = pd.concat([held_known, unknown], ignore_index=True)
    real = [np.asarray(c) for c in new["codes"] if len(c) == 182][: args.calls]
    singles = {length: [_resized(codes, length) for codes in real] for length in LENGTHS}
    batch = new.sample(1000, replace=len(new) < 1000, random_state=0).reset_index(drop=True)
    return training, singles, new, batch


def heads(args) -> None:
    """The deployed default's bundle (GMM + unknown detector) with each next-code head,
    trained on the same rows with the same seed, timed alternating call by call: score_one
    per length, the encoder + surprisal step, the numpy runtime's embedding + surprisal (the
    CLI's), and batches of 1,000 (alternating batch by batch)."""
    import numpy as np

    from motion_assets.core.encoder.surprisal import embed_with_surprisal
    from motion_assets.core.scoring.runtime_export import runtime_arrays
    from motion_assets.core.scoring.runtime_model import ScoringRuntime
    from motion_assets.core.scoring.score import score_one, score_sequences

    os.environ["MOTION_ASSETS_TORCH_THREADS"] = str(args.torch_threads)
    training, singles, _, batch = _timing_data(args)
    bundles = {head: fit_bundles(training, args.d_model, args.epochs, args.seed, None,
                                 head)["bayes_gmm + unknown detector"]
               for head in ("codes", "digits")}
    load_before = os.getloadavg()[0]
    runtimes = {head: ScoringRuntime(*runtime_arrays(bundle), "unsaved")  # the CLI's runtime
                for head, bundle in bundles.items()}
    rows, d = {}, bundles["codes"].codes_per_window
    for length, codes in singles.items():
        n = length if length % d else d
        rows.update(_timed({f"score_one {length} codes, {head}":
                            lambda c, b=b, n=n: score_one(b, c, n)
                            for head, b in bundles.items()}, codes))
    arrays = [np.asarray(c) for c in singles[182]]
    rows.update(_timed({f"encoder + surprisal 182 codes, {head}":
                        lambda c, m=b.encoder: embed_with_surprisal(m, [c])
                        for head, b in bundles.items()}, arrays))
    rows.update(_timed({f"numpy runtime embed + surprisal 182, {head}":
                        lambda c, r=r: r.encoder.embed([c])
                        for head, r in runtimes.items()}, arrays))
    cpu = {head: 0.0 for head in bundles}
    wall = dict(cpu)
    repeats = 3
    for _ in range(repeats):
        for head, bundle in bundles.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            score_sequences(bundle, batch)
            wall[head] += time.perf_counter() - started
            cpu[head] += time.process_time() - started_cpu
    print(f"\n[heads] load average {load_before:.1f} before timing, "
          f"{os.getloadavg()[0]:.1f} after; {len(singles[182])} calls per row")
    for name, (p50, p99, cpu_p50) in rows.items():
        print(f"  {name:44s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  cpu p50 {cpu_p50:6.2f} ms")
    for name in [n for n in rows if n.endswith(", codes")]:
        other = name[: -len("codes")] + "digits"
        print(f"  {name[: -len(', codes')]:44s} digits / codes CPU p50 "
              f"{rows[other][2] / rows[name][2]:.2f}, wall p50 {rows[other][0] / rows[name][0]:.2f}")
    for head in bundles:
        print(f"  batches of {len(batch):,} (mean {batch['length'].mean():.0f} codes), {head}: "
              f"{repeats * len(batch) / wall[head]:,.0f} sequences/s wall, "
              f"{repeats * len(batch) / cpu[head]:,.0f} per CPU second")


def _resized(codes, length: int) -> list[int]:
    """A real sequence cut to ``length`` codes, or repeated until it has that many."""
    import numpy as np

    return np.resize(codes, length).tolist()


def _speed_one(kind, built, path, singles, new, batch, reload_calls: int) -> None:
    import numpy as np

    from motion_assets.core.files.verified_pickle import sha256_hex
    from motion_assets.core.scoring.bundle import bundle_from_bytes, bundle_to_bytes
    from motion_assets.core.scoring.score import (
        codes_table,
        score_codes,
        score_one,
        score_sequences,
    )

    data = bundle_to_bytes(built)
    digest = sha256_hex(data)
    with open(path, "wb") as handle:
        handle.write(data)
    bundle = bundle_from_bytes(data, digest)
    d = bundle.codes_per_window
    rows = {}
    for length, codes in singles.items():
        n = length if length % d else d  # one window unless the length splits into windows of d
        rows.update(_timed({  # alternating call by call: the same load for all three
            f"score_one, {length} codes": lambda c, n=n: score_one(bundle, c, n),
            f"score_codes (frame), {length} codes": lambda c, n=n: score_codes(bundle, c, n),
            f"before: one-row table, {length} codes":
                lambda c, n=n: score_sequences(bundle, codes_table(bundle, c, n)),
        }, codes))

    def reload(codes):
        with open(path, "rb") as handle:
            fresh = bundle_from_bytes(handle.read(), digest)
        return score_one(fresh, codes)

    rows.update(_timed({"old-tool-like: reload per call, 182": reload}, singles[182][:reload_calls]))
    rows.update(_encoder_steps(bundle.encoder or bundle.featurizer.model_, singles[182]))
    rows.update(_cluster_steps(bundle, singles[182]))
    if bundle.unknown_detector is not None:
        rows.update(_detector_step(bundle, singles[182]))
    started, started_cpu, repeats = time.perf_counter(), time.process_time(), 3
    for _ in range(repeats):
        score_sequences(bundle, batch)
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(f"\n[{kind}] bundle {len(data) / 1e6:.2f} MB, {bundle.provenance['training_rows']} "
          f"training sequences, model max_len {(bundle.encoder or bundle.featurizer.model_).config.sequence.max_len}")
    for name, (p50, p99, cpu_p50) in rows.items():
        print(f"  {name:40s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  cpu p50 {cpu_p50:6.2f} ms")
    for length in singles:
        before, after = (rows[f"{name}, {length} codes"][2]
                         for name in ("before: one-row table", "score_one"))
        print(f"  {length} codes: score_one {before / after:.2f}x faster than the one-row "
              "table (CPU p50)")
    print(f"  batches of {len(batch):,} (mean {batch['length'].mean():.0f} codes): "
          f"{repeats * len(batch) / wall:,.0f} sequences/s wall, "
          f"{repeats * len(batch) / cpu:,.0f} sequences per CPU second")
    if bundle.unknown_detector is not None:
        batch_surprisal_speed(bundle.encoder, [np.asarray(codes) for codes in batch["codes"][:256]])


def _encoder_steps(model, sequences) -> dict:
    """The encoder step of one 182-code sequence, three ways (module doc)."""
    import numpy as np
    import torch

    from motion_assets.core.encoder.inference import embed, input_gate_tables, pool_equal_lengths
    from motion_assets.core.encoder.length_batches import to_tokens

    max_len = model.config.sequence.max_len
    tables = input_gate_tables(model)

    @torch.inference_mode()
    def padded(codes):
        tokens = torch.zeros(1, max_len, dtype=torch.long)
        tokens[0, : len(codes)] = torch.as_tensor(codes) + 1
        states, _ = model.rnn(model.embed_tokens(tokens))
        return states[:, : len(codes)].mean(1)

    @torch.inference_mode()
    def table_loop(codes):
        return pool_equal_lengths(model, to_tokens([np.asarray(codes)])[0], tables)

    arrays = [np.asarray(codes) for codes in sequences]
    return _timed({"encoder step: padded forward (old)": padded,
                   "encoder step: table loop (before)": table_loop,
                   "encoder step: project embed": lambda c: embed(model, [c])}, arrays)


def _cluster_steps(bundle, sequences) -> dict:
    """The clusterer's step on one 182-code sequence's reduced features: the library calls
    scoring made before (GMM: predict_proba twice and score_samples; HDBSCAN:
    approximate_predict, approximate_predict_scores, membership_vector) and the one pass."""
    import warnings

    import hdbscan
    from hdbscan.prediction import approximate_predict_scores

    from motion_assets.core.encoder.featurizer import EncoderFeaturizer
    from motion_assets.core.encoder.inference import embed
    from motion_assets.core.scoring.score import codes_table

    pipeline, featurizer = bundle.pipeline, bundle.featurizer
    clusterer = pipeline.clusterer

    def features(codes):
        if isinstance(featurizer, EncoderFeaturizer):
            return embed(featurizer.model_, [codes])
        return featurizer.transform(codes_table(bundle, codes))

    reduced = [pipeline.transform(features(codes)) for codes in sequences]

    def library(features):
        if clusterer.name == "hdbscan":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return (hdbscan.approximate_predict(clusterer.model_, features),
                        approximate_predict_scores(clusterer.model_, features),
                        hdbscan.membership_vector(clusterer.model_, features))
        return (clusterer.model_.predict_proba(features), clusterer.model_.score_samples(features),
                clusterer.model_.predict_proba(features))

    return _timed({"cluster step: library calls (before)": library,
                   "cluster step: one pass (assign_with_membership)":
                       clusterer.assign_with_membership}, reduced)


def _detector_step(bundle, sequences) -> dict:
    """One 182-code sequence's encoder step with the surprisal: the two forwards scoring ran
    before (``embed``, then the model again with a log-softmax over every step) against
    ``embed_with_surprisal``; and the detector's voices, embedding and surprisal given."""
    import numpy as np

    from motion_assets.core.encoder.inference import embed
    from motion_assets.core.encoder.surprisal import embed_with_surprisal

    model, detector = bundle.encoder, bundle.unknown_detector
    arrays = [np.asarray(codes, dtype=np.int64) for codes in sequences]
    given = {id(codes): embed_with_surprisal(model, [codes]) for codes in arrays}
    transitions = detector.with_voices(("surprisal", "transitions"))
    return _timed({
        "encoder + surprisal: two forwards (before)":
            lambda codes: (embed(model, [codes]), _two_pass_surprisal(model, [codes])),
        "encoder + surprisal: one forward": lambda codes: embed_with_surprisal(model, [codes]),
        "unknown detector voices (both given)":
            lambda codes: detector.voices(model, [codes], *given[id(codes)]),
        "surprisal + transitions voices (both given)":
            lambda codes: transitions.voices(model, [codes], *given[id(codes)]),
    }, arrays)


def _two_pass_surprisal(model, sequences):
    """The surprisal as scoring computed it before one forward served both: the model run
    again, then the log-probabilities of every code at every step, the target's picked."""
    import torch

    from motion_assets.core.encoder.length_batches import to_tokens

    with torch.inference_mode():
        tokens, lengths = to_tokens(sequences)
        states, _ = model(tokens, lengths)
        log_p = model.head.log_probs(states[:, :-1]).float()
        return (-log_p.gather(2, (tokens[:, 1:] - 1)[..., None])[..., 0].mean(dim=1)).numpy()


def batch_surprisal_speed(model, sequences, repeats: int = 3) -> None:
    """Sequences per CPU second of ``embed_with_surprisal`` on batches of the held-out
    sequences, per size of the output layer's step chunk (surprisal.HEAD_STEPS), against
    the two forwards before (in its batches of 64)."""
    from motion_assets.core.encoder import surprisal
    from motion_assets.core.encoder.inference import embed
    from motion_assets.core.encoder.length_batches import bucket_batches

    def two_forwards():
        embed(model, sequences)
        lengths = [len(codes) for codes in sequences]
        for batch in bucket_batches(lengths, 64):
            _two_pass_surprisal(model, [sequences[i] for i in batch])

    runs = {"two forwards (before)": two_forwards}
    default = surprisal.HEAD_STEPS
    for steps in (64, 256, 1024, 4096):
        runs[f"one forward, HEAD_STEPS {steps}"] = lambda steps=steps: (
            setattr(surprisal, "HEAD_STEPS", steps), surprisal.embed_with_surprisal(model, sequences))
    try:
        for name, run in runs.items():
            started = time.process_time()
            for _ in range(repeats):
                run()
            print(f"  embedding + surprisal of {len(sequences)} sequences, {name:30s} "
                  f"{repeats * len(sequences) / (time.process_time() - started):7,.0f} "
                  "sequences per CPU second")
    finally:
        surprisal.HEAD_STEPS = default


def _timed(calls: dict, inputs) -> dict[str, tuple[float, float, float]]:
    """Per call name: wall-clock p50 and p99 and CPU-time p50 (ms) over ``inputs``; the
    calls alternate input by input, so load from other processes falls on all alike."""
    import numpy as np

    wall = {name: [] for name in calls}
    cpu = {name: [] for name in calls}
    for item in inputs:
        for name, call in calls.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            call(item)
            wall[name].append((time.perf_counter() - started) * 1e3)
            cpu[name].append((time.process_time() - started_cpu) * 1e3)
    return {name: (float(np.percentile(wall[name], 50)), float(np.percentile(wall[name], 99)),
                   float(np.percentile(cpu[name], 50))) for name in calls}


def hdbscan_growth(args) -> None:
    """CPU ms of one point's HDBSCAN prediction as the training set grows: hdbscan's three
    prediction functions against the one pass (core/clustering/hdbscan_prediction.py)."""
    import warnings

    import hdbscan
    from hdbscan.prediction import approximate_predict_scores
    from sklearn.datasets import make_blobs

    from motion_assets.core.clustering.hdbscan_prediction import prediction_for

    for n in (1000, 5000, 20000):
        points, _ = make_blobs(n, centers=6, n_features=16, random_state=args.seed)
        model = hdbscan.HDBSCAN(min_cluster_size=60, min_samples=1, prediction_data=True).fit(points)
        query = points[:1] + 0.01

        def library(_, model=model, query=query):
            hdbscan.approximate_predict(model, query)
            approximate_predict_scores(model, query)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                hdbscan.membership_vector(model, query)

        def one_pass(_, model=model, query=query):
            prediction_for(model).predict(query)  # built on the first call, cached after

        timed = _timed({"library": library, "one pass": one_pass}, range(args.calls))
        print(f"{n:6,} training points: hdbscan's three calls {timed['library'][2]:.2f} ms, "
              f"one pass {timed['one pass'][2]:.2f} ms (CPU p50)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", action="store_true", help="AUROC and parity, not speed")
    parser.add_argument("--hdbscan-growth", action="store_true",
                        help="HDBSCAN prediction cost against the training size, not speed")
    parser.add_argument("--heads", action="store_true",
                        help="the GMM + detector bundle with each next-code head, alternating")
    parser.add_argument("--output-head", choices=("codes", "digits"),
                        help="model.output_head of the encoder (default: the config's)")
    parser.add_argument("--sequences", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--calls", type=int, default=300, help="single-sequence calls timed")
    parser.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP threads")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--target-share", type=float, default=0.05,
                        help="calibrate the threshold to this training unknown share "
                             "(quality mode); negative: keep the configured threshold")
    args = parser.parse_args()
    if args.target_share is not None and args.target_share < 0:
        args.target_share = None
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(args.threads))
    (quality if args.quality else hdbscan_growth if args.hdbscan_growth
     else heads if args.heads else speed)(args)


if __name__ == "__main__":
    main()
