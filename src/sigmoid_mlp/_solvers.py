"""How to step with a gradient.

A solver knows nothing about networks: it receives the list of parameter
arrays ``params`` (every ``coefs[l]`` then every ``intercepts[l]``) and the
matching list of gradients, and returns the parameters after one step.  The
gradient itself always comes from :func:`sigmoid_mlp._network.loss_gradient`.

Solvers never modify ``params`` in place: they return new arrays, so the
caller still holds the previous (finite) weights when a step turns out to be a
divergent one.
"""

from __future__ import annotations

import copy

__all__ = ["GradientDescent"]


class GradientDescent:
    r"""The deck's gradient-descent step.

    .. math:: w := w - \alpha \frac{\partial J(\mathbf w)}{\partial w}

    for every weight and bias, with the step size :math:`\alpha` given as
    ``learning_rate``.

    Parameters
    ----------
    learning_rate : float
        Step size :math:`\alpha > 0`.
    """

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def step(self, params, grads):
        """Return ``[p - learning_rate * g for p, g in zip(params, grads)]``."""
        lr = self.learning_rate
        return [p - lr * g for p, g in zip(params, grads)]

    def copy(self):
        """An independent copy (solvers with state copy their state too)."""
        return copy.deepcopy(self)
