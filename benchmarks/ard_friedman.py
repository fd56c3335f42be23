"""``alpha='auto'`` against ``alpha='ard'`` on Friedman #1: the table of ``docs/evidence.rst``.

Friedman #1 (``make_friedman1(n_samples=200, noise=1.0, random_state=0)``:
ten inputs, five of them noise), 5-fold ``KFold(shuffle=True,
random_state=0)``, ``StandardScaler`` fitted per fold, then
``SigmoidMLPRegressor(solver='lm', normalize_y=True, random_state=0)``
with each ``alpha`` at 3 and 8 hidden units, ``n_init`` 1 and 5.  Prints,
per configuration, the mean CV R^2, the mean fit time per fold (the median
of ``--runs`` runs, after one warm-up fit of each ``alpha``, which also
loads numba's compiled iterations) and the engine the fits ran on, and the
table again in reStructuredText.

Run (times are only comparable on a quiet machine, BLAS on one thread)::

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src python benchmarks/ard_friedman.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

ALPHAS = ("auto", "ard")
CONFIGURATIONS = {  # label -> keyword arguments besides alpha
    "``(3,)``": dict(hidden_layer_sizes=(3,)),
    "``(8,)``": dict(hidden_layer_sizes=(8,)),
    "``(3,)``, n_init=5": dict(hidden_layer_sizes=(3,), n_init=5),
    "``(8,)``, n_init=5": dict(hidden_layer_sizes=(8,), n_init=5),
}


def make(alpha, **params):
    return SigmoidMLPRegressor(solver="lm", alpha=alpha, normalize_y=True,
                               random_state=0, **params)


def folds(X, y):
    for train, test in KFold(5, shuffle=True, random_state=0).split(X):
        scaler = StandardScaler().fit(X[train])
        yield (scaler.transform(X[train]), y[train], scaler.transform(X[test]),
               y[test])


def run(X, y, alpha, params):
    """Mean CV R^2, mean fit seconds per fold, the engines that ran."""
    scores, seconds, engines = [], [], set()
    for X_train, y_train, X_test, y_test in folds(X, y):
        est = make(alpha, **params)
        start = time.perf_counter()
        est.fit(X_train, y_train)
        seconds.append(time.perf_counter() - start)
        scores.append(r2_score(y_test, est.predict(X_test)))
        engines.add(est._engine)
    return float(np.mean(scores)), float(np.mean(seconds)), sorted(engines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    X, y = make_friedman1(n_samples=200, noise=1.0, random_state=0)
    for alpha in ALPHAS:  # warm-up: numba's compiled iterations load here
        make(alpha).fit(*next(folds(X, y))[:2])
    cells = {}
    for label, params in CONFIGURATIONS.items():
        for alpha in ALPHAS:
            runs = [run(X, y, alpha, params) for _ in range(args.runs)]
            r2 = runs[0][0]
            assert all(r[0] == r2 for r in runs), "a fit is not deterministic"
            seconds = statistics.median(r[1] for r in runs)
            cells[label, alpha] = (r2, seconds)
            print(f"{label:22s} alpha={alpha!r:7s} R2 {r2:.3f}  {seconds:.3f} s "
                  f"per fold  engine {'/'.join(runs[0][2])}", flush=True)
    rule = "=" * 21 + "  " + "=" * 21 + "  " + "=" * 21
    print("\n" + rule)
    print(f"{'hidden_layer_sizes':21s}  {'``alpha=' + repr('auto') + '``':21s}  "
          f"``alpha={'ard'!r}``")
    print(rule)
    for label in CONFIGURATIONS:
        row = [f"{cells[label, a][0]:.3f}, {cells[label, a][1]:.3f} s" for a in ALPHAS]
        print(f"{label:21s}  {row[0]:21s}  {row[1]}")
    print(rule)


if __name__ == "__main__":
    main()
