r"""The solvers' drivers: how each one walks through its epochs.

Every driver has the signature ``driver(state, objective, X, y,
sample_weight, config, protocol) -> RunResult`` and reports every epoch
(iteration) through the :class:`~sigmoid_mlp._protocol.Protocol`, which
checks divergence, applies the stopping rule and commits the epoch:

* :func:`run_full_batch_gd` -- 'gd' with a constant step size on numpy
  data: the fast engines' ``gd_epochs`` (:mod:`._kernels`, :mod:`._compiled`),
  epochs fused when nothing runs between them.
* :func:`run_epochs` -- 'gd' with a schedule, 'sgd', 'adam', and every
  step solver on other array libraries: mini-batch steps of a step rule of
  :mod:`._solvers`, one epoch at a time by the objective's ``run_epoch``
  (the mini-batch engine on numpy data, the reference otherwise).
* :func:`run_lbfgs` -- ``scipy.optimize.minimize(method='L-BFGS-B')`` on the
  reference objective, one epoch per L-BFGS iteration.
* :func:`run_lm` -- Levenberg-Marquardt on the Gauss-Newton system of
  :mod:`._engines`, one epoch per accepted step.

A driver changes ``state`` only through the protocol's commits, so an
interrupted epoch (``KeyboardInterrupt``) leaves the state at the end of the
last complete one; a divergent step raises
:class:`Diverged` with the last finite weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _network
from ._protocol import Diverged, GDProgress, RunResult, whole_run
from ._solvers import LBFGSStop, minimize_lbfgs

__all__ = [
    "Trail",
    "run_epochs",
    "run_full_batch_gd",
    "run_lbfgs",
]


def run_full_batch_gd(state, objective, X, y, sample_weight, config, protocol):
    """Plain full-batch gradient descent, ``w := w - learning_rate ∂J/∂w``, fast.

    ``objective`` is a full-batch engine (:func:`._plan.full_batch`) and
    runs the epochs itself (``gd_epochs``), on a flat weight vector.  With
    per-epoch work (a validation set, ``verbose``, callbacks) it runs them
    one at a time and every epoch is committed through the protocol;
    otherwise all epochs of the call run fused (the engine applies the
    stopping and divergence rules itself) and are committed at the end.
    """
    n_layers = len(state.coefs)
    learning_rate = state.solver.learning_rate
    per_epoch = config.block == 1  # the plan: something runs between epochs
    # The engine's own stopping rule: off when the protocol applies it.
    stop_after = (config.n_iter_no_change
                  if config.check_convergence and not per_epoch else math.inf)
    progress = GDProgress(
        objective.pack(state.coefs, state.intercepts),
        state.best_loss, state.no_improvement_count,
    )
    status = "max_iter"

    def diverged():
        coefs, intercepts = objective.unpack(progress.last_finite())
        fused = None if per_epoch else progress.losses[:progress.done]
        return Diverged(max(1, progress.done), learning_rate, progress.loss,
                         [*coefs, *intercepts], n_layers, fused)

    try:
        while progress.done < config.n_epochs:
            if per_epoch:
                protocol.begin(progress.done + 1)
                n = 1
            else:
                n = config.n_epochs - progress.done
            objective.gd_epochs(progress, learning_rate, n,
                                config.divergence_threshold, config.tol, stop_after)
            if progress.status == "diverged":
                raise diverged()
            if per_epoch:
                coefs, intercepts = objective.unpack(progress.current)
                reason = protocol.commit(
                    progress.done, coefs, intercepts, progress.losses[-1],
                    solver=state.solver.copy(), learning_rate=learning_rate,
                    n_samples=objective.n_samples,
                )
                if reason is not None:
                    status = reason
                    break
            if progress.status == "converged":
                status = "converged"
                break
    except KeyboardInterrupt:
        status = "interrupted"
        if per_epoch:
            # The engine may be an epoch ahead of the last commit.
            protocol.trim()
            return RunResult(status, [*state.coefs, *state.intercepts],
                             (max(1, progress.done), learning_rate))
    del progress.losses[progress.done:]
    final = objective.evaluate(progress.current)
    if not per_epoch:
        coefs, intercepts = objective.unpack(progress.current)
        protocol.commit_block(coefs, intercepts, progress.losses,
                              progress.best_loss, progress.count,
                              objective.n_samples)
    previous = objective.unpack(progress.last_finite())
    return RunResult(status, [*previous[0], *previous[1]],
                     (max(1, progress.done), learning_rate), final)


@dataclass
class Trail:
    """What a divergence report needs, carried across batches and epochs.

    ``previous``: the weights before the last step (a list, every coefs then
    every intercepts); ``last_step``: ``(epoch, learning_rate)`` of that
    step.  A blown-up loss is seen at the next batch, possibly in the next
    epoch, but it is the last step's doing.
    """

    previous: list
    last_step: tuple


def run_epochs(state, objective, X, y, sample_weight, config, protocol):
    r"""Up to ``config.n_epochs`` epochs of ``state.solver``'s steps on batches.

    One epoch visits every training sample once, in mini-batches of
    ``config.batch_size`` (in a fresh random order per epoch when
    ``shuffle``); on each batch :math:`B` it computes :math:`J_B` and
    :math:`\nabla J_B` at the current weights and lets the solver step.
    ``objective.run_epoch`` runs the batches of one epoch: the reference
    (:class:`._engines.ReferenceBatches`, ``MLPRegressor``'s arithmetic,
    any array library) or the mini-batch engine
    (:class:`._minibatch.MiniBatchEngine`, numpy data).  Before a step the
    batch loss is checked: non-finite, or larger than the divergence
    threshold once rescaled to the whole set (:math:`J_B S_B / S`, never
    more than the full-data loss of a non-divergent run), raises
    ``Diverged``; so do non-finite weights after a step.

    The epoch's training loss (the ``loss_curve_`` entry) is the
    weight-averaged batch loss :math:`\sum_B S_B J_B / S`; for one batch it is
    :math:`J` before the epoch's step.  Each epoch is committed through the
    protocol, so an interrupt leaves the state at the end of the last
    complete epoch (and undoes that epoch's shuffling draw).
    """
    n_samples = X.shape[0]
    n_layers = len(state.coefs)
    total_weight = objective.weight_sum
    batch_size = min(config.batch_size, n_samples)
    # One batch of all rows is the same in any order: no draw, as MLPRegressor.
    shuffle = config.shuffle and batch_size < n_samples

    status = "max_iter"
    rng_state = None
    n_iter_at_start = state.n_iter
    trail = Trail([*state.coefs, *state.intercepts],
                  (1, state.solver.learning_rate))
    try:
        for epoch in range(1, config.n_epochs + 1):
            n_iter_at_start = state.n_iter
            if protocol.has_begin:
                protocol.begin(epoch)
            solver = state.solver.copy()
            learning_rate = solver.learning_rate
            order = None
            if shuffle:
                rng_state = state.rng.get_state()
                order = state.rng.permutation(n_samples)
            params, accumulated = objective.run_epoch(
                [*state.coefs, *state.intercepts], solver, order, batch_size,
                epoch, protocol, trail,
            )
            reason = protocol.commit(
                epoch, params[:n_layers], params[n_layers:],
                accumulated / total_weight, solver=solver,
                learning_rate=learning_rate, n_samples=n_samples,
            )
            if reason is not None:
                status = reason
                break
    except KeyboardInterrupt:
        # Undo the shuffling draw of an epoch that was not committed.
        if rng_state is not None and state.n_iter == n_iter_at_start:
            state.rng.set_state(rng_state)
        protocol.trim()
        status = "interrupted"
        trail.previous = [*state.coefs, *state.intercepts]
    return RunResult(status, trail.previous, trail.last_step)


class _NonFinite(Exception):
    def __init__(self, loss):
        super().__init__(loss)
        self.loss = loss


def run_lbfgs(state, objective, X, y, sample_weight, config, protocol):
    r"""Minimise :math:`J` with L-BFGS-B from ``state``'s weights.

    The objective handed to scipy is exactly :math:`J` and its gradient from
    the reference backward pass, for any number of outputs (``MLPRegressor``
    reports :math:`1/k` of the function whose gradient it uses for :math:`k`
    outputs, which misleads the line search; sklearn issue #8349); the
    weights are flat in ``MLPRegressor``'s order (:func:`._network.pack`),
    so the trajectory is ``MLPRegressor``'s.

    Every L-BFGS iteration counts as an epoch: ``loss_curve_`` gets
    :math:`J` before the iteration, and the protocol commits it (with
    ``early_stopping`` its stopping rule ends the run on the validation
    loss; otherwise L-BFGS-B's own tests do).  A non-finite loss or gradient
    at any point L-BFGS evaluates raises ``Diverged``.
    """
    n_layers = len(state.coefs)
    dtype = state.coefs[0].dtype
    layer_sizes = [state.coefs[0].shape[0], *(c.shape[1] for c in state.coefs)]
    last_eval = {"x": None, "loss": None}
    current = {"loss": None, "epoch": 1}

    def unpack(x):
        coefs, intercepts = _network.unpack(np.asarray(x, dtype=dtype), layer_sizes)
        return [c.copy() for c in coefs], [b.copy() for b in intercepts]

    def fun(x):
        coefs, intercepts = unpack(x)
        loss, coef_grads, intercept_grads = objective.loss_gradient(coefs, intercepts)
        grad = _network.pack(coef_grads, intercept_grads).astype(np.float64)
        if not np.isfinite(loss) or not np.isfinite(grad).all():
            raise _NonFinite(loss if not np.isfinite(loss) else np.inf)
        last_eval["x"] = np.array(x, copy=True)
        last_eval["loss"] = float(loss)
        return float(loss), grad

    def loss_at(x):
        if last_eval["x"] is not None and np.array_equal(last_eval["x"], x):
            return last_eval["loss"]
        return float(objective.loss(*unpack(x)))

    def callback(xk):
        epoch = current["epoch"]
        coefs, intercepts = unpack(xk)
        new_loss = loss_at(xk)
        reason = protocol.commit(epoch, coefs, intercepts, current["loss"],
                                 n_samples=X.shape[0])
        current["loss"] = new_loss
        current["epoch"] = epoch + 1
        if reason is not None:
            current["status"] = reason
            raise LBFGSStop
        protocol.begin(epoch + 1)

    x0 = _network.pack(state.coefs, state.intercepts).astype(np.float64)
    try:
        current["loss"] = config.start_loss
        if current["loss"] is None:
            current["loss"] = float(objective.loss(state.coefs, state.intercepts))
        if not np.isfinite(current["loss"]):
            raise _NonFinite(current["loss"])
        protocol.begin(1)
        result = minimize_lbfgs(fun, x0, max_iter=config.n_epochs,
                                max_fun=config.max_fun, tol=config.tol,
                                callback=callback)
    except _NonFinite as exc:
        raise Diverged(current["epoch"], None, exc.loss,
                        [*state.coefs, *state.intercepts], n_layers) from None
    except KeyboardInterrupt:
        protocol.trim()
        return whole_run(state, protocol, current["loss"], "interrupted")
    if result is None:
        return whole_run(state, protocol, current["loss"],
                          current.get("status", "callback"))
    # scipy's final iterate is the last one the callback saw; take it (and
    # its loss) from the result all the same.
    state.coefs, state.intercepts = unpack(result.x)
    if result.status == 0:
        status = "converged"
    elif result.status == 1:
        status = "max_fun" if result.nfev >= config.max_fun else "max_iter"
    else:
        status = "abnormal"
    message = result.message
    if isinstance(message, bytes):  # older scipy
        message = message.decode()
    return whole_run(state, protocol, float(result.fun), status, str(message))


