"""Issue 26's cases as a newcomer meets them: what fit returns and what it says.

Run from the repository root::

    PYTHONPATH=src python benchmarks/first_contact.py            # the cases
    PYTHONPATH=src python benchmarks/first_contact.py --defaults # would a default change help?

Each case prints the training R^2, the epochs and the warnings (category and
the ``file:line`` they point at: this script's own line when a warning points
at the caller).  ``--defaults`` compares the stopping rule's patience
(``n_iter_no_change``, 10 by default) with 100 on the same cases.
"""

import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor


def deck(n=200, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-3, 3, size=(n, 1))
    return X, np.sin(X).ravel() + 0.1 * rng.randn(n)


def offset(seed, n=1000):
    """1000 x 5 inputs of mean 200 and sd 50 (tests/test_first_contact.py)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(200, 50, size=(n, 5))
    Z = (X - 200) / 50
    y = (np.sin(Z[:, 0]) + 0.5 * Z[:, 1] * Z[:, 2] + np.tanh(Z[:, 3])
         + 0.1 * rng.randn(n))
    return X, y


def run(model, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    est = model[-1] if hasattr(model, "steps") else model
    said = sorted({(w.category.__name__, f"{w.filename.split('/')[-1]}:{w.lineno}")
                   for w in caught})
    return model.score(X, y), est.n_iter_, said


def show(label, result):
    r2, n, said = result
    print(f"  {label}: R2 {r2:.3f}, {n} epochs, {said}")


def error_of(call):
    try:
        call()
    except Exception as exc:  # the message is what we show
        return f"{type(exc).__name__}: {exc}"
    return "no error"


def cases():
    print("1000 x 5 inputs, mean 200, sd 50, defaults (seeds 0-4)")
    for s in range(5):
        X, y = offset(s)
        r2, n, said = run(SigmoidMLPRegressor(random_state=s), X, y)
        r2s, ns, saids = run(make_pipeline(StandardScaler(),
                                           SigmoidMLPRegressor(random_state=s)), X, y)
        print(f"  seed {s}: raw R2 {r2:.3f} after {n} epochs {said}; "
              f"standardised R2 {r2s:.3f} after {ns} {saids}")
    X, y = deck()
    print("the deck's data with x * 1000")
    show("raw", run(SigmoidMLPRegressor(random_state=0), X * 1000, y))
    show("standardised", run(make_pipeline(
        StandardScaler(), SigmoidMLPRegressor(random_state=0)), X * 1000, y))
    print("the deck, standardised, learning_rate 1.0 and 0.3 (the default)")
    for lr in (1.0, 0.3):
        show(f"lr={lr}", run(make_pipeline(
            StandardScaler(), SigmoidMLPRegressor(learning_rate=lr, random_state=0)),
            X, y))
    print("the deck at the defaults (the example's setting)")
    show("defaults", run(SigmoidMLPRegressor(random_state=0), X, y))
    print("learning_rate='adaptive'")
    print("  " + error_of(lambda: SigmoidMLPRegressor(learning_rate="adaptive")
                          .fit(X, y)))
    print("a string column")
    frame = pd.DataFrame({"x": X[:20, 0], "city": ["Oslo", "Bern"] * 10})
    print("  " + error_of(lambda: SigmoidMLPRegressor().fit(frame, y[:20])))


def defaults():
    warnings.simplefilter("ignore")
    for patience in (SigmoidMLPRegressor().n_iter_no_change, 100):
        X, y = deck()
        est = SigmoidMLPRegressor(random_state=0, n_iter_no_change=patience).fit(X, y)
        raw = [SigmoidMLPRegressor(random_state=s, n_iter_no_change=patience)
               .fit(*offset(s)).score(*offset(s)) for s in range(5)]
        big = SigmoidMLPRegressor(random_state=0,
                                  n_iter_no_change=patience).fit(X * 1000, y)
        print(f"n_iter_no_change={patience}: deck R2 {est.score(X, y):.3f} "
              f"({est.n_iter_} epochs); 1000x5 raw R2 {np.round(raw, 3)}; "
              f"deck x1000 R2 {big.score(X * 1000, y):.3f} ({big.n_iter_} epochs)")


if __name__ == "__main__":
    defaults() if "--defaults" in sys.argv else cases()
