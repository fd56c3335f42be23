"""The training state: what a ``fit`` or ``partial_fit`` call changes.

A call works on a :class:`State` (a copy of the estimator's fitted
attributes, or fresh weights) and commits it to the estimator only once the
call has succeeded, in one ``__dict__`` update: a diverged, failed or
interrupted call leaves no half-updated model behind.  :data:`FITTED_ATTRIBUTES`
is the one list of what training sets on the estimator.
"""

from __future__ import annotations

import copy

import numpy as np

from ._array_api import copy_arrays

__all__ = ["FITTED_ATTRIBUTES", "VALIDATION_ATTRIBUTES", "State"]

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
