"""Would one alpha per layer (MacKay's grouping) help alpha='auto'?  A probe.

Not the estimator's method: ``alpha='auto'`` re-estimates one alpha for all
weights (``_evidence.EvidenceRegulariser``).  MacKay (1992, "A practical
Bayesian framework for backpropagation networks", section 7) recommends
separate hyperparameters for weight classes whose natural scales differ
(input-to-hidden weights, hidden-to-output weights, biases).  This script
swaps the update for one that re-estimates a hyperparameter per group,

    gamma_g = W_g - sum_{i in g} a_i [C^-1]_ii,    alpha_g = gamma_g / (2 E_W,g beta),
    beta    = (N - p_b - sum_g gamma_g) / (2 E_D),

with the per-weight strengths ``a_i`` folded into the Gauss-Newton system's
``penalised`` vector (``system.alpha * system.penalised``; the system only
ever uses their product), then cross-validates ``solver='lm', alpha='auto',
normalize_y=True`` on the panels of ``small_data.py``, one row per data set.

Groups (``--groups``):

* ``single``: the estimator's update, unchanged (the baseline);
* ``layer``: one group per layer, its coefs and intercepts;
* ``coefs``: one group per layer's coefs, all intercepts one more group;
* ``mackay``: one group per layer's coefs and one per layer's intercepts.

``predict(return_std=True)`` after a grouped fit uses the grouped posterior
covariance (the system it reuses holds the grouped strengths), so the
coverage column is that of the grouped model; ``log_evidence_`` and
``alpha_`` are not meaningful there (``alpha_`` is the largest group's).

``--raw-y`` cross-validates with ``normalize_y=False`` (y as given) instead;
``--panel synthetic`` runs twelve synthetic problems (30-120 rows, 1-4
features, a sine and a tanh of the inputs plus noise).  ``--valley`` instead
checks one fit (``tests/test_evidence.py``'s problem: 80 rows, 2 features,
4 hidden units, y = 10 (sin 1.5 x_1 + 0.3 x_2 + noise) + 50): whether the
weights ``alpha='auto'`` stops at are a minimum of the objective its last
strengths state.  From there it runs up to 1000 more Levenberg-Marquardt
steps at those strengths, fixed, and prints how far the predictions move
(largest change over a grid of [-3, 3]^2, in units of std(y)) and how much
:math:`J` falls.

Run::

    PYTHONPATH=src python benchmarks/grouped_evidence.py --groups coefs --panel r
    PYTHONPATH=src python benchmarks/grouped_evidence.py --groups coefs --valley

Needs what ``small_data.py`` needs (statsmodels; Rscript with MASS for
``--panel r``).
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import RepeatedKFold

from sigmoid_mlp import (
    SigmoidMLPRegressor,
    _evidence,
    _network,
    _plan,
    _solvers,
)

sys.path.insert(0, str(Path(__file__).parent))
import small_data

GROUPINGS = ("single", "layer", "coefs", "mackay")
# the system, weights and per-weight strengths of the last update (--valley)
LAST = {}


def weight_groups(layer_sizes, grouping):
    """Group index of every packed weight (``_network.pack``'s order)."""
    n_layers = len(layer_sizes) - 1
    groups = []
    for layer, (a, b) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        groups += [layer] * (a * b)
    for layer, b in enumerate(layer_sizes[1:]):
        groups += [{"layer": layer, "coefs": n_layers,
                    "mackay": n_layers + layer}[grouping]] * b
    return np.array(groups)


def grouped_update(grouping):
    """An ``EvidenceRegulariser.update`` with one hyperparameter per group."""

    def update(self, system, x, loss, grad, curvature):
        if not hasattr(system, "probe_groups"):
            system.probe_groups = weight_groups(system.layer_sizes, grouping)
            system.probe_mask = (system.penalised > 0).astype(np.float64)
        groups, mask = system.probe_groups, system.probe_mask
        n_groups = int(groups.max()) + 1
        old = system.alpha * system.penalised  # per-weight strengths
        S = system.weight_sum
        e_data = max(S * float(loss) - 0.5 * float((old * x) @ x), 0.0)
        n_residuals = system.y.shape[1] * S
        L, log_det = _evidence.regularised_cholesky(S * curvature, mask,
                                                    system.alpha)
        inverse = _evidence._triangular_inverse(L)
        diagonal = (inverse * inverse).sum(axis=0)
        size = np.bincount(groups, weights=mask, minlength=n_groups)
        gamma = np.clip(size - np.bincount(groups, weights=old * diagonal,
                                           minlength=n_groups), 0.0, size)
        e_weights = 0.5 * np.bincount(groups, weights=mask * x * x,
                                      minlength=n_groups)
        n_unpenalised = mask.size - mask.sum()
        if self._floor is None or self._floor[0] is not system:
            self._floor = (system, self.data_floor(system))
        e_data = max(e_data, self._floor[1], np.finfo(np.float64).tiny)
        dof = max(n_residuals - n_unpenalised - gamma.sum(),
                  min(1.0, 0.5 * n_residuals))
        beta = dof / (2.0 * e_data)
        used = size > 0
        alphas = np.full(n_groups, _evidence.ALPHA_MAX)
        fit = used & (gamma > 0) & (e_weights > 0)
        alphas[fit] = gamma[fit] * e_data / (dof * e_weights[fit])
        alphas = np.clip(alphas, _evidence.ALPHA_MIN, _evidence.ALPHA_MAX)
        alphas[~used] = 0.0
        # the log evidence at these weights for the strengths they were fitted with
        old_group = np.zeros(n_groups)
        np.maximum.at(old_group, groups, old)
        evidence = (
            -beta * e_data - beta * float(old_group @ e_weights)
            - 0.5 * log_det - 0.5 * mask.size * math.log(beta)
            + 0.5 * float(sum(size[k] * math.log(old_group[k] * beta)
                              for k in range(n_groups) if used[k]))
            + 0.5 * n_unpenalised * math.log(2 * math.pi)
            + 0.5 * n_residuals * (math.log(beta) - math.log(2 * math.pi))
        )
        self.gamma, self.beta, self.log_evidence = float(gamma.sum()), beta, evidence
        self.n_updates += 1
        self.changed = evidence > self._anchor + self.tol
        if self.changed:
            self._anchor, self.stalled = evidence, 0
        else:
            self.stalled += 1
        new = alphas[groups] * mask
        LAST.update(system=system, x=x, strength=new)
        reference = float(alphas[used].max())
        system.penalised = new / reference
        system.set_alpha(reference)
        self.alpha = reference
        delta = new - old
        loss = loss + 0.5 * float((delta * x) @ x) / S
        grad = grad + delta * x / S
        curvature = curvature.copy()
        curvature.flat[:: curvature.shape[0] + 1] += delta / S
        return loss, grad, curvature

    return update


def single_update():
    """The estimator's update, recording what ``--valley`` needs."""
    update = _evidence.EvidenceRegulariser.update

    def recorded(self, system, x, loss, grad, curvature):
        out = update(self, system, x, loss, grad, curvature)
        LAST.update(system=system, x=x, strength=system.alpha * system.penalised)
        return out

    return recorded


def synthetic_datasets():
    """Twelve problems: 30/60/120 rows, 1/2/4 features, sine + tanh + noise."""
    out = {}
    for seed in range(12):
        rng = np.random.RandomState(seed)
        n, d = (30, 60, 120)[seed % 3], (1, 2, 4)[seed // 4]
        X = rng.uniform(-2, 2, (n, d))
        y = np.sin(1.5 * X[:, 0]) + 0.5 * np.tanh(X[:, -1]) + 0.2 * rng.randn(n)
        out[f"syn{seed:02d}-{n}x{d}"] = (X, y)
    return out


def valley(normalize_y):
    """Continue one fit at its final strengths, fixed: is it their minimum?"""
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(80, 2))
    y = 10 * (np.sin(X[:, 0] * 1.5) + 0.3 * X[:, 1] + 0.1 * rng.randn(80)) + 50
    est = SigmoidMLPRegressor((4,), solver="lm", alpha="auto", random_state=0,
                              normalize_y=normalize_y).fit(X, y)
    system, x, strength = LAST["system"], LAST["x"].copy(), LAST["strength"]
    # the objective the last strengths state, with J's scaling of the system
    system.penalised = strength
    system.set_alpha(1.0)
    grid = np.stack(np.meshgrid(np.linspace(-3, 3, 25), np.linspace(-3, 3, 25)),
                    axis=-1).reshape(-1, 2)
    sizes = system.layer_sizes

    def predict(x):
        return _network.predict(grid, *_network.unpack(x, sizes))[:, 0]

    # run_lm's accept/reject loop without its estimator plumbing (state,
    # protocol, regulariser), at strengths the estimator cannot be given
    start_pred, start_loss = predict(x), system.loss(x)
    loss = start_loss
    grad, curvature = system.gradient_curvature(x)
    damping = _solvers.LevenbergMarquardt(curvature)
    steps = 0
    for _ in range(20000):
        step = damping.step(grad, curvature)
        if step is None:
            damping.reject()
            continue
        new_loss = system.loss(x + step)
        rho = damping.gain_ratio(step, grad, loss - new_loss)
        if rho > 0:
            damping.accept(rho)
            x, loss = x + step, new_loss
            grad, curvature = system.gradient_curvature(x)
            steps += 1
            if steps == 1000 or np.abs(grad).max() <= 1e-10:
                break
        else:
            damping.reject()
            if not np.isfinite(damping.mu):
                break
    # on the trained scale (standardised y under normalize_y): in std(y)
    moved = np.abs(predict(x) - start_pred).max() / system.y.std()
    print(f"normalize_y={normalize_y}: alpha='auto' stopped after {est.n_iter_} "
          f"iterations; {steps} more LM steps at its final strengths move the "
          f"predictions by {moved:.3g} std(y) and lower J by "
          f"{start_loss - loss:.3g} (from {start_loss:.4g})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", choices=GROUPINGS, default="coefs")
    parser.add_argument("--panel", choices=("statsmodels", "r", "synthetic"),
                        default="statsmodels")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--raw-y", action="store_true",
                        help="normalize_y=False (y as given)")
    parser.add_argument("--valley", action="store_true",
                        help="check one fit's stationarity instead of a panel")
    args = parser.parse_args(argv)
    _evidence.EvidenceRegulariser.update = (
        single_update() if args.groups == "single" else grouped_update(args.groups))
    # the replaced update runs in run_lm's Python loop, not in the fused
    # iterations of the compiled engine
    _plan.FUSE_LM = False
    if args.valley:
        for normalize_y in (False, True):
            valley(normalize_y)
        return
    data = {"statsmodels": small_data.datasets, "r": small_data.r_datasets,
            "synthetic": synthetic_datasets}[args.panel]()

    def make():
        return SigmoidMLPRegressor(solver="lm", alpha="auto",
                                   normalize_y=not args.raw_y, random_state=0)

    # numba's compiled kernels load outside the timings (as in small_data.py)
    rng = np.random.RandomState(0)
    make().fit(rng.randn(40, 2), rng.randn(40))
    r2, seconds = [], 0.0
    for name, (X, y) in data.items():
        cv = RepeatedKFold(n_splits=5, n_repeats=args.repeats, random_state=0)
        result = small_data.run_config(make, X, y, list(cv.split(X)))
        r2.append(result["r2"])
        seconds += result["seconds"]
        print(f"{name:12s} R2={result['r2']:7.3f}  "
              f"coverage90={result['coverage90']:.3f}", flush=True)
    print(f"groups={args.groups} panel={args.panel} normalize_y={not args.raw_y}: "
          f"mean R2 {np.mean(r2):.3f}, fit time {seconds:.2f} s")


if __name__ == "__main__":
    main()
