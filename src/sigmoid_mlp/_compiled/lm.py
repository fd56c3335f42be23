"""Compiled 'lm': the Gauss-Newton sums (:class:`CompiledSystem`) and whole
Levenberg-Marquardt iterations (:func:`run_block`).

:func:`_gauss_newton_sums` is :func:`sigmoid_mlp._network.gauss_newton_sums`
(``s``, ``u = Σ wᵢ Jᵢᵀ rᵢ``, ``M = Σ wᵢ Jᵢᵀ Jᵢ``, the last by BLAS's
``dsyrk`` as numpy's ``J.T @ J`` is) for networks of at most
:data:`MAX_GN_WEIGHTS` weights.

When nothing runs between iterations, or one iteration at a time when
something must (``verbose``, callbacks, a validation set), the iterations of
:func:`sigmoid_mlp._lm.run_lm` run here (:func:`_lm_block`): the trial
steps by Cholesky, the stopping tests and, under ``alpha='auto'``, the
evidence update of :class:`sigmoid_mlp._evidence.EvidenceRegulariser`, with
:func:`sigmoid_mlp._evidence.reestimate` and
:func:`sigmoid_mlp._evidence.log_evidence` compiled as they are; under
``alpha='ard'`` that of :class:`sigmoid_mlp._evidence.ARDRegulariser`, one
strength per group (:func:`.evidence._group_update`).  Tested against the
Python loop to ``1e-8`` over whole fits.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np

from .._evidence import log_evidence
from .._network import FlatLayout
from .._solvers import lm_damping_after_accept
from .core import AVAILABLE, _carry_back, _no_improvement_count, _sigmoid_row, jit
from .evidence import (
    G_GAMMA,
    _cholesky,
    _evidence_curvature,
    _gamma,
    _group_penalty,
    _group_update,
    _reestimate,
)

# Networks with more weights use numpy (LAPACK): the curvature's sum is BLAS's
# syrk on both engines, but the Cholesky factors and inverse of each iteration
# (p^3/6 to p^3/3 operations) are loops here, and LAPACK's blocked ones win for
# wide networks.  Per 'lm' iteration, compiled / numpy (benchmarks/lm_engines.py,
# Boston's 13 inputs, OPENBLAS_NUM_THREADS=1, two runs): alpha='ard' on 404
# rows 0.52 at 121 weights, 0.68-0.74 at 181, 0.76-0.93 at 241, 0.84-0.90 at
# 301, 0.98-1.01 at 451; on 40 rows 0.54-0.57, 0.74-0.80, 0.79-0.89, 0.89-0.91
# at 121-301; alpha=0.001 on 404 rows 0.87 at 241, 0.86-1.00 at 301, 1.16-1.22
# at 451, on 40 rows 0.92-0.96 at 241 and 1.09-1.13 at 301.
MAX_GN_WEIGHTS = 250


def _blas_dsyrk():
    """BLAS's ``dsyrk``, the one scipy links (``scipy.linalg.cython_blas``),
    callable from the kernels: by symbol name (``ExternalFunction``), so the
    kernels that call it stay cacheable; a ctypes function as plain Python
    (``NUMBA_DISABLE_JIT``); None without numba."""
    if not AVAILABLE:
        return None
    import llvmlite.binding
    from numba import config, types
    from numba.extending import get_cython_function_address

    address = get_cython_function_address("scipy.linalg.cython_blas", "dsyrk")
    if config.DISABLE_JIT:
        return ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 10)(address)
    llvmlite.binding.add_symbol("sigmoid_mlp_dsyrk", address)
    return types.ExternalFunction("sigmoid_mlp_dsyrk", types.void(*[types.intp] * 10))


_DSYRK = _blas_dsyrk()


def syrk_scratch():
    """The arguments :func:`_syrk_upper` passes by reference: four int32
    (n, k, lda, ldc), the flags ``'L'``, ``'T'`` and the scalars 1, 1.  The
    caller owns them, so they outlive the call."""
    return (np.zeros(4, np.int32), np.array([ord("L"), ord("T")], np.uint8),
            np.ones(2))


def _syrk_upper(jac, c, M, scratch):
    """``M[a, b] += Σ_{i<c} jac[a, i] jac[b, i]`` for ``b >= a`` (the upper
    triangle of C-ordered ``M``; ``jac`` C-ordered, one weight per row) by
    BLAS's ``dsyrk``.  In BLAS's column-major terms ``jac`` is
    ``A (lda x p)`` and ``M`` the lower triangle of ``A[:c]ᵀ A[:c]``.
    ``scratch``: :func:`syrk_scratch`."""
    ints, flags, ones = scratch
    ints[0] = jac.shape[0]
    ints[1] = c
    ints[2] = jac.shape[1]
    ints[3] = M.shape[1]
    _DSYRK(flags.ctypes.data, flags[1:].ctypes.data, ints.ctypes.data,
           ints[1:].ctypes.data, ones.ctypes.data, jac.ctypes.data,
           ints[2:].ctypes.data, ones[1:].ctypes.data, M.ctypes.data,
           ints[3:].ctypes.data)


_syrk_upper = jit(_syrk_upper)


# Rows per block of the Gauss-Newton sums' forward pass.
_BLOCK_ROWS = 256


def _gauss_newton_sums(X, y, sw, has_sw, theta, sizes, coef_off, intercept_off,
                       act_off, want, acts, kbuf, d_cur, d_next, jac, res, wj, u,
                       M, syrk):
    """``s``; with ``want`` also ``u`` and ``M``.

    Rows go in blocks of ``acts.shape[1]``, every quantity of a block laid
    out unit by unit over its rows (``acts[unit, i]``, ``jac[weight, i]``),
    so the inner loops run over contiguous rows and vectorise; ``M`` by
    BLAS (:func:`_syrk_upper`, ``syrk``: its :func:`syrk_scratch`).
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
        if want and has_sw:  # √w_i, which scales the Jacobian rows below
            for i in range(c):
                wj[i] = math.sqrt(sw[start + i])
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
            # ---- accumulate u += Σ_i w_i r_i J_i and M += Σ_i w_i J_iᵀ J_i:
            # with weights, each Jacobian row is scaled by √w_i first (the
            # weights are non-negative); M's upper triangle by BLAS's syrk
            for a_ in range(p):
                ja = jac[a_]
                t = 0.0
                if has_sw:
                    for i in range(c):
                        ja[i] *= wj[i]
                    for i in range(c):
                        t += ja[i] * wj[i] * res[i]
                else:
                    for i in range(c):
                        t += ja[i] * res[i]
                u[a_] += t
            _syrk_upper(jac, c, M, syrk)
    if want:
        for a_ in range(p):
            for b_ in range(a_):
                M[a_, b_] = M[b_, a_]
    return s


_gauss_newton_sums = jit(_gauss_newton_sums)



# ----------------------------------------------------------------- 'lm', fused
class LMState:
    """The state compiled 'lm' iterations carry between calls, by name.

    numba takes arrays, so the state lives in two: ``fl`` (float64) and
    ``it`` (int64), whose slots are named by :attr:`FLOATS` and :attr:`INTS`
    (and, inside the kernel, by the constants ``F_*`` and ``I_*``).  Read and
    write them as attributes: ``state.mu``, ``state.code``.

    Floats: J, the damping mu and its factor nu, alpha, the best J, tol,
    n_iter_no_change, S, the evidence's tolerance and anchor, E_D's floor,
    the intercepts' curvature floor, and (out) the last log evidence, gamma
    and beta.  Integers: (out) iterations done and the outcome code, the
    evaluations of J, the stopping rule's count, the evidence's stall count,
    whether alpha is re-estimated, whether the tests may stop the run, the
    number of evidence updates, the ``max_fun`` budget, the number of
    outputs, and under ``alpha='ard'`` whether the groups are still tied and
    the stalled updates allowed before they split.

    Arrays (:attr:`ARRAYS`), ``alpha='ard'`` only: ``alphas``, the strength
    of every group (updated in place; ``alpha`` is the last one's), and
    ``groups``, the group of every packed weight
    (:func:`sigmoid_mlp._evidence.input_groups`); :attr:`gammas`, the
    groups' effective numbers of parameters at the last update.  Without
    them the kernel has one strength, ``alpha``.
    """

    FLOATS = ("loss", "mu", "nu", "alpha", "best_loss", "tol", "patience",
              "weight_sum", "evidence_tol", "anchor", "data_floor",
              "intercept_floor", "log_evidence", "gamma", "beta")
    INTS = ("done", "code", "n_fun", "count", "stalled", "auto", "check",
            "n_updates", "max_fun", "n_outputs", "tied", "split_after")
    ARRAYS = ("alphas", "groups")

    def __init__(self, **values):
        fl = np.full(len(self.FLOATS), math.nan)
        it = np.zeros(len(self.INTS), dtype=np.int64)
        object.__setattr__(self, "fl", fl)
        object.__setattr__(self, "it", it)
        object.__setattr__(self, "arrays", dict.fromkeys(self.ARRAYS))
        object.__setattr__(self, "_groups", None)  # the kernel's group arrays
        for name, value in values.items():
            setattr(self, name, value)

    def __getattr__(self, name):
        if name in self.FLOATS:
            return float(self.fl[self.FLOATS.index(name)])
        if name in self.INTS:
            return int(self.it[self.INTS.index(name)])
        if name in self.ARRAYS:
            return self.arrays[name]
        raise AttributeError(name)

    def __setattr__(self, name, value):
        if name in self.FLOATS:
            self.fl[self.FLOATS.index(name)] = value
        elif name in self.INTS:
            self.it[self.INTS.index(name)] = value
        elif name in self.ARRAYS:
            dtype = np.int64 if name == "groups" else np.float64
            self.arrays[name] = np.array(value, dtype=dtype)
            object.__setattr__(self, "_groups", None)
        else:
            raise AttributeError(f"LMState has no slot {name!r}")

    @property
    def gammas(self):
        """The groups' gamma at the last evidence update (``alpha='ard'``)."""
        return None if self._groups is None else self._groups[2][G_GAMMA]

    def group_arrays(self, n_weights):
        """``(alphas, slot, work)`` for :func:`_lm_block`: the strengths, the
        group of every weight (an unpenalised one's: the last group) and
        the groups' work array; one group of strength ``alpha`` when the
        state has no ``groups``."""
        if self._groups is None:
            alphas, groups = self.alphas, self.groups
            if groups is None:
                alphas, slot = np.array([self.alpha]), np.zeros(n_weights, np.int64)
            else:
                slot = np.where(groups >= 0, groups, alphas.size - 1)
            work = np.zeros((4, alphas.size))
            object.__setattr__(self, "_groups", (alphas, slot, work))
        return self._groups


# the slots' indices, compile-time constants of the kernel
(F_LOSS, F_MU, F_NU, F_ALPHA, F_BEST, F_TOL, F_PATIENCE, F_S, F_EV_TOL, F_ANCHOR,
 F_FLOOR, F_INTERCEPT_FLOOR, F_EVIDENCE, F_GAMMA, F_BETA) = range(len(LMState.FLOATS))
(I_DONE, I_CODE, I_N_FUN, I_COUNT, I_STALLED, I_AUTO, I_CHECK, I_N_UPDATES,
 I_MAX_FUN, I_N_OUTPUTS, I_TIED, I_SPLIT_AFTER) = range(len(LMState.INTS))


# Codes of _lm_block's it[1] (the outcome of a block of iterations).
LM_RUNNING = 0      # the block's iterations are done; more may follow


LM_CONVERGED = 1    # a stopping test fired


LM_MAX_FUN = 2      # the budget of evaluations of J ran out


LM_DIVERGED = 3     # the gradient or curvature at an accepted step is not finite


LM_SINGULAR = 4     # the evidence's curvature could not be factorised


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


def _lm_block(X, y, sw, has_sw, sizes, coef_off, intercept_off, act_off, acts,
              kbuf, d_cur, d_next, jac, res, wj, u, M, syrk, x, grad, curv, new_x,
              new_grad, new_curv, step, A, L, inv, pen, alphas, slot, work,
              fl, it, losses):
    """Up to ``losses.shape[0]`` Levenberg-Marquardt iterations of
    :func:`._lm.run_lm`, with the protocol's stopping rule on J and,
    under ``alpha='auto'``, :meth:`._evidence.EvidenceRegulariser.update`
    after every accepted step (under ``alpha='ard'``,
    :meth:`._evidence.ARDRegulariser.update`), in one call.

    ``x``, ``grad``, ``curv`` (J's gradient and curvature, L2 term included)
    are the current point and are updated in place; ``fl`` and ``it`` are
    an :class:`LMState`'s arrays, read and written by their named slots.
    With more than one group (``alpha='ard'``) the L2 strengths are
    ``alphas`` (per group; ``slot``: each weight's group, ``work`` the
    groups' scratch, :meth:`LMState.group_arrays`), else ``alpha``: the
    one-strength arithmetic is kept as it was, branch by branch.
    """
    p = x.shape[0]
    loss, mu, nu, alpha = fl[F_LOSS], fl[F_MU], fl[F_NU], fl[F_ALPHA]
    best, tol, patience, S = fl[F_BEST], fl[F_TOL], fl[F_PATIENCE], fl[F_S]
    ev_tol, anchor = fl[F_EV_TOL], fl[F_ANCHOR]
    floor, c = fl[F_FLOOR], fl[F_INTERCEPT_FLOOR]
    n_fun, count, stalled = it[I_N_FUN], it[I_COUNT], it[I_STALLED]
    auto, check = it[I_AUTO] == 1, it[I_CHECK] == 1
    n_updates, max_fun, n_out = it[I_N_UPDATES], it[I_MAX_FUN], it[I_N_OUTPUTS]
    tied, split_after = it[I_TIED] == 1, it[I_SPLIT_AFTER]
    grouped = alphas.shape[0] > 1
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
                                   d_cur, d_next, jac, res, wj, u, M, syrk)
            new_loss = s / (2.0 * S)
            if grouped:
                new_loss += _group_penalty(new_x, pen, slot, alphas) / S
            elif alpha != 0.0:
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
                           u, M, syrk)
        finite = True
        for a in range(p):
            g = u[a]
            if grouped:
                g += alphas[slot[a]] * pen[a] * new_x[a]
            elif alpha != 0.0:
                g += alpha * pen[a] * new_x[a]
            new_grad[a] = g / S
            finite = finite and math.isfinite(new_grad[a])
            for b in range(p):
                h = M[a, b]
                if a == b and grouped:
                    h += alphas[slot[a]] * pen[a]
                elif a == b and alpha != 0.0:
                    h += alpha * pen[a]
                new_curv[a, b] = h / S
                finite = finite and math.isfinite(new_curv[a, b])
        if not finite:
            code = LM_DIVERGED
            break
        changed = False
        if auto and grouped:  # ---- alpha='ard': the groups' evidence update
            (factored, new_loss, changed, anchor, stalled, tied, evidence, gamma,
             beta) = _group_update(new_x, new_loss, new_grad, new_curv, S, pen,
                                   slot, alphas, work, c, n_out * S, floor,
                                   ev_tol, anchor, stalled, tied, split_after, A,
                                   L, inv)
            if not factored:
                code = LM_SINGULAR
                break
            n_updates += 1
            fl[F_EVIDENCE], fl[F_GAMMA], fl[F_BETA] = evidence, gamma, beta
            alpha = alphas[alphas.shape[0] - 1]
        elif auto:  # ---- alpha='auto': the evidence update at the new weights
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
            fl[F_EVIDENCE], fl[F_GAMMA], fl[F_BETA] = evidence, gamma, beta
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
    fl[F_LOSS], fl[F_MU], fl[F_NU], fl[F_ALPHA] = loss, mu, nu, alpha
    fl[F_BEST], fl[F_ANCHOR] = best, anchor
    it[I_DONE], it[I_CODE], it[I_N_FUN] = done, code, n_fun
    it[I_COUNT], it[I_STALLED], it[I_N_UPDATES] = count, stalled, n_updates
    it[I_TIED] = 1 if tied else 0



_log_evidence = jit(log_evidence)
_lm_damping_after_accept = jit(lm_damping_after_accept)
_damped_step = jit(_damped_step)
_lm_block = jit(_lm_block)


class CompiledSystem:
    """Work arrays of the compiled sums for one data set and architecture."""

    def __init__(self, X, y, sample_weight, layer_sizes):
        layout = FlatLayout(layer_sizes)
        sizes = layout.sizes
        self.n_weights = layout.size
        self.coef_off, self.intercept_off = layout.coef_off, layout.int_off
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
        self.syrk = syrk_scratch()
        # lm_block's: the trial point, its gradient and curvature, the step,
        # a p x p scratch matrix, a Cholesky factor and its inverse
        p = self.n_weights
        self.lm_work = (np.empty(p), np.empty(p), np.empty((p, p)), np.empty(p),
                         np.empty((p, p)), np.empty((p, p)), np.empty((p, p)))

    def sums(self, theta, want=True):
        """``(s, u, M)`` at the packed weights ``theta`` (``u``, ``M`` None unless ``want``).

        ``u`` and ``M`` are the module's work arrays, overwritten by the next call.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            s = _gauss_newton_sums(self.X, self.y, self.sw, self.has_sw,
                      np.ascontiguousarray(theta, dtype=np.float64), self.sizes,
                      self.coef_off, self.intercept_off, self.act_off, want, self.acts,
                      self.kbuf, self.d_cur, self.d_next, self.jac, self.res, self.wj,
                      self.u, self.M, self.syrk)
        return (float(s), self.u, self.M) if want else (float(s), None, None)



def run_block(system, x, grad, curv, penalised, state, n_max):
    """Up to ``n_max`` fused Levenberg-Marquardt iterations (:func:`_lm_block`)
    on a :class:`~.gauss_newton.CompiledSystem`'s data and work arrays.

    ``x``, ``grad``, ``curv`` (float64, C order) are updated in place,
    ``state`` (an :class:`LMState`) carries the run between blocks; returns
    ``J`` before each iteration done (``loss_curve_``'s entries).
    """
    s = system
    new_x, new_grad, new_curv, step, A, L, inv = s.lm_work
    alphas, slot, work = state.group_arrays(x.shape[0])
    losses = np.empty(n_max)
    # Overflow at a trial step only rejects it (compiled, IEEE arithmetic is
    # silent; as plain Python, NUMBA_DISABLE_JIT, numpy scalars would warn)
    with np.errstate(over="ignore", invalid="ignore"):
        _lm_block(s.X, s.y, s.sw, s.has_sw, s.sizes, s.coef_off, s.intercept_off,
                  s.act_off, s.acts, s.kbuf, s.d_cur, s.d_next, s.jac, s.res, s.wj,
                  s.u, s.M, s.syrk, x, grad, curv, new_x, new_grad, new_curv, step, A, L,
                  inv, penalised, alphas, slot, work, state.fl, state.it, losses)
    return losses[: state.done]
