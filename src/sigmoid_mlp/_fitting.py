"""One ``fit`` call of the estimator, from raw data to the committed model.

:func:`fit_once` is what ``SigmoidMLPRegressor.fit`` runs for each start
(``n_init`` starts go through :func:`sigmoid_mlp._small_data.fit_restarts`):
the data checks of :mod:`._validation`, ``normalize_y``'s target scaling,
the training state (fresh weights or a warm start), the validation set, and
then :func:`sigmoid_mlp._training.run_call`, which trains and commits.
"""

from __future__ import annotations

from ._array_api import device_of, namespace_of
from ._evidence import ALPHA_START, EvidenceRegulariser
from ._small_data import (
    EVIDENCE_ATTRIBUTES,
    apply_scaling,
    check_lm_size,
    evidence_attributes,
    fold_scaling,
    penalises_intercepts,
    target_scaling,
    unfold_scaling,
)
from ._state import State
from ._training import SOLVERS, Validation, initial_state, prepare_solver, run_call
from ._validation import (
    check_continuation,
    check_data,
    check_validation_data,
    split_validation,
)

__all__ = ["fit_once"]


def fit_once(est, X, y, sample_weight, X_val, y_val, sample_weight_val, hidden,
             random_state, *, warn_size, stacklevel):
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
        check_lm_size(est, hidden, X, y, stacklevel=stacklevel)
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
    if isinstance(est.alpha, str):  # alpha='auto'
        start = getattr(est, "alpha_", None) if warm else None
        state.regulariser = EvidenceRegulariser(
            ALPHA_START if start is None else start)
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
             stacklevel=stacklevel, finish=finish,
             remove=() if est.solver == "lm" else EVIDENCE_ATTRIBUTES)
    return checked
