"""A snapshot of the asset graph: a change to lineage is always a visible, reviewed diff.

Regenerate after an intended change: UPDATE_SNAPSHOT=1 pytest motion_assets_tests/defs/test_asset_graph.py
"""

import os
import pathlib

from motion_assets.definitions import defs

SNAPSHOT = pathlib.Path(__file__).with_name("asset_graph.snapshot.txt")


def describe_graph() -> str:
    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        lines.append(
            f"{key.to_user_string()}  group={node.group_name}  "
            f"partitions={getattr(partitions, 'name', None) or type(partitions).__name__ if partitions else None}"
        )
        for parent in sorted(p.to_user_string() for p in node.parent_keys):
            lines.append(f"  <- {parent}")
    for check_key in sorted(graph.asset_check_keys, key=lambda k: k.to_user_string()):
        spec = graph.get_check_spec(check_key)
        lines.append(f"check {check_key.to_user_string()}  blocking={spec.blocking}")
    for job in sorted(defs.jobs or [], key=lambda j: j.name):
        lines.append(f"job {job.name}")
    for sensor in sorted(defs.sensors or [], key=lambda s: s.name):
        lines.append(f"sensor {sensor.name}  status={sensor.default_status.value}")
    return "\n".join(lines) + "\n"


def test_asset_graph_matches_the_snapshot():
    current = describe_graph()
    if os.environ.get("UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(current)
    assert current == SNAPSHOT.read_text()
