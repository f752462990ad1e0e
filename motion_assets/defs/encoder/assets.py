"""The learned sequence encoder, its embedding table, and the bag-of-codes baselines."""

import dataclasses
import io
import time

import numpy as np
import pandas as pd
import pyarrow as pa
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from motion_assets.core.encoder.checkpoint import load_encoder, save_encoder
from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.encoder.training import train_encoder
from motion_assets.core.evaluation import plots
from motion_assets.core.features.featurizers import (
    baseline_featurizers,
    fit_rows,
    rows_without_mean_latent,
)
from motion_assets.core.features.tables import dense_column, embedding_table, sparse_columns
from motion_assets.core.files.verified_pickle import sha256_hex
from motion_assets.core.sequences.facts import table_facts
from motion_assets.core.sequences.overlap import featurizer_sequences
from motion_assets.core.sequences.table import unique_sequences
from motion_assets.defs.config_mirror import to_core
from motion_assets.defs.encoder.config import SequenceEmbedRunConfig
from motion_assets.defs.executors import GPU_STEP_TAGS
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.ui_metadata import image, readable_table


def _training_config(config, table: pd.DataFrame) -> SequenceEmbedConfig:
    """The configured values, with K and the FSQ levels taken from the data."""
    core, facts = to_core(config, SequenceEmbedConfig), table_facts(table)
    levels = core.codebook_levels
    if levels is None and facts.codebook_levels:
        levels = list(facts.codebook_levels)
    return dataclasses.replace(core, codebook_size=facts.codebook_size, codebook_levels=levels)


@asset(
    partitions_def=dataset_variants,
    io_manager_key="model_files",
    kinds={"pytorch"},
    group_name="encoder",
    op_tags=GPU_STEP_TAGS,
    description="LSTM/GRU sequence encoder trained on the variant's unique code sequences",
)
def sequence_encoder(
    context: AssetExecutionContext, config: SequenceEmbedRunConfig, code_sequences: pd.DataFrame
) -> MaterializeResult:
    training = unique_sequences(code_sequences)
    training = training[training["length"] >= 2]
    core_config = _training_config(config, training)
    started = time.perf_counter()
    result = train_encoder(featurizer_sequences(training), core_config, log=context.log.info)
    seconds = time.perf_counter() - started
    buffer = io.BytesIO()
    save_encoder(result.model, buffer)
    checkpoint = buffer.getvalue()
    history = result.history
    best = history[result.best_epoch - 1]
    return MaterializeResult(
        value=checkpoint,
        metadata={
            "content_hash": sha256_hex(checkpoint),
            "objective": result.config.objective.task,
            "rnn": f"{result.config.model.rnn_type} x{result.config.model.num_layers}"
            f"{' bidirectional' if result.config.model.bidirectional else ''}",
            "parameters": sum(p.numel() for p in result.model.parameters()),
            "training_sequences": result.n_train,
            "sequences_per_epoch": result.per_epoch,
            "validation_sequences": result.n_val,
            "epochs_run": len(history),
            "best_epoch": result.best_epoch,
            "best_val_loss": round(best["val_loss"], 4),
            "stopped_early": result.stopped_early,
            "max_len": result.config.sequence.max_len,
            "truncated_sequences": result.truncated,
            "digit_embedding": result.config.model.digit_embedding,
            "device": result.device,
            "seconds": round(seconds, 1),
            "tokens_per_second": round(float(np.mean([h["tokens_per_s"] for h in history]))),
            "training_curve": image(plots.line_png(
                {"train": [h["train_loss"] for h in history], "validation": [h["val_loss"] for h in history]},
                title=f"Encoder training: {result.config.objective.task} loss per epoch",
                xlabel="epoch", ylabel="loss", mark_x=result.best_epoch, mark_label="best epoch"),
                "training_curve"),
            "config": MetadataValue.json(result.config.to_dict()),
        },
    )


@asset(
    partitions_def=dataset_variants,
    io_manager_key="tables",
    kinds={"parquet"},
    group_name="encoder",
    description="One embedding per code_sequences row (sequence_id, embedding float32[H])",
)
def sequence_embeddings(code_sequences: pd.DataFrame, sequence_encoder: bytes) -> MaterializeResult:
    model = load_encoder(io.BytesIO(sequence_encoder))
    started = time.perf_counter()
    vectors = EncoderFeaturizer.from_model(model).transform(code_sequences)
    seconds = time.perf_counter() - started
    table = embedding_table(code_sequences["sequence_id"], vectors)
    norms = np.linalg.norm(vectors, axis=1) if len(vectors) else np.zeros(1)
    return MaterializeResult(
        value=table,
        metadata={
            "dagster/row_count": table.num_rows,
            "shape": MetadataValue.json(list(vectors.shape)),
            "l2_normalized": model.config.export.l2_normalize,
            "norm_min": float(norms.min()),
            "norm_max": float(norms.max()),
            "encoder_hash": sha256_hex(sequence_encoder),
            "device": str(next(model.parameters()).device),
            "sequences_per_second": round(len(vectors) / max(seconds, 1e-9)),
        },
    )


@asset(
    partitions_def=dataset_variants,
    io_manager_key="tables",
    kinds={"parquet"},
    group_name="encoder",
    description="Baseline features per sequence: bag-of-codes and code n-gram TF-IDF (sparse "
    "index/value lists), FSQ digit statistics and mean latent (dense, where available)",
)
def baseline_features(context: AssetExecutionContext, code_sequences: pd.DataFrame) -> MaterializeResult:
    columns = {"sequence_id": pa.array(code_sequences["sequence_id"].tolist(), pa.string())}
    summary = []
    training = unique_sequences(code_sequences)
    for featurizer in baseline_featurizers(code_sequences):
        started = time.perf_counter()
        matrix = featurizer.fit(fit_rows(training)).transform(code_sequences)
        if hasattr(matrix, "tocsr"):
            columns[f"{featurizer.name}_indices"], columns[f"{featurizer.name}_values"] = sparse_columns(matrix)
            density = matrix.nnz / max(matrix.shape[0] * matrix.shape[1], 1)
        else:
            columns[featurizer.name] = dense_column(matrix)
            density = 1.0
        summary.append((featurizer.name, matrix.shape[1], round(density, 4),
                        round(time.perf_counter() - started, 2)))
    if not any(name == "mean_latent" for name, *_ in summary):
        context.log.info(f"mean_latent skipped: {len(rows_without_mean_latent(code_sequences))} rows carry no latents")
    table = pa.table(columns)
    return MaterializeResult(
        value=table,
        metadata={
            "dagster/row_count": table.num_rows,
            "featurizers": readable_table(pd.DataFrame(summary, columns=["featurizer", "dims", "density", "seconds"])),
        },
    )
