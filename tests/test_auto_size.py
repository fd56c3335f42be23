"""hidden_layer_sizes='auto': the hidden size chosen by the log evidence."""

import copy
import math
import warnings

import numpy as np
import pytest
import test_common as common
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from sigmoid_mlp import (
    PoorFitWarning,
    SigmoidMLPRegressor,
    _fitting,
    _regressor,
    _sizes,
)
from sigmoid_mlp.persistence import dump, load


@pytest.fixture(autouse=True)
def one_blas_thread():
    # 'lm' solves small dense systems: on a loaded machine a threaded BLAS
    # only adds contention (the numbers do not depend on it)
    with threadpool_limits(limits=1):
        yield


def _auto(**params):
    params = {"hidden_layer_sizes": "auto", "solver": "lm", "alpha": "auto",
              "normalize_y": True, "random_state": 0, **params}
    return SigmoidMLPRegressor(**params)


def _wavy(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    y = np.sin(2 * X[:, 0]) + 0.3 * X[:, 1] + 0.1 * rng.randn(n)
    return X, y


def _symmetries(h):
    """Count the weight vectors of one network of h units: h! permutations
    times 2^h sign flips, as an integer, then its log."""
    return math.log(math.factorial(h) * 2**h)


def _determined(est, z=2.0):
    """The oracle of the count: hidden units whose outgoing weight (divided
    by the target's scale under normalize_y) is more than z posterior
    standard deviations from 0, the covariance written out as F F^T and its
    diagonal read at the flat order's coefs_[1] block (after coefs_[0])."""
    cov = est._posterior_factor @ est._posterior_factor.T
    n_in, h = est.coefs_[0].shape
    sd = np.sqrt(np.diag(cov)[n_in * h: n_in * h + h])
    v = est.coefs_[1][:, 0] / est._y_scaling[1][0]
    return int(np.sum(np.abs(v) > z * sd))


# ---------------------------------------------------------- the symmetry term
@pytest.mark.parametrize("h", [1, 2, 3, 5, 8, 12, 30])
def test_symmetry_term_is_log_of_h_factorial_times_two_to_the_h(h):
    # lgamma and a sum of logs against the exact integer count: agreement to
    # a few ulps of values up to ~110
    assert_allclose(_sizes.symmetry_log_factor(h), _symmetries(h),
                    rtol=1e-13, atol=0)


def test_each_size_evidence_is_its_direct_fits_plus_the_symmetry_term():
    X, y = _wavy()
    est = _auto().fit(X, y)
    assert est.evidence_by_size_  # at least one size was fitted
    for h, total in est.evidence_by_size_.items():
        direct = _auto(hidden_layer_sizes=(h,)).fit(X, y)
        # the same fit, so the same float plus an exactly computed constant
        k = _determined(direct)
        assert 0 <= k <= h
        assert_allclose(total, direct.log_evidence_ + _symmetries(k),
                        rtol=0, atol=1e-9)


def _hand_made(out, sd_out, scale=None):
    """A stand-in fit of 2 inputs -> len(out) units -> out.shape[1] outputs
    whose posterior is diagonal: sd 1 everywhere but sd_out on coefs_[1]."""
    out = np.asarray(out, dtype=float)
    h, n_out = out.shape
    est = _Est()
    est.coefs_ = [np.ones((2, h)), out]
    n = 2 * h + h * n_out + h + n_out
    sd = np.ones(n)
    sd[2 * h: 2 * h + h * n_out] = np.asarray(sd_out, dtype=float).ravel()
    est._posterior_factor = np.diag(sd)
    if scale is not None:
        est._y_scaling = (np.zeros(n_out), np.asarray(scale, dtype=float))
    return est


@pytest.mark.parametrize("out, sd_out, scale, expected", [
    # |v| / sd = 5, 0.1, 3: the middle unit is within reach of 0
    ([[5.0], [0.1], [-3.0]], [[1.0], [1.0], [1.0]], None, 2),
    # exactly 2 sd is not more than 2 sd
    ([[2.0], [-2.0]], [[1.0], [1.0]], None, 0),
    # the same ratios, with the weights on the user's scale (y scale 10)
    ([[50.0], [1.0], [-30.0]], [[1.0], [1.0], [1.0]], [10.0], 2),
    # the sd is per weight: a large weight with a larger sd does not count
    ([[5.0], [5.0]], [[1.0], [4.0]], None, 1),
    # two outputs: a unit counts when either of its outgoing weights does
    ([[0.1, 3.0], [0.1, 0.1], [-2.5, 0.0]], [[1.0, 1.0]] * 3, [1.0, 1.0], 2),
    # the second output's scale 10 brings 3.0 down to 0.3
    ([[0.1, 3.0], [0.1, 0.1], [-2.5, 0.0]], [[1.0, 1.0]] * 3, [1.0, 10.0], 1),
])
def test_determined_units_counts_weights_set_apart_from_zero(out, sd_out, scale,
                                                             expected):
    assert _sizes.DETERMINED_Z == 2.0
    assert _sizes.determined_units(_hand_made(out, sd_out, scale)) == expected


def test_without_a_posterior_every_unit_counts():
    est = _hand_made([[0.0], [0.0], [0.0]], [[1.0]] * 3)
    est._posterior_factor = None
    assert _sizes.determined_units(est) == 3


def test_a_real_fit_counts_as_the_covariance_written_out():
    X, y = _wavy()
    for h in (2, 8):
        est = _auto(hidden_layer_sizes=(h,)).fit(X, y)
        assert _sizes.determined_units(est) == _determined(est)


# --------------------------------------------------------- the choice itself
def test_chosen_size_is_the_argmax_and_the_model_is_that_sizes_fit():
    X, y = _wavy()
    est = _auto().fit(X, y)
    scores = est.evidence_by_size_
    best = max(scores, key=scores.get)
    assert est.hidden_layer_sizes_ == (best,)
    assert isinstance(est.hidden_layer_sizes_, tuple)
    assert est.coefs_[0].shape == (2, best)
    assert est.get_params()["hidden_layer_sizes"] == "auto"
    assert clone(est).get_params()["hidden_layer_sizes"] == "auto"
    # the kept model is exactly a direct fit of that size with the same seed
    direct = _auto(hidden_layer_sizes=(best,)).fit(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_,
                    direct.coefs_ + direct.intercepts_):
        assert_array_equal(a, b)
    for name in ("log_evidence_", "alpha_", "noise_variance_",
                 "effective_n_params_", "n_iter_", "loss_"):
        assert getattr(est, name) == getattr(direct, name), name
    assert_array_equal(est.predict(X), direct.predict(X))
    assert_array_equal(est.predict(X, return_std=True)[1],
                       direct.predict(X, return_std=True)[1])


def test_n_init_applies_per_candidate_size():
    X, y = _wavy(n=40, seed=1)
    est = _auto(n_init=2).fit(X, y)
    for h, total in est.evidence_by_size_.items():
        direct = _auto(hidden_layer_sizes=(h,), n_init=2).fit(X, y)
        assert_allclose(total, direct.log_evidence_ + _symmetries(_determined(direct)),
                        rtol=0, atol=1e-9)
    h = est.hidden_layer_sizes_[0]
    direct = _auto(hidden_layer_sizes=(h,), n_init=2).fit(X, y)
    assert_array_equal(est.coefs_[0], direct.coefs_[0])


# ------------------------------------------------------ the early-stop rule
class _Fake:
    """Stands in for the estimator: fit_size records the size and leaves a
    prescribed log evidence (before the symmetry term) on it."""

    def __init__(self, raw, fail_at=None):
        self.raw, self.fail_at, self.tried = raw, fail_at, []

    def fit_size(self, est):
        def fit(hidden):
            (h,) = hidden
            self.tried.append(h)
            if h == self.fail_at:
                raise RuntimeError("boom")
            warnings.warn(f"fit of size {h}", UserWarning, stacklevel=2)
            est.log_evidence_ = self.raw[h]
            est.coefs_ = [np.zeros((1, h)), np.zeros((h, 1))]
        return fit


class _Est:
    pass


def _expected_rule(sizes, totals, patience):
    """The rule, written out: walk the sizes, stop after `patience` sizes in
    a row that do not exceed the best so far."""
    tried, best, misses = [], -math.inf, 0
    for h in sizes:
        tried.append(h)
        if totals[h] > best:
            best, misses = totals[h], 0
        else:
            misses += 1
            if misses == patience:
                break
    return tried


@pytest.mark.parametrize("totals, tried", [
    # 3 and 4 do not beat 2: stop; 5, however good, is never fitted
    ({1: 0.0, 2: 1.0, 3: 0.5, 4: 0.7, 5: 9.0, 6: 0.0}, [1, 2, 3, 4]),
    # one miss (3), then a gain (4) resets the count; 5 and 6 miss: stop
    ({1: 0.0, 2: 1.0, 3: 0.5, 4: 2.0, 5: 1.9, 6: 1.0}, [1, 2, 3, 4, 5, 6]),
    # a tie is not a gain
    ({1: 1.0, 2: 1.0, 3: 1.0, 4: 5.0, 5: 0.0, 6: 0.0}, [1, 2, 3]),
    # always gaining: every candidate
    ({h: float(h) for h in range(1, 7)}, [1, 2, 3, 4, 5, 6]),
])
def test_the_search_stops_after_two_sizes_that_do_not_gain(monkeypatch,
                                                           totals, tried):
    sizes = (1, 2, 3, 4, 5, 6)
    monkeypatch.setattr(_sizes, "CANDIDATE_SIZES", sizes)
    assert _sizes.PATIENCE == 2
    assert _expected_rule(sizes, totals, 2) == tried  # the table is right
    raw = {h: t - _symmetries(h) for h, t in totals.items()}
    fake, est = _Fake(raw), _Est()
    with pytest.warns(UserWarning) as record:
        _sizes.search_sizes(est, fake.fit_size(est), _sizes.CANDIDATE_SIZES)
    assert fake.tried == tried
    assert list(est.evidence_by_size_) == tried
    assert_allclose([est.evidence_by_size_[h] for h in tried],
                    [totals[h] for h in tried], rtol=0, atol=1e-12)
    best = max(tried, key=lambda h: (totals[h], -h))  # first of equals
    assert est.hidden_layer_sizes_ == (best,)
    assert est.log_evidence_ == raw[best]
    # only the kept fit's warnings reach the user
    assert [str(w.message) for w in record] == [f"fit of size {best}"]


def test_a_nan_evidence_never_wins(monkeypatch):
    monkeypatch.setattr(_sizes, "CANDIDATE_SIZES", (1, 2, 3))
    fake, est = _Fake({1: np.nan, 2: -50.0, 3: np.nan}), _Est()
    with pytest.warns(UserWarning):
        _sizes.search_sizes(est, fake.fit_size(est), _sizes.CANDIDATE_SIZES)
    assert est.hidden_layer_sizes_ == (2,)
    assert est.evidence_by_size_[1] == -math.inf


def test_a_failing_candidate_leaves_the_estimator_as_it_was(monkeypatch):
    monkeypatch.setattr(_sizes, "CANDIDATE_SIZES", (1, 2, 3))
    fake, est = _Fake({1: 0.0, 2: 1.0, 3: 2.0}, fail_at=3), _Est()
    est.before = "kept"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="boom"):
            _sizes.search_sizes(est, fake.fit_size(est), _sizes.CANDIDATE_SIZES)
    assert vars(est) == {"before": "kept"}


def test_the_real_search_follows_the_rule(monkeypatch):
    # the candidate list patched; the expected prefix computed from direct fits
    sizes = (1, 2, 3, 4, 6)
    monkeypatch.setattr(_sizes, "CANDIDATE_SIZES", sizes)
    X, y = _wavy(n=50, seed=2)
    fits = {h: _auto(hidden_layer_sizes=(h,)).fit(X, y) for h in sizes}
    totals = {h: fit.log_evidence_ + _symmetries(_determined(fit))
              for h, fit in fits.items()}
    est = _auto().fit(X, y)
    assert list(est.evidence_by_size_) == _expected_rule(sizes, totals, 2)


# ------------------------------------------------------------ what it picks
def _friedman(n=200, seed=0):
    X, y = make_friedman1(n_samples=n, noise=1.0, random_state=seed)
    return StandardScaler().fit_transform(X), y


def test_friedman1_needs_more_than_three_units():
    X, y = _friedman()
    est = _auto().fit(X, y)
    assert est.hidden_layer_sizes_[0] > 3
    # and the evidence says so by a margin, not by a rounding error: the
    # best larger size beats 2 and 3 units by more than 10 nats
    small = max(est.evidence_by_size_[h] for h in (2, 3))
    assert est.evidence_by_size_[est.hidden_layer_sizes_[0]] > small + 10


def test_a_nearly_linear_target_gets_a_small_network():
    rng = np.random.RandomState(0)
    X = rng.randn(100, 3)
    y = X @ np.array([1.0, -0.5, 0.3]) + 0.1 * rng.randn(100)
    est = _auto().fit(X, y)
    assert est.hidden_layer_sizes_ == (2,)
    # the rule stopped: 3 and 5 did not beat 2, so 8 and 12 were not fitted
    assert list(est.evidence_by_size_) == [2, 3, 5]


def _size_warnings(caught):
    return [w for w in caught if "every iteration builds and solves" in str(w.message)]


@pytest.mark.parametrize("n_init", [1, 2])
@pytest.mark.parametrize("limit", [40, 10])
def test_a_slow_search_says_so_before_it_starts(monkeypatch, n_init, limit):
    """'lm''s cost warning comes once, before the first candidate is fitted,
    about the largest candidate (12 units: 61 weights on 3 inputs), even
    when the search stops before it (the rule stops this one at 5 units);
    the candidates' own fits do not warn again (limit 10: every candidate,
    the kept one included, is above it)."""
    rng = np.random.RandomState(0)
    X = rng.randn(100, 3)
    y = X @ np.array([1.0, -0.5, 0.3]) + 0.1 * rng.randn(100)
    monkeypatch.setattr(_fitting, "LM_WARN_WEIGHTS", limit)  # 8 units: 41 weights
    search = _regressor.search_sizes
    seen_at_start = []

    def recording_search(*args):
        seen_at_start.append(len(_size_warnings(caught)))
        return search(*args)

    monkeypatch.setattr(_regressor, "search_sizes", recording_search)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = _auto(n_init=n_init).fit(X, y)
    assert list(est.evidence_by_size_) == [2, 3, 5]
    assert seen_at_start == [1]
    (only,) = _size_warnings(caught)
    assert issubclass(only.category, UserWarning)
    assert str(only.message).startswith(
        f"hidden_layer_sizes='auto' fits up to {5 * n_init} networks (the sizes "
        f"(2, 3, 5, 8, 12) with n_init={n_init} starts each")
    assert "the largest of 12 units. solver='lm' with 61 weights" in str(only.message)
    assert "or set hidden_layer_sizes to a size of your choice" in str(only.message)


def test_a_search_of_small_networks_does_not_warn_about_its_cost():
    X, y = _wavy(n=40)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _auto(max_iter=3).fit(X, y)
    assert _size_warnings(caught) == []


def test_verbose_reports_each_size_and_the_choice(capsys):
    X, y = _wavy(n=60)
    est = _auto(verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    sizes = [line for line in lines if line.startswith("hidden_layer_sizes=(")]
    assert len(sizes) == len(est.evidence_by_size_)
    for line, (h, total) in zip(sizes, est.evidence_by_size_.items()):
        assert line.startswith(f"hidden_layer_sizes=({h},): log evidence ")
        assert float(line.rsplit("total ", 1)[1]) == pytest.approx(total, rel=1e-5)
    assert lines[-1] == (f"chosen: hidden_layer_sizes_={est.hidden_layer_sizes_}, "
                         f"the largest total of {len(sizes)} sizes tried")
    _auto().fit(X, y)
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------- the limits
@pytest.mark.parametrize("params", [
    {"solver": "lm", "alpha": 0.0},
    {"solver": "lm", "alpha": 1e-3},
    {"solver": "lbfgs"},
    {"solver": "gd"},
    {"solver": "adam", "alpha": 1e-4},
])
def test_auto_needs_lm_and_an_evidence_alpha(params):
    X, y = _wavy(n=20)
    est = SigmoidMLPRegressor("auto", **params)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes='auto'.*"
                       r"solver='lm', alpha='auto'"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")


def test_auto_has_no_partial_fit_and_other_strings_are_refused():
    X, y = _wavy(n=20)
    assert not hasattr(_auto(), "partial_fit")  # 'lm' has none
    with pytest.raises(ValueError, match="hidden_layer_sizes='auto'"):
        SigmoidMLPRegressor("auto", solver="adam").partial_fit(X, y)
    with pytest.raises(ValueError, match=r"or 'auto'.*got 'Auto'"):
        SigmoidMLPRegressor("Auto", solver="lm", alpha="auto").fit(X, y)


def test_a_fixed_size_refit_or_partial_fit_drops_the_search():
    X, y = _wavy(n=30)
    est = _auto().fit(X, y)
    h = est.hidden_layer_sizes_
    est.set_params(hidden_layer_sizes=h).fit(X, y)
    assert not hasattr(est, "hidden_layer_sizes_")
    assert not hasattr(est, "evidence_by_size_")
    est = _auto(normalize_y=False).fit(X, y)
    est.set_params(hidden_layer_sizes=est.hidden_layer_sizes_, solver="adam",
                   alpha=0.0).partial_fit(X, y)
    assert not hasattr(est, "hidden_layer_sizes_")
    assert not hasattr(est, "evidence_by_size_")


def test_warm_start_continues_the_chosen_size_once():
    X, y = _wavy()
    est = _auto().fit(X, y)
    h = est.hidden_layer_sizes_
    # the oracle: the same model continued as a fixed-size warm start
    oracle = copy.deepcopy(est).set_params(hidden_layer_sizes=h,
                                           warm_start=True).fit(X, y)
    est.set_params(warm_start=True).fit(X, y)
    assert est.get_params()["hidden_layer_sizes"] == "auto"
    assert est.hidden_layer_sizes_ == h
    assert_array_equal(est.coefs_[0], oracle.coefs_[0])
    assert est.n_iter_ == oracle.n_iter_
    assert est.evidence_by_size_ == {
        h[0]: oracle.log_evidence_
        + _sizes.symmetry_log_factor(_sizes.determined_units(oracle))}


def test_warm_start_from_two_hidden_layers_is_refused():
    X, y = _wavy(n=30)
    est = _auto(hidden_layer_sizes=(3, 2)).fit(X, y)
    est.set_params(hidden_layer_sizes="auto", warm_start=True)
    with pytest.raises(ValueError, match=r"one hidden layer.*\(3, 2\).*"
                       "warm_start=False"):
        est.fit(X, y)
    assert est.coefs_[0].shape == (2, 3)


def test_an_auto_model_round_trips_through_persistence(tmp_path):
    X, y = _wavy(n=30)
    est = _auto().fit(X, y)
    path = tmp_path / "model.skops"
    dump(est, path)
    again = load(path)
    assert again.hidden_layer_sizes_ == est.hidden_layer_sizes_
    assert again.evidence_by_size_ == est.evidence_by_size_
    assert_array_equal(again.predict(X), est.predict(X))


# ------------------------------------------------------- scikit-learn's checks
def _expected_failures(estimator):
    # check_regressors_train sets alpha=0.01 on every estimator with an
    # alpha; hidden_layer_sizes='auto' rightly refuses a fixed alpha
    return {"check_regressors_train": "sets alpha=0.01, and "
            "hidden_layer_sizes='auto' needs alpha='auto'"}


@parametrize_with_checks(
    [SigmoidMLPRegressor("auto", solver="lm", alpha="auto", normalize_y=True,
                         max_iter=20)],
    expected_failed_checks=_expected_failures)
def test_auto_passes_sklearns_checks(estimator, check):
    # as tests/test_common.py runs them: a PoorFitWarning is the right
    # diagnosis on the checks' unscaled data, and fails everywhere else
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter(
            "ignore" if common.check_name(check) in common.UNSCALED_DATA_CHECKS
            else "error", PoorFitWarning)
        check(estimator)


def test_an_auto_model_exports_to_onnx():
    skl2onnx = pytest.importorskip("skl2onnx")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("sigmoid_mlp.onnx")  # registers the converter
    X, y = _wavy(n=30)
    est = _auto().fit(X, y)
    model = skl2onnx.to_onnx(est, X[:1])
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    out = session.run(None, {session.get_inputs()[0].name: X})[0]
    # float64 end to end: a few ulps of outputs of order 1
    assert_allclose(out.ravel(), est.predict(X), rtol=0, atol=1e-12)
