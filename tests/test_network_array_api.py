"""The math module written against the Array API namespace: torch and array-api-strict.

Each library must give numpy's numbers (float64, 1e-12) and keep its own
array type; numpy arrays keep taking the numpy path.
"""

import importlib

import numpy as np
import pytest
from _array_api_env import provide_compat
from numpy.testing import assert_allclose

from sigmoid_mlp import _network

LIBRARIES = ["array_api_strict", "torch"]


@pytest.fixture(autouse=True)
def _compat(request, monkeypatch):
    # array_api_compat for the package (see tests/_array_api_env.py): a
    # failure without array-api-strict (the test extra has it), a skip only
    # on scikit-learn 1.6 without the array-api extra
    if "library" in request.fixturenames:
        provide_compat(monkeypatch.setitem)


def _namespace(name):
    if name == "torch":  # optional: the CI's array-api stage installs it
        return pytest.importorskip(name)
    return importlib.import_module(name)


def _to_numpy(a):
    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def _problem(seed=0, n=40, d=3, k=2):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = rng.randn(n, k)
    sw = rng.uniform(0.1, 2.0, n)
    return X, y, sw


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("weighted, alpha", [(False, 0.0), (True, 0.1)])
def test_loss_gradient_in_other_namespaces_equals_numpy(library, weighted, alpha):
    xp = _namespace(library)
    X, y, sw = _problem()
    sizes = [3, 4, 2, 2]
    coefs, intercepts = _network.init_weights(sizes, np.random.RandomState(0))
    expected = _network.loss_gradient(X, y, coefs, intercepts, sw if weighted else None, alpha)

    c_x, b_x = _network.init_weights(
        sizes, np.random.RandomState(0), dtype=xp.float64, xp=xp
    )
    got = _network.loss_gradient(
        xp.asarray(X), xp.asarray(y), c_x, b_x,
        xp.asarray(sw) if weighted else None, alpha,
    )
    assert got[0] == pytest.approx(expected[0], rel=1e-12)
    for a, b in zip(got[1] + got[2], expected[1] + expected[2]):
        assert type(a) is type(c_x[0])
        assert_allclose(_to_numpy(a), b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("library", LIBRARIES)
def test_gradient_descent_trajectory_in_other_namespaces_equals_numpy(library):
    xp = _namespace(library)
    X, y, _ = _problem(k=1)
    sizes = [3, 3, 1]
    c_np, b_np = _network.init_weights(sizes, np.random.RandomState(1))
    c_x, b_x = _network.init_weights(sizes, np.random.RandomState(1), dtype=xp.float64, xp=xp)
    X_x, y_x = xp.asarray(X), xp.asarray(y)
    for _ in range(50):
        _, gc, gb = _network.loss_gradient(X, y, c_np, b_np)
        c_np = [w - 0.5 * g for w, g in zip(c_np, gc)]
        b_np = [w - 0.5 * g for w, g in zip(b_np, gb)]
        _, gc, gb = _network.loss_gradient(X_x, y_x, c_x, b_x)
        c_x = [w - 0.5 * g for w, g in zip(c_x, gc)]
        b_x = [w - 0.5 * g for w, g in zip(b_x, gb)]
    for a, b in zip(c_x + b_x, c_np + b_np):
        assert_allclose(_to_numpy(a), b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_sigmoid_in_other_namespaces_is_overflow_free(library, dtype_name):
    xp = _namespace(library)
    z_np = np.array([-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4], dtype=dtype_name)
    z = xp.asarray(z_np, dtype=getattr(xp, dtype_name))
    # exp(-|z|) may underflow to 0, which is exact enough; overflow, invalid
    # operations and division by zero must not happen
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = _network.sigmoid(z)
    assert a.dtype == z.dtype
    assert_allclose(_to_numpy(a), _network.sigmoid(z_np), rtol=1e-6 if dtype_name == "float32" else 1e-15)


def test_numpy_stays_on_the_numpy_path():
    assert _network.array_namespace(np.ones(2), None) is np
    import scipy.sparse as sp

    assert _network.array_namespace(sp.csr_matrix(np.eye(2)), np.ones(2)) is np
