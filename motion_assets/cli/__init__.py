"""``motion-assets``: run the asset graph on a folder, generate demo data (and more to come)."""

from __future__ import annotations

import argparse
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


if __name__ == "__main__":
    sys.exit(main())
