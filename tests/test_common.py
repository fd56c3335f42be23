"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sigmoid_mlp import SigmoidMLPRegressor

ESTIMATORS = [
    SigmoidMLPRegressor(),
    SigmoidMLPRegressor(hidden_layer_sizes=(5, 4), learning_rate=0.1),
    SigmoidMLPRegressor(alpha=1e-3, learning_rate=0.1),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
