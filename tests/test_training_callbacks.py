"""scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9).

Every solver reports each epoch (L-BFGS: each iteration) as a sub-task of its
fit task, also inside ``Pipeline`` and ``GridSearchCV``; with an older
scikit-learn the estimator works without the API.
"""

import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor, TrainingDivergedError

SKLEARN_VERSION = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
HAS_CALLBACKS = SKLEARN_VERSION >= (1, 9)
needs_callbacks = pytest.mark.skipif(
    not HAS_CALLBACKS, reason="sklearn.callback needs scikit-learn >= 1.9"
)

SOLVER_PARAMS = {
    "gd": dict(solver="gd", learning_rate=0.5),
    "sgd": dict(solver="sgd", learning_rate=0.05, batch_size=20),
    "adam": dict(solver="adam", learning_rate=0.01, batch_size=20),
    "lbfgs": dict(solver="lbfgs"),
    "lm": dict(solver="lm"),
}


def data(n=80, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-3, 3, size=(n, 2))
    y = np.sin(X[:, 0]) + 0.1 * rng.randn(n)
    return X, y


class Recorder:
    """A minimal callback: records every hook call (same process only)."""

    def __init__(self, stop_at=None, interrupt_at=None):
        self.stop_at = stop_at
        self.interrupt_at = interrupt_at
        self.calls = []

    def setup(self, estimator, context):
        self.calls.append(("setup", context.task_name, None))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context.task_name, None))

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None,
                          metadata=None, fitted_estimator=None):
        self.calls.append(("begin", context.task_name, fitted_estimator))

    def on_fit_task_end(self, estimator, context, *, X=None, y=None,
                        metadata=None, fitted_estimator=None):
        self.calls.append(("end", context.task_name, fitted_estimator))
        if context.task_name in ("epoch", "lbfgs-iteration", "lm-iteration"):
            n_done = sum(1 for c in self.calls
                         if c[0] == "end" and c[1] == context.task_name
                         and c[2] is not None)
            if self.interrupt_at is not None and n_done == self.interrupt_at:
                raise KeyboardInterrupt
            return self.stop_at is not None and n_done >= self.stop_at
        return False

    def epochs_ended(self):
        return [c[2] for c in self.calls
                if c[0] == "end" and c[1] in ("epoch", "lbfgs-iteration",
                                              "lm-iteration")
                and c[2] is not None]

    def count(self, hook):
        return sum(1 for c in self.calls if c[0] == hook)


class AutoRecorder(Recorder):
    """Propagated from a meta-estimator to its sub-estimators."""

    max_propagation_depth = None


@needs_callbacks
@pytest.mark.parametrize("solver", sorted(SOLVER_PARAMS))
def test_every_epoch_is_a_callback_task(solver):
    X, y = data()
    recorder = Recorder()
    est = SigmoidMLPRegressor(max_iter=15, random_state=0, **SOLVER_PARAMS[solver])
    est.set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert recorder.count("setup") == recorder.count("teardown") == 1
    assert recorder.count("begin") == recorder.count("end")
    ended = recorder.epochs_ended()
    assert len(ended) == est.n_iter_ > 1
    # the estimator handed to the hooks after epoch k is the model of k epochs
    for k, fitted in enumerate(ended, start=1):
        assert fitted.n_iter_ == k
        assert np.isfinite(fitted.predict(X)).all()
    for a, b in zip(ended[-1].coefs_, est.coefs_):
        assert_array_equal(a, b)


@needs_callbacks
@pytest.mark.parametrize("solver", sorted(SOLVER_PARAMS))
def test_a_callback_can_stop_training(solver, monkeypatch):
    # a callback runs 'lm' one compiled iteration per call, the reference
    # fused blocks of them: the same kernels, so the same weights
    X, y = data()
    est = SigmoidMLPRegressor(max_iter=500, random_state=0, **SOLVER_PARAMS[solver])
    est.set_callbacks(Recorder(stop_at=5))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.n_iter_ == 5
    reference = SigmoidMLPRegressor(max_iter=5, random_state=0, **SOLVER_PARAMS[solver])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X, y)
    for a, b in zip(est.coefs_, reference.coefs_):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@needs_callbacks
def test_keyboard_interrupt_from_a_callback_keeps_the_completed_epochs():
    X, y = data()
    est = SigmoidMLPRegressor(solver="sgd", learning_rate=0.05, max_iter=100,
                              random_state=0)
    recorder = Recorder(interrupt_at=3)
    est.set_callbacks(recorder)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X, y)
    assert est.n_iter_ == 3
    assert recorder.count("teardown") == 1
    assert np.isfinite(est.predict(X)).all()


@needs_callbacks
def test_callbacks_are_torn_down_when_training_diverges():
    X, y = data()
    recorder = Recorder()
    est = SigmoidMLPRegressor(solver="sgd", learning_rate=1e6, random_state=0)
    est.set_callbacks(recorder)
    with pytest.raises(TrainingDivergedError):
        est.fit(X, y)
    assert recorder.count("teardown") == 1
    assert recorder.count("begin") - 1 == recorder.count("end")  # fit task open


@needs_callbacks
def test_partial_fit_reports_one_epoch():
    X, y = data()
    recorder = Recorder()
    est = SigmoidMLPRegressor(solver="adam", learning_rate=0.01, random_state=0)
    est.set_callbacks(recorder)
    est.partial_fit(X, y)
    est.partial_fit(X, y)
    assert [f.n_iter_ for f in recorder.epochs_ended()] == [1, 2]
    assert recorder.count("setup") == recorder.count("teardown") == 2


@needs_callbacks
@pytest.mark.parametrize("solver", sorted(SOLVER_PARAMS))
def test_scoring_monitor(solver):
    from sklearn.callback import ScoringMonitor

    X, y = data()
    monitor = ScoringMonitor(scoring="r2")
    est = SigmoidMLPRegressor(max_iter=10, random_state=0, **SOLVER_PARAMS[solver])
    est.set_callbacks(monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    rows = monitor.get_logs().data
    epochs = [r for r in rows
              if r["task_name"] in ("epoch", "lbfgs-iteration", "lm-iteration")]
    assert len(epochs) == est.n_iter_
    # the score after the last epoch is the fitted model's training R^2
    assert epochs[-1]["r2"] == pytest.approx(est.score(X, y), rel=1e-12)
    assert epochs[-1]["r2"] > epochs[0]["r2"]


@needs_callbacks
def test_callbacks_propagate_through_pipeline_and_grid_search():
    X, y = data()
    recorder = AutoRecorder()
    pipe = make_pipeline(StandardScaler(),
                         SigmoidMLPRegressor(max_iter=7, random_state=0))
    pipe.set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)
    assert [f.n_iter_ for f in recorder.epochs_ended()] == list(range(1, 8))
    # the propagated callback is removed from the step after fit
    assert not getattr(pipe[-1], "_skl_callbacks", [])

    recorder = AutoRecorder()
    pipe = make_pipeline(StandardScaler(),
                         SigmoidMLPRegressor(max_iter=7, random_state=0))
    search = GridSearchCV(pipe, {"sigmoidmlpregressor__solver": ["gd", "lbfgs"]},
                          cv=2, n_jobs=1)
    search.set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    # 2 candidates x 2 folds + the refit, each with its epochs
    fits = [f for f in recorder.epochs_ended() if f.n_iter_ == 1]
    assert len(fits) == 5


@needs_callbacks
def test_progress_bar_in_pipeline_and_parallel_grid_search():
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    X, y = data()
    pipe = make_pipeline(StandardScaler(),
                         SigmoidMLPRegressor(max_iter=30, random_state=0))
    plain = GridSearchCV(pipe, {"sigmoidmlpregressor__learning_rate": [0.1, 0.5]},
                         cv=2, n_jobs=2)
    watched = GridSearchCV(pipe, {"sigmoidmlpregressor__learning_rate": [0.1, 0.5]},
                           cv=2, n_jobs=2).set_callbacks(ProgressBar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain.fit(X, y)
        watched.fit(X, y)
        pipe.set_callbacks(ProgressBar()).fit(X, y)
    assert watched.best_params_ == plain.best_params_
    assert_allclose(watched.predict(X), plain.predict(X), rtol=1e-12)


@pytest.mark.skipif(HAS_CALLBACKS, reason="checks the fallback for sklearn < 1.9")
def test_works_without_the_callback_api():
    X, y = data()
    est = SigmoidMLPRegressor(solver="sgd", learning_rate=0.05, max_iter=5,
                              random_state=0)
    assert not hasattr(est, "set_callbacks")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y).partial_fit(X, y)
    assert est.n_iter_ == 6
