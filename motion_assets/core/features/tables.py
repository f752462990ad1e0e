"""Feature matrices <-> Arrow tables keyed by sequence_id (dense as fixed-size lists, sparse
as index/value lists), so pandas, polars or duckdb users read them directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp


def dense_column(matrix: np.ndarray) -> pa.FixedSizeListArray:
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    return pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1)), matrix.shape[1])


def sparse_columns(matrix: sp.spmatrix) -> tuple[pa.ListArray, pa.ListArray]:
    """(indices, values) list columns of a CSR matrix, one entry per row."""
    csr = sp.csr_matrix(matrix)
    offsets = pa.array(csr.indptr.astype(np.int32))
    return (
        pa.ListArray.from_arrays(offsets, pa.array(csr.indices.astype(np.int32))),
        pa.ListArray.from_arrays(offsets, pa.array(csr.data.astype(np.float32))),
    )


def embedding_table(sequence_ids, matrix: np.ndarray) -> pa.Table:
    return pa.table({"sequence_id": pa.array(list(sequence_ids), pa.string()),
                     "embedding": dense_column(matrix)})


def matrix_of(table: pd.DataFrame, column: str = "embedding") -> np.ndarray:
    """The ``[N, D]`` float32 matrix of a dense list column."""
    return np.vstack([np.asarray(v, dtype=np.float32) for v in table[column]]) if len(table) else (
        np.zeros((0, 0), dtype=np.float32)
    )
