r"""The general training loops: epochs of (mini-)batch steps, and L-BFGS.

Plain full-batch gradient descent with a constant step size and nothing to do
between epochs runs in :func:`sigmoid_mlp._kernels.run_full_batch_gd`.  Every
other configuration runs here, with the same hand-written loss and gradient
(:class:`sigmoid_mlp._kernels.FullBatchLossGradient`, built on each batch):

* :func:`run_epochs` -- 'gd' (one batch: the whole training set), 'sgd' and
  'adam' (mini-batches), with step-size schedules, validation monitoring,
  early stopping, per-epoch hooks (verbose output, scikit-learn callbacks) and
  divergence checks on every mini-batch.
* :func:`run_lbfgs` -- ``scipy.optimize.minimize(method='L-BFGS-B')`` on the
  packed weights, with the same monitoring per L-BFGS iteration.
* :func:`run_lm` -- Levenberg-Marquardt: Gauss-Newton steps with the
  per-sample derivatives of the outputs (:class:`GaussNewtonSystem`), damped
  by :class:`sigmoid_mlp._solvers.LevenbergMarquardt`, with the same
  monitoring per iteration.

With scikit-learn's ``array_api_dispatch`` and arrays of another library
(torch, CuPy, array-api-strict), :func:`run_epochs` takes
:class:`NamespaceLossGradient` instead: the same formulas from
:mod:`sigmoid_mlp._network`, computed in that library and on the arrays'
device; only scalars (losses, finiteness checks) come back to the host.

Both work on a training *state* (``_State`` of :mod:`sigmoid_mlp._regressor`)
and change it only a whole epoch (iteration) at a time: the weights, the
solver's state, the counters and curves are replaced together once an epoch is
complete.  An interrupted epoch (``KeyboardInterrupt``) therefore leaves the
state at the end of the last complete epoch, and a divergent step raises
:class:`Diverged` carrying the last finite weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.utils import gen_batches

from . import _compiled_gn, _kernels, _network
from ._kernels import FullBatchLossGradient
from ._solvers import LBFGSStop, LevenbergMarquardt, minimize_lbfgs

__all__ = [
    "Diverged",
    "EpochEnd",
    "GaussNewtonSystem",
    "NamespaceLossGradient",
    "Validation",
    "run_epochs",
    "run_lbfgs",
    "run_lm",
]


def _host_vector(a):
    """A short 1-D array of any namespace as numpy (one scalar per entry)."""
    return np.asarray([float(a[j]) for j in range(a.shape[0])])


def _total(a):
    """``float(sum(a))`` for an array of any namespace (one scalar to the host)."""
    if isinstance(a, np.ndarray):
        return float(a.sum())
    return float(_network.array_namespace(a).sum(a))


def _take_rows(a, rows):
    """Rows ``rows`` (a slice or a numpy index array) of ``a``, in ``a``'s library.

    The index array is moved once to ``a``'s device; the data never leave it.
    """
    if isinstance(a, np.ndarray) or hasattr(a, "tocsr"):
        return a[rows]
    xp = _network.array_namespace(a)
    if isinstance(rows, slice):
        return a[rows, ...]
    import array_api_compat

    index = xp.asarray(rows, device=array_api_compat.device(a))
    return xp.take(a, index, axis=0)


class NamespaceLossGradient:
    r"""The interface of :class:`~sigmoid_mlp._kernels.FullBatchLossGradient`
    for arrays of any Array API library (torch, CuPy, array-api-strict).

    Every computation is :mod:`sigmoid_mlp._network`'s (one implementation
    written against the namespace ``xp``), so the data and the weights stay in
    their library and on their device; only the scalar loss :math:`J` comes
    back to the host as a Python float.  numpy data take the fast kernels
    instead.
    """

    def __init__(self, X, y, sample_weight, alpha):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.n_samples = X.shape[0]
        self.weight_sum = (
            float(X.shape[0]) if sample_weight is None else _total(sample_weight)
        )

    def __call__(self, coefs, intercepts):
        """``(J, coef_grads, intercept_grads)`` at the given weights."""
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


class Diverged(Exception):
    """A step made the loss (or the weights) non-finite or blow up.

    Attributes
    ----------
    epoch : int
        1-based epoch (L-BFGS: iteration) within the call.
    loss : float
        The offending loss value.
    learning_rate : float or None
        The step size in use (None for L-BFGS).
    coefs, intercepts : list of ndarray
        The last finite weights before the divergent step.
    """

    def __init__(self, epoch, learning_rate, loss, params, n_layers):
        super().__init__(epoch, loss)
        self.epoch = epoch
        self.loss = loss
        self.learning_rate = learning_rate
        self.coefs = list(params[:n_layers])
        self.intercepts = list(params[n_layers:])


@dataclass
class EpochEnd:
    """What the per-epoch hook learns about a completed epoch.

    Attributes
    ----------
    epoch : int
        1-based epoch (L-BFGS: iteration) within the call.
    loss : float
        Training loss recorded for the epoch (``loss_curve_``'s entry).
    validation_loss, validation_score : float or None
        :math:`J` and :math:`R^2` on the validation set after the epoch.
    learning_rate : float or None
        Step size used in the epoch (None for L-BFGS).
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
    :math:`\frac{\alpha}{2 S_{val}}\sum_l \lVert W^{(l)}\rVert^2`, the same
    quantity as ``loss_curve_``) and :math:`R^2` (``r2_score``, what
    ``MLPRegressor`` records), from one forward pass.
    """

    def __init__(self, X, y, sample_weight, alpha):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.weight_sum = (
            float(X.shape[0]) if sample_weight is None else _total(sample_weight)
        )
        self._xp = None if isinstance(y, np.ndarray) else _network.array_namespace(y)
        if self._xp is not None:
            # Another library: the same quantities in its namespace; the
            # per-output sums of squares (k numbers) come to the host.
            xp = self._xp
            w = (
                xp.ones_like(y[:, 0]) if sample_weight is None else sample_weight
            )
            w = xp.reshape(w, (-1, 1))
            mean = xp.sum(w * y, axis=0) / xp.sum(w)
            self._total_ss = _host_vector(xp.sum(w * (y - mean) ** 2, axis=0))
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
            residual_ss = _host_vector(
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
        if not _all_finite([y_pred]):
            return np.inf, -np.inf
        loss = _network.squared_error(self.y, y_pred, self.sample_weight)
        loss += _network.l2_penalty(coefs, self.alpha, self.weight_sum)
        score = self.r2(y_pred)
        return loss, score


def _all_finite(arrays):
    """True when every entry is finite (one boolean per array to the host)."""
    for a in arrays:
        if isinstance(a, np.ndarray):
            if not np.isfinite(a).all():
                return False
        else:
            xp = _network.array_namespace(a)
            if not bool(xp.all(xp.isfinite(a))):
                return False
    return True


def _validation_updates(state, validation, coefs, intercepts):
    """Score the validation set; the new curves and best weights, as updates.

    Returns the state updates (nothing changes until the epoch is committed;
    the caller appends to the curves), the validation loss and score, and the
    best validation loss before this epoch (for the no-improvement rule).
    """
    loss, score = validation.evaluate(coefs, intercepts)
    previous_best = state.best_validation_loss
    updates = {}
    if loss < previous_best:
        # Arrays are never modified in place, so keeping references is safe.
        updates.update(
            best_validation_loss=loss,
            best_validation_score=score,
            best_coefs=list(coefs),
            best_intercepts=list(intercepts),
        )
    return updates, loss, score, previous_best


_CURVES = ("loss_curve", "validation_loss_curve", "validation_scores")


def _append_curves(state, loss, validation_loss, validation_score):
    """Record an epoch in the curves, just before the epoch is committed."""
    state.loss_curve.append(loss)
    if state.validation_loss_curve is not None:
        state.validation_loss_curve.append(validation_loss)
        state.validation_scores.append(validation_score)


def _curve_lengths(state):
    return {
        name: len(getattr(state, name))
        for name in _CURVES
        if getattr(state, name) is not None
    }


def _trim_curves(state, lengths, n_iter_at_call):
    """After an interrupt: one curve entry per committed epoch, no more."""
    committed = state.n_iter - n_iter_at_call
    for name, length in lengths.items():
        del getattr(state, name)[length + committed:]


def run_epochs(
    state,
    X,
    y,
    sample_weight,
    *,
    n_epochs,
    alpha,
    batch_size,
    shuffle,
    tol,
    n_iter_no_change,
    early_stopping,
    check_convergence,
    divergence_threshold,
    validation=None,
    on_epoch_begin=None,
    on_epoch_end=None,
):
    r"""Run up to ``n_epochs`` epochs of ``state.solver`` on ``state``.

    One epoch visits every training sample once, in mini-batches of
    ``batch_size`` (in a fresh random order per epoch when ``shuffle``); on
    each batch :math:`B` it computes :math:`J_B` and :math:`\nabla J_B` at the
    current weights and lets the solver step.  Before a step, the batch loss
    is checked: non-finite, or larger than ``divergence_threshold`` once
    rescaled to the whole set (:math:`J_B S_B / S`, never more than the
    full-data loss of a non-divergent run), raises :class:`Diverged`; so do
    non-finite weights after a step.

    The epoch's training loss (the ``loss_curve_`` entry) is the
    weight-averaged batch loss :math:`\sum_B S_B J_B / S`; for one batch it is
    :math:`J` before the epoch's step, as in the fast path.  Then the
    validation set (if any) is scored, the no-improvement rule is applied to
    the validation loss (``early_stopping``) or the training loss, and the
    schedule moves on.

    Returns
    -------
    status : {'converged', 'max_iter', 'interrupted', 'callback'}
    previous : list of ndarray
        The weights before the last step (the last finite weights should the
        final weights turn out to diverge).
    last_step : tuple
        ``(epoch, learning_rate)`` of the last step taken.
    """
    n_samples = X.shape[0]
    n_layers = len(state.coefs)
    total_weight = float(n_samples) if sample_weight is None else _total(sample_weight)
    batch_size = min(batch_size, n_samples)
    one_batch = batch_size >= n_samples
    # numpy (and scipy sparse) data take the fast kernels; other libraries
    # the namespace-generic math of _network.
    make = (
        FullBatchLossGradient if isinstance(y, np.ndarray) else NamespaceLossGradient
    )

    def batch(rows):
        Xb, yb = _take_rows(X, rows), _take_rows(y, rows)
        swb = None if sample_weight is None else _take_rows(sample_weight, rows)
        weight = float(Xb.shape[0]) if swb is None else _total(swb)
        return make(Xb, yb, swb, alpha), weight

    if one_batch:
        fixed_batches = [(make(X, y, sample_weight, alpha), total_weight)]
    elif not shuffle:
        fixed_batches = [batch(rows) for rows in gen_batches(n_samples, batch_size)]
    else:
        fixed_batches = None

    status = "max_iter"
    rng_state = None
    n_iter_at_start = n_iter_at_call = state.n_iter
    curve_lengths = _curve_lengths(state)
    previous = [*state.coefs, *state.intercepts]
    # The epoch and step size of the last step taken: a blown-up loss is
    # seen at the next batch, possibly in the next epoch, but it is this
    # step's doing.
    last_step = (1, state.solver.learning_rate)
    try:
        for epoch in range(1, n_epochs + 1):
            n_iter_at_start = state.n_iter
            if on_epoch_begin is not None:
                on_epoch_begin(epoch)
            solver = state.solver.copy()
            learning_rate = solver.learning_rate
            if fixed_batches is not None:
                batches = fixed_batches
            else:
                rng_state = state.rng.get_state()
                order = state.rng.permutation(n_samples)
                batches = (batch(order[s]) for s in gen_batches(n_samples, batch_size))
            params = [*state.coefs, *state.intercepts]
            accumulated = 0.0
            for loss_gradient, weight in batches:
                loss, coef_grads, intercept_grads = loss_gradient(
                    params[:n_layers], params[n_layers:]
                )
                if not np.isfinite(loss) or loss * weight / total_weight > divergence_threshold:
                    raise Diverged(*last_step, loss, previous, n_layers)
                new_params = solver.step(params, [*coef_grads, *intercept_grads])
                if not _all_finite(new_params):
                    raise Diverged(epoch, learning_rate, np.inf, params, n_layers)
                previous, params = params, new_params
                last_step = (epoch, learning_rate)
                accumulated += loss * weight
            epoch_loss = accumulated / total_weight

            # The epoch is complete.  Everything it changes is computed first and
            # committed to the state in one update, so a KeyboardInterrupt sees
            # either the previous epoch or this one, never a mixture.
            coefs, intercepts = params[:n_layers], params[n_layers:]
            t = state.t + n_samples
            updates = {}
            validation_loss = validation_score = None
            if validation is not None:
                updates, validation_loss, validation_score, best_val = (
                    _validation_updates(state, validation, coefs, intercepts)
                )
            if early_stopping:
                monitored, previous_best = validation_loss, best_val
            else:
                monitored, previous_best = epoch_loss, state.best_loss
            # MLPRegressor's rule: an epoch is bad when it does not beat the
            # best so far by at least tol.
            count = state.no_improvement_count + 1 if monitored > previous_best - tol else 0
            solver.epoch_ends(t)
            stop = False
            if count > n_iter_no_change:
                if solver.no_improvement():
                    stop = check_convergence
                else:
                    count = 0
            updates.update(
                coefs=coefs,
                intercepts=intercepts,
                solver=solver,
                n_iter=state.n_iter + 1,
                t=t,
                best_loss=min(state.best_loss, epoch_loss),
                no_improvement_count=count,
            )
            # The curves grow by appending (copying them every epoch would cost
            # O(epochs^2)); an interrupt before the update below trims them back
            # to the committed epochs (see _trim_curves).
            _append_curves(state, epoch_loss, validation_loss, validation_score)
            state.__dict__.update(updates)
            if on_epoch_end is not None and on_epoch_end(
                EpochEnd(epoch, epoch_loss, validation_loss, validation_score,
                         learning_rate)
            ):
                status = "callback"
                break
            if stop:
                status = "converged"
                break
    except KeyboardInterrupt:
        # Undo the shuffling draw of an epoch that was not committed.
        if rng_state is not None and state.n_iter == n_iter_at_start:
            state.rng.set_state(rng_state)
        _trim_curves(state, curve_lengths, n_iter_at_call)
        status = "interrupted"
        previous = [*state.coefs, *state.intercepts]
    return status, previous, last_step


class _NonFinite(Exception):
    def __init__(self, loss):
        super().__init__(loss)
        self.loss = loss


def run_lbfgs(
    state,
    X,
    y,
    sample_weight,
    *,
    alpha,
    max_iter,
    max_fun,
    tol,
    n_iter_no_change,
    early_stopping,
    validation=None,
    on_epoch_begin=None,
    on_epoch_end=None,
):
    r"""Minimise :math:`J` with L-BFGS-B from ``state``'s weights.

    The objective handed to scipy is exactly :math:`J` and its gradient from
    the backward pass, for any number of outputs (``MLPRegressor`` reports
    :math:`1/k` of the function whose gradient it uses for :math:`k`
    outputs, which misleads the line search; sklearn issue #8349).

    Every L-BFGS iteration counts as an epoch: ``loss_curve_`` gets
    :math:`J` before the iteration, the validation set is scored after it,
    the hooks run, and with ``early_stopping`` the optimisation ends once the
    validation loss has not improved by ``tol`` for more than
    ``n_iter_no_change`` iterations.  A non-finite loss or gradient at any
    point L-BFGS evaluates raises :class:`Diverged`.

    Returns
    -------
    status : {'converged', 'max_iter', 'max_fun', 'abnormal', 'interrupted',
              'callback'}
    message : str
        scipy's message when scipy stopped the optimisation.
    final_loss : float or None
        :math:`J` at the final weights when known without another pass.
    """
    n_layers = len(state.coefs)
    dtype = state.coefs[0].dtype
    layer_sizes = [state.coefs[0].shape[0], *(c.shape[1] for c in state.coefs)]
    loss_gradient = FullBatchLossGradient(X, y, sample_weight, alpha)
    n_samples = X.shape[0]
    last_eval = {"x": None, "loss": None}
    current = {"loss": None, "epoch": 1}

    def unpack(x):
        coefs, intercepts = _network.unpack(np.asarray(x, dtype=dtype), layer_sizes)
        return [c.copy() for c in coefs], [b.copy() for b in intercepts]

    def fun(x):
        coefs, intercepts = unpack(x)
        loss, coef_grads, intercept_grads = loss_gradient(coefs, intercepts)
        grad = _network.pack(coef_grads, intercept_grads).astype(np.float64)
        if not np.isfinite(loss) or not np.isfinite(grad).all():
            raise _NonFinite(loss if not np.isfinite(loss) else np.inf)
        last_eval["x"] = np.array(x, copy=True)
        last_eval["loss"] = float(loss)
        return float(loss), grad

    def loss_at(x):
        if last_eval["x"] is not None and np.array_equal(last_eval["x"], x):
            return last_eval["loss"]
        coefs, intercepts = unpack(x)
        return float(loss_gradient.loss(coefs, intercepts))

    def callback(xk):
        epoch = current["epoch"]
        coefs, intercepts = unpack(xk)
        new_loss = loss_at(xk)
        updates = {}
        validation_loss = validation_score = None
        stop = False
        count = state.no_improvement_count
        if validation is not None:
            updates, validation_loss, validation_score, best_val = (
                _validation_updates(state, validation, coefs, intercepts)
            )
            if early_stopping:
                count = count + 1 if validation_loss > best_val - tol else 0
                stop = count > n_iter_no_change
        # One update: an interrupt sees the previous iteration or this one.
        updates.update(
            coefs=coefs,
            intercepts=intercepts,
            n_iter=state.n_iter + 1,
            t=state.t + n_samples,
            best_loss=min(state.best_loss, current["loss"]),
            no_improvement_count=count,
        )
        _append_curves(state, current["loss"], validation_loss, validation_score)
        state.__dict__.update(updates)
        current["loss"] = new_loss
        current["epoch"] = epoch + 1
        if on_epoch_end is not None and on_epoch_end(
            EpochEnd(epoch, state.loss_curve[-1], validation_loss, validation_score,
                     None)
        ):
            current["status"] = "callback"
            raise LBFGSStop
        if stop:
            current["status"] = "converged"
            raise LBFGSStop
        if on_epoch_begin is not None:
            on_epoch_begin(epoch + 1)

    x0 = _network.pack(state.coefs, state.intercepts).astype(np.float64)
    n_iter_at_call = state.n_iter
    curve_lengths = _curve_lengths(state)
    try:
        current["loss"] = float(loss_gradient.loss(state.coefs, state.intercepts))
        if not np.isfinite(current["loss"]):
            raise _NonFinite(current["loss"])
        if on_epoch_begin is not None:
            on_epoch_begin(1)
        result = minimize_lbfgs(
            fun, x0, max_iter=max_iter, max_fun=max_fun, tol=tol, callback=callback
        )
    except _NonFinite as exc:
        raise Diverged(
            current["epoch"], None, exc.loss, [*state.coefs, *state.intercepts],
            n_layers,
        ) from None
    except KeyboardInterrupt:
        _trim_curves(state, curve_lengths, n_iter_at_call)
        return "interrupted", "", current["loss"]
    if result is None:
        return current.get("status", "callback"), "", current["loss"]
    # scipy's final iterate is the last one the callback saw; take it (and
    # its loss) from the result all the same.
    state.coefs, state.intercepts = unpack(result.x)
    if result.status == 0:
        status = "converged"
    elif result.status == 1:
        status = "max_fun" if result.nfev >= max_fun else "max_iter"
    else:
        status = "abnormal"
    message = result.message
    if isinstance(message, bytes):  # older scipy
        message = message.decode()
    return status, str(message), float(result.fun)


# The per-sample Jacobian of one chunk of rows holds at most this many numbers
# (2 MiB in float64), whatever the number of samples.
_GN_CHUNK_ELEMENTS = 1 << 18


class GaussNewtonSystem:
    r"""Gradient and Gauss-Newton curvature of :math:`J` on the whole training set.

    With :math:`s, u, M` the sums of
    :func:`sigmoid_mlp._network.gauss_newton_sums` over all rows (computed in
    chunks whose Jacobian has at most ``2**18`` entries, so memory stays
    bounded) and :math:`P` the 0/1 diagonal selecting the penalised weights
    (the ``coefs``):

    .. math:: \nabla J = \frac{u + \alpha P w}{S}, \qquad
              H = \frac{M + \alpha P}{S}.

    :math:`H` is the Hessian of :math:`J` without the terms with second
    derivatives of the network: symmetric and positive semi-definite.

    :meth:`loss` evaluates :math:`J` alone (at trial steps).  When the data fit
    in one chunk it keeps the forward pass, which :meth:`gradient_curvature`
    reuses when asked about the same weights; otherwise the loss comes from
    the chunked forward pass of
    :class:`~sigmoid_mlp._kernels.FullBatchLossGradient`.

    With numba installed, small networks (at most
    :data:`sigmoid_mlp._compiled_gn.MAX_WEIGHTS` weights) on float64 dense data
    take the compiled sums of :mod:`sigmoid_mlp._compiled_gn` instead (the same
    quantities, tested equal); ``SIGMOID_MLP_ENGINE=numpy`` keeps numpy.
    """

    def __init__(self, X, y, sample_weight, alpha, layer_sizes, dtype):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        self.layer_sizes = list(layer_sizes)
        self.dtype = dtype
        self.weight_sum = (
            float(X.shape[0]) if sample_weight is None else _total(sample_weight)
        )
        self.penalised = np.concatenate(
            [np.ones(a * b) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
            + [np.zeros(b) for b in layer_sizes[1:]]
        )
        n_weights = self.penalised.size
        self.chunk_rows = max(1, _GN_CHUNK_ELEMENTS // (y.shape[1] * n_weights))
        self._one_chunk = X.shape[0] <= self.chunk_rows
        # The kernel evaluates the squared error only; the L2 term is
        # _penalty's, so set_alpha needs to change one number.
        self._kernel = None if self._one_chunk else FullBatchLossGradient(
            X, y, sample_weight, 0.0
        )
        self._kept = (None, None)  # (x, activations) of the last loss
        self._compiled = None
        if (dtype == np.float64 and _kernels.ENGINE != "numpy"
                and _compiled_gn.CompiledSystem.supports(X, y, sample_weight,
                                                         n_weights)):
            self._compiled = _compiled_gn.CompiledSystem(X, y, sample_weight,
                                                         layer_sizes)

    def set_alpha(self, alpha):
        """Change the L2 strength :math:`\\alpha` (``alpha='auto'`` re-estimates it)."""
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


def _gradient_converged(grad, tol):
    return grad.size == 0 or float(np.abs(grad).max()) <= tol


def run_lm(
    state,
    X,
    y,
    sample_weight,
    *,
    alpha,
    max_iter,
    max_fun,
    tol,
    n_iter_no_change,
    early_stopping,
    validation=None,
    on_epoch_begin=None,
    on_epoch_end=None,
    regulariser=None,
):
    r"""Minimise :math:`J` with Levenberg-Marquardt from ``state``'s weights.

    One iteration (an "epoch" for ``loss_curve_``, the hooks and the
    counters) solves :math:`(H + \mu I) h = -\nabla J` and evaluates
    :math:`J(w + h)`; a step that does not decrease :math:`J` enough is
    rejected, :math:`\mu` raised and the system solved again, within the
    same iteration (:class:`~sigmoid_mlp._solvers.LevenbergMarquardt`).  So
    every iteration decreases :math:`J`, and ``loss_curve_`` (:math:`J`
    before the iteration, as for L-BFGS) falls strictly.

    Stops, status 'converged', when :math:`\max_j |\partial J/\partial w_j|
    \le` ``tol`` (the test L-BFGS-B applies with ``gtol=tol``), when the
    step is too small to change the weights in floating point, or by the
    stopping rule of the other solvers: the monitored loss (``loss_curve_``'s
    :math:`J`, or with ``early_stopping`` the validation loss) has not
    improved by ``tol`` for more than ``n_iter_no_change`` iterations; status
    'max_iter' after ``max_iter``
    iterations, 'max_fun' after ``max_fun`` evaluations of :math:`J` (the start
    and every trial step).  A non-finite :math:`J` at a trial step only
    rejects the step; a non-finite loss or gradient at the start raises
    :class:`Diverged`.

    ``regulariser`` (``alpha='auto'``, an
    :class:`~sigmoid_mlp._evidence.EvidenceRegulariser`) starts the system
    at ``regulariser.alpha``; after every accepted step its
    ``update(system, x, loss, grad, curvature)`` may change the system's
    :math:`\alpha` and returns the loss, gradient and curvature for it.
    While it reports ``changed``, the stopping rule's count restarts.

    Returns
    -------
    status : {'converged', 'max_iter', 'max_fun', 'interrupted', 'callback'}
    message : str
        Empty (for the interface of :func:`run_lbfgs`).
    final_loss : float or None
        :math:`J` at the final weights when known without another pass.
    """
    n_layers = len(state.coefs)
    dtype = state.coefs[0].dtype
    layer_sizes = [state.coefs[0].shape[0], *(c.shape[1] for c in state.coefs)]
    if regulariser is not None:  # alpha='auto' (hook 1 of 3)
        alpha = regulariser.alpha
    system = GaussNewtonSystem(X, y, sample_weight, alpha, layer_sizes, dtype)
    n_samples = X.shape[0]
    n_iter_at_call = state.n_iter
    curve_lengths = _curve_lengths(state)
    try:
        x = _network.pack(state.coefs, state.intercepts).astype(np.float64)
        loss = system.loss(x)
        if not math.isfinite(loss):
            raise Diverged(1, None, loss, [*state.coefs, *state.intercepts], n_layers)
        grad, curvature = system.gradient_curvature(x)
        if not _all_finite([grad, curvature]):
            raise Diverged(1, None, np.inf, [*state.coefs, *state.intercepts],
                           n_layers)
        damping = LevenbergMarquardt(curvature)
        n_fun = 1
        if _gradient_converged(grad, tol):
            return "converged", "", loss
        for epoch in range(1, max_iter + 1):
            if on_epoch_begin is not None:
                on_epoch_begin(epoch)
            while True:  # trial steps until J decreases
                if n_fun >= max_fun:
                    return "max_fun", "", loss
                step = damping.step(grad, curvature)
                if step is None:  # singular or overflowing system: damp more
                    damping.reject()
                    if not math.isfinite(damping.mu):
                        return "converged", "", loss
                    continue
                new_x = x + step
                if dtype != np.float64:  # the weights float32 data can hold
                    new_x = new_x.astype(dtype).astype(np.float64)
                if (new_x == x).all():  # below floating-point resolution
                    return "converged", "", loss
                new_loss = system.loss(new_x)
                n_fun += 1
                rho = (damping.gain_ratio(new_x - x, grad, loss - new_loss)
                       if math.isfinite(new_loss) else -math.inf)
                if rho > 0:
                    damping.accept(rho)
                    break
                damping.reject()
            new_grad, new_curvature = system.gradient_curvature(new_x)
            if not _all_finite([new_grad, new_curvature]):
                raise Diverged(epoch, None, np.inf,
                               [*state.coefs, *state.intercepts], n_layers)
            if regulariser is not None:  # alpha='auto' (hook 2 of 3)
                new_loss, new_grad, new_curvature = regulariser.update(
                    system, new_x, new_loss, new_grad, new_curvature)
            coefs, intercepts = system.weights(new_x)
            coefs = [c.copy() for c in coefs]
            intercepts = [b.copy() for b in intercepts]
            updates = {}
            validation_loss = validation_score = None
            monitored, previous_best = loss, state.best_loss
            if validation is not None:
                updates, validation_loss, validation_score, best_val = (
                    _validation_updates(state, validation, coefs, intercepts)
                )
                if early_stopping:
                    monitored, previous_best = validation_loss, best_val
            count = state.no_improvement_count + 1 if monitored > previous_best - tol else 0
            if regulariser is not None and regulariser.changed:  # hook 3 of 3
                count = 0  # J itself changed: wait for alpha to settle
            stop = count > n_iter_no_change
            # One update: an interrupt sees the previous iteration or this one.
            updates.update(
                coefs=coefs,
                intercepts=intercepts,
                n_iter=state.n_iter + 1,
                t=state.t + n_samples,
                best_loss=min(state.best_loss, loss),
                no_improvement_count=count,
            )
            _append_curves(state, loss, validation_loss, validation_score)
            state.__dict__.update(updates)
            x, loss, grad, curvature = new_x, new_loss, new_grad, new_curvature
            if on_epoch_end is not None and on_epoch_end(
                EpochEnd(epoch, state.loss_curve[-1], validation_loss,
                         validation_score, None)
            ):
                return "callback", "", loss
            if stop or _gradient_converged(grad, tol):
                return "converged", "", loss
        return "max_iter", "", loss
    except KeyboardInterrupt:
        _trim_curves(state, curve_lengths, n_iter_at_call)
        return "interrupted", "", None
