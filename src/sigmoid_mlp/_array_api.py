"""Arrays of any library: which namespace, which device, and moving between them.

Every helper the package needs to keep torch, CuPy or array-api-strict arrays
in their library and on their device (with scikit-learn's
``array_api_dispatch``) lives here, so that the rest of the code can ask one
question: *is this the numpy path?*

The convention
--------------
:func:`namespace_of` returns ``None`` for numpy arrays and scipy sparse
matrices (the numpy path, with its fast kernels) and the Array API namespace
``xp`` for arrays of any other library.  Every caller tests ``xp is None``.
Code written once against a namespace (the formulas of
:mod:`sigmoid_mlp._network`) computes in ``namespace_of(...) or numpy``
(:func:`sigmoid_mlp._network.array_namespace`).

:func:`input_namespace` is the same question for a user's *input* before
validation: ``None`` also when dispatch is off or the input is not an array
of an Array API library (lists, data frames), since those are validated into
numpy.

Helpers whose name starts with ``host_`` bring a scalar (or a short vector of
scalars) back to the host as Python floats / numpy; everything else keeps the
data where they are.

This module imports neither scikit-learn (only :func:`dispatch_enabled` asks
for its configuration, when called) nor ``array_api_compat`` at import time:
numpy-only users need neither the optional dependency nor its import cost, and
:mod:`sigmoid_mlp._network` stays free of scikit-learn.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from ._network import device_of, namespace_of

__all__ = [
    "describe",
    "library_name",
    "move",
    "to_numpy",
]


def library_name(xp):
    """A short name of the namespace ``xp`` for messages (``torch``, ...)."""
    name = getattr(xp, "__name__", str(xp))
    return name.replace("array_api_compat.", "")


def describe(xp, device):
    """``numpy`` or ``<library> (device <device>)``, for messages."""
    if xp is None:
        return "numpy"
    return f"{library_name(xp)} (device {device})"


def to_numpy(a):
    """``a`` as a numpy array, from any library (for validation, not training)."""
    if a is None or isinstance(a, (np.ndarray, list, tuple, numbers.Number)):
        return a
    if sp.issparse(a) or not hasattr(a, "shape"):
        return a
    try:
        xp = namespace_of(a)
    except (TypeError, ImportError):
        return a  # pandas and other array-likes: validate_data converts them
    if xp is None:
        return np.asarray(a)
    import array_api_compat

    a = array_api_compat.to_device(a, "cpu") if array_api_compat.is_torch_array(
        a) else a
    try:
        return np.from_dlpack(a)
    except (TypeError, RuntimeError, BufferError, ValueError):
        return np.asarray(a)


def move(a, xp, device):
    """``a`` (any library, or array-like) as an array of ``xp`` on ``device``."""
    if not isinstance(a, np.ndarray) and hasattr(a, "shape") and not sp.issparse(a):
        try:
            if namespace_of(a) is xp:
                return a if device_of(a) == device else xp.asarray(a, device=device)
        except (TypeError, ImportError):
            pass
    a = to_numpy(a) if hasattr(a, "shape") else a
    if not isinstance(a, np.ndarray):
        a = np.asarray(a)  # lists, pandas objects
    return xp.asarray(a, device=device)


