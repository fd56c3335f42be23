"""
Scaling up: out-of-core training and a dask cluster
===================================================

Three ways to go beyond one fit on one in-memory array, each measured:

1. **A plain loop over a** ``numpy.memmap`` **file** of 10 million rows:
   ``partial_fit`` on one chunk at a time, so memory is bounded by the chunk,
   not by the file.
2. **dask-ml's** ``Incremental`` **over a** ``dask.array``: the same
   ``partial_fit`` loop, but the blocks are produced lazily (here: generated
   by the workers of a cluster) and never exist together.
3. **Hyperparameter search on a** ``dask.distributed`` **cluster**:
   ``GridSearchCV`` over ``learning_rate`` inside
   ``joblib.parallel_config(backend="dask")`` with a ``LocalCluster`` of two
   worker processes, compared with the same search run locally.

This script is not part of the documentation gallery (it takes about a
minute and writes a 240 MB file); run it directly::

    python examples/scaling_up_out_of_core.py            # 10 million rows
    python examples/scaling_up_out_of_core.py --rows 1000000

Needs ``dask[array]``, ``distributed`` and ``dask-ml`` (all in the ``test``
extra) for parts 2 and 3.  The scaling-up page of the documentation explains
when to use which.
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold

from sigmoid_mlp import SigmoidMLPRegressor

N_COLUMNS = 3  # x0, x1, y
ROW_BYTES = N_COLUMNS * np.dtype(np.float64).itemsize


def target(X, noise):
    """The function to learn: a sine in x0 plus a linear term in x1."""
    return np.sin(X[:, 0]) + 0.5 * X[:, 1] + 0.1 * noise


def held_out_data(n_rows=200_000):
    """Fresh rows from the same distribution, never trained on."""
    rng = np.random.default_rng(12345)
    X = rng.uniform(-2, 2, size=(n_rows, 2))
    return X, target(X, rng.standard_normal(n_rows))


def peak_rss_mb():
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def memmap_window(path, start, stop, mode="r"):
    """Rows ``start:stop`` of the data file, mapped (not read) into memory.

    A fresh window per chunk, dropped after use, keeps the *resident* memory
    bounded too: pages of one big mapping that has been read stay counted in
    the process's RSS until the mapping is closed.
    """
    return np.memmap(path, dtype=np.float64, mode=mode,
                     offset=start * ROW_BYTES, shape=(stop - start, N_COLUMNS))


# --------------------------------------------------------------------------
# 1. numpy.memmap
def write_data_file(path, n_rows, chunk, seed=0):
    """Write ``n_rows`` rows (x0, x1, y) block by block: bounded memory."""
    with open(path, "wb") as f:
        f.truncate(n_rows * ROW_BYTES)
    rng = np.random.default_rng(seed)
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        window = memmap_window(path, start, stop, mode="r+")
        X = rng.uniform(-2, 2, size=(stop - start, 2))
        window[:, :2] = X
        window[:, 2] = target(X, rng.standard_normal(stop - start))
        window.flush()
        del window


def train_over_memmap(path, n_rows, chunk, n_epochs, learning_rate):
    """The whole out-of-core training: one ``partial_fit`` per chunk."""
    model = SigmoidMLPRegressor(learning_rate=learning_rate, random_state=0)
    for _ in range(n_epochs):
        for start in range(0, n_rows, chunk):
            window = memmap_window(path, start, min(start + chunk, n_rows))
            model.partial_fit(window[:, :2], window[:, 2])
            del window
    return model


def memmap_part(workdir, n_rows, chunk, n_epochs):
    print(f"\n1. numpy.memmap: {n_rows:,} rows, chunks of {chunk:,} rows")
    path = os.path.join(workdir, "data.f64")
    rss_before = peak_rss_mb()

    t0 = time.perf_counter()
    write_data_file(path, n_rows, chunk=100_000)
    t_write = time.perf_counter() - t0
    size_mb = os.path.getsize(path) / 2**20
    print(f"   wrote {size_mb:.0f} MiB in {t_write:.1f} s")

    tracemalloc.start()
    t0 = time.perf_counter()
    model = train_over_memmap(path, n_rows, chunk, n_epochs, learning_rate=0.5)
    t_train = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    X_test, y_test = held_out_data()
    r2 = r2_score(y_test, model.predict(X_test))
    print(f"   {n_epochs} epoch(s) = {model.n_iter_:,} partial_fit steps "
          f"in {t_train:.1f} s ({n_epochs * n_rows / t_train / 1e6:.1f} M rows/s)")
    print(f"   R^2 on {len(y_test):,} held-out rows: {r2:.4f}")
    print(f"   peak numpy/Python allocations during training (tracemalloc): "
          f"{traced_peak / 2**20:.1f} MiB")
    print(f"   peak RSS of the process: {rss_before:.0f} MiB before, "
          f"{peak_rss_mb():.0f} MiB after (the file is {size_mb:.0f} MiB)")
    os.remove(path)


# --------------------------------------------------------------------------
# 2. dask-ml Incremental over a dask.array
def incremental_part(n_rows, chunk):
    import dask.array as da
    from dask_ml.wrappers import Incremental

    print(f"\n2. dask-ml Incremental over a dask.array: {n_rows:,} rows, "
          f"blocks of {chunk:,}")
    # Nothing is computed here: the blocks are generated where they are needed.
    rs = da.random.RandomState(0)
    X = rs.uniform(-2, 2, size=(n_rows, 2), chunks=(chunk, 2))
    y = target(X, rs.standard_normal(n_rows, chunks=chunk))
    print(f"   X: {X.nbytes / 2**20:.0f} MiB in {X.numblocks[0]} blocks, never "
          "all in memory")

    model = Incremental(SigmoidMLPRegressor(learning_rate=0.5, random_state=0),
                        shuffle_blocks=False)
    t0 = time.perf_counter()
    model.fit(X, y)  # one partial_fit per block, blocks in order
    t_fit = time.perf_counter() - t0
    # dask-ml's own r2 scorer fails with dask >= 2025.2 (a broadcasting error,
    # dask/dask-ml#1012); score with scikit-learn on a computed sample.
    X_test, y_test = held_out_data()
    r2 = r2_score(y_test, model.predict(X_test))
    print(f"   fit: {model.estimator_.n_iter_} partial_fit steps in {t_fit:.1f} s; "
          f"R^2 on {len(y_test):,} held-out rows: {r2:.4f}")


# --------------------------------------------------------------------------
# 3. GridSearchCV on the cluster
def grid_search_part():
    import joblib

    print("\n3. GridSearchCV over learning_rate: local vs. dask cluster")
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(2_000, 2))
    y = target(X, rng.standard_normal(2_000))
    grid = {"learning_rate": [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]}
    search = GridSearchCV(SigmoidMLPRegressor(random_state=0, max_iter=1_000),
                          grid, cv=KFold(5, shuffle=True, random_state=0))

    t0 = time.perf_counter()
    local = search.fit(X, y)
    local_scores = local.cv_results_["mean_test_score"].copy()
    local_best = local.best_params_
    t_local = time.perf_counter() - t0

    t0 = time.perf_counter()
    with joblib.parallel_config(backend="dask"):
        remote = clone(search).set_params(n_jobs=-1).fit(X, y)
    t_remote = time.perf_counter() - t0
    same = np.allclose(remote.cv_results_["mean_test_score"], local_scores,
                       rtol=1e-12, atol=0)
    print(f"   {len(grid['learning_rate']) * 5} fits: local {t_local:.1f} s, "
          f"cluster {t_remote:.1f} s")
    print(f"   best learning_rate local {local_best['learning_rate']}, cluster "
          f"{remote.best_params_['learning_rate']}; same scores: {same}")
    for lr, score in zip(grid["learning_rate"], remote.cv_results_["mean_test_score"]):
        print(f"     learning_rate={lr:<5} mean R^2 = {score:.4f}")
    if not same:
        raise SystemExit("the cluster's search differs from the local one")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--rows", type=int, default=10_000_000,
                        help="rows in the memmap file (default: 10 million)")
    parser.add_argument("--chunk", type=int, default=10_000,
                        help="rows per partial_fit call (default: 10 000)")
    parser.add_argument("--epochs", type=int, default=1,
                        help="passes over the memmap file (default: 1)")
    parser.add_argument("--dask-rows", type=int, default=2_000_000,
                        help="rows of the dask.array (default: 2 million)")
    parser.add_argument("--workdir", default=None,
                        help="where to write the data file (default: a temporary "
                             "directory, removed afterwards)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    workdir = args.workdir or tempfile.mkdtemp(prefix="sigmoid-mlp-")
    try:
        memmap_part(workdir, args.rows, args.chunk, args.epochs)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    from distributed import Client, LocalCluster

    print("\nstarting a LocalCluster: 2 worker processes, 1 thread each")
    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        print(f"   up in {time.perf_counter() - t0:.1f} s: "
              f"{len(client.scheduler_info()['workers'])} workers")
        incremental_part(args.dask_rows, chunk=10_000)
        grid_search_part()
    print("\ncluster shut down")


if __name__ == "__main__":
    # The guard matters: the cluster's worker processes are started with
    # "spawn" and import this file; without it each would run main() again.
    main()
