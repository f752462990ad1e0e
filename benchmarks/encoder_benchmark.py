"""Encoder benchmark on a synthetic variant: speed against a padded baseline, and which
featurizer (each encoder objective, each baseline) gives the best KMeans clusters.

    python benchmarks/encoder_benchmark.py            # 20,000 sequences, several minutes
    python benchmarks/encoder_benchmark.py --n 3000   # a quick look
    python benchmarks/encoder_benchmark.py --kernels  # which inference kernel per batch shape
    python benchmarks/encoder_benchmark.py --thread-policy  # 1 vs 2 torch threads, contended,
        # OpenMP's waiting threads spinning and asleep
    python benchmarks/encoder_benchmark.py --heads --n 5000 --d-model 128  # codes vs digits head
    python benchmarks/encoder_benchmark.py --n 4000 --budgets 20:0.002 14:0.004 14:0.002
    python benchmarks/encoder_benchmark.py --n 10000 --skip speed --only encoder_ntp \
        --train-samples 1000,2500,5000   # trained on a sample, every sequence embedded

Prints figures only; nothing is asserted. Throughput counts real codes (not padding).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from torch.utils.data import DataLoader, Dataset

from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.encoder.inference import (
    embed,
    input_gate_tables,
    pool_equal_lengths,
    uses_table_kernel,
)
from motion_assets.core.encoder.length_batches import to_tokens, truncate
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.training import evaluate, resolve_config, train_encoder
from motion_assets.core.features.featurizers import (
    BagOfCodesTfidf,
    CodeNgramTfidf,
    DigitStatistics,
    MeanLatent,
    rows_without_mean_latent,
)
from motion_assets.core.sequences.overlap import featurizer_sequences
from motion_assets.core.sequences.table import unique_sequences

try:
    from motion_assets.core.synthetic.table import synthetic_sequence_table
except ImportError:  # the synthetic package is not there yet: see structured_fallback_table
    synthetic_sequence_table = None


def structured_fallback_table(n: int, seed: int, k: int = 2048, actions: int = 8) -> pd.DataFrame:
    """NOT the synthetic variant: per action a sparse Markov chain over codes, lengths 14 x
    (2..5) windows, so next codes are partly predictable. Only for speed figures."""
    rng = np.random.default_rng(seed)
    successors = rng.integers(0, k, (actions, k, 4))
    action = rng.integers(0, actions, n)
    codes = []
    for a, windows in zip(action, rng.integers(2, 6, n)):
        chain = [int(rng.integers(0, k))]
        for _ in range(14 * windows - 1):
            chain.append(int(successors[a, chain[-1], rng.integers(0, 4)]))
        codes.append(np.array(chain))
    return pd.DataFrame(
        {
            "codes": codes,
            "length": [len(c) for c in codes],
            "action": [f"action_{a}" for a in action],
            "is_unknown": False,
            "duplicate_of": None,
        }
    )


class PaddedCodes(Dataset):
    """The straightforward way: every sample padded to max_len, one at a time."""

    def __init__(self, sequences, max_len):
        self.sequences, self.max_len = sequences, max_len

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, i):
        codes = self.sequences[i]
        tokens = torch.zeros(self.max_len, dtype=torch.long)
        tokens[: len(codes)] = torch.as_tensor(codes) + 1
        return tokens, len(codes)


def padded_forward(model, tokens, lengths):
    """The same model run over the whole padded width (no packing, no buckets)."""
    states, _ = model.rnn(model.embed_tokens(tokens))
    states = model.dropout(states)
    valid = torch.arange(tokens.shape[1])[None, :] < lengths[:, None]
    pooled = (states * valid[..., None]).sum(1) / lengths[:, None]
    return states, pooled


def train_padded(train, val, config, epochs):
    """Next-code training the straightforward way (the old tool's: a softmax over every
    code); the loss ignores padding targets."""
    config = dataclasses.replace(config, model=dataclasses.replace(config.model, output_head="codes"))
    torch.manual_seed(config.seed)
    model = SequenceEncoder(config)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.train.lr, weight_decay=config.train.weight_decay
    )
    loader = DataLoader(
        PaddedCodes(train, config.sequence.max_len),
        batch_size=config.train.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(config.seed),
    )
    started = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for tokens, lengths in loader:
            states, _ = padded_forward(model, tokens, lengths)
            logits = model.head(states[:, :-1])
            targets = tokens[:, 1:] - 1  # padding becomes -1, ignored
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.train.clip_grad_norm)
            optimizer.step()
    seconds = time.perf_counter() - started
    tokens_per_s = epochs * sum(len(s) for s in train) / seconds
    return model.eval(), tokens_per_s, evaluate(model, val, config)


@torch.no_grad()
def embed_padded(model, sequences, config):
    loader = DataLoader(
        PaddedCodes(sequences, config.sequence.max_len), batch_size=config.train.batch_size
    )
    model.eval()
    return np.concatenate([padded_forward(model, t, n)[1].numpy() for t, n in loader])


def speed(table, config, epochs):
    sequences = featurizer_sequences(unique_sequences(table))
    config = resolve_config(config, sequences)
    sequences, _ = truncate(sequences, config.sequence.max_len)
    order = np.random.default_rng(config.seed).permutation(len(sequences))
    n_val = round(config.train.val_split * len(sequences))
    val = [sequences[i] for i in order[:n_val]]
    train = [sequences[i] for i in order[n_val:]]
    print(
        f"\n== speed: next-code training, {epochs} epochs on {len(train)} sequences, "
        f"max_len {config.sequence.max_len}, mean length {np.mean([len(s) for s in train]):.1f}"
    )
    rows = {}
    for batching, precision in (("bucket", "float32"), ("pack", "float32"), ("bucket", "bfloat16")):
        run = dataclasses.replace(config, train=dataclasses.replace(
            config.train, batching=batching, epochs=epochs, val_split=0.0, precision=precision))
        result = train_encoder(train, run)
        tokens_per_s = np.mean([h["tokens_per_s"] for h in result.history])
        name = f"project ({batching}{', bf16' if precision == 'bfloat16' else ''})"
        rows[name] = (result.model, tokens_per_s, evaluate(result.model, val, config))
    model, tokens_per_s, val_loss = train_padded(train, val, config, epochs)
    rows["padded baseline"] = (model, tokens_per_s, val_loss)
    base = rows["padded baseline"][1]
    print(f"{'implementation':20s} {'tokens/s':>10s} {'ratio':>6s} {'val loss':>9s}")
    for name, (_, rate, loss) in rows.items():
        print(f"{name:20s} {rate:10.0f} {rate / base:6.2f} {loss:9.4f}")

    model = rows["project (bucket)"][0]
    started = time.perf_counter()
    ours = embed(model, sequences)
    ours_rate = len(sequences) / (time.perf_counter() - started)
    started = time.perf_counter()
    theirs = embed_padded(model, sequences, config)
    theirs_rate = len(sequences) / (time.perf_counter() - started)
    same = np.allclose(ours, F.normalize(torch.as_tensor(theirs), dim=1).numpy(), atol=1e-4)
    model.config = dataclasses.replace(
        model.config, train=dataclasses.replace(model.config.train, precision="bfloat16"))
    started = time.perf_counter()
    low = embed(model, sequences)
    low_rate = len(sequences) / (time.perf_counter() - started)
    model.config = dataclasses.replace(
        model.config, train=dataclasses.replace(model.config.train, precision="float32"))
    cosine = float(np.mean(np.sum(low * ours, axis=1)))
    print(
        f"embedding: padded baseline {theirs_rate:.0f} seq/s; project {ours_rate:.0f} seq/s "
        f"({ours_rate / theirs_rate:.1f}x, same vectors: {same}); project bf16 {low_rate:.0f} "
        f"seq/s ({low_rate / theirs_rate:.1f}x, mean cosine to float32 {cosine:.4f})"
    )


def head_speed(table, config, epochs: int, rounds: int) -> None:
    """Next-code training with each output head (core/encoder/heads.py), same sequences,
    same seed, alternating run by run: tokens per wall and per CPU second, the validation
    loss (nats per predicted code: both heads are exact distributions over the K ids), and
    seconds per 10k clips for the config's epochs (epochs cost alike; early stopping aside)."""
    sequences = featurizer_sequences(unique_sequences(table))
    order = np.random.default_rng(config.seed).permutation(len(sequences))
    n_val = round(config.train.val_split * len(sequences))
    val = [sequences[i] for i in order[:n_val]]
    train = [sequences[i] for i in order[n_val:]]
    print(f"\n== output heads: {epochs} epochs on {len(train)} sequences (mean length "
          f"{np.mean([len(s) for s in train]):.1f}), d_model {config.model.d_model}, {rounds} "
          f"rounds alternating; load average {os.getloadavg()[0]:.1f} before")
    runs = {head: [] for head in ("codes", "digits")}

    def config_of(head, epochs):
        return dataclasses.replace(
            config, model=dataclasses.replace(config.model, output_head=head),
            train=dataclasses.replace(config.train, epochs=epochs, val_split=0.0))

    for head in runs:  # warm-up: the first training of a process pays one-off set-up costs
        train_encoder(train[:128], config_of(head, 1))
    for _ in range(rounds):
        for head, measured in runs.items():
            run = config_of(head, epochs)
            started, started_cpu = time.perf_counter(), time.process_time()
            result = train_encoder(train, run)
            wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
            tokens = epochs * sum(len(s) for s in train)
            measured.append((tokens / wall, tokens / cpu, cpu / epochs * 10_000 / len(train),
                             evaluate(result.model, val, result.config)))
            print(f"  {head:6s} {tokens / wall:9,.0f} tokens/s wall {tokens / cpu:9,.0f} per CPU s"
                  f"  val loss {measured[-1][3]:.4f}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    full = config.train.epochs
    for head, rows in runs.items():
        rate, per_cpu, epoch_cpu, loss = (np.median([r[i] for r in rows]) for i in range(4))
        print(f"{head:6s} median {rate:9,.0f} tokens/s wall, {per_cpu:9,.0f} per CPU second, "
              f"val loss {loss:.4f}; {full} epochs per 10k clips: {full * epoch_cpu:,.0f} CPU s")
    ratios = [d[1] / c[1] for c, d in zip(runs["codes"], runs["digits"])]
    print(f"digits / codes tokens per CPU second, per round: "
          f"{', '.join(f'{r:.2f}' for r in ratios)}")


def kernels(d_models, lengths, rows, rnn_types, seed=0):
    """CPU time per equal-length batch of the two inference kernels (inference.py), timed
    alternately so load from other processes hits both alike; 'chosen' is embed's pick."""
    rng = np.random.default_rng(seed)
    print("\n== inference kernels: CPU ms per batch (median), random weights and codes")
    print(f"{'rnn':4s} {'H':>4s} {'codes':>5s} {'rows':>5s} {'table':>9s} {'nn fwd':>9s} "
          f"{'table/nn':>8s}  faster  chosen")
    for rnn_type in rnn_types:
        for d in d_models:
            config = SequenceEmbedConfig.from_dict({
                "codebook_size": 2048, "codebook_levels": [8, 8, 8, 4],
                "sequence": {"max_len": max(lengths)},
                "model": {"d_model": d, "rnn_type": rnn_type}})
            model = SequenceEncoder(config).eval()
            tables = input_gate_tables(model)
            for length in lengths:
                for n in rows:
                    tokens, batch_lengths = to_tokens(
                        [rng.integers(0, 2048, length) for _ in range(n)])
                    table_ms, nn_ms = _kernel_ms(model, tables, tokens, batch_lengths)
                    chosen = "table" if uses_table_kernel(model, n) else "nn"
                    print(f"{rnn_type:4s} {d:4d} {length:5d} {n:5d} {table_ms:9.3f} {nn_ms:9.3f} "
                          f"{table_ms / nn_ms:8.2f}  {'table' if table_ms < nn_ms else 'nn':6s}  "
                          f"{chosen}", flush=True)


def training_budgets(n: int, cap: int, seeds: list[int], budgets: list[str]) -> None:
    """Validation loss and KMeans ARI of encoders trained at each ``epochs:lr`` budget on the
    hard generator (nuisance factors; ``cap`` sequences drawn per epoch, as a large variant's
    ``train.max_sequences`` draws), per seed."""
    from motion_assets.core.synthetic import SyntheticSpec

    print(f"\n== training budgets: SyntheticSpec.hard, {n} segments, {cap} drawn per epoch")
    for seed in seeds:
        hard = SyntheticSpec.hard(seed)
        table = synthetic_sequence_table(n, seed=seed, **{
            f.name: getattr(hard, f.name) for f in dataclasses.fields(hard) if f.name != "seed"})
        table = table[table["duplicate_of"].isna()].reset_index(drop=True)
        codes = [np.asarray(c, dtype=np.int64) for c in table["codes"]]
        known = ~table["is_unknown"].to_numpy()
        labels = table["action"].to_numpy()[known]
        for budget in budgets:
            epochs, lr = budget.split(":")
            config = SequenceEmbedConfig.from_dict({"seed": seed, "train": {
                "epochs": int(epochs), "lr": float(lr), "max_sequences": cap}})
            started = time.process_time()
            result = train_encoder(codes, config)
            cpu = time.process_time() - started
            vectors = embed(result.model, codes)[known]
            ari = np.mean([adjusted_rand_score(labels, KMeans(
                len(set(labels)), n_init=4, random_state=r).fit_predict(vectors)) for r in (0, 1)])
            print(f"seed {seed} ({len(codes)} unique) {epochs} epochs, lr {lr}: val "
                  f"{min(h['val_loss'] for h in result.history):.4f}, KMeans ARI {ari:.3f}, "
                  f"train CPU {cpu:.0f} s", flush=True)


def thread_policies(d_model: int) -> None:
    """:func:`thread_policy` under each OpenMP wait policy (read once, when torch loads, so
    each in a process of its own) at a synthetic variant's length (50) and a real one (182)."""
    for wait in ("ACTIVE", "PASSIVE"):
        for length in (50, 182):
            subprocess.run([sys.executable, __file__, "--thread-policy-child", str(length),
                            "--d-model", str(d_model)],
                           env=os.environ | {"OMP_WAIT_POLICY": wait}, check=True)


def thread_policy(d_model: int, length: int = 182, seed: int = 0):
    """Wall time at 1 and 2 torch threads, on a quiet machine and with one and two more
    processes spinning on a core: one sequence's forward, embedding a batch, training steps."""
    from motion_assets.core.encoder.objectives import objective_loss

    config = SequenceEmbedConfig.from_dict({
        "seed": seed, "codebook_size": 2048, "codebook_levels": [8, 8, 8, 4],
        "sequence": {"max_len": length}, "model": {"d_model": d_model}})
    model = SequenceEncoder(config)
    rng = np.random.default_rng(seed)
    one = to_tokens([rng.integers(0, 2048, length)])
    batch = [rng.integers(0, 2048, length) for _ in range(256)]
    train_tokens = to_tokens(batch[:64])
    optimizer = torch.optim.AdamW(model.parameters())
    noise = torch.Generator().manual_seed(seed)

    def single_ms():
        model.eval()
        times = []
        with torch.inference_mode():
            for _ in range(40):
                started = time.perf_counter()
                model(*one)
                times.append(1e3 * (time.perf_counter() - started))
        return np.percentile(times, 50), np.percentile(times, 99)

    def embed_per_s():
        started = time.perf_counter()
        embed(model, batch)
        return len(batch) / (time.perf_counter() - started)

    def train_step_ms(steps=5):
        model.train()
        started = time.perf_counter()
        for _ in range(steps):
            loss = objective_loss(model, *train_tokens, noise)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return 1e3 * (time.perf_counter() - started) / steps

    print(f"\n== thread policy: OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY')}, d_model "
          f"{d_model}, {length} codes; load before: {os.getloadavg()[0]:.1f}")
    print(f"{'threads':>7s} {'busy cores':>10s} {'one seq p50 / p99 ms':>21s} "
          f"{'embed 256 seq/s':>15s} {'train step ms (64 seq)':>22s}")
    for busy in (0, 1, 2):
        spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                    for _ in range(busy)]
        try:
            for threads in (1, 2, 1, 2):  # twice each, alternating: the load drifts
                os.environ["MOTION_ASSETS_TORCH_THREADS"] = str(threads)
                torch.set_num_threads(threads)
                single_ms()  # warm-up at this thread count
                p50, p99 = single_ms()
                print(f"{threads:7d} {busy:10d} {p50:10.2f} / {p99:8.2f} "
                      f"{embed_per_s():15.0f} {train_step_ms():22.1f}", flush=True)
        finally:
            for spinner in spinners:
                spinner.kill()
                spinner.wait()
    os.environ.pop("MOTION_ASSETS_TORCH_THREADS")


def _kernel_ms(model, tables, tokens, lengths) -> tuple[float, float]:
    calls = {"table": lambda: pool_equal_lengths(model, tokens, tables),
             "nn": lambda: model(tokens, lengths)[1]}
    seconds = {name: [] for name in calls}
    with torch.inference_mode():
        for call in calls.values():
            call()
        for _ in range(max(3, int(2000 / (tokens.shape[1] * len(tokens) ** 0.5)))):
            for name, call in calls.items():
                started = time.process_time()
                call()
                seconds[name].append(time.process_time() - started)
    return tuple(1e3 * float(np.median(seconds[k])) for k in calls)


def quality(table, featurizers):
    known = ~table["is_unknown"].to_numpy()
    labels = table["action"].to_numpy()[known]
    k = len(set(labels))
    print(
        f"\n== KMeans (k = {k} known actions) on {known.sum()} known-action rows "
        f"(fit on all {len(table)} rows)"
    )
    print(f"{'featurizer':32s} {'ARI':>6s} {'NMI':>6s} {'fit s':>7s}")
    for label, featurizer in featurizers:
        started = time.perf_counter()
        try:
            features = featurizer.fit(table).transform(table)
        except ValueError as error:
            print(f"{label:32s}  n/a: {error}")
            continue
        seconds = time.perf_counter() - started
        predicted = KMeans(k, n_init=4, random_state=0).fit_predict(features[known])
        ari = adjusted_rand_score(labels, predicted)
        nmi = normalized_mutual_info_score(labels, predicted)
        extra = ""
        result = getattr(featurizer, "result_", None)
        if result is not None:
            extra = (
                f" (epochs {len(result.history)}, best {result.best_epoch}, "
                f"val {result.history[result.best_epoch - 1]['val_loss']:.3f})"
            )
        print(f"{label:32s} {ari:6.3f} {nmi:6.3f} {seconds:7.1f}{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="sequences to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--speed-epochs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20, help="encoder epochs cap (early stop)")
    parser.add_argument("--d-model", type=int, default=None)
    parser.add_argument("--only", default="", help="comma-separated encoder label parts")
    parser.add_argument("--skip", choices=["speed", "quality"], default=None)
    parser.add_argument("--train-samples", default="",
                        help="comma-separated train.max_sequences caps: adds encoder_ntp trained "
                        "on each (all sequences still embedded and clustered)")
    parser.add_argument("--kernels", action="store_true",
                        help="only time the two inference kernels per batch shape")
    parser.add_argument("--heads", action="store_true",
                        help="only next-code training with each output head, alternating")
    parser.add_argument("--rounds", type=int, default=3, help="--heads: runs per head")
    parser.add_argument("--thread-policy", action="store_true",
                        help="only time 1 vs 2 torch threads, quiet and with busy cores, "
                             "under each OpenMP wait policy")
    parser.add_argument("--thread-policy-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--budgets", nargs="*", metavar="EPOCHS:LR",
                        help="only compare training budgets on the hard generator "
                             "(--n segments, --train-cap drawn per epoch, --seeds)")
    parser.add_argument("--train-cap", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    args = parser.parse_args()
    os.environ["MOTION_ASSETS_TORCH_THREADS"] = str(args.threads)  # the policy (threads.py)
    torch.set_num_threads(args.threads)
    if args.thread_policy:
        thread_policies(args.d_model or 128)
        return
    if args.budgets:
        training_budgets(args.n, args.train_cap, args.seeds, args.budgets)
        return
    if args.thread_policy_child:
        thread_policy(args.d_model or 128, args.thread_policy_child)
        return
    if args.kernels:
        kernels([args.d_model] if args.d_model else [64, 128, 256], [16, 48, 182, 400],
                [1, 4, 16, 32, 64, 128, 256], ["lstm", "gru"])
        return

    if synthetic_sequence_table is not None:
        table, source = synthetic_sequence_table(args.n, seed=args.seed), "synthetic variant"
    else:
        table = structured_fallback_table(args.n, args.seed)
        source = "FALLBACK random Markov sequences (motion_assets.core.synthetic not importable)"
    table = table[table["duplicate_of"].isna()].reset_index(drop=True)
    print(
        f"{source}: {len(table)} unique sequences, {table['action'].nunique()} actions, "
        f"lengths {sorted(table['length'].unique().tolist())}, torch threads {args.threads}"
    )

    def config(**sections):
        base = {"seed": args.seed, "train": {"epochs": args.epochs}}
        if args.d_model:
            base["model"] = {"d_model": args.d_model}
        for name, values in sections.items():
            base[name] = {**base.get(name, {}), **values}
        return SequenceEmbedConfig.from_dict(base)

    if args.heads:
        head_speed(table, config(), args.speed_epochs, args.rounds)
        return
    if args.skip != "speed":
        speed(table, config(), args.speed_epochs)
    if args.skip == "quality":
        return
    baselines = [
        BagOfCodesTfidf(),
        BagOfCodesTfidf(remove_overlap=True),
        CodeNgramTfidf((1, 2)),
        CodeNgramTfidf((1, 2), remove_overlap=True),
        CodeNgramTfidf((2, 3)),
        DigitStatistics(),
        DigitStatistics(remove_overlap=True),
    ]
    if rows_without_mean_latent(table):
        print("mean_latent: n/a (this variant's files carry no continuous latents)")
    else:
        baselines.append(MeanLatent())
    featurizers = [(f.name, f) for f in baselines]
    for label, sections, no_overlap in [
        ("encoder_ntp", {}, False),
        ("encoder_ntp_no_digits", {"model": {"digit_embedding": False}}, False),
        (
            "encoder_mlm_bidirectional",
            {"objective": {"task": "mlm"}, "model": {"bidirectional": True}},
            False,
        ),
        ("encoder_mlm", {"objective": {"task": "mlm"}}, False),
        ("encoder_contrastive", {"objective": {"task": "contrastive"}}, False),
        (
            "encoder_contrastive_bidirectional",
            {"objective": {"task": "contrastive"}, "model": {"bidirectional": True}},
            False,
        ),
        ("encoder_contrastive_no_overlap", {"objective": {"task": "contrastive"}}, True),
    ]:
        if args.only and not any(word in label for word in args.only.split(",")):
            continue
        featurizers.append((label, EncoderFeaturizer(config(**sections), no_overlap)))
    for cap in filter(None, args.train_samples.split(",")):
        featurizers.append((f"encoder_ntp_trained_on_{cap}",
                            EncoderFeaturizer(config(train={"max_sequences": int(cap)}), False)))
    quality(table, featurizers)


if __name__ == "__main__":
    main()
