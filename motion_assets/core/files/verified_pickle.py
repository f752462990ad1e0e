"""Pickled models that are only unpickled after their content hash matched the record.

Unpickling runs code, so a model file is trusted only when its sha256 equals the hash
recorded when it was written (in the Dagster materialization, or a bundle manifest).
"""

from __future__ import annotations

import hashlib
import pickle


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dumps(model) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def loads_verified(data: bytes, expected_sha256: str | None, *, what: str = "model file"):
    """Unpickle ``data`` only if its sha256 is ``expected_sha256``; else a ValueError."""
    actual = sha256_hex(data)
    if not expected_sha256 or actual != expected_sha256:
        raise ValueError(
            f"refusing to load {what}: its sha256 {actual} does not match the recorded "
            f"{expected_sha256 or '(none recorded)'}; it was changed or is not the file recorded"
        )
    return pickle.loads(data)
