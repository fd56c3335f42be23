r"""Looking inside a fitted network: the deck's step-by-step prediction and its figures.

* :func:`explain_prediction` writes out the forward pass for one input in
  the deck's notation (:math:`z_j^{(l)} = w_{j0}^{(l)} + \sum_k w_{jk}^{(l)}
  a_k^{(l-1)}`, :math:`g(z_j^{(l)})`, :math:`\hat y`), with the numbers.
* Four display objects follow scikit-learn's ``Display`` convention
  (``XDisplay.from_estimator(...)`` computes, ``.plot(ax=None)`` draws, the
  drawn artists are attributes ending in ``_``):

  - :class:`PredictionDisplay`: the data, the predictions as points and as
    the interpolated curve;
  - :class:`ActivationDisplay`: the hidden activation curves and their
    weighted contributions :math:`w_{1j}^{(2)} g(z_j^{(1)})`, whose sum plus
    the bias :math:`w_{10}^{(2)}` is the prediction curve;
  - :class:`LossCurveDisplay`: the training loss (and validation loss, when
    the estimator recorded one) per epoch;
  - :class:`ComparisonDisplay`: the same data fitted by several regressors
    (e.g. ``SigmoidMLPRegressor`` and ``MLPRegressor``) side by side;
  - :class:`NetworkDisplay`: the deck's architecture slide, every edge
    labelled with its weight :math:`w_{jk}^{(l)}`, and the five steps of a
    prediction;
  - :class:`GradientDisplay`: per weight the derivative
    :math:`\partial J/\partial w` and the step :math:`-\alpha\,\partial
    J/\partial w`.

* :func:`explain_gradient` writes out every derivative of the cost, the
  deck's "Alle Ableitungen auf einen Blick", with its ingredients and values.
* :class:`TrainingAnimation` films the training: prediction curve, weighted
  activation curves and loss, every few epochs (GIF, MP4 or HTML).
* :func:`export_playground` writes one self-contained HTML page where the
  weights are sliders and gradient descent runs in the browser.

matplotlib is an optional dependency (``pip install sigmoid-mlp[plot]``): it
is imported only when a figure is drawn, so everything else here works
without it.

Every function accepts a fitted :class:`~sigmoid_mlp.SigmoidMLPRegressor` or
a fitted :class:`~sklearn.pipeline.Pipeline` whose last step is one; the
preprocessing steps are applied first and the figures are drawn against the
original inputs.
"""

# The code: _explain.py (explain_prediction), _displays.py (the four curve
# displays), _gradient.py (explain_gradient, GradientDisplay),
# _network_display.py (NetworkDisplay), _animation.py (TrainingAnimation),
# _playground.py with the page template playground.html (export_playground)
# and _common.py (what they share: pipelines, matplotlib, number formats).

from ._animation import TrainingAnimation
from ._displays import (
    ActivationDisplay,
    ComparisonDisplay,
    LossCurveDisplay,
    PredictionDisplay,
)
from ._explain import PredictionExplanation, explain_prediction
from ._gradient import GradientDisplay, GradientExplanation, explain_gradient
from ._network_display import NetworkDisplay
from ._playground import export_playground

__all__ = [
    "ActivationDisplay",
    "ComparisonDisplay",
    "GradientDisplay",
    "GradientExplanation",
    "LossCurveDisplay",
    "NetworkDisplay",
    "PredictionDisplay",
    "PredictionExplanation",
    "TrainingAnimation",
    "explain_gradient",
    "explain_prediction",
    "export_playground",
]
