"""What each column of each table asset holds: the descriptions of the column schemas the UI
shows. A test materializes the graph and fails on any stored column described nowhere here."""

from __future__ import annotations

import re

SEQUENCE_COLUMNS = {
    "sequence_id": "Stable id: path relative to the variant folder minus the extension "
    "(+ #<line> for .jsonl rows)",
    "relative_path": "The file, relative to the variant folder",
    "line": "1-based line of a .jsonl file; empty for one-sequence files",
    "video": "The video the segment comes from (not a label)",
    "label": "Ground-truth label where the folder layout declares one",
    "source_schema": "segment_sidecar, offline_export or jsonl_rows",
    "window_count": "W: windows in the segment",
    "codes_per_window": "d: codes per window (14 today, 16 in older exports)",
    "codes": "The W*d code ids, window after window",
    "window_indices": "Global index of each window (gaps where a motion gate dropped windows)",
    "length": "W*d codes",
    "codebook_size": "K: valid code ids are [0, K)",
    "codebook_levels": "FSQ levels that decode an id into digits",
    "stride": "Frames between window starts",
    "window_frames": "T: frames per window",
    "target_fps": "Frames per second the tokenizer sampled at",
    "start_frame": "First frame of the segment in its video",
    "end_frame": "Last frame of the segment in its video",
    "video_segment_path": "The clip the segment was cut into (as the producing machine named it)",
    "mean_latent": "Mean continuous latent, where the file carries one",
    "content_hash": "Hash of (video, first window, codes): equal hashes are duplicates",
    "duplicate_of": "sequence_id of the first row with the same content; empty if unique",
}

ASSIGNMENT_COLUMNS = {
    "sequence_id": "Key into code_sequences",
    "cluster": "Cluster id, stable across refits; -1 is noise",
    "probability": "Membership probability of the assigned cluster",
    "outlier_score": "How far from its cluster the sequence lies (higher: more of an outlier)",
    "is_noise": "The clusterer left the sequence out of every cluster",
    "unknown": "Flagged unknown: noise or below the probability threshold",
}

METRICS = {
    "ari": "Adjusted Rand index vs the labels (1 = same partition, 0 = chance)",
    "ami": "Adjusted mutual information vs the labels",
    "nmi": "Normalised mutual information vs the labels",
    "homogeneity": "Each cluster holds one label (1 = all pure)",
    "completeness": "Each label falls in one cluster",
    "v_measure": "Harmonic mean of homogeneity and completeness",
    "purity": "Share of sequences in their cluster's majority label",
    "accuracy": "Share correct after the best one-to-one cluster-to-label matching",
    "noise_share": "Share of sequences assigned to noise",
    "n_clusters": "Clusters found (noise not counted)",
    "purity_non_noise": "Purity on the sequences not assigned to noise",
    "accuracy_non_noise": "Accuracy on the sequences not assigned to noise",
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "code_sequences": SEQUENCE_COLUMNS,
    "labelled_sequences": {**SEQUENCE_COLUMNS,
                           "label": "The label after the configured merge map",
                           "raw_label": "The label as the folder named it, before merging"},
    "rejected_files": {
        "relative_path": "The refused file, relative to the variant folder",
        "line": "1-based line of a refused .jsonl row; empty for whole files",
        "kind": "Why it was refused, from a fixed vocabulary (core/sequences/rejections.py)",
        "detail": "The specifics of the refusal, in words",
    },
    "codebook_usage": {
        "code": "Code id",
        "count": "Occurrences in the variant's sequences",
        "share": "Share of all code occurrences",
    },
    "sequence_embeddings": {
        "sequence_id": "Key into code_sequences",
        "embedding": "The encoder's embedding of the sequence (float32)",
    },
    "baseline_features": {"sequence_id": "Key into code_sequences"},
    "hdbscan_clusters": ASSIGNMENT_COLUMNS,
    "bayes_gmm_clusters": ASSIGNMENT_COLUMNS,
    "umap_projection": {
        "sequence_id": "Key into code_sequences",
        "x": "First UMAP coordinate",
        "y": "Second UMAP coordinate",
        "fitted": "UMAP was fitted on this row (the others were transformed)",
    },
    # metadata tables shown on an asset (not stored files)
    "clusters_catalog": {
        "cluster": "Cluster id (stable across refits)",
        "size": "Sequences in the cluster",
        "share": "Share of the variant's sequences",
        "mean_probability": "Mean membership probability of its sequences",
        "unknown_share": "Share of its sequences flagged unknown",
        "persistence": "HDBSCAN persistence: how long the cluster survives (higher: clearer)",
        "signature": "Its most distinctive codes and code n-grams (class TF-IDF, best first)",
    },
    "cluster_plots": {"plot": "What the picture shows", "png": "The picture (PNG bytes)"},
    "cluster_quality": {
        "clusterer": "hdbscan or bayes_gmm",
        "n_clusters": "Clusters found (noise not counted)",
        "noise_share": "Share of sequences assigned to noise",
        "silhouette": "Mean silhouette on non-noise points (-1..1, higher is better)",
        "calinski_harabasz": "Between/within dispersion ratio (higher is better)",
        "davies_bouldin": "Mean similarity of each cluster to its closest (lower is better)",
        "dbcv": "Density-based cluster validity (-1..1, higher is better)",
        "stability_ari_mean": "Mean ARI between refits on 80% subsamples",
        "stability_ari_std": "Spread of that ARI",
        "stability_jaccard_mean": "Mean best-match Jaccard of a cluster across refits",
    },
    "labelled_evaluation": {
        "sequence_id": "Key into labelled_sequences",
        "relative_path": "The labelled file, relative to the variant's labelled folder",
        "label": "Its label (after merging)",
        "method": "deployed/<featurizer>/<clusterer> (the scoring bundle's model), "
                  "variant_fit/<kind> (the variant's encoder fit, scored the same way) or "
                  "<featurizer>/<clusterer>",
        "cluster": "The cluster the method put it in; -1 is noise",
        "probability": "Membership probability of that cluster",
        "unknown": "The method flagged it unknown",
    },
    "labelled_leaderboard": {
        "method": "deployed/<featurizer>/<clusterer> (the scoring bundle's model), "
                  "variant_fit/<kind> (the variant's encoder fit, scored the same way) or "
                  "<featurizer>/<clusterer>",
        "deployed": "This is the model the scoring bundle serves (a label-guided one learnt "
                    "from these labels: not held out; see the bundle's selection record)",
        "featurizer": "How sequences were turned into vectors",
        "clusterer": "How the vectors were clustered",
        **METRICS,
    },
    "online_scores": {
        "path": "The scored file, relative to the variant's incoming folder",
        "sequence_id": "Id of the scored sequence in its incoming folder",
        "line": "1-based line of a .jsonl file; empty for one-sequence files",
        "content_hash": "Hash of the sequence's content when it was scored",
        "cluster": "The clusterer's label (HDBSCAN noise = -1), as the batch fit gives it",
        "best_cluster": "The most likely cluster, even for noise",
        "probability": "HDBSCAN membership strength, or the mixture's posterior",
        "soft_probability": "Highest soft membership over the clusters",
        "outlier_score": "0..1, higher = more unusual (GLOSH, or the mixture's likelihood rank)",
        "novelty": "0..1, share of training sequences less isolated than this one (kNN)",
        "is_noise": "HDBSCAN calls it noise",
        "unknown": "Flagged unknown: noise (if counted), below the probability threshold, or novel",
        "unknown_score": "0..1, higher = more likely an action not seen in training",
        "scoring_id": "The scoring identity: bundle file + thresholds",
        "bundle_hash": "Content hash of the scoring bundle that scored it",
        "threshold": "Probability threshold in force",
        "novelty_threshold": "Novelty threshold in force",
        "noise_is_unknown": "Noise counted as unknown",
        "threshold_source": "Where the thresholds came from (bundle or override)",
        "scored_at": "When it was scored (UTC)",
        "run_id": "The Dagster run that scored it",
    },
}

# Columns whose names carry a part chosen by the data (a featurizer, an FSQ axis, a metric).
PATTERNS: dict[str, list[tuple[str, str]]] = {
    "baseline_features": [(r"(.+)_indices", "{0}: indices of the non-zero features (sparse row)"),
                          (r"(.+)_values", "{0}: values at those indices"),
                          (r"(.+)", "{0}: dense feature vector")],
    "clusters_catalog": [(r"example_(\d+)", "Typical clip no. {0}, relative to the variant folder")],
    "codebook_usage": [(r"digit_(\d+)", "FSQ digit on axis {0}; empty where the grid cannot hold the id")],
    "cluster_quality": [(r"label_(.+)", "Against the variant's own labels: {0}")],
    "labelled_leaderboard": [(r"(.+)_non_noise", "{0} on the sequences not assigned to noise")],
}


def column_description(asset: str, column: str) -> str | None:
    """The description of ``column`` of ``asset``; None when nobody wrote one."""
    described = DESCRIPTIONS.get(asset, {})
    if column in described:
        return described[column]
    for pattern, template in PATTERNS.get(asset, []):
        match = re.fullmatch(pattern, column)
        if match:
            return template.format(*match.groups())
    return None
