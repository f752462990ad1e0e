"""Dataset variant names: they become Dagster partition keys and folder names."""

from __future__ import annotations

import re

_VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$")


def variant_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a dataset variant, or None when it can."""
    if not name:
        return "empty name"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if ".." in name:
        return "contains '..'"
    if name.startswith("."):
        return "hidden folder (starts with '.')"
    if not _VARIANT_NAME.match(name):
        return "only letters, digits, '_', '-' and '.' are allowed (at most 200, starting alnum)"
    return None


def validate_variant_name(name: str) -> str:
    """Return ``name`` or raise ValueError saying why it is refused."""
    problem = variant_name_problem(name)
    if problem:
        raise ValueError(f"invalid dataset variant name {name!r}: {problem}")
    return name
