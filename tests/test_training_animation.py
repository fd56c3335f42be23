"""TrainingAnimation records the estimator's own training, frame by frame.

The frames are compared with one straight fit of the same estimator and
with models rebuilt from the recorded weights; the artists with the frames.
Skipped when matplotlib (the optional ``plot`` extra) is not installed.
"""

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _helpers import deck_model, sine_data  # noqa: E402

from sigmoid_mlp import SigmoidMLPRegressor  # noqa: E402
from sigmoid_mlp.inspection import TrainingAnimation  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures(request):
    yield
    # SIGMOID_MLP_TEST_FIGURES=<dir> keeps the figures the tests drew
    keep = os.environ.get("SIGMOID_MLP_TEST_FIGURES")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for num in plt.get_fignums():
            plt.figure(num).savefig(Path(keep) / f"{name}_{num}.png",
                                    bbox_inches="tight")
    plt.close("all")


def straight_fit(model, X, y, max_iter):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.set_params(max_iter=max_iter).fit(X, y)


def test_the_frames_are_one_long_fit():
    X, y = sine_data()
    estimator = SigmoidMLPRegressor(random_state=0, n_iter_no_change=np.inf)
    anim = TrainingAnimation.from_estimator(estimator, X, y, every=15, n_frames=4,
                                            grid_resolution=31)
    assert_array_equal(anim.epochs, [15, 30, 45, 60])
    assert not hasattr(estimator, "coefs_")  # the estimator is not touched
    straight = straight_fit(SigmoidMLPRegressor(random_state=0,
                                                n_iter_no_change=np.inf), X, y, 60)
    assert_allclose(anim.loss_curve, straight.loss_curve_, rtol=1e-12)
    for W, V in zip(anim.coefs[-1], straight.coefs_):
        assert_allclose(W, V, rtol=1e-10, atol=1e-14)
    grid = np.linspace(X.min(), X.max(), 31)
    assert_allclose(anim.grid, grid)
    for i in range(4):
        frame = SigmoidMLPRegressor.from_weights(anim.coefs[i], anim.intercepts[i])
        assert_allclose(anim.predictions[i], frame.predict(grid[:, None]), rtol=1e-12)
        act = frame.forward_pass(grid[:, None]).activations[1]
        assert_allclose(anim.contributions[i], act * frame.coefs_[1][:, 0])
        assert_allclose(anim.contributions[i].sum(axis=1) + anim.output_intercepts[i],
                        anim.predictions[i], rtol=1e-10, atol=1e-12)


def test_draw_frame_puts_the_frame_on_the_artists():
    X, y = sine_data()
    anim = TrainingAnimation.from_estimator(
        SigmoidMLPRegressor(random_state=1, n_iter_no_change=np.inf), X, y,
        every=10, n_frames=3)
    assert anim.frame_ == 0
    for i in (2, 1, -1):
        changed = anim.draw_frame(i)
        assert anim.curve_line_ in changed
        k = i % 3
        assert_array_equal(anim.curve_line_.get_ydata(), anim.predictions[k])
        for j, line in enumerate(anim.contribution_lines_):
            assert_array_equal(line.get_ydata(), anim.contributions[k][:, j])
        assert_array_equal(anim.intercept_line_.get_ydata(),
                           np.full(anim.grid.size, anim.output_intercepts[k]))
        epoch = anim.epochs[k]
        assert_array_equal(anim.loss_line_.get_xdata(), np.arange(1, epoch + 1))
        assert_array_equal(anim.loss_line_.get_ydata(), anim.loss_curve[:epoch])
        assert_array_equal(anim.epoch_marker_.get_xdata(), [epoch])
        assert anim.axes_[0].get_title() == f"epoch {epoch}"
    assert_array_equal(anim.axes_[0].collections[0].get_offsets(), np.c_[X.ravel(), y])
    with pytest.raises(IndexError, match="there are 3 frames"):
        anim.draw_frame(3)


def test_continues_from_given_weights_and_stops_when_converged():
    X, y = sine_data()
    given = deck_model(warm_start=True, n_iter_no_change=np.inf)
    anim = TrainingAnimation.from_estimator(given, X, y, every=5, n_frames=2)
    assert_array_equal(anim.epochs, [0, 5, 10])
    assert_allclose(anim.predictions[0], given.predict(anim.grid[:, None]))
    assert given.n_iter_ == 0  # a copy was trained
    # 'lbfgs' converges in fewer iterations than a chunk: recording stops
    lbfgs = SigmoidMLPRegressor(solver="lbfgs", random_state=0)
    anim = TrainingAnimation.from_estimator(lbfgs, X, y, every=5000, n_frames=5)
    assert len(anim.epochs) == 1 and anim.epochs[0] < 5000


def test_a_pipeline_is_animated_in_the_original_units():
    X, y = sine_data()
    pipe = make_pipeline(StandardScaler(), SigmoidMLPRegressor(random_state=0))
    anim = TrainingAnimation.from_estimator(pipe, 3 * X + 10, y, every=10, n_frames=2,
                                            sample_weight=np.ones(len(y)))
    assert_allclose(anim.x, 3 * X.ravel() + 10)
    assert_allclose(anim.predictions[-1], anim.estimator_.predict(anim.grid[:, None]))


def test_save_writes_a_gif_and_mp4_needs_ffmpeg(tmp_path, monkeypatch):
    from matplotlib import animation
    from PIL import Image

    X, y = sine_data(n=20)
    anim = TrainingAnimation.from_estimator(SigmoidMLPRegressor(random_state=0), X, y,
                                            every=5, n_frames=3)
    path = anim.save(tmp_path / "training.gif", dpi=30)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 3
    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    with pytest.raises(RuntimeError, match="needs the ffmpeg program"):
        anim.save(tmp_path / "training.mp4")
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        anim.save(tmp_path / "training.avi")


def test_to_jshtml_is_self_contained():
    X, y = sine_data(n=20)
    anim = TrainingAnimation.from_estimator(SigmoidMLPRegressor(random_state=0), X, y,
                                            every=5, n_frames=2)
    html = anim.to_jshtml()
    assert html.count("data:image/png;base64") == 2
    assert not re.search(r"(src|href)=\"https?://", html)
    assert "fa fa-play" not in html and "▶" in html
    assert anim._repr_html_().count("data:image/png;base64") == 2


def test_errors_say_what_was_wrong():
    X, y = sine_data()
    with pytest.raises(TypeError, match="needs a SigmoidMLPRegressor"):
        TrainingAnimation.from_estimator(Ridge(), X, y)
    with pytest.raises(ValueError, match="single input feature"):
        TrainingAnimation.from_estimator(SigmoidMLPRegressor(), np.c_[X, X], y)
    with pytest.raises(ValueError, match="every must be an integer >= 1"):
        TrainingAnimation.from_estimator(SigmoidMLPRegressor(), X, y, every=0)
    with pytest.raises(ValueError, match="1-D with one target per sample"):
        TrainingAnimation.from_estimator(SigmoidMLPRegressor(max_iter=1), X,
                                         np.c_[y, y], every=1, n_frames=1)
