"""What the curation assets share: the recorded bundle, and the unknowns to learn from."""

import os

import pandas as pd
from dagster import AssetExecutionContext

from motion_assets.core.scoring.bundle import ScoringBundle, bundle_from_bytes
from motion_assets.core.sequences.ingest import read_sequence_paths
from motion_assets.defs.model_records import recorded_content_hash
from motion_assets.defs.resources import TokenizerFolders


def load_bundle(context: AssetExecutionContext, data: bytes) -> ScoringBundle:
    """The variant's scoring bundle, only if it is the file the instance recorded."""
    return bundle_from_bytes(data, recorded_content_hash(context, "scoring_bundle"))


def current_unknowns(bundle: ScoringBundle, current: pd.DataFrame,
                     folders: TokenizerFolders, variant: str) -> pd.DataFrame:
    """The incoming sequences whose current score (``current``: the latest per file) is
    unknown, read again from their files (``code_sequences`` rows: path, content_hash,
    codes, ...); files gone since are skipped."""
    if not len(current) or not folders.incoming_root:
        return pd.DataFrame(columns=["path", "content_hash", "codes", "codes_per_window"])
    paths = sorted(set(current.loc[current["unknown"].astype(bool), "path"]))
    folder = os.path.join(folders.incoming_root, variant)
    table = read_sequence_paths(folder, paths, bundle.codebook_settings()).sequences.to_pandas()
    return table.rename(columns={"relative_path": "path"}).reset_index(drop=True)
