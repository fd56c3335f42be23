"""The evidence's side of the compiled 'lm' iterations (:func:`.lm._lm_block`).

* :func:`_cholesky` -- the Cholesky factor of the damped steps and of the
  evidence's curvature;
* :func:`_evidence_curvature` and :func:`_gamma` --
  :func:`sigmoid_mlp._evidence.regularised_cholesky` and
  :func:`~sigmoid_mlp._evidence.effective_parameters` on the kernel's
  arrays, for one strength (``alpha='auto'``);
* :func:`_group_update` -- :meth:`sigmoid_mlp._evidence.ARDRegulariser.update`
  (``alpha='ard'``): one strength per group of
  :func:`sigmoid_mlp._evidence.input_groups`, with
  :func:`~sigmoid_mlp._evidence.group_effective_parameters`,
  :func:`~sigmoid_mlp._evidence.group_reestimate` and
  :func:`~sigmoid_mlp._evidence.group_log_evidence` written as loops, and
  the stopping rule's bookkeeping of ``EvidenceRegulariser._record``.

Groups are given by ``slot``: the group of each packed weight, the last
group for an unpenalised one (``pen`` is 0 there, so it adds nothing to any
group's sums).  Tested against the Python loop over whole fits.
"""

from __future__ import annotations

import math

import numpy as np

from .._evidence import ALPHA_MAX, ALPHA_MIN, reestimate
from .core import jit

_EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)
_LOG_2PI = math.log(2 * math.pi)

# the rows of the per-group work array (shape (4, n_groups))
G_ENERGY, G_SIZE, G_GAMMA, G_NEW = range(4)


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


def _invert_factor(L, inv):
    """``inv := L^-1`` (lower triangular), row by row.

    Row ``i`` is ``(e_i - Σ_{k<i} L[i, k] inv[k, :]) / L[i, i]``, subtracted
    in order of ``k``: every inner loop runs along a row (contiguous), and
    each entry sees the same operations in the same order as the
    column-by-column substitution."""
    p = L.shape[0]
    for i in range(p):
        row = inv[i]
        for j in range(p):
            row[j] = 0.0
        row[i] = 1.0
        for k in range(i):
            lik = L[i, k]
            other = inv[k]
            for j in range(k + 1):
                row[j] -= lik * other[j]
        lii = L[i, i]
        for j in range(i + 1):
            row[j] = row[j] / lii


def _gamma(L, pen, alpha, inv):
    """:func:`._evidence.effective_parameters` from the factor ``L``."""
    p = pen.shape[0]
    n_pen = 0.0
    for a in range(p):
        n_pen += pen[a]
    if alpha == 0.0:
        return n_pen
    _invert_factor(L, inv)
    trace = 0.0
    for j in range(p):  # diag(C^-1)_j = Σ_i inv[i, j]^2
        d = 0.0
        for i in range(j, p):
            d += inv[i, j] * inv[i, j]
        trace += pen[j] * d
    gamma = n_pen - alpha * trace
    return min(max(gamma, 0.0), n_pen)


def _group_penalty(x, pen, slot, alphas):
    """``½ Σ_j a_j x_j²``, ``a_j = alphas[slot[j]] pen[j]``: S times J's L2 term."""
    acc = 0.0
    for a in range(x.shape[0]):
        acc += alphas[slot[a]] * pen[a] * x[a] * x[a]
    return 0.5 * acc


def _group_gammas(L, pen, slot, alphas, sizes, inv, gammas):
    """:func:`._evidence.group_effective_parameters` from the factor ``L``
    into ``gammas``; returns their sum."""
    p = pen.shape[0]
    n_groups = alphas.shape[0]
    _invert_factor(L, inv)
    for g in range(n_groups):
        gammas[g] = 0.0
    for j in range(p):  # the trace of C^-1 over each group
        d = 0.0
        for i in range(j, p):
            d += inv[i, j] * inv[i, j]
        gammas[slot[j]] += pen[j] * d
    total = 0.0
    for g in range(n_groups):
        gamma = sizes[g] - alphas[g] * gammas[g]
        gammas[g] = min(max(gamma, 0.0), sizes[g])
        total += gammas[g]
    return total


def _group_reestimate(gammas, gamma, e_data, e_weights, n_res, n_unpen, floor,
                      out):
    """:func:`._evidence.group_reestimate` (``gamma``: the sum of ``gammas``):
    the strengths into ``out``; returns beta."""
    dof = max(n_res - n_unpen - gamma, min(1.0, 0.5 * n_res))
    e_data = max(e_data, floor, _TINY)
    beta = dof / (2.0 * e_data)
    for g in range(gammas.shape[0]):
        alpha = ALPHA_MAX
        if e_weights[g] > 0 and gammas[g] > 0:
            alpha = gammas[g] * e_data / (dof * e_weights[g])
        out[g] = min(max(alpha, ALPHA_MIN), ALPHA_MAX)
    return beta


def _group_log_evidence(e_data, e_weights, alphas, beta, log_det, n_res, sizes,
                        n_unpen):
    """:func:`._evidence.group_log_evidence`."""
    n_pen = 0.0
    prior = 0.0
    log_prior = 0.0
    log_beta = math.log(beta)
    for g in range(alphas.shape[0]):
        if alphas[g] <= 0:
            return -math.inf
        n_pen += sizes[g]
        prior += alphas[g] * e_weights[g]
        log_prior += sizes[g] * (math.log(alphas[g]) + log_beta)
    return (-beta * e_data - beta * prior
            - 0.5 * log_det - 0.5 * (n_pen + n_unpen) * log_beta
            + 0.5 * log_prior + 0.5 * n_unpen * _LOG_2PI
            + 0.5 * n_res * (log_beta - _LOG_2PI))


def _group_update(x, loss, grad, curv, S, pen, slot, alphas, work, c, n_res,
                  floor, ev_tol, anchor, stalled, tied, split_after, A, L, inv):
    """:meth:`._evidence.ARDRegulariser.update` at the accepted weights ``x``.

    Re-estimates ``alphas`` (one per group, in place), tied (every group
    ``alpha='auto'``'s update on the sums over the groups) until the
    evidence stalls for more than ``split_after`` updates, then group by
    group; updates ``grad`` and ``curv`` (J's, L2 terms included) in place
    for the new strengths.  Returns ``(factored, loss, changed, anchor,
    stalled, tied, log evidence, gamma, beta)``; ``factored`` is False (and
    nothing changed) when the curvature cannot be factorised.  ``work``
    (4 x n_groups) holds the groups' E_W, sizes, gammas and new strengths.
    """
    p = x.shape[0]
    n_groups = alphas.shape[0]
    e_weights, sizes = work[G_ENERGY], work[G_SIZE]
    gammas, new = work[G_GAMMA], work[G_NEW]
    for g in range(n_groups):
        e_weights[g] = 0.0
        sizes[g] = 0.0
    n_pen = 0.0
    for a in range(p):
        e_weights[slot[a]] += pen[a] * x[a] * x[a]
        sizes[slot[a]] += pen[a]
        n_pen += pen[a]
    n_unpen = p - n_pen
    penalty = 0.0
    e_total = 0.0
    for g in range(n_groups):
        e_weights[g] *= 0.5
        penalty += alphas[g] * e_weights[g]
        e_total += e_weights[g]
    e_data = max(S * loss - penalty, 0.0)
    log_det = _evidence_curvature(curv, S, pen, alphas[n_groups - 1], c, A, L)
    if not math.isfinite(log_det):
        return False, loss, False, anchor, stalled, tied, math.nan, math.nan, math.nan
    gamma = _group_gammas(L, pen, slot, alphas, sizes, inv, gammas)
    if tied:  # alpha='auto''s update on the sums over the groups
        shared, _, beta = _reestimate(gamma, e_data, e_total, n_res, n_unpen, floor)
        for g in range(n_groups):
            new[g] = shared
    else:
        beta = _group_reestimate(gammas, gamma, e_data, e_weights, n_res, n_unpen,
                                 floor, new)
    evidence = _group_log_evidence(max(e_data, floor), e_weights, alphas, beta,
                                   log_det, n_res, sizes, n_unpen)
    changed = evidence > anchor + ev_tol  # EvidenceRegulariser._record
    if changed:
        anchor = evidence
        stalled = 0
    else:
        stalled += 1
    if tied and stalled > split_after:  # the shared alpha has settled: split
        tied = False
        changed = True
        anchor = evidence
        stalled = 0
        _group_reestimate(gammas, gamma, e_data, e_weights, n_res, n_unpen,
                          floor, new)
    change = 0.0
    for g in range(n_groups):
        change += (new[g] - alphas[g]) * e_weights[g]
    for a in range(p):
        delta = (new[slot[a]] - alphas[slot[a]]) * pen[a]
        grad[a] = grad[a] + delta * x[a] / S
        curv[a, a] += delta / S
    for g in range(n_groups):
        alphas[g] = new[g]
    return (True, loss + change / S, changed, anchor, stalled, tied, evidence,
            gamma, beta)


_reestimate = jit(reestimate)
_cholesky = jit(_cholesky)
_evidence_curvature = jit(_evidence_curvature)
_invert_factor = jit(_invert_factor)
_gamma = jit(_gamma)
_group_penalty = jit(_group_penalty)
_group_gammas = jit(_group_gammas)
_group_reestimate = jit(_group_reestimate)
_group_log_evidence = jit(_group_log_evidence)
_group_update = jit(_group_update)
