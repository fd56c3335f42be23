"""``SigmoidMLPRegressor``: validation, initialisation and the training loop.

The mathematics lives in :mod:`sigmoid_mlp._network` (forward pass, loss,
backward pass) and the stepping rule in :mod:`sigmoid_mlp._solvers`; this
module only checks inputs, keeps the fitted state and runs

    forward pass -> backward pass -> gradient-descent step, repeated

as the deck describes.
"""

from __future__ import annotations

import numbers
import time
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _network
from ._kernels import FullBatchLossGradient, run_full_batch_gd
from ._solvers import GradientDescent

__all__ = [
    "ForwardPass",
    "LossGradient",
    "SigmoidMLPRegressor",
    "TrainingDivergedError",
]

# A step is called divergent when the loss grows beyond this multiple of the
# larger of the loss at the start of the call and the loss of the constant
# (weighted-mean) prediction.  Gradient descent with a stable step size never
# comes near it; an unstable one passes it within a few steps, long before the
# weights overflow.
_BLOW_UP_FACTOR = 1e4


class TrainingDivergedError(ValueError):
    """Training diverged; the estimator was left exactly as before the call.

    Raised by ``fit`` and ``partial_fit`` when the loss becomes non-finite or
    blows up.  The estimator's fitted state is not touched (a previously fitted
    model stays intact, an unfitted one stays unfitted).  The last finite
    weights the aborted run reached are kept on the exception.

    Attributes
    ----------
    epoch : int
        The epoch (1-based, counted within the call) whose step diverged.
    learning_rate : float
        The step size in use.
    loss : float
        The offending loss value (``inf`` or ``nan`` or a blown-up value).
    coefs, intercepts : list of ndarray
        The last finite weights reached before the divergent step.
    loss_curve : list of float
        The losses recorded by the call up to the divergent step.
    """

    def __init__(self, message, *, epoch, learning_rate, loss, coefs, intercepts,
                 loss_curve):
        super().__init__(message)
        self.epoch = epoch
        self.learning_rate = learning_rate
        self.loss = loss
        self.coefs = coefs
        self.intercepts = intercepts
        self.loss_curve = loss_curve


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
    half-updated model behind.
    """

    def __init__(self, coefs, intercepts, solver):
        self.coefs = coefs
        self.intercepts = intercepts
        self.solver = solver
        self.n_iter = 0
        self.t = 0
        self.loss = None
        self.loss_curve = []
        self.best_loss = np.inf
        self.no_improvement_count = 0

    @classmethod
    def from_estimator(cls, est):
        state = cls(
            [c.copy() for c in est.coefs_],
            [b.copy() for b in est.intercepts_],
            est._solver.copy(),
        )
        state.n_iter = est.n_iter_
        state.t = est.t_
        state.loss = est.loss_
        state.loss_curve = list(est.loss_curve_)
        state.best_loss = est.best_loss_
        state.no_improvement_count = est._no_improvement_count
        return state

    def commit(self, est):
        est.coefs_ = self.coefs
        est.intercepts_ = self.intercepts
        est._solver = self.solver
        est.n_iter_ = self.n_iter
        est.t_ = self.t
        est.loss_ = self.loss
        est.loss_curve_ = self.loss_curve
        est.best_loss_ = self.best_loss
        est._no_improvement_count = self.no_improvement_count


class SigmoidMLPRegressor(RegressorMixin, BaseEstimator):
    r"""Multilayer perceptron regressor with sigmoid hidden units.

    The network of the lecture deck, generalised: inputs, one or more hidden
    layers of logistic (sigmoid) units :math:`g(z) = 1/(1+e^{-z})`, and a
    linear output layer.  It is trained by full-batch gradient descent on the
    deck's cost

    .. math:: J(\mathbf w) = \frac{1}{2n}\sum_{i=1}^n \lVert y_i - \hat y_i\rVert^2
              \;\Big(+\, \frac{\alpha}{2n}\sum_l \lVert W^{(l)}\rVert_F^2\Big),

    with gradients computed by the deck's hand-derived chain rule (the
    backpropagation formulas in :mod:`sigmoid_mlp._network`), and stepped as
    :math:`w := w - \text{learning\_rate}\cdot\partial J/\partial w` for every
    weight.  With sample weights :math:`w_i`, :math:`n` becomes
    :math:`\sum_i w_i` and each squared error is multiplied by :math:`w_i`.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(3,)
        Number of sigmoid units per hidden layer.  The default is the deck's
        network: three hidden units.
    learning_rate : float, default=0.5
        Step size :math:`\alpha` of gradient descent (the parameter to tune,
        e.g. with ``GridSearchCV``).  With standardised inputs and a target of
        unit scale, 0.5 is large enough to fit the deck's sine problem in a
        few thousand epochs and small enough to stay stable: for a
        sigmoid layer the curvature of :math:`J` in the output weights is at
        most the number of hidden units plus one, so much larger steps
        oscillate or diverge, which this estimator detects and reports.
    max_iter : int, default=20000
        Maximum number of epochs (full passes over the data; one
        gradient-descent step each).  Plain gradient descent needs many cheap
        epochs: the deck's problem converges after roughly 5 000 - 20 000 of
        them, a fraction of a second for 200 samples.
    tol : float, default=1e-7
        Training stops when the loss has not improved by at least ``tol``
        for ``n_iter_no_change`` consecutive epochs (the rule and the counting
        are ``MLPRegressor``'s).  Full-batch gradient descent improves the loss
        by small amounts per epoch, hence a smaller default than
        ``MLPRegressor``'s ``1e-4``.
    n_iter_no_change : int, default=10
        See ``tol``.
    alpha : float, default=0.0
        Strength of the L2 penalty on the weights (not the intercepts), with
        ``MLPRegressor``'s scaling :math:`\alpha/(2n)`.  0 keeps :math:`J`
        exactly the deck's cost.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights.  The generator is re-created from
        ``random_state`` at every ``fit``, so fitting twice gives the same
        model.
    warm_start : bool, default=False
        When True, ``fit`` continues from the current weights instead of
        drawing new ones.
    verbose : bool, default=False
        Print one line per epoch (epoch, loss, elapsed time).

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
        Number of epochs run (accumulates over ``partial_fit`` calls and
        warm-started fits).
    t_ : int
        Number of training samples seen (``n_samples * n_iter_``).
    loss_ : float
        :math:`J` at the final weights (unlike ``MLPRegressor``, whose
        ``loss_`` is the loss before the last step).
    loss_curve_ : list of float
        ``loss_curve_[t]`` is :math:`J` at the weights before step ``t``,
        as in ``MLPRegressor``.
    best_loss_ : float
        Smallest value in ``loss_curve_``.  Without early stopping the final
        weights are the last ones, not those of ``best_loss_``.

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

    When a step makes the loss non-finite or blow up, training stops at once
    and :class:`TrainingDivergedError` (a ``ValueError``) is raised; the
    estimator keeps the state it had before the call, and the exception
    carries the last finite weights.  The usual remedy is a smaller
    ``learning_rate`` or standardised inputs (``StandardScaler``).

    References
    ----------
    .. [1] Rumelhart, Hinton and Williams, "Learning representations by
       back-propagating errors", Nature 323 (1986).
    .. [2] Glorot and Bengio, "Understanding the difficulty of training deep
       feedforward neural networks", AISTATS (2010).

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
    """

    def __init__(
        self,
        hidden_layer_sizes=(3,),
        *,
        learning_rate=0.5,
        max_iter=20000,
        tol=1e-7,
        n_iter_no_change=10,
        alpha=0.0,
        random_state=None,
        warm_start=False,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.alpha = alpha
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
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
        _check_real("learning_rate", self.learning_rate, low=0, low_open=True,
                    hint="a positive step size such as 0.5")
        _check_int("max_iter", self.max_iter, low=1)
        _check_real("tol", self.tol, low=0, hint="a non-negative number")
        _check_int("n_iter_no_change", self.n_iter_no_change, low=1,
                   allow_inf=True)
        _check_real("alpha", self.alpha, low=0,
                    hint="a non-negative L2 strength such as 1e-4")
        for name in ("warm_start", "verbose"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_, numbers.Integral)):
                raise TypeError(f"{name} must be a bool; got {value!r}.")
        return tuple(int(s) for s in sizes)

    def _validate_data(self, X, y, sample_weight, reset):
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
        y = np.asarray(y, dtype=X.dtype)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2:
            raise ValueError(
                f"y must be 1-D (one output) or 2-D (several outputs); got an "
                f"array with {y.ndim} dimensions."
            )
        sample_weight = _check_sample_weight(sample_weight, X.shape[0], X.dtype)
        return X, y, sample_weight

    # ------------------------------------------------------------ training
    def fit(self, X, y, sample_weight=None):
        """Fit the network by full-batch gradient descent.

        Repeats forward pass, backward pass and one gradient-descent step
        until the loss stops improving (``tol``, ``n_iter_no_change``) or
        ``max_iter`` epochs have run.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs; CSR and CSC sparse matrices are accepted.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights :math:`w_i` of the squared errors; None
            gives every sample weight 1.

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
        hidden = self._validate_params()
        warm = bool(self.warm_start) and hasattr(self, "coefs_")
        X, y, sample_weight = self._validate_data(X, y, sample_weight, reset=not warm)
        if warm:
            self._check_continuation(hidden, y)
            state = _State.from_estimator(self)
            state.solver = self._make_solver()
        else:
            state = self._initial_state(hidden, X, y)
        self._train(state, X, y, sample_weight, self.max_iter, check_convergence=True)
        state.commit(self)
        return self

    def partial_fit(self, X, y, sample_weight=None):
        """One gradient-descent epoch on the given batch.

        The first call draws the initial weights; later calls continue from
        the current ones.  A call that diverges leaves the model exactly as it
        was.

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
        X, y, sample_weight = self._validate_data(X, y, sample_weight, reset=first)
        if first:
            state = self._initial_state(hidden, X, y)
        else:
            self._check_continuation(hidden, y)
            state = _State.from_estimator(self)
            state.solver.learning_rate = self.learning_rate
        self._train(state, X, y, sample_weight, 1, check_convergence=False)
        state.commit(self)
        return self

    def _make_solver(self):
        return GradientDescent(float(self.learning_rate))

    def _initial_state(self, hidden, X, y):
        random_state = check_random_state(self.random_state)
        layer_sizes = [X.shape[1], *hidden, y.shape[1]]
        coefs, intercepts = _network.init_weights(layer_sizes, random_state, X.dtype)
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_sizes)
        return _State(coefs, intercepts, self._make_solver())

    def _check_continuation(self, hidden, y):
        """Continuing training needs the same architecture and outputs."""
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

    def _train(self, state, X, y, sample_weight, n_epochs, check_convergence):
        """Run up to ``n_epochs`` epochs of gradient descent on ``state``.

        Each epoch: forward pass and backward pass at the current weights
        (the loss comes from the same forward pass), check it for divergence,
        record it, take the step, and apply the stopping rule.  After the last
        epoch one more forward pass gives the loss at the final weights, which
        also checks the last step.  The loop itself is
        :func:`sigmoid_mlp._kernels.run_full_batch_gd`.
        """
        loss_gradient = FullBatchLossGradient(X, y, sample_weight, self.alpha)
        reference = max(
            _constant_prediction_loss(y, sample_weight),
            loss_gradient.loss(state.coefs, state.intercepts),
            np.finfo(X.dtype).tiny,
        )
        if not np.isfinite(reference):
            reference = np.finfo(X.dtype).max
        start = time.perf_counter()
        on_epoch = None
        if self.verbose:
            n_iter_before = state.n_iter

            def on_epoch(epoch, loss):
                print(
                    f"Epoch {n_iter_before + epoch}: loss = {loss:.8g}, "
                    f"elapsed = {time.perf_counter() - start:.3f}s"
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
            check_convergence=check_convergence,
            divergence_threshold=_BLOW_UP_FACTOR * reference,
            on_epoch=on_epoch,
        )
        if result.status == "diverged":
            raise TrainingDivergedError(
                f"Training diverged at epoch {result.diverged_epoch} of this call: "
                f"the loss became {result.final_loss!r} with learning_rate="
                f"{self.learning_rate}. The step size is too large for this data; "
                "lower learning_rate (e.g. by a factor of 10) and standardise the "
                "inputs (sklearn.preprocessing.StandardScaler). The estimator was "
                "left unchanged.",
                epoch=result.diverged_epoch,
                learning_rate=self.learning_rate,
                loss=result.final_loss,
                coefs=result.coefs,
                intercepts=result.intercepts,
                loss_curve=result.losses,
            )
        n_done = len(result.losses)
        state.coefs, state.intercepts = result.coefs, result.intercepts
        state.loss_curve.extend(result.losses)
        state.n_iter += n_done
        state.t += n_done * X.shape[0]
        state.best_loss = result.best_loss
        state.no_improvement_count = result.no_improvement_count
        state.loss = result.final_loss
        if result.status == "interrupted":
            warnings.warn(
                f"Training interrupted after {n_done} epochs of this call; the model "
                "keeps the weights of the last complete epoch.",
                UserWarning,
                stacklevel=3,
            )
        elif result.status == "max_iter" and check_convergence:
            warnings.warn(
                f"SigmoidMLPRegressor: maximum iterations ({n_epochs}) reached "
                "and the optimization hasn't converged yet; raise max_iter, "
                "raise learning_rate, or scale the inputs.",
                ConvergenceWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------ prediction
    def _validate_X_predict(self, X):
        check_is_fitted(self)
        return validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            reset=False,
        )

    def predict(self, X):
        """Predict with the network: one forward pass.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column per output; a single output is returned as 1-D, as
            ``MLPRegressor`` does.  The dtype is that of the weights.
        """
        X = self._validate_X_predict(X)
        y_pred = _network.predict(X, self.coefs_, self.intercepts_)
        return self._shape_output(y_pred)

    def _shape_output(self, y_pred):
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    # ------------------------------------------------------------ inspection
    @classmethod
    def from_weights(cls, coefs, intercepts, **params):
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
            Constructor parameters (``learning_rate``, ...).
            ``hidden_layer_sizes`` is taken from the weights.

        Returns
        -------
        SigmoidMLPRegressor
            A fitted estimator: ``predict``, ``score``, ``partial_fit`` and
            ``fit`` with ``warm_start=True`` continue from these weights.
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
        est._no_improvement_count = 0
        est._solver = est._make_solver()
        return est

    def forward_pass(self, X):
        """All intermediate values of the forward pass for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ForwardPass
            ``pre_activations`` (every layer's z), ``activations`` (inputs,
            then every hidden layer's g(z)) and ``output`` (ŷ).
        """
        X = self._validate_X_predict(X)
        pre_activations, activations = [], [X]
        a = X
        last = len(self.coefs_) - 1
        for layer, (W, b) in enumerate(zip(self.coefs_, self.intercepts_)):
            z = np.asarray(a @ W) + b
            pre_activations.append(z)
            if layer != last:
                a = _network.sigmoid(z)
                activations.append(a)
        return ForwardPass(pre_activations, activations, self._shape_output(z.copy()))

    def loss_gradient(self, X, y, sample_weight=None):
        """The loss J at the current weights and its gradient (no step taken).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        LossGradient
            ``(loss, coef_grads, intercept_grads)`` with the gradients in the
            ``coefs_`` / ``intercepts_`` layout.
        """
        check_is_fitted(self)
        X, y, sample_weight = self._validate_data(X, y, sample_weight, reset=False)
        if y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} outputs but the network has {self.n_outputs_}."
            )
        _check_real("alpha", self.alpha, low=0, hint="a non-negative L2 strength")
        loss, coef_grads, intercept_grads = _network.loss_gradient(
            X, y, self.coefs_, self.intercepts_, sample_weight, float(self.alpha)
        )
        return LossGradient(loss, coef_grads, intercept_grads)


# ---------------------------------------------------------------- helpers
def _diverged(loss, reference):
    return not np.isfinite(loss) or loss > _BLOW_UP_FACTOR * reference


def _constant_prediction_loss(y, sample_weight):
    """J of the best constant prediction (the weighted mean): a scale for y."""
    if sample_weight is None:
        mean = y.mean(axis=0)
    else:
        mean = np.average(y, axis=0, weights=sample_weight)
    return _network.squared_error(y, np.broadcast_to(mean, y.shape), sample_weight)


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
