"""``motion-assets ui``: the Dagster UI and daemon (sensors) on the embedded instance."""

from __future__ import annotations

import os
import sys

from motion_assets.cli.dagster_home import ensure_dagster_home


def add_parser(commands) -> None:
    parser = commands.add_parser("ui", help="start the Dagster UI and daemon (dg dev -w workspace.yaml)")
    parser.add_argument("--port", default="3000")
    parser.set_defaults(handler=ui)


def ui(args) -> int:
    home = ensure_dagster_home()
    print(f"DAGSTER_HOME={home}; UI at http://localhost:{args.port}", flush=True)
    dg = os.path.join(os.path.dirname(sys.executable), "dg")
    os.environ.setdefault("VIRTUAL_ENV", os.path.dirname(os.path.dirname(sys.executable)))
    os.execv(dg, [dg, "dev", "-w", "workspace.yaml", "-p", str(args.port)])
