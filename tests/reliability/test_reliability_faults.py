"""Faults: divergence, absurd inputs, interruption, pickling mid-stream.

Every solver the estimator offers is covered (:data:`SOLVERS`: 'gd', 'sgd',
'adam', 'lbfgs' and 'lm'; ``test_reliability_solvers.py`` fails if one of them
cannot fit or the estimator offers one more).  The promise tested throughout: a fault
either produces a clear error and leaves the previous model exactly as it was,
or (KeyboardInterrupt) a usable model with the last complete epoch.
"""

from __future__ import annotations

import builtins
import os
import pickle
import signal
import sys
import threading
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

import sigmoid_mlp
from sigmoid_mlp import TrainingDivergedError

from ._helpers import (
    PARTIAL_FIT_SOLVERS,
    SOLVERS,
    STEP_SOLVERS,
    assert_same_state,
    assert_weights_identical,
    fitted_state,
    make_data,
    make_estimator,
    quiet_fit,
)

X, y = make_data(20, 3, seed=0)
NO_STOP = dict(tol=0.0, n_iter_no_change=np.inf)  # run exactly max_iter epochs


def _fitted(solver, **params):
    return quiet_fit(make_estimator(solver, max_iter=15, random_state=0, **params), X, y)


def _scenarios(solver):
    out = ["fit-cold-on-fitted", "fit-warm-on-fitted"]
    if solver in PARTIAL_FIT_SOLVERS:
        out.append("partial_fit-on-fitted")
    return [(solver, s) for s in out]


def _run(est, scenario, Xb, yb):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if scenario == "fit-cold-on-fitted":
            est.set_params(warm_start=False).fit(Xb, yb)
        elif scenario == "fit-warm-on-fitted":
            est.set_params(warm_start=True).fit(Xb, yb)
        else:
            est.partial_fit(Xb, yb)


# ------------------------------------------------------------- divergence
@pytest.mark.parametrize(
    ("solver", "scenario"), [p for s in STEP_SOLVERS for p in _scenarios(s)]
)
def test_learning_rate_1e6_raises_and_keeps_previous_model(solver, scenario):
    est = _fitted(solver)
    before = fitted_state(est)
    pred_before = est.predict(X)
    est.set_params(learning_rate=1e6)
    with pytest.raises(ValueError, match=r"(?i)diverg") as info:
        _run(est, scenario, X, y)
    message = str(info.value)
    assert "learning_rate" in message  # names the knob to turn
    assert isinstance(info.value, TrainingDivergedError)
    # the exception hands back the last finite weights
    assert all(np.isfinite(w).all() for w in [*info.value.coefs, *info.value.intercepts])
    assert_same_state(before, fitted_state(est))
    np.testing.assert_array_equal(est.predict(X), pred_before, strict=True)


@pytest.mark.parametrize("solver", STEP_SOLVERS)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_learning_rate_1e6_on_unfitted_model_raises(solver, method):
    if method == "partial_fit" and solver not in PARTIAL_FIT_SOLVERS:
        pytest.skip("no partial_fit")
    est = make_estimator(solver, learning_rate=1e6, max_iter=50, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"(?i)diverg.*learning_rate"):
        getattr(est, method)(X, y)
    assert not hasattr(est, "coefs_")


@pytest.mark.parametrize("cause", ["diverged", "bad-sample_weight"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_failed_first_call_leaves_estimator_unfitted(method, cause):
    est = make_estimator("gd", max_iter=50, random_state=0)
    sample_weight = None
    if cause == "diverged":
        est.set_params(learning_rate=1e6)
    else:
        sample_weight = -np.ones(20)
    with pytest.raises(ValueError):
        getattr(est, method)(X, y, sample_weight=sample_weight)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.predict(X)


@pytest.mark.parametrize("cause", ["diverged", "bad-sample_weight"])
def test_failed_refit_on_other_width_keeps_previous_model(cause):
    est = _fitted("gd")
    before = fitted_state(est)
    X5, y5 = make_data(20, 5, seed=4)
    sample_weight = None
    if cause == "diverged":
        est.set_params(learning_rate=1e6)
    else:
        sample_weight = np.zeros(20)
    with pytest.raises(ValueError):
        est.fit(X5, y5, sample_weight=sample_weight)
    assert_same_state(before, fitted_state(est))


# --------------------------------------------------------- huge inputs 1e300
HUGE = {
    "X": (X * 1e300, y),
    "y": (X, y * 1e300),
    "X-and-y": (X * 1e300, y * 1e300),
}


def _huge_cases():
    out = []
    for solver in SOLVERS:
        for _, scenario in _scenarios(solver):
            for which in HUGE:
                out.append(pytest.param(solver, scenario, which,
                                        id=f"{solver}-{scenario}-{which}"))
    return out


@pytest.mark.parametrize(("solver", "scenario", "which"), _huge_cases())
def test_inputs_of_1e300_fail_clearly_or_give_finite_model(solver, scenario, which):
    """Targets of 1e300 make J overflow: a clear error, previous model intact.

    Inputs of 1e300 alone saturate every sigmoid (g(z) is exactly 0 or 1, so
    the first layer's gradient is exactly 0) and training the output layer on
    those 0/1 features is well defined: the estimator may then either refuse
    clearly or return a model, but a returned model must be entirely finite.
    """
    est = _fitted(solver)
    before = fitted_state(est)
    Xb, yb = HUGE[which]
    try:
        _run(est, scenario, Xb, yb)
    except ValueError as exc:
        assert str(exc)  # a message, and the model untouched
        assert_same_state(before, fitted_state(est))
        return
    assert which == "X", f"J overflows with y of 1e300, yet {scenario} succeeded"
    assert all(np.isfinite(w).all() for w in [*est.coefs_, *est.intercepts_])
    assert np.isfinite(est.loss_)
    assert np.isfinite(est.predict(Xb)).all()
    assert np.isfinite(est.predict(X)).all()


def _no_warning_cases():
    out = []
    for solver in SOLVERS:
        for which in HUGE:
            out.append(pytest.param(solver, which, id=f"{solver}-{which}"))
    return out


@pytest.mark.parametrize(("solver", "which"), _no_warning_cases())
def test_inputs_of_1e300_raise_no_runtime_warnings(solver, which):
    """The clear error (or the finite model) comes without numpy overflow noise."""
    est = _fitted(solver)
    Xb, yb = HUGE[which]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            est.set_params(warm_start=False).fit(Xb, yb)
        except TrainingDivergedError:
            pass


# ----------------------------------------------------- KeyboardInterrupt
class _InterruptAtPrint:
    """Replacement ``print`` that raises KeyboardInterrupt at its k-th call.

    ``verbose=True`` prints one line per epoch, so this delivers Ctrl-C from
    inside the training loop at a known epoch, whatever the solver.
    """

    def __init__(self, k):
        self.k = k
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.k:
            raise KeyboardInterrupt


def _reference(solver, n_epochs, base=None, **params):
    """The model after exactly ``n_epochs`` uninterrupted epochs."""
    if base is None:
        est = make_estimator(solver, random_state=0, max_iter=n_epochs, **NO_STOP, **params)
    else:
        est = pickle.loads(pickle.dumps(base))
        est.set_params(warm_start=True, max_iter=n_epochs, **NO_STOP)
    return quiet_fit(est, X, y)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("k", [1, 7])
def test_keyboard_interrupt_keeps_last_complete_epoch(solver, k, monkeypatch):
    est = make_estimator(solver, random_state=0, max_iter=500, verbose=True, **NO_STOP)
    hook = _InterruptAtPrint(k)
    monkeypatch.setattr(builtins, "print", hook)
    with pytest.warns(UserWarning, match=r"(?i)interrupt"):
        est.fit(X, y)
    monkeypatch.undo()
    assert hook.calls == k  # the interrupt ended training at once
    n = est.n_iter_
    assert k - 2 <= n <= k
    # usable: predicts, scores, and continues to train
    assert np.isfinite(est.predict(X)).all()
    assert np.isfinite(est.score(X, y))
    if solver in STEP_SOLVERS and n > 0:
        ref = _reference(solver, n, verbose=False)
        assert_weights_identical(est, ref)
        assert est.loss_ == ref.loss_
    if solver in PARTIAL_FIT_SOLVERS:
        est.set_params(verbose=False).partial_fit(X, y)
        assert est.n_iter_ == n + 1


@pytest.mark.parametrize("solver", STEP_SOLVERS)
def test_keyboard_interrupt_in_warm_fit_keeps_earlier_training(solver, monkeypatch):
    base = _fitted(solver, **NO_STOP)
    est = pickle.loads(pickle.dumps(base))
    est.set_params(warm_start=True, max_iter=500, verbose=True)
    monkeypatch.setattr(builtins, "print", _InterruptAtPrint(4))
    with pytest.warns(UserWarning, match=r"(?i)interrupt"):
        est.fit(X, y)
    monkeypatch.undo()
    n_new = est.n_iter_ - base.n_iter_
    assert 2 <= n_new <= 4
    ref = _reference(solver, n_new, base=base)
    assert_weights_identical(est, ref)
    assert est.loss_curve_[: base.n_iter_] == base.loss_curve_


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX timers")
@pytest.mark.parametrize("solver", STEP_SOLVERS)
def test_keyboard_interrupt_from_a_real_signal(solver, monkeypatch):
    """Ctrl-C as the OS delivers it: asynchronously, at an arbitrary bytecode.

    A timer armed at the first epoch fires 20 ms later; its handler raises
    KeyboardInterrupt wherever the main thread happens to be.  The weights
    must be exactly those of ``n_iter_`` uninterrupted epochs.
    """
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")

    def handler(signum, frame):
        raise KeyboardInterrupt

    armed = []

    def arm(*args, **kwargs):
        if not armed:
            armed.append(True)
            signal.setitimer(signal.ITIMER_REAL, 0.02)

    previous = signal.signal(signal.SIGALRM, handler)
    monkeypatch.setattr(builtins, "print", arm)
    est = make_estimator(solver, random_state=0, max_iter=300_000, verbose=True, **NO_STOP)
    try:
        with pytest.warns(UserWarning, match=r"(?i)interrupt"):
            est.fit(X, y)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        monkeypatch.undo()
    assert 1 <= est.n_iter_ < 300_000
    ref = _reference(solver, est.n_iter_)
    # weights, n_iter_, loss_curve_ and loss_ bit for bit.  (The stopping-rule
    # counters are left to the line-by-line sweep below: a signal can land
    # between their updates, and that window is what the sweep pins down.)
    assert_weights_identical(est, ref)
    assert est.loss_ == ref.loss_


class _InterruptAtLine:
    """A trace function raising KeyboardInterrupt at the n-th line of package code.

    Tracing only ``sigmoid_mlp``'s own frames, it reaches every line the
    package executes during a call, so sweeping ``n`` interrupts the call at
    every point between two statements, whatever the internals look like.
    """

    PACKAGE = os.path.dirname(sigmoid_mlp.__file__)

    def __init__(self, n):
        self.n = n
        self.count = 0
        self.fired = None

    def __call__(self, frame, event, arg):
        if frame.f_code.co_filename.startswith(self.PACKAGE):
            return self._line
        return None

    def _line(self, frame, event, arg):
        if event == "line" and self.fired is None:
            self.count += 1
            if self.count == self.n:
                self.fired = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"
                raise KeyboardInterrupt
        return self._line


@pytest.mark.parametrize("solver", STEP_SOLVERS)
@pytest.mark.parametrize("method", ["warm-fit", "partial_fit"])
def test_keyboard_interrupt_at_every_line_never_corrupts_the_model(solver, method):
    """Ctrl-C at each of the ~300 statements of a short fit on a fitted model.

    Allowed outcomes: the call returns a model equal (bit for bit, every fitted
    attribute) to the one of ``n_iter_`` uninterrupted epochs, or the
    KeyboardInterrupt propagates and the model is equal to the one before the
    call or to the one of the complete call.  Anything else -- a mixture of
    two epochs, a half-committed model -- is a corrupted model.
    """
    if method == "partial_fit" and solver not in PARTIAL_FIT_SOLVERS:
        pytest.skip("no partial_fit")
    Xs, ys = X[:8, :2], y[:8]
    base = quiet_fit(make_estimator(solver, max_iter=3, random_state=0, **NO_STOP), Xs, ys)
    epochs = 2 if method == "warm-fit" else 1

    def continued(n_epochs):
        est = pickle.loads(pickle.dumps(base))
        if n_epochs == 0:
            return est
        if method == "partial_fit":
            est.partial_fit(Xs, ys)
            return est
        est.set_params(warm_start=True, max_iter=n_epochs)
        return quiet_fit(est, Xs, ys)

    allowed = {n: fitted_state(continued(n)) for n in range(epochs + 1)}
    corrupted = []
    n = 0
    while True:
        n += 1
        est = pickle.loads(pickle.dumps(base))
        est.set_params(warm_start=True, max_iter=epochs)
        tracer = _InterruptAtLine(n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sys.settrace(tracer)
            try:
                if method == "partial_fit":
                    est.partial_fit(Xs, ys)
                else:
                    est.fit(Xs, ys)
            except KeyboardInterrupt:
                pass
            finally:
                sys.settrace(None)
        if tracer.fired is None:
            break  # n is past the last line: every point has been tried
        state = fitted_state(est)
        if not any(state == good for good in allowed.values()):
            corrupted.append(tracer.fired)
    assert n > 50
    assert not corrupted, f"corrupted model after Ctrl-C at: {sorted(set(corrupted))}"


# --------------------------------------------------- pickling mid-stream
def _batches(n_batches, seed):
    rng = np.random.RandomState(seed)
    for _ in range(n_batches):
        idx = rng.choice(len(X), size=8, replace=False)
        yield X[idx], y[idx], rng.uniform(0.5, 2.0, 8)


@pytest.mark.skipif(not PARTIAL_FIT_SOLVERS, reason="no solver offers partial_fit")
@pytest.mark.parametrize("solver", PARTIAL_FIT_SOLVERS or ["gd"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pickled_mid_stream_continues_bit_for_bit(solver, dtype):
    batches = [(Xb.astype(dtype), yb, sw) for Xb, yb, sw in _batches(8, seed=1)]
    est = make_estimator(solver, random_state=0)
    for Xb, yb, sw in batches[:4]:
        est.partial_fit(Xb, yb, sample_weight=sw)
    blob = pickle.dumps(est)
    restored = pickle.loads(blob)
    assert_same_state(fitted_state(est), fitted_state(restored))
    for Xb, yb, sw in batches[4:]:
        est.partial_fit(Xb, yb, sample_weight=sw)
        restored.partial_fit(Xb, yb, sample_weight=sw)
    assert_same_state(fitted_state(est), fitted_state(restored))
    assert_weights_identical(est, restored)
    assert est.n_iter_ == 8


@pytest.mark.parametrize("solver", SOLVERS)
def test_pickled_fitted_model_warm_starts_bit_for_bit(solver):
    est = _fitted(solver, **NO_STOP)
    restored = pickle.loads(pickle.dumps(est))
    for model in (est, restored):
        model.set_params(warm_start=True, max_iter=5)
        quiet_fit(model, X, y)
    assert_same_state(fitted_state(est), fitted_state(restored))
