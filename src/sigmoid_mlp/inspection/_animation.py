r"""Training as a film: :class:`TrainingAnimation`.

The deck's last slide -- "repeat forward pass and backward pass many times"
-- shown while it happens: a clone of the estimator is trained ``every``
epochs at a time (``warm_start``), and after each chunk the prediction
curve, the weighted activation curves and the loss so far are recorded as
one frame.
"""

from __future__ import annotations

import copy
import re
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline

from ._common import (
    _as_input,
    _check_y,
    _grid,
    _num,
    _require_matplotlib,
    _single_feature,
)

__all__ = ["TrainingAnimation"]

# matplotlib's HTML player draws its buttons with Font Awesome icons from a
# CDN; offline, text symbols take their place and nothing is fetched.
_ICONS = {
    "fa fa-minus": "−", "fa fa-fast-backward": "⏮", "fa fa-step-backward": "|◀",
    "fa fa-play fa-flip-horizontal": "◀", "fa fa-pause": "❚❚",
    "fa fa-play": "▶", "fa fa-step-forward": "▶|", "fa fa-fast-forward": "⏭",
    "fa fa-plus": "+",
}


def _offline(html):
    """matplotlib's ``to_jshtml`` output without its one network resource."""
    html = re.sub(r"<link[^>]*https?://[^>]*>", "", html)
    return re.sub(r'<i class="([^"]*)"></i>',
                  lambda m: _ICONS.get(m.group(1), "·"), html)


def _positive_int(caller, name, value, low=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < low:
        raise ValueError(f"{caller}: {name} must be an integer >= {low}; "
                         f"got {value!r}.")
    return int(value)


class TrainingAnimation:
    r"""The training of a one-input network, frame by frame.

    Each frame shows, at one epoch: the data and the prediction curve, the
    weighted activation curves :math:`w_{1j}^{(L)} g(z_j^{(L-1)}(x))` with the
    bias :math:`w_{10}^{(L)}` (their sum is the curve), and the loss curve
    with the current epoch marked.  Create it with :meth:`from_estimator`;
    :meth:`draw_frame` draws one frame, :meth:`save` writes a GIF or MP4,
    :meth:`to_jshtml` a self-contained HTML player.

    Parameters
    ----------
    x, y : ndarray of shape (n_samples,)
        The data.
    grid : ndarray of shape (grid_resolution,)
        Where the curves are evaluated.
    epochs : ndarray of shape (n_frames,)
        The epoch (``n_iter_``) of each frame.
    predictions : ndarray of shape (n_frames, grid_resolution)
        The prediction curve of each frame (the estimator's ``predict``).
    contributions : ndarray of shape (n_frames, grid_resolution, n_units)
        :math:`w_{1j}^{(L)} g(z_j^{(L-1)})` on the grid for each frame.
    output_intercepts : ndarray of shape (n_frames,)
        :math:`w_{10}^{(L)}` of each frame.
    loss_curve : ndarray of shape (n_epochs,)
        The training loss per epoch (``loss_curve_`` of the last frame).
    coefs, intercepts : list of list of ndarray
        The weights of each frame.
    interval : int, default=100
        Milliseconds between frames.

    Attributes
    ----------
    estimator_ : estimator
        The trained copy (set by :meth:`from_estimator`).
    figure_ : matplotlib Figure
    axes_ : ndarray of three matplotlib Axes
        Prediction, contributions, loss.
    curve_line_ : matplotlib Line2D
        The current prediction curve.
    contribution_lines_ : list of matplotlib Line2D
        The current weighted activation curves, one per hidden unit.
    intercept_line_ : matplotlib Line2D
    loss_line_ : matplotlib Line2D
        The loss up to the current epoch.
    epoch_marker_ : matplotlib Line2D
        The current epoch on the loss curve.
    frame_ : int
        The frame drawn last.
    animation_ : matplotlib FuncAnimation
        Made by :meth:`save` or :meth:`to_jshtml`.

    Examples
    --------
    >>> import numpy as np
    >>> from sigmoid_mlp import SigmoidMLPRegressor
    >>> from sigmoid_mlp.inspection import TrainingAnimation
    >>> X = np.linspace(-3, 3, 40).reshape(-1, 1)
    >>> anim = TrainingAnimation.from_estimator(
    ...     SigmoidMLPRegressor(random_state=0), X, np.sin(X).ravel(),
    ...     every=20, n_frames=5)
    >>> anim.epochs.tolist()
    [20, 40, 60, 80, 100]
    >>> html = anim.to_jshtml()
    """

    def __init__(self, *, x, y, grid, epochs, predictions, contributions,
                 output_intercepts, loss_curve, coefs, intercepts, interval=100):
        self.x = x
        self.y = y
        self.grid = grid
        self.epochs = epochs
        self.predictions = predictions
        self.contributions = contributions
        self.output_intercepts = output_intercepts
        self.loss_curve = loss_curve
        self.coefs = coefs
        self.intercepts = intercepts
        self.interval = interval

    @classmethod
    def from_estimator(cls, estimator, X, y, *, every=50, n_frames=40,
                       sample_weight=None, grid_resolution=200, interval=100):
        """Train a clone of ``estimator`` on ``(X, y)``, recording a frame every ``every`` epochs.

        The clone (``sklearn.base.clone``: same parameters, not fitted) is
        fitted ``n_frames`` times with ``warm_start=True`` and
        ``max_iter=every``, each fit continuing from the last (for 'gd',
        'sgd' and 'adam' the solver's state carries over, so the frames are
        those of one long fit).  A fitted network whose ``warm_start`` is
        already True (e.g. ``SigmoidMLPRegressor.from_weights(...,
        warm_start=True)``, the deck's given or random starting weights) is
        copied instead, and training continues from its weights.  Recording
        stops early when a chunk stops before ``every`` epochs (the stopping
        rule was met).  The estimator itself is not changed.

        Parameters
        ----------
        estimator : SigmoidMLPRegressor or Pipeline
            A network, or a pipeline whose last step is one (fitted or not),
            with one input feature and one output.
        X : array-like of shape (n_samples, 1)
            Training inputs.
        y : array-like of shape (n_samples,)
            Training targets.
        every : int, default=50
            Epochs (for 'lbfgs' and 'lm': iterations) between frames.
        n_frames : int, default=40
            The most frames to record.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to ``fit``.
        grid_resolution : int, default=200
            Points per curve.
        interval : int, default=100
            Milliseconds between frames of the animation.

        Returns
        -------
        TrainingAnimation
            With the first frame drawn.
        """
        caller = "TrainingAnimation.from_estimator"
        every = _positive_int(caller, "every", every)
        n_frames = _positive_int(caller, "n_frames", n_frames)
        interval = _positive_int(caller, "interval", interval)
        given = (estimator.steps[-1][1] if isinstance(estimator, Pipeline)
                 else estimator)
        continue_ = (getattr(given, "warm_start", False) is True
                     and hasattr(given, "coefs_"))
        model = copy.deepcopy(estimator) if continue_ else clone(estimator)
        network = model.steps[-1][1] if isinstance(model, Pipeline) else model
        if not hasattr(network, "forward_pass"):
            raise TypeError(
                f"{caller} needs a SigmoidMLPRegressor (or a Pipeline whose last step "
                f"is one); got {type(network).__name__}.")
        x = _single_feature(X, caller)
        y = _check_y(y, x.shape[0], caller)
        grid = _grid(x, grid_resolution, caller)
        if getattr(network, "ensemble", False) is True:
            raise ValueError(
                f"{caller} animates the training of one network; ensemble=True "
                "fits a committee of n_init networks. Set ensemble=False (and "
                "n_init=1) to animate one, e.g. one member's parameters: "
                "clone(model.estimators_[k]).")
        network.set_params(warm_start=True, max_iter=every)
        fit_params = {}
        if sample_weight is not None:
            key = (f"{model.steps[-1][0]}__sample_weight" if model is not network
                   else "sample_weight")
            fit_params[key] = sample_weight
        inputs, grid_in = _as_input(x, X), _as_input(grid, X)
        epochs, predictions, contributions, bias, coefs, intercepts = \
            [], [], [], [], [], []

        def record():
            forward = network.forward_pass(
                model[:-1].transform(grid_in) if model is not network else grid_in)
            w_out = np.asarray(network.coefs_[-1][:, 0], dtype=np.float64)
            epochs.append(int(network.n_iter_))
            predictions.append(np.asarray(model.predict(grid_in), dtype=np.float64))
            contributions.append(np.asarray(forward.activations[-1]) * w_out)
            bias.append(float(network.intercepts_[-1][0]))
            coefs.append([np.array(W, dtype=np.float64) for W in network.coefs_])
            intercepts.append([np.array(b, dtype=np.float64)
                               for b in network.intercepts_])

        if continue_ and model is network:
            record()  # the starting weights, epoch n_iter_ (0 for from_weights)
        for _ in range(n_frames):
            before = getattr(network, "n_iter_", 0)
            with warnings.catch_warnings():
                # every chunk but the last ends at max_iter on purpose
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(inputs, y, **fit_params)
            record()
            if network.n_iter_ - before < every:
                break
        anim = cls(x=x, y=y, grid=grid, epochs=np.array(epochs),
                   predictions=np.array(predictions),
                   contributions=np.array(contributions),
                   output_intercepts=np.array(bias),
                   loss_curve=np.asarray(network.loss_curve_, dtype=np.float64),
                   coefs=coefs, intercepts=intercepts, interval=interval)
        anim.estimator_ = model  # the trained copy
        return anim.plot()

    def plot(self):
        """Set up the figure and draw the first frame.

        Returns
        -------
        TrainingAnimation
            ``self``, with the artists as attributes.
        """
        plt = _require_matplotlib("TrainingAnimation.plot")
        fig, axes = plt.subplots(1, 3, figsize=(14, 4))
        ax_curve, ax_contrib, ax_loss = axes
        ax_curve.scatter(self.x, self.y, s=10, alpha=0.4, color="tab:blue",
                         label="data")
        (self.curve_line_,) = ax_curve.plot(self.grid, self.predictions[0],
                                            color="tab:red", lw=2, label="prediction")
        low = min(self.y.min(), self.predictions.min())
        high = max(self.y.max(), self.predictions.max())
        pad = 0.05 * (high - low or 1.0)
        ax_curve.set_ylim(low - pad, high + pad)
        ax_curve.set_xlabel("x")
        ax_curve.set_ylabel("y")
        ax_curve.legend(loc="upper left", fontsize="small")
        colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
        self.contribution_lines_ = []
        for j in range(self.contributions.shape[2]):
            (line,) = ax_contrib.plot(
                self.grid, self.contributions[0][:, j], color=colors[j % len(colors)],
                ls="--", label=f"$w_{{1{j + 1}}} g(z_{{{j + 1}}})$")
            self.contribution_lines_.append(line)
        (self.intercept_line_,) = ax_contrib.plot(
            self.grid, np.full_like(self.grid, self.output_intercepts[0]),
            color="grey", ls=":", label="bias $w_{10}$")
        values = np.concatenate([self.contributions.ravel(), self.output_intercepts])
        pad = 0.05 * (np.ptp(values) or 1.0)
        ax_contrib.set_ylim(values.min() - pad, values.max() + pad)
        ax_contrib.set_xlabel("x")
        ax_contrib.set_title("weighted activations (sum + bias = curve)")
        if self.contributions.shape[2] <= 8:
            ax_contrib.legend(loc="upper left", fontsize="x-small")
        epochs = np.arange(1, self.loss_curve.size + 1)
        ax_loss.plot(epochs, self.loss_curve, color="lightgray", lw=1)
        (self.loss_line_,) = ax_loss.plot([], [], color="tab:purple", lw=1.5)
        (self.epoch_marker_,) = ax_loss.plot([], [], "o", color="tab:red")
        finite = self.loss_curve[np.isfinite(self.loss_curve)]
        if finite.size and np.all(finite > 0):
            ax_loss.set_yscale("log")
        ax_loss.set_xlabel("epoch")
        ax_loss.set_ylabel("loss J")
        self.figure_, self.axes_ = fig, axes
        self.draw_frame(0)
        fig.tight_layout()
        return self

    def draw_frame(self, i):
        """Draw frame ``i`` (its epoch's curves and loss).

        Parameters
        ----------
        i : int
            0 .. ``len(epochs) - 1``.

        Returns
        -------
        list of matplotlib artists
            The artists that changed.
        """
        n = len(self.epochs)
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) \
                or not -n <= i < n:
            raise IndexError(f"TrainingAnimation.draw_frame: frame {i!r} does not "
                             f"exist; there are {n} frames (0 .. {n - 1}).")
        i = int(i) % n
        epoch = int(self.epochs[i])
        self.curve_line_.set_ydata(self.predictions[i])
        for j, line in enumerate(self.contribution_lines_):
            line.set_ydata(self.contributions[i][:, j])
        self.intercept_line_.set_ydata(np.full_like(self.grid, self.output_intercepts[i]))
        shown = min(epoch, self.loss_curve.size)
        self.loss_line_.set_data(np.arange(1, shown + 1), self.loss_curve[:shown])
        self.epoch_marker_.set_data([shown], [self.loss_curve[shown - 1]])
        self.axes_[0].set_title(f"epoch {epoch}")
        self.axes_[2].set_title(f"loss at epoch {shown}: "
                                f"{_num(self.loss_curve[shown - 1], 4)}")
        self.frame_ = i
        return [self.curve_line_, *self.contribution_lines_, self.intercept_line_,
                self.loss_line_, self.epoch_marker_]

    def _animation(self):
        from matplotlib.animation import FuncAnimation

        self.animation_ = FuncAnimation(self.figure_, self.draw_frame,
                                        frames=len(self.epochs),
                                        interval=self.interval, blit=False)
        return self.animation_

    def save(self, path, *, fps=None, dpi=80):
        """Write the animation to a GIF (Pillow) or an MP4 file (ffmpeg).

        Parameters
        ----------
        path : str or path-like
            Ends in ``.gif`` or ``.mp4``.
        fps : float, default=None
            Frames per second; None from ``interval``.
        dpi : int, default=80
            Resolution.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        from matplotlib import animation

        path = Path(path)
        fps = 1000.0 / self.interval if fps is None else fps
        suffix = path.suffix.lower()
        if suffix == ".gif":
            writer = animation.PillowWriter(fps=fps)
        elif suffix == ".mp4":
            if not animation.writers.is_available("ffmpeg"):
                raise RuntimeError(
                    "TrainingAnimation.save: writing MP4 needs the ffmpeg program, "
                    "which matplotlib cannot find; install ffmpeg (e.g. `apt-get "
                    "install ffmpeg` or `conda install ffmpeg`) or save a .gif.")
            writer = animation.FFMpegWriter(fps=fps)
        else:
            raise ValueError(
                f"TrainingAnimation.save writes .gif or .mp4 files; got {str(path)!r}. "
                "Use a file name ending in .gif (Pillow) or .mp4 (ffmpeg).")
        self._animation().save(path, writer=writer, dpi=dpi)
        return path

    def to_jshtml(self):
        """The animation as one self-contained HTML player (frames embedded as PNG).

        matplotlib's ``Animation.to_jshtml``, with the player's button icons
        drawn as text instead of loaded from a CDN: the HTML fetches nothing.

        Returns
        -------
        str
            HTML with JavaScript controls, for notebooks and web pages.
        """
        return _offline(self._animation().to_jshtml())

    def _repr_html_(self):
        return self.to_jshtml()
