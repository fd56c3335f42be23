r"""MacKay's evidence framework for the network: automatic L2 strength and error bars.

Pure numpy, no scikit-learn.  The functions work on the quantities the
Levenberg-Marquardt solver already builds
(:class:`sigmoid_mlp._training.GaussNewtonSystem`,
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

__all__ = [
    "EvidenceRegulariser",
    "Posterior",
    "curvature_spectrum",
    "effective_parameters",
    "log_evidence",
    "posterior",
    "predictive_variance",
    "reestimate",
]

#: Bounds on the L2 strength :math:`\alpha = \alpha_M/\beta` the updates may
#: reach (a guard against :math:`E_W \to 0` and :math:`\gamma \to 0`).
ALPHA_MIN = 1e-10
ALPHA_MAX = 1e10
#: :func:`curvature_spectrum`'s floor, as a fraction of :math:`\alpha`.
INTERCEPT_FLOOR = 1e-3


def curvature_spectrum(C, alpha):
    r"""Eigen-decomposition of :math:`C = G + \alpha P`, eigenvalues floored.

    :math:`C` is symmetric positive semi-definite.  In the coefficient
    directions it is at least :math:`\alpha`; an intercept direction the
    data do not determine (e.g. the bias of a hidden unit whose output
    weight the prior has driven to 0) can have an eigenvalue near 0: with
    the intercepts' flat prior its posterior would be improper,
    :math:`\log\det A \to -\infty` and the predictive variance unbounded.
    Eigenvalues below

    .. math:: \lambda_{\min} = \max(c\,\alpha,\; p\,\epsilon\,\lambda_{\max}),
              \qquad c = 10^{-3} \;(\text{:data:`INTERCEPT_FLOOR`}),

    are raised to it: no direction of the posterior is wider than
    :math:`1/c` times the prior variance of a coefficient
    (:math:`1/\alpha_M`), and with :math:`\alpha = 0` the floor is only
    numerical.  Directions the data determine are far above it.

    Returns
    -------
    eigenvalues : ndarray of shape (p,)
        Floored eigenvalues :math:`\tilde\lambda_k` of :math:`C`.
    eigenvectors : ndarray of shape (p, p)
        Orthonormal eigenvectors (columns).
    """
    C = 0.5 * (C + C.T)
    eigenvalues, eigenvectors = np.linalg.eigh(C)
    p = C.shape[0]
    top = float(eigenvalues.max()) if p else 0.0
    floor = max(INTERCEPT_FLOOR * float(alpha), p * np.finfo(np.float64).eps * max(top, 0.0),
                np.finfo(np.float64).tiny)
    return np.maximum(eigenvalues, floor), eigenvectors


def effective_parameters(eigenvalues, eigenvectors, penalised, alpha):
    r"""The effective number of coefficients :math:`\gamma`.

    .. math:: \gamma = W_p - \alpha_M \operatorname{tr}(P A^{-1})
              = W_p - \alpha \operatorname{tr}(P C^{-1})
              = W_p - \alpha \sum_k \frac{\lVert P v_k\rVert^2}{\tilde\lambda_k},

    (MacKay's :math:`\gamma = \sum_k \lambda_k/(\lambda_k + \alpha)` when
    every weight is penalised).  :math:`0 \le \gamma \le W_p`: the number of
    coefficients the data determine rather than the prior.  The intercepts
    (flat prior) are always determined, so :math:`p_b + \gamma` weights use
    up degrees of freedom of the noise.  It depends on :math:`\alpha` only,
    not on :math:`\beta`.
    """
    n_penalised = float(np.sum(penalised))
    if not alpha:
        return n_penalised
    weight = (penalised[:, None] * eigenvectors**2).sum(axis=0)
    gamma = n_penalised - float(alpha) * float(np.sum(weight / eigenvalues))
    return min(max(gamma, 0.0), n_penalised)


def reestimate(gamma, e_data, e_weights, n_residuals, n_unpenalised,
               *, e_data_floor=0.0):
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
    dof = max(n_residuals - n_unpenalised - gamma, min(1.0, 0.5 * n_residuals))
    e_data = max(float(e_data), float(e_data_floor), np.finfo(np.float64).tiny)
    beta = dof / (2.0 * e_data)
    if e_weights > 0 and gamma > 0:
        alpha = gamma * e_data / (dof * e_weights)
    else:
        alpha = ALPHA_MAX
    alpha = min(max(alpha, ALPHA_MIN), ALPHA_MAX)
    return alpha, alpha * beta, beta


def log_evidence(e_data, e_weights, alpha, beta, eigenvalues, n_residuals,
                 n_penalised, n_unpenalised):
    r"""The log evidence :math:`\ln p(D \mid \alpha_M, \beta)` (Laplace approximation).

    .. math:: \ln p(D\mid\alpha_M,\beta) = -\beta E_D - \alpha_M E_W
              - \tfrac12\sum_k \ln(\beta\tilde\lambda_k)
              + \tfrac{W_p}{2}\ln\alpha_M + \tfrac{p_b}{2}\ln 2\pi
              + \tfrac N2 \ln\frac{\beta}{2\pi},

    with :math:`\alpha_M = \alpha\beta`, :math:`\tilde\lambda_k` the floored
    eigenvalues of :math:`C` (:func:`curvature_spectrum`;
    :math:`\ln\det A = \sum_k \ln(\beta\tilde\lambda_k)`), the intercepts'
    flat prior of unit density (an improper prior: a constant for a given
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
        - 0.5 * float(np.sum(np.log(eigenvalues))) - 0.5 * eigenvalues.size * log_beta
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
    covariance_factor: np.ndarray  # L with A^{-1} = L L^T, shape (p, p)


def posterior(G, x, penalised, e_data, n_residuals, alpha, beta=None,
              e_data_floor=0.0):
    r"""The Laplace posterior at packed weights ``x`` for a given :math:`\alpha`.

    With ``beta=None`` the noise precision is estimated from the residuals,
    :math:`\beta = (N - p_b - \gamma)/(2E_D)` (:func:`reestimate`; for a
    fixed :math:`\alpha` this is the only free hyperparameter, since
    :math:`\gamma` depends on :math:`\alpha` alone).  The posterior
    covariance of the weights is
    :math:`A^{-1} = (\beta\tilde C)^{-1} = L L^\top` with
    :math:`L = V \operatorname{diag}((\beta\tilde\lambda)^{-1/2})`.

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

    Returns
    -------
    Posterior
    """
    penalised = np.asarray(penalised, dtype=np.float64)
    C = G + np.diag(alpha * penalised)
    eigenvalues, eigenvectors = curvature_spectrum(C, alpha)
    gamma = effective_parameters(eigenvalues, eigenvectors, penalised, alpha)
    n_penalised = float(penalised.sum())
    n_unpenalised = penalised.size - n_penalised
    e_weights = 0.5 * float((penalised * x) @ x)
    if beta is None:
        dof = max(n_residuals - n_unpenalised - gamma, min(1.0, 0.5 * n_residuals))
        beta = dof / (2.0 * max(e_data, e_data_floor, np.finfo(np.float64).tiny))
    evidence = log_evidence(e_data, e_weights, alpha, beta, eigenvalues,
                            n_residuals, n_penalised, n_unpenalised)
    factor = eigenvectors / np.sqrt(beta * eigenvalues)
    return Posterior(float(alpha), float(alpha * beta), float(beta), gamma,
                     evidence, factor)


def predictive_variance(jacobian, covariance_factor, beta):
    r"""Predictive variance :math:`\sigma_k^2(x) = 1/\beta + g_k(x)^\top A^{-1} g_k(x)`.

    :math:`g_k(x) = \partial\hat y_k(x)/\partial w` is the output Jacobian at
    a new input (:func:`sigmoid_mlp._network.output_jacobian`): the noise of
    a new observation (weight 1) plus the spread of the network's output
    under the Laplace posterior of the weights, linearised.

    Parameters
    ----------
    jacobian : ndarray of shape (n_samples, n_outputs, p)
    covariance_factor : ndarray of shape (p, p)
        :math:`L` with :math:`A^{-1} = L L^\top`.
    beta : float

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    projected = jacobian @ covariance_factor
    return 1.0 / beta + np.einsum("ikp,ikp->ik", projected, projected)


class EvidenceRegulariser:
    r"""``alpha='auto'``: re-estimates :math:`\alpha` after each accepted LM step.

    The schedule of Foresee & Hagan (MATLAB's ``trainbr``): training starts
    at ``alpha`` (default :data:`ALPHA_MIN`, i.e. almost the plain
    least-squares step), and after every accepted Levenberg-Marquardt step
    :meth:`update` computes :math:`\gamma` from the curvature just built,
    re-estimates :math:`\alpha_M, \beta` (:func:`reestimate`) and changes
    the system's :math:`\alpha = \alpha_M/\beta`; the next step minimises
    the new :math:`J`.  :attr:`changed` says whether the last update moved
    :math:`\alpha` by more than ``rtol`` (relative), so that the solver's
    stopping rule waits for :math:`\alpha` to settle.

    The object only reads the system's ``weight_sum``, ``penalised``,
    ``alpha`` and ``y`` and calls its ``set_alpha``.
    """

    def __init__(self, alpha=ALPHA_MIN, rtol=1e-3):
        self.alpha = float(alpha)
        self.rtol = float(rtol)
        self.changed = True
        self.n_updates = 0
        self.beta = None
        self.gamma = None

    @staticmethod
    def quantities(system, x, loss, curvature):
        r""":math:`G`, :math:`E_D`, :math:`E_W` and :math:`N` from the system's :math:`J`, :math:`H`.

        :math:`E_W = \frac12 x^\top P x`, :math:`E_D = S J - \alpha E_W`,
        :math:`G = S H - \alpha P`, :math:`N = k S`.
        """
        S = system.weight_sum
        penalised = system.penalised
        e_weights = 0.5 * float((penalised * x) @ x)
        e_data = max(S * float(loss) - system.alpha * e_weights, 0.0)
        G = S * curvature
        if system.alpha:
            G.flat[:: G.shape[0] + 1] -= system.alpha * penalised
        return G, e_data, e_weights, system.y.shape[1] * S

    def data_floor(self, system):
        """:math:`10^{-12}` times :math:`E_D` of predicting the weighted mean."""
        y = np.asarray(system.y, dtype=np.float64)
        w = (np.ones(y.shape[0]) if system.sample_weight is None
             else np.asarray(system.sample_weight, dtype=np.float64))
        mean = (w[:, None] * y).sum(axis=0) / w.sum()
        return 1e-12 * 0.5 * float((w[:, None] * (y - mean) ** 2).sum())

    def update(self, system, x, loss, grad, curvature):
        r"""Re-estimate :math:`\alpha` at ``x``; return ``(loss, grad, curvature)`` for it.

        The L2 term changes by :math:`\Delta\alpha\,E_W/S` in :math:`J`,
        :math:`\Delta\alpha P x / S` in the gradient and
        :math:`\Delta\alpha P / S` in the curvature, so nothing is
        recomputed over the data.
        """
        G, e_data, e_weights, n_residuals = self.quantities(system, x, loss,
                                                            curvature.copy())
        old = system.alpha
        eigenvalues, eigenvectors = curvature_spectrum(
            G + np.diag(old * system.penalised), old)
        gamma = effective_parameters(eigenvalues, eigenvectors, system.penalised, old)
        n_unpenalised = system.penalised.size - float(system.penalised.sum())
        new, _, beta = reestimate(gamma, e_data, e_weights, n_residuals,
                                  n_unpenalised, e_data_floor=self.data_floor(system))
        self.gamma, self.beta = gamma, beta
        self.n_updates += 1
        self.changed = abs(new - old) > self.rtol * max(abs(old), ALPHA_MIN)
        self.alpha = new
        delta = new - old
        system.set_alpha(new)
        S = system.weight_sum
        loss = loss + delta * e_weights / S
        grad = grad + delta * system.penalised * x / S
        curvature = curvature.copy()
        curvature.flat[:: curvature.shape[0] + 1] += delta * system.penalised / S
        return loss, grad, curvature
