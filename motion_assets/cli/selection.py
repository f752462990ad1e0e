"""``--select``: Dagster's selection syntax or the ``dagster asset materialize`` comma list.

Assets computed together (the ``code_sequences`` multi-asset writes ``code_sequences`` and
``rejected_files`` from one read of the folder) cannot run apart: selecting one of them selects
its siblings, and the command says so.
"""

from __future__ import annotations

import dataclasses

from dagster import AssetCheckKey, AssetKey, AssetSelection


class SelectionError(ValueError):
    """A selection that does not parse or matches nothing runnable."""


@dataclasses.dataclass(frozen=True)
class ResolvedSelection:
    assets: frozenset[AssetKey]
    checks: frozenset[AssetCheckKey]
    added: frozenset[AssetKey]  # siblings selected because they run together

    def names(self) -> list[str]:
        return sorted(key.to_user_string() for key in self.assets)


def parse_selection(text: str) -> AssetSelection:
    """``key:a+ or group:x`` style, else a comma list of ``[*|+]name[*|+]`` clauses."""
    try:
        return AssetSelection.from_string(text)
    except Exception as first_error:  # noqa: BLE001 - the parsers raise several types
        clauses = [part.strip() for part in text.split(",") if part.strip()]
        if len(clauses) > 1 or (clauses and clauses[0] != text):
            try:
                return AssetSelection.from_coercible(clauses)
            except Exception as error:  # noqa: BLE001 - as above
                raise SelectionError(f"bad selection {text!r}: {error}") from None
        raise SelectionError(f"bad selection {text!r}: {first_error}") from None


def resolve_selection(text: str | None, asset_graph, job_names: set[str]) -> ResolvedSelection:
    """The assets of ``job_names`` that ``text`` selects (all of them without ``text``)."""
    in_jobs = {key for key in asset_graph.get_all_asset_keys()
               if set(asset_graph.get(key).job_names) & job_names}
    if text is None:
        chosen = set(in_jobs)
    else:
        try:
            chosen = set(parse_selection(text).resolve(asset_graph))
        except SelectionError:
            raise
        except Exception as error:  # noqa: BLE001 - unknown keys and the like, at resolution
            raise SelectionError(f"bad selection {text!r}: {str(error).splitlines()[0]}") from None
        outside = sorted(key.to_user_string() for key in chosen - in_jobs)
        if outside:
            raise SelectionError(f"selection {text!r} has assets no job here runs: {', '.join(outside)}")
        if not chosen:
            raise SelectionError(f"selection {text!r} matches no asset")
    siblings = set().union(*(asset_graph.get(key).execution_set_asset_keys for key in chosen))
    assets = frozenset(chosen | siblings)
    checks = frozenset(key for key in asset_graph.asset_check_keys if key.asset_key in assets)
    return ResolvedSelection(assets, checks, frozenset(siblings - chosen))
