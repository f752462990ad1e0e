"""Child process of the crash tests: materialize assets and park for good at one publish.

``python -m motion_assets_tests.defs.kill_during_write SPEC_JSON``. SPEC_JSON names the
instance (a serialized InstanceRef), the resources, the selection and run config, and the
destination whose atomic rename must never happen (an fnmatch pattern). When the process reaches
it (the temporary file is complete, the rename not done), it writes its pid to
``ready_file`` and waits there; the test kills it with SIGKILL, as the OOM killer would.
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
import time


def park_before_replacing(destination: str, ready_file: str) -> None:
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if fnmatch.fnmatch(str(target), destination):
            with open(ready_file, "w") as handle:
                handle.write(str(os.getpid()))
            while True:
                time.sleep(60)
        return real_replace(source, target, *args, **kwargs)

    os.replace = replace


def main(spec: dict) -> None:
    park_before_replacing(spec["destination"], spec["ready_file"])
    from dagster import DagsterInstance, materialize
    from dagster._serdes import deserialize_value

    from motion_assets.definitions import ASSETS
    from motion_assets.defs.resources import build_resources

    instance = DagsterInstance.from_ref(deserialize_value(spec["instance_ref"]))
    materialize(ASSETS, instance=instance, partition_key=spec["partition"],
                resources=build_resources(**spec["resources"]), selection=spec["selection"],
                run_config=spec["run_config"])
    sys.exit(f"never reached a write to {spec['destination']}")


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
