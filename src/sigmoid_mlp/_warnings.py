"""Warnings that point at the user's line.

Every warning the package emits goes through :func:`warn_user`, which
attributes it to the first frame on the call stack that belongs neither to
``sigmoid_mlp`` nor to scikit-learn: the user's ``est.fit(X, y)`` (or
``grid.fit(X, y)``, ``pipe.predict(X)``, ...).  A fixed ``stacklevel``
cannot do this: the number of frames between the user and the warning site
depends on the method (``fit`` goes through the ``n_init`` restarts), on the
meta-estimator (``Pipeline``, ``GridSearchCV``) and on the scikit-learn
release (from 1.9, ``fit`` and ``partial_fit`` run inside the callback
support's wrapper).

:func:`reemit_to_user` does the same for the warnings scikit-learn's own
checks raise inside the package (``validate_data``'s feature-name
warnings), which otherwise point into ``sklearn/utils/validation.py``.

A leaf module: it imports nothing from the package.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

import sklearn
from sklearn.exceptions import ConvergenceWarning

__all__ = ["PoorFitWarning", "reemit_to_user", "warn_user"]


def _package_dir(module_file):
    return os.path.dirname(os.path.abspath(module_file)) + os.sep


# the packages whose frames are skipped; contextlib's frames too, which run
# the re-emission of reemit_to_user (a context manager) and any
# @contextmanager of the package or of scikit-learn
_INTERNAL = (
    _package_dir(__file__),
    _package_dir(sklearn.__file__),
)
_INTERNAL_FILES = (os.path.abspath(contextlib.__file__),)


def _is_internal(filename):
    path = os.path.abspath(filename)
    return path.startswith(_INTERNAL) or path in _INTERNAL_FILES


def warn_user(message, category=UserWarning):
    """``warnings.warn(message, category)`` attributed to the user's line.

    The user's line is the first frame, walking out from here, whose file
    is in neither the ``sigmoid_mlp`` nor the ``sklearn`` package.
    """
    frame = sys._getframe(1)
    level = 2
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    if frame is None:
        level -= 1
    warnings.warn(message, category, stacklevel=level)


@contextlib.contextmanager
def reemit_to_user():
    """Re-issue the warnings raised in the block from the user's line.

    For scikit-learn's checks that the package calls (``validate_data``):
    their warnings (``X has feature names, but ... was fitted without feature
    names``, ...) carry a ``stacklevel`` counted for scikit-learn's own
    estimators and point into scikit-learn.  The warnings are recorded, then
    issued again, once each, with the same message and category, through the
    user's warning filters.  When the block raises, the exception propagates
    and the recorded warnings are dropped (the error says what was wrong).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for item in caught:
        warn_user(item.message, item.category)


class PoorFitWarning(ConvergenceWarning):
    """A fit that ended poorly for a reason the package can name.

    Issued once per ``fit`` (and on the first ``partial_fit`` call) when the
    diagnostic after training finds inputs far from standardised with the
    sigmoid units saturated on most rows, or a stop of the no-improvement
    rule while the loss was still falling (a step size too large for the
    data): the message names the cause and the fix.  A subclass of
    scikit-learn's ``ConvergenceWarning`` (and so of ``UserWarning``): the
    optimiser stopped somewhere that is not a good minimum, and filters
    that silence ``ConvergenceWarning`` silence it too.
    """
