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

from . import _compiled, _drivers, _lm
from ._engines import ReferenceBatches, ReferenceObjective
from ._kernels import FullBatchLossGradient
from ._minibatch import MiniBatchEngine
from ._network import FlatLayout
from ._solvers import Adam, GradientDescent, StochasticGradientDescent

__all__ = [
    "ENGINE",
    "FUSE_LM",
    "LM_BLOCK",
    "SOLVERS",
    "Plan",
    "SolverSpec",
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
    "lm": SolverSpec(None, (), _lm.run_lm, True, False, "Levenberg-Marquardt"),
}


@dataclass(frozen=True)
class Plan:
    """The whole plan of one ``fit``/``partial_fit`` call, decided by :func:`plan`.

    Attributes
    ----------
    solver : str
    driver : callable
        The driver of :mod:`._drivers` that walks the epochs.
    objective : object
        The engine's objective: what computes :math:`J` and its derivatives.
    engine : {'compiled', 'numpy', 'reference'}
    block : int
        Epochs (iterations) per engine call: the whole budget when the
        engine fuses them ('gd' full batch; 'lm' on the compiled engine:
        :data:`LM_BLOCK`), 1 when something runs between epochs
        (``verbose``, callbacks, a validation set), and 0 for the Python
        loop of the driver ('lm' on numpy).  Watching a fit changes the
        block, never the kernels: the weights are the same bit for bit.
    dtype : numpy dtype
        The dtype the network trains in.
    declined : tuple of str
        Why a faster engine did not take the problem (empty if none did not).
    """

    solver: str
    driver: Callable
    objective: object
    engine: str
    block: int
    dtype: object
    declined: tuple = ()

    def describe(self):
        """One line for ``verbose=2``: which code runs this call, and why."""
        how = ("the driver's Python loop" if self.block == 0
               else "1 epoch per engine call" if self.block == 1
               else f"up to {self.block} epochs fused per engine call")
        text = (f"plan: solver={self.solver!r}, driver {self.driver.__name__}, "
                f"engine {self.engine!r} ({type(self.objective).__name__}), "
                f"{how}, {getattr(self.dtype, 'name', self.dtype)}")
        if self.declined:
            text += "; " + "; ".join(self.declined)
        return text


#: Whether 'lm' runs its iterations in the compiled kernel (:func:`._compiled.lm.run_block`)
#: when the compiled engine has the problem (tests and probes that replace a
#: Python piece of the iteration loop turn it off).
FUSE_LM = True
#: Iterations per compiled 'lm' call when nothing runs between iterations: a
#: KeyboardInterrupt is handled between blocks.
LM_BLOCK = 64


def plan(solver, X, y, sample_weight, alpha, layer_sizes, *, n_epochs=1,
         learning_rate_schedule="constant", penalise_intercepts=False,
         watched=False):
    """Which driver, engine and blocking run a call: the one place that decides.

    Full-batch 'gd' with a constant step size on numpy or scipy.sparse data
    runs :func:`._drivers.run_full_batch_gd` on :func:`full_batch`; 'lm'
    runs :func:`._lm.run_lm` on :func:`gauss_newton`; 'sgd', 'adam'
    and scheduled 'gd' run :func:`._drivers.run_epochs` on
    :func:`mini_batch` (the mini-batch engines on numpy data, the reference
    batches on other libraries); 'lbfgs' runs :func:`._drivers.run_lbfgs` on
    the reference objective.  ``watched`` (``verbose``, callbacks or a
    validation set: something runs between epochs) makes the fused engines
    run one epoch per call.  Returns a :class:`Plan`.
    """
    declined = []
    dtype = X.dtype  # numpy's, or another array library's (array_api_dispatch)
    if solver == "lm":
        objective = gauss_newton(X, y, sample_weight, alpha, layer_sizes, X.dtype,
                                 penalise_intercepts=penalise_intercepts)
        _declined(declined, objective, "gauss_newton", X, y, sample_weight,
                  n_weights=FlatLayout(layer_sizes).size)
        block = 0
        if objective.engine == "compiled" and dtype == np.float64 and FUSE_LM:
            block = 1 if watched else LM_BLOCK
        return Plan(solver, _lm.run_lm, objective, objective.engine, block,
                    dtype, tuple(declined))
    if (solver == "gd" and learning_rate_schedule == "constant"
            and isinstance(y, np.ndarray)):
        objective = full_batch(X, y, sample_weight, alpha, layer_sizes)
        _declined(declined, objective, "full_batch", X, y, sample_weight,
                  work=X.shape[0] * sum(layer_sizes[1:-1]))
        return Plan(solver, _drivers.run_full_batch_gd, objective, objective.engine,
                    1 if watched else max(1, int(n_epochs)), dtype, tuple(declined))
    driver = SOLVERS[solver].driver or _drivers.run_epochs
    if driver is _drivers.run_epochs:
        objective = mini_batch(X, y, sample_weight, alpha, layer_sizes)
        _declined(declined, objective, "mini_batch", X, y, sample_weight)
    else:
        objective = reference(X, y, sample_weight, alpha)
    return Plan(solver, driver, objective, objective.engine, 1, dtype,
                tuple(declined))


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


def _declined(declined, objective, job, X, y, sample_weight, **size):
    """Record why the compiled engine of ``job`` did not take a problem that
    another engine runs (numpy data only: other libraries take the reference)."""
    if objective.engine == "compiled" or not isinstance(y, np.ndarray):
        return
    why = _why_not_compiled(job, X, y, sample_weight, **size)
    if why is not None:
        declined.append(f"compiled engine declined: {why}")


def _why_not_compiled(job, X, y, sample_weight, *, work=0, n_weights=0):
    """The compiled engines' capability table: None if the compiled engine of
    ``job`` ('full_batch', 'mini_batch', 'gauss_newton') takes the problem,
    else why not (for the plan's ``declined``)."""
    if ENGINE == "numpy":
        return "SIGMOID_MLP_ENGINE=numpy"
    if not _compiled.AVAILABLE:
        return "numba is not installed (pip install 'sigmoid-mlp[fast]')"
    why = data_declined(X, y, sample_weight)
    if why is not None:
        return why
    if job == "full_batch":
        if not X.flags.c_contiguous:
            return "X is not C-contiguous"
        if ENGINE == "auto" and work > COMPILED_MAX_WORK:
            return (f"n_samples x hidden units = {work} > {COMPILED_MAX_WORK}, "
                    "where numpy's BLAS is as fast")
    if job == "gauss_newton" and n_weights > _compiled.MAX_GN_WEIGHTS:
        return (f"{n_weights} weights > {_compiled.MAX_GN_WEIGHTS}, where "
                "numpy's BLAS sums the curvature faster")
    return None


def mini_batch(X, y, sample_weight, alpha, layer_sizes):
    """The fastest objective for mini-batch epochs ('sgd', 'adam', scheduled 'gd').

    On numpy data (dense or scipy.sparse) the mini-batch engine of
    :mod:`._minibatch`: ``'compiled'`` (one numba call per epoch, BLAS for
    the products, :class:`._compiled.CompiledMiniBatch`) when the compiled
    engine takes the data (float64, dense), else ``'numpy'``
    (:class:`._minibatch.MiniBatchEngine`); on other array libraries the
    reference (:class:`ReferenceBatches`).  (The batch size does not change
    the choice: the compiled epoch was faster at every size measured, 1.3x
    at 200 x 100 units, 3.7x at 200 x 10.)
    """
    if not isinstance(y, np.ndarray):
        return reference_batches(X, y, sample_weight, alpha, layer_sizes)
    why = _why_not_compiled("mini_batch", X, y, sample_weight)
    if why is None:
        return _compiled.CompiledMiniBatch(X, y, sample_weight, alpha, layer_sizes)
    return MiniBatchEngine(X, y, sample_weight, alpha, layer_sizes)


def full_batch(X, y, sample_weight, alpha, layer_sizes):
    """The fastest objective for full-batch gradient descent on numpy data.

    The numpy kernel (:class:`._kernels.FullBatchLossGradient`), or, when
    the compiled engine takes the problem (float64, dense, C-contiguous) and
    it is small (``n_samples x`` hidden units at most
    :data:`COMPILED_MAX_WORK`, unless ``SIGMOID_MLP_ENGINE=compiled``), the
    compiled engine built on it.
    """
    why = _why_not_compiled("full_batch", X, y, sample_weight,
                            work=X.shape[0] * sum(layer_sizes[1:-1]))
    if why is None:
        return _compiled.CompiledObjective(X, y, sample_weight, alpha, layer_sizes)
    kernel = FullBatchLossGradient(X, y, sample_weight, alpha)
    kernel._prepare(layer_sizes)
    return kernel


def gauss_newton(X, y, sample_weight, alpha, layer_sizes, dtype, *,
                 penalise_intercepts=False):
    """The Gauss-Newton system of 'lm' (:class:`GaussNewtonSystem`), its sums
    compiled (:class:`._compiled.CompiledSystem`) when the compiled engine
    takes the problem (float64 dense data, at most
    :data:`._compiled.MAX_GN_WEIGHTS` weights)."""
    n_weights = FlatLayout(layer_sizes).size
    why = _why_not_compiled("gauss_newton", X, y, sample_weight,
                            n_weights=n_weights) if dtype == np.float64 else (
        f"the data are {np.dtype(dtype).name} (the compiled engines take float64)")
    sums = None
    if why is None:
        sums = _compiled.CompiledSystem(X, y, sample_weight, layer_sizes)
    return _lm.GaussNewtonSystem(X, y, sample_weight, alpha, layer_sizes, dtype,
                             penalise_intercepts=penalise_intercepts,
                             compiled_sums=sums)


def data_declined(X, y, sample_weight):
    """Why the compiled engines cannot take these data (None: they can):
    float64 dense numpy arrays only."""
    if not isinstance(X, np.ndarray):
        return "the data are sparse (the compiled engines take dense arrays)"
    dtypes = {np.dtype(a.dtype) for a in (X, y, sample_weight) if a is not None}
    if dtypes != {np.dtype(np.float64)}:
        names = ", ".join(sorted(d.name for d in dtypes))
        return f"the data are {names} (the compiled engines take float64)"
    return None
