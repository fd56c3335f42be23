r"""The deck's step-by-step prediction: :func:`explain_prediction`.

The forward pass for one input written out in the deck's notation, with
the numbers (:class:`PredictionExplanation`); the formatting helpers of
the formulas that only this needs (:func:`_factor`, :func:`_elide`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import _idx, _num, _split_network

__all__ = ["PredictionExplanation", "explain_prediction"]


def _factor(value, precision):
    """A number used as a factor: negative numbers in parentheses."""
    text = _num(value, precision)
    return f"({text})" if text.startswith("-") else text


def _elide(items, max_items):
    """Keep the first ``max_items - 1`` and the last item, with ``…`` between."""
    if len(items) <= max_items:
        return list(items)
    return [*items[: max_items - 1], "…", items[-1]]


@dataclass(frozen=True)
class PredictionExplanation:
    """The forward pass for one input, written out in the deck's notation.

    Returned by :func:`explain_prediction`; ``print()`` it to read it.

    Attributes
    ----------
    lines : list of str
        The explanation, one formula per line.
    x : ndarray of shape (n_features,)
        The input as given.
    network_input : ndarray of shape (n_network_inputs,)
        The input the network sees (after a pipeline's preprocessing steps).
    forward : ForwardPass
        The forward pass the numbers come from
        (:meth:`SigmoidMLPRegressor.forward_pass` on ``network_input``).
    prediction : ndarray of shape (n_outputs,)
        :math:`\\hat y`.
    """

    lines: list
    x: np.ndarray
    network_input: np.ndarray
    forward: object
    prediction: np.ndarray

    def __str__(self):
        return "\n".join(self.lines)

    def __repr__(self):
        return str(self)


def explain_prediction(estimator, x, *, precision=4, max_terms=6, max_units=8):
    r"""Write out the forward pass for one input, as the deck does for :math:`x = 2`.

    For every layer :math:`l` and unit :math:`j` the pre-activation

    .. math:: z_j^{(l)} = w_{j0}^{(l)} + \sum_k w_{jk}^{(l)}\, a_k^{(l-1)},

    with :math:`a^{(0)} = x` and :math:`a_k^{(l)} = g(z_k^{(l)})`, is shown
    symbolically, with the numbers substituted, and with its value; then the
    sigmoid :math:`g(z_j^{(l)}) = 1/(1 + e^{-z_j^{(l)}})` of every hidden unit
    and finally the (linear) output :math:`\hat y`.  Weight
    :math:`w_{jk}^{(l)}` is ``coefs_[l-1][k-1, j-1]`` and :math:`w_{j0}^{(l)}`
    is ``intercepts_[l-1][j-1]``.

    Parameters
    ----------
    estimator : SigmoidMLPRegressor or Pipeline
        A fitted network, or a fitted pipeline whose last step is one (the
        input then goes through the preprocessing steps first).
    x : float or array-like of shape (n_features,) or (1, n_features)
        One sample.  A number is accepted for a one-feature model.
    precision : int, default=4
        Significant digits of the numbers shown.
    max_terms : int, default=6
        Sums with more terms than this are shortened with ``…`` (the symbolic
        form then uses :math:`\sum_k`), so larger networks stay readable.
    max_units : int, default=8
        Layers with more units show the first ``max_units - 1`` and the last
        one.

    Returns
    -------
    PredictionExplanation
        ``print()`` it; its ``lines``, ``forward`` and ``prediction`` hold the
        text and the numbers.

    Examples
    --------
    The deck's 1-3-1 network with given weights, at :math:`x = 2`:

    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import explain_prediction
    >>> model = SigmoidMLPRegressor.from_weights(
    ...     coefs=[[[1.5, -2.0, 0.5]], [[2.0], [-1.5], [0.75]]],
    ...     intercepts=[[-1.0, 3.0, 0.25], [0.5]],
    ... )
    >>> print(explain_prediction(model, 2.0))
    Input: x = 2
    Layer 1: 3 sigmoid units
      z_1^(1) = w_10^(1) + w_11^(1)·x = -1 + 1.5·2 = 2
      z_2^(1) = w_20^(1) + w_21^(1)·x = 3 + (-2)·2 = -1
      z_3^(1) = w_30^(1) + w_31^(1)·x = 0.25 + 0.5·2 = 1.25
      g(z_1^(1)) = 1/(1 + exp(-2)) = 0.8808
      g(z_2^(1)) = 1/(1 + exp(1)) = 0.2689
      g(z_3^(1)) = 1/(1 + exp(-1.25)) = 0.7773
    Layer 2: linear output
      ŷ = w_10^(2) + w_11^(2)·g(z_1^(1)) + w_12^(2)·g(z_2^(1)) + w_13^(2)·g(z_3^(1))
        = 0.5 + 2·0.8808 + (-1.5)·0.2689 + 0.75·0.7773
        = 2.441
    """
    caller = "explain_prediction"
    preprocess, network = _split_network(estimator, caller)
    for name, value, low in (("precision", precision, 1), ("max_terms", max_terms, 2),
                             ("max_units", max_units, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                or value < low:
            raise ValueError(f"{caller}: {name} must be an integer >= {low}; "
                             f"got {value!r}.")
    row = np.asarray(x, dtype=np.float64)
    if row.ndim == 0:
        row = row.reshape(1, 1)
    elif row.ndim == 1:
        row = row.reshape(1, -1)
    if row.ndim != 2 or row.shape[0] != 1:
        raise ValueError(
            f"{caller} explains one sample; got an input of shape "
            f"{np.shape(x)}. Pass a single row, e.g. X[i] (or a number for a "
            "one-feature model)."
        )
    raw = row[0].copy()
    feature_names = getattr(estimator, "feature_names_in_", None)
    model_input = row
    if feature_names is not None:
        # Fitted on a DataFrame: pass one, so the model sees its column names.
        import pandas as pd

        model_input = pd.DataFrame(row, columns=list(feature_names))
    net_row = (np.asarray(preprocess(model_input), dtype=np.float64) if preprocess
               else row)
    forward = network.forward_pass(net_row if preprocess else model_input)
    coefs, intercepts = network.coefs_, network.intercepts_
    n_layers = len(coefs)
    n_in = net_row.shape[1]

    if feature_names is not None and raw.size == len(feature_names):
        raw_names = [str(name) for name in feature_names]
    elif raw.size == 1:
        raw_names = ["x"]
    else:
        raw_names = [f"x_{k + 1}" for k in range(raw.size)]
    lines = ["Input: " + ", ".join(_elide(
        [f"{name} = {_num(v, precision)}" for name, v in zip(raw_names, raw)],
        max_terms))]
    if preprocess is None:
        input_names = raw_names
    else:
        # The network's inputs are the preprocessed values, named x or x_k.
        input_names = ["x"] if n_in == 1 else [f"x_{k + 1}" for k in range(n_in)]
        steps = " → ".join(type(step).__name__ for _, step in estimator.steps[:-1])
        values = ", ".join(_elide(
            [_num(v, precision) for v in net_row[0]], max_terms))
        lines.append(f"After preprocessing ({steps}): "
                     + (f"x = {values}" if n_in == 1 else f"({values})"))

    previous_names = input_names
    previous_values = net_row[0]
    for layer in range(n_layers):
        lnum = layer + 1
        W, b = coefs[layer], intercepts[layer]
        z = forward.pre_activations[layer][0]
        fan_in, fan_out = W.shape
        last = layer == n_layers - 1
        if last:
            lines.append(f"Layer {lnum}: linear output" + ("s" if fan_out > 1 else ""))
        else:
            lines.append(f"Layer {lnum}: {fan_out} sigmoid unit"
                         + ("s" if fan_out > 1 else ""))
        units = list(range(fan_out))
        if fan_out > max_units:
            units = [*units[: max_units - 1], None, units[-1]]
        for j in units:
            if j is None:
                lines.append(f"  … ({fan_out - max_units} more units)")
                continue
            # symbolic form
            if fan_in <= max_terms:
                sym_terms = [f"w_{_idx(j + 1, k + 1)}^({lnum})·{previous_names[k]}"
                             for k in range(fan_in)]
            else:
                first = "x_k" if layer == 0 else f"g(z_k^({layer}))"
                sym_terms = [f"Σ_k w_{_idx(j + 1, 'k')}^({lnum})·{first}"]
            symbolic = " + ".join([f"w_{_idx(j + 1, 0)}^({lnum})", *sym_terms])
            num_terms = [
                f"{_factor(W[k, j], precision)}·{_factor(previous_values[k], precision)}"
                for k in range(fan_in)
            ]
            numeric = " + ".join([_num(b[j], precision),
                                  *_elide(num_terms, max_terms)])
            if last:
                target = "ŷ" if fan_out == 1 else f"ŷ_{j + 1}"
                lines.append(f"  {target} = {symbolic}")
                pad = " " * len(target)
                lines.append(f"  {pad} = {numeric}")
                lines.append(f"  {pad} = {_num(z[j], precision)}")
            elif fan_in <= 3:
                lines.append(f"  z_{j + 1}^({lnum}) = {symbolic} = {numeric} = "
                             f"{_num(z[j], precision)}")
            else:  # long sums: one line each for formula, numbers and value
                target = f"z_{j + 1}^({lnum})"
                pad = " " * len(target)
                lines.append(f"  {target} = {symbolic}")
                lines.append(f"  {pad} = {numeric}")
                lines.append(f"  {pad} = {_num(z[j], precision)}")
        if not last:
            a = forward.activations[layer + 1][0]
            for j in units:
                if j is None:
                    lines.append(f"  … ({fan_out - max_units} more units)")
                    continue
                lines.append(f"  g(z_{j + 1}^({lnum})) = 1/(1 + exp("
                             f"{_num(-z[j], precision)})) = {_num(a[j], precision)}")
            previous_names = [f"g(z_{k + 1}^({lnum}))" for k in range(fan_out)]
            previous_values = a
    prediction = np.atleast_1d(np.asarray(forward.output)[0]).copy()
    return PredictionExplanation(lines, raw, net_row[0].copy(), forward, prediction)
