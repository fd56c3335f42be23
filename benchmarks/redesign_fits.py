"""Record, or compare against a record, the fitted weights of a fixed set of fits.

Used around refactorings that must not change what a fit computes ("One path",
issue 25): ``python benchmarks/redesign_fits.py record OUT.npz`` on the old
commit, ``python benchmarks/redesign_fits.py compare OUT.npz`` on the new one.
Every solver, both engines (numba's compiled one and ``SIGMOID_MLP_ENGINE=numpy``
in a second run), float32/float64, sparse input, ``alpha='auto'``, ``n_init``,
``normalize_y``, early stopping, and watched fits (``verbose``, a validation
set).  ``compare`` prints, per fit, whether the weights are bit-identical and
the largest relative difference otherwise.
"""

import contextlib
import io
import os
import sys
import warnings

import numpy as np
import scipy.sparse as sp

from sigmoid_mlp import SigmoidMLPRegressor as S


def data(n=120, d=2, dtype=np.float64):
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, (n, d)).astype(dtype)
    y = (np.sin(X[:, 0]) + 0.3 * X[:, 1] + 0.1 * rng.randn(n)).astype(dtype)
    return X, y


CASES = {
    "gd": dict(max_iter=300),
    "gd_alpha": dict(max_iter=300, alpha=1e-2),
    "gd_schedule": dict(max_iter=100, learning_rate_schedule="invscaling", batch_size=30),
    "gd_2layers": dict(hidden_layer_sizes=(4, 3), max_iter=300),
    "sgd": dict(solver="sgd", learning_rate=0.05, batch_size=16, max_iter=40),
    "sgd_nonesterov": dict(solver="sgd", learning_rate=0.05, batch_size=16, max_iter=40,
                           nesterovs_momentum=False),
    "adam": dict(solver="adam", learning_rate=1e-2, batch_size=16, max_iter=40),
    "adam_early": dict(solver="adam", learning_rate=1e-2, batch_size=16, max_iter=60,
                       early_stopping=True),
    "adam_verbose": dict(solver="adam", learning_rate=1e-2, batch_size=16, max_iter=20,
                         verbose=True),
    "lbfgs": dict(solver="lbfgs", max_iter=100),
    "lm": dict(solver="lm", max_iter=60, alpha=1e-3),
    "lm_auto": dict(solver="lm", alpha="auto", max_iter=80),
    "lm_auto_verbose": dict(solver="lm", alpha="auto", max_iter=80, verbose=True),
    "lm_auto_norm": dict(solver="lm", alpha="auto", max_iter=80, normalize_y=True),
    "lm_auto_ninit": dict(solver="lm", alpha="auto", max_iter=60, n_init=3),
    "lm_early": dict(solver="lm", max_iter=60, alpha=1e-3, early_stopping=True),
    "gd_verbose": dict(max_iter=50, verbose=True),
    "gd_early": dict(max_iter=300, early_stopping=True),
}


def fits():
    for dtype in (np.float64, np.float32):
        X, y = data(dtype=dtype)
        for name, params in CASES.items():
            if dtype == np.float32 and name.startswith("lm"):
                continue
            yield f"{name}_{np.dtype(dtype).name}", params, X, y
    X, y = data()
    Xs = sp.csr_matrix(np.where(np.abs(X) < 0.7, 0.0, X))
    for name in ("gd", "sgd", "adam", "lbfgs"):
        yield f"{name}_sparse", CASES[name], Xs, y
    yield "gd_sample_weight", dict(CASES["gd"], _sw=True), X, y


def run():
    out = {}
    for key, params, X, y in fits():
        params = dict(params)
        sw = np.linspace(0.5, 1.5, X.shape[0]) if params.pop("_sw", False) else None
        est = S(random_state=0, **params)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            est.fit(X, y, sample_weight=sw)
        for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
            out[f"{key}/W{i}"] = np.asarray(W)
            out[f"{key}/b{i}"] = np.asarray(b)
        out[f"{key}/n_iter"] = np.asarray(est.n_iter_)
        out[f"{key}/loss_curve"] = np.asarray(est.loss_curve_)
    return out


def main():
    mode, path = sys.argv[1], sys.argv[2]
    engine = os.environ.get("SIGMOID_MLP_ENGINE", "default")
    got = run()
    if mode == "record":
        np.savez(path, **got)
        print(f"recorded {len(got)} arrays ({engine} engine) to {path}")
        return 0
    ref = dict(np.load(path))
    worst, bad = {}, 0
    for k in ref:
        a, b = ref[k], got.get(k)
        fit = k.split("/")[0]
        if b is None or a.shape != b.shape:
            worst[fit] = np.inf
            continue
        if np.array_equal(a, b):
            worst.setdefault(fit, 0.0)
            continue
        rel = float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300)))
        worst[fit] = max(worst.get(fit, 0.0), rel)
    for fit, w in worst.items():
        print(f"{fit:28s} {'bit-identical' if w == 0 else f'max rel diff {w:.2e}'}")
        bad += w > 1e-12
    print(f"{len(worst)} fits, {bad} differ by more than 1e-12 ({engine} engine)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
