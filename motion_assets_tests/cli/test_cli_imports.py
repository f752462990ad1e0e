"""Each command imports only what it needs: `--help` no heavy library, `score` no Dagster."""

import json
import subprocess
import sys

HEAVY = ("dagster", "torch", "sklearn", "hdbscan", "pandas", "fsspec")


def imported_after(tmp_path, argv: list[str]) -> tuple[int, set[str]]:
    """Run ``motion-assets ARGV`` in a fresh interpreter: its exit status and the top-level
    packages it imported (argparse's SystemExit is the status of ``--help``)."""
    program = (
        "import json, sys\n"
        "from motion_assets.cli import main\n"
        "try:\n"
        f"    code = main({argv!r})\n"
        "except SystemExit as stop:\n"
        "    code = stop.code\n"
        "print(json.dumps([code, sorted({name.split('.')[0] for name in sys.modules})]))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    return code, set(modules)


def test_help_imports_no_heavy_library(tmp_path):
    code, modules = imported_after(tmp_path, ["--help"])
    assert code == 0
    assert modules.isdisjoint(HEAVY)


def test_every_command_help_imports_no_heavy_library(tmp_path):
    for command in ("run", "score", "rollback", "generate", "ui"):
        code, modules = imported_after(tmp_path, [command, "--help"])
        assert code == 0 and modules.isdisjoint(HEAVY), command


def test_score_never_imports_dagster(tmp_path):
    # no bundle in this storage: the command fails in one line (test_score_runtime.py: with one)
    code, modules = imported_after(tmp_path, ["score", "--variant", "v", "--storage",
                                              str(tmp_path / "storage"), "x.codes.json"])
    assert code == 2
    assert "dagster" not in modules
