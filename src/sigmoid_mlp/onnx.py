"""ONNX export: a converter for :class:`~sigmoid_mlp.SigmoidMLPRegressor`.

Importing this module registers, with `skl2onnx
<https://onnx.ai/sklearn-onnx/>`_, a converter and a shape calculator for
:class:`~sigmoid_mlp.SigmoidMLPRegressor` (alias :data:`ALIAS`), so that
``skl2onnx.to_onnx`` converts the estimator on its own or inside a
scikit-learn :class:`~sklearn.pipeline.Pipeline`, and the result runs in
``onnxruntime``:

>>> import numpy as np
>>> import onnxruntime as ort
>>> from skl2onnx import to_onnx
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> import sigmoid_mlp.onnx  # registers the converter
>>> from sigmoid_mlp import SigmoidMLPRegressor
>>> rng = np.random.RandomState(0)
>>> X = rng.uniform(-3, 3, size=(100, 2))
>>> y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
>>> model = make_pipeline(StandardScaler(), SigmoidMLPRegressor(random_state=0))
>>> model = model.fit(X, y)
>>> onx = to_onnx(model, X[:1].astype(np.float32))
>>> session = ort.InferenceSession(onx.SerializeToString(),
...                                providers=["CPUExecutionProvider"])
>>> X32 = X.astype(np.float32)
>>> (onnx_pred,) = session.run(None, {session.get_inputs()[0].name: X32})
>>> onnx_pred.shape  # one column per output, as skl2onnx's regressors
(100, 1)
>>> bool(np.allclose(onnx_pred.ravel(), model.predict(X32), atol=1e-5))
True

The graph is the network's forward pass, read from ``coefs_`` and
``intercepts_``: for every layer ``MatMul`` then ``Add``, and ``Sigmoid``
after every hidden layer; the output activation is the identity.  Any
number of hidden layers and outputs converts, and so does a model built
with :meth:`~sigmoid_mlp.SigmoidMLPRegressor.from_weights`.  A committee
(``ensemble=True``) converts to all its members' forward passes, added and
divided by their number (the mean ``predict`` returns; the graph has no
standard deviation).

Input types
    ``float32`` input (``FloatTensorType``, what ``X[:1].astype(np.float32)``
    gives) computes in float32, like every skl2onnx converter.  ``float64``
    input (``DoubleTensorType``) computes in float64: skl2onnx's converters
    of the usual preprocessing steps (``StandardScaler``, ...) and
    onnxruntime's CPU kernels of ``MatMul``, ``Add`` and ``Sigmoid``
    support double.  ``int64`` input is cast to float32 first.

Output
    Always 2-D, ``(n_samples, n_outputs)``, as skl2onnx's converter of
    :class:`~sklearn.neural_network.MLPRegressor` produces it; ``predict``
    returns a single output as 1-D.

Needs the ``onnx`` extra (``pip install "sigmoid-mlp[onnx]"``: skl2onnx,
onnx and onnxruntime); ``import sigmoid_mlp`` itself never imports them.
"""

from __future__ import annotations

try:
    from skl2onnx import update_registered_converter
    from skl2onnx.algebra.onnx_ops import (
        OnnxAdd,
        OnnxCast,
        OnnxDiv,
        OnnxIdentity,
        OnnxMatMul,
        OnnxSigmoid,
    )
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
    )
    from skl2onnx.proto import onnx_proto
except ImportError as exc:  # pragma: no cover - exercised in a subprocess
    raise ImportError(
        "sigmoid_mlp.onnx needs skl2onnx (and onnx; onnxruntime to run the "
        'result): install the onnx extra, pip install "sigmoid-mlp[onnx]". '
        f"({exc})"
    ) from exc

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ._regressor import SigmoidMLPRegressor

__all__ = [
    "ALIAS",
    "calculate_sigmoid_mlp_regressor_output_shapes",
    "convert_sigmoid_mlp_regressor",
    "register",
]

#: The name under which the converter is registered with skl2onnx.
ALIAS = "SigmoidMLPSigmoidMLPRegressor"


def _check_convertible(est):
    """The estimator's weights, checked; a clear error for what cannot convert."""
    try:
        check_is_fitted(est, ("coefs_", "intercepts_"))
    except NotFittedError as exc:
        raise NotFittedError(
            f"This {type(est).__name__} is not fitted, so there is no network "
            "to convert to ONNX: call fit (or build it with "
            "SigmoidMLPRegressor.from_weights) before skl2onnx.to_onnx."
        ) from exc
    coefs = [np.asarray(c) for c in est.coefs_]
    intercepts = [np.asarray(b) for b in est.intercepts_]
    if len(coefs) != len(intercepts) or not coefs:
        raise ValueError(
            f"Cannot convert to ONNX: coefs_ has {len(coefs)} layer(s) and "
            f"intercepts_ {len(intercepts)}; they must be equally many (>= 1). "
            "Refit the estimator or rebuild it with from_weights."
        )
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        if not (np.issubdtype(W.dtype, np.floating) and W.ndim == 2
                and b.shape == (W.shape[1],)):
            raise ValueError(
                f"Cannot convert to ONNX: layer {layer} has coefs_ of shape "
                f"{W.shape} ({W.dtype}) and intercepts_ of shape {b.shape}; "
                "expected a float (fan_in, fan_out) matrix and a (fan_out,) "
                "vector. Refit the estimator or rebuild it with from_weights."
            )
        if layer and W.shape[0] != coefs[layer - 1].shape[1]:
            raise ValueError(
                f"Cannot convert to ONNX: layer {layer} takes {W.shape[0]} "
                f"inputs but layer {layer - 1} has {coefs[layer - 1].shape[1]} "
                "units."
            )
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(
                f"Cannot convert to ONNX: layer {layer}'s weights contain NaN "
                "or infinity (training diverged?); refit with a smaller "
                "learning_rate before exporting."
            )
    return coefs, intercepts


def _compute_dtype(input_type):
    return np.float64 if isinstance(input_type, DoubleTensorType) else np.float32


def calculate_sigmoid_mlp_regressor_output_shapes(operator):
    """skl2onnx shape calculator: ``(N, n_features)`` in, ``(N, n_outputs)`` out.

    Registered for :class:`~sigmoid_mlp.SigmoidMLPRegressor` by
    :func:`register`.  Float input gives float output, double input double
    output, int64 input float output.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator of the estimator in skl2onnx's topology.
    """
    est = operator.raw_operator
    coefs, _ = _check_convertible(est)
    if len(operator.inputs) != 1 or len(operator.outputs) != 1:
        raise RuntimeError(
            f"{type(est).__name__} converts with one input and one output, got "
            f"{len(operator.inputs)} and {len(operator.outputs)}."
        )
    input_type = operator.inputs[0].type
    if not isinstance(input_type, (FloatTensorType, DoubleTensorType,
                                   Int64TensorType)):
        raise TypeError(
            f"{type(est).__name__} converts float, double or int64 tensors, not "
            f"{type(input_type).__name__}; convert with a float32 sample, e.g. "
            "to_onnx(model, X[:1].astype(numpy.float32))."
        )
    shape = getattr(input_type, "shape", None)
    if shape is not None and len(shape) == 2 and isinstance(shape[1], int) \
            and shape[1] != coefs[0].shape[0]:
        raise ValueError(
            f"The ONNX input has {shape[1]} features but the network expects "
            f"{coefs[0].shape[0]} (n_features_in_)."
        )
    out_type = DoubleTensorType if isinstance(input_type, DoubleTensorType) \
        else FloatTensorType
    n_samples = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = out_type([n_samples, coefs[-1].shape[1]])


def convert_sigmoid_mlp_regressor(scope, operator, container):
    """skl2onnx converter: the network's forward pass as an ONNX graph.

    For every layer ``MatMul`` with ``coefs_[l]`` then ``Add`` of
    ``intercepts_[l]``; ``Sigmoid`` after every hidden layer; identity
    output.  ``normalize_y`` folds its target scaling into the output layer
    at fit time, so ``coefs_`` and ``intercepts_`` are all there is to it.
    A committee (``ensemble=True``) is every member's forward pass
    (``estimators_[k]``), added and divided by their number, as ``predict``
    averages them.
    Registered for :class:`~sigmoid_mlp.SigmoidMLPRegressor` by
    :func:`register`.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
    operator : skl2onnx.common._topology.Operator
    container : skl2onnx.common._container.ModelComponentContainer
    """
    est = operator.raw_operator
    _check_convertible(est)
    opv = container.target_opset
    input_type = operator.inputs[0].type
    dtype = _compute_dtype(input_type)
    x = operator.inputs[0]
    if isinstance(input_type, Int64TensorType):
        x = OnnxCast(x, to=onnx_proto.TensorProto.FLOAT, op_version=opv)
    committee = getattr(est, "estimators_", None)
    networks = [est] if committee is None else committee
    out = None
    for network in networks:  # a committee: the members' sum, then / M
        a = _forward(x, *_check_convertible(network), dtype, opv)
        out = a if out is None else OnnxAdd(out, a, op_version=opv)
    if committee is not None:
        out = OnnxDiv(out, np.array([len(networks)], dtype=dtype),
                      op_version=opv)
    out = OnnxIdentity(out, op_version=opv,
                       output_names=[operator.outputs[0].full_name])
    out.add_to(scope, container)


def _forward(a, coefs, intercepts, dtype, opv):
    """One network's forward pass on the ONNX node ``a``."""
    last = len(coefs) - 1
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        a = OnnxMatMul(a, W.astype(dtype), op_version=opv)
        a = OnnxAdd(a, b.astype(dtype).reshape(1, -1), op_version=opv)
        if layer != last:
            a = OnnxSigmoid(a, op_version=opv)
    return a


def register():
    """Register the converter and shape calculator with skl2onnx.

    Done once when :mod:`sigmoid_mlp.onnx` is imported; calling it again is
    harmless (it overwrites the registration with the same functions).

    Returns
    -------
    alias : str
        :data:`ALIAS`, the name of the registered converter.
    """
    update_registered_converter(
        SigmoidMLPRegressor,
        ALIAS,
        calculate_sigmoid_mlp_regressor_output_shapes,
        convert_sigmoid_mlp_regressor,
        overwrite=True,
    )
    return ALIAS


register()
