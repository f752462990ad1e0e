"""Broken sequence files, each with the rejection reason a reader is expected to give.

Readers must never skip these silently: each one is recorded with its path and reason.
"""

from __future__ import annotations

import numpy as np
import orjson

# Corruption kind -> expected rejection reason. Both JSON failures share one reason, since a
# reader cannot always tell a truncated document from one that never was JSON.
BAD_KINDS: dict[str, str] = {
    "not_json": "invalid_json",
    "truncated_json": "invalid_json",
    "no_codes_field": "no_codes",
    "empty_codes": "empty_codes",
    "id_out_of_range": "id_out_of_range",
    "float_id": "non_integer_id",
    "string_id": "non_integer_id",
    "bool_id": "non_integer_id",
    "ragged_windows": "ragged_windows",
}

CODE_FIELDS = ("codes_windows", "code_sequences", "code_sequences_flat")


def pick_bad_kind(rng: np.random.Generator) -> str:
    return str(rng.choice(list(BAD_KINDS)))


def corrupt(document: dict, kind: str, rng: np.random.Generator) -> bytes:
    """The bytes of ``document`` (a Schema 1 or 2 dict with nested codes) broken as ``kind``.

    ``document`` is not modified. Out-of-range ids lie outside even the nominal ``cbNNNN``
    size, so they are wrong under any codebook a reader may resolve.
    """
    if kind == "not_json":
        return b"codes_windows: [[12, 40, 7]]\n\x00\x9c not json\n"
    if kind == "truncated_json":
        text = orjson.dumps(document, option=orjson.OPT_INDENT_2)
        return text[: int(len(text) * rng.uniform(0.2, 0.9))]

    broken = dict(document)
    key = next(k for k in CODE_FIELDS if k in broken)
    windows = [list(w) for w in broken[key]]
    w, j = int(rng.integers(len(windows))), int(rng.integers(len(windows[0])))
    if kind == "no_codes_field":
        for field in CODE_FIELDS:
            broken.pop(field, None)
    elif kind == "empty_codes":
        broken[key] = []
    elif kind == "ragged_windows":
        windows[w] = windows[w][:-1]
        broken[key] = windows
    else:
        windows[w][j] = {
            "id_out_of_range": int(rng.choice([-1, 4096 + windows[w][j]])),
            "float_id": windows[w][j] + 0.5,
            "string_id": str(windows[w][j]),
            "bool_id": True,
        }[kind]
        broken[key] = windows
    return orjson.dumps(broken, option=orjson.OPT_INDENT_2)
