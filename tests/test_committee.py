"""Committees (``ensemble=True``) and the ``n_init`` starts.

Expectations are computed from the members themselves (their own
``predict``), from plain single fits with the seeds drawn by hand, and from
the mixture formula written out; nothing here reuses the committee code.
"""

import copy
import io
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor, _committee

INT32_MAX = np.iinfo(np.int32).max


def _problem(n=60, n_outputs=1, seed=0, noise=0.1):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    y = np.sin(1.5 * X[:, :1]) + 0.3 * X[:, 1:] + noise * rng.randn(n, 1)
    if n_outputs > 1:
        y = np.hstack([y, np.cos(X[:, :1]) + noise * rng.randn(n, 1)])
    else:
        y = y.ravel()
    return X, 3.0 * y + 1.0


def _lm(**params):
    params = {"solver": "lm", "alpha": "auto", "random_state": 0,
              "normalize_y": True, **params}
    return SigmoidMLPRegressor((4,), **params)


def _same_weights(a, b):
    for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(u, v)


# --------------------------------------------------------------- n_init starts
def test_starts_are_random_state_then_seeds_drawn_as_kmeans_draws():
    """Member 0 is the n_init=1 fit; member k the fit from the k-th seed of
    ``RandomState(random_state).randint(int32 max, size=n_init - 1)``."""
    X, y = _problem()
    est = _lm(n_init=4, ensemble=True, random_state=7).fit(X, y)
    seeds = np.random.RandomState(7).randint(INT32_MAX, size=3)
    plain = _lm(random_state=7).fit(X, y)
    _same_weights(est.estimators_[0], plain)
    assert est.estimators_[0].log_evidence_ == plain.log_evidence_
    for member, seed in zip(est.estimators_[1:], seeds):
        single = _lm(random_state=int(seed)).fit(X, y)
        _same_weights(member, single)
        assert member.random_state == int(seed)
    assert len({m.log_evidence_ for m in est.estimators_}) == 4


def test_n_init_one_is_the_default_fit_bit_for_bit():
    X, y = _problem()
    default = _lm().fit(X, y)
    one = _lm(n_init=1).fit(X, y)
    _same_weights(default, one)
    assert default.loss_curve_ == one.loss_curve_
    # and the first of the starts of every n_init
    for n_init in (2, 3):
        first = _lm(n_init=n_init, ensemble=True).fit(X, y).estimators_[0]
        _same_weights(first, default)


CASES = [(0, 0), (1, 3), (2, 11), (3, 42)]  # (data seed, random_state)


@pytest.mark.parametrize("data_seed, random_state", CASES)
def test_more_starts_never_keep_a_lower_evidence(data_seed, random_state):
    X, y = _problem(n=40, seed=data_seed, noise=0.3)
    evidences = [_lm(n_init=n, random_state=random_state).fit(X, y).log_evidence_
                 for n in (1, 2, 3, 4)]
    assert all(b >= a for a, b in zip(evidences, evidences[1:])), evidences


@pytest.mark.parametrize("data_seed, random_state", CASES)
def test_more_starts_never_keep_a_higher_loss(data_seed, random_state):
    X, y = _problem(n=40, seed=data_seed, noise=0.3)
    losses = [SigmoidMLPRegressor((4,), solver="lm", alpha=1e-3,
                                  n_init=n, random_state=random_state)
              .fit(X, y).loss_ for n in (1, 2, 3, 4)]
    assert all(b <= a for a, b in zip(losses, losses[1:])), losses


def test_a_random_state_instance_is_consumed_as_by_n_init_one():
    """With a RandomState instance, start 1 consumes it exactly as the
    n_init=1 fit does (same weights, same state afterwards), the seeds come
    from a copy of its state, and the criterion is monotone in n_init."""
    X, y = _problem(n=40, noise=0.3)
    evidences, after = [], []
    for n in (1, 2, 3, 4):
        rng = np.random.RandomState(5)
        est = _lm(n_init=n, random_state=rng).fit(X, y)
        evidences.append(est.log_evidence_)
        after.append(rng.randint(INT32_MAX))
        if n == 1:
            first = est
        else:
            committee = _lm(n_init=n, ensemble=True,
                            random_state=np.random.RandomState(5)).fit(X, y)
            _same_weights(committee.estimators_[0], first)
            seeds = np.random.RandomState(5).randint(INT32_MAX, size=n - 1)
            assert [m.random_state for m in committee.estimators_[1:]] == \
                [int(s) for s in seeds]
    assert len(set(after)) == 1
    assert all(b >= a for a, b in zip(evidences, evidences[1:])), evidences


def test_every_start_begins_from_the_unfitted_model():
    """warm_start=True on an unfitted model with n_init > 1: no start
    continues the previous one (each equals its own single fit)."""
    X, y = _problem()
    est = _lm(n_init=3, warm_start=True).fit(X, y)
    seeds = [0, *np.random.RandomState(0).randint(INT32_MAX, size=2)]
    singles = [_lm(random_state=int(s)).fit(X, y) for s in seeds]
    best = singles[int(np.argmax([s.log_evidence_ for s in singles]))]
    _same_weights(est, best)
    assert est.n_iter_ == best.n_iter_


# ----------------------------------------------------------------- committee
@pytest.fixture(scope="module")
def committee():
    X, y = _problem(n=80, n_outputs=2, seed=4, noise=0.2)
    est = _lm(n_init=4, ensemble=True, random_state=1).fit(X, y)
    return est, X, y


def test_the_top_level_is_the_best_member(committee):
    est, X, y = committee
    scores = [m.log_evidence_ for m in est.estimators_]
    assert est.best_index_ == int(np.argmax(scores))
    best = est.estimators_[est.best_index_]
    _same_weights(est, best)
    assert est.log_evidence_ == max(scores)
    assert est.alpha_ == best.alpha_ and est.loss_ == best.loss_
    # ... and the model ensemble=False keeps
    _same_weights(est, _lm(n_init=4, random_state=1).fit(X, y))
    assert all(not m.ensemble and m.n_init == 1 for m in est.estimators_)
    assert not hasattr(best, "estimators_")


def test_members_are_independent_copies(committee):
    est, _X, _y = committee
    est = copy.deepcopy(est)
    best = est.estimators_[est.best_index_]
    before = est.coefs_[0].copy()
    best.coefs_[0][:] = 0.0
    np.testing.assert_array_equal(est.coefs_[0], before)


def test_a_member_refits_from_its_parameters(committee):
    est, X, y = committee
    member = est.estimators_[2]
    _same_weights(clone(member).fit(X, y), member)


def test_predict_is_the_average_of_the_members(committee):
    est, X, y = committee
    X_new = np.random.RandomState(9).uniform(-3, 3, size=(50, 2))
    expected = np.mean([m.predict(X_new) for m in est.estimators_], axis=0)
    np.testing.assert_allclose(est.predict(X_new), expected, rtol=1e-13,
                               atol=1e-13)
    # the members disagree, so the average is not the best member's
    assert np.abs(est.predict(X_new)
                  - est.estimators_[est.best_index_].predict(X_new)).max() > 1e-4
    assert est.score(X, y) == pytest.approx(r2_score(y, est.predict(X)),
                                            rel=1e-14)


def test_return_std_is_the_mixture_of_the_members(committee):
    est, _X, _y = committee
    X_new = np.random.RandomState(9).uniform(-3, 3, size=(50, 2))
    mean, std = est.predict(X_new, return_std=True)
    mus, sigmas = zip(*(m.predict(X_new, return_std=True)
                        for m in est.estimators_))
    mus, sigmas = np.array(mus), np.array(sigmas)
    M = len(mus)
    # E[var] + Var[mean], both with 1/M (the equal mixture)
    mixture = (sigmas ** 2).sum(axis=0) / M + \
        ((mus - mus.sum(axis=0) / M) ** 2).sum(axis=0) / M
    np.testing.assert_allclose(mean, mus.mean(axis=0), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(std, np.sqrt(mixture), rtol=1e-12)
    assert std.shape == mean.shape == (50, 2)
    # the spread only widens the bars
    assert np.all(std ** 2 >= (sigmas ** 2).mean(axis=0) * (1 - 1e-12))


def test_a_committee_without_finite_variance_warns_once():
    # 6 rows, 10 weights: every member's t has nu <= 2 degrees of freedom
    rng = np.random.RandomState(0)
    X = rng.randn(6, 1)
    y = np.sin(X[:, 0])
    est = SigmoidMLPRegressor((3,), solver="lm", alpha=1e-6, n_init=3,
                              ensemble=True, random_state=0).fit(X, y)
    dofs = [m._posterior_dof for m in est.estimators_]
    assert max(dofs) <= 2.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mean, std = est.predict(X[:2], return_std=True)
    assert len(caught) == 1, [str(w.message) for w in caught]
    message = str(caught[0].message)
    assert "3 of the committee's 3 members" in message
    assert all(f"{d:.3g}" in message for d in dofs)
    assert caught[0].filename == __file__
    assert np.all(np.isinf(std)) and np.all(np.isfinite(mean))
    # the members, asked one by one, each warn for themselves
    with pytest.warns(UserWarning, match="no finite variance"):
        est.estimators_[0].predict(X[:2], return_std=True)


def test_coverage_of_the_committees_intervals():
    """90 % intervals on held-out data of a known noise level: the
    committee covers between 80 % and 98 % of 2,000 test points (the
    binomial standard error at 90 % is 0.7 %; the approximation is loose)."""
    rng = np.random.RandomState(3)
    X = rng.uniform(-2, 2, size=(2150, 2))
    y = np.sin(1.5 * X[:, 0]) + 0.3 * X[:, 1] + 0.2 * rng.randn(2150)
    est = _lm(n_init=3, ensemble=True).fit(X[:150], y[:150])
    mean, std = est.predict(X[150:], return_std=True)
    covered = np.mean(np.abs(y[150:] - mean) <= 1.6448536269514722 * std)
    assert 0.80 <= covered <= 0.98, covered


def test_a_committee_of_one_is_the_plain_fit():
    X, y = _problem()
    one = _lm(ensemble=True).fit(X, y)
    plain = _lm().fit(X, y)
    assert len(one.estimators_) == 1 and one.best_index_ == 0
    _same_weights(one, plain)
    np.testing.assert_array_equal(one.predict(X), plain.predict(X))
    np.testing.assert_allclose(one.predict(X, return_std=True)[1],
                               plain.predict(X, return_std=True)[1], rtol=1e-14)


def test_refitting_without_ensemble_drops_the_members():
    X, y = _problem()
    est = _lm(n_init=2, ensemble=True).fit(X, y)
    est.set_params(ensemble=False).fit(X, y)
    assert not hasattr(est, "estimators_") and not hasattr(est, "best_index_")
    est.set_params(n_init=1).fit(X, y)
    assert not hasattr(est, "estimators_")


def test_without_return_std_any_solver_makes_a_committee():
    X, y = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = SigmoidMLPRegressor((3,), solver="lbfgs", max_iter=50, n_init=3,
                                  ensemble=True, random_state=0).fit(X, y)
    expected = np.mean([m.predict(X) for m in est.estimators_], axis=0)
    np.testing.assert_allclose(est.predict(X), expected, rtol=1e-13, atol=1e-13)
    assert est.loss_ == min(m.loss_ for m in est.estimators_)
    with pytest.raises(ValueError, match="solver='lm'"):
        est.predict(X, return_std=True)


# -------------------------------------------------------------- parameters
def test_ensemble_parameter_checks():
    X, y = _problem()
    with pytest.raises(ValueError, match="warm_start"):
        _lm(n_init=2, ensemble=True, warm_start=True).fit(X, y)
    with pytest.raises(TypeError, match="ensemble must be True or False"):
        _lm(ensemble="yes").fit(X, y)


def test_clone_get_set_params_and_pickle(committee):
    est, X, _y = committee
    assert est.get_params()["ensemble"] is True
    assert SigmoidMLPRegressor().get_params()["ensemble"] is False
    cloned = clone(est)
    assert cloned.ensemble is True and not hasattr(cloned, "estimators_")
    assert clone(est).set_params(ensemble=False).ensemble is False
    restored = pickle.loads(pickle.dumps(est))
    for a, b in zip(restored.predict(X, return_std=True),
                    est.predict(X, return_std=True)):
        np.testing.assert_array_equal(a, b)
    assert len(restored.estimators_) == 4


def test_skops_persistence(committee):
    persistence = pytest.importorskip("sigmoid_mlp.persistence")
    est, X, _y = committee
    buffer = io.BytesIO()
    persistence.dump(est, buffer)
    buffer.seek(0)
    restored = persistence.load(buffer)
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))


# ------------------------------------------- what describes one network
def test_partial_fit_is_not_available_for_a_committee():
    assert not hasattr(SigmoidMLPRegressor(solver="sgd", ensemble=True),
                       "partial_fit")
    assert hasattr(SigmoidMLPRegressor(solver="sgd"), "partial_fit")
    X, y = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = SigmoidMLPRegressor(solver="sgd", learning_rate=0.01, max_iter=5,
                                  n_init=2, ensemble=True, random_state=0)
        est.fit(X, y)
        est.set_params(ensemble=False)
        with pytest.raises(ValueError, match=r"estimators_\[k\]\.partial_fit"):
            est.partial_fit(X, y)
        # a member is a single network: it continues
        member = est.estimators_[1]
        before = member.n_iter_
        member.partial_fit(X, y)
    assert member.n_iter_ == before + 1


def test_single_network_methods_name_the_members(committee):
    est, X, y = committee
    message = rf"committee of 4 networks.*estimators_\[{est.best_index_}\]"
    with pytest.raises(ValueError, match=message):
        est.forward_pass(X)
    with pytest.raises(ValueError, match=message):
        est.loss_gradient(X, y)
    # a member answers, and its forward pass is its prediction
    member = est.estimators_[0]
    np.testing.assert_allclose(member.forward_pass(X).output, member.predict(X),
                               rtol=1e-15)
    member.loss_gradient(X, y)


def test_inspection_names_the_members(committee, tmp_path):
    est, X, y = committee
    from sigmoid_mlp.inspection import explain_prediction
    with pytest.raises(ValueError, match=r"explain_prediction.*estimators_\["):
        explain_prediction(est, X[0])
    pipe = make_pipeline(StandardScaler(), clone(est)).fit(X, y)
    with pytest.raises(ValueError, match=r"committee.*estimators_\["):
        explain_prediction(pipe, X[0])
    explain_prediction(est.estimators_[0], X[0])
    from sigmoid_mlp.inspection import explain_gradient, export_playground
    with pytest.raises(ValueError, match=r"explain_gradient.*estimators_\["):
        explain_gradient(est, X[:5], y[:5, 0])
    with pytest.raises(ValueError, match=r"committee.*estimators_\["):
        export_playground(est, X[:5], y[:5, 0], tmp_path / "p.html")
    assert not (tmp_path / "p.html").exists()


def test_displays_name_the_members():
    pytest.importorskip("matplotlib")
    from sigmoid_mlp.inspection import (
        ActivationDisplay,
        GradientDisplay,
        LossCurveDisplay,
        NetworkDisplay,
        TrainingAnimation,
    )
    rng = np.random.RandomState(0)
    x = rng.uniform(-2, 2, size=(40, 1))
    y = np.sin(2 * x[:, 0])
    est = _lm(n_init=2, ensemble=True).fit(x, y)
    for call in (lambda: ActivationDisplay.from_estimator(est, x, y),
                 lambda: LossCurveDisplay.from_estimator(est),
                 lambda: NetworkDisplay.from_estimator(est),
                 lambda: GradientDisplay.from_estimator(est, x, y)):
        with pytest.raises(ValueError, match=r"estimators_\["):
            call()
    with pytest.raises(ValueError, match=r"one network.*ensemble=False"):
        TrainingAnimation.from_estimator(clone(est), x, y)
    import matplotlib.pyplot as plt
    LossCurveDisplay.from_estimator(est.estimators_[1])
    # the displays that use predict show the committee's mean
    from sigmoid_mlp.inspection import PredictionDisplay
    disp = PredictionDisplay.from_estimator(est, x, y)
    np.testing.assert_allclose(disp.y_pred, est.predict(x), rtol=1e-15)
    plt.close("all")


# ---------------------------------------------------------------------- ONNX
def test_onnx_averages_the_members(committee):
    skl2onnx = pytest.importorskip("skl2onnx")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("sigmoid_mlp.onnx")
    est, X, y = committee
    pipe = make_pipeline(StandardScaler(), clone(est)).fit(X, y)
    for model in (est, pipe):
        for dtype, tol in ((np.float32, 1e-5), (np.float64, 1e-12)):
            onx = skl2onnx.to_onnx(model, X[:1].astype(dtype))
            session = ort.InferenceSession(onx.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
            (pred,) = session.run(None, {session.get_inputs()[0].name:
                                         X.astype(dtype)})
            np.testing.assert_allclose(pred, model.predict(X), rtol=tol, atol=tol)
    # the graph is the committee's, not the best member's
    best = est.estimators_[est.best_index_]
    onx = skl2onnx.to_onnx(est, X[:1].astype(np.float64))
    session = ort.InferenceSession(onx.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    (pred,) = session.run(None, {session.get_inputs()[0].name: X})
    assert np.abs(pred - best.predict(X)).max() > 1e-4


class _Thing:
    """An object with a ``__dict__``, standing in for an estimator."""


def test_candidates_start_from_the_saved_state_and_keep_one():
    thing = _Thing()
    thing.value, thing.history = 0, ()

    def fit(step):
        thing.value += step  # a candidate that continued another would add up
        thing.history = (*thing.history, step)
        thing.extra = step

    with _committee.Candidates(thing) as tried:
        for step in (1, 10, 100):
            tried.fit(step, lambda: fit(step))  # noqa: B023 (called at once)
        assert thing.__dict__ == {"value": 100, "history": (100,), "extra": 100}
        tried.keep(10)
    assert thing.__dict__ == {"value": 10, "history": (10,), "extra": 10}
    assert list(tried.fits) == [1, 10, 100]
    assert [f["value"] for f in tried.fits.values()] == [1, 10, 100]


def test_candidates_restore_the_saved_state_when_a_fit_fails():
    thing = _Thing()
    thing.value = 0

    def fails():
        thing.value = 5
        thing.half_done = True
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with _committee.Candidates(thing) as tried:
            tried.fit("a", lambda: setattr(thing, "value", 1))
            tried.fit("b", fails)
    assert thing.__dict__ == {"value": 0}


@pytest.mark.parametrize("alpha", ["auto", 0.1])
def test_verbose_names_each_start_and_the_kept_one(capsys, alpha):
    X, y = _problem()
    est = SigmoidMLPRegressor((3,), solver="lm", alpha=alpha, n_init=3,
                              ensemble=True, random_state=0, verbose=1).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines()
             if not line.startswith("Epoch")]
    seeds = [m.random_state for m in est.estimators_]
    assert lines[:3] == [f"start {k + 1} of 3: random_state={seed!r}"
                         for k, seed in enumerate(seeds)]
    values = [m.log_evidence_ if alpha == "auto" else m.loss_ for m in est.estimators_]
    which = "largest log_evidence_" if alpha == "auto" else "smallest loss_"
    assert lines[3].startswith(f"kept start {est.best_index_ + 1} of 3, the {which} (")
    printed = [float(v) for v in lines[3].split("(")[1].rstrip(")").split(", ")]
    assert printed == pytest.approx(values, rel=1e-5)
    assert len(lines) == 4
