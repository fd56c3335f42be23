"""Fast paths over the reference math of :mod:`sigmoid_mlp._network`.

Two entry points, both tested equal to the reference:

* :class:`FullBatchLossGradient` -- ``J`` and its gradient on one fixed data
  set, called many times (one call per epoch or per mini-batch).
* :func:`run_full_batch_gd` -- the whole plain gradient-descent loop (constant
  step size, no callbacks), for the common case where nothing needs to happen
  between epochs.

This first version simply calls the reference functions; the performance
work replaces the internals, never the interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _network

__all__ = ["FullBatchLossGradient", "GDResult", "run_full_batch_gd"]


class FullBatchLossGradient:
    """``J`` and ``∂J/∂w`` on fixed data, as a reusable callable.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    alpha : float
        L2 strength.

    Calling it with ``(coefs, intercepts)`` returns
    ``(loss, coef_grads, intercept_grads)`` exactly as
    :func:`sigmoid_mlp._network.loss_gradient` does.  The returned gradient
    arrays may be reused by the next call: copy them to keep them.
    """

    def __init__(self, X, y, sample_weight, alpha):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.n_samples = X.shape[0]
        self.weight_sum = (
            float(X.shape[0]) if sample_weight is None else float(sample_weight.sum())
        )

    def __call__(self, coefs, intercepts):
        return _network.loss_gradient(
            self.X, self.y, coefs, intercepts, self.sample_weight, self.alpha
        )

    def loss(self, coefs, intercepts):
        """``J`` only (one forward pass, no backward pass)."""
        y_pred = _network.predict(self.X, coefs, intercepts)
        value = _network.squared_error(self.y, y_pred, self.sample_weight)
        return value + _network.l2_penalty(coefs, self.alpha, self.weight_sum)


@dataclass
class GDResult:
    """What :func:`run_full_batch_gd` hands back to the estimator.

    Attributes
    ----------
    coefs, intercepts : list of ndarray
        Final weights when ``status != 'diverged'``; otherwise the last finite
        weights (those before the divergent step).
    losses : list of float
        ``J`` before each step taken (one entry per completed epoch).
    status : {'converged', 'max_iter', 'diverged', 'interrupted'}
    final_loss : float
        ``J`` at the returned weights (for 'diverged': the offending loss).
    best_loss : float
    no_improvement_count : int
    diverged_epoch : int or None
        1-based epoch (within the call) whose step diverged.
    """

    coefs: list
    intercepts: list
    losses: list = field(default_factory=list)
    status: str = "max_iter"
    final_loss: float = np.nan
    best_loss: float = np.inf
    no_improvement_count: int = 0
    diverged_epoch: int | None = None


def run_full_batch_gd(
    loss_gradient,
    coefs,
    intercepts,
    *,
    learning_rate,
    n_epochs,
    tol,
    n_iter_no_change,
    best_loss,
    no_improvement_count,
    check_convergence,
    divergence_threshold,
    on_epoch=None,
):
    """Plain full-batch gradient descent, ``w := w - learning_rate * ∂J/∂w``.

    Each epoch computes ``J`` and the gradient at the current weights
    (``loss_gradient``, a :class:`FullBatchLossGradient`), stops with status
    ``'diverged'`` if ``J`` is not finite or exceeds ``divergence_threshold``,
    records ``J``, steps, and applies ``MLPRegressor``'s no-improvement rule
    (an epoch is bad when ``J > best_loss - tol``; stop when the count of
    consecutive bad epochs exceeds ``n_iter_no_change``) when
    ``check_convergence``.  After the last epoch, ``J`` at the final weights is
    computed and checked the same way.

    ``on_epoch(epoch, loss)``, when given, is called after every epoch (for
    progress output).  A ``KeyboardInterrupt`` ends the loop with status
    ``'interrupted'`` and the weights of the last complete epoch.

    The input weight arrays are never modified.
    """
    n_layers = len(coefs)
    params = [*coefs, *intercepts]
    previous = None
    losses = []
    status = "max_iter"
    try:
        for epoch in range(1, n_epochs + 1):
            loss, coef_grads, intercept_grads = loss_gradient(
                params[:n_layers], params[n_layers:]
            )
            if not np.isfinite(loss) or loss > divergence_threshold:
                last = previous if previous is not None else params
                return GDResult(
                    list(last[:n_layers]), list(last[n_layers:]), losses,
                    "diverged", loss, best_loss, no_improvement_count, epoch,
                )
            new_params = [
                p - learning_rate * g
                for p, g in zip(params, [*coef_grads, *intercept_grads])
            ]
            # Commit the epoch only once it is complete (KeyboardInterrupt-safe).
            previous, params = params, new_params
            losses.append(loss)
            if loss > best_loss - tol:
                no_improvement_count += 1
            else:
                no_improvement_count = 0
            best_loss = min(best_loss, loss)
            if on_epoch is not None:
                on_epoch(epoch, loss)
            if check_convergence and no_improvement_count > n_iter_no_change:
                status = "converged"
                break
    except KeyboardInterrupt:
        status = "interrupted"
    final = loss_gradient.loss(params[:n_layers], params[n_layers:])
    if not np.isfinite(final) or final > divergence_threshold:
        last = previous if previous is not None else params
        return GDResult(
            list(last[:n_layers]), list(last[n_layers:]), losses, "diverged",
            final, best_loss, no_improvement_count, len(losses),
        )
    return GDResult(
        params[:n_layers], params[n_layers:], losses, status, final, best_loss,
        no_improvement_count, None,
    )
