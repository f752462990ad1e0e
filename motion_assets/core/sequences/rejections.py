"""Why a file, a .jsonl line or a folder is not a sequence: a fixed kind plus a free detail.

The kind is the vocabulary reports, checks and tests group and match on; the detail is for
people (which window, which code, what the operating system said) and is never parsed.
"""

from __future__ import annotations

from enum import StrEnum


class RejectionKind(StrEnum):
    # the content
    EMPTY_FILE = "empty_file"  # no bytes, or only whitespace
    INVALID_JSON = "invalid_json"  # not JSON, or truncated (the detail says which)
    WRONG_TYPE = "wrong_type"  # a document, codes field or window of the wrong JSON type
    NO_CODES = "no_codes"  # no codes_windows / code_sequences / code_sequences_flat
    EMPTY_CODES = "empty_codes"
    NON_INTEGER_ID = "non_integer_id"  # a float, string, bool or null where an id belongs
    ID_OUT_OF_RANGE = "id_out_of_range"  # an id outside [0, codebook_size)
    RAGGED_WINDOWS = "ragged_windows"  # windows of one file differ in length
    MIXED_WIDTH = "mixed_width"  # the file's window width is not the variant's
    UNKNOWN_WIDTH = "unknown_width"  # flat codes, and nothing says the variant's width
    # the filesystem
    UNREADABLE = "unreadable"  # permission or I/O error on a file, or a folder not listable
    NOT_A_REGULAR_FILE = "not_a_regular_file"  # a FIFO, socket or device: never opened
    SYMLINK_LOOP = "symlink_loop"  # a link that resolves to itself or to a folder above it
    DANGLING_LINK = "dangling_link"  # a link whose target does not exist
    UNDECODABLE_NAME = "undecodable_name"  # a file or folder name that is not UTF-8


class SequenceRejected(ValueError):
    """A document (or file) that cannot be a sequence; ``str()`` is the detail."""

    def __init__(self, kind: RejectionKind, detail: str):
        super().__init__(detail)
        self.kind = RejectionKind(kind)
        self.detail = detail

    def __reduce__(self):  # picklable across worker processes despite the two arguments
        return type(self), (self.kind, self.detail)
