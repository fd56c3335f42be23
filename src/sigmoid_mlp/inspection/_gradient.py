r"""The deck's "Alle Ableitungen auf einen Blick", with numbers.

:func:`explain_gradient` computes every derivative of the cost with the
deck's formulas from their ingredients (targets, predictions, activations,
their slopes, the next layer's weights, the inputs) and writes them out
(:class:`GradientExplanation`); :class:`GradientDisplay` draws, per weight,
the derivative and the gradient-descent step :math:`-\alpha\,\partial J/\partial w`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._common import (
    _idx,
    _l2_settings,
    _num,
    _require_matplotlib,
    _split_network,
    _step_size,
)

__all__ = ["GradientDisplay", "GradientExplanation", "explain_gradient"]


def _weight_name(layer, j, k):
    """``w_jk^(l)`` in the deck's notation (plain text)."""
    return f"w_{_idx(j, k)}^({layer})"


def _tex_name(layer, j, k):
    """``w_jk^(l)`` as matplotlib mathtext."""
    return f"$w_{{{_idx(j, k)}}}^{{({layer})}}$"


def _elided(values, max_samples, precision):
    values = np.asarray(values).ravel()
    shown = [_num(v, precision) for v in values[:max_samples]]
    if values.size > max_samples:
        shown[-1:] = [shown[-1], "…", _num(values[-1], precision)]
    return ", ".join(shown)


@dataclass(frozen=True)
class GradientExplanation:
    r"""Every derivative of the cost, computed from its ingredients.

    Returned by :func:`explain_gradient`; ``print()`` it to read it.

    Attributes
    ----------
    lines : list of str
        The explanation, one formula per line.
    loss : float
        :math:`J` at the current weights (the L2 term included).
    coef_grads : list of ndarray
        :math:`\partial J/\partial w`, in the layout of ``coefs_``.
    intercept_grads : list of ndarray
        :math:`\partial J/\partial w_{j0}`, in the layout of ``intercepts_``.
    coef_names, intercept_names : list of ndarray of str
        The deck's name of every weight (``w_jk^(l)``), in the same layouts.
    learning_rate : float
        The step size :math:`\alpha` of the deck's update
        :math:`w := w - \alpha\,\partial J/\partial w`.
    coef_steps, intercept_steps : list of ndarray
        :math:`-\alpha\,\partial J/\partial w`, in the same layouts.
    ingredients : dict
        What the derivatives are made of (the deck's "Was benötigen wir"):
        ``'x'`` (the network's inputs, shape ``(n, d)``), ``'y'`` and
        ``'y_pred'`` (shape ``(n, n_outputs)``), ``'residual'``
        (:math:`y_i - \hat y_i`), ``'sample_weight'``, ``'weight_sum'``
        (:math:`S`, ``n`` without weights), ``'activations'`` and
        ``'slopes'`` (:math:`g(z^{(l)})`, :math:`g'(z^{(l)})` of every hidden
        layer), ``'signals'`` (per layer :math:`l`, the :math:`\delta^{(l)}`
        whose sum over samples times :math:`-1/S` gives the intercept
        derivatives), ``'alpha'`` and ``'penalize_intercepts'`` (the L2 term).
    """

    lines: list
    loss: float
    coef_grads: list
    intercept_grads: list
    coef_names: list
    intercept_names: list
    learning_rate: float
    coef_steps: list
    intercept_steps: list
    ingredients: dict

    def __str__(self):
        return "\n".join(self.lines)

    def __repr__(self):
        return str(self)


def _check_int(caller, name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < low:
        raise ValueError(f"{caller}: {name} must be an integer >= {low}; "
                         f"got {value!r}.")


def explain_gradient(estimator, X, y, *, sample_weight=None, learning_rate=None,
                     precision=4, max_samples=4, max_units=8):
    r"""Write out every derivative of the cost, as the deck's "Alle Ableitungen auf einen Blick".

    For the deck's network (one hidden layer, one output) the derivatives are

    .. math::

        \frac{\partial J}{\partial w_{10}^{(2)}} = -\frac1n\sum_i (y_i - \hat y_i),
        \qquad
        \frac{\partial J}{\partial w_{1j}^{(2)}} = -\frac1n\sum_i (y_i - \hat y_i)\,
        g(z_j^{(1)}),

        \frac{\partial J}{\partial w_{j0}^{(1)}} = -\frac{w_{1j}^{(2)}}{n}\sum_i
        (y_i - \hat y_i)\, g'(z_j^{(1)}),
        \qquad
        \frac{\partial J}{\partial w_{jk}^{(1)}} = -\frac{w_{1j}^{(2)}}{n}\sum_i
        (y_i - \hat y_i)\, g'(z_j^{(1)})\, x_{ik},

    each computed here from its ingredients -- the residuals
    :math:`y_i - \hat y_i`, the activations :math:`g(z_j^{(1)})`, their slopes
    :math:`g'(z) = g(z)(1 - g(z))`, the second layer's weights and the inputs
    -- and written out with the numbers.  Deeper networks and several outputs
    use the deck's chain rule in its general form,
    :math:`\partial J/\partial w_{jk}^{(l)} = -\frac1n\sum_i \delta_{ij}^{(l)}
    a_{ik}^{(l-1)}` with :math:`\delta^{(L)} = y - \hat y` and
    :math:`\delta_{ij}^{(l)} = g'(z_{ij}^{(l)}) \sum_m w_{mj}^{(l+1)}
    \delta_{im}^{(l+1)}`.  With sample weights :math:`w_i`, every sum is
    weighted and :math:`n` becomes :math:`S = \sum_i w_i`; with the
    estimator's L2 strength ``alpha`` > 0 each penalised weight adds
    :math:`\text{alpha}\cdot w/S`.  The result equals the estimator's
    :meth:`~sigmoid_mlp.SigmoidMLPRegressor.loss_gradient`.

    Parameters
    ----------
    estimator : SigmoidMLPRegressor or Pipeline
        A fitted network, or a fitted pipeline whose last step is one
        (``X`` then goes through the preprocessing steps first, and the
        inputs :math:`x_i` are the network's).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The inputs whose cost is differentiated.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Their targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights :math:`w_i` of the squared errors.
    learning_rate : float, default=None
        The deck's step size :math:`\alpha` of the update
        :math:`w := w - \alpha\,\partial J/\partial w` shown at the end;
        None takes the estimator's ``learning_rate``.
    precision : int, default=4
        Significant digits of the numbers shown.
    max_samples : int, default=4
        Per-sample ingredients show this many values (and the last one).
    max_units : int, default=8
        Layers with more units show the first ``max_units`` of them.

    Returns
    -------
    GradientExplanation
        ``print()`` it; ``coef_grads`` and ``intercept_grads`` hold the
        derivatives in the layout of ``coefs_`` and ``intercepts_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import explain_gradient
    >>> model = SigmoidMLPRegressor.from_weights(
    ...     coefs=[[[1.5, -2.0, 0.5]], [[2.0], [-1.5], [0.75]]],
    ...     intercepts=[[-1.0, 3.0, 0.25], [0.5]],
    ... )
    >>> X, y = np.array([[-1.0], [0.5], [2.0]]), np.array([-0.8, 0.5, 0.9])
    >>> grad = explain_gradient(model, X, y)
    >>> print("\n".join(grad.lines[10:15]))
    Layer 2 (hidden → output), the deck's "Zweiter Layer":
      ∂J/∂w_10^(2) = -(1/n) Σ_i (y_i − ŷ_i)
                   = -(1/3)·(-1.853) = 0.6175
      ∂J/∂w_11^(2) = -(1/n) Σ_i (y_i − ŷ_i)·g(z_1^(1))
                   = -(1/3)·(-1.389) = 0.4629
    >>> bool(np.allclose(grad.coef_grads[1], model.loss_gradient(X, y).coef_grads[1]))
    True
    """
    caller = "explain_gradient"
    preprocess, network = _split_network(estimator, caller)
    for name, value, low in (("precision", precision, 1),
                             ("max_samples", max_samples, 1),
                             ("max_units", max_units, 1)):
        _check_int(caller, name, value, low)
    learning_rate = _step_size(learning_rate, network, caller)
    Xt = preprocess(X) if preprocess is not None else X
    # The estimator validates X, y and sample_weight (shapes, finiteness,
    # non-negative weights) with its own messages.
    network.loss_gradient(Xt, y, sample_weight)
    forward = network.forward_pass(Xt)
    x = forward.activations[0]
    x = np.asarray(x.toarray() if sp.issparse(x) else x, dtype=np.float64)
    coefs = [np.asarray(W, dtype=np.float64) for W in network.coefs_]
    intercepts = [np.asarray(b, dtype=np.float64) for b in network.intercepts_]
    y_pred = np.asarray(forward.pre_activations[-1], dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(y_pred.shape[0], -1)
    n = y.shape[0]
    weighted = sample_weight is not None
    sw = (np.asarray(sample_weight, dtype=np.float64).ravel() if weighted
          else np.ones(n))
    S = float(sw.sum())
    alpha, penalize = _l2_settings(network, caller)
    hidden = [np.asarray(a, dtype=np.float64) for a in forward.activations[1:]]
    slopes = [a * (1 - a) for a in hidden]
    inputs = [x, *hidden]  # a^(l-1) for l = 1 .. L
    residual = y - y_pred
    L = len(coefs)
    deck = L == 2 and y.shape[1] == 1

    # The error signals δ^(l) (weighted by w_i), output layer first.
    signals = [None] * L
    signals[L - 1] = sw[:, None] * residual
    for layer in range(L - 2, -1, -1):
        signals[layer] = (signals[layer + 1] @ coefs[layer + 1].T) * slopes[layer]
    coef_grads, intercept_grads, sums = [], [], []
    for layer in range(L):
        if deck and layer == 0:
            # the deck's form: w_1j^(2) outside the sum
            inner = sw[:, None] * residual * slopes[0]      # (n, units)
            w_out = coefs[1][:, 0]
            bias_sum = inner.sum(axis=0)
            coef_sum = x.T @ inner
            intercept_grads.append(-w_out * bias_sum / S)
            coef_grads.append(-w_out * coef_sum / S)
        else:
            bias_sum = signals[layer].sum(axis=0)
            coef_sum = inputs[layer].T @ signals[layer]
            intercept_grads.append(-bias_sum / S)
            coef_grads.append(-coef_sum / S)
        sums.append((coef_sum, bias_sum))
    penalty = sum(float((W * W).sum()) for W in coefs)
    if alpha:
        coef_grads = [G + alpha * W / S for G, W in zip(coef_grads, coefs)]
        if penalize:
            intercept_grads = [G + alpha * b / S
                               for G, b in zip(intercept_grads, intercepts)]
            penalty += sum(float((b * b).sum()) for b in intercepts)
    loss = float((sw * (residual ** 2).sum(axis=1)).sum()) / (2 * S) \
        + 0.5 * alpha * penalty / S

    coef_names = [np.array([[_weight_name(layer + 1, j + 1, k + 1)
                             for j in range(W.shape[1])] for k in range(W.shape[0])])
                  for layer, W in enumerate(coefs)]
    intercept_names = [np.array([_weight_name(layer + 1, j + 1, 0)
                                 for j in range(b.size)])
                       for layer, b in enumerate(intercepts)]
    lr = float(learning_rate)
    ingredients = {
        "x": x, "y": y, "y_pred": y_pred, "residual": residual,
        "sample_weight": sw, "weight_sum": S, "activations": hidden,
        "slopes": slopes, "signals": signals, "alpha": alpha,
        "penalize_intercepts": penalize,
    }
    lines = _lines(coefs, intercepts, coef_grads, intercept_grads, sums, ingredients,
                   loss, lr, deck, weighted, precision, max_samples, max_units)
    return GradientExplanation(
        lines=lines, loss=loss, coef_grads=coef_grads,
        intercept_grads=intercept_grads, coef_names=coef_names,
        intercept_names=intercept_names, learning_rate=lr,
        coef_steps=[-lr * G for G in coef_grads],
        intercept_steps=[-lr * G for G in intercept_grads],
        ingredients=ingredients,
    )


def _lines(coefs, intercepts, coef_grads, intercept_grads, sums, ing, loss, lr,
           deck, weighted, precision, max_samples, max_units):
    """The text of :class:`GradientExplanation`."""
    p = precision
    L = len(coefs)
    n_in, K = coefs[0].shape[0], coefs[-1].shape[1]
    S, alpha, penalize = ing["weight_sum"], ing["alpha"], ing["penalize_intercepts"]
    nS = "S" if weighted else "n"
    wi = "w_i·" if weighted else ""
    xname = (lambda k: "x_i") if n_in == 1 else (lambda k: f"x_i{k}")

    def yname(k):
        return "" if K == 1 else f"{k}"

    lines = [
        f"Cost: J = 1/(2{nS}) Σ_i {wi}(y_i − ŷ_i)²"
        + (f" + alpha/(2{nS})·Σ w²" if alpha else "")
        + f" = {_num(loss, p)}   ({'S = Σ_i w_i = ' + _num(S, p) if weighted else f'n = {int(S)}'}"
        + (f", alpha = {_num(alpha, p)}, the L2 strength" if alpha else "") + ")",
        "Ingredients (the deck's \"Was benötigen wir\"), per sample i:",
    ]
    y, y_pred, res = ing["y"], ing["y_pred"], ing["residual"]
    for k in range(min(K, max_units)):
        s = yname(k + 1)
        lines.append(f"  y_i{s} = {_elided(y[:, k], max_samples, p)}")
        lines.append(f"  ŷ_i{s} = {_elided(y_pred[:, k], max_samples, p)}")
        lines.append(f"  y_i{s} − ŷ_i{s} = {_elided(res[:, k], max_samples, p)}")
    if weighted:
        lines.append(f"  w_i = {_elided(ing['sample_weight'], max_samples, p)}")
    for layer, (a, d) in enumerate(zip(ing["activations"], ing["slopes"])):
        for j in range(min(a.shape[1], max_units)):
            lines.append(f"  g(z_{j + 1}^({layer + 1})) = "
                         f"{_elided(a[:, j], max_samples, p)};  g'(z_{j + 1}^({layer + 1}))"
                         f" = g(1 − g) = {_elided(d[:, j], max_samples, p)}")
    if deck:
        w_out = coefs[1][:, 0]
        shown = range(min(w_out.size, max_units))
        lines.append("  " + ", ".join(_weight_name(2, 1, j + 1) for j in shown)
                     + " = " + ", ".join(_num(w_out[j], p) for j in shown))
    for k in range(min(n_in, max_units)):
        lines.append(f"  {xname(k + 1)} = {_elided(ing['x'][:, k], max_samples, p)}")
    for layer in range(L - 1, -1, -1):
        lnum = layer + 1
        W = coefs[layer]
        title = (f"Layer {lnum} (hidden → output), the deck's \"Zweiter Layer\":"
                 if layer == L - 1 and L == 2 else
                 f"Layer {lnum} (input → hidden), the deck's \"Erster Layer\":"
                 if layer == 0 and L == 2 else
                 f"Layer {lnum} ({'output' if layer == L - 1 else 'hidden'}):")
        lines.append(title)
        coef_sum, bias_sum = sums[layer]
        for j in range(min(W.shape[1], max_units)):
            for k in range(min(W.shape[0], max_units) + 1):
                name = _weight_name(lnum, j + 1, k)
                if k == 0:
                    value, total = intercept_grads[layer][j], bias_sum[j]
                    weight, pen = intercepts[layer][j], penalize
                else:
                    value, total = coef_grads[layer][k - 1, j], coef_sum[k - 1, j]
                    weight, pen = W[k - 1, j], True
                lines += _derivative(name, layer, j, k, L, deck, weighted, xname,
                                     yname, value, total, coefs, weight,
                                     alpha if pen else 0.0, S, p)
            if W.shape[0] > max_units:
                lines.append(f"  … ({W.shape[0] - max_units} more inputs of unit {j + 1})")
        if W.shape[1] > max_units:
            lines.append(f"  … ({W.shape[1] - max_units} more units)")
    lines.append(f"Gradient-descent step (the deck's Backward Pass), α = {_num(lr, p)}:")
    for layer in range(L - 1, -1, -1):
        W, b = coefs[layer], intercepts[layer]
        for j in range(min(W.shape[1], max_units)):
            for k in range(min(W.shape[0], max_units) + 1):
                w0 = b[j] if k == 0 else W[k - 1, j]
                g0 = (intercept_grads[layer][j] if k == 0
                      else coef_grads[layer][k - 1, j])
                lines.append(f"  {_weight_name(layer + 1, j + 1, k)} := {_num(w0, p)}"
                             f" − {_num(lr, p)}·({_num(g0, p)}) = "
                             f"{_num(w0 - lr * g0, p)}")
    return lines


def _derivative(name, layer, j, k, L, deck, weighted, xname, yname, value, total,
                coefs, weight, alpha, S, p):
    """Three lines: formula, numbers, value of one derivative."""
    nS = "S" if weighted else "n"
    wi = "w_i·" if weighted else ""
    lnum = layer + 1
    if layer == 0:
        tail = "" if k == 0 else f"·{xname(k)}"
    else:
        tail = "" if k == 0 else f"·g(z_{k}^({layer}))"
    if deck and layer == 1:
        symbolic = f"-(1/{nS}) Σ_i {wi}(y_i − ŷ_i){tail}"
        factor = f"-(1/{_num(S, p)})"
    elif deck:
        w_out = _weight_name(2, 1, j + 1)
        symbolic = f"-({w_out}/{nS}) Σ_i {wi}(y_i − ŷ_i)·g'(z_{j + 1}^(1)){tail}"
        factor = f"-({_num(coefs[1][j, 0], p)}/{_num(S, p)})"
    else:
        delta = (f"(y_i{yname(j + 1)} − ŷ_i{yname(j + 1)})" if layer == L - 1
                 else f"δ_i{j + 1}^({lnum})")
        symbolic = f"-(1/{nS}) Σ_i {wi}{delta}{tail}"
        factor = f"-(1/{_num(S, p)})"
    penalty, penalty_num = "", ""
    if alpha:
        penalty = f" + (alpha/{nS})·{name}"
        penalty_num = f" + ({_num(alpha, p)}/{_num(S, p)})·({_num(weight, p)})"
    head = f"  ∂J/∂{name} = "
    pad = " " * (len(head) - 4)
    return [head + symbolic + penalty,
            f"  {pad}= {factor}·({_num(total, p)}){penalty_num} = {_num(value, p)}"]


class GradientDisplay:
    r"""Per weight, the derivative :math:`\partial J/\partial w` and the step :math:`-\alpha\,\partial J/\partial w`.

    The deck's "Backward Pass" as a picture: two bar charts over the
    weights, named in the deck's notation, output layer first (the deck's
    order).  Create it with :meth:`from_estimator` (or
    :meth:`from_explanation`).

    Parameters
    ----------
    explanation : GradientExplanation
        What :func:`explain_gradient` returned.

    Attributes
    ----------
    names : list of str
        The weights, in the order drawn (top to bottom).
    gradients : ndarray
        :math:`\partial J/\partial w` for each of ``names``.
    steps : ndarray
        :math:`-\alpha\,\partial J/\partial w` for each of ``names``.
    axes_ : ndarray of two matplotlib Axes
        Derivatives, steps.
    figure_ : matplotlib Figure
    gradient_bars_, step_bars_ : matplotlib BarContainer
        One bar per weight; a bar's width is its value.

    Examples
    --------
    >>> import numpy as np
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import GradientDisplay
    >>> model = SigmoidMLPRegressor.from_weights(
    ...     [[[1.5, -2.0, 0.5]], [[2.0], [-1.5], [0.75]]], [[-1.0, 3.0, 0.25], [0.5]])
    >>> X = np.linspace(-3, 3, 20)[:, None]
    >>> disp = GradientDisplay.from_estimator(model, X, np.sin(X).ravel())
    >>> disp.names[:2]
    ['w_10^(2)', 'w_11^(2)']
    >>> len(disp.gradient_bars_)
    10
    """

    def __init__(self, *, explanation):
        self.explanation = explanation
        keys, grads = [], []
        for layer in range(len(explanation.coef_grads) - 1, -1, -1):
            G, b = explanation.coef_grads[layer], explanation.intercept_grads[layer]
            for j in range(b.size):
                keys.append((layer + 1, j + 1, 0))
                grads.append(b[j])
                for k in range(G.shape[0]):
                    keys.append((layer + 1, j + 1, k + 1))
                    grads.append(G[k, j])
        self._keys = keys
        self.names = [_weight_name(*key) for key in keys]
        self.gradients = np.asarray(grads, dtype=np.float64)
        self.steps = -explanation.learning_rate * self.gradients

    @classmethod
    def from_explanation(cls, explanation, *, ax=None):
        """Draw a :class:`GradientExplanation`.

        Parameters
        ----------
        explanation : GradientExplanation
        ax : array-like of two matplotlib Axes, default=None
            Where to draw; a new figure when None.

        Returns
        -------
        GradientDisplay
        """
        if not isinstance(explanation, GradientExplanation):
            raise TypeError("GradientDisplay.from_explanation needs what "
                            "explain_gradient returns; got "
                            f"{type(explanation).__name__}.")
        return cls(explanation=explanation).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, sample_weight=None,
                       learning_rate=None, ax=None):
        r"""Compute the derivatives with :func:`explain_gradient` and draw them.

        Parameters
        ----------
        estimator : SigmoidMLPRegressor or Pipeline
            A fitted network, or a fitted pipeline ending in one.
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
        learning_rate : float, default=None
            The deck's :math:`\alpha` of the step; None takes the estimator's.
        ax : array-like of two matplotlib Axes, default=None
            Where to draw; a new figure when None.

        Returns
        -------
        GradientDisplay
        """
        explanation = explain_gradient(estimator, X, y, sample_weight=sample_weight,
                                       learning_rate=learning_rate)
        return cls(explanation=explanation).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the derivatives (left) and the steps (right).

        Parameters
        ----------
        ax : array-like of two matplotlib Axes, default=None
            Where to draw; a new figure when None.

        Returns
        -------
        GradientDisplay
            ``self``, with the artists as attributes.
        """
        plt = _require_matplotlib("GradientDisplay.plot")
        n = len(self.names)
        if ax is None:
            _, ax = plt.subplots(1, 2, figsize=(10, 1.2 + 0.28 * n), sharey=True)
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.shape != (2,):
            raise ValueError("GradientDisplay.plot needs two Axes (derivatives, "
                             f"steps); got {axes.shape[0]}.")
        rows = np.arange(n)
        labels = [_tex_name(*key) for key in self._keys]
        colors = ["tab:red" if v < 0 else "tab:blue" for v in self.gradients]
        self.gradient_bars_ = axes[0].barh(rows, self.gradients, color=colors)
        self.step_bars_ = axes[1].barh(
            rows, self.steps, color=["tab:red" if v < 0 else "tab:blue"
                                     for v in self.steps])
        axes[0].set_yticks(rows, labels)
        axes[0].invert_yaxis()
        lr = _num(self.explanation.learning_rate, 3)
        axes[0].set_title(r"$\partial J/\partial w$")
        axes[1].set_title(rf"step $-\alpha\,\partial J/\partial w$ ($\alpha$ = {lr})")
        for axis in axes:
            axis.axvline(0, color="black", lw=0.8)
            axis.grid(axis="x", alpha=0.3)
        self.axes_ = axes
        self.figure_ = axes[0].figure
        return self

