"""``SigmoidMLPRegressor``: the estimator of the deck's network.

Parameters, docstring, ``fit``/``partial_fit``/``predict``/``score`` and the
deck's inspection methods (``from_weights``, ``forward_pass``,
``loss_gradient``).  The checks live in :mod:`sigmoid_mlp._validation`, the
training in :mod:`sigmoid_mlp._fitting` (whose plan, :mod:`sigmoid_mlp._plan`,
picks the driver and the engine),
the mathematics in :mod:`sigmoid_mlp._network`: forward pass -> backward
pass -> step, repeated, as the deck describes.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from . import _committee, _lm, _network
from ._array_api import move, to_numpy
from ._diagnostics import diagnose, warn_user
from ._fitting import (
    EVIDENCE_ATTRIBUTES,
    check_lm_size,
    fit_once,
    fit_restarts,
    initial_state,
    prepare_solver,
    run_call,
    unfold_scaling,
)
from ._network import device_of, namespace_of
from ._plan import SOLVERS, penalises_intercepts
from ._protocol import (
    CallbackSupportMixin,
    State,
    TrainingDivergedError,
    Validation,
    with_callbacks,
)
from ._sizes import SIZE_ATTRIBUTES, candidate_sizes, search_sizes
from ._validation import (
    check_continuation,
    check_data,
    check_fitted_namespace,
    check_params,
    check_real,
    check_sample_weight,
    check_X_predict,
    dispatch_enabled,
    input_namespace,
    restore_input_attributes_on_failure,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = [
    "ForwardPass",
    "LossGradient",
    "SigmoidMLPRegressor",
    "TrainingDivergedError",
]

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
        ``J(w)``, including the L2 term when ``alpha > 0`` (over the
        intercepts too with ``penalize_intercepts``).
    coef_grads : list of ndarray
        ``∂J/∂coefs_[l]``, same shapes as ``coefs_``.
    intercept_grads : list of ndarray
        ``∂J/∂intercepts_[l]``, same shapes as ``intercepts_``.
    """

    loss: float
    coef_grads: list
    intercept_grads: list




def check_weights(coefs, intercepts):
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
    hidden_layer_sizes : tuple of int or 'auto', default=(3,)
        Number of sigmoid units per hidden layer.  The default is the deck's
        network: three hidden units.  ``'auto'`` (with ``solver='lm'`` and
        ``alpha='auto'`` or ``'ard'``) fits one hidden layer of each candidate size in
        ``sigmoid_mlp._sizes.CANDIDATE_SIZES`` = (2, 3, 5, 8, 12), in that
        order and with ``n_init`` starts each, and keeps the size with the
        largest log evidence *including the symmetry factor*
        :math:`\ln(k!\,2^k)` of the :math:`k` hidden units whose outgoing
        weight the posterior sets more than two standard deviations from 0
        (the :math:`k!\,2^k` weight vectors -- unit permutations and sign
        flips, :math:`g(-z) = 1 - g(z)` -- that give the same network as
        separate modes, of which the Laplace approximation of
        ``log_evidence_`` counts one; units the data leave near 0 join
        their flipped copies and add no separate modes); the search
        stops once two sizes in a row have not raised the best.  The model
        kept is the fit of the chosen size (``hidden_layer_sizes_``; the
        sizes' evidences in ``evidence_by_size_``), the same as a fit with
        ``hidden_layer_sizes=hidden_layer_sizes_``.  With ``warm_start``, a
        fitted model of one hidden layer is continued, without a new
        search.  See "Choosing the hidden size" in :doc:`/evidence`.
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
    alpha : float, 'auto' or 'ard', default=0.0
        Strength of the L2 penalty on the weights (not the intercepts, unless
        ``penalize_intercepts``), with
        ``MLPRegressor``'s scaling :math:`\alpha/(2S)`.  0 keeps :math:`J`
        exactly the deck's cost.  ``'auto'`` (with ``solver='lm'`` only)
        re-estimates it during training by MacKay's evidence framework
        [6]_, [7]_, as MATLAB's ``trainbr`` does: after every accepted step
        :math:`\alpha = \alpha_M/\beta` with :math:`\alpha_M =
        \gamma/(2E_W)`, :math:`\beta = (N - p_b - \gamma)/(2E_D)`, the
        effective number of coefficients :math:`\gamma` from the
        Gauss-Newton curvature (see :doc:`/evidence`).  The prior covers
        exactly the weights the L2 term penalises; under ``alpha='auto'``
        that is every weight, intercepts included (``penalize_intercepts``),
        so ``alpha=est.alpha_, penalize_intercepts=True`` states the same
        objective.  Not combinable with ``early_stopping`` (an alternative
        to it).

        ``'ard'`` (with ``solver='lm'`` only): MacKay's automatic relevance
        determination.  Input :math:`i`'s fan-out weights (row :math:`i` of
        ``coefs_[0]``, also with several hidden layers) get a prior
        strength :math:`\alpha_i` of their own, every other penalised
        weight one shared :math:`\alpha`, all re-estimated as under
        ``'auto'`` (:math:`\alpha_{M,g} = \gamma_g/(2E_{W,g})` per group;
        the groups share one value until the evidence stops rising, then
        split).  Fitted ``input_alphas_`` and ``relevance_`` say how much
        each input is used; the rest is as under ``'auto'``, the compiled
        'lm' iterations included.
    penalize_intercepts : bool or 'auto', default='auto'
        Whether the L2 term also covers the intercepts,
        :math:`\frac{\alpha}{2S}(\sum_l \lVert W^{(l)}\rVert^2 +
        \lVert b^{(l)}\rVert^2)`.  ``'auto'`` means True under
        ``alpha='auto'`` or ``'ard'`` and False otherwise.  False is ``MLPRegressor``'s
        objective (the coefs only).  True is the Gaussian prior on every
        weight of MATLAB's ``trainbr`` and R's ``brnn``: with the intercepts
        free, a hidden unit can spend a steep sigmoid at a cheap bias on a
        single outlying row; ``docs/evidence.rst`` has the measurements.
        True needs ``solver='lm'``.
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
    verbose : bool or int, default=False
        Print one line per epoch: epoch, training loss, validation loss when
        there is a validation set, elapsed time.  ``verbose=2`` first prints
        the plan of the fit: which driver and engine run it, how many epochs
        per engine call, and why a faster engine was declined (see the
        Architecture page).  With ``n_init > 1`` (or ``ensemble=True``) a
        line before each start names it and its ``random_state``, and one
        after the last says which start was kept and why; with
        ``hidden_layer_sizes='auto'`` a line after each candidate size gives
        its log evidence, determined units and total, and one at the end the
        size chosen.  Watching a fit never changes its weights.
    n_init : int, default=1
        Number of fits from independent starting weights, as in ``KMeans``;
        the model kept is the one with the largest ``log_evidence_`` under
        ``alpha='auto'``, else the smallest final training loss ``loss_``
        (the first of equals).  The first start is seeded by
        ``random_state`` itself, so it is exactly the fit of ``n_init=1``;
        starts 2 to ``n_init`` are seeded by ``n_init - 1`` integers drawn
        from ``random_state`` as ``KMeans`` draws its seeds
        (``randint(np.iinfo(np.int32).max)``; deterministic for an int
        ``random_state``).  Unlike ``KMeans``, whose first start also uses a
        drawn seed, this keeps the default fit unchanged, and it makes the
        starts of ``n_init=k`` the first ``k`` of every larger ``n_init``:
        more starts never keep a worse ``log_evidence_`` (``loss_``).  A
        ``RandomState`` instance is consumed by the first start exactly as
        by a fit with ``n_init=1``; the seeds come from a copy of its state
        at the call, so they do not advance it.  A ``fit`` concept:
        ``warm_start=True`` on a fitted model continues that model once,
        and ``partial_fit`` ignores it.
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
    ensemble : bool, default=False
        Keep all ``n_init`` fits as a committee (``estimators_``) instead of
        the best one: ``predict`` returns the mean of the members'
        predictions, and ``predict(X, return_std=True)`` the standard
        deviation of the equal mixture of their predictive distributions,
        :math:`\sigma^2 = \frac1M\sum_m \sigma_m^2 + \frac1M\sum_m
        (\mu_m - \bar\mu)^2` (the members' variances plus their spread;
        see :doc:`/evidence`).  The top-level fitted attributes
        (``coefs_``, ``intercepts_``, ``loss_``, ``log_evidence_``, ...)
        are those of the best member, ``estimators_[best_index_]``, the
        model ``ensemble=False`` would keep.  ``n_init=1`` gives a
        committee of one (the plain fit); ``warm_start=True`` is refused
        (a warm start continues one network).  What describes one network
        -- ``forward_pass``, ``loss_gradient``, the displays and
        explanations of :mod:`sigmoid_mlp.inspection` -- raises
        ``ValueError`` on a committee and names ``estimators_[k]``; there
        is no ``partial_fit``.  ONNX export (:mod:`sigmoid_mlp.onnx`)
        averages the members in the graph.

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
        of the weights the prior covers (between 0 and their number: every
        weight under ``alpha='auto'``, else the coefs unless
        ``penalize_intercepts=True``); intercepts the prior does not cover
        add their number on top.
    log_evidence_ : float
        Only after ``solver='lm'`` fits: the log evidence
        :math:`\ln p(y \mid \alpha_M, \beta)` (Laplace approximation, on
        the scale of ``y``; ``-inf`` for ``alpha=0``, a flat prior), what
        ``n_init`` ranks restarts by under ``alpha='auto'``.  Under
        ``alpha='ard'`` the prior has one precision per group and the
        log evidence sums its terms over the groups (:doc:`/evidence`).
        Compare it between fits made the same way: a fixed ``alpha`` runs
        to the minimum of the loss, where the evidence is typically higher
        than where ``alpha='auto'`` stops, without predicting better.
    estimators_ : list of SigmoidMLPRegressor
        Only with ``ensemble=True``: the committee's members, one fitted
        single network per start, in the order of the starts; member ``k``
        has ``ensemble=False, n_init=1`` and the ``random_state`` its start
        was seeded by, and every method of a single network
        (``forward_pass``, ``predict(X, return_std=True)``, ...).
    best_index_ : int
        Only with ``ensemble=True``: the index in ``estimators_`` of the best
        member, whose attributes the committee's top level shows.
    hidden_layer_sizes_ : tuple of int
        Only after a fit with ``hidden_layer_sizes='auto'``: the size
        chosen, e.g. ``(5,)`` (``get_params()`` keeps ``'auto'``).
    evidence_by_size_ : dict of int to float
        Only after a fit with ``hidden_layer_sizes='auto'``: each size tried,
        in the order tried, mapped to its ``log_evidence_`` plus the
        symmetry term :math:`\ln(k!) + k\ln 2` of its :math:`k` determined
        units (``sigmoid_mlp._sizes.determined_units``); the chosen size
        has the largest.  Sizes after the search stopped are absent.
    input_alphas_ : ndarray of shape (n_features_in_,)
        Only after ``alpha='ard'`` fits: the prior strength
        :math:`\alpha_i` of each input's fan-out weights (row :math:`i` of
        ``coefs_[0]``), in ``alpha_``'s units (``alpha_`` is then the other
        weights' strength; with ``normalize_y`` those of the standardised
        problem).  Large means irrelevant: the evidence holds that input's
        weights near 0 (the updates stop at ``1e10``).
    relevance_ : ndarray of shape (n_features_in_,)
        Only after ``alpha='ard'`` fits: ``(1 / input_alphas_) / sum(1 /
        input_alphas_)``, each input's share of the prior variance of the
        first layer's weights; non-negative, sums to 1.  Comparable between
        inputs of the same scale (standardise ``X``).
    input_effective_n_params_ : ndarray of shape (n_features_in_,)
        Only after ``alpha='ard'`` fits: :math:`\gamma_i`, how many of input
        :math:`i`'s fan-out weights the data determine (between 0 and the
        first hidden layer's size); ``effective_n_params_`` includes them.

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
    :math:`r = \sqrt{2/(\text{fan}_{\text{in}}+\text{fan}_{\text{out}})}`, coefficients then
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
    >>> model = make_pipeline(StandardScaler(),
    ...                       SigmoidMLPRegressor(max_iter=100_000, random_state=0))
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
        penalize_intercepts="auto",
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
        ensemble=False,
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
        self.penalize_intercepts = penalize_intercepts
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
        self.ensemble = ensemble

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        # torch, CuPy, array-api-strict, ... with array_api_dispatch; 'lbfgs'
        # and 'lm' run on the host and take numpy only.
        tags.array_api_support = not SOLVERS[self.solver].host_only
        return tags

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

        Warns
        -----
        ConvergenceWarning
            When training stops at ``max_iter`` (L-BFGS: also ``max_fun``).
        PoorFitWarning
            When the fit ended poorly for a reason the diagnostic can name
            (inputs far from standardised with saturated units; a
            gradient-descent stop while the loss zigzagged), with the fix;
            see the user guide, "When a fit goes wrong".  Every warning
            points at the caller's line.
        """
        with restore_input_attributes_on_failure(self):
            self._fit(X, y, sample_weight, X_val, y_val, sample_weight_val)
        return self

    def _fit(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        hidden = check_params(self)
        warm = bool(self.warm_start) and hasattr(self, "coefs_")
        checked = []

        def fit_size(hidden):
            def fit_one(random_state, first):
                checked[:] = fit_once(
                    self, X, y, sample_weight, X_val, y_val, sample_weight_val,
                    hidden, random_state, warn_size=first and not searching,
                )

            fit_restarts(self, fit_one, warm)

        searching = hidden == "auto"
        if searching:  # every candidate size with n_init starts each
            candidates = candidate_sizes(self, warm)
            # the cost, said before the search (which records its fits' warnings)
            check_lm_size(self, None, X, y, candidates=candidates)
            search_sizes(self, fit_size, candidates)
        else:
            fit_size(hidden)
            for name in SIZE_ATTRIBUTES:  # a search's, no longer this model's
                self.__dict__.pop(name, None)
        # once per fit, on the kept model: a poor fit's cause, named
        diagnose(self, *checked, fit_call=True)

    def _partial_fit_available(self):
        # normalize_y: one batch's mean and standard deviation are not the
        # data's, so there is no partial_fit (as for 'lbfgs' and 'lm')
        # ensemble=True: fit makes a committee; partial_fit trains one network
        return (SOLVERS[self.solver].has_partial_fit and not self.normalize_y
                and not self.ensemble)

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
        ``normalize_y`` or ``ensemble=True`` (``hasattr(est, 'partial_fit')``
        is False there); on a model fitted as a committee it raises
        ``ValueError`` (continue one member, ``estimators_[k]``, instead).

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
        hidden = check_params(self)
        if hasattr(self, "estimators_"):
            raise ValueError(
                "partial_fit trains one network, and this model is a "
                "committee of networks fitted with ensemble=True. Continue one "
                "member, est.estimators_[k].partial_fit(X, y), or refit with "
                "ensemble=False first."
            )
        if self.early_stopping:
            raise ValueError(
                "partial_fit runs one epoch on the batch it is given and holds out "
                "no validation set, so early_stopping=True cannot apply; set "
                "early_stopping=False and score a validation set between calls."
            )
        with restore_input_attributes_on_failure(self):
            X, y, sample_weight = check_data(
                self, X, y, sample_weight, reset=first
            )
            if first:
                state = initial_state(self, hidden, X, y)
            else:
                check_continuation(self, hidden, y, X, "partial_fit")
                state = State.from_estimator(self)
                prepare_solver(self, state, restart=False)
            # the evidence of an earlier 'lm' fit no longer describes the
            # weights; partial_fit never scales the targets
            run_call(self, state, X, y, sample_weight, None, fit_call=False,
                     finish=lambda state: {"_y_scaling": None},
                     remove=EVIDENCE_ATTRIBUTES + SIZE_ATTRIBUTES)
            if first:  # the inputs' scale, once (a stream has no stopping rule)
                diagnose(self, X, y, fit_call=False)
        return self

    # ------------------------------------------------------------ prediction
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
            :math:`s^2(x) = 1/\beta + g(x)^\top A^{-1} g(x)`, noise of
            a new observation plus the uncertainty of the weights, with
            :math:`g(x) = \partial\hat y(x)/\partial w` and :math:`A` the
            posterior precision at the fit, and :math:`\beta` integrated
            out: the predictive distribution is a Student t with
            :math:`\nu = N - p_b - \gamma` degrees of freedom and scale
            :math:`s`, whose variance is
            :math:`\sigma^2 = s^2\,\nu/(\nu - 2)` (infinite when
            :math:`\nu \le 2`, with a warning), plus, under
            ``alpha='auto'`` or ``'ard'``, the prediction's first-order
            spread over the evidence's error bars on the prior strengths
            (see :doc:`/evidence`).  Needs a
            model fitted with ``solver='lm'``: with ``alpha='auto'`` all
            hyperparameters come from the evidence; with a fixed ``alpha``
            the noise precision :math:`\beta` is estimated from the
            residuals and the prior is :math:`\alpha_M = \alpha\beta`
            (with ``alpha=0`` a flat prior: the bars can be very wide).
            For a committee (``ensemble=True``) the mean of the members'
            predictions and :math:`\sqrt{\frac1M\sum_m \sigma_m^2 +
            \frac1M\sum_m (\mu_m - \bar\mu)^2}`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column per output; a single output is returned as 1-D, as
            ``MLPRegressor`` does.  The dtype is that of the weights.
        y_std : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Only with ``return_std=True``: the predictive standard deviation
            :math:`\sigma`, on the scale of ``y``, float64.
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
        X = check_X_predict(self, X, "predict")
        committee = getattr(self, "estimators_", None)
        if committee is not None:  # ensemble=True: the members' mixture
            if return_std:  # one warning for the committee, not one per member
                _warn_infinite_std(committee)
            y_pred, variance = _committee.combine(
                [_network.predict(X, m.coefs_, m.intercepts_) for m in committee],
                [m._predict_std(X, warn=False) ** 2 for m in committee]
                if return_std else None)
            if not return_std:
                return self._shape_output(y_pred)
            return (self._shape_output(y_pred),
                    self._shape_output(np.sqrt(variance)))
        y_pred = _network.predict(X, self.coefs_, self.intercepts_)
        if not return_std:
            return self._shape_output(y_pred)
        return self._shape_output(y_pred), self._shape_output(self._predict_std(X))

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
        xp = input_namespace(X)
        if xp is not None:
            return self._score_xp(X, y, sample_weight, xp)
        if dispatch_enabled():
            y = to_numpy(y)
            if sample_weight is not None:
                sample_weight = to_numpy(sample_weight)
        return float(super().score(X, y, sample_weight=sample_weight))

    def _score_xp(self, X, y, sample_weight, xp):
        """:meth:`score` in ``X``'s library (``r2_score``'s formula).

        ``y`` and ``sample_weight`` follow ``X``'s library and device; the
        per-output sums of squares (one number per output) come to the host.
        """
        X = check_X_predict(self, X, "score")
        committee = getattr(self, "estimators_", None) or [self]
        y_pred, _ = _committee.combine(
            [_network.predict(X, m.coefs_, m.intercepts_) for m in committee])
        device = device_of(y_pred)
        y = xp.astype(move(y, xp, device), y_pred.dtype)
        if y.ndim == 1:
            y = xp.reshape(y, (-1, 1))
        if tuple(y.shape) != tuple(y_pred.shape):
            raise ValueError(
                f"y has shape {tuple(y.shape)} but the model predicts "
                f"{tuple(y_pred.shape)} for X; pass one target row per sample with "
                f"{self.n_outputs_} output(s)."
            )
        if sample_weight is not None:
            sample_weight = move(check_sample_weight(
                to_numpy(sample_weight), y.shape[0], np.float64), xp, device)
            sample_weight = xp.astype(sample_weight, y_pred.dtype)
        return Validation(y, y, sample_weight, 0.0).r2(y_pred)

    def _predict_std(self, X, warn=True):
        """Predictive standard deviation (n_samples, n_outputs), float64: the
        posterior is that of the trained (standardised-target) weights."""
        if warn:
            _warn_infinite_std([self])
        coefs = [np.asarray(c, dtype=np.float64) for c in self.coefs_]
        intercepts = [np.asarray(b, dtype=np.float64) for b in self.intercepts_]
        scaling = getattr(self, "_y_scaling", None)
        scale = np.ones(coefs[-1].shape[1])
        if scaling is not None:
            coefs[-1], intercepts[-1] = unfold_scaling(coefs[-1], intercepts[-1],
                                                       scaling)
            scale = np.asarray(scaling[1], dtype=np.float64)
        return _lm.predictive_std(X, coefs, intercepts, self._posterior_factor,
                                  self._posterior_beta, self._posterior_dof,
                                  self._posterior_hyper, scale)

    def _shape_output(self, y_pred):
        if y_pred.shape[1] != 1:
            return y_pred
        if isinstance(y_pred, np.ndarray):
            return y_pred.ravel()
        return namespace_of(y_pred).reshape(y_pred, (-1,))

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
        coefs, intercepts = check_weights(coefs, intercepts)
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
        check_params(est)
        # A model that has seen no data: the fitted state of zero epochs.
        state = State(coefs, intercepts, None, check_random_state(est.random_state))
        prepare_solver(est, state, restart=True)
        state.commit(est, fit_call=True)
        est.n_features_in_ = coefs[0].shape[0]
        return est

    def forward_pass(self, X: ArrayLike) -> ForwardPass:
        """All intermediate values of the forward pass for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The inputs to pass forward, one row per sample.

        Returns
        -------
        ForwardPass
            ``pre_activations`` (every layer's z), ``activations`` (inputs,
            then every hidden layer's g(z)) and ``output`` (ŷ).

        Raises
        ------
        ValueError
            For a committee (``ensemble=True``), which has no single
            network: call it on a member, ``estimators_[k]``.
        """
        check_is_fitted(self)
        _committee.check_single_network(self, "forward_pass")
        X = check_X_predict(self, X, "forward_pass")
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

    def loss_gradient(self, X: ArrayLike, y: ArrayLike,
                      sample_weight: ArrayLike | None = None) -> LossGradient:
        """The loss J at the current weights and its gradient (no step taken).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The inputs whose cost is differentiated.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights :math:`w_i` of the squared errors; None
            gives every sample weight 1.

        Returns
        -------
        LossGradient
            ``(loss, coef_grads, intercept_grads)`` with the gradients in the
            ``coefs_`` / ``intercepts_`` layout.

        Raises
        ------
        ValueError
            For a committee (``ensemble=True``): call it on a member,
            ``estimators_[k]``.
        """
        check_is_fitted(self)
        _committee.check_single_network(self, "loss_gradient")
        check_fitted_namespace(self, X, "loss_gradient")
        X, y, sample_weight = check_data(self, X, y, sample_weight, reset=False)
        xp = namespace_of(X)
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
        if isinstance(alpha, str) and alpha in ("auto", "ard"):
            if not hasattr(self, "alpha_"):
                raise ValueError(
                    f"alpha={alpha!r} has no value before fit; fit first (alpha_ is "
                    "then used) or give alpha a number."
                )
            alpha = self.alpha_
        check_real("alpha", alpha, low=0, hint="a non-negative L2 strength")
        loss, coef_grads, intercept_grads = _network.loss_gradient(
            X, y, self.coefs_, self.intercepts_, sample_weight, float(alpha)
        )
        S = _network.weight_sum(X, sample_weight)
        if self.alpha == "ard":
            # input i's fan-out weights: input_alphas_[i] in place of alpha_
            extra = (self.input_alphas_ - float(alpha))[:, None]
            loss = loss + 0.5 * float((extra * self.coefs_[0] ** 2).sum()) / S
            coef_grads = [coef_grads[0] + extra * self.coefs_[0] / S,
                          *coef_grads[1:]]
        if alpha and penalises_intercepts(self):
            # the intercepts' share of the L2 term (penalize_intercepts)
            loss = loss + _network.l2_penalty(self.intercepts_, float(alpha), S)
            intercept_grads = [g + float(alpha) * b / S
                               for g, b in zip(intercept_grads, self.intercepts_)]
        return LossGradient(loss, coef_grads, intercept_grads)


def _warn_infinite_std(fits):
    """Warn once if any of ``fits`` (a model, or a committee's members) has a
    Student t predictive distribution without a finite variance (nu <= 2)."""
    bad = [m for m in fits if m._posterior_dof <= 2.0]
    if not bad:
        return
    dof = ", ".join(f"{m._posterior_dof:.3g}" for m in bad)
    gammas = ", ".join(f"{m.effective_n_params_:.3g}" for m in bad)
    whose = ("the predictive distribution is a Student t" if len(fits) == 1 else
             f"{len(bad)} of the committee's {len(fits)} members have a "
             "Student t predictive distribution")
    warn_user(
        f"predict(X, return_std=True): {whose} with {dof} degrees of freedom "
        "(the training rows, minus the weights without a prior, minus "
        f"effective_n_params_={gammas}), which has no finite variance, so the "
        "standard deviations are inf. Fit on more rows, with fewer hidden "
        "units, or with a stronger prior (alpha='auto' chooses one from the "
        "evidence).",
        UserWarning)
