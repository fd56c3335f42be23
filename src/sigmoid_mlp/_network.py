"""The network's mathematics: sigmoid, forward pass, loss and backward pass.

Pure numpy/scipy, no scikit-learn: every function here is the vectorised form
of a formula from the lecture deck, generalised from the deck's 1-3-1 network
to any number of features, hidden layers and outputs.

Notation (the deck's, with layer ``l = 1 .. L``):

* ``a^(0) = X`` (the inputs, shape ``(n, d)``),
* ``z^(l) = a^(l-1) W^(l) + b^(l)`` (pre-activations),
* ``a^(l) = g(z^(l))`` for the hidden layers, ``ŷ = a^(L) = z^(L)``
  (identity output),
* ``g(z) = 1 / (1 + exp(-z))`` and ``g'(z) = g(z) (1 - g(z))``.

Weights follow scikit-learn's ``MLPRegressor`` layout: ``coefs[l]`` has shape
``(fan_in, fan_out)`` and ``intercepts[l]`` shape ``(fan_out,)``.  In the deck's
notation for the 1-3-1 network, ``coefs[0][0, j-1] = w_j1^(1)``,
``intercepts[0][j-1] = w_j0^(1)``, ``coefs[1][j-1, 0] = w_1j^(2)`` and
``intercepts[1][0] = w_10^(2)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

__all__ = [
    "array_namespace",
    "backward",
    "forward",
    "gauss_newton_sums",
    "init_weights",
    "l2_penalty",
    "loss_gradient",
    "output_jacobian",
    "pack",
    "predict",
    "sigmoid",
    "sigmoid_derivative",
    "squared_error",
    "unpack",
]


# ---- array plumbing: which namespace an array lives in (None: numpy), and
# the few operations the training code needs in any namespace.  The rest of
# the Array API support (moving data, messages) is sigmoid_mlp._array_api.


def namespace_of(*arrays):
    """The Array API namespace of ``arrays``, or None for numpy and scipy sparse.

    ``None`` entries are ignored.  Arrays other than numpy need the
    ``array-api-compat`` package (the ``array-api`` extra).
    """
    if all(isinstance(a, np.ndarray) or sp.issparse(a) or a is None for a in arrays):
        return None
    try:
        import array_api_compat
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Arrays other than numpy need the array-api-compat package: "
            "pip install 'sigmoid-mlp[array-api]'."
        ) from exc
    xp = array_api_compat.array_namespace(*[a for a in arrays if a is not None])
    if array_api_compat.is_numpy_namespace(xp):
        return None
    return xp


def device_of(a):
    """The device of an array of another library (see :func:`namespace_of`)."""
    import array_api_compat

    return array_api_compat.device(a)


def copy_arrays(arrays):
    """Independent copies of numpy arrays; other libraries' arrays as they are.

    The namespace-generic training path never modifies an array in place, so
    its arrays need no copy (and copying must not move them off their device).
    """
    return [np.array(a) if isinstance(a, np.ndarray) else a for a in arrays]


def host_sum(a):
    """``float(sum(a))`` for an array of any namespace (one scalar to the host)."""
    if isinstance(a, np.ndarray):
        return float(a.sum())
    return float((namespace_of(a) or np).sum(a))


def host_vector(a):
    """A short 1-D array of any namespace as numpy (one scalar per entry)."""
    return np.asarray([float(a[j]) for j in range(a.shape[0])])


def all_finite(arrays):
    """True when every entry is finite (one boolean per array to the host)."""
    for a in arrays:
        if isinstance(a, np.ndarray):
            if not np.isfinite(a).all():
                return False
        else:
            xp = namespace_of(a) or np
            if not bool(xp.all(xp.isfinite(a))):
                return False
    return True


def take_rows(a, rows):
    """Rows ``rows`` (a slice or a numpy index array) of ``a``, in ``a``'s library.

    The index array is moved once to ``a``'s device; the data never leave it.
    """
    if isinstance(a, np.ndarray) or hasattr(a, "tocsr"):
        return a[rows]
    xp = namespace_of(a)
    if isinstance(rows, slice):
        return a[rows, ...]
    import array_api_compat

    index = xp.asarray(rows, device=array_api_compat.device(a))
    return xp.take(a, index, axis=0)



def array_namespace(*arrays):
    """The namespace to compute in: ``numpy`` for numpy and scipy sparse.

    Every function of this module is written once against this namespace
    ``xp``, so torch, CuPy or array-api-strict arrays stay in their library and
    on their device.  It is :func:`sigmoid_mlp._array_api.namespace_of` (None
    for numpy) with numpy filled in.
    """
    return namespace_of(*arrays) or np


def _to_float(value):
    """A Python float from a 0-d array of any namespace."""
    return float(value)


def sigmoid(z, out=None):
    r"""The logistic activation :math:`g(z) = 1 / (1 + e^{-z})`.

    Computed by :func:`scipy.special.expit` for numpy arrays, which never
    overflows: for :math:`|z|` up to the largest float it returns values in
    :math:`[0, 1]` without warnings.  Arrays of other libraries use the same
    overflow-free form written in their own namespace.

    Parameters
    ----------
    z : ndarray
        Pre-activations.
    out : ndarray, optional
        Where to write the result; pass ``out=z`` to work in place (numpy only;
        other libraries return a new array).

    Returns
    -------
    ndarray
        :math:`g(z)`, same shape and dtype as ``z``.
    """
    if isinstance(z, np.ndarray):
        return expit(z, out=out)
    # Other namespaces, in the array's own library and on its device, without
    # overflow: with e = exp(-|z|) <= 1, g(z) = 1/(1+e) for z >= 0 and
    # e/(1+e) for z < 0.
    xp = array_namespace(z)
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(a):
    r"""The derivative :math:`g'(z) = g(z)\,(1 - g(z))` from the *activation*.

    The backward pass never calls ``exp`` again: it reuses the activation
    :math:`a = g(z)` stored by the forward pass.

    Parameters
    ----------
    a : ndarray
        Activations :math:`g(z)` of a hidden layer.

    Returns
    -------
    ndarray
        :math:`g'(z)`, same shape as ``a``.
    """
    return a * (1 - a)


def init_weights(layer_sizes, random_state, dtype=np.float64, xp=None, device=None):
    r"""Glorot-uniform starting weights, drawn as ``MLPRegressor`` draws them.

    For a layer with ``fan_in`` inputs and ``fan_out`` units, weights and
    intercepts are drawn from :math:`U(-r, r)` with
    :math:`r = \sqrt{2 / (\text{fan}_{\text{in}} + \text{fan}_{\text{out}})}` (the factor 2 is
    the one Glorot & Bengio recommend for logistic units).  Per layer the
    coefficient matrix is drawn first, then the intercepts, from the same
    ``RandomState``, so a given seed yields exactly ``MLPRegressor``'s starting
    weights for ``activation='logistic'``.  The draw does not depend on the
    number of samples.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.
    random_state : numpy.random.RandomState
        Source of randomness.
    dtype : dtype, default=numpy.float64
        dtype of the returned arrays (of namespace ``xp``).
    xp : array namespace, optional
        Library of the returned arrays (default numpy).  The draw itself is
        always numpy's, so every library starts from the same weights.
    device : optional
        Device of the returned arrays, for namespaces that have devices.

    Returns
    -------
    coefs : list of ndarray
        ``coefs[l]`` of shape ``(layer_sizes[l], layer_sizes[l + 1])``.
    intercepts : list of ndarray
        ``intercepts[l]`` of shape ``(layer_sizes[l + 1],)``.
    """
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        bound = np.sqrt(2.0 / (fan_in + fan_out))
        coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
        intercept = random_state.uniform(-bound, bound, fan_out)
        if xp is None or xp is np:
            coefs.append(coef.astype(dtype, copy=False))
            intercepts.append(intercept.astype(dtype, copy=False))
        else:
            coefs.append(xp.asarray(coef, dtype=dtype, device=device))
            intercepts.append(xp.asarray(intercept, dtype=dtype, device=device))
    return coefs, intercepts


def forward(X, coefs, intercepts):
    r"""Forward pass: the activations of every layer, inputs first.

    For each layer :math:`z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)}`; hidden layers
    apply :math:`a^{(l)} = g(z^{(l)})` (in place, so the pre-activation is not
    kept), the output layer is the identity.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Inputs :math:`a^{(0)}`.
    coefs, intercepts : list of ndarray
        Weights in ``MLPRegressor``'s layout.

    Returns
    -------
    activations : list of ndarray
        ``[X, a^(1), ..., a^(L-1), ŷ]``; ``ŷ`` has shape
        ``(n_samples, n_outputs)``.
    """
    activations = [X]
    last = len(coefs) - 1
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        # ``@`` works for dense and sparse a^(0) and yields a dense array.
        z = activations[-1] @ W
        z += b
        if layer != last:
            z = sigmoid(z, out=z)
        activations.append(z)
    return activations


def predict(X, coefs, intercepts):
    """Network output ``ŷ`` of shape ``(n_samples, n_outputs)``.

    The forward pass without keeping the hidden activations.
    """
    a = X
    last = len(coefs) - 1
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        a = a @ W
        a += b
        if layer != last:
            a = sigmoid(a, out=a)
    return a


def squared_error(y, y_pred, sample_weight=None):
    r"""The deck's cost, weighted: :math:`\frac{1}{2\sum_i w_i} \sum_i w_i \lVert y_i - \hat y_i\rVert^2`.

    With ``sample_weight=None`` (all :math:`w_i = 1`) this is exactly the
    deck's :math:`J = \frac{1}{2n}\sum_i (y_i - \hat y_i)^2`.  For several
    outputs the squared norm sums over outputs, so the value is the function
    whose gradient :func:`backward` returns (not its mean over outputs).

    Parameters
    ----------
    y, y_pred : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    float
    """
    xp = array_namespace(y, y_pred)
    # An overflow gives J = inf, which the training loops report as divergence
    # with a clear message; numpy's warning would only add noise.
    with np.errstate(over="ignore", invalid="ignore"):
        residual = y - y_pred
        per_sample = xp.sum(residual * residual, axis=1)
        if sample_weight is None:
            return _to_float(xp.sum(per_sample)) / (2.0 * y.shape[0])
        weighted = _to_float(xp.sum(per_sample * sample_weight))
    return weighted / (2.0 * _to_float(xp.sum(sample_weight)))


def l2_penalty(coefs, alpha, weight_sum):
    r"""The L2 term :math:`\frac{\alpha}{2\sum_i w_i} \sum_l \lVert W^{(l)}\rVert_F^2`.

    Biases are not penalised; dividing by the (weighted) number of samples is
    scikit-learn's convention, so ``alpha`` means the same in both estimators.
    """
    if alpha == 0:
        return 0.0
    xp = array_namespace(*coefs)
    total = sum(_to_float(xp.sum(W * W)) for W in coefs)
    return 0.5 * alpha * total / weight_sum


def backward(activations, y, coefs, sample_weight=None, alpha=0.0):
    r"""Backward pass: :math:`\partial J/\partial W^{(l)}` and :math:`\partial J/\partial b^{(l)}`.

    The deck's chain rule, vectorised over samples.  With
    :math:`S = \sum_i w_i` (``n`` without weights), the error of the output
    layer is

    .. math:: \delta^{(L)} = w \odot (\hat y - y),

    (the deck's :math:`-(y_i - \hat y_i)`: the sign of the residual is folded
    in here so every gradient below is a plain sum), and each hidden layer
    receives it through the weights and the sigmoid's slope,

    .. math:: \delta^{(l)} = \left(\delta^{(l+1)} {W^{(l+1)}}^\top\right)
              \odot g'(z^{(l)}), \qquad g'(z^{(l)}) = a^{(l)} (1 - a^{(l)}).

    The gradients are then

    .. math:: \frac{\partial J}{\partial W^{(l)}} =
              \frac{{a^{(l-1)}}^\top \delta^{(l)} + \alpha W^{(l)}}{S},
              \qquad
              \frac{\partial J}{\partial b^{(l)}} = \frac{1}{S}\sum_i \delta^{(l)}_i.

    For the deck's 1-3-1 network and ``alpha = 0`` these are exactly the ten
    formulas of "Alle Ableitungen auf einen Blick", e.g.
    :math:`\partial J/\partial w_{11}^{(2)} = -\frac1n\sum_i (y_i - \hat y_i)
    g(z_1^{(1)})` and :math:`\partial J/\partial w_{11}^{(1)} =
    -\frac{w_{11}^{(2)}}{n}\sum_i (y_i - \hat y_i) g'(z_1^{(1)}) x_i`.

    Parameters
    ----------
    activations : list of ndarray
        Output of :func:`forward`.
    y : ndarray of shape (n_samples, n_outputs)
    coefs : list of ndarray
    sample_weight : ndarray of shape (n_samples,), optional
    alpha : float, default=0.0

    Returns
    -------
    coef_grads, intercept_grads : list of ndarray
        Same shapes as the weights.
    """
    xp = array_namespace(y, *coefs)
    n_layers = len(coefs)
    weight_sum = (
        y.shape[0] if sample_weight is None else _to_float(xp.sum(sample_weight))
    )
    coef_grads = [None] * n_layers
    intercept_grads = [None] * n_layers

    delta = activations[-1] - y
    if sample_weight is not None:
        delta *= xp.reshape(sample_weight, (-1, 1))
    for layer in range(n_layers - 1, -1, -1):
        grad = activations[layer].T @ delta
        if alpha:
            grad += alpha * coefs[layer]
        grad /= weight_sum
        coef_grads[layer] = grad
        intercept_grads[layer] = xp.sum(delta, axis=0) / weight_sum
        if layer > 0:
            a = activations[layer]
            delta = delta @ coefs[layer].T
            delta *= a
            delta *= 1 - a
    return coef_grads, intercept_grads


def loss_gradient(X, y, coefs, intercepts, sample_weight=None, alpha=0.0):
    r"""Loss :math:`J` and its gradient at the given weights: forward, then backward.

    .. math:: J(\mathbf w) = \frac{1}{2S}\sum_i w_i \lVert y_i - \hat y_i\rVert^2
              + \frac{\alpha}{2S}\sum_l \lVert W^{(l)}\rVert_F^2,
              \qquad S = \sum_i w_i.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_outputs)
    coefs, intercepts : list of ndarray
    sample_weight : ndarray of shape (n_samples,), optional
    alpha : float, default=0.0

    Returns
    -------
    loss : float
    coef_grads, intercept_grads : list of ndarray
    """
    activations = forward(X, coefs, intercepts)
    weight_sum = (
        y.shape[0]
        if sample_weight is None
        else _to_float(array_namespace(sample_weight).sum(sample_weight))
    )
    loss = squared_error(y, activations[-1], sample_weight)
    loss += l2_penalty(coefs, alpha, weight_sum)
    coef_grads, intercept_grads = backward(
        activations, y, coefs, sample_weight=sample_weight, alpha=alpha
    )
    return loss, coef_grads, intercept_grads


def output_jacobian(activations, coefs):
    r"""Per-sample derivatives of the outputs: :math:`\partial \hat y_{ik}/\partial w`.

    The deck's chain rule before its sum over samples.  With the identity
    output layer, :math:`\partial \hat y_{ik}/\partial z^{(L)}_{ij}` is 1 for
    :math:`j = k` and 0 otherwise; call this :math:`D^{(L)}_{ik\cdot} = e_k`.
    Each hidden layer receives it through the weights and the sigmoid's slope,

    .. math:: D^{(l)}_{ik\cdot} = \left(D^{(l+1)}_{ik\cdot} {W^{(l+1)}}^\top\right)
              \odot g'(z^{(l)}_i),

    and the derivatives by the weights and biases are

    .. math:: \frac{\partial \hat y_{ik}}{\partial W^{(l)}_{ab}} =
              a^{(l-1)}_{ia}\, D^{(l)}_{ikb}, \qquad
              \frac{\partial \hat y_{ik}}{\partial b^{(l)}_b} = D^{(l)}_{ikb}.

    For the deck's 1-3-1 network these are the terms inside the sums of
    "Alle Ableitungen auf einen Blick", e.g.
    :math:`\partial \hat y_i/\partial w_{11}^{(2)} = g(z_1^{(1)})` and
    :math:`\partial \hat y_i/\partial w_{11}^{(1)} = w_{11}^{(2)} g'(z_1^{(1)}) x_i`;
    :func:`backward` computes the same sums directly, since
    :math:`\partial J/\partial w = \frac1S\sum_i w_i \sum_k
    (\hat y_{ik} - y_{ik})\, \partial \hat y_{ik}/\partial w`
    (plus :math:`\alpha w/S` for a penalised weight).

    Parameters
    ----------
    activations : list of ndarray
        Output of :func:`forward`; ``activations[0]`` may be sparse.
    coefs : list of ndarray

    Returns
    -------
    jacobian : ndarray of shape (n_samples, n_outputs, n_weights)
        Columns in :func:`pack`'s order.
    """
    n_samples = activations[0].shape[0]
    n_outputs = coefs[-1].shape[1]
    n_layers = len(coefs)
    # Column ranges in pack's order: every coefs[l], then every intercepts[l].
    sizes = [W.size for W in coefs] + [W.shape[1] for W in coefs]
    starts = [sum(sizes[:j]) for j in range(len(sizes) + 1)]
    jacobian = np.empty((n_samples, n_outputs, starts[-1]), dtype=activations[-1].dtype)
    delta = np.eye(n_outputs, dtype=jacobian.dtype)[None]  # D^(L), broadcast over i
    for layer in range(n_layers - 1, -1, -1):
        a_in = activations[layer]
        if sp.issparse(a_in):
            a_in = a_in.toarray()
        fan_in, fan_out = coefs[layer].shape
        block = jacobian[:, :, starts[layer]:starts[layer + 1]]
        # dŷ/dW_ab = a_a D_b, written straight into the Jacobian's columns
        np.multiply(a_in[:, None, :, None], delta[:, :, None, :],
                    out=block.reshape(n_samples, n_outputs, fan_in, fan_out))
        jacobian[:, :, starts[n_layers + layer]:starts[n_layers + layer + 1]] = delta
        if layer > 0:
            a = activations[layer]
            slope = a * (1 - a)  # g'(z) from the stored activation
            delta = (delta @ coefs[layer].T) * slope[:, None, :]
    return jacobian


def gauss_newton_sums(activations, y, coefs, sample_weight=None):
    r"""The sums behind a Gauss-Newton (Levenberg-Marquardt) step, over the given rows.

    With residuals :math:`r_{ik} = \hat y_{ik} - y_{ik}` and the per-sample
    Jacobian :math:`J_{ik} = \partial \hat y_{ik}/\partial w`
    (:func:`output_jacobian`):

    .. math:: s = \sum_i w_i \lVert r_i\rVert^2, \qquad
              u = \sum_i w_i \sum_k r_{ik} J_{ik}, \qquad
              M = \sum_i w_i \sum_k J_{ik}^\top J_{ik}.

    Sums over row blocks add up, so large data are processed in chunks.  For
    all rows, :math:`J = s/(2S) + \alpha\lVert W\rVert^2/(2S)`, its gradient
    is :math:`(u + \alpha P w)/S` (what :func:`backward` computes) and its
    Gauss-Newton curvature :math:`(M + \alpha P)/S`, with :math:`P` selecting
    the penalised weights (the ``coefs``; the intercepts too under
    ``penalize_intercepts``, see ``_lm.GaussNewtonSystem``).

    Parameters
    ----------
    activations : list of ndarray
        Output of :func:`forward` on the rows.
    y : ndarray of shape (n_samples, n_outputs)
    coefs : list of ndarray
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    s : float
    u : ndarray of shape (n_weights,)
    M : ndarray of shape (n_weights, n_weights)
    """
    residual = (activations[-1] - y).reshape(-1)
    jac = output_jacobian(activations, coefs)
    jac = jac.reshape(-1, jac.shape[2])
    if sample_weight is not None:
        # Weighted sums as plain ones over rows scaled by sqrt(w_i): M stays
        # exactly symmetric (numpy computes A^T A as such).
        root_w = np.sqrt(np.repeat(sample_weight, y.shape[1]))
        jac = jac * root_w[:, None]
        residual = residual * root_w
    return float(residual @ residual), jac.T @ residual, jac.T @ jac


def pack(coefs, intercepts):
    """Flatten weights into one vector (the seam to ``scipy.optimize``).

    Order: every ``coefs[l].ravel()`` first, then every ``intercepts[l]``, as
    ``MLPRegressor`` packs them.
    """
    return np.concatenate([W.ravel() for W in coefs] + [b.ravel() for b in intercepts])


def unpack(packed, layer_sizes):
    """Inverse of :func:`pack`: views into ``packed`` in the weight layout."""
    coefs, intercepts = [], []
    start = 0
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        end = start + fan_in * fan_out
        coefs.append(packed[start:end].reshape(fan_in, fan_out))
        start = end
    for fan_out in layer_sizes[1:]:
        end = start + fan_out
        intercepts.append(packed[start:end])
        start = end
    return coefs, intercepts


def weight_sum(X, sample_weight):
    r""":math:`S = \sum_i w_i` (the number of samples without weights)."""
    return float(X.shape[0]) if sample_weight is None else host_sum(sample_weight)


def constant_prediction_loss(y, sample_weight, weight_sum):
    r""":math:`J` of the best constant prediction, the weighted mean of ``y``.

    :math:`\frac{1}{2S}\sum_i w_i \lVert y_i - \bar y\rVert^2` (no L2
    term), computed over chunks of rows so that, unlike the direct
    formula, it needs no ``n``-sized temporary: the scale of ``y`` that the
    divergence test uses (numpy data; the reference objective has the same
    quantity in any namespace).
    """
    y, sw, S = y, sample_weight, weight_sum
    n, k = y.shape
    rows = max(1, min(n, (1 << 15) // k))
    total = 0.0
    # Overflow (huge y) gives inf, reported by the caller as divergence.
    with np.errstate(over="ignore", invalid="ignore"):
        mean = (y.sum(axis=0) if sw is None else sw @ y) / S
        buf = np.empty((rows, k), dtype=np.result_type(y.dtype, mean.dtype))
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            r = buf[: stop - start]
            np.subtract(y[start:stop], mean, out=r)
            if sw is None:
                total += float(np.vdot(r, r))
            else:
                np.multiply(r, r, out=r)
                total += float(sw[start:stop] @ r.sum(axis=1))
    return total / (2.0 * S)


class FlatLayout:
    """``MLPRegressor``'s flat order of the weights, the one description of it.

    Every ``coefs[l]`` (C order, shape ``(fan_in, fan_out)``), then every
    ``intercepts[l]``: the order of :func:`pack` and :func:`unpack`, of
    L-BFGS, of 'lm' and of the mini-batch engines.  ``coef_off`` and
    ``int_off`` (int64 arrays, for the compiled kernels) are where each
    layer's block starts; ``slices`` are ``(start, end, shape)`` of every
    array in ``[*coefs, *intercepts]`` order.
    """

    def __init__(self, layer_sizes):
        sizes = [int(s) for s in layer_sizes]
        self.layer_sizes = sizes
        self.sizes = np.asarray(sizes, dtype=np.int64)
        coef_sizes = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
        self.n_coef = sum(coef_sizes)
        self.size = self.n_coef + sum(sizes[1:])
        shapes = [*zip(sizes[:-1], sizes[1:]), *((b,) for b in sizes[1:])]
        ends = np.cumsum([*coef_sizes, *sizes[1:]]).tolist()
        starts = [0, *ends[:-1]]
        self.slices = list(zip(starts, ends, shapes))
        n_layers = len(sizes) - 1
        self.coef_off = np.asarray(starts[:n_layers], dtype=np.int64)
        self.int_off = np.asarray(starts[n_layers:], dtype=np.int64)

    def penalty_mask(self, intercepts=False):
        """1.0 on the weights the L2 term covers (the coefs; the intercepts
        too with ``intercepts``), 0.0 elsewhere."""
        mask = np.zeros(self.size)
        mask[: self.n_coef] = 1.0
        if intercepts:
            mask[self.n_coef:] = 1.0
        return mask


class Layout:
    """The flat layout of the fast engines: where each layer sits in ``theta``.

    Layer ``l`` is the block ``V_l`` of shape ``(fan_out, fan_in + 1)``, C
    order: ``V_l[:, :fan_in] = W^(l)ᵀ`` and ``V_l[:, fan_in] = b^(l)``, so a
    layer's product with ``[a; 1]`` gives ``z`` including the bias.
    """

    def __init__(self, layer_sizes):
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.n_layers = len(layer_sizes) - 1
        self.slices = []
        start = 0
        for fan_in, fan_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            self.slices.append((start, start + fan_out * (fan_in + 1)))
            start += fan_out * (fan_in + 1)
        self.size = start

    def views(self, theta):
        """``[V_0, ..., V_{L-1}]`` as views into ``theta``."""
        return [
            theta[s:e].reshape(fan_out, fan_in + 1)
            for (s, e), fan_in, fan_out in zip(
                self.slices, self.layer_sizes[:-1], self.layer_sizes[1:]
            )
        ]

    def pack(self, coefs, intercepts, out):
        for V, W, b in zip(self.views(out), coefs, intercepts):
            fan_in = W.shape[0]
            V[:, :fan_in] = W.T
            V[:, fan_in] = b
        return out

    def unpack(self, theta):
        """Fresh C-contiguous ``coefs, intercepts`` in ``MLPRegressor``'s layout.

        Always copies (``ascontiguousarray`` would return a view where the
        transposed block is already contiguous, e.g. one output unit), so
        the engines may go on updating ``theta`` in place.
        """
        coefs, intercepts = [], []
        for V in self.views(theta):
            coefs.append(np.array(V[:, :-1].T, order="C"))
            intercepts.append(V[:, -1].copy())
        return coefs, intercepts

    def weight_mask(self, dtype):
        """1 on every weight, 0 on every intercept (biases are not penalised)."""
        mask = np.ones(self.size, dtype=dtype)
        for V in self.views(mask):
            V[:, -1] = 0
        return mask

