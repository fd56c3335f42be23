r"""The deck's architecture slide: :class:`NetworkDisplay`.

Inputs, hidden sigmoid units, the linear output and the bias nodes, every
edge labelled with its weight :math:`w_{jk}^{(l)}` and value, drawn with a
width by magnitude and a colour by sign; for an input :math:`x`, every unit's
:math:`z` and :math:`g(z)` and the output :math:`\hat y`, and the deck's five
steps of the prediction highlighted one at a time.
"""

from __future__ import annotations

import numpy as np

from ._common import _idx, _num, _require_matplotlib, _split_network

__all__ = ["NetworkDisplay"]

POSITIVE, NEGATIVE, HIGHLIGHT = "tab:blue", "tab:red", "darkorange"
MAX_COMPACT_UNITS = 60

STEP_TITLES = {
    1: "Step 1: the weighted inputs of the hidden units",
    2: "Step 2: the sigmoid activations of the hidden units",
    3: "Step 3: the activations times the output weights",
    4: "Step 4: their sum plus the output bias",
    5: "Step 5: the prediction",
}


def _tex(layer, j, k):
    return f"$w_{{{_idx(j, k)}}}^{{({layer})}}$"


def _check_x(x, n_features, caller):
    row = np.asarray(x, dtype=np.float64)
    if row.ndim == 0:
        row = row.reshape(1, 1)
    elif row.ndim == 1:
        row = row.reshape(1, -1)
    if row.ndim != 2 or row.shape != (1, n_features):
        raise ValueError(
            f"{caller}: x must be one sample with {n_features} feature(s); got an "
            f"input of shape {np.shape(x)}. Pass a single row, e.g. X[i] (or a "
            "number for a one-feature model).")
    if not np.all(np.isfinite(row)):
        raise ValueError(f"{caller}: x must be finite; got {row[0].tolist()}.")
    return row


class NetworkDisplay:
    r"""The network drawn as the deck draws it, with its weights (and one prediction).

    Columns of units, left to right: the inputs, every hidden layer of
    sigmoid units :math:`g`, the linear output :math:`\hat y`; above each
    column but the last a bias node "1".  Each edge carries its weight's
    name in the deck's notation, :math:`w_{jk}^{(l)}` (unit :math:`j` of
    layer :math:`l` from unit :math:`k` of layer :math:`l-1`, :math:`k = 0`
    the bias), and its value; its width grows with :math:`|w|`, its colour
    is blue for positive and red for negative weights.  With an input
    ``x``, the units show their values: :math:`x`, :math:`z` and
    :math:`g(z)` of each hidden unit, and :math:`\hat y`; ``step = 1 .. 5``
    highlights one of the deck's five steps of the prediction and writes its
    numbers under the diagram.  Create it with :meth:`from_estimator`.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The weights (``coefs_``, ``intercepts_``).
    input_names : list of str
        Names of the network's inputs.
    pre_activations : list of ndarray, default=None
        :math:`z^{(l)}` of every layer for one input, each of shape
        ``(fan_out,)`` (the estimator's ``forward_pass``; None: no values are
        shown).
    activations : list of ndarray, default=None
        The network's input, then :math:`g(z^{(l)})` of every hidden layer.
    x : ndarray of shape (n_features,), default=None
        The input as given (before a pipeline's preprocessing).
    step : int, default=None
        Which of the deck's five steps to highlight (needs ``x``).
    compact : bool, default=False
        Draw without labels (for wide layers).
    precision : int, default=4
        Significant digits of the numbers shown.

    Attributes
    ----------
    network_input : ndarray of shape (n_inputs,) or None
        The input the network sees (``activations[0]``).
    prediction : ndarray of shape (n_outputs,) or None
        :math:`\hat y` for ``network_input``.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    unit_patches_ : list of list of matplotlib Circle
        ``unit_patches_[l][j - 1]`` is unit :math:`j` of layer :math:`l`
        (layer 0: the inputs).
    bias_patches_ : list of matplotlib Rectangle
        ``bias_patches_[l]`` is the bias node feeding layer :math:`l + 1`.
    edge_lines_ : dict
        ``edge_lines_[(l, j, k)]`` is the edge of :math:`w_{jk}^{(l)}`
        (matplotlib Line2D).
    edge_labels_ : dict
        The same keys, the edges' labels (matplotlib Text); empty when
        ``compact``.
    unit_texts_ : dict
        ``unit_texts_[(l, j)]``: the text in unit :math:`j` of layer
        :math:`l` (matplotlib Text).
    highlighted_ : set
        What the step highlights: ``('edge', l, j, k)`` and
        ``('unit', l, j)`` keys.
    step_text_ : matplotlib Text or None
        The step's title and numbers.

    Examples
    --------
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import NetworkDisplay
    >>> model = SigmoidMLPRegressor.from_weights(
    ...     [[[1.5, -2.0, 0.5]], [[2.0], [-1.5], [0.75]]], [[-1.0, 3.0, 0.25], [0.5]])
    >>> disp = NetworkDisplay.from_estimator(model, 2.0, step=5)
    >>> disp.edge_labels_[(2, 1, 1)].get_text()
    '$w_{11}^{(2)}$ = 2'
    >>> disp.unit_texts_[(2, 1)].get_text()
    'ŷ =\n2.441'
    """

    def __init__(self, *, coefs, intercepts, input_names, pre_activations=None,
                 activations=None, x=None, step=None, compact=False, precision=4):
        self.coefs = [np.asarray(W, dtype=np.float64) for W in coefs]
        self.intercepts = [np.asarray(b, dtype=np.float64) for b in intercepts]
        self.input_names = list(input_names)
        self.pre_activations = pre_activations
        self.activations = activations
        self.x = x
        self.step = step
        self.compact = compact
        self.precision = precision
        self.network_input = None if activations is None else activations[0]
        self.prediction = None if pre_activations is None else pre_activations[-1]

    @classmethod
    def from_estimator(cls, estimator, x=None, *, step=None, ax=None,
                       compact="auto", max_units=10, precision=4):
        r"""Draw a fitted network, optionally with the prediction for ``x``.

        Parameters
        ----------
        estimator : SigmoidMLPRegressor or Pipeline
            A fitted network, or a fitted pipeline whose last step is one
            (``x`` is then in the pipeline's input units and goes through the
            preprocessing steps first; the diagram shows the network's
            inputs).
        x : float or array-like of shape (n_features,), default=None
            One sample whose prediction is shown (a number for a one-feature
            model).
        step : {1, 2, 3, 4, 5}, default=None
            Highlight one of the deck's five steps of the prediction for
            ``x``: 1 the weighted inputs :math:`z_j` of the hidden units, 2
            their activations :math:`g(z_j)`, 3 the activations times the
            output weights, 4 their sum with the output bias, 5 the
            prediction :math:`\hat y`.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        compact : bool or 'auto', default='auto'
            Draw only the units and the edges (width and colour by weight),
            without labels.  'auto': when a layer has more than
            ``max_units`` units.  Layers of more than 60 units are not drawn.
        max_units : int, default=10
            The widest layer drawn with labels under ``compact='auto'``.
        precision : int, default=4
            Significant digits of the numbers shown.

        Returns
        -------
        NetworkDisplay
        """
        caller = "NetworkDisplay.from_estimator"
        preprocess, network = _split_network(estimator, caller)
        for name, value, low in (("max_units", max_units, 1),
                                 ("precision", precision, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value < low:
                raise ValueError(f"{caller}: {name} must be an integer >= {low}; "
                                 f"got {value!r}.")
        if step is not None:
            if isinstance(step, bool) or step not in (1, 2, 3, 4, 5):
                raise ValueError(f"{caller}: step must be one of the deck's five "
                                 f"steps, 1, 2, 3, 4 or 5; got {step!r}.")
            if x is None:
                raise ValueError(f"{caller}: step={step} shows a step of the "
                                 "prediction for an input; pass x too (e.g. x=2.0).")
        coefs, intercepts = network.coefs_, network.intercepts_
        widest = max(max(W.shape) for W in coefs)
        if widest > MAX_COMPACT_UNITS:
            raise ValueError(
                f"{caller}: the network has a layer of {widest} units; the diagram "
                f"draws at most {MAX_COMPACT_UNITS} per layer. Inspect wide networks "
                "with explain_prediction(max_units=...) or the coefs_ arrays.")
        if compact == "auto":
            compact = widest > max_units
        elif not isinstance(compact, (bool, np.bool_)):
            raise ValueError(f"{caller}: compact must be True, False or 'auto'; "
                             f"got {compact!r}.")
        n_in = coefs[0].shape[0]
        names = getattr(estimator, "feature_names_in_", None)
        if preprocess is None and names is not None and len(names) == n_in:
            input_names = [str(n) for n in names]
        else:
            input_names = ["x"] if n_in == 1 else [f"x_{k + 1}" for k in range(n_in)]
        raw = pre = act = None
        if x is not None:
            n_features = getattr(estimator, "n_features_in_", n_in)
            row = _check_x(x, n_features, caller)
            raw = row[0].copy()
            model_input = row
            if names is not None:
                import pandas as pd

                model_input = pd.DataFrame(row, columns=list(names))
            net = preprocess(model_input) if preprocess is not None else model_input
            forward = network.forward_pass(net)
            pre = [np.asarray(z, dtype=np.float64)[0] for z in forward.pre_activations]
            act = [np.asarray(forward.activations[0].toarray()
                              if hasattr(forward.activations[0], "toarray")
                              else forward.activations[0], dtype=np.float64)[0],
                   *(np.asarray(a, dtype=np.float64)[0]
                     for a in forward.activations[1:])]
        disp = cls(coefs=coefs, intercepts=intercepts, input_names=input_names,
                   pre_activations=pre, activations=act, x=raw, step=step, compact=bool(compact),
                   precision=precision)
        return disp.plot(ax=ax)

    # ----------------------------------------------------------------- layout
    def _positions(self):
        sizes = [self.coefs[0].shape[0], *(W.shape[1] for W in self.coefs)]
        spacing = 1.0 if self.compact else 1.6
        # wider layers, longer edges: room for their labels
        self._gap = gap = 3.2 if self.compact or max(sizes) <= 3 else 4.6
        top = (max(sizes) - 1) / 2 * spacing
        units = [[(gap * layer, ((size - 1) / 2 - i) * spacing) for i in range(size)]
                 for layer, size in enumerate(sizes)]
        bias = [(gap * layer - 0.9, top + spacing) for layer in range(len(sizes) - 1)]
        return sizes, units, bias

    def _highlight_keys(self):
        if self.step is None:
            return set()
        L = len(self.coefs)
        keys = set()
        if self.step == 1:
            for layer in range(1, L):
                fan_in, fan_out = self.coefs[layer - 1].shape
                keys |= {("edge", layer, j, k) for j in range(1, fan_out + 1)
                         for k in range(fan_in + 1)}
        elif self.step in (2, 3):
            for layer in range(1, L) if self.step == 2 else [L - 1]:
                keys |= {("unit", layer, j)
                         for j in range(1, self.coefs[layer - 1].shape[1] + 1)}
        if self.step in (3, 4):
            fan_in, fan_out = self.coefs[-1].shape
            first = 1 if self.step == 3 else 0
            keys |= {("edge", L, j, k) for j in range(1, fan_out + 1)
                     for k in range(first, fan_in + 1)}
        if self.step in (4, 5):
            keys |= {("unit", L, j) for j in range(1, self.coefs[-1].shape[1] + 1)}
        return keys

    def _step_lines(self):
        """The numbers of the highlighted step, one line per layer or output."""
        p, L = self.precision, len(self.coefs)
        z, a = self.pre_activations, self.activations
        lines = [STEP_TITLES[self.step]]
        h = L - 1  # the last hidden layer, feeding the output
        if self.step in (1, 2):
            for layer in range(1, L):
                values = (z[layer - 1] if self.step == 1 else a[layer])
                what = "z" if self.step == 1 else "g(z"
                close = "" if self.step == 1 else ")"
                lines += _rows([f"{what}_{j + 1}^({layer}){close} = {_num(v, p)}"
                                for j, v in enumerate(values)])
        elif self.step == 3:
            W = self.coefs[-1]
            for m in range(W.shape[1]):
                lines += _rows([
                    f"w_{_idx(m + 1, j + 1)}^({L})·g(z_{j + 1}^({h})) = "
                    f"{_num(W[j, m], p)}·{_num(a[h][j], p)} = "
                    f"{_num(W[j, m] * a[h][j], p)}" for j in range(W.shape[0])], 2)
        else:
            W, b = self.coefs[-1], self.intercepts[-1]
            for m in range(W.shape[1]):
                target = "ŷ" if W.shape[1] == 1 else f"ŷ_{m + 1}"
                if self.step == 4:
                    terms = " + ".join([_num(b[m], p), *(
                        _num(W[j, m] * a[h][j], p) for j in range(W.shape[0]))])
                    lines.append(f"{target} = w_{_idx(m + 1, 0)}^({L}) + "
                                 f"Σ_j w_{_idx(m + 1, 'j')}^({L})·g(z_j^({h})) = "
                                 f"{terms} = {_num(self.prediction[m], p)}")
                else:
                    given = ", ".join(_num(v, p) for v in self.x)
                    lines.append(f"{target} = {_num(self.prediction[m], p)} "
                                 f"for x = {given}")
        return lines

    # ------------------------------------------------------------------- draw
    def plot(self, ax=None):
        """Draw the network.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.

        Returns
        -------
        NetworkDisplay
            ``self``, with the artists as attributes.
        """
        plt = _require_matplotlib("NetworkDisplay.plot")
        from matplotlib.patches import Circle, Rectangle

        sizes, units, bias = self._positions()
        L, p = len(self.coefs), self.precision
        if ax is None:
            _, ax = plt.subplots(figsize=(self._gap * L + 2.5, 2.5 + max(sizes)
                                          * (0.5 if self.compact else 1.1)))
        keys = self._highlight_keys()
        faded = 0.25 if keys else 1.0
        scale = max(max(np.abs(W).max(), np.abs(b).max())
                    for W, b in zip(self.coefs, self.intercepts)) or 1.0
        radius = 0.3 if self.compact else 0.45
        self.edge_lines_, self.edge_labels_, self.unit_texts_ = {}, {}, {}
        for layer in range(1, L + 1):
            W, b = self.coefs[layer - 1], self.intercepts[layer - 1]
            for j in range(W.shape[1]):
                end = units[layer][j]
                for k in range(W.shape[0] + 1):
                    start = bias[layer - 1] if k == 0 else units[layer - 1][k - 1]
                    w = b[j] if k == 0 else W[k - 1, j]
                    lit = ("edge", layer, j + 1, k) in keys
                    (line,) = ax.plot(
                        [start[0], end[0]], [start[1], end[1]],
                        color=POSITIVE if w >= 0 else NEGATIVE,
                        lw=0.6 + 4.4 * abs(w) / scale, zorder=1,
                        alpha=1.0 if lit or not keys else faded,
                        solid_capstyle="round")
                    if lit:
                        line.set_path_effects(_glow())
                    self.edge_lines_[(layer, j + 1, k)] = line
                    if self.compact:
                        continue
                    # Labels where the edges are far apart: near the targets
                    # when few sources fan out to more units, else staggered
                    # by target unit (bias edges' nearer their source).
                    if W.shape[0] + 1 <= W.shape[1]:
                        t = 0.45 + 0.2 * k / W.shape[0]
                    else:
                        frac = j / (W.shape[1] - 1) if W.shape[1] > 1 else 0.5
                        t = (0.22 + 0.3 * frac) if k == 0 else (0.3 + 0.4 * frac)
                    self.edge_labels_[(layer, j + 1, k)] = ax.text(
                        start[0] + t * (end[0] - start[0]),
                        start[1] + t * (end[1] - start[1]),
                        f"{_tex(layer, j + 1, k)} = {_num(w, p)}", fontsize=8,
                        ha="center", va="center", zorder=3,
                        alpha=1.0 if lit or not keys else 0.5,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                              "ec": HIGHLIGHT if lit else "none", "alpha": 0.9})
        self.unit_patches_, self.bias_patches_ = [], []
        for layer, column in enumerate(units):
            patches = []
            for j, (cx, cy) in enumerate(column):
                lit = ("unit", layer, j + 1) in keys
                kind = "input" if layer == 0 else "output" if layer == L else "hidden"
                face = {"input": "#e8e8e8", "hidden": "#fff3c4",
                        "output": "#d9ecd0"}[kind]
                patch = Circle((cx, cy), radius, fc=face,
                               ec=HIGHLIGHT if lit else "black",
                               lw=3 if lit else 1.2, zorder=4)
                ax.add_patch(patch)
                patches.append(patch)
                text = self._unit_text(layer, j, kind)
                if text:
                    self.unit_texts_[(layer, j + 1)] = ax.text(
                        cx, cy, text, ha="center", va="center", zorder=5,
                        fontsize=7 if "\n" in text else 9)
            self.unit_patches_.append(patches)
        for bx, by in bias:
            patch = Rectangle((bx - radius * 0.7, by - radius * 0.7), 1.4 * radius,
                              1.4 * radius, fc="white", ec="black", zorder=4)
            ax.add_patch(patch)
            ax.text(bx, by, "1", ha="center", va="center", zorder=5, fontsize=9)
            self.bias_patches_.append(patch)
        for layer, name in enumerate(["inputs", *(["hidden (sigmoid)"] * (L - 1)),
                                      "output (linear)"]):
            ax.text(self._gap * layer, min(c[1] for col in units for c in col)
                    - radius - 0.3, name, ha="center", va="top", fontsize=9,
                    color="dimgray")
        self.highlighted_ = keys
        self.step_text_ = None
        if self.step is not None:
            self.step_text_ = ax.text(
                0.0, -0.04, "\n".join(self._step_lines()), transform=ax.transAxes,
                ha="left", va="top", fontsize=8.5, family="monospace")
        ax.set_aspect("equal")
        ax.autoscale_view()
        ax.margins(0.06)
        ax.set_axis_off()
        title = "The architecture" if self.compact else "Network with its weights"
        if self.x is not None:
            title = "Prediction for x = " + ", ".join(_num(v, p) for v in self.x)
        ax.set_title(title)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _unit_text(self, layer, j, kind):
        p = self.precision
        name = self.input_names[j] if kind == "input" else None
        if self.network_input is None or self.compact:
            if self.compact:
                return ""
            if kind == "input":
                return name
            if kind == "hidden":
                return f"g\n$z_{{{j + 1}}}^{{({layer})}}$"
            return "ŷ" if self.coefs[-1].shape[1] == 1 else f"ŷ_{j + 1}"
        if kind == "input":
            return f"{name} = {_num(self.activations[0][j], p)}"
        z = self.pre_activations[layer - 1][j]
        if kind == "hidden":
            return f"z = {_num(z, p)}\ng = {_num(self.activations[layer][j], p)}"
        target = "ŷ" if self.coefs[-1].shape[1] == 1 else f"ŷ_{j + 1}"
        return f"{target} =\n{_num(z, p)}"


def _rows(items, per_row=4):
    """Items joined by commas, ``per_row`` to a line."""
    return [", ".join(items[i:i + per_row]) for i in range(0, len(items), per_row)]


def _glow():
    from matplotlib import patheffects

    return [patheffects.Stroke(linewidth=9, foreground=HIGHLIGHT, alpha=0.45),
            patheffects.Normal()]
