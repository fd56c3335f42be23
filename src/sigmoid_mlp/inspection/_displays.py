"""The four displays (scikit-learn's ``Display`` convention).

``XDisplay.from_estimator(...)`` computes, ``.plot(ax=None)`` draws, the drawn
artists are attributes ending in ``_``: :class:`PredictionDisplay`,
:class:`ActivationDisplay`, :class:`LossCurveDisplay` and
:class:`ComparisonDisplay`.  matplotlib is imported only in ``plot``.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._common import (
    _as_input,
    _check_y,
    _grid,
    _idx,
    _name,
    _num,
    _one_output,
    _require_matplotlib,
    _single_feature,
    _split_network,
    check_single_network,
)

__all__ = [
    "ActivationDisplay",
    "ComparisonDisplay",
    "LossCurveDisplay",
    "PredictionDisplay",
]


class PredictionDisplay:
    """The data with the model's predictions as points and as a curve.

    The deck's "Vorhersagen im Streudiagramm": one highlighted prediction
    (e.g. at :math:`x = 2`), the predictions at every data point, and the
    interpolated prediction curve.  Create it with :meth:`from_estimator`;
    the constructor only stores computed values.

    Parameters
    ----------
    x : ndarray of shape (n_samples,)
        The input feature of the data.
    y : ndarray of shape (n_samples,) or None
        The targets (None: no data points are drawn).
    y_pred : ndarray of shape (n_samples,)
        Predictions at ``x``.
    grid : ndarray of shape (grid_resolution,)
        Where the curve is evaluated.
    grid_pred : ndarray of shape (grid_resolution,)
        Predictions at ``grid``.
    highlight : ndarray of shape (n_highlight,), default=None
        Inputs whose predictions are marked, e.g. ``[2.0]``.
    highlight_pred : ndarray of shape (n_highlight,), default=None
        Predictions at ``highlight``.
    estimator_name : str, default=None
        Used in the legend.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    data_scatter_ : matplotlib PathCollection or None
        The data :math:`(x_i, y_i)`.
    points_scatter_ : matplotlib PathCollection or None
        The predictions :math:`(x_i, \\hat y_i)`.
    curve_line_ : matplotlib Line2D or None
        The prediction curve over ``grid``.
    highlight_scatter_ : matplotlib PathCollection or None
        The highlighted predictions.

    Examples
    --------
    >>> import numpy as np
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import PredictionDisplay
    >>> X = np.linspace(-3, 3, 50).reshape(-1, 1)
    >>> y = np.sin(X).ravel()
    >>> model = SigmoidMLPRegressor(random_state=0).fit(X, y)
    >>> disp = PredictionDisplay.from_estimator(model, X, y, highlight=2.0)
    >>> bool(np.allclose(disp.curve_line_.get_ydata(), model.predict(disp.grid[:, None])))
    True
    """

    def __init__(self, *, x, y, y_pred, grid, grid_pred, highlight=None,
                 highlight_pred=None, estimator_name=None):
        self.x = x
        self.y = y
        self.y_pred = y_pred
        self.grid = grid
        self.grid_pred = grid_pred
        self.highlight = highlight
        self.highlight_pred = highlight_pred
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, output=0, grid_resolution=200,
                       highlight=None, ax=None, show_points=True, show_curve=True):
        """Compute the predictions of a fitted one-input regressor and plot them.

        Parameters
        ----------
        estimator : fitted regressor
            Any regressor with ``predict`` (a ``SigmoidMLPRegressor``, a
            pipeline, ``MLPRegressor``, ...) fitted on one feature.
        X : array-like of shape (n_samples, 1)
            Inputs.
        y : array-like of shape (n_samples,), default=None
            Targets, drawn as the data cloud.
        output : int, default=0
            Which output to draw for a multi-output model.
        grid_resolution : int, default=200
            Number of points of the curve, evenly spaced between the smallest
            and the largest input.
        highlight : float or array-like, default=None
            Inputs whose predictions are marked (the deck's red point at
            :math:`x = 2`).
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        show_points, show_curve : bool, default=True
            Draw the predictions at the data points / the curve.

        Returns
        -------
        PredictionDisplay
        """
        caller = "PredictionDisplay.from_estimator"
        check_is_fitted(estimator)
        x = _single_feature(X, caller)
        y = _check_y(y, x.shape[0], caller)
        grid = _grid(x, grid_resolution, caller)
        y_pred = _one_output(estimator.predict(_as_input(x, X)), output, caller)
        grid_pred = _one_output(estimator.predict(_as_input(grid, X)), output, caller)
        highlight_pred = None
        if highlight is not None:
            highlight = np.atleast_1d(np.asarray(highlight, dtype=np.float64)).ravel()
            highlight_pred = _one_output(estimator.predict(_as_input(highlight, X)),
                                         output, caller)
        disp = cls(x=x, y=y, y_pred=y_pred, grid=grid, grid_pred=grid_pred,
                   highlight=highlight, highlight_pred=highlight_pred,
                   estimator_name=_name(estimator))
        return disp.plot(ax=ax, show_points=show_points, show_curve=show_curve)

    def plot(self, ax=None, *, show_points=True, show_curve=True):
        """Draw the data, the predictions and the curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        show_points, show_curve : bool, default=True
            Draw the predictions at the data points / the curve.

        Returns
        -------
        PredictionDisplay
            ``self``, with the artists as attributes.
        """
        plt = _require_matplotlib("PredictionDisplay.plot")
        if ax is None:
            _, ax = plt.subplots()
        name = self.estimator_name or "model"
        self.data_scatter_ = self.points_scatter_ = None
        self.curve_line_ = self.highlight_scatter_ = None
        if self.y is not None:
            self.data_scatter_ = ax.scatter(self.x, self.y, s=12, alpha=0.4,
                                            color="tab:blue", label="data")
        if show_points:
            self.points_scatter_ = ax.scatter(self.x, self.y_pred, s=12,
                                              color="tab:orange",
                                              label=f"{name} predictions")
        if show_curve:
            (self.curve_line_,) = ax.plot(self.grid, self.grid_pred, color="tab:red",
                                          lw=2, label=f"{name} curve")
        if self.highlight is not None:
            self.highlight_scatter_ = ax.scatter(
                self.highlight, self.highlight_pred, s=80, color="red", zorder=3,
                edgecolor="black",
                label=", ".join(f"$\\hat{{y}}({_num(h, 3)})$ = {_num(p, 3)}"
                                for h, p in zip(self.highlight, self.highlight_pred)),
            )
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="best", fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class ActivationDisplay:
    r"""The prediction curve as a weighted sum of activation curves.

    For a one-input network whose last hidden layer :math:`L-1` has units
    :math:`j = 1..m`, the prediction is

    .. math:: \hat y(x) = w_{10}^{(L)} + \sum_{j=1}^m w_{1j}^{(L)}\, g(z_j^{(L-1)}(x)).

    The left panel shows the activation curves :math:`g(z_j^{(L-1)}(x))`, the
    right panel their weighted contributions :math:`w_{1j}^{(L)} g(z_j^{(L-1)})`,
    the bias :math:`w_{10}^{(L)}`, and their sum, which is the prediction
    curve (the deck's "Aktivierungen" slide; for the deck's network
    :math:`L = 2`).  Create it with :meth:`from_estimator`.

    Parameters
    ----------
    grid : ndarray of shape (grid_resolution,)
        Inputs at which the curves are evaluated.
    activations : ndarray of shape (grid_resolution, n_units)
        :math:`g(z_j^{(L-1)})` on the grid.
    weights : ndarray of shape (n_units,)
        :math:`w_{1j}^{(L)}`.
    intercept : float
        :math:`w_{10}^{(L)}`.
    layer : int
        :math:`L`, the index of the output layer (the activations are those of
        layer :math:`L-1`).
    x, y : ndarray of shape (n_samples,), default=None
        Data to draw with the prediction curve.

    Attributes
    ----------
    contributions : ndarray of shape (grid_resolution, n_units)
        ``activations * weights``.
    prediction : ndarray of shape (grid_resolution,)
        ``contributions.sum(axis=1) + intercept``: the prediction curve.
    axes_ : ndarray of two matplotlib Axes
        Activations, contributions.
    figure_ : matplotlib Figure
    activation_lines_ : list of matplotlib Line2D
        One per hidden unit.
    contribution_lines_ : list of matplotlib Line2D
        One per hidden unit.
    intercept_line_ : matplotlib Line2D
        The constant :math:`w_{10}^{(L)}`.
    prediction_line_ : matplotlib Line2D
        The sum: the prediction curve.
    data_scatter_ : matplotlib PathCollection or None

    Examples
    --------
    >>> import numpy as np
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import ActivationDisplay
    >>> model = SigmoidMLPRegressor.from_weights(
    ...     [[[1.5, -2.0, 0.5]], [[2.0], [-1.5], [0.75]]], [[-1.0, 3.0, 0.25], [0.5]])
    >>> disp = ActivationDisplay.from_estimator(model, np.linspace(-3, 3, 20)[:, None])
    >>> disp.activations.shape
    (200, 3)
    >>> bool(np.allclose(disp.prediction, model.predict(disp.grid[:, None])))
    True
    """

    def __init__(self, *, grid, activations, weights, intercept, layer, x=None,
                 y=None):
        self.grid = grid
        self.activations = activations
        self.weights = weights
        self.intercept = intercept
        self.layer = layer
        self.x = x
        self.y = y
        self.contributions = activations * weights
        self.prediction = self.contributions.sum(axis=1) + intercept

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, output=0, grid_resolution=200,
                       ax=None):
        """Compute the activation curves of a fitted one-input network and plot them.

        Parameters
        ----------
        estimator : SigmoidMLPRegressor or Pipeline
            Fitted network (or pipeline ending in one) with one input feature.
        X : array-like of shape (n_samples, 1)
            Inputs; the curves span their range.
        y : array-like of shape (n_samples,), default=None
            Targets, drawn with the prediction curve.
        output : int, default=0
            Which output's decomposition to show.
        grid_resolution : int, default=200
            Number of points per curve.
        ax : array-like of two matplotlib Axes, default=None
            Where to draw; a new figure with two panels when None.

        Returns
        -------
        ActivationDisplay
        """
        caller = "ActivationDisplay.from_estimator"
        preprocess, network = _split_network(estimator, caller)
        x = _single_feature(X, caller)
        y = _check_y(y, x.shape[0], caller)
        grid = _grid(x, grid_resolution, caller)
        inputs = _as_input(grid, X)
        if preprocess is not None:
            inputs = preprocess(inputs)
        if network.n_layers_ < 3:
            raise ValueError(f"{caller}: the network has no hidden layer.")
        if not 0 <= output < network.n_outputs_:
            raise ValueError(
                f"{caller}: output={output} but the network has "
                f"{network.n_outputs_} output(s)."
            )
        forward = network.forward_pass(inputs)
        disp = cls(
            grid=grid,
            activations=np.asarray(forward.activations[-1], dtype=np.float64),
            weights=np.asarray(network.coefs_[-1][:, output], dtype=np.float64),
            intercept=float(network.intercepts_[-1][output]),
            layer=len(network.coefs_),
            x=x if y is not None else None,
            y=y,
        )
        return disp.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the activation curves (left) and the weighted contributions (right).

        Parameters
        ----------
        ax : array-like of two matplotlib Axes, default=None
            Where to draw; a new figure with two panels when None.

        Returns
        -------
        ActivationDisplay
            ``self``, with the artists as attributes.
        """
        plt = _require_matplotlib("ActivationDisplay.plot")
        if ax is None:
            _, ax = plt.subplots(1, 2, figsize=(11, 4))
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.shape != (2,):
            raise ValueError(
                "ActivationDisplay.plot needs two Axes (activations, contributions); "
                f"got {axes.shape[0]}."
            )
        L, h = self.layer, self.layer - 1
        colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
        self.activation_lines_, self.contribution_lines_ = [], []
        for j in range(self.activations.shape[1]):
            color = colors[j % len(colors)]
            (line,) = axes[0].plot(self.grid, self.activations[:, j], color=color,
                                   label=f"$g(z_{{{j + 1}}}^{{({h})}})$")
            self.activation_lines_.append(line)
            (line,) = axes[1].plot(
                self.grid, self.contributions[:, j], color=color, ls="--",
                label=f"$w_{{{_idx(1, j + 1)}}}^{{({L})}} \\cdot g(z_{{{j + 1}}}^{{({h})}})$"
                      f", w = {_num(self.weights[j], 3)}",
            )
            self.contribution_lines_.append(line)
        (self.intercept_line_,) = axes[1].plot(
            self.grid, np.full_like(self.grid, self.intercept), color="grey", ls=":",
            label=f"$w_{{10}}^{{({L})}}$ = {_num(self.intercept, 3)}",
        )
        self.data_scatter_ = None
        if self.y is not None:
            self.data_scatter_ = axes[1].scatter(self.x, self.y, s=10, alpha=0.3,
                                                 color="tab:blue", label="data")
        (self.prediction_line_,) = axes[1].plot(
            self.grid, self.prediction, color="red", lw=2.5,
            label="$\\hat{y}$ = sum + bias",
        )
        axes[0].set_title(f"Activations of hidden layer {h}")
        axes[0].set_xlabel("x")
        axes[0].set_ylabel("g(z)")
        axes[0].legend(loc="best")
        axes[1].set_title("Weighted contributions and their sum")
        axes[1].set_xlabel("x")
        axes[1].legend(loc="best", fontsize="small")
        self.axes_ = axes
        self.figure_ = axes[0].figure
        return self


class LossCurveDisplay:
    """Training loss per epoch, and the validation loss when one was recorded.

    Create it with :meth:`from_estimator`.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss :math:`J` before each step (``loss_curve_``).
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Validation loss per epoch (``validation_loss_curve_``), if any.
    estimator_name : str, default=None
        Used in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    loss_line_ : matplotlib Line2D
        ``loss_curve`` against the epoch number (1, 2, ...).
    validation_loss_line_ : matplotlib Line2D or None

    Examples
    --------
    >>> import numpy as np
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import LossCurveDisplay
    >>> X = np.linspace(-3, 3, 50).reshape(-1, 1)
    >>> model = SigmoidMLPRegressor(random_state=0).fit(X, np.sin(X).ravel())
    >>> disp = LossCurveDisplay.from_estimator(model)
    >>> bool(np.array_equal(disp.loss_line_.get_ydata(), model.loss_curve_))
    True
    """

    def __init__(self, *, loss_curve, validation_loss_curve=None, estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, log_scale=True):
        """Read the loss curves of a fitted estimator and plot them.

        Parameters
        ----------
        estimator : fitted estimator or Pipeline
            Anything with ``loss_curve_`` (``SigmoidMLPRegressor``,
            ``MLPRegressor`` with an SGD-type solver), or a pipeline ending in
            one; ``validation_loss_curve_`` is drawn when present and not
            None.  A committee (``ensemble=True``) raises ``ValueError``:
            draw a member, ``estimators_[k]``.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        log_scale : bool, default=True
            Logarithmic loss axis (when all losses are positive).

        Returns
        -------
        LossCurveDisplay
        """
        network = estimator.steps[-1][1] if isinstance(estimator, Pipeline) \
            else estimator
        check_is_fitted(network)
        check_single_network(network, "LossCurveDisplay.from_estimator")
        curve = getattr(network, "loss_curve_", None)
        if curve is None:
            raise ValueError(
                f"{type(network).__name__} has no loss_curve_ (e.g. MLPRegressor with "
                "solver='lbfgs' records none); nothing to plot."
            )
        if len(curve) == 0:
            raise ValueError(
                "The loss curve is empty: the model was not trained (e.g. built with "
                "from_weights); call fit or partial_fit first."
            )
        validation = getattr(network, "validation_loss_curve_", None)
        if validation is not None and len(validation) == 0:
            validation = None
        disp = cls(
            loss_curve=np.asarray(curve, dtype=np.float64),
            validation_loss_curve=None if validation is None
            else np.asarray(validation, dtype=np.float64),
            estimator_name=type(network).__name__,
        )
        return disp.plot(ax=ax, log_scale=log_scale)

    def plot(self, ax=None, *, log_scale=True):
        """Draw the loss curve(s).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        log_scale : bool, default=True
            Logarithmic loss axis (when all losses are positive).

        Returns
        -------
        LossCurveDisplay
            ``self``, with the artists as attributes.
        """
        plt = _require_matplotlib("LossCurveDisplay.plot")
        if ax is None:
            _, ax = plt.subplots()
        loss = np.asarray(self.loss_curve, dtype=np.float64)
        (self.loss_line_,) = ax.plot(np.arange(1, loss.size + 1), loss,
                                     label="training loss $J$")
        self.validation_loss_line_ = None
        values = loss
        if self.validation_loss_curve is not None:
            val = np.asarray(self.validation_loss_curve, dtype=np.float64)
            (self.validation_loss_line_,) = ax.plot(
                np.arange(1, val.size + 1), val, label="validation loss")
            values = np.concatenate([loss, val])
        if log_scale and np.all(values[np.isfinite(values)] > 0):
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if self.estimator_name:
            ax.set_title(f"{self.estimator_name}: loss per epoch")
        ax.legend(loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class ComparisonDisplay:
    """Several regressors fitted to the same one-input data, side by side.

    One panel per regressor: the data and the regressor's prediction curve,
    titled with its :math:`R^2` on the data (and its fit time when
    :meth:`from_estimators` fitted it).  Meant for ``SigmoidMLPRegressor``
    against ``MLPRegressor``.

    Parameters
    ----------
    x : ndarray of shape (n_samples,)
        The input feature of the data.
    y : ndarray of shape (n_samples,)
        The targets.
    grid : ndarray of shape (grid_resolution,)
        Where the curves are evaluated.
    predictions : list of ndarray of shape (grid_resolution,)
        One curve per regressor.
    names : list of str
        One name per regressor.
    scores : list of float
        :math:`R^2` of each regressor on ``(x, y)``.
    fit_times : list of float, default=None
        Seconds each fit took, when measured.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One per regressor.
    figure_ : matplotlib Figure
    data_scatters_ : list of matplotlib PathCollection
    curve_lines_ : list of matplotlib Line2D
    estimators_ : list of estimators
        The (fitted) regressors, set by :meth:`from_estimators`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import ComparisonDisplay
    >>> X = np.linspace(-3, 3, 60).reshape(-1, 1)
    >>> y = np.sin(X).ravel()
    >>> disp = ComparisonDisplay.from_estimators(
    ...     {"SigmoidMLPRegressor": SigmoidMLPRegressor(random_state=0),
    ...      "MLPRegressor (lbfgs)": MLPRegressor(hidden_layer_sizes=(3,),
    ...          activation="logistic", solver="lbfgs", max_iter=2000,
    ...          random_state=0)},
    ...     X, y, fit=True)
    >>> len(disp.curve_lines_)
    2
    """

    def __init__(self, *, x, y, grid, predictions, names, scores, fit_times=None):
        self.x = x
        self.y = y
        self.grid = grid
        self.predictions = predictions
        self.names = names
        self.scores = scores
        self.fit_times = fit_times

    @classmethod
    def from_estimators(cls, estimators, X, y, *, fit=False, grid_resolution=200,
                        ax=None):
        """Compare regressors on the same data (optionally fitting them first).

        Parameters
        ----------
        estimators : dict of str to estimator, or list of estimators
            The regressors; names are the dict keys (or the class names).
        X : array-like of shape (n_samples, 1)
            Inputs (one feature).
        y : array-like of shape (n_samples,)
            Targets.
        fit : bool, default=False
            When True, fit a clone of each regressor on ``(X, y)`` first and
            record the time each fit took; when False they must be fitted.
        grid_resolution : int, default=200
            Number of points per curve.
        ax : array-like of matplotlib Axes, default=None
            One Axes per regressor; a new figure when None.

        Returns
        -------
        ComparisonDisplay
        """
        caller = "ComparisonDisplay.from_estimators"
        if isinstance(estimators, dict):
            names, models = list(estimators), list(estimators.values())
        else:
            models = list(estimators)
            names = [_name(m) for m in models]
        if not models:
            raise ValueError(f"{caller}: pass at least one estimator.")
        x = _single_feature(X, caller)
        y = _check_y(y, x.shape[0], caller)
        if y is None:
            raise ValueError(f"{caller}: y is required.")
        grid = _grid(x, grid_resolution, caller)
        fitted, fit_times = [], [] if fit else None
        for model in models:
            if fit:
                model = clone(model)
                start = time.perf_counter()
                model.fit(_as_input(x, X), y)
                fit_times.append(time.perf_counter() - start)
            else:
                check_is_fitted(model)
            fitted.append(model)
        predictions = [
            np.asarray(m.predict(_as_input(grid, X)), dtype=np.float64).ravel()
            for m in fitted
        ]
        scores = [float(m.score(_as_input(x, X), y)) for m in fitted]
        disp = cls(x=x, y=y, grid=grid, predictions=predictions, names=names,
                   scores=scores, fit_times=fit_times)
        disp.estimators_ = fitted
        return disp.plot(ax=ax)

    def plot(self, ax=None):
        """Draw one panel per regressor.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            One Axes per regressor; a new figure when None.

        Returns
        -------
        ComparisonDisplay
            ``self``, with the artists as attributes.
        """
        plt = _require_matplotlib("ComparisonDisplay.plot")
        n = len(self.names)
        if ax is None:
            _, ax = plt.subplots(1, n, figsize=(4.5 * n, 4), sharey=True,
                                 squeeze=False)
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.shape != (n,):
            raise ValueError(
                f"ComparisonDisplay.plot needs one Axes per regressor ({n}); got "
                f"{axes.shape[0]}."
            )
        self.data_scatters_, self.curve_lines_ = [], []
        for i, (axis, name) in enumerate(zip(axes, self.names)):
            self.data_scatters_.append(
                axis.scatter(self.x, self.y, s=10, alpha=0.4, color="tab:blue",
                             label="data"))
            (line,) = axis.plot(self.grid, self.predictions[i], color="tab:red", lw=2,
                                label="prediction")
            self.curve_lines_.append(line)
            title = f"{name}\nR² = {self.scores[i]:.4f}"
            if self.fit_times is not None:
                title += f", fit {self.fit_times[i]:.3f} s"
            axis.set_title(title)
            axis.set_xlabel("x")
            axis.legend(loc="best")
        axes[0].set_ylabel("y")
        self.axes_ = axes
        self.figure_ = axes[0].figure
        return self
