"""ONNX export (sigmoid_mlp.onnx): onnxruntime's predictions equal ``predict``.

Needs the onnx extra (skl2onnx, onnx, onnxruntime), which the test extra
installs, so CI runs these; without it they skip.
"""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
sigmoid_mlp_onnx = pytest.importorskip("sigmoid_mlp.onnx")

ROOT = Path(__file__).resolve().parents[1]

# the short fits here need not converge; the comparison is what is tested
pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


def run_onnx(model, X, dtype=np.float32):
    """Convert ``model`` with a ``dtype`` sample of ``X``; run it on all of ``X``."""
    onx = skl2onnx.to_onnx(model, X[:1].astype(dtype))
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (pred,) = session.run(None, {session.get_inputs()[0].name: X.astype(dtype)})
    return pred


def data(n_outputs, n_features=3, n_samples=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-3, 3, size=(n_samples, n_features)) * [1.0, 10.0, 0.1]
    Y = np.column_stack([np.sin(X[:, 0]), 0.1 * X[:, 1], 10 * X[:, 2] ** 2])
    y = Y[:, 0] if n_outputs == 1 else Y[:, :n_outputs]
    return X, y


def fitted_pipeline(hidden, n_outputs):
    """StandardScaler + the network, fitted with L-BFGS on ``data``."""
    X, y = data(n_outputs)
    model = make_pipeline(
        StandardScaler(),
        SigmoidMLPRegressor(hidden_layer_sizes=hidden, solver="lbfgs",
                            max_iter=300, random_state=0),
    ).fit(X, y)
    return X, model


@pytest.mark.parametrize("hidden", [(4,), (5, 3)], ids=["1-hidden", "2-hidden"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_pipeline_with_scaler_float32_matches_predict(hidden, n_outputs):
    X, model = fitted_pipeline(hidden, n_outputs)
    X32 = X.astype(np.float32)
    expected = model.predict(X32)
    pred = run_onnx(model, X)
    assert pred.dtype == np.float32
    assert pred.shape == (len(X), n_outputs)
    assert expected.shape == ((len(X),) if n_outputs == 1 else (len(X), n_outputs))
    # the network is not trivial (else the comparison would say little)
    assert np.ptp(expected, axis=0).min() > 0.1
    np.testing.assert_allclose(pred, expected.reshape(pred.shape),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("hidden", [(4,), (5, 3)], ids=["1-hidden", "2-hidden"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_pipeline_float64_matches_predict_to_double_accuracy(hidden, n_outputs):
    X, model = fitted_pipeline(hidden, n_outputs)
    pred = run_onnx(model, X, dtype=np.float64)
    assert pred.dtype == np.float64
    np.testing.assert_allclose(pred, model.predict(X).reshape(pred.shape),
                               rtol=1e-12, atol=1e-12)


def test_estimator_inside_a_longer_pipeline():
    X, y = data(1)
    model = Pipeline([
        ("scale", StandardScaler()),
        ("mlp", SigmoidMLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs",
                                    max_iter=200, random_state=0)),
    ]).fit(X, y)
    # the regressor's output feeds another step: a pipeline of a pipeline
    outer = Pipeline([("inner", model)])
    pred = run_onnx(outer, X)
    np.testing.assert_allclose(pred.ravel(), model.predict(X.astype(np.float32)),
                               rtol=1e-5, atol=1e-5)


def test_estimator_alone_and_int64_input():
    X, y = data(1)
    X = np.round(X)
    est = SigmoidMLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs",
                              max_iter=200, random_state=0).fit(X, y)
    pred32 = run_onnx(est, X)
    np.testing.assert_allclose(pred32.ravel(), est.predict(X), rtol=1e-5, atol=1e-5)
    pred_int = run_onnx(est, X.astype(np.int64), dtype=np.int64)
    assert pred_int.dtype == np.float32
    np.testing.assert_allclose(pred_int.ravel(), est.predict(X), rtol=1e-5, atol=1e-5)


def test_from_weights_model_converts_the_deck_network():
    given = SigmoidMLPRegressor.from_weights(
        coefs=[[[-1.22, 1.02, -1.06]], [[3.99], [-4.76], [-5.13]]],
        intercepts=[[-3.56, -3.03, 0.07], [2.75]],
    )
    X = np.linspace(-3, 3, 61).reshape(-1, 1)
    pred = run_onnx(given, X)
    np.testing.assert_allclose(pred.ravel(), given.predict(X), rtol=1e-5, atol=1e-5)
    # the deck's worked value, ŷ(2) = 0.8852
    assert run_onnx(given, np.array([[2.0]]))[0, 0] == pytest.approx(0.8852, abs=1e-4)


def test_target_scaling_option_matches_predict():
    """normalize_y (targets far from unit scale): onnxruntime equals predict."""
    X, y = data(3)
    y = 100.0 * y + 50.0
    model = make_pipeline(
        StandardScaler(),
        SigmoidMLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=300,
                            random_state=0, normalize_y=True),
    ).fit(X, y)
    pred = run_onnx(model, X)
    np.testing.assert_allclose(pred, model.predict(X.astype(np.float32)),
                               rtol=1e-5, atol=1e-3)


def test_unfitted_estimator_error_says_what_to_do():
    X, _ = data(1)
    with pytest.raises(NotFittedError, match=r"not fitted.*call fit.*from_weights"):
        skl2onnx.to_onnx(SigmoidMLPRegressor(), X[:1].astype(np.float32))
    with pytest.raises(NotFittedError, match="not fitted"):
        skl2onnx.to_onnx(make_pipeline(StandardScaler().fit(X), SigmoidMLPRegressor()),
                         X[:1].astype(np.float32))


def test_non_finite_weights_error():
    est = SigmoidMLPRegressor.from_weights([[[1.0, 2.0]], [[1.0], [2.0]]],
                                           [[0.0, 0.0], [0.0]])
    est.coefs_[0][0, 1] = np.nan  # e.g. a diverged partial_fit
    with pytest.raises(ValueError, match="NaN or infinity"):
        skl2onnx.to_onnx(est, np.zeros((1, 1), dtype=np.float32))


def test_wrong_number_of_features_error():
    est = SigmoidMLPRegressor.from_weights([np.ones((2, 3)), np.ones((3, 1))],
                                           [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match="3 features but the network expects 2"):
        skl2onnx.to_onnx(est, np.zeros((1, 3), dtype=np.float32))


def test_string_input_error():
    from skl2onnx.common.data_types import StringTensorType

    est = SigmoidMLPRegressor.from_weights([np.ones((2, 3)), np.ones((3, 1))],
                                           [np.zeros(3), np.zeros(1)])
    with pytest.raises(TypeError, match="float, double or int64 tensors"):
        skl2onnx.to_onnx(est, initial_types=[("X", StringTensorType([None, 2]))])


def test_register_is_idempotent_and_alias_is_known():
    assert sigmoid_mlp_onnx.register() == sigmoid_mlp_onnx.ALIAS
    assert sigmoid_mlp_onnx.ALIAS in skl2onnx.supported_converters(from_sklearn=False)


def test_import_without_skl2onnx_names_the_extra():
    """``import sigmoid_mlp`` never needs skl2onnx; the onnx module names the extra."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["skl2onnx"] = None  # as if it were not installed
        import sigmoid_mlp
        assert "skl2onnx" not in sys.modules or sys.modules["skl2onnx"] is None
        try:
            import sigmoid_mlp.onnx
        except ImportError as exc:
            print(exc)
        else:
            raise SystemExit("imported without skl2onnx")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")}, check=True)
    assert 'pip install "sigmoid-mlp[onnx]"' in out.stdout


def test_import_sigmoid_mlp_does_not_import_skl2onnx():
    code = "import sys, sigmoid_mlp; print('skl2onnx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")}, check=True)
    assert out.stdout.strip() == "False"


def test_api_reference_lists_the_module():
    text = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8")
    section = text.split(".. currentmodule:: sigmoid_mlp.onnx", 1)
    assert len(section) == 2, "docs/api.rst has no sigmoid_mlp.onnx section"
    listed = set(re.findall(r"^   (\w+)$", section[1].split("\n.. currentmodule::")[0],
                            flags=re.M))
    missing = set(sigmoid_mlp_onnx.__all__) - listed
    assert not missing, f"add to docs/api.rst: {sorted(missing)}"
