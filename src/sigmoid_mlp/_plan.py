r"""Which code runs a fit: the solver table and the plan, decided in one place.

:data:`SOLVERS` says what each solver is (its step rule, the
hyperparameters its state belongs to, its driver, whether it runs on the
host only).  :func:`plan` reads it, and the engines' capabilities, and
returns the whole plan of a call: the driver of :mod:`sigmoid_mlp._drivers`
and the objective (which engine computes :math:`J` and its derivatives).
Drivers and engines receive what the plan chose and do not choose again.
With ``verbose=2`` a fit prints its plan.

``SIGMOID_MLP_ENGINE`` (environment, read at import; tests set
:data:`ENGINE`) is ``'auto'`` (default), ``'numpy'`` (never the compiled
engine) or ``'compiled'`` (the compiled engine whenever it can take the
problem, also for large ones).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _compiled, _drivers
from ._engines import GaussNewtonSystem, ReferenceBatches, ReferenceObjective
from ._kernels import FullBatchLossGradient
from ._minibatch import MiniBatchEngine
from ._solvers import Adam, GradientDescent, StochasticGradientDescent

__all__ = [
    "ENGINE",
    "SOLVERS",
    "SolverSpec",
    "describe",
    "full_batch",
    "gauss_newton",
    "make_solver",
    "mini_batch",
    "penalises_intercepts",
    "plan",
    "reference",
    "reference_batches",
    "solver_signature",
]

ENGINE = os.environ.get("SIGMOID_MLP_ENGINE", "auto")
# 'auto' takes the compiled gradient-descent engine up to this many
# n_samples x hidden units: there numpy's per-call overhead is most of an
# epoch (measured 4x faster at n = 200, h = 3; equal from a few thousand
# samples on, slower for wide layers, where BLAS wins).
COMPILED_MAX_WORK = 4096

@dataclass(frozen=True)
class SolverSpec:
    """What the estimator needs to know about one solver.

    Attributes
    ----------
    make : callable or None
        ``make(est) -> step rule`` (:mod:`._solvers`); None for whole-run
        drivers ('lbfgs', 'lm'), which choose their own steps.
    state_keys : tuple of str
        Hyperparameters the step rule's state belongs to: when one changes,
        a warm start or ``partial_fit`` starts a fresh step rule.
    driver : callable
        ``driver(state, objective, X, y, sample_weight, config, protocol)``
        in :mod:`._drivers`, or None when :func:`plan` decides per call.
    host_only : bool
        Runs on numpy arrays only (no Array API dispatch).
    has_partial_fit : bool
    name : str
        For messages.
    """

    make: Callable | None
    state_keys: tuple
    driver: Callable | None
    host_only: bool
    has_partial_fit: bool
    name: str


def _make_gd(est):
    return GradientDescent(float(est.learning_rate), est.learning_rate_schedule,
                           est.power_t)


def _make_sgd(est):
    return StochasticGradientDescent(
        float(est.learning_rate), est.learning_rate_schedule, est.power_t,
        est.momentum, bool(est.nesterovs_momentum),
    )


def _make_adam(est):
    return Adam(float(est.learning_rate), est.beta_1, est.beta_2, est.epsilon)


_SCHEDULE = ("learning_rate", "learning_rate_schedule", "power_t")


SOLVERS = {
    "gd": SolverSpec(_make_gd, _SCHEDULE, None, False, True, "gradient descent"),
    "sgd": SolverSpec(_make_sgd, (*_SCHEDULE, "momentum", "nesterovs_momentum"),
                      _drivers.run_epochs, False, True, "SGD"),
    "adam": SolverSpec(_make_adam, ("learning_rate", "beta_1", "beta_2", "epsilon"),
                       _drivers.run_epochs, False, True, "Adam"),
    "lbfgs": SolverSpec(None, (), _drivers.run_lbfgs, True, False, "L-BFGS"),
    "lm": SolverSpec(None, (), _drivers.run_lm, True, False, "Levenberg-Marquardt"),
}


def plan(solver, X, y, sample_weight, alpha, layer_sizes, *,
         learning_rate_schedule="constant", penalise_intercepts=False):
    """Which driver and which objective run a call: the one place that decides.

    Returns ``(driver, objective)``; ``objective.engine`` names the engine
    (:mod:`._engines`).  Full-batch 'gd' with a constant step size on numpy
    or scipy.sparse data runs the fast full-batch driver on
    :func:`._engines.full_batch`; 'lm' gets :func:`._engines.gauss_newton`;
    'sgd', 'adam' and scheduled 'gd' run their epochs on
    :func:`._engines.mini_batch` (the mini-batch engine on numpy data, the
    reference batches on other libraries); 'lbfgs' the reference objective.
    """
    numpy_data = isinstance(y, np.ndarray)
    if solver == "lm":
        return _drivers.run_lm, gauss_newton(
            X, y, sample_weight, alpha, layer_sizes, X.dtype,
            penalise_intercepts=penalise_intercepts,
        )
    if solver == "gd" and learning_rate_schedule == "constant" and numpy_data:
        return _drivers.run_full_batch_gd, full_batch(
            X, y, sample_weight, alpha, layer_sizes
        )
    driver = SOLVERS[solver].driver or _drivers.run_epochs
    if driver is _drivers.run_epochs:
        return driver, mini_batch(X, y, sample_weight, alpha, layer_sizes)
    return driver, reference(X, y, sample_weight, alpha)


def solver_signature(est):
    """The hyperparameters the estimator's step rule's state belongs to."""
    return (est.solver, *(getattr(est, k) for k in SOLVERS[est.solver].state_keys))


def make_solver(est):
    """A fresh step rule for ``est.solver`` (None for 'lbfgs' and 'lm')."""
    make = SOLVERS[est.solver].make
    return None if make is None else make(est)


def penalises_intercepts(est):
    """Whether the L2 term covers the intercepts: ``penalize_intercepts``,
    whose ``'auto'`` means True under ``alpha='auto'`` and False otherwise."""
    if isinstance(est.penalize_intercepts, str):
        return isinstance(est.alpha, str)
    return bool(est.penalize_intercepts)


def reference(X, y, sample_weight, alpha):
    """The reference objective (any array library; one batch or all data)."""
    return ReferenceObjective(X, y, sample_weight, alpha)


def reference_batches(X, y, sample_weight, alpha, layer_sizes):
    """Mini-batch epochs on the reference objective (any array library)."""
    return ReferenceBatches(X, y, sample_weight, alpha)


def mini_batch(X, y, sample_weight, alpha, layer_sizes):
    """The fastest objective for mini-batch epochs ('sgd', 'adam', scheduled 'gd').

    On numpy data (dense or scipy.sparse) the mini-batch engine of
    :mod:`._minibatch`: ``'compiled'`` (one numba call per epoch, BLAS for
    the products, :class:`._compiled.CompiledMiniBatch`) when :data:`ENGINE`
    is not ``'numpy'`` and numba can take the data (float64, dense), else
    ``'numpy'`` (:class:`._minibatch.MiniBatchEngine`); on other array
    libraries the reference (:class:`ReferenceBatches`).  (The batch size
    does not change the choice: the compiled epoch was faster at every size
    measured, 1.3x at 200 x 100 units, 3.7x at 200 x 10.)
    """
    if not isinstance(y, np.ndarray):
        return reference_batches(X, y, sample_weight, alpha, layer_sizes)
    if ENGINE != "numpy":
        if _compiled.AVAILABLE and _numba_dense(X, y, sample_weight):
            return _compiled.CompiledMiniBatch(X, y, sample_weight, alpha,
                                              layer_sizes)
    return MiniBatchEngine(X, y, sample_weight, alpha, layer_sizes)


def full_batch(X, y, sample_weight, alpha, layer_sizes):
    """The fastest objective for full-batch gradient descent on numpy data.

    The numpy kernel (:class:`._kernels.FullBatchLossGradient`), or, when
    :data:`ENGINE` allows it and numba can take the problem (float64,
    dense, C-contiguous) and it is small (``n_samples x`` hidden units at
    most :data:`COMPILED_MAX_WORK`), the compiled engine built on it.
    """
    kernel = FullBatchLossGradient(X, y, sample_weight, alpha)
    kernel._prepare(layer_sizes)
    if ENGINE == "numpy":
        return kernel
    if ENGINE == "auto" and (
        kernel.n_samples * sum(layer_sizes[1:-1]) > COMPILED_MAX_WORK
    ):
        return kernel
    if not (_compiled.AVAILABLE and kernel.dtype == np.float64
            and _numba_dense(kernel.X, kernel.y, kernel.sample_weight)
            and kernel.X.flags.c_contiguous):
        return kernel
    return _compiled.CompiledObjective(kernel)


def gauss_newton(X, y, sample_weight, alpha, layer_sizes, dtype, *,
                 penalise_intercepts=False):
    """The Gauss-Newton system of 'lm' (:class:`GaussNewtonSystem`)."""
    n_weights = sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    sums = None
    if (dtype == np.float64 and ENGINE != "numpy" and _compiled.AVAILABLE
            and n_weights <= _compiled.MAX_GN_WEIGHTS
            and _numba_dense(X, y, sample_weight)):
        sums = _compiled.CompiledSystem(X, y, sample_weight, layer_sizes)
    return GaussNewtonSystem(X, y, sample_weight, alpha, layer_sizes, dtype,
                             penalise_intercepts=penalise_intercepts,
                             compiled_sums=sums)


def describe(objective):
    """One line naming the engine of an objective (``verbose`` prints it)."""
    return f"engine: {objective.engine} ({type(objective).__name__})"


def _numba_dense(X, y, sample_weight):
    """float64 dense numpy data: what every compiled engine can take."""
    return (
        isinstance(X, np.ndarray)
        and X.dtype == np.float64
        and y.dtype == np.float64
        and (sample_weight is None or sample_weight.dtype == np.float64)
    )
