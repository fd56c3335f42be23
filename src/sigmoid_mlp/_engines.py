r"""The reference objectives: :mod:`._network` itself, in any array library.

* :class:`ReferenceObjective` -- :math:`J` and its gradient by
  :mod:`._network` itself, on lists of arrays of any Array API library:
  'lbfgs', and (per mini-batch, :class:`ReferenceBatches`) every step
  solver on torch/CuPy/... arrays.  Keeps ``MLPRegressor``'s arithmetic bit
  for bit.

The other engines live one job per module: :mod:`._kernels` (full-batch
gradient descent, numpy), :mod:`._minibatch` (mini-batch epochs, numpy),
:mod:`._lm` (the Gauss-Newton system of 'lm') and :mod:`._compiled` (numba).  Which one runs a fit is decided by
:func:`sigmoid_mlp._plan.plan` alone.  Every objective has ``engine`` (its
name), ``n_samples``, ``weight_sum`` (:math:`S = \sum_i w_i`), ``loss`` and
``constant_prediction_loss`` (:math:`J` of predicting the weighted mean, the
divergence scale).
"""

from __future__ import annotations

import numpy as np

from . import _network
from ._network import all_finite, take_rows
from ._protocol import Diverged

__all__ = ["ReferenceBatches", "ReferenceObjective"]


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


