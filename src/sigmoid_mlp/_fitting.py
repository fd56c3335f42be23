"""One ``fit`` call of the estimator, from raw data to the committed model.

:func:`fit_once` is what ``SigmoidMLPRegressor.fit`` runs for each start
(``n_init`` starts go through :func:`fit_restarts`):
the data checks of :mod:`._validation`, ``normalize_y``'s target scaling,
the training state (fresh weights or a warm start), the validation set, and
then :func:`run_call`, which trains and commits (:func:`train`: the plan,
the divergence threshold, the driver, the final checks).
"""

from __future__ import annotations

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from . import _committee, _lm, _network
from ._diagnostics import warn_user
from ._evidence import ALPHA_START, ARDRegulariser, EvidenceRegulariser
from ._lm import GaussNewtonSystem
from ._network import copy_arrays, device_of, namespace_of
from ._plan import (
    SOLVERS,
    gauss_newton,
    make_solver,
    penalises_intercepts,
    plan,
    solver_signature,
)
from ._protocol import (
    BLOW_UP_FACTOR,
    HAS_CALLBACK_API,
    UNSTABLE_FACTOR,
    Diverged,
    Hooks,
    Protocol,
    State,
    TrainingConfig,
    TrainingDivergedError,
    Validation,
    is_divergent,
)
from ._validation import (
    check_continuation,
    check_data,
    check_validation_data,
    split_validation,
)

__all__ = ["fit_once", "fit_restarts", "run_call", "train"]


def fit_once(est, X, y, sample_weight, X_val, y_val, sample_weight_val, hidden,
             random_state, *, warn_size):
    """One ``fit`` from ``random_state``'s weights (or a warm start): checks,
    target scaling, state, validation set, then :func:`run_call`.

    Returns the training data as checked, ``(X, y)`` (``y`` 2-D, on its own
    scale), for the diagnostic after the fit (:mod:`._diagnostics`).
    """
    warm = bool(est.warm_start) and hasattr(est, "coefs_")
    X, y, sample_weight = check_data(est, X, y, sample_weight, reset=not warm)
    checked = (X, y)
    xp = namespace_of(X)
    if xp is not None and SOLVERS[est.solver].host_only:
        raise TypeError(
            f"solver={est.solver!r} runs on the host and takes numpy "
            f"arrays only; got {xp.__name__} arrays with array_api_dispatch "
            "enabled. Use solver='gd', 'sgd' or 'adam', or pass numpy arrays."
        )
    if warn_size:
        check_lm_size(est, hidden, X, y)
    # normalize_y: train on standardised targets (a warm start keeps the
    # scaling of the fit it continues)
    scaling = None
    if est.normalize_y:
        scaling = (getattr(est, "_y_scaling", None) if warm else None) or (
            target_scaling(y, sample_weight))
        y = apply_scaling(y, scaling)
    if warm:
        check_continuation(est, hidden, y, X, "fit")
        state = State.from_estimator(est)
        if scaling is not None:
            state.coefs[-1], state.intercepts[-1] = unfold_scaling(
                state.coefs[-1], state.intercepts[-1], scaling)
        prepare_solver(est, state, restart=True)
    else:
        state = initial_state(est, hidden, X, y, random_state)
    if isinstance(est.alpha, str):  # alpha='auto' or 'ard'
        state.regulariser = make_regulariser(est, warm)
    validation = check_validation_data(
        est, X_val, y_val, sample_weight_val, X.dtype, y.shape[1],
        xp=xp, device=None if xp is None else device_of(X),
    )
    if validation is not None and scaling is not None:
        validation = (validation[0], apply_scaling(validation[1], scaling),
                      validation[2])
    if validation is None and est.early_stopping:
        X, y, sample_weight, validation = split_validation(
            est, X, y, sample_weight, state.rng
        )
    if validation is not None:
        alpha = est.alpha if state.regulariser is None else state.regulariser.alpha
        validation = Validation(*validation, alpha, penalises_intercepts(est))
        state.start_validation()
    state.no_improvement_count = 0

    def finish(state):
        # the evidence at the final (trained-scale) weights, then the
        # target scaling folded into the output layer
        attrs = (evidence_attributes(est, state, X, y, sample_weight, scaling)
                 if est.solver == "lm" else {})
        if scaling is not None:
            state.coefs[-1], state.intercepts[-1] = fold_scaling(
                state.coefs[-1], state.intercepts[-1], scaling)
        attrs["_y_scaling"] = scaling
        return attrs

    run_call(est, state, X, y, sample_weight, validation, fit_call=True,
             finish=finish,
             remove=(EVIDENCE_ATTRIBUTES if est.solver != "lm"
                     else () if est.alpha == "ard" else ARD_ATTRIBUTES))
    return checked


def make_regulariser(est, warm):
    """The evidence's re-estimation of ``alpha='auto'`` or ``'ard'``,
    starting from :data:`ALPHA_START` (a warm start: from the fitted
    ``alpha_``, and ``input_alphas_`` for 'ard')."""
    start = getattr(est, "alpha_", None) if warm else None
    start = ALPHA_START if start is None else start
    if est.alpha != "ard":
        return EvidenceRegulariser(start)
    inputs = getattr(est, "input_alphas_", None) if warm else None
    return ARDRegulariser(start, inputs)


# solver='lm' with max_iter='auto' runs at most this many iterations (the
# default of MATLAB's trainlm and trainbr); the other solvers 50000 epochs.
LM_AUTO_MAX_ITER = 1000


AUTO_MAX_ITER = 50000


# solver='lm' warns above this many weights: one iteration costs about
# LM_SECONDS_PER_FLOP * (n k p^2 + p^3) seconds (measured: p = 1001, n = 1000
# took 0.49 s per iteration, p = 2001 took 1.9 s, on 2 shared cores).
LM_WARN_WEIGHTS = 1000


LM_SECONDS_PER_FLOP = 2.5e-10


def iteration_budget(est):
    """``max_iter``, or for ``max_iter='auto'`` 1000 ('lm') or 50000 (others)."""
    if isinstance(est.max_iter, str):
        return LM_AUTO_MAX_ITER if est.solver == "lm" else AUTO_MAX_ITER
    return est.max_iter


def budget_text(est):
    """How the iteration budget reads in messages."""
    if isinstance(est.max_iter, str):
        return f"max_iter='auto', i.e. {iteration_budget(est)}"
    return f"max_iter={est.max_iter}"


def check_lm_size(est, hidden, X, y, *, candidates=None):
    """Warn when solver='lm' would spend seconds per iteration (or more).

    ``X`` and ``y`` are only measured (``shape``), so the check can run
    before the data are validated; data whose shape cannot be read are left
    to the validation's error.  With ``candidates`` (the one-layer sizes of
    ``hidden_layer_sizes='auto'``, :func:`._sizes.candidate_sizes`) the
    warning is about the search's largest network, issued before the
    search starts: the search records its candidates' warnings and
    re-issues only the kept one's, too late for this one.  Warnings point
    at the user's line (:func:`._diagnostics.warn_user`)."""
    if est.solver != "lm":
        return
    n_fits = 1
    if candidates is not None:
        hidden, n_fits = (max(candidates),), len(candidates) * est.n_init
    try:
        shape_X, shape_y = np.shape(X), np.shape(y)
    except (TypeError, ValueError):  # ragged lists, array-likes that refuse
        return  # numpy's functions: the validation will say what is wrong
    if len(shape_X) != 2 or len(shape_y) not in (1, 2):
        return
    (n, d), k = shape_X, (1 if len(shape_y) == 1 else shape_y[1])
    layer_sizes = [d, *hidden, k]
    p = sum((a + 1) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    if p <= LM_WARN_WEIGHTS:
        return
    seconds = LM_SECONDS_PER_FLOP * (n * k * p**2 + p**3)
    search = (
        f"hidden_layer_sizes='auto' fits up to {n_fits} networks (the sizes "
        f"{tuple(candidates)} with n_init={est.n_init} starts each, stopping "
        f"once larger sizes stop gaining), the largest of {hidden[0]} units. "
        if candidates is not None else "")
    advice = (
        "; for larger ones use solver='lbfgs' or solver='adam'"
        + (", or set hidden_layer_sizes to a size of your choice, e.g. (3,)"
           if candidates is not None else "") + ".")
    warn_user(
        f"{search}solver='lm' with {p} weights: every iteration builds and "
        f"solves a {p} x {p} system, O(n k p^2 + p^3) time (about "
        f"{seconds:.2g} s per iteration here on a typical CPU, for up to "
        f"{budget_text(est)}) and {8 * p * p / 2**20:.0f} MiB per copy of the "
        f"matrix. 'lm' is meant for networks of up to about {LM_WARN_WEIGHTS} "
        f"weights{advice}",
        UserWarning,
    )


def _restart_score(est):
    """Higher is better: the log evidence under alpha='auto', else -loss_.

    A start without a finite criterion (``loss_`` None or NaN) scores
    ``-inf``, so it is kept only when no start has one.
    """
    if isinstance(est.alpha, str):
        score = float(est.log_evidence_)
    else:
        score = -float(est.loss_) if est.loss_ is not None else -np.inf
    return score if not np.isnan(score) else -np.inf


def fit_restarts(est, fit_one, warm):
    """``n_init`` fits from :func:`._committee.start_points`; keep the best (or all).

    ``fit_one(random_state, first)`` fits ``est`` once.  With ``n_init=1``
    or a warm start it runs once, seeded by ``random_state`` itself.
    Otherwise every start runs from the estimator as it was before the call
    (so a start never continues another), and the fit with the largest
    ``log_evidence_`` (``alpha='auto'``) or the smallest ``loss_`` is kept
    (the first of equals).  Since the starts of ``n_init=k`` are among those
    of ``n_init=k+1``, more starts never keep a worse criterion.  With
    ``ensemble=True`` every start is also kept, as ``estimators_``
    (:func:`._committee.members`), and ``best_index_`` names the kept
    one.  A failure of any start leaves ``est``
    as it was before the call.
    """
    ensemble = bool(getattr(est, "ensemble", False))
    if warm or (est.n_init == 1 and not ensemble):
        fit_one(est.random_state, True)
        for name in _committee.COMMITTEE_ATTRIBUTES:  # of an earlier fit
            est.__dict__.pop(name, None)
        return
    starts = _committee.start_points(est.random_state, est.n_init)
    scores = []
    with _committee.Candidates(est) as tried:
        for k, start in enumerate(starts):
            if est.verbose:
                print(f"start {k + 1} of {len(starts)}: random_state={start!r}",
                      flush=True)
            tried.fit(k, lambda: fit_one(start, k == 0))  # noqa: B023 (called at once)
            scores.append(_restart_score(est))
        best = int(np.argmax(scores))
        tried.keep(best)
    if est.verbose:
        evidence = isinstance(est.alpha, str)
        values = ", ".join(f"{score if evidence else -score:.6g}" for score in scores)
        print(f"kept start {best + 1} of {len(starts)}, the "
              f"{'largest log_evidence_' if evidence else 'smallest loss_'} "
              f"({values})", flush=True)
    fits = list(tried.fits.values())
    if ensemble:
        est.estimators_ = _committee.members(type(est), fits, starts)
        est.best_index_ = best
    else:
        for name in _committee.COMMITTEE_ATTRIBUTES:
            est.__dict__.pop(name, None)


def prepare_solver(est, state, *, restart):
    """Reuse the step rule's state when its hyperparameters are unchanged."""
    key = solver_signature(est)
    if state.solver is None or state.solver_key != key:
        state.solver = make_solver(est)
        state.solver_key = key
        restart = True
    if restart and state.solver is not None:
        state.solver.restart_schedule(state.t)


def initial_state(est, hidden, X, y, random_state=None):
    """A fresh training state: Glorot-uniform weights in ``X``'s library."""
    rng = check_random_state(est.random_state if random_state is None
                             else random_state)
    layer_sizes = [X.shape[1], *hidden, y.shape[1]]
    xp = namespace_of(X)
    if xp is None:
        coefs, intercepts = _network.init_weights(layer_sizes, rng, X.dtype)
    else:
        # Drawn by numpy (the same weights as for numpy data), then moved
        # once to X's library and device.
        coefs, intercepts = _network.init_weights(
            layer_sizes, rng, X.dtype, xp=xp, device=device_of(X)
        )
    state = State(coefs, intercepts, make_solver(est), rng)
    state.solver_key = solver_signature(est)
    return state


def run_call(est, state, X, y, sample_weight, validation, *, fit_call,
             finish=None, remove=()):
    """One ``fit``/``partial_fit`` call: callbacks around :func:`train`, commit.

    The estimator's fitted attributes change only here, in one update
    (``state.commit``), after :func:`train` succeeded and after
    ``finish(state)`` (which may change the state and returns extra fitted
    attributes: the evidence and the target scaling;
    the attributes named in ``remove`` go in the same update);
    warnings (interrupt, iteration limits) point at the caller's line
    (:func:`._diagnostics.warn_user`).
    """
    n_epochs = iteration_budget(est) if fit_call else 1
    ctx = None
    metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
    if HAS_CALLBACK_API:
        max_subtasks = n_epochs + 1 if est.solver == "lbfgs" else n_epochs
        root = est._init_callback_context(max_subtasks=max_subtasks)
        root.call_on_fit_task_begin(estimator=est, X=X, y=y, metadata=metadata)
        if getattr(est, "_skl_callbacks", None):
            ctx = root
    host_only = SOLVERS[est.solver].host_only
    task = f"{est.solver}-iteration" if host_only else "epoch"
    hooks = Hooks(est, state, ctx, X, y, metadata, task)
    try:
        status = train(est, state, X, y, sample_weight, validation,
                       n_epochs=n_epochs, fit_call=fit_call, hooks=hooks)
    finally:
        hooks.close()
    if status == "interrupted" and not fit_call:
        raise KeyboardInterrupt
    extra = {} if finish is None else finish(state)
    state.commit(est, fit_call=fit_call, extra=extra, remove=remove)
    message = None
    if status == "interrupted":
        warn_user(
            f"Training interrupted (KeyboardInterrupt) after {state.n_iter} "
            "epochs in all; the model keeps the weights of the last complete "
            "epoch" + (" with the best validation loss" if est.early_stopping
                       else "") + ".",
            UserWarning,
        )
    elif fit_call and status in ("max_iter", "max_fun") and host_only:
        limit = (f"maximum number of iterations ({budget_text(est)})"
                 if status == "max_iter" else
                 f"maximum number of function evaluations (max_fun={est.max_fun})")
        message = (f"SigmoidMLPRegressor(solver={est.solver!r}) stopped at its "
                   f"{limit} before converging; raise it, or scale the inputs.")
    elif fit_call and status == "max_iter":
        message = (
            f"SigmoidMLPRegressor: maximum iterations ({budget_text(est)}) "
            "reached and the optimization hasn't converged yet; raise "
            "max_iter, raise learning_rate, or scale the inputs."
        )
    elif fit_call and status == "abnormal":
        message = ("SigmoidMLPRegressor(solver='lbfgs') stopped before "
                   f"converging: {state.message}")
    if message is not None:
        warn_user(message, ConvergenceWarning)
    if HAS_CALLBACK_API:
        root.call_on_fit_task_end(
            estimator=est, X=X, y=y, metadata=metadata,
            reconstruction_attributes={},
        )


def train(est, state, X, y, sample_weight, validation, *, n_epochs, fit_call,
          hooks):
    """Run ``est.solver`` on ``state`` for one call; return the run's status.

    Raises :class:`TrainingDivergedError` (``state`` may then be partly
    trained, but the caller commits nothing).
    """
    layer_sizes = [state.coefs[0].shape[0], *(c.shape[1] for c in state.coefs)]
    # alpha='auto': the regulariser on the state holds the current alpha
    regulariser = state.regulariser
    alpha = float(est.alpha if regulariser is None else regulariser.alpha)
    batch_size = (
        X.shape[0] if est.solver == "gd"
        else min(200, X.shape[0]) if est.batch_size is None
        else est.batch_size
    )
    the_plan = plan(
        est.solver, X, y, sample_weight, alpha, layer_sizes, n_epochs=n_epochs,
        learning_rate_schedule=est.learning_rate_schedule,
        penalise_intercepts=penalises_intercepts(est),
        watched=validation is not None or hooks.active,
    )
    driver, objective = the_plan.driver, the_plan.objective
    if regulariser is not None:  # alpha='ard': one strength per weight
        regulariser.attach(objective)
    state.engine = the_plan.engine
    if est.verbose and est.verbose > 1:
        print(the_plan.describe(), flush=True)
    if isinstance(y, np.ndarray):
        tiny = np.finfo(X.dtype).tiny
    else:
        tiny = float(namespace_of(y).finfo(X.dtype).smallest_normal)
    start_loss = float(_loss_at(objective, state.coefs, state.intercepts))
    reference = max(
        float(objective.constant_prediction_loss()),
        start_loss if np.isfinite(start_loss) else 0.0,
        tiny,
    )
    threshold = BLOW_UP_FACTOR * reference
    config = TrainingConfig(
        n_epochs=n_epochs,
        alpha=alpha,
        tol=est.tol,
        n_iter_no_change=est.n_iter_no_change,
        early_stopping=bool(est.early_stopping),
        check_convergence=fit_call,
        divergence_threshold=threshold,
        batch_size=batch_size,
        shuffle=bool(est.shuffle),
        max_fun=est.max_fun,
        rule_on_training_loss=est.solver != "lbfgs",
        validation=validation,
        start_loss=start_loss,
        regulariser=regulariser,
        block=the_plan.block,
    )
    protocol = Protocol(state, config, hooks)
    n_before = len(state.loss_curve)
    try:
        run = driver(state, objective, X, y, sample_weight, config, protocol)
    except Diverged as exc:
        curve = state.loss_curve[n_before:] + (exc.loss_curve or [])
        raise _diverged_error(est.solver, exc.epoch, exc.learning_rate, exc.loss,
                              exc.coefs, exc.intercepts, curve) from None
    state.message = run.message
    final = run.final_loss
    if est.early_stopping and state.best_coefs is not None:
        state.coefs, state.intercepts = state.best_coefs, state.best_intercepts
        final = None
    if final is None:
        final = _loss_at(objective, state.coefs, state.intercepts)
    final = float(final)
    curve = state.loss_curve[n_before:]
    if is_divergent(final, threshold):
        n_layers = len(state.coefs)
        raise _diverged_error(
            est.solver, *run.last_step, final, run.previous[:n_layers],
            run.previous[n_layers:], curve,
        )
    if fit_call and final > UNSTABLE_FACTOR * reference:
        raise _unstable_error(est.solver, final, reference, run.last_step,
                              state.coefs, state.intercepts, curve)
    state.loss = final
    return run.status


def _loss_at(objective, coefs, intercepts):
    """:math:`J` at list-of-arrays weights, whatever the objective's layout."""
    if isinstance(objective, GaussNewtonSystem):
        return objective.loss(_network.pack(coefs, intercepts).astype(np.float64))
    return objective.loss(coefs, intercepts)


def _unstable_error(solver, final, reference, last_step, coefs, intercepts,
                    loss_curve):
    """A fit must not end worse than where it started and than the mean.

    An unstable step size can make the loss grow by orders of magnitude and
    then oscillate, finite but useless, until the no-improvement rule
    stops training.  ``reference`` is the larger of the loss at the start
    of the call and the loss of predicting the (weighted) mean of ``y``;
    ending ``UNSTABLE_FACTOR`` times above both means training made the
    model far worse than trivial.  (A smaller excess can be the transient
    oscillation of a short run and is left to the user.)
    """
    epoch, learning_rate = last_step
    return _error(
        f"Training became unstable with solver={solver!r} and "
        f"learning_rate={learning_rate!r}: after {len(loss_curve)} epochs of this "
        f"call the loss is {final!r}, more than {UNSTABLE_FACTOR:g} times the "
        "larger of the loss at the start of the call and that of predicting "
        f"the mean of y ({reference!r}). The step size is too large for this data; lower "
        "learning_rate (e.g. by a factor of 10) and standardise the inputs "
        "(sklearn.preprocessing.StandardScaler). The estimator was left "
        "unchanged.",
        solver, epoch, learning_rate, final, coefs, intercepts, loss_curve,
    )


def _diverged_error(solver, epoch, learning_rate, loss, coefs, intercepts,
                    loss_curve):
    spec = SOLVERS[solver]
    if spec.make is None:
        name = spec.name
        detail = (
            f"in {name} iteration {epoch} of this call with "
            f"solver={solver!r}: the loss or its gradient became "
            f"{loss!r}. {name} chooses its own "
            "step sizes, so the inputs or targets are too large for the sigmoid "
            "network; standardise them (sklearn.preprocessing.StandardScaler)."
        )
    else:
        detail = (
            f"in epoch {epoch} of this call with solver={solver!r} and "
            f"learning_rate={learning_rate!r}: the loss became {loss!r}. The "
            "step size is too large for this data; lower learning_rate (e.g. "
            "by a factor of 10) and standardise the inputs "
            "(sklearn.preprocessing.StandardScaler)."
        )
    return _error(
        f"Training diverged {detail} The estimator was left unchanged.",
        solver, epoch, learning_rate, loss, coefs, intercepts, loss_curve,
    )


def _error(message, solver, epoch, learning_rate, loss, coefs, intercepts,
           loss_curve):
    return TrainingDivergedError(
        message, epoch=epoch, learning_rate=learning_rate, loss=loss,
        coefs=copy_arrays(coefs), intercepts=copy_arrays(intercepts),
        loss_curve=list(loss_curve), solver=solver,
    )


# ---- normalize_y: the target scaling, folded into the linear output layer

# Fitted attributes of the evidence (solver='lm'); removed by fits that do not
# define them (ARD_ATTRIBUTES: alpha='ard' fits only).
ARD_ATTRIBUTES = ("input_alphas_", "relevance_", "input_effective_n_params_")
EVIDENCE_ATTRIBUTES = ("alpha_", "noise_variance_", "effective_n_params_",
                       "log_evidence_", "_posterior_factor", "_posterior_beta",
                       "_posterior_dof", "_posterior_hyper", *ARD_ATTRIBUTES)


def target_scaling(y, sample_weight):
    """normalize_y: per-output weighted mean and standard deviation of ``y``.

    A standard deviation below ``10 eps max(1, |mean|)`` (a constant target)
    is replaced by 1, as ``GaussianProcessRegressor`` does.
    """
    xp = _network.array_namespace(y)
    if sample_weight is None:
        mean = xp.mean(y, axis=0)
        var = xp.mean((y - mean) ** 2, axis=0)
    else:
        w = xp.reshape(sample_weight, (-1, 1))
        total = xp.sum(w)
        mean = xp.sum(w * y, axis=0) / total
        var = xp.sum(w * (y - mean) ** 2, axis=0) / total
    scale = xp.sqrt(var)
    eps = float(np.finfo(np.float32 if y.dtype == xp.float32 else np.float64).eps)
    tiny = scale < 10 * eps * xp.where(xp.abs(mean) > 1, xp.abs(mean),
                                       xp.ones_like(mean))
    scale = xp.where(tiny, xp.ones_like(scale), scale)
    return mean, scale


def apply_scaling(y, scaling):
    """``(y - mean) / scale``: the targets the network is trained on."""
    mean, scale = scaling
    return (y - mean) / scale


def fold_scaling(coef, intercept, scaling):
    """Output layer on the user's scale: ``y = scale * y_s + mean``."""
    mean, scale = scaling
    return coef * scale, intercept * scale + mean


def unfold_scaling(coef, intercept, scaling):
    """Inverse of :func:`fold_scaling`: the output layer for standardised y."""
    mean, scale = scaling
    return coef / scale, (intercept - mean) / scale



def evidence_attributes(est, state, X, y, sample_weight, scaling):
    """``alpha_``, ``noise_variance_``, ... at the final (trained-scale)
    weights: from the driver's Gauss-Newton system when it is at these very
    weights, else from a new one (:func:`._lm.evidence_attributes`)."""
    regulariser = state.regulariser
    alpha = float(est.alpha if regulariser is None else regulariser.alpha)
    ard = regulariser if isinstance(regulariser, ARDRegulariser) else None
    x = _network.pack(state.coefs, state.intercepts).astype(np.float64)
    last = state.gauss_newton
    if (last is not None and last[0].dtype == np.float64
            and last[0].alpha == alpha and np.array_equal(last[1], x)
            and (ard is None or np.array_equal(last[0].penalty, ard.per_weight()))):
        # the driver's system at these very weights (no pass over the data)
        system, _, loss, curvature = last
    else:  # e.g. early stopping restored earlier weights; float32 data
        layer_sizes = [X.shape[1], *(c.shape[1] for c in state.coefs)]
        system = gauss_newton(X, y, sample_weight, alpha, layer_sizes, np.float64,
                              penalise_intercepts=penalises_intercepts(est))
        if ard is not None:
            ard.attach(system)
        loss = system.loss(x)
        _, curvature = system.gradient_curvature(x)
    scale = np.ones(y.shape[1]) if scaling is None else np.asarray(
        scaling[1], dtype=np.float64)
    return _lm.evidence_attributes(system, x, loss, curvature, alpha, scale,
                                   ard=ard, chosen=regulariser is not None)
