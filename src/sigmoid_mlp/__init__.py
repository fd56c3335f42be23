"""sigmoid-mlp: the lecture deck's sigmoid network as a scikit-learn regressor.

``SigmoidMLPRegressor`` is a multilayer perceptron with sigmoid hidden units
and a linear output, trained by its own hand-derived backpropagation
gradients (see :mod:`sigmoid_mlp._network` for the formulas).
"""

from ._diagnostics import PoorFitWarning
from ._regressor import (
    ForwardPass,
    LossGradient,
    SigmoidMLPRegressor,
    TrainingDivergedError,
)

__version__ = "0.1.0"

__all__ = [
    "ForwardPass",
    "LossGradient",
    "PoorFitWarning",
    "SigmoidMLPRegressor",
    "TrainingDivergedError",
    "__version__",
]
