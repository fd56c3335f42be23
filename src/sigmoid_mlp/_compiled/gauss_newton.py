"""Compiled Gauss-Newton sums of 'lm' (:class:`CompiledSystem`).

:func:`sigmoid_mlp._network.gauss_newton_sums`: ``s``, ``u = Σ wᵢ Jᵢᵀ rᵢ``,
``M = Σ wᵢ Jᵢᵀ Jᵢ``, for networks of at most :data:`MAX_GN_WEIGHTS` weights.
"""

from __future__ import annotations

import numpy as np

from .core import _carry_back, _sigmoid_row, jit

# Networks with more weights use numpy (BLAS) for the Gauss-Newton curvature:
# the per-sample outer product costs p^2/2 operations, where BLAS on numpy's
# chunked Jacobian wins for wide networks.
MAX_GN_WEIGHTS = 64


# Rows per block of the Gauss-Newton sums' forward pass.
_BLOCK_ROWS = 256


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



_gauss_newton_sums = jit(_gauss_newton_sums)


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
        self.lm_work = (np.empty(p), np.empty(p), np.empty((p, p)), np.empty(p),
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
