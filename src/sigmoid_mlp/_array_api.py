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

__all__ = [
    "all_finite",
    "check_fitted_namespace",
    "check_same_namespace",
    "copy_arrays",
    "describe",
    "device_of",
    "dispatch_enabled",
    "host_sum",
    "host_vector",
    "input_namespace",
    "library_name",
    "move",
    "namespace_of",
    "take_rows",
    "to_numpy",
]


def dispatch_enabled():
    """Whether scikit-learn's ``array_api_dispatch`` is on."""
    import sklearn

    return bool(sklearn.get_config().get("array_api_dispatch", False))


def namespace_of(*arrays):
    """The Array API namespace of ``arrays``, or None for numpy and scipy sparse.

    ``None`` entries are ignored.  Arrays other than numpy need the
    ``array-api-compat`` package (the ``array-api`` extra).
    """
    if all(isinstance(a, np.ndarray) or sp.issparse(a) or a is None for a in arrays):
        return None
    try:
        import array_api_compat
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Arrays other than numpy need the array-api-compat package: "
            "pip install 'sigmoid-mlp[array-api]'."
        ) from exc
    xp = array_api_compat.array_namespace(*[a for a in arrays if a is not None])
    if array_api_compat.is_numpy_namespace(xp):
        return None
    return xp


def input_namespace(X):
    """The Array API namespace ``X`` is computed in, or None for numpy.

    Another library's namespace only with ``array_api_dispatch`` enabled and
    an array of that library; numpy arrays, sparse matrices, lists and data
    frames take the numpy path (and its fast kernels), as without dispatch.
    """
    if not dispatch_enabled() or isinstance(X, np.ndarray) or sp.issparse(X):
        return None
    if not hasattr(X, "shape"):
        return None
    try:
        return namespace_of(X)
    except (TypeError, ImportError):
        return None


def device_of(a):
    """The device of an array of another library (see :func:`namespace_of`)."""
    import array_api_compat

    return array_api_compat.device(a)


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


def copy_arrays(arrays):
    """Independent copies of numpy arrays; other libraries' arrays as they are.

    The namespace-generic training path never modifies an array in place, so
    its arrays need no copy (and copying must not move them off their device).
    """
    return [np.array(a) if isinstance(a, np.ndarray) else a for a in arrays]


def check_same_namespace(X, xp, device, method, what="X"):
    """Raise when ``X`` is not an array of ``xp`` on ``device``."""
    x_xp = input_namespace(X)
    x_device = None if x_xp is None else device_of(X)
    if x_xp is xp and (xp is None or x_device == device):
        return
    off = "" if dispatch_enabled() else (
        " (array_api_dispatch is off, so input is converted to numpy)"
    )
    raise ValueError(
        f"SigmoidMLPRegressor.{method}(): {what} and the fitted weights must use "
        f"the same namespace (array library) and device: the weights are "
        f"{describe(xp, device)} arrays, {what} is {describe(x_xp, x_device)}"
        f"{off}. Pass {what} in the library the model was fitted on (with "
        "sklearn.config_context(array_api_dispatch=True) for non-numpy arrays), "
        "or refit the model on this library."
    )


def check_fitted_namespace(est, X, method):
    """The input of a fitted model must be in the fitted weights' library."""
    W = est.coefs_[0]
    xp = namespace_of(W)
    check_same_namespace(X, xp, None if xp is None else device_of(W), method)


def host_sum(a):
    """``float(sum(a))`` for an array of any namespace (one scalar to the host)."""
    if isinstance(a, np.ndarray):
        return float(a.sum())
    return float((namespace_of(a) or np).sum(a))


def host_vector(a):
    """A short 1-D array of any namespace as numpy (one scalar per entry)."""
    return np.asarray([float(a[j]) for j in range(a.shape[0])])


def all_finite(arrays):
    """True when every entry is finite (one boolean per array to the host)."""
    for a in arrays:
        if isinstance(a, np.ndarray):
            if not np.isfinite(a).all():
                return False
        else:
            xp = namespace_of(a) or np
            if not bool(xp.all(xp.isfinite(a))):
                return False
    return True


def take_rows(a, rows):
    """Rows ``rows`` (a slice or a numpy index array) of ``a``, in ``a``'s library.

    The index array is moved once to ``a``'s device; the data never leave it.
    """
    if isinstance(a, np.ndarray) or hasattr(a, "tocsr"):
        return a[rows]
    xp = namespace_of(a)
    if isinstance(rows, slice):
        return a[rows, ...]
    import array_api_compat

    index = xp.asarray(rows, device=array_api_compat.device(a))
    return xp.take(a, index, axis=0)
