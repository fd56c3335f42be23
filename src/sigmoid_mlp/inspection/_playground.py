r"""A fitted network as one self-contained, interactive HTML page: :func:`export_playground`.

The page (template ``playground.html`` next to this module, shipped as
package data) holds the weights and the data as JSON and recomputes
everything in JavaScript with the deck's formulas: the forward pass, the
cost :math:`J`, every derivative (backpropagation) and the gradient-descent
step :math:`w := w - \alpha\,\partial J/\partial w`.  It loads nothing: no
network, no CDN, and it works from ``file://``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

from ._common import _l2_settings, _split_network, _step_size

__all__ = ["export_playground"]

TEMPLATE = "playground.html"
PLACEHOLDER = "/*__PLAYGROUND_DATA__*/null"
MAX_UNITS = 10
MAX_SAMPLES = 5000


def _template():
    return (resources.files("sigmoid_mlp.inspection") / TEMPLATE).read_text(
        encoding="utf-8")


def _as_list(array):
    return np.asarray(array, dtype=np.float64).tolist()


def playground_data(estimator, X, y, *, sample_weight=None, learning_rate=None,
                    title=None, x_focus=None):
    """The JSON-able state of a playground page (see :func:`export_playground`)."""
    caller = "export_playground"
    preprocess, network = _split_network(estimator, caller)
    Xt = preprocess(X) if preprocess is not None else X
    # the estimator validates X, y and sample_weight with its own messages
    network.loss_gradient(Xt, y, sample_weight)
    coefs, intercepts = network.coefs_, network.intercepts_
    if coefs[0].shape[0] != 1 or coefs[-1].shape[1] != 1:
        raise ValueError(
            f"{caller}: the playground draws the prediction curve of a network with "
            f"one input and one output; this one has {coefs[0].shape[0]} input(s) "
            f"and {coefs[-1].shape[1]} output(s). Fit a one-feature, one-target "
            "model (or a Pipeline whose preprocessing yields one feature).")
    widest = max(W.shape[1] for W in coefs[:-1])
    if widest > MAX_UNITS:
        raise ValueError(
            f"{caller}: the playground has a slider per weight and draws up to "
            f"{MAX_UNITS} units per layer; this network has a layer of {widest}. "
            "Use NetworkDisplay(compact=True) to look at wide networks.")
    x = network.forward_pass(Xt).activations[0]  # the network's inputs, validated
    x = np.asarray(x.toarray() if hasattr(x, "toarray") else x,
                   dtype=np.float64).ravel()
    if x.size > MAX_SAMPLES:
        raise ValueError(
            f"{caller}: {x.size} samples; the page recomputes the cost over every "
            f"sample at each step and takes at most {MAX_SAMPLES}. Pass a subsample, "
            "e.g. X[:500], y[:500].")
    y = np.asarray(y, dtype=np.float64).ravel()
    learning_rate = _step_size(learning_rate, network, caller)
    alpha, penalize = _l2_settings(network, caller)
    if x_focus is None:
        x_focus = float(np.median(x))
    note = ("Drag a slider to change a weight; 'step' takes one gradient-descent "
            "step w := w − α·∂J/∂w on the whole data (the deck's formulas, with "
            f"J = 1/(2n) Σ (y_i − ŷ_i)²{' weighted by w_i' if sample_weight is not None else ''}"
            f"{f' + L2 term, alpha = {float(alpha):g}' if alpha else ''}); 'run' "
            "repeats it.")
    if preprocess is not None:
        steps = " → ".join(type(s).__name__ for _, s in estimator.steps[:-1])
        note += f" The inputs x are the network's, after {steps}."
    return {
        "title": title or f"{type(network).__name__}: a playground",
        "note": note,
        "coefs": [_as_list(W) for W in coefs],
        "intercepts": [_as_list(b) for b in intercepts],
        "X": x.tolist(),
        "y": y.tolist(),
        "sample_weight": None if sample_weight is None
        else _as_list(np.ravel(sample_weight)),
        "alpha": float(alpha),
        "penalize_intercepts": bool(penalize),
        "learning_rate": float(learning_rate),
        "x_range": [float(x.min()), float(x.max())],
        "x_focus": float(x_focus),
        "input_name": "x",
    }


def export_playground(estimator, X, y, path, *, sample_weight=None,
                      learning_rate=None, title=None):
    r"""Write a fitted one-input network and its data as one interactive HTML page.

    The page shows the network diagram (edge width and colour by weight, the
    forward pass for one input), the data with the prediction curve and the
    weighted activation curves of the last hidden layer, a slider per weight
    that redraws them, and the derivatives :math:`\partial J/\partial w` of
    every weight.  "step" takes one gradient-descent step
    :math:`w := w - \alpha\,\partial J/\partial w` with the deck's formulas
    at the learning rate :math:`\alpha` entered; "run" repeats it and plots
    the loss; "reset" restores the exported weights.

    The page is self-contained (its script and styles inline, no request to
    any server) and works from ``file://``.  Its model is scriptable through
    ``window.playground``:

    * ``predict(x)`` -- :math:`\hat y` for a number (or an array of numbers);
    * ``lossGradient()`` -- ``{loss, coef_grads, intercept_grads}`` at the
      current weights, in the layout of ``coefs_`` / ``intercepts_``;
    * ``weights()`` -- ``{coefs, intercepts}``; ``setWeights(w)`` sets them;
    * ``step(learning_rate)`` -- one gradient-descent step (returns the
      ``lossGradient()`` it used); ``run(n_steps, learning_rate)``;
      ``reset()``; ``lossHistory()``; ``data()``.

    Its numbers are those of the estimator: ``predict`` and ``lossGradient``
    equal :meth:`~sigmoid_mlp.SigmoidMLPRegressor.predict` and
    :meth:`~sigmoid_mlp.SigmoidMLPRegressor.loss_gradient` (``alpha``,
    ``penalize_intercepts`` and the sample weights included) to rounding.

    Parameters
    ----------
    estimator : SigmoidMLPRegressor or Pipeline
        A fitted network with one input feature and one output, or a fitted
        pipeline ending in one; a pipeline's preprocessing is applied to
        ``X`` here and the page works on the network's inputs.
    X : array-like of shape (n_samples, 1)
        The data (at most 5000 samples).
    y : array-like of shape (n_samples,)
        Its targets.
    path : str or path-like
        The HTML file to write.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the squared errors in the page's cost.
    learning_rate : float, default=None
        The step size the page starts with; None takes the estimator's
        ``learning_rate``.
    title : str, default=None
        The page's heading.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import export_playground
    >>> model = SigmoidMLPRegressor.from_weights(
    ...     [[[1.5, -2.0, 0.5]], [[2.0], [-1.5], [0.75]]], [[-1.0, 3.0, 0.25], [0.5]])
    >>> X = np.linspace(-3, 3, 30).reshape(-1, 1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     page = export_playground(model, X, np.sin(X).ravel(),
    ...                              pathlib.Path(tmp) / "deck.html")
    ...     "window.playground" in page.read_text(encoding="utf-8")
    True
    """
    data = playground_data(estimator, X, y, sample_weight=sample_weight,
                           learning_rate=learning_rate, title=title)
    # "</" is escaped so that no string in the data can close the script
    payload = json.dumps(data, allow_nan=False).replace("</", "<\\/")
    html = _template()
    if html.count(PLACEHOLDER) != 1:  # pragma: no cover - a broken install
        raise RuntimeError("the playground template of sigmoid_mlp.inspection is "
                           "damaged; reinstall sigmoid-mlp.")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"export_playground: {str(path)!r} is a directory; pass the "
                         "path of the HTML file to write, e.g. 'playground.html'.")
    path.write_text(html.replace(PLACEHOLDER, payload), encoding="utf-8")
    return path
