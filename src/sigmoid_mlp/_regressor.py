"""``SigmoidMLPRegressor``: validation, initialisation and the training loop.

The mathematics lives in :mod:`sigmoid_mlp._network` (forward pass, loss,
backward pass), the stepping rules in :mod:`sigmoid_mlp._solvers` and the
general epoch loop in :mod:`sigmoid_mlp._training`; this module checks inputs,
keeps the fitted state and runs

    forward pass -> backward pass -> step, repeated

as the deck describes.  Plain full-batch gradient descent with a constant step
size runs in the fast loop of :mod:`sigmoid_mlp._kernels`.
"""

from __future__ import annotations

import contextlib
import copy
import numbers
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _evidence, _network
from ._kernels import FullBatchLossGradient, run_full_batch_gd
from ._solvers import SCHEDULES, Adam, GradientDescent, StochasticGradientDescent
from ._training import (
    Diverged,
    GaussNewtonSystem,
    NamespaceLossGradient,
    Validation,
    _total,
    run_epochs,
    run_lbfgs,
    run_lm,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

try:  # scikit-learn >= 1.9: the callback API (sklearn.callback)
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    _HAS_CALLBACK_API = True
except ImportError:  # older scikit-learn: no callbacks, everything else works
    _HAS_CALLBACK_API = False

    class CallbackSupportMixin:
        """Stand-in: no callback support before scikit-learn 1.9."""

        pass

    def with_callbacks(method):
        return method


__all__ = [
    "ForwardPass",
    "LossGradient",
    "SigmoidMLPRegressor",
    "TrainingDivergedError",
]

SOLVERS = ("gd", "sgd", "adam", "lbfgs", "lm")
# Solvers that run on the host with numpy arrays only and have no partial_fit.
_HOST_SOLVERS = ("lbfgs", "lm")
_SOLVER_NAMES = {"lbfgs": "L-BFGS", "lm": "Levenberg-Marquardt"}

# Warnings from _run point at the caller of fit/partial_fit: one frame more
# when sklearn's callback decorator wraps them.
_WARN_STACKLEVEL = 4 if _HAS_CALLBACK_API else 3

# A step is called divergent when the loss grows beyond this multiple of the
# larger of the loss at the start of the call and the loss of the constant
# (weighted-mean) prediction.  Gradient descent with a stable step size never
# comes near it; an unstable one passes it within a few steps, long before the
# weights overflow.
_BLOW_UP_FACTOR = 1e4
# A fit that ends with a loss this many times above both its starting loss and
# the loss of the constant (mean) prediction is reported as unstable: the step
# size made the loss grow and the no-improvement rule stopped a useless model.
_UNSTABLE_FACTOR = 10.0
# solver='lm' with max_iter='auto' runs at most this many iterations (the
# default of MATLAB's trainlm and trainbr); the other solvers 50000 epochs.
_LM_AUTO_MAX_ITER = 1000
_AUTO_MAX_ITER = 50000
# solver='lm' warns above this many weights: one iteration costs about
# _LM_SECONDS_PER_FLOP * (n k p^2 + p^3) seconds (measured: p = 1001, n = 1000
# took 0.49 s per iteration, p = 2001 took 1.9 s, on 2 shared cores).
_LM_WARN_WEIGHTS = 1000
_LM_SECONDS_PER_FLOP = 2.5e-10
# Fitted attributes of the evidence (solver='lm'); removed by fits that do not
# define them.
_EVIDENCE_ATTRIBUTES = ("alpha_", "noise_variance_", "effective_n_params_",
                        "log_evidence_", "_posterior_factor", "_posterior_beta")


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
        self.epoch = epoch
        self.learning_rate = learning_rate
        self.loss = loss
        self.coefs = coefs
        self.intercepts = intercepts
        self.loss_curve = loss_curve
        self.solver = solver



@dataclass(frozen=True)
class ForwardPass:
    """Every intermediate value of a forward pass (the deck's steps 1-5).

    Attributes
    ----------
    pre_activations : list of ndarray
        ``z^(l) = a^(l-1) W^(l) + b^(l)`` for every layer ``l = 1 .. L``, each of
        shape ``(n_samples, fan_out)``; the last one is the output before the
        (identity) output activation.
    activations : list of ndarray
        ``[X, g(z^(1)), ..., g(z^(L-1))]``: the inputs, then every hidden
        layer's activation.
    output : ndarray
        The prediction ``ŷ``, shaped as :meth:`SigmoidMLPRegressor.predict`
        returns it.
    """

    pre_activations: list
    activations: list
    output: np.ndarray


class LossGradient(NamedTuple):
    """The loss at the current weights and its gradient, in the weights' layout.

    Attributes
    ----------
    loss : float
        ``J(w)``, including the L2 term when ``alpha > 0``.
    coef_grads : list of ndarray
        ``∂J/∂coefs_[l]``, same shapes as ``coefs_``.
    intercept_grads : list of ndarray
        ``∂J/∂intercepts_[l]``, same shapes as ``intercepts_``.
    """

    loss: float
    coef_grads: list
    intercept_grads: list




class _State:
    """Everything training changes, so a call can work on a copy and commit it.

    ``fit`` and ``partial_fit`` never touch the estimator's attributes until
    the call has succeeded: a diverged or failed call therefore leaves no
    half-updated model behind.  Weight arrays are never modified in place by
    the training loops (every step makes new arrays), so copying the lists is
    enough.
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
        # alpha='auto': the EvidenceRegulariser run_lm updates (else None)
        self.regulariser = None

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
        return state

    def start_validation(self):
        self.validation_loss_curve = []
        self.validation_scores = []
        self.best_validation_loss = np.inf
        self.best_validation_score = None
        self.best_coefs = None
        self.best_intercepts = None

    def commit(self, est, *, fit_call):
        # One dict update, so a KeyboardInterrupt cannot leave a half-committed
        # model behind.
        attrs = {
            "coefs_": _copy_arrays(self.coefs),
            "intercepts_": _copy_arrays(self.intercepts),
            "n_outputs_": self.coefs[-1].shape[1],
            "n_layers_": len(self.coefs) + 1,
            "_solver": self.solver,
            "_solver_key": self.solver_key,
            "_rng": self.rng,
            "n_iter_": self.n_iter,
            "t_": self.t,
            "loss_": self.loss,
            "loss_curve_": self.loss_curve,
            "best_loss_": self.best_loss,
            "_no_improvement_count": self.no_improvement_count,
        }
        if self.validation_loss_curve is not None:
            attrs.update(
                validation_loss_curve_=self.validation_loss_curve,
                validation_scores_=self.validation_scores,
                best_validation_loss_=self.best_validation_loss,
                best_validation_score_=self.best_validation_score,
            )
        elif fit_call:
            attrs.update(
                validation_loss_curve_=None,
                validation_scores_=None,
                best_validation_loss_=None,
                best_validation_score_=None,
            )
        est.__dict__.update(attrs)


class _Hooks:
    """Per-epoch work around the training loops: verbose output and callbacks.

    With scikit-learn >= 1.9 and callbacks set (directly or propagated by a
    meta-estimator such as ``Pipeline`` or ``GridSearchCV``), every epoch
    (L-BFGS: iteration) is a callback sub-task of the ``fit`` task; its
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
        return bool(self.est.verbose) or self.ctx is not None

    def _attributes(self):
        state = self.state
        return {
            "coefs_": _copy_arrays(state.coefs),
            "intercepts_": _copy_arrays(state.intercepts),
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


class SigmoidMLPRegressor(CallbackSupportMixin, RegressorMixin, BaseEstimator):
    r"""Multilayer perceptron regressor with sigmoid hidden units.

    The network of the lecture deck, generalised: inputs, one or more hidden
    layers of logistic (sigmoid) units :math:`g(z) = 1/(1+e^{-z})`, and a
    linear output layer.  It minimises the deck's cost

    .. math:: J(\mathbf w) = \frac{1}{2S}\sum_{i=1}^n w_i \lVert y_i - \hat y_i\rVert^2
              \;+\; \frac{\alpha}{2S}\sum_l \lVert W^{(l)}\rVert_F^2,
              \qquad S = \sum_i w_i,

    (:math:`w_i = 1` and :math:`S = n` without sample weights, and
    :math:`\alpha = 0` by default, which is exactly the deck's
    :math:`J = \frac{1}{2n}\sum_i (y_i - \hat y_i)^2`), with gradients from the
    deck's hand-derived chain rule (the backpropagation formulas in
    :mod:`sigmoid_mlp._network`).  Every solver uses that same gradient; they
    differ only in how they step with it.  By default the solver is the
    deck's full-batch gradient descent,
    :math:`w := w - \text{learning\_rate}\cdot\partial J/\partial w`.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(3,)
        Number of sigmoid units per hidden layer.  The default is the deck's
        network: three hidden units.
    solver : {'gd', 'sgd', 'adam', 'lbfgs', 'lm'}, default='gd'
        How to step with the gradient :math:`g = \nabla J`:

        - ``'gd'``: the deck's full-batch gradient descent,
          :math:`w \leftarrow w - \eta_t\, g` with :math:`g` the gradient of
          :math:`J` on the whole training set; one step per epoch.
        - ``'sgd'``: mini-batch stochastic gradient descent with momentum.
          Each epoch splits the training set into batches :math:`B` of
          ``batch_size`` samples (in a new random order per epoch when
          ``shuffle``) and steps once per batch with the gradient of
          :math:`J_B` (the cost on the batch, normalised by the batch's
          :math:`S_B`): :math:`v \leftarrow \mu v - \eta_t g_B`,
          :math:`w \leftarrow w + v` (with Nesterov's momentum
          :math:`w \leftarrow w + \mu v - \eta_t g_B`), :math:`\mu` =
          ``momentum``.
        - ``'adam'``: mini-batches as ``'sgd'``, stepped by Adam:
          :math:`m \leftarrow \beta_1 m + (1-\beta_1) g_B`,
          :math:`v \leftarrow \beta_2 v + (1-\beta_2) g_B^2`,
          :math:`w \leftarrow w - \eta\frac{\sqrt{1-\beta_2^k}}{1-\beta_1^k}
          \frac{m}{\sqrt v + \epsilon}` at step :math:`k`.
        - ``'lbfgs'``: ``scipy.optimize.minimize(method='L-BFGS-B',
          jac=True)`` on the packed weights with :math:`J` and its gradient.
          The function it minimises is exactly the one whose gradient it is
          given, also for several outputs (``MLPRegressor`` reports
          :math:`1/k` of it for :math:`k` outputs, sklearn issue #8349).
          Often the fastest on small data sets; no ``partial_fit``.
        - ``'lm'``: Levenberg-Marquardt, the classic way to train small
          networks in few iterations [5]_.  With :math:`J_i = \partial \hat y_i/\partial w`,
          the per-sample derivatives of the deck's chain rule, and the
          Gauss-Newton curvature
          :math:`H = \frac1S(\sum_i w_i J_i^\top J_i + \alpha P)`, each
          iteration solves :math:`(H + \mu I)h = -g` and takes the step when
          it lowers :math:`J`, adapting :math:`\mu` (Nielsen's rule).  Needs
          far fewer iterations than the others (about 15 to reach test
          :math:`R^2 = 0.99` on the deck's problem), each costing
          :math:`O(n\,k\,p^2 + p^3)` time and :math:`O(p^2)` memory for
          :math:`p` weights and :math:`k` outputs: the solver for networks of
          up to a few hundred weights, too slow for thousands (it warns
          above 1000 weights: measured 0.5 s per iteration for 1001 weights
          and 1000 samples, 1.9 s for 2001).  No ``partial_fit``; numpy
          arrays only.  The solver of ``alpha='auto'`` and of
          ``predict(X, return_std=True)``.

        'sgd' and 'adam' reproduce ``MLPRegressor``'s solvers of the same
        name step for step (same update formulas, same batches, same
        schedules).
    learning_rate : float, default=0.3
        Step size :math:`\eta` (the deck's :math:`\alpha`; for 'adam' the
        :math:`\eta` above; not used by 'lbfgs' and 'lm').  The parameter to tune,
        e.g. with ``GridSearchCV``.  The default suits 'gd' on standardised
        inputs and a target of unit scale: for a sigmoid layer the curvature
        of :math:`J` in the output weights is at most the number of hidden
        units plus one, and in the first-layer weights it grows with
        :math:`\lVert x\rVert^2`, so much larger steps oscillate or diverge,
        which this estimator detects and reports.  0.3 fits the deck's sine
        problem behind a ``StandardScaler`` (test :math:`R^2 \approx 0.98`)
        and stays stable on unscaled data with tens of features, where 0.5
        already makes gradient descent chaotic (rounding differences of
        :math:`10^{-16}` grow to :math:`10^{-2}` in a few hundred epochs).  With 'sgd' and momentum 0.9 the
        effective step is :math:`\eta/(1-\mu)`, so start around 0.01 - 0.05;
        with 'adam' around 0.01.
    learning_rate_schedule : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Step size :math:`\eta_t` over the epochs, for 'gd' and 'sgd'
        (ignored by 'adam', 'lbfgs' and 'lm'):

        - ``'constant'``: :math:`\eta_t = \eta` (``learning_rate``).
        - ``'invscaling'``: :math:`\eta_t = \eta / (t+1)^{p}`, :math:`p` =
          ``power_t`` and :math:`t` the number of training samples seen
          before the epoch (``t_``; updated once per epoch, as
          ``MLPRegressor`` does).
        - ``'adaptive'``: :math:`\eta_t = \eta` as long as the stopping rule
          (below) is not met; each time it is met, :math:`\eta_t` is divided
          by 5 and training goes on, until :math:`\eta_t \le 10^{-6}`.
    power_t : float, default=0.5
        Exponent :math:`p` of the 'invscaling' schedule.
    max_iter : int or 'auto', default='auto'
        Maximum number of epochs (passes over the training data); for
        'lbfgs' and 'lm' the maximum number of iterations.  ``'auto'`` means
        50000 for 'gd', 'sgd', 'adam' and 'lbfgs' and 1000 for 'lm' (the
        default of MATLAB's ``trainlm``/``trainbr``; an 'lm' iteration costs
        :math:`O(n k p^2 + p^3)`, and 'lm' typically converges in tens to a
        few hundred).  Plain gradient
        descent needs many cheap epochs: the deck's problem converges after
        roughly 30 000 - 50 000 of them, a fraction of a second for 200
        samples.
    tol : float, default=1e-8
        Stopping rule (the rule and its counting are ``MLPRegressor``'s): an
        epoch counts as *not improving* when the monitored loss
        :math:`L_t` (the training loss, or the validation loss with
        ``early_stopping``) satisfies :math:`L_t > \min_{s<t} L_s -`
        ``tol``; training stops when more than ``n_iter_no_change``
        consecutive epochs did not improve.  For 'lbfgs', ``tol`` is
        L-BFGS-B's ``gtol``: stop when every projected gradient component is
        at most ``tol`` in absolute value.  'lm' applies the stopping rule
        above to its iterations and also stops when every component of the
        gradient is at most ``tol`` in absolute value.  Full-batch gradient descent
        improves the loss by small amounts per epoch, hence a smaller default
        than ``MLPRegressor``'s ``1e-4``.
    n_iter_no_change : int, default=10
        See ``tol``.  May be ``numpy.inf`` to run all ``max_iter`` epochs.
    alpha : float or 'auto', default=0.0
        Strength of the L2 penalty on the weights (not the intercepts), with
        ``MLPRegressor``'s scaling :math:`\alpha/(2S)`.  0 keeps :math:`J`
        exactly the deck's cost.  ``'auto'`` (with ``solver='lm'`` only)
        re-estimates it during training by MacKay's evidence framework
        [6]_, [7]_, as MATLAB's ``trainbr`` does: after every accepted step
        :math:`\alpha = \alpha_M/\beta` with :math:`\alpha_M =
        \gamma/(2E_W)`, :math:`\beta = (N - p_b - \gamma)/(2E_D)`, the
        effective number of coefficients :math:`\gamma` from the
        Gauss-Newton curvature (see :doc:`/evidence`).  The prior covers
        exactly the weights ``alpha`` penalises (the ``coefs``, not the
        intercepts), so ``alpha=est.alpha_`` states the same objective.  Not
        combinable with ``early_stopping`` (an alternative to it).
    batch_size : int or None, default=None
        Mini-batch size for 'sgd' and 'adam'; None means
        ``min(200, n_samples)``, a size larger than the training set means
        full batches.  Ignored by 'gd', 'lbfgs' and 'lm', which always use the
        whole training set.
    shuffle : bool, default=True
        Visit the training samples in a new random order every epoch ('sgd'
        and 'adam' with more than one batch per epoch).  The order is drawn
        from ``random_state``.
    momentum : float, default=0.9
        Momentum :math:`\mu \in [0, 1]` of 'sgd'.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with 'sgd' (when ``momentum > 0``).
    beta_1 : float, default=0.9
        Decay rate :math:`\beta_1 \in [0, 1)` of Adam's first moment.
    beta_2 : float, default=0.999
        Decay rate :math:`\beta_2 \in [0, 1)` of Adam's second moment.
    epsilon : float, default=1e-8
        Adam's :math:`\epsilon > 0`.
    max_fun : int, default=15000
        Maximum number of loss/gradient evaluations of 'lbfgs'; for 'lm',
        of loss evaluations (the start and every trial step, rejected ones
        included).
    early_stopping : bool, default=False
        Hold out a validation set (``validation_fraction`` of the training
        data, or the ``X_val, y_val`` given to ``fit``), apply the stopping
        rule to the validation loss :math:`J_{val}` (the same function as
        the training loss, evaluated on the validation set after every
        epoch), and at the end restore the weights of the epoch with the
        smallest :math:`J_{val}`.  Works with every solver (for 'lbfgs' and
        'lm', per iteration).  Without early stopping the final weights are those
        of the last epoch, as in ``MLPRegressor``.  ``MLPRegressor``
        monitors the validation :math:`R^2` instead; both are recorded.
    validation_fraction : float, default=0.1
        Fraction of the training data held out by ``early_stopping`` when no
        ``X_val`` is given, drawn with ``random_state``; at least 2 samples.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split and the shuffling.
        The generator is re-created from ``random_state`` at every ``fit``
        (not ``warm_start``), so fitting twice gives the same model.
    warm_start : bool, default=False
        When True and the estimator is fitted, ``fit`` continues from the
        current weights instead of drawing new ones.  What carries over: the
        weights, ``n_iter_``, ``t_`` (so 'invscaling' continues where it
        was), ``loss_curve_`` and ``best_loss_``, the shuffling generator,
        and the solver's state -- momentum velocities ('sgd'), Adam's
        moments and step count -- as long as the solver and its
        hyperparameters are unchanged (otherwise the solver starts afresh).
        Each ``fit`` call restarts the stopping rule's count, the
        'adaptive' step size (from ``learning_rate``) and the validation
        bookkeeping.  (``MLPRegressor`` instead resets the solver's state on
        a warm start.)  ``partial_fit`` keeps all of it.
    verbose : bool, default=False
        Print one line per epoch: epoch, training loss, validation loss when
        there is a validation set, elapsed time.
    n_init : int, default=1
        Number of fits from independent starting weights, as in ``KMeans``:
        with ``n_init > 1``, ``n_init`` seeds are drawn from
        ``random_state`` (deterministic for an int ``random_state``) and one
        fit runs from each; the model kept is the one with the largest
        ``log_evidence_`` under ``alpha='auto'``, else the smallest final
        training loss ``loss_``.  1 fits once, seeded by ``random_state``
        itself.  A ``fit`` concept: ``warm_start=True`` on a fitted model
        continues that model once, and ``partial_fit`` ignores it.
    normalize_y : bool, default=False
        Standardise the targets inside ``fit`` (per output, with the
        weighted mean and standard deviation; a constant target keeps
        scale 1), as ``GaussianProcessRegressor`` does, so that learning
        rates, ``alpha`` and the starting weights see unit scale.  The
        network is trained on :math:`(y - \bar y)/s_y` and the scaling is
        then folded into the linear output layer (``coefs_[-1] * s_y``,
        ``intercepts_[-1] * s_y + \bar y``), so ``coefs_``,
        ``intercepts_``, ``predict``, ``forward_pass`` and ``from_weights``
        describe the network on the scale of ``y``.  ``loss_``,
        ``loss_curve_``, ``best_loss_``, the validation losses, ``alpha``
        and ``alpha_`` refer to the standardised problem that was trained.
        A warm start keeps the scaling of the fit it continues; there is no
        ``partial_fit`` (one batch's statistics are not the data's).
        False (the default) is the deck's behaviour.

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[l]`` has shape ``(fan_in, fan_out)``: the weights from layer
        ``l`` to layer ``l + 1`` (``MLPRegressor``'s layout).  For the deck's
        network ``coefs_[0][0, j-1]`` is :math:`w_{j1}^{(1)}` and
        ``coefs_[1][j-1, 0]`` is :math:`w_{1j}^{(2)}`.
    intercepts_ : list of ndarray
        ``intercepts_[l]`` has shape ``(fan_out,)`` (the deck's
        :math:`w_{j0}^{(l)}`).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit; only when ``X`` had string column
        names.
    n_outputs_ : int
        Number of outputs.
    n_layers_ : int
        Number of layers, inputs and output included.
    n_iter_ : int
        Number of epochs ('lbfgs', 'lm': iterations) run; accumulates over
        ``partial_fit`` calls and warm-started fits.
    t_ : int
        Number of training samples seen (``n_samples`` per epoch).
    loss_ : float
        :math:`J` on the training data at the final weights (unlike
        ``MLPRegressor``, whose ``loss_`` is the loss before the last step).
    loss_curve_ : list of float
        One entry per epoch: for 'gd', :math:`J` at the weights before the
        epoch's step (as in ``MLPRegressor``); for 'sgd' and 'adam' the
        weighted average :math:`\sum_B S_B J_B / S` of the mini-batch losses
        seen during the epoch (``MLPRegressor``'s quantity); for 'lbfgs'
        and 'lm' :math:`J` before each iteration (strictly falling for 'lm',
        which only takes steps that lower :math:`J`).
    best_loss_ : float
        Smallest value in ``loss_curve_``.
    validation_loss_curve_ : list of float or None
        :math:`J_{val}` after every epoch of the last ``fit`` call that had a
        validation set (``early_stopping`` or ``X_val``), else None.
    best_validation_loss_ : float or None
        Smallest value in ``validation_loss_curve_``.
    validation_scores_ : list of float or None
        :math:`R^2` on the validation set after every epoch
        (``MLPRegressor``'s ``validation_scores_``).
    best_validation_score_ : float or None
        :math:`R^2` of the epoch with the best validation loss (the epoch
        whose weights ``early_stopping`` restores).
    alpha_ : float
        Only after ``solver='lm'`` fits: the L2 strength of the final
        objective, in ``alpha``'s units (the one ``alpha='auto'`` chose, or
        ``alpha`` itself); with ``normalize_y`` that of the standardised
        problem.
    noise_variance_ : float or ndarray of shape (n_outputs,)
        Only after ``solver='lm'`` fits: the noise variance :math:`1/\beta`
        on the scale of ``y`` (per output when there are several outputs),
        estimated from the residuals with :math:`N - p_b - \gamma` degrees
        of freedom.
    effective_n_params_ : float
        Only after ``solver='lm'`` fits: :math:`\gamma`, the effective number
        of coefficients (between 0 and their number); the intercepts, which
        the prior does not cover, add their number on top.
    log_evidence_ : float
        Only after ``solver='lm'`` fits: the log evidence
        :math:`\ln p(y \mid \alpha_M, \beta)` (Laplace approximation, on
        the scale of ``y``; ``-inf`` for ``alpha=0``, a flat prior), what
        ``n_init`` ranks restarts by under ``alpha='auto'``.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : scikit-learn's multilayer
        perceptron; with ``activation='logistic', solver='sgd',
        batch_size=n_samples, momentum=0, shuffle=False`` it performs the same
        gradient-descent steps as this estimator.

    Notes
    -----
    Initial weights are Glorot-uniform, drawn exactly as ``MLPRegressor``
    draws them for logistic units (:math:`U(-r, r)`,
    :math:`r = \sqrt{2/(\text{fan\_in}+\text{fan\_out})}`, coefficients then
    intercepts, layer by layer): the same ``random_state`` gives both
    estimators the same starting point.  The draw does not depend on the
    number of samples, so integer sample weights and repeated rows give the
    same model.

    When a step makes the loss (or a weight) non-finite or makes the loss
    blow up, training stops at once -- the check runs on every mini-batch of
    every solver, and on every point L-BFGS evaluates -- and
    :class:`TrainingDivergedError` (a ``ValueError``) is raised, naming the
    solver, the epoch and the learning rate; the estimator keeps the state it
    had before the call, and the exception carries the last finite weights.
    The usual remedy is a smaller ``learning_rate`` or standardised inputs
    (``StandardScaler``).

    ``KeyboardInterrupt`` during ``fit`` ends training after the last
    complete epoch (iteration) with a warning and leaves a usable model
    (with ``early_stopping``, the best weights seen so far); during
    ``partial_fit`` the model is left unchanged and the interrupt is raised
    again.

    With ``sklearn.config_context(array_api_dispatch=True)`` (and
    ``SCIPY_ARRAY_API=1`` in the environment, as scikit-learn requires),
    ``fit``, ``partial_fit``, ``predict``, ``score``, ``forward_pass`` and
    ``loss_gradient`` accept arrays of other Array API libraries (torch,
    array-api-strict, ...) for the solvers 'gd', 'sgd' and 'adam': the
    weights are created in the data's library and on its device and every
    computation stays there (needs the optional ``array-api-compat``
    package).  numpy data always take the fast numpy path.

    With scikit-learn >= 1.9 the estimator supports the callback API
    (``set_callbacks`` with e.g. ``sklearn.callback.ProgressBar`` or
    ``ScoringMonitor``), also inside ``Pipeline`` and ``GridSearchCV``:
    every epoch ('lbfgs', 'lm': iteration) is a sub-task of the fit task, and a
    callback returning True from ``on_fit_task_end`` stops training.

    References
    ----------
    .. [1] Rumelhart, Hinton and Williams, "Learning representations by
       back-propagating errors", Nature 323 (1986).
    .. [2] Glorot and Bengio, "Understanding the difficulty of training deep
       feedforward neural networks", AISTATS (2010).
    .. [3] Kingma and Ba, "Adam: A method for stochastic optimization",
       ICLR (2015).
    .. [4] Sutskever, Martens, Dahl and Hinton, "On the importance of
       initialization and momentum in deep learning", ICML (2013).
    .. [5] Madsen, Nielsen and Tingleff, "Methods for non-linear least
       squares problems", 2nd ed., Technical University of Denmark (2004);
       Hagan and Menhaj, "Training feedforward networks with the Marquardt
       algorithm", IEEE Trans. Neural Networks 5(6) (1994).
    .. [6] MacKay, "A practical Bayesian framework for backpropagation
       networks", Neural Computation 4(3) (1992).
    .. [7] Foresee and Hagan, "Gauss-Newton approximation to Bayesian
       learning", Proc. International Conference on Neural Networks (1997).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-3, 3, size=(200, 1))
    >>> y = np.sin(X).ravel() + 0.1 * rng.randn(200)
    >>> model = make_pipeline(StandardScaler(), SigmoidMLPRegressor(random_state=0))
    >>> model.fit(X, y).score(X, y) > 0.95
    True
    >>> lbfgs = make_pipeline(StandardScaler(),
    ...                       SigmoidMLPRegressor(solver="lbfgs", random_state=0))
    >>> lbfgs.fit(X, y).score(X, y) > 0.95
    True
    >>> lm = make_pipeline(StandardScaler(),
    ...                    SigmoidMLPRegressor(solver="lm", random_state=0))
    >>> lm.fit(X, y).score(X, y) > 0.95
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(3,),
        *,
        solver="gd",
        learning_rate=0.3,
        learning_rate_schedule="constant",
        power_t=0.5,
        max_iter="auto",
        tol=1e-8,
        n_iter_no_change=10,
        alpha=0.0,
        batch_size=None,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        max_fun=15000,
        early_stopping=False,
        validation_fraction=0.1,
        random_state=None,
        warm_start=False,
        verbose=False,
        n_init=1,
        normalize_y=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.power_t = power_t
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.alpha = alpha
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.max_fun = max_fun
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.n_init = n_init
        self.normalize_y = normalize_y

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        # torch, CuPy, array-api-strict, ... with array_api_dispatch; 'lbfgs'
        # and 'lm' run on the host and take numpy only.
        tags.array_api_support = self.solver not in _HOST_SOLVERS
        return tags

    # ------------------------------------------------------------ validation
    def _validate_params(self):
        """Check every hyperparameter; raise with what is wrong and how to fix it."""
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            sizes = None
        if (
            not sizes
            or not all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
                for s in sizes
            )
        ):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a non-empty "
                "tuple of positive integers, e.g. (3,) or (5, 4); got "
                f"{self.hidden_layer_sizes!r}."
            )
        _check_option("solver", self.solver, SOLVERS)
        _check_option("learning_rate_schedule", self.learning_rate_schedule, SCHEDULES)
        _check_real("learning_rate", self.learning_rate, low=0, low_open=True,
                    hint="a positive step size such as 0.5")
        _check_real("power_t", self.power_t, low=0,
                    hint="a non-negative exponent such as 0.5")
        if not (isinstance(self.max_iter, str) and self.max_iter == "auto"):
            _check_int("max_iter", self.max_iter, low=1)
        _check_real("tol", self.tol, low=0, hint="a non-negative number")
        _check_int("n_iter_no_change", self.n_iter_no_change, low=1,
                   allow_inf=True)
        if isinstance(self.alpha, str):
            if self.alpha != "auto":
                raise ValueError(
                    "alpha must be a non-negative number or 'auto'; got "
                    f"{self.alpha!r}."
                )
            if self.solver != "lm":
                raise ValueError(
                    "alpha='auto' (evidence-based regularisation) needs "
                    "solver='lm', whose Gauss-Newton curvature it uses; got "
                    f"solver={self.solver!r}. Set solver='lm', or give alpha a "
                    "number."
                )
            if self.early_stopping:
                raise ValueError(
                    "alpha='auto' chooses the regularisation from the training "
                    "data's evidence, an alternative to early stopping; set "
                    "early_stopping=False (X_val can still be monitored)."
                )
        else:
            _check_real("alpha", self.alpha, low=0,
                        hint="a non-negative L2 strength such as 1e-4, or 'auto'")
        _check_int("n_init", self.n_init, low=1)
        if self.batch_size is not None:
            _check_int("batch_size", self.batch_size, low=1)
        _check_real("momentum", self.momentum, low=0, hint="a number in [0, 1]")
        if self.momentum > 1:
            raise ValueError(f"momentum must be in [0, 1]; got {self.momentum!r}.")
        for name in ("beta_1", "beta_2"):
            value = getattr(self, name)
            _check_real(name, value, low=0, hint="a decay rate in [0, 1)")
            if value >= 1:
                raise ValueError(
                    f"{name} must be in [0, 1) (a decay rate such as 0.9); got "
                    f"{value!r}."
                )
        _check_real("epsilon", self.epsilon, low=0, low_open=True,
                    hint="a small positive number such as 1e-8")
        _check_int("max_fun", self.max_fun, low=1)
        _check_real("validation_fraction", self.validation_fraction, low=0,
                    low_open=True, hint="a fraction in (0, 1) such as 0.1")
        if self.validation_fraction >= 1:
            raise ValueError(
                "validation_fraction must be in (0, 1), the share of the training "
                f"data held out; got {self.validation_fraction!r}."
            )
        for name in ("shuffle", "nesterovs_momentum", "early_stopping",
                     "warm_start", "verbose", "normalize_y"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_, numbers.Integral)):
                raise TypeError(f"{name} must be a bool; got {value!r}.")
        return tuple(int(s) for s in sizes)

    def _validate_data(self, X, y, sample_weight, reset):
        if sp.issparse(y):
            raise TypeError(
                "y must be a dense array; got a sparse matrix. Pass y.toarray()."
            )
        xp = _input_namespace(X)
        if xp is not None:
            return self._validate_data_xp(X, y, sample_weight, reset, xp)
        if _dispatch_enabled():
            # numpy X with y or sample_weight of another library: everything
            # follows X, i.e. numpy.
            y = _to_numpy(y)
            if sample_weight is not None and not isinstance(sample_weight, numbers.Number):
                sample_weight = _to_numpy(sample_weight)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
            reset=reset,
        )
        y = _as_2d_target(y, X.dtype)
        sample_weight = _check_sample_weight(sample_weight, X.shape[0], X.dtype)
        return X, y, sample_weight

    def _validate_data_xp(self, X, y, sample_weight, reset, xp):
        """``_validate_data`` for arrays of another Array API library.

        ``X`` stays in its library and on its device; ``y`` and
        ``sample_weight`` follow it there (whatever library they come from).
        """
        X = validate_data(
            self, X, dtype=(xp.float64, xp.float32), reset=reset
        )
        device = _device(X)
        y = _move(y, xp, device)
        if y.ndim not in (1, 2):
            raise ValueError(
                f"y must be 1-D (one output) or 2-D (several outputs); got an "
                f"array with {y.ndim} dimensions."
            )
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X has {X.shape[0]} samples but y has {y.shape[0]}; pass one "
                "target (row) per sample."
            )
        y = xp.astype(y, X.dtype)
        if not bool(xp.all(xp.isfinite(y))):
            raise ValueError(
                "Input y contains NaN or infinity; remove or impute those targets."
            )
        if y.ndim == 1:
            y = xp.reshape(y, (-1, 1))
        if sample_weight is not None:
            # The checks (and their messages) are the numpy ones; the weights
            # come to the host once, before training.
            if not isinstance(sample_weight, numbers.Number):
                sample_weight = _to_numpy(sample_weight)
            sample_weight = _check_sample_weight(
                sample_weight, X.shape[0], np.float64
            )
            sample_weight = xp.asarray(sample_weight, dtype=X.dtype, device=device)
            if not bool(xp.sum(sample_weight) > 0) or not bool(
                xp.isfinite(xp.sum(sample_weight))
            ):
                raise ValueError(
                    "sample_weight must have a positive, finite sum in "
                    f"{X.dtype}; rescale the weights (only their ratios matter)."
                )
        return X, y, sample_weight

    def _validate_validation_data(self, X_val, y_val, sample_weight_val, dtype,
                                  n_outputs, xp=None, device=None):
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError(
                    "sample_weight_val was given without X_val and y_val; pass the "
                    "validation set too (or drop sample_weight_val)."
                )
            return None
        if X_val is None or y_val is None:
            raise ValueError(
                "Pass both X_val and y_val (the validation inputs and targets), or "
                "neither."
            )
        if xp is not None:
            _check_same_namespace(X_val, xp, device, "fit", "X_val")
            X_val, y_val, sample_weight_val = self._validate_data_xp(
                X_val, y_val, sample_weight_val, False, xp
            )
            if y_val.shape[1] != n_outputs:
                raise ValueError(
                    f"y_val has {y_val.shape[1]} outputs but y has {n_outputs}; "
                    "the validation targets must have the same columns."
                )
            return X_val, y_val, sample_weight_val
        X_val, y_val = validate_data(
            self,
            X_val,
            y_val,
            accept_sparse=["csr", "csc"],
            dtype=dtype,
            multi_output=True,
            y_numeric=True,
            reset=False,
        )
        y_val = _as_2d_target(y_val, dtype)
        if y_val.shape[1] != n_outputs:
            raise ValueError(
                f"y_val has {y_val.shape[1]} outputs but y has {n_outputs}; "
                "the validation targets must have the same columns."
            )
        sample_weight_val = _check_sample_weight(
            sample_weight_val, X_val.shape[0], dtype
        )
        return X_val, y_val, sample_weight_val

    # ------------------------------------------------------------ training
    @with_callbacks
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        X_val: ArrayLike | None = None,
        y_val: ArrayLike | None = None,
        sample_weight_val: ArrayLike | None = None,
    ) -> SigmoidMLPRegressor:
        """Fit the network with the configured solver.

        Repeats forward pass, backward pass and a solver step until the
        stopping rule is met (``tol``, ``n_iter_no_change``; for 'lbfgs',
        L-BFGS-B's own tests) or ``max_iter`` epochs have run.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs; CSR and CSC sparse matrices are accepted.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights :math:`w_i` of the squared errors; None
            gives every sample weight 1.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            A validation set (the convention of scikit-learn's
            ``HistGradientBoostingRegressor``).  With ``early_stopping`` it
            replaces the internal ``validation_fraction`` split; without, it
            is only monitored (``validation_loss_curve_``, ...) and the final
            weights stay the last ones.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Validation targets; required with ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : SigmoidMLPRegressor
            The fitted estimator.

        Raises
        ------
        TrainingDivergedError
            When the loss becomes non-finite or blows up; the estimator is
            left as it was before the call.
        """
        with _restore_input_attributes_on_failure(self):
            self._fit(X, y, sample_weight, X_val, y_val, sample_weight_val)
        return self

    def _fit(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        """``n_init`` fits from seeds drawn from ``random_state``; keep the best."""
        hidden = self._validate_params()
        warm = bool(self.warm_start) and hasattr(self, "coefs_")
        if warm or self.n_init == 1:
            # one fit, seeded by random_state itself (today's behaviour)
            self._fit_single(X, y, sample_weight, X_val, y_val, sample_weight_val,
                             hidden, self.random_state, warn_size=True)
            return
        # As KMeans: n_init seeds drawn from random_state, one fit each.
        seeds = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=self.n_init)
        saved = dict(self.__dict__)
        best, best_score = None, None
        try:
            for k, seed in enumerate(seeds):
                self._fit_single(X, y, sample_weight, X_val, y_val,
                                 sample_weight_val, hidden, int(seed),
                                 warn_size=k == 0)
                score = self._restart_score()
                if best is None or score > best_score:
                    best, best_score = dict(self.__dict__), score
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        self.__dict__.clear()
        self.__dict__.update(best)

    def _restart_score(self):
        """Higher is better: the log evidence under alpha='auto', else -loss_."""
        if isinstance(self.alpha, str):
            return float(self.log_evidence_)
        return -float(self.loss_) if self.loss_ is not None else -np.inf

    def _fit_single(self, X, y, sample_weight, X_val, y_val, sample_weight_val,
                    hidden, random_state, *, warn_size):
        warm = bool(self.warm_start) and hasattr(self, "coefs_")
        X, y, sample_weight = self._validate_data(X, y, sample_weight, reset=not warm)
        xp = _namespace_of(X)
        if xp is not None and self.solver in _HOST_SOLVERS:
            raise TypeError(
                f"solver={self.solver!r} runs on the host and takes numpy "
                f"arrays only; got {xp.__name__} arrays with array_api_dispatch "
                "enabled. Use solver='gd', 'sgd' or 'adam', or pass numpy arrays."
            )
        if warn_size:
            self._check_lm_size(hidden, X, y)
        # normalize_y: train on standardised targets (a warm start keeps the
        # scaling of the fit it continues)
        scaling = None
        if self.normalize_y:
            scaling = (getattr(self, "_y_scaling", None) if warm else None) or (
                _target_scaling(y, sample_weight))
            y = _apply_scaling(y, scaling)
        if warm:
            self._check_continuation(hidden, y, X, "fit")
            state = _State.from_estimator(self)
            if scaling is not None:
                state.coefs[-1], state.intercepts[-1] = _unfold_scaling(
                    state.coefs[-1], state.intercepts[-1], scaling)
            self._prepare_solver(state, restart=True)
        else:
            state = self._initial_state(hidden, X, y, random_state)
        if isinstance(self.alpha, str):  # alpha='auto'
            start = getattr(self, "alpha_", None) if warm else None
            state.regulariser = _evidence.EvidenceRegulariser(
                start if start is not None else _evidence.ALPHA_START)
        validation = self._validate_validation_data(
            X_val, y_val, sample_weight_val, X.dtype, y.shape[1],
            xp=xp, device=None if xp is None else _device(X),
        )
        if validation is not None and scaling is not None:
            validation = (validation[0], _apply_scaling(validation[1], scaling),
                          validation[2])
        if validation is None and self.early_stopping:
            X, y, sample_weight, validation = self._split_validation(
                X, y, sample_weight, state.rng
            )
        if validation is not None:
            alpha = (state.regulariser.alpha if state.regulariser is not None
                     else self.alpha)
            validation = Validation(*validation, alpha)
            state.start_validation()
        state.no_improvement_count = 0
        self._run(state, X, y, sample_weight, validation, fit_call=True)
        # After the committed run: the evidence at the final weights (lm),
        # then the scaling folded into the output layer.
        attrs = (self._evidence_attributes(state, X, y, sample_weight, scaling)
                 if self.solver == "lm" else {})
        for name in _EVIDENCE_ATTRIBUTES:
            self.__dict__.pop(name, None)
        if scaling is not None:
            attrs["coefs_"] = [*self.coefs_[:-1], None]
            attrs["intercepts_"] = [*self.intercepts_[:-1], None]
            attrs["coefs_"][-1], attrs["intercepts_"][-1] = _fold_scaling(
                self.coefs_[-1], self.intercepts_[-1], scaling)
        attrs["_y_scaling"] = scaling
        self.__dict__.update(attrs)

    def _evidence_attributes(self, state, X, y, sample_weight, scaling):
        """``alpha_``, ``noise_variance_``, ... at the final (trained-scale) weights."""
        regulariser = state.regulariser
        alpha = float(self.alpha if regulariser is None else regulariser.alpha)
        layer_sizes = [X.shape[1], *(c.shape[1] for c in state.coefs)]
        system = GaussNewtonSystem(X, y, sample_weight, alpha, layer_sizes,
                                   np.float64)
        x = _network.pack(state.coefs, state.intercepts).astype(np.float64)
        loss = system.loss(x)
        _, curvature = system.gradient_curvature(x)
        G, e_data, _, n_residuals = _evidence.EvidenceRegulariser.quantities(
            system, x, loss, curvature)
        floor = _evidence.EvidenceRegulariser().data_floor(system)
        post = _evidence.posterior(G, x, system.penalised, e_data, n_residuals,
                                   alpha, e_data_floor=floor)
        scale = np.ones(y.shape[1]) if scaling is None else np.asarray(
            scaling[1], dtype=np.float64)
        noise = scale**2 / post.beta
        # the density of y on the user's scale: every one of the S weighted
        # residuals of output k is divided by scale_k
        log_evidence = post.log_evidence - system.weight_sum * float(
            np.sum(np.log(scale)))
        return {
            "alpha_": post.alpha,
            "noise_variance_": float(noise[0]) if noise.size == 1 else noise,
            "effective_n_params_": post.gamma,
            "log_evidence_": log_evidence,
            "_posterior_factor": post.covariance_factor,
            "_posterior_beta": post.beta,
        }

    def _check_lm_size(self, hidden, X, y):
        """Warn when solver='lm' would spend seconds per iteration (or more)."""
        if self.solver != "lm":
            return
        layer_sizes = [X.shape[1], *hidden, y.shape[1]]
        p = sum((a + 1) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
        if p <= _LM_WARN_WEIGHTS:
            return
        n, k = X.shape[0], y.shape[1]
        seconds = _LM_SECONDS_PER_FLOP * (n * k * p**2 + p**3)
        warnings.warn(
            f"solver='lm' with {p} weights: every iteration builds and solves a "
            f"{p} x {p} system, O(n k p^2 + p^3) time (about {seconds:.2g} s per "
            f"iteration here on a typical CPU, for up to {self._budget_text()}) "
            f"and {8 * p * p / 2**20:.0f} MiB per copy of the matrix. "
            f"'lm' is meant for networks of up to about {_LM_WARN_WEIGHTS} "
            "weights; for larger ones use solver='lbfgs' or solver='adam'.",
            UserWarning,
            stacklevel=_WARN_STACKLEVEL + 1,
        )

    def _iteration_budget(self):
        """``max_iter``, or for max_iter='auto' 1000 ('lm') or 50000 (others)."""
        if isinstance(self.max_iter, str):
            return _LM_AUTO_MAX_ITER if self.solver == "lm" else _AUTO_MAX_ITER
        return self.max_iter

    def _budget_text(self):
        if isinstance(self.max_iter, str):
            return f"max_iter='auto', i.e. {self._iteration_budget()}"
        return f"max_iter={self.max_iter}"

    def _partial_fit_available(self):
        # normalize_y: one batch's mean and standard deviation are not the
        # data's, so there is no partial_fit (as for 'lbfgs' and 'lm')
        return self.solver not in _HOST_SOLVERS and not self.normalize_y

    @available_if(_partial_fit_available)
    @with_callbacks
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
    ) -> SigmoidMLPRegressor:
        """One epoch of the configured solver on the given batch.

        The first call draws the initial weights; later calls continue from
        the current weights and the solver's state (momentum velocities,
        Adam's moments, the step-size schedule, the shuffling generator), so
        ``k`` calls on the same data give exactly the model of a ``fit`` with
        ``max_iter=k`` (when ``fit`` does not stop before).  A call that
        diverges, or is interrupted, leaves the model exactly as it was.
        Not available for ``solver='lbfgs'`` and ``solver='lm'``, nor with
        ``normalize_y=True`` (one batch's mean and standard deviation are not
        the data's): ``hasattr(est, 'partial_fit')`` is False there.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Batch inputs; must have the same features as the first call.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Batch targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the batch's samples.

        Returns
        -------
        self : SigmoidMLPRegressor
            The updated estimator.
        """
        first = not hasattr(self, "coefs_")
        hidden = self._validate_params()
        if self.early_stopping:
            raise ValueError(
                "partial_fit runs one epoch on the batch it is given and holds out "
                "no validation set, so early_stopping=True cannot apply; set "
                "early_stopping=False and score a validation set between calls."
            )
        with _restore_input_attributes_on_failure(self):
            X, y, sample_weight = self._validate_data(
                X, y, sample_weight, reset=first
            )
            if first:
                state = self._initial_state(hidden, X, y)
            else:
                self._check_continuation(hidden, y, X, "partial_fit")
                state = _State.from_estimator(self)
                self._prepare_solver(state, restart=False)
            self._run(state, X, y, sample_weight, None, fit_call=False)
        # the evidence of an earlier 'lm' fit no longer describes the weights
        for name in _EVIDENCE_ATTRIBUTES:
            self.__dict__.pop(name, None)
        self._y_scaling = None
        return self

    def _solver_signature(self):
        """The hyperparameters a solver's state belongs to."""
        keys = {
            "gd": ("learning_rate", "learning_rate_schedule", "power_t"),
            "sgd": ("learning_rate", "learning_rate_schedule", "power_t",
                    "momentum", "nesterovs_momentum"),
            "adam": ("learning_rate", "beta_1", "beta_2", "epsilon"),
            "lbfgs": (),
            "lm": (),
        }[self.solver]
        return (self.solver, *(getattr(self, k) for k in keys))

    def _make_solver(self):
        lr = float(self.learning_rate)
        if self.solver == "gd":
            return GradientDescent(lr, self.learning_rate_schedule, self.power_t)
        if self.solver == "sgd":
            return StochasticGradientDescent(
                lr, self.learning_rate_schedule, self.power_t,
                self.momentum, bool(self.nesterovs_momentum),
            )
        if self.solver == "adam":
            return Adam(lr, self.beta_1, self.beta_2, self.epsilon)
        return None

    def _prepare_solver(self, state, *, restart):
        """Reuse the solver's state when its hyperparameters are unchanged."""
        key = self._solver_signature()
        if state.solver is None or state.solver_key != key:
            state.solver = self._make_solver()
            state.solver_key = key
            restart = True
        if restart and state.solver is not None:
            state.solver.restart_schedule(state.t)

    def _initial_state(self, hidden, X, y, random_state=None):
        rng = check_random_state(self.random_state if random_state is None
                                 else random_state)
        layer_sizes = [X.shape[1], *hidden, y.shape[1]]
        xp = _namespace_of(X)
        if xp is None:
            coefs, intercepts = _network.init_weights(layer_sizes, rng, X.dtype)
        else:
            # Drawn by numpy (the same weights as for numpy data), then moved
            # once to X's library and device.
            coefs, intercepts = _network.init_weights(
                layer_sizes, rng, X.dtype, xp=xp, device=_device(X)
            )
        state = _State(coefs, intercepts, self._make_solver(), rng)
        state.solver_key = self._solver_signature()
        return state

    def _split_validation(self, X, y, sample_weight, rng):
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        n_val = int(np.ceil(self.validation_fraction * X.shape[0]))
        if n_val < 2 or X.shape[0] - n_val < 1:
            raise ValueError(
                f"early_stopping holds out validation_fraction="
                f"{self.validation_fraction} of {X.shape[0]} samples, which leaves "
                f"{n_val} validation samples; at least 2 are needed, and at least "
                "1 for training. Increase validation_fraction, pass X_val and "
                "y_val, or set early_stopping=False."
            )
        parts = train_test_split(*arrays, test_size=n_val, random_state=rng)
        X_train, X_val, y_train, y_val = parts[:4]
        sw_train, sw_val = (None, None) if sample_weight is None else parts[4:]
        if sw_train is not None and _total(sw_train) <= 0:
            raise ValueError(
                "The samples left for training after the validation split all have "
                "zero weight; pass X_val and y_val explicitly."
            )
        if sw_val is not None and _total(sw_val) <= 0:
            raise ValueError(
                "The validation samples drawn by early_stopping all have zero weight; "
                "pass X_val and y_val explicitly."
            )
        return X_train, y_train, sw_train, (X_val, y_val, sw_val)

    def _check_continuation(self, hidden, y, X, method):
        """Continuing training needs the same architecture, outputs and library."""
        _check_fitted_namespace(self, X, method)
        current = tuple(c.shape[1] for c in self.coefs_[:-1])
        if current != hidden:
            raise ValueError(
                f"hidden_layer_sizes is {hidden} but the fitted network has hidden "
                f"layers {current}; set warm_start=False (or call fit) to train a "
                "new network."
            )
        if y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} outputs but the network was fitted with "
                f"{self.n_outputs_}; continue training with targets of the same "
                "shape."
            )

    def _run(self, state, X, y, sample_weight, validation, *, fit_call):
        """Train ``state`` for one call, with callbacks, then commit it."""
        n_epochs = self._iteration_budget() if fit_call else 1
        ctx = None
        metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
        if _HAS_CALLBACK_API:
            max_subtasks = n_epochs + 1 if self.solver == "lbfgs" else n_epochs
            root = self._init_callback_context(max_subtasks=max_subtasks)
            root.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
            if getattr(self, "_skl_callbacks", None):
                ctx = root
        task = (f"{self.solver}-iteration" if self.solver in _HOST_SOLVERS
                else "epoch")
        hooks = _Hooks(self, state, ctx, X, y, metadata, task)
        try:
            status = self._train(state, X, y, sample_weight, validation, n_epochs,
                                 fit_call, hooks)
        finally:
            hooks.close()
        if status == "interrupted" and not fit_call:
            raise KeyboardInterrupt
        state.commit(self, fit_call=fit_call)
        if status == "interrupted":
            warnings.warn(
                f"Training interrupted (KeyboardInterrupt) after {state.n_iter} "
                "epochs in all; the model keeps the weights of the last complete "
                "epoch" + (" with the best validation loss" if self.early_stopping
                           else "") + ".",
                UserWarning,
                stacklevel=_WARN_STACKLEVEL,
            )
        elif fit_call and status in ("max_iter", "max_fun"):
            if self.solver in _HOST_SOLVERS:
                limit = (f"maximum number of iterations ({self._budget_text()})"
                         if status == "max_iter" else
                         f"maximum number of function evaluations "
                         f"(max_fun={self.max_fun})")
                message = (f"SigmoidMLPRegressor(solver={self.solver!r}) stopped at its "
                           f"{limit} before converging; raise it, or scale the "
                           "inputs.")
            else:
                message = (
                    f"SigmoidMLPRegressor: maximum iterations ({self._budget_text()}) "
                    "reached and the optimization hasn't converged yet; raise "
                    "max_iter, raise learning_rate, or scale the inputs."
                )
            warnings.warn(message, ConvergenceWarning, stacklevel=_WARN_STACKLEVEL)
        elif fit_call and status == "abnormal":
            warnings.warn(
                f"SigmoidMLPRegressor(solver='lbfgs') stopped before converging: "
                f"{state.message}",
                ConvergenceWarning,
                stacklevel=_WARN_STACKLEVEL,
            )
        if _HAS_CALLBACK_API:
            root.call_on_fit_task_end(
                estimator=self, X=X, y=y, metadata=metadata,
                reconstruction_attributes={},
            )

    def _train(self, state, X, y, sample_weight, validation, n_epochs, fit_call,
               hooks):
        """Run the solver on ``state``; return the status of the run."""
        xp = _namespace_of(X)
        # alpha='auto': the regulariser on the state holds the current alpha
        regulariser = state.regulariser
        alpha = self.alpha if regulariser is None else regulariser.alpha
        if xp is None:
            loss_gradient = FullBatchLossGradient(X, y, sample_weight, alpha)
            tiny = np.finfo(X.dtype).tiny
        else:
            loss_gradient = NamespaceLossGradient(X, y, sample_weight, alpha)
            tiny = float(xp.finfo(X.dtype).smallest_normal)
        start_loss = float(loss_gradient.loss(state.coefs, state.intercepts))
        reference = max(
            float(loss_gradient.constant_prediction_loss()),
            start_loss if np.isfinite(start_loss) else 0.0,
            tiny,
        )
        threshold = _BLOW_UP_FACTOR * reference
        n_before = len(state.loss_curve)
        n_iter_before = state.n_iter
        fast = (
            xp is None
            and self.solver == "gd"
            and self.learning_rate_schedule == "constant"
            and validation is None
            and hooks.ctx is None
        )
        if fast:
            return self._train_fast(state, loss_gradient, n_epochs, fit_call,
                                    threshold, hooks, reference)
        on_begin = hooks.begin if hooks.ctx is not None else None
        on_end = hooks.end if hooks.active else None
        try:
            if self.solver in _HOST_SOLVERS:
                run = run_lbfgs if self.solver == "lbfgs" else run_lm
                extra = {} if regulariser is None else {"regulariser": regulariser}
                status, message, final = run(
                    state, X, y, sample_weight, **extra,
                    alpha=alpha, max_iter=n_epochs, max_fun=self.max_fun,
                    tol=self.tol, n_iter_no_change=self.n_iter_no_change,
                    early_stopping=bool(self.early_stopping), validation=validation,
                    on_epoch_begin=on_begin, on_epoch_end=on_end,
                )
                state.message = message
                previous = [*state.coefs, *state.intercepts]
                last_step = (state.n_iter - n_iter_before, None)
            else:
                batch_size = (
                    X.shape[0] if self.solver == "gd"
                    else min(200, X.shape[0]) if self.batch_size is None
                    else self.batch_size
                )
                status, previous, last_step = run_epochs(
                    state, X, y, sample_weight,
                    n_epochs=n_epochs, alpha=alpha, batch_size=batch_size,
                    shuffle=bool(self.shuffle), tol=self.tol,
                    n_iter_no_change=self.n_iter_no_change,
                    early_stopping=bool(self.early_stopping),
                    check_convergence=fit_call, divergence_threshold=threshold,
                    validation=validation, on_epoch_begin=on_begin,
                    on_epoch_end=on_end,
                )
                final = None
        except Diverged as exc:
            raise self._diverged_error(
                exc.epoch, exc.learning_rate, exc.loss, exc.coefs, exc.intercepts,
                state.loss_curve[n_before:],
            ) from None
        if self.early_stopping and state.best_coefs is not None:
            state.coefs, state.intercepts = state.best_coefs, state.best_intercepts
            final = None
        if final is None:
            final = loss_gradient.loss(state.coefs, state.intercepts)
        if not np.isfinite(final) or final > threshold:
            n_layers = len(state.coefs)
            raise self._diverged_error(
                *last_step, final, previous[:n_layers], previous[n_layers:],
                state.loss_curve[n_before:],
            )
        if fit_call:
            self._check_stable(final, reference, last_step, state.coefs,
                               state.intercepts, state.loss_curve[n_before:])
        state.loss = float(final)
        return status

    def _train_fast(self, state, loss_gradient, n_epochs, fit_call, threshold,
                    hooks, reference):
        """Plain full-batch gradient descent in the fast kernel loop."""
        on_epoch = None
        if self.verbose:
            n_iter_before = state.n_iter

            def on_epoch(epoch, loss):
                print(
                    f"Epoch {n_iter_before + epoch}: loss = {loss:.8g}, "
                    f"elapsed = {time.perf_counter() - hooks.start:.3f}s",
                    flush=True,
                )

        result = run_full_batch_gd(
            loss_gradient,
            state.coefs,
            state.intercepts,
            learning_rate=state.solver.learning_rate,
            n_epochs=n_epochs,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            best_loss=state.best_loss,
            no_improvement_count=state.no_improvement_count,
            check_convergence=fit_call,
            divergence_threshold=threshold,
            on_epoch=on_epoch,
        )
        if result.status == "diverged":
            # The kernel names the epoch whose loss check failed; the step that
            # blew the loss up is the one before it, i.e. that of the last
            # recorded epoch.
            raise self._diverged_error(
                max(1, len(result.losses)), state.solver.learning_rate,
                result.final_loss, result.coefs, result.intercepts, result.losses,
            )
        if fit_call:
            self._check_stable(
                result.final_loss, reference,
                (max(1, len(result.losses)), state.solver.learning_rate),
                result.coefs, result.intercepts, result.losses,
            )
        n_done = len(result.losses)
        state.coefs, state.intercepts = list(result.coefs), list(result.intercepts)
        state.loss_curve.extend(result.losses)
        state.n_iter += n_done
        state.t += n_done * loss_gradient.n_samples
        state.best_loss = result.best_loss
        state.no_improvement_count = result.no_improvement_count
        state.loss = float(result.final_loss)
        return result.status

    def _check_stable(self, final, reference, last_step, coefs, intercepts,
                      loss_curve):
        """A fit must not end worse than where it started and than the mean.

        An unstable step size can make the loss grow by orders of magnitude and
        then oscillate, finite but useless, until the no-improvement rule
        stops training.  ``reference`` is the larger of the loss at the start
        of the call and the loss of predicting the (weighted) mean of ``y``;
        ending ``_UNSTABLE_FACTOR`` times above both means training made the
        model far worse than trivial.  (A smaller excess can be the transient
        oscillation of a short run and is left to the user.)
        """
        if final <= _UNSTABLE_FACTOR * reference:
            return
        epoch, learning_rate = last_step
        raise TrainingDivergedError(
            f"Training became unstable with solver={self.solver!r} and "
            f"learning_rate={learning_rate!r}: after {len(loss_curve)} epochs of this "
            f"call the loss is {final!r}, more than {_UNSTABLE_FACTOR:g} times the "
            "larger of the loss at the start of the call and that of predicting "
            f"the mean of y ({reference!r}). The step size is too large for this data; lower "
            "learning_rate (e.g. by a factor of 10) and standardise the inputs "
            "(sklearn.preprocessing.StandardScaler). The estimator was left "
            "unchanged.",
            epoch=epoch,
            learning_rate=learning_rate,
            loss=final,
            coefs=_copy_arrays(coefs),
            intercepts=_copy_arrays(intercepts),
            loss_curve=list(loss_curve),
            solver=self.solver,
        )

    def _diverged_error(self, epoch, learning_rate, loss, coefs, intercepts,
                        loss_curve):
        if self.solver in _HOST_SOLVERS:
            name = _SOLVER_NAMES[self.solver]
            detail = (
                f"in {name} iteration {epoch} of this call with "
                f"solver={self.solver!r}: the loss or its gradient became "
                f"{loss!r}. {name} chooses its own "
                "step sizes, so the inputs or targets are too large for the sigmoid "
                "network; standardise them (sklearn.preprocessing.StandardScaler)."
            )
        else:
            detail = (
                f"in epoch {epoch} of this call with solver={self.solver!r} and "
                f"learning_rate={learning_rate!r}: the loss became {loss!r}. The "
                "step size is too large for this data; lower learning_rate (e.g. "
                "by a factor of 10) and standardise the inputs "
                "(sklearn.preprocessing.StandardScaler)."
            )
        return TrainingDivergedError(
            f"Training diverged {detail} The estimator was left unchanged.",
            epoch=epoch,
            learning_rate=learning_rate,
            loss=loss,
            coefs=_copy_arrays(coefs),
            intercepts=_copy_arrays(intercepts),
            loss_curve=list(loss_curve),
            solver=self.solver,
        )

    # ------------------------------------------------------------ prediction
    def _validate_X_predict(self, X, method):
        check_is_fitted(self)
        _check_fitted_namespace(self, X, method)
        xp = _input_namespace(X)
        if xp is not None:
            X = validate_data(self, X, dtype=(xp.float64, xp.float32), reset=False)
            # torch and others do not mix dtypes in ``@``: compute in the
            # weights' dtype
            return xp.astype(X, self.coefs_[0].dtype)
        return validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            reset=False,
        )

    def predict(self, X: ArrayLike, return_std: bool = False):
        r"""Predict with the network: one forward pass; optionally error bars.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.
        return_std : bool, default=False
            Also return the predictive standard deviation (the convention of
            ``BayesianRidge`` and ``GaussianProcessRegressor``): the Laplace
            (Gauss-Newton) approximation
            :math:`\sigma^2(x) = 1/\beta + g(x)^\top A^{-1} g(x)`, noise of
            a new observation plus the uncertainty of the weights, with
            :math:`g(x) = \partial\hat y(x)/\partial w` and :math:`A` the
            posterior precision at the fit (see :doc:`/evidence`).  Needs a
            model fitted with ``solver='lm'``: with ``alpha='auto'`` all
            hyperparameters come from the evidence; with a fixed ``alpha``
            the noise precision :math:`\beta` is estimated from the
            residuals and the prior is :math:`\alpha_M = \alpha\beta`
            (with ``alpha=0`` a flat prior: the bars can be very wide).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column per output; a single output is returned as 1-D, as
            ``MLPRegressor`` does.  The dtype is that of the weights.
        y_std : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Only with ``return_std=True``: the predictive standard deviation,
            on the scale of ``y``, float64.
        """
        if return_std:
            check_is_fitted(self)
            if getattr(self, "_posterior_factor", None) is None:
                raise ValueError(
                    "predict(X, return_std=True) needs the Laplace posterior of a "
                    "fit with solver='lm' (best with alpha='auto'); this model "
                    f"was not fitted that way (solver={self.solver!r} now). Refit "
                    "with solver='lm', alpha='auto'."
                )
        X = self._validate_X_predict(X, "predict")
        y_pred = _network.predict(X, self.coefs_, self.intercepts_)
        if not return_std:
            return self._shape_output(y_pred)
        return self._shape_output(y_pred), self._shape_output(self._predict_std(X))

    def _predict_std(self, X):
        """Predictive standard deviation, shape (n_samples, n_outputs)."""
        coefs = [np.asarray(c, dtype=np.float64) for c in self.coefs_]
        intercepts = [np.asarray(b, dtype=np.float64) for b in self.intercepts_]
        scaling = getattr(self, "_y_scaling", None)
        if scaling is not None:  # the posterior is that of the trained weights
            coefs[-1], intercepts[-1] = _unfold_scaling(coefs[-1], intercepts[-1],
                                                        scaling)
            scale = np.asarray(scaling[1], dtype=np.float64)
        else:
            scale = np.ones(coefs[-1].shape[1])
        X = X.astype(np.float64)
        out = np.empty((X.shape[0], coefs[-1].shape[1]))
        n_weights = self._posterior_factor.shape[0]
        chunk = max(1, 2**18 // (n_weights * out.shape[1]))
        for start in range(0, X.shape[0], chunk):
            rows = slice(start, start + chunk)
            activations = _network.forward(X[rows], coefs, intercepts)
            jac = _network.output_jacobian(activations, coefs)
            out[rows] = _evidence.predictive_variance(
                jac, self._posterior_factor, self._posterior_beta)
        return np.sqrt(out) * scale

    def score(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
    ) -> float:
        """Coefficient of determination :math:`R^2` of the prediction.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :math:`R^2` of ``predict(X)`` with respect to ``y`` (averaged
            uniformly over outputs), as ``RegressorMixin.score``.
        """
        xp = _input_namespace(X)
        if xp is not None:
            return self._score_xp(X, y, sample_weight, xp)
        if _dispatch_enabled():
            y = _to_numpy(y)
            if sample_weight is not None:
                sample_weight = _to_numpy(sample_weight)
        return float(super().score(X, y, sample_weight=sample_weight))

    def _score_xp(self, X, y, sample_weight, xp):
        """:meth:`score` in ``X``'s library (``r2_score``'s formula).

        ``y`` and ``sample_weight`` follow ``X``'s library and device; the
        per-output sums of squares (one number per output) come to the host.
        """
        y_pred = _network.predict(
            self._validate_X_predict(X, "score"), self.coefs_, self.intercepts_
        )
        device = _device(y_pred)
        y = xp.astype(_move(y, xp, device), y_pred.dtype)
        if y.ndim == 1:
            y = xp.reshape(y, (-1, 1))
        if tuple(y.shape) != tuple(y_pred.shape):
            raise ValueError(
                f"y has shape {tuple(y.shape)} but the model predicts "
                f"{tuple(y_pred.shape)} for X; pass one target row per sample with "
                f"{self.n_outputs_} output(s)."
            )
        if sample_weight is not None:
            sample_weight = _move(_check_sample_weight(
                _to_numpy(sample_weight), y.shape[0], np.float64), xp, device)
            sample_weight = xp.astype(sample_weight, y_pred.dtype)
        return Validation(y, y, sample_weight, 0.0).r2(y_pred)

    def _shape_output(self, y_pred):
        if y_pred.shape[1] != 1:
            return y_pred
        if isinstance(y_pred, np.ndarray):
            return y_pred.ravel()
        return _network.array_namespace(y_pred).reshape(y_pred, (-1,))

    # ------------------------------------------------------------ inspection
    @classmethod
    def from_weights(
        cls,
        coefs: list[ArrayLike],
        intercepts: list[ArrayLike],
        **params,
    ) -> SigmoidMLPRegressor:
        """A fitted estimator with the given weights (the deck's "given weights").

        Parameters
        ----------
        coefs : sequence of array-like
            ``coefs[l]`` of shape ``(fan_in, fan_out)``, in ``coefs_``'s
            layout; consecutive layers must chain (``fan_out`` of one is
            ``fan_in`` of the next).
        intercepts : sequence of array-like
            ``intercepts[l]`` of shape ``(fan_out,)``.
        **params
            Constructor parameters (``learning_rate``, ``solver``, ...).
            ``hidden_layer_sizes`` is taken from the weights.

        Returns
        -------
        SigmoidMLPRegressor
            A fitted estimator: ``predict``, ``score``, ``partial_fit`` and
            ``fit`` with ``warm_start=True`` continue from these weights
            (with a fresh solver state).
        """
        coefs, intercepts = _check_weights(coefs, intercepts)
        hidden = tuple(c.shape[1] for c in coefs[:-1])
        if "hidden_layer_sizes" in params:
            given = params.pop("hidden_layer_sizes")
            given_t = (given,) if isinstance(given, numbers.Integral) else tuple(given)
            if given_t != hidden:
                raise ValueError(
                    f"hidden_layer_sizes={given!r} does not match the weights, "
                    f"whose hidden layers have sizes {hidden}; leave it out."
                )
        est = cls(hidden_layer_sizes=hidden, **params)
        est._validate_params()
        est.coefs_ = coefs
        est.intercepts_ = intercepts
        est.n_features_in_ = coefs[0].shape[0]
        est.n_outputs_ = coefs[-1].shape[1]
        est.n_layers_ = len(coefs) + 1
        est.n_iter_ = 0
        est.t_ = 0
        est.loss_ = None
        est.loss_curve_ = []
        est.best_loss_ = np.inf
        est.validation_loss_curve_ = None
        est.validation_scores_ = None
        est.best_validation_loss_ = None
        est.best_validation_score_ = None
        est._no_improvement_count = 0
        est._solver = est._make_solver()
        est._solver_key = est._solver_signature()
        est._rng = check_random_state(est.random_state)
        return est

    def forward_pass(self, X: ArrayLike) -> ForwardPass:
        """All intermediate values of the forward pass for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ForwardPass
            ``pre_activations`` (every layer's z), ``activations`` (inputs,
            then every hidden layer's g(z)) and ``output`` (ŷ).
        """
        X = self._validate_X_predict(X, "forward_pass")
        numpy = isinstance(self.coefs_[0], np.ndarray)
        pre_activations, activations = [], [X]
        a = X
        last = len(self.coefs_) - 1
        for layer, (W, b) in enumerate(zip(self.coefs_, self.intercepts_)):
            z = (np.asarray(a @ W) if numpy else a @ W) + b
            pre_activations.append(z)
            if layer != last:
                a = _network.sigmoid(z)
                activations.append(a)
        output = z.copy() if numpy else z + 0
        return ForwardPass(pre_activations, activations, self._shape_output(output))

    def loss_gradient(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
    ) -> LossGradient:
        """The loss J at the current weights and its gradient (no step taken).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights :math:`w_i`; None gives every sample weight 1.

        Returns
        -------
        LossGradient
            ``(loss, coef_grads, intercept_grads)`` with the gradients in the
            ``coefs_`` / ``intercepts_`` layout.
        """
        check_is_fitted(self)
        _check_fitted_namespace(self, X, "loss_gradient")
        X, y, sample_weight = self._validate_data(X, y, sample_weight, reset=False)
        xp = _namespace_of(X)
        if xp is not None:
            dtype = self.coefs_[0].dtype
            X, y = xp.astype(X, dtype), xp.astype(y, dtype)
            if sample_weight is not None:
                sample_weight = xp.astype(sample_weight, dtype)
        if y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} outputs but the network has {self.n_outputs_}."
            )
        alpha = self.alpha
        if isinstance(alpha, str) and alpha == "auto":
            if not hasattr(self, "alpha_"):
                raise ValueError(
                    "alpha='auto' has no value before fit; fit first (alpha_ is "
                    "then used) or give alpha a number."
                )
            alpha = self.alpha_
        _check_real("alpha", alpha, low=0, hint="a non-negative L2 strength")
        loss, coef_grads, intercept_grads = _network.loss_gradient(
            X, y, self.coefs_, self.intercepts_, sample_weight, float(alpha)
        )
        return LossGradient(loss, coef_grads, intercept_grads)


# ---------------------------------------------------------------- helpers
def _dispatch_enabled():
    """Whether scikit-learn's ``array_api_dispatch`` is on."""
    return bool(sklearn.get_config().get("array_api_dispatch", False))


def _input_namespace(X):
    """The Array API namespace ``X`` is computed in, or None for numpy.

    Another library's namespace only with ``array_api_dispatch`` enabled and
    an array of that library; numpy arrays, sparse matrices, lists and data
    frames take the numpy path (and its fast kernels), as without dispatch.
    """
    if not _dispatch_enabled() or isinstance(X, np.ndarray) or sp.issparse(X):
        return None
    if not hasattr(X, "shape"):
        return None
    try:
        xp = _network.array_namespace(X)
    except (TypeError, ImportError):
        return None
    return None if xp is np else xp


def _namespace_of(a):
    """The namespace of a validated array: None for numpy or sparse."""
    if isinstance(a, np.ndarray) or sp.issparse(a):
        return None
    xp = _network.array_namespace(a)
    return None if xp is np else xp


def _device(a):
    import array_api_compat

    return array_api_compat.device(a)


def _library_name(xp):
    name = getattr(xp, "__name__", str(xp))
    return name.replace("array_api_compat.", "")


def _to_numpy(a):
    """``a`` as a numpy array, from any library (for validation, not training)."""
    if a is None or isinstance(a, (np.ndarray, list, tuple, numbers.Number)):
        return a
    if sp.issparse(a) or not hasattr(a, "shape"):
        return a
    try:
        xp = _network.array_namespace(a)
    except (TypeError, ImportError):
        return a  # pandas and other array-likes: validate_data converts them
    if xp is np:
        return np.asarray(a)
    import array_api_compat

    a = array_api_compat.to_device(a, "cpu") if array_api_compat.is_torch_array(
        a) else a
    try:
        return np.from_dlpack(a)
    except (TypeError, RuntimeError, BufferError, ValueError):
        return np.asarray(a)


def _move(a, xp, device):
    """``a`` (any library, or array-like) as an array of ``xp`` on ``device``."""
    if not isinstance(a, np.ndarray) and hasattr(a, "shape") and not sp.issparse(a):
        try:
            if _network.array_namespace(a) is xp:
                return a if _device(a) == device else xp.asarray(a, device=device)
        except (TypeError, ImportError):
            pass
    a = _to_numpy(a) if hasattr(a, "shape") else a
    if not isinstance(a, np.ndarray):
        a = np.asarray(a)  # lists, pandas objects
    return xp.asarray(a, device=device)


def _copy_arrays(arrays):
    """Independent copies of numpy arrays; other libraries' arrays as they are.

    The namespace-generic training path never modifies an array in place, so
    its arrays need no copy (and copying must not move them off their device).
    """
    return [np.array(a) if isinstance(a, np.ndarray) else a for a in arrays]


def _describe(xp, device):
    if xp is None:
        return "numpy"
    return f"{_library_name(xp)} (device {device})"


def _check_same_namespace(X, xp, device, method, what="X"):
    """Raise when ``X`` is not an array of ``xp`` on ``device``."""
    x_xp = _input_namespace(X)
    x_device = None if x_xp is None else _device(X)
    if x_xp is xp and (xp is None or x_device == device):
        return
    raise ValueError(
        f"SigmoidMLPRegressor.{method}(): {what} and the fitted weights must use "
        f"the same namespace (array library) and device: the weights are "
        f"{_describe(xp, device)} arrays, {what} is {_describe(x_xp, x_device)}"
        f"{'' if _dispatch_enabled() else ' (array_api_dispatch is off, so input is converted to numpy)'}"
        f". Pass {what} in the library the model was fitted on (with "
        "sklearn.config_context(array_api_dispatch=True) for non-numpy arrays), "
        "or refit the model on this library."
    )


def _check_fitted_namespace(est, X, method):
    """The input of a fitted model must be in the fitted weights' library."""
    W = est.coefs_[0]
    xp = _namespace_of(W)
    _check_same_namespace(X, xp, None if xp is None else _device(W), method)


_INPUT_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


@contextlib.contextmanager
def _restore_input_attributes_on_failure(est):
    """Undo ``validate_data(reset=True)``'s bookkeeping when the call fails.

    ``validate_data`` records ``n_features_in_`` and ``feature_names_in_`` as
    soon as it has checked the data; if training then fails, those must go
    back to the previous model's values (or away), so that nothing is lost.
    """
    saved = {k: est.__dict__[k] for k in _INPUT_ATTRIBUTES if k in est.__dict__}
    try:
        yield
    except BaseException:
        for key in _INPUT_ATTRIBUTES:
            est.__dict__.pop(key, None)
        est.__dict__.update(saved)
        raise


def _target_scaling(y, sample_weight):
    """normalize_y: per-output weighted mean and standard deviation of ``y``.

    A standard deviation below ``10 eps max(1, |mean|)`` (a constant target)
    is replaced by 1, as ``GaussianProcessRegressor`` does.
    """
    xp = _network.array_namespace(y)
    if sample_weight is None:
        mean = xp.mean(y, axis=0)
        var = xp.mean((y - mean) ** 2, axis=0)
    else:
        w = xp.reshape(sample_weight, (-1, 1))
        total = xp.sum(w)
        mean = xp.sum(w * y, axis=0) / total
        var = xp.sum(w * (y - mean) ** 2, axis=0) / total
    scale = xp.sqrt(var)
    eps = float(np.finfo(np.float32 if y.dtype == xp.float32 else np.float64).eps)
    tiny = scale < 10 * eps * xp.where(xp.abs(mean) > 1, xp.abs(mean),
                                       xp.ones_like(mean))
    scale = xp.where(tiny, xp.ones_like(scale), scale)
    return mean, scale


def _apply_scaling(y, scaling):
    mean, scale = scaling
    return (y - mean) / scale


def _fold_scaling(coef, intercept, scaling):
    """Output layer on the user's scale: y = scale * y_s + mean."""
    mean, scale = scaling
    return coef * scale, intercept * scale + mean


def _unfold_scaling(coef, intercept, scaling):
    """Inverse of :func:`_fold_scaling`: the output layer for standardised y."""
    mean, scale = scaling
    return coef / scale, (intercept - mean) / scale


def _check_sample_weight(sample_weight, n_samples, dtype):
    """Validate ``sample_weight``: None, a number, or a 1-D array of length n."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n_samples, sample_weight)
    if sp.issparse(sample_weight):
        raise TypeError("sample_weight must be a dense 1-D array, not a sparse matrix.")
    try:
        sample_weight = np.asarray(sample_weight)
        if sample_weight.dtype.kind == "c":
            raise TypeError("got complex values")
        sample_weight = sample_weight.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"sample_weight must be an array of non-negative real numbers; {exc}"
        ) from None
    if sample_weight.ndim != 1:
        raise ValueError(
            "sample_weight must be 1-D with one weight per sample; got shape "
            f"{sample_weight.shape}."
        )
    if sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has {sample_weight.shape[0]} entries but X has "
            f"{n_samples} samples; pass one weight per sample."
        )
    if not np.isfinite(sample_weight).all():
        raise ValueError("sample_weight contains NaN or infinity; weights must be finite.")
    if (sample_weight < 0).any():
        raise ValueError(
            "sample_weight contains negative values; weights must be non-negative."
        )
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
        if total > 0:
            sample_weight = sample_weight.astype(dtype, copy=False)
            total = sample_weight.sum()
    if total <= 0:
        raise ValueError(
            "sample_weight sums to zero; at least one sample needs a positive weight."
        )
    if not np.isfinite(total):
        raise ValueError(
            f"sample_weight is too large: its sum overflows {np.dtype(dtype).name}; "
            "rescale the weights (only their ratios matter)."
        )
    return sample_weight


def _check_real(name, value, *, low, low_open=False, hint):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number ({hint}); got {value!r}.")
    if not np.isfinite(value) or value < low or (low_open and value == low):
        bound = f"> {low}" if low_open else f">= {low}"
        raise ValueError(f"{name} must be finite and {bound} ({hint}); got {value!r}.")


def _check_int(name, value, *, low, allow_inf=False):
    if allow_inf and isinstance(value, numbers.Real) and value == np.inf:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {low}; got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")


def _check_weights(coefs, intercepts):
    """Validate user-given weights for :meth:`SigmoidMLPRegressor.from_weights`."""
    if isinstance(coefs, np.ndarray) or isinstance(intercepts, np.ndarray):
        raise TypeError(
            "coefs and intercepts must be lists of arrays, one per layer "
            "(coefs_[l] of shape (fan_in, fan_out), intercepts_[l] of shape "
            "(fan_out,))."
        )
    try:
        coefs, intercepts = list(coefs), list(intercepts)
    except TypeError:
        raise TypeError(
            "coefs and intercepts must be lists of arrays, one per layer; got "
            f"{type(coefs).__name__} and {type(intercepts).__name__}."
        ) from None
    if len(coefs) < 2 or len(coefs) != len(intercepts):
        raise ValueError(
            f"Got {len(coefs)} coefficient matrices and {len(intercepts)} intercept "
            "vectors; pass one of each per layer, and at least two layers (the "
            "network has at least one hidden layer)."
        )
    arrays = [np.asarray(a) for a in coefs + intercepts]
    if any(a.dtype.kind not in "fiu" for a in arrays):
        raise TypeError("Weights must be real numbers (float or integer arrays).")
    dtype = np.result_type(np.float32, *[a.dtype for a in arrays])
    if dtype not in (np.float32, np.float64):
        dtype = np.float64
    coefs = [np.array(c, dtype=dtype) for c in coefs]
    intercepts = [np.array(b, dtype=dtype) for b in intercepts]
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        if W.ndim != 2 or 0 in W.shape:
            raise ValueError(
                f"coefs[{layer}] must be a non-empty 2-D array of shape "
                f"(fan_in, fan_out); got shape {W.shape}."
            )
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"intercepts[{layer}] must have shape ({W.shape[1]},) to match "
                f"coefs[{layer}] of shape {W.shape}; got shape {b.shape}."
            )
        if layer > 0 and W.shape[0] != coefs[layer - 1].shape[1]:
            raise ValueError(
                f"coefs[{layer}] has {W.shape[0]} rows but layer {layer - 1} has "
                f"{coefs[layer - 1].shape[1]} units; consecutive layers must chain."
            )
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(f"Weights of layer {layer} contain NaN or infinity.")
    return coefs, intercepts


def _check_option(name, value, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(o) for o in options)}; got "
            f"{value!r}."
        )


def _as_2d_target(y, dtype):
    y = np.asarray(y, dtype=dtype)
    if not np.isfinite(y).all():
        # object arrays skip validate_data's finiteness check: None became NaN
        raise ValueError(
            "Input y contains NaN or infinity (None in an object array becomes "
            "NaN); remove or impute those targets."
        )
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2:
        raise ValueError(
            f"y must be 1-D (one output) or 2-D (several outputs); got an "
            f"array with {y.ndim} dimensions."
        )
    return y
