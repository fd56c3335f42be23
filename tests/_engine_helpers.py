"""Test-only drivers of the engines: the fast GD loop as a plain function.

``run_gd`` runs :func:`sigmoid_mlp._drivers.run_full_batch_gd` (the real
driver, through a real :class:`~sigmoid_mlp._protocol.Protocol`) on given
weights and reports what it did as a :class:`GDResult`; ``fast_call`` is the
list-of-arrays interface over an engine's flat vectors.  ``pick`` gives the
engine :data:`sigmoid_mlp._plan.ENGINE` names for a numpy kernel, and
skips the test when that engine cannot take the case.  ``record_lm_blocks``
records the blocks a fit hands the fused 'lm' kernel.
"""

from dataclasses import dataclass, field

import numpy as np
import pytest

from sigmoid_mlp import _compiled, _drivers, _plan
from sigmoid_mlp._protocol import (
    Diverged,
    Protocol,
    State,
    TrainingConfig,
    is_divergent,
)
from sigmoid_mlp._solvers import GradientDescent


def record_lm_blocks(monkeypatch):
    """Wrap the fused 'lm' kernel's entry, :func:`_compiled.lm.run_block`.

    Returns the list to which every call appends its ``n_max`` (the
    iterations that block may take): its length is how many calls a fit
    made, its items how long each block was.
    """
    original = _compiled.lm.run_block
    blocks = []

    def recorded(system, x, grad, curv, penalised, state, n_max):
        blocks.append(n_max)
        return original(system, x, grad, curv, penalised, state, n_max)

    monkeypatch.setattr(_compiled.lm, "run_block", recorded)
    return blocks


def pick(kernel):
    """The engine ``_plan.ENGINE`` asks for, built on ``kernel``."""
    if _plan.ENGINE != "compiled":
        return kernel
    if not (_compiled.AVAILABLE and kernel.dtype == np.float64
            and _plan.data_declined(kernel.X, kernel.y, kernel.sample_weight) is None
            and kernel.X.flags.c_contiguous):
        pytest.skip("the compiled engine cannot take this case (float64 dense only)")
    return _compiled.CompiledObjective(kernel.X, kernel.y, kernel.sample_weight,
                                       kernel.alpha, kernel.layout.layer_sizes)


def fast_call(objective, coefs, intercepts):
    """``(J, coef_grads, intercept_grads)`` through an engine's flat kernel."""
    theta = objective.pack(coefs, intercepts)
    grad = np.empty_like(theta)
    loss = objective.evaluate(theta, grad)
    coef_grads, intercept_grads = objective.unpack(grad)
    return loss, coef_grads, intercept_grads


@dataclass
class GDResult:
    coefs: list
    intercepts: list
    losses: list = field(default_factory=list)
    status: str = "max_iter"
    final_loss: float = np.nan
    best_loss: float = np.inf
    no_improvement_count: int = 0
    diverged_epoch: int | None = None  # the epoch whose loss check failed


class _EpochHook:
    """``on_epoch(epoch, loss)`` after every committed epoch."""

    ctx = None
    active = True

    def __init__(self, on_epoch):
        self.on_epoch = on_epoch

    def end(self, info):
        self.on_epoch(info.epoch, info.loss)
        return False


def run_gd(kernel, coefs, intercepts, *, learning_rate, n_epochs, tol=0.0,
           n_iter_no_change=np.inf, best_loss=np.inf, no_improvement_count=0,
           check_convergence=True, divergence_threshold=np.inf, on_epoch=None):
    """Full-batch GD from ``coefs, intercepts`` on the engine ``pick`` gives."""
    objective = pick(kernel)
    state = State(list(coefs), list(intercepts), GradientDescent(learning_rate), None)
    state.best_loss = best_loss
    state.no_improvement_count = no_improvement_count
    config = TrainingConfig(
        n_epochs=n_epochs, alpha=kernel.alpha, tol=tol,
        n_iter_no_change=n_iter_no_change, early_stopping=False,
        check_convergence=check_convergence,
        divergence_threshold=divergence_threshold,
        # as the plan decides: one epoch per call when something watches
        block=1 if on_epoch is not None else n_epochs,
    )
    protocol = Protocol(state, config, None if on_epoch is None else _EpochHook(on_epoch))
    try:
        run = _drivers.run_full_batch_gd(state, objective, None, None, None,
                                         config, protocol)
    except Diverged as exc:
        losses = state.loss_curve + (exc.loss_curve or [])
        return GDResult(exc.coefs, exc.intercepts, losses, "diverged", exc.loss,
                        state.best_loss, state.no_improvement_count,
                        len(losses) + 1)
    final = run.final_loss
    if final is None:
        final = objective.evaluate(objective.pack(state.coefs, state.intercepts))
    if is_divergent(final, divergence_threshold):
        n = len(state.coefs)
        return GDResult(run.previous[:n], run.previous[n:], state.loss_curve,
                        "diverged", final, state.best_loss,
                        state.no_improvement_count, len(state.loss_curve))
    return GDResult(state.coefs, state.intercepts, state.loss_curve, run.status,
                    final, state.best_loss, state.no_improvement_count)


def run_batches(objective, coefs, intercepts, solver, *, n_epochs, batch_size,
                shuffle=False, seed=0, alpha=0.0, divergence_threshold=np.inf):
    """``n_epochs`` mini-batch epochs of ``solver`` by the real driver.

    :func:`sigmoid_mlp._drivers.run_epochs` through a real
    :class:`~sigmoid_mlp._protocol.Protocol`, on a mini-batch objective
    (the engine of :mod:`sigmoid_mlp._minibatch` or the reference batches);
    returns the final :class:`~sigmoid_mlp._protocol.State` (``solver`` is
    copied first, so one rule object can start several runs).
    """
    state = State([c.copy() for c in coefs], [b.copy() for b in intercepts],
                  solver.copy(), np.random.RandomState(seed))
    config = TrainingConfig(
        n_epochs=n_epochs, alpha=alpha, tol=0.0, n_iter_no_change=np.inf,
        early_stopping=False, check_convergence=True,
        divergence_threshold=divergence_threshold, batch_size=batch_size,
        shuffle=shuffle,
    )
    run = _drivers.run_epochs(state, objective, objective.X, objective.y,
                              objective.sample_weight, config,
                              Protocol(state, config))
    state.previous = run.previous
    return state
