r"""Small data without tuning: the estimator's side of ``alpha='auto'``,
``predict(return_std=True)``, ``n_init``, ``normalize_y`` and the 'lm' budget.

The evidence mathematics is :mod:`sigmoid_mlp._evidence`; this module holds
what the estimator does with it (see ``docs/evidence.rst``):

* :func:`target_scaling` and the folding of the scaling into the linear
  output layer (``normalize_y``), so the fitted network describes ``y`` on
  the user's scale;
* :func:`evidence_attributes` -- ``alpha_``, ``noise_variance_``,
  ``effective_n_params_``, ``log_evidence_`` and the posterior factor that
  :func:`predict_std` uses for the error bars;

The ``n_init`` restarts, the 'lm' iteration budget and its size warning are
part of a fit (:mod:`sigmoid_mlp._fitting`).
"""

from __future__ import annotations

import numpy as np

from . import _evidence, _lm, _network
from ._plan import gauss_newton, penalises_intercepts

__all__ = [
    "EVIDENCE_ATTRIBUTES",
    "apply_scaling",
    "evidence_attributes",
    "fold_scaling",
    "predict_std",
    "target_scaling",
    "unfold_scaling",
]

# Fitted attributes of the evidence (solver='lm'); removed by fits that do not
# define them.
EVIDENCE_ATTRIBUTES = ("alpha_", "noise_variance_", "effective_n_params_",
                       "log_evidence_", "_posterior_factor", "_posterior_beta")


def target_scaling(y, sample_weight):
    """normalize_y: per-output weighted mean and standard deviation of ``y``.

    A standard deviation below ``10 eps max(1, |mean|)`` (a constant target)
    is replaced by 1, as ``GaussianProcessRegressor`` does.
    """
    xp = _network.array_namespace(y)
    if sample_weight is None:
        mean = xp.mean(y, axis=0)
        var = xp.mean((y - mean) ** 2, axis=0)
    else:
        w = xp.reshape(sample_weight, (-1, 1))
        total = xp.sum(w)
        mean = xp.sum(w * y, axis=0) / total
        var = xp.sum(w * (y - mean) ** 2, axis=0) / total
    scale = xp.sqrt(var)
    eps = float(np.finfo(np.float32 if y.dtype == xp.float32 else np.float64).eps)
    tiny = scale < 10 * eps * xp.where(xp.abs(mean) > 1, xp.abs(mean),
                                       xp.ones_like(mean))
    scale = xp.where(tiny, xp.ones_like(scale), scale)
    return mean, scale


def apply_scaling(y, scaling):
    """``(y - mean) / scale``: the targets the network is trained on."""
    mean, scale = scaling
    return (y - mean) / scale


def fold_scaling(coef, intercept, scaling):
    """Output layer on the user's scale: ``y = scale * y_s + mean``."""
    mean, scale = scaling
    return coef * scale, intercept * scale + mean


def unfold_scaling(coef, intercept, scaling):
    """Inverse of :func:`fold_scaling`: the output layer for standardised y."""
    mean, scale = scaling
    return coef / scale, (intercept - mean) / scale


def evidence_attributes(est, state, X, y, sample_weight, scaling):
    """``alpha_``, ``noise_variance_``, ... at the final (trained-scale) weights."""
    regulariser = state.regulariser
    alpha = float(est.alpha if regulariser is None else regulariser.alpha)
    x = _network.pack(state.coefs, state.intercepts).astype(np.float64)
    last = state.gauss_newton
    if (last is not None and last[0].dtype == np.float64
            and last[0].alpha == alpha and np.array_equal(last[1], x)):
        # the driver's system at these very weights (no pass over the data)
        system, _, loss, curvature = last
    else:  # e.g. early stopping restored earlier weights; float32 data
        layer_sizes = [X.shape[1], *(c.shape[1] for c in state.coefs)]
        system = gauss_newton(X, y, sample_weight, alpha, layer_sizes,
                                       np.float64,
                                       penalise_intercepts=penalises_intercepts(est))
        loss = system.loss(x)
        _, curvature = system.gradient_curvature(x)
    G, e_data, _, n_residuals = _evidence.EvidenceRegulariser.quantities(
        system, x, loss, curvature)
    floor = _evidence.EvidenceRegulariser().data_floor(system)
    post = _evidence.posterior(G, x, system.penalised, e_data, n_residuals,
                               alpha, e_data_floor=floor)
    scale = np.ones(y.shape[1]) if scaling is None else np.asarray(
        scaling[1], dtype=np.float64)
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
    }


def predict_std(est, X):
    """Predictive standard deviation, shape (n_samples, n_outputs), float64."""
    coefs = [np.asarray(c, dtype=np.float64) for c in est.coefs_]
    intercepts = [np.asarray(b, dtype=np.float64) for b in est.intercepts_]
    scaling = getattr(est, "_y_scaling", None)
    if scaling is not None:  # the posterior is that of the trained weights
        coefs[-1], intercepts[-1] = unfold_scaling(coefs[-1], intercepts[-1],
                                                   scaling)
        scale = np.asarray(scaling[1], dtype=np.float64)
    else:
        scale = np.ones(coefs[-1].shape[1])
    X = X.astype(np.float64)
    out = np.empty((X.shape[0], coefs[-1].shape[1]))
    n_weights = est._posterior_factor.shape[0]
    # the test rows' Jacobian in chunks as bounded as the training system's
    chunk = max(1, _lm._GN_CHUNK_ELEMENTS // (n_weights * out.shape[1]))
    for start in range(0, X.shape[0], chunk):
        rows = slice(start, start + chunk)
        activations = _network.forward(X[rows], coefs, intercepts)
        jac = _network.output_jacobian(activations, coefs)
        out[rows] = _evidence.predictive_variance(
            jac, est._posterior_factor, est._posterior_beta)
    return np.sqrt(out) * scale


