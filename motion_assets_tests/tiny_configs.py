"""The repository's configs with a tiny encoder (2 epochs, one thread): whole runs in tests."""

import os
import shutil

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_tiny_configs(folder) -> str:
    shutil.copytree(os.path.join(REPO, "configs"), folder)
    path = os.path.join(folder, "sequence_embed.yaml")
    with open(path) as handle:
        config = yaml.safe_load(handle)
    config["model"]["d_model"] = 16
    config["train"]["epochs"] = 2
    config["train"]["num_threads"] = 1  # the same floats in every process, whatever its threads
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle)
    return str(folder)
