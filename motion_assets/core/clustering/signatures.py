"""What distinguishes a cluster: its codes and code n-grams, scored by class-based TF-IDF.

Each cluster is one "document" made of every n-gram of its members' flat code sequences.
A term's weight in cluster c is ``tf(t, c) * log(1 + A / f(t))``: ``tf`` its frequency
within c, ``A`` the average number of terms per cluster, ``f(t)`` its count across all
clusters. A term frequent in c and rare elsewhere scores high; one common everywhere (an
idle pose) scores low. Noise is kept as a document (so its terms do not look distinctive
elsewhere) but gets no signature.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from motion_assets.core.clustering.assignments import NOISE


def _encoded_ngrams(codes: Sequence[np.ndarray], n: int, base: int) -> tuple[np.ndarray, np.ndarray]:
    """All n-grams as int64 keys (mixed radix ``base``) and the sequence each comes from."""
    lengths = np.array([len(c) for c in codes], dtype=np.int64)
    flat = np.concatenate([np.asarray(c, dtype=np.int64) for c in codes]) if len(codes) else \
        np.zeros(0, np.int64)
    owner = np.repeat(np.arange(len(codes)), lengths)
    starts = np.arange(len(flat) - n + 1)
    if len(starts) <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keep = owner[starts] == owner[starts + n - 1]  # n-grams never cross two sequences
    starts = starts[keep]
    keys = np.zeros(len(starts), dtype=np.int64)
    for offset in range(n):
        keys = keys * base + flat[starts + offset]
    return keys, owner[starts]


def _unique_inverse(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` by one sort (numpy's hash path is slower here)."""
    order = np.argsort(keys)
    ordered = keys[order]
    starts = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], inverse


def _capped_rows(clusters: np.ndarray, cap: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = []
    for cluster in np.unique(clusters):
        members = np.flatnonzero(clusters == cluster)
        parts.append(members if len(members) <= cap else rng.choice(members, cap, replace=False))
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def _decode(key: int, n: int, base: int) -> str:
    digits = []
    for _ in range(n):
        key, digit = divmod(key, base)
        digits.append(digit)
    return "-".join(str(d) for d in reversed(digits))


def cluster_signatures(codes: Sequence[np.ndarray], clusters, *, ngram_sizes=(1, 2, 3),
                       top_k: int = 10, max_per_cluster: int | None = 2000,
                       random_state: int = 0) -> pd.DataFrame:
    """The ``top_k`` most distinctive terms of every non-noise cluster, per n-gram size
    (unigram weights would otherwise always outrank longer n-grams).

    ``codes``: one int array per sequence (row order = ``clusters``). Returns columns
    cluster, rank (1 = best within cluster and n), term (e.g. ``"412"`` or ``"412-17-903"``), n, score (c-TF-IDF),
    cluster_share (share of the cluster's sequences containing the term), rest_share (the
    same among all other sequences). At most ``max_per_cluster`` sequences of each cluster
    (a seeded random sample) are counted: the cost grows with the n-gram vocabulary.
    """
    clusters = np.asarray(clusters, dtype=np.int64)
    if len(codes) != len(clusters):
        raise ValueError(f"{len(codes)} code sequences but {len(clusters)} cluster labels")
    if max_per_cluster is not None:
        rows = _capped_rows(clusters, max_per_cluster, random_state)
        codes, clusters = [codes[i] for i in rows], clusters[rows]
    columns = ["cluster", "rank", "term", "n", "score", "cluster_share", "rest_share"]
    if len(codes) == 0:
        return pd.DataFrame(columns=columns)
    base = int(max((int(np.max(c)) for c in codes if len(c)), default=0)) + 1
    if base ** max(ngram_sizes) >= 2**62:
        raise ValueError(f"codes up to {base - 1} do not fit {max(ngram_sizes)}-gram keys")
    cluster_ids, cluster_row = np.unique(clusters, return_inverse=True)
    cluster_sizes = np.bincount(cluster_row)
    rows = []
    for n in ngram_sizes:
        keys, owner = _encoded_ngrams(codes, n, base)
        if len(keys) == 0:
            continue
        vocabulary, term = _unique_inverse(keys)
        shape = (len(cluster_ids), len(vocabulary))
        counts = sp.csr_matrix((np.ones(len(term)), (cluster_row[owner], term)), shape=shape)
        pairs = np.sort(owner * len(vocabulary) + term)  # one hit per (sequence, term)
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
        presence = sp.csr_matrix(
            (np.ones(len(pairs)), (cluster_row[pairs // len(vocabulary)], pairs % len(vocabulary))),
            shape=shape)
        presence_total = np.asarray(presence.sum(axis=0)).ravel()
        row_totals = np.asarray(counts.sum(axis=1)).ravel()
        term_totals = np.asarray(counts.sum(axis=0)).ravel()
        idf = np.log1p((row_totals.sum() / len(cluster_ids)) / np.maximum(term_totals, 1))
        weight = sp.csr_matrix(counts.multiply(1.0 / np.maximum(row_totals, 1)[:, None])
                               .multiply(idf[None, :]))
        for i, cluster in enumerate(cluster_ids):
            if cluster == NOISE:
                continue
            row = weight.getrow(i)
            rest_size = max(len(clusters) - cluster_sizes[i], 1)
            for j in np.argsort(-row.data, kind="stable")[:top_k]:
                t = row.indices[j]
                inside = presence[i, t]
                rows.append({
                    "cluster": int(cluster), "term": _decode(int(vocabulary[t]), n, base), "n": n,
                    "score": float(row.data[j]),
                    "cluster_share": float(inside / cluster_sizes[i]),
                    "rest_share": float((presence_total[t] - inside) / rest_size),
                })
    frame = pd.DataFrame(rows, columns=[c for c in columns if c != "rank"])
    frame = frame.sort_values(["cluster", "n", "score"], ascending=[True, True, False],
                              kind="stable")
    frame.insert(1, "rank", frame.groupby(["cluster", "n"]).cumcount() + 1)
    return frame.reset_index(drop=True)
