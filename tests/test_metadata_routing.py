"""Metadata routing: sample weights reach the network through meta-estimators.

With ``enable_metadata_routing=True`` and ``set_fit_request(sample_weight=True)``
the weights given to ``Pipeline.fit``, ``cross_validate`` and
``GridSearchCV.fit`` must arrive at ``SigmoidMLPRegressor.fit`` unchanged: every
model trained inside them is compared with a direct, weighted fit on the same
rows, and with an unweighted one to show the weights matter.
"""

import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, UnsetMetadataPassedError
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

PARAMS = {"random_state": 0, "max_iter": 200, "learning_rate": 0.2}
CV = KFold(n_splits=3, shuffle=True, random_state=0)


@pytest.fixture(autouse=True)
def _routing_enabled():
    """Routing on for the test only; config_context restores the old setting."""
    with sklearn.config_context(enable_metadata_routing=True), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(90, 2))
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] + 0.1 * rng.randn(90)
    # strongly uneven weights, so a weighted fit differs clearly
    w = np.where(X[:, 0] > 0, 5.0, 0.2) * rng.uniform(0.5, 1.5, size=90)
    return X, y, w


def _routed(score_weights=False, **params):
    return (
        SigmoidMLPRegressor(**{**PARAMS, **params})
        .set_fit_request(sample_weight=True)
        .set_score_request(sample_weight=score_weights)
    )


def _assert_same_weights(a, b):
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_,
                      strict=True):
        assert_array_equal(wa, wb)


def _assert_weights_differ(a, b):
    diff = max(np.abs(wa - wb).max()
               for wa, wb in zip(a.coefs_ + a.intercepts_,
                                 b.coefs_ + b.intercepts_, strict=True))
    assert diff > 1e-3


@pytest.mark.parametrize("scaler_uses_weights", [False, True])
def test_pipeline_routes_sample_weight(data, scaler_uses_weights):
    X, y, w = data
    pipe = make_pipeline(
        StandardScaler().set_fit_request(sample_weight=scaler_uses_weights),
        _routed(),
    ).fit(X, y, sample_weight=w)

    scaler = StandardScaler().fit(
        X, sample_weight=w if scaler_uses_weights else None
    )
    direct = SigmoidMLPRegressor(**PARAMS).fit(scaler.transform(X), y,
                                               sample_weight=w)
    _assert_same_weights(pipe[-1], direct)
    assert_array_equal(pipe.predict(X), direct.predict(scaler.transform(X)))

    unweighted = SigmoidMLPRegressor(**PARAMS).fit(scaler.transform(X), y)
    _assert_weights_differ(pipe[-1], unweighted)


@pytest.mark.parametrize("score_weights", [False, True])
def test_cross_validate_routes_sample_weight(data, score_weights):
    X, y, w = data
    result = cross_validate(
        _routed(score_weights=score_weights), X, y,
        params={"sample_weight": w}, cv=CV, return_estimator=True,
    )
    for (train, test), fitted, score in zip(
        CV.split(X), result["estimator"], result["test_score"], strict=True
    ):
        direct = SigmoidMLPRegressor(**PARAMS).fit(X[train], y[train],
                                                   sample_weight=w[train])
        _assert_same_weights(fitted, direct)
        _assert_weights_differ(
            fitted, SigmoidMLPRegressor(**PARAMS).fit(X[train], y[train])
        )
        expected = r2_score(y[test], direct.predict(X[test]),
                            sample_weight=w[test] if score_weights else None)
        assert score == expected


def test_grid_search_routes_sample_weight(data):
    X, y, w = data
    grid = {"learning_rate": [0.05, 0.2, 0.5]}
    search = GridSearchCV(_routed(score_weights=True), grid, cv=CV)
    search.fit(X, y, sample_weight=w)

    for i, params in enumerate(search.cv_results_["params"]):
        for k, (train, test) in enumerate(CV.split(X)):
            direct = SigmoidMLPRegressor(**{**PARAMS, **params}).fit(
                X[train], y[train], sample_weight=w[train]
            )
            expected = r2_score(y[test], direct.predict(X[test]),
                                sample_weight=w[test])
            assert search.cv_results_[f"split{k}_test_score"][i] == expected

    best = SigmoidMLPRegressor(**{**PARAMS, **search.best_params_}).fit(
        X, y, sample_weight=w
    )
    _assert_same_weights(search.best_estimator_, best)

    unweighted = GridSearchCV(SigmoidMLPRegressor(**PARAMS), grid, cv=CV).fit(X, y)
    assert not np.array_equal(unweighted.cv_results_["mean_test_score"],
                              search.cv_results_["mean_test_score"])


def test_fit_request_false_keeps_the_weights_from_the_network(data):
    """Weights requested by the scaler only: the network trains unweighted."""
    X, y, w = data
    pipe = make_pipeline(
        StandardScaler().set_fit_request(sample_weight=True),
        SigmoidMLPRegressor(**PARAMS).set_fit_request(sample_weight=False),
    ).fit(X, y, sample_weight=w)
    Xt = StandardScaler().fit(X, sample_weight=w).transform(X)
    _assert_same_weights(pipe[-1], SigmoidMLPRegressor(**PARAMS).fit(Xt, y))
    _assert_weights_differ(
        pipe[-1], SigmoidMLPRegressor(**PARAMS).fit(Xt, y, sample_weight=w)
    )


def test_unrequested_weights_are_not_dropped_silently(data):
    X, y, w = data
    with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
        cross_validate(SigmoidMLPRegressor(**PARAMS), X, y,
                       params={"sample_weight": w}, cv=CV)
    with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
        make_pipeline(StandardScaler(), _routed()).fit(X, y, sample_weight=w)

