"""core/ never imports Dagster, and its stage packages import only downward:
files < sequences < features < encoder < clustering < evaluation < curation < scoring;
synthetic (the generator) stands beside them and may use sequences. core/config.py is the
base of all."""

import ast
import pathlib

CORE = pathlib.Path(__file__).parents[1] / "motion_assets" / "core"
STAGES = ["files", "sequences", "features", "encoder", "clustering", "evaluation", "curation",
          "scoring"]
ALLOWED = {stage: {"config", *STAGES[: i + 1]} for i, stage in enumerate(STAGES)}
ALLOWED["synthetic"] = {"config", "files", "sequences", "synthetic"}
ALLOWED["config"] = {"config"}


def imports(path: pathlib.Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def stage_of(path: pathlib.Path) -> str:
    relative = path.relative_to(CORE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def test_core_never_imports_dagster():
    offenders = [f"{path.relative_to(CORE)}: {name}" for path in CORE.rglob("*.py")
                 for name in imports(path) if name.split(".")[0].startswith("dagster")]
    assert offenders == []


def test_core_stages_import_only_downward():
    offenders = []
    for path in CORE.rglob("*.py"):
        stage = stage_of(path)
        if stage == "__init__":
            continue
        for name in imports(path):
            parts = name.split(".")
            if parts[0] != "motion_assets":
                continue
            if parts[1:2] != ["core"] or len(parts) < 3 or parts[2] not in ALLOWED[stage]:
                offenders.append(f"{path.relative_to(CORE)} ({stage}) imports {name}")
    assert offenders == []


def test_every_core_package_is_a_known_stage():
    packages = {path.name for path in CORE.iterdir() if path.is_dir() and path.name != "__pycache__"}
    assert packages == set(ALLOWED) - {"config"}
