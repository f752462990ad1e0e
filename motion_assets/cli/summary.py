"""The end of ``motion-assets run``: one outcome per variant and what each run wrote."""

from __future__ import annotations

from motion_assets.cli.run_progress import RunOutcome


def _materialization_line(materialization) -> str:
    metadata = materialization.metadata
    rows = metadata.get("dagster/row_count")
    path = metadata.get("path")
    extra = [f"{key}={metadata[key].value}" for key in ("rejected_files", "ignored_files", "added_rows")
             if key in metadata]
    return (f"    {materialization.asset_key.to_user_string():<22} "
            f"rows={rows.value if rows else '-':<7} {' '.join(extra)} {path.value if path else ''}")


def print_summary(outcomes: dict[str, list[RunOutcome]], storage: str) -> int:
    """Print every variant's outcome; 0 when every run succeeded, else 1."""
    print("\nsummary")
    failed = []
    for variant, runs in outcomes.items():
        ok = all(run.succeeded for run in runs)
        if not ok:
            failed.append(variant)
        print(f"  {variant}: {'ok' if ok else 'FAILED'} ({sum(r.seconds for r in runs):.1f} s, "
              f"{len(runs)} run(s))")
        for run in runs:
            if not run.succeeded:
                print(f"    {run.label} {run.run_id}: {run.reason()}")
            for materialization in run.materializations:
                print(_materialization_line(materialization))
            for check in run.warned_checks:
                print(f"    check warning: {check}")
    print(f"\nTables: {storage}/<asset>/<variant>.parquet")
    print("Open the UI: make ui   (or: .venv/bin/motion-assets ui), then http://localhost:3000")
    if failed:
        print(f"{len(failed)} of {len(outcomes)} variant(s) failed: {', '.join(failed)}")
        return 1
    return 0
