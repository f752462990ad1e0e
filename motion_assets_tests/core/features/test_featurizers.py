"""Baseline featurizers: one protocol, real IDF, order-aware n-grams, digit geometry."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch

from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.features import featurizers
from motion_assets.core.features.featurizers import (
    BagOfCodesTfidf,
    CodeNgramTfidf,
    DigitStatistics,
    Featurizer,
    MeanLatent,
    rows_without_mean_latent,
)

LEVELS = [8, 8, 6, 5]


def make_table(sequences, d=4, mean_latent=None):
    """A tiny code_sequences table: windows of d codes, consecutive, stride 4 of T 15."""
    n = len(sequences)
    return pd.DataFrame(
        {
            "sequence_id": [f"s{i}" for i in range(n)],
            "codes": [list(map(int, s)) for s in sequences],
            "codes_per_window": [d] * n,
            "window_count": [len(s) // d for s in sequences],
            "window_indices": [list(range(len(s) // d)) for s in sequences],
            "stride": [4] * n,
            "window_frames": [15] * n,
            "codebook_size": [1920] * n,
            "codebook_levels": [LEVELS] * n,
            "mean_latent": mean_latent if mean_latent is not None else [None] * n,
        }
    )


def table_of_patterns(n=40, seed=0):
    rng = np.random.default_rng(seed)
    sequences = []
    for i in range(n):
        start, step = int(rng.integers(0, 100)), (1, 7)[i % 2]
        sequences.append((start + step * np.arange(4 * int(rng.integers(2, 5)))) % 120)
    return make_table(sequences)


def test_every_featurizer_shares_the_protocol():
    torch.set_num_threads(1)
    table = table_of_patterns()
    table["mean_latent"] = [np.ones(3, dtype=np.float32) * i for i in range(len(table))]
    tiny = SequenceEmbedConfig.from_dict(
        {"codebook_size": 1920, "model": {"d_model": 8}, "train": {"epochs": 1}}
    )
    featurizers = [
        BagOfCodesTfidf(),
        CodeNgramTfidf(remove_overlap=True),
        DigitStatistics(),
        MeanLatent(),
        EncoderFeaturizer(tiny),
    ]
    names = set()
    for featurizer in featurizers:
        assert isinstance(featurizer, Featurizer)
        assert featurizer.fit(table) is featurizer
        features = featurizer.transform(table)
        assert isinstance(features, np.ndarray | sp.spmatrix | sp.sparray)
        assert features.shape[0] == len(table)
        names.add(featurizer.name)
    assert len(names) == len(featurizers)


def test_tfidf_idf_is_not_flat():
    # code 0 is in every sequence, code 9 in one: idf 0 versus ln(4)
    table = make_table([[0, 1, 2, 3], [0, 1, 5, 6], [0, 2, 5, 7], [0, 3, 6, 9]])
    featurizer = BagOfCodesTfidf().fit(table)
    idf = dict(zip(featurizer.vocabulary_.tolist(), featurizer.idf_))
    assert idf[0] == 0.0 and idf[9] == pytest.approx(np.log(4))
    assert np.ptp(featurizer.idf_) > 1.0
    rows = featurizer.transform(table)
    assert np.allclose(sp.linalg.norm(rows, axis=1), 1.0)


def test_ngrams_tell_a_sequence_from_its_reverse():
    forward = np.arange(12)
    table = make_table([forward, forward[::-1], np.arange(12, 24), np.arange(24, 36)])
    ngrams = CodeNgramTfidf(ngram_range=(1, 2)).fit(table).transform(table).toarray()
    assert not np.allclose(ngrams[0], ngrams[1])
    bag = BagOfCodesTfidf().fit(table).transform(table).toarray()
    assert np.allclose(bag[0], bag[1])  # the bag of codes cannot


def test_codes_unseen_in_fit_are_dropped():
    featurizer = BagOfCodesTfidf().fit(make_table([[0, 1, 2, 3], [4, 5, 6, 7]]))
    assert featurizer.transform(make_table([[10, 11, 12, 13]])).nnz == 0


def test_digit_statistics_see_neighbouring_codes_as_close():
    near = make_table([[1161] * 8, [1162] * 8, [0] * 8, [1919] * 8])
    features = DigitStatistics(standardize=False).fit(near).transform(near)
    assert features.shape == (4, 4 * 4 + sum(LEVELS))
    assert np.linalg.norm(features[0] - features[1]) < np.linalg.norm(features[0] - features[3])


def test_mean_latent_refuses_rows_without_one():
    table = make_table([[0, 1, 2, 3], [4, 5, 6, 7]], mean_latent=[np.ones(3), None])
    assert rows_without_mean_latent(table) == ["s1"]
    with pytest.raises(ValueError, match="missing for 1 of 2 rows"):
        MeanLatent().fit(table)


def test_remove_overlap_changes_what_featurizers_see():
    table = table_of_patterns()
    full = BagOfCodesTfidf().fit(table).transform(table)
    reduced = BagOfCodesTfidf(remove_overlap=True).fit(table).transform(table)
    assert full.nnz > reduced.nnz


def test_a_large_table_fits_featurizers_on_a_seeded_draw(monkeypatch):
    monkeypatch.setattr(featurizers, "FIT_ROWS", 30)
    table = table_of_patterns(n=80)
    drawn = featurizers.fit_rows(table)
    assert len(drawn) == 30
    pd.testing.assert_frame_equal(drawn, featurizers.fit_rows(table))
    vocabulary = BagOfCodesTfidf().fit(drawn).vocabulary_
    np.testing.assert_array_equal(vocabulary, np.unique(np.concatenate(drawn["codes"].tolist())))
    assert len(vocabulary) < len(np.unique(np.concatenate(table["codes"].tolist())))


def test_a_small_table_fits_featurizers_on_every_row():
    table = table_of_patterns(n=40)
    assert featurizers.fit_rows(table) is table


def test_digit_statistics_of_many_rows_equal_each_row_alone():
    rng = np.random.default_rng(4)
    table = make_table([rng.integers(0, 1920, size) for size in (1, 2, 9, 40, 1, 17)])
    fitted = DigitStatistics(standardize=False).fit(table)
    together = fitted.transform(table)
    alone = np.vstack([fitted.transform(table.iloc[[i]]) for i in range(len(table))])
    np.testing.assert_allclose(together, alone, atol=1e-6)
    assert together[0, -4:].tolist() == [1.0] * 4  # one code: no step, so it stays put
