"""How ``hidden_layer_sizes='auto'`` chooses: three symmetry factors compared.

For every fold of the small-data panels (``benchmarks/small_data.py``: the
same data sets, ``RepeatedKFold(5, 3, random_state=0)``, ``StandardScaler``
on X per fold) this fits ``SigmoidMLPRegressor(solver='lm', alpha=ALPHA,
normalize_y=True, random_state=0)`` with each candidate size of
``sigmoid_mlp._sizes.CANDIDATE_SIZES`` and records its ``log_evidence_``,
its count of determined units (:func:`sigmoid_mlp._sizes.determined_units`)
and its test R^2.  It then walks the candidates with the search's own rule
(:func:`sigmoid_mlp._sizes.walk`: the largest total wins, stop after
``PATIENCE`` sizes without a gain) under three totals:

* ``none``: ``log_evidence_`` alone;
* ``all units``: ``+ ln(h! 2^h)``, every unit counted (the textbook factor);
* ``determined``: ``+ ln(k! 2^k)``, ``k`` the determined units -- what
  ``hidden_layer_sizes='auto'`` does.  On the first fold of every set the
  script also fits ``hidden_layer_sizes='auto'`` itself and checks that it
  chose the same size.

It prints, per data set, the mean CV R^2 of every fixed size and of the
three choices (with the median size chosen), and the means over the sets.

Run::

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src python benchmarks/size_choice.py \\
        [--alpha ard|auto] [--panel statsmodels|r|r-holdout|friedman]
"""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np
import small_data
from sklearn.datasets import make_friedman1
from sklearn.metrics import r2_score
from sklearn.model_selection import RepeatedKFold
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor
from sigmoid_mlp._sizes import (
    CANDIDATE_SIZES,
    determined_units,
    symmetry_log_factor,
    walk,
)

CRITERIA = {
    "none": lambda ev, h, k: ev,
    "all units": lambda ev, h, k: ev + symmetry_log_factor(h),
    "determined": lambda ev, h, k: ev + symmetry_log_factor(k),
}


def panel_data(panel):
    if panel == "statsmodels":
        return small_data.datasets()
    if panel == "friedman":
        return {"friedman1": make_friedman1(n_samples=200, noise=1.0,
                                            random_state=0)}
    table = small_data.R_PANEL if panel == "r" else small_data.R_HOLDOUT
    return small_data.r_datasets(table, with_diabetes=False)


def chosen(fold, criterion):
    """The size the search keeps under ``criterion``: its own rule,
    :func:`sigmoid_mlp._sizes.walk`, on the fold's recorded fits."""
    def total_of(h):
        ev, k, _ = fold[h]
        return -math.inf if math.isnan(ev) else criterion(ev, h, k)
    return walk(CANDIDATE_SIZES, total_of)[0]


def make(alpha, hidden):
    return SigmoidMLPRegressor(solver="lm", alpha=alpha, normalize_y=True,
                               hidden_layer_sizes=hidden, random_state=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", choices=("ard", "auto"), default="ard")
    parser.add_argument("--panel", default="statsmodels",
                        choices=("statsmodels", "r", "r-holdout", "friedman"))
    args = parser.parse_args(argv)
    width = 9
    print(f"alpha={args.alpha!r}, panel {args.panel}: mean CV R2 "
          "(choices: R2/median size)")
    print(f"{'data':12s}" + "".join(f"{'h=' + str(h):>{width}s}" for h in CANDIDATE_SIZES)
          + "".join(f"{c:>14s}" for c in CRITERIA))
    fixed_means = {h: [] for h in CANDIDATE_SIZES}
    chosen_means = {c: [] for c in CRITERIA}
    for name, (X, y) in panel_data(args.panel).items():
        folds = []
        cv = RepeatedKFold(n_splits=5, n_repeats=3, random_state=0)
        for index, (train, test) in enumerate(cv.split(X)):
            scaler = StandardScaler().fit(X[train])
            X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
            fold = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for h in CANDIDATE_SIZES:
                    est = make(args.alpha, (h,)).fit(X_train, y[train])
                    fold[h] = (float(est.log_evidence_), determined_units(est),
                               r2_score(y[test], est.predict(X_test)))
                if index == 0:  # the estimator's own search, once per set
                    auto = make(args.alpha, "auto").fit(X_train, y[train])
                    mine = chosen(fold, CRITERIA["determined"])
                    assert auto.hidden_layer_sizes_ == (mine,), (
                        name, auto.hidden_layer_sizes_, mine)
            folds.append(fold)
        line = f"{name:12s}"
        for h in CANDIDATE_SIZES:
            r2 = float(np.mean([f[h][2] for f in folds]))
            fixed_means[h].append(r2)
            line += f"{r2:{width}.3f}"
        for label, criterion in CRITERIA.items():
            sizes = [chosen(f, criterion) for f in folds]
            r2 = float(np.mean([f[h][2] for f, h in zip(folds, sizes)]))
            chosen_means[label].append(r2)
            line += f"{r2:9.3f}/{np.median(sizes):<4g}"
        print(line, flush=True)
    print(f"{'mean':12s}"
          + "".join(f"{np.mean(fixed_means[h]):{width}.3f}" for h in CANDIDATE_SIZES)
          + "".join(f"{np.mean(chosen_means[c]):9.3f}{'':5s}" for c in CRITERIA))


if __name__ == "__main__":
    main()
