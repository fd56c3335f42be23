"""Optional compiled gradient-descent loop (numba), used when numba is installed.

The numpy path of :mod:`sigmoid_mlp._kernels` is the reference; this module
computes the same epochs (tested equal to it and to :mod:`sigmoid_mlp._network`
to relative ``1e-12``), fused: each block of rows goes forward and backward
while it is in cache, and a whole block of epochs runs in one call, so the
per-epoch Python and ufunc-dispatch overhead (most of an epoch on small data)
disappears.

numba's ``math.exp`` is a scalar libm call (no SIMD without Intel's SVML), which
would make the sigmoid several times slower than numpy's vectorised ``exp``.
The sigmoid here therefore evaluates ``exp`` itself, in a form the compiler
vectorises: ``e^x = 2^k e^r`` with ``k = round(x / ln 2)`` and
``r = x - k ln 2`` (Cody-Waite, ``ln 2`` split in two so ``k ln2_hi`` is
exact), ``e^r`` by its Taylor polynomial of degree 13 (truncation error below
``4e-18`` relative for ``|r| <= ln(2)/2``) and ``2^k`` built from its exponent
bits.  The result agrees with ``scipy.special.expit`` to a few ulp.

Only float64, C-contiguous dense ``X`` takes this path; anything else stays
on numpy.  Summation order may differ from numpy's (``reassoc`` lets the
compiler vectorise the sums); nothing else of IEEE arithmetic is relaxed, so
NaN and infinity propagate and divergence is detected as on the numpy path.
"""

from __future__ import annotations

import math
import os

import numpy as np

try:
    if os.environ.get("SIGMOID_MLP_DISABLE_NUMBA", "") not in ("", "0"):
        raise ImportError("disabled by SIGMOID_MLP_DISABLE_NUMBA")
    from numba import njit
except ImportError:  # numba is an optional extra
    njit = None

AVAILABLE = njit is not None

__all__ = ["AVAILABLE", "CompiledProblem", "loss", "run_gd_block", "supports"]

# Epochs per compiled call: a KeyboardInterrupt is handled between blocks.
BLOCK_EPOCHS = 64
# Values per row block of the widest layer (fits the L1/L2 cache).
_BLOCK_ELEMENTS = 1 << 13

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
                for m in range(fan_in):
                    o = other[m]
                    for i in range(c):
                        o[i] = 0.0
                    for j in range(fan_out):
                        w = theta[off + j * (fan_in + 1) + m]
                        dj = delta[j]
                        for i in range(c):
                            o[i] += w * dj[i]
                    a = acts[in_row + m]
                    for i in range(c):
                        o[i] *= a[i] * (1.0 - a[i])
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
    recover it when a KeyboardInterrupt arrives as the call returns.
    """
    done = 0
    status = 0
    loss = 0.0
    for _ in range(n_epochs):
        loss = _loss(X, y, sw, has_sw, current, grad, True, table, acts, zout, d0,
                     d1, kbuf, rows, alpha_mask, has_alpha, S, -learning_rate)
        if not math.isfinite(loss) or loss > threshold:
            status = 2
            break
        for p in range(current.shape[0]):
            previous[p] = current[p]
            current[p] += grad[p]
        losses[done] = loss
        done += 1
        if loss > best_loss - tol:
            count += 1
        else:
            count = 0
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


if AVAILABLE:
    _FASTMATH = {"reassoc", "contract"}  # order of sums only; no nnan/ninf
    _sigmoid_row = njit(cache=True, fastmath=_FASTMATH)(_sigmoid_row)
    _evaluate = njit(cache=True, fastmath=_FASTMATH)(_evaluate)
    _finish = njit(cache=True, fastmath=_FASTMATH)(_finish)
    _loss = njit(cache=True, fastmath=_FASTMATH)(_loss)
    _gd_block = njit(cache=True, fastmath=_FASTMATH)(_gd_block)


def supports(fb):
    """Whether this path can run the problem of a ``FullBatchLossGradient``."""
    return (
        AVAILABLE
        and not fb.sparse
        and fb.dtype == np.float64
        and fb.X.dtype == np.float64
        and fb.X.flags.c_contiguous
        and fb.y.dtype == np.float64
        and (fb.sample_weight is None or fb.sample_weight.dtype == np.float64)
    )


class CompiledProblem:
    """Work arrays of the compiled loop for one data set and architecture."""

    def __init__(self, fb, layer_sizes):
        layer_sizes = [int(s) for s in layer_sizes]
        self.X, self.y = fb.X, fb.y
        self.has_sw = fb.sample_weight is not None
        self.sw = fb.sample_weight if self.has_sw else np.ones(1)
        # table rows: (theta offset, first row of the layer's input in
        # ``acts``, fan_in, fan_out); input rows are [a; 1].
        table, off, row = [], 0, 0
        for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            table.append((off, row, fan_in, fan_out))
            off += fan_out * (fan_in + 1)
            row += fan_in + 1
        self.table = np.asarray(table, dtype=np.int64)
        width = max(layer_sizes)
        self.rows = int(max(16, min(fb.n_samples, _BLOCK_ELEMENTS // (width + 1))))
        self.acts = np.empty((row, self.rows))
        for _, in_row, fan_in, _ in table:
            self.acts[in_row + fan_in] = 1.0
        self.zout = np.empty((layer_sizes[-1], self.rows))
        self.d0 = np.empty((width, self.rows))
        self.d1 = np.empty((width, self.rows))
        self.kbuf = np.empty(self.rows, dtype=np.int64)
        self.has_alpha = fb.alpha != 0
        self.alpha_mask = (fb.layout.weight_mask(np.float64) * fb.alpha
                           if self.has_alpha else np.zeros(1))
        self.S = float(fb.weight_sum)
        self.work_nbytes = sum(a.nbytes for a in (self.acts, self.zout, self.d0,
                                                  self.d1, self.kbuf))

    def _args(self):
        return (self.X, self.y, self.sw, self.has_sw)

    def _work(self):
        return (self.table, self.acts, self.zout, self.d0, self.d1, self.kbuf,
                self.rows)


def loss(problem, theta, grad=None, scale=1.0):
    """``J(theta)``; with ``grad``, also ``grad := scale * ∂J/∂theta``."""
    p = problem
    want = grad is not None
    if not want:
        grad = np.empty(1)
    return float(_loss(*p._args(), theta, grad, want, *p._work(), p.alpha_mask,
                       p.has_alpha, p.S, scale))


def run_gd_block(problem, current, previous, grad, learning_rate, n_epochs, losses,
                 threshold, tol, best_loss, count, stop_after, info):
    """One compiled block of epochs; the outcome is written to ``info``."""
    p = problem
    _gd_block(*p._args(), current, previous, grad, *p._work(), p.alpha_mask,
              p.has_alpha, p.S, float(learning_rate), int(n_epochs), losses,
              float(threshold), float(tol), float(best_loss), int(count),
              float(stop_after), info)
