"""Scale beyond one process and beyond memory, with the real libraries.

* ``GridSearchCV`` on a ``dask.distributed`` ``LocalCluster`` (two worker
  processes on localhost, started and shut down here) through joblib's dask
  backend gives the same results as the local search.
* ``dask_ml.wrappers.Incremental`` trains by ``partial_fit`` over the blocks
  of a ``dask.array`` exactly as a loop over the same blocks does.
* A plain loop over a ``numpy.memmap`` file trains with memory bounded by the
  chunk size, not the file size.

The cluster tests are marked ``slow`` (the README's test command skips
them; ``.ci/stage-slow.sh`` and ``python -m pytest -m ""`` run them).
"""

import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold

import sigmoid_mlp
from sigmoid_mlp import SigmoidMLPRegressor

# Work done in another process runs the same numpy code on the same machine,
# but BLAS may split a product differently with another thread count; allow
# a few ulps of such reordering and nothing more.
RTOL = 1e-12


def _weights(est):
    return est.coefs_ + est.intercepts_


def _assert_same_model(a, b, rtol=RTOL):
    for wa, wb in zip(_weights(a), _weights(b), strict=True):
        assert_allclose(wa, wb, rtol=rtol, atol=0)


def _make_data(n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] + 0.05 * rng.randn(n)
    return X, y


# --------------------------------------------------------------- cluster
@pytest.fixture(scope="module")
def dask_client():
    """Two worker processes on localhost; always shut down afterwards."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )
    client = None
    try:
        client = distributed.Client(cluster, timeout="60s")
        client.wait_for_workers(2, timeout=120)
        yield client
    finally:
        if client is not None:
            client.close(timeout=30)
        cluster.close(timeout=30)


@pytest.mark.slow  # starts a LocalCluster of two worker processes
def test_cluster_workers_run_this_code(dask_client):
    """The workers are separate processes importing this very package."""
    import os

    info = dask_client.run(lambda: (os.getpid(), sigmoid_mlp.__file__))
    assert len(info) == 2
    pids = {pid for pid, _ in info.values()}
    assert len(pids) == 2 and os.getpid() not in pids
    assert {path for _, path in info.values()} == {sigmoid_mlp.__file__}


@pytest.mark.slow  # starts a LocalCluster of two worker processes
def test_grid_search_on_dask_cluster_equals_local_search(dask_client):
    joblib = pytest.importorskip("joblib")
    distributed = pytest.importorskip("distributed")
    X, y = _make_data(150)
    grid = {"learning_rate": [0.05, 0.1, 0.2, 0.5]}
    estimator = SigmoidMLPRegressor(random_state=0, max_iter=300)
    cv = KFold(n_splits=3, shuffle=True, random_state=0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local = GridSearchCV(estimator, grid, cv=cv).fit(X, y)
        with distributed.get_task_stream(dask_client) as tasks, \
                joblib.parallel_config(backend="dask"):
            remote = GridSearchCV(estimator, grid, cv=cv, n_jobs=-1).fit(X, y)

    # the fits really ran on the cluster's workers (joblib batches fits into
    # tasks adaptively, so the number of tasks varies from run to run)
    workers = set(dask_client.scheduler_info()["workers"])
    assert len(tasks.data) >= 1
    assert {t["worker"] for t in tasks.data} <= workers

    assert remote.best_params_ == local.best_params_
    assert remote.best_index_ == local.best_index_
    for key in ["params", "rank_test_score"]:
        assert list(remote.cv_results_[key]) == list(local.cv_results_[key])
    for k in range(cv.get_n_splits()):
        key = f"split{k}_test_score"
        assert_allclose(remote.cv_results_[key], local.cv_results_[key],
                        rtol=RTOL)
    _assert_same_model(remote.best_estimator_, local.best_estimator_)


@pytest.mark.slow  # starts a LocalCluster of two worker processes
def test_incremental_over_dask_array_blocks_on_cluster(dask_client):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = _make_data(1200)
    chunk = 200
    X_dask = da.from_array(X, chunks=(chunk, 2))
    y_dask = da.from_array(y, chunks=chunk)

    base = SigmoidMLPRegressor(random_state=0, learning_rate=0.2)
    incremental = wrappers.Incremental(base, shuffle_blocks=False)
    n_epochs = 3
    for _ in range(n_epochs):
        incremental.partial_fit(X_dask, y_dask)  # one pass over all blocks
    fitted = incremental.estimator_

    reference = SigmoidMLPRegressor(random_state=0, learning_rate=0.2)
    for _ in range(n_epochs):
        for start in range(0, len(X), chunk):
            reference.partial_fit(X[start:start + chunk], y[start:start + chunk])

    assert fitted.n_iter_ == reference.n_iter_ == n_epochs * len(X) // chunk
    assert fitted.t_ == reference.t_ == n_epochs * len(X)
    _assert_same_model(fitted, reference)

    # predictions come back blockwise; score with sklearn on computed arrays
    # (dask-ml's own r2 scorer fails with dask >= 2025.2, dask/dask-ml#1012)
    y_pred = incremental.predict(X_dask)
    assert isinstance(y_pred, da.Array)
    y_pred = y_pred.compute()
    # blockwise products round differently from one product over all rows
    assert_allclose(y_pred, reference.predict(X), rtol=RTOL, atol=1e-14)
    assert r2_score(y, y_pred) == pytest.approx(reference.score(X, y), rel=1e-12)


@pytest.mark.slow  # starts a LocalCluster of two worker processes
def test_incremental_fit_shuffled_blocks_trains(dask_client):
    """``fit`` (blocks in shuffled order) sees every block once per call."""
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = _make_data(2000, seed=1)
    X_dask = da.from_array(X, chunks=(250, 2))
    y_dask = da.from_array(y, chunks=250)
    model = wrappers.Incremental(
        SigmoidMLPRegressor(random_state=0, learning_rate=0.5), random_state=0
    )
    model.fit(X_dask, y_dask)
    assert model.estimator_.n_iter_ == 8
    assert model.estimator_.t_ == 2000
    r2_one_epoch = r2_score(y, model.predict(X_dask).compute())
    for _ in range(15):
        model.partial_fit(X_dask, y_dask)
    assert model.estimator_.n_iter_ == 16 * 8
    r2_sixteen_epochs = r2_score(y, model.predict(X_dask).compute())
    assert r2_sixteen_epochs > max(r2_one_epoch, 0.8)


# -------------------------------------------------------- memmap loop
def _write_memmap(path, n_rows, chunk, seed=0):
    """Write X (2 columns) and y (1 column) row-block by row-block."""
    data = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64,
                                     shape=(n_rows, 3))
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        X, y = _make_data(stop - start, seed=seed + start)
        data[start:stop, :2] = X
        data[start:stop, 2] = y
    data.flush()
    del data


def _train_over_memmap(path, chunk, n_epochs, **params):
    model = SigmoidMLPRegressor(**params)
    data = np.load(path, mmap_mode="r")
    assert isinstance(data, np.memmap)
    for _ in range(n_epochs):
        for start in range(0, data.shape[0], chunk):
            block = data[start:start + chunk]
            model.partial_fit(block[:, :2], block[:, 2])
    return model


def test_memmap_loop_equals_in_memory_loop(tmp_path):
    path = tmp_path / "data.npy"
    n_rows, chunk = 20_000, 2_000
    _write_memmap(path, n_rows, chunk)
    model = _train_over_memmap(path, chunk, n_epochs=2, random_state=0,
                               learning_rate=0.5)

    data = np.load(path)  # the same rows, in memory
    reference = SigmoidMLPRegressor(random_state=0, learning_rate=0.5)
    for _ in range(2):
        for start in range(0, n_rows, chunk):
            reference.partial_fit(np.ascontiguousarray(data[start:start + chunk, :2]),
                                  data[start:start + chunk, 2].copy())
    assert model.n_iter_ == 2 * n_rows // chunk
    assert model.t_ == 2 * n_rows
    for wa, wb in zip(_weights(model), _weights(reference), strict=True):
        assert_array_equal(wa, wb)


def test_memmap_loop_memory_is_bounded_by_the_chunk(tmp_path):
    """Python/numpy allocations stay a small multiple of one chunk.

    The file is 50 chunks long; tracemalloc counts every numpy buffer (the
    mapped file pages are not allocations), so a loop that loaded the file,
    or grew with it, would show a peak near the file size.
    """
    path = tmp_path / "data.npy"
    n_rows, chunk = 200_000, 4_000
    _write_memmap(path, n_rows, chunk)
    file_bytes = path.stat().st_size
    chunk_bytes = chunk * 3 * 8

    # warm up imports and caches outside the measurement
    _train_over_memmap(path, chunk, n_epochs=1, random_state=0)
    tracemalloc.start()
    try:
        model = _train_over_memmap(path, chunk, n_epochs=1, random_state=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.t_ == n_rows
    assert peak < 20 * chunk_bytes
    assert peak < file_bytes / 2
