"""``hidden_layer_sizes='auto'``: the size of one hidden layer, chosen by the evidence.

:func:`search_sizes` fits one candidate size after another (each with all
``n_init`` starts, through the ``fit_size`` it is given) and keeps the one
whose log evidence, *with the network's symmetry factor* over the units
the posterior determines (:func:`symmetry_log_factor` of
:func:`determined_units`), is largest.  It stops early once
``PATIENCE`` larger sizes in a row have not raised the best (the rule
alone, on any totals: :func:`walk`).  The search
knows nothing of training: ``fit_size((h,))`` fits the estimator with
``h`` hidden units and leaves ``log_evidence_`` on it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._committee import Candidates
from ._diagnostics import warn_user
from ._network import FlatLayout

__all__ = [
    "CANDIDATE_SIZES",
    "DETERMINED_Z",
    "PATIENCE",
    "SIZE_ATTRIBUTES",
    "candidate_sizes",
    "determined_units",
    "search_sizes",
    "symmetry_log_factor",
    "walk",
]

#: The candidate sizes of the one hidden layer, tried in this order.  The
#: issue's probe (issue 28: 5-fold CV on 11 small data sets) chose among
#: these per fold and kept most of both the gain of 8 units on Friedman #1
#: and the strength of 3 units on the sets that need few; 2 is the
#: smallest network that is more than one sigmoid, 12 the largest that
#: 'lm' still fits in well under a second on a few hundred rows of 10
#: inputs (145 weights), and the steps grow by about half each time, so
#: that five fits cover the range.
CANDIDATE_SIZES = (2, 3, 5, 8, 12)

#: The search stops after this many consecutive candidates that do not
#: raise the best total log evidence (one size that does not gain can be a
#: poor local optimum of that size; two in a row are a trend).
PATIENCE = 2

#: A hidden unit counts in the symmetry factor when one of its outgoing
#: weights lies more than this many posterior standard deviations from 0.
DETERMINED_Z = 2.0

#: Fitted attributes of a search; a fit with a fixed size removes them.
SIZE_ATTRIBUTES = ("hidden_layer_sizes_", "evidence_by_size_")


def symmetry_log_factor(h):
    r""":math:`\ln(h!\,2^h)`: how many weight vectors give one network of ``h`` units.

    Permuting the ``h`` sigmoid units of a hidden layer (:math:`h!` ways)
    and flipping the sign of any of them (:math:`2^h` ways: negate its
    incoming weights and bias and its outgoing weight, and add the outgoing
    weight to the output bias, since :math:`g(-z) = 1 - g(z)`) leave the
    network's function unchanged; the Laplace approximation counts the
    posterior mass around one of these modes only (MacKay 1992; Bishop
    1995, section 10.6).
    """
    return math.lgamma(h + 1) + h * math.log(2.0)


def determined_units(est):
    r"""How many units of the one hidden layer the posterior sets apart from 0.

    A unit counts when one of its outgoing weights :math:`v` (on the scale
    the network was trained on, i.e. divided by the target's scale under
    ``normalize_y``) lies more than ``DETERMINED_Z`` posterior standard
    deviations from zero: :math:`|v| > z\,\sqrt{(A^{-1})_{vv}}`, with
    :math:`A^{-1} = F F^\top` the Laplace covariance the fit keeps for
    ``return_std``.  Only such units make the sign-flipped and permuted
    copies of a mode *separate* modes: a unit whose outgoing weight the
    data leave within reach of 0 joins its flipped copy through the ridge
    :math:`v = 0` (one mode, whose mass the Laplace approximation has
    already counted once), and units of that kind exchanged give one
    region, not several.  Without a posterior (no evidence fit) every unit
    counts.
    """
    factor = getattr(est, "_posterior_factor", None)
    coefs = est.coefs_
    n_hidden = coefs[-1].shape[0]
    if factor is None:
        return n_hidden
    out = np.asarray(coefs[-1], dtype=np.float64)
    scaling = getattr(est, "_y_scaling", None)
    if scaling is not None:
        out = out / np.asarray(scaling[1], dtype=np.float64)
    layout = FlatLayout([coefs[0].shape[0], *(c.shape[1] for c in coefs)])
    start, end, shape = layout.slices[len(coefs) - 1]
    sd = np.sqrt(np.sum(np.asarray(factor)[start:end] ** 2, axis=1)).reshape(shape)
    return int(np.sum(np.any(np.abs(out) > DETERMINED_Z * sd, axis=1)))


def _total(log_evidence, k):
    """A size's log evidence with the symmetry factor of its ``k``
    determined units; NaN counts as ``-inf`` (a size whose evidence could
    not be computed never wins)."""
    value = float(log_evidence)
    if math.isnan(value):
        return -math.inf
    return value + symmetry_log_factor(k)


def walk(candidates, total_of):
    """The search's rule, apart from the fitting: the best candidate and the totals.

    Calls ``total_of(h)`` for each candidate in turn and stops once
    ``PATIENCE`` candidates in a row have not raised the best total (a tie
    is not a gain).  Returns the candidate with the largest total (the
    first of equals) and ``{h: total}`` for the candidates tried, in order.
    """
    totals, best, not_gaining = {}, None, 0
    for h in candidates:
        totals[h] = total_of(h)
        if best is None or totals[h] > totals[best]:
            best, not_gaining = h, 0
        else:
            not_gaining += 1
            if not_gaining >= PATIENCE:
                break
    return best, totals


def candidate_sizes(est, warm):
    """The sizes a search fits: :data:`CANDIDATE_SIZES`, or with ``warm``
    (``warm_start=True`` on a fitted model) the fitted network's one hidden
    layer, continued once."""
    if not warm:
        return tuple(CANDIDATE_SIZES)
    hidden = tuple(c.shape[1] for c in est.coefs_[:-1])
    if len(hidden) != 1:
        raise ValueError(
            "hidden_layer_sizes='auto' with warm_start=True continues the "
            "fitted network, which must have one hidden layer; this one "
            f"has hidden layers {hidden}. Set warm_start=False to search "
            "the size again, or hidden_layer_sizes to the fitted sizes."
        )
    return hidden


def search_sizes(est, fit_size, candidates):
    """Fit the candidate sizes with ``fit_size``; leave ``est`` at the best.

    ``fit_size(hidden)`` fits ``est`` with the hidden layers ``hidden``
    (a tuple).  Every candidate starts from the estimator as it was before
    the call, so the model kept is exactly a fit of the chosen size.  Sets
    ``hidden_layer_sizes_`` (the chosen size, a tuple) and
    ``evidence_by_size_`` (each size tried -> its log evidence with the
    symmetry factor).  The warnings of the kept fit are issued again after
    the search; those of the other candidates are dropped.  A failure of
    any candidate leaves ``est`` as it was before the call.

    ``candidates`` is :func:`candidate_sizes`'s answer: with
    ``warm_start=True`` on a fitted model, the fitted network's one size,
    continued once, with no search.
    """
    caught_by = {}  # size -> the warnings of its fit
    verbose = getattr(est, "verbose", False)

    with Candidates(est) as tried:
        def total_of(h):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                tried.fit(h, lambda: fit_size((h,)))
            caught_by[h] = list(caught)
            k = determined_units(est)
            total = _total(est.log_evidence_, k)
            if verbose:
                print(f"hidden_layer_sizes=({h},): log evidence "
                      f"{float(est.log_evidence_):.6g}, {k} determined "
                      f"unit{'' if k == 1 else 's'}, total {total:.6g}", flush=True)
            return total

        h, evidence_by_size = walk(candidates, total_of)
        tried.keep(h)
    if verbose:
        print(f"chosen: hidden_layer_sizes_=({h},), the largest total of "
              f"{len(evidence_by_size)} sizes tried", flush=True)
    est.hidden_layer_sizes_ = (h,)
    est.evidence_by_size_ = evidence_by_size
    for item in caught_by[h]:
        warn_user(item.message, item.category)
