"""Fit time and peak memory of HDBSCAN, the Bayesian GMM and UMAP as N grows.

Each measurement runs in a fresh subprocess (so peak memory is its own and numba/sklearn
start cold, like a Dagster step), limited to two threads, and is killed after --timeout
seconds. The data: synthetic 64-d "embeddings", 20 anisotropic clusters in a 12-d subspace
plus noise, and 5% scattered points.

Compared in the same run:
  project   our configuration: PCA (<= 16 dims, 95% variance) + L2, then the clusterer
            with our defaults (HDBSCAN min_cluster_size 15, min_samples 5, prediction data;
            GMM 20 components, covariance chosen by N and dims -> diag here)
  library   the library's defaults on the raw 64-d embeddings (hdbscan.HDBSCAN();
            BayesianGaussianMixture(n_components=20), i.e. full covariance)
  umap      our umap_projection (fit on <= 10k points, transform the rest), raw embeddings

Usage: python benchmarks/clustering_benchmark.py --sizes 10000 50000 [--timeout 600]
Prints one line per measurement; no assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")
CASES = ("hdbscan_project", "hdbscan_library", "gmm_project", "gmm_library", "umap_project")


def embeddings(n: int, dims: int = 64, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(20, 12))
    which = rng.integers(0, 20, size=n)
    scales = rng.uniform(0.4, 1.5, size=(20, 12))
    latent = centres[which] + rng.normal(size=(n, 12)) * scales[which]
    scattered = rng.random(n) < 0.05
    latent[scattered] = rng.uniform(-10, 10, size=(int(scattered.sum()), 12))
    basis = np.linalg.qr(rng.normal(size=(dims, 12)))[0]
    return (latent @ basis.T + rng.normal(scale=0.3, size=(n, dims))).astype(np.float64)


def run_case(case: str, n: int) -> dict:
    """Runs inside the child process."""
    import resource
    import warnings

    warnings.filterwarnings("ignore")
    data = embeddings(n)
    start = time.perf_counter()
    extra: dict = {}
    if case == "hdbscan_project":
        from motion_assets.core.clustering.pipeline import make_clusterer

        model = make_clusterer("hdbscan").fit(data)
        extra = {"clusters": model.n_clusters_, "dims": model.preprocessor.n_components_,
                 "noise_share": round(float(model.training_assignments_.is_noise.mean()), 3)}
    elif case == "hdbscan_library":
        import hdbscan

        labels = hdbscan.HDBSCAN().fit(data).labels_
        extra = {"clusters": int(labels.max()) + 1, "dims": data.shape[1],
                 "noise_share": round(float((labels < 0).mean()), 3)}
    elif case == "gmm_project":
        from motion_assets.core.clustering.pipeline import make_clusterer

        model = make_clusterer("bayes_gmm").fit(data)
        extra = {"clusters": model.n_clusters_, "dims": model.preprocessor.n_components_,
                 "covariance": model.clusterer.covariance_type_,
                 "effective": model.clusterer.effective_components_}
    elif case == "gmm_library":
        from sklearn.mixture import BayesianGaussianMixture

        model = BayesianGaussianMixture(n_components=20).fit(data)
        extra = {"covariance": "full", "dims": data.shape[1], "converged": bool(model.converged_)}
    elif case == "umap_project":
        from motion_assets.core.evaluation.projection import umap_projection

        umap_projection(data)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": case, "n": n, "seconds": round(seconds, 1),
            "peak_mib": round(peak_mib), **extra}


def measure(case: str, n: int, timeout: float) -> dict:
    env = dict(os.environ, **dict.fromkeys(THREAD_VARIABLES, "2"))
    command = [sys.executable, __file__, "--child", case, str(n)]
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"case": case, "n": n, "seconds": None, "note": f"did not finish in {timeout:.0f} s"}
    if done.returncode != 0:
        return {"case": case, "n": n, "seconds": None, "note": done.stderr.strip()[-300:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds before one measurement is abandoned")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(run_case(arguments.child[0], int(arguments.child[1]))))
        return
    for n in arguments.sizes:
        for case in arguments.cases:
            print(json.dumps(measure(case, n, arguments.timeout)), flush=True)


if __name__ == "__main__":
    main()
