"""A newcomer's first fits: good, quiet, or loudly explained (issue 26).

* every warning the package issues from ``fit``, ``partial_fit`` and
  ``predict`` points at the caller's line (this file), with and without
  scikit-learn's callbacks, directly and through ``Pipeline``;
* :class:`~sigmoid_mlp.PoorFitWarning` on the usual mistakes (unscaled
  inputs, a step size that makes gradient descent zigzag) and silence on
  the same problems posed well;
* errors that teach (MLPRegressor's ``learning_rate`` vocabulary, a string
  column of a DataFrame);
* the README's Quickstart runs without a warning.
"""

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import PoorFitWarning, SigmoidMLPRegressor, _fitting, _protocol
from sigmoid_mlp import _diagnostics as diagnostics

HAS_CALLBACKS = tuple(int(p) for p in sklearn.__version__.split(".")[:2]) >= (1, 9)
README = Path(__file__).resolve().parents[1] / "README.md"


def deck_data(n=200, seed=0):
    """The deck's problem as the README and the example pose it."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-3, 3, size=(n, 1))
    y = np.sin(X).ravel() + 0.1 * rng.randn(n)
    return X, y


def offset_data(seed, n=1000):
    """Issue 26's first case: 1000 x 5 inputs of mean 200 and sd 50; the
    target is a smooth function of the standardised inputs."""
    rng = np.random.RandomState(seed)
    X = rng.normal(200, 50, size=(n, 5))
    Z = (X - 200) / 50
    y = (np.sin(Z[:, 0]) + 0.5 * Z[:, 1] * Z[:, 2] + np.tanh(Z[:, 3])
         + 0.1 * rng.randn(n))
    return X, y


class Quiet:
    """A callback that does nothing (scikit-learn >= 1.9): the fit runs
    inside the callback support's wrapper, one frame deeper."""

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        return False


def with_callbacks(est, callbacks):
    if callbacks:
        est.set_callbacks(Quiet())
    return est


CALLBACKS = [False, pytest.param(True, marks=pytest.mark.skipif(
    not HAS_CALLBACKS, reason="sklearn.callback needs scikit-learn >= 1.9"))]


def record(call):
    """The warnings ``call()`` issues, every one recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


def assert_points_here(caught, category, call):
    """At least one warning of ``category``, each at ``call``'s line here."""
    mine = [w for w in caught if issubclass(w.category, category)]
    assert mine, f"no {category.__name__}; got {[str(w.message) for w in caught]}"
    line = call.__code__.co_firstlineno
    for w in mine:
        assert (w.filename, w.lineno) == (__file__, line), (
            f"{category.__name__} points at {w.filename}:{w.lineno}, not at "
            f"the caller {__file__}:{line}: {w.message}")


# ------------------------------------------------- warnings at the user's line
@pytest.mark.parametrize("callbacks", CALLBACKS)
@pytest.mark.parametrize("solver", ["gd", "lbfgs", "lm"])
def test_convergence_warning_of_fit_points_at_the_caller(solver, callbacks):
    X, y = deck_data(40)
    est = with_callbacks(SigmoidMLPRegressor(solver=solver, max_iter=2,
                                             random_state=0), callbacks)
    call = lambda: est.fit(X, y)  # noqa: E731
    assert_points_here(record(call), ConvergenceWarning, call)


@pytest.mark.parametrize("callbacks", CALLBACKS)
def test_warnings_through_a_pipeline_point_at_the_caller(callbacks):
    X, y = deck_data(40)
    pipe = make_pipeline(StandardScaler(), with_callbacks(
        SigmoidMLPRegressor(max_iter=2, random_state=0), callbacks))
    call = lambda: pipe.fit(X, y)  # noqa: E731
    assert_points_here(record(call), ConvergenceWarning, call)


@pytest.mark.parametrize("callbacks", CALLBACKS)
def test_lm_size_warning_points_at_the_caller(monkeypatch, callbacks):
    X, y = deck_data(30)
    monkeypatch.setattr(_fitting, "LM_WARN_WEIGHTS", 5)
    est = with_callbacks(SigmoidMLPRegressor(solver="lm", max_iter=2,
                                             random_state=0), callbacks)
    call = lambda: est.fit(X, y)  # noqa: E731
    caught = record(call)
    assert any("solver='lm' with 10 weights" in str(w.message) for w in caught)
    assert_points_here(caught, UserWarning, call)


@pytest.mark.parametrize("callbacks", CALLBACKS)
def test_lm_size_search_warning_points_at_the_caller(monkeypatch, callbacks):
    X, y = deck_data(30)
    monkeypatch.setattr(_fitting, "LM_WARN_WEIGHTS", 5)
    est = with_callbacks(SigmoidMLPRegressor(
        "auto", solver="lm", alpha="auto", max_iter=2, random_state=0), callbacks)
    call = lambda: est.fit(X, y)  # noqa: E731
    caught = record(call)
    assert any("hidden_layer_sizes='auto' fits up to 5 networks" in str(w.message)
               for w in caught)
    assert_points_here(caught, UserWarning, call)


@pytest.mark.parametrize("callbacks", CALLBACKS)
@pytest.mark.parametrize("n_init", [1, 3])
def test_poor_fit_warning_of_fit_points_at_the_caller(callbacks, n_init):
    X, y = offset_data(1, n=200)
    est = with_callbacks(SigmoidMLPRegressor(random_state=1, n_init=n_init),
                         callbacks)
    call = lambda: est.fit(X, y)  # noqa: E731
    caught = record(call)
    assert_points_here(caught, PoorFitWarning, call)
    assert sum(issubclass(w.category, PoorFitWarning) for w in caught) == 1


@pytest.mark.parametrize("callbacks", CALLBACKS)
def test_poor_fit_warning_of_partial_fit_points_at_the_caller(callbacks):
    X, y = offset_data(1, n=200)
    est = with_callbacks(SigmoidMLPRegressor(random_state=1), callbacks)
    call = lambda: est.partial_fit(X, y)  # noqa: E731
    assert_points_here(record(call), PoorFitWarning, call)
    # once: the first call looks at the inputs, later calls do not
    assert not record(lambda: est.partial_fit(X, y))


@pytest.mark.parametrize("callbacks", CALLBACKS)
def test_interrupt_warning_points_at_the_caller(monkeypatch, callbacks, capsys):
    X, y = deck_data(40)
    calls = {"n": 0}
    end = _protocol.Hooks.end

    def interrupting_end(self, info):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return end(self, info)

    monkeypatch.setattr(_protocol.Hooks, "end", interrupting_end)
    # verbose: the hooks run after every epoch
    est = with_callbacks(SigmoidMLPRegressor(verbose=1, random_state=0),
                         callbacks)
    call = lambda: est.fit(X, y)  # noqa: E731
    caught = record(call)
    assert any("interrupted" in str(w.message) for w in caught)
    assert_points_here(caught, UserWarning, call)


@pytest.mark.parametrize("callbacks", CALLBACKS)
@pytest.mark.parametrize("method", ["predict", "partial_fit", "score"])
def test_feature_name_warnings_point_at_the_caller(callbacks, method):
    X, y = deck_data(40)
    frame = pd.DataFrame(X, columns=["x"])
    est = with_callbacks(SigmoidMLPRegressor(max_iter=5, random_state=0),
                         callbacks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(frame, y)
    args = (X, y) if method != "predict" else (X,)
    call = lambda: getattr(est, method)(*args)  # noqa: E731
    caught = record(call)
    assert any("feature names" in str(w.message) for w in caught)
    assert_points_here(caught, UserWarning, call)


def test_a_warning_raised_as_error_is_raised_at_the_caller():
    # the user's "error" filter applies to the re-issued warning
    X, y = deck_data(40)
    est = SigmoidMLPRegressor(max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(pd.DataFrame(X, columns=["x"]), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with pytest.raises(UserWarning, match="feature names"):
            est.predict(X)


# --------------------------------------------------- the usual mistakes, named
@pytest.mark.parametrize("seed", range(5))
def test_unscaled_inputs_warn_and_scaled_inputs_fit_quietly(seed):
    X, y = offset_data(seed)
    raw = SigmoidMLPRegressor(random_state=seed)
    with pytest.warns(PoorFitWarning, match=r"far from standardised") as caught:
        raw.fit(X, y)
    message = str(caught[0].message)
    assert "make_pipeline(StandardScaler()" in message
    assert "solver='lm', alpha='auto', normalize_y=True" in message
    assert "saturated" in message
    # the same problem posed well: a good fit and no warning at all
    # (the suite turns warnings into errors)
    scaled = make_pipeline(StandardScaler(), SigmoidMLPRegressor(random_state=seed))
    scaled.fit(X, y)
    assert scaled.score(X, y) > 0.8
    assert raw.score(X, y) < scaled.score(X, y) - 0.3


def test_deck_inputs_times_1000_warn():
    X, y = deck_data()
    with pytest.warns(PoorFitWarning, match=r"input column 0 has a root mean "
                                            r"square of 1\.7e\+03"):
        SigmoidMLPRegressor(random_state=0).fit(X * 1000, y)


@pytest.mark.parametrize("scaled", [False, True])
def test_a_zigzag_stop_warns_and_names_the_learning_rate(scaled):
    X, y = deck_data()
    if scaled:
        X = StandardScaler().fit_transform(X)
    est = SigmoidMLPRegressor(random_state=0, learning_rate=1.0)
    with pytest.warns(PoorFitWarning, match=r"still falling.*Lower learning_rate "
                                            r"\(e\.g\. 1 -> 0\.33\)"):
        est.fit(X, y)
    assert est._no_improvement_count > est.n_iter_no_change
    # the tuned step size on the same data: better, and no PoorFitWarning
    # (standardised, gradient descent needs 50,044 epochs: one more
    # ConvergenceWarning than the raw deck data's 28,497)
    good = SigmoidMLPRegressor(random_state=0, learning_rate=0.3, max_iter=60000)
    good.fit(X, y)
    assert good.score(X, y) > est.score(X, y) + 0.03


def test_a_slow_steady_stop_is_no_zigzag():
    # a coarse tol stops while the loss still falls, at every epoch: the
    # user's choice of tol, not a step size too large
    X, y = deck_data()
    est = SigmoidMLPRegressor(random_state=0, tol=1e-3, n_iter_no_change=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PoorFitWarning)
        est.fit(StandardScaler().fit_transform(X), y)
    assert est._no_improvement_count > est.n_iter_no_change
    window = np.diff(est.loss_curve_[-101:])
    assert np.all(window <= 0)


def test_the_deck_problem_at_the_defaults_is_quiet():
    # unscaled deck data (x on [-3, 3]) is close enough to standardised
    X, y = deck_data()
    est = SigmoidMLPRegressor(random_state=0).fit(X, y)
    assert est.score(X, y) > 0.95


def test_targets_far_from_standardised_are_named_with_normalize_y():
    X, y = offset_data(1, n=200)
    with pytest.warns(PoorFitWarning, match=r"normalize_y=True standardises"):
        SigmoidMLPRegressor(random_state=1).fit(X, 100 * y + 500)


def test_the_thresholds_separate_the_cases(monkeypatch):
    # the diagnostic depends on each threshold: raised past the measured
    # values, the same fits are quiet
    X, y = offset_data(1, n=200)
    unscaled = SigmoidMLPRegressor(random_state=1, solver="lbfgs")
    with pytest.warns(PoorFitWarning, match="far from standardised"):
        unscaled.fit(X, y)
    monkeypatch.setattr(diagnostics, "INPUT_RMS_LIMIT", 1e4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PoorFitWarning)
        unscaled.fit(X, y)
    monkeypatch.undo()
    monkeypatch.setattr(diagnostics, "SATURATED_SHARE", 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PoorFitWarning)
        unscaled.fit(X, y)
    monkeypatch.undo()
    X, y = deck_data()
    for name in ("STILL_FALLING", "STILL_RISING_R2"):
        monkeypatch.setattr(diagnostics, name, 10.0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", PoorFitWarning)
            SigmoidMLPRegressor(random_state=0, learning_rate=1.0).fit(X, y)
        monkeypatch.undo()


def test_the_diagnostic_looks_at_a_subsample_of_large_inputs(monkeypatch):
    seen = []
    original = diagnostics._column_rms

    def spy(X):
        seen.append(X.shape[0])
        return original(X)

    monkeypatch.setattr(diagnostics, "_column_rms", spy)
    monkeypatch.setattr(diagnostics, "MAX_ROWS", 50)
    X, y = deck_data(n=175)
    SigmoidMLPRegressor(max_iter=3, tol=0, n_iter_no_change=np.inf,
                        random_state=0).partial_fit(X, y)
    assert seen == [44]  # every 4th row of 175: ceil(175 / 4) = 44 <= 50


def test_sparse_unscaled_inputs_warn():
    X, y = offset_data(2, n=200)
    with pytest.warns(PoorFitWarning, match="far from standardised"):
        SigmoidMLPRegressor(random_state=2).fit(sp.csr_matrix(X), y)


# ------------------------------------------------------------ errors that teach
@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
def test_mlpregressor_learning_rate_vocabulary_points_to_the_schedule(schedule):
    X, y = deck_data(20)
    with pytest.raises(TypeError, match=(
            rf"learning_rate='{schedule}' is MLPRegressor's name for a step-size "
            rf"schedule.*learning_rate_schedule='{schedule}'")):
        SigmoidMLPRegressor(learning_rate=schedule).fit(X, y)
    # and what the message suggests works
    est = SigmoidMLPRegressor(learning_rate_schedule=schedule, learning_rate=0.3,
                              max_iter=5)
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        est.fit(X, y)
    assert est.n_iter_ == 5


def test_a_string_column_is_named_with_the_fix():
    X, y = deck_data(20)
    frame = pd.DataFrame({"x": X[:, 0], "city": ["Oslo", "Bern"] * 10})
    with pytest.raises(ValueError, match=(
            r"could not convert string to float: '(Oslo|Bern)'\. Column 'city' "
            r"of X is not numeric.*OneHotEncoder.*\['city'\].*ColumnTransformer")):
        SigmoidMLPRegressor().fit(frame, y)
    # the suggested fix fits
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    model = make_pipeline(make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["city"]),
        remainder=StandardScaler()), SigmoidMLPRegressor(solver="lm", random_state=0))
    model.fit(frame, y)
    assert np.isfinite(model.predict(frame)).all()


def test_string_columns_are_named_in_predict_and_for_arrays():
    X, y = deck_data(20)
    est = SigmoidMLPRegressor(solver="lm", random_state=0).fit(
        pd.DataFrame({"a": X[:, 0], "b": X[:, 0]}), y)
    bad = pd.DataFrame({"a": X[:, 0], "b": ["1.5", "tall"] * 10})
    with pytest.raises(ValueError, match=r"Column 'b' of X is not numeric"):
        est.predict(bad)
    array = np.array([["1.0", "x"], ["2.0", "y"]], dtype=object)
    with pytest.raises(ValueError, match=r"Column 1 of X is not numeric"):
        SigmoidMLPRegressor().fit(array, [1.0, 2.0])
    # numeric strings convert, as scikit-learn converts them
    ok = np.array([["1.0", "2"], ["2.0", "3"], ["0.5", "1"]], dtype=object)
    SigmoidMLPRegressor(solver="lm").fit(ok, [1.0, 2.0, 0.0])


# ------------------------------------------------------------- the Quickstart
def quickstart_code():
    text = README.read_text(encoding="utf-8")
    section = re.search(r"<!--\s*quickstart-start\s*-->(.*?)<!--\s*quickstart-end\s*-->",
                        text, flags=re.S)
    assert section is not None, "README.md has no quickstart section"
    blocks = re.findall(r"```python[^\n]*\n(.*?)```", section.group(1), flags=re.S)
    assert blocks, "the quickstart section has no python block"
    return "\n".join(blocks)


def test_the_readme_quickstart_runs_without_a_warning(capsys):
    code = quickstart_code()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        namespace = {"__name__": "quickstart"}
        exec(compile(code, str(README), "exec"), namespace)
    printed = capsys.readouterr().out
    r2 = float(re.search(r"R\^2 on the training data: ([0-9.]+)", printed).group(1))
    assert r2 > 0.95


# ------------------------------------------------------------- the examples
EXAMPLES = sorted((README.parent / "examples").glob("plot_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_runs_without_a_warning(path, tmp_path):
    # as a script, in a fresh interpreter, every UserWarning an error
    # (ConvergenceWarning and PoorFitWarning included); an example that
    # expects a warning catches it itself
    pytest.importorskip("matplotlib")
    src = str(README.parent / "src")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": src}
    result = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", str(path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
