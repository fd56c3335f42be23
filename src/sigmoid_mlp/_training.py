r"""The one training protocol: what every solver does around its steps.

:func:`train` runs one ``fit`` or ``partial_fit`` call.  It looks the solver
up in :data:`SOLVERS` (the one table of what each solver is), lets
:mod:`sigmoid_mlp._engines` pick the objective (which code computes
:math:`J` and its derivatives), and hands both to the solver's driver in
:mod:`sigmoid_mlp._drivers` together with a :class:`Protocol`.  Every driver
reports each epoch (L-BFGS, LM: iteration) through the protocol, which owns

* the **divergence check** (:meth:`Protocol.check`, the rule of
  :func:`sigmoid_mlp._rules.is_divergent` against a threshold far above the
  loss at the start and of the constant prediction),
* the **stopping rule** (:func:`sigmoid_mlp._rules.no_improvement_count` on
  the training loss, or with ``early_stopping`` on the validation loss, whose
  best weights are kept),
* the **atomic commit** of an epoch (:meth:`Protocol.commit`): the weights,
  the solver's state, the counters and the curves change in one update, so
  a ``KeyboardInterrupt`` sees the previous epoch or this one, never a
  mixture; and the per-epoch hooks (``verbose``, scikit-learn callbacks).

The fast full-batch engines fuse epochs when nothing has to run between them
(no validation set, no hooks): they apply the same two rules themselves and
the protocol commits their block at once (:meth:`Protocol.commit_block`).
After the driver, :func:`train` restores the best validation weights
(``early_stopping``), checks the final loss, and refuses a fit that ended
far worse than it started (:class:`TrainingDivergedError` either way; the
estimator is left unchanged).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from . import _drivers, _engines, _network
from ._array_api import all_finite, copy_arrays, device_of, host_vector, namespace_of
from ._callbacks import HAS_CALLBACK_API, Hooks
from ._drivers import Diverged
from ._rules import is_divergent, no_improvement_count
from ._small_data import budget_text, iteration_budget, penalises_intercepts
from ._solvers import Adam, GradientDescent, StochasticGradientDescent
from ._state import State
from ._warnings import warn_user

__all__ = [
    "SOLVERS",
    "Diverged",
    "EpochEnd",
    "Protocol",
    "SolverSpec",
    "TrainingConfig",
    "TrainingDivergedError",
    "Validation",
    "initial_state",
    "plan",
    "prepare_solver",
    "run_call",
    "train",
]

# A step is called divergent when the loss grows beyond this multiple of the
# larger of the loss at the start of the call and the loss of the constant
# (weighted-mean) prediction.  Gradient descent with a stable step size never
# comes near it; an unstable one passes it within a few steps, long before the
# weights overflow.
BLOW_UP_FACTOR = 1e4
# A fit that ends with a loss this many times above both its starting loss and
# the loss of the constant (mean) prediction is reported as unstable: the step
# size made the loss grow and the no-improvement rule stopped a useless model.
UNSTABLE_FACTOR = 10.0


class TrainingDivergedError(ValueError):
    """Training diverged; the estimator was left exactly as before the call.

    Raised by ``fit`` and ``partial_fit`` when the loss (or a weight) becomes
    non-finite or the loss blows up, for every solver; the check runs on
    every mini-batch, so training stops within the epoch in which it happens.
    The estimator's fitted state is not touched (a previously fitted model
    stays intact, an unfitted one stays unfitted).  The last finite weights
    the aborted run reached are kept on the exception.

    Attributes
    ----------
    epoch : int
        The epoch (1-based, counted within the call; for ``'lbfgs'`` and
        ``'lm'`` the iteration) whose step diverged.
    learning_rate : float or None
        The step size in use (None for ``'lbfgs'`` and ``'lm'``, which
        choose their own).
    loss : float
        The offending loss value (``inf`` or ``nan`` or a blown-up value).
    coefs, intercepts : list of ndarray
        The last finite weights reached before the divergent step.
    loss_curve : list of float
        The losses recorded by the call up to the divergent epoch.
    solver : str or None
        The solver that diverged.
    """

    def __init__(self, message, *, epoch, learning_rate, loss, coefs, intercepts,
                 loss_curve, solver=None):
        super().__init__(message)
        self.__dict__.update(
            epoch=epoch, learning_rate=learning_rate, loss=loss, coefs=coefs,
            intercepts=intercepts, loss_curve=loss_curve, solver=solver,
        )


@dataclass
class EpochEnd:
    """What the per-epoch hook learns about a committed epoch.

    Attributes
    ----------
    epoch : int
        1-based epoch (L-BFGS, LM: iteration) within the call.
    loss : float
        Training loss recorded for the epoch (``loss_curve_``'s entry).
    validation_loss, validation_score : float or None
        :math:`J` and :math:`R^2` on the validation set after the epoch.
    learning_rate : float or None
        Step size used in the epoch (None for L-BFGS and LM).
    """

    epoch: int
    loss: float
    validation_loss: float | None
    validation_score: float | None
    learning_rate: float | None


class Validation:
    r"""A held-out set, scored after every epoch.

    ``evaluate`` returns :math:`J_{val}` (the training objective on the
    validation data: weighted squared error plus
    :math:`\frac{\alpha}{2 S_{val}}\sum_l \lVert W^{(l)}\rVert^2`, over the
    intercepts too with ``penalise_intercepts``: the same quantity as
    ``loss_curve_``) and :math:`R^2` (``r2_score``, what
    ``MLPRegressor`` records), from one forward pass.
    """

    def __init__(self, X, y, sample_weight, alpha, penalise_intercepts=False):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.penalise_intercepts = bool(penalise_intercepts)
        self.weight_sum = _engines.weight_sum(X, sample_weight)
        self._xp = namespace_of(y)
        if self._xp is not None:
            # Another library: the same quantities in its namespace; the
            # per-output sums of squares (k numbers) come to the host.
            xp = self._xp
            w = (
                xp.ones_like(y[:, 0]) if sample_weight is None else sample_weight
            )
            w = xp.reshape(w, (-1, 1))
            mean = xp.sum(w * y, axis=0) / xp.sum(w)
            self._total_ss = host_vector(xp.sum(w * (y - mean) ** 2, axis=0))
            self._w = w
            return
        # Denominator of R^2 per output: the weighted total sum of squares.
        w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        mean = np.average(y, axis=0, weights=w)
        self._total_ss = (w[:, None] * (y - mean) ** 2).sum(axis=0)
        self._w = w

    def r2(self, y_pred):
        """``r2_score(y, y_pred, sample_weight)``, outputs averaged uniformly.

        Computed directly (it runs after every epoch); a constant target
        gives 1 for a perfect prediction and 0 otherwise, as ``r2_score``'s
        ``force_finite=True``.
        """
        if self._xp is not None:
            xp = self._xp
            residual_ss = host_vector(
                xp.sum(self._w * (self.y - y_pred) ** 2, axis=0)
            )
        else:
            residual_ss = (self._w[:, None] * (self.y - y_pred) ** 2).sum(axis=0)
        scores = np.ones_like(residual_ss, dtype=np.float64)
        nonzero = self._total_ss != 0
        scores[nonzero] = 1 - residual_ss[nonzero] / self._total_ss[nonzero]
        scores[~nonzero & (residual_ss != 0)] = 0.0
        return float(scores.mean())

    def evaluate(self, coefs, intercepts):
        y_pred = _network.predict(self.X, coefs, intercepts)
        if not all_finite([y_pred]):
            return np.inf, -np.inf
        loss = _network.squared_error(self.y, y_pred, self.sample_weight)
        loss += _network.l2_penalty(coefs, self.alpha, self.weight_sum)
        if self.penalise_intercepts:
            loss += _network.l2_penalty(intercepts, self.alpha, self.weight_sum)
        score = self.r2(y_pred)
        return loss, score


@dataclass(frozen=True)
class TrainingConfig:
    """What a driver needs to know about the call, in one object.

    ``n_epochs`` is ``max_iter`` for ``fit`` and 1 for ``partial_fit``;
    ``check_convergence`` is False for ``partial_fit`` (the stopping rule is
    counted but never stops it); ``start_loss`` is :math:`J` at the start
    weights (computed once, for the divergence threshold); ``regulariser``
    re-estimates ``alpha`` during 'lm' (``alpha='auto'``), else None; ``rule_on_training_loss`` is False for
    'lbfgs', whose convergence test is L-BFGS-B's own (the rule then runs
    only on the validation loss, with ``early_stopping``).
    """

    n_epochs: int
    alpha: float
    tol: float
    n_iter_no_change: float
    early_stopping: bool
    check_convergence: bool
    divergence_threshold: float
    batch_size: int | None = None
    shuffle: bool = True
    max_fun: int = 15000
    rule_on_training_loss: bool = True
    validation: Validation | None = None
    start_loss: float | None = None
    regulariser: object | None = None


_CURVES = ("loss_curve", "validation_loss_curve", "validation_scores")


class Protocol:
    """One call's bookkeeping around a driver: check, rule, commit, report.

    Parameters
    ----------
    state : State
        The training state of the call (committed to the estimator later).
    config : TrainingConfig
    hooks : Hooks or None
        ``verbose`` output and callbacks (None: nothing per epoch).
    """

    def __init__(self, state, config, hooks=None):
        self.state = state
        self.config = config
        self.hooks = hooks
        # Per-epoch work exists: fast engines must not fuse epochs.
        self.per_epoch = config.validation is not None or (
            hooks is not None and hooks.active
        )
        self._begin = hooks.begin if hooks is not None and hooks.ctx is not None else None
        self._end = hooks.end if hooks is not None and hooks.active else None
        self.n_iter_at_call = state.n_iter
        self._curve_lengths = {
            name: len(getattr(state, name))
            for name in _CURVES
            if getattr(state, name) is not None
        }

    def begin(self, epoch):
        """An epoch (iteration) starts: the callbacks' sub-task begins."""
        if self._begin is not None:
            self._begin(epoch)

    def check(self, loss, scale=1.0):
        """Whether ``loss`` (times ``scale``, e.g. a batch's share) diverged."""
        return is_divergent(loss * scale if math.isfinite(loss) else loss,
                            self.config.divergence_threshold)

    def commit(self, epoch, coefs, intercepts, loss, *, solver=None,
               learning_rate=None, n_samples, restart_rule=False):
        """Record a complete epoch in one update; return why to stop, if so.

        Scores the validation set, applies the stopping rule to the monitored
        loss (``solver``'s schedule may react: 'adaptive' lowers its step size
        and carries on), appends to the curves and replaces weights, solver,
        counters and best values together.  Returns ``'callback'`` (a
        callback asked to stop), ``'converged'`` (the rule fired) or None.
        ``restart_rule`` sets the rule's count back to 0 (the objective itself
        changed, as under ``alpha='auto'``).
        """
        state, config = self.state, self.config
        updates = {}
        validation_loss = validation_score = None
        monitored = loss if config.rule_on_training_loss else None
        previous_best = state.best_loss
        if config.validation is not None:
            validation_loss, validation_score = config.validation.evaluate(
                coefs, intercepts
            )
            if config.early_stopping:
                monitored, previous_best = validation_loss, state.best_validation_loss
            if validation_loss < state.best_validation_loss:
                # Arrays are never modified in place: keeping references is safe.
                updates.update(
                    best_validation_loss=validation_loss,
                    best_validation_score=validation_score,
                    best_coefs=list(coefs),
                    best_intercepts=list(intercepts),
                )
        count = state.no_improvement_count
        stop = False
        t = state.t + n_samples
        if monitored is not None:
            count = no_improvement_count(count, monitored, previous_best, config.tol)
        if restart_rule:
            count = 0
        if solver is not None:
            solver.epoch_ends(t)
            updates["solver"] = solver
        if count > config.n_iter_no_change:
            if solver is None or solver.no_improvement():
                stop = config.check_convergence
            else:
                count = 0
        updates.update(
            coefs=coefs,
            intercepts=intercepts,
            n_iter=state.n_iter + 1,
            t=t,
            best_loss=min(state.best_loss, loss),
            no_improvement_count=count,
        )
        # The curves grow by appending (copying them every epoch would cost
        # O(epochs^2)); an interrupt before the update below trims them back
        # to the committed epochs (see trim).
        state.loss_curve.append(loss)
        if state.validation_loss_curve is not None:
            state.validation_loss_curve.append(validation_loss)
            state.validation_scores.append(validation_score)
        state.__dict__.update(updates)
        if self._end is not None and self._end(
            EpochEnd(epoch, loss, validation_loss, validation_score, learning_rate)
        ):
            return "callback"
        return "converged" if stop else None

    def commit_block(self, coefs, intercepts, losses, best_loss, count, n_samples):
        """Record epochs a fast engine ran fused (no per-epoch work), at once."""
        state = self.state
        done = len(losses)
        state.__dict__.update(
            coefs=coefs,
            intercepts=intercepts,
            loss_curve=state.loss_curve + losses,
            n_iter=state.n_iter + done,
            t=state.t + done * n_samples,
            best_loss=best_loss,
            no_improvement_count=count,
        )

    def trim(self):
        """After an interrupt: one curve entry per committed epoch, no more."""
        committed = self.state.n_iter - self.n_iter_at_call
        for name, length in self._curve_lengths.items():
            del getattr(self.state, name)[length + committed:]


@dataclass(frozen=True)
class SolverSpec:
    """What the estimator needs to know about one solver.

    Attributes
    ----------
    make : callable or None
        ``make(est) -> step rule`` (:mod:`._solvers`); None for whole-run
        drivers ('lbfgs', 'lm'), which choose their own steps.
    state_keys : tuple of str
        Hyperparameters the step rule's state belongs to: when one changes,
        a warm start or ``partial_fit`` starts a fresh step rule.
    driver : callable
        ``driver(state, objective, X, y, sample_weight, config, protocol)``
        in :mod:`._drivers`, or None when :func:`plan` decides per call.
    host_only : bool
        Runs on numpy arrays only (no Array API dispatch).
    has_partial_fit : bool
    name : str
        For messages.
    """

    make: Callable | None
    state_keys: tuple
    driver: Callable | None
    host_only: bool
    has_partial_fit: bool
    name: str


def _make_gd(est):
    return GradientDescent(float(est.learning_rate), est.learning_rate_schedule,
                           est.power_t)


def _make_sgd(est):
    return StochasticGradientDescent(
        float(est.learning_rate), est.learning_rate_schedule, est.power_t,
        est.momentum, bool(est.nesterovs_momentum),
    )


def _make_adam(est):
    return Adam(float(est.learning_rate), est.beta_1, est.beta_2, est.epsilon)


_SCHEDULE = ("learning_rate", "learning_rate_schedule", "power_t")
SOLVERS = {
    "gd": SolverSpec(_make_gd, _SCHEDULE, None, False, True, "gradient descent"),
    "sgd": SolverSpec(_make_sgd, (*_SCHEDULE, "momentum", "nesterovs_momentum"),
                      _drivers.run_epochs, False, True, "SGD"),
    "adam": SolverSpec(_make_adam, ("learning_rate", "beta_1", "beta_2", "epsilon"),
                       _drivers.run_epochs, False, True, "Adam"),
    "lbfgs": SolverSpec(None, (), _drivers.run_lbfgs, True, False, "L-BFGS"),
    "lm": SolverSpec(None, (), _drivers.run_lm, True, False, "Levenberg-Marquardt"),
}


def plan(solver, X, y, sample_weight, alpha, layer_sizes, *,
         learning_rate_schedule="constant", penalise_intercepts=False):
    """Which driver and which objective run a call: the one place that decides.

    Returns ``(driver, objective)``; ``objective.engine`` names the engine
    (:mod:`._engines`).  Full-batch 'gd' with a constant step size on numpy
    or scipy.sparse data runs the fast full-batch driver on
    :func:`._engines.full_batch`; 'lm' gets :func:`._engines.gauss_newton`;
    'sgd', 'adam' and scheduled 'gd' run their epochs on
    :func:`._engines.mini_batch` (the mini-batch engine on numpy data, the
    reference batches on other libraries); 'lbfgs' the reference objective.
    """
    numpy_data = isinstance(y, np.ndarray)
    if solver == "lm":
        return _drivers.run_lm, _engines.gauss_newton(
            X, y, sample_weight, alpha, layer_sizes, X.dtype,
            penalise_intercepts=penalise_intercepts,
        )
    if solver == "gd" and learning_rate_schedule == "constant" and numpy_data:
        return _drivers.run_full_batch_gd, _engines.full_batch(
            X, y, sample_weight, alpha, layer_sizes
        )
    driver = SOLVERS[solver].driver or _drivers.run_epochs
    if driver is _drivers.run_epochs:
        return driver, _engines.mini_batch(X, y, sample_weight, alpha, layer_sizes)
    return driver, _engines.reference(X, y, sample_weight, alpha)


def solver_signature(est):
    """The hyperparameters the estimator's step rule's state belongs to."""
    return (est.solver, *(getattr(est, k) for k in SOLVERS[est.solver].state_keys))


def make_solver(est):
    """A fresh step rule for ``est.solver`` (None for 'lbfgs' and 'lm')."""
    make = SOLVERS[est.solver].make
    return None if make is None else make(est)


def prepare_solver(est, state, *, restart):
    """Reuse the step rule's state when its hyperparameters are unchanged."""
    key = solver_signature(est)
    if state.solver is None or state.solver_key != key:
        state.solver = make_solver(est)
        state.solver_key = key
        restart = True
    if restart and state.solver is not None:
        state.solver.restart_schedule(state.t)


def initial_state(est, hidden, X, y, random_state=None):
    """A fresh training state: Glorot-uniform weights in ``X``'s library."""
    rng = check_random_state(est.random_state if random_state is None
                             else random_state)
    layer_sizes = [X.shape[1], *hidden, y.shape[1]]
    xp = namespace_of(X)
    if xp is None:
        coefs, intercepts = _network.init_weights(layer_sizes, rng, X.dtype)
    else:
        # Drawn by numpy (the same weights as for numpy data), then moved
        # once to X's library and device.
        coefs, intercepts = _network.init_weights(
            layer_sizes, rng, X.dtype, xp=xp, device=device_of(X)
        )
    state = State(coefs, intercepts, make_solver(est), rng)
    state.solver_key = solver_signature(est)
    return state


def run_call(est, state, X, y, sample_weight, validation, *, fit_call, stacklevel,
             finish=None, remove=()):
    """One ``fit``/``partial_fit`` call: callbacks around :func:`train`, commit.

    The estimator's fitted attributes change only here, in one update
    (``state.commit``), after :func:`train` succeeded and after
    ``finish(state)`` (which may change the state and returns extra fitted
    attributes: the evidence and target scaling of :mod:`._small_data`;
    the attributes named in ``remove`` go in the same update);
    warnings (interrupt, iteration limits) point ``stacklevel`` frames up,
    at the caller.
    """
    n_epochs = iteration_budget(est) if fit_call else 1
    ctx = None
    metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
    if HAS_CALLBACK_API:
        max_subtasks = n_epochs + 1 if est.solver == "lbfgs" else n_epochs
        root = est._init_callback_context(max_subtasks=max_subtasks)
        root.call_on_fit_task_begin(estimator=est, X=X, y=y, metadata=metadata)
        if getattr(est, "_skl_callbacks", None):
            ctx = root
    host_only = SOLVERS[est.solver].host_only
    task = f"{est.solver}-iteration" if host_only else "epoch"
    hooks = Hooks(est, state, ctx, X, y, metadata, task)
    try:
        status = train(est, state, X, y, sample_weight, validation,
                       n_epochs=n_epochs, fit_call=fit_call, hooks=hooks)
    finally:
        hooks.close()
    if status == "interrupted" and not fit_call:
        raise KeyboardInterrupt
    extra = {} if finish is None else finish(state)
    state.commit(est, fit_call=fit_call, extra=extra, remove=remove)
    message = None
    if status == "interrupted":
        warn_user(
            f"Training interrupted (KeyboardInterrupt) after {state.n_iter} "
            "epochs in all; the model keeps the weights of the last complete "
            "epoch" + (" with the best validation loss" if est.early_stopping
                       else "") + ".",
            UserWarning,
        )
    elif fit_call and status in ("max_iter", "max_fun") and host_only:
        limit = (f"maximum number of iterations ({budget_text(est)})"
                 if status == "max_iter" else
                 f"maximum number of function evaluations (max_fun={est.max_fun})")
        message = (f"SigmoidMLPRegressor(solver={est.solver!r}) stopped at its "
                   f"{limit} before converging; raise it, or scale the inputs.")
    elif fit_call and status == "max_iter":
        message = (
            f"SigmoidMLPRegressor: maximum iterations ({budget_text(est)}) "
            "reached and the optimization hasn't converged yet; raise "
            "max_iter, raise learning_rate, or scale the inputs."
        )
    elif fit_call and status == "abnormal":
        message = ("SigmoidMLPRegressor(solver='lbfgs') stopped before "
                   f"converging: {state.message}")
    if message is not None:
        warn_user(message, ConvergenceWarning)
    if HAS_CALLBACK_API:
        root.call_on_fit_task_end(
            estimator=est, X=X, y=y, metadata=metadata,
            reconstruction_attributes={},
        )


def train(est, state, X, y, sample_weight, validation, *, n_epochs, fit_call,
          hooks):
    """Run ``est.solver`` on ``state`` for one call; return the run's status.

    Raises :class:`TrainingDivergedError` (``state`` may then be partly
    trained, but the caller commits nothing).
    """
    layer_sizes = [state.coefs[0].shape[0], *(c.shape[1] for c in state.coefs)]
    # alpha='auto': the regulariser on the state holds the current alpha
    regulariser = state.regulariser
    alpha = float(est.alpha if regulariser is None else regulariser.alpha)
    batch_size = (
        X.shape[0] if est.solver == "gd"
        else min(200, X.shape[0]) if est.batch_size is None
        else est.batch_size
    )
    driver, objective = plan(
        est.solver, X, y, sample_weight, alpha, layer_sizes,
        learning_rate_schedule=est.learning_rate_schedule,
        penalise_intercepts=penalises_intercepts(est),
    )
    state.engine = objective.engine
    if est.verbose and est.verbose > 1:
        print(f"{est.solver}: {_engines.describe(objective)}", flush=True)
    if isinstance(y, np.ndarray):
        tiny = np.finfo(X.dtype).tiny
    else:
        tiny = float(namespace_of(y).finfo(X.dtype).smallest_normal)
    start_loss = float(_loss_at(objective, state.coefs, state.intercepts))
    reference = max(
        float(objective.constant_prediction_loss()),
        start_loss if np.isfinite(start_loss) else 0.0,
        tiny,
    )
    threshold = BLOW_UP_FACTOR * reference
    config = TrainingConfig(
        n_epochs=n_epochs,
        alpha=alpha,
        tol=est.tol,
        n_iter_no_change=est.n_iter_no_change,
        early_stopping=bool(est.early_stopping),
        check_convergence=fit_call,
        divergence_threshold=threshold,
        batch_size=batch_size,
        shuffle=bool(est.shuffle),
        max_fun=est.max_fun,
        rule_on_training_loss=est.solver != "lbfgs",
        validation=validation,
        start_loss=start_loss,
        regulariser=regulariser,
    )
    protocol = Protocol(state, config, hooks)
    n_before = len(state.loss_curve)
    try:
        run = driver(state, objective, X, y, sample_weight, config, protocol)
    except Diverged as exc:
        curve = state.loss_curve[n_before:] + (exc.loss_curve or [])
        raise _diverged_error(est.solver, exc.epoch, exc.learning_rate, exc.loss,
                              exc.coefs, exc.intercepts, curve) from None
    state.message = run.message
    final = run.final_loss
    if est.early_stopping and state.best_coefs is not None:
        state.coefs, state.intercepts = state.best_coefs, state.best_intercepts
        final = None
    if final is None:
        final = _loss_at(objective, state.coefs, state.intercepts)
    final = float(final)
    curve = state.loss_curve[n_before:]
    if is_divergent(final, threshold):
        n_layers = len(state.coefs)
        raise _diverged_error(
            est.solver, *run.last_step, final, run.previous[:n_layers],
            run.previous[n_layers:], curve,
        )
    if fit_call and final > UNSTABLE_FACTOR * reference:
        raise _unstable_error(est.solver, final, reference, run.last_step,
                              state.coefs, state.intercepts, curve)
    state.loss = final
    return run.status


def _loss_at(objective, coefs, intercepts):
    """:math:`J` at list-of-arrays weights, whatever the objective's layout."""
    if isinstance(objective, _engines.GaussNewtonSystem):
        return objective.loss(_network.pack(coefs, intercepts).astype(np.float64))
    return objective.loss(coefs, intercepts)


def _unstable_error(solver, final, reference, last_step, coefs, intercepts,
                    loss_curve):
    """A fit must not end worse than where it started and than the mean.

    An unstable step size can make the loss grow by orders of magnitude and
    then oscillate, finite but useless, until the no-improvement rule
    stops training.  ``reference`` is the larger of the loss at the start
    of the call and the loss of predicting the (weighted) mean of ``y``;
    ending ``UNSTABLE_FACTOR`` times above both means training made the
    model far worse than trivial.  (A smaller excess can be the transient
    oscillation of a short run and is left to the user.)
    """
    epoch, learning_rate = last_step
    return _error(
        f"Training became unstable with solver={solver!r} and "
        f"learning_rate={learning_rate!r}: after {len(loss_curve)} epochs of this "
        f"call the loss is {final!r}, more than {UNSTABLE_FACTOR:g} times the "
        "larger of the loss at the start of the call and that of predicting "
        f"the mean of y ({reference!r}). The step size is too large for this data; lower "
        "learning_rate (e.g. by a factor of 10) and standardise the inputs "
        "(sklearn.preprocessing.StandardScaler). The estimator was left "
        "unchanged.",
        solver, epoch, learning_rate, final, coefs, intercepts, loss_curve,
    )


def _diverged_error(solver, epoch, learning_rate, loss, coefs, intercepts,
                    loss_curve):
    spec = SOLVERS[solver]
    if spec.make is None:
        name = spec.name
        detail = (
            f"in {name} iteration {epoch} of this call with "
            f"solver={solver!r}: the loss or its gradient became "
            f"{loss!r}. {name} chooses its own "
            "step sizes, so the inputs or targets are too large for the sigmoid "
            "network; standardise them (sklearn.preprocessing.StandardScaler)."
        )
    else:
        detail = (
            f"in epoch {epoch} of this call with solver={solver!r} and "
            f"learning_rate={learning_rate!r}: the loss became {loss!r}. The "
            "step size is too large for this data; lower learning_rate (e.g. "
            "by a factor of 10) and standardise the inputs "
            "(sklearn.preprocessing.StandardScaler)."
        )
    return _error(
        f"Training diverged {detail} The estimator was left unchanged.",
        solver, epoch, learning_rate, loss, coefs, intercepts, loss_curve,
    )


def _error(message, solver, epoch, learning_rate, loss, coefs, intercepts,
           loss_curve):
    return TrainingDivergedError(
        message, epoch=epoch, learning_rate=learning_rate, loss=loss,
        coefs=copy_arrays(coefs), intercepts=copy_arrays(intercepts),
        loss_curve=list(loss_curve), solver=solver,
    )
