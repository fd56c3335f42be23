"""Issue 28's recipe and evidence-based variants of it, replayed on recorded fits.

For every fold of a small-data panel (``benchmarks/small_data.py``: the same
data sets, ``RepeatedKFold(5, 3, random_state=0)``, ``StandardScaler`` on X
per fold) this records the fits the recipe (``solver='lm', alpha='ard',
hidden_layer_sizes='auto', normalize_y=True, n_init=5, ensemble=True``)
makes, and the same with ``alpha='auto'``: every candidate size of
:data:`sigmoid_mlp._sizes.CANDIDATE_SIZES` from every start of
:func:`sigmoid_mlp._committee.start_points` ``(0, 5)``, each with its log
evidence, determined units, effective numbers of parameters and test
predictions (mean and standard deviation).  Rules that choose among, or
average, these fits are then replayed on the records:

* ``recipe``: the estimator's own rule (:func:`sigmoid_mlp._sizes.walk` on
  the best start's ``log_evidence_`` plus the symmetry factor of its
  determined units; the committee of the chosen size's five starts,
  combined by :func:`sigmoid_mlp._committee.combine`).  On the first fold
  of every set the script fits the recipe itself and checks that the
  replay predicts exactly what it predicts;
* ``recipe, 'auto'``: the same rule on the ``alpha='auto'`` fits;
* ``structure by evidence``: both searches, and the committee of the one
  with the larger total once MacKay's Occam factor of every
  hyperparameter is added (a flat prior on each ``ln alpha_g`` and on
  ``ln beta`` over ``RANGE`` nats, error bars ``2/gamma_g`` and ``2/nu``:
  ``ln(sqrt(2 pi 2/gamma)/RANGE)`` each), so that ``'ard'``'s d + 1
  strengths pay for themselves against ``'auto'``'s one;
* ``both committees``: the ten members of the two searches' committees;
* ``evidence-weighted``: every (structure, size) committee weighted by
  ``exp`` of its total with the Occam factors (Bayesian model averaging).

With ``--fixed`` it also fits, per fold, 3 units with ``alpha='auto'`` and
with fixed alphas (``FIXED``) and counts the folds where a fixed alpha's
fit has a higher ``log_evidence_`` than ``'auto'``'s, and the R^2 of
keeping, per fold, the fit of the highest evidence.

It prints per data set the mean CV R^2 of each rule, the best contender's
(from a full ``small_data.py`` run of the panel, ``--reference``, its
recipes left out), and per rule the mean R^2, the sets more than 0.05 behind
the best contender, and the mean and worst-set coverage of the 90%
intervals.

Run::

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src python benchmarks/recipe_variants.py \\
        --panel statsmodels|r|r-holdout [--reference FILE] [--fixed]
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import time
import warnings

import numpy as np
import small_data
from sklearn.metrics import r2_score
from sklearn.model_selection import RepeatedKFold
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor
from sigmoid_mlp._committee import combine, start_points
from sigmoid_mlp._sizes import (
    CANDIDATE_SIZES,
    determined_units,
    symmetry_log_factor,
    walk,
)

N_INIT = 5
RANGE = math.log(1e6)  # the prior range of each ln(hyperparameter), in nats
FIXED = (0.01, 0.1, 0.3, 1.0, 3.0)
HERE = os.path.dirname(os.path.abspath(__file__))


def make(alpha, hidden, random_state=0, **extra):
    return SigmoidMLPRegressor(solver="lm", alpha=alpha, normalize_y=True,
                               hidden_layer_sizes=hidden,
                               random_state=random_state, **extra)


def record(X_train, y_train, X_test):
    """Every fit the two searches can make: ``{(alpha, h): [fit, ...]}``,
    each fit a dict with its evidence figures and test predictions."""
    fits = {}
    for alpha in ("ard", "auto"):
        for h in CANDIDATE_SIZES:
            members = fits[alpha, h] = []
            for start in start_points(0, N_INIT):
                est = make(alpha, (h,), start).fit(X_train, y_train)
                mean, std = est.predict(X_test, return_std=True)
                gammas = list(getattr(est, "input_effective_n_params_", []))
                gammas.append(est.effective_n_params_ - sum(gammas))
                members.append(dict(
                    evidence=float(est.log_evidence_), k=determined_units(est),
                    gammas=gammas, dof=float(est._posterior_dof),
                    mean=mean, var=std**2))
    return fits


def _evidence(fit):
    return -math.inf if math.isnan(fit["evidence"]) else fit["evidence"]


def occam(fit):
    """ln of MacKay's Occam factors of the hyperparameters: each alpha_g
    and beta, a flat prior over RANGE nats of ln, error bars 2/gamma_g, 2/nu."""
    widths = [2.0 / max(g, 1e-3) for g in fit["gammas"]] + [2.0 / fit["dof"]]
    return sum(0.5 * math.log(2 * math.pi * w) - math.log(RANGE) for w in widths)


def search(fits, alpha, with_occam=False):
    """The estimator's rule on the records: ``(size, total, members)``."""
    def total_of(h):
        best = max(fits[alpha, h], key=_evidence)
        total = _evidence(best) + symmetry_log_factor(best["k"])
        return total + (occam(best) if with_occam else 0.0)

    h, totals = walk(CANDIDATE_SIZES, total_of)
    return h, totals[h], fits[alpha, h]


def committee(members, weights=None):
    """``(mean, variance)`` of the equal mixture (or a weighted one)."""
    if weights is None:
        return combine([m["mean"] for m in members], [m["var"] for m in members])
    parts = [committee(m) for m in members]
    mean = sum(w * p[0] for w, p in zip(weights, parts))
    var = sum(w * (p[1] + (p[0] - mean) ** 2) for w, p in zip(weights, parts))
    return mean, var


def structure_by_evidence(fits):
    choices = [search(fits, alpha, with_occam=True) for alpha in ("ard", "auto")]
    return committee(max(choices, key=lambda c: c[1])[2])


def evidence_weighted(fits):
    keys = list(fits)
    totals = []
    for key in keys:
        best = max(fits[key], key=_evidence)
        totals.append(_evidence(best) + symmetry_log_factor(best["k"]) + occam(best))
    totals = np.array(totals)
    weights = np.exp(totals - totals.max())
    return committee([fits[k] for k in keys], weights / weights.sum())


RULES = {
    "recipe": lambda fits: committee(search(fits, "ard")[2]),
    "recipe, 'auto'": lambda fits: committee(search(fits, "auto")[2]),
    "structure by evidence": structure_by_evidence,
    "both committees": lambda fits: committee(
        search(fits, "ard")[2] + search(fits, "auto")[2]),
    "evidence-weighted": evidence_weighted,
}


def reference_run(panel, reference=None):
    """``(path, per_dataset)`` of ``reference``, or of the newest full
    small_data.py run of ``panel`` (every configuration, not one of
    ``--configurations``) with the recipe and the GP; ``(None, None)`` if
    there is none.  Each JSON is read once."""
    if reference is None:
        found = sorted(glob.glob(os.path.join(
            HERE, "results", f"small-data-{panel}-2*.json")))
        for path in reversed(found):
            with open(path) as handle:
                run = json.load(handle)
            labels = {label for row in run["per_dataset"].values() for label in row}
            if (run.get("configurations") is None
                    and {"recipe n_init=5 ensemble", small_data.GP_LABEL} <= labels):
                return path, run["per_dataset"]
        return None, None
    with open(reference) as handle:
        return reference, json.load(handle)["per_dataset"]


def best_of(per_set):
    """Per set, the best mean R^2 of a run's ``per_dataset``, recipes left out."""
    return {name: max(v["r2"] for label, v in row.items()
                      if isinstance(v, dict) and "r2" in v
                      and not label.startswith("recipe"))
            for name, row in per_set.items()}


def best_contenders(panel, reference):
    """:func:`best_of` the run :func:`reference_run` finds, and its path."""
    reference, per_set = reference_run(panel, reference)
    return (None, None) if per_set is None else (best_of(per_set), reference)


def fixed_alpha_evidence(X_train, y_train, X_test, y_test):
    """``[(log_evidence_, test R^2)]`` of 'auto' and the FIXED alphas at 3 units."""
    out = []
    for alpha in ("auto", *FIXED):
        est = make(alpha, (3,)).fit(X_train, y_train)
        out.append((float(est.log_evidence_), r2_score(y_test, est.predict(X_test))))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panel", default="statsmodels",
                        choices=("statsmodels", "r", "r-holdout"))
    parser.add_argument("--reference", default=None,
                        help="a small_data.py JSON of the panel (default: the newest "
                             "full run in benchmarks/results)")
    parser.add_argument("--fixed", action="store_true",
                        help="also compare 'auto''s evidence with fixed alphas'")
    args = parser.parse_args(argv)
    best, reference = best_contenders(args.panel, args.reference)
    print(f"panel {args.panel}; best contender from {reference}")
    started = time.perf_counter()
    scores = {rule: {} for rule in RULES}
    for name, (X, y) in small_data.panel_datasets(args.panel).items():
        per_rule = {rule: ([], 0) for rule in RULES}
        fixed = []
        cv = RepeatedKFold(n_splits=5, n_repeats=3, random_state=0)
        for index, (train, test) in enumerate(cv.split(X)):
            scaler = StandardScaler().fit(X[train])
            X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fits = record(X_train, y[train], X_test)
                if index == 0:  # the replay is the estimator's own rule
                    est = make("ard", "auto", n_init=N_INIT, ensemble=True)
                    est.fit(X_train, y[train])
                    mean, std = est.predict(X_test, return_std=True)
                    replay, var = RULES["recipe"](fits)
                    np.testing.assert_allclose(replay, mean, rtol=1e-12, atol=0)
                    np.testing.assert_allclose(np.sqrt(var), std, rtol=1e-12, atol=0)
                if args.fixed:
                    fixed.append(fixed_alpha_evidence(X_train, y[train], X_test,
                                                      y[test]))
            for rule, play in RULES.items():
                mean, var = play(fits)
                r2s, hits = per_rule[rule]
                r2s.append(r2_score(y[test], mean))
                hits += small_data.interval_hits(y[test], mean, np.sqrt(var))
                per_rule[rule] = (r2s, hits)
        for rule, (r2s, hits) in per_rule.items():
            scores[rule][name] = (float(np.mean(r2s)), hits / (3 * len(y)))
        line = f"{name:12s}" + "".join(f"{scores[r][name][0]:9.3f}" for r in RULES)
        if best is not None and name in best:
            line += f"   best contender {best[name]:.3f}"
        if fixed:
            fixed = np.array(fixed)  # (fold, auto + fixed alphas, evidence / R^2)
            higher = int(np.sum(fixed[:, 1:, 0].max(axis=1) > fixed[:, 0, 0]))
            kept = np.argmax(fixed[:, :, 0], axis=1)
            line += (f"   fixed alpha above 'auto' in {higher}/{len(fixed)} folds; "
                     f"'auto' {fixed[:, 0, 1].mean():.3f}, highest evidence "
                     f"{fixed[np.arange(len(fixed)), kept, 1].mean():.3f}")
        print(line, flush=True)
    print(f"\n{'rule':24s}{'mean R2':>9s}{'behind':>8s}{'cov90':>8s}{'worst':>8s}"
          "   sets more than 0.05 behind the best contender")
    for rule in RULES:
        r2 = {n: s[0] for n, s in scores[rule].items()}
        coverage = [s[1] for s in scores[rule].values()]
        behind = ([n for n in r2 if n in best and r2[n] < best[n] - 0.05]
                  if best is not None else [])
        print(f"{rule:24s}{np.mean(list(r2.values())):9.3f}{len(behind):8d}"
              f"{np.mean(coverage):8.3f}{min(coverage):8.3f}   {', '.join(behind)}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
