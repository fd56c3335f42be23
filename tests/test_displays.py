"""The display objects draw the model's numbers (checked on the artists' data).

Skipped when matplotlib (the optional ``plot`` extra) is not installed.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _helpers import B1, B2, W1, W2, deck_model, g, sine_data  # noqa: E402

from sigmoid_mlp import SigmoidMLPRegressor  # noqa: E402
from sigmoid_mlp.inspection import (  # noqa: E402
    ActivationDisplay,
    ComparisonDisplay,
    LossCurveDisplay,
    PredictionDisplay,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# scikit-learn < 1.7 passes options to SciPy's L-BFGS-B that newer SciPy
# deprecates; that warning is not ours to fix.
LBFGS_IPRINT = pytest.mark.filterwarnings(
    "ignore:.*`disp` and `iprint`.*:DeprecationWarning"
)


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# ---------------------------------------------------------------- PredictionDisplay
def test_prediction_display_draws_data_points_and_curve():
    X, y = sine_data()
    model = deck_model()
    disp = PredictionDisplay.from_estimator(model, X, y, grid_resolution=57,
                                            highlight=2.0)
    assert_array_equal(disp.data_scatter_.get_offsets(), np.c_[X.ravel(), y])
    assert_allclose(disp.points_scatter_.get_offsets(),
                    np.c_[X.ravel(), model.predict(X)], rtol=1e-14)
    grid = np.linspace(X.min(), X.max(), 57)
    assert_allclose(disp.curve_line_.get_xdata(), grid)
    assert_allclose(disp.curve_line_.get_ydata(), model.predict(grid[:, None]),
                    rtol=1e-14)
    # The deck's point at x = 2, by hand.
    y2 = B2[0] + sum(W2[j][0] * g(B1[j] + W1[0][j] * 2.0) for j in range(3))
    assert_allclose(disp.highlight_scatter_.get_offsets(), [[2.0, y2]], rtol=1e-12)
    assert disp.ax_.figure is disp.figure_
    assert r"$\hat{y}(2)$ = 2.44" in disp.highlight_scatter_.get_label()


def test_prediction_display_options_and_given_axes():
    X, y = sine_data()
    model = deck_model()
    fig, ax = plt.subplots()
    disp = PredictionDisplay.from_estimator(model, X, ax=ax, show_points=False)
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.data_scatter_ is None
    assert disp.points_scatter_ is None
    assert disp.highlight_scatter_ is None
    assert disp.curve_line_ is not None
    disp = PredictionDisplay.from_estimator(model, X, y, show_curve=False)
    assert disp.curve_line_ is None


def test_prediction_display_pipeline_and_other_regressors():
    X, y = sine_data()
    X = X * 3 + 10
    pipe = fitted(make_pipeline(StandardScaler(), SigmoidMLPRegressor(
        max_iter=200, random_state=0)), X, y)
    disp = PredictionDisplay.from_estimator(pipe, X, y)
    assert_allclose(disp.curve_line_.get_xdata()[[0, -1]], [X.min(), X.max()])
    assert_allclose(disp.curve_line_.get_ydata(),
                    pipe.predict(disp.grid[:, None]), rtol=1e-14)
    ridge = Ridge().fit(X, y)
    disp = PredictionDisplay.from_estimator(ridge, X, y)
    assert_allclose(disp.curve_line_.get_ydata(), ridge.predict(disp.grid[:, None]))


def test_prediction_display_multi_output_selects_output():
    rng = np.random.RandomState(0)
    coefs = [rng.randn(1, 3), rng.randn(3, 2)]
    intercepts = [rng.randn(3), rng.randn(2)]
    model = SigmoidMLPRegressor.from_weights(coefs, intercepts)
    X, _ = sine_data()
    disp = PredictionDisplay.from_estimator(model, X, output=1)
    assert_allclose(disp.curve_line_.get_ydata(),
                    model.predict(disp.grid[:, None])[:, 1])
    with pytest.raises(ValueError, match="output=2 but the model has 2 outputs"):
        PredictionDisplay.from_estimator(model, X, output=2)


def test_prediction_display_errors():
    X, y = sine_data()
    with pytest.raises(ValueError, match=r"single input feature.*shape \(40, 2\)"):
        PredictionDisplay.from_estimator(deck_model(), np.c_[X, X], y)
    with pytest.raises(ValueError, match="one target per sample"):
        PredictionDisplay.from_estimator(deck_model(), X, y[:5])
    with pytest.raises(ValueError, match="grid_resolution must be an integer >= 2"):
        PredictionDisplay.from_estimator(deck_model(), X, y, grid_resolution=1)
    with pytest.raises(NotFittedError):
        PredictionDisplay.from_estimator(SigmoidMLPRegressor(), X, y)


# ---------------------------------------------------------------- ActivationDisplay
def test_activation_display_deck_decomposition_by_hand():
    X, y = sine_data()
    model = deck_model()
    disp = ActivationDisplay.from_estimator(model, X, y, grid_resolution=80)
    grid = np.linspace(X.min(), X.max(), 80)
    assert len(disp.activation_lines_) == 3
    assert len(disp.contribution_lines_) == 3
    total = np.zeros_like(grid)
    for j in range(3):
        act = g(B1[j] + W1[0][j] * grid)
        line = disp.activation_lines_[j]
        assert_allclose(line.get_xdata(), grid)
        assert_allclose(line.get_ydata(), act, rtol=1e-12)
        assert line.get_label() == f"$g(z_{{{j + 1}}}^{{(1)}})$"
        contrib = disp.contribution_lines_[j]
        assert_allclose(contrib.get_ydata(), W2[j][0] * act, rtol=1e-12)
        assert contrib.get_label() == (
            f"$w_{{1{j + 1}}}^{{(2)}} \\cdot g(z_{{{j + 1}}}^{{(1)}})$, w = {W2[j][0]:g}")
        total += contrib.get_ydata()
    assert_allclose(disp.intercept_line_.get_ydata(), B2[0])
    # contributions + bias = the prediction curve = the model's predictions
    assert_allclose(total + disp.intercept_line_.get_ydata(),
                    disp.prediction_line_.get_ydata(), rtol=1e-12)
    assert_allclose(disp.prediction_line_.get_ydata(), model.predict(grid[:, None]),
                    rtol=1e-12)
    assert_array_equal(disp.data_scatter_.get_offsets(), np.c_[X.ravel(), y])
    assert disp.axes_.shape == (2,)


def test_activation_display_deep_network_and_pipeline():
    X, y = sine_data()
    X = 5 * X - 4
    pipe = fitted(make_pipeline(StandardScaler(), SigmoidMLPRegressor(
        hidden_layer_sizes=(4, 3), max_iter=100, learning_rate=0.1, random_state=0)),
        X, y)
    disp = ActivationDisplay.from_estimator(pipe, X)
    net = pipe[-1]
    fp = net.forward_pass(pipe[0].transform(disp.grid[:, None]))
    assert disp.layer == 3
    assert len(disp.activation_lines_) == 3
    assert disp.activation_lines_[0].get_label() == "$g(z_{1}^{(2)})$"
    for j, line in enumerate(disp.activation_lines_):
        assert_allclose(line.get_ydata(), fp.activations[2][:, j], rtol=1e-12)
        assert_allclose(disp.contribution_lines_[j].get_ydata(),
                        net.coefs_[2][j, 0] * fp.activations[2][:, j], rtol=1e-12)
    assert_allclose(disp.prediction_line_.get_xdata()[[0, -1]], [X.min(), X.max()])
    assert_allclose(disp.prediction_line_.get_ydata(),
                    pipe.predict(disp.grid[:, None]), rtol=1e-12)
    assert disp.data_scatter_ is None


def test_activation_display_errors():
    X, y = sine_data()
    with pytest.raises(TypeError, match="needs a SigmoidMLPRegressor"):
        ActivationDisplay.from_estimator(Ridge().fit(X, y), X, y)
    with pytest.raises(ValueError, match="single input feature"):
        ActivationDisplay.from_estimator(deck_model(), np.c_[X, X])
    with pytest.raises(ValueError, match="output=1 but the network has 1"):
        ActivationDisplay.from_estimator(deck_model(), X, output=1)
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="needs two Axes"):
        ActivationDisplay.from_estimator(deck_model(), X, ax=axes)


# ---------------------------------------------------------------- LossCurveDisplay
def test_loss_curve_display_draws_loss_curve():
    X, y = sine_data()
    model = fitted(SigmoidMLPRegressor(max_iter=150, random_state=0), X, y)
    disp = LossCurveDisplay.from_estimator(model)
    assert_array_equal(disp.loss_line_.get_xdata(), np.arange(1, 151))
    assert_array_equal(disp.loss_line_.get_ydata(), model.loss_curve_)
    assert disp.validation_loss_line_ is None
    assert disp.ax_.get_yscale() == "log"
    disp = LossCurveDisplay.from_estimator(model, log_scale=False)
    assert disp.ax_.get_yscale() == "linear"


def test_loss_curve_display_with_validation_curve():
    X, y = sine_data()
    model = fitted(SigmoidMLPRegressor(max_iter=30, random_state=0), X, y)
    # A validation curve recorded by the estimator (early stopping or
    # X_val/y_val) is drawn next to the training loss.
    validation = list(np.linspace(1.0, 0.5, 30))
    model.validation_loss_curve_ = validation
    disp = LossCurveDisplay.from_estimator(model)
    assert_array_equal(disp.validation_loss_line_.get_ydata(), validation)
    assert_array_equal(disp.validation_loss_line_.get_xdata(), np.arange(1, 31))
    model.validation_loss_curve_ = None
    assert LossCurveDisplay.from_estimator(model).validation_loss_line_ is None


def test_loss_curve_display_pipeline_and_mlpregressor():
    X, y = sine_data()
    pipe = fitted(make_pipeline(StandardScaler(), SigmoidMLPRegressor(
        max_iter=40, random_state=0)), X, y)
    disp = LossCurveDisplay.from_estimator(pipe)
    assert_array_equal(disp.loss_line_.get_ydata(), pipe[-1].loss_curve_)
    mlp = fitted(MLPRegressor(hidden_layer_sizes=(3,), solver="sgd", max_iter=20,
                              random_state=0), X, y)
    disp = LossCurveDisplay.from_estimator(mlp)
    assert_array_equal(disp.loss_line_.get_ydata(), mlp.loss_curve_)


@LBFGS_IPRINT
def test_loss_curve_display_errors():
    X, y = sine_data()
    lbfgs = fitted(MLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=20,
                                random_state=0), X, y)
    with pytest.raises(ValueError, match="no loss_curve_"):
        LossCurveDisplay.from_estimator(lbfgs)
    with pytest.raises(ValueError, match="loss curve is empty"):
        LossCurveDisplay.from_estimator(deck_model())
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(SigmoidMLPRegressor())


# ---------------------------------------------------------------- ComparisonDisplay
@LBFGS_IPRINT
def test_comparison_display_fits_clones_and_draws_their_curves():
    X, y = sine_data(n=60)
    ours = SigmoidMLPRegressor(max_iter=300, random_state=0)
    theirs = MLPRegressor(hidden_layer_sizes=(3,), activation="logistic",
                          solver="lbfgs", max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        disp = ComparisonDisplay.from_estimators(
            {"ours": ours, "MLPRegressor": theirs}, X, y, fit=True,
            grid_resolution=33)
    assert not hasattr(ours, "coefs_") and not hasattr(theirs, "coefs_")
    assert disp.names == ["ours", "MLPRegressor"]
    assert len(disp.fit_times) == 2 and all(t > 0 for t in disp.fit_times)
    grid = np.linspace(X.min(), X.max(), 33)
    for i, est in enumerate(disp.estimators_):
        assert_allclose(disp.curve_lines_[i].get_xdata(), grid)
        assert_allclose(disp.curve_lines_[i].get_ydata(), est.predict(grid[:, None]))
        assert_array_equal(disp.data_scatters_[i].get_offsets(), np.c_[X.ravel(), y])
        assert disp.scores[i] == pytest.approx(est.score(X, y), rel=1e-12)
        assert disp.axes_[i].get_title().startswith(disp.names[i])
    assert disp.axes_.shape == (2,)


def test_comparison_display_prefitted_list():
    X, y = sine_data()
    ridge = Ridge().fit(X, y)
    disp = ComparisonDisplay.from_estimators([deck_model(), ridge], X, y)
    assert disp.names == ["SigmoidMLPRegressor", "Ridge"]
    assert disp.fit_times is None
    assert disp.estimators_[1] is ridge
    assert_allclose(disp.curve_lines_[0].get_ydata(),
                    deck_model().predict(disp.grid[:, None]))


def test_comparison_display_errors():
    X, y = sine_data()
    with pytest.raises(NotFittedError):
        ComparisonDisplay.from_estimators([SigmoidMLPRegressor()], X, y)
    with pytest.raises(ValueError, match="at least one estimator"):
        ComparisonDisplay.from_estimators([], X, y)
    with pytest.raises(ValueError, match="y is required"):
        ComparisonDisplay.from_estimators([deck_model()], X, None)
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"one Axes per regressor \(2\)"):
        ComparisonDisplay.from_estimators([deck_model(), deck_model()], X, y, ax=ax)


def test_displays_keep_dataframe_column_names():
    pd = pytest.importorskip("pandas")
    X, y = sine_data()
    X = pd.DataFrame({"x": X.ravel()})
    model = fitted(SigmoidMLPRegressor(max_iter=30, random_state=0), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        pred = PredictionDisplay.from_estimator(model, X, y, highlight=1.0)
        act = ActivationDisplay.from_estimator(model, X, y)
        comp = ComparisonDisplay.from_estimators([model], X, y)
    grid = pd.DataFrame({"x": pred.grid})
    assert_allclose(pred.curve_line_.get_ydata(), model.predict(grid))
    assert_allclose(act.prediction_line_.get_ydata(), model.predict(grid))
    assert_allclose(comp.curve_lines_[0].get_ydata(), model.predict(grid))
