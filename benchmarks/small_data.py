"""Small real regression data sets: accuracy, fit time and interval coverage.

Data sets that ship inside installable packages (no network): scikit-learn's
diabetes and several of ``statsmodels.datasets`` (``pip install statsmodels``,
the ``benchmark`` extra), or with ``--panel r`` R's own (the ``datasets``
package and MASS, written out by ``Rscript``), or with ``--panel r-holdout``
eleven more of R's, a panel held out while the method was chosen.  Repeated K-fold CV; ``StandardScaler`` on X inside
every fold, y raw as a user passes it.  Configurations: this package's
defaults, the same with y standardised by hand, 'lm' with fixed alphas (the
best of the grid per panel is "the best hand-tuned fixed alpha"),
``alpha='auto', normalize_y=True`` with ``n_init`` 1 and 5 (plus the coverage
of their nominal 90% intervals from ``predict(X, return_std=True)``),
``MLPRegressor``, and R's ``nnet`` (``size=3, decay=1e-3, maxit=1000``, y
standardised) where ``Rscript`` with the ``nnet`` package is installed
(Debian: ``apt-get install r-cran-nnet``).

Run::

    PYTHONPATH=src python benchmarks/small_data.py [--repeats 3] [--quick] [--panel r|r-holdout]

It prints one table (mean CV R^2 per data set and configuration, fit time for
all folds) and writes ``benchmarks/results/small-data-<panel>-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def r_panel_available():
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "library(MASS)"], capture_output=True)
    return probe.returncode == 0


def standardised_y(est):
    return TransformedTargetRegressor(regressor=est, transformer=StandardScaler())


def configurations(quick):
    lm = {"solver": "lm", "random_state": 0}
    configs = {
        "defaults": lambda: SigmoidMLPRegressor(random_state=0),
        "defaults, y std by hand": lambda: standardised_y(
            SigmoidMLPRegressor(random_state=0)),
        "lm alpha=0, y std": lambda: standardised_y(SigmoidMLPRegressor(**lm)),
    }
    for alpha in FIXED_ALPHAS:
        configs[f"lm alpha={alpha:g}, y std"] = (
            lambda a=alpha: standardised_y(SigmoidMLPRegressor(alpha=a, **lm)))
    configs["lm auto normalize_y"] = lambda: SigmoidMLPRegressor(
        alpha="auto", normalize_y=True, **lm)
    configs["lm auto normalize_y n_init=5"] = lambda: SigmoidMLPRegressor(
        alpha="auto", normalize_y=True, n_init=5, **lm)
    configs["MLPRegressor()"] = lambda: MLPRegressor(random_state=0)
    if not quick:
        configs["MLPRegressor(max_iter=2000)"] = lambda: MLPRegressor(
            max_iter=2000, random_state=0)
    return configs


def run_config(make, X, y, folds):
    """CV of one configuration; ``seconds`` times the estimator's ``fit`` only.

    The ``StandardScaler`` on X is fitted per fold outside the timer, as the
    R script scales outside its timer: both contenders are timed on the same
    work, a fit on scaled inputs.
    """
    scores, covered, n_test, seconds = [], 0, 0, 0.0
    for train, test in folds:
        scaler = StandardScaler().fit(X[train])
        X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
        model = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            model.fit(X_train, y[train])
            seconds += time.perf_counter() - start
        if isinstance(model, SigmoidMLPRegressor) and hasattr(model, "log_evidence_"):
            mean, std = model.predict(X_test, return_std=True)
            covered += int(np.sum(np.abs(y[test] - mean) <= Z90 * std))
            n_test += len(test)
        else:
            mean = model.predict(X_test)
        scores.append(r2_score(y[test], mean))
    result = {"r2": float(np.mean(scores)), "seconds": seconds}
    if n_test:
        result["coverage90"] = covered / n_test
    return result


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
    args = parser.parse_args(argv)
    if args.panel != "statsmodels" and not r_panel_available():
        parser.error(f"--panel {args.panel} needs Rscript with the MASS package "
                     "(Debian: apt-get install r-base-core r-cran-mass)")
    if args.panel == "statsmodels":
        data = datasets()
    elif args.panel == "r":
        data = r_datasets()
    else:
        data = r_datasets(R_HOLDOUT, with_diabetes=False)
    configs = configurations(args.quick)
    # One-time costs stay outside the timings, as starting R and loading
    # nnet do for R: load numba's compiled kernels (the 'fast' extra) once.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rng = np.random.RandomState(0)
        for make in configs.values():
            make().fit(rng.randn(40, 2), rng.randn(40))
    use_r = r_nnet_available()
    results = {}
    for name, (X, y) in data.items():
        cv = RepeatedKFold(n_splits=args.splits, n_repeats=args.repeats,
                           random_state=0)
        splits = list(cv.split(X))
        results[name] = {"n_samples": int(X.shape[0]), "n_features": int(X.shape[1])}
        for label, make in configs.items():
            results[name][label] = run_config(make, X, y, splits)
            print(f"{name:11s} {label:32s} R2={results[name][label]['r2']:9.4f} "
                  f"t={results[name][label]['seconds']:7.2f}s", flush=True)
        if use_r:
            results[name]["R nnet(size=3, decay=1e-3), y std"] = run_nnet(
                X, y, splits, args.repeats, args.splits)
    labels = [*configs, *(["R nnet(size=3, decay=1e-3), y std"] if use_r else [])]
    summary = {}
    for label in labels:
        r2 = [results[n][label]["r2"] for n in data]
        summary[label] = {
            "mean_r2": float(np.mean(r2)),
            "seconds": float(sum(results[n][label]["seconds"] for n in data)),
        }
        cov = [results[n][label].get("coverage90") for n in data]
        if cov[0] is not None:
            summary[label]["mean_coverage90"] = float(np.mean(cov))
            summary[label]["min_coverage90"] = float(np.min(cov))
    # best fixed alpha (by mean R^2 over the panel), and each set's best contender
    fixed = [f"lm alpha={a:g}, y std" for a in FIXED_ALPHAS]
    best_fixed = max(fixed, key=lambda k: summary[k]["mean_r2"])
    width = max(len(n) for n in data) + 2
    print()
    header = "".join(f"{n[:9]:>10s}" for n in data)
    print(f"{'configuration':40s}{header}{'mean R2':>10s}{'time':>9s}  coverage")
    for label in labels:
        row = "".join(f"{results[n][label]['r2']:10.3f}" for n in data)
        cov = summary[label].get("mean_coverage90")
        extra = "" if cov is None else (
            f"  {cov:.3f} (min {summary[label]['min_coverage90']:.3f})")
        print(f"{label:40s}{row}{summary[label]['mean_r2']:10.3f}"
              f"{summary[label]['seconds']:8.1f}s{extra}")
    print(f"\nbest fixed alpha over the panel: {best_fixed}")
    auto = "lm auto normalize_y"
    for name in data:
        best = max((k for k in labels if k != auto), key=lambda k: results[name][k]["r2"])
        gap = results[name][best]["r2"] - results[name][auto]["r2"]
        print(f"{name:{width}s} best contender {best!r}: {gap:+.3f} above {auto!r}")
    out_dir = Path(__file__).parent / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"small-data-{args.panel}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({
        "command": " ".join([sys.executable, *sys.argv]),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
        "panel": args.panel, "repeats": args.repeats, "splits": args.splits,
        "best_fixed_alpha": best_fixed, "summary": summary, "per_dataset": results,
    }, indent=1))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
