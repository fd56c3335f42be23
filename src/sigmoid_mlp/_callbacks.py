"""Per-epoch reporting: ``verbose`` lines and scikit-learn's callbacks.

scikit-learn >= 1.9 has a callback API (``sklearn.callback``); with older
releases :class:`CallbackSupportMixin` and :func:`with_callbacks` are
stand-ins and only ``verbose`` reports.
"""

from __future__ import annotations

import time

from ._array_api import copy_arrays

try:  # scikit-learn >= 1.9: the callback API (sklearn.callback)
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    HAS_CALLBACK_API = True
except ImportError:  # older scikit-learn: no callbacks, everything else works
    HAS_CALLBACK_API = False

    class CallbackSupportMixin:
        """Stand-in: no callback support before scikit-learn 1.9."""

        pass

    def with_callbacks(method):
        return method


__all__ = ["HAS_CALLBACK_API", "CallbackSupportMixin", "Hooks", "with_callbacks"]


class Hooks:
    """Per-epoch work around the training loops: verbose output and callbacks.

    With scikit-learn >= 1.9 and callbacks set (directly or propagated by a
    meta-estimator such as ``Pipeline`` or ``GridSearchCV``), every epoch
    (L-BFGS, LM: iteration) is a callback sub-task of the ``fit`` task; its
    ``on_fit_task_end`` hooks receive a ``fitted_estimator`` holding the
    weights after the epoch, and any of them returning True stops training.
    """

    def __init__(self, est, state, ctx, X, y, metadata, task_name):
        self.est = est
        self.state = state
        self.ctx = ctx
        self.X = X
        self.y = y
        self.metadata = metadata
        self.task_name = task_name
        self.subtask = None
        self.start = time.perf_counter()

    @property
    def active(self):
        """Whether anything runs per epoch (else loops may fuse epochs)."""
        return bool(self.est.verbose) or self.ctx is not None

    def _attributes(self):
        state = self.state
        return {
            "coefs_": copy_arrays(state.coefs),
            "intercepts_": copy_arrays(state.intercepts),
            "n_iter_": state.n_iter,
            "t_": state.t,
            "loss_curve_": list(state.loss_curve),
        }

    def begin(self, epoch):
        if self.ctx is None:
            return
        self.subtask = self.ctx.subcontext(task_name=self.task_name)
        self.subtask.call_on_fit_task_begin(
            estimator=self.est, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=self._attributes,
        )

    def end(self, info):
        """Report a committed epoch; True when a callback asks to stop."""
        if self.est.verbose:
            line = f"Epoch {self.state.n_iter}: loss = {info.loss:.8g}"
            if info.validation_loss is not None:
                line += f", validation loss = {info.validation_loss:.8g}"
            elapsed = time.perf_counter() - self.start
            print(f"{line}, elapsed = {elapsed:.3f}s", flush=True)
        if self.subtask is None:
            return False
        subtask, self.subtask = self.subtask, None
        return subtask.call_on_fit_task_end(
            estimator=self.est, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=self._attributes,
        )

    def close(self):
        """End a sub-task that was begun but never ran to its end."""
        if self.subtask is not None:
            subtask, self.subtask = self.subtask, None
            subtask.call_on_fit_task_end(estimator=self.est)
