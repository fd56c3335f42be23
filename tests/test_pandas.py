"""pandas input: feature names are kept and checked as scikit-learn does.

Every behaviour is compared with a scikit-learn regressor (``Ridge``) on the
same input, so "as scikit-learn does" is checked, not assumed.
"""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor

pd = pytest.importorskip("pandas")

COLUMNS = ["speed", "load", "temperature"]


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(n=80, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, len(COLUMNS)))
    y = np.sin(X[:, 0]) + 0.3 * X[:, 1] * X[:, 2]
    return X, y


def _model(**params):
    return SigmoidMLPRegressor(random_state=0, max_iter=150, learning_rate=0.2,
                               **params)


def _assert_same_weights(a, b):
    # A DataFrame converts to a Fortran-ordered array, so the matrix products
    # may round differently in the last bit; anything beyond that is a bug.
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_,
                      strict=True):
        assert_allclose(wa, wb, rtol=1e-10, atol=1e-13)


def _messages(record):
    return [str(w.message) for w in record]


def test_dataframe_X_keeps_feature_names_and_trains_as_numpy():
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    from_frame = _model().fit(frame, y)
    from_array = _model().fit(X, y)
    assert_array_equal(from_frame.feature_names_in_, COLUMNS)
    assert from_frame.feature_names_in_.dtype == object
    assert from_frame.n_features_in_ == 3
    assert not hasattr(from_array, "feature_names_in_")
    _assert_same_weights(from_frame, from_array)
    assert_allclose(from_frame.predict(frame), from_array.predict(X), rtol=1e-10)


def test_partial_fit_and_warm_start_keep_feature_names():
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    model = _model()
    model.partial_fit(frame.iloc[:40], y[:40])
    model.partial_fit(frame.iloc[40:], y[40:])
    assert_array_equal(model.feature_names_in_, COLUMNS)
    model.set_params(warm_start=True, max_iter=5).fit(frame, y)
    assert_array_equal(model.feature_names_in_, COLUMNS)


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.rename(columns={"speed": "velocity"}),
        lambda f: f[["load", "speed", "temperature"]],
    ],
    ids=["renamed", "reordered"],
)
@pytest.mark.parametrize("method", ["predict", "score", "partial_fit"])
def test_mismatched_column_names_fail_as_in_sklearn(change, method):
    """Renamed or reordered columns: the same ValueError as a sklearn estimator."""
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    ours, reference = _model().fit(frame, y), Ridge().fit(frame, y)
    bad = change(frame)
    # Ridge's predict checks the names as every method of a fitted estimator
    # must (our partial_fit included), so its message is the reference.
    with pytest.raises(ValueError) as ref_info:
        reference.predict(bad)
    args = (bad,) if method == "predict" else (bad, y)
    with pytest.raises(ValueError, match=re.escape(str(ref_info.value))):
        getattr(ours, method)(*args)


@pytest.mark.parametrize("method", ["predict", "score", "partial_fit"])
def test_array_after_dataframe_warns_as_in_sklearn(method):
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    ours, reference = _model().fit(frame, y), Ridge().fit(frame, y)
    args = (X,) if method == "predict" else (X, y)
    with pytest.warns(UserWarning) as ref_record:
        reference.predict(X)
    with pytest.warns(UserWarning) as our_record:
        getattr(ours, method)(*args)
    expected = [m.replace("Ridge", "SigmoidMLPRegressor")
                for m in _messages(ref_record)]
    assert set(expected) <= set(_messages(our_record))
    assert "X does not have valid feature names" in expected[0]


def test_dataframe_after_array_warns_as_in_sklearn():
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    ours, reference = _model().fit(X, y), Ridge().fit(X, y)
    with pytest.warns(UserWarning) as ref_record:
        reference.predict(frame)
    with pytest.warns(UserWarning) as our_record:
        ours.predict(frame)
    expected = [m.replace("Ridge", "SigmoidMLPRegressor")
                for m in _messages(ref_record)]
    assert set(expected) <= set(_messages(our_record))
    assert "X has feature names" in expected[0]


def test_matching_dataframe_does_not_warn():
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    model = _model().fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(frame)
        model.score(frame, y)
        model.partial_fit(frame, y)


def test_non_string_column_names_are_not_feature_names():
    X, y = _data()
    ours = _model().fit(pd.DataFrame(X), y)
    reference = Ridge().fit(pd.DataFrame(X), y)
    assert not hasattr(reference, "feature_names_in_")
    assert not hasattr(ours, "feature_names_in_")


def test_mixed_column_name_types_fail_as_in_sklearn():
    X, y = _data()
    frame = pd.DataFrame(X, columns=["speed", 1, "temperature"])
    with pytest.raises(TypeError) as ref_info:
        Ridge().fit(frame, y)
    with pytest.raises(TypeError, match=re.escape(str(ref_info.value))):
        _model().fit(frame, y)


@pytest.mark.parametrize(
    "make_y",
    [
        lambda y: pd.Series(y, name="target"),
        lambda y: pd.DataFrame({"target": y}),
        lambda y: pd.Series(y, index=np.arange(len(y))[::-1]),  # index ignored
        lambda y: pd.Series(y.astype(np.float32)),
        lambda y: pd.Series(y, dtype="Float64"),  # pandas nullable dtype
    ],
    ids=["series", "one-column-frame", "reversed-index", "float32", "Float64"],
)
def test_series_and_single_column_frame_y(make_y):
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    target = make_y(y)
    from_pandas = _model().fit(frame, target)
    y_values = np.asarray(target, dtype=np.float64).ravel()
    from_array = _model().fit(frame, y_values)
    assert from_pandas.n_outputs_ == 1
    pred = from_pandas.predict(frame)
    assert pred.shape == (len(y),)  # one output -> 1-D, as for a 1-D y
    _assert_same_weights(from_pandas, from_array)
    assert_allclose(from_pandas.score(frame, target),
                    from_array.score(frame, y_values), rtol=1e-12)
    # partial_fit takes the same targets
    partial_pandas = _model().partial_fit(frame, target)
    partial_array = _model().partial_fit(frame, y_values)
    _assert_same_weights(partial_pandas, partial_array)


def test_multi_column_frame_y_gives_multiple_outputs():
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    targets = pd.DataFrame({"a": y, "b": -y})
    model = _model().fit(frame, targets)
    assert model.n_outputs_ == 2
    assert model.predict(frame).shape == (len(y), 2)
    _assert_same_weights(model, _model().fit(X, np.column_stack([y, -y])))


def test_sample_weight_as_series():
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    w = np.linspace(0.5, 2.0, len(y))
    from_series = _model().fit(frame, y, sample_weight=pd.Series(w))
    from_array = _model().fit(X, y, sample_weight=w)
    _assert_same_weights(from_series, from_array)


def test_pandas_output_of_a_pipeline_reaches_the_estimator_with_names():
    """``set_output(transform='pandas')`` hands the network named columns."""
    X, y = _data()
    frame = pd.DataFrame(X, columns=COLUMNS)
    pipe = make_pipeline(
        ColumnTransformer(
            [("scaled", StandardScaler(), ["speed", "load"])],
            remainder="passthrough",
            verbose_feature_names_out=False,
        ),
        _model(),
    ).set_output(transform="pandas")
    pipe.fit(frame, pd.Series(y))
    net = pipe[-1]
    assert_array_equal(net.feature_names_in_, ["speed", "load", "temperature"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pipe.predict(frame).shape == (len(y),)
