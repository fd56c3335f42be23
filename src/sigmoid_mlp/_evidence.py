r"""MacKay's evidence framework for the network: automatic L2 strength and error bars.

Pure numpy, no scikit-learn.  The functions work on the quantities the
Levenberg-Marquardt solver already builds
(:class:`sigmoid_mlp._lm.GaussNewtonSystem`,
:func:`sigmoid_mlp._network.gauss_newton_sums`); ``docs/evidence.rst``
derives every formula below in the deck's notation.

Notation.  The training objective is

.. math:: J(\mathbf w) = \frac{1}{2S}\sum_i s_i \lVert y_i - \hat y_i\rVert^2
          + \frac{\alpha}{2S}\lVert W\rVert^2
          = \frac{1}{S}\left(E_D + \alpha E_W\right),

with sample weights :math:`s_i`, :math:`S = \sum_i s_i`,
:math:`E_D = \frac12\sum_i s_i \lVert y_i - \hat y_i\rVert^2` and
:math:`E_W = \frac12 \lVert W\rVert^2` over the *coefficients* (the
``coefs``, the weights :math:`\alpha` penalises; the intercepts are not in
:math:`E_W`).  MacKay's Bayesian reading: Gaussian noise of precision
:math:`\beta` (variance :math:`1/\beta`) on every one of the
:math:`N = k S` weighted residuals (:math:`k` outputs; an integer weight
counts as that many repeated rows), a Gaussian prior of precision
:math:`\alpha_M` on the :math:`W_p` coefficients and a flat prior (unit
density) on the :math:`p_b` intercepts.  The posterior's negative log is,
up to constants, :math:`\beta E_D + \alpha_M E_W = \beta S J` with
:math:`\alpha = \alpha_M / \beta`: the same minimiser as :math:`J`.

With :math:`G = \sum_i s_i \sum_k J_{ik}^\top J_{ik}` (the Gauss-Newton sum
of :func:`~sigmoid_mlp._network.gauss_newton_sums`, :math:`J_{ik} =
\partial\hat y_{ik}/\partial w`) and :math:`P` the 0/1 diagonal of the
penalised weights, the Hessian of :math:`\beta E_D + \alpha_M E_W`
(Gauss-Newton) is

.. math:: A = \beta G + \alpha_M P = \beta C, \qquad C = G + \alpha P
          = S\,H,

:math:`H` being the curvature ``GaussNewtonSystem`` returns.  References:
D. J. C. MacKay, "A practical Bayesian framework for backpropagation
networks", Neural Computation 4(3) (1992); F. D. Foresee and M. T. Hagan,
"Gauss-Newton approximation to Bayesian learning", ICNN (1997).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.linalg.lapack

_potrf = scipy.linalg.lapack.dpotrf
_trtri = scipy.linalg.lapack.dtrtri

__all__ = [
    "ARDRegulariser",
    "EvidenceRegulariser",
    "Posterior",
    "effective_parameters",
    "group_effective_parameters",
    "group_log_evidence",
    "group_posterior",
    "group_reestimate",
    "input_groups",
    "log_evidence",
    "posterior",
    "predictive_variance",
    "reestimate",
    "regularised_cholesky",
]

#: Bounds on the L2 strength :math:`\alpha = \alpha_M/\beta` the updates may
#: reach (a guard against :math:`E_W \to 0` and :math:`\gamma \to 0`).
ALPHA_MIN = 1e-10
ALPHA_MAX = 1e10
#: :math:`E_D` is at least this fraction of the constant prediction's.
DATA_FLOOR = 1e-12
#: The L2 strength ``alpha='auto'`` starts from (see EvidenceRegulariser): a
#: weak prior, re-estimated after the first step; starting near 0 instead
#: makes the first gamma ill-conditioned when there are more weights than
#: residuals.
ALPHA_START = 1e-2
#: ``alpha='auto'`` stops once the log evidence rises by less than this
#: many nats over ``n_iter_no_change`` iterations: a Bayes factor of
#: :math:`e^{0.1} \approx 1.1`, far below what could change a choice
#: between models (Jeffreys' scale starts at 1 nat).
EVIDENCE_TOL = 0.1
# the smallest normal float64, a plain float (reestimate is also compiled by
# numba, for the fused 'lm' iterations of _compiled)
_TINY = float(np.finfo(np.float64).tiny)
#: The intercepts' extra curvature in :func:`regularised_cholesky`, as a
#: fraction of :math:`\alpha`.
INTERCEPT_FLOOR = 1e-3


def regularised_cholesky(C, penalised, alpha, intercept_floor=None):
    r"""Cholesky factor :math:`L` of :math:`\tilde C = C + c\,\alpha\,(I - P)`.

    :math:`C = G + \alpha P` is symmetric positive semi-definite and at
    least :math:`\alpha` in the coefficient directions.  An intercept
    direction the data do not determine (e.g. the bias of a hidden unit
    whose output weight the prior has driven to 0) can make it singular:
    under the intercepts' flat prior that direction's posterior is improper,
    :math:`\log\det A \to -\infty` and the predictive variance unbounded.
    For :math:`\gamma`, :math:`\log\det A` and the error bars the
    intercepts therefore get the small extra curvature
    :math:`c\,\alpha` (:math:`c` = ``intercept_floor``, default
    :data:`INTERCEPT_FLOOR` = :math:`10^{-3}`): an undetermined intercept's
    posterior variance is at most :math:`1/c` times a coefficient's prior
    variance :math:`1/\alpha_M`, and determined ones (curvature
    :math:`\gg c\alpha`) are not affected.  The training objective
    itself leaves the intercepts unpenalised.  If the factorisation still
    fails (:math:`\alpha = 0`, or rounding), :math:`p\,\epsilon\max_j
    C_{jj}` is added to the diagonal, increasing tenfold until it succeeds.

    Returns
    -------
    L : ndarray of shape (p, p)
        Lower triangular, :math:`L L^\top = \tilde C`.
    log_det : float
        :math:`\ln\det\tilde C = 2\sum_j \ln L_{jj}`.
    """
    c = INTERCEPT_FLOOR if intercept_floor is None else float(intercept_floor)
    C = 0.5 * (C + C.T)
    p = C.shape[0]
    C.flat[:: p + 1] += c * float(alpha) * (1.0 - penalised)
    # LAPACK's dpotrf directly (what scipy.linalg.cholesky calls, without its
    # wrapper: this runs after every 'lm' step on a matrix of a few dozen
    # rows); clean=1 zeroes the strict upper triangle
    L, info = _potrf(C, lower=1, clean=1)
    if info != 0:
        jitter = p * np.finfo(np.float64).eps * max(float(C.diagonal().max()), 1.0)
        extra = jitter
        for _ in range(39):
            L, info = _potrf(C + extra * np.eye(p), lower=1, clean=1)
            if info == 0:
                break
            extra = 10.0 * extra
        else:
            raise np.linalg.LinAlgError("the Gauss-Newton curvature is not finite")
    return L, 2.0 * float(np.log(L.diagonal()).sum())


def _triangular_inverse(L):
    """:math:`L^{-1}` for :func:`regularised_cholesky`'s factor (LAPACK ``dtrtri``).

    ``dtrtri`` reads and writes the lower triangle only; the strict upper
    triangle of :math:`L`, zero, stays zero.
    """
    inverse, info = _trtri(L, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError("singular Cholesky factor")
    return inverse


def effective_parameters(L, penalised, alpha):
    r"""The effective number of coefficients :math:`\gamma`.

    .. math:: \gamma = W_p - \alpha_M \operatorname{tr}(P A^{-1})
              = W_p - \alpha \operatorname{tr}(P \tilde C^{-1}),

    with :math:`\tilde C = L L^\top` (:func:`regularised_cholesky`);
    MacKay's :math:`\gamma = \sum_k \lambda_k/(\lambda_k + \alpha)` when
    every weight is penalised.  :math:`0 \le \gamma \le W_p`: the number of
    coefficients the data determine rather than the prior.  The intercepts
    (flat prior) are always determined, so :math:`p_b + \gamma` weights use
    up degrees of freedom of the noise.  It depends on :math:`\alpha` only,
    not on :math:`\beta`.
    """
    n_penalised = float(penalised.sum())
    if not alpha:
        return n_penalised
    # diag(C^-1) = column sums of squares of L^-1, since C^-1 = L^-T L^-1
    # (LAPACK's triangular inverse: much faster than a solve with the
    # identity when a threaded BLAS competes for few cores)
    inverse = _triangular_inverse(L)
    diagonal = (inverse * inverse).sum(axis=0)
    gamma = n_penalised - float(alpha) * float(penalised @ diagonal)
    return min(max(gamma, 0.0), n_penalised)


def residual_dof(n_residuals, n_unpenalised, gamma):
    r"""The residuals' degrees of freedom :math:`\nu = N - p_b - \gamma`.

    :math:`\beta`'s re-estimate divides them by :math:`2E_D`
    (:func:`reestimate`), and the predictive distribution is a Student t
    with :math:`\nu` degrees of freedom (:func:`predictive_variance`).
    Guard: at least ``min(1, N/2)`` (few residuals, many weights).
    """
    return max(n_residuals - n_unpenalised - gamma, min(1.0, 0.5 * n_residuals))


def reestimate(gamma, e_data, e_weights, n_residuals, n_unpenalised,
               e_data_floor=0.0):
    r"""MacKay's re-estimation of :math:`\alpha_M` and :math:`\beta`.

    At a minimum of :math:`\beta E_D + \alpha_M E_W`, the log evidence is
    stationary in :math:`\alpha_M` and :math:`\beta` when

    .. math:: \alpha_M = \frac{\gamma}{2 E_W}, \qquad
              \beta = \frac{N - p_b - \gamma}{2 E_D}.

    Guards: the degrees of freedom :math:`N - p_b - \gamma` are at least
    ``min(1, N/2)`` (few residuals, many weights), :math:`E_D` at least
    ``e_data_floor`` (an exact fit), and the ratio
    :math:`\alpha = \alpha_M/\beta` stays in ``[ALPHA_MIN, ALPHA_MAX]``;
    :math:`\alpha_M = \alpha\beta` is reported consistently with it.

    Returns
    -------
    alpha : float
        The L2 strength of :math:`J`, :math:`\alpha_M/\beta`.
    alpha_m, beta : float
    """
    # residual_dof, written out: the compiled engine compiles this function
    dof = max(n_residuals - n_unpenalised - gamma, min(1.0, 0.5 * n_residuals))
    e_data = max(float(e_data), float(e_data_floor), _TINY)
    beta = dof / (2.0 * e_data)
    if e_weights > 0 and gamma > 0:
        alpha = gamma * e_data / (dof * e_weights)
    else:
        alpha = ALPHA_MAX
    alpha = min(max(alpha, ALPHA_MIN), ALPHA_MAX)
    return alpha, alpha * beta, beta


def log_evidence(e_data, e_weights, alpha, beta, log_det, n_residuals,
                 n_penalised, n_unpenalised):
    r"""The log evidence :math:`\ln p(D \mid \alpha_M, \beta)` (Laplace approximation).

    .. math:: \ln p(D\mid\alpha_M,\beta) = -\beta E_D - \alpha_M E_W
              - \tfrac12 \ln\det(\beta\tilde C)
              + \tfrac{W_p}{2}\ln\alpha_M + \tfrac{p_b}{2}\ln 2\pi
              + \tfrac N2 \ln\frac{\beta}{2\pi},

    with :math:`\alpha_M = \alpha\beta`, :math:`A = \beta\tilde C`
    (``log_det`` is :math:`\ln\det\tilde C`, :func:`regularised_cholesky`),
    the intercepts' flat prior of unit density (an improper prior: a constant for a given
    architecture, which is all that ranking restarts needs) and without
    MacKay's symmetry term :math:`\ln(h!\,2^h)` per hidden layer (the same
    for every restart of one architecture).  :math:`-\infty` for
    :math:`\alpha = 0` (an improper prior on the coefficients too).
    """
    if alpha <= 0:
        return -math.inf
    log_beta = math.log(beta)
    log_alpha_m = math.log(alpha) + log_beta
    return (
        -beta * e_data
        - alpha * beta * e_weights
        - 0.5 * float(log_det) - 0.5 * (n_penalised + n_unpenalised) * log_beta
        + 0.5 * n_penalised * log_alpha_m
        + 0.5 * n_unpenalised * math.log(2 * math.pi)
        + 0.5 * n_residuals * (log_beta - math.log(2 * math.pi))
    )


class Posterior(NamedTuple):
    """The evidence quantities at a fitted network (see :func:`posterior`)."""

    alpha: float
    alpha_m: float
    beta: float
    gamma: float
    log_evidence: float
    covariance_factor: np.ndarray  # F with A^{-1} = F F^T, shape (p, p)
    dof: float  # nu = N - p_b - gamma (residual_dof)


def posterior(G, x, penalised, e_data, n_residuals, alpha, beta=None,
              e_data_floor=0.0, intercept_floor=None):
    r"""The Laplace posterior at packed weights ``x`` for a given :math:`\alpha`.

    With ``beta=None`` the noise precision is estimated from the residuals,
    :math:`\beta = (N - p_b - \gamma)/(2E_D)` (:func:`reestimate`; for a
    fixed :math:`\alpha` this is the only free hyperparameter, since
    :math:`\gamma` depends on :math:`\alpha` alone).  The posterior
    covariance of the weights is
    :math:`A^{-1} = (\beta\tilde C)^{-1} = F F^\top` with
    :math:`F = L^{-\top}/\sqrt\beta` (:func:`regularised_cholesky`).

    Parameters
    ----------
    G : ndarray of shape (p, p)
        :math:`\sum_i s_i \sum_k J_{ik}^\top J_{ik}`.
    x : ndarray of shape (p,)
        Packed weights (:func:`sigmoid_mlp._network.pack`).
    penalised : ndarray of shape (p,)
        1 for a coefficient, 0 for an intercept.
    e_data : float
        :math:`E_D`.
    n_residuals : float
        :math:`N = k S`.
    alpha : float
        The L2 strength of :math:`J`.
    beta : float, optional
    e_data_floor : float, default=0.0
        See :func:`reestimate`.
    intercept_floor : float, optional
        See :func:`regularised_cholesky`.

    Returns
    -------
    Posterior
    """
    penalised = np.asarray(penalised, dtype=np.float64)
    C = G + np.diag(alpha * penalised)
    L, log_det = regularised_cholesky(C, penalised, alpha, intercept_floor)
    gamma = effective_parameters(L, penalised, alpha)
    n_penalised = float(penalised.sum())
    n_unpenalised = penalised.size - n_penalised
    e_weights = 0.5 * float((penalised * x) @ x)
    if beta is None:  # MacKay's re-estimate, as during training
        _, _, beta = reestimate(gamma, e_data, e_weights, n_residuals,
                                n_unpenalised, e_data_floor)
    evidence = log_evidence(e_data, e_weights, alpha, beta, log_det,
                            n_residuals, n_penalised, n_unpenalised)
    factor = _triangular_inverse(L).T / math.sqrt(beta)
    return Posterior(float(alpha), float(alpha * beta), float(beta), gamma,
                     evidence, factor,
                     residual_dof(n_residuals, n_unpenalised, gamma))


def hyperparameter_factor(covariance_factor, beta, x, groups, alphas, gammas,
                          dof):
    r"""The prediction's spread from the evidence's error bars on the strengths.

    The trained weights :math:`\mathbf w^*(\alpha)` move with the
    strengths the evidence chose: at the minimum of :math:`J`,
    :math:`\partial\mathbf w^*/\partial\ln\alpha_g
    = -C^{-1}\alpha_g P_g\mathbf w^* =: -\mathbf u_g`, with :math:`P_g`
    the diagonal mask of group :math:`g`'s weights (implicit differentiation
    of :math:`\nabla E_D + \sum_g \alpha_g P_g\mathbf w = 0`, with the
    Gauss-Newton curvature).  The evidence gives :math:`\ln\alpha_{M,g}`
    the variance :math:`2/\gamma_g` and :math:`\ln\beta` the variance
    :math:`2/\nu` (MacKay 1992's error bars), independently, and
    :math:`\ln\alpha_g = \ln\alpha_{M,g} - \ln\beta`; to first order
    the prediction :math:`\hat y(x)` then varies by

    .. math:: \sum_g \frac{2}{\gamma_g}\,(g(x)^\top\mathbf u_g)^2
              + \frac{2}{\nu}\Bigl(g(x)^\top\sum_g\mathbf u_g\Bigr)^2
              = \lVert H^\top g(x)\rVert^2 .

    Returns ``H``, shape ``(p, n_groups + 1)``: the columns
    :math:`\sqrt{2/\gamma_g}\,\mathbf u_g` (0 for a group with
    :math:`\gamma_g = 0`, the limit of a group the prior has switched off)
    and :math:`\sqrt{2/\nu}\sum_g\mathbf u_g`.

    Parameters
    ----------
    covariance_factor : ndarray of shape (p, p)
        :math:`F` with :math:`A^{-1} = (\beta C)^{-1} = F F^\top`.
    beta : float
    x : ndarray of shape (p,)
        The packed trained weights.
    groups : ndarray of shape (p,), int
        Each weight's group, -1 for one without a prior.
    alphas, gammas : ndarray of shape (n_groups,)
        The groups' strengths (:math:`J`'s units) and :math:`\gamma_g`.
    dof : float
        :math:`\nu` (:func:`residual_dof`).
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    gammas = np.asarray(gammas, dtype=np.float64)
    members = np.asarray(groups)[:, None] == np.arange(alphas.size)[None, :]
    pulls = members * alphas[None, :] * np.asarray(x, dtype=np.float64)[:, None]
    directions = beta * (covariance_factor @ (covariance_factor.T @ pulls))
    weights = np.zeros_like(gammas)
    weights[gammas > 0] = np.sqrt(2.0 / gammas[gammas > 0])
    shared = math.sqrt(2.0 / dof) * directions.sum(axis=1, keepdims=True)
    return np.hstack([directions * weights, shared])


def predictive_variance(jacobian, covariance_factor, beta, dof, hyper=None):
    r"""Predictive variance :math:`\frac{\nu}{\nu-2}\,s_k^2(x) + \lVert H^\top g_k(x)\rVert^2`, :math:`s_k^2(x) = 1/\beta + g_k(x)^\top A^{-1} g_k(x)`.

    :math:`g_k(x) = \partial\hat y_k(x)/\partial w` is the output Jacobian at
    a new input (:func:`sigmoid_mlp._network.output_jacobian`): :math:`s_k^2`
    is the noise of a new observation (weight 1) plus the spread of the
    network's output under the Laplace posterior of the weights,
    linearised, both at the estimate :math:`\beta`.  Integrating
    :math:`\beta` out over its posterior (with :math:`A = \beta C`
    every term scales with :math:`1/\beta`) makes the predictive
    distribution a Student t with :math:`\nu` = ``dof`` degrees of freedom
    (:func:`residual_dof`) and scale :math:`s_k`, whose variance is
    :math:`s_k^2\,\nu/(\nu - 2)`: infinite for :math:`\nu \le 2`.
    ``hyper`` (:func:`hyperparameter_factor`, the fits whose strengths the
    evidence chose) adds the prediction's first-order spread over the
    strengths' error bars.

    Parameters
    ----------
    jacobian : ndarray of shape (n_samples, n_outputs, p)
    covariance_factor : ndarray of shape (p, p)
        :math:`F` with :math:`A^{-1} = F F^\top`.
    beta : float
    dof : float
        :math:`\nu`.
    hyper : ndarray of shape (p, r), optional
        :math:`H`.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    projected = jacobian @ covariance_factor
    scale2 = 1.0 / beta + np.einsum("ikp,ikp->ik", projected, projected)
    variance = scale2 * (dof / (dof - 2.0) if dof > 2.0 else math.inf)
    if hyper is not None:
        moved = jacobian @ hyper
        variance = variance + np.einsum("ikr,ikr->ik", moved, moved)
    return variance


class EvidenceRegulariser:
    r"""``alpha='auto'``: re-estimates :math:`\alpha` after each accepted LM step.

    The schedule of Foresee & Hagan (MATLAB's ``trainbr``): training starts
    at ``alpha`` (the estimator passes :data:`ALPHA_START`, a weak prior),
    and after every accepted Levenberg-Marquardt step
    :meth:`update` computes :math:`\gamma` from the curvature just built,
    re-estimates :math:`\alpha_M, \beta` (:func:`reestimate`) and changes
    the system's :math:`\alpha = \alpha_M/\beta`; the next step minimises
    the new :math:`J`.

    :attr:`changed` says whether the last update raised the log evidence
    (at the step's weights and the :math:`\alpha` they were fitted with)
    by more than ``tol`` nats (default :data:`EVIDENCE_TOL`) above its value
    at the last update that did; :attr:`stalled` counts the updates since.
    Each time it does, the solver's stopping rule on :math:`J` restarts its
    count (:math:`J` itself moves with :math:`\alpha`); and the solver stops
    ('converged') once :attr:`stalled` exceeds ``n_iter_no_change``: the
    evidence, the objective of the hyperparameters, has risen by less than
    ``tol`` nats over that many iterations.  (Waiting instead for
    :math:`\alpha` itself to settle can take the whole iteration budget:
    in a flat valley of :math:`J` the weights and :math:`\alpha` keep
    drifting together by a fraction of a percent per step while the
    evidence changes by thousandths of a nat.)

    The object only reads the system's ``weight_sum``, ``penalised``,
    ``alpha`` and ``y`` and calls its ``set_alpha``.
    """

    def __init__(self, alpha=ALPHA_START, tol=None):
        self.alpha = float(alpha)
        self.tol = EVIDENCE_TOL if tol is None else float(tol)
        self.changed = True
        self.log_evidence = None
        self.stalled = 0
        self._anchor = -math.inf  # the evidence at the last restart
        self._floor = None  # (system, its data_floor)
        self.n_updates = 0
        self.beta = None
        self.gamma = None

    @staticmethod
    def energies(system, x, loss):
        r""":math:`E_D`, :math:`E_W` and :math:`N` from the system's :math:`J` at ``x``.

        :math:`E_W = \frac12 x^\top P x`, :math:`E_D = S J - \alpha E_W`,
        :math:`N = k S`.
        """
        S = system.weight_sum
        e_weights = 0.5 * float((system.penalised * x) @ x)
        e_data = max(S * float(loss) - system.alpha * e_weights, 0.0)
        return e_data, e_weights, system.y.shape[1] * S

    @classmethod
    def quantities(cls, system, x, loss, curvature):
        r""":math:`G = S H - \alpha P` and :meth:`energies`."""
        G = system.weight_sum * curvature
        if system.alpha:
            G.flat[:: G.shape[0] + 1] -= system.alpha * system.penalised
        return (G, *cls.energies(system, x, loss))

    def data_floor(self, system):
        """:math:`10^{-12}` times :math:`E_D` of predicting the weighted mean."""
        y = np.asarray(system.y, dtype=np.float64)
        w = (np.ones(y.shape[0]) if system.sample_weight is None
             else np.asarray(system.sample_weight, dtype=np.float64))
        mean = (w[:, None] * y).sum(axis=0) / w.sum()
        return DATA_FLOOR * 0.5 * float((w[:, None] * (y - mean) ** 2).sum())

    def system_floor(self, system):
        """:meth:`data_floor`, computed once per system."""
        if self._floor is None or self._floor[0] is not system:
            self._floor = (system, self.data_floor(system))
        return self._floor[1]

    def update(self, system, x, loss, grad, curvature):
        r"""Re-estimate :math:`\alpha` at ``x``; return ``(loss, grad, curvature)`` for it.

        The L2 term changes by :math:`\Delta\alpha\,E_W/S` in :math:`J`,
        :math:`\Delta\alpha P x / S` in the gradient and
        :math:`\Delta\alpha P / S` in the curvature, so nothing is
        recomputed over the data.
        """
        old = system.alpha
        S = system.weight_sum
        e_data, e_weights, n_residuals = self.energies(system, x, loss)
        # C = G + alpha P = S H: the curvature itself, scaled
        L, log_det = regularised_cholesky(S * curvature, system.penalised, old)
        gamma = effective_parameters(L, system.penalised, old)
        n_penalised = float(system.penalised.sum())
        n_unpenalised = system.penalised.size - n_penalised
        floor = self.system_floor(system)
        new, _, beta = reestimate(gamma, e_data, e_weights, n_residuals,
                                  n_unpenalised, e_data_floor=floor)
        self.gamma, self.beta = gamma, beta
        self.n_updates += 1
        # the evidence at these weights for the alpha they were fitted with
        # (beta at its optimum for it: reestimate's beta uses gamma(old))
        evidence = log_evidence(max(e_data, floor), e_weights, old, beta, log_det,
                                n_residuals, n_penalised, n_unpenalised)
        self._record(evidence)
        self.alpha = new
        delta = new - old
        system.set_alpha(new)
        loss = loss + delta * e_weights / S
        grad = grad + delta * system.penalised * x / S
        curvature = curvature.copy()
        curvature.flat[:: curvature.shape[0] + 1] += delta * system.penalised / S
        return loss, grad, curvature

    def _record(self, evidence):
        """The stopping rule's bookkeeping: keep ``evidence``; it changed when
        it beats the anchor by :attr:`tol` (the anchor moves there and the
        stall count restarts), else one more stalled update."""
        self.log_evidence = evidence
        self.changed = evidence > self._anchor + self.tol
        if self.changed:
            self._anchor, self.stalled = evidence, 0
        else:
            self.stalled += 1

    def attach(self, system):
        """Nothing to do: the system was built with :attr:`alpha`
        (:class:`ARDRegulariser` gives it one strength per weight here)."""

    def kernel_state(self, system):
        """The regulariser's slots of the compiled 'lm' iterations' state
        (:class:`sigmoid_mlp._compiled.lm.LMState`), by name."""
        return dict(evidence_tol=self.tol, anchor=self._anchor,
                    data_floor=self.system_floor(system), stalled=self.stalled,
                    n_updates=self.n_updates)

    def load_kernel_state(self, kernel, system, *, updated):
        """Take over the compiled iterations' state (an ``LMState``: alpha,
        anchor, stall count, updates, and, when ``updated``, the last
        evidence, gamma and beta), give ``system`` the strength; return
        :attr:`changed`."""
        self.alpha = kernel.alpha
        self._anchor = kernel.anchor
        self.stalled = kernel.stalled
        self.n_updates = kernel.n_updates
        if updated:
            self.changed = self.stalled == 0
            self.log_evidence = kernel.log_evidence
            self.gamma, self.beta = kernel.gamma, kernel.beta
        system.set_alpha(self.alpha)
        return bool(updated) and self.changed


# ---- alpha='ard': one prior strength per input (automatic relevance determination)
#
# The coefficients fall into groups g with their own prior precision
# alpha_M,g: group i < d holds input i's fan-out weights (row i of coefs_[0]),
# group d every other penalised weight.  Everything above generalises group
# by group (docs/evidence.rst, "Relevance per input"); a scalar alpha='auto'
# never goes through these functions, so its numbers are unchanged.


def input_groups(layer_sizes, penalised):
    r"""The prior group of every packed weight under ``alpha='ard'``.

    In :func:`sigmoid_mlp._network.pack`'s order ``coefs[0]`` (shape
    ``(d, h)``, C order) comes first, so input :math:`i`'s fan-out weights
    are entries :math:`ih, \dots, ih + h - 1`: group :math:`i`.  Every other
    penalised weight is in group :math:`d`, an unpenalised one in group -1.

    Returns
    -------
    ndarray of shape (p,), int64
    """
    n_inputs, n_hidden = int(layer_sizes[0]), int(layer_sizes[1])
    groups = np.where(np.asarray(penalised) > 0, n_inputs, -1).astype(np.int64)
    groups[: n_inputs * n_hidden] = np.repeat(np.arange(n_inputs), n_hidden)
    return groups


def _group_sums(groups, values, n_groups):
    """Sum of ``values`` over each group's weights (group -1 left out)."""
    inside = groups >= 0
    return np.bincount(groups[inside], weights=values[inside], minlength=n_groups)


def group_effective_parameters(L, groups, alphas):
    r"""The effective number of coefficients of each prior group.

    .. math:: \gamma_g = W_g - \alpha_{M,g} \operatorname{tr}_g(A^{-1})
              = W_g - \alpha_g \operatorname{tr}_g(\tilde C^{-1}),

    :math:`\operatorname{tr}_g` summing the diagonal over group
    :math:`g`'s :math:`W_g` coefficients and :math:`\tilde C = L L^\top`
    (:func:`regularised_cholesky` of :math:`G + \operatorname{diag}(a)`,
    :math:`a_j = \alpha_{g(j)}`).  Each :math:`\gamma_g` is clipped to
    :math:`[0, W_g]`; their sum is :func:`effective_parameters`' :math:`\gamma`.

    Parameters
    ----------
    L : ndarray of shape (p, p)
    groups : ndarray of shape (p,)
        :func:`input_groups`.
    alphas : ndarray of shape (n_groups,)
        The strengths :math:`\alpha_g = \alpha_{M,g}/\beta` of :math:`J`.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    n_groups = alphas.size
    sizes = _group_sums(groups, np.ones(groups.size), n_groups)
    inverse = _triangular_inverse(L)
    diagonal = (inverse * inverse).sum(axis=0)  # diag(C~^-1), as above
    gammas = sizes - alphas * _group_sums(groups, diagonal, n_groups)
    return np.clip(gammas, 0.0, sizes)


def group_reestimate(gammas, e_data, e_weights, n_residuals, n_unpenalised,
                     e_data_floor=0.0):
    r"""MacKay's re-estimation with one prior precision per group.

    .. math:: \alpha_{M,g} = \frac{\gamma_g}{2 E_{W,g}}, \qquad
              \beta = \frac{N - p_b - \sum_g \gamma_g}{2 E_D},

    with :math:`E_{W,g} = \frac12 \lVert w_g \rVert^2`; the guards of
    :func:`reestimate` apply to every group.  Returns ``(alphas, alpha_ms,
    beta)``, ``alphas`` :math:`= \alpha_{M,g}/\beta` (:math:`J`'s units).
    """
    gammas = np.asarray(gammas, dtype=np.float64)
    e_weights = np.asarray(e_weights, dtype=np.float64)
    gamma = float(gammas.sum())
    dof = residual_dof(n_residuals, n_unpenalised, gamma)
    e_data = max(float(e_data), float(e_data_floor), _TINY)
    beta = dof / (2.0 * e_data)
    usable = (e_weights > 0) & (gammas > 0)
    alphas = np.full(gammas.size, ALPHA_MAX)
    alphas[usable] = gammas[usable] * e_data / (dof * e_weights[usable])
    alphas = np.clip(alphas, ALPHA_MIN, ALPHA_MAX)
    return alphas, alphas * beta, beta


def group_log_evidence(e_data, e_weights, alphas, beta, log_det, n_residuals,
                       sizes, n_unpenalised):
    r"""The log evidence :math:`\ln p(D \mid \{\alpha_{M,g}\}, \beta)` with groups.

    :func:`log_evidence` with the prior's terms summed over the groups:

    .. math:: -\beta E_D - \sum_g \alpha_{M,g} E_{W,g}
              - \tfrac12 \ln\det(\beta\tilde C)
              + \sum_g \tfrac{W_g}{2}\ln\alpha_{M,g}
              + \tfrac{p_b}{2}\ln 2\pi + \tfrac N2 \ln\frac{\beta}{2\pi},

    ``sizes`` the :math:`W_g` and ``log_det`` :math:`\ln\det\tilde C`.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64)
    if (alphas <= 0).any():
        return -math.inf
    log_beta = math.log(beta)
    n_penalised = float(sizes.sum())
    return (
        -beta * e_data
        - beta * float(alphas @ np.asarray(e_weights, dtype=np.float64))
        - 0.5 * float(log_det) - 0.5 * (n_penalised + n_unpenalised) * log_beta
        + 0.5 * float(sizes @ (np.log(alphas) + log_beta))
        + 0.5 * n_unpenalised * math.log(2 * math.pi)
        + 0.5 * n_residuals * (log_beta - math.log(2 * math.pi))
    )


def group_posterior(G, x, penalised, groups, alphas, e_data, n_residuals,
                    e_data_floor=0.0, intercept_floor=None):
    r""":func:`posterior` with one strength per group (``alpha='ard'``).

    :math:`C = G + \operatorname{diag}(a)`, :math:`a_j = \alpha_{g(j)}`;
    the intercepts' extra curvature of :func:`regularised_cholesky` is
    taken from the last group's (the other weights') :math:`\alpha`.
    :math:`\beta` is re-estimated from the residuals.  Returns
    ``(Posterior, gammas)``: the posterior's ``alpha`` and ``alpha_m`` are
    the last group's and its ``gamma`` the sum of the per-group ``gammas``.
    """
    penalised = np.asarray(penalised, dtype=np.float64)
    alphas = np.asarray(alphas, dtype=np.float64)
    per_weight = np.where(groups >= 0, alphas[groups], 0.0)
    L, log_det = regularised_cholesky(G + np.diag(per_weight), penalised,
                                      alphas[-1], intercept_floor)
    gammas = group_effective_parameters(L, groups, alphas)
    sizes = _group_sums(groups, np.ones(groups.size), alphas.size)
    n_unpenalised = float((groups < 0).sum())
    e_weights = 0.5 * _group_sums(groups, x * x, alphas.size)
    _, _, beta = group_reestimate(gammas, e_data, e_weights, n_residuals,
                                  n_unpenalised, e_data_floor)
    evidence = group_log_evidence(e_data, e_weights, alphas, beta, log_det,
                                  n_residuals, sizes, n_unpenalised)
    factor = _triangular_inverse(L).T / math.sqrt(beta)
    gamma = float(gammas.sum())
    post = Posterior(float(alphas[-1]), float(alphas[-1] * beta), float(beta),
                     gamma, evidence, factor,
                     residual_dof(n_residuals, n_unpenalised, gamma))
    return post, gammas


class ARDRegulariser(EvidenceRegulariser):
    r"""``alpha='ard'``: one :math:`\alpha` per input's fan-out weights, re-estimated.

    :class:`EvidenceRegulariser`'s schedule and stopping rule with the
    groups of :func:`input_groups`: after every accepted step each group's
    :math:`\alpha_g` is re-estimated (:func:`group_reestimate`, from the
    :math:`\gamma_g` of :func:`group_effective_parameters`) and the system
    gets the per-weight strengths :math:`a_j = \alpha_{g(j)}`
    (``GaussNewtonSystem.set_alpha(alpha, per_weight)``).  :attr:`alpha` is
    the other weights' strength, :attr:`input_alphas` the inputs';
    :meth:`attach` gives the system its strengths before the first step.

    The groups start tied: while the log evidence rises by more than
    ``tol`` per update, every group gets ``alpha='auto'``'s update (the
    :math:`\gamma_g` and :math:`E_{W,g}` summed over the groups); at the
    first update where it does not, they split and each is re-estimated on
    its own from then on.  Split from the start (MacKay's updates at the
    random initial weights), an input whose effect the network has not yet
    learnt gets a small :math:`\gamma_i`, at once a large :math:`\alpha_i`,
    and its weights stay near 0: on three draws of Friedman #1
    (``make_friedman1``, n = 200, 8 hidden units) times four seeds, the
    input of the U-shaped term :math:`20(x_3 - \frac12)^2` ended with
    :math:`\alpha_i \ge 10^{2.8}` in all 12 fits split from the start;
    tied first, 4 of the 12 learnt it (:math:`\alpha_i \approx 10^{-1}`)
    with a log evidence 60 to 90 nats higher, which ``n_init`` picks.
    ``patience``: the stalled updates allowed before the split (0: split at
    the first).
    The compiled 'lm' iterations run the same update
    (:func:`sigmoid_mlp._compiled.evidence._group_update`): :meth:`kernel_state`
    hands them the strengths, the groups and whether they are tied,
    :meth:`load_kernel_state` takes them back.
    """

    def __init__(self, alpha=ALPHA_START, input_alphas=None, tol=None,
                 patience=0):
        super().__init__(alpha, tol)
        self.patience = patience
        self.input_alphas = (None if input_alphas is None
                             else np.array(input_alphas, dtype=np.float64))
        self.groups = None
        self.gammas = None
        # the groups share one alpha until the evidence stops rising (not
        # on a warm start, which continues a fit whose groups are split)
        self.tied = input_alphas is None

    @property
    def alphas(self):
        """``[*input_alphas, alpha]``: the strength of every group."""
        return np.append(self.input_alphas, self.alpha)

    def per_weight(self):
        """:math:`a_j = \\alpha_{g(j)}`, 0 for an unpenalised weight."""
        return np.where(self.groups >= 0, self.alphas[self.groups], 0.0)

    def attach(self, system):
        """Group ``system``'s weights and give it the current strengths."""
        self.groups = input_groups(system.layer_sizes, system.penalised)
        if self.input_alphas is None:
            self.input_alphas = np.full(system.layer_sizes[0], self.alpha)
        system.set_alpha(self.alpha, self.per_weight())

    def kernel_state(self, system):
        """:meth:`EvidenceRegulariser.kernel_state` and the groups: every
        group's strength, every weight's group, whether they are tied and
        the stalled updates allowed before they split."""
        return dict(super().kernel_state(system), alphas=self.alphas,
                    groups=self.groups, tied=int(self.tied),
                    split_after=self.patience)

    def load_kernel_state(self, kernel, system, *, updated):
        """:meth:`EvidenceRegulariser.load_kernel_state`, the groups'
        strengths (and, when ``updated``, their gammas) included; the
        system gets the per-weight strengths."""
        changed = super().load_kernel_state(kernel, system, updated=updated)
        self.input_alphas = np.array(kernel.alphas[:-1])
        self.tied = bool(kernel.tied)
        if updated:
            self.gammas = np.array(kernel.gammas)
        system.set_alpha(self.alpha, self.per_weight())
        return changed

    @staticmethod
    def energies(system, x, loss):
        r""":math:`E_D = S J - \frac12 x^\top \operatorname{diag}(a) x`,
        :math:`E_W = \frac12 x^\top P x`, :math:`N = k S`."""
        S = system.weight_sum
        e_weights = 0.5 * float((system.penalised * x) @ x)
        penalty = 0.5 * float((system.penalty * x) @ x)
        e_data = max(S * float(loss) - penalty, 0.0)
        return e_data, e_weights, system.y.shape[1] * S

    @classmethod
    def quantities(cls, system, x, loss, curvature):
        r""":math:`G = S H - \operatorname{diag}(a)` and :meth:`energies`."""
        G = system.weight_sum * curvature
        G.flat[:: G.shape[0] + 1] -= system.penalty
        return (G, *cls.energies(system, x, loss))

    def update(self, system, x, loss, grad, curvature):
        """Re-estimate every group's :math:`\\alpha` at ``x``; return
        ``(loss, grad, curvature)`` for the new strengths (as the parent)."""
        S = system.weight_sum
        old = system.penalty
        old_alphas = self.alphas
        e_data, _, n_residuals = self.energies(system, x, loss)
        n_groups = old_alphas.size
        e_weights = 0.5 * _group_sums(self.groups, x * x, n_groups)
        sizes = _group_sums(self.groups, np.ones(x.size), n_groups)
        L, log_det = regularised_cholesky(S * curvature, system.penalised,
                                          self.alpha)
        gammas = group_effective_parameters(L, self.groups, old_alphas)
        n_unpenalised = float((self.groups < 0).sum())
        floor = self.system_floor(system)
        if self.tied:  # alpha='auto''s update, on the sums over the groups
            new_alphas, _, beta = group_reestimate(
                [gammas.sum()], e_data, [e_weights.sum()], n_residuals,
                n_unpenalised, e_data_floor=floor)
            new_alphas = np.full(n_groups, new_alphas[0])
        else:
            new_alphas, _, beta = group_reestimate(
                gammas, e_data, e_weights, n_residuals, n_unpenalised,
                e_data_floor=floor)
        self.gammas, self.gamma, self.beta = gammas, float(gammas.sum()), beta
        self.n_updates += 1
        evidence = group_log_evidence(max(e_data, floor), e_weights, old_alphas,
                                      beta, log_det, n_residuals, sizes,
                                      n_unpenalised)
        self._record(evidence)
        if self.tied and self.stalled > self.patience:
            # the shared alpha has settled: split the groups
            self.tied, self.changed = False, True
            self._anchor, self.stalled = evidence, 0
            new_alphas, _, beta = group_reestimate(
                gammas, e_data, e_weights, n_residuals, n_unpenalised,
                e_data_floor=floor)
        self.input_alphas, self.alpha = new_alphas[:-1], float(new_alphas[-1])
        new = self.per_weight()
        delta = new - old
        system.set_alpha(self.alpha, new)
        loss = loss + 0.5 * float((delta * x) @ x) / S
        grad = grad + delta * x / S
        curvature = curvature.copy()
        curvature.flat[:: curvature.shape[0] + 1] += delta / S
        return loss, grad, curvature
