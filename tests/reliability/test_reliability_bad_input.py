"""Table-driven bad-input suite: every bad input fails clearly, nothing is lost.

Each row of :data:`BAD_INPUTS` is one call that must raise ``ValueError``,
``TypeError`` or ``NotFittedError`` with a message that names the problem
(checked with a regex).  Every row that targets a fitted model also checks
that the model is unchanged by the failed call (all fitted attributes, bit for
bit).  :data:`VALID_EDGE_INPUTS` lists inputs that look odd but are valid and
must work.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import (
    ConvergenceWarning,
    NotFittedError,
    UndefinedMetricWarning,
)

from sigmoid_mlp import SigmoidMLPRegressor

from ._helpers import (
    HAS_SOLVER_PARAM,
    SOLVERS,
    assert_same_state,
    fitted_state,
    make_data,
    quiet_fit,
)

X, y = make_data(20, 3, seed=0)
X5, _ = make_data(20, 5, seed=1)
Y2 = np.column_stack([y, -y])
W_OK = [np.ones((3, 2)), np.ones((2, 1))]
B_OK = [np.zeros(2), np.zeros(1)]


def _with(array, index, value, dtype=float):
    out = np.array(array, dtype=dtype)
    out[index] = value
    return out


X_nan = _with(X, (4, 1), np.nan)
X_inf = _with(X, (0, 0), np.inf)
X_neginf = _with(X, (7, 2), -np.inf)
y_nan = _with(y, 3, np.nan)
y_inf = _with(y, 3, np.inf)
X_str = X.astype(str)
X_str[2, 1] = "abc"
X_obj = _with(X, (1, 1), "1.5x", dtype=object)
X_none = _with(X, (1, 1), None, dtype=object)
X_complex = X + 1j
y_complex = y + 0.5j
X_ragged = [list(row) for row in X]
X_ragged[3] = X_ragged[3][:2]
X_3d = X.reshape(20, 3, 1)
sw_neg = _with(np.ones(20), 5, -1.0)
sw_nan = _with(np.ones(20), 5, np.nan)
y_obj_none = _with(y, 2, None, dtype=object)


def fit(X, y, **kw):
    return lambda est: est.fit(X, y, **kw)


def partial_fit(X, y, **kw):
    return lambda est: est.partial_fit(X, y, **kw)


def predict(X):
    return lambda est: est.predict(X)


def score(X, y, **kw):
    return lambda est: est.score(X, y, **kw)


def set_params_then(method, **params):
    """``set_params(**params)`` (which never validates), then ``method(X, y)``."""

    def call(est):
        est.set_params(**params)
        getattr(est, method)(X, y)

    return call


def from_weights(coefs, intercepts, **params):
    return lambda est: SigmoidMLPRegressor.from_weights(coefs, intercepts, **params)


VE, TE, NF = ValueError, TypeError, NotFittedError
# (id, target model, call, exception(s), regex on the message)
# target: "unfitted" (fresh estimator), "fitted" (fit on X, y) or
# "fitted_df" (fit on a DataFrame with column names a, b, c).
BAD_INPUTS = [
    # --- non-finite values
    ("fit-X-nan", "fitted", fit(X_nan, y), VE, r"Input X contains NaN"),
    ("fit-X-inf", "fitted", fit(X_inf, y), VE, r"Input X contains infinity"),
    ("fit-y-nan", "fitted", fit(X, y_nan), VE, r"Input y contains NaN"),
    ("fit-y-inf", "fitted", fit(X, y_inf), VE, r"Input y contains infinity"),
    ("partial_fit-X-nan", "fitted", partial_fit(X_nan, y), VE, r"Input X contains NaN"),
    ("partial_fit-X--inf", "fitted", partial_fit(X_neginf, y), VE,
     r"Input X contains infinity"),
    ("partial_fit-y-nan", "fitted", partial_fit(X, y_nan), VE, r"Input y contains NaN"),
    ("partial_fit-y-inf", "fitted", partial_fit(X, y_inf), VE,
     r"Input y contains infinity"),
    ("predict-X-nan", "fitted", predict(X_nan), VE, r"Input X contains NaN"),
    ("score-X-inf", "fitted", score(X_inf, y), VE, r"Input X contains infinity"),
    ("score-y-nan", "fitted", score(X, y_nan), VE, r"contains NaN"),
    # --- empty / degenerate shapes
    ("fit-empty", "unfitted", fit(np.empty((0, 3)), np.empty(0)), VE,
     r"0 sample\(s\)"),
    ("partial_fit-empty", "fitted", partial_fit(np.empty((0, 3)), np.empty(0)), VE,
     r"0 sample\(s\)"),
    ("predict-empty", "fitted", predict(np.empty((0, 3))), VE, r"0 sample\(s\)"),
    ("fit-no-features", "unfitted", fit(np.empty((20, 0)), y), VE, r"0 feature\(s\)"),
    ("fit-X-1d", "unfitted", fit(X[:, 0], y), VE, r"Expected 2D array, got 1D"),
    ("predict-X-1d", "fitted", predict(X[0]), VE, r"Expected 2D array, got 1D"),
    ("fit-X-None", "unfitted", fit(None, y), VE, r"Expected 2D array"),
    ("fit-y-None", "unfitted", fit(X, None), VE, r"requires y to be passed"),
    # --- wrong number of features
    ("partial_fit-wrong-n_features", "fitted", partial_fit(X5, y), VE,
     r"X has 5 features, but SigmoidMLPRegressor is expecting 3 features"),
    ("predict-wrong-n_features", "fitted", predict(X5), VE,
     r"X has 5 features, but SigmoidMLPRegressor is expecting 3 features"),
    ("score-wrong-n_features", "fitted", score(X5, y), VE,
     r"X has 5 features, but SigmoidMLPRegressor is expecting 3 features"),
    ("partial_fit-wrong-feature-names", "fitted_df", "df-abd", VE,
     r"feature names should match"),
    ("partial_fit-wrong-n_outputs", "fitted", partial_fit(X, Y2), VE,
     r"y has 2 outputs but the network was fitted with 1"),
    # --- wrong kinds of values
    ("fit-X-strings", "unfitted", fit(X_str, y), VE,
     r"could not convert string to float: .*abc"),
    ("partial_fit-X-strings", "fitted", partial_fit(X_str, y), VE,
     r"could not convert string to float"),
    ("fit-X-object", "fitted", fit(X_obj, y), VE, r"could not convert string to float"),
    ("predict-X-object-None", "fitted", predict(X_none), VE, r"Input X contains NaN"),
    ("fit-y-strings", "unfitted", fit(X, np.array(["a"] * 20)), VE,
     r"could not convert string to float"),
    pytest.param(
        "fit-y-object-None", "fitted", fit(X, y_obj_none), VE,
        r"Input y contains NaN",
        id="fit-y-object-None",
    ),
    ("fit-X-complex", "unfitted", fit(X_complex, y), VE, r"Complex data not supported"),
    ("fit-y-complex", "unfitted", fit(X, y_complex), VE, r"Complex data not supported"),
    ("partial_fit-X-complex", "fitted", partial_fit(X_complex, y), VE,
     r"Complex data not supported"),
    ("predict-X-complex", "fitted", predict(X_complex), VE, r"Complex data not supported"),
    ("fit-X-ragged", "unfitted", fit(X_ragged, y), VE, r"inhomogeneous"),
    ("partial_fit-X-ragged", "fitted", partial_fit(X_ragged, y), VE, r"inhomogeneous"),
    ("fit-X-3d", "unfitted", fit(X_3d, y), VE, r"Found array with dim 3"),
    ("partial_fit-X-3d", "fitted", partial_fit(X_3d, y), VE, r"Found array with dim 3"),
    ("predict-X-3d", "fitted", predict(X_3d), VE, r"Found array with dim 3"),
    ("fit-y-3d", "unfitted", fit(X, y.reshape(20, 1, 1)), VE, r"dim 3"),
    pytest.param(
        "fit-y-sparse", "unfitted", fit(X, sp.csr_matrix(y.reshape(-1, 1))), (VE, TE),
        r"(?i)y.*sparse|sparse.*y",
        id="fit-y-sparse",
    ),
    # --- mismatched lengths
    ("fit-X-y-lengths", "unfitted", fit(X, y[:15]), VE,
     r"inconsistent numbers of samples: \[20, 15\]"),
    ("partial_fit-X-y-lengths", "fitted", partial_fit(X[:15], y), VE,
     r"inconsistent numbers of samples"),
    ("score-X-y-lengths", "fitted", score(X, y[:3]), VE, r"inconsistent numbers of samples"),
    # --- sample weights
    ("fit-sw-negative", "unfitted", fit(X, y, sample_weight=sw_neg), VE,
     r"sample_weight contains negative values"),
    ("partial_fit-sw-negative", "fitted", partial_fit(X, y, sample_weight=sw_neg), VE,
     r"sample_weight contains negative values"),
    ("fit-sw-all-zero", "fitted", fit(X, y, sample_weight=np.zeros(20)), VE,
     r"sample_weight sums to zero"),
    ("partial_fit-sw-all-zero", "fitted", partial_fit(X, y, sample_weight=np.zeros(20)),
     VE, r"sample_weight sums to zero"),
    ("fit-sw-wrong-length", "unfitted", fit(X, y, sample_weight=np.ones(5)), VE,
     r"sample_weight has 5 entries but X has 20 samples"),
    ("partial_fit-sw-wrong-length", "fitted", partial_fit(X, y, sample_weight=np.ones(21)),
     VE, r"sample_weight has 21 entries but X has 20 samples"),
    ("partial_fit-sw-nan", "fitted", partial_fit(X, y, sample_weight=sw_nan), VE,
     r"sample_weight contains NaN or infinity"),
    ("fit-sw-2d", "unfitted", fit(X, y, sample_weight=np.ones((20, 1))), VE,
     r"sample_weight must be 1-D"),
    ("fit-sw-strings", "unfitted", fit(X, y, sample_weight=["w"] * 20), VE,
     r"sample_weight must be an array of non-negative real numbers"),
    ("partial_fit-sw-complex", "fitted",
     partial_fit(X, y, sample_weight=np.ones(20) + 1j), VE,
     r"sample_weight must be an array of non-negative real numbers; got complex"),
    ("fit-sw-sparse", "unfitted",
     fit(X, y, sample_weight=sp.csr_matrix(np.ones((1, 20)))), TE,
     r"sample_weight must be a dense 1-D array, not a sparse matrix"),
    ("fit-sw-sum-overflows", "fitted", fit(X, y, sample_weight=np.full(20, 1e308)), VE,
     r"sample_weight is too large: its sum overflows float64"),
    ("partial_fit-sw-overflows-float32", "fitted32",
     partial_fit(X.astype(np.float32), y, sample_weight=np.full(20, 1e39)), VE,
     r"sample_weight is too large: its sum overflows float32"),
    ("score-sw-wrong-length", "fitted", score(X, y, sample_weight=np.ones(3)), VE,
     r"inconsistent numbers of samples|sample_weight"),
    # --- not fitted yet
    ("predict-unfitted", "unfitted", predict(X), NF, r"not fitted yet"),
    ("score-unfitted", "unfitted", score(X, y), NF, r"not fitted yet"),
    ("loss_gradient-unfitted", "unfitted", lambda est: est.loss_gradient(X, y), NF,
     r"not fitted yet"),
    # --- hyperparameters (set_params never validates; fit / partial_fit do)
    *[
        (f"set_params-{name}={value!r}-then-{method}", target,
         set_params_then(method, **{name: value}), exc, rf"^{name} must be")
        for name, value, exc in [
            ("hidden_layer_sizes", 0, VE),
            ("hidden_layer_sizes", -3, VE),
            ("hidden_layer_sizes", (), VE),
            ("hidden_layer_sizes", (3, 0), VE),
            ("hidden_layer_sizes", (2.5,), VE),
            ("hidden_layer_sizes", "3", VE),
            ("hidden_layer_sizes", None, VE),
            ("hidden_layer_sizes", True, VE),
            ("learning_rate", 0.0, VE),
            ("learning_rate", -0.1, VE),
            ("learning_rate", np.nan, VE),
            ("learning_rate", np.inf, VE),
            ("learning_rate", "0.1", TE),
            ("learning_rate", None, TE),
            ("max_iter", 0, VE),
            ("max_iter", -5, VE),
            ("max_iter", 2.5, TE),
            ("max_iter", "100", TE),
            ("max_iter", True, TE),
            ("tol", -1e-3, VE),
            ("tol", np.nan, VE),
            ("tol", "1e-4", TE),
            ("n_iter_no_change", 0, VE),
            ("n_iter_no_change", 1.5, TE),
            ("alpha", -1.0, VE),
            ("alpha", np.inf, VE),
            ("alpha", [0.1], TE),
            ("warm_start", "yes", TE),
            ("warm_start", None, TE),
            ("verbose", "loud", TE),
        ]
        for method, target in [("fit", "fitted"), ("partial_fit", "fitted")]
    ],
    # training-control parameters (issue 3): tested as soon as they exist, each
    # with the solver that uses it
    *[
        (f"set_params-solver={solver}-{name}={value!r}-then-fit", "fitted",
         set_params_then("fit", solver=solver, **{name: value}), (VE, TE), name)
        for solver, name, value in [
            ("sgd", "batch_size", 0),
            ("sgd", "momentum", -0.5),
            ("sgd", "momentum", 2.0),
            ("sgd", "nesterovs_momentum", "maybe"),
            ("sgd", "shuffle", "maybe"),
            ("sgd", "power_t", -1.0),
            ("sgd", "learning_rate_schedule", "bogus"),
            ("adam", "beta_1", 1.5),
            ("adam", "beta_2", -0.1),
            ("adam", "epsilon", -1.0),
            ("lbfgs", "max_fun", 0),
            ("lm", "max_fun", 0),
            ("gd", "early_stopping", "maybe"),
            ("gd", "validation_fraction", 1.5),
        ]
        if HAS_SOLVER_PARAM and solver in SOLVERS
        and name in SigmoidMLPRegressor().get_params()
    ],
    *[
        ("set_params-solver=newton-then-fit", "fitted",
         set_params_then("fit", solver="newton"), (VE, TE), r"solver.*newton")
    ][: int(HAS_SOLVER_PARAM)],
    ("set_params-random_state-then-fit", "fitted",
     set_params_then("fit", random_state="seed"), VE, r"cannot be used to seed"),
    ("set_params-unknown", "fitted", lambda est: est.set_params(learning_rat=0.1), VE,
     r"Invalid parameter 'learning_rat'"),
    ("set_params-hidden-then-partial_fit", "fitted",
     set_params_then("partial_fit", hidden_layer_sizes=(4,)), VE,
     r"hidden_layer_sizes is \(4,\) but the fitted network has hidden layers \(3,\)"),
    ("set_params-hidden-warm_start-then-fit", "fitted",
     set_params_then("fit", hidden_layer_sizes=(2, 2), warm_start=True), VE,
     r"hidden_layer_sizes is \(2, 2\) but the fitted network"),
    ("warm_start-fit-wrong-n_outputs", "fitted",
     lambda est: est.set_params(warm_start=True).fit(X, Y2), VE,
     r"y has 2 outputs but the network was fitted with 1"),
    # --- from_weights
    ("from_weights-arrays-not-lists", None,
     from_weights(np.ones((2, 3, 1)), np.ones((2, 1))), TE, r"must be lists of arrays"),
    ("from_weights-None", None, from_weights(None, None), TE,
     r"must be lists of arrays.*NoneType"),
    ("from_weights-one-layer", None, from_weights([np.ones((3, 1))], [np.ones(1)]), VE,
     r"at least two layers"),
    ("from_weights-count-mismatch", None, from_weights(W_OK, B_OK[:1]), VE,
     r"Got 2 coefficient matrices and 1 intercept vectors"),
    ("from_weights-coef-1d", None, from_weights([np.ones(3), np.ones((3, 1))], B_OK), VE,
     r"coefs\[0\] must be a non-empty 2-D array.*got shape \(3,\)"),
    ("from_weights-coef-3d", None,
     from_weights([np.ones((3, 2, 1)), np.ones((2, 1))], B_OK), VE,
     r"coefs\[0\] must be a non-empty 2-D array.*got shape \(3, 2, 1\)"),
    ("from_weights-coef-empty", None,
     from_weights([np.ones((3, 0)), np.ones((0, 1))], [np.ones(0), np.ones(1)]), VE,
     r"coefs\[0\] must be a non-empty 2-D array"),
    ("from_weights-intercept-shape", None,
     from_weights(W_OK, [np.zeros(3), np.zeros(1)]), VE,
     r"intercepts\[0\] must have shape \(2,\).*got shape \(3,\)"),
    ("from_weights-intercept-2d", None,
     from_weights(W_OK, [np.zeros((2, 1)), np.zeros(1)]), VE,
     r"intercepts\[0\] must have shape \(2,\)"),
    ("from_weights-layers-do-not-chain", None,
     from_weights([np.ones((3, 2)), np.ones((4, 1))], B_OK), VE,
     r"coefs\[1\] has 4 rows but layer 0 has 2 units"),
    ("from_weights-nan", None, from_weights([_with(W_OK[0], (0, 0), np.nan), W_OK[1]], B_OK),
     VE, r"layer 0 contain NaN or infinity"),
    ("from_weights-inf", None, from_weights(W_OK, [B_OK[0], np.array([np.inf])]), VE,
     r"layer 1 contain NaN or infinity"),
    ("from_weights-complex", None, from_weights([W_OK[0] + 1j, W_OK[1]], B_OK), TE,
     r"Weights must be real numbers"),
    ("from_weights-strings", None, from_weights([W_OK[0].astype(str), W_OK[1]], B_OK), TE,
     r"Weights must be real numbers"),
    ("from_weights-ragged", None, from_weights([[[1.0, 2.0], [3.0]], W_OK[1]], B_OK), VE,
     r"inhomogeneous"),
    ("from_weights-hidden-mismatch", None,
     from_weights(W_OK, B_OK, hidden_layer_sizes=(3,)), VE,
     r"hidden_layer_sizes=\(3,\) does not match the weights.*\(2,\)"),
    ("from_weights-bad-learning_rate", None, from_weights(W_OK, B_OK, learning_rate=-1),
     VE, r"learning_rate must be finite and > 0"),
    ("from_weights-unknown-param", None, from_weights(W_OK, B_OK, learnin_rate=0.1), TE,
     r"unexpected keyword argument 'learnin_rate'"),
    ("from_weights-then-predict-wrong-n_features", "from_weights", predict(X5), VE,
     r"X has 5 features, but SigmoidMLPRegressor is expecting 3 features"),
]


def _unwrap(case):
    if hasattr(case, "values"):  # a pytest.param
        return case.values
    return case


def _build(target):
    if target is None:
        return None
    est = SigmoidMLPRegressor(max_iter=30, random_state=0)
    if target == "unfitted":
        return est
    if target == "fitted":
        return quiet_fit(est, X, y)
    if target == "fitted32":
        return quiet_fit(est, X.astype(np.float32), y)
    if target == "fitted_df":
        pd = pytest.importorskip("pandas")
        return quiet_fit(est, pd.DataFrame(X, columns=list("abc")), y)
    if target == "from_weights":
        return SigmoidMLPRegressor.from_weights(W_OK, B_OK)
    raise AssertionError(target)


def _call(action):
    if action == "df-abd":
        pd = pytest.importorskip("pandas")
        return lambda est: est.partial_fit(pd.DataFrame(X, columns=list("abd")), y)
    return action


def _params(cases):
    out = []
    for case in cases:
        if hasattr(case, "values"):
            out.append(case)
        else:
            out.append(pytest.param(*case, id=case[0]))
    return out


def test_table_has_at_least_30_cases_over_every_entry_point():
    ids = [_unwrap(c)[0] for c in BAD_INPUTS]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert len(ids) >= 30
    for entry in ("fit", "partial_fit", "predict", "score", "from_weights", "set_params"):
        assert any(i.startswith(entry) for i in ids), entry


@pytest.mark.parametrize(("case_id", "target", "action", "exc", "match"),
                         _params(BAD_INPUTS))
def test_bad_input_raises_clear_error(case_id, target, action, exc, match):
    est = _build(target)
    with warnings.catch_warnings():
        # a bad input must fail by the error, not run a fit that only warns
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(exc) as info:
            _call(action)(est)
    assert re.search(match, str(info.value)), (
        f"{case_id}: message {str(info.value)!r} does not match {match!r}"
    )


FITTED_CASES = [pytest.param(*c.values, id=c.values[0]) for c in _params(BAD_INPUTS)
                if c.values[1] in ("fitted", "fitted32", "fitted_df", "from_weights")]


@pytest.mark.parametrize(("case_id", "target", "action", "exc", "match"), FITTED_CASES)
def test_bad_input_leaves_fitted_model_unchanged(case_id, target, action, exc, match):
    """After the failed call every fitted attribute is bit for bit as before."""
    est = _build(target)
    before = fitted_state(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # feature-name notices
        pred_before = est.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(exc):
            _call(action)(est)
    assert_same_state(before, fitted_state(est))
    # and it still predicts exactly as before
    est.set_params(**SigmoidMLPRegressor(max_iter=30, random_state=0).get_params())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        np.testing.assert_array_equal(est.predict(X), pred_before, strict=True)


# ----------------------------------------------------- odd but valid inputs
SPARSE_FORMATS = ["csr", "csc", "coo", "lil", "dok", "bsr", "dia"]


def _valid_cases():
    rng = np.random.RandomState(3)
    X1 = rng.uniform(-1, 1, (15, 1))
    return [
        ("one-feature", X1, np.sin(3 * X1).ravel()),
        ("one-sample", X[:1], y[:1]),
        ("two-samples", X[:2], y[:2]),
        ("int-X", np.round(X * 5).astype(np.int64), y),
        ("bool-X", X > 0, y),
        ("float16-X", X.astype(np.float16), y),
        ("list-of-lists", X.tolist(), y.tolist()),
        ("y-2d-one-column", X, y.reshape(-1, 1)),
        ("several-outputs", X, Y2),
        ("constant-y", X, np.full(20, 3.0)),
        ("constant-X", np.ones((20, 3)), y),
        ("tiny-positive-sw", X, y, np.full(20, 1e-300)),
        ("integer-sw", X, y, np.arange(20) % 3),
        ("scalar-sw", X, y, 2.0),
    ]


@pytest.mark.parametrize("case", _valid_cases(), ids=lambda c: c[0])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_odd_but_valid_inputs_work(case, method):
    name, Xc, yc, *sw = case
    sample_weight = sw[0] if sw else None
    est = SigmoidMLPRegressor(max_iter=50, learning_rate=0.1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        getattr(est, method)(Xc, yc, sample_weight=sample_weight)
        # a second call continues (partial_fit) or refits (fit)
        getattr(est, method)(Xc, yc, sample_weight=sample_weight)
    pred = est.predict(Xc)
    n = np.asarray(Xc).shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # R² of 1 sample
        r2 = est.score(Xc, yc)
    expected_shape = (n, 2) if np.ndim(yc) == 2 and np.shape(yc)[1] == 2 else (n,)
    assert pred.shape == expected_shape
    assert np.isfinite(pred).all()
    assert all(np.isfinite(w).all() for w in [*est.coefs_, *est.intercepts_])
    # R² is undefined (nan) for one sample and -inf-prone for a constant y
    assert np.isfinite(r2) or n == 1 or name == "constant-y"


@pytest.mark.parametrize("fmt", SPARSE_FORMATS)
def test_every_scipy_sparse_format_is_accepted_and_equals_dense(fmt):
    """CSR and CSC are used as they are; other formats are converted (to CSR).

    Nothing sparse is rejected, so the bad-input table has no "unsupported
    sparse format" row; instead every format must give the dense result.
    """
    Xs = sp.random(20, 3, density=0.5, format="csr", random_state=0).asformat(fmt)
    Xd = Xs.toarray()
    dense = quiet_fit(SigmoidMLPRegressor(max_iter=20, random_state=0), Xd, y)
    sparse = quiet_fit(SigmoidMLPRegressor(max_iter=20, random_state=0), Xs, y)
    for a, b in zip(sparse.coefs_, dense.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sparse.predict(Xs), dense.predict(Xd), rtol=1e-12)
    sparse.partial_fit(Xs, y)
    assert np.isfinite(sparse.score(Xs, y))
