"""scikit-learn's estimator checks, with no expected failures.

The default estimator, two other architectures, every solver, and the
small-data options (``alpha='auto'``, ``normalize_y``, ``n_init``).  The
per-solver estimators use a small ``max_iter`` (the checks fit many times),
large enough for ``check_regressors_train``'s R^2 > 0.5.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sigmoid_mlp import SigmoidMLPRegressor

ESTIMATORS = [
    SigmoidMLPRegressor(),
    SigmoidMLPRegressor(hidden_layer_sizes=(5, 4), learning_rate=0.1),
    SigmoidMLPRegressor(alpha=1e-3, learning_rate=0.1),
    SigmoidMLPRegressor(solver="sgd", learning_rate=0.1, max_iter=200),
    SigmoidMLPRegressor(solver="adam", learning_rate=0.02, max_iter=200),
    SigmoidMLPRegressor(solver="lbfgs", max_iter=100),
    SigmoidMLPRegressor(solver="lm", max_iter=50),
    SigmoidMLPRegressor(solver="lm", alpha="auto", max_iter=50),
    SigmoidMLPRegressor(solver="lm", alpha=1e-2, penalize_intercepts=True, max_iter=50),
    SigmoidMLPRegressor(solver="lm", alpha="auto", normalize_y=True, n_init=2,
                        max_iter=50),
    SigmoidMLPRegressor(solver="lbfgs", normalize_y=True, n_init=2, max_iter=100),
    SigmoidMLPRegressor(normalize_y=True, learning_rate=0.1),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
