"""Safe persistence with :mod:`skops.io`: the estimator's own types, nothing else.

:mod:`pickle` (and :mod:`joblib`, which uses it) stores *instructions*: a
pickle file may name any importable callable and the arguments to call it
with, and ``pickle.load`` runs them.  Loading a pickle from someone else is
running their code.  :mod:`skops.io` stores *data* instead: a JSON schema of
which type each object has and what its attributes hold, plus numpy arrays in
``.npy`` form.  Loading rebuilds the objects without calling anything the file
names, and refuses any type that is not on a list of trusted types: scikit-learn's
estimators, numpy and scipy containers and builtins are trusted by skops
itself, and :data:`TRUSTED_TYPES` adds exactly the types a fitted
:class:`~sigmoid_mlp.SigmoidMLPRegressor` is made of.

``skops`` is optional: it is imported only when :func:`dump` or :func:`load`
is called (``pip install skops``).

Examples
--------
>>> import numpy as np
>>> from sigmoid_mlp import SigmoidMLPRegressor
>>> from sigmoid_mlp.persistence import TRUSTED_TYPES, dump, load
>>> X = np.linspace(-1, 1, 20).reshape(-1, 1)
>>> model = SigmoidMLPRegressor(max_iter=50, random_state=0)
>>> model = model.fit(X, X.ravel() ** 2)                # doctest: +SKIP
>>> dump(model, "model.skops")                          # doctest: +SKIP
>>> restored = load("model.skops")                      # doctest: +SKIP
>>> "sigmoid_mlp._regressor.SigmoidMLPRegressor" in TRUSTED_TYPES
True
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from os import PathLike
from typing import IO, Any

from . import _regressor, _solvers

__all__ = ["TRUSTED_TYPES", "dump", "load"]


def _qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _own_types() -> tuple[str, ...]:
    """The estimator class and every class defined in ``sigmoid_mlp._solvers``.

    A fitted estimator holds its solver object (the step rule and any state it
    keeps between ``partial_fit`` calls); everything else it stores is numpy
    arrays, lists, floats and ints, which skops trusts already.
    """
    solver_classes = [
        cls
        for _, cls in inspect.getmembers(_solvers, inspect.isclass)
        if cls.__module__ == _solvers.__name__
    ]
    names = {_qualified_name(_regressor.SigmoidMLPRegressor)}
    names.update(_qualified_name(cls) for cls in solver_classes)
    return tuple(sorted(names))


TRUSTED_TYPES: tuple[str, ...] = _own_types()
"""Fully qualified names of the types :func:`load` trusts beyond skops' defaults.

``sigmoid_mlp._regressor.SigmoidMLPRegressor`` and the solver classes of
``sigmoid_mlp._solvers`` (``GradientDescent``, ...): the types a fitted
:class:`~sigmoid_mlp.SigmoidMLPRegressor` consists of.  skops rebuilds them
with ``cls.__new__`` and restores their attributes (through
``BaseEstimator.__setstate__`` for the estimator); none of them runs other
code when rebuilt.  Pass this list to ``skops.io.load``'s ``trusted``
argument when you call skops directly.
"""


def _skops_io():
    try:
        import skops.io as sio
    except ImportError as exc:  # pragma: no cover - exercised without skops
        raise ImportError(
            "sigmoid_mlp.persistence needs the optional package 'skops'; install "
            "it with `pip install skops`."
        ) from exc
    return sio


def dump(obj: Any, file: str | PathLike[str] | IO[bytes]) -> None:
    """Save a model (an estimator, a pipeline, ...) in skops' format.

    Parameters
    ----------
    obj : object
        What to save, typically a fitted :class:`~sigmoid_mlp.SigmoidMLPRegressor`
        or a :class:`~sklearn.pipeline.Pipeline` containing one.
    file : str, path-like or binary file object
        Where to write; the conventional suffix is ``.skops``.
    """
    _skops_io().dump(obj, file)


def load(
    file: str | PathLike[str] | IO[bytes],
    *,
    trusted: Iterable[str | type] = (),
) -> Any:
    """Load a model saved by :func:`dump` (or by ``skops.io.dump``).

    Only skops' default trusted types (scikit-learn, numpy, scipy, builtins),
    :data:`TRUSTED_TYPES` and the types listed in ``trusted`` are accepted.

    Parameters
    ----------
    file : str, path-like or binary file object
        The file to read.
    trusted : iterable of str or type, default=()
        Further types to trust, as fully qualified names (as
        ``skops.io.get_untrusted_types`` reports them) or the types
        themselves.  Add a type only after you have checked that rebuilding
        it is harmless.

    Returns
    -------
    object
        The saved object.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        (a :class:`TypeError`) when the file contains a type outside the
        trusted ones; nothing from the file has been executed then.
    """
    return _skops_io().load(file, trusted=[*TRUSTED_TYPES, *trusted])
