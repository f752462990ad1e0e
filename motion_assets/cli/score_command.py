"""``motion-assets score``: score files, folders or a code list against a variant's bundle."""

from __future__ import annotations

import os
import sys


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "score", help="assign sequences to the clusters of a variant's latest scoring bundle"
    )
    parser.add_argument("paths", nargs="*", help="sequence files (.codes.json, .json, .jsonl) or folders")
    parser.add_argument("--variant", required=True)
    parser.add_argument("--storage", help="where the assets were written (default: data/storage)")
    parser.add_argument("--threshold", type=float, help="override the bundle's unknown threshold")
    parser.add_argument("--codes", help="score one sequence given as comma-separated codes")
    parser.add_argument("--out", help="write JSONL here instead of stdout")
    parser.add_argument("--bundle-hash", help="sha256 of a stored bundle version to use (default: "
                        "the current one, named by scoring_bundle/<variant>/current.json)")
    parser.set_defaults(handler=score)


def _roots(paths: list[str]):
    """(folder, None) for a folder given, (its folder, [its name]) for a file given."""
    for path in paths:
        if os.path.isdir(path):
            yield path, None
        elif os.path.isfile(path):
            yield os.path.dirname(path) or ".", [os.path.basename(path)]
        else:
            raise FileNotFoundError(f"{path} does not exist")


def _tables(paths: list[str], settings):
    """Validated tables per path (files by their folder), plus rejections, like ingestion."""
    from motion_assets.core.sequences.ingest import read_sequence_folder, read_sequence_paths

    for prefix, names in _roots(paths):
        if names is None:
            yield prefix, read_sequence_folder(prefix, settings)
        else:
            yield prefix, read_sequence_paths(prefix, names, settings)


def score(args) -> int:
    """Score and print; any error is one line on stderr and exit status 2."""
    try:
        return _score(args)
    except (ValueError, OSError) as error:  # bad input, refused bundle, unreadable storage
        print(f"error: {error}", file=sys.stderr)
        return 2


def _score(args) -> int:
    from motion_assets.core.files.layout import StorageLayout
    from motion_assets.core.files.manifest import read_current
    from motion_assets.core.sequences.variants import validate_variant_name

    variant = validate_variant_name(args.variant)
    if not args.paths and not args.codes:
        print("error: give sequence files or folders, or --codes", file=sys.stderr)
        return 2
    storage = args.storage or os.environ.get("MOTION_ASSETS_STORAGE", "data/storage")
    layout = StorageLayout(storage)
    expected = args.bundle_hash
    if not expected:
        current = read_current(layout, "scoring_bundle", variant)
        if current is None:
            raise FileNotFoundError(f"no scoring_bundle for {variant}: "
                                    f"{layout.manifest('scoring_bundle', variant)} does not exist; "
                                    "materialize scoring_bundle first")
        expected = current.sha256
    runtime, reason = _runtime(layout, variant, expected)
    if runtime is None:
        return _score_full_path(args, layout, variant, expected,
                                note=f"note: scored with the full path (torch, sklearn): {reason}")
    return _score_with_runtime(args, runtime)


def _runtime(layout, variant: str, expected: str):
    """(the numpy scoring runtime of bundle ``expected`` (runtime_file.py), None) or (None,
    why the full path scores instead)."""
    from motion_assets.core.scoring.runtime_file import ExportRefused, export_path, read_export
    from motion_assets.core.scoring.runtime_model import ScoringRuntime

    path = export_path(layout, variant, expected)
    try:
        return ScoringRuntime(*read_export(path, expected), expected), None
    except FileNotFoundError:
        return None, (f"bundle {expected[:12]} has no runtime export (its kind is not covered, "
                      "or it predates them)")
    except ExportRefused as refused:
        return None, str(refused)
    except (KeyError, TypeError, ValueError) as error:  # a readable export that does not fit
        return None, f"{path.name} cannot be used ({type(error).__name__}: {error})"


def _score_with_runtime(args, runtime) -> int:
    from motion_assets.core.scoring.identity import identity_of
    from motion_assets.core.scoring.runtime_lines import score_lines
    from motion_assets.core.scoring.score_lines import jsonl_bytes, unique_rows
    from motion_assets.core.scoring.thresholds import overridden
    from motion_assets.core.sequences.discovery import list_given_files, list_sequence_files
    from motion_assets.core.sequences.ingest import read_plain_rows

    thresholds = runtime.thresholds
    if args.threshold is not None:
        thresholds = runtime.thresholds = overridden(thresholds, args.threshold)
    identity = identity_of(runtime.bundle_sha256, thresholds, runtime.pipeline_novelty_threshold)
    rows, rejected, settings = [], 0, runtime.codebook_settings()
    if args.codes:
        from motion_assets.core.scoring.codes_record import codes_record, codes_row

        row = codes_row(codes_record(_codes(args.codes), settings, runtime.codes_per_window))
        rows += score_lines(runtime, [row], [None], identity)
    for prefix, names in _roots(args.paths):  # plain rows: no Arrow table, so no pandas
        listing = list_sequence_files(prefix) if names is None else list_given_files(prefix, names)
        sequences, rejections = read_plain_rows(prefix, listing, settings)
        rejected += _report_rejections(prefix, rejections)
        paths = [os.path.normpath(os.path.join(prefix, row["relative_path"])) for row in sequences]
        if sequences:
            rows += score_lines(runtime, sequences, paths, identity)
    return _finish(args, jsonl_bytes(unique_rows(rows)), rejected, runtime.bundle_sha256,
                   identity.threshold_source)


def _score_full_path(args, layout, variant: str, expected: str, *, note: str) -> int:
    import pandas as pd

    from motion_assets.core.files.model_versions import read_version
    from motion_assets.core.scoring.bundle import bundle_from_bytes, override_thresholds
    from motion_assets.core.scoring.history import history_rows
    from motion_assets.core.scoring.identity import scoring_identity
    from motion_assets.core.scoring.output import scores_to_jsonl, unique_scores
    from motion_assets.core.scoring.score import codes_table, score_sequences

    # FileNotFoundError / ValueError: one line and exit 2 (score above)
    data = read_version(layout, "scoring_bundle", variant, expected)
    bundle = override_thresholds(bundle_from_bytes(data, expected), args.threshold)
    identity = scoring_identity(bundle)
    tables, rejected = [], 0
    if args.codes:
        tables.append(codes_table(bundle, _codes(args.codes)))
    for prefix, result in _tables(args.paths, bundle.codebook_settings()):
        rejected += _report_rejections(prefix, result.rejected.to_pylist())
        table = result.sequences.to_pandas()
        table["relative_path"] = [os.path.normpath(os.path.join(prefix, p)) for p in table["relative_path"]]
        tables.append(table)
    rows = [history_rows(score_sequences(bundle, table), table, identity, "motion-assets score")
            for table in tables if len(table)]
    output = scores_to_jsonl(unique_scores(pd.concat(rows, ignore_index=True))) if rows else b""
    print(note, file=sys.stderr)  # after any error: an error stays one line
    return _finish(args, output, rejected, bundle.provenance["bundle_sha256"],
                   identity.threshold_source)


def _codes(text: str) -> list[int]:
    """``--codes 3,17, 42`` -> [3, 17, 42] (ValueError for a code that is not an integer)."""
    return [int(code) for code in text.replace(" ", "").split(",") if code]


def _report_rejections(prefix: str, rejected: list[dict]) -> int:
    """Print each rejected file on stderr; how many there were."""
    for row in rejected:
        line = f":{row['line']}" if row["line"] else ""
        print(f"rejected {os.path.join(prefix, row['relative_path'])}{line}: {row['kind']}: {row['detail']}",
              file=sys.stderr)
    return len(rejected)


def _finish(args, output: bytes, rejected: int, bundle_sha256: str, threshold_source: str) -> int:
    if args.out:
        from motion_assets.core.files.atomic_write import write_bytes_atomically

        write_bytes_atomically(args.out, output)
    else:
        sys.stdout.buffer.write(output)
    scored = output.count(b"\n")
    print(f"scored {scored} sequence(s), rejected {rejected} file(s) "
          f"with bundle {bundle_sha256[:12]}"
          + (" (threshold overridden)" if threshold_source == "override" else ""),
          file=sys.stderr)
    return 0 if output or not rejected else 1
