"""The evidence's side of the compiled 'lm' iterations (:func:`.lm._lm_block`).

* :func:`_cholesky` -- the Cholesky factor of the damped steps and of the
  evidence's curvature;
* :func:`_evidence_curvature` and :func:`_gamma` --
  :func:`sigmoid_mlp._evidence.regularised_cholesky` and
  :func:`~sigmoid_mlp._evidence.effective_parameters` on the kernel's
  arrays, for one strength (``alpha='auto'``).
"""

from __future__ import annotations

import math

import numpy as np

from .._evidence import reestimate
from .core import jit

_EPS = float(np.finfo(np.float64).eps)


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


_reestimate = jit(reestimate)
_cholesky = jit(_cholesky)
_evidence_curvature = jit(_evidence_curvature)
_gamma = jit(_gamma)
