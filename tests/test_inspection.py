"""``explain_prediction`` and the optional-matplotlib contract of ``inspection``.

The display objects themselves are tested in ``test_displays.py`` (skipped
without matplotlib); nothing here needs matplotlib.
"""

import math
import os
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from _helpers import deck_model, random_weights
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sigmoid_mlp
from sigmoid_mlp import SigmoidMLPRegressor
from sigmoid_mlp.inspection import PredictionExplanation, explain_prediction


def evaluate(expression):
    """Evaluate a numeric line of the explanation as Python arithmetic."""
    expression = expression.replace("·", "*").replace("exp", "math.exp")
    assert re.fullmatch(r"[0-9eE.+\-*/() mathxp]+", expression), expression
    return eval(expression, {"math": math})


def test_deck_network_at_x_2_written_out():
    text = str(explain_prediction(deck_model(), 2.0))
    assert text.splitlines() == [
        "Input: x = 2",
        "Layer 1: 3 sigmoid units",
        "  z_1^(1) = w_10^(1) + w_11^(1)·x = -1 + 1.5·2 = 2",
        "  z_2^(1) = w_20^(1) + w_21^(1)·x = 3 + (-2)·2 = -1",
        "  z_3^(1) = w_30^(1) + w_31^(1)·x = 0.25 + 0.5·2 = 1.25",
        "  g(z_1^(1)) = 1/(1 + exp(-2)) = 0.8808",
        "  g(z_2^(1)) = 1/(1 + exp(1)) = 0.2689",
        "  g(z_3^(1)) = 1/(1 + exp(-1.25)) = 0.7773",
        "Layer 2: linear output",
        "  ŷ = w_10^(2) + w_11^(2)·g(z_1^(1)) + w_12^(2)·g(z_2^(1)) + w_13^(2)·g(z_3^(1))",
        "    = 0.5 + 2·0.8808 + (-1.5)·0.2689 + 0.75·0.7773",
        "    = 2.441",
    ]


@pytest.mark.parametrize("x", [-2.7, 0.0, 0.3, 2.0, 11.0])
def test_every_number_is_the_forward_pass(x):
    model = deck_model()
    expl = explain_prediction(model, x, precision=8)
    assert isinstance(expl, PredictionExplanation)
    fp = model.forward_pass([[x]])
    z_lines = [line for line in expl.lines if line.startswith("  z_")]
    g_lines = [line for line in expl.lines if line.startswith("  g(")]
    assert len(z_lines) == 3 and len(g_lines) == 3
    for j, line in enumerate(z_lines):
        _, _, numeric, value = line.split(" = ")
        assert_allclose(float(value), fp.pre_activations[0][0, j], rtol=1e-7,
                        atol=1e-12)
        # The substituted numbers compute the shown value.
        assert_allclose(evaluate(numeric), float(value), rtol=1e-6, atol=1e-7)
    for j, line in enumerate(g_lines):
        _, numeric, value = line.split(" = ")
        assert_allclose(float(value), fp.activations[1][0, j], rtol=1e-7)
        assert_allclose(evaluate(numeric), float(value), rtol=1e-6)
    numeric = expl.lines[-2].split(" = ")[1]
    assert_allclose(evaluate(numeric), float(expl.lines[-1].split(" = ")[1]),
                    rtol=1e-6, atol=1e-7)
    assert_allclose(float(expl.lines[-1].split(" = ")[1]), model.predict([[x]])[0],
                    rtol=1e-7)
    assert_allclose(expl.prediction, model.predict([[x]]), rtol=1e-15)
    assert expl.x.tolist() == [x]


@pytest.mark.parametrize("x", [2.0, [2.0], [[2.0]], np.array([2.0])])
def test_accepts_number_row_or_one_row_matrix(x):
    expl = explain_prediction(deck_model(), x)
    assert expl.lines[0] == "Input: x = 2"


def test_pipeline_explains_the_preprocessed_input():
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 10, size=(60, 1))
    y = np.sin(X).ravel()
    model = make_pipeline(StandardScaler(), SigmoidMLPRegressor(max_iter=30,
                                                                random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    expl = explain_prediction(model, 2.0)
    scaled = model[0].transform([[2.0]])[0, 0]
    assert expl.lines[0] == "Input: x = 2"
    assert expl.lines[1] == f"After preprocessing (StandardScaler): x = {scaled:.4g}"
    assert_allclose(expl.network_input, [scaled])
    assert_allclose(expl.prediction, model.predict([[2.0]]), rtol=1e-14)
    # The formulas use the preprocessed x.
    assert f"·{scaled:.4g} = " in expl.lines[3] or f"·({scaled:.4g}) = " in expl.lines[3]


def test_large_network_stays_readable():
    model = SigmoidMLPRegressor.from_weights(*random_weights([12, 10, 12, 2]))
    expl = explain_prediction(model, np.arange(12.0), max_terms=4, max_units=5)
    text = str(expl)
    # 5 of the 10 / 12 units per layer are written out, the rest summarised.
    assert "  … (5 more units)" in text
    assert "  … (7 more units)" in text
    assert "Σ_k w_1k^(1)·x_k" in text
    assert "Σ_k w_1k^(2)·g(z_k^(1))" in text
    assert "z_10^(1) = w_10,0^(1) + Σ_k w_10,k^(1)·x_k" in text
    assert "ŷ_1 = " in text and "ŷ_2 = " in text
    assert all(len(line) < 140 for line in expl.lines), max(map(len, expl.lines))
    assert len(expl.lines) < 60
    # The values shown are still the forward pass's.
    fp = model.forward_pass(np.arange(12.0)[None, :])
    value_10 = expl.lines[expl.lines.index(next(
        line for line in expl.lines if line.startswith("  z_10^(1) = "))) + 2]
    assert_allclose(float(value_10.split(" = ")[1]), fp.pre_activations[0][0, 9],
                    rtol=1e-3)
    assert_allclose(expl.prediction, fp.output[0], rtol=1e-15)


def test_two_inputs_are_named_x_1_x_2():
    model = SigmoidMLPRegressor.from_weights(*random_weights([2, 2, 1]))
    expl = explain_prediction(model, [0.5, -1.0])
    assert expl.lines[0] == "Input: x_1 = 0.5, x_2 = -1"
    assert "z_1^(1) = w_10^(1) + w_11^(1)·x_1 + w_12^(1)·x_2" in expl.lines[2]


def test_errors():
    with pytest.raises(ValueError, match="explains one sample"):
        explain_prediction(deck_model(), [[1.0], [2.0]])
    with pytest.raises(ValueError, match="expecting 1 features"):
        explain_prediction(deck_model(), [1.0, 2.0])
    with pytest.raises(NotFittedError):
        explain_prediction(SigmoidMLPRegressor(), 1.0)
    with pytest.raises(TypeError, match="needs a SigmoidMLPRegressor"):
        explain_prediction(Ridge().fit([[0.0], [1.0]], [0.0, 1.0]), 1.0)
    with pytest.raises(ValueError, match="precision must be an integer >= 1"):
        explain_prediction(deck_model(), 1.0, precision=0)
    with pytest.raises(ValueError, match="max_terms must be an integer >= 2"):
        explain_prediction(deck_model(), 1.0, max_terms=1)


def run_python(code):
    """Run code in a fresh interpreter that imports this checkout's package."""
    src = os.path.dirname(os.path.dirname(os.path.abspath(sigmoid_mlp.__file__)))
    env = {**os.environ, "PYTHONPATH": src}
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, check=False, env=env)


def test_package_works_without_matplotlib():
    """matplotlib is an optional extra: import and explain without it."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["matplotlib"] = None  # makes `import matplotlib` fail
        import numpy as np
        import sigmoid_mlp
        from sigmoid_mlp import SigmoidMLPRegressor
        from sigmoid_mlp import inspection
        model = SigmoidMLPRegressor.from_weights([[[1.0, 2.0]], [[1.0], [1.0]]],
                                                 [[0.0, 0.0], [0.0]])
        print(inspection.explain_prediction(model, 2.0).lines[-1])
        try:
            inspection.PredictionDisplay.from_estimator(model, [[0.0], [1.0]], [0, 1])
        except ImportError as exc:
            print("ImportError:", exc)
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0].strip().startswith("= ")
    assert out[1].startswith("ImportError: ")
    assert "pip install sigmoid-mlp[plot]" in out[1]


def test_importing_inspection_does_not_import_matplotlib():
    code = (
        "import sys, sigmoid_mlp.inspection; "
        "print(sys.modules.get('matplotlib') is not None)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_dataframe_inputs_use_the_column_names():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"temperature": rng.uniform(-3, 3, 40),
                      "pressure": rng.uniform(-3, 3, 40)})
    y = np.sin(X["temperature"]).to_numpy()
    model = SigmoidMLPRegressor(max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        expl = explain_prediction(model, X.iloc[3])
    assert expl.lines[0] == (
        f"Input: temperature = {X.iloc[3, 0]:.4g}, pressure = {X.iloc[3, 1]:.4g}")
    assert "w_11^(1)·temperature + w_12^(1)·pressure" in expl.lines[2]
    assert_allclose(expl.prediction, model.predict(X.iloc[[3]]), rtol=1e-15)
