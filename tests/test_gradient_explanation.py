"""explain_gradient: the deck's derivatives from their ingredients, with numbers.

The values are checked against the estimator's loss_gradient, against the
reference backward pass of sigmoid_mlp._network and against central finite
differences; the text against the numbers it shows.  GradientDisplay's bars
are read back from the artists (skipped without matplotlib).
"""

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import (
    B1,
    B2,
    W1,
    W2,
    central_differences,
    deck_model,
    random_weights,
    sine_data,
)
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor, _network
from sigmoid_mlp.inspection import GradientExplanation, explain_gradient


def assert_same_gradient(explanation, reference, rtol=1e-10, atol=1e-13):
    for mine, theirs in zip(explanation.coef_grads, reference.coef_grads):
        assert mine.shape == theirs.shape
        assert_allclose(mine, theirs, rtol=rtol, atol=atol)
    for mine, theirs in zip(explanation.intercept_grads, reference.intercept_grads):
        assert mine.shape == theirs.shape
        assert_allclose(mine, theirs, rtol=rtol, atol=atol)
    assert_allclose(explanation.loss, reference.loss, rtol=rtol)


def test_deck_network_equals_loss_gradient_and_the_reference_backward_pass():
    model = deck_model()
    X, y = sine_data()
    explanation = explain_gradient(model, X, y)
    assert isinstance(explanation, GradientExplanation)
    assert_same_gradient(explanation, model.loss_gradient(X, y))
    loss, coef_grads, intercept_grads = _network.loss_gradient(
        X, y.reshape(-1, 1), [np.array(W1), np.array(W2)], [np.array(B1), np.array(B2)])
    assert_allclose(explanation.loss, loss, rtol=1e-12)
    for mine, theirs in zip(explanation.coef_grads + explanation.intercept_grads,
                            coef_grads + intercept_grads):
        assert_allclose(mine, theirs, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("layer_sizes", [[1, 3, 1], [2, 4, 1], [1, 4, 3, 1], [3, 2, 2]])
@pytest.mark.parametrize("alpha", [0.0, 0.7])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_finite_differences(layer_sizes, alpha, weighted):
    coefs, intercepts = random_weights(layer_sizes, seed=3)
    model = SigmoidMLPRegressor.from_weights(coefs, intercepts, alpha=alpha)
    rng = np.random.RandomState(1)
    X = rng.randn(25, layer_sizes[0])
    y = rng.randn(25, layer_sizes[-1])
    sw = rng.uniform(0.2, 3.0, 25) if weighted else None
    explanation = explain_gradient(model, X, y, sample_weight=sw)
    assert_same_gradient(explanation, model.loss_gradient(X, y, sw))
    theta = _network.pack(coefs, intercepts)

    def loss(packed):
        c, b = _network.unpack(packed, layer_sizes)
        other = SigmoidMLPRegressor.from_weights(c, b, alpha=alpha)
        return explain_gradient(other, X, y, sample_weight=sw).loss

    numeric = central_differences(loss, theta, 1e-6)
    analytic = _network.pack(explanation.coef_grads, explanation.intercept_grads)
    assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_penalized_intercepts_and_alpha_auto_follow_the_estimator():
    X, y = sine_data(n=30)
    for params in ({"alpha": 0.5, "penalize_intercepts": True},
                   {"alpha": "auto"}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = SigmoidMLPRegressor(solver="lm", max_iter=5, random_state=0,
                                        **params).fit(X, y)
        explanation = explain_gradient(model, X, y)
        assert explanation.ingredients["penalize_intercepts"] is True
        assert_same_gradient(explanation, model.loss_gradient(X, y))
        # the intercepts' share of the penalty is in the derivative
        plain = explain_gradient(SigmoidMLPRegressor.from_weights(
            model.coefs_, model.intercepts_), X, y)
        assert not np.allclose(plain.intercept_grads[0], explanation.intercept_grads[0])


def test_normalize_y_pipeline_sparse_and_dataframe_inputs():
    X, y = sine_data(n=50)
    model = SigmoidMLPRegressor(normalize_y=True, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, 5 + 3 * y)
    # the estimator's loss_gradient is on the scale of y (coefs_ are)
    assert_same_gradient(explain_gradient(model, X, 5 + 3 * y),
                         model.loss_gradient(X, 5 + 3 * y))
    pipe = make_pipeline(StandardScaler(), SigmoidMLPRegressor(max_iter=20,
                                                               random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)
    explanation = explain_gradient(pipe, X, y)
    Xt = pipe[0].transform(X)
    assert_same_gradient(explanation, pipe[-1].loss_gradient(Xt, y))
    # the inputs x_i of the formulas are the network's (scaled) inputs
    assert_allclose(explanation.ingredients["x"], Xt)
    dense = explain_gradient(deck_model(), X, y)
    sparse = explain_gradient(deck_model(), sp.csr_matrix(X), y)
    assert_same_gradient(sparse, deck_model().loss_gradient(X, y))
    assert_allclose(sparse.ingredients["x"], dense.ingredients["x"])
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["x"])
    named = SigmoidMLPRegressor(max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        named.fit(frame, y)
    assert_same_gradient(explain_gradient(named, frame, y), named.loss_gradient(frame, y))


def test_ingredients_are_the_forward_pass():
    model = deck_model()
    X, y = sine_data()
    sw = np.linspace(0.5, 2, X.shape[0])
    ing = explain_gradient(model, X, y, sample_weight=sw).ingredients
    forward = model.forward_pass(X)
    assert_allclose(ing["y_pred"].ravel(), model.predict(X), rtol=1e-14)
    assert_allclose(ing["residual"].ravel(), y - model.predict(X), rtol=1e-12,
                    atol=1e-14)
    assert_allclose(ing["activations"][0], forward.activations[1])
    a = forward.activations[1]
    assert_allclose(ing["slopes"][0], a * (1 - a))
    assert_allclose(ing["x"], X)
    assert_allclose(ing["sample_weight"], sw)
    assert ing["weight_sum"] == pytest.approx(sw.sum())
    # the deck's sum for dJ/dw_21^(1): -(w_12^(2)/S) Σ w_i (y_i − ŷ_i) g'(z_2) x_i
    deck_sum = np.sum(sw * ing["residual"][:, 0] * ing["slopes"][0][:, 1] * X[:, 0])
    assert_allclose(explain_gradient(model, X, y, sample_weight=sw).coef_grads[0][0, 1],
                    -W2[1][0] * deck_sum / sw.sum(), rtol=1e-12)


def test_the_step_is_what_partial_fit_takes():
    """-α·∂J/∂w of the explanation is the 'gd' solver's step (one partial_fit)."""
    X, y = sine_data()
    model = deck_model(learning_rate=0.2)
    explanation = explain_gradient(model, X, y)
    assert explanation.learning_rate == 0.2
    for grad, step in zip(explanation.coef_grads + explanation.intercept_grads,
                          explanation.coef_steps + explanation.intercept_steps):
        assert_allclose(step, -0.2 * grad)
    before = [np.array(W) for W in model.coefs_ + model.intercepts_]
    model.partial_fit(X, y)
    for old, step, new in zip(before, explanation.coef_steps
                              + explanation.intercept_steps,
                              model.coefs_ + model.intercepts_):
        assert_allclose(new, old + step, rtol=1e-12, atol=1e-15)
    other = explain_gradient(deck_model(), X, y, learning_rate=1.5)
    assert_allclose(other.coef_steps[1], -1.5 * other.coef_grads[1])


NUMERIC = re.compile(r"^\s+= (.*) = (\S+)$")


def test_text_writes_the_deck_formulas_with_the_values():
    model = deck_model()
    X, y = sine_data()
    explanation = explain_gradient(model, X, y, precision=6)
    text = str(explanation)
    assert repr(explanation) == text
    for formula in (
        "∂J/∂w_10^(2) = -(1/n) Σ_i (y_i − ŷ_i)",
        "∂J/∂w_12^(2) = -(1/n) Σ_i (y_i − ŷ_i)·g(z_2^(1))",
        "∂J/∂w_20^(1) = -(w_12^(2)/n) Σ_i (y_i − ŷ_i)·g'(z_2^(1))",
        "∂J/∂w_31^(1) = -(w_13^(2)/n) Σ_i (y_i − ŷ_i)·g'(z_3^(1))·x_i",
    ):
        assert formula in text, formula
    assert "Zweiter Layer" in text and "Erster Layer" in text
    # every derivative's number line ends with its value, in the deck's order
    values = [float(m.group(2)) for m in map(NUMERIC.match, explanation.lines) if m]
    expected = []
    for layer in (1, 0):
        G, b = explanation.coef_grads[layer], explanation.intercept_grads[layer]
        for j in range(b.size):
            expected += [b[j], *G[:, j]]
    assert_allclose(values, expected, rtol=1e-5)
    # ... and the factor before the sum is w_1j^(2)/n for the first layer
    line = next(li for li in explanation.lines if li.strip().startswith("= -(-1.5/40)"))
    assert line
    # the ingredients: the second layer's weights and the residuals
    assert "w_11^(2), w_12^(2), w_13^(2) = 2, -1.5, 0.75" in text
    first_residual = explanation.ingredients["residual"][0, 0]
    assert f"y_i − ŷ_i = {float(format(first_residual, '.6g')):.6g}" in text
    # the update, written out
    new = model.intercepts_[1][0] - 0.3 * explanation.intercept_grads[1][0]
    assert any(li.startswith("  w_10^(2) := 0.5 − 0.3·(") and
               li.endswith(f"= {float(format(new, '.6g')):.6g}")
               for li in explanation.lines)


def test_text_with_weights_l2_and_a_deep_network():
    coefs, intercepts = random_weights([2, 3, 2, 1], seed=0)
    model = SigmoidMLPRegressor.from_weights(coefs, intercepts, alpha=0.1)
    X, y = sine_data(n=12, n_features=2)
    sw = np.arange(1.0, 13.0)
    explanation = explain_gradient(model, X, y, sample_weight=sw)
    text = str(explanation)
    assert "S = Σ_i w_i = 78" in text
    assert "∂J/∂w_11^(3) = -(1/S) Σ_i w_i·(y_i − ŷ_i)·g(z_1^(2)) + (alpha/S)·w_11^(3)" in text
    assert "∂J/∂w_21^(2) = -(1/S) Σ_i w_i·δ_i2^(2)·g(z_1^(1))" in text
    assert "∂J/∂w_12^(1) = -(1/S) Σ_i w_i·δ_i1^(1)·x_i2" in text
    assert_same_gradient(explanation, model.loss_gradient(X, y, sw))
    # wide layers are shortened
    wide = SigmoidMLPRegressor.from_weights(*random_weights([1, 12, 1], seed=0))
    short = str(explain_gradient(wide, X[:, :1], y, max_units=3))
    assert "(9 more units)" in short
    assert "g(z_4^(1))" not in short


def test_errors_say_what_was_wrong():
    X, y = sine_data()
    with pytest.raises(NotFittedError):
        explain_gradient(SigmoidMLPRegressor(), X, y)
    with pytest.raises(TypeError, match="needs a SigmoidMLPRegressor"):
        explain_gradient(Ridge().fit(X, y), X, y)
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        explain_gradient(deck_model(), X, y, learning_rate=-1)
    with pytest.raises(ValueError, match="precision must be an integer >= 1"):
        explain_gradient(deck_model(), X, y, precision=0)
    with pytest.raises(ValueError, match=r"inconsistent|samples"):
        explain_gradient(deck_model(), X, y[:-1])
    with pytest.raises(ValueError, match="features"):
        explain_gradient(deck_model(), np.c_[X, X], y)
    with pytest.raises(ValueError, match=r"negative"):
        explain_gradient(deck_model(), X, y, sample_weight=-np.ones(len(y)))


def test_an_ard_model_is_refused_with_the_way_to_its_gradient():
    # one L2 strength per input (alpha='ard') is not the deck's cost: the
    # explanation says so and names loss_gradient, which has the ARD terms
    X, y = sine_data()
    ard = SigmoidMLPRegressor(solver="lm", alpha="ard",
                              random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"alpha='ard'.*loss_gradient\(X, y\)"):
        explain_gradient(ard, X, y)
    from sigmoid_mlp.inspection import GradientDisplay

    with pytest.raises(ValueError, match=r"alpha='ard'"):
        GradientDisplay.from_estimator(ard, X, y)
    assert all(np.isfinite(g).all() for g in ard.loss_gradient(X, y).coef_grads)


# ------------------------------------------------------------ GradientDisplay
def test_gradient_display_bars_are_the_derivatives_and_the_steps():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sigmoid_mlp.inspection import GradientDisplay

    X, y = sine_data()
    model = deck_model()
    try:
        disp = GradientDisplay.from_estimator(model, X, y, learning_rate=0.5)
        grad = model.loss_gradient(X, y)
        expected = []
        for layer in (1, 0):
            for j in range(grad.intercept_grads[layer].size):
                expected += [grad.intercept_grads[layer][j],
                             *grad.coef_grads[layer][:, j]]
        widths = [bar.get_width() for bar in disp.gradient_bars_]
        assert_allclose(widths, expected, rtol=1e-10)
        assert_allclose([bar.get_width() for bar in disp.step_bars_],
                        -0.5 * np.array(expected), rtol=1e-10)
        assert disp.names[:5] == ["w_10^(2)", "w_11^(2)", "w_12^(2)", "w_13^(2)",
                                  "w_10^(1)"]
        labels = [t.get_text() for t in disp.axes_[0].get_yticklabels()]
        assert labels[1] == "$w_{11}^{(2)}$"
        colors = [bar.get_facecolor() for bar in disp.gradient_bars_]
        red = matplotlib.colors.to_rgba("tab:red")
        assert all((c == red) == (v < 0) for c, v in zip(colors, expected))
        assert "0.5" in disp.axes_[1].get_title()
        again = GradientDisplay.from_explanation(disp.explanation)
        assert_allclose(again.gradients, disp.gradients)
        with pytest.raises(TypeError, match="explain_gradient"):
            GradientDisplay.from_explanation(grad)
        keep = os.environ.get("SIGMOID_MLP_TEST_FIGURES")
        if keep:  # SIGMOID_MLP_TEST_FIGURES=<dir> keeps the figure drawn
            Path(keep).mkdir(parents=True, exist_ok=True)
            disp.figure_.savefig(Path(keep) / "test_gradient_display.png",
                                 bbox_inches="tight")
        _, one_ax = plt.subplots()
        with pytest.raises(ValueError, match="two Axes"):
            disp.plot(ax=one_ax)
    finally:
        plt.close("all")
