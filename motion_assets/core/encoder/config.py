"""The encoder's settings, one frozen section per section of sequence_embed.yaml."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from motion_assets.core.config import ConfigError, ConfigSection, check_choice, check_range

TASKS = ("ntp", "mlm", "contrastive")
RNN_TYPES = ("lstm", "gru")
POOLINGS = ("mean", "max", "last")
# the next-code output layer (core/encoder/heads.py): a softmax over every code id, or one
# softmax per FSQ digit axis (needs the codebook's levels; without them, the code head)
OUTPUT_HEADS = ("codes", "digits")
# views of a code sequence (core/encoder/augmentations.py), applied in this order
AUGMENTATIONS = ("tempo", "crop", "jitter", "dropout", "mask")


@dataclass(frozen=True)
class SequenceSection(ConfigSection):
    section: ClassVar[str] = "sequence"
    max_len: int | str = "auto"  # an int, or "auto": the max_len_quantile of the lengths
    pad_id: int = 0  # codes are shifted by one, so padding is always token 0
    max_len_quantile: float = 0.99


@dataclass(frozen=True)
class ModelSection(ConfigSection):
    section: ClassVar[str] = "model"
    d_model: int = 128
    rnn_type: str = "lstm"
    num_layers: int = 1
    dropout: float = 0.1
    bidirectional: bool = False
    digit_embedding: bool = True  # add per-FSQ-digit embeddings to the id embedding
    pooling: str = "mean"
    # OUTPUT_HEADS; checkpoints without this key load as "codes". "codes" chosen by
    # benchmarks/quality_benchmark.py --videos 30 --seeds 0 1 2 --output-head codes|digits
    # (BENCHMARKS.md "Next-code output head"): digits trains 2.2-2.5x more tokens per CPU
    # second and scores 182 codes in 0.75x the CPU, deployed ARI within noise (+0.006 to
    # +0.024), but its surprisal alone ranks the unseen action worse on every seed (AUROC
    # 0.669 -> 0.608, -0.023 to -0.089), the voice unknown detection leans on
    output_head: str = "codes"


@dataclass(frozen=True)
class ObjectiveSection(ConfigSection):
    section: ClassVar[str] = "objective"
    task: str = "ntp"
    mask_prob: float = 0.15  # mlm: share of codes masked; contrastive: masking augmentation
    code_dropout: float = 0.1  # contrastive: share of codes dropped from a view
    crop_min: float = 0.6  # contrastive: a view keeps at least this share of the sequence
    temperature: float = 0.1  # contrastive: InfoNCE temperature
    # the views contrastive training compares (AUGMENTATIONS; core/encoder/augmentations.py)
    augmentations: tuple[str, ...] = ("crop", "dropout", "mask")
    tempo_max: float = 1.25  # tempo: a view's rate lies in [1/tempo_max, tempo_max]
    jitter_share: float = 0.1  # jitter: share of codes moved one step on one FSQ axis
    # ntp only: weight of an InfoNCE term between each sequence and an augmented view of it,
    # added to the next-code loss (the next-code head, hence surprisal, stays); 0: ntp alone.
    # 0 chosen by benchmarks/quality_benchmark.py --videos 30 (BENCHMARKS.md "Augmented
    # views", #12): 0.5 with tempo + crop + jitter lost deployed ARI and unknown AUROC on seed 0
    # at 2.2x the training time, so it cannot be a default that wins on every seed
    contrastive_weight: float = 0.0


@dataclass(frozen=True)
class TrainSection(ConfigSection):
    section: ClassVar[str] = "train"
    # the old tool's DataLoader settings: training here batches in-process by length
    ignored_keys: ClassVar[tuple[str, ...]] = ("num_workers", "pin_memory", "balance_sampler")
    batch_size: int = 64
    # 14 epochs at 4e-3, not 20 at 2e-3: the encoder is still learning at epoch 20 (bounded
    # by gradient steps), and the larger rate at 0.7x the steps reached a lower validation
    # loss on every seed of the hard generator (BENCHMARKS.md "Training on a draw", 3 seeds:
    # KMeans ARI within noise); 14 at 2e-3 lost, and so did a cosine decay over the epochs.
    # At 50k it costs: validation loss 2.489 against 2.458, deployed ARI 0.664 against 0.728 on
    # one tree (BENCHMARKS.md "3 x 50k variants and 200k"), for a run under 10 minutes
    epochs: int = 14
    lr: float = 4e-3
    weight_decay: float = 0.01
    clip_grad_norm: float = 1.0
    val_split: float = 0.1
    # None: every epoch trains on every unique sequence; else on a fresh seeded draw of this
    # many (validation: val_split of it). All sequences are still embedded. 10,000: a larger
    # variant's epoch costs what a 10k variant's does (N x epochs was the stage that kept a
    # 10k variant from finishing, BENCHMARKS.md "Training on a draw"); quality grows with the
    # draw (KMeans ARI 0.407 at 2,000 per epoch, 0.463 at all 9,911) and fresh draws beat one
    # fixed sample of the same size (0.407 vs 0.384).
    max_sequences: int | None = 10_000
    patience: int = 3
    min_delta: float = 1e-3
    batching: str = "bucket"  # "bucket": equal-length batches; "pack": random batches, packed
    device: str = "auto"  # "auto" (cuda if available), "cpu", "cuda", "cuda:1", ...
    num_threads: int | None = None  # torch CPU threads; None: the policy (training at the
    # cores, up to 4, where OpenMP threads sleep when waiting; embedding at 1: encoder/threads.py)
    precision: str = "float32"  # or "bfloat16": autocast, faster on CPUs with AVX512-BF16/AMX


@dataclass(frozen=True)
class ExportSection(ConfigSection):
    section: ClassVar[str] = "export"
    l2_normalize: bool = True
    batch_size: int = 512


@dataclass(frozen=True)
class SequenceEmbedConfig(ConfigSection):
    """sequence_embed.yaml: what the sequence_encoder asset reads."""

    ignored_keys: ClassVar[tuple[str, ...]] = ("out_dir",)  # storage decides where models go
    seed: int = 0
    codebook_size: int = 2048
    codebook_levels: list[int] | None = None  # None: from the table, else the usual levels
    sequence: SequenceSection = field(default_factory=SequenceSection)
    model: ModelSection = field(default_factory=ModelSection)
    objective: ObjectiveSection = field(default_factory=ObjectiveSection)
    train: TrainSection = field(default_factory=TrainSection)
    export: ExportSection = field(default_factory=ExportSection)

    def __post_init__(self) -> None:
        m, o, s, t = self.model, self.objective, self.sequence, self.train
        check_choice("objective.task", o.task, TASKS)
        check_choice("model.rnn_type", m.rnn_type, RNN_TYPES)
        check_choice("model.pooling", m.pooling, POOLINGS)
        check_choice("model.output_head", m.output_head, OUTPUT_HEADS)
        check_choice("train.batching", t.batching, ("bucket", "pack"))
        check_choice("train.precision", t.precision, ("float32", "bfloat16"))
        if o.task == "ntp" and m.bidirectional:
            raise ConfigError(
                "objective.task 'ntp' needs model.bidirectional: false: a backward direction "
                "sees the very code it is asked to predict. Use task 'mlm' or 'contrastive' "
                "for a bidirectional encoder."
            )
        if s.pad_id != 0:
            raise ConfigError(
                f"sequence.pad_id: must be 0 (codes are shifted by one), got {s.pad_id}"
            )
        if not (s.max_len == "auto" or (isinstance(s.max_len, int) and s.max_len >= 2)):
            raise ConfigError(f"sequence.max_len: must be 'auto' or an int >= 2, got {s.max_len!r}")
        if not 0 < s.max_len_quantile <= 1:
            raise ConfigError(
                f"sequence.max_len_quantile: must be in (0, 1], got {s.max_len_quantile}"
            )
        if self.codebook_size < 1 or m.d_model < 1 or m.num_layers < 1:
            raise ConfigError("codebook_size, model.d_model and model.num_layers: must be positive")
        if not 0 <= t.val_split < 1:
            raise ConfigError(f"train.val_split: must be in [0, 1), got {t.val_split}")
        if t.max_sequences is not None and t.max_sequences < 2:
            raise ConfigError(f"train.max_sequences: must be null or >= 2, got {t.max_sequences}")
        for name in o.augmentations:
            check_choice("objective.augmentations", name, AUGMENTATIONS)
        if not o.augmentations and (o.task == "contrastive" or o.contrastive_weight > 0):
            raise ConfigError("objective.augmentations: contrastive training needs at least one")
        check_range("objective.tempo_max", o.tempo_max, 1.0, 4.0)
        check_range("objective.jitter_share", o.jitter_share, 0.0, 1.0)
        if o.contrastive_weight < 0:
            raise ConfigError(f"objective.contrastive_weight: must be >= 0, got {o.contrastive_weight}")
        if o.contrastive_weight > 0 and o.task != "ntp":
            raise ConfigError(f"objective.contrastive_weight: adds to the ntp loss only; task "
                              f"{o.task!r} has none (use 0)")
        if t.batch_size < 2 and (o.task == "contrastive" or o.contrastive_weight > 0):
            raise ConfigError("train.batch_size: contrastive training needs >= 2 (negatives)")

    @classmethod
    def make_safe(cls, values: dict[str, Any], path: str) -> list[str]:
        model, objective = values.get("model", ModelSection()), values.get("objective", ObjectiveSection())
        if not (objective.task == "ntp" and model.bidirectional):
            return []
        values["model"] = dataclasses.replace(model, bidirectional=False)
        return [("model.bidirectional: true replaced by false: with objective.task ntp a backward "
                "direction sees the very code it is asked to predict (the loss leaks and the "
                "embedding learns nothing); use task mlm or contrastive for a bidirectional encoder")]
