"""Optional compiled engines (numba), used when numba is installed.

Two engines of :mod:`sigmoid_mlp._engines`, each tested equal to the numpy
engine and to :mod:`sigmoid_mlp._network` (relative ``1e-12``):

* :class:`CompiledObjective` -- full-batch gradient descent: each block of
  rows goes forward and backward while it is in cache, and a whole block of
  epochs runs in one call, so the per-epoch Python and ufunc-dispatch
  overhead (most of an epoch on small data) disappears.
* :class:`CompiledMiniBatch` -- 'sgd', 'adam' and scheduled 'gd': a whole
  epoch of mini-batches in one call (:func:`_mb_epoch`), the products BLAS
  calls into preallocated buffers, the bias, sigmoid, chain rule, loss and
  step rules fused loops; tested against the reference batches to ``1e-10``.
* :class:`CompiledSystem` -- the Gauss-Newton sums of 'lm'
  (:func:`sigmoid_mlp._network.gauss_newton_sums`: ``s``, ``u = Σ wᵢ Jᵢᵀ rᵢ``,
  ``M = Σ wᵢ Jᵢᵀ Jᵢ``), for networks of at most :data:`MAX_GN_WEIGHTS`
  weights; and, when nothing runs between iterations, whole blocks of
  Levenberg-Marquardt iterations in one call (:func:`_lm_block`: the trial
  steps by Cholesky, the stopping tests of :func:`._drivers.run_lm` and,
  under ``alpha='auto'``, the evidence update of
  :class:`._evidence.EvidenceRegulariser`, with :func:`._evidence.reestimate`
  and :func:`._evidence.log_evidence` compiled as they are); tested against
  the Python loop to ``1e-8`` over whole fits.

Both share the vectorisable sigmoid and the chain rule one layer back
(:func:`_carry_back`); the stopping and divergence rules are those of
:mod:`sigmoid_mlp._rules`, compiled.

numba's ``math.exp`` is a scalar libm call (no SIMD without Intel's SVML), which
would make the sigmoid several times slower than numpy's vectorised ``exp``.
The sigmoid here therefore evaluates ``exp`` itself, in a form the compiler
vectorises: ``e^x = 2^k e^r`` with ``k = round(x / ln 2)`` and
``r = x - k ln 2`` (Cody-Waite, ``ln 2`` split in two so ``k ln2_hi`` is
exact), ``e^r`` by its Taylor polynomial of degree 13 (truncation error below
``4e-18`` relative for ``|r| <= ln(2)/2``) and ``2^k`` built from its exponent
bits.  The result agrees with ``scipy.special.expit`` to a few ulp.

Only float64 dense data take these engines; anything else stays on numpy.
Summation order may differ from numpy's (``reassoc`` lets the compiler
vectorise the sums); nothing else of IEEE arithmetic is relaxed, so NaN and
infinity propagate and divergence is detected as on the numpy path.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ._evidence import log_evidence, reestimate
from ._minibatch import MiniBatchEngine
from ._rules import is_divergent, no_improvement_count
from ._solvers import Adam, StochasticGradientDescent, lm_damping_after_accept

try:
    if os.environ.get("SIGMOID_MLP_DISABLE_NUMBA", "") not in ("", "0"):
        raise ImportError("disabled by SIGMOID_MLP_DISABLE_NUMBA")
    from numba import njit
except ImportError:  # numba is an optional extra
    njit = None

AVAILABLE = njit is not None

__all__ = [
    "AVAILABLE",
    "MAX_GN_WEIGHTS",
    "CompiledMiniBatch",
    "CompiledObjective",
    "CompiledSystem",
    "supports",
    "supports_gauss_newton",
]

# Epochs per compiled call: a KeyboardInterrupt is handled between blocks.
BLOCK_EPOCHS = 64
# Values per row block of the widest layer (fits the L1/L2 cache).
_BLOCK_ELEMENTS = 1 << 13
# Networks with more weights use numpy (BLAS) for the Gauss-Newton curvature:
# the per-sample outer product costs p^2/2 operations, where BLAS on numpy's
# chunked Jacobian wins for wide networks.
MAX_GN_WEIGHTS = 64
# Rows per block of the Gauss-Newton sums' forward pass.
_BLOCK_ROWS = 256

_EPS = float(np.finfo(np.float64).eps)
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10


def _sigmoid_row(z, kbuf, c):
    """``z[:c] := 1 / (1 + exp(-z[:c]))`` with a vectorisable ``exp``."""
    for i in range(c):
        x = -z[i]
        # Clamp so 2^k stays finite; comparisons keep NaN as NaN.
        if x > 709.0:
            x = 709.0
        if x < -708.0:
            x = -708.0
        k = math.floor(x * _LOG2E + 0.5)
        r = (x - k * _LN2_HI) - k * _LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        z[i] = p
        kbuf[i] = (np.int64(k) + 1023) << 52
    scale = kbuf.view(np.float64)
    for i in range(c):
        z[i] = 1.0 / (1.0 + z[i] * scale[i])


def _carry_back(theta, off, stride_in, stride_out, fan_in, fan_out, delta, other,
                acts, in_row, c):
    """``other[m] := (Σ_j w_mj delta[j]) a_m (1 - a_m)``: the chain rule, one layer back.

    The deck's recursion ``δ^(l-1) = (δ^(l) W^(l)ᵀ) ⊙ a^(l-1) ⊙ (1 - a^(l-1))``
    for one block of ``c`` rows, where ``w_mj = theta[off + m stride_in +
    j stride_out]`` (so both flat layouts can use it) and ``a_m`` is row
    ``in_row + m`` of ``acts``.
    """
    for m in range(fan_in):
        o = other[m]
        for i in range(c):
            o[i] = 0.0
        for j in range(fan_out):
            w = theta[off + m * stride_in + j * stride_out]
            dj = delta[j]
            for i in range(c):
                o[i] += w * dj[i]
        a = acts[in_row + m]
        for i in range(c):
            o[i] *= a[i] * (1.0 - a[i])


def _evaluate(X, y, sw, has_sw, theta, grad, want_grad, table, acts, zout,
              d0, d1, kbuf, rows):
    """Σ wᵢ‖ŷᵢ - yᵢ‖²; with ``want_grad`` also ``grad := Σ ∂/∂θ`` (unscaled)."""
    n, d = X.shape
    k = y.shape[1]
    n_layers = table.shape[0]
    sse = 0.0
    if want_grad:
        grad[:] = 0.0
    for start in range(0, n, rows):
        c = min(rows, n - start)
        # [Xᵀ; 1] of this block (the rows of ones are set once by the caller).
        for m in range(d):
            for i in range(c):
                acts[m, i] = X[start + i, m]
        # ---- forward
        for layer in range(n_layers):
            off, in_row, fan_in, fan_out = table[layer]
            last = layer == n_layers - 1
            out_row = 0 if last else table[layer + 1, 1]
            for j in range(fan_out):
                z = zout[j] if last else acts[out_row + j]
                base = off + j * (fan_in + 1)
                b = theta[base + fan_in]
                for i in range(c):
                    z[i] = b
                for m in range(fan_in):
                    w = theta[base + m]
                    a = acts[in_row + m]
                    for i in range(c):
                        z[i] += w * a[i]
                if not last:
                    _sigmoid_row(z, kbuf, c)
        # ---- loss: r = ŷ - y, δ = w r
        for q in range(k):
            zq = zout[q]
            dq = d0[q]
            if has_sw:
                for i in range(c):
                    r = zq[i] - y[start + i, q]
                    wr = sw[start + i] * r
                    sse += wr * r
                    dq[i] = wr
            else:
                for i in range(c):
                    r = zq[i] - y[start + i, q]
                    sse += r * r
                    dq[i] = r
        if not want_grad:
            continue
        # ---- backward
        delta, other = d0, d1
        for layer in range(n_layers - 1, -1, -1):
            off, in_row, fan_in, fan_out = table[layer]
            for j in range(fan_out):
                dj = delta[j]
                base = off + j * (fan_in + 1)
                for m in range(fan_in + 1):
                    a = acts[in_row + m]
                    s = 0.0
                    for i in range(c):
                        s += dj[i] * a[i]
                    grad[base + m] += s
            if layer > 0:
                _carry_back(theta, off, 1, fan_in + 1, fan_in, fan_out, delta,
                            other, acts, in_row, c)
                delta, other = other, delta
    return sse


def _finish(theta, grad, want_grad, sse, alpha_mask, has_alpha, S, scale):
    """Add the L2 term, scale the gradient by ``scale / S``; return ``J``."""
    penalty = 0.0
    if has_alpha:
        for p in range(theta.shape[0]):
            t = alpha_mask[p] * theta[p]
            penalty += t * theta[p]
            if want_grad:
                grad[p] += t
    if want_grad:
        f = scale / S
        for p in range(grad.shape[0]):
            grad[p] *= f
    return (0.5 * sse + 0.5 * penalty) / S


def _loss(X, y, sw, has_sw, theta, grad, want_grad, table, acts, zout, d0, d1,
          kbuf, rows, alpha_mask, has_alpha, S, scale):
    sse = _evaluate(X, y, sw, has_sw, theta, grad, want_grad, table, acts, zout,
                    d0, d1, kbuf, rows)
    return _finish(theta, grad, want_grad, sse, alpha_mask, has_alpha, S, scale)


def _gd_block(X, y, sw, has_sw, current, previous, grad, table, acts, zout, d0,
              d1, kbuf, rows, alpha_mask, has_alpha, S, learning_rate, n_epochs,
              losses, threshold, tol, best_loss, count, stop_after, info):
    """Up to ``n_epochs`` epochs of gradient descent; the outcome goes to ``info``.

    ``info = [done, status, best_loss, count, loss]``, ``status`` 0 (all
    epochs done), 1 (converged) or 2 (diverged: ``loss`` at ``current`` is
    not finite or above ``threshold``; ``current`` was not stepped).  After
    each completed epoch ``previous`` holds the weights before its step.  The
    outcome is written to an array (not returned) so that the caller can
    recover it when a KeyboardInterrupt arrives as the call returns.  The
    stopping and divergence rules are :mod:`._rules`' own functions, compiled.
    """
    done = 0
    status = 0
    loss = 0.0
    for _ in range(n_epochs):
        loss = _loss(X, y, sw, has_sw, current, grad, True, table, acts, zout, d0,
                     d1, kbuf, rows, alpha_mask, has_alpha, S, -learning_rate)
        if _is_divergent(loss, threshold):
            status = 2
            break
        for p in range(current.shape[0]):
            previous[p] = current[p]
            current[p] += grad[p]
        losses[done] = loss
        done += 1
        count = _no_improvement_count(count, loss, best_loss, tol)
        if loss < best_loss:
            best_loss = loss
        if count > stop_after:
            status = 1
            break
    info[0] = done
    info[1] = status
    info[2] = best_loss
    info[3] = count
    info[4] = loss


def _gauss_newton_sums(X, y, sw, has_sw, theta, sizes, coef_off, intercept_off,
                       act_off, want, acts, kbuf, d_cur, d_next, jac, res, wj, u,
                       M):
    """``s``; with ``want`` also ``u`` and ``M``.

    Rows go in blocks of ``acts.shape[1]``, every quantity of a block laid
    out unit by unit over its rows (``acts[unit, i]``, ``jac[weight, i]``),
    so the inner loops run over contiguous rows and vectorise.
    """
    n = X.shape[0]
    n_out = y.shape[1]
    n_layers = sizes.shape[0] - 1
    p = theta.shape[0]
    out = act_off[n_layers]
    block = acts.shape[1]
    s = 0.0
    if want:
        u[:] = 0.0
        M[:, :] = 0.0
    for start in range(0, n, block):
        c = min(block, n - start)
        # ---- forward: z = a W + b, a = g(z) on hidden layers
        for m in range(sizes[0]):
            a = acts[m]
            for i in range(c):
                a[i] = X[start + i, m]
        for layer in range(n_layers):
            fan_in = sizes[layer]
            fan_out = sizes[layer + 1]
            a_in = act_off[layer]
            co = coef_off[layer]
            for j in range(fan_out):
                z = acts[act_off[layer + 1] + j]
                b = theta[intercept_off[layer] + j]
                for i in range(c):
                    z[i] = b
                for m in range(fan_in):
                    w = theta[co + m * fan_out + j]
                    a = acts[a_in + m]
                    for i in range(c):
                        z[i] += w * a[i]
                if layer < n_layers - 1:
                    _sigmoid_row(z, kbuf, c)
        for q in range(n_out):
            # ---- residual r_iq = ŷ_iq - y_iq, weighted sum of squares
            yq = acts[out + q]
            for i in range(c):
                r = yq[i] - y[start + i, q]
                res[i] = r
                s += (sw[start + i] * r * r) if has_sw else r * r
            if not want:
                continue
            # ---- Jacobian rows of output q: D^(L) = e_q, then backwards
            for j in range(n_out):
                v = 1.0 if j == q else 0.0
                dj = d_cur[j]
                for i in range(c):
                    dj[i] = v
            for layer in range(n_layers - 1, -1, -1):
                fan_in = sizes[layer]
                fan_out = sizes[layer + 1]
                a_in = act_off[layer]
                co = coef_off[layer]
                bo = intercept_off[layer]
                for m in range(fan_in):
                    a = acts[a_in + m]
                    for j in range(fan_out):
                        jr = jac[co + m * fan_out + j]
                        dj = d_cur[j]
                        for i in range(c):
                            jr[i] = a[i] * dj[i]
                for j in range(fan_out):
                    jr = jac[bo + j]
                    dj = d_cur[j]
                    for i in range(c):
                        jr[i] = dj[i]
                if layer > 0:
                    _carry_back(theta, co, fan_out, 1, fan_in, fan_out, d_cur,
                                d_next, acts, a_in, c)
                    d_cur, d_next = d_next, d_cur
            # ---- accumulate u += Σ_i w_i r_i J_i and M += Σ_i w_i J_iᵀ J_i
            for a_ in range(p):
                ja = jac[a_]
                for i in range(c):
                    wj[i] = (sw[start + i] * ja[i]) if has_sw else ja[i]
                t = 0.0
                for i in range(c):
                    t += wj[i] * res[i]
                u[a_] += t
                for b_ in range(a_, p):
                    jb = jac[b_]
                    t = 0.0
                    for i in range(c):
                        t += wj[i] * jb[i]
                    M[a_, b_] += t
    if want:
        for a_ in range(p):
            for b_ in range(a_):
                M[a_, b_] = M[b_, a_]
    return s


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


def _mb_rows(X, order, use_order, start, c, xb):
    """The batch's rows of ``X`` into ``xb`` (in the shuffled order)."""
    for i in range(c):
        r = order[start + i] if use_order else start + i
        xr = X[r]
        xi = xb[i]
        for m in range(xr.shape[0]):
            xi[m] = xr[m]


def _mb_forward(y, sw, has_sw, order, use_order, start, c, theta, sizes,
                coef_off, int_off, act_off, acts, kbuf, xb, delta):
    """One batch forward: activations into ``acts``; ``δ = w (ŷ - y)``; Σ w r².

    The products are BLAS calls (``np.dot`` into the buffers); the bias,
    the sigmoid and the residual are fused loops over the batch.
    """
    n_layers = sizes.shape[0] - 1
    for layer in range(n_layers):
        fi = sizes[layer]
        fo = sizes[layer + 1]
        W = theta[coef_off[layer]:coef_off[layer] + fi * fo].reshape(fi, fo)
        b = theta[int_off[layer]:int_off[layer] + fo]
        z = acts[act_off[layer + 1]:act_off[layer + 1] + c * fo]
        z2 = z.reshape(c, fo)
        if layer == 0:
            np.dot(xb[:c], W, z2)
        else:
            np.dot(acts[act_off[layer]:act_off[layer] + c * fi].reshape(c, fi), W,
                   z2)
        for i in range(c):
            zi = z2[i]
            for j in range(fo):
                zi[j] += b[j]
        if layer < n_layers - 1:
            _sigmoid_row(z, kbuf, c * fo)
    k = sizes[n_layers]
    out = acts[act_off[n_layers]:act_off[n_layers] + c * k]
    sse = 0.0
    for i in range(c):
        r = order[start + i] if use_order else start + i
        yr = y[r]
        for q in range(k):
            e = out[i * k + q] - yr[q]
            if has_sw:
                sse += sw[r] * (e * e)
                e = e * sw[r]
            else:
                sse += e * e
            delta[i * k + q] = e
    return sse


def _mb_backward(c, theta, grad, sizes, coef_off, int_off, act_off, acts, xb,
                 delta, other):
    """One batch backward: the unscaled ``Σ_i`` gradient into ``grad``."""
    n_layers = sizes.shape[0] - 1
    for layer in range(n_layers - 1, -1, -1):
        fi = sizes[layer]
        fo = sizes[layer + 1]
        W = theta[coef_off[layer]:coef_off[layer] + fi * fo].reshape(fi, fo)
        gW = grad[coef_off[layer]:coef_off[layer] + fi * fo].reshape(fi, fo)
        gb = grad[int_off[layer]:int_off[layer] + fo]
        d2 = delta[:c * fo].reshape(c, fo)
        if layer == 0:
            np.dot(xb[:c].T, d2, gW)
        else:
            a_in = acts[act_off[layer]:act_off[layer] + c * fi].reshape(c, fi)
            np.dot(a_in.T, d2, gW)
        for j in range(fo):
            gb[j] = 0.0
        for i in range(c):
            di = d2[i]
            for j in range(fo):
                gb[j] += di[j]
        if layer > 0:
            # δ^(l-1) = (δ^(l) Wᵀ) ⊙ a (1 - a)
            o2 = other[:c * fi].reshape(c, fi)
            np.dot(d2, W.T, o2)
            for i in range(c):
                oi = o2[i]
                ai = a_in[i]
                for m in range(fi):
                    oi[m] = oi[m] * ai[m] * (1.0 - ai[m])
            delta, other = other, delta


def _mb_epoch(X, y, sw, has_sw, order, use_order, batch_size, thetas, cur, prev,
              spare, grad, m1, m2, kind, learning_rate, momentum, nesterov,
              beta_1, beta_2, epsilon, t, alpha, n_coef, total_weight, threshold,
              sizes, coef_off, int_off, act_off, acts, kbuf, xb, d0, d1, info):
    """One epoch of mini-batch steps, compiled; the outcome goes to ``info``.

    ``kind`` 0: gradient descent, 1: (Nesterov's) momentum, 2: Adam, each
    rule written in the order of :mod:`._solvers`.  ``thetas`` holds three
    weight vectors, ``cur`` the current, ``prev`` the one before the last
    step, ``spare`` the next.  ``info = [batches, status, loss,
    accumulated, cur, prev, t, learning_rate]``; status 0: all batches done,
    1: a batch loss diverged (before its step), 2: a step made the weights
    non-finite (``cur`` is the weights before it).
    """
    n = X.shape[0]
    p = grad.shape[0]
    done = 0
    status = 0
    loss = 0.0
    accumulated = 0.0
    lr = learning_rate
    for start in range(0, n, batch_size):
        c = min(batch_size, n - start)
        theta = thetas[cur]
        _mb_rows(X, order, use_order, start, c, xb)
        sse = _mb_forward(y, sw, has_sw, order, use_order, start, c, theta,
                          sizes, coef_off, int_off, act_off, acts, kbuf, xb, d0)
        if has_sw:
            S = 0.0
            for i in range(c):
                S += sw[order[start + i] if use_order else start + i]
        else:
            S = float(c)
        penalty = 0.0
        if alpha != 0.0:
            for q in range(n_coef):
                penalty += theta[q] * theta[q]
        loss = sse / (2.0 * S) + 0.5 * alpha * penalty / S
        checked = loss * (S / total_weight) if math.isfinite(loss) else loss
        if _is_divergent(checked, threshold):
            status = 1
            break
        _mb_backward(c, theta, grad, sizes, coef_off, int_off, act_off, acts, xb,
                     d0, d1)
        if alpha != 0.0:
            for q in range(n_coef):
                grad[q] += alpha * theta[q]
        for q in range(p):
            grad[q] /= S
        new = thetas[spare]
        if kind == 2:
            t += 1
            lr = learning_rate * math.sqrt(1.0 - beta_2 ** float(t)) / (
                1.0 - beta_1 ** float(t))
            for q in range(p):
                g = grad[q]
                m1[q] = beta_1 * m1[q] + (1.0 - beta_1) * g
                m2[q] = beta_2 * m2[q] + (1.0 - beta_2) * (g * g)
                new[q] = theta[q] + (-lr * m1[q]) / (math.sqrt(m2[q]) + epsilon)
        elif kind == 1:
            for q in range(p):
                g = lr * grad[q]
                v = momentum * m1[q] - g
                m1[q] = v
                if nesterov:
                    v = momentum * v - g
                new[q] = theta[q] + v
        else:
            for q in range(p):
                new[q] = theta[q] - lr * grad[q]
        total = 0.0
        for q in range(p):
            total += new[q]
        if not math.isfinite(total):
            finite = True
            for q in range(p):
                if not math.isfinite(new[q]):
                    finite = False
            if not finite:
                status = 2
                break
        cur, prev, spare = spare, cur, prev
        accumulated += loss * S
        done += 1
    info[0] = done
    info[1] = status
    info[2] = loss
    info[3] = accumulated
    info[4] = cur
    info[5] = prev
    info[6] = t
    info[7] = lr


_no_improvement_count = no_improvement_count
_is_divergent = is_divergent
_reestimate = reestimate
_log_evidence = log_evidence
_lm_damping_after_accept = lm_damping_after_accept

if AVAILABLE:
    _FASTMATH = {"reassoc", "contract"}  # order of sums only; no nnan/ninf
    _jit = njit(cache=True, fastmath=_FASTMATH)
    _no_improvement_count = _jit(no_improvement_count)
    _is_divergent = _jit(is_divergent)
    _sigmoid_row = _jit(_sigmoid_row)
    _carry_back = _jit(_carry_back)
    _evaluate = _jit(_evaluate)
    _finish = _jit(_finish)
    _loss = _jit(_loss)
    _gd_block = _jit(_gd_block)
    _gauss_newton_sums = _jit(_gauss_newton_sums)
    _reestimate = _jit(reestimate)
    _lm_damping_after_accept = _jit(lm_damping_after_accept)
    _log_evidence = _jit(log_evidence)
    _cholesky = _jit(_cholesky)
    _damped_step = _jit(_damped_step)
    _evidence_curvature = _jit(_evidence_curvature)
    _gamma = _jit(_gamma)
    _lm_block = _jit(_lm_block)
    _mb_rows = _jit(_mb_rows)
    _mb_forward = _jit(_mb_forward)
    _mb_backward = _jit(_mb_backward)
    _mb_epoch = _jit(_mb_epoch)


def supports(kernel):
    """Whether the compiled GD engine can run a ``FullBatchLossGradient``'s problem."""
    return (
        AVAILABLE
        and not kernel.sparse
        and kernel.dtype == np.float64
        and kernel.X.dtype == np.float64
        and kernel.X.flags.c_contiguous
        and kernel.y.dtype == np.float64
        and (kernel.sample_weight is None or kernel.sample_weight.dtype == np.float64)
    )


def supports_gauss_newton(X, y, sample_weight, n_weights):
    """Whether the compiled Gauss-Newton sums can take the problem."""
    return (
        AVAILABLE
        and n_weights <= MAX_GN_WEIGHTS
        and isinstance(X, np.ndarray)
        and X.dtype == np.float64
        and y.dtype == np.float64
        and (sample_weight is None or sample_weight.dtype == np.float64)
    )


class CompiledObjective:
    """The compiled full-batch engine: the kernel's problem, epochs fused.

    Same interface as :class:`._kernels.FullBatchLossGradient` (which it
    wraps, and whose flat layout, ``pack``/``unpack`` and start-up it uses):
    ``evaluate`` and ``gd_epochs`` run compiled.
    """

    engine = "compiled"

    def __init__(self, kernel):
        layer_sizes = kernel.layout.layer_sizes
        self.kernel = kernel
        self.layout = kernel.layout
        self.n_samples = kernel.n_samples
        self.weight_sum = kernel.weight_sum
        self.X, self.y = kernel.X, kernel.y
        self.has_sw = kernel.sample_weight is not None
        self.sw = kernel.sample_weight if self.has_sw else np.ones(1)
        # table rows: (theta offset, first row of the layer's input in
        # ``acts``, fan_in, fan_out); input rows are [a; 1].
        table, off, row = [], 0, 0
        for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            table.append((off, row, fan_in, fan_out))
            off += fan_out * (fan_in + 1)
            row += fan_in + 1
        self.table = np.asarray(table, dtype=np.int64)
        width = max(layer_sizes)
        self.rows = int(max(16, min(kernel.n_samples,
                                    _BLOCK_ELEMENTS // (width + 1))))
        self.acts = np.empty((row, self.rows))
        for _, in_row, fan_in, _ in table:
            self.acts[in_row + fan_in] = 1.0
        self.zout = np.empty((layer_sizes[-1], self.rows))
        self.d0 = np.empty((width, self.rows))
        self.d1 = np.empty((width, self.rows))
        self.kbuf = np.empty(self.rows, dtype=np.int64)
        self.has_alpha = kernel.alpha != 0
        self.alpha_mask = (kernel.layout.weight_mask(np.float64) * kernel.alpha
                           if self.has_alpha else np.zeros(1))
        self.S = float(kernel.weight_sum)
        self.work_nbytes = sum(a.nbytes for a in (self.acts, self.zout, self.d0,
                                                  self.d1, self.kbuf))
        self._block = np.empty(BLOCK_EPOCHS, dtype=np.float64)
        self._info = np.full(5, -1.0)
        self._previous = None

    def pack(self, coefs, intercepts, out=None):
        return self.kernel.pack(coefs, intercepts, out)

    def unpack(self, theta):
        return self.kernel.unpack(theta)

    def loss(self, coefs, intercepts):
        return self.evaluate(self.pack(coefs, intercepts))

    def constant_prediction_loss(self):
        return self.kernel.constant_prediction_loss()

    def _args(self):
        return (self.X, self.y, self.sw, self.has_sw)

    def _work(self):
        return (self.table, self.acts, self.zout, self.d0, self.d1, self.kbuf,
                self.rows)

    def evaluate(self, theta, grad=None, grad_scale=1.0):
        """``J(theta)``; with ``grad``, also ``grad := grad_scale * ∂J/∂theta``."""
        want = grad is not None
        if not want:
            grad = np.empty(1)
        return float(_loss(*self._args(), theta, grad, want, *self._work(),
                           self.alpha_mask, self.has_alpha, self.S, grad_scale))

    def gd_epochs(self, progress, learning_rate, n_epochs, threshold, tol,
                  stop_after):
        """:meth:`._kernels.FullBatchLossGradient.gd_epochs`, in compiled blocks.

        Each block of at most :data:`BLOCK_EPOCHS` epochs is one compiled
        call; a KeyboardInterrupt is taken between blocks, and a block that
        finished as the interrupt arrived is still taken over.
        """
        p = progress
        if self._previous is None:
            self._previous = np.empty_like(p.current)
        info = self._info
        remaining = n_epochs
        while remaining > 0:
            size = min(BLOCK_EPOCHS, remaining)
            info[0] = -1
            try:
                _gd_block(*self._args(), p.current, self._previous, p.grad,
                          *self._work(), self.alpha_mask, self.has_alpha, self.S,
                          float(learning_rate), int(size), self._block,
                          float(threshold), float(tol), float(p.best_loss),
                          int(p.count), float(stop_after), info)
                new = self._take(p)
            except KeyboardInterrupt:
                self._take(p)
                raise
            remaining -= new
            code = int(info[1])
            if code == 2:
                p.status, p.loss = "diverged", float(info[4])
                return
            if code == 1:
                p.status = "converged"
                return

    def _take(self, p):
        """Take over a finished block's outcome (once: ``info[0]`` is reset)."""
        info = self._info
        new = int(info[0])
        if new < 0:
            return 0
        del p.losses[p.done:]
        p.losses.extend(self._block[:new].tolist())
        previous = self._previous if new else p.previous
        # One statement: an interrupt lands before or after it, never inside.
        p.previous, p.best_loss, p.count, p.done, info[0] = previous, float(info[2]), int(info[3]), p.done + new, -1
        return new


class CompiledSystem:
    """Work arrays of the compiled sums for one data set and architecture."""

    def __init__(self, X, y, sample_weight, layer_sizes):
        sizes = np.asarray(layer_sizes, dtype=np.int64)
        n_coef = sizes[:-1] * sizes[1:]
        self.n_weights = int(n_coef.sum() + sizes[1:].sum())
        self.coef_off = np.concatenate([[0], np.cumsum(n_coef)[:-1]]).astype(np.int64)
        self.intercept_off = (
            n_coef.sum() + np.concatenate([[0], np.cumsum(sizes[1:])[:-1]])
        ).astype(np.int64)
        self.act_off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.sizes = sizes
        self.X = X
        self.y = y
        self.has_sw = sample_weight is not None
        self.sw = sample_weight if self.has_sw else np.ones(1)
        width = int(sizes.max())
        rows = _BLOCK_ROWS
        self.acts = np.empty((int(sizes.sum()), rows))
        self.kbuf = np.empty(rows, dtype=np.int64)
        self.d_cur = np.empty((width, rows))
        self.d_next = np.empty((width, rows))
        self.jac = np.empty((self.n_weights, rows))
        self.res = np.empty(rows)
        self.wj = np.empty(rows)
        self.u = np.empty(self.n_weights)
        self.M = np.empty((self.n_weights, self.n_weights))
        # lm_block's: the trial point, its gradient and curvature, the step,
        # a p x p scratch matrix, a Cholesky factor and its inverse
        p = self.n_weights
        self._lm_work = (np.empty(p), np.empty(p), np.empty((p, p)), np.empty(p),
                         np.empty((p, p)), np.empty((p, p)), np.empty((p, p)))

    def sums(self, theta, want=True):
        """``(s, u, M)`` at the packed weights ``theta`` (``u``, ``M`` None unless ``want``).

        ``u`` and ``M`` are the module's work arrays, overwritten by the next call.
        """
        s = _gauss_newton_sums(self.X, self.y, self.sw, self.has_sw,
                  np.ascontiguousarray(theta, dtype=np.float64), self.sizes,
                  self.coef_off, self.intercept_off, self.act_off, want, self.acts,
                  self.kbuf, self.d_cur, self.d_next, self.jac, self.res, self.wj,
                  self.u, self.M)
        return (float(s), self.u, self.M) if want else (float(s), None, None)

    def lm_block(self, x, grad, curv, penalised, fl, it, n_max):
        """Up to ``n_max`` fused Levenberg-Marquardt iterations (:func:`_lm_block`).

        ``x``, ``grad``, ``curv`` (float64, C order) are updated in place,
        ``fl`` and ``it`` carry the run's state between blocks; returns
        ``J`` before each iteration done (``loss_curve_``'s entries).
        """
        new_x, new_grad, new_curv, step, A, L, inv = self._lm_work
        losses = np.empty(n_max)
        _lm_block(self.X, self.y, self.sw, self.has_sw, self.sizes, self.coef_off,
                  self.intercept_off, self.act_off, self.acts, self.kbuf,
                  self.d_cur, self.d_next, self.jac, self.res, self.wj, self.u,
                  self.M, x, grad, curv, new_x, new_grad, new_curv, step, A, L,
                  inv, penalised, fl, it, losses)
        return losses[: int(it[0])]


def supports_mini_batch(X, y, sample_weight):
    """Whether the compiled mini-batch epoch can take the problem (float64 dense)."""
    return (
        AVAILABLE
        and isinstance(X, np.ndarray)
        and X.dtype == np.float64
        and y.dtype == np.float64
        and (sample_weight is None or sample_weight.dtype == np.float64)
    )


class CompiledMiniBatch(MiniBatchEngine):
    """The mini-batch engine with each epoch one compiled call (:func:`_mb_epoch`).

    Same interface, flat layout, solver-state handling and whole-data loss
    as :class:`._minibatch.MiniBatchEngine`; the batches' forward and
    backward passes, the loss check (:func:`._rules.is_divergent` against the
    protocol's threshold, compiled) and the step rules run in one call per
    epoch, the shuffled rows read in place through the permutation.
    """

    engine = "compiled"

    def __init__(self, X, y, sample_weight, alpha, layer_sizes):
        super().__init__(X, y, sample_weight, alpha, layer_sizes)
        sizes = np.asarray(self.layer_sizes, dtype=np.int64)
        n_coef = sizes[:-1] * sizes[1:]
        self.sizes = sizes
        self.coef_off = np.concatenate([[0], np.cumsum(n_coef)[:-1]]).astype(np.int64)
        self.int_off = (n_coef.sum() + np.concatenate(
            [[0], np.cumsum(sizes[1:])[:-1]])).astype(np.int64)
        self._block = np.empty((3, self.size))
        self._rows = 0
        self._info = np.zeros(8)
        self._sw = sample_weight if sample_weight is not None else np.ones(1)
        self._no_order = np.zeros(1, dtype=np.int64)

    def _work_for(self, rows):
        if rows <= self._rows:
            return
        units = self.sizes[1:]
        self._act_off = np.concatenate([[0, 0], np.cumsum(units * rows)[:-1]]
                                       ).astype(np.int64)
        self._acts = np.empty(int(units.sum()) * rows)
        width = int(units.max()) * rows
        self._kbuf = np.empty(width, dtype=np.int64)
        self._d0 = np.empty(width)
        self._d1 = np.empty(width)
        self._xb = np.empty((rows, self.layer_sizes[0]))
        self._rows = rows

    def run_epoch(self, params, solver, order, batch_size, epoch, protocol, trail):
        """:meth:`._minibatch.MiniBatchEngine.run_epoch`, in one compiled call."""
        from ._drivers import Diverged

        self._work_for(min(batch_size, self.n_samples))
        block = self._block
        self._pack(params, block[0])
        self._pack(trail.previous, block[1])
        self._load_solver(solver)
        learning_rate = solver.learning_rate
        if isinstance(solver, Adam):
            kind, t = 2, solver.t
            hyper = (solver.learning_rate_init, 0.0, False, solver.beta_1,
                     solver.beta_2, solver.epsilon)
        elif isinstance(solver, StochasticGradientDescent):
            kind, t = 1, 0
            hyper = (learning_rate, solver.momentum, solver.nesterov, 0.0, 0.0, 0.0)
        else:
            kind, t = 0, 0
            hyper = (learning_rate, 0.0, False, 0.0, 0.0, 0.0)
        use_order = order is not None
        info = self._info
        _mb_epoch(self.X, self.y, self._sw, self.sample_weight is not None,
                  order if use_order else self._no_order, use_order,
                  int(batch_size), block, 0, 1, 2, self._grad, self._state[0],
                  self._state[1], kind, *hyper, int(t), self.alpha, self.n_coef,
                  float(self.weight_sum),
                  float(protocol.config.divergence_threshold), self.sizes,
                  self.coef_off, self.int_off, self._act_off, self._acts,
                  self._kbuf, self._xb, self._d0, self._d1, info)
        done, status = int(info[0]), int(info[1])
        cur, prev = int(info[4]), int(info[5])
        if done:
            trail.last_step = (epoch, learning_rate)
        if kind == 2 and done:
            solver.t = int(info[6])
            solver.learning_rate = solver.step_size()
        if status == 1:
            raise Diverged(*trail.last_step, float(info[2]),
                           self._unpack(block[prev]), self.n_layers)
        if status == 2:
            raise Diverged(epoch, learning_rate, np.inf, self._unpack(block[cur]),
                           self.n_layers)
        trail.previous = self._unpack(block[prev])
        self._store_solver(solver)
        return self._unpack(block[cur]), float(info[3])
