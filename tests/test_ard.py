"""alpha='ard': one prior strength per input, re-estimated by the evidence.

The updates and the log evidence are checked against the formulas written
out with dense numpy on a small network (its Jacobian by hand, not the
package's); then the estimator: Friedman #1's noise inputs, agreement with
alpha='auto' when every input matters, and everything 'auto' has
(return_std, normalize_y, n_init, ONNX, warm start).
"""

import math
import warnings

import numpy as np
import pytest
from _engine_helpers import record_lm_blocks
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import (
    SigmoidMLPRegressor,
    _compiled,
    _evidence,
    _fitting,
    _lm,
    _network,
)
from sigmoid_mlp._lm import GaussNewtonSystem


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def literal_jacobian(X, W, b, v, c):
    """d yhat_i / d(W, v, b, c) for yhat = sigmoid(X W + b) v + c, by hand,
    in pack's order (W row by row, v, b, c)."""
    s = sigmoid(X @ W + b)                    # (n, h)
    ds = s * (1 - s) * v.ravel()              # d yhat / d z_j
    dW = X[:, :, None] * ds[:, None, :]       # (n, d, h)
    return np.hstack([dW.reshape(len(X), -1), s, ds, np.ones((len(X), 1))])


def small_problem(seed=0, n=25, d=3, h=2):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    y = np.sin(X[:, :1]) + 0.1 * rng.normal(size=(n, 1))
    W, b = rng.normal(size=(d, h)), rng.normal(size=h)
    v, c = rng.normal(size=(h, 1)), rng.normal(size=1)
    x = _network.pack([W, v], [b, c])
    return X, y, (W, b, v, c), x


INPUT_ALPHAS, OTHER = np.array([0.3, 2.0, 40.0]), 0.7


def ard_case(penalise_intercepts):
    """:func:`small_problem` under ARD strengths ``INPUT_ALPHAS``, ``OTHER``.

    Returns ``(X, params, x, system, reg, literal)``: the package's
    Gauss-Newton system with the regulariser attached (split groups, as
    after a warm start), and the literal quantities written out with dense
    numpy: each weight's group (0..d-1 the rows of W, d the rest, -1 an
    unpenalised intercept), ``penalised``, ``alphas`` (per group), ``a``
    (per weight), ``sizes``, ``residual`` and, from the hand-written
    Jacobian, ``C``, ``C_inv`` and ``gammas``.
    """
    X, y, (W, b, v, c), x = small_problem()
    d, h = X.shape[1], W.shape[1]
    system = GaussNewtonSystem(X, y, None, OTHER, [d, h, 1], np.float64,
                               penalise_intercepts=penalise_intercepts)
    reg = _evidence.ARDRegulariser(OTHER, INPUT_ALPHAS)
    assert not reg.tied  # a warm start: the groups are split already
    reg.attach(system)

    p = x.size
    group = np.full(p, d)
    group[: d * h] = np.repeat(np.arange(d), h)
    penalised = np.ones(p)
    if not penalise_intercepts:
        penalised[d * h + h:] = 0.0  # b and c
        group[d * h + h:] = -1
    alphas = np.append(INPUT_ALPHAS, OTHER)
    a = np.array([alphas[g] if g >= 0 else 0.0 for g in group])
    Jac = literal_jacobian(X, W, b, v, c)
    G = Jac.T @ Jac
    residual = y[:, 0] - (sigmoid(X @ W + b) @ v[:, 0] + c[0])
    sizes = np.array([np.sum(group == g) for g in range(d + 1)])
    # the intercepts' floor 1e-3 * alpha (the other weights') when unpenalised
    C = G + np.diag(a) + np.diag(1e-3 * OTHER * (1 - penalised))
    C_inv = np.linalg.inv(C)
    gammas = np.array([sizes[g] - alphas[g] * np.trace(C_inv[np.ix_(group == g,
                                                                       group == g)])
                       for g in range(d + 1)])
    literal = dict(group=group, penalised=penalised, alphas=alphas, a=a,
                   sizes=sizes, residual=residual, C=C, C_inv=C_inv,
                   gammas=gammas)
    return X, (W, b, v, c), x, system, reg, literal


@pytest.mark.parametrize("penalise_intercepts", [True, False])
def test_ard_update_and_log_evidence_against_the_literal_formulas(
        penalise_intercepts):
    X, _, x, system, reg, literal = ard_case(penalise_intercepts)
    n, d = X.shape
    loss = system.loss(x)
    grad, curvature = system.gradient_curvature(x)
    new_loss, new_grad, new_curvature = reg.update(system, x, loss, grad,
                                                   curvature)

    # the literal quantities
    p = x.size
    group, penalised, alphas, a = (literal[k] for k in
                                   ("group", "penalised", "alphas", "a"))
    sizes, C, gammas = literal["sizes"], literal["C"], literal["gammas"]
    residual = literal["residual"]
    e_data = 0.5 * residual @ residual
    e_w = np.array([0.5 * np.sum(x[group == g] ** 2) for g in range(d + 1)])
    n_b = p - penalised.sum()
    beta = (n - n_b - gammas.sum()) / (2 * e_data)
    new_alphas = gammas / (2 * e_w * beta)  # alpha_M,g / beta
    log_det_A = np.linalg.slogdet(beta * C)[1]
    evidence = (-beta * e_data - np.sum(alphas * beta * e_w) - 0.5 * log_det_A
                + np.sum(sizes / 2 * np.log(alphas * beta))
                + n_b / 2 * np.log(2 * np.pi) + n / 2 * np.log(beta / (2 * np.pi)))

    # J at x: the literal one (the system's own loss is the same number)
    J = (e_data + 0.5 * np.sum(a * x * x)) / n
    np.testing.assert_allclose(loss, J, rtol=1e-12)
    np.testing.assert_allclose(reg.gammas, gammas, rtol=1e-9)
    np.testing.assert_allclose(reg.beta, beta, rtol=1e-9)
    np.testing.assert_allclose(reg.input_alphas, new_alphas[:d], rtol=1e-9)
    np.testing.assert_allclose(reg.alpha, new_alphas[d], rtol=1e-9)
    np.testing.assert_allclose(reg.log_evidence, evidence, rtol=1e-10)
    # the system now has the new strengths, and the returned J, gradient and
    # curvature are its own at x (not recomputed over the data by update)
    np.testing.assert_allclose(system.penalty,
                               [new_alphas[g] if g >= 0 else 0 for g in group])
    np.testing.assert_allclose(new_loss, system.loss(x), rtol=1e-12)
    grad2, curvature2 = system.gradient_curvature(x)
    np.testing.assert_allclose(new_grad, grad2, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(new_curvature, curvature2, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("penalise_intercepts", [True, False])
def test_ard_error_bars_against_the_literal_formulas(penalise_intercepts):
    """The t's variance plus the strengths' error bars, written out."""
    X, (W, b, v, c), x, system, reg, literal = ard_case(penalise_intercepts)
    n, d = X.shape
    loss = system.loss(x)
    _, curvature = system.gradient_curvature(x)
    attrs = _lm.evidence_attributes(system, x, loss, curvature, OTHER,
                                    np.ones(1), ard=reg, chosen=True)
    p = x.size
    group, penalised, alphas = (literal[k] for k in
                                ("group", "penalised", "alphas"))
    C_inv, gammas, residual = (literal[k] for k in
                               ("C_inv", "gammas", "residual"))
    nu = n - (p - penalised.sum()) - gammas.sum()
    beta = nu / (residual @ residual)
    # d w* / d ln alpha_g = -C^-1 alpha_g P_g w*
    u = np.stack([C_inv @ (alphas[g] * (group == g) * x) for g in range(d + 1)])
    X_new = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -2.0]])
    g_new = literal_jacobian(X_new, W, b, v, c)
    scale2 = 1 / beta + np.einsum("ip,pq,iq->i", g_new, C_inv / beta, g_new)
    moved = g_new @ u.T                       # (n_new, groups)
    hyper = (moved**2 @ (2 / gammas)) + 2 / nu * moved.sum(axis=1) ** 2
    want = scale2 * nu / (nu - 2) + hyper
    got = _evidence.predictive_variance(
        g_new[:, None, :], attrs["_posterior_factor"], attrs["_posterior_beta"],
        attrs["_posterior_dof"], attrs["_posterior_hyper"])[:, 0]
    np.testing.assert_allclose(got, want, rtol=1e-9)
    assert attrs["_posterior_dof"] == pytest.approx(nu, rel=1e-12)
    assert np.all(hyper > 1e-3 * scale2)  # not negligible in this check
    # a fixed alpha: no error bars of the strengths
    fixed = _lm.evidence_attributes(system, x, loss, curvature, OTHER,
                                    np.ones(1), ard=reg, chosen=False)
    assert fixed["_posterior_hyper"] is None


def test_group_functions_with_one_group_are_the_scalar_ones():
    X, y, _, x = small_problem(seed=1)
    system = GaussNewtonSystem(X, y, None, 0.5, [3, 2, 1], np.float64,
                               penalise_intercepts=False)
    _, curvature = system.gradient_curvature(x)
    C = X.shape[0] * curvature
    L, log_det = _evidence.regularised_cholesky(C, system.penalised, 0.5)
    gamma = _evidence.effective_parameters(L, system.penalised, 0.5)
    groups = np.where(system.penalised > 0, 0, -1)
    gammas = _evidence.group_effective_parameters(L, groups, [0.5])
    np.testing.assert_allclose(gammas, [gamma], rtol=1e-13)
    n_b = float((groups < 0).sum())
    e_w = 0.5 * float((system.penalised * x) @ x)
    scalar = _evidence.reestimate(gamma, 3.0, e_w, 25.0, n_b)
    grouped = _evidence.group_reestimate(gammas, 3.0, [e_w], 25.0, n_b)
    np.testing.assert_allclose([g[0] for g in grouped[:2]] + [grouped[2]],
                               scalar, rtol=1e-13)
    W_p = float(system.penalised.sum())
    np.testing.assert_allclose(
        _evidence.group_log_evidence(3.0, [e_w], [0.5], 2.0, log_det, 25.0,
                                     [W_p], n_b),
        _evidence.log_evidence(3.0, e_w, 0.5, 2.0, log_det, 25.0, W_p, n_b),
        rtol=1e-13)


def test_input_groups_are_the_rows_of_the_first_layer_also_when_deep():
    sizes = [4, 3, 2, 1]
    layout = _network.FlatLayout(sizes)
    groups = _evidence.input_groups(sizes, layout.penalty_mask(intercepts=True))
    coefs, intercepts = _network.unpack(groups, sizes)
    np.testing.assert_array_equal(coefs[0], np.repeat(np.arange(4), 3).reshape(4, 3))
    for array in [*coefs[1:], *intercepts]:
        assert (array == 4).all()
    groups = _evidence.input_groups(sizes, layout.penalty_mask(intercepts=False))
    _, intercepts = _network.unpack(groups, sizes)
    assert all((b == -1).all() for b in intercepts)


def friedman(n=200, seed=2):
    X, y = make_friedman1(n_samples=n, n_features=10, noise=1.0,
                          random_state=seed)
    return StandardScaler().fit_transform(X), y


def test_friedman1_noise_inputs_get_the_largest_input_alphas():
    """Inputs 5..9 of make_friedman1 do not enter y: ARD finds them."""
    X, y = friedman()
    model = SigmoidMLPRegressor(hidden_layer_sizes=(8,), solver="lm",
                                alpha="ard", normalize_y=True,
                                random_state=0).fit(X, y)
    assert model.input_alphas_.shape == (10,)
    assert set(np.argsort(model.input_alphas_)[5:]) == {5, 6, 7, 8, 9}
    inverse = 1 / model.input_alphas_
    np.testing.assert_allclose(model.relevance_, inverse / inverse.sum())
    assert set(np.argsort(model.relevance_)[:5]) == {5, 6, 7, 8, 9}
    assert model.relevance_[:5].sum() > 0.99
    gammas = model.input_effective_n_params_
    assert gammas.shape == (10,) and ((gammas >= 0) & (gammas <= 8)).all()
    assert gammas[5:].max() < gammas[[0, 1, 3]].min()
    assert gammas.sum() < model.effective_n_params_
    # 'ard' explains the data better than one alpha for all (the evidence)
    auto = SigmoidMLPRegressor(hidden_layer_sizes=(8,), solver="lm",
                               alpha="auto", normalize_y=True,
                               random_state=0).fit(X, y)
    assert model.log_evidence_ > auto.log_evidence_ + 10


def test_every_input_relevant_ard_is_close_to_auto():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(150, 3))
    y = np.sin(X).sum(axis=1) + 0.1 * rng.normal(size=150)
    kw = dict(hidden_layer_sizes=(3,), solver="lm", random_state=0)
    auto = SigmoidMLPRegressor(alpha="auto", **kw).fit(X, y)
    ard = SigmoidMLPRegressor(alpha="ard", **kw).fit(X, y)
    # every input used: no input_alpha far from the others
    assert ard.input_alphas_.max() / ard.input_alphas_.min() < 3
    assert abs(ard.log_evidence_ - auto.log_evidence_) < 1
    assert np.std(ard.predict(X) - auto.predict(X)) < 0.03 * np.sqrt(
        auto.noise_variance_)
    np.testing.assert_allclose(ard.noise_variance_, auto.noise_variance_,
                               rtol=0.02)


def test_return_std_normalize_y_and_loss_gradient_with_ard():
    X, y = friedman(n=120)
    kw = dict(hidden_layer_sizes=(4,), solver="lm", alpha="ard", random_state=0)
    model = SigmoidMLPRegressor(normalize_y=True, **kw).fit(X, 100 * y + 7)
    mean, std = model.predict(X, return_std=True)
    assert std.shape == (len(X),) and (std > 0).all()
    assert (std ** 2 >= model.noise_variance_ * (1 - 1e-12)).all()
    # normalize_y trains on the standardised y: the same fit as by hand
    scaled = (100 * y + 7 - np.mean(100 * y + 7)) / np.std(100 * y + 7)
    plain = SigmoidMLPRegressor(**kw).fit(X, scaled)
    np.testing.assert_allclose(model.input_alphas_, plain.input_alphas_,
                               rtol=1e-6)
    np.testing.assert_allclose(model.relevance_, plain.relevance_, rtol=1e-6)
    scale = np.std(100 * y + 7)
    np.testing.assert_allclose(mean, plain.predict(X) * scale + np.mean(100 * y + 7),
                               rtol=1e-7)
    np.testing.assert_allclose(std, plain.predict(X, return_std=True)[1] * scale,
                               rtol=1e-6)
    np.testing.assert_allclose(model.log_evidence_,
                               plain.log_evidence_ - len(y) * math.log(scale),
                               rtol=1e-9)
    # loss_gradient's J under 'ard' is the final objective (per-input terms)
    result = plain.loss_gradient(X, scaled)
    np.testing.assert_allclose(result.loss, plain.loss_, rtol=1e-10)


def test_n_init_keeps_the_start_with_the_largest_log_evidence(monkeypatch):
    X, y = friedman(n=120)
    seen = []
    original = _fitting.evidence_attributes

    def record(*args, **kwargs):
        attrs = original(*args, **kwargs)
        seen.append(attrs)
        return attrs

    monkeypatch.setattr(_fitting, "evidence_attributes", record)
    model = SigmoidMLPRegressor(hidden_layer_sizes=(3,), solver="lm",
                                alpha="ard", n_init=3, normalize_y=True,
                                random_state=0).fit(X, y)
    assert len(seen) == 3
    best = max(seen, key=lambda a: a["log_evidence_"])
    assert model.log_evidence_ == best["log_evidence_"]
    np.testing.assert_array_equal(model.input_alphas_, best["input_alphas_"])


def test_onnx_export_of_an_ard_model():
    skl2onnx = pytest.importorskip("skl2onnx")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("sigmoid_mlp.onnx")
    X, y = friedman(n=100)
    model = SigmoidMLPRegressor(hidden_layer_sizes=(4,), solver="lm", alpha="ard",
                                normalize_y=True, random_state=0).fit(X, y)
    onx = skl2onnx.to_onnx(model, X[:1])
    session = ort.InferenceSession(onx.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    (pred,) = session.run(None, {session.get_inputs()[0].name: X})
    np.testing.assert_allclose(pred.ravel(), model.predict(X), rtol=1e-12,
                               atol=1e-12)


def test_refit_and_warm_start_keep_the_attributes_consistent():
    X, y = friedman(n=100)
    model = SigmoidMLPRegressor(hidden_layer_sizes=(3,), solver="lm", alpha="ard",
                                random_state=0).fit(X, y)
    first = model.input_alphas_.copy()
    # a warm start continues from the fitted strengths, split
    model.set_params(warm_start=True).fit(X, y)
    assert model.input_alphas_.shape == first.shape
    assert set(np.argsort(model.input_alphas_)[:3]) == set(np.argsort(first)[:3])
    # alpha='auto' afterwards: the 'ard' attributes go
    model.set_params(warm_start=False, alpha="auto").fit(X, y)
    for name in ("input_alphas_", "relevance_", "input_effective_n_params_"):
        assert not hasattr(model, name)


@pytest.mark.skipif(not _compiled.AVAILABLE, reason="the compiled engine needs numba")
def test_ard_runs_the_fused_compiled_iterations(monkeypatch, capsys):
    """alpha='ard' takes the plan of any 'lm' fit: the fused compiled
    iterations (blocks of LM_BLOCK unwatched, of 1 watched), nothing declined."""
    X, y = friedman(n=50)
    sizes = record_lm_blocks(monkeypatch)
    kw = dict(hidden_layer_sizes=(3,), solver="lm", alpha="ard", max_iter=20,
              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SigmoidMLPRegressor(**kw).fit(X, y)
        assert model._engine == "compiled" and sizes == [20]
        sizes.clear()
        watched = SigmoidMLPRegressor(verbose=2, **kw).fit(X, y)
    first = capsys.readouterr().out.splitlines()[0]
    assert "1 epoch per engine call" in first and "declined" not in first
    assert sizes == [1] * watched.n_iter_
    np.testing.assert_array_equal(watched.input_alphas_, model.input_alphas_)


@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd", "gd"])
def test_ard_with_another_solver_is_a_clear_error(solver):
    X, y = friedman(n=30)
    with pytest.raises(ValueError, match=r"alpha='ard'.*needs solver='lm'"):
        SigmoidMLPRegressor(solver=solver, alpha="ard").fit(X, y)


def test_ard_errors_early_stopping_and_unknown_strings():
    X, y = friedman(n=30)
    with pytest.raises(ValueError, match="early_stopping"):
        SigmoidMLPRegressor(solver="lm", alpha="ard", early_stopping=True).fit(X, y)
    with pytest.raises(ValueError, match="'auto' or 'ard'"):
        SigmoidMLPRegressor(solver="lm", alpha="ARD").fit(X, y)


def test_integer_sample_weights_are_repeated_rows_under_ard():
    X, y = friedman(n=80)
    w = np.random.RandomState(1).randint(1, 3, size=len(y))
    kw = dict(hidden_layer_sizes=(3,), solver="lm", alpha="ard", random_state=0)
    weighted = SigmoidMLPRegressor(**kw).fit(X, y, sample_weight=w)
    repeated = SigmoidMLPRegressor(**kw).fit(np.repeat(X, w, axis=0),
                                             np.repeat(y, w))
    # the same objective, evidence and updates; only the sums' order differs
    np.testing.assert_allclose(weighted.input_alphas_, repeated.input_alphas_,
                               rtol=1e-7)
    np.testing.assert_allclose(weighted.log_evidence_, repeated.log_evidence_,
                               rtol=1e-10)


def test_two_outputs_two_hidden_layers_and_float32_with_ard():
    X, y = friedman(n=80)
    kw = dict(solver="lm", alpha="ard", random_state=0)
    two = SigmoidMLPRegressor(hidden_layer_sizes=(3,), normalize_y=True,
                              **kw).fit(X, np.column_stack([y, X[:, 0]]))
    _, std = two.predict(X, return_std=True)
    assert std.shape == (80, 2) and (std > 0).all()
    assert two.input_alphas_.shape == (10,)
    # the second output is input 0 itself: input 0 is the most relevant
    assert np.argmax(two.relevance_) in (0, 1)
    deep = SigmoidMLPRegressor(hidden_layer_sizes=(4, 3), **kw).fit(X, y)
    assert deep.input_alphas_.shape == (10,)
    np.testing.assert_allclose(deep.relevance_.sum(), 1.0)
    # float32 data: the evidence from a float64 system at the final weights
    single = SigmoidMLPRegressor(hidden_layer_sizes=(3,), **kw).fit(
        X.astype(np.float32), y.astype(np.float32))
    double = SigmoidMLPRegressor(hidden_layer_sizes=(3,), **kw).fit(X, y)
    np.testing.assert_allclose(np.log(single.input_alphas_),
                               np.log(double.input_alphas_), atol=0.05)
