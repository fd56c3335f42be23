r"""The numpy objectives of the reference and of 'lm'.

* :class:`ReferenceObjective` -- :math:`J` and its gradient by
  :mod:`._network` itself, on lists of arrays of any Array API library:
  'lbfgs', and (per mini-batch, :class:`ReferenceBatches`) every step
  solver on torch/CuPy/... arrays.  Keeps ``MLPRegressor``'s arithmetic bit
  for bit.
* :class:`GaussNewtonSystem` -- the gradient and Gauss-Newton curvature of
  'lm' on the whole training set, summed by the chunked numpy code of
  :func:`._network.gauss_newton_sums` or by the compiled sums it is given.

The other engines live one job per module: :mod:`._kernels` (full-batch
gradient descent, numpy), :mod:`._minibatch` (mini-batch epochs, numpy) and
:mod:`._compiled` (numba).  Which one runs a fit is decided by
:func:`sigmoid_mlp._plan.plan` alone.  Every objective has ``engine`` (its
name), ``n_samples``, ``weight_sum`` (:math:`S = \sum_i w_i`), ``loss`` and
``constant_prediction_loss`` (:math:`J` of predicting the weighted mean, the
divergence scale).
"""

from __future__ import annotations

import numpy as np

from . import _network
from ._kernels import FullBatchLossGradient
from ._network import all_finite, take_rows
from ._protocol import Diverged

__all__ = ["GaussNewtonSystem", "ReferenceBatches", "ReferenceObjective"]

# The per-sample Jacobian of one chunk of rows holds at most this many numbers
# (2 MiB in float64), whatever the number of samples.
_GN_CHUNK_ELEMENTS = 1 << 18


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
        self.weight_sum = _network.weight_sum(X, sample_weight)

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
        return ReferenceObjective(take_rows(self.X, rows), take_rows(self.y, rows),
                                  None if sw is None else take_rows(sw, rows),
                                  self.alpha)

    def run_epoch(self, params, solver, order, batch_size, epoch, protocol, trail):
        """One epoch (see :meth:`._minibatch.MiniBatchEngine.run_epoch`)."""
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
    the chunked numpy kernel.  ``engine`` is ``'compiled'`` when the plan
    handed it the compiled sums (``compiled_sums``, a
    :class:`._compiled.CompiledSystem`), else ``'numpy'``.
    """

    def __init__(self, X, y, sample_weight, alpha, layer_sizes, dtype, *,
                 penalise_intercepts=False, compiled_sums=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.layer_sizes = list(layer_sizes)
        self.dtype = dtype
        self.n_samples = X.shape[0]
        self.weight_sum = _network.weight_sum(X, sample_weight)
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
        # the compiled sums (:class:`._compiled.CompiledSystem`) when the plan
        # chose them
        self._compiled = compiled_sums
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


