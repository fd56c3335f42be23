"""Estimator-level Array API cases, run by ``tests/test_array_api.py``.

Not collected by default (the name does not start with ``test_``): scikit-learn's
``array_api_dispatch`` needs ``SCIPY_ARRAY_API=1`` set before scipy and
scikit-learn are imported, so ``test_array_api.py`` runs this module in a
subprocess with that variable, keeping the main suite free of it.
"""

import os
import pickle

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose

from sigmoid_mlp import SigmoidMLPRegressor

from _array_api_env import provide_compat  # isort: skip

assert os.environ.get("SCIPY_ARRAY_API") == "1", "run with SCIPY_ARRAY_API=1"
# array_api_compat, or scikit-learn's vendored copy (tests/_array_api_env.py)
provide_compat()

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)

LIBRARIES = ["torch", "array_api_strict"]
SOLVERS = {
    "gd": dict(solver="gd", learning_rate=0.3, learning_rate_schedule="invscaling",
               power_t=0.1),
    "sgd": dict(solver="sgd", learning_rate=0.05, batch_size=16),
    "adam": dict(solver="adam", learning_rate=0.02, batch_size=16),
}


def dispatch():
    return sklearn.config_context(array_api_dispatch=True)


def lib(name):
    return pytest.importorskip(name)


def to_numpy(a):
    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return np.from_dlpack(a)


def problem(n=60, d=3, k=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = np.sin(X @ rng.randn(d, k)) + 0.1 * rng.randn(n, k)
    return X, (y.ravel() if k == 1 else y), rng.uniform(0.5, 2.0, n)


def assert_same_weights(model, reference, atol):
    for a, b in zip(model.coefs_ + model.intercepts_,
                    reference.coefs_ + reference.intercepts_):
        assert type(a) is type(model.coefs_[0])
        assert_allclose(to_numpy(a), b, rtol=0, atol=atol)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_equals_numpy_float64(library, solver, weighted):
    xp = lib(library)
    X, y, sw = problem(k=2 if weighted else 1)
    params = dict(SOLVERS[solver], max_iter=30, n_iter_no_change=np.inf,
                  random_state=3)
    kwargs = {"sample_weight": sw} if weighted else {}
    reference = SigmoidMLPRegressor(**params).fit(X, y, **kwargs)
    xkwargs = {"sample_weight": xp.asarray(sw)} if weighted else {}
    with dispatch():
        model = SigmoidMLPRegressor(**params).fit(xp.asarray(X), xp.asarray(y),
                                                  **xkwargs)
        y_pred = model.predict(xp.asarray(X))
        score = model.score(xp.asarray(X), xp.asarray(y), **xkwargs)
    assert type(model.coefs_[0]) is type(xp.asarray(X))
    assert model.coefs_[0].dtype == xp.float64
    assert_same_weights(model, reference, atol=1e-10)
    assert model.n_iter_ == reference.n_iter_ == 30
    assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=1e-10)
    assert type(y_pred) is type(model.coefs_[0])
    assert tuple(y_pred.shape) == reference.predict(X).shape
    assert_allclose(to_numpy(y_pred), reference.predict(X), atol=1e-10)
    assert isinstance(score, float)
    assert score == pytest.approx(reference.score(X, y, **kwargs), abs=1e-10)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("solver", ["gd", "adam"])
def test_partial_fit_equals_numpy(library, solver):
    xp = lib(library)
    X, y, _ = problem()
    params = dict(SOLVERS[solver], random_state=0)
    reference = SigmoidMLPRegressor(**params)
    model = SigmoidMLPRegressor(**params)
    with dispatch():
        for _ in range(5):
            reference.partial_fit(X, y)
            model.partial_fit(xp.asarray(X), xp.asarray(y))
    assert_same_weights(model, reference, atol=1e-10)


@pytest.mark.parametrize("library", LIBRARIES)
def test_float32_stays_float32(library):
    xp = lib(library)
    X, y, _ = problem()
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    params = dict(solver="adam", learning_rate=0.02, max_iter=20, random_state=0,
                  n_iter_no_change=np.inf)
    reference = SigmoidMLPRegressor(**params).fit(X32, y32)
    with dispatch():
        model = SigmoidMLPRegressor(**params).fit(xp.asarray(X32), xp.asarray(y32))
        y_pred = model.predict(xp.asarray(X32))
    assert all(c.dtype == xp.float32 for c in model.coefs_ + model.intercepts_)
    assert y_pred.dtype == xp.float32
    assert_same_weights(model, reference, atol=1e-5)


@pytest.mark.parametrize("library", LIBRARIES)
def test_forward_pass_and_loss_gradient_stay_in_namespace(library):
    xp = lib(library)
    X, y, sw = problem(k=2)
    model = SigmoidMLPRegressor(hidden_layer_sizes=(4, 3), max_iter=5,
                                random_state=0, n_iter_no_change=np.inf)
    reference = SigmoidMLPRegressor(hidden_layer_sizes=(4, 3), max_iter=5,
                                    random_state=0, n_iter_no_change=np.inf)
    reference.fit(X, y)
    with dispatch():
        model.fit(xp.asarray(X), xp.asarray(y))
        fp = model.forward_pass(xp.asarray(X))
        lg = model.loss_gradient(xp.asarray(X), xp.asarray(y), xp.asarray(sw))
    fp_np = reference.forward_pass(X)
    lg_np = reference.loss_gradient(X, y, sw)
    kind = type(model.coefs_[0])
    for a, b in zip(fp.pre_activations + fp.activations[1:] + [fp.output],
                    fp_np.pre_activations + fp_np.activations[1:] + [fp_np.output]):
        assert type(a) is kind
        assert_allclose(to_numpy(a), b, atol=1e-10)
    assert lg.loss == pytest.approx(lg_np.loss, rel=1e-10)
    for a, b in zip(lg.coef_grads + lg.intercept_grads,
                    lg_np.coef_grads + lg_np.intercept_grads):
        assert type(a) is kind
        assert_allclose(to_numpy(a), b, atol=1e-10)


@pytest.mark.parametrize("library", LIBRARIES)
def test_early_stopping_and_validation_set(library):
    xp = lib(library)
    X, y, _ = problem(n=80)
    params = dict(solver="gd", early_stopping=True, max_iter=40, random_state=0,
                  n_iter_no_change=np.inf)
    with dispatch():
        model = SigmoidMLPRegressor(**params).fit(xp.asarray(X), xp.asarray(y))
    assert type(model.coefs_[0]) is type(xp.asarray(X))
    assert len(model.validation_loss_curve_) == 40
    assert np.isfinite(model.validation_scores_).all()
    # an explicit validation set, compared with numpy's
    params = dict(solver="sgd", learning_rate=0.05, max_iter=10, random_state=0,
                  n_iter_no_change=np.inf)
    reference = SigmoidMLPRegressor(**params).fit(X[:60], y[:60], X_val=X[60:],
                                                  y_val=y[60:])
    with dispatch():
        model = SigmoidMLPRegressor(**params).fit(
            xp.asarray(X[:60]), xp.asarray(y[:60]), X_val=xp.asarray(X[60:]),
            y_val=xp.asarray(y[60:]),
        )
    assert_allclose(model.validation_loss_curve_, reference.validation_loss_curve_,
                    rtol=1e-10)
    assert_allclose(model.validation_scores_, reference.validation_scores_,
                    rtol=1e-10)


def test_y_and_sample_weight_follow_X():
    torch = lib("torch")
    xps = lib("array_api_strict")
    X, y, sw = problem()
    reference = SigmoidMLPRegressor(max_iter=10, random_state=0).fit(X, y, sw)
    with dispatch():
        model = SigmoidMLPRegressor(max_iter=10, random_state=0).fit(
            torch.asarray(X), xps.asarray(y), sample_weight=sw
        )
        numpy_model = SigmoidMLPRegressor(max_iter=10, random_state=0).fit(
            X, torch.asarray(y), sample_weight=xps.asarray(sw)
        )
    assert isinstance(model.coefs_[0], torch.Tensor)
    assert_same_weights(model, reference, atol=1e-10)
    assert isinstance(numpy_model.coefs_[0], np.ndarray)
    assert_same_weights(numpy_model, reference, atol=0)


def test_torch_model_pickles_and_predicts():
    torch = lib("torch")
    X, y, _ = problem()
    with dispatch():
        model = SigmoidMLPRegressor(solver="adam", learning_rate=0.02, max_iter=20,
                                    random_state=0).fit(torch.asarray(X),
                                                        torch.asarray(y))
        expected = model.predict(torch.asarray(X))
    clone = pickle.loads(pickle.dumps(model))
    with dispatch():
        got = clone.predict(torch.asarray(X))
        clone.partial_fit(torch.asarray(X), torch.asarray(y))
    assert isinstance(got, torch.Tensor)
    assert torch.equal(got, expected)


def test_mixing_namespaces_between_fit_and_predict_is_an_error():
    torch = lib("torch")
    X, y, _ = problem()
    with dispatch():
        on_torch = SigmoidMLPRegressor(max_iter=5).fit(torch.asarray(X),
                                                       torch.asarray(y))
    on_numpy = SigmoidMLPRegressor(max_iter=5).fit(X, y)
    message = "must use the same namespace"
    with pytest.raises(ValueError, match=message):
        on_torch.predict(X)  # no dispatch: numpy input
    with dispatch():
        with pytest.raises(ValueError, match=message):
            on_torch.predict(X)
        with pytest.raises(ValueError, match=message):
            on_numpy.predict(torch.asarray(X))
        with pytest.raises(ValueError, match=message):
            on_numpy.forward_pass(torch.asarray(X))
        with pytest.raises(ValueError, match=message):
            on_numpy.partial_fit(torch.asarray(X), torch.asarray(y))
        with pytest.raises(ValueError, match=message):
            on_torch.loss_gradient(X, y)


@pytest.mark.parametrize("solver", ["lbfgs", "lm"])
def test_host_solvers_take_numpy_only(solver):
    torch = lib("torch")
    X, y, _ = problem()
    with dispatch():
        with pytest.raises(TypeError, match=rf"{solver}.*numpy arrays only"):
            SigmoidMLPRegressor(solver=solver).fit(torch.asarray(X), torch.asarray(y))
        # numpy data under dispatch: the usual numpy path
        SigmoidMLPRegressor(solver=solver, max_iter=5).fit(X, y)


def test_without_dispatch_other_arrays_become_numpy():
    torch = lib("torch")
    X, y, _ = problem()
    reference = SigmoidMLPRegressor(max_iter=10, random_state=0).fit(X, y)
    model = SigmoidMLPRegressor(max_iter=10, random_state=0).fit(torch.asarray(X),
                                                                 torch.asarray(y))
    assert isinstance(model.coefs_[0], np.ndarray)
    assert_same_weights(model, reference, atol=0)
    assert isinstance(model.predict(torch.asarray(X)), np.ndarray)


def test_tags():
    assert SigmoidMLPRegressor().__sklearn_tags__().array_api_support
    assert not SigmoidMLPRegressor(solver="lbfgs").__sklearn_tags__().array_api_support
    assert not SigmoidMLPRegressor(solver="lm").__sklearn_tags__().array_api_support


def test_early_stopping_with_sample_weight_and_pandas_target():
    pd = pytest.importorskip("pandas")
    xps = lib("array_api_strict")
    X, y, sw = problem(n=80)
    params = dict(solver="sgd", learning_rate=0.05, early_stopping=True, max_iter=10,
                  random_state=0, n_iter_no_change=np.inf)
    reference = SigmoidMLPRegressor(**params).fit(X, y, sample_weight=sw)
    with dispatch():
        model = SigmoidMLPRegressor(**params).fit(
            xps.asarray(X), pd.Series(y), sample_weight=xps.asarray(sw)
        )
    assert_same_weights(model, reference, atol=1e-10)
    assert_allclose(model.validation_loss_curve_, reference.validation_loss_curve_,
                    rtol=1e-10)
