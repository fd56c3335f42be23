"""Small real regression data sets: accuracy, fit time, interval coverage and NLPD.

Data sets that ship inside installable packages (no network): scikit-learn's
diabetes and several of ``statsmodels.datasets`` (``pip install statsmodels``,
the ``benchmark`` extra), or with ``--panel r`` R's own (the ``datasets``
package and MASS, written out by ``Rscript``), or with ``--panel r-holdout``
eleven more of R's, a panel held out while the method was chosen.  Repeated K-fold CV; ``StandardScaler`` on X inside
every fold, y raw as a user passes it.  Configurations: this package's
defaults, the same with y standardised by hand, 'lm' with fixed alphas (the
best of the grid per panel is "the best hand-tuned fixed alpha"),
``alpha='auto', normalize_y=True`` with ``n_init`` 1 and 5,
``MLPRegressor``, scikit-learn's ``GaussianProcessRegressor`` (a constant
times an ARD RBF kernel, one length scale per input, plus a ``WhiteKernel``;
``normalize_y=True``, ``n_restarts_optimizer=2``), ``BayesianRidge``,
``RandomForestRegressor`` and ``HistGradientBoostingRegressor`` (defaults,
``random_state=0``), the configurations of :data:`RECIPES` that the
installed estimator accepts, and R's ``nnet`` (``size=3, decay=1e-3,
maxit=1000``, y standardised) where ``Rscript`` with the ``nnet`` package is
installed (Debian: ``apt-get install r-cran-nnet``).

Wherever a contender gives a predictive standard deviation
(``predict(X, return_std=True)``: the Gaussian process, ``BayesianRidge`` and
this package's evidence fits), two more figures: the coverage of the nominal
90% intervals (mean +- 1.645 std) and the mean negative log predictive
density, -log N(y | mean, std^2) averaged over the test points on the
original scale of y (lower is better; it depends on the units of y, so
compare it between contenders on one data set).

Run::

    PYTHONPATH=src python benchmarks/small_data.py [--repeats 3] [--quick] \
        [--panel r|r-holdout] [--datasets a,b] [--configurations REGEX]

It prints, per data set, every configuration's mean CV R^2, fit time for all
folds, coverage and NLPD; then the R^2 table and a summary line per
configuration (mean R^2 over the sets, mean and worst-set coverage, mean
NLPD, total fit time and the mean over the sets of its fit time divided by
the Gaussian process's); then, where the recipes ran, the figures of
issue 28's targets (:func:`target_figures`); and writes
``benchmarks/results/small-data-<panel>-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, WhiteKernel
from sklearn.gaussian_process.kernels import ConstantKernel as C
from sklearn.linear_model import BayesianRidge
from sklearn.metrics import r2_score
from sklearn.model_selection import RepeatedKFold
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

Z90 = 1.6448536269514722  # the 95% quantile of N(0, 1): a central 90% interval
FIXED_ALPHAS = (1e-3, 1e-2, 1e-1, 1.0)


def datasets():
    """``{name: (X, y)}``: 32-944 rows, 1-13 features, numeric targets."""
    import statsmodels.api as sm

    def frame(name):
        return getattr(sm.datasets, name).load_pandas()

    out = {"diabetes": load_diabetes(return_X_y=True)}
    d = frame("engel")
    out["engel"] = (d.data[["income"]].to_numpy(float), d.data["foodexp"].to_numpy(float))
    d = frame("ccard")
    out["ccard"] = (d.exog[["AGE", "INCOME", "OWNRENT"]].to_numpy(float),
                    d.endog.to_numpy(float))
    d = frame("star98")  # share of students above the national median
    exog = d.exog.iloc[:, :13].to_numpy(float)
    share = d.endog["NABOVE"] / (d.endog["NABOVE"] + d.endog["NBELOW"])
    out["star98"] = (exog, share.to_numpy(float))
    d = frame("scotland")
    out["scotland"] = (d.exog.iloc[:, :6].to_numpy(float), d.endog.to_numpy(float))
    d = frame("statecrime")
    out["statecrime"] = (d.exog.to_numpy(float), d.endog.to_numpy(float))
    d = frame("grunfeld")
    out["grunfeld"] = (d.exog[["value", "capital"]].to_numpy(float),
                       d.endog.to_numpy(float))
    d = frame("strikes")
    out["strikes"] = (d.exog.to_numpy(float).reshape(-1, 1), d.endog.to_numpy(float))
    d = frame("anes96")  # party identification, a 7-point scale
    out["anes96"] = (d.exog[["logpopul", "selfLR", "age", "educ", "income"]]
                     .to_numpy(float), d.endog.to_numpy(float))
    return out


# R's own data sets (the 'datasets' package of every R installation, and
# MASS, one of R's recommended packages, e.g. Debian's r-cran-mass):
# name -> (R expression of the data frame, target column).  31-1000 rows,
# 1-13 features; every other column is a feature.
R_PANEL = {
    "trees": ("trees", "Volume"),
    "mtcars": ("mtcars", "mpg"),
    "swiss": ("swiss", "Fertility"),
    "rock": ("rock", "perm"),
    "savings": ("LifeCycleSavings", "sr"),
    "cars": ("cars", "dist"),
    "airquality": ("na.omit(airquality)", "Ozone"),
    "faithful": ("faithful", "eruptions"),
    "Boston": ("MASS::Boston", "medv"),
    "quakes": ("quakes", "mag"),
}


# A held-out panel, put together only after alpha='auto' had been settled on
# the two panels above (so it measures the method, not a method tuned to it):
# eleven more of R's data sets (datasets and MASS), 30-314 rows, 1-11
# features, each with its classic regression target; factors as 0/1.
R_HOLDOUT = {
    "attitude": ("attitude", "rating"),
    "judges": ("USJudgeRatings", "RTEN"),
    "statex77": ("as.data.frame(state.x77)", "Life Exp"),
    "freeny": ("data.frame(y = as.numeric(freeny$y), freeny[, -1])", "y"),
    "hills": ("MASS::hills", "time"),
    "cpus": ('MASS::cpus[, c("syct", "mmin", "mmax", "cach", "chmin", "chmax", '
             '"perf")]', "perf"),
    "cats": ('transform(MASS::cats, Sex = as.numeric(Sex == "M"))', "Hwt"),
    "whiteside": ('transform(MASS::whiteside, Insul = as.numeric(Insul == "After"))',
                  "Gas"),
    "rubber": ("MASS::Rubber", "loss"),
    "GAGurine": ("MASS::GAGurine", "GAG"),
    "mcycle": ("MASS::mcycle", "accel"),
}


def r_datasets(panel=None, with_diabetes=True):
    """R's data sets (default :data:`R_PANEL`, plus scikit-learn's diabetes:
    11 sets): ``{name: (X, y)}``.

    Needs ``Rscript`` with MASS; the frames are written by R itself.
    """
    panel = R_PANEL if panel is None else panel
    out = {"diabetes": load_diabetes(return_X_y=True)} if with_diabetes else {}
    with tempfile.TemporaryDirectory() as tmp:
        lines = [f'write.csv({expr}, "{tmp}/{name}.csv", row.names = FALSE)'
                 for name, (expr, _) in panel.items()]
        subprocess.run(["Rscript", "-e", "; ".join(lines)], check=True,
                       capture_output=True)
        for name, (_, target) in panel.items():
            path = Path(tmp) / f"{name}.csv"
            header = path.read_text().splitlines()[0].replace('"', "").split(",")
            table = np.loadtxt(path, delimiter=",", skiprows=1)
            column = header.index(target)
            out[name] = (np.delete(table, column, axis=1), table[:, column])
    return out


def panel_datasets(panel):
    """``{name: (X, y)}`` of a panel: 'statsmodels', 'r' (with diabetes)
    or 'r-holdout'."""
    if panel == "statsmodels":
        return datasets()
    if panel == "r":
        return r_datasets()
    return r_datasets(R_HOLDOUT, with_diabetes=False)


def r_panel_available():
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "library(MASS)"], capture_output=True)
    return probe.returncode == 0


def standardised_y(est):
    return TransformedTargetRegressor(regressor=est, transformer=StandardScaler())


GP_LABEL = "GP ARD RBF+white, normalize_y"

# Configurations of this package that use parameters which may not exist yet
# in the installed version (issue 28: alpha='ard', hidden_layer_sizes='auto',
# ensemble=True): label -> keyword arguments of SigmoidMLPRegressor.  A new
# one is one line here.  Each runs only where the installed estimator has
# every parameter (``get_params()``) and a probe fit on 40 random rows
# accepts the values (see :func:`recipe_unavailable`); otherwise the script
# says it skipped it, and why, and records that in the JSON
# (``skipped_configurations``).
RECIPES = {
    "lm ard normalize_y": dict(
        solver="lm", alpha="ard", normalize_y=True, random_state=0),
    "recipe n_init=1": dict(
        solver="lm", alpha="ard", hidden_layer_sizes="auto", normalize_y=True,
        random_state=0),
    "recipe n_init=5 ensemble": dict(
        solver="lm", alpha="ard", hidden_layer_sizes="auto", normalize_y=True,
        n_init=5, ensemble=True, random_state=0),
}


def gaussian_process(n_features):
    """scikit-learn's GP as a statistician sets it up for such data: a
    constant times an RBF kernel with one length scale per input (ARD), plus
    white noise; y normalised; two restarts of the optimizer."""
    kernel = (C(1.0) * RBF(length_scale=np.ones(n_features))
              + WhiteKernel(noise_level=1.0))
    return GaussianProcessRegressor(kernel=kernel, normalize_y=True,
                                    n_restarts_optimizer=2, random_state=0)


def recipe_unavailable(params, estimator=SigmoidMLPRegressor, probe=True):
    """Why ``estimator(**params)`` cannot run here (a string), or None.

    First the parameter names against ``estimator().get_params()``; then, with
    ``probe``, one fit on 40 random rows (2 features), which also warms up
    what a first fit loads.  A probe that fails is reported with its error,
    so that a broken configuration is seen, not silently dropped.
    """
    missing = sorted(set(params) - set(estimator().get_params()))
    if missing:
        return f"{estimator.__name__} has no parameter {', '.join(missing)}"
    if probe:
        rng = np.random.RandomState(0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                estimator(**params).fit(rng.randn(40, 2), rng.randn(40))
        except Exception as exc:  # reported below, not hidden
            return f"the probe fit failed: {type(exc).__name__}: {exc}"
    return None


def configurations(quick):
    """``(configs, skipped)``: label -> ``make(n_features)`` for every
    configuration that runs here, and label -> reason for the recipes that
    do not."""
    lm = {"solver": "lm", "random_state": 0}
    configs = {
        "defaults": lambda p: SigmoidMLPRegressor(random_state=0),
        "defaults, y std by hand": lambda p: standardised_y(
            SigmoidMLPRegressor(random_state=0)),
        "lm alpha=0, y std": lambda p: standardised_y(SigmoidMLPRegressor(**lm)),
    }
    for alpha in FIXED_ALPHAS:
        configs[f"lm alpha={alpha:g}, y std"] = (
            lambda p, a=alpha: standardised_y(SigmoidMLPRegressor(alpha=a, **lm)))
    configs["lm auto normalize_y"] = lambda p: SigmoidMLPRegressor(
        alpha="auto", normalize_y=True, **lm)
    configs["lm auto normalize_y n_init=5"] = lambda p: SigmoidMLPRegressor(
        alpha="auto", normalize_y=True, n_init=5, **lm)
    skipped = {}
    for label, params in RECIPES.items():
        reason = recipe_unavailable(params)
        if reason is None:
            configs[label] = lambda p, kw=params: SigmoidMLPRegressor(**kw)
        else:
            skipped[label] = reason
    configs["MLPRegressor()"] = lambda p: MLPRegressor(random_state=0)
    if not quick:
        configs["MLPRegressor(max_iter=2000)"] = lambda p: MLPRegressor(
            max_iter=2000, random_state=0)
    configs[GP_LABEL] = gaussian_process
    configs["BayesianRidge"] = lambda p: BayesianRidge()
    configs["RandomForestRegressor"] = lambda p: RandomForestRegressor(
        random_state=0)
    configs["HistGradientBoostingRegressor"] = (
        lambda p: HistGradientBoostingRegressor(random_state=0))
    return configs, skipped


def gives_std(model):
    """Whether the fitted ``model`` gives a predictive standard deviation:
    the GP, BayesianRidge, and this package's fits whose prior the evidence
    set (``log_evidence_``, or ``alpha`` a string: 'auto', and 'ard' once it
    exists).  A configuration wrapped in ``TransformedTargetRegressor`` gives
    none (its ``predict`` would not map a standard deviation back to y's
    scale)."""
    if isinstance(model, SigmoidMLPRegressor):
        return hasattr(model, "log_evidence_") or isinstance(model.alpha, str)
    if isinstance(model, TransformedTargetRegressor):
        return False
    return "return_std" in inspect.signature(model.predict).parameters


def gaussian_nlpd(y, mean, std):
    """Per point, -log N(y | mean, std^2) (natural log)."""
    y, mean, std = (np.asarray(a, dtype=float) for a in (y, mean, std))
    var = std**2
    return 0.5 * np.log(2 * np.pi * var) + 0.5 * (y - mean) ** 2 / var


def interval_hits(y, mean, std, z=Z90):
    """How many of ``y`` lie within ``mean +- z * std``."""
    return int(np.sum(np.abs(np.asarray(y) - mean) <= z * np.asarray(std)))


def run_config(make, X, y, folds):
    """CV of one configuration; ``seconds`` times the estimator's ``fit`` only.

    The ``StandardScaler`` on X is fitted per fold outside the timer, as the
    R script scales outside its timer: both contenders are timed on the same
    work, a fit on scaled inputs.  ``coverage90`` and ``nlpd`` (where the
    model gives a std) pool the test points of all folds and repeats.
    """
    scores, covered, n_test, seconds, nlpd_sum = [], 0, 0, 0.0, 0.0
    for train, test in folds:
        scaler = StandardScaler().fit(X[train])
        X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
        model = make(X.shape[1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            model.fit(X_train, y[train])
            seconds += time.perf_counter() - start
            if gives_std(model):
                mean, std = model.predict(X_test, return_std=True)
                covered += interval_hits(y[test], mean, std)
                nlpd_sum += float(np.sum(gaussian_nlpd(y[test], mean, std)))
                n_test += len(test)
            else:
                mean = model.predict(X_test)
        scores.append(r2_score(y[test], mean))
    result = {"r2": float(np.mean(scores)), "seconds": seconds}
    if n_test:
        result["coverage90"] = covered / n_test
        result["nlpd"] = nlpd_sum / n_test
    return result


def summarise(results, labels, names, reference=GP_LABEL):
    """Per configuration, over the data sets ``names``: mean R^2, total fit
    seconds; where it gives a std on every set, mean and worst-set coverage
    and mean NLPD; where ``reference`` ran, the mean over the sets of the fit
    time divided by the reference's on the same folds."""
    summary = {}
    for label in labels:
        rows = [results[n][label] for n in names]
        entry = {
            "mean_r2": float(np.mean([r["r2"] for r in rows])),
            "seconds": float(sum(r["seconds"] for r in rows)),
        }
        if all("coverage90" in r for r in rows):
            cov = [r["coverage90"] for r in rows]
            entry["mean_coverage90"] = float(np.mean(cov))
            entry["min_coverage90"] = float(np.min(cov))
        if all("nlpd" in r for r in rows):
            entry["mean_nlpd"] = float(np.mean([r["nlpd"] for r in rows]))
        if all(reference in results[n] for n in names):
            entry["mean_seconds_ratio_to_gp"] = float(np.mean(
                [r["seconds"] / results[n][reference]["seconds"]
                 for r, n in zip(rows, names)]))
        summary[label] = entry
    return summary


NNET_LABEL = "R nnet(size=3, decay=1e-3), y std"
RECIPE = "recipe n_init=5 ensemble"
RECIPE_ONE = "recipe n_init=1"


def target_figures(results, summary, names):
    """The figures issue 28's targets are stated in, from one run: the
    recipe's mean R^2 minus the Gaussian process's; per set, its gap to the
    best contender (every other configuration that ran); its coverage (mean
    and worst set); and total fit time over the panel, ``n_init=1`` over R
    nnet and with the committee over the Gaussian process (with the mean of
    the per-set ratios beside it).  Only the figures whose configurations
    ran; a dict (empty when neither recipe ran)."""
    out = {}
    if RECIPE_ONE in summary and NNET_LABEL in summary:
        out["n_init1_seconds_over_nnet"] = (summary[RECIPE_ONE]["seconds"]
                                            / summary[NNET_LABEL]["seconds"])
    if RECIPE not in summary:
        return out
    recipe = summary[RECIPE]
    if GP_LABEL in summary:
        out["r2_above_gp"] = recipe["mean_r2"] - summary[GP_LABEL]["mean_r2"]
        out["seconds_over_gp"] = recipe["seconds"] / summary[GP_LABEL]["seconds"]
        out["mean_per_set_seconds_over_gp"] = recipe.get("mean_seconds_ratio_to_gp")
    gaps = {}
    others = [k for k in summary if k not in (RECIPE, RECIPE_ONE)]
    for name in names:
        if others:
            best = max(others, key=lambda k: results[name][k]["r2"])
            gaps[name] = (best, results[name][best]["r2"] - results[name][RECIPE]["r2"])
    out["gap_to_best"] = gaps
    if "mean_coverage90" in recipe:
        out["coverage90"] = (recipe["mean_coverage90"], recipe["min_coverage90"])
    return out


def _cell(value, fmt, width):
    return f"{'':>{width}s}" if value is None else f"{value:{width}{fmt}}"


R_SCRIPT = r"""
suppressMessages(library(nnet))
args <- commandArgs(trailingOnly = TRUE)
X <- as.matrix(read.csv(args[1], header = FALSE))
y <- read.csv(args[2], header = FALSE)[[1]]
folds <- as.matrix(read.csv(args[3], header = FALSE))  # fold id per repeat
set.seed(0)
pred <- matrix(NA, nrow(X), ncol(folds))
seconds <- 0
for (r in seq_len(ncol(folds))) for (k in sort(unique(folds[, r]))) {
  test <- folds[, r] == k
  mx <- colMeans(X[!test, , drop = FALSE])
  sx <- apply(X[!test, , drop = FALSE], 2, sd); sx[sx == 0] <- 1
  Xtr <- scale(X[!test, , drop = FALSE], mx, sx)
  Xte <- scale(X[test, , drop = FALSE], mx, sx)
  my <- mean(y[!test]); sy <- sd(y[!test])
  t0 <- proc.time()[["elapsed"]]
  fit <- nnet(Xtr, (y[!test] - my) / sy, size = 3, decay = 1e-3, maxit = 1000,
              linout = TRUE, trace = FALSE)
  seconds <- seconds + proc.time()[["elapsed"]] - t0
  pred[test, r] <- predict(fit, Xte) * sy + my
}
write.table(pred, args[4], sep = ",", row.names = FALSE, col.names = FALSE)
cat(seconds, "\n")
"""


def r_nnet_available():
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "library(nnet)"], capture_output=True)
    return probe.returncode == 0


def run_nnet(X, y, cv_splits, n_repeats, n_splits):
    fold_ids = np.zeros((len(y), n_repeats), dtype=int)
    for index, (_, test) in enumerate(cv_splits):
        fold_ids[test, index // n_splits] = index % n_splits
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        np.savetxt(tmp / "X.csv", X, delimiter=",")
        np.savetxt(tmp / "y.csv", y, delimiter=",")
        np.savetxt(tmp / "folds.csv", fold_ids, delimiter=",", fmt="%d")
        (tmp / "nnet.R").write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(tmp / "nnet.R"), str(tmp / "X.csv"), str(tmp / "y.csv"),
             str(tmp / "folds.csv"), str(tmp / "pred.csv")],
            capture_output=True, text=True, check=True)
        pred = np.loadtxt(tmp / "pred.csv", delimiter=",").reshape(len(y), n_repeats)
    scores = [r2_score(y[test], pred[test, index // n_splits])
              for index, (_, test) in enumerate(cv_splits)]
    return {"r2": float(np.mean(scores)), "seconds": float(out.stdout.split()[-1])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--quick", action="store_true",
                        help="skip MLPRegressor(max_iter=2000)")
    parser.add_argument("--panel", choices=("statsmodels", "r", "r-holdout"),
                        default="statsmodels",
                        help="statsmodels' data sets (default), R's "
                             "(datasets and MASS, needs Rscript), or the "
                             "held-out panel of eleven more R data sets")
    parser.add_argument("--configurations", default=None, metavar="REGEX",
                        help="run only the configurations whose label matches "
                             "this regular expression (R nnet's label is "
                             f"{NNET_LABEL!r}), e.g. to re-time a few")
    parser.add_argument("--datasets", default=None,
                        help="comma-separated names: run only these data sets "
                             "of the panel (e.g. diabetes,engel)")
    args = parser.parse_args(argv)
    if args.panel != "statsmodels" and not r_panel_available():
        parser.error(f"--panel {args.panel} needs Rscript with the MASS package "
                     "(Debian: apt-get install r-base-core r-cran-mass)")
    data = panel_datasets(args.panel)
    if args.datasets:
        wanted = [n.strip() for n in args.datasets.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in data]
        if unknown:
            parser.error(f"--datasets: {', '.join(unknown)} not in panel "
                         f"{args.panel} ({', '.join(data)})")
        data = {n: data[n] for n in wanted}
    configs, skipped = configurations(args.quick)
    wanted_label = (lambda label: True) if args.configurations is None else (
        lambda label: re.search(args.configurations, label) is not None)
    configs = {k: v for k, v in configs.items() if wanted_label(k)}
    if not configs and not wanted_label(NNET_LABEL):
        parser.error(f"--configurations {args.configurations!r} matches no "
                     "configuration")
    for label, reason in skipped.items():
        print(f"skipped {label!r}: {reason}", flush=True)
    # One-time costs stay outside the timings, as starting R and loading
    # nnet do for R: load numba's compiled kernels (the 'fast' extra) once.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rng = np.random.RandomState(0)
        for make in configs.values():
            make(2).fit(rng.randn(40, 2), rng.randn(40))
    use_r = wanted_label(NNET_LABEL) and r_nnet_available()
    results = {}
    for name, (X, y) in data.items():
        cv = RepeatedKFold(n_splits=args.splits, n_repeats=args.repeats,
                           random_state=0)
        splits = list(cv.split(X))
        results[name] = {"n_samples": int(X.shape[0]), "n_features": int(X.shape[1])}
        for label, make in configs.items():
            res = results[name][label] = run_config(make, X, y, splits)
            extra = ("" if "coverage90" not in res else
                     f" cov90={res['coverage90']:.3f} nlpd={res['nlpd']:.3f}")
            print(f"{name:11s} {label:32s} R2={res['r2']:9.4f} "
                  f"t={res['seconds']:7.2f}s{extra}", flush=True)
        if use_r:
            results[name][NNET_LABEL] = run_nnet(X, y, splits, args.repeats,
                                                 args.splits)
    labels = [*configs, *([NNET_LABEL] if use_r else [])]
    names = list(data)
    summary = summarise(results, labels, names)
    # best fixed alpha (by mean R^2 over the panel), and each set's best contender
    fixed = [f"lm alpha={a:g}, y std" for a in FIXED_ALPHAS if
             f"lm alpha={a:g}, y std" in summary]
    best_fixed = (max(fixed, key=lambda k: summary[k]["mean_r2"]) if fixed
                  else None)
    width = max(len(n) for n in data) + 2
    lw = max(40, max(len(label) for label in labels) + 2)
    for name in names:
        print(f"\n{name} ({results[name]['n_samples']} rows, "
              f"{results[name]['n_features']} features; "
              f"{args.splits}-fold x {args.repeats})")
        print(f"{'configuration':{lw}s}{'R2':>9s}{'time':>10s}{'cov90':>8s}"
              f"{'NLPD':>10s}")
        for label in labels:
            res = results[name][label]
            print(f"{label:{lw}s}{res['r2']:9.3f}{res['seconds']:9.2f}s"
                  f"{_cell(res.get('coverage90'), '.3f', 8)}"
                  f"{_cell(res.get('nlpd'), '.3f', 10)}".rstrip())
    print()
    header = "".join(f"{n[:9]:>10s}" for n in data)
    print(f"{'mean CV R2':{lw}s}{header}{'mean R2':>10s}")
    for label in labels:
        row = "".join(f"{results[n][label]['r2']:10.3f}" for n in data)
        print(f"{label:{lw}s}{row}{summary[label]['mean_r2']:10.3f}")
    print(f"\n{'summary over the ' + str(len(names)) + ' set(s)':{lw}s}"
          f"{'mean R2':>9s}{'cov90':>8s}{'worst':>8s}{'NLPD':>10s}"
          f"{'time':>10s}{'t/GP':>9s}")
    for label in labels:
        entry = summary[label]
        print(f"{label:{lw}s}{entry['mean_r2']:9.3f}"
              f"{_cell(entry.get('mean_coverage90'), '.3f', 8)}"
              f"{_cell(entry.get('min_coverage90'), '.3f', 8)}"
              f"{_cell(entry.get('mean_nlpd'), '.3f', 10)}"
              f"{entry['seconds']:9.2f}s"
              f"{_cell(entry.get('mean_seconds_ratio_to_gp'), '.4f', 9)}")
    print("(cov90: coverage of the nominal 90% intervals, mean over the sets and "
          "worst set; NLPD: mean negative log predictive density on y's scale, "
          "mean over the sets; t/GP: fit time over the Gaussian process's, mean "
          "over the sets)")
    print(f"\nbest fixed alpha over the panel: {best_fixed}")
    auto = "lm auto normalize_y"
    for name in data if auto in summary and len(labels) > 1 else ():
        best = max((k for k in labels if k != auto), key=lambda k: results[name][k]["r2"])
        gap = results[name][best]["r2"] - results[name][auto]["r2"]
        print(f"{name:{width}s} best contender {best!r}: {gap:+.3f} above {auto!r}")
    targets = target_figures(results, summary, names)
    if targets:
        print(f"\nissue 28's targets, figures of {RECIPE!r} (and {RECIPE_ONE!r}):")
        if "r2_above_gp" in targets:
            print(f"  mean R2 above the Gaussian process: {targets['r2_above_gp']:+.3f}"
                  " (target >= +0.015)")
        for name, (best, gap) in targets.get("gap_to_best", {}).items():
            print(f"  {name:{width}s} best contender {best!r} {gap:+.3f} above "
                  "the recipe (target <= 0.05)")
        if "coverage90" in targets:
            mean_cov, min_cov = targets["coverage90"]
            print(f"  coverage90 mean {mean_cov:.3f} (target 0.88-0.92), worst set "
                  f"{min_cov:.3f} (target >= 0.82)")
        if "n_init1_seconds_over_nnet" in targets:
            print(f"  {RECIPE_ONE!r} fit time / R nnet's: "
                  f"{targets['n_init1_seconds_over_nnet']:.2f} (target <= 3)")
        if "seconds_over_gp" in targets:
            print(f"  fit time / the Gaussian process's: total "
                  f"{targets['seconds_over_gp']:.4f}, mean over the sets "
                  f"{targets['mean_per_set_seconds_over_gp']:.4f} "
                  "(target <= 0.05)")
    out_dir = Path(__file__).parent / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"small-data-{args.panel}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({
        "command": " ".join([sys.executable, *sys.argv]),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
        "panel": args.panel, "repeats": args.repeats, "splits": args.splits,
        "datasets": names, "skipped_configurations": skipped,
        "configurations": args.configurations,
        "best_fixed_alpha": best_fixed, "summary": summary,
        "issue28_targets": targets, "per_dataset": results,
    }, indent=1))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
