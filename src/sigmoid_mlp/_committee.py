"""Committees (``ensemble=True``): the members, their average and its spread.

:func:`._fitting.fit_restarts` runs the ``n_init`` starts (seeded by
:func:`start_points`); with
``ensemble=True`` it keeps every start as a member (:func:`members`), a
fitted single-network estimator.  The committee predicts the mean of its
members' predictions, and its predictive variance is that of the equal
mixture of the members' predictive distributions (:func:`combine`): the
mean of the members' variances plus the variance of their means.  What
describes one network (``forward_pass``, ``loss_gradient``,
``partial_fit``, the inspection displays) refuses a committee and names
the member to ask instead (:func:`check_single_network`).

:class:`Candidates` is what the ``n_init`` starts and the size search
(:func:`._sizes.search_sizes`) share: fits of one estimator that each start
from its state before the call, one of which is kept, and none of which
is left behind when one fails.
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["COMMITTEE_ATTRIBUTES", "Candidates", "check_single_network", "combine",
           "members", "start_points"]

# The fitted attributes only a committee has; a fit without ensemble=True
# removes them.
COMMITTEE_ATTRIBUTES = ("estimators_", "best_index_")


def start_points(random_state, n_init):
    """The ``n_init`` starting points: ``random_state`` itself, then seeds.

    Start 1 is ``random_state`` itself (exactly the fit of ``n_init=1``);
    starts 2 .. ``n_init`` are seeded by ``n_init - 1`` integers drawn, as
    ``KMeans`` draws its seeds (``randint(np.iinfo(np.int32).max)``), from
    a generator made from ``random_state``.  The draws of ``n_init=k`` are
    the first ``k - 1`` of every larger ``n_init``: the starts of ``n_init=k``
    are always among those of ``n_init=k+1``.  A ``RandomState`` instance
    (or None, numpy's global generator) is not advanced by the seeds: they
    come from a copy of its state at the call, and start 1 consumes the
    instance itself, exactly as a fit with ``n_init=1`` does.
    """
    if n_init == 1:
        return [random_state]
    source = check_random_state(random_state)
    if isinstance(random_state, np.random.RandomState) or random_state is None:
        copy = np.random.RandomState()
        copy.set_state(source.get_state())
        source = copy
    seeds = source.randint(np.iinfo(np.int32).max, size=n_init - 1)
    return [random_state, *(int(s) for s in seeds)]


class Candidates:
    """Fits of one estimator from the same saved state; one is kept.

    Use as a context manager::

        with Candidates(est) as tried:
            for key in keys:
                tried.fit(key, lambda: ...)   # fits est; its state is recorded
            tried.keep(best_key)              # est becomes that fit

    Every :meth:`fit` starts from the estimator's state at construction, so
    a candidate never continues another; ``fits`` maps each key to the
    estimator's ``__dict__`` after its fit (a shallow copy, in order).  An
    exception inside the ``with`` block (a failed or interrupted fit)
    restores the saved state before it propagates: nothing half-fitted is
    left on the estimator.
    """

    def __init__(self, est):
        self.est = est
        self.saved = dict(est.__dict__)
        self.fits = {}

    def _become(self, state):
        self.est.__dict__.clear()
        self.est.__dict__.update(state)

    def fit(self, key, fit):
        """Run ``fit()`` from the saved state and record the result as ``key``."""
        self._become(self.saved)
        fit()
        self.fits[key] = dict(self.est.__dict__)

    def keep(self, key):
        """Leave the estimator as the fit recorded as ``key``."""
        self._become(self.fits[key])

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is not None:
            self._become(self.saved)
        return False


def members(cls, fits, starts):
    """One fitted single-network estimator of class ``cls`` per start.

    ``fits[k]`` is the estimator's ``__dict__`` after start ``k`` (its
    parameters and fitted attributes), ``starts[k]`` that start's
    ``random_state``.  A member has ``ensemble=False, n_init=1,
    random_state=starts[k]``, so ``clone(member).fit(X, y)`` refits exactly
    that member (for an int ``random_state``).  Its attributes are deep
    copies: changing a member never changes the committee's top level,
    which holds the best member's attributes.  Callbacks stay with the
    committee (a member has none).
    """
    out = []
    for fit, start in zip(fits, starts):
        member = cls.__new__(cls)
        state = {key: value for key, value in fit.items()
                 if key not in COMMITTEE_ATTRIBUTES and key != "random_state"
                 and not key.startswith(("_skl", "_callback"))}
        member.__dict__.update(copy.deepcopy(state))
        member.ensemble = False
        member.n_init = 1
        member.random_state = start
        out.append(member)
    return out


def combine(means, variances=None):
    """The committee's prediction and, with ``variances``, its variance.

    ``means[m]`` and ``variances[m]`` are member ``m``'s predictive mean and
    variance (same shapes).  Returns the mean :math:`\\bar\\mu =
    \\frac1M\\sum_m \\mu_m` and the variance :math:`\\frac1M\\sum_m
    \\sigma_m^2 + \\frac1M\\sum_m (\\mu_m - \\bar\\mu)^2`, the variance of
    the equal mixture of the members' predictive distributions.
    """
    n = len(means)
    mean = means[0]
    for m in means[1:]:
        mean = mean + m
    mean = mean / n
    if variances is None:
        return mean, None
    variance = 0.0
    for m, v in zip(means, variances):
        variance = variance + v + (m - mean) ** 2
    return mean, variance / n


def check_single_network(est, caller):
    """Raise for a committee: ``caller`` describes one network."""
    committee = getattr(est, "estimators_", None)
    if committee is None:
        return
    best = getattr(est, "best_index_", 0)
    raise ValueError(
        f"{caller} describes one network, and this {type(est).__name__} is a "
        f"committee of {len(committee)} networks (ensemble=True) whose "
        "prediction is their average. Use one member instead: estimators_[k] "
        f"is the k-th fitted network, estimators_[{best}] (best_index_) the "
        "one whose attributes (coefs_, log_evidence_, ...) the committee "
        "shows, e.g. model.estimators_[model.best_index_] (inside a Pipeline, "
        "pipe[-1].estimators_[k] with pipe[:-1] for the inputs)."
    )
