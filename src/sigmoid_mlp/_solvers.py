r"""How to step with a gradient.

A solver knows nothing about networks: it receives the list of parameter
arrays ``params`` (every ``coefs[l]`` then every ``intercepts[l]``) and the
matching list of gradients :math:`g = \partial J/\partial w`, and returns the
parameters after one step.  The gradient itself always comes from the
hand-written backward pass (:func:`sigmoid_mlp._network.loss_gradient`, or its
fast version :class:`sigmoid_mlp._kernels.FullBatchLossGradient`).

The parameter arrays may belong to any Array API library (torch,
array-api-strict, ...): the solvers' state arrays are created in the
parameters' library and on their device.

Solvers never modify an array in place: ``step`` returns new parameter arrays
and replaces (never mutates) its own state arrays.  Two consequences the
training loop relies on:

* the caller still holds the previous, finite weights when a step turns out
  to be divergent, and
* ``copy.copy(solver)`` is a complete, cheap snapshot of the solver's state
  (the loop takes one at the start of every epoch, so that an interrupted
  epoch can be discarded as a whole).

The update rules and their state are those of scikit-learn's
``MLPRegressor`` (``sgd`` with momentum or Nesterov's momentum, ``adam``),
written so that the same floating-point operations happen in the same order;
the equivalence tests rely on that.  :func:`minimize_lbfgs` is the seam to
``scipy.optimize.minimize(method='L-BFGS-B')``.  :class:`LevenbergMarquardt`
is the damping rule of the 'lm' solver, which steps with the gradient and the
Gauss-Newton curvature of :math:`J` (on the host, numpy only).
"""

from __future__ import annotations

import copy

import numpy as np
import scipy.optimize

from ._network import array_namespace

__all__ = [
    "SCHEDULES",
    "Adam",
    "GradientDescent",
    "LBFGSStop",
    "StochasticGradientDescent",
    "lm_damping_after_accept",
    "minimize_lbfgs",
]

SCHEDULES = ("constant", "invscaling", "adaptive")


def _zeros_like(p):
    """Zeros like ``p``, in ``p``'s library and on its device."""
    if isinstance(p, np.ndarray):
        return np.zeros_like(p)
    return array_namespace(p).zeros_like(p)


def _sqrt(v):
    """Element-wise square root in ``v``'s library."""
    if isinstance(v, np.ndarray):
        return np.sqrt(v)
    return array_namespace(v).sqrt(v)

# The 'adaptive' schedule gives up once the step size has been divided down to
# this value (MLPRegressor's threshold).
_ADAPTIVE_MIN_LEARNING_RATE = 1e-6


def _flatten(arrays, out):
    """``arrays`` one after another into the flat vector ``out``."""
    np.concatenate([a.reshape(-1) for a in arrays], out=out)


def _unflatten(vector, slices):
    """Fresh arrays (one copy of ``vector``) at ``slices`` (start, end, shape)."""
    vector = vector.copy()
    return [vector[start:end].reshape(shape) for start, end, shape in slices]


class GradientDescent:
    r"""The deck's gradient-descent step, with a step-size schedule.

    .. math:: w := w - \eta_t \frac{\partial J(\mathbf w)}{\partial w}

    for every weight and bias.  The step size :math:`\eta_t` follows
    ``schedule``:

    * ``'constant'``: :math:`\eta_t = \eta_0` (``learning_rate``).
    * ``'invscaling'``: :math:`\eta_t = \eta_0 / (t + 1)^{p}` with
      :math:`t` the number of training samples seen before the epoch and
      :math:`p` = ``power_t`` (updated once per epoch, as in
      ``MLPRegressor``).
    * ``'adaptive'``: :math:`\eta_t = \eta_0` while the monitored loss keeps
      improving; each time the no-improvement rule fires, :math:`\eta` is
      divided by 5, and training stops once :math:`\eta \le 10^{-6}`.

    Parameters
    ----------
    learning_rate : float
        Initial step size :math:`\eta_0 > 0`.
    schedule : {'constant', 'invscaling', 'adaptive'}, default='constant'
    power_t : float, default=0.5
        Exponent :math:`p` of ``'invscaling'``.

    Attributes
    ----------
    learning_rate : float
        The step size the next step uses.
    """

    def __init__(self, learning_rate, schedule="constant", power_t=0.5):
        self.learning_rate_init = float(learning_rate)
        self.learning_rate = float(learning_rate)
        self.schedule = schedule
        self.power_t = power_t

    def step(self, params, grads):
        """Return ``[p - learning_rate * g for p, g in zip(params, grads)]``."""
        lr = self.learning_rate
        return [p - lr * g for p, g in zip(params, grads)]

    # ---- the fast forms: one flat vector, in place (the mini-batch engines)
    #: The rule's code in the compiled mini-batch epoch (0 gd, 1 sgd, 2 adam).
    kernel_kind = 0

    def load_flat_state(self, state):
        """The rule's state arrays into the flat vectors ``state`` (zeros if none)."""

    def store_flat_state(self, state, slices):
        """The flat vectors ``state`` back into the rule's arrays (fresh
        arrays; ``slices``: ``(start, end, shape)`` of each array)."""

    def flat_step(self, p, g, out, state, work):
        """``out := p + update``: :meth:`step` on flat vectors, in place, in
        its order of operations (``work``: two scratch vectors)."""
        tmp = work[0]
        np.multiply(g, self.learning_rate, out=tmp)
        np.subtract(p, tmp, out=out)

    def kernel_hyperparameters(self):
        """``(t, learning_rate, momentum, nesterov, beta_1, beta_2, epsilon)``
        for the compiled epoch."""
        return 0, self.learning_rate, 0.0, False, 0.0, 0.0, 0.0

    def epoch_ends(self, samples_seen):
        """Move the schedule on after an epoch (``samples_seen``: :math:`t`)."""
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (
                (samples_seen + 1) ** self.power_t
            )

    def no_improvement(self):
        """React to the no-improvement rule; return True to stop training.

        ``'adaptive'`` divides the step size by 5 and continues (returns
        False) unless it is already at most ``1e-6``; every other schedule
        stops.
        """
        if self.schedule != "adaptive":
            return True
        if self.learning_rate <= _ADAPTIVE_MIN_LEARNING_RATE:
            return True
        self.learning_rate /= 5.0
        return False

    def restart_schedule(self, samples_seen):
        """Put the schedule where a new ``fit`` call starts it.

        ``'adaptive'`` starts again from ``learning_rate``; ``'invscaling'``
        continues from ``samples_seen`` (:math:`t`).
        """
        if self.schedule == "adaptive":
            self.learning_rate = self.learning_rate_init
        elif self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (
                (samples_seen + 1) ** self.power_t
            )

    def copy(self):
        """An independent snapshot (state arrays are never mutated in place)."""
        return copy.copy(self)


class StochasticGradientDescent(GradientDescent):
    r"""Gradient descent with (Nesterov's) momentum, ``MLPRegressor``'s 'sgd'.

    With momentum :math:`\mu` and velocity :math:`v` (zero at the start),

    .. math:: v \leftarrow \mu v - \eta_t g, \qquad w \leftarrow w + v,

    and with Nesterov's momentum the step looks ahead along the new velocity,

    .. math:: v \leftarrow \mu v - \eta_t g, \qquad
              w \leftarrow w + \mu v - \eta_t g.

    With :math:`\mu = 0` both are plain gradient descent.  The gradient is
    that of :math:`J` on the current mini-batch.

    Parameters
    ----------
    learning_rate : float
    schedule : {'constant', 'invscaling', 'adaptive'}, default='constant'
    power_t : float, default=0.5
    momentum : float, default=0.9
        :math:`\mu \in [0, 1]`.
    nesterov : bool, default=True
    """

    def __init__(self, learning_rate, schedule="constant", power_t=0.5,
                 momentum=0.9, nesterov=True):
        super().__init__(learning_rate, schedule, power_t)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocities = None

    def step(self, params, grads):
        """One momentum step; returns new parameter arrays."""
        if self.velocities is None:
            self.velocities = [_zeros_like(p) for p in params]
        mu, lr = self.momentum, self.learning_rate
        updates = [mu * v - lr * g for v, g in zip(self.velocities, grads)]
        self.velocities = updates
        if self.nesterov:
            updates = [mu * v - lr * g for v, g in zip(self.velocities, grads)]
        return [p + u for p, u in zip(params, updates)]

    kernel_kind = 1

    def load_flat_state(self, state):
        if self.velocities is None:
            state[0].fill(0)
        else:
            _flatten(self.velocities, state[0])

    def store_flat_state(self, state, slices):
        self.velocities = _unflatten(state[0], slices)

    def flat_step(self, p, g, out, state, work):
        # step: v = mu v - lr g; w = w + v, or with Nesterov w = w + (mu v - lr g)
        tmp, upd = work
        v, mu = state[0], self.momentum
        np.multiply(g, self.learning_rate, out=tmp)
        np.multiply(v, mu, out=v)
        np.subtract(v, tmp, out=v)
        if self.nesterov:
            np.multiply(v, mu, out=upd)
            np.subtract(upd, tmp, out=upd)
            np.add(p, upd, out=out)
        else:
            np.add(p, v, out=out)

    def kernel_hyperparameters(self):
        return 0, self.learning_rate, self.momentum, self.nesterov, 0.0, 0.0, 0.0


class Adam:
    r"""Adam (Kingma & Ba), ``MLPRegressor``'s 'adam'.

    With step count :math:`t` (per mini-batch), first and second moment
    estimates :math:`m, v` (zero at the start):

    .. math::
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \\
        \eta_t &= \eta_0 \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}, \qquad
        w \leftarrow w - \eta_t \frac{m}{\sqrt{v} + \epsilon}.

    Parameters
    ----------
    learning_rate : float
        :math:`\eta_0 > 0`.
    beta_1, beta_2 : float
        Decay rates in :math:`[0, 1)`.
    epsilon : float
        :math:`\epsilon > 0`, keeps the division finite.
    """

    schedule = "constant"

    def __init__(self, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate_init = float(learning_rate)
        self.learning_rate = float(learning_rate)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        self.ms = None
        self.vs = None

    def step(self, params, grads):
        """One Adam step; returns new parameter arrays."""
        if self.ms is None:
            self.ms = [_zeros_like(p) for p in params]
            self.vs = [_zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        self.ms = [b1 * m + (1 - b1) * g for m, g in zip(self.ms, grads)]
        self.vs = [b2 * v + (1 - b2) * (g**2) for v, g in zip(self.vs, grads)]
        self.learning_rate = lr = self.step_size()
        updates = [-lr * m / (_sqrt(v) + self.epsilon) for m, v in zip(self.ms, self.vs)]
        return [p + u for p, u in zip(params, updates)]

    kernel_kind = 2

    def load_flat_state(self, state):
        if self.ms is None:
            for vector in state:
                vector.fill(0)
        else:
            _flatten(self.ms, state[0])
            _flatten(self.vs, state[1])

    def store_flat_state(self, state, slices):
        self.ms = _unflatten(state[0], slices)
        self.vs = _unflatten(state[1], slices)

    def flat_step(self, p, g, out, state, work):
        # step: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g**2;
        # w = w + (-lr m) / (sqrt(v) + eps)
        tmp, upd = work
        m, v = state
        b1, b2 = self.beta_1, self.beta_2
        self.t += 1
        np.multiply(m, b1, out=m)
        np.multiply(g, 1 - b1, out=tmp)
        np.add(m, tmp, out=m)
        np.multiply(g, g, out=tmp)
        np.multiply(tmp, 1 - b2, out=tmp)
        np.multiply(v, b2, out=v)
        np.add(v, tmp, out=v)
        self.learning_rate = lr = self.step_size()
        np.sqrt(v, out=tmp)
        np.add(tmp, self.epsilon, out=tmp)
        np.multiply(m, -lr, out=upd)
        np.divide(upd, tmp, out=upd)
        np.add(p, upd, out=out)

    def kernel_hyperparameters(self):
        # the compiled epoch computes the bias-corrected step size itself
        return (self.t, self.learning_rate_init, 0.0, False, self.beta_1,
                self.beta_2, self.epsilon)

    def step_size(self):
        r""":math:`\eta_t` of step ``t``, with the bias correction (a Python float,
        so that float32 weights stay float32)."""
        b1, b2 = self.beta_1, self.beta_2
        return float(
            self.learning_rate_init * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        )

    def epoch_ends(self, samples_seen):
        """Adam has no per-epoch schedule."""

    def no_improvement(self):
        """Adam stops when the no-improvement rule fires."""
        return True

    def restart_schedule(self, samples_seen):
        """Nothing to restart: the bias correction carries on with ``t``."""

    def copy(self):
        """An independent snapshot (state arrays are never mutated in place)."""
        return copy.copy(self)


class LBFGSStop(Exception):
    """Raised from an L-BFGS iteration callback to end the optimisation early."""


def minimize_lbfgs(fun, x0, *, max_iter, max_fun, tol, callback=None):
    r"""Minimise ``fun`` with scipy's L-BFGS-B, the gradient supplied.

    ``fun(x)`` returns ``(J(x), ∂J/∂x)`` for the packed weight vector ``x``
    (:func:`sigmoid_mlp._network.pack`).  The options are
    ``MLPRegressor``'s: ``maxiter=max_iter``, ``maxfun=max_fun`` and
    ``gtol=tol`` (stop when :math:`\max_i |\text{proj}\, g_i| \le` ``tol``);
    L-BFGS-B's own relative-reduction test ``ftol`` keeps scipy's default.

    ``callback(x)`` is called after every iteration with the new iterate; it
    may raise :class:`LBFGSStop` to end the optimisation, which then returns
    ``None`` (the caller keeps the iterate it saw last).  Any other
    exception propagates.

    Returns
    -------
    scipy.optimize.OptimizeResult or None
    """
    try:
        return scipy.optimize.minimize(
            fun,
            x0,
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options={"maxiter": int(max_iter), "maxfun": int(max_fun), "gtol": tol},
        )
    except LBFGSStop:
        return None


def lm_damping_after_accept(mu, rho):
    r"""Nielsen's update of :math:`\mu` after a step with gain ratio
    :math:`\rho > 0` was taken (a plain function of floats, so that the
    compiled 'lm' iterations of :mod:`._compiled` use it too)."""
    return mu * max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)


