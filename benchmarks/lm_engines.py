"""Per-iteration time of solver='lm' on the compiled engine against numpy's,
by network width: the measurement behind ``_compiled.MAX_GN_WEIGHTS``.

Boston's 13 inputs (R's ``MASS::Boston``, standardised; its rows repeated
when more rows are asked for), one hidden layer of each size in
``--units`` (``14 h + h + 1`` weights), ``normalize_y=True``,
``random_state=0``, ``max_iter=40, tol=0`` (so every fit runs 40
iterations).  Each engine fits three times after a warm-up fit; the best
time per iteration is kept.  The engine is chosen by setting
``_compiled.MAX_GN_WEIGHTS`` (above every size: compiled; 0: numpy).

Run::

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src python benchmarks/lm_engines.py \\
        --rows 404 --alpha ard --units 8,12,16,20,30
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import small_data
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor, _compiled


def per_iteration(X, y, params, max_weights, repeats=3):
    """Best seconds per iteration of ``repeats`` fits with
    ``_compiled.MAX_GN_WEIGHTS = max_weights``, after one warm-up fit."""
    saved = _compiled.MAX_GN_WEIGHTS
    _compiled.MAX_GN_WEIGHTS = max_weights
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter=40 stops unconverged
            SigmoidMLPRegressor(**params).fit(X[:50], y[:50])
            best = np.inf
            for _ in range(repeats):
                model = SigmoidMLPRegressor(**params)
                start = time.perf_counter()
                model.fit(X, y)
                best = min(best, (time.perf_counter() - start) / model.n_iter_)
    finally:
        _compiled.MAX_GN_WEIGHTS = saved
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=404)
    parser.add_argument("--alpha", default="ard",
                        help="'ard', 'auto' or a number")
    parser.add_argument("--units", default="8,12,16,20,30")
    args = parser.parse_args(argv)
    X, y = small_data.r_datasets({"Boston": small_data.R_PANEL["Boston"]},
                                 with_diabetes=False)["Boston"]
    X = StandardScaler().fit_transform(X)
    reps = -(-args.rows // X.shape[0])
    X, y = np.tile(X, (reps, 1))[: args.rows], np.tile(y, reps)[: args.rows]
    alpha = args.alpha if args.alpha in ("ard", "auto") else float(args.alpha)
    print(f"{args.rows} rows, alpha={alpha!r}; ms per 'lm' iteration")
    print(f"{'units':>5s} {'weights':>7s} {'compiled':>9s} {'numpy':>7s} {'ratio':>6s}")
    for h in (int(u) for u in args.units.split(",")):
        params = dict(solver="lm", alpha=alpha, hidden_layer_sizes=(h,),
                      normalize_y=True, random_state=0, max_iter=40, tol=0)
        n_weights = (X.shape[1] + 1) * h + h + 1
        compiled = per_iteration(X, y, params, n_weights)
        numpy = per_iteration(X, y, params, 0)
        print(f"{h:5d} {n_weights:7d} {compiled * 1e3:9.3f} {numpy * 1e3:7.3f} "
              f"{compiled / numpy:6.2f}", flush=True)


if __name__ == "__main__":
    main()
