"""Compiled Levenberg-Marquardt iterations of 'lm' (:func:`run_block`).

When nothing runs between iterations, or one iteration at a time when
something must (``verbose``, callbacks, a validation set), the iterations of
:func:`sigmoid_mlp._drivers.run_lm` run here (:func:`_lm_block`): the trial
steps by Cholesky, the stopping tests and, under ``alpha='auto'``, the
evidence update of :class:`sigmoid_mlp._evidence.EvidenceRegulariser`, with
:func:`sigmoid_mlp._evidence.reestimate` and
:func:`sigmoid_mlp._evidence.log_evidence` compiled as they are; tested
against the Python loop to ``1e-8`` over whole fits.
"""

from __future__ import annotations

import math

import numpy as np

from .._evidence import log_evidence, reestimate
from .._solvers import lm_damping_after_accept
from .core import _no_improvement_count, jit
from .gauss_newton import _gauss_newton_sums

_EPS = float(np.finfo(np.float64).eps)


# ----------------------------------------------------------------- 'lm', fused
# Codes of _lm_block's it[1] (the outcome of a block of iterations).
LM_RUNNING = 0      # the block's iterations are done; more may follow


LM_CONVERGED = 1    # a stopping test fired


LM_MAX_FUN = 2      # the budget of evaluations of J ran out


LM_DIVERGED = 3     # the gradient or curvature at an accepted step is not finite


LM_SINGULAR = 4     # the evidence's curvature could not be factorised


def _cholesky(A, shift, L, upper):
    """``L L^T = A + shift I`` (lower ``L``), reading A's upper triangle if
    ``upper`` (as LAPACK's ``dposv`` does by default) else its lower one.
    False when a pivot is not positive (or is NaN): not positive definite."""
    p = A.shape[0]
    for j in range(p):
        d = A[j, j] + shift
        for k in range(j):
            d -= L[j, k] * L[j, k]
        if not d > 0.0:
            return False
        ljj = math.sqrt(d)
        L[j, j] = ljj
        for i in range(j + 1, p):
            s = A[j, i] if upper else A[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            L[i, j] = s / ljj
        for i in range(j):
            L[i, j] = 0.0
    return True


def _damped_step(curv, mu, grad, step, L):
    """``(H + mu I) step = -grad`` by Cholesky (``LevenbergMarquardt.step``);
    False when the system cannot be solved or the step is not finite."""
    p = grad.shape[0]
    if not _cholesky(curv, mu, L, True):
        return False
    for i in range(p):  # forward: L z = -grad
        s = -grad[i]
        for k in range(i):
            s -= L[i, k] * step[k]
        step[i] = s / L[i, i]
    for i in range(p - 1, -1, -1):  # back: L^T h = z
        s = step[i]
        for k in range(i + 1, p):
            s -= L[k, i] * step[k]
        step[i] = s / L[i, i]
    for i in range(p):
        if not math.isfinite(step[i]):
            return False
    return True


def _evidence_curvature(curv, S, pen, alpha, c, A, L):
    """:func:`._evidence.regularised_cholesky` of ``C = S curv``: fills ``L``
    and returns ``ln det``, or NaN when even the largest jitter fails."""
    p = pen.shape[0]
    big = 1.0
    for a in range(p):
        for b in range(p):
            A[a, b] = 0.5 * (S * curv[a, b] + S * curv[b, a])
        A[a, a] += c * alpha * (1.0 - pen[a])
        big = max(big, A[a, a])
    if not _cholesky(A, 0.0, L, False):
        extra = p * _EPS * big
        factored = False
        for _ in range(39):
            factored = _cholesky(A, extra, L, False)
            if factored:
                break
            extra = 10.0 * extra
        if not factored:
            return math.nan
    log_det = 0.0
    for a in range(p):
        log_det += math.log(L[a, a])
    return 2.0 * log_det


def _gamma(L, pen, alpha, inv):
    """:func:`._evidence.effective_parameters` from the factor ``L``."""
    p = pen.shape[0]
    n_pen = 0.0
    for a in range(p):
        n_pen += pen[a]
    if alpha == 0.0:
        return n_pen
    for j in range(p):  # inv := L^-1, column by column
        for i in range(j):
            inv[i, j] = 0.0
        inv[j, j] = 1.0 / L[j, j]
        for i in range(j + 1, p):
            s = 0.0
            for k in range(j, i):
                s -= L[i, k] * inv[k, j]
            inv[i, j] = s / L[i, i]
    trace = 0.0
    for j in range(p):  # diag(C^-1)_j = Σ_i inv[i, j]^2
        d = 0.0
        for i in range(j, p):
            d += inv[i, j] * inv[i, j]
        trace += pen[j] * d
    gamma = n_pen - alpha * trace
    return min(max(gamma, 0.0), n_pen)


def _lm_block(X, y, sw, has_sw, sizes, coef_off, intercept_off, act_off, acts,
              kbuf, d_cur, d_next, jac, res, wj, u, M, x, grad, curv, new_x,
              new_grad, new_curv, step, A, L, inv, pen, fl, it, losses):
    """Up to ``losses.shape[0]`` Levenberg-Marquardt iterations of
    :func:`._drivers.run_lm`, with the protocol's stopping rule on J and,
    under ``alpha='auto'``, :meth:`._evidence.EvidenceRegulariser.update`
    after every accepted step, in one call.

    ``x``, ``grad``, ``curv`` (J's gradient and curvature, L2 term included)
    are the current point and are updated in place.  ``fl``: J, mu, nu,
    alpha, the best J, tol, n_iter_no_change, S, the evidence's tolerance,
    its anchor, E_D's floor, the intercept floor, then (out) the last log
    evidence, gamma and beta.  ``it``: (out) iterations done and the code,
    then the evaluations of J, the rule's count, the evidence's stall count,
    whether alpha is re-estimated, whether the tests may stop the run, the
    number of evidence updates, the max_fun budget, the number of outputs.
    """
    p = x.shape[0]
    loss, mu, nu, alpha = fl[0], fl[1], fl[2], fl[3]
    best, tol, patience, S = fl[4], fl[5], fl[6], fl[7]
    ev_tol, anchor, floor, c = fl[8], fl[9], fl[10], fl[11]
    n_fun, count, stalled = it[2], it[3], it[4]
    auto, check, n_updates, max_fun, n_out = it[5] == 1, it[6] == 1, it[7], it[8], it[9]
    n_pen = 0.0
    for a in range(p):
        n_pen += pen[a]
    n_unpen = p - n_pen
    done = 0
    code = LM_RUNNING
    for _ in range(losses.shape[0]):
        # ---- trial steps until J decreases
        accepted = False
        while not accepted:
            if n_fun >= max_fun:
                code = LM_MAX_FUN
                break
            if not _damped_step(curv, mu, grad, step, L):
                mu *= nu
                nu *= 2.0
                if not math.isfinite(mu):
                    code = LM_CONVERGED
                    break
                continue
            same = True
            for a in range(p):
                new_x[a] = x[a] + step[a]
                if new_x[a] != x[a]:
                    same = False
            if same:  # below floating-point resolution
                code = LM_CONVERGED
                break
            s = _gauss_newton_sums(X, y, sw, has_sw, new_x, sizes, coef_off,
                                   intercept_off, act_off, False, acts, kbuf,
                                   d_cur, d_next, jac, res, wj, u, M)
            new_loss = s / (2.0 * S)
            if alpha != 0.0:
                e = 0.0
                for a in range(p):
                    e += pen[a] * new_x[a] * new_x[a]
                new_loss += 0.5 * alpha * e / S
            n_fun += 1
            rho = -math.inf
            if math.isfinite(new_loss):
                predicted = 0.0
                for a in range(p):  # the step taken: new_x - x, as run_lm
                    h = new_x[a] - x[a]
                    predicted += h * (mu * h - grad[a])
                predicted *= 0.5
                if predicted > 0:
                    rho = (loss - new_loss) / predicted
            if rho > 0:
                mu = _lm_damping_after_accept(mu, rho)
                nu = 2.0
                accepted = True
            else:
                mu *= nu
                nu *= 2.0
        if not accepted:
            break
        # ---- gradient and curvature at the accepted step
        _gauss_newton_sums(X, y, sw, has_sw, new_x, sizes, coef_off, intercept_off,
                           act_off, True, acts, kbuf, d_cur, d_next, jac, res, wj,
                           u, M)
        finite = True
        for a in range(p):
            g = u[a]
            if alpha != 0.0:
                g += alpha * pen[a] * new_x[a]
            new_grad[a] = g / S
            finite = finite and math.isfinite(new_grad[a])
            for b in range(p):
                h = M[a, b]
                if a == b and alpha != 0.0:
                    h += alpha * pen[a]
                new_curv[a, b] = h / S
                finite = finite and math.isfinite(new_curv[a, b])
        if not finite:
            code = LM_DIVERGED
            break
        changed = False
        if auto:  # ---- alpha='auto': the evidence update at the new weights
            e_weights = 0.0
            for a in range(p):
                e_weights += pen[a] * new_x[a] * new_x[a]
            e_weights *= 0.5
            e_data = max(S * new_loss - alpha * e_weights, 0.0)
            n_res = n_out * S
            log_det = _evidence_curvature(new_curv, S, pen, alpha, c, A, L)
            if not math.isfinite(log_det):
                code = LM_SINGULAR
                break
            gamma = _gamma(L, pen, alpha, inv)
            new_alpha, _, beta = _reestimate(gamma, e_data, e_weights, n_res,
                                             n_unpen, floor)
            evidence = _log_evidence(max(e_data, floor), e_weights, alpha, beta,
                                     log_det, n_res, n_pen, n_unpen)
            n_updates += 1
            fl[12], fl[13], fl[14] = evidence, gamma, beta
            changed = evidence > anchor + ev_tol
            if changed:
                anchor = evidence
                stalled = 0
            else:
                stalled += 1
            delta = new_alpha - alpha
            alpha = new_alpha
            new_loss = new_loss + delta * e_weights / S
            for a in range(p):
                new_grad[a] = new_grad[a] + delta * pen[a] * new_x[a] / S
                new_curv[a, a] += delta * pen[a] / S
        # ---- the protocol's commit: J before the iteration, the rule on J
        losses[done] = loss
        done += 1
        count = _no_improvement_count(count, loss, best, tol)
        if changed:  # J itself changed with alpha: restart the count
            count = 0
        if loss < best:
            best = loss
        for a in range(p):
            x[a] = new_x[a]
            grad[a] = new_grad[a]
            for b in range(p):
                curv[a, b] = new_curv[a, b]
        loss = new_loss
        if count > patience and check:
            code = LM_CONVERGED
            break
        if auto and check and stalled > patience:
            code = LM_CONVERGED  # the evidence stopped improving
            break
        largest = 0.0
        for a in range(p):
            largest = max(largest, abs(grad[a]))
        if largest <= tol:
            code = LM_CONVERGED
            break
    fl[0], fl[1], fl[2], fl[3], fl[4], fl[9] = loss, mu, nu, alpha, best, anchor
    it[0], it[1], it[2], it[3], it[4], it[7] = done, code, n_fun, count, stalled, n_updates



_reestimate = jit(reestimate)
_log_evidence = jit(log_evidence)
_lm_damping_after_accept = jit(lm_damping_after_accept)
_cholesky = jit(_cholesky)
_damped_step = jit(_damped_step)
_evidence_curvature = jit(_evidence_curvature)
_gamma = jit(_gamma)
_lm_block = jit(_lm_block)


def run_block(system, x, grad, curv, penalised, fl, it, n_max):
    """Up to ``n_max`` fused Levenberg-Marquardt iterations (:func:`_lm_block`)
    on a :class:`~.gauss_newton.CompiledSystem`'s data and work arrays.

    ``x``, ``grad``, ``curv`` (float64, C order) are updated in place,
    ``fl`` and ``it`` carry the run's state between blocks; returns
    ``J`` before each iteration done (``loss_curve_``'s entries).
    """
    s = system
    new_x, new_grad, new_curv, step, A, L, inv = s.lm_work
    losses = np.empty(n_max)
    _lm_block(s.X, s.y, s.sw, s.has_sw, s.sizes, s.coef_off, s.intercept_off,
              s.act_off, s.acts, s.kbuf, s.d_cur, s.d_next, s.jac, s.res, s.wj,
              s.u, s.M, x, grad, curv, new_x, new_grad, new_curv, step, A, L,
              inv, penalised, fl, it, losses)
    return losses[: int(it[0])]
