"""`motion-assets score` uses the bundle's numpy runtime export when there is one that fits."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pytest

from motion_assets.core.clustering.pipeline import make_clusterer
from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.files.model_versions import publish_version
from motion_assets.core.scoring.bundle import Thresholds, make_scoring_bundle
from motion_assets.core.scoring.runtime_export import publish_runtime_export
from motion_assets.core.scoring.runtime_file import export_path
from motion_assets.core.scoring.unknown_detector import UnknownDetector
from motion_assets.core.sequences.facts import table_levels
from motion_assets.core.sequences.overlap import featurizer_sequences
from motion_assets.core.sequences.table import unique_sequences
from motion_assets.core.synthetic import synthetic_sequence_table
from motion_assets_tests.cli.test_cli_imports import imported_after
from motion_assets_tests.core.scoring.test_scoring_runtime import detector_bundle, loaded

RUNTIME_FREE_OF = ("dagster", "torch", "sklearn", "hdbscan", "pandas", "scipy")


def _encoder_and_training():
    import torch

    from motion_assets.core.encoder.config import SequenceEmbedConfig
    from motion_assets.core.encoder.featurizer import EncoderFeaturizer

    torch.set_num_threads(1)
    training = unique_sequences(synthetic_sequence_table(200, seed=4)).reset_index(drop=True)
    config = SequenceEmbedConfig.from_dict({
        "codebook_size": 2048, "model": {"d_model": 16},
        "train": {"epochs": 1, "device": "cpu", "patience": 1, "batch_size": 32}})
    return EncoderFeaturizer(config).fit(training), training


def _storage_of(root, bundle):
    """``root``/storage with ``bundle`` current for variant v and its runtime export, and
    four sequence files in ``root``/files."""
    bundle, digest, data = loaded(bundle)
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


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    """A storage with a current GMM bundle and its runtime export, and four sequence files."""
    featurizer, training = _encoder_and_training()
    return _storage_of(tmp_path_factory.mktemp("runtime"),
                       detector_bundle(featurizer, training, "bayes_gmm"))


@pytest.fixture(scope="module")
def multi_view_storage(tmp_path_factory):
    """The same with what the demo deploys: the label-guided multi-view (encoder + LSA of code
    n-grams + digit statistics), spectral clustering, the encoder's unknown detector."""
    from motion_assets.core.features.label_guided import LabelGuided
    from motion_assets.core.features.views import MultiView
    from motion_assets.core.scoring.deployment_candidates import deployable_featurizers

    featurizer, training = _encoder_and_training()
    multi_view = next(view for view in deployable_featurizers(training, featurizer.model_)
                      if isinstance(view, MultiView))
    guided = LabelGuided(multi_view, training.assign(label=training["action"]),
                         base_fitted=True).fit(training)
    pipeline = make_clusterer("spectral", with_novelty=False).fit(guided.transform(training))
    bundle = make_scoring_bundle(
        guided, pipeline, variant="synthetic_cb2048", codebook_size=2048,
        codebook_levels=table_levels(training), codes_per_window=14, training_rows=len(training),
        encoder=featurizer.model_, unknown_detector=UnknownDetector(("novelty", "surprisal")).fit(
            featurizer.model_, featurizer_sequences(training)))
    bundle.thresholds = Thresholds(0.4, unknown_score=0.8)
    return _storage_of(tmp_path_factory.mktemp("multi_view"), bundle)


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
    assert_same_lines(fast, full)


def test_runtime_modules_import_no_torch_sklearn_hdbscan_pandas_or_dagster(tmp_path):
    import subprocess
    import sys

    program = ("import sys, motion_assets.core.scoring.runtime_model, "
               "motion_assets.core.scoring.runtime_lines, motion_assets.core.scoring.runtime_file, "
               "motion_assets.core.scoring.codes_record\n"
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


def _full_path_in_process(root, layout, digest, *extra) -> list[dict]:
    """The command's JSONL with the export moved aside (in this process: torch is loaded)."""
    from motion_assets.cli import main

    export = export_path(layout, "v", digest)
    kept = export.read_bytes()
    export.unlink()
    out = root / "full.jsonl"
    try:
        assert main(["score", "--variant", "v", "--storage", str(root / "storage"),
                     "--out", str(out), *extra]) == 0
    finally:
        export.write_bytes(kept)
    return [json.loads(line) for line in out.read_text().splitlines()]


def assert_same_lines(fast: list[dict], full: list[dict]) -> None:
    for ours, theirs in zip(fast, full, strict=True):
        for field in ("path", "sequence_id", "cluster", "unknown", "bundle_hash", "content_hash",
                      "scoring_id", "threshold", "threshold_source"):
            assert ours[field] == theirs[field], field
        for field in ("probability", "outlier_score", "unknown_score"):
            assert ours[field] == pytest.approx(theirs[field], rel=1e-4, abs=1e-5), field


def test_the_deployed_multi_view_and_spectral_bundle_scores_without_torch_sklearn_or_scipy(
        multi_view_storage):
    root, layout, digest = multi_view_storage
    code, modules, fast = run_score(root)
    assert code == 0 and len(fast) == 4
    assert modules.isdisjoint(RUNTIME_FREE_OF)
    assert_same_lines(fast, _full_path_in_process(root, layout, digest, str(root / "files")))


@pytest.mark.parametrize("fixture", ["storage", "multi_view_storage"])
def test_codes_given_on_the_command_line_are_scored_by_the_runtime(fixture, request):
    root, layout, digest = request.getfixturevalue(fixture)
    codes = ",".join(str(code) for code in range(40, 110))
    out = root / "codes.jsonl"
    code, modules = imported_after(root, ["score", "--variant", "v", "--storage",
                                          str(root / "storage"), "--out", str(out),
                                          "--codes", codes])
    fast = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == 0 and len(fast) == 1 and fast[0]["path"] is None
    assert modules.isdisjoint(RUNTIME_FREE_OF)
    assert_same_lines(fast, _full_path_in_process(root, layout, digest, "--codes", codes))
