"""One sequence given as codes, as the reader's validated record: what score.py's ``score_codes``
and the CLI's ``--codes`` build, without pandas (the scoring runtime's process imports none)."""

from __future__ import annotations

from motion_assets.core.sequences.reader import CodebookSettings, content_hash, sequence_record

CODES_SEQUENCE_ID = "codes"


def codes_record(codes: list, settings: CodebookSettings, codes_per_window: int | None) -> dict:
    """The reader's record of ``codes`` (windows ``[[...], ...]``, or a flat list cut into
    windows of ``codes_per_window``) against ``settings``: raises ``reader.SequenceRejected``."""
    if codes and isinstance(codes[0], list):
        document = {"codes_windows": codes}
    else:
        document = {"code_sequences_flat": codes, "meta": {"encoder_sequence_len": codes_per_window}}
    return sequence_record(document, settings, settings.resolve())


def codes_row(record: dict, sequence_id: str = CODES_SEQUENCE_ID) -> dict:
    """The record as a row of the scored table: no file, so no path, video or line."""
    return {**record, "sequence_id": sequence_id, "relative_path": None, "line": None,
            "video": None, "source_schema": "codes", "duplicate_of": None,
            "content_hash": content_hash(None, None, record["codes"])}
