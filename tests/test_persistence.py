"""Safe persistence with skops: round trips, the trusted-types list, refusals."""

import io
import os
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor, persistence
from sigmoid_mlp.persistence import TRUSTED_TYPES

sio = pytest.importorskip("skops.io")
UntrustedTypesFoundException = pytest.importorskip(
    "skops.io.exceptions"
).UntrustedTypesFoundException


def _data(n=120, n_features=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, n_features))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] + 0.05 * rng.randn(n)
    return X, y


def _fitted(**params):
    X, y = _data()
    params = {"random_state": 0, "max_iter": 300, "learning_rate": 0.2, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SigmoidMLPRegressor(**params).fit(X, y), X, y


def _assert_same_model(a, b):
    assert a.get_params() == b.get_params()
    for name in ("coefs_", "intercepts_"):
        for wa, wb in zip(getattr(a, name), getattr(b, name), strict=True):
            assert wa.dtype == wb.dtype
            assert_array_equal(wa, wb)
    for name in ("n_features_in_", "n_outputs_", "n_layers_", "n_iter_", "t_",
                 "loss_", "loss_curve_", "best_loss_"):
        assert getattr(a, name) == getattr(b, name), name


def test_trusted_types_are_the_estimators_own_types_only():
    assert "sigmoid_mlp._regressor.SigmoidMLPRegressor" in TRUSTED_TYPES
    assert "sigmoid_mlp._solvers.GradientDescent" in TRUSTED_TYPES
    assert all(name.startswith("sigmoid_mlp.") for name in TRUSTED_TYPES)
    # no exception types, result containers or other helpers
    assert not any("Error" in name or "ForwardPass" in name or "LossGradient" in name
                   for name in TRUSTED_TYPES)


@pytest.mark.parametrize(
    "params", [{}, {"hidden_layer_sizes": (5, 4)}, {"alpha": 1e-3}],
    ids=["deck", "two-layers", "l2"],
)
def test_round_trip_file_gives_identical_predictions(tmp_path, params):
    model, X, y = _fitted(**params)
    path = tmp_path / "model.skops"
    persistence.dump(model, path)
    # the file needs exactly our own types beyond skops' defaults ...
    untrusted = sio.get_untrusted_types(file=path)
    assert set(untrusted) <= set(TRUSTED_TYPES)
    assert "sigmoid_mlp._regressor.SigmoidMLPRegressor" in untrusted
    # ... and skops alone refuses it: the list is what makes loading possible
    with pytest.raises(UntrustedTypesFoundException):
        sio.load(path)

    restored = persistence.load(path)
    assert type(restored) is SigmoidMLPRegressor
    _assert_same_model(model, restored)
    X_new, _ = _data(n=50, seed=1)
    assert_array_equal(restored.predict(X_new), model.predict(X_new))
    assert restored.score(X, y) == model.score(X, y)


def test_round_trip_with_plain_skops_and_trusted_list():
    model, X, _ = _fitted()
    restored = sio.loads(sio.dumps(model), trusted=list(TRUSTED_TYPES))
    assert_array_equal(restored.predict(X), model.predict(X))


def test_round_trip_file_object_and_continued_training():
    """The restored model carries its solver state: training continues alike."""
    X, y = _data()
    model = SigmoidMLPRegressor(random_state=0, learning_rate=0.2)
    for start in range(0, 120, 40):
        model.partial_fit(X[start:start + 40], y[start:start + 40])
    buffer = io.BytesIO()
    persistence.dump(model, buffer)
    buffer.seek(0)
    restored = persistence.load(buffer)
    _assert_same_model(model, restored)
    model.partial_fit(X, y)
    restored.partial_fit(X, y)
    _assert_same_model(model, restored)
    assert_array_equal(restored.predict(X), model.predict(X))


def test_round_trip_float32_and_feature_names(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = _data()
    frame = pd.DataFrame(X.astype(np.float32), columns=["speed", "load"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SigmoidMLPRegressor(random_state=0, max_iter=200).fit(frame, y)
    path = tmp_path / "model.skops"
    persistence.dump(model, path)
    restored = persistence.load(path)
    assert restored.coefs_[0].dtype == np.float32
    assert_array_equal(restored.feature_names_in_, ["speed", "load"])
    assert_array_equal(restored.predict(frame), model.predict(frame))


def test_round_trip_pipeline(tmp_path):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(
            StandardScaler(), SigmoidMLPRegressor(random_state=0, max_iter=300)
        ).fit(X, y)
    path = tmp_path / "pipe.skops"
    persistence.dump(pipe, path)
    restored = persistence.load(path)
    assert_array_equal(restored.predict(X), pipe.predict(X))


def test_round_trip_unfitted_estimator(tmp_path):
    model = SigmoidMLPRegressor(hidden_layer_sizes=(4,), learning_rate=0.1,
                                random_state=3)
    path = tmp_path / "unfitted.skops"
    persistence.dump(model, path)
    restored = persistence.load(path)
    assert restored.get_params() == model.get_params()
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert_array_equal(
            restored.set_params(max_iter=50).fit(X, y).predict(X),
            model.set_params(max_iter=50).fit(X, y).predict(X),
        )


def test_load_refuses_a_function_that_would_run(tmp_path):
    """A pipeline that would call ``os.system`` is refused, not executed."""
    model, _, _ = _fitted()
    trap = make_pipeline(FunctionTransformer(func=os.system), model)
    path = tmp_path / "trap.skops"
    sio.dump(trap, path)
    with pytest.raises(UntrustedTypesFoundException, match="system"):
        persistence.load(path)


class PatchedRegressor(SigmoidMLPRegressor):
    """A look-alike type that is not on the list."""


def test_load_refuses_an_untrusted_type(tmp_path):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        impostor = PatchedRegressor(random_state=0, max_iter=20).fit(X, y)
    path = tmp_path / "impostor.skops"
    persistence.dump(impostor, path)
    name = f"{__name__}.PatchedRegressor"
    untrusted = sio.get_untrusted_types(file=path)
    assert name in untrusted
    assert set(untrusted) - {name} <= set(TRUSTED_TYPES)
    with pytest.raises(UntrustedTypesFoundException, match="PatchedRegressor"):
        persistence.load(path)
    # trusting it explicitly is the user's decision, and then it loads
    restored = persistence.load(path, trusted=[name])
    assert type(restored) is PatchedRegressor
    assert_array_equal(restored.predict(X), impostor.predict(X))


def test_skops_is_imported_lazily(monkeypatch, tmp_path):
    """Without skops the package and the module import; dump/load say what to do."""
    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    model = SigmoidMLPRegressor()
    with pytest.raises(ImportError, match="pip install skops"):
        persistence.dump(model, tmp_path / "x.skops")
    with pytest.raises(ImportError, match="pip install skops"):
        persistence.load(tmp_path / "x.skops")
