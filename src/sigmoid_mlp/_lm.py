r"""Levenberg-Marquardt ('lm'): the Gauss-Newton system, the damping and the driver.

One room for one job, as the other solvers' rooms are :mod:`._solvers` (step
rules) and :mod:`._drivers` (their epochs):

* :class:`GaussNewtonSystem` -- the gradient and Gauss-Newton curvature of
  :math:`J` on the whole training set (the numpy engine: chunked
  :func:`._network.gauss_newton_sums`; or the compiled sums,
  :class:`._compiled.CompiledSystem`, when the plan hands them over);
* :class:`LevenbergMarquardt` -- the damped step :math:`(H + \mu I) h =
  -\nabla J` and Nielsen's update of :math:`\mu` (its rule,
  :func:`._solvers.lm_damping_after_accept`, is the compiled iterations' too);
* :func:`run_lm` -- the driver: one iteration per epoch, reported through the
  protocol; in the compiled kernel (:func:`._compiled.lm.run_block`) when the
  plan gives it, ``config.block`` iterations per call.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg.lapack import dposv as _dposv

from . import _compiled, _evidence, _network
from ._kernels import FullBatchLossGradient
from ._network import all_finite
from ._protocol import Diverged, whole_run
from ._solvers import lm_damping_after_accept

__all__ = [
    "GaussNewtonSystem",
    "LevenbergMarquardt",
    "evidence_attributes",
    "predictive_std",
    "run_lm",
]

# The per-sample Jacobian of one chunk of rows holds at most this many numbers
# (2 MiB in float64), whatever the number of samples.
_GN_CHUNK_ELEMENTS = 1 << 18


class GaussNewtonSystem:
    r"""Gradient and Gauss-Newton curvature of :math:`J` on the whole training set.

    With :math:`s, u, M` the sums of :func:`sigmoid_mlp._network.gauss_newton_sums`
    over all rows (computed in chunks whose Jacobian has at most ``2**18``
    entries, so memory stays bounded) and :math:`P` the 0/1 diagonal
    selecting the penalised weights (the ``coefs``, and the intercepts too
    with ``penalise_intercepts``):

    .. math:: \nabla J = \frac{u + \alpha P w}{S}, \qquad
              H = \frac{M + \alpha P}{S}.

    Under ``alpha='ard'`` :math:`\alpha P` is :math:`\operatorname{diag}(a)`,
    one strength per weight (:meth:`set_alpha`).
    :math:`H` is the Hessian of :math:`J` without the terms with second
    derivatives of the network: symmetric and positive semi-definite.  The
    weights are flat in :func:`._network.pack`'s order.

    :meth:`loss` evaluates :math:`J` alone (at trial steps).  When the data fit
    in one chunk it keeps the forward pass, which :meth:`gradient_curvature`
    reuses when asked about the same weights; otherwise the loss comes from
    the chunked numpy kernel.  ``engine`` is ``'compiled'`` when the plan
    handed it the compiled sums (``compiled_sums``, a
    :class:`._compiled.CompiledSystem`), else ``'numpy'``.
    """

    def __init__(self, X, y, sample_weight, alpha, layer_sizes, dtype, *,
                 penalise_intercepts=False, compiled_sums=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.alpha = float(alpha)
        # alpha='ard': one strength per weight (set_alpha), else None
        self.penalty = None
        self.layer_sizes = list(layer_sizes)
        self.dtype = dtype
        self.n_samples = X.shape[0]
        self.weight_sum = _network.weight_sum(X, sample_weight)
        self.penalised = _network.FlatLayout(layer_sizes).penalty_mask(
            intercepts=penalise_intercepts)
        n_weights = self.penalised.size
        self.chunk_rows = max(1, _GN_CHUNK_ELEMENTS // (y.shape[1] * n_weights))
        self._one_chunk = X.shape[0] <= self.chunk_rows
        self._kernel = None
        if not self._one_chunk:
            # The kernel evaluates the squared error only; the L2 term is
            # _penalty's, so set_alpha changes one number.
            self._kernel = FullBatchLossGradient(X, y, sample_weight, 0.0)
        self._kept = (None, None)  # (x, activations) of the last loss
        # the compiled sums (:class:`._compiled.CompiledSystem`) when the plan
        # chose them
        self._compiled = compiled_sums
        self.engine = "numpy" if self._compiled is None else "compiled"

    def set_alpha(self, alpha, per_weight=None):
        r"""Change the L2 strength :math:`\alpha` (``alpha='auto'`` re-estimates it).

        ``per_weight`` (``alpha='ard'``): one strength :math:`a_j` per packed
        weight (0 where unpenalised), in place of :math:`\alpha P` in
        :math:`J`, its gradient and curvature; ``alpha`` is then the other
        weights' strength (the intercepts' floor of the evidence).
        """
        self.alpha = float(alpha)
        self.penalty = (None if per_weight is None
                        else np.asarray(per_weight, dtype=np.float64))

    def weights(self, x):
        """``(coefs, intercepts)`` in the data's dtype from the packed float64 ``x``."""
        return _network.unpack(x.astype(self.dtype, copy=False), self.layer_sizes)

    def _penalty(self, x):
        if self.penalty is not None:
            return 0.5 * float((self.penalty * x) @ x) / self.weight_sum
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

    def constant_prediction_loss(self):
        r"""Squared error of predicting the (weighted) mean of ``y``."""
        return _network.constant_prediction_loss(self.y, self.sample_weight,
                                                 self.weight_sum)

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
        if self.penalty is not None:
            grad += self.penalty * x
            curvature.flat[:: curvature.shape[0] + 1] += self.penalty
        elif self.alpha:
            grad += self.alpha * self.penalised * x
            curvature.flat[:: curvature.shape[0] + 1] += self.alpha * self.penalised
        grad /= self.weight_sum
        curvature /= self.weight_sum
        return grad, curvature



class LevenbergMarquardt:
    r"""Levenberg-Marquardt steps: Gauss-Newton, damped by :math:`\mu`.

    At weights :math:`w` with gradient :math:`g = \nabla J` and Gauss-Newton
    curvature :math:`H` (:func:`sigmoid_mlp._network.gauss_newton_sums`), the
    step :math:`h` solves

    .. math:: (H + \mu I)\, h = -g .

    A large :math:`\mu` gives a short step along :math:`-g` (gradient
    descent with step size :math:`1/\mu`), a small one the Gauss-Newton step
    of the quadratic model
    :math:`q(h) = J + g^\top h + \tfrac12 h^\top H h`.  After evaluating
    :math:`J(w + h)`, the gain ratio

    .. math:: \rho = \frac{J(w) - J(w + h)}{q(0) - q(h)}, \qquad
              q(0) - q(h) = \tfrac12 h^\top(\mu h - g),

    decides: for :math:`\rho > 0` the step is taken and
    :math:`\mu \leftarrow \mu \max(\tfrac13, 1 - (2\rho - 1)^3)`,
    :math:`\nu \leftarrow 2`; otherwise the step is rejected and
    :math:`\mu \leftarrow \nu\mu`, :math:`\nu \leftarrow 2\nu`.  The start
    is :math:`\mu_0 = \tau \max_j H_{jj}`, :math:`\tau = 10^{-3}`.  This is
    Algorithm 3.16 of K. Madsen, H. B. Nielsen and O. Tingleff, *Methods for
    non-linear least squares problems* (2nd ed., DTU, 2004), with
    H. B. Nielsen's update of :math:`\mu` (1999).

    Parameters
    ----------
    curvature : ndarray of shape (n_weights, n_weights)
        :math:`H` at the starting weights, to scale :math:`\mu_0`.
    """

    tau = 1e-3

    def __init__(self, curvature):
        scale = float(np.max(np.diag(curvature))) if curvature.size else 0.0
        self.mu = self.tau * scale if np.isfinite(scale) and scale > 0 else self.tau
        self.nu = 2.0

    def step(self, grad, curvature):
        r"""The damped step :math:`h`, or None when the system cannot be solved.

        :math:`H + \mu I` is symmetric positive definite in exact arithmetic;
        it is solved by its Cholesky factorisation (LAPACK ``dposv``), and a
        factorisation that fails (rounding, or non-finite entries) returns
        None, upon which the caller damps more.
        """
        damped = curvature.copy()
        damped.flat[:: damped.shape[0] + 1] += self.mu
        _, step, info = _dposv(damped, -grad)
        if info != 0 or not np.isfinite(step).all():
            return None
        return step

    def gain_ratio(self, step, grad, decrease):
        r""":math:`\rho`: actual decrease of :math:`J` over the model's."""
        predicted = 0.5 * float(step @ (self.mu * step - grad))
        return decrease / predicted if predicted > 0 else -np.inf

    def accept(self, rho):
        """The step was taken: trust the quadratic model more."""
        self.mu = lm_damping_after_accept(self.mu, rho)
        self.nu = 2.0

    def reject(self):
        """The step was not taken: damp more, increasingly fast."""
        self.mu *= self.nu
        self.nu *= 2.0



def _gradient_converged(grad, tol):
    return grad.size == 0 or float(np.abs(grad).max()) <= tol


def run_lm(state, objective, X, y, sample_weight, config, protocol):
    r"""Minimise :math:`J` with Levenberg-Marquardt from ``state``'s weights.

    ``objective`` is the Gauss-Newton system (:func:`._plan.gauss_newton`).
    One iteration (an "epoch" for ``loss_curve_``, the hooks and the
    counters) solves :math:`(H + \mu I) h = -\nabla J` and evaluates
    :math:`J(w + h)`; a step that does not decrease :math:`J` enough is
    rejected, :math:`\mu` raised and the system solved again, within the
    same iteration (:class:`LevenbergMarquardt`).  So
    every iteration decreases :math:`J`, and ``loss_curve_`` (:math:`J`
    before the iteration, as for L-BFGS) falls strictly.

    Stops, status 'converged', when :math:`\max_j |\partial J/\partial w_j|
    \le` ``tol`` (the test L-BFGS-B applies with ``gtol=tol``), when the
    step is too small to change the weights in floating point, or by the
    protocol's stopping rule; status 'max_iter' after ``n_epochs``
    iterations, 'max_fun' after ``max_fun`` evaluations of :math:`J` (the start
    and every trial step).  A non-finite :math:`J` at a trial step only
    rejects the step; a non-finite loss or gradient at the start raises
    ``Diverged``.

    With ``alpha='auto'`` (``config.regulariser``, an
    :class:`~sigmoid_mlp._evidence.EvidenceRegulariser`) the system starts
    at the regulariser's :math:`\alpha`, which is re-estimated after every
    accepted step (:mod:`sigmoid_mlp._evidence`); while the log evidence
    rises, the stopping rule's count restarts, and once it has risen by less
    than :data:`~sigmoid_mlp._evidence.EVIDENCE_TOL` nats over
    ``n_iter_no_change`` iterations the run stops, status 'converged'.
    ``alpha='ard'`` (an :class:`~sigmoid_mlp._evidence.ARDRegulariser`)
    re-estimates one strength per input's fan-out weights the same way.

    When the plan gives the compiled engine (``config.block > 0``: numba,
    float64 dense data, at most ``_compiled.MAX_GN_WEIGHTS`` = 250 weights),
    the same iterations run in the compiled kernel (:func:`_run_lm_compiled`),
    ``config.block`` per call:
    :data:`._plan.LM_BLOCK` when nothing runs between iterations, one
    when something does (``verbose``, callbacks, a validation set), with the
    same weights bit for bit.
    """
    system = objective
    n_layers = len(state.coefs)
    dtype = state.coefs[0].dtype
    start = [*state.coefs, *state.intercepts]
    loss = None

    def done(status):
        # (system, x, J, curvature) at the final weights: the evidence
        # (alpha_, error bars) is computed from them without another pass.
        state.gauss_newton = (system, x, loss, curvature)
        return whole_run(state, protocol, loss, status)

    try:
        x = _network.pack(state.coefs, state.intercepts).astype(np.float64)
        loss = config.start_loss if config.start_loss is not None else system.loss(x)
        if not math.isfinite(loss):
            raise Diverged(1, None, loss, start, n_layers)
        grad, curvature = system.gradient_curvature(x)
        if not all_finite([grad, curvature]):
            raise Diverged(1, None, np.inf, start, n_layers)
        damping = LevenbergMarquardt(curvature)
        n_fun = 1
        if _gradient_converged(grad, config.tol):
            return done("converged")
        if config.block:  # the plan: the compiled iterations
            x, loss, curvature, status = _run_lm_compiled(
                state, system, x, loss, grad, curvature, damping, n_fun, config,
                protocol, X.shape[0])
            return done(status)
        for epoch in range(1, config.n_epochs + 1):
            protocol.begin(epoch)
            while True:  # trial steps until J decreases
                if n_fun >= config.max_fun:
                    return done("max_fun")
                step = damping.step(grad, curvature)
                if step is None:  # singular or overflowing system: damp more
                    damping.reject()
                    if not math.isfinite(damping.mu):
                        return done("converged")
                    continue
                new_x = x + step
                if dtype != np.float64:  # the weights float32 data can hold
                    new_x = new_x.astype(dtype).astype(np.float64)
                if (new_x == x).all():  # below floating-point resolution
                    return done("converged")
                new_loss = system.loss(new_x)
                n_fun += 1
                rho = (damping.gain_ratio(new_x - x, grad, loss - new_loss)
                       if math.isfinite(new_loss) else -math.inf)
                if rho > 0:
                    damping.accept(rho)
                    break
                damping.reject()
            new_grad, new_curvature = system.gradient_curvature(new_x)
            if not all_finite([new_grad, new_curvature]):
                raise Diverged(epoch, None, np.inf,
                                [*state.coefs, *state.intercepts], n_layers)
            regulariser = config.regulariser
            if regulariser is not None:  # alpha='auto': re-estimate alpha here
                new_loss, new_grad, new_curvature = regulariser.update(
                    system, new_x, new_loss, new_grad, new_curvature)
            coefs, intercepts = system.weights(new_x)
            reason = protocol.commit(
                epoch, [c.copy() for c in coefs], [b.copy() for b in intercepts],
                loss, n_samples=X.shape[0],
                # J itself changed with alpha: restart the count while the
                # evidence still rises
                restart_rule=regulariser is not None and regulariser.changed,
            )
            x, loss, grad, curvature = new_x, new_loss, new_grad, new_curvature
            if reason is not None:
                return done(reason)
            if (regulariser is not None and config.check_convergence
                    and regulariser.stalled > config.n_iter_no_change):
                return done("converged")  # the evidence stopped improving
            if _gradient_converged(grad, config.tol):
                return done("converged")
        return done("max_iter")
    except KeyboardInterrupt:
        protocol.trim()
        return whole_run(state, protocol, None, "interrupted")


def _run_lm_compiled(state, system, x, loss, grad, curvature, damping, n_fun,
                     config, protocol, n_samples):
    """:func:`run_lm`'s iterations in the compiled kernel
    (:func:`._compiled.lm.run_block`: the same steps, stopping tests and
    evidence updates, ``alpha='ard'``'s included; the regulariser hands its
    state over with ``kernel_state`` and takes it back with
    ``load_kernel_state``), ``config.block`` iterations per call.

    With blocks of many iterations the kernel applies the protocol's
    stopping rule itself and each block is committed at once
    (``protocol.commit_block``); with blocks of one (something runs between
    iterations) every iteration is committed through ``protocol.commit``,
    which applies the rule (on the validation loss with ``early_stopping``),
    and the kernel only takes the step.  Returns the final ``(x, J,
    curvature, status)``; raises ``Diverged`` as the loop does, and
    ``KeyboardInterrupt`` between calls leaves the last committed iteration.
    """
    regulariser = config.regulariser
    auto = regulariser is not None
    stepwise = config.block == 1
    n_layers = len(state.coefs)
    x = np.array(x, dtype=np.float64)
    grad = np.array(grad, dtype=np.float64)
    curvature = np.array(curvature, dtype=np.float64, order="C")
    kernel = _compiled.lm.LMState(
        loss=loss, mu=damping.mu, nu=damping.nu, alpha=system.alpha,
        best_loss=state.best_loss, tol=config.tol,
        # one iteration per call: the protocol applies the rule, not the kernel
        patience=math.inf if stepwise else float(config.n_iter_no_change),
        weight_sum=system.weight_sum, intercept_floor=_evidence.INTERCEPT_FLOOR,
        n_fun=n_fun, count=state.no_improvement_count, auto=int(auto),
        check=int(config.check_convergence and not stepwise),
        max_fun=min(config.max_fun, np.iinfo(np.int64).max),
        n_outputs=system.y.shape[1],
        **(regulariser.kernel_state(system) if auto else
           dict(evidence_tol=0.0, anchor=-math.inf, data_floor=0.0)),
    )
    done = 0
    while True:
        n_max = min(config.block, config.n_epochs - done)
        if n_max <= 0:
            status = "max_iter"
            break
        if stepwise:
            protocol.begin(done + 1)
        updates = kernel.n_updates
        losses = _compiled.lm.run_block(system._compiled, x, grad, curvature,
                                        system.penalised, kernel, n_max)
        damping.mu, damping.nu = kernel.mu, kernel.nu
        changed = False
        if auto:  # the regulariser takes over its state and sets the system's
            changed = regulariser.load_kernel_state(
                kernel, system, updated=kernel.n_updates > updates)
        else:
            system.set_alpha(kernel.alpha)
        code = kernel.code
        reason = None
        if losses.size:
            coefs, intercepts = system.weights(x)
            coefs, intercepts = [c.copy() for c in coefs], [b.copy() for b in intercepts]
            if stepwise:
                reason = protocol.commit(done + 1, coefs, intercepts,
                                         float(losses[0]), n_samples=n_samples,
                                         restart_rule=changed)
            else:
                protocol.commit_block(coefs, intercepts, losses.tolist(),
                                      kernel.best_loss, kernel.count, n_samples)
            done += losses.size
        if code == _compiled.LM_DIVERGED:
            raise Diverged(done + 1, None, np.inf,
                           [*state.coefs, *state.intercepts], n_layers)
        if code == _compiled.LM_SINGULAR:
            raise np.linalg.LinAlgError("the Gauss-Newton curvature is not finite")
        if reason is not None:
            status = reason
            break
        if (stepwise and losses.size and auto and config.check_convergence
                and regulariser.stalled > config.n_iter_no_change):
            status = "converged"  # the evidence stopped improving
            break
        if code == _compiled.LM_CONVERGED:
            status = "converged"
            break
        if code == _compiled.LM_MAX_FUN:
            status = "max_fun"
            break
    return x, kernel.loss, curvature, status


def evidence_attributes(system, x, loss, curvature, alpha, scale, ard=None,
                        chosen=False):
    """``alpha_``, ``noise_variance_``, ``effective_n_params_``,
    ``log_evidence_`` and the posterior of the error bars, from the
    Gauss-Newton system at the final (trained-scale) weights ``x``;
    ``scale``: the target scaling per output (ones without ``normalize_y``).

    ``ard`` (``alpha='ard'``: the :class:`~._evidence.ARDRegulariser` whose
    strengths the system has): also ``input_alphas_``, ``relevance_`` and
    ``input_effective_n_params_``; ``alpha_`` is then the other weights'.
    ``chosen``: the evidence chose the strengths (``alpha='auto'`` or
    ``'ard'``), so the error bars count their uncertainty too
    (:func:`~._evidence.hyperparameter_factor`); a fixed ``alpha`` has none."""
    floor = _evidence.EvidenceRegulariser().data_floor(system)
    extra = {}
    if ard is None:
        G, e_data, _, n_residuals = _evidence.EvidenceRegulariser.quantities(
            system, x, loss, curvature)
        post = _evidence.posterior(G, x, system.penalised, e_data, n_residuals,
                                   alpha, e_data_floor=floor)
        groups = np.where(system.penalised > 0, 0, -1)
        alphas, gammas = [post.alpha], [post.gamma]
    else:
        G, e_data, _, n_residuals = ard.quantities(system, x, loss, curvature)
        post, gammas = _evidence.group_posterior(
            G, x, system.penalised, ard.groups, ard.alphas, e_data, n_residuals,
            e_data_floor=floor)
        groups, alphas = ard.groups, ard.alphas
        input_alphas = np.array(ard.input_alphas, dtype=np.float64)
        # the prior variances of the inputs' fan-out weights, as fractions
        variances = 1.0 / input_alphas
        extra = {"input_alphas_": input_alphas,
                 "relevance_": variances / variances.sum(),
                 "input_effective_n_params_": np.array(gammas[:-1])}
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
        "_posterior_dof": post.dof,
        "_posterior_hyper": _evidence.hyperparameter_factor(
            post.covariance_factor, post.beta, x, groups, alphas, gammas,
            post.dof) if chosen else None,
        **extra,
    }


def predictive_std(X, coefs, intercepts, covariance_factor, beta, dof, hyper,
                   scale):
    """Predictive standard deviation, shape (n_samples, n_outputs), float64,
    at the trained-scale weights (``scale``: the target scaling per output)."""
    X = X.astype(np.float64)
    out = np.empty((X.shape[0], coefs[-1].shape[1]))
    n_weights = covariance_factor.shape[0]
    # the test rows' Jacobian in chunks as bounded as the training system's
    chunk = max(1, _GN_CHUNK_ELEMENTS // (n_weights * out.shape[1]))
    for start in range(0, X.shape[0], chunk):
        rows = slice(start, start + chunk)
        activations = _network.forward(X[rows], coefs, intercepts)
        jac = _network.output_jacobian(activations, coefs)
        out[rows] = _evidence.predictive_variance(jac, covariance_factor, beta,
                                                    dof, hyper)
    return np.sqrt(out) * scale
