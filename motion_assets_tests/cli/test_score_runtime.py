"""`motion-assets score` uses the bundle's numpy runtime export when there is one that fits."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pytest

from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.files.model_versions import publish_version
from motion_assets.core.scoring.runtime_export import publish_runtime_export
from motion_assets.core.scoring.runtime_file import export_path
from motion_assets.core.sequences.table import unique_sequences
from motion_assets.core.synthetic import synthetic_sequence_table
from motion_assets_tests.cli.test_cli_imports import imported_after
from motion_assets_tests.core.scoring.test_scoring_runtime import detector_bundle, loaded

RUNTIME_FREE_OF = ("dagster", "torch", "sklearn", "hdbscan", "pandas", "scipy")


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    """A storage with a current GMM bundle and its runtime export, and four sequence files."""
    import torch

    from motion_assets.core.encoder.config import SequenceEmbedConfig
    from motion_assets.core.encoder.featurizer import EncoderFeaturizer

    torch.set_num_threads(1)
    training = unique_sequences(synthetic_sequence_table(200, seed=4)).reset_index(drop=True)
    config = SequenceEmbedConfig.from_dict({
        "codebook_size": 2048, "model": {"d_model": 16},
        "train": {"epochs": 1, "device": "cpu", "patience": 1, "batch_size": 32}})
    featurizer = EncoderFeaturizer(config).fit(training)
    bundle, digest, data = loaded(detector_bundle(featurizer, training, "bayes_gmm"))
    root = tmp_path_factory.mktemp("runtime")
    layout = StorageLayout(str(root / "storage"))
    publish_version(layout, "scoring_bundle", "v", data, None)
    publish_runtime_export(layout, "v", bundle, digest)
    files = root / "files"
    files.mkdir()
    new = unique_sequences(synthetic_sequence_table(40, seed=9)).iloc[:4]
    for i, (codes, width) in enumerate(zip(new["codes"], new["codes_per_window"])):
        windows = np.asarray(codes).reshape(-1, int(width)).tolist()
        (files / f"clip{i}.codes.json").write_bytes(orjson.dumps({"codes_windows": windows}))
    return root, layout, digest


def run_score(root, *extra) -> tuple[int, set[str], list[dict], str]:
    out = root / "scores.jsonl"
    code, modules = imported_after(root, ["score", "--variant", "v", "--storage",
                                          str(root / "storage"), "--out", str(out),
                                          str(root / "files"), *extra])
    return code, modules, [json.loads(line) for line in out.read_text().splitlines()]


def test_score_with_an_export_imports_no_torch_sklearn_scipy_or_pandas(storage):
    root, _, _ = storage
    code, modules, rows = run_score(root)
    assert code == 0 and len(rows) == 4
    assert modules.isdisjoint(RUNTIME_FREE_OF)


def test_score_with_and_without_the_export_prints_the_same_scores(storage):
    root, layout, digest = storage
    _, _, fast = run_score(root, "--threshold", "0.3")
    export = export_path(layout, "v", digest)
    kept = export.read_bytes()
    export.unlink()
    try:
        _, modules, full = run_score(root, "--threshold", "0.3")
    finally:
        export.write_bytes(kept)
    assert "torch" in modules  # the full path
    for ours, theirs in zip(fast, full, strict=True):
        for field in ("path", "sequence_id", "cluster", "unknown", "bundle_hash", "content_hash",
                      "scoring_id", "threshold", "threshold_source"):
            assert ours[field] == theirs[field], field
        for field in ("probability", "outlier_score", "unknown_score"):
            assert ours[field] == pytest.approx(theirs[field], rel=1e-4, abs=1e-5), field


def test_runtime_modules_import_no_torch_sklearn_hdbscan_pandas_or_dagster(tmp_path):
    import subprocess
    import sys

    program = ("import sys, motion_assets.core.scoring.runtime_model, "
               "motion_assets.core.scoring.runtime_lines, motion_assets.core.scoring.runtime_file\n"
               "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert set(done.stdout.split()).isdisjoint(RUNTIME_FREE_OF)


def test_without_an_export_the_command_says_it_scored_with_the_full_path(storage, capsys):
    from motion_assets.cli import main

    root, layout, digest = storage
    export = export_path(layout, "v", digest)
    kept = export.read_bytes()
    export.unlink()
    try:
        code = main(["score", "--variant", "v", "--storage", str(root / "storage"),
                     "--out", str(root / "full.jsonl"), str(root / "files")])
    finally:
        export.write_bytes(kept)
    err = capsys.readouterr().err.splitlines()
    assert code == 0
    assert err[-2] == (f"note: scored with the full path (torch, sklearn): bundle {digest[:12]} "
                       "has no runtime export (its kind is not covered, or it predates them)")
