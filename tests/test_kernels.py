"""The fast paths of ``_kernels`` against the reference math of ``_network``.

Float64 results must agree with :func:`sigmoid_mlp._network.loss_gradient` to
relative ``1e-12`` (measured differences are ~1e-15: only the summation order
differs); float32 results to what float32 arithmetic allows.  The gradient
descent loop must take the same steps as a plain reference loop, with the same
stopping, divergence and interrupt behaviour, and still reproduce
``MLPRegressor``'s trajectory.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _engine_helpers import fast_call, pick, run_gd
from _mlp_reference import mlpregressor_gd
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sigmoid_mlp import (
    SigmoidMLPRegressor,
    _compiled,
    _kernels,
    _network,
    _plan,
)
from sigmoid_mlp._kernels import FullBatchLossGradient

RTOL = 1e-12

needs_numba = pytest.mark.skipif(
    not _compiled.AVAILABLE, reason="the compiled path needs numba (optional)"
)


@pytest.fixture(params=["numpy", pytest.param("compiled", marks=needs_numba)])
def engine(request, monkeypatch):
    """Run a test once on the numpy engine and once on the compiled engine.

    Tests take the engine through ``pick``, which skips the case when the
    engine cannot take it (the compiled engine: float64 dense data only).
    """
    monkeypatch.setattr(_plan, "ENGINE", request.param)
    return request.param


def _problem(n, d, hidden, k, *, weighted=False, dtype=np.float64, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d).astype(dtype)
    y = rng.randn(n, k).astype(dtype)
    sw = None
    if weighted:
        sw = rng.uniform(0, 2, n).astype(dtype)
        sw[::7] = 0  # zero weights must simply drop out
    coefs, intercepts = _network.init_weights([d, *hidden, k], rng, dtype)
    # Move away from the initial draw so that no layer is special.
    coefs = [c * 3 for c in coefs]
    return X, y, sw, coefs, intercepts


def _prepared(kernel, coefs):
    """Allocate the kernel's buffers now (as its first use would)."""
    kernel._prepare([coefs[0].shape[0], *(c.shape[1] for c in coefs)])
    return kernel


def _assert_grads_close(got, ref, rtol=RTOL):
    """Element-wise relative ``rtol``, with an absolute floor at ``rtol`` times
    the array's largest entry (an entry that cancels to ~0 in one summation
    order cannot be matched relatively by another order)."""
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        assert g.shape == r.shape
        assert g.dtype == r.dtype
        assert_allclose(g, r, rtol=rtol, atol=rtol * np.abs(r).max())


ARCHITECTURES = [
    (1, (3,), 1),  # the deck's network
    (4, (5, 4), 2),
    (3, (7, 2, 3), 3),
    (6, (16,), 1),
    (3, (4, 1), 1),  # one-unit layers: deltas arrive as a single row
    (2, (), 1),  # no hidden layer: a linear model
]


@pytest.mark.parametrize("d, hidden, k", ARCHITECTURES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("chunk_rows", [None, 37])
def test_loss_gradient_matches_reference(d, hidden, k, weighted, alpha, chunk_rows):
    X, y, sw, coefs, intercepts = _problem(250, d, hidden, k, weighted=weighted)
    ref_loss, ref_cg, ref_ig = _network.loss_gradient(X, y, coefs, intercepts, sw, alpha)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, alpha, chunk_rows=chunk_rows), coefs)
    for _ in range(2):  # buffers are reused: the second call must agree too
        loss, cg, ig = fast_call(kernel, coefs, intercepts)
        assert isinstance(loss, float)
        assert_allclose(loss, ref_loss, rtol=RTOL)
        _assert_grads_close(cg, ref_cg)
        _assert_grads_close(ig, ref_ig)
        assert_allclose(kernel.loss(coefs, intercepts), ref_loss, rtol=RTOL)


@pytest.mark.parametrize("d, hidden", [(1, (3,)), (10, (3,)), (3, (4, 1)), (6, (16,)), (5, (8, 2))])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("chunk_rows", [None, 1800])
def test_large_chunks_match_reference(d, hidden, weighted, chunk_rows):
    # Chunks of a few thousand rows take the paths that small ones do not:
    # one-row deltas carried back by broadcasting, the first layer as X_c Wᵀ
    # (several features) or as an outer product (one feature), the negated
    # weights of the SIMD sigmoid; 1800 leaves a shorter last chunk that
    # takes the small-chunk paths.
    X, y, sw, coefs, intercepts = _problem(5000, d, hidden, 1, weighted=weighted)
    ref = _network.loss_gradient(X, y, coefs, intercepts, sw, 0.2)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.2, chunk_rows=chunk_rows), coefs)
    assert kernel.chunk_rows >= _kernels._BROADCAST_DELTA_MIN_ROWS
    for _ in range(2):
        loss, cg, ig = fast_call(kernel, coefs, intercepts)
        assert_allclose(loss, ref[0], rtol=RTOL)
        _assert_grads_close(cg + ig, ref[1] + ref[2])


def test_flat_loss_gradient_round_trip():
    X, y, sw, coefs, intercepts = _problem(80, 3, (4, 2), 2, weighted=True)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.1), coefs)
    theta = kernel.pack(coefs, intercepts)
    back_c, back_i = kernel.unpack(theta)
    for a, b in zip(back_c + back_i, coefs + intercepts):
        assert_array_equal(a, b)
    loss, grad = kernel.flat_loss_gradient(theta)
    ref = _network.loss_gradient(X, y, coefs, intercepts, sw, 0.1)
    assert_allclose(loss, ref[0], rtol=RTOL)
    gc, gi = kernel.unpack(grad)
    _assert_grads_close(gc + gi, ref[1] + ref[2])


@pytest.mark.parametrize("chunk_rows", [1, 2, 49, 50, 51, 99, 100, 1000])
def test_chunk_boundaries(chunk_rows):
    # n = 100 is a multiple of some chunk lengths and not of others; the
    # shorter last chunk shares storage with the full ones.
    X, y, sw, coefs, intercepts = _problem(100, 3, (4, 3), 2, weighted=True)
    ref = _network.loss_gradient(X, y, coefs, intercepts, sw, 0.1)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.1, chunk_rows=chunk_rows), coefs)
    assert kernel.chunk_rows == min(chunk_rows, 100)
    for _ in range(3):
        loss, cg, ig = fast_call(kernel, coefs, intercepts)
        assert_allclose(loss, ref[0], rtol=RTOL)
        _assert_grads_close(cg + ig, ref[1] + ref[2])


def test_work_memory_is_bounded_whatever_n():
    # The chunk buffers do not grow with n: beyond one chunk, the work memory
    # is a constant, below a quarter of X's size for large n.
    sizes = {}
    for n in (20_000, 300_000):
        X, y, sw, coefs, intercepts = _problem(n, 2, (3,), 1, weighted=True)
        kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.1), coefs)
        loss, cg, ig = fast_call(kernel, coefs, intercepts)
        assert len(kernel.chunks) > 1
        sizes[n] = kernel.work_nbytes
        ref = _network.loss_gradient(X, y, coefs, intercepts, sw, 0.1)
        assert_allclose(loss, ref[0], rtol=RTOL)
        _assert_grads_close(cg + ig, ref[1] + ref[2])
    assert sizes[20_000] == sizes[300_000]
    assert sizes[300_000] < X.nbytes / 4


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [1, 3])
def test_constant_prediction_loss(weighted, k):
    X, y, sw, _, _ = _problem(70_001, 1, (3,), k, weighted=weighted)
    mean = np.average(y, axis=0, weights=sw)
    expected = _network.squared_error(y, np.broadcast_to(mean, y.shape), sw)
    got = FullBatchLossGradient(X, y, sw, 0.0).constant_prediction_loss()
    assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("chunk_rows", [None, 30])
def test_sparse_matches_dense_reference(fmt, chunk_rows):
    X, y, sw, coefs, intercepts = _problem(120, 5, (4,), 2, weighted=True)
    X[np.random.RandomState(1).rand(*X.shape) < 0.6] = 0
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    ref = _network.loss_gradient(X, y, coefs, intercepts, sw, 0.2)
    kernel = _prepared(FullBatchLossGradient(Xs, y, sw, 0.2, chunk_rows=chunk_rows), coefs)
    for _ in range(2):
        loss, cg, ig = fast_call(kernel, coefs, intercepts)
        assert_allclose(loss, ref[0], rtol=RTOL)
        _assert_grads_close(cg + ig, ref[1] + ref[2])


@pytest.mark.parametrize("sparse", [False, True])
def test_float32_stays_float32(sparse, engine):
    X, y, sw, coefs, intercepts = _problem(300, 3, (5, 2), 2, weighted=True,
                                           dtype=np.float32)
    Xin = sp.csr_matrix(X) if sparse else X
    kernel = _prepared(FullBatchLossGradient(Xin, y, sw, 0.1, chunk_rows=64), coefs)
    loss, cg, ig = fast_call(pick(kernel), coefs, intercepts)
    assert all(g.dtype == np.float32 for g in cg + ig)
    # Against the float64 reference at the same (float32) numbers: float32
    # arithmetic over a few hundred terms is good to ~1e-6 relative.
    up = [a.astype(np.float64) for a in (X, y, sw)]
    ref = _network.loss_gradient(
        up[0], up[1], [c.astype(np.float64) for c in coefs],
        [b.astype(np.float64) for b in intercepts], up[2], 0.1,
    )
    assert_allclose(loss, ref[0], rtol=1e-5)
    for g, r in zip(cg + ig, ref[1] + ref[2]):
        assert_allclose(g, r, rtol=1e-4, atol=1e-4 * np.abs(r).max())
    result = run_gd(
        kernel, coefs, intercepts, learning_rate=0.1, n_epochs=5, tol=0.0,
        n_iter_no_change=10, best_loss=np.inf, no_improvement_count=0,
        check_convergence=False, divergence_threshold=1e10,
    )
    assert all(a.dtype == np.float32 for a in result.coefs + result.intercepts)


def test_sigmoid_saturation_is_silent_and_exact():
    # Pre-activations of +-1000 overflow exp in the SIMD sigmoid; the result
    # must still be exactly 0 and 1, without warnings.
    X, y, _sw, coefs, intercepts = _problem(3000, 1, (3,), 1)
    coefs[0][:] = [[1000.0, -1000.0, 1.0]]
    ref = _network.loss_gradient(X, y, coefs, intercepts)
    kernel = _prepared(FullBatchLossGradient(X, y, None, 0.0), coefs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, cg, ig = fast_call(kernel, coefs, intercepts)
    assert_allclose(loss, ref[0], rtol=RTOL)
    _assert_grads_close(cg + ig, ref[1] + ref[2])


# ---------------------------------------------------------------- GD loop
def _reference_gd(X, y, sw, alpha, coefs, intercepts, lr, n_epochs, *, tol=0.0,
                  n_iter_no_change=np.inf, threshold=np.inf, check=True):
    """The loop written out with the reference math, step by step."""
    params = [p.copy() for p in [*coefs, *intercepts]]
    L = len(coefs)
    previous, losses, best, count = None, [], np.inf, 0
    for epoch in range(1, n_epochs + 1):
        loss, cg, ig = _network.loss_gradient(X, y, params[:L], params[L:], sw, alpha)
        if not np.isfinite(loss) or loss > threshold:
            return dict(params=previous or params, losses=losses, status="diverged",
                        epoch=epoch, best=best, count=count)
        previous = params
        params = [p - lr * g for p, g in zip(params, [*cg, *ig])]
        losses.append(loss)
        count = count + 1 if loss > best - tol else 0
        best = min(best, loss)
        if check and count > n_iter_no_change:
            return dict(params=params, losses=losses, status="converged",
                        epoch=None, best=best, count=count)
    return dict(params=params, losses=losses, status="max_iter", epoch=None,
                best=best, count=count)


def _run(kernel, coefs, intercepts, lr, n_epochs, **kw):
    args = dict(tol=0.0, n_iter_no_change=np.inf, best_loss=np.inf,
                no_improvement_count=0, check_convergence=True,
                divergence_threshold=np.inf)
    args.update(kw)
    return run_gd(kernel, coefs, intercepts, learning_rate=lr, n_epochs=n_epochs,
                  **args)


@pytest.mark.parametrize("d, hidden, k", ARCHITECTURES[:3])
@pytest.mark.parametrize("weighted", [False, True])
def test_gd_matches_reference_loop_step_for_step(d, hidden, k, weighted, engine):
    X, y, sw, coefs, intercepts = _problem(90, d, hidden, k, weighted=weighted)
    originals = [p.copy() for p in coefs + intercepts]
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.05, chunk_rows=40), coefs)
    result = _run(kernel, coefs, intercepts, 0.2, 60)
    ref = _reference_gd(X, y, sw, 0.05, coefs, intercepts, 0.2, 60)
    # The inputs are never modified.
    for p, o in zip(coefs + intercepts, originals):
        assert_array_equal(p, o)
    assert result.status == ref["status"] == "max_iter"
    assert_allclose(result.losses, ref["losses"], rtol=1e-11)
    _assert_grads_close(result.coefs + result.intercepts, ref["params"], rtol=1e-11)
    for a in result.coefs + result.intercepts:
        assert a.flags.c_contiguous
    L = len(coefs)
    final_ref = _network.loss_gradient(X, y, ref["params"][:L], ref["params"][L:],
                                       sw, 0.05)[0]
    assert_allclose(result.final_loss, final_ref, rtol=1e-11)
    assert result.best_loss == min(result.losses)


def test_gd_stopping_rule_matches_reference(engine):
    X, y, sw, coefs, intercepts = _problem(60, 1, (3,), 1)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.0), coefs)
    # A tol so large that every epoch counts as "no improvement".
    result = _run(kernel, coefs, intercepts, 0.1, 100, tol=10.0, n_iter_no_change=4)
    ref = _reference_gd(X, y, sw, 0.0, coefs, intercepts, 0.1, 100, tol=10.0,
                        n_iter_no_change=4)
    assert result.status == ref["status"] == "converged"
    # Epoch 1 improves on best_loss=inf; epochs 2-6 are the 5 bad ones.
    assert len(result.losses) == len(ref["losses"]) == 6
    assert result.no_improvement_count == ref["count"] == 5
    # check_convergence=False never stops early; the count continues from
    # the given state.
    result = _run(kernel, coefs, intercepts, 0.1, 7, tol=10.0, n_iter_no_change=2,
                  check_convergence=False, no_improvement_count=3, best_loss=0.5)
    assert result.status == "max_iter"
    assert len(result.losses) == 7
    assert result.no_improvement_count == 10
    assert result.best_loss == min(0.5, *result.losses)


@pytest.mark.parametrize("cause", ["overflow", "threshold"])
def test_gd_divergence_returns_last_finite_weights(cause, engine):
    X, y, sw, coefs, intercepts = _problem(80, 2, (4,), 1)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.0), coefs)
    if cause == "overflow":
        lr, threshold = 1e8, np.inf
    else:
        lr, threshold = 5.0, 1.5 * kernel.loss(coefs, intercepts)
    with np.errstate(all="ignore"):
        ref = _reference_gd(X, y, sw, 0.0, coefs, intercepts, lr, 500,
                            threshold=threshold)
        result = _run(kernel, coefs, intercepts, lr, 500,
                      divergence_threshold=threshold)
    assert ref["status"] == "diverged"
    assert result.status == "diverged"
    assert result.diverged_epoch == ref["epoch"]
    assert len(result.losses) == ref["epoch"] - 1
    assert not (np.isfinite(result.final_loss) and result.final_loss <= threshold)
    _assert_grads_close(result.coefs + result.intercepts, ref["params"], rtol=1e-9)
    assert all(np.isfinite(p).all() for p in result.coefs + result.intercepts)


def test_gd_divergence_at_first_epoch_returns_start_weights(engine):
    X, y, sw, coefs, intercepts = _problem(50, 1, (3,), 1)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.0), coefs)
    result = _run(kernel, coefs, intercepts, 0.1, 10, divergence_threshold=0.0)
    assert result.status == "diverged"
    assert result.diverged_epoch == 1
    assert result.losses == []
    for got, start in zip(result.coefs + result.intercepts, coefs + intercepts):
        assert_array_equal(got, start)
        assert got is not start


def test_gd_divergence_detected_by_final_loss(engine):
    # The last step diverges: only the final evaluation sees it.
    X, y, sw, coefs, intercepts = _problem(50, 1, (3,), 1)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.0), coefs)
    start = kernel.loss(coefs, intercepts)
    result = _run(kernel, coefs, intercepts, 50.0, 1, divergence_threshold=2 * start)
    # the compiled engine sums in another order than kernel.loss: equal to
    # rounding (1 ulp on some CPUs), not bit for bit
    assert len(result.losses) == 1
    assert_allclose(result.losses, [start], rtol=RTOL)
    assert result.status == "diverged"
    assert result.diverged_epoch == 1
    assert result.final_loss > 2 * start
    for got, s in zip(result.coefs + result.intercepts, coefs + intercepts):
        assert_array_equal(got, s)


def test_gd_keyboard_interrupt_keeps_last_complete_epoch(engine):
    X, y, sw, coefs, intercepts = _problem(70, 1, (3,), 1)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.0), coefs)
    seen = []

    def on_epoch(epoch, loss):
        seen.append((epoch, loss))
        if epoch == 3:
            raise KeyboardInterrupt

    result = _run(kernel, coefs, intercepts, 0.3, 50, on_epoch=on_epoch)
    ref = _reference_gd(X, y, sw, 0.0, coefs, intercepts, 0.3, 3)
    assert result.status == "interrupted"
    assert [e for e, _ in seen] == [1, 2, 3]
    assert_allclose(result.losses, ref["losses"], rtol=1e-12)
    _assert_grads_close(result.coefs + result.intercepts, ref["params"])
    L = len(coefs)
    assert_allclose(result.final_loss, kernel.loss(ref["params"][:L],
                                                   ref["params"][L:]), rtol=1e-12)


def test_list_interface_is_the_reference():
    X, y, sw, coefs, intercepts = _problem(50, 2, (3,), 1, weighted=True)
    got = _plan.reference(X, y, sw, 0.1).loss_gradient(coefs, intercepts)
    ref = _network.loss_gradient(X, y, coefs, intercepts, sw, 0.1)
    assert got[0] == ref[0]
    for a, b in zip(got[1] + got[2], ref[1] + ref[2]):
        assert_array_equal(a, b)


def test_fast_loop_equals_reference_loop_with_stopping(engine):
    X, y, sw, coefs, intercepts = _problem(64, 2, (3, 2), 2, weighted=True)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.01), coefs)
    fast = _run(kernel, coefs, intercepts, 0.3, 40, tol=1e-4, n_iter_no_change=3,
                divergence_threshold=1e6)
    generic = _reference_gd(X, y, sw, 0.01, coefs, intercepts, 0.3, 40, tol=1e-4,
                            n_iter_no_change=3, threshold=1e6)
    assert fast.status == generic["status"]
    assert fast.no_improvement_count == generic["count"]
    assert_allclose(fast.losses, generic["losses"], rtol=1e-12)
    _assert_grads_close(fast.coefs + fast.intercepts, generic["params"])


# ------------------------------------------------- MLPRegressor trajectory
@pytest.mark.parametrize("hidden, k", [((3,), 1), ((4, 3), 2)])
def test_trajectory_equals_mlpregressor(hidden, k, engine):
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(200, 1))
    X = (X - X.mean()) / X.std()
    y = np.hstack([np.sin(3 * X) + 0.1 * rng.randn(200, 1) for _ in range(k)])
    coefs, intercepts = _network.init_weights([1, *hidden, k], rng)
    mlp = mlpregressor_gd(coefs, intercepts, X, y if k > 1 else y.ravel(), 0.5, 100)
    kernel = _prepared(FullBatchLossGradient(X, y, None, 0.0), coefs)
    result = _run(kernel, coefs, intercepts, 0.5, 100)
    assert mlp.n_iter_ == len(result.losses) == 100
    for ours, theirs in zip(result.coefs + result.intercepts,
                            mlp.coefs_ + mlp.intercepts_):
        assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    if k == 1:  # MLPRegressor reports the loss divided by the number of outputs
        assert_allclose(result.losses, mlp.loss_curve_[-100:], rtol=1e-10)


def test_estimator_trajectory_equals_mlpregressor(engine):
    # Through the public estimator: same seed, so the same Glorot draw.
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(200, 1))
    X = (X - X.mean()) / X.std()
    y = np.sin(X).ravel() + 0.1 * rng.randn(200)
    ours = SigmoidMLPRegressor((3,), learning_rate=0.5, max_iter=100, tol=0.0,
                               n_iter_no_change=np.inf, random_state=0)
    mlp = MLPRegressor(
        hidden_layer_sizes=(3,), activation="logistic", solver="sgd",
        batch_size=200, momentum=0.0, alpha=0.0, shuffle=False,
        learning_rate="constant", learning_rate_init=0.5, tol=0.0,
        n_iter_no_change=np.inf, max_iter=100, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        mlp.fit(X, y)
    assert ours.n_iter_ == mlp.n_iter_ == 100
    for a, b in zip(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_):
        assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-10)


# ------------------------------------------------- the optional compiled path
@needs_numba
@pytest.mark.parametrize("d, hidden, k", ARCHITECTURES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_compiled_loss_gradient_matches_numpy_and_reference(d, hidden, k, weighted,
                                                            alpha):
    # 5003 rows: several compiled row blocks and a shorter last one.
    X, y, sw, coefs, intercepts = _problem(5003, d, hidden, k, weighted=weighted)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, alpha), coefs)
    theta = kernel.pack(coefs, intercepts)
    problem = _compiled.CompiledObjective(kernel.X, kernel.y, kernel.sample_weight,
                                       kernel.alpha, kernel.layout.layer_sizes)
    assert problem.rows < 5003
    g_numpy, g_compiled = np.empty_like(theta), np.empty_like(theta)
    loss_numpy = kernel.evaluate(theta, g_numpy, -0.7)
    loss_compiled = problem.evaluate(theta, g_compiled, -0.7)
    assert_allclose(loss_compiled, loss_numpy, rtol=RTOL)
    assert_allclose(problem.evaluate(theta), loss_numpy, rtol=RTOL)
    gc, gi = kernel.unpack(g_compiled)
    nc, ni = kernel.unpack(g_numpy)
    _assert_grads_close(gc + gi, nc + ni)
    ref = _network.loss_gradient(X, y, coefs, intercepts, sw, alpha)
    assert_allclose(loss_compiled, ref[0], rtol=RTOL)
    _assert_grads_close(gc + gi, [-0.7 * g for g in ref[1] + ref[2]])


@needs_numba
def test_compiled_sigmoid_matches_expit():
    from scipy.special import expit

    z = np.concatenate([np.linspace(-745, 745, 200_001), np.random.RandomState(0).randn(1000)])
    out = z.copy()
    _compiled.core._sigmoid_row(out, np.empty(z.size, dtype=np.int64), z.size)
    ref = expit(z)
    # A few ulp wherever the value is a normal number; below ~1e-308
    # (z < -709) it returns ~1e-308 instead of smaller subnormals or 0.
    normal = z > -708
    assert_allclose(out[normal], ref[normal], rtol=1e-15, atol=0)
    assert np.all(np.abs(out[~normal] - ref[~normal]) < 1.3e-308)
    special = np.array([np.nan, np.inf, -np.inf, 0.0])
    _compiled.core._sigmoid_row(special, np.empty(4, dtype=np.int64), 4)
    assert np.isnan(special[0])
    assert special[1] == 1.0 and special[2] < 1e-307 and special[3] == 0.5


@needs_numba
@pytest.mark.parametrize("n_epochs, tol, n_iter_no_change",
                         [(150, 0.0, np.inf), (1000, 1e-5, 5), (64, 0.0, np.inf)])
def test_compiled_blocks_equal_numpy_loop(monkeypatch, n_epochs, tol, n_iter_no_change):
    # Epoch counts that are not multiples of the block size, and a stop
    # inside a later block.
    X, y, sw, coefs, intercepts = _problem(200, 1, (3,), 1, weighted=True)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.01), coefs)
    results = {}
    for engine in ("numpy", "compiled"):
        monkeypatch.setattr(_plan, "ENGINE", engine)
        results[engine] = _run(kernel, coefs, intercepts, 0.05, n_epochs, tol=tol,
                               n_iter_no_change=n_iter_no_change)
    a, b = results["numpy"], results["compiled"]
    assert a.status == b.status
    assert len(a.losses) == len(b.losses)
    if tol:
        assert a.status == "converged" and len(a.losses) > _compiled.BLOCK_EPOCHS
    assert a.no_improvement_count == b.no_improvement_count
    assert_allclose(b.losses, a.losses, rtol=1e-11)
    assert_allclose(b.final_loss, a.final_loss, rtol=1e-11)
    _assert_grads_close(b.coefs + b.intercepts, a.coefs + a.intercepts, rtol=1e-11)


def test_auto_engine_chooses_by_size(monkeypatch):
    monkeypatch.setattr(_plan, "ENGINE", "auto")
    small = _plan.full_batch(*_problem(200, 1, (3,), 1)[:2], None, 0.0, [1, 3, 1])
    large = _plan.full_batch(*_problem(5000, 1, (3,), 1)[:2], None, 0.0, [1, 3, 1])
    assert small.engine == ("compiled" if _compiled.AVAILABLE else "numpy")
    assert large.engine == "numpy"
    monkeypatch.setattr(_plan, "ENGINE", "numpy")
    small = _plan.full_batch(*_problem(200, 1, (3,), 1)[:2], None, 0.0, [1, 3, 1])
    assert small.engine == "numpy"


@needs_numba
@pytest.mark.parametrize("when", ["before", "after"])
def test_compiled_interrupt_keeps_completed_epochs(monkeypatch, when):
    # Ctrl-C arrives between blocks, either before the second block starts or
    # just as it returns (its epochs are complete and must be kept).
    X, y, sw, coefs, intercepts = _problem(100, 1, (3,), 1)
    kernel = _prepared(FullBatchLossGradient(X, y, sw, 0.0), coefs)
    real = _compiled.full_batch._gd_block
    calls = []

    def interrupted_block(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2 and when == "before":
            raise KeyboardInterrupt
        real(*args, **kwargs)
        if len(calls) == 2 and when == "after":
            raise KeyboardInterrupt

    monkeypatch.setattr(_plan, "ENGINE", "compiled")
    monkeypatch.setattr(_compiled.full_batch, "_gd_block", interrupted_block)
    result = _run(kernel, coefs, intercepts, 0.3, 1000)
    n_done = _compiled.BLOCK_EPOCHS * (1 if when == "before" else 2)
    ref = _reference_gd(X, y, sw, 0.0, coefs, intercepts, 0.3, n_done)
    assert result.status == "interrupted"
    assert len(result.losses) == n_done
    assert_allclose(result.losses, ref["losses"], rtol=1e-11)
    _assert_grads_close(result.coefs + result.intercepts, ref["params"], rtol=1e-11)
