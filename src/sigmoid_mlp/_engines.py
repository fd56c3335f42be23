r"""Which code computes :math:`J` and its derivatives: one place decides.

Every solver computes the same three things of the deck: the loss
:math:`J(\mathbf w)`, its gradient :math:`\nabla J` (the backward pass), and,
for ``'lm'``, the Gauss-Newton sums of the per-sample derivatives.  The
readable reference for all of them is :mod:`sigmoid_mlp._network`.  The
*engines* compute the same quantities faster; this module holds the factory
functions that pick one, and :func:`describe` names the engine picked (for
``verbose`` and for tests).

======================  ===================================================
objective               engines (first that can take the problem)
======================  ===================================================
:func:`reference`       ``'reference'``: :mod:`._network` itself, on lists of
                        arrays of any Array API library.  'lbfgs', and
                        (per mini-batch, :class:`ReferenceBatches`) every
                        step solver on torch/CuPy/... arrays.  Keeps
                        ``MLPRegressor``'s arithmetic bit for bit.
:func:`full_batch`      ``'compiled'`` (numba, :mod:`._compiled`; small
                        float64 dense problems) or ``'numpy'`` (the chunked
                        kernel of :mod:`._kernels`).  Full-batch 'gd' with a
                        constant step size on numpy or scipy.sparse data.
:func:`gauss_newton`    ``'compiled'`` (numba; at most
                        :data:`._compiled.MAX_GN_WEIGHTS` weights, float64
                        dense) or ``'numpy'`` (chunked
                        :func:`._network.gauss_newton_sums`).  'lm'.
======================  ===================================================

Every objective has ``engine`` (its name), ``n_samples``, ``weight_sum``
(:math:`S = \sum_i w_i`), ``loss`` and ``constant_prediction_loss``
(:math:`J` of predicting the weighted mean, the divergence scale).  The
list-of-arrays form (``loss_gradient(coefs, intercepts)``) belongs to the
reference; the fast engines work on one flat vector in the layout of
:class:`Layout` (``pack``/``unpack``).  'lbfgs' alone flattens in
``MLPRegressor``'s order (:func:`._network.pack`), because its trajectory
must equal ``MLPRegressor``'s, and 'lm' keeps that order too (its compiled
and numpy engines share it).

``SIGMOID_MLP_ENGINE`` (environment, read at import; tests set :data:`ENGINE`)
is ``'auto'`` (default), ``'numpy'`` (never the compiled engine) or
``'compiled'`` (the compiled engine whenever it can take the problem, also
for large ones).
"""

from __future__ import annotations

import os

import numpy as np

from . import _network
from ._array_api import all_finite, host_sum, take_rows
from ._kernels import FullBatchLossGradient, Layout

__all__ = [
    "ENGINE",
    "GDProgress",
    "GaussNewtonSystem",
    "Layout",
    "ReferenceBatches",
    "ReferenceObjective",
    "describe",
    "full_batch",
    "gauss_newton",
    "mini_batch",
    "reference",
    "reference_batches",
]

ENGINE = os.environ.get("SIGMOID_MLP_ENGINE", "auto")
# 'auto' takes the compiled gradient-descent engine up to this many
# n_samples x hidden units: there numpy's per-call overhead is most of an
# epoch (measured 4x faster at n = 200, h = 3; equal from a few thousand
# samples on, slower for wide layers, where BLAS wins).
COMPILED_MAX_WORK = 4096
# The per-sample Jacobian of one chunk of rows holds at most this many numbers
# (2 MiB in float64), whatever the number of samples.
_GN_CHUNK_ELEMENTS = 1 << 18


def weight_sum(X, sample_weight):
    r""":math:`S = \sum_i w_i` (the number of samples without weights)."""
    return float(X.shape[0]) if sample_weight is None else host_sum(sample_weight)


class ReferenceObjective:
    r""":math:`J` and its gradient by the reference functions of :mod:`._network`.

    Written once against the array namespace of the data, so arrays of any
    Array API library (torch, CuPy, array-api-strict) stay in their library
    and on their device; only the scalar :math:`J` comes back to the host.
    On numpy data it is ``MLPRegressor``'s arithmetic, operation for
    operation.
    """

    engine = "reference"

    def __init__(self, X, y, sample_weight, alpha):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.n_samples = X.shape[0]
        self.weight_sum = weight_sum(X, sample_weight)

    def loss_gradient(self, coefs, intercepts):
        """``(J, coef_grads, intercept_grads)``: forward pass, then backward pass."""
        return _network.loss_gradient(
            self.X, self.y, coefs, intercepts, self.sample_weight, self.alpha
        )

    def loss(self, coefs, intercepts):
        """:math:`J` at the given weights (a forward pass only)."""
        y_pred = _network.predict(self.X, coefs, intercepts)
        loss = _network.squared_error(self.y, y_pred, self.sample_weight)
        return loss + _network.l2_penalty(coefs, self.alpha, self.weight_sum)

    def constant_prediction_loss(self):
        r"""Squared error of predicting the (weighted) mean of ``y``."""
        xp = _network.array_namespace(self.y)
        if self.sample_weight is None:
            mean = xp.mean(self.y, axis=0)
        else:
            w = xp.reshape(self.sample_weight, (-1, 1))
            mean = xp.sum(w * self.y, axis=0) / xp.sum(self.sample_weight)
        with np.errstate(over="ignore", invalid="ignore"):
            return _network.squared_error(
                self.y, xp.reshape(mean, (1, -1)), self.sample_weight
            )


def reference(X, y, sample_weight, alpha):
    """The reference objective (any array library; one batch or all data)."""
    return ReferenceObjective(X, y, sample_weight, alpha)


class ReferenceBatches(ReferenceObjective):
    """The reference objective of every mini-batch: :func:`run_epoch` for ``run_epochs``.

    Each batch's rows are taken in the data's library and its :math:`J_B`
    and gradient computed by :mod:`._network`; the solver's list step
    (:mod:`._solvers`) makes new arrays.  ``MLPRegressor``'s arithmetic,
    operation for operation, on any Array API library: the oracle of the
    mini-batch engine (:mod:`._minibatch`).
    """

    def __init__(self, X, y, sample_weight, alpha):
        super().__init__(X, y, sample_weight, alpha)
        self._fixed = {}  # batch_size -> the batches in row order

    def _batch(self, rows):
        sw = self.sample_weight
        return reference(take_rows(self.X, rows), take_rows(self.y, rows),
                         None if sw is None else take_rows(sw, rows), self.alpha)

    def run_epoch(self, params, solver, order, batch_size, epoch, protocol, trail):
        """One epoch (see :meth:`._minibatch.MiniBatchEngine.run_epoch`)."""
        from ._drivers import Diverged

        n_layers = len(params) // 2
        n = self.n_samples
        slices = [slice(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
        if order is not None:
            batches = (self._batch(order[s]) for s in slices)
        else:
            if batch_size not in self._fixed:
                self._fixed[batch_size] = [self._batch(s) for s in slices]
            batches = self._fixed[batch_size]
        learning_rate = solver.learning_rate
        accumulated = 0.0
        for part in batches:
            loss, coef_grads, intercept_grads = part.loss_gradient(
                params[:n_layers], params[n_layers:]
            )
            weight = part.weight_sum
            if protocol.check(loss, weight / self.weight_sum):
                raise Diverged(*trail.last_step, loss, trail.previous, n_layers)
            new_params = solver.step(params, [*coef_grads, *intercept_grads])
            if not all_finite(new_params):
                raise Diverged(epoch, learning_rate, np.inf, params, n_layers)
            trail.previous, params = params, new_params
            trail.last_step = (epoch, learning_rate)
            accumulated += loss * weight
        return params, accumulated


def reference_batches(X, y, sample_weight, alpha, layer_sizes):
    """Mini-batch epochs on the reference objective (any array library)."""
    return ReferenceBatches(X, y, sample_weight, alpha)


def mini_batch(X, y, sample_weight, alpha, layer_sizes):
    """The fastest objective for mini-batch epochs ('sgd', 'adam', scheduled 'gd').

    On numpy data (dense or scipy.sparse) the mini-batch engine of
    :mod:`._minibatch`: ``'compiled'`` (one numba call per epoch, BLAS for
    the products, :class:`._compiled.CompiledMiniBatch`) when :data:`ENGINE`
    is not ``'numpy'`` and numba can take the data (float64, dense), else
    ``'numpy'`` (:class:`._minibatch.MiniBatchEngine`); on other array
    libraries the reference (:class:`ReferenceBatches`).  (The batch size
    does not change the choice: the compiled epoch was faster at every size
    measured, 1.3x at 200 x 100 units, 3.7x at 200 x 10.)
    """
    if not isinstance(y, np.ndarray):
        return reference_batches(X, y, sample_weight, alpha, layer_sizes)
    if ENGINE != "numpy":
        compiled = _compiled_module()
        if compiled.supports_mini_batch(X, y, sample_weight):
            return compiled.CompiledMiniBatch(X, y, sample_weight, alpha,
                                              layer_sizes)
    from ._minibatch import MiniBatchEngine

    return MiniBatchEngine(X, y, sample_weight, alpha, layer_sizes)


def _compiled_module():
    from . import _compiled

    return _compiled


def full_batch(X, y, sample_weight, alpha, layer_sizes):
    """The fastest objective for full-batch gradient descent on numpy data.

    The numpy kernel (:class:`._kernels.FullBatchLossGradient`), or, when
    :data:`ENGINE` allows it and numba can take the problem (float64,
    dense, C-contiguous) and it is small (``n_samples x`` hidden units at
    most :data:`COMPILED_MAX_WORK`), the compiled engine built on it.
    """
    kernel = FullBatchLossGradient(X, y, sample_weight, alpha)
    kernel._prepare(layer_sizes)
    if ENGINE == "numpy":
        return kernel
    if ENGINE == "auto" and (
        kernel.n_samples * sum(layer_sizes[1:-1]) > COMPILED_MAX_WORK
    ):
        return kernel
    compiled = _compiled_module()
    if not compiled.supports(kernel):
        return kernel
    return compiled.CompiledObjective(kernel)


def gauss_newton(X, y, sample_weight, alpha, layer_sizes, dtype, *,
                 penalise_intercepts=False):
    """The Gauss-Newton system of 'lm' (:class:`GaussNewtonSystem`)."""
    return GaussNewtonSystem(X, y, sample_weight, alpha, layer_sizes, dtype,
                             penalise_intercepts=penalise_intercepts)


def describe(objective):
    """One line naming the engine of an objective (``verbose`` prints it)."""
    return f"engine: {objective.engine} ({type(objective).__name__})"


class GaussNewtonSystem:
    r"""Gradient and Gauss-Newton curvature of :math:`J` on the whole training set.

    With :math:`s, u, M` the sums of :func:`sigmoid_mlp._network.gauss_newton_sums`
    over all rows (computed in chunks whose Jacobian has at most ``2**18``
    entries, so memory stays bounded) and :math:`P` the 0/1 diagonal
    selecting the penalised weights (the ``coefs``, and the intercepts too
    with ``penalise_intercepts``):

    .. math:: \nabla J = \frac{u + \alpha P w}{S}, \qquad
              H = \frac{M + \alpha P}{S}.

    :math:`H` is the Hessian of :math:`J` without the terms with second
    derivatives of the network: symmetric and positive semi-definite.  The
    weights are flat in :func:`._network.pack`'s order.

    :meth:`loss` evaluates :math:`J` alone (at trial steps).  When the data fit
    in one chunk it keeps the forward pass, which :meth:`gradient_curvature`
    reuses when asked about the same weights; otherwise the loss comes from
    the chunked numpy kernel.  ``engine`` is ``'compiled'`` when the sums run
    in :func:`._compiled.gauss_newton_sums` (numba installed, float64 dense
    data, at most :data:`._compiled.MAX_GN_WEIGHTS` weights, :data:`ENGINE`
    not ``'numpy'``), else ``'numpy'``.
    """

    def __init__(self, X, y, sample_weight, alpha, layer_sizes, dtype, *,
                 penalise_intercepts=False):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.layer_sizes = list(layer_sizes)
        self.dtype = dtype
        self.n_samples = X.shape[0]
        self.weight_sum = weight_sum(X, sample_weight)
        self.penalised = np.concatenate(
            [np.ones(a * b) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
            + [np.full(b, 1.0 if penalise_intercepts else 0.0)
               for b in layer_sizes[1:]]
        )
        n_weights = self.penalised.size
        self.chunk_rows = max(1, _GN_CHUNK_ELEMENTS // (y.shape[1] * n_weights))
        self._one_chunk = X.shape[0] <= self.chunk_rows
        self._kernel = None
        if not self._one_chunk:
            # The kernel evaluates the squared error only; the L2 term is
            # _penalty's, so set_alpha changes one number.
            self._kernel = FullBatchLossGradient(X, y, sample_weight, 0.0)
        self._kept = (None, None)  # (x, activations) of the last loss
        self._compiled = None
        if dtype == np.float64 and ENGINE != "numpy":
            compiled = _compiled_module()
            if compiled.supports_gauss_newton(X, y, sample_weight, n_weights):
                self._compiled = compiled.CompiledSystem(
                    X, y, sample_weight, layer_sizes
                )
        self.engine = "numpy" if self._compiled is None else "compiled"

    def set_alpha(self, alpha):
        """Change the L2 strength :math:`\alpha` (``alpha='auto'`` re-estimates it)."""
        self.alpha = float(alpha)

    def weights(self, x):
        """``(coefs, intercepts)`` in the data's dtype from the packed float64 ``x``."""
        return _network.unpack(x.astype(self.dtype, copy=False), self.layer_sizes)

    def _penalty(self, x):
        if not self.alpha:
            return 0.0
        return 0.5 * self.alpha * float((self.penalised * x) @ x) / self.weight_sum

    def loss(self, x):
        """:math:`J` at the packed weights ``x`` (a forward pass only)."""
        if self._compiled is not None:
            s, _, _ = self._compiled.sums(x, want=False)
            return s / (2.0 * self.weight_sum) + self._penalty(x)
        coefs, intercepts = self.weights(x)
        if not self._one_chunk:
            return float(self._kernel.loss(coefs, intercepts)) + self._penalty(x)
        # Overflow gives a non-finite J, which run_lm handles (a rejected
        # trial, or divergence at the start); numpy's warning would be noise.
        with np.errstate(over="ignore", invalid="ignore"):
            activations = _network.forward(self.X, coefs, intercepts)
        self._kept = (x, activations)
        loss = _network.squared_error(self.y, activations[-1], self.sample_weight)
        return loss + self._penalty(x)

    def constant_prediction_loss(self):
        r"""Squared error of predicting the (weighted) mean of ``y``."""
        return ReferenceObjective(
            self.X, self.y, self.sample_weight, 0.0
        ).constant_prediction_loss()

    def gradient_curvature(self, x):
        """``(grad, curvature)`` at the packed weights ``x``, in float64."""
        if self._compiled is not None:
            _, u, M = self._compiled.sums(x)
            return self._finish(x, u, M)
        coefs, intercepts = self.weights(x)
        u = 0.0
        M = 0.0
        n_samples = self.X.shape[0]
        for start in range(0, n_samples, self.chunk_rows):
            rows = slice(start, min(start + self.chunk_rows, n_samples))
            sw = None if self.sample_weight is None else self.sample_weight[rows]
            with np.errstate(over="ignore", invalid="ignore"):  # see loss()
                if self._one_chunk and self._kept[0] is x:
                    activations = self._kept[1]
                else:
                    activations = _network.forward(self.X[rows], coefs, intercepts)
                _, u_rows, M_rows = _network.gauss_newton_sums(
                    activations, self.y[rows], coefs, sw
                )
            u = u + u_rows
            M = M + M_rows
        return self._finish(x, u, M)

    def _finish(self, x, u, M):
        """Scale the sums by :math:`1/S` and add the L2 term."""
        grad = np.array(u, dtype=np.float64)
        curvature = np.array(M, dtype=np.float64)
        if self.alpha:
            grad += self.alpha * self.penalised * x
            curvature.flat[:: curvature.shape[0] + 1] += self.alpha * self.penalised
        grad /= self.weight_sum
        curvature /= self.weight_sum
        return grad, curvature


class GDProgress:
    """Where a full-batch gradient-descent run stands, in an engine's flat layout.

    The engines' ``gd_epochs`` update it once per complete epoch (``done``
    epochs, their ``losses``, the stopping rule's ``best_loss`` and
    ``count``); ``previous`` is the weights before the last step (None
    before the first), ``status`` None while running, else ``'converged'``
    or ``'diverged'`` (``loss``: the offending value).
    """

    __slots__ = ("best_loss", "count", "current", "done", "grad", "loss",
                 "losses", "previous", "spare", "status")

    def __init__(self, theta, best_loss, count):
        self.current = theta
        self.previous = None
        self.spare = np.empty_like(theta)
        self.grad = np.empty_like(theta)
        self.losses = []
        self.done = 0
        self.best_loss = float(best_loss)
        self.count = int(count)
        self.status = None
        self.loss = float("nan")

    def last_finite(self):
        """The weights before the last step, or the start if none was taken."""
        return self.current if self.previous is None else self.previous
