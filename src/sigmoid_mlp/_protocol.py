r"""The training protocol: the contract every driver and engine reports through.

One ``fit`` or ``partial_fit`` call trains a :class:`State` (a copy of the
estimator's fitted attributes, or fresh weights) and commits it to the
estimator only once the call has succeeded.  In between, every driver
(:mod:`sigmoid_mlp._drivers`) reports each epoch (L-BFGS, LM: iteration)
through a :class:`Protocol`, which owns

* the **divergence rule** (:func:`is_divergent` against a threshold far above
  the loss at the start and of the constant prediction) and its signal,
  :class:`Diverged`, raised with the last finite weights;
* the **stopping rule** (:func:`no_improvement_count` on the training loss,
  or with ``early_stopping`` on the validation loss, whose best weights are
  kept);
* the **atomic commit** of an epoch (:meth:`Protocol.commit`): the weights,
  the solver's state, the counters and the curves change in one update, so
  a ``KeyboardInterrupt`` sees the previous epoch or this one, never a
  mixture; and the per-epoch hooks (:class:`Hooks`: ``verbose``,
  scikit-learn's callbacks).

The two rules are plain functions of floats, so the compiled engines
(:mod:`sigmoid_mlp._compiled`) compile these very functions; engines that
fuse epochs apply them themselves and the protocol commits the block at
once (:meth:`Protocol.commit_block`).  This module imports nothing of the
training code above it: engines and drivers depend on it, not the reverse.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass

import numpy as np

from . import _network
from ._network import all_finite, copy_arrays, host_vector, namespace_of

try:  # scikit-learn >= 1.9: the callback API (sklearn.callback)
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    HAS_CALLBACK_API = True
except ImportError:  # older scikit-learn: no callbacks, everything else works
    HAS_CALLBACK_API = False

    class CallbackSupportMixin:
        """Stand-in: no callback support before scikit-learn 1.9."""

        pass

    def with_callbacks(method):
        return method


__all__ = [
    "BLOW_UP_FACTOR",
    "FITTED_ATTRIBUTES",
    "HAS_CALLBACK_API",
    "VALIDATION_ATTRIBUTES",
    "CallbackSupportMixin",
    "Diverged",
    "EpochEnd",
    "GDProgress",
    "Hooks",
    "Protocol",
    "RunResult",
    "State",
    "TrainingConfig",
    "TrainingDivergedError",
    "Validation",
    "is_divergent",
    "no_improvement_count",
    "whole_run",
    "with_callbacks",
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


# ---- the two rules (compiled as they are by the compiled engines)

def no_improvement_count(count, monitored, best, tol):
    """``MLPRegressor``'s stopping rule, one epoch at a time.

    An epoch is *bad* when the monitored loss does not beat the best so far by
    at least ``tol``; the count of consecutive bad epochs is returned (training
    stops once it exceeds ``n_iter_no_change``).
    """
    if monitored > best - tol:
        return count + 1
    return 0


def is_divergent(loss, threshold):
    """A loss that is not finite, or that blew up past ``threshold``."""
    return not math.isfinite(loss) or loss > threshold


class Diverged(Exception):
    """A step made the loss (or the weights) non-finite or blow up.

    Attributes
    ----------
    epoch : int
        1-based epoch (L-BFGS, LM: iteration) within the call.
    loss : float
        The offending loss value.
    learning_rate : float or None
        The step size in use (None for L-BFGS and LM).
    coefs, intercepts : list of ndarray
        The last finite weights before the divergent step.
    loss_curve : list of float or None
        Losses of the call not yet in the state (fused epochs), if any.
    """

    def __init__(self, epoch, learning_rate, loss, params, n_layers,
                 loss_curve=None):
        super().__init__(epoch, loss)
        self.epoch = epoch
        self.loss = loss
        self.learning_rate = learning_rate
        self.coefs = list(params[:n_layers])
        self.intercepts = list(params[n_layers:])
        self.loss_curve = loss_curve


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
        self.weight_sum = _network.weight_sum(X, sample_weight)
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
    only on the validation loss, with ``early_stopping``); ``block`` is the
    plan's epochs per engine call (:attr:`sigmoid_mlp._plan.Plan.block`).
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
    block: int = 0


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
        self._begin = hooks.begin if hooks is not None and hooks.ctx is not None else None
        self._end = hooks.end if hooks is not None and hooks.active else None
        # whether begin does anything (callbacks): the mini-batch loop skips
        # the call otherwise
        self.has_begin = self._begin is not None
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



@dataclass
class RunResult:
    """How a driver ended.

    Attributes
    ----------
    status : {'converged', 'max_iter', 'max_fun', 'abnormal', 'interrupted',
              'callback'}
    previous : list of ndarray
        The weights before the last step (the last finite weights, should the
        final weights turn out to diverge).
    last_step : tuple
        ``(epoch, learning_rate)`` of the last step taken.
    final_loss : float or None
        :math:`J` at the final weights when known without another pass.
    message : str
        The optimiser's own message (L-BFGS), else empty.
    """

    status: str
    previous: list
    last_step: tuple
    final_loss: float | None = None
    message: str = ""


def whole_run(state, protocol, final_loss, status, message=""):
    """The result of a driver that chooses its own steps (L-BFGS, LM)."""
    return RunResult(status, [*state.coefs, *state.intercepts],
                     (state.n_iter - protocol.n_iter_at_call, None), final_loss,
                     message)



# ---- the state a call trains, and its one-update commit

# What training sets on the estimator, each from the State field of the same
# name without the trailing underscore (private ones: without the leading one).
FITTED_ATTRIBUTES = (
    "coefs_", "intercepts_", "n_outputs_", "n_layers_", "n_iter_", "t_",
    "loss_", "loss_curve_", "best_loss_", "_solver", "_solver_key", "_rng",
    "_no_improvement_count", "_engine",
)


# Set by a call that monitors a validation set; reset to None by a fit
# without one.
VALIDATION_ATTRIBUTES = (
    "validation_loss_curve_", "validation_scores_", "best_validation_loss_",
    "best_validation_score_",
)


class State:
    """Everything training changes, so a call can work on a copy and commit it.

    Weight arrays are never modified in place by the training loops (every
    step makes new arrays), so copying the lists is enough.
    """

    def __init__(self, coefs, intercepts, solver, rng):
        self.coefs = coefs
        self.intercepts = intercepts
        self.solver = solver
        self.solver_key = None
        self.rng = rng
        self.n_iter = 0
        self.t = 0
        self.loss = None
        self.loss_curve = []
        self.best_loss = np.inf
        self.no_improvement_count = 0
        # validation bookkeeping of the current call (None: leave the
        # estimator's validation attributes as they are)
        self.validation_loss_curve = None
        self.validation_scores = None
        self.best_validation_loss = np.inf
        self.best_validation_score = None
        self.best_coefs = None
        self.best_intercepts = None
        self.message = ""  # why the solver stopped, when it says (L-BFGS)
        self.engine = None  # the engine of the last call (_engines)
        self.regulariser = None  # alpha='auto': an _evidence.EvidenceRegulariser
        # 'lm': (system, x, J, curvature) at the final weights of the run
        self.gauss_newton = None

    @classmethod
    def from_estimator(cls, est):
        state = cls(
            list(est.coefs_),
            list(est.intercepts_),
            None if est._solver is None else est._solver.copy(),
            copy.deepcopy(est._rng),
        )
        state.solver_key = est._solver_key
        state.n_iter = est.n_iter_
        state.t = est.t_
        state.loss = est.loss_
        state.loss_curve = list(est.loss_curve_)
        state.best_loss = est.best_loss_
        state.no_improvement_count = est._no_improvement_count
        state.engine = getattr(est, "_engine", None)
        return state

    def start_validation(self):
        self.validation_loss_curve = []
        self.validation_scores = []
        self.best_validation_loss = np.inf
        self.best_validation_score = None
        self.best_coefs = None
        self.best_intercepts = None

    def attributes(self):
        """The fitted attributes this state stands for (weights copied)."""
        values = dict(
            coefs_=copy_arrays(self.coefs),
            intercepts_=copy_arrays(self.intercepts),
            n_outputs_=self.coefs[-1].shape[1],
            n_layers_=len(self.coefs) + 1,
            n_iter_=self.n_iter,
            t_=self.t,
            loss_=self.loss,
            loss_curve_=self.loss_curve,
            best_loss_=self.best_loss,
            _solver=self.solver,
            _solver_key=self.solver_key,
            _rng=self.rng,
            _no_improvement_count=self.no_improvement_count,
            _engine=self.engine,
        )
        return {name: values[name] for name in FITTED_ATTRIBUTES}

    def commit(self, est, *, fit_call, extra=None, remove=()):
        """Set the fitted attributes (and ``extra`` ones) on ``est`` in one update.

        The attributes named in ``remove`` (those of an earlier fit that no
        longer describe the model) go in the same update.
        """
        # One dict update, so a KeyboardInterrupt cannot leave a half-committed
        # model behind.
        attrs = self.attributes()
        if self.validation_loss_curve is not None:
            values = (self.validation_loss_curve, self.validation_scores,
                      self.best_validation_loss, self.best_validation_score)
            attrs.update(zip(VALIDATION_ATTRIBUTES, values))
        elif fit_call:
            attrs.update(dict.fromkeys(VALIDATION_ATTRIBUTES))
        attrs.update(extra or {})
        if not remove:
            est.__dict__.update(attrs)
            return
        new = {**est.__dict__, **attrs}
        for name in remove:
            new.pop(name, None)
        est.__dict__ = new  # one assignment: the old state or the new one


# ---- per-epoch reporting: verbose lines and scikit-learn's callbacks

class Hooks:
    """Per-epoch work around the training loops: verbose output and callbacks.

    With scikit-learn >= 1.9 and callbacks set (directly or propagated by a
    meta-estimator such as ``Pipeline`` or ``GridSearchCV``), every epoch
    (L-BFGS, LM: iteration) is a callback sub-task of the ``fit`` task; its
    ``on_fit_task_end`` hooks receive a ``fitted_estimator`` holding the
    weights after the epoch, and any of them returning True stops training.
    """

    def __init__(self, est, state, ctx, X, y, metadata, task_name):
        self.est = est
        self.state = state
        self.ctx = ctx
        self.X = X
        self.y = y
        self.metadata = metadata
        self.task_name = task_name
        self.subtask = None
        self.start = time.perf_counter()

    @property
    def active(self):
        """Whether anything runs per epoch (else loops may fuse epochs)."""
        return bool(self.est.verbose) or self.ctx is not None

    def _attributes(self):
        state = self.state
        return {
            "coefs_": copy_arrays(state.coefs),
            "intercepts_": copy_arrays(state.intercepts),
            "n_iter_": state.n_iter,
            "t_": state.t,
            "loss_curve_": list(state.loss_curve),
        }

    def begin(self, epoch):
        if self.ctx is None:
            return
        self.subtask = self.ctx.subcontext(task_name=self.task_name)
        self.subtask.call_on_fit_task_begin(
            estimator=self.est, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=self._attributes,
        )

    def end(self, info):
        """Report a committed epoch; True when a callback asks to stop."""
        if self.est.verbose:
            line = f"Epoch {self.state.n_iter}: loss = {info.loss:.8g}"
            if info.validation_loss is not None:
                line += f", validation loss = {info.validation_loss:.8g}"
            elapsed = time.perf_counter() - self.start
            print(f"{line}, elapsed = {elapsed:.3f}s", flush=True)
        if self.subtask is None:
            return False
        subtask, self.subtask = self.subtask, None
        return subtask.call_on_fit_task_end(
            estimator=self.est, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=self._attributes,
        )

    def close(self):
        """End a sub-task that was begun but never ran to its end."""
        if self.subtask is not None:
            subtask, self.subtask = self.subtask, None
            subtask.call_on_fit_task_end(estimator=self.est)

