"""``motion-assets``: run the asset graph on a folder, generate demo data (and more to come)."""

from __future__ import annotations

import argparse
import os
import sys

from motion_assets.cli import (
    generate_command,
    rollback_command,
    run_command,
    score_command,
    ui_command,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="motion-assets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (run_command, score_command, rollback_command, generate_command, ui_command):
        module.add_parser(commands)
    args = parser.parse_args(argv)
    return args.handler(args)


def entry() -> None:
    """The console script. Its work is done and durable when ``main`` returns (runs finished,
    files written atomically, the instance and code server closed), so the process ends at
    once: the interpreter's own teardown of dagster, torch and numba took 10-30 s after the
    last line was printed (measured on `motion-assets run`), a wait with nothing to show."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
